//===- ShapeOps.cpp - onnx to linalg: shape manipulation ops --------------===//
//
// Constant, Reshape, Flatten, Squeeze, Unsqueeze, Shape, Size, Identity,
// Expand, ConstantOfShape, Range and EyeLike.
//
// Every reshape-like op goes through `reshapeTo`, which emits
// tensor.collapse_shape / tensor.expand_shape with the finest reassociation
// that is valid for every run-time value of the dynamic dims (so fusion sees
// pure reassociations), and falls back to collapsing to 1-D and expanding
// again when no such grouping exists.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/RuntimeAxes.h"
#include "compiler/conversion/ShapeHelpers.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/APInt.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;
using namespace kiln::shape_helpers;

namespace {

//===----------------------------------------------------------------------===//
// Symbolic reshape
//===----------------------------------------------------------------------===//

/// A dim of a reshape operand or target: its size (static or run time) and a
/// "fingerprint": the static size, or a product of large primes standing for
/// the dynamic source dims it is made of. Two products of fingerprints are
/// equal iff the sizes are equal for every run-time value of the dynamic
/// dims (unique factorization; the primes exceed every static size). A null
/// fingerprint means "unknown" (e.g. read from a run-time shape tensor).
struct SymDim {
  OpFoldResult size;
  std::optional<APInt> fp;
};

constexpr unsigned kFpBits = 2048;

APInt fpConst(uint64_t v) { return APInt(kFpBits, v); }

/// The k-th prime above 2^32 (static ONNX dims are far below that).
APInt fpPrime(unsigned k) {
  static SmallVector<uint64_t> primes;
  uint64_t c = primes.empty() ? (1ull << 32) : primes.back();
  while (primes.size() <= k) {
    ++c;
    bool prime = true;
    for (uint64_t d = 2; d * d <= c; ++d)
      if (c % d == 0) {
        prime = false;
        break;
      }
    if (prime)
      primes.push_back(c);
  }
  return fpConst(primes[k]);
}

SmallVector<SymDim> sourceDims(OpBuilder &b, Location loc, Value src) {
  auto t = cast<RankedTensorType>(src.getType());
  SmallVector<SymDim> out;
  for (int64_t d = 0; d < t.getRank(); ++d) {
    if (t.isDynamicDim(d))
      out.push_back({dimOf(b, loc, src, d), fpPrime(d)});
    else
      out.push_back(
          {b.getIndexAttr(t.getDimSize(d)), fpConst(t.getDimSize(d))});
  }
  return out;
}

/// Product of dims (size and fingerprint).
SymDim productOf(OpBuilder &b, Location loc, ArrayRef<SymDim> dims) {
  SymDim p{b.getIndexAttr(1), fpConst(1)};
  for (const SymDim &d : dims) {
    p.size = mulI(b, loc, p.size, d.size);
    if (p.fp && d.fp)
      p.fp = *p.fp * *d.fp;
    else
      p.fp = std::nullopt;
  }
  return p;
}

RankedTensorType typeWithSizes(ArrayRef<OpFoldResult> sizes, Type elt) {
  return RankedTensorType::get(staticSizes(sizes), elt);
}

/// Groups source and target dims so that each group has equal products.
/// Fails when the fingerprints do not allow it.
std::optional<
    SmallVector<std::pair<ReassociationIndices, ReassociationIndices>>>
groupDims(ArrayRef<SymDim> src, ArrayRef<SymDim> dst) {
  for (const SymDim &d : llvm::concat<const SymDim>(src, dst))
    if (!d.fp)
      return std::nullopt;
  SmallVector<std::pair<ReassociationIndices, ReassociationIndices>> groups;
  size_t i = 0, j = 0, n = src.size(), m = dst.size();
  while (i < n && j < m) {
    ReassociationIndices a{(int64_t)i}, c{(int64_t)j};
    APInt pa = *src[i++].fp, pc = *dst[j++].fp;
    while (pa != pc) {
      if (pa.ult(pc)) {
        if (i == n)
          return std::nullopt;
        pa *= *src[i].fp;
        a.push_back(i++);
      } else {
        if (j == m)
          return std::nullopt;
        pc *= *dst[j].fp;
        c.push_back(j++);
      }
    }
    groups.push_back({a, c});
  }
  // Trailing unit dims join the last group.
  for (; i < n; ++i) {
    if (*src[i].fp != 1 || groups.empty())
      return std::nullopt;
    groups.back().first.push_back(i);
  }
  for (; j < m; ++j) {
    if (*dst[j].fp != 1 || groups.empty())
      return std::nullopt;
    groups.back().second.push_back(j);
  }
  return groups;
}

/// Reshapes `src` (row-major) to `dst` dims and casts to `resultType`.
Value reshapeTo(OpBuilder &b, Location loc, Value src, ArrayRef<SymDim> dst,
                RankedTensorType resultType) {
  auto srcTy = cast<RankedTensorType>(src.getType());
  Type elt = srcTy.getElementType();
  SmallVector<OpFoldResult> dstSizes;
  for (const SymDim &d : dst)
    dstSizes.push_back(d.size);
  RankedTensorType dstTy = typeWithSizes(dstSizes, elt);

  // Empty tensors carry no data: no reshape needed.
  auto hasZero = [](RankedTensorType t) {
    return llvm::is_contained(t.getShape(), 0);
  };
  if (hasZero(srcTy) || hasZero(dstTy))
    return castTo(b, loc, tensor::EmptyOp::create(b, loc, dstSizes, elt),
                  resultType);

  // Rank-0 source or target: all other dims are 1.
  if (srcTy.getRank() == 0 || dstTy.getRank() == 0) {
    if (dstTy.getRank() == 0) {
      auto unit =
          RankedTensorType::get(SmallVector<int64_t>(srcTy.getRank(), 1), elt);
      Value s = castTo(b, loc, src, unit);
      return castTo(b, loc,
                    tensor::CollapseShapeOp::create(
                        b, loc, dstTy, s, ArrayRef<ReassociationIndices>{}),
                    resultType);
    }
    auto unit =
        RankedTensorType::get(SmallVector<int64_t>(dstTy.getRank(), 1), elt);
    SmallVector<OpFoldResult> ones(dstTy.getRank(), b.getIndexAttr(1));
    Value e = tensor::ExpandShapeOp::create(
        b, loc, unit, src, ArrayRef<ReassociationIndices>{}, ones);
    return castTo(b, loc, e, resultType);
  }

  SmallVector<SymDim> srcDims = sourceDims(b, loc, src);
  auto groups = groupDims(srcDims, dst);
  if (!groups) {
    // No finer reassociation is valid for all run-time sizes: one group.
    ReassociationIndices all, allDst;
    for (int64_t d = 0; d < srcTy.getRank(); ++d)
      all.push_back(d);
    for (int64_t d = 0; d < dstTy.getRank(); ++d)
      allDst.push_back(d);
    groups.emplace();
    groups->push_back({all, allDst});
  }

  SmallVector<ReassociationIndices> collapse, expand;
  SmallVector<OpFoldResult> collapsedSizes, midSizes;
  bool needCollapse = false, needExpand = false, multiDynamic = false;
  for (auto &[a, c] : *groups) {
    collapse.push_back(a);
    expand.push_back(c);
    needCollapse |= a.size() > 1;
    needExpand |= c.size() > 1;
    SmallVector<SymDim> srcPart, dstPart;
    for (int64_t i : a)
      srcPart.push_back(srcDims[i]);
    for (int64_t i : c)
      dstPart.push_back(dst[i]);
    int64_t dynamicOut =
        llvm::count_if(c, [&](int64_t i) { return dstTy.isDynamicDim(i); });
    multiDynamic |= dynamicOut > 1;
    OpFoldResult fromSrc = productOf(b, loc, srcPart).size;
    collapsedSizes.push_back(fromSrc);
    // A group of static target dims has a static size even when the
    // source dims are dynamic (expand_shape insists on it).
    midSizes.push_back(dynamicOut == 0 ? productOf(b, loc, dstPart).size
                                       : fromSrc);
  }

  // expand_shape groups with several dynamic dims are valid IR but MLIR 22's
  // expand-strided-metadata crashes on them: use tensor.reshape instead.
  if (multiDynamic) {
    SmallVector<Value> elems;
    for (OpFoldResult s : dstSizes)
      elems.push_back(
          arith::IndexCastOp::create(b, loc, b.getI64Type(), val(b, loc, s)));
    Value shape = tensor::FromElementsOp::create(
        b, loc, RankedTensorType::get({dstTy.getRank()}, b.getI64Type()),
        elems);
    Value r = tensor::ReshapeOp::create(b, loc, dstTy, src, shape);
    return castTo(b, loc, r, resultType);
  }

  Value v = src;
  if (needCollapse)
    v = tensor::CollapseShapeOp::create(
        b, loc, typeWithSizes(collapsedSizes, elt), v, collapse);
  v = castTo(b, loc, v, typeWithSizes(midSizes, elt));
  if (needExpand)
    v = tensor::ExpandShapeOp::create(b, loc, dstTy, v, expand, dstSizes);
  return castTo(b, loc, v, resultType);
}

//===----------------------------------------------------------------------===//
// Constant
//===----------------------------------------------------------------------===//

struct ConstantLowering : OpConversionPattern<OnnxConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    if (!resTy)
      return rewriter.notifyMatchFailure(op, "result must be a ranked tensor");
    Location loc = op.getLoc();
    TypedAttr attr;
    if (ElementsAttr value = op.getValueAttr()) {
      auto ty = cast<ShapedType>(value.getType());
      auto signless = RankedTensorType::get(ty.getShape(),
                                            signlessType(ty.getElementType()));
      if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
        if (isa<DenseStringElementsAttr>(dense))
          return rewriter.notifyMatchFailure(op,
                                             "string tensors are unsupported");
        Type elem = ty.getElementType();
        Type i8 = rewriter.getI8Type();
        if (auto narrow = dyn_cast<IntegerType>(elem);
            narrow && onnx_ir::isByteStoredType(narrow)) {
          // int4/int2 held one per byte, sign- or zero-extended.
          bool isUnsigned = narrow.isUnsigned();
          attr = dense.mapValues(i8, [&](const APInt &v) {
            return isUnsigned ? v.zext(8) : v.sext(8);
          });
        } else if (isa<Float4E2M1FNType>(elem)) {
          attr = dense.mapValues(i8, [](const APFloat &v) {
            return v.bitcastToAPInt().zext(8);
          });
        } else {
          attr = signless == dense.getType()
                     ? dense
                     : dense.bitcast(signless.getElementType());
        }
      } else if (auto res = dyn_cast<DenseResourceElementsAttr>(value)) {
        // Same blob, signless type: the weight bytes are not copied.
        attr =
            signless == res.getType()
                ? TypedAttr(res)
                : DenseResourceElementsAttr::get(signless, res.getRawHandle());
      } else {
        return rewriter.notifyMatchFailure(op, "unsupported `value` attribute "
                                               "kind (sparse or opaque)");
      }
    } else if (auto f = op.getValueFloatAttr()) {
      attr = DenseElementsAttr::get(
          RankedTensorType::get({}, rewriter.getF32Type()),
          ArrayRef<float>{(float)f.getValueAsDouble()});
    } else if (auto i = op.getValueIntAttr()) {
      attr = DenseElementsAttr::get(
          RankedTensorType::get({}, rewriter.getI64Type()),
          ArrayRef<int64_t>{i.getInt()});
    } else if (auto fs = op.getValueFloatsAttr()) {
      SmallVector<float> vals;
      for (Attribute a : fs)
        vals.push_back((float)cast<FloatAttr>(a).getValueAsDouble());
      attr = DenseElementsAttr::get(
          RankedTensorType::get({(int64_t)vals.size()}, rewriter.getF32Type()),
          ArrayRef<float>(vals));
    } else if (auto is = op.getValueIntsAttr()) {
      SmallVector<int64_t> vals = toInts(is);
      attr = DenseElementsAttr::get(
          RankedTensorType::get({(int64_t)vals.size()}, rewriter.getI64Type()),
          ArrayRef<int64_t>(vals));
    } else {
      return rewriter.notifyMatchFailure(
          op, "only value, value_float(s) and value_int(s) constants are "
              "supported (sparse_value and strings are not)");
    }
    Value c = arith::ConstantOp::create(rewriter, loc, attr);
    if (c.getType() != resTy) {
      if (cast<ShapedType>(c.getType()).getElementType() !=
          resTy.getElementType())
        return rewriter.notifyMatchFailure(op, "value type mismatches result");
      c = tensor::CastOp::create(rewriter, loc, resTy, c);
    }
    rewriter.replaceOp(op, c);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Identity
