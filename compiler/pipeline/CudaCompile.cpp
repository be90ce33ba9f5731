//===- CudaCompile.cpp - The CUDA provider's half of compileModel ---------===//
//
// From linalg on tensors, what compileModel does for the CPU up to the
// artifact: the strategy here is codegen/cuda's pipeline, the output the
// PTX of every kernel and the host schedule. The artifact that carries
// them for the runtime (docs/architecture.md, "The CUDA provider") is not
// built yet: --emit=ptx, mlir and linalg are what this provider writes.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cuda/Passes.h"
#include "compiler/codegen/cuda/PtxEmission.h"
#include "compiler/pipeline/Compiler.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

kiln::CudaCodegenOptions
kiln::cudaCodegenOptions(const CompileOptions &options) {
  CudaCodegenOptions codegen;
  codegen.optLevel = options.optLevel;
  codegen.chips = options.cudaChips;
  codegen.toolkit = options.cudaToolkit.empty() ? defaultCudaToolkit().str()
                                                : options.cudaToolkit;
  return codegen;
}

bool kiln::compileCudaModule(ModuleOp module, const CompileOptions &options,
                             const std::string &outPath, std::string &error,
                             int &code) {
  auto fail = [&](int c, std::string what) {
    code = c;
    error = std::move(what);
    return false;
  };
  auto print = [&]() {
    if (outPath == "-") {
      module.print(llvm::outs());
      return true;
    }
    std::error_code ec;
    llvm::raw_fd_ostream os(outPath, ec);
    if (ec)
      return fail(1, "cannot write " + outPath + ": " + ec.message());
    module.print(os);
    return true;
  };
  if (options.emit != EmitKind::Linalg && options.emit != EmitKind::Mlir &&
      options.emit != EmitKind::Ptx)
    return fail(2, "the CUDA provider writes --emit=ptx, mlir or linalg for "
                   "now: the artifact that carries PTX for the runtime is "
                   "not built yet (issue 15)");
  for (const std::string &chip : options.cudaChips)
    if (!ptxFeaturesForChip(chip))
      return fail(2, "unknown CUDA architecture '" + chip +
                         "' (expected sm_50 to sm_121, e.g. sm_80, sm_90)");
  if (options.emit == EmitKind::Linalg)
    return print();

  CudaCodegenOptions codegen = cudaCodegenOptions(options);
  // Math in kernels calls libdevice's __nv_* functions: without it the PTX
  // keeps them as unresolved externs that ptxas and the driver refuse.
  llvm::SmallString<256> libdevice(codegen.toolkit);
  llvm::sys::path::append(libdevice, "nvvm", "libdevice", "libdevice.10.bc");
  if (codegen.toolkit.empty() || !llvm::sys::fs::exists(libdevice))
    return fail(2, "the CUDA provider needs a CUDA toolkit with libdevice: "
                   "none at '" +
                       codegen.toolkit + "' (--cuda-toolkit=PATH)");

  PassManager pm(module.getContext());
  if (options.printIRAfterAll)
    pm.enableIRPrinting();
  buildCudaCodegenPipeline(pm, codegen);
  if (failed(pm.run(module)))
    return fail(5, "CUDA code generation failed");
  if (options.emit == EmitKind::Mlir)
    return print();
  if (outPath == "-")
    return fail(2, "--emit=ptx writes a directory: give it with -o DIR");
  if (failed(writePtxDirectory(module, outPath, error)))
    return fail(1, error);
  return true;
}
