//===- Resize.cpp - Resize and Upsample to linalg -------------------------===//
//
// Resampling: every output element maps back to input coordinates per axis
// (coordinate transformation mode, including tf_crop_and_resize's roi) and
// is read by nearest, linear or cubic interpolation.
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
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;
using namespace kiln::shape_helpers;

namespace {

//===----------------------------------------------------------------------===//
// Resize, Upsample
//===----------------------------------------------------------------------===//

/// How one axis of a resize maps output indices to input coordinates.
struct ResizeAxis {
  bool identity = true;
  Value scale;            // f32, used by the coordinate transform.
  Value inLenF, outLenF;  // f32 lengths.
  Value resizedLenF;      // f32: in * scale with scales, out with sizes.
  Value inLen;            // index.
  Value scaleBelowOneV;   // i1 at run time, for legacy nearest.
  Value roiStart, roiEnd; // f32, tf_crop_and_resize only.
};

struct ResizeConfig {
  StringRef mode, coordMode, nearestMode; // nearestMode "simple" = legacy.
  double cubicA = -0.75;
  bool excludeOutside = false;
  double extrapolation = 0.0;
  bool antialias = false; // linear and cubic only
};

/// What the scales/sizes/roi inputs say, per dim of the input.
struct ResizeParams {
  // The scale of each dim: a constant, or else `runtimeScales[d]` (f32).
  SmallVector<std::optional<double>> constScales;
  SmallVector<Value> runtimeScales;
  // With `haveSizes`, the output size of each dim; with `scaleFromSizes` the
  // scale used by the transform is out / in instead of `constScales`.
  SmallVector<OpFoldResult> sizes;
  bool haveSizes = false, scaleFromSizes = false;
  // tf_crop_and_resize: the crop of each dim (f32, normalized), and whether
  // it is known to be the whole axis [0, 1].
  SmallVector<Value> roiStart, roiEnd;
  SmallVector<bool> roiFull;
};

/// The antialias filter's kernel at `x` (f32): the tent max(0, 1 - |x|), or
/// Keys' cubic with coefficient `a` (support 2).
static Value antialiasKernel(OpBuilder &b, Location l, Value x, bool cubic,
                             double a) {
  auto c = [&](double v) -> Value {
    return arith::ConstantOp::create(b, l, b.getF32FloatAttr(v));
  };
  Value ax = math::AbsFOp::create(b, l, x);
  if (!cubic)
    return arith::MaximumFOp::create(
        b, l, arith::SubFOp::create(b, l, c(1), ax), c(0));
  Value x2 = arith::MulFOp::create(b, l, ax, ax);
  Value x3 = arith::MulFOp::create(b, l, x2, ax);
  // |x| <= 1: (a + 2) x^3 - (a + 3) x^2 + 1
  Value near = arith::AddFOp::create(
      b, l,
      arith::SubFOp::create(b, l, arith::MulFOp::create(b, l, c(a + 2), x3),
                            arith::MulFOp::create(b, l, c(a + 3), x2)),
      c(1));
  // 1 < |x| < 2: a x^3 - 5a x^2 + 8a x - 4a
  Value far = arith::SubFOp::create(
      b, l,
      arith::AddFOp::create(
          b, l,
          arith::SubFOp::create(b, l, arith::MulFOp::create(b, l, c(a), x3),
                                arith::MulFOp::create(b, l, c(5 * a), x2)),
          arith::MulFOp::create(b, l, c(8 * a), ax)),
      c(4 * a));
  Value isNear =
      arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLE, ax, c(1));
  Value isFar =
      arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, ax, c(2));
  return arith::SelectOp::create(
      b, l, isNear, near, arith::SelectOp::create(b, l, isFar, far, c(0)));
}