//===----------------------------------------------------------------------===//

struct IdentityLowering : OpConversionPattern<OnnxIdentityOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxIdentityOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    if (!resTy || !isa<RankedTensorType>(adaptor.getInput().getType()))
      return rewriter.notifyMatchFailure(op, "only tensors are supported");
    rewriter.replaceOp(
        op, castTo(rewriter, op.getLoc(), adaptor.getInput(), resTy));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Reshape, Flatten, Squeeze, Unsqueeze
//===----------------------------------------------------------------------===//

struct ReshapeLowering : OpConversionPattern<OnnxReshapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxReshapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value data = adaptor.getData();
    auto dataTy = dyn_cast<RankedTensorType>(data.getType());
    auto shapeTy = dyn_cast<RankedTensorType>(adaptor.getShape().getType());
    if (!resTy || !dataTy || !shapeTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    Location loc = op.getLoc();
    bool allowZero = op.getAllowzero() != 0;
    int64_t rank = resTy.getRank();
    SmallVector<SymDim> srcDims = sourceDims(rewriter, loc, data);
    SymDim total = productOf(rewriter, loc, srcDims);

    SmallVector<SymDim> dst;
    if (auto shape = constInts(adaptor.getShape())) {
      if ((int64_t)shape->size() != rank)
        return rewriter.notifyMatchFailure(op, "shape length != result rank");
      int64_t inferred = -1;
      for (auto [i, s] : llvm::enumerate(*shape)) {
        if (s == 0 && !allowZero) {
          // 0 copies the input dim at the same position.
          if ((int64_t)i >= dataTy.getRank())
            return rewriter.notifyMatchFailure(op, "0 beyond the input rank");
          dst.push_back(srcDims[i]);
        } else if (s == -1) {
          if (inferred >= 0)
            return rewriter.notifyMatchFailure(op, "more than one -1 in shape");
          inferred = i;
          dst.push_back({});
        } else if (s < 0) {
          return rewriter.notifyMatchFailure(op, "negative dim in shape");
        } else {
          dst.push_back({rewriter.getIndexAttr(s), fpConst(s)});
        }
      }
      if (inferred >= 0) {
        SmallVector<SymDim> others;
        for (auto [i, d] : llvm::enumerate(dst))
          if ((int64_t)i != inferred)
            others.push_back(d);
        SymDim known = productOf(rewriter, loc, others);
        SymDim &inf = dst[inferred];
        if (!resTy.isDynamicDim(inferred))
          inf.size = rewriter.getIndexAttr(resTy.getDimSize(inferred));
        else
          inf.size = floorDivI(rewriter, loc, total.size, known.size);
        if (total.fp && known.fp && !known.fp->isZero() &&
            total.fp->urem(*known.fp).isZero())
          inf.fp = total.fp->udiv(*known.fp);
      }
    } else {
      // Run-time shape: decode 0 / -1 with index arithmetic.
      if (shapeTy.getRank() != 1 ||
          (!shapeTy.isDynamicDim(0) && shapeTy.getDimSize(0) != rank))
        return rewriter.notifyMatchFailure(
            op, "run-time shape must be 1-D with result-rank entries");
      Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
      Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
      Value minusOne = arith::ConstantIndexOp::create(rewriter, loc, -1);
      SmallVector<Value> vals;
      Value known = one;
      for (int64_t i = 0; i < rank; ++i) {
        Value s = extractIndex(rewriter, loc, adaptor.getShape(), i);
        if (!allowZero && i < dataTy.getRank()) {
          Value isZero = arith::CmpIOp::create(
              rewriter, loc, arith::CmpIPredicate::eq, s, zero);
          s = arith::SelectOp::create(rewriter, loc, isZero,
                                      val(rewriter, loc, srcDims[i].size), s);
        }
        vals.push_back(s);
        Value isInf = arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::eq, s, minusOne);
        known = arith::MulIOp::create(
            rewriter, loc, known,
            arith::SelectOp::create(rewriter, loc, isInf, one, s));
      }
      // A 0 among the other dims (allowzero, or an empty input) makes the
      // product 0; divide by at least 1 so the generated code never traps.
      Value divisor = arith::MaxUIOp::create(rewriter, loc, known, one);
      Value inferred = arith::DivUIOp::create(
          rewriter, loc, val(rewriter, loc, total.size), divisor);
      for (int64_t i = 0; i < rank; ++i) {
        if (!resTy.isDynamicDim(i)) {
          dst.push_back({rewriter.getIndexAttr(resTy.getDimSize(i)),
                         fpConst(resTy.getDimSize(i))});
          continue;
        }
        Value isInf = arith::CmpIOp::create(
            rewriter, loc, arith::CmpIPredicate::eq, vals[i], minusOne);
        dst.push_back(
            {arith::SelectOp::create(rewriter, loc, isInf, inferred, vals[i])
                 .getResult(),
             std::nullopt});
      }
    }
    // Static result dims are known better by shape inference.
    for (auto [i, d] : llvm::enumerate(dst))
      if (!resTy.isDynamicDim(i) && !getConstantIntValue(d.size))
        d.size = rewriter.getIndexAttr(resTy.getDimSize(i));
    // The element count must not change; where sizes are only known at run
    // time, the run checks it (a wrong shape read past the input before).
    SymDim product = productOf(rewriter, loc, dst);
    auto have = getConstantIntValue(total.size);
    auto want = getConstantIntValue(product.size);
    if (have && want && *have != *want)
      return rewriter.notifyMatchFailure(
          op, "the shape holds " + std::to_string(*want) +
                  " elements, the input " + std::to_string(*have));
    if (!have || !want)
      check(rewriter, loc, op,
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                  val(rewriter, loc, total.size),
                                  val(rewriter, loc, product.size)),
            checkMessage(rewriter, op,
                         "the requested shape holds another number of "
                         "elements than the input",
                         /*FAIL*/ 1));
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, data, dst, resTy));
    return success();
  }
};

