//===- Signal.cpp - onnx to linalg: signal processing ops -----------------===//
//
// DFT, STFT and MelWeightMatrix.
//
// DFT and STFT are direct O(n^2) transforms: one linalg.generic whose
// parallel dims are the output positions (the frequency among them) and
// whose one reduction dim is the sample index k. It accumulates the real and
// imaginary parts in f64 (two outputs). The twiddle factors come from a
// table of the n roots of unity indexed by (j * k) mod n: 2n sines and
// cosines in all, each angle in [0, 2*pi) so that long transforms keep
// their precision. A second generic interleaves the two parts into the
// trailing [re, im] dim of the ONNX result, scales (inverse) and narrows to
// the element type. Samples are read with tensor.extract in the body, so
// the frame step, the DFT length and the axis length may all be run-time
// values. A DFT axis known only at run time (an input since opset 20) is
// lowered once per dim it may name, the run choosing one with scf.if.
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
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <functional>

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;
using namespace kiln::shape_helpers;

namespace {

Value f64Const(OpBuilder &b, Location loc, double v) {
  return arith::ConstantOp::create(b, loc, b.getF64FloatAttr(v));
}

/// A scalar integer input (rank 0 or one element) as an index: folded when
/// it is a constant, read at run time otherwise.
FailureOr<OpFoldResult> scalarIndex(OpBuilder &b, Location loc, Value t) {
  if (auto c = getConstantInts(t)) {
    if (c->size() != 1)
      return failure();
    return OpFoldResult(b.getIndexAttr((*c)[0]));
  }
  auto ty = dyn_cast<RankedTensorType>(t.getType());
  if (!ty || !isa<IntegerType>(ty.getElementType()) || ty.getRank() > 1 ||
      (ty.getRank() == 1 && ty.getDimSize(0) != 1))
    return failure();
  return OpFoldResult(toIndex(b, loc, extractScalar(b, loc, t)));
}

/// Reads the (re, im) parts, as f64, of the sample at `k` for the output
/// position `ivs` (the output dims without the trailing complex dim); im is
/// null for a real signal.
using SampleFn = llvm::function_ref<std::pair<Value, Value>(
    OpBuilder &, Location, ValueRange ivs, Value k)>;

/// How the sums over k are formed.
struct DftSpec {
  int64_t freqDim;   // Which of the output dims is the frequency index j.
  OpFoldResult kLen; // Samples summed: k in [0, kLen).
  Value n;           // Transform length (index).
  bool inverse;      // exp(+i...) instead of exp(-i...).
  // Inverse of a one-sided (Hermitian) spectrum: only the real part is
  // formed, and bins 0 < k < n/2 count twice for their mirrored conjugate.
  bool hermitian;
};

/// The n twiddle factors exp(-+ 2 pi i p / n) as an [n, 2] f64 table of
/// (cos, +-sin): the sums index it with (j * k) mod n, so the transform
/// evaluates 2n sines and cosines instead of two per term.
Value buildTwiddles(OpBuilder &b, Location loc, Value n, bool inverse) {
  Value twoPiOverN =
      arith::DivFOp::create(b, loc, f64Const(b, loc, 2 * M_PI),
                            indexToFloat(b, loc, n, b.getF64Type()));
  SmallVector<OpFoldResult> sizes = {getAsOpFoldResult(n), b.getIndexAttr(2)};
  auto ty = RankedTensorType::get(staticSizes(sizes), b.getF64Type());
  return generateTensor(
      b, loc, ty, sizes, ValueRange{}, {},
      [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange) -> Value {
        Value theta = arith::MulFOp::create(
            nb, nl, indexToFloat(nb, nl, ivs[0], nb.getF64Type()), twoPiOverN);
        Value isCos = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                            ivs[1], cIdx(nb, nl, 0));
        Value s = math::SinOp::create(nb, nl, theta);
        if (!inverse)
          s = arith::NegFOp::create(nb, nl, s);
        return arith::SelectOp::create(nb, nl, isCos,
                                       math::CosOp::create(nb, nl, theta), s);
      });
}

