//===- MlCommon.cpp - Helpers shared by the ai.onnx.ml lowerings ----------===//

#include "compiler/conversion/MlCommon.h"
#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/StringSupport.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/StringSwitch.h"

#include <cmath>

using namespace mlir;

namespace kiln::ml {

std::optional<PostTransform> parsePostTransform(StringRef s) {
  return llvm::StringSwitch<std::optional<PostTransform>>(s)
      .Case("NONE", PostTransform::None)
      .Case("LOGISTIC", PostTransform::Logistic)
      .Case("SOFTMAX", PostTransform::Softmax)
      .Case("SOFTMAX_ZERO", PostTransform::SoftmaxZero)
      .Case("PROBIT", PostTransform::Probit)
      .Default(std::nullopt);
}

std::optional<PostTransform> postTransformFromInt(int64_t v) {
  // TreeEnsemble-5: 0 NONE, 1 SOFTMAX, 2 LOGISTIC, 3 SOFTMAX_ZERO, 4 PROBIT.
  static const PostTransform order[] = {
      PostTransform::None, PostTransform::Softmax, PostTransform::Logistic,
      PostTransform::SoftmaxZero, PostTransform::Probit};
  if (v < 0 || v > 4)
    return std::nullopt;
  return order[v];
}

static Value cst(OpBuilder &b, Location loc, Type t, double v) {
  return scalarConstant(b, loc, t, v);
}

Value logistic(OpBuilder &b, Location loc, Value x) {
  Type t = x.getType();
  Value one = cst(b, loc, t, 1.0);
  Value negAbs = arith::NegFOp::create(b, loc, math::AbsFOp::create(b, loc, x));
  Value v = arith::DivFOp::create(
      b, loc, one,
      arith::AddFOp::create(b, loc, one, math::ExpOp::create(b, loc, negAbs)));
  Value neg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                    cst(b, loc, t, 0.0));
  return arith::SelectOp::create(b, loc, neg,
                                 arith::SubFOp::create(b, loc, one, v), v);
}

Value probit(OpBuilder &b, Location loc, Value x) {
  // ONNX Runtime: ErfInv by Winitzki's approximation (a = 0.147).
  Type t = x.getType();
  auto c = [&](double v) { return cst(b, loc, t, v); };
  Value y = arith::SubFOp::create(b, loc,
                                  arith::MulFOp::create(b, loc, c(2.0), x),
                                  c(1.0));
  Value neg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, y,
                                    c(0.0));
  Value sgn = arith::SelectOp::create(b, loc, neg, c(-1.0), c(1.0));
  Value w = arith::MulFOp::create(b, loc,
                                  arith::SubFOp::create(b, loc, c(1.0), y),
                                  arith::AddFOp::create(b, loc, c(1.0), y));
  Value lg = math::LogOp::create(b, loc, w);
  Value v = arith::AddFOp::create(
      b, loc, c(2.0 / (3.14159 * 0.147)),
      arith::MulFOp::create(b, loc, c(0.5), lg));
  Value v2 = arith::MulFOp::create(b, loc, c(1.0 / 0.147), lg);
  Value v3 = arith::SubFOp::create(
      b, loc,
      math::SqrtOp::create(
          b, loc,
          arith::SubFOp::create(b, loc, arith::MulFOp::create(b, loc, v, v),
                                v2)),
      v);
  Value erfinv =
      arith::MulFOp::create(b, loc, sgn, math::SqrtOp::create(b, loc, v3));
  return arith::MulFOp::create(b, loc, c(1.41421356), erfinv);
}

SmallVector<Value> transformScores(OpBuilder &b, Location loc,
                                   ArrayRef<Value> s, PostTransform transform,
                                   int addSecondClass) {
  SmallVector<Value> out(s);
  if (s.empty())
    return out;
  Type t = s[0].getType();
  auto maxOf = [&](ArrayRef<Value> v) {
    Value m = v[0];
    for (Value x : v.drop_front())
      m = arith::MaximumFOp::create(b, loc, m, x);
    return m;
  };
  if (s.size() >= 2) {
    switch (transform) {
    case PostTransform::None:
      break;
    case PostTransform::Probit:
      for (Value &v : out)
        v = probit(b, loc, v);
      break;
    case PostTransform::Logistic:
      for (Value &v : out)
        v = logistic(b, loc, v);
      break;
    case PostTransform::Softmax:
    case PostTransform::SoftmaxZero: {
      // SOFTMAX_ZERO keeps zero scores (|s| <= 1e-7) out of the sum: they
      // become s * exp(-max) instead of exp(s - max).
      bool zero = transform == PostTransform::SoftmaxZero;
      Value m = maxOf(s);
      Value sum = cst(b, loc, t, 0.0);
      Value expNegMax =
          zero ? math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, m))
                     .getResult()
               : Value();
      for (Value &v : out) {
        Value e = math::ExpOp::create(b, loc, arith::SubFOp::create(b, loc, v, m));
        if (zero) {
          Value isZero = arith::CmpFOp::create(
              b, loc, arith::CmpFPredicate::OLE,
              math::AbsFOp::create(b, loc, v), cst(b, loc, t, 1e-7));
          sum = arith::AddFOp::create(
              b, loc, sum,
              arith::SelectOp::create(b, loc, isZero, cst(b, loc, t, 0.0), e));
          e = arith::SelectOp::create(
              b, loc, isZero, arith::MulFOp::create(b, loc, v, expNegMax), e);
        } else {
          sum = arith::AddFOp::create(b, loc, sum, e);
        }
        v = e;
      }
      for (Value &v : out)
        v = arith::DivFOp::create(b, loc, v, sum);
      break;
    }
    }
    return out;
  }
  // One score.
  Value x = s[0];
  if (transform == PostTransform::Probit)
    return {probit(b, loc, x)};
  switch (addSecondClass) {
  case 0:
  case 1:
    return {arith::SubFOp::create(b, loc, cst(b, loc, t, 1.0), x), x};
  case 2:
  case 3:
    if (transform == PostTransform::Logistic)
      return {logistic(b, loc, arith::NegFOp::create(b, loc, x)),
              logistic(b, loc, x)};
    return {arith::NegFOp::create(b, loc, x), x};
  default:
    return {x};
  }
}