/// Builds the resampling generic shared by Resize and Upsample.
FailureOr<Value> buildResize(OpBuilder &b, Location loc, Value x,
                             RankedTensorType resTy, const ResizeParams &p,
                             const ResizeConfig &cfg) {
  auto xTy = cast<RankedTensorType>(x.getType());
  int64_t rank = xTy.getRank();
  Type f32 = b.getF32Type();
  bool crop = cfg.coordMode == "tf_crop_and_resize";
  auto toF32 = [&](OpBuilder &nb, Location l, Value i) -> Value {
    return indexToFloat(nb, l, i, f32);
  };
  auto fconst = [&](OpBuilder &nb, Location l, double v) -> Value {
    return arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(v));
  };

  SmallVector<ResizeAxis> axes(rank);
  SmallVector<OpFoldResult> outSizes;
  for (int64_t d = 0; d < rank; ++d) {
    ResizeAxis &ax = axes[d];
    std::optional<double> cs = p.constScales[d];
    OpFoldResult inLen = dimOf(b, loc, x, d);
    OpFoldResult outLen;
    if (p.haveSizes) {
      outLen = p.sizes[d];
    } else if (cs && getConstantIntValue(inLen)) {
      outLen = b.getIndexAttr(
          (int64_t)std::floor((float)*getConstantIntValue(inLen) * (float)*cs));
    } else if (!resTy.isDynamicDim(d)) {
      outLen = b.getIndexAttr(resTy.getDimSize(d));
    } else {
      Value s = cs ? fconst(b, loc, *cs) : p.runtimeScales[d];
      Value prod =
          arith::MulFOp::create(b, loc, toF32(b, loc, val(b, loc, inLen)), s);
      outLen =
          toIndex(b, loc,
                  arith::FPToSIOp::create(b, loc, b.getI64Type(),
                                          math::FloorOp::create(b, loc, prod)));
    }
    if (!resTy.isDynamicDim(d))
      outLen = b.getIndexAttr(resTy.getDimSize(d));
    outSizes.push_back(outLen);

    // An axis that keeps its length with scale 1 reads input[i]: ORT
    // short-circuits such axes under every coordinate transform (even
    // tf_half_pixel_for_nn, whose formula would shift by 0.5), except a crop
    // that is not the whole axis.
    auto ci = getConstantIntValue(inLen), co = getConstantIntValue(outLen);
    bool unit =
        p.scaleFromSizes ? (ci && co && *ci == *co) : (cs && *cs == 1.0);
    if (unit && (!crop || p.roiFull[d])) {
      ax.identity = true;
      continue;
    }
    ax.identity = false;
    ax.inLen = val(b, loc, inLen);
    ax.inLenF = toF32(b, loc, ax.inLen);
    ax.outLenF = toF32(b, loc, val(b, loc, outLen));
    if (p.scaleFromSizes)
      ax.scale = arith::DivFOp::create(b, loc, ax.outLenF, ax.inLenF);
    else
      ax.scale = cs ? fconst(b, loc, *cs) : p.runtimeScales[d];
    // align_corners and tf_crop_and_resize map onto the unrounded resized
    // length in * scale when scales are given (the ONNX reference, which the
    // backend tests follow: 4 * 0.6 resizes over 2.4, not 2; ORT uses the
    // rounded length).
    ax.resizedLenF =
        p.scaleFromSizes
            ? ax.outLenF
            : arith::MulFOp::create(b, loc, ax.inLenF, ax.scale).getResult();
    ax.scaleBelowOneV = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT,
                                              ax.scale, fconst(b, loc, 1.0));
    if (crop) {
      ax.roiStart = p.roiStart[d];
      ax.roiEnd = p.roiEnd[d];
    }
  }

  bool nearest = cfg.mode == "nearest", cubic = cfg.mode == "cubic";
  Type elt = xTy.getElementType();
  if (!nearest && !isa<FloatType>(elt))
    return failure();
  Type calcTy = elt.isF64() ? (Type)b.getF64Type() : f32;

  // Source coordinate of output index `i` along axis `ax`.
  auto coordOf = [&](OpBuilder &nb, Location l, const ResizeAxis &ax,
                     Value i) -> Value {
    Value half = fconst(nb, l, 0.5), zeroF = fconst(nb, l, 0.0),
          oneF = fconst(nb, l, 1.0);
    Value xo = toF32(nb, l, i);
    Value s = ax.scale;
    StringRef m = cfg.coordMode;
    auto halfPixel = [&]() -> Value {
      Value t = arith::DivFOp::create(
          nb, l, arith::AddFOp::create(nb, l, xo, half), s);
      return arith::SubFOp::create(nb, l, t, half);
    };
    if (m == "asymmetric")
      return arith::DivFOp::create(nb, l, xo, s);
    if (m == "tf_half_pixel_for_nn")
      return arith::DivFOp::create(nb, l,
                                   arith::AddFOp::create(nb, l, xo, half), s);
    if (m == "pytorch_half_pixel") {
      Value big = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT,
                                        ax.outLenF, oneF);
      return arith::SelectOp::create(nb, l, big, halfPixel(), zeroF);
    }
    if (m == "align_corners") {
      Value num = arith::MulFOp::create(
          nb, l, xo, arith::SubFOp::create(nb, l, ax.inLenF, oneF));
      Value den = arith::SubFOp::create(nb, l, ax.resizedLenF, oneF);
      Value one = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                        ax.resizedLenF, oneF);
      // Avoid 0/0 on one-element outputs.
      Value safeDen = arith::SelectOp::create(nb, l, one, oneF, den);
      return arith::SelectOp::create(
          nb, l, one, zeroF, arith::DivFOp::create(nb, l, num, safeDen));
    }
    if (m == "tf_crop_and_resize") {
      // start * (in - 1) + x * (end - start) * (in - 1) / (out - 1), or
      // the middle of the crop for a one-element output (ORT's form).
      Value inM1 = arith::SubFOp::create(nb, l, ax.inLenF, oneF);
      Value span = arith::SubFOp::create(nb, l, ax.roiEnd, ax.roiStart);
      Value outM1 = arith::SubFOp::create(nb, l, ax.resizedLenF, oneF);
      Value big = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT,
                                        ax.resizedLenF, oneF);
      Value safeDen = arith::SelectOp::create(nb, l, big, outM1, oneF);
      Value step = arith::DivFOp::create(
          nb, l,
          arith::MulFOp::create(nb, l, arith::MulFOp::create(nb, l, xo, span),
                                inM1),
          safeDen);
      Value many = arith::AddFOp::create(
          nb, l, arith::MulFOp::create(nb, l, ax.roiStart, inM1), step);
      Value mid = arith::MulFOp::create(
          nb, l,
          arith::MulFOp::create(
              nb, l, half,
              arith::AddFOp::create(nb, l, ax.roiStart, ax.roiEnd)),
          inM1);
      return arith::SelectOp::create(nb, l, big, many, mid);
    }
    if (m == "half_pixel_symmetric") {
      // adjustment = out / (scale * in); offset = in / 2 * (1 - adj).
      Value adj = arith::DivFOp::create(
          nb, l, ax.outLenF, arith::MulFOp::create(nb, l, s, ax.inLenF));
      Value center = arith::MulFOp::create(nb, l, ax.inLenF, half);
      Value off = arith::MulFOp::create(
          nb, l, center, arith::SubFOp::create(nb, l, oneF, adj));
      // (offset + (x + 0.5) / scale) - 0.5, in ORT's evaluation order.
      Value t = arith::DivFOp::create(
          nb, l, arith::AddFOp::create(nb, l, xo, half), s);
      return arith::SubFOp::create(nb, l, arith::AddFOp::create(nb, l, off, t),
                                   half);
    }
    return halfPixel(); // half_pixel
  };

  // Antialiased linear and cubic (downsampling only widens the kernel):
  // the ONNX reference's separable filter, one resampling generic per
  // resized axis in turn. Along an axis with scale s' = min(scale, 1) the
  // kernel (tent of support 1, or the cubic of support 2) is stretched by
  // 1 / s': output i at coordinate c reads the n = 2 - 2 * start inputs
  // from ceil(c) + start - 1, start = floor(-support / s') + 1, weighted by
  // kernel(s' * (input - c)) and normalized by the sum of the weights
  // (of the inputs inside the axis with exclude_outside); inputs past the
  // edges repeat the edge. Intermediate axes are kept in the calculation
  // type.
  if (cfg.antialias && !nearest) {
    double support = cubic ? 2.0 : 1.0;
    Value cur = x;
    int64_t lastAxis = -1;
    for (int64_t d = 0; d < rank; ++d)
      if (!axes[d].identity)
        lastAxis = d;
    if (lastAxis < 0)
      return castTo(b, loc, x, resTy);
    for (int64_t d = 0; d <= lastAxis; ++d) {
      const ResizeAxis &ax = axes[d];
      if (ax.identity)
        continue;
      Value s = arith::MinimumFOp::create(b, loc, ax.scale, fconst(b, loc, 1));
      Value start = floatToIndex(
          b, loc,
          arith::AddFOp::create(
              b, loc,
              math::FloorOp::create(
                  b, loc,
                  arith::DivFOp::create(b, loc, fconst(b, loc, -support), s)),
              fconst(b, loc, 1)));
      Value taps = arith::SubIOp::create(
          b, loc, cIdx(b, loc, 2),
          arith::MulIOp::create(b, loc, start, cIdx(b, loc, 2)));
      SmallVector<OpFoldResult> sizes = sizesOf(b, loc, cur);
      sizes[d] = outSizes[d];
      Type outElt = d == lastAxis ? elt : calcTy;
      auto outTy = d == lastAxis
                       ? resTy
                       : RankedTensorType::get(staticSizes(sizes), outElt);
      Value src = cur;
      cur = generateTensor(
          b, loc, outTy, sizes, {}, {},
          [&](OpBuilder &nb, Location l, ValueRange ivs, ValueRange) -> Value {
            Value zeroC = scalarConstant(nb, l, calcTy, 0);
            Value c = coordOf(nb, l, ax, ivs[d]);
            Value first = arith::AddIOp::create(
                nb, l, floatToIndex(nb, l, math::CeilOp::create(nb, l, c)),
                arith::SubIOp::create(nb, l, start, cIdx(nb, l, 1)));
            auto loop = scf::ForOp::create(
                nb, l, cIdx(nb, l, 0), taps, cIdx(nb, l, 1),
                ValueRange{zeroC, zeroC},
                [&](OpBuilder &kb, Location kl, Value k, ValueRange acc) {
                  Value i = arith::AddIOp::create(kb, kl, first, k);
                  Value arg = arith::MulFOp::create(
                      kb, kl, s,
                      arith::SubFOp::create(kb, kl, toF32(kb, kl, i), c));
                  Value w = antialiasKernel(kb, kl, arg, cubic, cfg.cubicA);
                  if (cfg.excludeOutside) {
                    Value inside = arith::AndIOp::create(
                        kb, kl,
                        arith::CmpIOp::create(kb, kl, arith::CmpIPredicate::sge,
                                              i, cIdx(kb, kl, 0)),
                        arith::CmpIOp::create(kb, kl, arith::CmpIPredicate::slt,
                                              i, ax.inLen));
                    w = arith::SelectOp::create(kb, kl, inside, w,
                                                fconst(kb, kl, 0));
                  }
                  if (calcTy != f32)
                    w = arith::ExtFOp::create(kb, kl, calcTy, w);
                  SmallVector<Value> at(ivs.begin(), ivs.end());
                  at[d] = clampIndex(kb, kl, i, ax.inLen);
                  Value v = tensor::ExtractOp::create(kb, kl, src, at);
                  if (v.getType() != calcTy)
                    v = arith::ExtFOp::create(kb, kl, calcTy, v);
                  scf::YieldOp::create(
                      kb, kl,
                      ValueRange{arith::AddFOp::create(
                                     kb, kl, acc[0],
                                     arith::MulFOp::create(kb, kl, v, w)),
                                 arith::AddFOp::create(kb, kl, acc[1], w)});
                });
            Value sum = loop.getResult(1);
            // exclude_outside can leave no weight: the reference keeps 0.
            Value none = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                               sum, zeroC);
            sum = arith::SelectOp::create(
                nb, l, none, scalarConstant(nb, l, calcTy, 1), sum);
            Value v = arith::DivFOp::create(nb, l, loop.getResult(0), sum);
            if (crop) {
              Value lastF =
                  arith::SubFOp::create(nb, l, ax.inLenF, fconst(nb, l, 1));
              Value out = arith::OrIOp::create(
                  nb, l,
                  arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OLT, c,
                                        fconst(nb, l, 0)),
                  arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, c,
                                        lastF));
              v = arith::SelectOp::create(
                  nb, l, out, scalarConstant(nb, l, calcTy, cfg.extrapolation),
                  v);
            }
            return outElt == calcTy
                       ? v
                       : arith::TruncFOp::create(nb, l, outElt, v).getResult();
          });
    }
    return cur;
  }

  // The input index nearest to coordinate c along axis `ax`, clamped.
  auto nearestOf = [&](OpBuilder &nb, Location l, const ResizeAxis &ax,
                       Value c) -> Value {
    Value half = fconst(nb, l, 0.5);
    Value r;
    StringRef nm = cfg.nearestMode;
    if (nm == "floor")
      r = math::FloorOp::create(nb, l, c);
    else if (nm == "ceil")
      r = math::CeilOp::create(nb, l, c);
    else if (nm == "round_prefer_ceil")
      r = math::FloorOp::create(nb, l, arith::AddFOp::create(nb, l, c, half));
    else if (nm == "simple")
      // Upsample / Resize-10: ceil when downsampling, else truncate.
      r = arith::SelectOp::create(nb, l, ax.scaleBelowOneV,
                                  math::CeilOp::create(nb, l, c),
                                  math::FloorOp::create(nb, l, c));
    else // round_prefer_floor
      r = math::CeilOp::create(nb, l, arith::SubFOp::create(nb, l, c, half));
    return clampIndex(nb, l, floatToIndex(nb, l, r), ax.inLen);
  };

  // Nearest without a crop: an axis's source index depends on that axis's
  // output index alone, so each resampled axis gets a table [out] of them
  // that the resampling generic reads. Per element that is a load per
  // axis, where it was a float division, a rounding and a clamp per axis
  // (a 2x upsample of 128 x 20 x 20: 0.41 -> 0.076 ms, ORT 0.17).
  MLIRContext *ctx = b.getContext();
  SmallVector<Value> tables;
  SmallVector<AffineMap> tableMaps;
  SmallVector<int64_t> tableOf(rank, -1);
  if (nearest && !crop) {
    for (int64_t d = 0; d < rank; ++d) {
      if (axes[d].identity)
        continue;
      std::optional<int64_t> len = getConstantIntValue(outSizes[d]);
      auto tableTy = RankedTensorType::get({len ? *len : ShapedType::kDynamic},
                                           b.getIndexType());
      const ResizeAxis &ax = axes[d];
      tableOf[d] = tables.size();
      tables.push_back(generateTensor(
          b, loc, tableTy, {outSizes[d]}, {}, {},
          [&](OpBuilder &nb, Location l, ValueRange ivs, ValueRange) {
            return nearestOf(nb, l, ax, coordOf(nb, l, ax, ivs[0]));
          }));
      tableMaps.push_back(AffineMap::get(rank, 0, getAffineDimExpr(d, ctx)));
    }
  }

  auto body = [&](OpBuilder &nb, Location l, ValueRange ivs,
                  ValueRange tabled) -> Value {
    Value zeroF = fconst(nb, l, 0.0), oneF = fconst(nb, l, 1.0);
    auto coord = [&](const ResizeAxis &ax, Value i) -> Value {
      return coordOf(nb, l, ax, i);
    };
    auto clampIdx = [&](Value i, const ResizeAxis &ax) -> Value {
      return clampIndex(nb, l, i, ax.inLen);
    };
    auto fToIdx = [&](Value f) -> Value { return floatToIndex(nb, l, f); };
    // tf_crop_and_resize: an element whose coordinate leaves the input on
    // any axis is the extrapolation value.
    Value outside;
    auto noteOutside = [&](const ResizeAxis &ax, Value c) {
      if (!crop)
        return;
      Value lastF = arith::SubFOp::create(nb, l, ax.inLenF, oneF);
      Value o = arith::OrIOp::create(
          nb, l,
          arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OLT, c, zeroF),
          arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OGT, c, lastF));
      outside =
          outside ? arith::OrIOp::create(nb, l, outside, o).getResult() : o;
    };
    auto extrapolate = [&](Value v) -> Value {
      if (!outside)
        return v;
      return arith::SelectOp::create(
          nb, l, outside, scalarConstant(nb, l, elt, cfg.extrapolation), v);
    };

    if (nearest) {
      SmallVector<Value> at;
      for (int64_t d = 0; d < rank; ++d) {
        const ResizeAxis &ax = axes[d];
        if (ax.identity) {
          at.push_back(ivs[d]);
          continue;
        }
        if (tableOf[d] >= 0) {
          at.push_back(tabled[tableOf[d]]);
          continue;
        }
        Value c = coord(ax, ivs[d]);
        noteOutside(ax, c);
        at.push_back(nearestOf(nb, l, ax, c));
      }
      return extrapolate(tensor::ExtractOp::create(nb, l, x, at));
    }

    // Linear and cubic: per resampled axis, the taps (input indices, clamped
    // to the edge) and their weights; the result sums over every
    // combination of taps with the product of the axes' weights.
    struct AxisTaps {
      int64_t d;
      SmallVector<Value> idx, w;
    };
    SmallVector<AxisTaps> taps;
    for (int64_t d = 0; d < rank; ++d) {
      const ResizeAxis &ax = axes[d];
      if (ax.identity)
        continue;
      AxisTaps &t = taps.emplace_back();
      t.d = d;
      Value c = coord(ax, ivs[d]);
      noteOutside(ax, c);
      if (!cubic) {
        // Clamping the coordinate is the same as reading edge-padded input.
        Value lastF = arith::SubFOp::create(nb, l, ax.inLenF, oneF);
        c = arith::MaximumFOp::create(nb, l, c, zeroF);
        c = arith::MinimumFOp::create(nb, l, c, lastF);
        Value fl = math::FloorOp::create(nb, l, c);
        Value lo = clampIdx(fToIdx(fl), ax);
        Value r = arith::SubFOp::create(nb, l, c, fl);
        t.idx = {
            lo, clampIdx(arith::AddIOp::create(nb, l, lo, cIdx(nb, l, 1)), ax)};
        t.w = {arith::SubFOp::create(nb, l, oneF, r), r};
      } else {
        Value fl = math::FloorOp::create(nb, l, c);
        Value base = fToIdx(fl);
        t.w = cubicWeights(nb, l, arith::SubFOp::create(nb, l, c, fl),
                           cfg.cubicA);
        Value sum;
        for (int64_t j = 0; j < 4; ++j) {
          Value raw = arith::AddIOp::create(nb, l, base, cIdx(nb, l, j - 1));
          t.idx.push_back(clampIdx(raw, ax));
          if (!cfg.excludeOutside)
            continue;
          // Taps outside the input get no weight; the rest are renormalized.
          Value in = arith::AndIOp::create(
              nb, l,
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, raw,
                                    cIdx(nb, l, 0)),
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, raw,
                                    ax.inLen));
          t.w[j] = arith::SelectOp::create(nb, l, in, t.w[j], zeroF);
          sum = sum ? arith::AddFOp::create(nb, l, sum, t.w[j]).getResult()
                    : t.w[j];
        }
        if (cfg.excludeOutside)
          for (Value &w : t.w)
            w = arith::DivFOp::create(nb, l, w, sum);
      }
      if (calcTy != f32)
        for (Value &w : t.w)
          w = arith::ExtFOp::create(nb, l, calcTy, w);
    }
    int64_t combos = 1;
    for (const AxisTaps &t : taps)
      combos *= t.idx.size();
    Value acc;
    for (int64_t k = 0; k < combos; ++k) {
      SmallVector<Value> at(ivs.begin(), ivs.end());
      Value weight;
      int64_t rest = k;
      for (const AxisTaps &t : taps) {
        int64_t j = rest % t.idx.size();
        rest /= t.idx.size();
        at[t.d] = t.idx[j];
        weight = weight
                     ? arith::MulFOp::create(nb, l, weight, t.w[j]).getResult()
                     : t.w[j];
      }
      Value v = tensor::ExtractOp::create(nb, l, x, at);
      if (v.getType() != calcTy)
        v = arith::ExtFOp::create(nb, l, calcTy, v);
      Value term =
          weight ? arith::MulFOp::create(nb, l, v, weight).getResult() : v;
      acc = acc ? arith::AddFOp::create(nb, l, acc, term).getResult() : term;
    }
    if (acc.getType() != elt)
      acc = arith::TruncFOp::create(nb, l, elt, acc);
    return extrapolate(acc);
  };
  return generateTensor(b, loc, resTy, outSizes, tables, tableMaps, body);
}