/// For every position of `sizes` (the output without its complex dim) the
/// sums over k of sample(k) * exp(-+ 2 pi i j k / n), as two f64 tensors
/// (real, imaginary).
std::pair<Value, Value> buildDftSums(OpBuilder &b, Location loc,
                                     ArrayRef<OpFoldResult> sizes,
                                     const DftSpec &spec, SampleFn sample) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = sizes.size();
  Type f64 = b.getF64Type();
  auto accTy = RankedTensorType::get(staticSizes(sizes), f64);
  Value zero = f64Const(b, loc, 0.0);
  Value reInit = createFilled(b, loc, accTy, sizes, zero);
  Value imInit = createFilled(b, loc, accTy, sizes, zero);
  // The reduction extent comes from a tensor whose values are never read:
  // samples are read in the body, at positions an affine map cannot express
  // when the frame step is a run-time value.
  Value kShape =
      createEmpty(b, loc, RankedTensorType::get(staticSizes({spec.kLen}), f64),
                  {spec.kLen});

  SmallVector<AffineMap> maps = {
      AffineMap::get(rank + 1, 0, getAffineDimExpr(rank, ctx)),
      AffineMap::getMultiDimIdentityMap(rank + 1, ctx).getMajorSubMap(rank),
      AffineMap::getMultiDimIdentityMap(rank + 1, ctx).getMajorSubMap(rank)};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  iters.push_back(utils::IteratorType::reduction);
  Value table = buildTwiddles(b, loc, spec.n, spec.inverse);

  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{accTy, accTy}, ValueRange{kShape},
      ValueRange{reInit, imInit}, maps, iters,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        SmallVector<Value> ivs;
        for (int64_t d = 0; d < rank; ++d)
          ivs.push_back(linalg::IndexOp::create(nb, nl, d));
        Value k = linalg::IndexOp::create(nb, nl, rank);
        Value jk = arith::MulIOp::create(nb, nl, ivs[spec.freqDim], k);
        Value p = arith::RemUIOp::create(nb, nl, jk, spec.n);
        Value c = tensor::ExtractOp::create(nb, nl, table,
                                            ValueRange{p, cIdx(nb, nl, 0)});
        Value s = tensor::ExtractOp::create(nb, nl, table,
                                            ValueRange{p, cIdx(nb, nl, 1)});
        auto [xr, xi] = sample(nb, nl, ivs, k);
        // (xr + i xi) * (c + i s); a real sample (xi null) skips the
        // imaginary terms.
        Value re = arith::MulFOp::create(nb, nl, xr, c);
        Value im = arith::MulFOp::create(nb, nl, xr, s);
        if (xi) {
          re = arith::SubFOp::create(nb, nl, re,
                                     arith::MulFOp::create(nb, nl, xi, s));
          im = arith::AddFOp::create(nb, nl, im,
                                     arith::MulFOp::create(nb, nl, xi, c));
        }
        if (spec.hermitian) {
          // Bins 0 and n/2 are their own mirror; the others stand for two.
          Value isDc = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                             k, cIdx(nb, nl, 0));
          Value twoK = arith::AddIOp::create(nb, nl, k, k);
          Value isNyquist = arith::CmpIOp::create(
              nb, nl, arith::CmpIPredicate::eq, twoK, spec.n);
          Value single = arith::OrIOp::create(nb, nl, isDc, isNyquist);
          Value w = arith::SelectOp::create(nb, nl, single, f64Const(nb, nl, 1),
                                            f64Const(nb, nl, 2));
          re = arith::MulFOp::create(nb, nl, re, w);
          im = f64Const(nb, nl, 0.0);
        }
        Value reAcc = arith::AddFOp::create(nb, nl, args[1], re);
        Value imAcc = arith::AddFOp::create(nb, nl, args[2], im);
        linalg::YieldOp::create(nb, nl, ValueRange{reAcc, imAcc});
      });
  return {generic.getResult(0), generic.getResult(1)};
}

