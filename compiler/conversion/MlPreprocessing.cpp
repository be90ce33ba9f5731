//===- MlPreprocessing.cpp - onnx to linalg: ai.onnx.ml feature ops -------===//
//
// The feature transforms of the ai.onnx.ml domain: Scaler, Binarizer,
// Imputer, Normalizer, OneHotEncoder, LabelEncoder, CategoryMapper,
// ArrayFeatureExtractor and FeatureVectorizer. Each is one or two
// linalg.generic ops whose per-column parameters (scales, imputed values,
// categories, keys) are constant vectors read with tensor.extract; where
// ONNX leaves a choice, ONNX Runtime's kernels decide
// (onnxruntime/core/providers/cpu/ml).
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/MlCommon.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/StringSupport.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::ml;
using namespace kiln::onnx_ir;

namespace {

Type elemOf(Value v) { return cast<ShapedType>(v.getType()).getElementType(); }

bool isNumeric(Type t) { return isa<FloatType, IntegerType>(t); }

/// The scalar `values[col]` of a per-column parameter, or its one value
/// when it has a single one (broadcast over the columns).
Value perColumn(OpBuilder &b, Location loc, Type elem, ArrayRef<double> values,
                Value col, StringRef name) {
  if (values.size() == 1)
    return scalarConstant(b, loc, elem, values[0]);
  Value vec = constantVector(b, loc, elem, values, name);
  return tensor::ExtractOp::create(b, loc, vec, col);
}

/// `x` (of ONNX element type `from`) as a float of type `to`.
Value toFloat(OpBuilder &b, Location loc, Value x, Type from, Type to) {
  return castScalar(b, loc, x, from, to);
}

/// A generic over the shape of `x` producing `resTy` elementwise from the
/// element and its indices.
Value mapElements(OpBuilder &b, Location loc, RankedTensorType resTy, Value x,
                  IndexedBodyFn body) {
  auto xt = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> sizes = refineSizes(b, resTy, sizesOf(b, loc, x));
  return generateTensor(
      b, loc, resTy, sizes, x,
      AffineMap::getMultiDimIdentityMap(xt.getRank(), b.getContext()), body);
}

template <typename Op>
LogicalResult checkRanked(Op op, ConversionPatternRewriter &rewriter,
                          RankedTensorType resTy, Value x) {
  if (!resTy || !isa<RankedTensorType>(x.getType()))
    return rewriter.notifyMatchFailure(op, "expected ranked tensors");
  if (cast<RankedTensorType>(x.getType()).getRank() == 0)
    return rewriter.notifyMatchFailure(op, "expected an input of rank >= 1");
  return success();
}

/// Scaler: Y = (X - offset) * scale per column (the last dim), as floats.
struct ScalerLowering : OpConversionPattern<OnnxMlScalerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMlScalerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value x = adaptor.getX();
    if (failed(checkRanked(op, rewriter, resTy, x)))
      return failure();
    SmallVector<double> scale = floatsOf(op.getScaleAttr());
    SmallVector<double> offset = floatsOf(op.getOffsetAttr());
    if (scale.empty())
      scale.push_back(1.0);
    if (offset.empty())
      offset.push_back(0.0);
    auto xt = cast<RankedTensorType>(x.getType());
    int64_t c = xt.getDimSize(xt.getRank() - 1);
    for (size_t n : {scale.size(), offset.size()})
      if (n != 1 && !ShapedType::isDynamic(c) && (int64_t)n != c)
        return rewriter.notifyMatchFailure(
            op, "scale and offset need one value or one per column");
    Type from = elemOf(op.getX()), f = resTy.getElementType();
    Value y = mapElements(
        rewriter, op.getLoc(), resTy, x,
        [&](OpBuilder &b, Location loc, ValueRange ivs, ValueRange args) {
          Value col = ivs.back();
          Value v = toFloat(b, loc, args[0], from, f);
          Value off = perColumn(b, loc, f, offset, col, "scaler_offset");
          Value sc = perColumn(b, loc, f, scale, col, "scaler_scale");
          return arith::MulFOp::create(
              b, loc, arith::SubFOp::create(b, loc, v, off), sc);
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// Binarizer: 1 where X > threshold, else 0, in X's type.
struct BinarizerLowering : OpConversionPattern<OnnxMlBinarizerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMlBinarizerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value x = adaptor.getX();
    if (failed(checkRanked(op, rewriter, resTy, x)))
      return failure();
    Type t = resTy.getElementType();
    if (!isNumeric(t))
      return rewriter.notifyMatchFailure(op, "expected numbers");
    double threshold = op.getThreshold().convertToDouble();
    bool isUnsigned = elemOf(op.getX()).isUnsignedInteger();
    Value y = mapElements(
        rewriter, op.getLoc(), resTy, x,
        [&](OpBuilder &b, Location loc, ValueRange, ValueRange args) {
          Value v = args[0], above;
          if (isa<FloatType>(t)) {
            above = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT,
                                          v, scalarConstant(b, loc, t, threshold));
          } else {
            // An integer exceeds the threshold when it exceeds its floor.
            Value thr = scalarConstant(b, loc, t, std::floor(threshold));
            above = arith::CmpIOp::create(
                b, loc,
                isUnsigned ? arith::CmpIPredicate::ugt
                           : arith::CmpIPredicate::sgt,
                v, thr);
          }
          return arith::SelectOp::create(b, loc, above,
                                         scalarConstant(b, loc, t, 1.0),
                                         scalarConstant(b, loc, t, 0.0));
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// Imputer: elements equal to the replaced value (NaN matches NaN) become
/// the column's imputed value.
struct ImputerLowering : OpConversionPattern<OnnxMlImputerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMlImputerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value x = adaptor.getX();
    if (failed(checkRanked(op, rewriter, resTy, x)))
      return failure();
    Type t = resTy.getElementType();
    bool isFloat = isa<FloatType>(t);
    if (!isFloat && !t.isInteger(64))
      return rewriter.notifyMatchFailure(op, "expected float or int64 input");
    SmallVector<double> imputed;
    double replaced;
    if (isFloat) {
      imputed = floatsOf(op.getImputedValueFloatsAttr());
      replaced = op.getReplacedValueFloat().convertToDouble();
    } else {
      for (int64_t v : intsOf(op.getImputedValueInt64sAttr()))
        imputed.push_back(v);
      replaced = op.getReplacedValueInt64();
    }
    if (imputed.empty())
      return rewriter.notifyMatchFailure(
          op, isFloat ? "imputed_value_floats is empty"
                      : "imputed_value_int64s is empty");
    Value y = mapElements(
        rewriter, op.getLoc(), resTy, x,
        [&](OpBuilder &b, Location loc, ValueRange ivs, ValueRange args) {
          Value v = args[0], match;
          if (!isFloat)
            match = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, v,
                                          scalarConstant(b, loc, t, replaced));
          else if (std::isnan(replaced))
            match = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO,
                                          v, v);
          else
            match = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                          v, scalarConstant(b, loc, t, replaced));
          Value with = perColumn(b, loc, t, imputed, ivs.back(), "imputed");
          return arith::SelectOp::create(b, loc, match, with, v);
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// Normalizer: each row divided by its max, L1 or L2 norm (a zero norm
/// leaves the row as it is), as floats.
struct NormalizerLowering : OpConversionPattern<OnnxMlNormalizerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMlNormalizerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resTy = resultTypeOf(*this, op);
    Value x = adaptor.getX();
    if (failed(checkRanked(op, rewriter, resTy, x)))
      return failure();
    StringRef norm = op.getNorm();
    if (norm != "MAX" && norm != "L1" && norm != "L2")
      return rewriter.notifyMatchFailure(op, "norm must be MAX, L1 or L2");
    Value rows = asRows(rewriter, loc, x);
    if (!rows)
      return rewriter.notifyMatchFailure(op, "expected a 1-D or 2-D input");
    Type from = elemOf(op.getX()), f = resTy.getElementType();
    if (!isNumeric(from))
      return rewriter.notifyMatchFailure(op, "expected numbers");
    auto rowsTy = cast<RankedTensorType>(rows.getType());
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, rows);
    // The per-row norm: a reduction over the columns.
    auto normTy = RankedTensorType::get({rowsTy.getDimSize(0)}, f);
    double init = norm == "MAX" ? -INFINITY : 0.0;
    Value acc = createFilled(rewriter, loc, normTy, {sizes[0]},
                             scalarConstant(rewriter, loc, f, init));
    MLIRContext *ctx = rewriter.getContext();
    AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
    AffineMap row = AffineMap::get(2, 0, getAffineDimExpr(0, ctx));
    Value norms =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{normTy}, rows, acc,
            ArrayRef<AffineMap>{id, row},
            {utils::IteratorType::parallel, utils::IteratorType::reduction},
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value v = toFloat(b, l, args[0], from, f), r;
              if (norm == "MAX")
                r = arith::MaxNumFOp::create(b, l, args[1], v);
              else if (norm == "L1")
                r = arith::AddFOp::create(b, l, args[1],
                                          math::AbsFOp::create(b, l, v));
              else
                r = arith::AddFOp::create(b, l, args[1],
                                          arith::MulFOp::create(b, l, v, v));
              linalg::YieldOp::create(b, l, r);
            })
            .getResult(0);
    auto outRowsTy = RankedTensorType::get(rowsTy.getShape(), f);
    Value y = generateTensor(
        rewriter, loc, outRowsTy, refineSizes(rewriter, outRowsTy, sizes),
        {rows, norms}, {id, row},
        [&](OpBuilder &b, Location l, ValueRange, ValueRange args) {
          Value v = toFloat(b, l, args[0], from, f), n = args[1];
          if (norm == "L2")
            n = math::SqrtOp::create(b, l, n);
          Value zero = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                             n, scalarConstant(b, l, f, 0.0));
          return arith::SelectOp::create(
              b, l, zero, v, arith::DivFOp::create(b, l, v, n));
        });
    if (resTy.getRank() != 2)
      y = tensor::CollapseShapeOp::create(
          rewriter, loc, y, ArrayRef<ReassociationIndices>{{0, 1}});
    rewriter.replaceOp(op, castTo(rewriter, loc, y, resTy));
    return success();
  }
};