Value pick(OpBuilder &b, Location loc, ArrayRef<Value> values, Value index) {
  Value r = values.back();
  for (int64_t i = (int64_t)values.size() - 2; i >= 0; --i) {
    Value is = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, index,
                                     cIdx(b, loc, i));
    r = arith::SelectOp::create(b, loc, is, values[i], r);
  }
  return r;
}

Value buildRows(OpBuilder &b, Location loc, RankedTensorType type,
                OpFoldResult rows, RowFn rowFn) {
  SmallVector<OpFoldResult> sizes{rows};
  if (type.getRank() == 2)
    sizes.push_back(b.getIndexAttr(type.getDimSize(1)));
  sizes = refineSizes(b, type, sizes);
  return generateTensor(
      b, loc, type, sizes, {}, {},
      [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange) {
        SmallVector<Value> row = rowFn(nb, nl, ivs[0]);
        return ivs.size() == 1 ? row[0] : pick(nb, nl, row, ivs[1]);
      });
}

Value constantVector(OpBuilder &b, Location loc, Type elem,
                     ArrayRef<double> values, StringRef name,
                     ArrayRef<int64_t> shape) {
  auto type = shape.empty()
                  ? RankedTensorType::get({(int64_t)values.size()}, elem)
                  : RankedTensorType::get(shape, elem);
  std::vector<char> bytes;
  auto put = [&](auto v) {
    const char *p = reinterpret_cast<const char *>(&v);
    bytes.insert(bytes.end(), p, p + sizeof(v));
  };
  for (double v : values) {
    if (elem.isF32())
      put((float)v);
    else if (elem.isF64())
      put(v);
    else if (elem.isInteger(8))
      put((int8_t)v);
    else if (elem.isInteger(16))
      put((int16_t)v);
    else if (elem.isInteger(32))
      put((int32_t)v);
    else
      put((int64_t)v);
  }
  return resourceConstant(b, loc, type, name, bytes);
}

SmallVector<double> floatsOf(Attribute floats, Attribute tensor) {
  SmallVector<double> out;
  if (auto t = dyn_cast_or_null<DenseElementsAttr>(tensor)) {
    if (isa<FloatType>(t.getElementType()))
      for (const APFloat &v : t.getValues<APFloat>())
        out.push_back(v.convertToDouble());
    return out;
  }
  if (auto a = dyn_cast_or_null<ArrayAttr>(floats))
    for (Attribute e : a)
      out.push_back(cast<FloatAttr>(e).getValueAsDouble());
  return out;
}

SmallVector<int64_t> intsOf(Attribute ints) {
  SmallVector<int64_t> out;
  if (auto a = dyn_cast_or_null<ArrayAttr>(ints))
    for (Attribute e : a)
      out.push_back(cast<IntegerAttr>(e).getInt());
  return out;
}

SmallVector<std::string> stringsOf(Attribute strings) {
  SmallVector<std::string> out;
  if (auto a = dyn_cast_or_null<ArrayAttr>(strings))
    for (Attribute e : a)
      out.push_back(cast<StringAttr>(e).str());
  return out;
}

void LabelTable::materialize(OpBuilder &b, Location loc) {
  Type i64 = b.getI64Type();
  if (strings.empty()) {
    SmallVector<double> v(ints.begin(), ints.end());
    v.append({0.0, 1.0});
    table = constantVector(b, loc, i64, v, "class_labels");
    return;
  }
  // The strings back to back, NUL-terminated; the table holds offsets.
  std::vector<char> bytes;
  SmallVector<double> offsets;
  SmallVector<std::string> all(strings);
  all.append({"0", "1"});
  for (const std::string &str : all) {
    offsets.push_back(bytes.size());
    bytes.insert(bytes.end(), str.begin(), str.end());
    bytes.push_back(0);
  }
  base = constantBytesAddress(b, loc, bytes);
  table = constantVector(b, loc, i64, offsets, "class_label_offsets");
}

Value LabelTable::at(OpBuilder &b, Location loc, Value idx) const {
  Value i = arith::IndexCastOp::create(b, loc, b.getIndexType(), idx);
  Value v = tensor::ExtractOp::create(b, loc, table, i);
  return base ? arith::AddIOp::create(b, loc, base, v).getResult() : v;
}

Value asRows(OpBuilder &b, Location loc, Value x) {
  auto t = dyn_cast<RankedTensorType>(x.getType());
  if (!t || t.getRank() < 1 || t.getRank() > 2)
    return {};
  if (t.getRank() == 2)
    return x;
  auto rowsTy = RankedTensorType::get({1, t.getDimSize(0)}, t.getElementType());
  return tensor::ExpandShapeOp::create(b, loc, rowsTy, x,
                                       ArrayRef<ReassociationIndices>{{0, 1}});
}

} // namespace kiln::ml