/// Element `i` of the 1-D float tensor `t` as f32: a constant when known.
static Value floatAt(OpBuilder &b, Location loc, Value t,
                     const std::optional<SmallVector<double>> &known,
                     int64_t i) {
  if (known)
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr((*known)[i]));
  Value e = tensor::ExtractOp::create(b, loc, t, ValueRange{cIdx(b, loc, i)});
  return castFloat(b, loc, e, b.getF32Type());
}

/// keep_aspect_ratio_policy with sizes or resized dims known only at run
/// time: the one scale of every dim of `axes`, the smallest (`notLarger`)
/// or largest sizes[i] / in[i], and the sizes round(scale * in), computed
/// by the run into `p`.
static LogicalResult runtimeAspectScale(OpBuilder &b, Location loc,
                                        Value sizesIn, Value x,
                                        ArrayRef<int64_t> axes, bool notLarger,
                                        ResizeParams &p) {
  auto s = intsOrRuntime(b, loc, sizesIn, axes.size());
  if (!s)
    return failure();
  Type f32 = b.getF32Type();
  SmallVector<Value> inLens;
  Value scale;
  for (auto [i, a] : llvm::enumerate(axes)) {
    Value in = indexToFloat(b, loc, val(b, loc, dimOf(b, loc, x, a)), f32);
    inLens.push_back(in);
    Value r = arith::DivFOp::create(
        b, loc, indexToFloat(b, loc, val(b, loc, (*s)[i]), f32), in);
    if (!scale)
      scale = r;
    else if (notLarger)
      scale = arith::MinimumFOp::create(b, loc, scale, r);
    else
      scale = arith::MaximumFOp::create(b, loc, scale, r);
  }
  for (auto [i, a] : llvm::enumerate(axes)) {
    p.constScales[a] = std::nullopt;
    p.runtimeScales[a] = scale;
    Value half = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0.5f));
    Value len = math::FloorOp::create(
        b, loc,
        arith::AddFOp::create(
            b, loc, arith::MulFOp::create(b, loc, scale, inLens[i]), half));
    p.sizes[a] =
        toIndex(b, loc, arith::FPToSIOp::create(b, loc, b.getI64Type(), len));
  }
  return success();
}