/// The ONNX result: `re` and `im` interleaved in a trailing dim of
/// `components` (2, or 1 for a real result), times `scale` when given,
/// narrowed to the element type of `resTy`.
Value interleave(OpBuilder &b, Location loc, RankedTensorType resTy,
                 ArrayRef<OpFoldResult> sizes, Value re, Value im,
                 int64_t components, Value scale) {
  MLIRContext *ctx = b.getContext();
  int64_t rank = sizes.size();
  SmallVector<OpFoldResult> outSizes(sizes);
  outSizes.push_back(b.getIndexAttr(components));
  AffineMap partMap =
      AffineMap::getMultiDimIdentityMap(rank + 1, ctx).getMajorSubMap(rank);
  Type elem = resTy.getElementType();
  return generateTensor(
      b, loc, resTy, outSizes, ValueRange{re, im}, {partMap, partMap},
      [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange args) {
        Value isRe = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                           ivs[rank], cIdx(nb, nl, 0));
        Value v = arith::SelectOp::create(nb, nl, isRe, args[0], args[1]);
        if (scale)
          v = arith::MulFOp::create(nb, nl, v, scale);
        return castScalar(nb, nl, v, nb.getF64Type(), elem);
      });
}

/// Reading of the complex components of a signal whose last dim holds 1
/// (real) or 2 (re, im) values, possibly known only at run time.
struct ComplexReader {
  ComplexReader(OpBuilder &b, Location loc, Value x) : x(x) {
    auto ty = cast<RankedTensorType>(x.getType());
    int64_t last = ty.getRank() - 1;
    if (ty.isDynamicDim(last)) {
      Value len = tensor::DimOp::create(b, loc, x, last);
      imagPos = arith::SubIOp::create(b, loc, len, cIdx(b, loc, 1));
      isComplex = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, len,
                                        cIdx(b, loc, 2));
    } else if (ty.getDimSize(last) == 2) {
      imagPos = cIdx(b, loc, 1);
    }
  }
  /// (re, im) as f64 at `idx` (the indices of every dim but the last); im
  /// is null when the signal is known to be real.
  std::pair<Value, Value> read(OpBuilder &b, Location loc,
                               SmallVector<Value> idx) const {
    idx.push_back(cIdx(b, loc, 0));
    Value re = castFloat(b, loc, tensor::ExtractOp::create(b, loc, x, idx),
                         b.getF64Type());
    if (!imagPos)
      return {re, Value()};
    idx.back() = imagPos;
    Value im = castFloat(b, loc, tensor::ExtractOp::create(b, loc, x, idx),
                         b.getF64Type());
    if (isComplex)
      im = arith::SelectOp::create(b, loc, isComplex, im, f64Const(b, loc, 0));
    return {re, im};
  }
  Value x;
  Value imagPos;   // Position of the imaginary part; null for real signals.
  Value isComplex; // i1 when the last dim is only known at run time.
};

/// Checks that the last dim of `ty` is 1 or 2 (or dynamic).
bool hasComplexDim(RankedTensorType ty) {
  if (ty.getRank() < 1)
    return false;
  int64_t last = ty.getDimSize(ty.getRank() - 1);
  return ShapedType::isDynamic(last) || last == 1 || last == 2;
}

/// Why a declared result type cannot hold the sizes computed from the ONNX
/// formulas (a static dim that differs), or nullopt when it can. `sizes`
/// may leave out trailing dims of the result.
std::optional<std::string> shapeMismatch(StringRef opName,
                                         RankedTensorType resTy,
                                         ArrayRef<OpFoldResult> sizes) {
  bool differs = false;
  for (auto [i, s] : llvm::enumerate(sizes)) {
    auto c = getConstantIntValue(s);
    differs |= c && !resTy.isDynamicDim(i) && *c != resTy.getDimSize(i);
  }
  if (!differs)
    return std::nullopt;
  std::string msg;
  llvm::raw_string_ostream os(msg);
  auto print = [&](int64_t d) {
    if (ShapedType::isDynamic(d))
      os << "?";
    else
      os << d;
  };
  os << "the declared result shape [";
  llvm::interleaveComma(resTy.getShape(), os, print);
  os << "] disagrees with the " << opName << " output size formula [";
  llvm::interleaveComma(staticSizes(sizes), os, print);
  os << (sizes.size() < (size_t)resTy.getRank() ? ", ...]" : "]");
  return msg;
}

/// The reason for an unranked result: ONNX's shape inference gives up on
/// these ops when a size input is not a constant.
constexpr const char *kUnrankedResult =
    "the output's rank is unknown (ONNX shape inference could not type it, "
    "its size depends on run-time inputs)";

//===----------------------------------------------------------------------===//
// DFT
//===----------------------------------------------------------------------===//

