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
// With im2col_gemm_pixels the operands trade places: the columns are
// written [N, P, C*K] and are the GEMM's A, the weights its B,
//
//   y[n, p, f] += col[n, p, c k...] * w[f, c k...]   (y transposed in and out)
//
// so the filters run along the vector lanes and the pixels along the
// register tile's rows: a 7x7 image has 49 pixels, three quarters of two
// 32-lane vectors, but 512 filters fill every lane; the weights, a constant
// B, are packed at compile time.
//
// It rewrites the convolutions whose lowering configuration is im2col_gemm
// or im2col_gemm_pixels (kiln-select-lowering chooses them) and gives the
// contraction the gemm_ukernel strategy for the same ISA.
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
  const bool pixelRows = config.getStrategy() == Strategy::im2col_gemm_pixels;
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

  // The columns, [N, C*K, P] (pixel rows: [N, P, C*K], except pointwise
  // ones, which read x [N, C, P] in place as a transposed A: the kernel
  // packs A anyway, and reads C values of a pixel as easily as P pixels of a
  // channel, where a transposed copy of 960 x 49 cost a sixth of the
  // convolution).
  Value cols;
  if (pointwise) {
    cols = tensor::CollapseShapeOp::create(rewriter, loc, x,
                                           leadingTwoThenRest(xT.getRank()));
  } else {
    // col[n, c, k..., o...] = x[n, c, o * s + k * d], sizes in that order.
    SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(rewriter, loc, x, 0),
                                       rewriter.getIndexAttr(C)};
    for (int64_t k : kernel)
      sizes.push_back(rewriter.getIndexAttr(k));
    for (int64_t i = 0; i < rank; ++i)
      sizes.push_back(tensor::getMixedSize(rewriter, loc, init, 2 + i));
    int64_t dims = 2 + 2 * rank;
    // The col tensor's dims, which are also the generic's loops (so its
    // innermost loop writes contiguously): (n, c, k..., o...), or with
    // pixel rows (n, o..., c, k...). `order` lists them by their place in
    // (n, c, k..., o...); `at` is the inverse.
    SmallVector<unsigned> channels = {1}, pixelDims;
    for (int64_t i = 0; i < rank; ++i) {
      channels.push_back(2 + i);
      pixelDims.push_back(2 + rank + i);
    }
    SmallVector<unsigned> order = {0};
    llvm::append_range(order, pixelRows ? pixelDims : channels);
    llvm::append_range(order, pixelRows ? channels : pixelDims);
    SmallVector<unsigned> at(dims);
    for (auto [i, d] : llvm::enumerate(order))
      at[d] = i;
    auto dim = [&](unsigned d) { return getAffineDimExpr(at[d], ctx); };
    SmallVector<OpFoldResult> storedSizes;
    for (unsigned d : order)
      storedSizes.push_back(sizes[d]);
    Value empty = tensor::EmptyOp::create(rewriter, loc, storedSizes,
                                          rewriter.getF32Type());
    // The input map reads x at o * s + k * d.
    SmallVector<AffineExpr> reads = {dim(0), dim(1)};
    for (int64_t i = 0; i < rank; ++i)
      reads.push_back(dim(2 + rank + i) * strides[i] +
                      dim(2 + i) * dilations[i]);
    SmallVector<AffineMap> maps = {
        AffineMap::get(dims, 0, reads, ctx),
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
    ReassociationIndices ck = {pixelRows ? 1 + rank : 1}, pixels;
    for (int64_t i = 0; i < rank; ++i) {
      ck.push_back(ck.front() + 1 + i);
      pixels.push_back(pixelRows ? 1 + i : 2 + rank + i);
    }
    cols = tensor::CollapseShapeOp::create(
        rewriter, loc, col,
        pixelRows ? SmallVector<ReassociationIndices>{{0}, pixels, ck}
                  : SmallVector<ReassociationIndices>{{0}, ck, pixels});
  }

  // w [F, C, k...] -> [F, C*K]; y [N, F, o...] -> [N, F, P].
  ReassociationIndices wRest;
  for (int64_t i = 1; i < wT.getRank(); ++i)
    wRest.push_back(i);
  Value w2 = tensor::CollapseShapeOp::create(
      rewriter, loc, w, SmallVector<ReassociationIndices>{{0}, wRest});
  SmallVector<ReassociationIndices> yGroups = leadingTwoThenRest(yT.getRank());
  Value y3 = tensor::CollapseShapeOp::create(rewriter, loc, init, yGroups);

  // y[n, f, p] += w[f, k] * col[n, k, p] over (n, f, p, k); with pixel
  // rows col[n, p, k] * w[f, k], col first (the GEMM's A).
  AffineExpr n, f, p, k;
  bindDims(ctx, n, f, p, k);
  SmallVector<AffineMap> maps = {AffineMap::get(4, 0, {f, k}, ctx),
                                 AffineMap::get(4, 0, {n, k, p}, ctx),
                                 AffineMap::get(4, 0, {n, f, p}, ctx)};
  SmallVector<Value> operands = {w2, cols};
  // With pixel rows the GEMM's rows are the pixels and its columns the
  // filters: it writes y [N, F, P] as C^T, each register tile transposed
  // in registers on the way out (kiln_transpose8.h).
  Value acc = y3;
  if (pixelRows) {
    maps = {AffineMap::get(4, 0,
                           pointwise ? ArrayRef<AffineExpr>{n, k, p}
                                     : ArrayRef<AffineExpr>{n, p, k},
                           ctx),
            AffineMap::get(4, 0, {f, k}, ctx),
            AffineMap::get(4, 0, {n, f, p}, ctx)};
    operands = {cols, w2};
  }
  SmallVector<utils::IteratorType> iterators = {
      utils::IteratorType::parallel, utils::IteratorType::parallel,
      utils::IteratorType::parallel, utils::IteratorType::reduction};
  Value product =
      linalg::GenericOp::create(
          rewriter, loc, TypeRange{acc.getType()}, operands,
          ValueRange{acc}, maps, iterators,
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
        config = getLoweringConfig(op, Strategy::im2col_gemm_pixels);
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
