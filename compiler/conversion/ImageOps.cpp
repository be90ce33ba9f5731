//===- ImageOps.cpp - GridSample, RoiAlign, DeformConv, AffineGrid --------===//
//
// Image sampling ops: every output element reads the input at a fractional
// location (from a grid, a region of interest, or a deformable
// convolution's offsets) with nearest, (bi/tri)linear or bicubic
// interpolation. Each becomes one index-driven linalg.generic; RoiAlign's
// per-bin sampling grid, whose size may depend on the region, is an scf.for
// nest inside the body; DeformConv reduces over its channels and taps.
// AffineGrid makes GridSample's grids. Semantics follow ONNX Runtime's
// kernels and ONNX's reference.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/Interpolation.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/ShapeHelpers.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <limits>

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;
using namespace kiln::shape_helpers;

namespace {

/// Scalar float arithmetic in one type at one place, so that the coordinate
/// math below reads like the formulas it implements.
struct FMath {
  OpBuilder &b;
  Location l;
  Type t;

  Value c(double v) {
    return arith::ConstantOp::create(b, l, b.getFloatAttr(t, v));
  }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, l, x, y); }
  Value sub(Value x, Value y) { return arith::SubFOp::create(b, l, x, y); }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, l, x, y); }
  Value div(Value x, Value y) { return arith::DivFOp::create(b, l, x, y); }
  Value max(Value x, Value y) { return arith::MaximumFOp::create(b, l, x, y); }
  Value min(Value x, Value y) { return arith::MinimumFOp::create(b, l, x, y); }
  Value floor(Value x) { return math::FloorOp::create(b, l, x); }
  Value lt(Value x, Value y) {
    return arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, x, y);
  }
  Value gt(Value x, Value y) {
    return arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, x, y);
  }
  Value ge(Value x, Value y) {
    return arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE, x, y);
  }
  Value sel(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, l, cond, x, y);
  }
  Value orI(Value x, Value y) { return arith::OrIOp::create(b, l, x, y); }
  /// An index (or integer) as a float of type `t`.
  Value fromIndex(Value i) { return indexToFloat(b, l, i, t); }
  /// A float truncated toward zero, as an index.
  Value toIdx(Value f) { return floatToIndex(b, l, f); }
  /// A float scalar of any float type converted to `t`.
  Value cast(Value v) { return castFloat(b, l, v, t); }
};

/// The type interpolation is computed in: f64 for f64 data, f32 otherwise.
Type computeTypeFor(Type elt) {
  return elt.isF64() ? elt : Float32Type::get(elt.getContext());
}

//===----------------------------------------------------------------------===//
// GridSample
//===----------------------------------------------------------------------===//

enum class GridPadding { Zeros, Border, Reflection };

/// ORT's GsReflect: folds `x` back into [lo, hi] by reflecting at the
/// bounds as often as needed.
Value reflect(FMath &m, Value x, Value lo, Value hi) {
  Value range = m.sub(hi, lo);
  Value below = m.lt(x, lo), above = m.gt(x, hi);
  Value dx = m.sel(below, m.sub(lo, x), m.sub(x, hi));
  Value n = m.floor(m.div(dx, range));
  Value r = m.sub(dx, m.mul(n, range));
  Value nI = arith::FPToSIOp::create(m.b, m.l, m.b.getI64Type(), n);
  Value odd = arith::TruncIOp::create(m.b, m.l, m.b.getI1Type(), nI);
  Value fromLo = m.add(lo, r), fromHi = m.sub(hi, r);
  Value lowSide = m.sel(odd, fromHi, fromLo);
  Value highSide = m.sel(odd, fromLo, fromHi);
  return m.sel(below, lowSide, m.sel(above, highSide, x));
}

