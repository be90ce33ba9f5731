//===- ConvToGemm.cpp - f32 convolutions as packed-GEMM contractions ------===//
//
// conv_1d_ncw_fcw / conv_2d_nchw_fchw / conv_3d_ncdhw_fcdhw on f32 tensors
// become one contraction per image that kiln-gemm-ukernel turns into a call
// to the packed GEMM:
//
//   col[n, c, k..., o...] = x[n, c, o * stride + k * dilation ...]
//   y[n, f, p] += w[f, c k...] * col[n, c k..., p]      (p = o... flattened)
//
// A pointwise convolution (all kernel sizes and strides 1) needs no col: x
// viewed as [N, C, spatial] is already the right operand. The weights are
// the GEMM's A (shared by every image: stride 0 along the batch), the
// columns its B, read with unit stride along the pixels. Sizes of N and of
// the spatial dims may be symbolic; the kernel sizes must be static.
//
// It rewrites the convolutions whose lowering configuration is im2col_gemm
// (kiln-select-lowering chooses it) and gives the contraction the
// gemm_ukernel strategy for the same ISA.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/KilnCodegen.h"
#include "compiler/codegen/common/Passes.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln {
#define GEN_PASS_DEF_CONVTOGEMM
#include "compiler/codegen/common/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::codegen;

namespace {

/// Groups [0], [1], [2, rank) of a rank-`rank` shape: (N, C, spatial...).
SmallVector<ReassociationIndices> leadingTwoThenRest(int64_t rank) {
  ReassociationIndices rest;
  for (int64_t i = 2; i < rank; ++i)
    rest.push_back(i);
  return {{0}, {1}, rest};
}

template <typename ConvOp>
LogicalResult convToGemm(RewriterBase &rewriter, ConvOp op,
                         LoweringConfigAttr config) {
  if (!op.hasPureTensorSemantics())
    return op.emitOpError("im2col_gemm needs tensor operands");
  Value x = op.getInputs()[0], w = op.getInputs()[1];
  Value init = op.getOutputs()[0];
  auto xT = cast<RankedTensorType>(x.getType());
  auto wT = cast<RankedTensorType>(w.getType());
  auto yT = cast<RankedTensorType>(init.getType());
  if (!xT.getElementType().isF32() || !wT.getElementType().isF32() ||
      !yT.getElementType().isF32())
    return op.emitOpError("im2col_gemm needs f32 operands");
  int64_t rank = xT.getRank() - 2;
  SmallVector<int64_t> kernel(wT.getShape().drop_front(2));
  if (llvm::any_of(kernel, ShapedType::isDynamic) ||
      ShapedType::isDynamic(wT.getDimSize(1)))
    return op.emitOpError("im2col_gemm needs static channel and kernel "
                          "sizes");
  SmallVector<int64_t> strides(op.getStrides().template getValues<int64_t>());
  SmallVector<int64_t> dilations(
      op.getDilations().template getValues<int64_t>());
  bool pointwise = llvm::all_of(kernel, [](int64_t k) { return k == 1; }) &&
                   llvm::all_of(strides, [](int64_t s) { return s == 1; });

  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  rewriter.setInsertionPoint(op);
  int64_t C = wT.getDimSize(1);

  // The columns, [N, C*K, P].
  Value cols;
  if (pointwise) {
    cols = tensor::CollapseShapeOp::create(rewriter, loc, x,
                                           leadingTwoThenRest(xT.getRank()));
  } else {
    // col[n, c, k..., o...]: the input map reads x at o * s + k * d.
    SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(rewriter, loc, x, 0),
                                       rewriter.getIndexAttr(C)};
    SmallVector<int64_t> shape = {xT.getDimSize(0), C};
    for (int64_t k : kernel) {
      sizes.push_back(rewriter.getIndexAttr(k));
      shape.push_back(k);
    }
    for (int64_t i = 0; i < rank; ++i) {
      sizes.push_back(tensor::getMixedSize(rewriter, loc, init, 2 + i));
      shape.push_back(yT.getDimSize(2 + i));
    }
    Value empty = tensor::EmptyOp::create(rewriter, loc, sizes, rewriter.getF32Type());
    int64_t dims = 2 + 2 * rank;
    SmallVector<AffineExpr> reads = {getAffineDimExpr(0, ctx),
                                     getAffineDimExpr(1, ctx)};
    for (int64_t i = 0; i < rank; ++i)
      reads.push_back(getAffineDimExpr(2 + rank + i, ctx) * strides[i] +
                      getAffineDimExpr(2 + i, ctx) * dilations[i]);
    SmallVector<AffineMap> maps = {AffineMap::get(dims, 0, reads, ctx),
                                   AffineMap::getMultiDimIdentityMap(dims, ctx)};
    SmallVector<utils::IteratorType> iterators(dims,
                                               utils::IteratorType::parallel);
    Value col = linalg::GenericOp::create(
                    rewriter, loc, TypeRange{empty.getType()}, ValueRange{x},
                    ValueRange{empty}, maps, iterators,
                    [](OpBuilder &b, Location l, ValueRange args) {
                      linalg::YieldOp::create(b, l, args[0]);
                    })
                    .getResult(0);
    ReassociationIndices ck = {1}, pixels;
    for (int64_t i = 0; i < rank; ++i) {
      ck.push_back(2 + i);
      pixels.push_back(2 + rank + i);
    }
    cols = tensor::CollapseShapeOp::create(
        rewriter, loc, col, SmallVector<ReassociationIndices>{{0}, ck, pixels});
  }