struct ResizeLowering : OpConversionPattern<OnnxResizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxResizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value x = adaptor.getX();
    auto xTy = dyn_cast<RankedTensorType>(x.getType());
    if (!resTy || !xTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    Location loc = op.getLoc();
    int64_t rank = xTy.getRank();
    ResizeConfig cfg{op.getMode(), op.getCoordinateTransformationMode(),
                     op.getNearestMode()};
    cfg.cubicA = op.getCubicCoeffA().convertToDouble();
    cfg.excludeOutside = op.getExcludeOutside() != 0;
    cfg.extrapolation = op.getExtrapolationValue().convertToDouble();
    int64_t opset = opsetOf(op);
    if (opset >= 0 && opset < 11) {
      // Resize-10 had neither attribute: asymmetric, legacy rounding.
      cfg.coordMode = "asymmetric";
      cfg.nearestMode = "simple";
    }
    if (!llvm::is_contained({"nearest", "linear", "cubic"}, cfg.mode))
      return rewriter.notifyMatchFailure(op, "unknown mode");
    if (!llvm::is_contained({"half_pixel", "asymmetric", "align_corners",
                             "pytorch_half_pixel", "tf_half_pixel_for_nn",
                             "half_pixel_symmetric", "tf_crop_and_resize"},
                            cfg.coordMode))
      return rewriter.notifyMatchFailure(op, "unknown coordinate mode");
    if (!llvm::is_contained({"round_prefer_floor", "round_prefer_ceil", "floor",
                             "ceil", "simple"},
                            cfg.nearestMode))
      return rewriter.notifyMatchFailure(op, "unknown nearest_mode");
    // Nearest has no filter to widen: ONNX Runtime ignores antialias there.
    cfg.antialias = op.getAntialias() != 0 && cfg.mode != "nearest";

    // Dims the scales/sizes talk about (opset 18 `axes`).
    SmallVector<int64_t> axes;
    if (auto a = op.getAxes()) {
      for (int64_t v : toInts(a))
        axes.push_back(normalizeAxis(v, rank));
    } else {
      for (int64_t d = 0; d < rank; ++d)
        axes.push_back(d);
    }
    int64_t nAxes = axes.size();
    // Length of an optional 1-D input: 0 when absent, -1 when dynamic.
    auto tensorLen = [](Value v) -> int64_t {
      if (isNoValue(v))
        return 0;
      auto t = dyn_cast<RankedTensorType>(v.getType());
      return t && t.getRank() == 1 && !t.isDynamicDim(0) ? t.getDimSize(0) : -1;
    };
    int64_t nScales = tensorLen(adaptor.getScales());
    int64_t nSizes = tensorLen(adaptor.getSizes());
    // Only one of scales/sizes is non-empty; a graph input of unknown length
    // is taken to be the one in use when the other is absent or empty.
    if (nSizes < 0 && nScales != 0)
      return rewriter.notifyMatchFailure(
          op, "cannot tell whether scales or sizes is used: both are given "
              "with unknown lengths");
    bool haveSizes = nSizes != 0;
    if (!haveSizes && nScales == 0)
      return rewriter.notifyMatchFailure(op, "neither scales nor sizes given");
    int64_t nGiven = haveSizes ? nSizes : nScales;
    if (nGiven >= 0 && nGiven != nAxes)
      return rewriter.notifyMatchFailure(op, "scales/sizes length mismatch");

    ResizeParams p;
    p.constScales.assign(rank, 1.0);
    p.runtimeScales.resize(rank);
    p.sizes = sizesOf(rewriter, loc, x);
    p.haveSizes = haveSizes;
    p.scaleFromSizes = haveSizes;
    StringRef policy = op.getKeepAspectRatioPolicy();
    if (haveSizes && policy != "stretch") {
      // One scale for all `axes`: the smallest (not_larger) or largest
      // (not_smaller) sizes[i] / in[i]; sizes become round(scale * in).
      if (policy != "not_larger" && policy != "not_smaller")
        return rewriter.notifyMatchFailure(op, "unknown aspect ratio policy");
      auto s = constInts(adaptor.getSizes());
      bool staticDims =
          llvm::none_of(axes, [&](int64_t a) { return xTy.isDynamicDim(a); });
      if (!s || !staticDims) {
        checkLength(rewriter, op, adaptor.getSizes(), nAxes, "sizes");
        if (failed(runtimeAspectScale(rewriter, loc, adaptor.getSizes(), x,
                                      axes, policy == "not_larger", p)))
          return rewriter.notifyMatchFailure(op, "bad sizes");
      } else {
        std::optional<float> scale;
        for (auto [i, a] : llvm::enumerate(axes)) {
          float r = (float)(*s)[i] / (float)xTy.getDimSize(a);
          scale = !scale                   ? r
                  : policy == "not_larger" ? std::min(*scale, r)
                                           : std::max(*scale, r);
        }
        for (int64_t a : axes) {
          p.constScales[a] = *scale;
          p.sizes[a] = rewriter.getIndexAttr(
              (int64_t)std::floor(*scale * (float)xTy.getDimSize(a) + 0.5f));
        }
      }
      p.scaleFromSizes = false;
    } else if (haveSizes) {
      checkLength(rewriter, op, adaptor.getSizes(), nAxes, "sizes");
      auto s = intsOrRuntime(rewriter, loc, adaptor.getSizes(), nAxes);
      if (!s)
        return rewriter.notifyMatchFailure(op, "bad sizes");
      for (auto [i, a] : llvm::enumerate(axes))
        p.sizes[a] = (*s)[i];
    } else {
      auto c = constFloats(adaptor.getScales());
      for (auto [i, a] : llvm::enumerate(axes)) {
        if (c) {
          p.constScales[a] = (*c)[i];
        } else {
          p.constScales[a] = std::nullopt;
          p.runtimeScales[a] =
              floatAt(rewriter, loc, adaptor.getScales(), std::nullopt, i);
        }
      }
    }

    if (cfg.coordMode == "tf_crop_and_resize") {
      // roi is [starts..., ends...] over `axes`; other dims are not cropped.
      Value roi = adaptor.getRoi();
      int64_t nRoi = tensorLen(roi);
      if (nRoi == 0)
        return rewriter.notifyMatchFailure(
            op, "tf_crop_and_resize needs a non-empty roi");
      if (nRoi > 0 && nRoi != 2 * nAxes)
        return rewriter.notifyMatchFailure(op, "roi length mismatch");
      auto known = constFloats(roi);
      p.roiStart.assign(rank, arith::ConstantOp::create(
                                  rewriter, loc, rewriter.getF32FloatAttr(0)));
      p.roiEnd.assign(rank, arith::ConstantOp::create(
                                rewriter, loc, rewriter.getF32FloatAttr(1)));
      p.roiFull.assign(rank, true);
      for (auto [i, a] : llvm::enumerate(axes)) {
        p.roiStart[a] = floatAt(rewriter, loc, roi, known, i);
        p.roiEnd[a] = floatAt(rewriter, loc, roi, known, nAxes + i);
        p.roiFull[a] =
            known && (*known)[i] == 0.0 && (*known)[nAxes + i] == 1.0;
      }
    }

    auto r = buildResize(rewriter, loc, x, resTy, p, cfg);
    if (failed(r))
      return rewriter.notifyMatchFailure(
          op, cfg.mode == "cubic" ? "cubic resize needs float data"
                                  : "linear resize needs float data");
    rewriter.replaceOp(op, *r);
    return success();
  }
};

