//===- Convolution.cpp - onnx to linalg: Conv -----------------------------===//
//
// Conv on N, C, spatial... tensors with 1 to 3 spatial dims. The input is
// padded with zeros (explicit pads or auto_pad, computed at run time for
// dynamic spatial dims), then convolved by a linalg named op:
//   group == 1                 -> conv_{1d_ncw_fcw, 2d_nchw_fchw,
//                                 3d_ncdhw_fcdhw}
//   group == C == M (1 filter
//   per channel)               -> depthwise_conv_{1d_ncw_cw, 2d_nchw_chw,
//                                 3d_ncdhw_cdhw}
//   other groups               -> conv_2d_ngchw_gfchw on the channel dim
//                                 split into (group, channels per group);
//                                 a linalg.generic of the same layout for
//                                 1-D and 3-D, which have no named op
// into a zero-filled accumulator (f32 for 16-bit floats). The bias, which
// broadcasts over the channel dim, and the narrowing back to 16-bit floats
// are one elementwise linalg.generic after the convolution.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/SlidingWindow.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

Type accumulatorType(Type t) {
  if (t.isF16() || t.isBF16())
    return Float32Type::get(t.getContext());
  return t;
}

/// Creates linalg named convolution op `OpTy` with strides and dilations.
template <typename OpTy>
Value createConv(OpBuilder &b, Location loc, Value input, Value filter,
                 Value init, DenseIntElementsAttr strides,
                 DenseIntElementsAttr dilations) {
  return OpTy::create(b, loc, TypeRange{init.getType()},
                      ValueRange{input, filter}, ValueRange{init}, strides,
                      dilations)
      .getResult(0);
}

/// Grouped convolution as a linalg.generic: input [N, G, Cg, s...], filter
/// [G, F, Cg, k...], init [N, G, F, o...] (the layout of
/// linalg.conv_2d_ngchw_gfchw, for any number of spatial dims).
Value buildGroupedConvGeneric(OpBuilder &b, Location loc, Value input,
                              Value filter, Value init,
                              ArrayRef<int64_t> strides,
                              ArrayRef<int64_t> dilations) {
  MLIRContext *ctx = b.getContext();
  int64_t r = strides.size();
  // Loops: n, g, f, o_1..o_r (parallel), c, k_1..k_r (reduction).
  int64_t numLoops = 4 + 2 * r;
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  AffineExpr n = d(0), g = d(1), f = d(2), c = d(3 + r);
  SmallVector<AffineExpr> inE = {n, g, c}, wE = {g, f, c}, oE = {n, g, f};
  for (int64_t i = 0; i < r; ++i) {
    AffineExpr o = d(3 + i), k = d(4 + r + i);
    inE.push_back(o * strides[i] + k * dilations[i]);
    wE.push_back(k);
    oE.push_back(o);
  }
  SmallVector<AffineMap> maps = {AffineMap::get(numLoops, 0, inE, ctx),
                                 AffineMap::get(numLoops, 0, wE, ctx),
                                 AffineMap::get(numLoops, 0, oE, ctx)};
  SmallVector<utils::IteratorType> iters(3 + r, utils::IteratorType::parallel);
  iters.append(1 + r, utils::IteratorType::reduction);
  Type acc = cast<RankedTensorType>(init.getType()).getElementType();
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{input, filter},
             ValueRange{init}, maps, iters,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value x = args[0], w = args[1];
               if (x.getType() != acc)
                 x = arith::ExtFOp::create(nb, nloc, acc, x);
               if (w.getType() != acc)
                 w = arith::ExtFOp::create(nb, nloc, acc, w);
               Value p = arith::MulFOp::create(nb, nloc, x, w);
               linalg::YieldOp::create(
                   nb, nloc,
                   arith::AddFOp::create(nb, nloc, args[2], p).getResult());
             })
      .getResult(0);
}

