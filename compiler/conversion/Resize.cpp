//===- Resize.cpp - Resize and Upsample to linalg -------------------------===//
//
// Resampling: every output element maps back to input coordinates per axis
// (coordinate transformation mode) and is read by nearest or linear
// interpolation.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
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
  Value scale;           // f32, used by the coordinate transform.
  Value inLenF, outLenF; // f32 lengths.
  Value inLen;           // index.
  Value scaleBelowOneV;  // i1 at run time, for legacy nearest.
};

struct ResizeConfig {
  StringRef mode, coordMode, nearestMode; // nearestMode "simple" = legacy.
};

/// Builds the resampling generic shared by Resize and Upsample.
/// Per dim: `constScales[d]` (or `runtimeScales[d]` when that is empty) is
/// the scale; with `haveSizes`, `sizesIn[d]` is the output size, and with
/// `scaleFromSizes` the scale used by the transform is out / in instead.
FailureOr<Value> buildResize(OpBuilder &b, Location loc, Value x,
                             RankedTensorType resTy,
                             ArrayRef<std::optional<double>> constScales,
                             ArrayRef<Value> runtimeScales,
                             ArrayRef<OpFoldResult> sizesIn, bool haveSizes,
                             bool scaleFromSizes, const ResizeConfig &cfg) {
  auto xTy = cast<RankedTensorType>(x.getType());
  int64_t rank = xTy.getRank();
  Type f32 = b.getF32Type();
  auto toF32 = [&](OpBuilder &nb, Location l, Value i) -> Value {
    Value i64 = arith::IndexCastOp::create(nb, l, nb.getI64Type(), i);
    return arith::SIToFPOp::create(nb, l, f32, i64);
  };
  auto fconst = [&](OpBuilder &nb, Location l, double v) -> Value {
    return arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(v));
  };

  SmallVector<ResizeAxis> axes(rank);
  SmallVector<OpFoldResult> outSizes;
  for (int64_t d = 0; d < rank; ++d) {
    ResizeAxis &ax = axes[d];
    OpFoldResult inLen = dimOf(b, loc, x, d);
    OpFoldResult outLen;
    if (haveSizes) {
      outLen = sizesIn[d];
    } else if (constScales[d] && getConstantIntValue(inLen)) {
      outLen = b.getIndexAttr((int64_t)std::floor(
          (float)*getConstantIntValue(inLen) * (float)*constScales[d]));
    } else if (!resTy.isDynamicDim(d)) {
      outLen = b.getIndexAttr(resTy.getDimSize(d));
    } else {
      Value s =
          constScales[d] ? fconst(b, loc, *constScales[d]) : runtimeScales[d];
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
    // tf_half_pixel_for_nn, whose formula would shift by 0.5).
    auto ci = getConstantIntValue(inLen), co = getConstantIntValue(outLen);
    bool unit = scaleFromSizes ? (ci && co && *ci == *co)
                               : (constScales[d] && *constScales[d] == 1.0);
    if (unit) {
      ax.identity = true;
      continue;
    }
    ax.identity = false;
    ax.inLen = val(b, loc, inLen);
    ax.inLenF = toF32(b, loc, ax.inLen);
    ax.outLenF = toF32(b, loc, val(b, loc, outLen));
    if (scaleFromSizes)
      ax.scale = arith::DivFOp::create(b, loc, ax.outLenF, ax.inLenF);
    else if (constScales[d])
      ax.scale = fconst(b, loc, *constScales[d]);
    else
      ax.scale = runtimeScales[d];
    ax.scaleBelowOneV = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT,
                                              ax.scale, fconst(b, loc, 1.0));
  }

  bool linear = cfg.mode == "linear";
  Type elt = xTy.getElementType();
  if (linear && !isa<FloatType>(elt))
    return failure();
  Type calcTy = elt.isF64() ? (Type)b.getF64Type() : f32;

  auto body = [&](OpBuilder &nb, Location l, ValueRange ivs,
                  ValueRange) -> Value {
    Value half = fconst(nb, l, 0.5), zeroF = fconst(nb, l, 0.0),
          oneF = fconst(nb, l, 1.0);
    // Source coordinate of output index `i` along axis `ax`.
    auto coord = [&](const ResizeAxis &ax, Value i) -> Value {
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
        Value den = arith::SubFOp::create(nb, l, ax.outLenF, oneF);
        Value one = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                          ax.outLenF, oneF);
        // Avoid 0/0 on one-element outputs.
        Value safeDen = arith::SelectOp::create(nb, l, one, oneF, den);
        return arith::SelectOp::create(
            nb, l, one, zeroF, arith::DivFOp::create(nb, l, num, safeDen));
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
        return arith::SubFOp::create(
            nb, l, arith::AddFOp::create(nb, l, off, t), half);
      }
      return halfPixel(); // half_pixel
    };
    auto clampIdx = [&](Value i, const ResizeAxis &ax) -> Value {
      Value last = arith::SubIOp::create(nb, l, ax.inLen, cIdx(nb, l, 1));
      i = arith::MaxSIOp::create(nb, l, i, cIdx(nb, l, 0));
      return arith::MinSIOp::create(nb, l, i, last);
    };
    auto fToIdx = [&](Value f) -> Value {
      return toIndex(nb, l, arith::FPToSIOp::create(nb, l, nb.getI64Type(), f));
    };

    if (!linear) {
      SmallVector<Value> at;
      for (int64_t d = 0; d < rank; ++d) {
        const ResizeAxis &ax = axes[d];
        if (ax.identity) {
          at.push_back(ivs[d]);
          continue;
        }
        Value c = coord(ax, ivs[d]);
        Value r;
        StringRef nm = cfg.nearestMode;
        if (nm == "floor")
          r = math::FloorOp::create(nb, l, c);
        else if (nm == "ceil")
          r = math::CeilOp::create(nb, l, c);
        else if (nm == "round_prefer_ceil")
          r = math::FloorOp::create(nb, l,
                                    arith::AddFOp::create(nb, l, c, half));
        else if (nm == "simple")
          // Upsample / Resize-10: ceil when downsampling, else truncate.
          r = arith::SelectOp::create(nb, l, ax.scaleBelowOneV,
                                      math::CeilOp::create(nb, l, c),
                                      math::FloorOp::create(nb, l, c));
        else // round_prefer_floor
          r = math::CeilOp::create(nb, l,
                                   arith::SubFOp::create(nb, l, c, half));
        at.push_back(clampIdx(fToIdx(r), ax));
      }
      return tensor::ExtractOp::create(nb, l, x, at);
    }

    // Linear: clamp the coordinate into the input, then blend the 2^k
    // neighbours over the k resampled axes.
    SmallVector<int64_t> interp;
    SmallVector<Value> lo(rank), hi(rank), w(rank);
    for (int64_t d = 0; d < rank; ++d) {
      const ResizeAxis &ax = axes[d];
      if (ax.identity) {
        lo[d] = hi[d] = ivs[d];
        continue;
      }
      interp.push_back(d);
      Value c = coord(ax, ivs[d]);
      Value lastF = arith::SubFOp::create(nb, l, ax.inLenF, oneF);
      c = arith::MaximumFOp::create(nb, l, c, zeroF);
      c = arith::MinimumFOp::create(nb, l, c, lastF);
      Value fl = math::FloorOp::create(nb, l, c);
      lo[d] = clampIdx(fToIdx(fl), ax);
      hi[d] = clampIdx(arith::AddIOp::create(nb, l, lo[d], cIdx(nb, l, 1)), ax);
      w[d] = arith::SubFOp::create(nb, l, c, fl);
      if (calcTy != f32)
        w[d] = arith::ExtFOp::create(nb, l, calcTy, w[d]);
    }
    Value oneC = scalarConstant(nb, l, calcTy, 1.0);
    Value acc;
    for (int64_t mask = 0; mask < (int64_t(1) << interp.size()); ++mask) {
      SmallVector<Value> at;
      for (int64_t d = 0; d < rank; ++d)
        at.push_back(lo[d]);
      Value weight;
      for (auto [bit, d] : llvm::enumerate(interp)) {
        bool upper = mask & (int64_t(1) << bit);
        at[d] = upper ? hi[d] : lo[d];
        Value wd =
            upper ? w[d] : arith::SubFOp::create(nb, l, oneC, w[d]).getResult();
        weight =
            weight ? arith::MulFOp::create(nb, l, weight, wd).getResult() : wd;
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
    return acc;
  };
  return generateTensor(b, loc, resTy, outSizes, {}, {}, body);
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
    int64_t opset = opsetOf(op);
    if (opset >= 0 && opset < 11) {
      // Resize-10 had neither attribute: asymmetric, legacy rounding.
      cfg.coordMode = "asymmetric";
      cfg.nearestMode = "simple";
    }
    if (cfg.mode != "nearest" && cfg.mode != "linear")
      return rewriter.notifyMatchFailure(op, "only nearest and linear modes "
                                             "are supported (not cubic)");
    if (cfg.coordMode == "tf_crop_and_resize")
      return rewriter.notifyMatchFailure(
          op, "coordinate_transformation_mode tf_crop_and_resize is "
              "unsupported");
    if (!llvm::is_contained({"half_pixel", "asymmetric", "align_corners",
                             "pytorch_half_pixel", "tf_half_pixel_for_nn",
                             "half_pixel_symmetric"},
                            cfg.coordMode))
      return rewriter.notifyMatchFailure(op, "unknown coordinate mode");
    if (!llvm::is_contained({"round_prefer_floor", "round_prefer_ceil", "floor",
                             "ceil", "simple"},
                            cfg.nearestMode))
      return rewriter.notifyMatchFailure(op, "unknown nearest_mode");
    if (op.getAntialias() != 0 && cfg.mode == "linear")
      return rewriter.notifyMatchFailure(op, "antialias is unsupported");

    // Dims the scales/sizes talk about (opset 18 `axes`).
    SmallVector<int64_t> axes;
    if (auto a = op.getAxes()) {
      for (int64_t v : toInts(a))
        axes.push_back(normalizeAxis(v, rank));
    } else {
      for (int64_t d = 0; d < rank; ++d)
        axes.push_back(d);
    }
    auto tensorLen = [](Value v) -> int64_t {
      if (isNoValue(v))
        return 0;
      auto t = dyn_cast<RankedTensorType>(v.getType());
      return t && t.getRank() == 1 && !t.isDynamicDim(0) ? t.getDimSize(0) : -1;
    };
    int64_t nScales = tensorLen(adaptor.getScales());
    int64_t nSizes = tensorLen(adaptor.getSizes());
    if (nScales < 0 || nSizes < 0)
      return rewriter.notifyMatchFailure(op,
                                         "scales/sizes need a static length");
    bool haveSizes = nSizes > 0;
    if (!haveSizes && nScales == 0)
      return rewriter.notifyMatchFailure(op, "neither scales nor sizes given");
    if ((int64_t)axes.size() != (haveSizes ? nSizes : nScales))
      return rewriter.notifyMatchFailure(op, "scales/sizes length mismatch");

    SmallVector<std::optional<double>> constScales(rank, 1.0);
    SmallVector<Value> runtimeScales(rank);
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, x);
    bool scaleFromSizes = haveSizes;
    StringRef policy = op.getKeepAspectRatioPolicy();
    if (haveSizes && policy != "stretch") {
      // One scale for all `axes`: the smallest (not_larger) or largest
      // (not_smaller) sizes[i] / in[i]; sizes become round(scale * in).
      if (policy != "not_larger" && policy != "not_smaller")
        return rewriter.notifyMatchFailure(op, "unknown aspect ratio policy");
      auto s = constInts(adaptor.getSizes());
      if (!s)
        return rewriter.notifyMatchFailure(
            op, "keep_aspect_ratio_policy needs constant sizes");
      std::optional<float> scale;
      for (auto [i, a] : llvm::enumerate(axes)) {
        if (xTy.isDynamicDim(a))
          return rewriter.notifyMatchFailure(
              op, "keep_aspect_ratio_policy needs static resized dims");
        float r = (float)(*s)[i] / (float)xTy.getDimSize(a);
        scale = !scale                   ? r
                : policy == "not_larger" ? std::min(*scale, r)
                                         : std::max(*scale, r);
      }
      for (int64_t a : axes) {
        constScales[a] = *scale;
        sizes[a] = rewriter.getIndexAttr(
            (int64_t)std::floor(*scale * (float)xTy.getDimSize(a) + 0.5f));
      }
      scaleFromSizes = false;
    } else if (haveSizes) {
      auto s = intsOrRuntime(rewriter, loc, adaptor.getSizes());
      if (!s)
        return rewriter.notifyMatchFailure(op, "bad sizes");
      for (auto [i, a] : llvm::enumerate(axes))
        sizes[a] = (*s)[i];
    } else {
      auto c = constFloats(adaptor.getScales());
      for (auto [i, a] : llvm::enumerate(axes)) {
        if (c) {
          constScales[a] = (*c)[i];
        } else {
          constScales[a] = std::nullopt;
          Value e =
              tensor::ExtractOp::create(rewriter, loc, adaptor.getScales(),
                                        ValueRange{cIdx(rewriter, loc, i)});
          if (!e.getType().isF32())
            e = e.getType().getIntOrFloatBitWidth() < 32
                    ? arith::ExtFOp::create(rewriter, loc,
                                            rewriter.getF32Type(), e)
                          .getResult()
                    : arith::TruncFOp::create(rewriter, loc,
                                              rewriter.getF32Type(), e)
                          .getResult();
          runtimeScales[a] = e;
        }
      }
    }
    auto r = buildResize(rewriter, loc, x, resTy, constScales, runtimeScales,
                         sizes, haveSizes, scaleFromSizes, cfg);
    if (failed(r))
      return rewriter.notifyMatchFailure(op, "linear resize needs float data");
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
    SmallVector<std::optional<double>> constScales(rank, 1.0);
    SmallVector<Value> runtimeScales(rank);
    if (isNoValue(adaptor.getScales())) {
      // Upsample-1: height_scale / width_scale on NCHW.
      if (rank != 4 || !op.getHeightScale() || !op.getWidthScale())
        return rewriter.notifyMatchFailure(op, "missing scales");
      constScales[2] = op.getHeightScale()->convertToDouble();
      constScales[3] = op.getWidthScale()->convertToDouble();
    } else if (auto c = constFloats(adaptor.getScales())) {
      if ((int64_t)c->size() != rank)
        return rewriter.notifyMatchFailure(op, "scales length != rank");
      for (int64_t d = 0; d < rank; ++d)
        constScales[d] = (*c)[d];
    } else {
      for (int64_t d = 0; d < rank; ++d) {
        constScales[d] = std::nullopt;
        runtimeScales[d] =
            tensor::ExtractOp::create(rewriter, loc, adaptor.getScales(),
                                      ValueRange{cIdx(rewriter, loc, d)});
        if (!runtimeScales[d].getType().isF32())
          return rewriter.notifyMatchFailure(op, "f32 scales expected");
      }
    }
    auto r = buildResize(rewriter, loc, x, resTy, constScales, runtimeScales,
                         sizesOf(rewriter, loc, x),
                         /*haveSizes=*/false, /*scaleFromSizes=*/false, cfg);
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
