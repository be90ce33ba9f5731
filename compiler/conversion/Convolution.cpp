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

#include "compiler/conversion/Convolution.h"
#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/SlidingWindow.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

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

/// `v` with dim `dim` cast to the static `size` where it is dynamic (a no-op
/// when `size` is dynamic too).
Value castDimToStatic(OpBuilder &b, Location loc, Value v, int64_t dim,
                      int64_t size) {
  auto t = cast<RankedTensorType>(v.getType());
  if (!t.isDynamicDim(dim) || ShapedType::isDynamic(size))
    return v;
  SmallVector<int64_t> shape(t.getShape());
  shape[dim] = size;
  return tensor::CastOp::create(b, loc, t.clone(shape), v);
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
  bool isFloat = isa<FloatType>(acc);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{input, filter},
             ValueRange{init}, maps, iters,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value x = args[0], w = args[1], sum;
               if (isFloat) {
                 if (x.getType() != acc)
                   x = arith::ExtFOp::create(nb, nloc, acc, x);
                 if (w.getType() != acc)
                   w = arith::ExtFOp::create(nb, nloc, acc, w);
                 Value p = arith::MulFOp::create(nb, nloc, x, w);
                 sum = arith::AddFOp::create(nb, nloc, args[2], p);
               } else {
                 Value p = arith::MulIOp::create(nb, nloc, x, w);
                 sum = arith::AddIOp::create(nb, nloc, args[2], p);
               }
               linalg::YieldOp::create(nb, nloc, sum);
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
    auto resT = resultTypeOf(*this, op);
    if (!xT || !wT || !resT)
      return rewriter.notifyMatchFailure(op, "X, W and Y must be ranked");
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
    ConvGeometry geo;
    if (auto reason =
            analyzeConv(rewriter, loc, x, w, op.getGroup(), op.getKernelShape(),
                        op.getStrides(), op.getDilations(), op.getPads(),
                        op.getAutoPad(), resT, geo))
      return rewriter.notifyMatchFailure(op, *reason);

    Value padded = padSpatial(rewriter, loc, x, geo.windows,
                              scalarConstant(rewriter, loc, elem, 0.0));
    Value conv =
        buildConvolution(rewriter, loc, padded, w, op.getGroup(),
                         geo.attrs.strides, geo.attrs.dilations, geo.outShape,
                         geo.outSizes, convAccumulatorType(elem));
    Value y = addChannelBias(rewriter, loc, conv, hasBias ? bias : Value(),
                             elem, geo.outSizes);
    rewriter.replaceOp(op, castToResultType(rewriter, loc, y, resT));
    return success();
  }
};

} // namespace

Type kiln::convAccumulatorType(Type t) {
  if (t.isF16() || t.isBF16())
    return Float32Type::get(t.getContext());
  return t;
}

