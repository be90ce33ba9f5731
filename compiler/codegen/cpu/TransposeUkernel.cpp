//===- TransposeUkernel.cpp - f32 transposes as kernel calls --------------===//
//
// linalg.transpose on f32 buffers becomes one call to kiln_transpose_<isa>
// of the support library (kiln_transpose_impl.h), which copies rows whole
// where the innermost dim stays innermost and otherwise transposes 8 x 8
// blocks in registers. As loops, a transpose that moves the innermost dim
// read one float per iteration from rows far apart: a BERT encoder's K^T
// ([S, 4, 64] -> [4, 64, S]) took 2.6 times ONNX Runtime's time.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cpu/Passes.h"
#include "compiler/codegen/cpu/UkernelCall.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace kiln {
#define GEN_PASS_DEF_TRANSPOSEUKERNEL
#include "compiler/codegen/cpu/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The kernel's rank: smaller transposes get leading dims of size 1.
constexpr int64_t kRank = 6;

struct TransposeUkernelPass
    : kiln::impl::TransposeUkernelBase<TransposeUkernelPass> {
  using Base::Base;

  LogicalResult lower(linalg::TransposeOp op, func::FuncOp kernel) {
    ArrayRef<int64_t> perm = op.getPermutation();
    auto rank = static_cast<int64_t>(perm.size());
    if (rank > kRank)
      return op.emitOpError() << "has the transpose_ukernel strategy but rank "
                              << rank << " (the kernel takes up to " << kRank
                              << ")";
    OpBuilder b(op);
    kiln::UkernelArgs call(b, op.getLoc());
    Value x = op.getInput(), y = op.getInit();
    int64_t pad = kRank - rank;
    // y's sizes, then x and its stride for each y dim (y dim d reads x dim
    // perm[d]), then y and its strides; the padding dims size 1, stride 0.
    for (int64_t d = 0; d < kRank; ++d)
      call.values.push_back(d < pad ? call.index(1) : call.dim(y, d - pad));
    kiln::BufferArg xArg = kiln::getBufferArg(b, op.getLoc(), x);
    call.values.push_back(xArg.address);
    for (int64_t d = 0; d < kRank; ++d)
      call.values.push_back(d < pad ? call.index(0)
                                    : xArg.strides[perm[d - pad]]);
    kiln::BufferArg yArg = kiln::getBufferArg(b, op.getLoc(), y);
    call.values.push_back(yArg.address);
    for (int64_t d = 0; d < kRank; ++d)
      call.values.push_back(d < pad ? call.index(0) : yArg.strides[d - pad]);
    func::CallOp::create(b, op.getLoc(), kernel, call.values);
    op->erase();
    return success();
  }

  void runOnOperation() override {
    bool failed = false;
    if (mlir::failed(kiln::lowerConfiguredOps<linalg::TransposeOp>(
            getOperation(), kiln::codegen::Strategy::transpose_ukernel,
            "a linalg.transpose", "kiln_transpose_", /*numArgs=*/20,
            [&](Operation *op, func::FuncOp kernel) {
              failed |= mlir::failed(
                  lower(cast<linalg::TransposeOp>(op), kernel));
            })) ||
        failed)
      return signalPassFailure();
  }
};

} // namespace