struct DftLowering : OpConversionPattern<OnnxDFTOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxDFTOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getInput();
    auto xTy = dyn_cast<RankedTensorType>(x.getType());
    RankedTensorType resTy = resultTypeOf(*this, op);
    if (!resTy)
      return rewriter.notifyMatchFailure(op, kUnrankedResult);
    if (!xTy || !isa<FloatType>(xTy.getElementType()) ||
        !isa<FloatType>(resTy.getElementType()))
      return rewriter.notifyMatchFailure(
          op, "input and output must be ranked float tensors");
    int64_t rank = xTy.getRank();
    if (rank < 2 || !hasComplexDim(xTy))
      return rewriter.notifyMatchFailure(
          op, "the input's last dim must hold 1 (real) or 2 (complex) values");
    if (resTy.getRank() != rank)
      return rewriter.notifyMatchFailure(
          op, "the result must have the rank of the input");
    bool hermitian = op.getInverse() != 0 && op.getOnesided() != 0;
    int64_t components = hermitian ? 1 : 2;
    if (!resTy.isDynamicDim(rank - 1) &&
        resTy.getDimSize(rank - 1) != components)
      return rewriter.notifyMatchFailure(
          op, hermitian ? "an inverse one-sided DFT has a real result (last "
                          "dim 1)"
                        : "the result's last dim must be 2 (re, im)");

    // Opset 17 had `axis` as an attribute (default 1), which the importer
    // passes as a constant operand; opset 20 made it an input (default -2).
    int64_t axis = opsetOf(op) >= 0 && opsetOf(op) < 20 ? 1 : -2;
    if (!isNoValue(adaptor.getAxis())) {
      auto c = getConstantInts(adaptor.getAxis());
      if (!c)
        return lowerRuntimeAxis(op, adaptor, resTy, components, rewriter);
      if (c->size() != 1)
        return rewriter.notifyMatchFailure(op, "the axis must be a scalar");
      axis = (*c)[0];
    }
    if (axis < -rank || axis >= rank)
      return rewriter.notifyMatchFailure(op, "axis is out of range");
    axis = normalizeAxis(axis, rank);
    if (axis == rank - 1)
      return rewriter.notifyMatchFailure(
          op, "axis cannot be the last dim (it holds the complex parts)");
    std::string why;
    FailureOr<Value> out = buildDft(rewriter, op, adaptor, axis, resTy, why);
    if (failed(out))
      return rewriter.notifyMatchFailure(op, why);
    rewriter.replaceOp(op, *out);
    return success();
  }