struct GridSampleLowering : OpConversionPattern<OnnxGridSampleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxGridSampleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value x = adaptor.getX(), grid = adaptor.getGrid();
    auto xTy = dyn_cast<RankedTensorType>(x.getType());
    auto gTy = dyn_cast<RankedTensorType>(grid.getType());
    if (!resTy || !xTy || !gTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    // 2-D (4-D input, grid [N, H, W, 2]) or volumetric (5-D input, grid
    // [N, D, H, W, 3]) sampling.
    int64_t spatial = xTy.getRank() - 2;
    if ((spatial != 2 && spatial != 3) || gTy.getRank() != xTy.getRank() ||
        (!gTy.isDynamicDim(spatial + 1) &&
         gTy.getDimSize(spatial + 1) != spatial))
      return rewriter.notifyMatchFailure(
          op, "2-D or 3-D sampling expected: a 4-D or 5-D input and a grid "
              "of the same rank whose last dim holds the coordinates");
    if (!isa<FloatType>(xTy.getElementType()) ||
        !isa<FloatType>(gTy.getElementType()))
      return rewriter.notifyMatchFailure(op, "float input and grid expected");
    // Opset 16 spells the modes bilinear/bicubic, opset 20 linear/cubic.
    StringRef mode = op.getMode();
    bool nearest = mode == "nearest";
    bool cubic = mode == "bicubic" || mode == "cubic";
    if (!nearest && !cubic && mode != "bilinear" && mode != "linear")
      return rewriter.notifyMatchFailure(op, "unknown mode");
    if (cubic && spatial != 2)
      return rewriter.notifyMatchFailure(
          op, "cubic sampling is defined for 2-D inputs only");
    GridPadding pad;
    StringRef padStr = op.getPaddingMode();
    if (padStr == "zeros")
      pad = GridPadding::Zeros;
    else if (padStr == "border")
      pad = GridPadding::Border;
    else if (padStr == "reflection")
      pad = GridPadding::Reflection;
    else
      return rewriter.notifyMatchFailure(op, "unknown padding_mode");
    bool alignCorners = op.getAlignCorners() != 0;

    Location loc = op.getLoc();
    Type elt = xTy.getElementType();
    FMath top{rewriter, loc, computeTypeFor(elt)};
    // Per spatial dim of x, outermost first (D,) H, W: its length and the
    // valid coordinate range (pixel centres with align_corners, else pixel
    // edges).
    SmallVector<Value> lens, lensF, mins, maxs;
    for (int64_t d = 0; d < spatial; ++d) {
      lens.push_back(val(rewriter, loc, dimOf(rewriter, loc, x, 2 + d)));
      lensF.push_back(top.fromIndex(lens.back()));
      mins.push_back(top.c(alignCorners ? 0.0 : -0.5));
      maxs.push_back(top.sub(lensF.back(), top.c(alignCorners ? 1.0 : 0.5)));
    }
    SmallVector<OpFoldResult> sizes = {dimOf(rewriter, loc, x, 0),
                                       dimOf(rewriter, loc, x, 1)};
    for (int64_t d = 0; d < spatial; ++d)
      sizes.push_back(dimOf(rewriter, loc, grid, 1 + d));
    sizes = refineSizes(rewriter, resTy, sizes);

    auto body = [&](OpBuilder &nb, Location l, ValueRange ivs,
                    ValueRange) -> Value {
      FMath m{nb, l, top.t};
      Value n = ivs[0], ch = ivs[1];
      auto gridAt = [&](int64_t k) {
        SmallVector<Value> at{n};
        for (int64_t d = 0; d < spatial; ++d)
          at.push_back(ivs[2 + d]);
        at.push_back(cIdx(nb, l, k));
        return m.cast(tensor::ExtractOp::create(nb, l, grid, at));
      };
      // [-1, 1] to pixel coordinates.
      auto denorm = [&](Value g, Value len) {
        Value g1 = m.add(g, m.c(1.0));
        if (alignCorners)
          return m.mul(m.div(g1, m.c(2.0)), m.sub(len, m.c(1.0)));
        return m.div(m.sub(m.mul(g1, len), m.c(1.0)), m.c(2.0));
      };
      // The grid holds (x, y[, z]): the innermost dim's coordinate first,
      // read in that order.
      SmallVector<Value> coord(spatial);
      for (int64_t d = spatial - 1; d >= 0; --d) {
        Value v = denorm(gridAt(spatial - 1 - d), lensF[d]);
        if (nearest)
          v = math::RoundEvenOp::create(nb, l, v);
        // Coordinates outside [min, max] move in for border and reflection
        // padding (ONNX reference and PyTorch; this matters for bicubic
        // only, where ORT instead pads per pixel).
        if (pad == GridPadding::Border) {
          Value out = m.orI(m.lt(v, mins[d]), m.gt(v, maxs[d]));
          Value clamped =
              m.min(m.max(v, m.c(0.0)), m.sub(lensF[d], m.c(1.0)));
          v = m.sel(out, clamped, v);
        } else if (pad == GridPadding::Reflection) {
          v = reflect(m, v, mins[d], maxs[d]);
        }
        coord[d] = v;
      }

      // The pixel at integer `at` (one index per spatial dim), which may
      // lie outside the image.
      auto pixel = [&](SmallVector<Value> at) -> Value {
        Value valid;
        for (int64_t d = 0; d < spatial; ++d) {
          if (pad == GridPadding::Zeros) {
            Value inside = arith::AndIOp::create(
                nb, l,
                arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, at[d],
                                      cIdx(nb, l, 0)),
                arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, at[d],
                                      lens[d]));
            valid = valid ? arith::AndIOp::create(nb, l, valid, inside)
                          : inside;
          } else if (pad == GridPadding::Reflection) {
            at[d] = m.toIdx(reflect(m, m.fromIndex(at[d]), mins[d], maxs[d]));
          }
          // Clamping also keeps the zero-padded reads in bounds.
          at[d] = clampIndex(nb, l, at[d], lens[d]);
        }
        SmallVector<Value> idx{n, ch};
        idx.append(at);
        Value v = m.cast(tensor::ExtractOp::create(nb, l, x, idx));
        return valid ? m.sel(valid, v, m.c(0.0)) : v;
      };

      Value result;
      if (nearest) {
        SmallVector<Value> at;
        for (Value v : coord)
          at.push_back(m.toIdx(v));
        result = pixel(at);
      } else {
        // Taps at offsets `first`.. from floor(coordinate), with weights,
        // per dim; the sum nests with the innermost dim inside.
        SmallVector<Value> base;
        SmallVector<SmallVector<Value>> weights;
        int64_t first = cubic ? -1 : 0;
        for (Value v : coord) {
          Value f = m.floor(v);
          base.push_back(m.toIdx(f));
          Value frac = m.sub(v, f);
          if (cubic)
            weights.emplace_back(cubicWeights(nb, l, frac, -0.75));
          else
            weights.push_back({m.sub(m.c(1.0), frac), frac});
        }
        std::function<Value(int64_t, SmallVector<Value>)> sum =
            [&](int64_t d, SmallVector<Value> at) -> Value {
          if (d == spatial)
            return pixel(at);
          Value acc;
          for (auto [k, w] : llvm::enumerate(weights[d])) {
            SmallVector<Value> next = at;
            next.push_back(arith::AddIOp::create(
                nb, l, base[d], cIdx(nb, l, first + (int64_t)k)));
            Value term = m.mul(w, sum(d + 1, next));
            acc = acc ? m.add(acc, term) : term;
          }
          return acc;
        };
        result = sum(0, {});
      }
      return result.getType() == elt
                 ? result
                 : arith::TruncFOp::create(nb, l, elt, result).getResult();
    };
    rewriter.replaceOp(
        op, generateTensor(rewriter, loc, resTy, sizes, {}, {}, body));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// RoiAlign