std::optional<std::string> kiln::analyzeConv(
    OpBuilder &b, Location loc, Value x, Value w, int64_t group,
    std::optional<ArrayAttr> kernelShape, std::optional<ArrayAttr> strides,
    std::optional<ArrayAttr> dilations, std::optional<ArrayAttr> pads,
    StringRef autoPad, RankedTensorType resT, ConvGeometry &geo) {
  auto xT = cast<RankedTensorType>(x.getType());
  auto wT = cast<RankedTensorType>(w.getType());
  int64_t rank = xT.getRank() - 2;
  if (rank < 1 || rank > 3 || wT.getRank() != xT.getRank())
    return std::string(
        "only 1-D, 2-D and 3-D convolutions (X and W of rank 3 to 5)");

  // The kernel size comes from W, or from kernel_shape when W's spatial
  // dims are dynamic; both must agree.
  WindowAttrs &attrs = geo.attrs;
  SmallVector<int64_t> attrKernel = toInts(kernelShape);
  if (!attrKernel.empty() && static_cast<int64_t>(attrKernel.size()) != rank)
    return std::string("kernel_shape has the wrong number of entries");
  for (int64_t i = 0; i < rank; ++i) {
    int64_t k = wT.getDimSize(2 + i);
    if (!attrKernel.empty()) {
      if (!ShapedType::isDynamic(k) && k != attrKernel[i])
        return std::string("kernel_shape disagrees with the shape of W");
      k = attrKernel[i];
    }
    attrs.kernel.push_back(k);
  }
  // A kernel size known only at run time works with explicit pads; auto_pad
  // SAME needs it to split the padding.
  bool dynamicKernel = llvm::any_of(attrs.kernel, ShapedType::isDynamic);
  if (dynamicKernel && autoPad != "NOTSET" && autoPad != "VALID")
    return std::string("auto_pad SAME needs a static kernel size (from W or "
                       "kernel_shape)");
  SmallVector<int64_t> kernel = attrs.kernel;
  if (dynamicKernel) // Checked below at run-time sizes instead.
    attrs.kernel.assign(rank, 1);
  attrs.strides = toInts(strides);
  attrs.dilations = toInts(dilations);
  attrs.pads = toInts(pads);
  attrs.autoPad = autoPad;
  if (auto reason = normalizeWindowAttrs(attrs, rank))
    return reason;

  int64_t C = xT.getDimSize(1), M = wT.getDimSize(0), Cg = wT.getDimSize(1);
  if (group < 1)
    return std::string("group must be positive");
  if (!ShapedType::isDynamic(C) && !ShapedType::isDynamic(Cg) &&
      C != Cg * group)
    return std::string("X's channels are not group x W's channels per group");
  if (!ShapedType::isDynamic(M) && M % group != 0)
    return std::string("W's output channels are not a multiple of group");

  geo.windows = computeWindows(b, loc, x, attrs);
  if (dynamicKernel) {
    // out = (in + pads - extent) / stride + 1 with the extent from W.
    IndexMath m{b, loc};
    for (int64_t i = 0; i < rank; ++i) {
      WindowDim &wd = geo.windows[i];
      wd.kernel = kernel[i];
      OpFoldResult k = tensor::getMixedSize(b, loc, w, 2 + i);
      OpFoldResult ext =
          m.add(m.mul(m.sub(k, m.c(1)), m.c(wd.dilation)), m.c(1));
      OpFoldResult span =
          m.sub(m.add(m.add(wd.in, wd.padBegin), wd.padEnd), ext);
      wd.out = m.add(m.div(span, m.c(wd.stride)), m.c(1));
    }
    attrs.kernel = kernel;
  }
  geo.outShape = windowOutputShape(xT.getDimSize(0), M, geo.windows);
  if (!isShapeCastCompatible(geo.outShape, resT))
    return std::string("the declared result shape disagrees with the ONNX "
                       "output size formula");
  geo.outSizes = {tensor::getMixedSize(b, loc, x, 0),
                  tensor::getMixedSize(b, loc, w, 0)};
  for (const WindowDim &wd : geo.windows)
    geo.outSizes.push_back(wd.out);
  return std::nullopt;
}

