//===- EdgeValues.cpp - Sequences, maps and optionals at a model's edges --===//

#include "compiler/frontend/EdgeValues.h"
#include "compiler/frontend/TensorConversion.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/IR/BuiltinTypes.h"

#include <onnx/onnx_pb.h>

using namespace mlir;

namespace kiln {

static std::string elemTypeName(int32_t elemType) {
  switch (elemType) {
#define KILN_ELEM_TYPE(NAME, VALUE, ONNX_NAME, BITS, C_TYPE, NUMPY_NAME)       \
  case VALUE:                                                                  \
    return ONNX_NAME;
#include "kiln/kiln_elem_types.def"
#undef KILN_ELEM_TYPE
  default:
    return "undefined";
  }
}

std::string ortTypeString(const onnx::TypeProto &type) {
  switch (type.value_case()) {
  case onnx::TypeProto::kTensorType:
    return "tensor(" + elemTypeName(type.tensor_type().elem_type()) + ")";
  case onnx::TypeProto::kSequenceType:
    return "seq(" + ortTypeString(type.sequence_type().elem_type()) + ")";
  case onnx::TypeProto::kMapType:
    return "map(" + elemTypeName(type.map_type().key_type()) + "," +
           ortTypeString(type.map_type().value_type()) + ")";
  case onnx::TypeProto::kOptionalType:
    return "optional(" + ortTypeString(type.optional_type().elem_type()) + ")";
  default:
    return "undefined";
  }
}

DictionaryAttr edgeValueAttr(Builder &b, const std::string &name,
                             const std::string &type, uint32_t kind,
                             uint32_t flags, int64_t count) {
  return b.getDictionaryAttr(
      {b.getNamedAttr("name", b.getStringAttr(name)),
       b.getNamedAttr("type", b.getStringAttr(type)),
       b.getNamedAttr("kind", b.getI32IntegerAttr(kind)),
       b.getNamedAttr("flags", b.getI32IntegerAttr(flags)),
       b.getNamedAttr("count", b.getI64IntegerAttr(count))});
}

namespace {

/// Default-domain ops built with the result types given: every shape here
/// follows from the map's [n] (or the vocabulary's size) directly.
class OpMaker {
public:
  OpMaker(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value op(StringRef name, Type type, ValueRange operands,
           ArrayRef<NamedAttribute> attrs = {}) {
    OperationState state(loc, name);
    state.addOperands(operands);
    state.addTypes(type);
    state.addAttributes(attrs);
    return b.create(state)->getResult(0);
  }
  Value constant(DenseElementsAttr value) {
    return op("onnx.Constant", value.getType(), {},
              {b.getNamedAttr("value", value)});
  }
  Value i64s(ArrayRef<int64_t> values) {
    auto type = RankedTensorType::get({(int64_t)values.size()}, b.getI64Type());
    return constant(DenseIntElementsAttr::get(type, values));
  }
  Value zeroOf(Type elem) {
    auto type = RankedTensorType::get({}, elem);
    if (isa<FloatType>(elem))
      return constant(DenseElementsAttr::get(type, b.getFloatAttr(elem, 0)));
    return constant(DenseElementsAttr::get(type, b.getIntegerAttr(elem, 0)));
  }
  /// x [n] -> [n, 1]
  Value column(Value x) {
    auto t = cast<RankedTensorType>(x.getType());
    return op("onnx.Unsqueeze",
              RankedTensorType::get({t.getDimSize(0), 1}, t.getElementType()),
              {x, i64s({1})});
  }
  /// out[0, c] = values[i] where positions[i] == c, else 0: `positions`
  /// [n] are distinct (a map's keys, or their places in a vocabulary).
  Value scatterRow(Value positions, Value values, int64_t width) {
    auto vt = cast<RankedTensorType>(values.getType());
    int64_t n = vt.getDimSize(0);
    SmallVector<int64_t> range;
    for (int64_t c = 0; c < width; ++c)
      range.push_back(c);
    auto rangeType = RankedTensorType::get({1, width}, b.getI64Type());
    Value hit =
        op("onnx.Equal", RankedTensorType::get({n, width}, b.getI1Type()),
           {column(positions),
            constant(DenseIntElementsAttr::get(rangeType, range))});
    Type elem = vt.getElementType();
    Value picked = op("onnx.Where", RankedTensorType::get({n, width}, elem),
                      {hit, column(values), zeroOf(elem)});
    return op("onnx.ReduceSum", RankedTensorType::get({1, width}, elem),
              {picked, i64s({0})},
              {b.getNamedAttr("keepdims", b.getI64IntegerAttr(1))});
  }

  OpBuilder &b;
  Location loc;
};

const onnx::AttributeProto *attribute(const onnx::NodeProto &node,
                                      const char *name) {
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

} // namespace

Value buildDictVectorizer(OpBuilder &b, Location loc, const MapSlots &map,
                          const onnx::NodeProto &node) {
  OpMaker m(b, loc);
  const onnx::AttributeProto *ints = attribute(node, "int64_vocabulary");
  const onnx::AttributeProto *strings = attribute(node, "string_vocabulary");
  auto keyType = cast<RankedTensorType>(map.keys.getType());
  bool stringKeys = isa<onnx_ir::StringType>(keyType.getElementType());
  const onnx::AttributeProto *vocabulary = stringKeys ? strings : ints;
  if (!vocabulary || (ints && strings)) {
    emitError(loc) << "DictVectorizer needs "
                   << (stringKeys ? "string_vocabulary" : "int64_vocabulary")
                   << " for a map with " << (stringKeys ? "string" : "int64")
                   << " keys (and not both vocabularies)";
    return {};
  }
  if (isa<onnx_ir::StringType>(
          cast<RankedTensorType>(map.values.getType()).getElementType())) {
    emitError(loc) << "DictVectorizer on a map with string values is not "
                      "supported";
    return {};
  }
  // Each key's place in the vocabulary (-1 for none) through LabelEncoder,
  // then a row with each value at its key's place.
  int64_t width =
      stringKeys ? vocabulary->strings_size() : vocabulary->ints_size();
  SmallVector<int64_t> places;
  for (int64_t c = 0; c < width; ++c)
    places.push_back(c);
  SmallVector<NamedAttribute> attrs = {
      b.getNamedAttr("values_int64s", b.getI64ArrayAttr(places)),
      b.getNamedAttr("default_int64", b.getI64IntegerAttr(-1))};
  if (stringKeys) {
    SmallVector<StringRef> keys(vocabulary->strings().begin(),
                                vocabulary->strings().end());
    attrs.push_back(b.getNamedAttr("keys_strings", b.getStrArrayAttr(keys)));
  } else {
    SmallVector<int64_t> keys(vocabulary->ints().begin(),
                              vocabulary->ints().end());
    attrs.push_back(b.getNamedAttr("keys_int64s", b.getI64ArrayAttr(keys)));
  }
  Value place =
      m.op("onnx.ml.LabelEncoder",
           RankedTensorType::get({keyType.getDimSize(0)}, b.getI64Type()),
           {map.keys}, attrs);
  return m.scatterRow(place, map.values, width);
}

Value buildCastMap(OpBuilder &b, Location loc, const MapSlots &map,
                   const onnx::NodeProto &node) {
  OpMaker m(b, loc);
  auto text = [&](const char *name, const char *fallback) {
    const onnx::AttributeProto *a = attribute(node, name);
    return a ? a->s() : std::string(fallback);
  };
  std::string castTo = text("cast_to", "TO_FLOAT");
  std::string form = text("map_form", "DENSE");
  const onnx::AttributeProto *maxMap = attribute(node, "max_map");
  int64_t width = maxMap ? maxMap->i() : 1;
  static const std::map<std::string, int> targets = {
      {"TO_FLOAT", onnx::TensorProto::FLOAT},
      {"TO_INT64", onnx::TensorProto::INT64},
      {"TO_STRING", onnx::TensorProto::STRING}};
  auto target = targets.find(castTo);
  if (target == targets.end() || (form != "DENSE" && form != "SPARSE")) {
    emitError(loc) << "CastMap: cast_to must be TO_FLOAT, TO_INT64 or "
                      "TO_STRING and map_form DENSE or SPARSE, got '"
                   << castTo << "' and '" << form << "'";
    return {};
  }
  auto keyType = cast<RankedTensorType>(map.keys.getType());
  auto valueType = cast<RankedTensorType>(map.values.getType());
  int64_t n = keyType.getDimSize(0);
  Value row;
  if (form == "DENSE") {
    // The values in key order (ONNX Runtime's map is ordered by key).
    auto indices = RankedTensorType::get({n}, b.getI64Type());
    OperationState state(loc, "onnx.TopK");
    state.addOperands(
        {map.keys,
         m.op("onnx.Shape", RankedTensorType::get({1}, b.getI64Type()),
              {map.keys})});
    state.addTypes({keyType, indices});
    state.addAttributes({b.getNamedAttr("largest", b.getI64IntegerAttr(0)),
                         b.getNamedAttr("sorted", b.getI64IntegerAttr(1)),
                         b.getNamedAttr("axis", b.getI64IntegerAttr(0))});
    Value order = b.create(state)->getResult(1);
    Value sorted = m.op("onnx.Gather", valueType, {map.values, order},
                        {b.getNamedAttr("axis", b.getI64IntegerAttr(0))});
    row = m.op("onnx.Unsqueeze",
               RankedTensorType::get({1, n}, valueType.getElementType()),
               {sorted, m.i64s({0})});
  } else {
    if (width < 1) {
      emitError(loc) << "CastMap: max_map must be positive for SPARSE, got "
                     << width;
      return {};
    }
    if (isa<onnx_ir::StringType>(valueType.getElementType())) {
      emitError(loc) << "CastMap: SPARSE on a map with string values is not "
                        "supported";
      return {};
    }
    row = m.scatterRow(map.keys, map.values, width);
  }
  std::string error;
  Type to = onnxElementType(b.getContext(), target->second, error);
  auto rowType = cast<RankedTensorType>(row.getType());
  if (rowType.getElementType() == to)
    return row;
  return m.op("onnx.Cast", rowType.clone(to), {row},
              {b.getNamedAttr("to", b.getI64IntegerAttr(target->second))});
}

Value buildZipMapKeys(OpBuilder &b, Location loc, const onnx::NodeProto &node) {
  OpMaker m(b, loc);
  const onnx::AttributeProto *ints = attribute(node, "classlabels_int64s");
  const onnx::AttributeProto *strings = attribute(node, "classlabels_strings");
  if ((ints != nullptr) == (strings != nullptr)) {
    emitError(loc) << "ZipMap needs exactly one of classlabels_int64s and "
                      "classlabels_strings";
    return {};
  }
  if (ints) {
    SmallVector<int64_t> keys(ints->ints().begin(), ints->ints().end());
    return m.i64s(keys);
  }
  SmallVector<StringRef> keys(strings->strings().begin(),
                              strings->strings().end());
  auto type = RankedTensorType::get({(int64_t)keys.size()},
                                    onnx_ir::StringType::get(b.getContext()));
  return m.constant(DenseStringElementsAttr::get(type, keys));
}

} // namespace kiln