struct FlattenLowering : OpConversionPattern<OnnxFlattenOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxFlattenOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value data = adaptor.getInput();
    auto dataTy = dyn_cast<RankedTensorType>(data.getType());
    if (!resTy || !dataTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    int64_t rank = dataTy.getRank();
    int64_t axis = normalizeAxis(op.getAxis(), rank);
    if (axis < 0 || axis > rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Location loc = op.getLoc();
    SmallVector<SymDim> src = sourceDims(rewriter, loc, data);
    SmallVector<SymDim> dst = {
        productOf(rewriter, loc, ArrayRef(src).take_front(axis)),
        productOf(rewriter, loc, ArrayRef(src).drop_front(axis))};
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, data, dst, resTy));
    return success();
  }
};

struct SqueezeLowering : OpConversionPattern<OnnxSqueezeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxSqueezeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value data = adaptor.getData();
    auto dataTy = dyn_cast<RankedTensorType>(data.getType());
    if (!resTy || !dataTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    int64_t rank = dataTy.getRank();
    SmallVector<bool> squeezed(rank, false);
    if (isNoValue(adaptor.getAxes())) {
      // Squeeze all unit dims: the static ones; a dim of run-time size is
      // kept, as shape inference typed the result, and must not be 1.
      for (int64_t d = 0; d < rank; ++d)
        squeezed[d] = dataTy.getDimSize(d) == 1;
      if (rank - llvm::count(squeezed, true) != resTy.getRank())
        return rewriter.notifyMatchFailure(
            op, "Squeeze without axes on dynamic dims that may be 1");
      checkKeptDimsNotOne(op, data, rewriter);
    } else {
      auto axes = constInts(adaptor.getAxes());
      if (!axes)
        return squeezeRuntimeAxes(op, adaptor, resTy, rewriter);
      for (int64_t a : *axes) {
        a = normalizeAxis(a, rank);
        if (a < 0 || a >= rank || dataTy.getDimSize(a) > 1 ||
            dataTy.getDimSize(a) == 0)
          return rewriter.notifyMatchFailure(op, "invalid squeeze axis");
        squeezed[a] = true;
      }
    }
    Location loc = op.getLoc();
    // Squeezed dims are 1 by definition: say so statically.
    SmallVector<int64_t> shape(dataTy.getShape());
    for (int64_t d = 0; d < rank; ++d)
      if (squeezed[d])
        shape[d] = 1;
    data = castTo(rewriter, loc, data, dataTy.clone(shape));
    SmallVector<SymDim> src = sourceDims(rewriter, loc, data), dst;
    for (int64_t d = 0; d < rank; ++d)
      if (!squeezed[d])
        dst.push_back(src[d]);
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, data, dst, resTy));
    return success();
  }

  /// A Squeeze without axes keeps its dims of run-time size (the rank is
  /// fixed at compile time): the run fails with the reason if one is 1,
  /// which ONNX would have squeezed.
  static void checkKeptDimsNotOne(OnnxSqueezeOp op, Value data,
                                  ConversionPatternRewriter &rewriter) {
    auto dataTy = cast<RankedTensorType>(data.getType());
    if (dataTy.hasStaticShape())
      return;
    Location loc = op.getLoc();
    Value message = checkMessage(
        rewriter, op,
        "Squeeze without axes on a dim of size 1 that was unknown when the "
        "model was compiled: Kiln fixes ranks at compile time and kept the "
        "dim; compile with the input shapes given (--shape) to squeeze it",
        /*FAIL*/ 1);
    for (int64_t d = 0; d < dataTy.getRank(); ++d)
      if (dataTy.isDynamicDim(d))
        check(
            rewriter, loc, op,
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ne,
                                  tensor::DimOp::create(rewriter, loc, data, d),
                                  cIdx(rewriter, loc, 1)),
            message);
  }

  /// Axes known only at run time: the result rank is static, so the result
  /// sizes are the input sizes minus the flagged dims, built at run time.
  /// The squeezed dims are not checked to be 1 (ONNX requires it).
  LogicalResult squeezeRuntimeAxes(OnnxSqueezeOp op, OpAdaptor adaptor,
                                   RankedTensorType resTy,
                                   ConversionPatternRewriter &rewriter) const {
    Value data = adaptor.getData();
    int64_t rank = cast<RankedTensorType>(data.getType()).getRank();
    auto axesTy = dyn_cast<RankedTensorType>(adaptor.getAxes().getType());
    if (!axesTy || axesTy.getRank() > 1)
      return rewriter.notifyMatchFailure(op, "axes must be a 1-D tensor");
    if (resTy.getRank() > rank ||
        (axesTy.getRank() == 1 && !axesTy.isDynamicDim(0) &&
         axesTy.getDimSize(0) != rank - resTy.getRank()))
      return rewriter.notifyMatchFailure(
          op, "result rank != input rank - number of axes");
    Location loc = op.getLoc();
    Value noFlag =
        arith::ConstantOp::create(rewriter, loc, rewriter.getBoolAttr(false));
    SmallVector<Value> flags =
        runtimeAxisFlags(rewriter, loc, adaptor.getAxes(), rank, noFlag);
    SmallVector<Value> sizes;
    for (OpFoldResult s : sizesOf(rewriter, loc, data))
      sizes.push_back(val(rewriter, loc, s));
    SmallVector<Value> out =
        dropFlaggedSizes(rewriter, loc, sizes, flags, resTy.getRank());
    rewriter.replaceOp(op,
                       reshapeToRuntimeSizes(rewriter, loc, data, out, resTy));
    return success();
  }
};