/// The lowering picks, by group:
///   group == 1                 -> conv_{1d_ncw_fcw, 2d_nchw_fchw,
///                                 3d_ncdhw_fcdhw}
///   group == C == M (static)   -> depthwise_conv_{1d_ncw_cw, 2d_nchw_chw,
///                                 3d_ncdhw_cdhw}
///   other groups               -> conv_2d_ngchw_gfchw on the channel dim
///                                 split into (group, channels per group);
///                                 a linalg.generic of the same layout for
///                                 1-D and 3-D, which have no named op
Value kiln::buildConvolution(OpBuilder &b, Location loc, Value padded, Value w,
                             int64_t group, ArrayRef<int64_t> strides,
                             ArrayRef<int64_t> dilations,
                             ArrayRef<int64_t> outShape,
                             ArrayRef<OpFoldResult> outSizes, Type acc) {
  auto pT = cast<RankedTensorType>(padded.getType());
  auto wT = cast<RankedTensorType>(w.getType());
  Type xElem = pT.getElementType(), wElem = wT.getElementType();
  int64_t rank = pT.getRank() - 2;
  int64_t M = wT.getDimSize(0), Cg = wT.getDimSize(1);
  bool depthwise = group > 1 && Cg == 1 && M == group;
  Value zero = scalarConstant(b, loc, acc, 0.0);
  DenseIntElementsAttr sAttr = i64TensorAttr(b, strides);
  DenseIntElementsAttr dAttr = i64TensorAttr(b, dilations);
  auto accT = RankedTensorType::get(outShape, acc);

  if (group == 1) {
    // A strided 1x1 convolution reads one pixel in s of each row and row in
    // s: the strided slice of those pixels, convolved with stride 1, is a
    // pointwise convolution, which the strategy layer makes a GEMM (ResNet's
    // downsampling 1x1 convolutions of stride 2 ran as direct convolutions
    // with phase copies of the input, twice ONNX Runtime's time).
    if (rank == 2 && wT.getDimSize(2) == 1 && wT.getDimSize(3) == 1 &&
        llvm::any_of(strides, [](int64_t s) { return s > 1; })) {
      SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes = {
          tensor::getMixedSize(b, loc, padded, 0),
          tensor::getMixedSize(b, loc, padded, 1), outSizes[2], outSizes[3]};
      SmallVector<OpFoldResult> steps = {b.getIndexAttr(1), b.getIndexAttr(1),
                                         b.getIndexAttr(strides[0]),
                                         b.getIndexAttr(strides[1])};
      padded = tensor::ExtractSliceOp::create(b, loc, padded, offsets, sizes,
                                              steps);
      sAttr = i64TensorAttr(b, {1, 1});
    }
    Value init = createFilled(b, loc, accT, outSizes, zero);
    if (rank == 1)
      return createConv<linalg::Conv1DNcwFcwOp>(b, loc, padded, w, init, sAttr,
                                                dAttr);
    if (rank == 2)
      return createConv<linalg::Conv2DNchwFchwOp>(b, loc, padded, w, init,
                                                  sAttr, dAttr);
    return createConv<linalg::Conv3DNcdhwFcdhwOp>(b, loc, padded, w, init,
                                                  sAttr, dAttr);
  }
  if (depthwise) {
    // W [C, 1, k...] -> [C, k...].
    SmallVector<ReassociationIndices> groups = {{0, 1}};
    for (int64_t i = 0; i < rank; ++i)
      groups.push_back({2 + i});
    Value w2 = tensor::CollapseShapeOp::create(b, loc, w, groups);
    Value init = createFilled(b, loc, accT, outSizes, zero);
    if (rank == 1)
      return createConv<linalg::DepthwiseConv1DNcwCwOp>(b, loc, padded, w2,
                                                        init, sAttr, dAttr);
    if (rank == 2)
      return createConv<linalg::DepthwiseConv2DNchwChwOp>(b, loc, padded, w2,
                                                          init, sAttr, dAttr);
    return createConv<linalg::DepthwiseConv3DNcdhwCdhwOp>(b, loc, padded, w2,
                                                          init, sAttr, dAttr);
  }
  // Split the channel dims: X [N, C, s...] -> [N, G, Cg, s...],
  // W [M, Cg, k...] -> [G, M/G, Cg, k...], Y [N, G, M/G, o...].
  // tensor.expand_shape needs a static collapsed dim when its group is all
  // static, so when only one of C (symbolic input) and Cg (constant weights)
  // is known, the other operand is cast to the known channel count first.
  if (ShapedType::isDynamic(Cg) && !pT.isDynamicDim(1))
    Cg = pT.getDimSize(1) / group;
  padded = castDimToStatic(b, loc, padded, 1,
                           ShapedType::isDynamic(Cg) ? Cg : Cg * group);
  w = castDimToStatic(b, loc, w, 1, Cg);
  pT = cast<RankedTensorType>(padded.getType());
  wT = cast<RankedTensorType>(w.getType());
  IndexMath m{b, loc};
  OpFoldResult g = m.c(group);
  OpFoldResult cg = tensor::getMixedSize(b, loc, w, 1);
  OpFoldResult f = m.div(outSizes[1], g);
  SmallVector<int64_t> xShape = {pT.getDimSize(0), group, Cg};
  SmallVector<OpFoldResult> xSizes = {outSizes[0], g, cg};
  SmallVector<int64_t> wShape = {group,
                                 ShapedType::isDynamic(M) ? M : M / group, Cg};
  SmallVector<OpFoldResult> wSizes = {g, f, cg};
  SmallVector<int64_t> yShape = {outShape[0], group, wShape[1]};
  SmallVector<OpFoldResult> ySizes = {outSizes[0], g, f};
  SmallVector<ReassociationIndices> split = {{0}, {1, 2}};
  for (int64_t i = 0; i < rank; ++i) {
    xShape.push_back(pT.getDimSize(2 + i));
    xSizes.push_back(tensor::getMixedSize(b, loc, padded, 2 + i));
    wShape.push_back(wT.getDimSize(2 + i));
    wSizes.push_back(tensor::getMixedSize(b, loc, w, 2 + i));
    yShape.push_back(outShape[2 + i]);
    ySizes.push_back(outSizes[2 + i]);
    split.push_back({3 + i});
  }
  SmallVector<ReassociationIndices> wSplit = split;
  wSplit[0] = {0, 1};
  wSplit[1] = {2};
  Value x5 = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(xShape, xElem), padded, split, xSizes);
  Value w5 = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(wShape, wElem), w, wSplit, wSizes);
  Value init =
      createFilled(b, loc, RankedTensorType::get(yShape, acc), ySizes, zero);
  Value y5 =
      rank == 2
          ? createConv<linalg::Conv2DNgchwGfchwOp>(b, loc, x5, w5, init, sAttr,
                                                   dAttr)
          : buildGroupedConvGeneric(b, loc, x5, w5, init, strides, dilations);
  return tensor::CollapseShapeOp::create(b, loc, accT, y5, split);
}

