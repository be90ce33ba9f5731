//===- PoolUkernel.cpp - f32 max and sum pooling as kernel calls ----------===//
//
// linalg.pooling_nchw_max / _sum (and the ncw forms) on f32 buffers become
// one call to kiln_pool2d_<isa> of the support library, which reduces a row
// of output pixels at a time in vector lanes and runs the (image, channel)
// planes on the session's thread pool. As loops, the innermost one reduced
// a row of the window into one element (5 taps of a 5 x 5 max pool): a
// scalar loop. The kernel skips taps outside the input, so the padded copy
// of the input is absorbed when its padding is the reduction's identity;
// and it starts from that identity itself, so the fill of the output with
// it is absorbed too (a pass over the output less, and no read of it).
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/AbsorbedOperands.h"
#include "compiler/codegen/cpu/Passes.h"
#include "compiler/codegen/cpu/UkernelCall.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"

namespace kiln {
#define GEN_PASS_DEF_POOLUKERNEL
#include "compiler/codegen/cpu/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

bool isMaxPool(Operation *op) {
  return isa<linalg::PoolingNchwMaxOp, linalg::PoolingNcwMaxOp>(op);
}

struct PoolUkernelPass : kiln::impl::PoolUkernelBase<PoolUkernelPass> {
  using Base::Base;

  void lower(linalg::LinalgOp op, func::FuncOp kernel) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    bool oneD = isa<linalg::PoolingNcwMaxOp, linalg::PoolingNcwSumOp>(op);
    bool max = isMaxPool(op);
    Value x = op.getDpsInputs()[0], window = op.getDpsInputs()[1];
    Value y = op.getDpsInits()[0];
    // Padding the reduction ignores: -inf for max, +0.0 for sum.
    std::optional<kiln::AbsorbedPadding> padding =
        kiln::matchPaddedInput(op, x, /*firstSpatialDim=*/2, [&](Value v) {
          return max ? matchPattern(v, m_NegInfFloat())
                     : matchPattern(v, m_PosZeroFloat());
        });
    Value source = padding ? padding->source : x;
    auto isIdentity = [&](const APFloat &v) {
      return max ? v.isInfinity() && v.isNegative() : v.isPosZero();
    };
    std::optional<kiln::AbsorbedBias> start =
        kiln::matchConstantInit(op, y, isIdentity);
    kiln::UkernelArgs call(b, loc);
    kiln::WindowGeometry geometry = kiln::getWindowGeometry(
        op, oneD,
        padding ? ArrayRef<int64_t>(padding->low) : ArrayRef<int64_t>());
    ArrayRef<int64_t> strides = geometry.strides,
                      dilations = geometry.dilations, padLow = geometry.padLow;
    // Spatial dim `d` (0: h, 1: w) of v: 1 for the height of a 1-D pool.
    auto spatial = [&](Value v, unsigned d) -> Value {
      if (oneD)
        return d == 0 ? call.index(1) : call.dim(v, 2);
      return call.dim(v, 2 + d);
    };
    // kind (0 max, 1 sum; | 2: y is not read), N, C, H, W, OH, OW, KH, KW,
    // sh, sw, dh, dw, padT, padL, then x and y, each an address and its (n,
    // c, h, w) element strides (h: 0 for a 1-D pool).
    call.values = {call.index((max ? 0 : 1) | (start ? 2 : 0)),
                   call.dim(source, 0),
                   call.dim(source, 1),
                   spatial(source, 0),
                   spatial(source, 1),
                   spatial(y, 0),
                   spatial(y, 1),
                   oneD ? call.index(1) : call.dim(window, 0),
                   call.dim(window, oneD ? 0 : 1),
                   call.index(strides[0]),
                   call.index(strides[1]),
                   call.index(dilations[0]),
                   call.index(dilations[1]),
                   call.index(padLow[0]),
                   call.index(padLow[1])};
    for (Value buffer : {source, y}) {
      kiln::BufferArg arg = kiln::getBufferArg(b, loc, buffer);
      call.values.append({arg.address, arg.strides[0], arg.strides[1]});
      if (oneD)
        call.values.push_back(call.index(0));
      call.values.append(arg.strides.begin() + 2, arg.strides.end());
    }
    func::CallOp::create(b, loc, kernel, call.values);
    op->erase();
    kiln::eraseAbsorbed(start, padding);
  }

  void runOnOperation() override {
    if (failed(kiln::lowerConfiguredOps<
               linalg::PoolingNchwMaxOp, linalg::PoolingNchwSumOp,
               linalg::PoolingNcwMaxOp, linalg::PoolingNcwSumOp>(
            getOperation(), kiln::codegen::Strategy::pool_ukernel,
            "a linalg.pooling_nchw_max/sum or pooling_ncw_max/sum",
            "kiln_pool2d_", /*numArgs=*/25,
            [&](Operation *op, func::FuncOp kernel) {
              lower(cast<linalg::LinalgOp>(op), kernel);
            })))
      return signalPassFailure();
  }
};

} // namespace