  // w [F, C, k...] -> [F, C*K]; y [N, F, o...] -> [N, F, P].
  ReassociationIndices wRest;
  for (int64_t i = 1; i < wT.getRank(); ++i)
    wRest.push_back(i);
  Value w2 = tensor::CollapseShapeOp::create(
      rewriter, loc, w, SmallVector<ReassociationIndices>{{0}, wRest});
  SmallVector<ReassociationIndices> yGroups = leadingTwoThenRest(yT.getRank());
  Value y3 = tensor::CollapseShapeOp::create(rewriter, loc, init, yGroups);

  // y[n, f, p] += w[f, k] * col[n, k, p] over (n, f, p, k).
  AffineExpr n, f, p, k;
  bindDims(ctx, n, f, p, k);
  SmallVector<AffineMap> maps = {AffineMap::get(4, 0, {f, k}, ctx),
                                 AffineMap::get(4, 0, {n, k, p}, ctx),
                                 AffineMap::get(4, 0, {n, f, p}, ctx)};
  SmallVector<utils::IteratorType> iterators = {
      utils::IteratorType::parallel, utils::IteratorType::parallel,
      utils::IteratorType::parallel, utils::IteratorType::reduction};
  Value product =
      linalg::GenericOp::create(
          rewriter, loc, TypeRange{y3.getType()}, ValueRange{w2, cols},
          ValueRange{y3}, maps, iterators,
          [](OpBuilder &b, Location l, ValueRange args) {
            Value mul = arith::MulFOp::create(b, l, args[0], args[1]);
            linalg::YieldOp::create(b, l,
                                    arith::AddFOp::create(b, l, args[2], mul)
                                        .getResult());
          })
          .getResult(0);
  setLoweringConfig(product.getDefiningOp(),
                    LoweringConfigAttr::get(ctx, Strategy::gemm_ukernel,
                                            config.getIsa(), {}, {}));
  SmallVector<OpFoldResult> ySizes =
      tensor::getMixedSizes(rewriter, loc, init);
  Value y = tensor::ExpandShapeOp::create(rewriter, loc, yT, product, yGroups,
                                          ySizes);
  rewriter.replaceOp(op, y);
  return success();
}

struct ConvToGemmPass : kiln::impl::ConvToGemmBase<ConvToGemmPass> {
  using Base::Base;

  void runOnOperation() override {
    SmallVector<std::pair<Operation *, LoweringConfigAttr>> convs;
    bool misconfigured = false;
    getOperation().walk([&](Operation *op) {
      LoweringConfigAttr config =
          getLoweringConfig(op, Strategy::im2col_gemm);
      if (!config)
        return;
      if (!isa<linalg::Conv1DNcwFcwOp, linalg::Conv2DNchwFchwOp,
               linalg::Conv3DNcdhwFcdhwOp>(op)) {
        op->emitOpError("has the im2col_gemm strategy but is not a "
                        "conv_1d_ncw_fcw, conv_2d_nchw_fchw or "
                        "conv_3d_ncdhw_fcdhw");
        misconfigured = true;
        return;
      }
      convs.push_back({op, config});
    });
    if (misconfigured)
      return signalPassFailure();
    IRRewriter rewriter(&getContext());
    for (auto [op, config] : convs) {
      LogicalResult done = failure();
      if (auto c = dyn_cast<linalg::Conv1DNcwFcwOp>(op))
        done = convToGemm(rewriter, c, config);
      else if (auto c = dyn_cast<linalg::Conv2DNchwFchwOp>(op))
        done = convToGemm(rewriter, c, config);
      else if (auto c = dyn_cast<linalg::Conv3DNcdhwFcdhwOp>(op))
        done = convToGemm(rewriter, c, config);
      if (failed(done))
        return signalPassFailure();
    }
  }
};

} // namespace
