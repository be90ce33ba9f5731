//===- GemmUkernel.cpp - fp32 contractions as calls to the GEMM kernel ----===//
//
// Every fp32 matmul-shaped linalg op on buffers (linalg.matmul and
// batch_matmul with any transposing or broadcasting indexing maps, and
// generics that are contractions of the same shape) becomes one call to the
// packed GEMM of the support library, kiln_sgemm_<isa>
// (compiler/artifact/support/gemm). The kernel reads every operand through
// per-dim element strides, so transposes and broadcast batch dims cost no
// copies, and symbolic sizes take the same path as static ones.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cpu/Passes.h"
#include "compiler/codegen/cpu/UkernelCall.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/IR/BuiltinOps.h"

namespace kiln {
#define GEN_PASS_DEF_GEMMUKERNEL
#include "compiler/codegen/cpu/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The loop dims (batch or -1, m, n, k) of a single-m/n/k contraction on
/// fp32 buffers whose maps are projected permutations, or nothing.
std::optional<std::array<int64_t, 4>> matchF32Gemm(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.getElementType().isF32())
      return std::nullopt;
    if (!op.getMatchingIndexingMap(&operand).isProjectedPermutation())
      return std::nullopt;
  }
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims))
    return std::nullopt;
  // A batch dim that only one operand indexes (an A or B shared by every
  // batch) is inferred as a second m or n dim; it is the batch when it is
  // C's outermost dim, and the operand without it moves by 0 per batch.
  unsigned outer =
      op.getMatchingIndexingMap(op.getDpsInitOperand(0)).getDimPosition(0);
  for (SmallVector<unsigned, 2> *group : {&dims->m, &dims->n})
    if (group->size() == 2 && dims->batch.empty() &&
        llvm::is_contained(*group, outer)) {
      dims->batch.push_back(outer);
      llvm::erase(*group, outer);
    }
  if (dims->m.size() != 1 || dims->n.size() != 1 || dims->k.size() != 1 ||
      dims->batch.size() > 1)
    return std::nullopt;
  // The dims are unsigned: no batch is -1 only as an int64_t.
  int64_t batch =
      dims->batch.empty() ? int64_t{-1} : static_cast<int64_t>(dims->batch[0]);
  return std::array<int64_t, 4>{batch, dims->m[0], dims->n[0], dims->k[0]};
}

struct GemmUkernelPass : kiln::impl::GemmUkernelBase<GemmUkernelPass> {
  using Base::Base;

  void lower(linalg::LinalgOp op, std::array<int64_t, 4> loopDims,
             func::FuncOp kernel) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    SmallVector<Range, 4> ranges = op.createLoopRanges(b, loc);
    auto size = [&](int64_t dim) -> Value {
      if (dim < 0)
        return arith::ConstantIndexOp::create(b, loc, 1);
      return getValueOrCreateConstantIndexOp(b, loc, ranges[dim].size);
    };
    SmallVector<Value> args = {size(loopDims[0]), size(loopDims[1]),
                               size(loopDims[2]), size(loopDims[3])};
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    // Operand dims in the order the kernel takes their strides.
    std::array<std::array<int64_t, 3>, 3> strideDims = {{
        {loopDims[0], loopDims[1], loopDims[3]}, // A: b, m, k
        {loopDims[0], loopDims[3], loopDims[2]}, // B: b, k, n
        {loopDims[0], loopDims[1], loopDims[2]}, // C: b, m, n
    }};
    for (auto [index, operand] : llvm::enumerate(op->getOpOperands())) {
      kiln::BufferArg buffer = kiln::getBufferArg(b, loc, operand.get());
      args.push_back(buffer.address);
      AffineMap map = op.getMatchingIndexingMap(&operand);
      for (int64_t dim : strideDims[index]) {
        // A loop dim the operand does not index (a broadcast batch) moves
        // by 0 elements.
        Value stride = zero;
        for (unsigned r = 0; r < map.getNumResults(); ++r)
          if (dim >= 0 && map.getDimPosition(r) == dim)
            stride = buffer.strides[r];
        args.push_back(stride);
      }
    }
    func::CallOp::create(b, loc, kernel, args);
    op->erase();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(kiln::verifyUkernelIsa(module, "kiln-gemm-ukernel", isa)))
      return signalPassFailure();
    SmallVector<std::pair<linalg::LinalgOp, std::array<int64_t, 4>>> gemms;
    module.walk([&](linalg::LinalgOp op) {
      if (auto dims = matchF32Gemm(op))
        gemms.push_back({op, *dims});
    });
    if (gemms.empty())
      return;
    func::FuncOp kernel =
        kiln::declareUkernel(module, "kiln_sgemm_" + isa, /*numArgs=*/16);
    for (auto [op, dims] : gemms)
      lower(op, dims, kernel);
  }
};

} // namespace