struct UnsqueezeLowering : OpConversionPattern<OnnxUnsqueezeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxUnsqueezeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value data = adaptor.getData();
    auto dataTy = dyn_cast<RankedTensorType>(data.getType());
    if (!resTy || !dataTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    auto axes = constInts(adaptor.getAxes());
    if (!axes)
      return unsqueezeRuntimeAxes(op, adaptor, resTy, rewriter);
    int64_t outRank = dataTy.getRank() + axes->size();
    SmallVector<bool> inserted(outRank, false);
    for (int64_t a : *axes) {
      a = normalizeAxis(a, outRank);
      if (a < 0 || a >= outRank || inserted[a])
        return rewriter.notifyMatchFailure(op, "invalid or repeated axis");
      inserted[a] = true;
    }
    Location loc = op.getLoc();
    SmallVector<SymDim> src = sourceDims(rewriter, loc, data), dst;
    unsigned next = 0;
    for (int64_t d = 0; d < outRank; ++d)
      dst.push_back(inserted[d] ? SymDim{rewriter.getIndexAttr(1), fpConst(1)}
                                : src[next++]);
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, data, dst, resTy));
    return success();
  }

  /// Axes known only at run time: the result rank (input rank + number of
  /// axes) is static; 1s go where the axes say, the input sizes elsewhere.
  LogicalResult
  unsqueezeRuntimeAxes(OnnxUnsqueezeOp op, OpAdaptor adaptor,
                       RankedTensorType resTy,
                       ConversionPatternRewriter &rewriter) const {
    Value data = adaptor.getData();
    int64_t rank = cast<RankedTensorType>(data.getType()).getRank();
    auto axesTy = dyn_cast<RankedTensorType>(adaptor.getAxes().getType());
    if (!axesTy || axesTy.getRank() > 1)
      return rewriter.notifyMatchFailure(op, "axes must be a 1-D tensor");
    int64_t outRank = resTy.getRank();
    if (outRank < rank || (axesTy.getRank() == 1 && !axesTy.isDynamicDim(0) &&
                           axesTy.getDimSize(0) != outRank - rank))
      return rewriter.notifyMatchFailure(
          op, "result rank != input rank + number of axes");
    Location loc = op.getLoc();
    Value noFlag =
        arith::ConstantOp::create(rewriter, loc, rewriter.getBoolAttr(false));
    SmallVector<Value> flags =
        runtimeAxisFlags(rewriter, loc, adaptor.getAxes(), outRank, noFlag);
    SmallVector<Value> sizes;
    for (OpFoldResult s : sizesOf(rewriter, loc, data))
      sizes.push_back(val(rewriter, loc, s));
    SmallVector<Value> out = insertUnitSizes(rewriter, loc, sizes, flags);
    rewriter.replaceOp(op,
                       reshapeToRuntimeSizes(rewriter, loc, data, out, resTy));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Shape, Size
//===----------------------------------------------------------------------===//

/// A 1-D (or 0-D when `rank0`) i64 tensor of `vals`: a constant when all are
/// known, tensor.from_elements otherwise.
Value buildI64Tensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> vals,
                     bool rank0) {
  SmallVector<int64_t> shape;
  if (!rank0)
    shape.push_back(vals.size());
  auto ty = RankedTensorType::get(shape, b.getI64Type());
  SmallVector<int64_t> consts;
  for (OpFoldResult v : vals)
    if (auto c = getConstantIntValue(v))
      consts.push_back(*c);
  if (consts.size() == vals.size())
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(ty, ArrayRef<int64_t>(consts)));
  SmallVector<Value> elems;
  for (OpFoldResult v : vals)
    elems.push_back(
        arith::IndexCastOp::create(b, loc, b.getI64Type(), val(b, loc, v)));
  return tensor::FromElementsOp::create(b, loc, ty, elems);
}