struct UpsampleLowering : OpConversionPattern<OnnxUpsampleOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxUpsampleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value x = adaptor.getX();
    auto xTy = dyn_cast<RankedTensorType>(x.getType());
    if (!resTy || !xTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    Location loc = op.getLoc();
    int64_t rank = xTy.getRank();
    StringRef mode = op.getMode();
    ResizeConfig cfg{mode == "bilinear" ? "linear" : mode, "asymmetric",
                     "simple"};
    if (cfg.mode != "nearest" && cfg.mode != "linear")
      return rewriter.notifyMatchFailure(op, "unsupported upsample mode");
    ResizeParams p;
    p.constScales.assign(rank, 1.0);
    p.runtimeScales.resize(rank);
    p.sizes = sizesOf(rewriter, loc, x);
    if (isNoValue(adaptor.getScales())) {
      // Upsample-1: height_scale / width_scale on NCHW.
      if (rank != 4 || !op.getHeightScale() || !op.getWidthScale())
        return rewriter.notifyMatchFailure(op, "missing scales");
      p.constScales[2] = op.getHeightScale()->convertToDouble();
      p.constScales[3] = op.getWidthScale()->convertToDouble();
    } else if (auto c = constFloats(adaptor.getScales())) {
      if ((int64_t)c->size() != rank)
        return rewriter.notifyMatchFailure(op, "scales length != rank");
      for (int64_t d = 0; d < rank; ++d)
        p.constScales[d] = (*c)[d];
    } else {
      for (int64_t d = 0; d < rank; ++d) {
        p.constScales[d] = std::nullopt;
        p.runtimeScales[d] =
            floatAt(rewriter, loc, adaptor.getScales(), std::nullopt, d);
      }
    }
    auto r = buildResize(rewriter, loc, x, resTy, p, cfg);
    if (failed(r))
      return rewriter.notifyMatchFailure(op,
                                         "linear upsample needs float data");
    rewriter.replaceOp(op, *r);
    return success();
  }
};

} // namespace

void kiln::populateResizePatterns(TypeConverter &tc,
                                  RewritePatternSet &patterns) {
  patterns.add<ResizeLowering, UpsampleLowering>(tc, patterns.getContext());
}