/// OneHotEncoder: Y[..., k] = 1 where X[...] is category k (numbers are
/// compared as int64, as ONNX Runtime does; strings through
/// kiln_str_index), as floats. An unknown category gives a row of zeros.
struct OneHotEncoderLowering : OpConversionPattern<OnnxMlOneHotEncoderOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMlOneHotEncoderOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resTy = resultTypeOf(*this, op);
    Value x = adaptor.getX();
    if (failed(checkRanked(op, rewriter, resTy, x)))
      return failure();
    Type from = elemOf(op.getX());
    bool strings = isa<StringType>(from);
    if (!strings && !isNumeric(from))
      return rewriter.notifyMatchFailure(op, "expected numbers or strings");
    SmallVector<int64_t> cats = intsOf(op.getCatsInt64sAttr());
    SmallVector<std::string> names = stringsOf(op.getCatsStringsAttr());
    int64_t k = strings ? names.size() : cats.size();
    if (k == 0)
      return rewriter.notifyMatchFailure(
          op, strings ? "cats_strings is empty" : "cats_int64s is empty");
    auto xt = cast<RankedTensorType>(x.getType());
    if (resTy.getRank() != xt.getRank() + 1)
      return rewriter.notifyMatchFailure(op, "unexpected result rank");
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, x);
    sizes.push_back(rewriter.getIndexAttr(k));
    Type f = resTy.getElementType(), i64 = rewriter.getI64Type();
    Value catVec, names0;
    if (strings) {
      std::vector<char> bytes;
      for (const std::string &n : names) {
        bytes.insert(bytes.end(), n.begin(), n.end());
        bytes.push_back(0);
      }
      names0 = constantBytesAddress(rewriter, loc, bytes);
      declareSupport(rewriter, op, "kiln_str_index", {i64, i64, i64}, i64);
    } else {
      catVec = constantVector(rewriter, loc, i64,
                              SmallVector<double>(cats.begin(), cats.end()),
                              "cats");
    }
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> dims;
    for (int64_t d = 0; d < xt.getRank(); ++d)
      dims.push_back(getAffineDimExpr(d, ctx));
    AffineMap xMap = AffineMap::get(xt.getRank() + 1, 0, dims, ctx);
    Value y = generateTensor(
        rewriter, loc, resTy, refineSizes(rewriter, resTy, sizes), x, xMap,
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange args) {
          Value is;
          if (strings) {
            // The string's category position against this column's.
            Value at = callSupport(b, l, "kiln_str_index", i64,
                                   {args[0], names0,
                                    scalarConstant(b, l, i64, k)});
            is = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::eq, at,
                arith::IndexCastOp::create(b, l, i64, ivs.back()));
          } else {
            Value v = castScalar(b, l, args[0], from, i64);
            Value cat = tensor::ExtractOp::create(b, l, catVec, ivs.back());
            is = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, v, cat);
          }
          return arith::SelectOp::create(b, l, is, scalarConstant(b, l, f, 1),
                                         scalarConstant(b, l, f, 0));
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// One side of a lookup table (LabelEncoder, CategoryMapper): numbers or
/// strings.
struct Column {
  bool strings = false;
  SmallVector<double> numbers;
  SmallVector<std::string> text;
  size_t size() const { return strings ? text.size() : numbers.size(); }
};