struct ConvLowering : OpConversionPattern<OnnxConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX(), w = adaptor.getW(), bias = adaptor.getB();
    auto xT = dyn_cast<RankedTensorType>(x.getType());
    auto wT = dyn_cast<RankedTensorType>(w.getType());
    auto resT = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getY().getType()));
    if (!xT || !wT || !resT)
      return rewriter.notifyMatchFailure(op, "X, W and Y must be ranked");
    int64_t rank = xT.getRank() - 2;
    if (rank < 1 || rank > 3 || wT.getRank() != xT.getRank())
      return rewriter.notifyMatchFailure(
          op, "only 1-D, 2-D and 3-D Conv (X and W of rank 3 to 5)");
    Type elem = xT.getElementType();
    if (!isa<FloatType>(elem) || wT.getElementType() != elem ||
        resT.getElementType() != elem)
      return rewriter.notifyMatchFailure(
          op, "Conv needs X, W and Y of one float type");
    bool hasBias = !isNoValue(op.getB());
    if (hasBias) {
      auto bT = dyn_cast<RankedTensorType>(bias.getType());
      if (!bT || bT.getRank() != 1 || bT.getElementType() != elem)
        return rewriter.notifyMatchFailure(op, "B must be a 1-D tensor");
    }

    // The kernel size comes from W, or from kernel_shape when W's spatial
    // dims are dynamic; both must agree.
    WindowAttrs attrs;
    SmallVector<int64_t> attrKernel = toInts(op.getKernelShape());
    for (int64_t i = 0; i < rank; ++i) {
      int64_t k = wT.getDimSize(2 + i);
      if (!attrKernel.empty()) {
        if (static_cast<int64_t>(attrKernel.size()) != rank)
          return rewriter.notifyMatchFailure(op, "kernel_shape has the wrong "
                                                 "number of entries");
        if (!ShapedType::isDynamic(k) && k != attrKernel[i])
          return rewriter.notifyMatchFailure(
              op, "kernel_shape disagrees with the shape of W");
        k = attrKernel[i];
      }
      if (ShapedType::isDynamic(k))
        return rewriter.notifyMatchFailure(
            op, "the kernel size must be static (from W or kernel_shape)");
      attrs.kernel.push_back(k);
    }
    attrs.strides = toInts(op.getStrides());
    attrs.dilations = toInts(op.getDilations());
    attrs.pads = toInts(op.getPads());
    attrs.autoPad = op.getAutoPad();
    if (auto reason = normalizeWindowAttrs(attrs, rank))
      return rewriter.notifyMatchFailure(op, *reason);

    int64_t group = op.getGroup();
    int64_t C = xT.getDimSize(1), M = wT.getDimSize(0), Cg = wT.getDimSize(1);
    if (group < 1)
      return rewriter.notifyMatchFailure(op, "group must be positive");
    if (!ShapedType::isDynamic(C) && !ShapedType::isDynamic(Cg) &&
        C != Cg * group)
      return rewriter.notifyMatchFailure(
          op, "X's channels are not group x W's channels per group");
    if (!ShapedType::isDynamic(M) && M % group != 0)
      return rewriter.notifyMatchFailure(
          op, "W's output channels are not a multiple of group");
    bool depthwise = group > 1 && Cg == 1 && M == group;
    if (group > 1 && !depthwise && ShapedType::isDynamic(Cg))
      return rewriter.notifyMatchFailure(
          op, "grouped Conv needs a static channels-per-group dim of W");

    SmallVector<WindowDim> windows = computeWindows(rewriter, loc, x, attrs);
    SmallVector<int64_t> outShape =
        windowOutputShape(xT.getDimSize(0), M, windows);
    if (!isShapeCastCompatible(outShape, resT))
      return rewriter.notifyMatchFailure(
          op, "the declared result shape disagrees with the ONNX output size "
              "formula");

    Type acc = accumulatorType(elem);
    Value padded = padSpatial(rewriter, loc, x, windows,
                              scalarConstant(rewriter, loc, elem, 0.0));
    SmallVector<OpFoldResult> outSizes = {
        tensor::getMixedSize(rewriter, loc, x, 0),
        tensor::getMixedSize(rewriter, loc, w, 0)};
    for (const WindowDim &wd : windows)
      outSizes.push_back(wd.out);
    Value zero = scalarConstant(rewriter, loc, acc, 0.0);
    DenseIntElementsAttr sAttr = i64TensorAttr(rewriter, attrs.strides);
    DenseIntElementsAttr dAttr = i64TensorAttr(rewriter, attrs.dilations);
    auto accT = RankedTensorType::get(outShape, acc);

    Value conv;
    if (group == 1) {
      Value init = createFilled(rewriter, loc, accT, outSizes, zero);
      if (rank == 1)
        conv = createConv<linalg::Conv1DNcwFcwOp>(rewriter, loc, padded, w,
                                                  init, sAttr, dAttr);
      else if (rank == 2)
        conv = createConv<linalg::Conv2DNchwFchwOp>(rewriter, loc, padded, w,
                                                    init, sAttr, dAttr);
      else
        conv = createConv<linalg::Conv3DNcdhwFcdhwOp>(rewriter, loc, padded, w,
                                                      init, sAttr, dAttr);
    } else if (depthwise) {
      // W [C, 1, k...] -> [C, k...].
      SmallVector<ReassociationIndices> groups = {{0, 1}};
      for (int64_t i = 0; i < rank; ++i)
        groups.push_back({2 + i});
      Value w2 = tensor::CollapseShapeOp::create(rewriter, loc, w, groups);
      Value init = createFilled(rewriter, loc, accT, outSizes, zero);
      if (rank == 1)
        conv = createConv<linalg::DepthwiseConv1DNcwCwOp>(
            rewriter, loc, padded, w2, init, sAttr, dAttr);
      else if (rank == 2)
        conv = createConv<linalg::DepthwiseConv2DNchwChwOp>(
            rewriter, loc, padded, w2, init, sAttr, dAttr);
      else
        conv = createConv<linalg::DepthwiseConv3DNcdhwCdhwOp>(
            rewriter, loc, padded, w2, init, sAttr, dAttr);
    } else {
      // Split the channel dims: X [N, C, s...] -> [N, G, Cg, s...],
      // W [M, Cg, k...] -> [G, M/G, Cg, k...], Y [N, G, M/G, o...].
      IndexMath m{rewriter, loc};
      OpFoldResult g = m.c(group), cg = m.c(Cg);
      OpFoldResult f = m.div(outSizes[1], g);
      auto pT = cast<RankedTensorType>(padded.getType());
      SmallVector<int64_t> xShape = {pT.getDimSize(0), group, Cg};
      SmallVector<OpFoldResult> xSizes = {outSizes[0], g, cg};
      SmallVector<int64_t> wShape = {
          group, ShapedType::isDynamic(M) ? M : M / group, Cg};
      SmallVector<OpFoldResult> wSizes = {g, f, cg};
      SmallVector<int64_t> yShape = {outShape[0], group, wShape[1]};
      SmallVector<OpFoldResult> ySizes = {outSizes[0], g, f};
      SmallVector<ReassociationIndices> split = {{0}, {1, 2}};
      for (int64_t i = 0; i < rank; ++i) {
        xShape.push_back(pT.getDimSize(2 + i));
        xSizes.push_back(tensor::getMixedSize(rewriter, loc, padded, 2 + i));
        wShape.push_back(attrs.kernel[i]);
        wSizes.push_back(m.c(attrs.kernel[i]));
        yShape.push_back(outShape[2 + i]);
        ySizes.push_back(outSizes[2 + i]);
        split.push_back({3 + i});
      }
      SmallVector<ReassociationIndices> wSplit = split;
      wSplit[0] = {0, 1};
      wSplit[1] = {2};
      Value x5 = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(xShape, elem), padded, split,
          xSizes);
      Value w5 = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(wShape, elem), w, wSplit,
          wSizes);
      Value init = createFilled(
          rewriter, loc, RankedTensorType::get(yShape, acc), ySizes, zero);
      Value y5 = rank == 2
                     ? createConv<linalg::Conv2DNgchwGfchwOp>(
                           rewriter, loc, x5, w5, init, sAttr, dAttr)
                     : buildGroupedConvGeneric(rewriter, loc, x5, w5, init,
                                               attrs.strides, attrs.dilations);
      conv = tensor::CollapseShapeOp::create(rewriter, loc, accT, y5, split);
    }

    // Bias over the channel dim and the narrowing to 16-bit floats.
    Value y = conv;
    if (hasBias || acc != elem) {
      MLIRContext *ctx = rewriter.getContext();
      int64_t r = outShape.size();
      auto yT = RankedTensorType::get(outShape, elem);
      Value empty = createEmpty(rewriter, loc, yT, outSizes);
      SmallVector<Value> ins = {conv};
      SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(r, ctx)};
      if (hasBias) {
        ins.push_back(bias);
        maps.push_back(AffineMap::get(r, 0, {getAffineDimExpr(1, ctx)}, ctx));
      }
      maps.push_back(AffineMap::getMultiDimIdentityMap(r, ctx));
      y = linalg::GenericOp::create(
              rewriter, loc, TypeRange{yT}, ins, ValueRange{empty}, maps,
              SmallVector<utils::IteratorType>(r,
                                               utils::IteratorType::parallel),
              [&](OpBuilder &nb, Location nloc, ValueRange args) {
                Value v = args[0];
                if (hasBias) {
                  Value bv = args[1];
                  if (bv.getType() != acc)
                    bv = arith::ExtFOp::create(nb, nloc, acc, bv);
                  v = arith::AddFOp::create(nb, nloc, v, bv);
                }
                if (acc != elem)
                  v = arith::TruncFOp::create(nb, nloc, elem, v);
                linalg::YieldOp::create(nb, nloc, v);
              })
              .getResult(0);
    }
    rewriter.replaceOp(op, castToResultType(rewriter, loc, y, resT));
    return success();
  }
};

} // namespace

void kiln::populateConvolutionPatterns(TypeConverter &tc,
                                       RewritePatternSet &patterns) {
  patterns.add<ConvLowering>(tc, patterns.getContext());
}