struct ShapeLowering : OpConversionPattern<OnnxShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    auto dataTy = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    if (!resTy || !dataTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    int64_t rank = dataTy.getRank();
    // Negative start/end count from the back; both clamp to [0, rank].
    auto clampAxis = [&](int64_t a) {
      if (a < 0)
        a += rank;
      return std::clamp<int64_t>(a, 0, rank);
    };
    int64_t start = clampAxis(op.getStart());
    int64_t end = clampAxis(op.getEnd().value_or(rank));
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> dims;
    for (int64_t d = start; d < end; ++d)
      dims.push_back(dimOf(rewriter, loc, adaptor.getData(), d));
    Value r = buildI64Tensor(rewriter, loc, dims, /*rank0=*/false);
    rewriter.replaceOp(op, castTo(rewriter, loc, r, resTy));
    return success();
  }
};

struct SizeLowering : OpConversionPattern<OnnxSizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxSizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    if (!resTy || !isa<RankedTensorType>(adaptor.getData().getType()))
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    Location loc = op.getLoc();
    SymDim n =
        productOf(rewriter, loc, sourceDims(rewriter, loc, adaptor.getData()));
    Value r = buildI64Tensor(rewriter, loc, {n.size}, /*rank0=*/true);
    rewriter.replaceOp(op, castTo(rewriter, loc, r, resTy));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Expand, ConstantOfShape