/// The numbers or strings of a list attribute or of a tensor attribute
/// (LabelEncoder-4's *_tensor forms win when present).
Column columnOf(Attribute list, Attribute tensor) {
  Column c;
  if (auto t = dyn_cast_or_null<DenseStringElementsAttr>(tensor)) {
    c.strings = true;
    for (StringRef v : t.getRawStringData())
      c.text.push_back(v.str());
    return c;
  }
  if (auto t = dyn_cast_or_null<DenseElementsAttr>(tensor)) {
    if (isa<FloatType>(t.getElementType()))
      c.numbers = floatsOf({}, t);
    else
      for (const APInt &i : t.getValues<APInt>())
        c.numbers.push_back((double)i.getSExtValue());
    return c;
  }
  auto a = dyn_cast_or_null<ArrayAttr>(list);
  if (!a)
    return c;
  for (Attribute e : a) {
    if (auto str = dyn_cast<StringAttr>(e)) {
      c.strings = true;
      c.text.push_back(str.str());
    } else if (auto f = dyn_cast<FloatAttr>(e)) {
      c.numbers.push_back(f.getValueAsDouble());
    } else {
      c.numbers.push_back((double)cast<IntegerAttr>(e).getInt());
    }
  }
  return c;
}

/// Y = values[position of X among keys], or the default: the keys are
/// searched linearly (numbers; NaN finds a NaN key) or by kiln_str_index
/// (strings); a string result is the address of a constant string.
Value lookUp(ConversionPatternRewriter &rewriter, Operation *op,
             RankedTensorType resTy, Value x, Type in, const Column &keys,
             const Column &values, const Column &dflt) {
  Location loc = op->getLoc();
  Type i64 = rewriter.getI64Type();
  int64_t n = keys.size();
  // Strings as one NUL-separated blob, with each one's offset.
  auto blob = [](ArrayRef<std::string> strs, SmallVector<double> &offsets) {
    std::vector<char> bytes;
    for (const std::string &str : strs) {
      offsets.push_back(bytes.size());
      bytes.insert(bytes.end(), str.begin(), str.end());
      bytes.push_back(0);
    }
    return bytes;
  };
  Value keyVec, keyAddr, valVec, valAddr;
  if (keys.strings) {
    SmallVector<double> unused;
    std::vector<char> bytes = blob(keys.text, unused);
    bytes.push_back(0);
    keyAddr = constantBytesAddress(rewriter, loc, bytes);
    declareSupport(rewriter, op, "kiln_str_index", {i64, i64, i64}, i64);
  } else {
    keyVec = constantVector(rewriter, loc, signlessType(in), keys.numbers,
                            "lookup_keys");
  }
  Type out = resTy.getElementType();
  if (values.strings) {
    // The default is the last string.
    SmallVector<std::string> all(values.text);
    all.push_back(dflt.text.empty() ? "" : dflt.text[0]);
    SmallVector<double> offsets;
    valAddr = constantBytesAddress(rewriter, loc, blob(all, offsets));
    valVec = constantVector(rewriter, loc, i64, offsets, "lookup_offsets");
  } else {
    SmallVector<double> all(values.numbers);
    all.push_back(dflt.numbers.empty() ? 0.0 : dflt.numbers[0]);
    valVec = constantVector(rewriter, loc, out, all, "lookup_values");
  }
  return mapElements(
      rewriter, loc, resTy, x,
      [&](OpBuilder &b, Location l, ValueRange, ValueRange args) {
        Value v = args[0], idx;
        if (keys.strings) {
          idx = callSupport(b, l, "kiln_str_index", i64,
                            {v, keyAddr, scalarConstant(b, l, i64, n)});
        } else {
          Type kt = keyVec.getType();
          Type ke = cast<ShapedType>(kt).getElementType();
          auto loop = scf::ForOp::create(
              b, l, cIdx(b, l, 0), cIdx(b, l, n), cIdx(b, l, 1),
              ValueRange{scalarConstant(b, l, i64, -1)},
              [&](OpBuilder &lb, Location ll, Value i, ValueRange iter) {
                Value k = tensor::ExtractOp::create(lb, ll, keyVec, i);
                Value eq;
                if (isa<FloatType>(ke)) {
                  Value xv = castFloat(lb, ll, v, ke);
                  Value same = arith::CmpFOp::create(
                      lb, ll, arith::CmpFPredicate::OEQ, xv, k);
                  Value bothNan = arith::AndIOp::create(
                      lb, ll,
                      arith::CmpFOp::create(lb, ll, arith::CmpFPredicate::UNO,
                                            xv, xv),
                      arith::CmpFOp::create(lb, ll, arith::CmpFPredicate::UNO,
                                            k, k));
                  eq = arith::OrIOp::create(lb, ll, same, bothNan);
                } else {
                  eq = arith::CmpIOp::create(lb, ll, arith::CmpIPredicate::eq,
                                             v, k);
                }
                Value found = arith::AndIOp::create(
                    lb, ll, eq,
                    arith::CmpIOp::create(lb, ll, arith::CmpIPredicate::slt,
                                          iter[0],
                                          scalarConstant(lb, ll, i64, 0)));
                Value at = arith::IndexCastOp::create(lb, ll, i64, i);
                scf::YieldOp::create(
                    lb, ll,
                    ValueRange{
                        arith::SelectOp::create(lb, ll, found, at, iter[0])});
              });
          idx = loop.getResult(0);
        }
        // Not found: the default, stored after the values.
        Value missing = arith::CmpIOp::create(
            b, l, arith::CmpIPredicate::slt, idx, scalarConstant(b, l, i64, 0));
        Value at = arith::IndexCastOp::create(
            b, l, b.getIndexType(),
            arith::SelectOp::create(b, l, missing,
                                    scalarConstant(b, l, i64, n), idx));
        Value r = tensor::ExtractOp::create(b, l, valVec, at);
        if (values.strings)
          r = arith::AddIOp::create(b, l, valAddr, r);
        return r;
      });
}