private:
  /// The DFT along `axis` as a tensor of `resTy`, or why the sizes the
  /// ONNX formulas give disagree with it.
  static FailureOr<Value> buildDft(OpBuilder &b, OnnxDFTOp op,
                                   OpAdaptor adaptor, int64_t axis,
                                   RankedTensorType resTy, std::string &why) {
    Location loc = op.getLoc();
    Value x = adaptor.getInput();
    bool inverse = op.getInverse() != 0, onesided = op.getOnesided() != 0;
    bool hermitian = inverse && onesided;
    int64_t components = hermitian ? 1 : 2;
    OpFoldResult inLen = dimOf(b, loc, x, axis);
    OpFoldResult n;
    if (!isNoValue(adaptor.getDftLength())) {
      auto len = scalarIndex(b, loc, adaptor.getDftLength());
      if (failed(len)) {
        why = "dft_length must be an integer scalar";
        return failure();
      }
      n = *len;
    } else if (hermitian) {
      // A one-sided spectrum of m bins comes from 2 * (m - 1) samples.
      n = mulI(b, loc, subI(b, loc, inLen, idx(b, 1)), idx(b, 2));
    } else {
      n = inLen;
    }
    if (auto cn = getConstantIntValue(n); cn && *cn < 1) {
      why = "dft_length must be positive";
      return failure();
    }
    OpFoldResult half =
        addI(b, loc, floorDivI(b, loc, n, idx(b, 2)), idx(b, 1));

    SmallVector<OpFoldResult> sizes = sizesOf(b, loc, x);
    sizes.pop_back();
    sizes[axis] = onesided && !inverse ? half : n;
    // The result type covers these dims (and the complex one).
    if (auto mismatch = shapeMismatch("DFT", resTy, sizes)) {
      why = *mismatch;
      return failure();
    }
    sizes = refineSizes(b, resTy, sizes);
    // Samples past the input are zero padding and contribute nothing; a
    // Hermitian spectrum is read up to its Nyquist bin.
    OpFoldResult kLen = minI(b, loc, inLen, hermitian ? half : n);

    ComplexReader reader(b, loc, x);
    DftSpec spec{axis, kLen, val(b, loc, n), inverse, hermitian};
    auto [re, im] =
        buildDftSums(b, loc, sizes, spec,
                     [&](OpBuilder &nb, Location l, ValueRange ivs, Value k) {
                       SmallVector<Value> at(ivs);
                       at[axis] = k;
                       return reader.read(nb, l, at);
                     });
    Value scale;
    if (inverse)
      scale =
          arith::DivFOp::create(b, loc, f64Const(b, loc, 1),
                                indexToFloat(b, loc, spec.n, b.getF64Type()));
    return interleave(b, loc, resTy, sizes, re, im, components, scale);
  }

  /// An axis known only at run time (opset 20's input): one DFT per axis
  /// it may name (every dim but the last), chosen by an scf.if chain on
  /// the axis, which is checked to be one of them. A branch whose sizes
  /// cannot have the declared shape fails the run when taken.
  LogicalResult lowerRuntimeAxis(OnnxDFTOp op, OpAdaptor adaptor,
                                 RankedTensorType resTy, int64_t components,
                                 ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    int64_t rank = resTy.getRank();
    auto axisTy = dyn_cast<RankedTensorType>(adaptor.getAxis().getType());
    if (!axisTy || !isa<IntegerType>(axisTy.getElementType()) ||
        axisTy.getNumElements() != 1)
      return rewriter.notifyMatchFailure(op, "the axis must be an integer "
                                             "scalar");
    Value axis = toIndex(b, loc, extractScalar(b, loc, adaptor.getAxis()));
    Value rankV = cIdx(b, loc, rank);
    Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                           axis, cIdx(b, loc, 0));
    axis = arith::SelectOp::create(
        b, loc, negative, arith::AddIOp::create(b, loc, axis, rankV), axis);
    Value inRange = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, axis,
                              cIdx(b, loc, 0)),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, axis,
                              cIdx(b, loc, rank - 1)));
    check(b, loc, op, inRange,
          checkMessage(b, op,
                       "axis must be in [-rank, rank - 2] (the last dim "
                       "holds the complex parts)",
                       /*INVALID_ARGUMENT*/ 2));

    // The branches' common type: the declared one with every dim but the
    // complex one left to the run.
    SmallVector<int64_t> shape(rank, ShapedType::kDynamic);
    shape.back() = components;
    auto anyTy = RankedTensorType::get(shape, resTy.getElementType());
    std::function<Value(OpBuilder &, Location, int64_t)> branch =
        [&](OpBuilder &nb, Location l, int64_t a) -> Value {
      std::string why;
      FailureOr<Value> out = buildDft(nb, op, adaptor, a, resTy, why);
      if (succeeded(out))
        return castTo(nb, l, *out, anyTy);
      // Never taken by a run whose data fits the model's declared shape.
      check(nb, l, op, arith::ConstantIntOp::create(nb, l, nb.getI1Type(), 0),
            checkMessage(nb, op, "axis " + std::to_string(a) + ": " + why,
                         /*FAIL*/ 1));
      SmallVector<OpFoldResult> sizes;
      for (int64_t d = 0; d < rank; ++d)
        sizes.push_back(nb.getIndexAttr(resTy.isDynamicDim(d)
                                            ? (d == rank - 1 ? components : 0)
                                            : resTy.getDimSize(d)));
      return castTo(nb, l, createEmpty(nb, l, resTy, sizes), anyTy);
    };
    // if axis == 0 then DFT(0) else if axis == 1 ... else DFT(rank - 2).
    std::function<Value(OpBuilder &, Location, int64_t)> chain =
        [&](OpBuilder &nb, Location l, int64_t a) -> Value {
      if (a == rank - 2)
        return branch(nb, l, a);
      Value isA = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, axis,
                                        cIdx(nb, l, a));
      auto ifOp = scf::IfOp::create(
          nb, l, isA,
          [&](OpBuilder &tb, Location tl) {
            scf::YieldOp::create(tb, tl, branch(tb, tl, a));
          },
          [&](OpBuilder &eb, Location el) {
            scf::YieldOp::create(eb, el, chain(eb, el, a + 1));
          });
      return ifOp.getResult(0);
    };
    rewriter.replaceOp(op, castTo(b, loc, chain(b, loc, 0), resTy));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// STFT
