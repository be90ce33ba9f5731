//===- GpuHostKernels.cpp - Kernels as host functions, for the tests ------===//
//
// A machine without a GPU cannot run a CUDA artifact's kernels, but the
// tests' fake driver can run their host copies: with these, a compiled
// model runs through the real runtime path (inputs copied to "device"
// memory, constants translated, parameters marshaled, waits, outputs copied
// back) and its outputs are compared with the references, as the
// emulation (kiln-gpu-launch-to-loops) compares the schedule's.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cuda/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_GPUHOSTKERNELS
#include "compiler/codegen/cuda/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The index of `dim` among x, y, z.
unsigned dimIndex(gpu::Dimension dim) { return static_cast<unsigned>(dim); }

LogicalResult copyKernel(ModuleOp top, gpu::GPUModuleOp module,
                         gpu::GPUFuncOp kernel) {
  WalkResult serial = kernel.walk([](Operation *op) {
    if (isa<gpu::BarrierOp, gpu::ShuffleOp, gpu::AllReduceOp,
            gpu::SubgroupReduceOp>(op)) {
      op->emitOpError("synchronizes threads: its kernel has no serial host "
                      "copy");
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (serial.wasInterrupted())
    return failure();
  if (!kernel.getWorkgroupAttributions().empty() ||
      !kernel.getPrivateAttributions().empty() || !kernel.getBody().hasOneBlock())
    return kernel.emitOpError("with memory attributions or several blocks "
                              "has no serial host copy");

  MLIRContext *ctx = top.getContext();
  Type index = IndexType::get(ctx);
  // block id, thread id, grid size, block size: x, y, z each.
  SmallVector<Type> inputs(12, index);
  llvm::append_range(inputs, kernel.getArgumentTypes());
  OpBuilder b = OpBuilder::atBlockEnd(top.getBody());
  auto host = func::FuncOp::create(
      b, kernel.getLoc(), ("kiln_host_kernel_" + module.getName()).str(),
      FunctionType::get(ctx, inputs, {}));
  Block *entry = host.addEntryBlock();
  IRMapping map;
  for (auto [from, to] : llvm::zip(kernel.getArguments(),
                                   entry->getArguments().drop_front(12)))
    map.map(from, to);
  b.setInsertionPointToStart(entry);
  for (Operation &op : kernel.getBody().front()) {
    auto ids = [&](unsigned group, gpu::Dimension dim) {
      return entry->getArgument(3 * group + dimIndex(dim));
    };
    if (auto id = dyn_cast<gpu::BlockIdOp>(op)) {
      map.map(id.getResult(), ids(0, id.getDimension()));
    } else if (auto id = dyn_cast<gpu::ThreadIdOp>(op)) {
      map.map(id.getResult(), ids(1, id.getDimension()));
    } else if (auto dim = dyn_cast<gpu::GridDimOp>(op)) {
      map.map(dim.getResult(), ids(2, dim.getDimension()));
    } else if (auto dim = dyn_cast<gpu::BlockDimOp>(op)) {
      map.map(dim.getResult(), ids(3, dim.getDimension()));
    } else if (isa<gpu::ReturnOp>(op)) {
      func::ReturnOp::create(b, op.getLoc());
    } else {
      b.clone(op, map);
    }
  }
  // Id ops nested in regions (a guard's body) refer to the same values.
  WalkResult nested = host.walk([&](Operation *op) {
    if (isa<gpu::BlockIdOp, gpu::ThreadIdOp, gpu::GridDimOp,
            gpu::BlockDimOp>(op)) {
      op->emitOpError("inside a region of the kernel: not mapped to the "
                      "host copy's arguments");
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (nested.wasInterrupted())
    return failure();

  // Constants outlining cloned into the kernel module.
  SymbolTable symbols(top);
  for (Operation &op : module.getBody()->without_terminator()) {
    auto symbol = dyn_cast<SymbolOpInterface>(op);
    if (!symbol || &op == kernel.getOperation() ||
        symbols.lookup(symbol.getName()))
      continue;
    b.setInsertionPointToStart(top.getBody());
    symbols.insert(b.clone(op));
  }
  return success();
}

struct GpuHostKernelsPass
    : kiln::impl::GpuHostKernelsBase<GpuHostKernelsPass> {
  void runOnOperation() override {
    ModuleOp top = getOperation();
    SmallVector<std::pair<gpu::GPUModuleOp, gpu::GPUFuncOp>> kernels;
    for (auto module : top.getOps<gpu::GPUModuleOp>())
      for (auto func : module.getOps<gpu::GPUFuncOp>())
        if (func.isKernel())
          kernels.emplace_back(module, func);
    for (auto [module, kernel] : kernels)
      if (failed(copyKernel(top, module, kernel)))
        return signalPassFailure();
  }
};

} // namespace