//===----------------------------------------------------------------------===//

/// The `rank` trailing-aligned entries of the 1-D shape tensor `t` whose
/// length is only known at run time (it is at most `rank`, as ONNX's Expand
/// result rank is max(rank(input), len(shape))): entry i reads
/// t[len - rank + i], or is 1 where that position precedes the shape. The
/// read index is clamped so it stays in bounds when it is not used.
SmallVector<OpFoldResult> alignedRuntimeShape(OpBuilder &b, Location loc,
                                              Value t, int64_t rank) {
  Value len = tensor::DimOp::create(b, loc, t, 0);
  Value zero = cIdx(b, loc, 0), one = cIdx(b, loc, 1);
  Value offset = arith::SubIOp::create(b, loc, len, cIdx(b, loc, rank));
  SmallVector<OpFoldResult> out;
  for (int64_t i = 0; i < rank; ++i) {
    Value k = arith::AddIOp::create(b, loc, offset, cIdx(b, loc, i));
    Value inside =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, k, zero);
    Value safe = arith::MaxSIOp::create(b, loc, k, zero);
    Value v = toIndex(b, loc, tensor::ExtractOp::create(b, loc, t, safe));
    out.push_back(arith::SelectOp::create(b, loc, inside, v, one).getResult());
  }
  return out;
}