/// LabelEncoder: opset 1 maps strings to their position in classes_strings
/// and positions back to strings; opsets 2 and 4 map keys_* to values_*
/// (numbers or strings either side).
struct LabelEncoderLowering : OpConversionPattern<OnnxMlLabelEncoderOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMlLabelEncoderOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value x = adaptor.getX();
    if (!resTy || !isa<RankedTensorType>(x.getType()))
      return rewriter.notifyMatchFailure(op, "expected ranked tensors");
    Type in = elemOf(op.getX()), out = elemOf(op.getY());
    bool outStrings = isa<StringType>(out);
    Column keys, values, dflt;
    if (auto classes = op.getClassesStringsAttr()) {
      Column c = columnOf(classes, {});
      Column positions;
      for (size_t i = 0; i < c.size(); ++i)
        positions.numbers.push_back(i);
      keys = outStrings ? positions : c;
      values = outStrings ? c : positions;
    } else {
      keys = columnOf(isa<StringType>(in)    ? op.getKeysStringsAttr()
                      : isa<FloatType>(in) ? op.getKeysFloatsAttr()
                                             : op.getKeysInt64sAttr(),
                      op.getKeysTensorAttr());
      values = columnOf(outStrings            ? op.getValuesStringsAttr()
                        : isa<FloatType>(out) ? op.getValuesFloatsAttr()
                                              : op.getValuesInt64sAttr(),
                        op.getValuesTensorAttr());
    }
    if (op.getDefaultTensorAttr()) {
      dflt = columnOf({}, op.getDefaultTensorAttr());
    } else if (outStrings) {
      dflt.strings = true;
      dflt.text.push_back(op.getDefaultString().str());
    } else {
      dflt.numbers.push_back(isa<FloatType>(out)
                                 ? op.getDefaultFloat().convertToDouble()
                                 : (double)op.getDefaultInt64());
    }
    if (keys.size() != values.size() || keys.size() == 0)
      return rewriter.notifyMatchFailure(
          op, "keys and values must be non-empty lists of one length");
    auto storable = [](Type t) {
      auto i = dyn_cast<IntegerType>(t);
      return isa<StringType>(t) || t.isF32() || t.isF64() ||
             (i && llvm::is_contained({8u, 16u, 32u, 64u}, i.getWidth()));
    };
    if (!storable(in) || !storable(out))
      return rewriter.notifyMatchFailure(
          op, "keys and values must be strings, f32, f64 or integers");
    if (keys.strings != isa<StringType>(in) || values.strings != outStrings ||
        dflt.strings != outStrings)
      return rewriter.notifyMatchFailure(
          op, "the keys, values and default must have the types of X and Y");
    rewriter.replaceOp(
        op, lookUp(rewriter, op, resTy, x, in, keys, values, dflt));
    return success();
  }
};