//===----------------------------------------------------------------------===//

struct RoiAlignLowering : OpConversionPattern<OnnxRoiAlignOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxRoiAlignOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value x = adaptor.getX(), rois = adaptor.getRois(),
          batch = adaptor.getBatchIndices();
    auto xTy = dyn_cast<RankedTensorType>(x.getType());
    auto rTy = dyn_cast<RankedTensorType>(rois.getType());
    auto bTy = dyn_cast<RankedTensorType>(batch.getType());
    if (!resTy || !xTy || !rTy || !bTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    if (xTy.getRank() != 4 || rTy.getRank() != 2 || bTy.getRank() != 1)
      return rewriter.notifyMatchFailure(
          op, "expected 4-D input, 2-D rois and 1-D batch_indices");
    if (!isa<FloatType>(xTy.getElementType()) ||
        !isa<FloatType>(rTy.getElementType()))
      return rewriter.notifyMatchFailure(op, "float input and rois expected");
    StringRef mode = op.getMode();
    if (mode != "avg" && mode != "max")
      return rewriter.notifyMatchFailure(op, "unknown mode");
    bool isMax = mode == "max";
    StringRef coordMode = op.getCoordinateTransformationMode();
    // RoiAlign-10 had no coordinate_transformation_mode and behaved as
    // output_half_pixel.
    int64_t opset = opsetOf(op);
    if (opset >= 0 && opset < 16)
      coordMode = "output_half_pixel";
    if (coordMode != "half_pixel" && coordMode != "output_half_pixel")
      return rewriter.notifyMatchFailure(
          op, "unknown coordinate_transformation_mode");
    bool halfPixel = coordMode == "half_pixel";
    int64_t outH = op.getOutputHeight(), outW = op.getOutputWidth();
    if (outH <= 0 || outW <= 0)
      return rewriter.notifyMatchFailure(
          op, "output_height and output_width must be positive");
    int64_t samplingRatio = op.getSamplingRatio();
    double spatialScale = op.getSpatialScale().convertToDouble();

    Location loc = op.getLoc();
    Type elt = xTy.getElementType();
    FMath top{rewriter, loc, computeTypeFor(elt)};
    Value hLen = val(rewriter, loc, dimOf(rewriter, loc, x, 2));
    Value wLen = val(rewriter, loc, dimOf(rewriter, loc, x, 3));
    Value hF = top.fromIndex(hLen), wF = top.fromIndex(wLen);

    SmallVector<OpFoldResult> sizes = {
        dimOf(rewriter, loc, rois, 0), dimOf(rewriter, loc, x, 1),
        rewriter.getIndexAttr(outH), rewriter.getIndexAttr(outW)};
    sizes = refineSizes(rewriter, resTy, sizes);

    auto body = [&](OpBuilder &nb, Location l, ValueRange ivs,
                    ValueRange) -> Value {
      FMath m{nb, l, top.t};
      Value roi = ivs[0], ch = ivs[1];
      Value n = toIndex(nb, l, tensor::ExtractOp::create(nb, l, batch, roi));
      auto roiAt = [&](int64_t k) {
        Value v = m.cast(tensor::ExtractOp::create(
            nb, l, rois, ValueRange{roi, cIdx(nb, l, k)}));
        return m.sub(m.mul(v, m.c(spatialScale)), m.c(halfPixel ? 0.5 : 0.0));
      };
      Value startW = roiAt(0), startH = roiAt(1);
      Value roiW = m.sub(roiAt(2), startW), roiH = m.sub(roiAt(3), startH);
      if (!halfPixel) {
        // Malformed regions are forced to 1x1.
        roiW = m.max(roiW, m.c(1.0));
        roiH = m.max(roiH, m.c(1.0));
      }
      Value binH = m.div(roiH, m.c(outH)), binW = m.div(roiW, m.c(outW));
      // Samples per bin along each axis: fixed, or adaptive to the region.
      auto gridLen = [&](Value bin) -> Value {
        if (samplingRatio > 0)
          return cIdx(nb, l, samplingRatio);
        return m.toIdx(math::CeilOp::create(nb, l, bin));
      };
      Value gridH = gridLen(binH), gridW = gridLen(binW);
      Value gridHF = m.fromIndex(gridH), gridWF = m.fromIndex(gridW);
      Value baseY = m.add(startH, m.mul(m.fromIndex(ivs[2]), binH));
      Value baseX = m.add(startW, m.mul(m.fromIndex(ivs[3]), binW));

      // One bilinear sample, as ORT computes it: samples beyond one pixel
      // outside the map contribute 0, others clamp to the edge. Returns the
      // four weighted corner values.
      auto sample = [&](OpBuilder &sb, Location sl, Value yy,
                        Value xx) -> SmallVector<Value, 4> {
        FMath s{sb, sl, top.t};
        Value empty = s.orI(s.orI(s.lt(yy, s.c(-1.0)), s.gt(yy, hF)),
                            s.orI(s.lt(xx, s.c(-1.0)), s.gt(xx, wF)));
        // Per axis: low/high indices and the fraction towards high.
        auto axis = [&](Value p, Value len, Value lenF) {
          p = s.max(p, s.c(0.0));
          Value lastF = s.sub(lenF, s.c(1.0));
          Value atEnd = s.ge(s.floor(p), lastF);
          p = s.sel(atEnd, lastF, p);
          Value lo = clampIndex(sb, sl, s.toIdx(p), len);
          Value hi = clampIndex(
              sb, sl, arith::AddIOp::create(sb, sl, lo, cIdx(sb, sl, 1)), len);
          Value frac = s.sub(p, s.fromIndex(lo));
          return std::make_tuple(lo, hi, frac);
        };
        auto [yLo, yHi, ly] = axis(yy, hLen, hF);
        auto [xLo, xHi, lx] = axis(xx, wLen, wF);
        Value hy = s.sub(s.c(1.0), ly), hx = s.sub(s.c(1.0), lx);
        Value zero = s.c(0.0);
        auto term = [&](Value w, Value r, Value c) {
          Value v = s.cast(
              tensor::ExtractOp::create(sb, sl, x, ValueRange{n, ch, r, c}));
          return s.sel(empty, zero, s.mul(w, v));
        };
        return {term(s.mul(hy, hx), yLo, xLo), term(s.mul(hy, lx), yLo, xHi),
                term(s.mul(ly, hx), yHi, xLo), term(s.mul(ly, lx), yHi, xHi)};
      };

      // acc over the gridH x gridW samples of this bin: sum (avg) or max.
      Value init =
          isMax ? m.c(-std::numeric_limits<double>::infinity()) : m.c(0.0);
      Value zeroI = cIdx(nb, l, 0), oneI = cIdx(nb, l, 1);
      auto outer = scf::ForOp::create(
          nb, l, zeroI, gridH, oneI, ValueRange{init},
          [&](OpBuilder &ob, Location ol, Value iy, ValueRange oArgs) {
            FMath o{ob, ol, top.t};
            Value yy = o.add(
                baseY,
                o.div(o.mul(o.add(o.fromIndex(iy), o.c(0.5)), binH), gridHF));
            auto inner = scf::ForOp::create(
                ob, ol, zeroI, gridW, oneI, oArgs,
                [&](OpBuilder &ib, Location il, Value ix, ValueRange iArgs) {
                  FMath i{ib, il, top.t};
                  Value xx =
                      i.add(baseX,
                            i.div(i.mul(i.add(i.fromIndex(ix), i.c(0.5)), binW),
                                  gridWF));
                  SmallVector<Value, 4> t = sample(ib, il, yy, xx);
                  Value acc = iArgs[0];
                  if (isMax)
                    acc =
                        i.max(acc, i.max(i.max(i.max(t[0], t[1]), t[2]), t[3]));
                  else
                    acc =
                        i.add(acc, i.add(i.add(i.add(t[0], t[1]), t[2]), t[3]));
                  scf::YieldOp::create(ib, il, acc);
                });
            scf::YieldOp::create(ob, ol, inner.getResult(0));
          });
      Value acc = outer.getResult(0);
      Value count = m.fromIndex(arith::MulIOp::create(nb, l, gridH, gridW));
      Value none = arith::CmpIOp::create(
          nb, l, arith::CmpIPredicate::eq,
          arith::MulIOp::create(nb, l, gridH, gridW), zeroI);
      Value result = isMax ? acc : m.div(acc, m.max(count, m.c(1.0)));
      // A bin without samples is 0 (ORT's initial value).
      result = m.sel(none, m.c(0.0), result);
      return result.getType() == elt
                 ? result
                 : arith::TruncFOp::create(nb, l, elt, result).getResult();
    };
    rewriter.replaceOp(
        op, generateTensor(rewriter, loc, resTy, sizes, {}, {}, body));
    return success();
  }
};

} // namespace

