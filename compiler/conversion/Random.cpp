//===- Random.cpp - onnx to linalg: random number generation --------------===//
//
// RandomUniform, RandomNormal, their Like forms, Bernoulli, Multinomial and
// training-mode Dropout.
//
// Values come from a counter-based generator: element i of an op's output
// uses splitmix64's output function on key + (i + 1) * golden, so every
// element is independent of the others and the whole tensor is one
// linalg.generic. The key is derived from `seed` when the op has one (the
// same seed gives the same values in every run). Without a seed the key
// mixes a process-wide draw counter (atomically bumped once per op per run)
// with the run-time address of that counter (ASLR), so values differ between
// runs and between processes.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/ShapeHelpers.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/bit.h"

#include <cmath>

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;
using namespace kiln::shape_helpers;

namespace {

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ull;
constexpr StringLiteral kDrawCounter = "kiln_rng_draws";

//===----------------------------------------------------------------------===//
// The generator
//===----------------------------------------------------------------------===//

/// splitmix64's output function, at compile time.
uint64_t mixConst(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

Value i64Const(OpBuilder &b, Location loc, uint64_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI64Type(),
                                      static_cast<int64_t>(v));
}

/// splitmix64's output function on an i64 value.
Value mix(OpBuilder &b, Location loc, Value z) {
  auto step = [&](Value x, unsigned shift, uint64_t mul) -> Value {
    Value s = arith::ShRUIOp::create(b, loc, x, i64Const(b, loc, shift));
    Value e = arith::XOrIOp::create(b, loc, x, s);
    return mul ? arith::MulIOp::create(b, loc, e, i64Const(b, loc, mul))
                     .getResult()
               : e;
  };
  z = step(z, 30, 0xBF58476D1CE4E5B9ull);
  z = step(z, 27, 0x94D049BB133111EBull);
  return step(z, 31, 0);
}

/// 64 random bits for counter `ctr` (i64) of the stream `key`.
Value bitsAt(OpBuilder &b, Location loc, Value key, Value ctr) {
  Value c = arith::AddIOp::create(b, loc, ctr, i64Const(b, loc, 1));
  Value s = arith::AddIOp::create(
      b, loc, key, arith::MulIOp::create(b, loc, c, i64Const(b, loc, kGolden)));
  return mix(b, loc, s);
}

/// A uniform f64 in [0, 1) from the top `mantissa` bits of `bits`, so it is
/// exact in the output type (a value of 1 cannot appear after rounding).
Value unitUniform(OpBuilder &b, Location loc, Value bits, unsigned mantissa) {
  mantissa = std::min(mantissa, 53u);
  Value top =
      arith::ShRUIOp::create(b, loc, bits, i64Const(b, loc, 64 - mantissa));
  Value f = arith::UIToFPOp::create(b, loc, b.getF64Type(), top);
  return arith::MulFOp::create(
      b, loc, f,
      scalarConstant(b, loc, b.getF64Type(), std::ldexp(1.0, -(int)mantissa)));
}

unsigned mantissaOf(Type t) {
  if (auto f = dyn_cast<FloatType>(t))
    return f.getFPMantissaWidth();
  return 53;
}

/// The key of a seeded op: the seed's bits, mixed.
Value seededKey(OpBuilder &b, Location loc, double seed) {
  return i64Const(b, loc, mixConst(llvm::bit_cast<uint64_t>(seed) ^ kGolden));
}

/// The key of an unseeded op: a fresh draw of the process-wide counter
/// mixed with its address, so it differs per op, per run and per process.
Value unseededKey(ConversionPatternRewriter &rewriter, Operation *op) {
  Location loc = op->getLoc();
  auto module = op->getParentOfType<ModuleOp>();
  Type i64 = rewriter.getI64Type();
  auto memTy = MemRefType::get({}, i64);
  if (!module.lookupSymbol(kDrawCounter)) {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(module.getBody());
    memref::GlobalOp::create(
        rewriter, loc, kDrawCounter, rewriter.getStringAttr("private"), memTy,
        DenseElementsAttr::get(RankedTensorType::get({}, i64), int64_t(0)),
        /*constant=*/false, /*alignment=*/IntegerAttr());
  }
  Value counter =
      memref::GetGlobalOp::create(rewriter, loc, memTy, kDrawCounter);
  Value draw = memref::AtomicRMWOp::create(
      rewriter, loc, arith::AtomicRMWKind::addi, i64Const(rewriter, loc, 1),
      counter, ValueRange{});
  Value addr = arith::IndexCastOp::create(
      rewriter, loc, i64,
      memref::ExtractAlignedPointerAsIndexOp::create(rewriter, loc, counter));
  Value key = arith::XOrIOp::create(
      rewriter, loc, mix(rewriter, loc, draw),
      arith::AddIOp::create(rewriter, loc, addr,
                            i64Const(rewriter, loc, kGolden)));
  return mix(rewriter, loc, key);
}

Value keyFor(ConversionPatternRewriter &rewriter, Operation *op,
             std::optional<double> seed) {
  return seed ? seededKey(rewriter, op->getLoc(), *seed)
              : unseededKey(rewriter, op);
}

/// Body of a random generic: the element's counter (its row-major linear
/// index, i64), the iteration indices and the input scalars.
using RandomBodyFn = function_ref<Value(OpBuilder &, Location, Value ctr,
                                        ValueRange ivs, ValueRange args)>;

/// A tensor of `resTy` with `sizes` whose elements `body` computes from
/// their counter.
Value randomTensor(OpBuilder &b, Location loc, RankedTensorType resTy,
                   ArrayRef<OpFoldResult> sizes, ValueRange inputs,
                   ArrayRef<AffineMap> maps, RandomBodyFn body) {
  SmallVector<Value> dims;
  for (OpFoldResult s : sizes)
    dims.push_back(val(b, loc, s));
  return generateTensor(
      b, loc, resTy, sizes, inputs, maps,
      [&](OpBuilder &nb, Location l, ValueRange ivs, ValueRange args) {
        Value lin = ivs.empty() ? cIdx(nb, l, 0) : ivs[0];
        for (size_t d = 1; d < ivs.size(); ++d)
          lin = arith::AddIOp::create(
              nb, l, arith::MulIOp::create(nb, l, lin, dims[d]), ivs[d]);
        Value ctr = arith::IndexCastOp::create(nb, l, nb.getI64Type(), lin);
        return body(nb, l, ctr, ivs, args);
      });
}

/// low + (high - low) * u in the element type.
Value uniformValue(OpBuilder &b, Location loc, Value key, Value ctr, Type elt,
                   double low, double high) {
  Value u = unitUniform(b, loc, bitsAt(b, loc, key, ctr), mantissaOf(elt));
  Type f64 = b.getF64Type();
  Value v = arith::AddFOp::create(
      b, loc, scalarConstant(b, loc, f64, low),
      arith::MulFOp::create(b, loc, u,
                            scalarConstant(b, loc, f64, high - low)));
  return castScalar(b, loc, v, f64, elt);
}

/// mean + scale * z for a standard normal z (Box-Muller over the counters
/// 2i and 2i + 1).
Value normalValue(OpBuilder &b, Location loc, Value key, Value ctr, Type elt,
                  double mean, double scale) {
  Type f64 = b.getF64Type();
  Value c0 = arith::MulIOp::create(b, loc, ctr, i64Const(b, loc, 2));
  Value c1 = arith::AddIOp::create(b, loc, c0, i64Const(b, loc, 1));
  // u1 in (0, 1] keeps the logarithm finite.
  Value u1 =
      arith::SubFOp::create(b, loc, scalarConstant(b, loc, f64, 1.0),
                            unitUniform(b, loc, bitsAt(b, loc, key, c0), 53));
  Value u2 = unitUniform(b, loc, bitsAt(b, loc, key, c1), 53);
  Value r = math::SqrtOp::create(
      b, loc,
      arith::MulFOp::create(b, loc, scalarConstant(b, loc, f64, -2.0),
                            math::LogOp::create(b, loc, u1)));
  Value theta = arith::MulFOp::create(
      b, loc, u2, scalarConstant(b, loc, f64, 6.283185307179586));
  Value z =
      arith::MulFOp::create(b, loc, r, math::CosOp::create(b, loc, theta));
  Value v = arith::AddFOp::create(
      b, loc, scalarConstant(b, loc, f64, mean),
      arith::MulFOp::create(b, loc, z, scalarConstant(b, loc, f64, scale)));
  return castScalar(b, loc, v, f64, elt);
}

std::optional<double> seedOf(std::optional<APFloat> seed) {
  if (!seed)
    return std::nullopt;
  return seed->convertToDouble();
}

SmallVector<OpFoldResult> staticSizesOf(OpBuilder &b, RankedTensorType t) {
  SmallVector<OpFoldResult> out;
  for (int64_t d : t.getShape())
    out.push_back(b.getIndexAttr(d));
  return out;
}

//===----------------------------------------------------------------------===//
// RandomUniform, RandomNormal and their Like forms
//===----------------------------------------------------------------------===//

enum class Dist { Uniform, Normal };

/// Shared by the four ops: `a` and `c` are (low, high) or (mean, scale).
template <typename Op, Dist dist, bool like>
struct RandomLowering : OpConversionPattern<Op> {
  using OpConversionPattern<Op>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(Op op, typename Op::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    if (!resTy || !isa<FloatType>(resTy.getElementType()))
      return rewriter.notifyMatchFailure(
          op, "a ranked float tensor result expected");
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes;
    if constexpr (like) {
      Value in = adaptor.getInput();
      if (!isa<RankedTensorType>(in.getType()))
        return rewriter.notifyMatchFailure(op, "ranked input expected");
      sizes = refineSizes(rewriter, resTy, sizesOf(rewriter, loc, in));
    } else {
      if (!resTy.hasStaticShape())
        return rewriter.notifyMatchFailure(op, "static shape expected");
      sizes = staticSizesOf(rewriter, resTy);
    }
    double a, c;
    if constexpr (dist == Dist::Uniform) {
      a = op.getLow().convertToDouble();
      c = op.getHigh().convertToDouble();
    } else {
      a = op.getMean().convertToDouble();
      c = op.getScale().convertToDouble();
    }
    Value key = keyFor(rewriter, op, seedOf(op.getSeed()));
    Type elt = resTy.getElementType();
    Value r = randomTensor(
        rewriter, loc, resTy, sizes, {}, {},
        [&](OpBuilder &b, Location l, Value ctr, ValueRange, ValueRange) {
          return dist == Dist::Uniform ? uniformValue(b, l, key, ctr, elt, a, c)
                                       : normalValue(b, l, key, ctr, elt, a, c);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

using RandomUniformLowering =
    RandomLowering<OnnxRandomUniformOp, Dist::Uniform, false>;
using RandomNormalLowering =
    RandomLowering<OnnxRandomNormalOp, Dist::Normal, false>;
using RandomUniformLikeLowering =
    RandomLowering<OnnxRandomUniformLikeOp, Dist::Uniform, true>;
using RandomNormalLikeLowering =
    RandomLowering<OnnxRandomNormalLikeOp, Dist::Normal, true>;

//===----------------------------------------------------------------------===//
// Bernoulli
//===----------------------------------------------------------------------===//

struct BernoulliLowering : OpConversionPattern<OnnxBernoulliOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxBernoulliOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value p = adaptor.getInput();
    auto pTy = dyn_cast<RankedTensorType>(p.getType());
    if (!resTy || !pTy || !isa<FloatType>(pTy.getElementType()))
      return rewriter.notifyMatchFailure(
          op, "a ranked float tensor of probabilities expected");
    Location loc = op.getLoc();
    Type pElt = pTy.getElementType();
    Type outElt = cast<ShapedType>(op.getOutput().getType()).getElementType();
    Value key = keyFor(rewriter, op, seedOf(op.getSeed()));
    SmallVector<OpFoldResult> sizes =
        refineSizes(rewriter, resTy, sizesOf(rewriter, loc, p));
    AffineMap id =
        AffineMap::getMultiDimIdentityMap(pTy.getRank(), rewriter.getContext());
    Value r = randomTensor(
        rewriter, loc, resTy, sizes, {p}, {id},
        [&](OpBuilder &b, Location l, Value ctr, ValueRange, ValueRange args) {
          // 1 with probability p: u < p for u uniform in [0, 1).
          Value u = unitUniform(b, l, bitsAt(b, l, key, ctr), 53);
          Value pv = castScalar(b, l, args[0], pElt, b.getF64Type());
          Value one =
              arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, u, pv);
          return castScalar(b, l, one, b.getI1Type(), outElt);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Multinomial
//===----------------------------------------------------------------------===//

struct MultinomialLowering : OpConversionPattern<OnnxMultinomialOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMultinomialOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value x = adaptor.getInput();
    auto xTy = dyn_cast<RankedTensorType>(x.getType());
    if (!resTy || !xTy || xTy.getRank() != 2 || resTy.getRank() != 2 ||
        !isa<FloatType>(xTy.getElementType()) ||
        !isa<IntegerType>(resTy.getElementType()))
      return rewriter.notifyMatchFailure(
          op, "2-D float input and 2-D integer output expected");
    int64_t samples = op.getSampleSize();
    if (samples < 1)
      return rewriter.notifyMatchFailure(op, "sample_size must be positive");
    Location loc = op.getLoc();
    Type xElt = xTy.getElementType(), f64 = rewriter.getF64Type();
    Value key = keyFor(rewriter, op, seedOf(op.getSeed()));
    SmallVector<OpFoldResult> sizes = {dimOf(rewriter, loc, x, 0),
                                       idx(rewriter, samples)};
    sizes = refineSizes(rewriter, resTy, sizes);
    Value classes = val(rewriter, loc, dimOf(rewriter, loc, x, 1));
    Type outElt = resTy.getElementType();
    Value r = randomTensor(
        rewriter, loc, resTy, sizes, {}, {},
        [&](OpBuilder &b, Location l, Value ctr, ValueRange ivs, ValueRange) {
          Value zero = cIdx(b, l, 0), one = cIdx(b, l, 1);
          auto logit = [&](OpBuilder &lb, Location ll, Value c) {
            Value v =
                tensor::ExtractOp::create(lb, ll, x, ValueRange{ivs[0], c});
            return castScalar(lb, ll, v, xElt, f64);
          };
          // The input holds unnormalized log-probabilities: subtract the
          // row maximum before exponentiating.
          Value lowest = scalarConstant(b, l, f64, -INFINITY);
          Value max =
              scf::ForOp::create(
                  b, l, zero, classes, one, ValueRange{lowest},
                  [&](OpBuilder &lb, Location ll, Value c, ValueRange it) {
                    scf::YieldOp::create(lb, ll,
                                         ValueRange{arith::MaximumFOp::create(
                                             lb, ll, it[0], logit(lb, ll, c))});
                  })
                  .getResult(0);
          auto weight = [&](OpBuilder &lb, Location ll, Value c) -> Value {
            return math::ExpOp::create(
                lb, ll, arith::SubFOp::create(lb, ll, logit(lb, ll, c), max));
          };
          Value fzero = scalarConstant(b, l, f64, 0.0);
          Value total =
              scf::ForOp::create(
                  b, l, zero, classes, one, ValueRange{fzero},
                  [&](OpBuilder &lb, Location ll, Value c, ValueRange it) {
                    scf::YieldOp::create(
                        lb, ll,
                        ValueRange{arith::AddFOp::create(lb, ll, it[0],
                                                         weight(lb, ll, c))});
                  })
                  .getResult(0);
          Value u = unitUniform(b, l, bitsAt(b, l, key, ctr), 53);
          Value target = arith::MulFOp::create(b, l, u, total);
          // The first class whose running weight passes the target; the
          // last class if rounding leaves none.
          Value last = arith::SubIOp::create(b, l, classes, one);
          Value found0 = arith::ConstantIntOp::create(b, l, b.getI1Type(), 0);
          auto pick = scf::ForOp::create(
              b, l, zero, classes, one, ValueRange{fzero, last, found0},
              [&](OpBuilder &lb, Location ll, Value c, ValueRange it) {
                Value acc =
                    arith::AddFOp::create(lb, ll, it[0], weight(lb, ll, c));
                Value passed = arith::CmpFOp::create(
                    lb, ll, arith::CmpFPredicate::OGT, acc, target);
                Value fresh = arith::AndIOp::create(
                    lb, ll, passed,
                    arith::XOrIOp::create(
                        lb, ll, it[2],
                        arith::ConstantIntOp::create(lb, ll, 1, 1)));
                Value chosen = arith::SelectOp::create(lb, ll, fresh, c, it[1]);
                Value found = arith::OrIOp::create(lb, ll, it[2], passed);
                scf::YieldOp::create(lb, ll, ValueRange{acc, chosen, found});
              });
          return arith::IndexCastOp::create(b, l, outElt, pick.getResult(1))
              .getResult();
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Dropout
//===----------------------------------------------------------------------===//

/// Dropout with a training_mode input (the importer turns Dropout without
/// one into the identity). In training mode an element is kept with
/// probability 1 - ratio and scaled by 1 / (1 - ratio); otherwise (or with
/// training_mode false at run time) the output is the input and the mask
/// all true.
struct DropoutLowering : OpConversionPattern<OnnxDropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxDropoutOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op, 0);
    Value x = adaptor.getData();
    auto xTy = dyn_cast<RankedTensorType>(x.getType());
    if (!resTy || !xTy || !isa<FloatType>(xTy.getElementType()))
      return rewriter.notifyMatchFailure(op, "a ranked float input expected");
    bool hasMask = !isNoValue(op.getMask());
    auto maskTy = hasMask ? resultTypeOf(*this, op, 1) : RankedTensorType();
    if (hasMask && (!maskTy || !maskTy.getElementType().isInteger(1)))
      return rewriter.notifyMatchFailure(op, "a ranked bool mask expected");
    Location loc = op.getLoc();
    Type f64 = rewriter.getF64Type(), elt = xTy.getElementType();
    Value ratio = scalarConstant(rewriter, loc, f64, 0.5);
    if (!isNoValue(adaptor.getRatio()))
      ratio = castScalar(
          rewriter, loc, extractScalar(rewriter, loc, adaptor.getRatio()),
          cast<ShapedType>(op.getRatio().getType()).getElementType(), f64);
    Value training =
        arith::ConstantIntOp::create(rewriter, loc, rewriter.getI1Type(), 0);
    if (!isNoValue(adaptor.getTrainingMode()))
      training = isNonZeroScalar(
          rewriter, loc,
          extractScalar(rewriter, loc, adaptor.getTrainingMode()));
    std::optional<double> seed;
    if (auto s = op.getSeed())
      seed = static_cast<double>(*s);
    Value key = keyFor(rewriter, op, seed);

    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, x);
    auto boolTy = RankedTensorType::get(xTy.getShape(), rewriter.getI1Type());
    Value mask = randomTensor(
        rewriter, loc, boolTy, sizes, {}, {},
        [&](OpBuilder &b, Location l, Value ctr, ValueRange, ValueRange) {
          // Kept when u >= ratio, so ratio 0 keeps everything.
          Value u = unitUniform(b, l, bitsAt(b, l, key, ctr), 53);
          Value kept =
              arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE, u, ratio);
          Value inference = arith::XOrIOp::create(
              b, l, training, arith::ConstantIntOp::create(b, l, 1, 1));
          return arith::OrIOp::create(b, l, kept, inference).getResult();
        });
    // 1 / (1 - ratio) in training mode, 1 otherwise (exact copies then).
    Value one = scalarConstant(rewriter, loc, f64, 1.0);
    Value scale = arith::SelectOp::create(
        rewriter, loc, training,
        arith::DivFOp::create(rewriter, loc, one,
                              arith::SubFOp::create(rewriter, loc, one, ratio)),
        one);
    scale = castScalar(rewriter, loc, scale, f64, elt);
    Value zero = scalarConstant(rewriter, loc, elt, 0.0);
    // The mask has the data's shape: both are read with identity maps.
    AffineMap id =
        AffineMap::getMultiDimIdentityMap(xTy.getRank(), rewriter.getContext());
    Value y = generateTensor(
        rewriter, loc, resTy, refineSizes(rewriter, resTy, sizes), {x, mask},
        {id, id},
        [&](OpBuilder &b, Location l, ValueRange, ValueRange a) -> Value {
          Value scaled = arith::MulFOp::create(b, l, a[0], scale);
          return arith::SelectOp::create(b, l, a[1], scaled, zero);
        });
    if (hasMask)
      rewriter.replaceOp(op, {y, castTo(rewriter, loc, mask, maskTy)});
    else
      rewriter.replaceOpWithMultiple(op, {{y}, {}});
    return success();
  }

  static Value isNonZeroScalar(OpBuilder &b, Location loc, Value v) {
    if (v.getType().isInteger(1))
      return v;
    Value zero = scalarConstant(b, loc, v.getType(), 0.0);
    if (isa<FloatType>(v.getType()))
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v, zero);
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v, zero);
  }
};

} // namespace

void kiln::populateRandomPatterns(TypeConverter &tc,
                                  RewritePatternSet &patterns) {
  patterns.add<RandomUniformLowering, RandomNormalLowering,
               RandomUniformLikeLowering, RandomNormalLikeLowering,
               BernoulliLowering, MultinomialLowering, DropoutLowering>(
      tc, patterns.getContext());
}