/// CategoryMapper: strings to the int64 of the same position and back,
/// default_int64 / default_string for the others.
struct CategoryMapperLowering : OpConversionPattern<OnnxMlCategoryMapperOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMlCategoryMapperOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    Value x = adaptor.getX();
    if (!resTy || !isa<RankedTensorType>(x.getType()))
      return rewriter.notifyMatchFailure(op, "expected ranked tensors");
    Type in = elemOf(op.getX());
    Column ints = columnOf(op.getCatsInt64sAttr(), {});
    Column strs = columnOf(op.getCatsStringsAttr(), {});
    if (ints.size() != strs.size() || ints.size() == 0 ||
        (strs.size() && !strs.strings))
      return rewriter.notifyMatchFailure(
          op, "cats_int64s and cats_strings must be non-empty and of one "
              "length");
    bool fromStrings = isa<StringType>(in);
    if (!fromStrings && !in.isInteger(64))
      return rewriter.notifyMatchFailure(op, "expected strings or int64");
    Column dflt;
    if (fromStrings) {
      dflt.numbers.push_back(op.getDefaultInt64());
    } else {
      dflt.strings = true;
      dflt.text.push_back(op.getDefaultString().str());
    }
    rewriter.replaceOp(op, lookUp(rewriter, op, resTy, x, in,
                                  fromStrings ? strs : ints,
                                  fromStrings ? ints : strs, dflt));
    return success();
  }
};