//===----------------------------------------------------------------------===//
// DeformConv
//===----------------------------------------------------------------------===//

/// Y[n, oc, i, j] = B[oc] + sum over the group's channels c and the kernel
/// taps (kh, kw) of W[oc, c, kh, kw] * mask * X[n, ic] sampled bilinearly
/// (zero outside the image, as GridSample with align_corners and zero
/// padding) at (i * sh - pt + kh * dh + offset_h, j * sw - pl + kw * dw +
/// offset_w), the offsets and the mask of the channel's offset group. One
/// generic: parallel over Y, reducing over (c, kh, kw) while reading W.
struct DeformConvLowering : OpConversionPattern<OnnxDeformConvOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxDeformConvOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value x = adaptor.getX(), w = adaptor.getW(), off = adaptor.getOffset();
    Value bias = adaptor.getB(), mask = adaptor.getMask();
    auto xTy = dyn_cast<RankedTensorType>(x.getType());
    auto wTy = dyn_cast<RankedTensorType>(w.getType());
    auto offTy = dyn_cast<RankedTensorType>(off.getType());
    if (!resTy || !xTy || !wTy || !offTy || xTy.getRank() != 4 ||
        wTy.getRank() != 4 || offTy.getRank() != 4 || resTy.getRank() != 4)
      return rewriter.notifyMatchFailure(
          op, "2-D deformable convolution expected (4-D X, W, offset)");
    if (!isa<FloatType>(xTy.getElementType()))
      return rewriter.notifyMatchFailure(op, "float input expected");
    int64_t group = op.getGroup(), offsetGroup = op.getOffsetGroup();
    // Channel counts and the kernel size may be symbolic (W a graph input):
    // what is static is checked here.
    int64_t inC = xTy.getDimSize(1), outC = wTy.getDimSize(0);
    int64_t kH = wTy.getDimSize(2), kW = wTy.getDimSize(3);
    auto dyn = [](int64_t v) { return ShapedType::isDynamic(v); };
    if (group < 1 || offsetGroup < 1 ||
        (!dyn(inC) && (inC % group || inC % offsetGroup ||
                       (!dyn(wTy.getDimSize(1)) &&
                        wTy.getDimSize(1) * group != inC))) ||
        (!dyn(outC) && outC % group))
      return rewriter.notifyMatchFailure(
          op, "the channels do not divide into group and offset_group");
    auto ints = [&](std::optional<ArrayAttr> a, int64_t n, int64_t dflt) {
      SmallVector<int64_t> v(n, dflt);
      if (a && (int64_t)a->size() == n)
        for (auto [i, e] : llvm::enumerate(*a))
          v[i] = cast<IntegerAttr>(e).getInt();
      return v;
    };
    SmallVector<int64_t> strides = ints(op.getStrides(), 2, 1);
    SmallVector<int64_t> dils = ints(op.getDilations(), 2, 1);
    SmallVector<int64_t> pads = ints(op.getPads(), 4, 0);
    if (auto k = op.getKernelShape();
        k && (k->size() != 2 ||
              (!dyn(kH) && cast<IntegerAttr>((*k)[0]).getInt() != kH) ||
              (!dyn(kW) && cast<IntegerAttr>((*k)[1]).getInt() != kW)))
      return rewriter.notifyMatchFailure(op,
                                         "kernel_shape disagrees with W");
    if (!dyn(kH) && !dyn(kW) && !offTy.isDynamicDim(1) &&
        offTy.getDimSize(1) != offsetGroup * 2 * kH * kW)
      return rewriter.notifyMatchFailure(
          op, "offset must hold offset_group * 2 * kH * kW channels");
    bool hasBias = !isa<NoneType>(bias.getType());
    bool hasMask = !isa<NoneType>(mask.getType());

    Location loc = op.getLoc();
    Type elt = xTy.getElementType();
    FMath top{rewriter, loc, computeTypeFor(elt)};
    auto dimV = [&](Value t, int64_t i) {
      return val(rewriter, loc, dimOf(rewriter, loc, t, i));
    };
    Value hLen = dimV(x, 2), wLen = dimV(x, 3);
    Value inCV = dimV(x, 1), outCV = dimV(w, 0);
    Value kHV = dimV(w, 2), kWV = dimV(w, 3);
    Value tapsV = arith::MulIOp::create(rewriter, loc, kHV, kWV);
    auto perGroup = [&](Value c, int64_t g) {
      return arith::DivUIOp::create(rewriter, loc, c,
                                    cIdx(rewriter, loc, g)).getResult();
    };
    Value inPerGroup = perGroup(inCV, group);
    Value outPerGroup = perGroup(outCV, group);
    Value inPerOffsetGroup = perGroup(inCV, offsetGroup);
    SmallVector<OpFoldResult> sizes = {
        dimOf(rewriter, loc, x, 0), dimOf(rewriter, loc, w, 0),
        dimOf(rewriter, loc, off, 2), dimOf(rewriter, loc, off, 3)};
    sizes = refineSizes(rewriter, resTy, sizes);
    Value init;
    if (hasBias) {
      init = generateTensor(
          rewriter, loc, resTy, sizes, {}, {},
          [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) -> Value {
            return tensor::ExtractOp::create(b, l, bias, ValueRange{ivs[1]});
          });
    } else {
      init = createFilled(rewriter, loc, resTy, sizes,
                          scalarConstant(rewriter, loc, elt, 0));
    }
    MLIRContext *ctx = rewriter.getContext();
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    // Loops: n, oc, i, j | c (in the group), kh, kw.
    SmallVector<AffineMap> maps = {
        AffineMap::get(7, 0, {d(1), d(4), d(5), d(6)}, ctx),
        AffineMap::get(7, 0, {d(0), d(1), d(2), d(3)}, ctx)};
    SmallVector<utils::IteratorType> iters(4, utils::IteratorType::parallel);
    iters.append(3, utils::IteratorType::reduction);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()}, ValueRange{w},
        ValueRange{init}, maps, iters,
        [&](OpBuilder &nb, Location l, ValueRange args) {
          FMath m{nb, l, top.t};
          auto index = [&](unsigned i) {
            return linalg::IndexOp::create(nb, l, i).getResult();
          };
          Value n = index(0), oc = index(1), i = index(2), j = index(3);
          Value cl = index(4), kh = index(5), kw = index(6);
          auto mul = [&](Value a, Value b) {
            return arith::MulIOp::create(nb, l, a, b).getResult();
          };
          auto mulC = [&](Value v, int64_t c) { return mul(v, cIdx(nb, l, c)); };
          auto add = [&](Value a, Value b) {
            return arith::AddIOp::create(nb, l, a, b);
          };
          // Input channel, offset group and tap (kernel position within the
          // offset group's block of offsets and masks).
          Value ic = add(
              mul(arith::DivUIOp::create(nb, l, oc, outPerGroup), inPerGroup),
              cl);
          Value og = arith::DivUIOp::create(nb, l, ic, inPerOffsetGroup);
          Value tap = add(add(mul(og, tapsV), mul(kh, kWV)), kw);
          auto offsetAt = [&](int64_t part) {
            Value ch = add(mulC(tap, 2), cIdx(nb, l, part));
            return m.cast(tensor::ExtractOp::create(nb, l, off,
                                                    ValueRange{n, ch, i, j}));
          };
          auto coordinate = [&](Value o, Value k, int64_t d, int64_t s,
                                int64_t p, Value shift) {
            Value base = arith::SubIOp::create(
                nb, l, add(mulC(o, s), mulC(k, d)), cIdx(nb, l, p));
            return m.add(m.fromIndex(base), shift);
          };
          Value h = coordinate(i, kh, dils[0], strides[0], pads[0],
                               offsetAt(0));
          Value wc = coordinate(j, kw, dils[1], strides[1], pads[1],
                                offsetAt(1));
          // Bilinear over the four neighbours, each zero outside.
          Value h0F = m.floor(h), w0F = m.floor(wc);
          Value h0 = m.toIdx(h0F), w0 = m.toIdx(w0F);
          Value lh = m.sub(h, h0F), lw = m.sub(wc, w0F);
          auto pixel = [&](Value r, Value c) {
            auto inside = [&](Value v, Value len) {
              return arith::AndIOp::create(
                  nb, l,
                  arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, v,
                                        cIdx(nb, l, 0)),
                  arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, v,
                                        len));
            };
            Value valid =
                arith::AndIOp::create(nb, l, inside(r, hLen), inside(c, wLen));
            Value v = m.cast(tensor::ExtractOp::create(
                nb, l, x,
                ValueRange{n, ic, clampIndex(nb, l, r, hLen),
                           clampIndex(nb, l, c, wLen)}));
            return m.sel(valid, v, m.c(0.0));
          };
          Value h1 = add(h0, cIdx(nb, l, 1)), w1 = add(w0, cIdx(nb, l, 1));
          Value one = m.c(1.0);
          Value sample = m.add(
              m.mul(m.sub(one, lh),
                    m.add(m.mul(m.sub(one, lw), pixel(h0, w0)),
                          m.mul(lw, pixel(h0, w1)))),
              m.mul(lh, m.add(m.mul(m.sub(one, lw), pixel(h1, w0)),
                              m.mul(lw, pixel(h1, w1)))));
          Value term = m.mul(m.cast(args[0]), sample);
          if (hasMask)
            term = m.mul(term, m.cast(tensor::ExtractOp::create(
                                   nb, l, mask, ValueRange{n, tap, i, j})));
          Value acc = m.add(m.cast(args[1]), term);
          linalg::YieldOp::create(nb, l,
                                  acc.getType() == elt
                                      ? acc
                                      : castFloat(nb, l, acc, elt));
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// AffineGrid
//===----------------------------------------------------------------------===//

