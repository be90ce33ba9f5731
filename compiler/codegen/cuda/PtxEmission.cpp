//===- PtxEmission.cpp - The PTX of every kernel and the host schedule ----===//
//
// `kiln-compile --provider=cuda --emit=ptx -o DIR` writes what the CUDA
// artifact will carry, readable while the runtime half is not built:
//
//   DIR/<kernel>.<chip>.ptx  one PTX module per kernel and architecture
//   DIR/host.mlir            the host schedule: allocations, scalar reads,
//                            gpu.launch_func with grids and buffer bindings
//   DIR/kernels.txt          one line per launch: kernel, grid, block and
//                            the types of its arguments, in order
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cuda/PtxEmission.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/IR/Matchers.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace {

bool writeFile(llvm::StringRef path, llvm::StringRef text, std::string &error) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_Text);
  if (ec) {
    error = ("cannot write " + path + ": " + ec.message()).str();
    return false;
  }
  os << text;
  return true;
}

void printDim(llvm::raw_ostream &os, gpu::KernelDim3 dims) {
  auto one = [&](Value v) {
    APInt c;
    if (matchPattern(v, m_ConstantInt(&c)))
      os << c.getSExtValue();
    else
      os << "?";
  };
  os << "(";
  one(dims.x);
  os << ", ";
  one(dims.y);
  os << ", ";
  one(dims.z);
  os << ")";
}

} // namespace

LogicalResult kiln::writePtxDirectory(ModuleOp module, llvm::StringRef dir,
                                      std::string &error) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir)) {
    error = ("cannot create " + dir + ": " + ec.message()).str();
    return failure();
  }
  SmallVector<gpu::BinaryOp> binaries(module.getOps<gpu::BinaryOp>());
  for (gpu::BinaryOp binary : binaries) {
    for (Attribute attr : binary.getObjects()) {
      auto object = cast<gpu::ObjectAttr>(attr);
      auto target = dyn_cast<NVVM::NVVMTargetAttr>(object.getTarget());
      if (!target || object.getFormat() != gpu::CompilationTarget::Assembly) {
        error = "kernel module " + binary.getSymName().str() +
                " holds an object that is not NVVM assembly (PTX)";
        return failure();
      }
      llvm::SmallString<256> path(dir);
      llvm::sys::path::append(path, binary.getSymName() + "." +
                                        target.getChip() + ".ptx");
      if (!writeFile(path, object.getObject().getValue(), error))
        return failure();
    }
  }

  std::string schedule;
  llvm::raw_string_ostream os(schedule);
  module.walk([&](gpu::LaunchFuncOp launch) {
    os << "launch " << launch.getKernelModuleName().getValue() << " grid ";
    printDim(os, launch.getGridSizeOperandValues());
    os << " block ";
    printDim(os, launch.getBlockSizeOperandValues());
    os << " args (";
    llvm::interleaveComma(launch.getKernelOperands(), os,
                          [&](Value v) { os << v.getType(); });
    os << ")\n";
  });
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, "kernels.txt");
  if (!writeFile(path, schedule, error))
    return failure();

  // The host schedule without the PTX, which the files above hold.
  for (gpu::BinaryOp binary : binaries)
    binary.erase();
  std::string host;
  llvm::raw_string_ostream hostOs(host);
  // Its launches name the kernels just erased: print it as it was
  // verified, in its custom form.
  module.print(hostOs, OpPrintingFlags().assumeVerified());
  path = dir;
  llvm::sys::path::append(path, "host.mlir");
  return success(writeFile(path, host, error));
}