/// ArrayFeatureExtractor: Z[..., j] = X[..., Y[j]] (the indices select
/// columns of the last dim; a 1-D X is one row).
struct ArrayFeatureExtractorLowering
    : OpConversionPattern<OnnxMlArrayFeatureExtractorOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMlArrayFeatureExtractorOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resTy = resultTypeOf(*this, op);
    Value x = adaptor.getX(), idx = adaptor.getY();
    auto xt = dyn_cast<RankedTensorType>(x.getType());
    auto it = dyn_cast<RankedTensorType>(idx.getType());
    if (!resTy || !xt || !it || xt.getRank() == 0)
      return rewriter.notifyMatchFailure(op, "expected ranked tensors");
    if (xt.getRank() == 1) {
      x = asRows(rewriter, loc, x);
      xt = cast<RankedTensorType>(x.getType());
    }
    if (resTy.getRank() != xt.getRank())
      return rewriter.notifyMatchFailure(op, "unexpected result rank");
    // The indices, flattened.
    Value flat = idx;
    if (it.getRank() != 1) {
      SmallVector<ReassociationIndices> all(1);
      for (int64_t d = 0; d < it.getRank(); ++d)
        all[0].push_back(d);
      flat = it.getRank() == 0
                 ? tensor::ExpandShapeOp::create(
                       rewriter, loc,
                       RankedTensorType::get({1}, it.getElementType()), idx,
                       ArrayRef<ReassociationIndices>{})
                       .getResult()
                 : tensor::CollapseShapeOp::create(rewriter, loc, idx, all)
                       .getResult();
    }
    SmallVector<OpFoldResult> sizes = sizesOf(rewriter, loc, x);
    sizes.back() = tensor::getMixedSize(rewriter, loc, flat, 0);
    int64_t last = xt.getRank() - 1;
    Value lastDim = tensor::DimOp::create(rewriter, loc, x, last);
    Value y = generateTensor(
        rewriter, loc, resTy, refineSizes(rewriter, resTy, sizes), {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) {
          Value col = tensor::ExtractOp::create(b, l, flat, ivs.back());
          // Out-of-range indices are an error in ONNX Runtime; they are
          // clamped here rather than read out of bounds.
          col = clampIndex(b, l, wrapIndex(b, l, col, lastDim), lastDim);
          SmallVector<Value> at(ivs);
          at.back() = col;
          return tensor::ExtractOp::create(b, l, x, at);
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

/// FeatureVectorizer: the inputs' columns side by side as floats, each
/// input truncated or zero-padded to its inputdimensions entry.
struct FeatureVectorizerLowering
    : OpConversionPattern<OnnxMlFeatureVectorizerOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxMlFeatureVectorizerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto resTy = resultTypeOf(*this, op);
    SmallVector<int64_t> dims = intsOf(op.getInputdimensionsAttr());
    if (!resTy || resTy.getRank() != 2 ||
        dims.size() != adaptor.getX().size())
      return rewriter.notifyMatchFailure(
          op, "expected a 2-D result and one inputdimensions entry per input");
    SmallVector<Value> rows;
    for (Value v : adaptor.getX()) {
      Value r = asRows(rewriter, loc, v);
      if (!r)
        return rewriter.notifyMatchFailure(op, "expected 1-D or 2-D inputs");
      rows.push_back(r);
    }
    Type f = resTy.getElementType();
    OpFoldResult n = tensor::getMixedSize(rewriter, loc, rows[0], 0);
    int64_t total = 0;
    for (int64_t d : dims)
      total += d;
    SmallVector<OpFoldResult> sizes{n, rewriter.getIndexAttr(total)};
    // Column j of the result comes from input k, column j - start[k].
    SmallVector<int64_t> starts;
    for (int64_t d : dims)
      starts.push_back(starts.empty() ? 0 : starts.back() + dims[starts.size() - 1]);
    SmallVector<Type> froms;
    for (Value v : op.getX())
      froms.push_back(elemOf(v));
    Value y = generateTensor(
        rewriter, loc, resTy, refineSizes(rewriter, resTy, sizes), {}, {},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange) {
          Value result = scalarConstant(b, l, f, 0.0);
          for (size_t k = 0; k < rows.size(); ++k) {
            // In input k's range and inside its actual width: read it.
            Value start = cIdx(b, l, starts[k]);
            Value local = arith::SubIOp::create(b, l, ivs[1], start);
            Value width = tensor::DimOp::create(b, l, rows[k], 1);
            Value inK = arith::AndIOp::create(
                b, l,
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, ivs[1],
                                      start),
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, ivs[1],
                                      cIdx(b, l, starts[k] + dims[k])));
            Value inside = arith::AndIOp::create(
                b, l, inK,
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, local,
                                      width));
            // Clamped so the read is in bounds; selected away otherwise.
            Value safe = arith::MinSIOp::create(
                b, l,
                arith::MaxSIOp::create(b, l, local, cIdx(b, l, 0)),
                arith::SubIOp::create(b, l, width, cIdx(b, l, 1)));
            Value v = tensor::ExtractOp::create(b, l, rows[k],
                                                ValueRange{ivs[0], safe});
            v = castScalar(b, l, v, froms[k], f);
            result = arith::SelectOp::create(b, l, inside, v, result);
          }
          return result;
        });
    rewriter.replaceOp(op, y);
    return success();
  }
};

} // namespace

void kiln::populateMlPreprocessingPatterns(TypeConverter &tc,
                                           RewritePatternSet &patterns) {
  patterns.add<ScalerLowering, BinarizerLowering, ImputerLowering,
               NormalizerLowering, OneHotEncoderLowering, LabelEncoderLowering,
               CategoryMapperLowering,
               ArrayFeatureExtractorLowering, FeatureVectorizerLowering>(
      tc, patterns.getContext());
}