//===----------------------------------------------------------------------===//

struct StftLowering : OpConversionPattern<OnnxSTFTOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxSTFTOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getSignal();
    auto xTy = dyn_cast<RankedTensorType>(x.getType());
    RankedTensorType resTy = resultTypeOf(*this, op);
    if (!resTy)
      return rewriter.notifyMatchFailure(op, kUnrankedResult);
    if (!xTy || !isa<FloatType>(xTy.getElementType()) ||
        !isa<FloatType>(resTy.getElementType()))
      return rewriter.notifyMatchFailure(
          op, "signal and output must be ranked float tensors");
    if (xTy.getRank() != 3 || !hasComplexDim(xTy))
      return rewriter.notifyMatchFailure(
          op, "the signal must be [batch, length, 1 or 2]");
    if (resTy.getRank() != 4 ||
        (!resTy.isDynamicDim(3) && resTy.getDimSize(3) != 2))
      return rewriter.notifyMatchFailure(
          op, "the result must be [batch, frames, bins, 2]");

    auto step = scalarIndex(rewriter, loc, adaptor.getFrameStep());
    if (failed(step))
      return rewriter.notifyMatchFailure(
          op, "frame_step must be an integer scalar");
    if (auto c = getConstantIntValue(*step); c && *c < 1)
      return rewriter.notifyMatchFailure(op, "frame_step must be positive");

    Value window = adaptor.getWindow();
    if (!isNoValue(window)) {
      auto wTy = dyn_cast<RankedTensorType>(window.getType());
      if (!wTy || wTy.getRank() != 1 || !isa<FloatType>(wTy.getElementType()))
        return rewriter.notifyMatchFailure(
            op, "the window must be a 1-D float tensor");
    } else {
      window = nullptr;
    }
    OpFoldResult sigLen = dimOf(rewriter, loc, x, 1);
    OpFoldResult frameLen;
    if (!isNoValue(adaptor.getFrameLength())) {
      auto fl = scalarIndex(rewriter, loc, adaptor.getFrameLength());
      if (failed(fl))
        return rewriter.notifyMatchFailure(
            op, "frame_length must be an integer scalar");
      frameLen = *fl;
    } else {
      frameLen = window ? dimOf(rewriter, loc, window, 0) : sigLen;
    }
    if (auto c = getConstantIntValue(frameLen); c && *c < 1)
      return rewriter.notifyMatchFailure(op, "frame_length must be positive");
    // Each frame holds as many samples as the window (zero-padded or cut to
    // the DFT length, frame_length).
    OpFoldResult winLen = window ? dimOf(rewriter, loc, window, 0) : frameLen;
    OpFoldResult kLen =
        window ? minI(rewriter, loc, winLen, frameLen) : frameLen;

    bool onesided = op.getOnesided() != 0;
    OpFoldResult frames = addI(
        rewriter, loc,
        floorDivI(rewriter, loc, subI(rewriter, loc, sigLen, frameLen), *step),
        idx(rewriter, 1));
    OpFoldResult bins =
        onesided ? addI(rewriter, loc,
                        floorDivI(rewriter, loc, frameLen, idx(rewriter, 2)),
                        idx(rewriter, 1))
                 : frameLen;
    SmallVector<OpFoldResult> sizes = {dimOf(rewriter, loc, x, 0), frames,
                                       bins};
    // The result type covers these three dims (and the complex one).
    if (auto why = shapeMismatch("STFT", resTy, sizes))
      return rewriter.notifyMatchFailure(op, *why);
    sizes = refineSizes(rewriter, resTy, sizes);

    ComplexReader reader(rewriter, loc, x);
    Value stepV = val(rewriter, loc, *step);
    Value sigLenV = val(rewriter, loc, sigLen);
    DftSpec spec{2, kLen, val(rewriter, loc, frameLen), false, false};
    auto [re, im] = buildDftSums(
        rewriter, loc, sizes, spec,
        [&](OpBuilder &b, Location l, ValueRange ivs, Value k) {
          // Sample frame * step + k; a window longer than frame_length can
          // reach past the end of the signal, which reads as zero.
          Value pos = arith::AddIOp::create(
              b, l, arith::MulIOp::create(b, l, ivs[1], stepV), k);
          Value inside = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult,
                                               pos, sigLenV);
          Value safe =
              arith::SelectOp::create(b, l, inside, pos, cIdx(b, l, 0));
          auto [xr, xi] = reader.read(b, l, {ivs[0], safe});
          Value w = arith::SelectOp::create(b, l, inside, f64Const(b, l, 1),
                                            f64Const(b, l, 0));
          if (window)
            w = arith::MulFOp::create(
                b, l, w,
                castFloat(b, l, tensor::ExtractOp::create(b, l, window, k),
                          b.getF64Type()));
          Value wr = arith::MulFOp::create(b, l, xr, w);
          Value wi = xi ? arith::MulFOp::create(b, l, xi, w).getResult() : xi;
          return std::make_pair(wr, wi);
        });
    Value out = interleave(rewriter, loc, resTy, sizes, re, im, 2, Value());
    rewriter.replaceOp(op, out);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// MelWeightMatrix