struct ExpandLowering : OpConversionPattern<OnnxExpandOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxExpandOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    auto inTy = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!resTy || !inTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    Location loc = op.getLoc();
    auto shapeTy = dyn_cast<RankedTensorType>(adaptor.getShape().getType());
    if (!shapeTy || shapeTy.getRank() != 1)
      return rewriter.notifyMatchFailure(op, "shape must be a 1-D tensor");
    auto shape = intsOrRuntime(rewriter, loc, adaptor.getShape());
    // A shape whose length is only known at run time is read aligned to the
    // (known) result rank.
    if (!shape && shapeTy.isDynamicDim(0))
      shape = alignedRuntimeShape(rewriter, loc, adaptor.getShape(),
                                  resTy.getRank());
    if (!shape)
      return rewriter.notifyMatchFailure(op, "shape must have a static length");
    if ((int64_t)shape->size() > resTy.getRank())
      return rewriter.notifyMatchFailure(op, "shape longer than result rank");
    // A tensor of the requested shape takes part in the broadcast (its
    // values are never read), so buildElementwise's bidirectional broadcast
    // rules, including dims that broadcast only at run time, apply.
    Value carrier =
        tensor::EmptyOp::create(rewriter, loc, *shape, rewriter.getI1Type());
    Value r = buildElementwise(
        rewriter, loc, resTy, {adaptor.getInput(), carrier},
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// The scalar held by a one-element elements attribute, as an arith constant
/// of the signless element type.
FailureOr<Value> scalarFromAttr(OpBuilder &b, Location loc, ElementsAttr a) {
  auto dense = dyn_cast<DenseElementsAttr>(a);
  if (!dense || dense.getNumElements() != 1)
    return failure();
  Type elt = signlessType(dense.getElementType());
  if (auto f = dyn_cast<FloatType>(elt))
    return arith::ConstantOp::create(
               b, loc, FloatAttr::get(f, *dense.value_begin<APFloat>()))
        .getResult();
  if (isa<IntegerType>(elt))
    return arith::ConstantOp::create(
               b, loc, IntegerAttr::get(elt, *dense.value_begin<APInt>()))
        .getResult();
  return failure();
}

struct ConstantOfShapeLowering : OpConversionPattern<OnnxConstantOfShapeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxConstantOfShapeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    if (!resTy)
      return rewriter.notifyMatchFailure(op, "ranked tensors expected");
    Location loc = op.getLoc();
    checkLength(rewriter, op, adaptor.getInput(), resTy.getRank(), "shape");
    auto shape =
        intsOrRuntime(rewriter, loc, adaptor.getInput(), resTy.getRank());
    if (!shape || (int64_t)shape->size() != resTy.getRank())
      return rewriter.notifyMatchFailure(op, "shape must have a static length");
    for (auto [i, s] : llvm::enumerate(*shape))
      if (!resTy.isDynamicDim(i))
        s = rewriter.getIndexAttr(resTy.getDimSize(i));
    Value scalar;
    if (auto v = op.getValueAttr()) {
      auto s = scalarFromAttr(rewriter, loc, v);
      if (failed(s))
        return rewriter.notifyMatchFailure(op, "value must be one element");
      scalar = *s;
    } else {
      scalar = scalarConstant(rewriter, loc, resTy.getElementType(), 0.0);
    }
    if (scalar.getType() != resTy.getElementType())
      return rewriter.notifyMatchFailure(op, "value type mismatches result");
    auto ty = typeWithSizes(*shape, resTy.getElementType());
    Value r = createFilled(rewriter, loc, ty, *shape, scalar);
    rewriter.replaceOp(op, castTo(rewriter, loc, r, resTy));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Range, EyeLike
//===----------------------------------------------------------------------===//

struct RangeLowering : OpConversionPattern<OnnxRangeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxRangeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    if (!resTy || resTy.getRank() != 1)
      return rewriter.notifyMatchFailure(op, "1-D result expected");
    Location loc = op.getLoc();
    Type elt = resTy.getElementType();
    bool isFloat = isa<FloatType>(elt);
    Value start = extractScalar(rewriter, loc, adaptor.getStart());
    Value limit = extractScalar(rewriter, loc, adaptor.getLimit());
    Value delta = extractScalar(rewriter, loc, adaptor.getDelta());

    // n = max(ceil((limit - start) / delta), 0).
    OpFoldResult n;
    if (!resTy.isDynamicDim(0)) {
      n = rewriter.getIndexAttr(resTy.getDimSize(0));
    } else if (isFloat) {
      Value q = arith::DivFOp::create(
          rewriter, loc, arith::SubFOp::create(rewriter, loc, limit, start),
          delta);
      Value c = math::CeilOp::create(rewriter, loc, q);
      // A zero step, or more elements than an index holds (2^62 and up;
      // NaN fails too), fails the run: the conversion would be poison.
      Value fits = arith::CmpFOp::create(
          rewriter, loc, arith::CmpFPredicate::OLT,
          castFloat(rewriter, loc, c, rewriter.getF64Type()),
          arith::ConstantFloatOp::create(rewriter, loc, rewriter.getF64Type(),
                                         APFloat(0x1p62)));
      Value nonZero = arith::CmpFOp::create(
          rewriter, loc, arith::CmpFPredicate::ONE, delta,
          scalarConstant(rewriter, loc, elt, 0));
      // ONNX Runtime reports both as INVALID_ARGUMENT for floats.
      check(rewriter, loc, op, nonZero,
            checkMessage(rewriter, op,
                         "delta in Range operator can not be zero!",
                         /*INVALID_ARGUMENT*/ 2));
      check(rewriter, loc, op, fits,
            checkMessage(rewriter, op,
                         "the range is too large (2^62 elements or more)",
                         /*INVALID_ARGUMENT*/ 2));
      c = arith::SelectOp::create(
          rewriter, loc, fits, c, scalarConstant(rewriter, loc, elt, 0));
      Value i =
          arith::FPToSIOp::create(rewriter, loc, rewriter.getI64Type(), c);
      n = maxI(rewriter, loc, toIndex(rewriter, loc, i), idx(rewriter, 0));
    } else {
      // n = ceil(|limit - start| / |delta|) in unsigned arithmetic when
      // the step goes towards the limit, which stays exact across the whole
      // range of the type (INT64_MIN to INT64_MAX); the elements then wrap
      // exactly as start + i * delta. A zero step, or more elements than
      // an index holds, fails the run.
      Value zero = scalarConstant(rewriter, loc, elt, 0);
      auto cmp = [&](arith::CmpIPredicate p, Value a, Value b) {
        return arith::CmpIOp::create(rewriter, loc, p, a, b).getResult();
      };
      auto sel = [&](Value c, Value a, Value b) {
        return arith::SelectOp::create(rewriter, loc, c, a, b).getResult();
      };
      Value up = arith::AndIOp::create(
          rewriter, loc, cmp(arith::CmpIPredicate::sgt, limit, start),
          cmp(arith::CmpIPredicate::sgt, delta, zero));
      Value down = arith::AndIOp::create(
          rewriter, loc, cmp(arith::CmpIPredicate::slt, limit, start),
          cmp(arith::CmpIPredicate::slt, delta, zero));
      Value span = sel(up, arith::SubIOp::create(rewriter, loc, limit, start),
                       arith::SubIOp::create(rewriter, loc, start, limit));
      Value step =
          sel(up, delta, arith::SubIOp::create(rewriter, loc, zero, delta));
      Value one = scalarConstant(rewriter, loc, elt, 1);
      Value moves = arith::OrIOp::create(rewriter, loc, up, down);
      step = sel(moves, step, one);
      Value count = arith::AddIOp::create(
          rewriter, loc, arith::DivUIOp::create(rewriter, loc, span, step),
          arith::ExtUIOp::create(
              rewriter, loc, elt,
              cmp(arith::CmpIPredicate::ne,
                  arith::RemUIOp::create(rewriter, loc, span, step), zero)));
      count = sel(moves, count, zero);
      Value wide = elt.getIntOrFloatBitWidth() < 64
                       ? Value(arith::ExtUIOp::create(
                             rewriter, loc, rewriter.getI64Type(), count))
                       : count;
      Value fits = arith::CmpIOp::create(
          rewriter, loc, arith::CmpIPredicate::ult, wide,
          arith::ConstantIntOp::create(rewriter, loc, rewriter.getI64Type(),
                                       int64_t(1) << 62));
      // ONNX Runtime: a zero delta is INVALID_ARGUMENT, a count it cannot
      // allocate FAIL.
      check(rewriter, loc, op, cmp(arith::CmpIPredicate::ne, delta, zero),
            checkMessage(rewriter, op,
                         "delta in Range operator can not be zero!",
                         /*INVALID_ARGUMENT*/ 2));
      check(rewriter, loc, op, fits,
            checkMessage(rewriter, op,
                         "the range is too large (2^62 elements or more)",
                         /*FAIL*/ 1));
      n = toIndex(rewriter, loc,
                  sel(fits, wide,
                      arith::ConstantIntOp::create(
                          rewriter, loc, rewriter.getI64Type(), 0)));
    }
    auto ty = typeWithSizes({n}, elt);
    Value init = createEmpty(rewriter, loc, ty, {n});
    MLIRContext *ctx = rewriter.getContext();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{ty}, ValueRange{}, ValueRange{init},
        ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(1, ctx)},
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
        [&](OpBuilder &b, Location l, ValueRange) {
          Value i = linalg::IndexOp::create(b, l, 0);
          Value r;
          if (isFloat) {
            Value fi = arith::SIToFPOp::create(
                b, l, elt, arith::IndexCastOp::create(b, l, b.getI64Type(), i));
            r = arith::AddFOp::create(b, l, start,
                                      arith::MulFOp::create(b, l, fi, delta));
          } else {
            Value ii = arith::IndexCastOp::create(b, l, elt, i);
            r = arith::AddIOp::create(b, l, start,
                                      arith::MulIOp::create(b, l, ii, delta));
          }
          linalg::YieldOp::create(b, l, r);
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, generic.getResult(0), resTy));
    return success();
  }
};