/// grid[n, (d,) h, w, k] = sum_j theta[n, k, j] * base[j] with base =
/// (x_w, y_h, (z_d,) 1), the normalized coordinates of GridSample:
/// -1 + 2i/(L-1) with align_corners (-1 when L = 1), (2i+1)/L - 1 without.
/// One index-driven generic: simpler and faster than the function body,
/// whose Squeeze without axes needs the batch size at compile time.
struct AffineGridLowering : OpConversionPattern<OnnxAffineGridOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxAffineGridOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resTy = resultTypeOf(*this, op);
    Value theta = adaptor.getTheta(), size = adaptor.getSize();
    auto thetaTy = dyn_cast<RankedTensorType>(theta.getType());
    if (!resTy || (resTy.getRank() != 4 && resTy.getRank() != 5) ||
        !thetaTy || thetaTy.getRank() != 3 ||
        !isa<FloatType>(resTy.getElementType()))
      return rewriter.notifyMatchFailure(
          op, "a ranked 2-D or 3-D grid of floats from a [N, r, r+1] theta "
              "expected");
    int64_t spatial = resTy.getRank() - 2; // 2 or 3
    Location loc = op.getLoc();
    // size = (N, C, (D,) H, W): the grid is [N, (D,) H, W, spatial].
    SmallVector<OpFoldResult> sizes = {dimOf(rewriter, loc, theta, 0)};
    SmallVector<Value> lengths;
    for (int64_t i = 0; i < spatial; ++i) {
      Value l = toIndex(rewriter, loc,
                        tensor::ExtractOp::create(
                            rewriter, loc, size,
                            ValueRange{cIdx(rewriter, loc, 2 + i)}));
      lengths.push_back(l);
      sizes.push_back(l);
    }
    sizes.push_back(idx(rewriter, spatial));
    sizes = refineSizes(rewriter, resTy, sizes);
    bool align = op.getAlignCorners() != 0;
    Type elem = resTy.getElementType();
    Value r = generateTensor(
        rewriter, loc, resTy, sizes, {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) {
          // f16/bf16 grids are computed in f32, doubles in f64.
          Type f = elem.isF64() ? elem : b.getF32Type();
          auto toF = [&](Value i) {
            return arith::SIToFPOp::create(
                b, l, f,
                arith::IndexCastOp::create(b, l, b.getI64Type(), i));
          };
          Value one = scalarConstant(b, l, f, 1.0);
          Value two = scalarConstant(b, l, f, 2.0);
          // Coordinates in (x, y, z) order: the last spatial dim is x.
          SmallVector<Value> base;
          for (int64_t c = 0; c < spatial; ++c) {
            int64_t dim = spatial - 1 - c; // index into lengths / ivs
            Value i = toF(ivs[1 + dim]), len = toF(lengths[dim]);
            Value v;
            if (align) {
              Value lm1 = arith::SubFOp::create(b, l, len, one);
              Value single = arith::CmpFOp::create(
                  b, l, arith::CmpFPredicate::OLE, lm1,
                  scalarConstant(b, l, f, 0.0));
              Value step = arith::DivFOp::create(
                  b, l, arith::MulFOp::create(b, l, two, i),
                  arith::SelectOp::create(b, l, single, one, lm1));
              v = arith::SubFOp::create(b, l, step, one);
            } else {
              Value num = arith::AddFOp::create(
                  b, l, arith::MulFOp::create(b, l, two, i), one);
              v = arith::SubFOp::create(
                  b, l, arith::DivFOp::create(b, l, num, len), one);
            }
            base.push_back(v);
          }
          Value n = ivs[0], k = ivs[1 + spatial];
          auto thetaAt = [&](int64_t j) {
            Value t = tensor::ExtractOp::create(b, l, theta,
                                                ValueRange{n, k, cIdx(b, l, j)});
            return castScalar(b, l, t, elem, f);
          };
          Value acc = thetaAt(spatial); // the translation column
          for (int64_t j = 0; j < spatial; ++j)
            acc = arith::AddFOp::create(
                b, l, acc, arith::MulFOp::create(b, l, thetaAt(j), base[j]));
          return castScalar(b, l, acc, f, elem);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

void kiln::populateImageOpsPatterns(TypeConverter &tc,
                                    RewritePatternSet &patterns) {
  patterns.add<GridSampleLowering, RoiAlignLowering, AffineGridLowering,
               DeformConvLowering>(tc, patterns.getContext());
}