//===----------------------------------------------------------------------===//

/// Hertz (f32) to mel (f64) with the ONNX reference's precisions: f32 up
/// to the division by ln(10), which numpy does in f64.
Value hertzToMel(OpBuilder &b, Location loc, Value hz) {
  Type f32 = b.getF32Type();
  Value r = arith::DivFOp::create(b, loc, hz, scalarConstant(b, loc, f32, 700));
  r = math::Log1pOp::create(b, loc, r);
  r = arith::MulFOp::create(b, loc, r, scalarConstant(b, loc, f32, 2595));
  return arith::DivFOp::create(b, loc, castFloat(b, loc, r, b.getF64Type()),
                               f64Const(b, loc, std::log(10.0)));
}

struct MelWeightMatrixLowering : OpConversionPattern<OnnxMelWeightMatrixOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMelWeightMatrixOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resTy = resultTypeOf(*this, op);
    if (!resTy)
      return rewriter.notifyMatchFailure(op, kUnrankedResult);
    if (resTy.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "the result must be a 2-D tensor");
    auto bins = scalarIndex(rewriter, loc, adaptor.getNumMelBins());
    auto dftLen = scalarIndex(rewriter, loc, adaptor.getDftLength());
    auto rate = scalarIndex(rewriter, loc, adaptor.getSampleRate());
    if (failed(bins) || failed(dftLen) || failed(rate))
      return rewriter.notifyMatchFailure(
          op, "num_mel_bins, dft_length and sample_rate must be integer "
              "scalars");
    Value lowHz = adaptor.getLowerEdgeHertz(),
          highHz = adaptor.getUpperEdgeHertz();
    for (Value v : {lowHz, highHz}) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!t || !isa<FloatType>(t.getElementType()) || t.getNumElements() != 1)
        return rewriter.notifyMatchFailure(
            op, "the edge frequencies must be float scalars");
    }
    Type f32 = rewriter.getF32Type();
    auto toF32 = [&](Value t) {
      Value s = extractScalar(rewriter, loc, t);
      Type st = s.getType();
      return st.isF32() ? s : castScalar(rewriter, loc, s, st, f32);
    };
    Value lowMel = hertzToMel(rewriter, loc, toF32(lowHz));
    Value highMel = hertzToMel(rewriter, loc, toF32(highHz));
    Value binsV = val(rewriter, loc, *bins);
    Value points =
        arith::AddIOp::create(rewriter, loc, binsV, cIdx(rewriter, loc, 2));
    Value melStep = arith::DivFOp::create(
        rewriter, loc, arith::SubFOp::create(rewriter, loc, highMel, lowMel),
        indexToFloat(rewriter, loc, points, rewriter.getF64Type()));
    Value dftLenV = val(rewriter, loc, *dftLen);
    Value dftPlusOne = indexToFloat(
        rewriter, loc,
        arith::AddIOp::create(rewriter, loc, dftLenV, cIdx(rewriter, loc, 1)),
        rewriter.getF64Type());
    Value rateF = indexToFloat(rewriter, loc, val(rewriter, loc, *rate),
                               rewriter.getF64Type());

    // FFT bin of mel point m: floor((n + 1) * hz(m) / rate), hz(m) =
    // 700 * (10^(mel(m) / 2595) - 1) with mel(m) = low + m * step.
    auto binOf = [&](OpBuilder &b, Location l, Value m) -> Value {
      Value mel = arith::AddFOp::create(
          b, l,
          arith::MulFOp::create(b, l, indexToFloat(b, l, m, b.getF64Type()),
                                melStep),
          lowMel);
      Value e = arith::MulFOp::create(
          b, l, arith::DivFOp::create(b, l, mel, f64Const(b, l, 2595.0)),
          f64Const(b, l, std::log(10.0)));
      Value hz = arith::MulFOp::create(b, l, math::ExpM1Op::create(b, l, e),
                                       f64Const(b, l, 700.0));
      Value q = math::FloorOp::create(
          b, l,
          arith::DivFOp::create(
              b, l, arith::MulFOp::create(b, l, dftPlusOne, hz), rateF));
      return arith::FPToSIOp::create(b, l, b.getI64Type(), q);
    };

    SmallVector<OpFoldResult> sizes = {
        addI(rewriter, loc, floorDivI(rewriter, loc, *dftLen, idx(rewriter, 2)),
             idx(rewriter, 1)),
        *bins};
    if (auto why = shapeMismatch("MelWeightMatrix", resTy, sizes))
      return rewriter.notifyMatchFailure(op, *why);
    sizes = refineSizes(rewriter, resTy, sizes);
    Type onnxElem = cast<ShapedType>(op.getOutput().getType()).getElementType();
    Value out = generateTensor(
        rewriter, loc, resTy, sizes, ValueRange{}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) {
          // Triangle i rises from bin lo to bin mid and falls to bin hi.
          Value i = ivs[1];
          Value lo = binOf(b, l, i);
          Value mid =
              binOf(b, l, arith::AddIOp::create(b, l, i, cIdx(b, l, 1)));
          Value hi = binOf(b, l, arith::AddIOp::create(b, l, i, cIdx(b, l, 2)));
          Value j = arith::IndexCastOp::create(b, l, b.getI64Type(), ivs[0]);
          auto cmp = [&](arith::CmpIPredicate p, Value x, Value y) {
            return arith::CmpIOp::create(b, l, p, x, y).getResult();
          };
          auto toF = [&](Value v) {
            return arith::SIToFPOp::create(b, l, b.getF64Type(), v).getResult();
          };
          auto ratio = [&](Value num, Value den) {
            // den is 0 only where the ratio is not selected.
            Value d = toF(den);
            Value safe = arith::SelectOp::create(
                b, l,
                arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, d,
                                      f64Const(b, l, 0)),
                f64Const(b, l, 1), d);
            return arith::DivFOp::create(b, l, toF(num), safe).getResult();
          };
          using P = arith::CmpIPredicate;
          // Falling edge: mid <= j < hi (it also sets the peak to 1).
          Value falling = arith::AndIOp::create(b, l, cmp(P::sle, mid, j),
                                                cmp(P::slt, j, hi));
          Value fallV = ratio(arith::SubIOp::create(b, l, hi, j),
                              arith::SubIOp::create(b, l, hi, mid));
          // Rising edge: lo <= j <= mid; a zero-width rise is a 1 at mid.
          Value rising = arith::AndIOp::create(b, l, cmp(P::sle, lo, j),
                                               cmp(P::sle, j, mid));
          Value flat = cmp(P::eq, lo, mid);
          Value riseV = arith::SelectOp::create(
              b, l, flat, f64Const(b, l, 1),
              ratio(arith::SubIOp::create(b, l, j, lo),
                    arith::SubIOp::create(b, l, mid, lo)));
          Value v =
              arith::SelectOp::create(b, l, rising, riseV, f64Const(b, l, 0));
          v = arith::SelectOp::create(b, l, falling, fallV, v);
          return castScalar(b, l, v, b.getF64Type(), onnxElem);
        });
    rewriter.replaceOp(op, out);
    return success();
  }
};

} // namespace

void kiln::populateSignalPatterns(TypeConverter &tc,
                                  RewritePatternSet &patterns) {
  patterns.add<DftLowering, StftLowering, MelWeightMatrixLowering>(
      tc, patterns.getContext());
}