Value kiln::addChannelBias(OpBuilder &b, Location loc, Value conv, Value bias,
                           Type elem, ArrayRef<OpFoldResult> outSizes) {
  auto convT = cast<RankedTensorType>(conv.getType());
  Type acc = convT.getElementType();
  if (!bias && acc == elem)
    return conv;
  MLIRContext *ctx = b.getContext();
  int64_t r = convT.getRank();
  auto yT = convT.clone(elem);
  Value empty = createEmpty(b, loc, yT, outSizes);
  SmallVector<Value> ins = {conv};
  SmallVector<AffineMap> maps = {AffineMap::getMultiDimIdentityMap(r, ctx)};
  if (bias) {
    ins.push_back(bias);
    maps.push_back(AffineMap::get(r, 0, {getAffineDimExpr(1, ctx)}, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(r, ctx));
  return linalg::GenericOp::create(
             b, loc, TypeRange{yT}, ins, ValueRange{empty}, maps,
             SmallVector<utils::IteratorType>(r, utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value v = args[0];
               if (bias) {
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

namespace {

/// CausalConvWithState (opset 27): a causal depthwise 1-D convolution over
/// the past state followed by the input, padded[b, c, p] = past[b, c, p]
/// for p < k - 1 (zero without a past state), input[b, c, p - k + 1] after:
///   output[b, c, t] = act(bias[c] + sum_j weight[c, 0, j] * padded[t + j])
///   present_state[b, c, s] = padded[b, c, L + s]   (the last k - 1)
/// Read in place, without materializing the concatenation; every size may
/// be symbolic (ONNX's function body needs a static kernel size).
struct CausalConvWithStateLowering
    : OpConversionPattern<OnnxCausalConvWithStateOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxCausalConvWithStateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto outTy = resultTypeOf(*this, op, 0);
    auto stateTy = resultTypeOf(*this, op, 1);
    Value x = adaptor.getInput(), w = adaptor.getWeight();
    Value bias = adaptor.getBias(), past = adaptor.getPastState();
    auto xTy = dyn_cast<RankedTensorType>(x.getType());
    auto wTy = dyn_cast<RankedTensorType>(w.getType());
    if (!outTy || !stateTy || !xTy || !wTy || xTy.getRank() != 3 ||
        wTy.getRank() != 3 || outTy.getRank() != 3 || stateTy.getRank() != 3)
      return rewriter.notifyMatchFailure(
          op, "rank-3 input, weight [C, 1, k] and results expected");
    Type elem = xTy.getElementType();
    if (!isa<FloatType>(elem))
      return rewriter.notifyMatchFailure(op, "float tensors expected");
    StringRef act = op.getActivation();
    bool silu = act == "silu" || act == "swish";
    if (!silu && act != "none")
      return rewriter.notifyMatchFailure(
          op, "activation must be none, silu or swish");
    bool hasBias = !isa<NoneType>(bias.getType());
    bool hasPast = !isa<NoneType>(past.getType());
    Location loc = op.getLoc();
    auto dimV = [&](Value t, int64_t i) {
      return tensor::DimOp::create(rewriter, loc, t, i).getResult();
    };
    Value len = dimV(x, 2);
    Value lead = arith::SubIOp::create(rewriter, loc, dimV(w, 2),
                                       cIdx(rewriter, loc, 1));
    // padded[b, c, p] as a scalar, p an index into [0, k - 1 + L).
    auto padded = [&](OpBuilder &b, Location l, Value bi, Value ci,
                      Value p) -> Value {
      Value fromX = arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, p,
                                          lead);
      Value xi = arith::SubIOp::create(b, l, p, lead);
      Value zero = cIdx(b, l, 0);
      Value xv = tensor::ExtractOp::create(
          b, l, x,
          ValueRange{bi, ci, arith::SelectOp::create(b, l, fromX, xi, zero)});
      if (!hasPast)
        return arith::SelectOp::create(b, l, fromX, xv,
                                       scalarConstant(b, l, elem, 0));
      // Both reads stay in bounds; the select keeps the right one.
      Value pi = arith::SelectOp::create(b, l, fromX, zero, p);
      Value pv = tensor::ExtractOp::create(b, l, past, ValueRange{bi, ci, pi});
      return arith::SelectOp::create(b, l, fromX, xv, pv);
    };
    MLIRContext *ctx = rewriter.getContext();
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };

    // The sums over the kernel (reading the weight gives the loop its
    // size), then bias and activation elementwise.
    // 16-bit floats accumulate in f32 and round once, as the function
    // body's Conv does.
    Type acc = elem.getIntOrFloatBitWidth() < 32 ? rewriter.getF32Type() : elem;
    auto accTy = outTy.clone(acc);
    auto widen = [&](OpBuilder &b, Location l, Value v) {
      return v.getType() == acc ? v : arith::ExtFOp::create(b, l, acc, v);
    };
    SmallVector<OpFoldResult> outSizes =
        refineSizes(rewriter, outTy, sizesOf(rewriter, loc, x));
    Value zeros = createFilled(rewriter, loc, accTy, outSizes,
                               scalarConstant(rewriter, loc, acc, 0));
    SmallVector<AffineMap> maps = {
        AffineMap::get(4, 0, {d(1), getAffineConstantExpr(0, ctx), d(3)},
                       ctx),
        AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx)};
    SmallVector<utils::IteratorType> iters(3, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    Value sums =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{accTy}, ValueRange{w}, ValueRange{zeros},
            maps, iters,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value bi = linalg::IndexOp::create(b, l, 0);
              Value ci = linalg::IndexOp::create(b, l, 1);
              Value p = arith::AddIOp::create(
                  b, l, linalg::IndexOp::create(b, l, 2),
                  linalg::IndexOp::create(b, l, 3));
              Value term =
                  arith::MulFOp::create(b, l, widen(b, l, args[0]),
                                        widen(b, l, padded(b, l, bi, ci, p)));
              linalg::YieldOp::create(
                  b, l, ValueRange{arith::AddFOp::create(b, l, args[1], term)});
            })
            .getResult(0);
    Value output = sums;
    if (hasBias || silu || acc != elem) {
      output = generateTensor(
          rewriter, loc, outTy, outSizes, {sums},
          {AffineMap::getMultiDimIdentityMap(3, ctx)},
          [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange args) {
            Value v = args[0];
            if (hasBias)
              v = arith::AddFOp::create(
                  b, l, v,
                  widen(b, l,
                        tensor::ExtractOp::create(b, l, bias,
                                                  ValueRange{ivs[1]})));
            if (silu) {
              // v * sigmoid(v) = v / (1 + exp(-v))
              Value one = scalarConstant(b, l, acc, 1);
              Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, v));
              v = arith::DivFOp::create(b, l, v,
                                        arith::AddFOp::create(b, l, one, e));
            }
            return acc == elem ? v
                               : arith::TruncFOp::create(b, l, elem, v)
                                     .getResult();
          });
    }
    SmallVector<OpFoldResult> stateSizes = sizesOf(rewriter, loc, x);
    stateSizes[2] = lead;
    stateSizes = refineSizes(rewriter, stateTy, stateSizes);
    Value state = generateTensor(
        rewriter, loc, stateTy, stateSizes, {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) {
          return padded(b, l, ivs[0], ivs[1],
                        arith::AddIOp::create(b, l, len, ivs[2]));
        });
    rewriter.replaceOp(op, {output, state});
    return success();
  }
};

} // namespace

void kiln::populateConvolutionPatterns(TypeConverter &tc,
                                       RewritePatternSet &patterns) {
  patterns.add<ConvLowering, CausalConvWithStateLowering>(
      tc, patterns.getContext());
}