struct EyeLikeLowering : OpConversionPattern<OnnxEyeLikeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxEyeLikeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    auto inTy = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!resTy || !inTy || inTy.getRank() != 2 || resTy.getRank() != 2)
      return rewriter.notifyMatchFailure(op, "2-D tensors expected");
    Location loc = op.getLoc();
    int64_t k = op.getK();
    Type elt = resTy.getElementType();
    SmallVector<OpFoldResult> sizes = {
        dimOf(rewriter, loc, adaptor.getInput(), 0),
        dimOf(rewriter, loc, adaptor.getInput(), 1)};
    Value init = createEmpty(rewriter, loc, resTy, sizes);
    MLIRContext *ctx = rewriter.getContext();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resTy}, ValueRange{}, ValueRange{init},
        ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(2, ctx)},
        SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange) {
          Value i = linalg::IndexOp::create(b, l, 0);
          Value j = linalg::IndexOp::create(b, l, 1);
          Value diff = arith::SubIOp::create(b, l, j, i);
          Value onDiag =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, diff,
                                    arith::ConstantIndexOp::create(b, l, k));
          Value r = arith::SelectOp::create(b, l, onDiag,
                                            scalarConstant(b, l, elt, 1.0),
                                            scalarConstant(b, l, elt, 0.0));
          linalg::YieldOp::create(b, l, r);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void kiln::populateShapeOpPatterns(TypeConverter &tc,
                                   RewritePatternSet &patterns) {
  patterns.add<ConstantLowering, IdentityLowering, ReshapeLowering,
               FlattenLowering, SqueezeLowering, UnsqueezeLowering,
               ShapeLowering, SizeLowering, ExpandLowering,
               ConstantOfShapeLowering, RangeLowering, EyeLikeLowering>(
      tc, patterns.getContext());
}
