//===- OnnxImporter.cpp - ONNX protobuf to the onnx dialect ---------------===//
//
// Walks the (shape-inferred) ModelProto once and builds one onnx op per node.
// The dialect's op table (generated with the ODS) says how each op's operands
// and results are laid out; old opset forms whose attributes later became
// inputs are rewritten into the newest form here, so every later pass sees
// one form per op.
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/OnnxImporter.h"
#include "compiler/frontend/EdgeValues.h"
#include "compiler/frontend/TensorConversion.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/SaveAndRestore.h"

#include "kiln/kiln_abi.h"

#include <onnx/onnx_pb.h>

#include <unordered_map>

using namespace mlir;
using namespace kiln::onnx_ir;

namespace kiln {
namespace {

/// How an op's operands, results, attributes and regions are laid out.
struct OpLayout {
  const char *inputs;  // one char per formal input: S, O or V
  const char *outputs; // same for outputs
  std::vector<std::string> attrs;
  std::vector<std::string> regions;
};

std::vector<std::string> splitList(StringRef list) {
  SmallVector<StringRef> parts;
  list.split(parts, ',', -1, /*KeepEmpty=*/false);
  return std::vector<std::string>(parts.begin(), parts.end());
}

const llvm::StringMap<OpLayout> &opTable() {
  static const llvm::StringMap<OpLayout> table = [] {
    llvm::StringMap<OpLayout> t;
#define KILN_ONNX_OP(NAME, INS, OUTS, ATTRS, REGIONS)                          \
  t[NAME] = OpLayout{INS, OUTS, splitList(ATTRS), splitList(REGIONS)};
#include "dialects/onnx/OnnxOpTable.inc"
#undef KILN_ONNX_OP
    return t;
  }();
  return table;
}

/// The ODS name of an ONNX attribute (see RENAMED_ATTRS in the generator).
std::string odsAttrName(const std::string &onnxName) {
  return onnxName == "type" ? "type_proto" : onnxName;
}

class Importer {
public:
  Importer(MLIRContext *ctx, const onnx::ModelProto &model, std::string path,
           const std::map<std::string, int64_t> &nodeOpsets,
           const ShapeOptions &shapes)
      : ctx(ctx), model(model), b(ctx), path(std::move(path)),
        nodeOpsets(nodeOpsets), shapes(shapes) {}

  OwningOpRef<ModuleOp> run();

private:
  // Values visible in the graph being imported; subgraphs push a scope and
  // see the outer graphs' values.
  using Scope = std::unordered_map<std::string, Value>;
  std::vector<Scope> scopes;
  std::vector<std::unordered_map<std::string, const onnx::TypeProto *>>
      typeScopes;

  MLIRContext *ctx;
  const onnx::ModelProto &model;
  OpBuilder b;
  std::string path;
  /// Nodes of expanded function bodies written against another opset.
  const std::map<std::string, int64_t> &nodeOpsets;
  /// Sequence lengths and absent optionals of the graph inputs.
  const ShapeOptions &shapes;
  /// Maps (graph inputs) and sequences of maps (ZipMap results): their
  /// tensors, for the ai.onnx.ml operators on maps and the graph outputs.
  std::unordered_map<std::string, MapSlots> maps;
  int64_t opset = 1;
  Location unknownLoc() { return FileLineColLoc::get(ctx, path, 0, 0); }

  Value lookup(const std::string &name) {
    for (auto it = scopes.rbegin(); it != scopes.rend(); ++it)
      if (auto f = it->find(name); f != it->end())
        return f->second;
    return {};
  }
  const onnx::TypeProto *lookupType(const std::string &name) {
    for (auto it = typeScopes.rbegin(); it != typeScopes.rend(); ++it)
      if (auto f = it->find(name); f != it->end())
        return f->second;
    return nullptr;
  }

  LogicalResult importGraph(const onnx::GraphProto &g, bool isMain,
                            Block *block, SmallVectorImpl<Value> &outputs);
  LogicalResult importNode(const onnx::NodeProto &node);
  /// ai.onnx.ml's operators on maps (EdgeValues.h).
  LogicalResult importMapOp(const onnx::NodeProto &node, Location loc);
  Value createConstant(Location loc, const onnx::TensorProto &t);
  Value constantOf(Location loc, ElementsAttr value);
  Value i64Constant(Location loc, ArrayRef<int64_t> values, bool scalar);
  Value noValue(Location loc);
  FailureOr<Type> typeOf(const std::string &name, Location loc);
  FailureOr<Type> convertType(const onnx::TypeProto &tp,
                              const std::string &name, Location loc);
  FailureOr<Attribute> convertAttribute(const onnx::AttributeProto &a,
                                        Location loc);
  LogicalResult normalizeLegacy(const onnx::NodeProto &node, Location loc,
                                SmallVectorImpl<Value> &inputs,
                                SmallVectorImpl<NamedAttribute> &attrs,
                                bool &handled);
  LogicalResult emitCoercedSoftmax(const onnx::NodeProto &node, Location loc,
                                   Value input, int64_t axis);
  InFlightDiagnostic nodeError(const onnx::NodeProto &node, Location loc) {
    return emitError(loc) << "node '" << node.name() << "' (" << node.op_type()
                          << "): ";
  }
};

Value Importer::noValue(Location loc) {
  return OnnxNoValueOp::create(b, loc, NoneType::get(ctx));
}

Value Importer::constantOf(Location loc, ElementsAttr value) {
  OperationState state(loc, "onnx.Constant");
  state.addTypes(value.getType());
  state.addAttribute("value", value);
  return b.create(state)->getResult(0);
}

Value Importer::i64Constant(Location loc, ArrayRef<int64_t> values,
                            bool scalar) {
  auto type = RankedTensorType::get(
      scalar ? ArrayRef<int64_t>{} : ArrayRef<int64_t>{(int64_t)values.size()},
      b.getI64Type());
  return constantOf(loc, DenseIntElementsAttr::get(type, values));
}

Value Importer::createConstant(Location loc, const onnx::TensorProto &t) {
  std::string error;
  ElementsAttr value = tensorProtoToAttr(ctx, t, error);
  if (!value) {
    emitError(loc) << "initializer '" << t.name() << "': " << error;
    return {};
  }
  return constantOf(loc, value);
}

FailureOr<Type> Importer::typeOf(const std::string &name, Location loc) {
  const onnx::TypeProto *tp = lookupType(name);
  if (!tp || tp->value_case() == onnx::TypeProto::VALUE_NOT_SET) {
    emitError(loc) << "cannot determine the type of value '" << name
                   << "' (ONNX shape inference gave none)";
    return failure();
  }
  return convertType(*tp, name, loc);
}

FailureOr<Type> Importer::convertType(const onnx::TypeProto &tp,
                                      const std::string &name, Location loc) {
  // Sequences and optionals of tensors exist inside a model until
  // kiln-resolve-sequences replaces them by the tensors they hold.
  if (tp.has_sequence_type()) {
    if (!tp.sequence_type().has_elem_type() ||
        !tp.sequence_type().elem_type().has_tensor_type()) {
      emitError(loc) << "value '" << name
                     << "': only sequences of tensors are supported";
      return failure();
    }
    FailureOr<Type> elem =
        convertType(tp.sequence_type().elem_type(), name, loc);
    if (failed(elem))
      return failure();
    return Type(SeqType::get(ctx, cast<TensorType>(*elem)));
  }
  if (tp.has_optional_type()) {
    const onnx::TypeProto &inner = tp.optional_type().elem_type();
    if (!tp.optional_type().has_elem_type() ||
        !(inner.has_tensor_type() || inner.has_sequence_type())) {
      emitError(loc) << "value '" << name
                     << "': only optional tensors and sequences are supported";
      return failure();
    }
    FailureOr<Type> elem = convertType(inner, name, loc);
    if (failed(elem))
      return failure();
    return Type(OptType::get(ctx, *elem));
  }
  if (!tp.has_tensor_type() || !tp.tensor_type().has_elem_type()) {
    emitError(loc) << "cannot determine the type of value '" << name
                   << "' (ONNX shape inference gave none; only tensors, "
                      "sequences and optionals are supported)";
    return failure();
  }
  std::string error;
  Type elem = onnxElementType(ctx, tp.tensor_type().elem_type(), error);
  if (!elem) {
    emitError(loc) << "value '" << name << "': " << error;
    return failure();
  }
  if (!tp.tensor_type().has_shape())
    return Type(UnrankedTensorType::get(elem));
  SmallVector<int64_t> dims;
  for (const auto &d : tp.tensor_type().shape().dim())
    // A negative dim (ONNX's inference writes one for a Split that cannot
    // happen, in an If branch never taken) is not a size: unknown.
    dims.push_back(d.has_dim_value() && d.dim_value() >= 0
                       ? d.dim_value()
                       : ShapedType::kDynamic);
  return Type(RankedTensorType::get(dims, elem));
}

FailureOr<Attribute> Importer::convertAttribute(const onnx::AttributeProto &a,
                                                Location loc) {
  switch (a.type()) {
  case onnx::AttributeProto::INT:
    return Attribute(b.getI64IntegerAttr(a.i()));
  case onnx::AttributeProto::FLOAT:
    return Attribute(b.getF32FloatAttr(a.f()));
  case onnx::AttributeProto::STRING:
    return Attribute(b.getStringAttr(a.s()));
  case onnx::AttributeProto::INTS: {
    SmallVector<int64_t> v(a.ints().begin(), a.ints().end());
    return Attribute(b.getI64ArrayAttr(v));
  }
  case onnx::AttributeProto::FLOATS: {
    SmallVector<float> v(a.floats().begin(), a.floats().end());
    return Attribute(b.getF32ArrayAttr(v));
  }
  case onnx::AttributeProto::STRINGS: {
    SmallVector<StringRef> v(a.strings().begin(), a.strings().end());
    return Attribute(b.getStrArrayAttr(v));
  }
  case onnx::AttributeProto::TYPE_PROTO: {
    // Optional's `type` (the type of an empty optional).
    FailureOr<Type> t = convertType(a.tp(), a.name(), loc);
    if (failed(t))
      return failure();
    return Attribute(TypeAttr::get(*t));
  }
  case onnx::AttributeProto::TENSOR: {
    std::string error;
    ElementsAttr value = tensorProtoToAttr(ctx, a.t(), error);
    if (!value) {
      emitError(loc) << "attribute '" << a.name() << "': " << error;
      return failure();
    }
    return Attribute(value);
  }
  default:
    emitError(loc) << "attribute '" << a.name() << "' has a type Kiln does "
                   << "not support (" << a.type() << ")";
    return failure();
  }
}

/// Softmax, LogSoftmax and Hardmax before opset 13 flatten the input to 2-D
/// at `axis` and normalize over the whole second dim.
LogicalResult Importer::emitCoercedSoftmax(const onnx::NodeProto &node,
                                           Location loc, Value input,
                                           int64_t axis) {
  auto inType = dyn_cast<RankedTensorType>(input.getType());
  FailureOr<Type> outType = typeOf(node.output(0), loc);
  if (failed(outType))
    return failure();
  std::string name = "onnx." + node.op_type();
  auto build = [&](Value in, Type type, int64_t ax) {
    OperationState s(loc, name);
    s.addOperands(in);
    s.addTypes(type);
    s.addAttribute("axis", b.getI64IntegerAttr(ax));
    return b.create(s)->getResult(0);
  };
  // Flatten at `axis` -> the op over the 2-D result's last dim ->
  // Reshape(Shape(input)). With a rank ONNX's inference left open (exports
  // with symbolic dims) the same chain keeps the axis as given (Flatten
  // takes it so) and leaves the types for Kiln's own inference to fill in.
  auto coerce = [&](int64_t flatAxis, RankedTensorType flatType,
                    int64_t rank) {
    OperationState flat(loc, "onnx.Flatten");
    flat.addOperands(input);
    flat.addTypes(flatType);
    flat.addAttribute("axis", b.getI64IntegerAttr(flatAxis));
    Value normalized = build(b.create(flat)->getResult(0), flatType, 1);
    OperationState shape(loc, "onnx.Shape");
    shape.addOperands(input);
    shape.addTypes(RankedTensorType::get({rank}, b.getI64Type()));
    Value shapeV = b.create(shape)->getResult(0);
    OperationState reshape(loc, "onnx.Reshape");
    reshape.addOperands({normalized, shapeV});
    reshape.addTypes(*outType);
    scopes.back()[node.output(0)] = b.create(reshape)->getResult(0);
    return success();
  };
  if (!inType) {
    Type elem = cast<TensorType>(input.getType()).getElementType();
    return coerce(axis,
                  RankedTensorType::get(
                      {ShapedType::kDynamic, ShapedType::kDynamic}, elem),
                  ShapedType::kDynamic);
  }
  int64_t rank = inType.getRank();
  if (axis < 0)
    axis += rank;
  if (axis == rank - 1) {
    scopes.back()[node.output(0)] = build(input, *outType, -1);
    return success();
  }
  auto product = [&](ArrayRef<int64_t> dims) {
    int64_t p = 1;
    for (int64_t d : dims) {
      if (ShapedType::isDynamic(d))
        return ShapedType::kDynamic;
      p *= d;
    }
    return p;
  };
  return coerce(
      axis,
      RankedTensorType::get({product(inType.getShape().take_front(axis)),
                             product(inType.getShape().drop_front(axis))},
                            inType.getElementType()),
      rank);
}

/// Rewrites the forms of old opsets into the newest form: attributes that
/// later became inputs are turned into constant inputs.
LogicalResult Importer::normalizeLegacy(const onnx::NodeProto &node,
                                        Location loc,
                                        SmallVectorImpl<Value> &inputs,
                                        SmallVectorImpl<NamedAttribute> &attrs,
                                        bool &handled) {
  const std::string &op = node.op_type();
  auto take = [&](StringRef name) -> std::optional<Attribute> {
    for (auto *it = attrs.begin(); it != attrs.end(); ++it)
      if (it->getName() == name) {
        Attribute a = it->getValue();
        attrs.erase(it);
        return a;
      }
    return std::nullopt;
  };
  auto ints = [](Attribute a) {
    SmallVector<int64_t> v;
    for (Attribute e : cast<ArrayAttr>(a))
      v.push_back(cast<IntegerAttr>(e).getInt());
    return v;
  };
  auto setInput = [&](size_t idx, Value v) {
    if (inputs.size() <= idx)
      inputs.resize(idx + 1);
    inputs[idx] = v;
  };
  auto elemScalar = [&](double value) -> Value {
    Type elem = b.getF32Type();
    if (!inputs.empty() && inputs[0])
      if (auto t = dyn_cast<ShapedType>(inputs[0].getType()))
        elem = t.getElementType();
    auto type = RankedTensorType::get({}, elem);
    if (isa<FloatType>(elem))
      return constantOf(
          loc, DenseElementsAttr::get(type, b.getFloatAttr(elem, value)));
    return constantOf(loc, DenseElementsAttr::get(
                               type, b.getIntegerAttr(elem, (int64_t)value)));
  };

  // Unsqueezes `v` (of rank `rank`) to `rank + extra` dims by appending 1s.
  auto appendUnitDims = [&](Value v, int64_t extra) -> Value {
    auto t = cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> axes, shape(t.getShape());
    for (int64_t i = 0; i < extra; ++i) {
      axes.push_back(t.getRank() + i);
      shape.push_back(1);
    }
    OperationState s(loc, "onnx.Unsqueeze");
    s.addOperands({v, i64Constant(loc, axes, false)});
    s.addTypes(RankedTensorType::get(shape, t.getElementType()));
    return b.create(s)->getResult(0);
  };
  static const llvm::StringSet<> legacyBroadcastOps = {
      "Add", "Sub", "Mul",   "Div",  "Pow",    "And",
      "Or",  "Xor", "Equal", "Less", "Greater"};

  if (legacyBroadcastOps.contains(op) && opset < 7) {
    // Before opset 7, B broadcasts into A only with broadcast=1, aligned at
    // `axis` (default: the trailing dims, as numpy does).
    auto bcast = take("broadcast");
    auto axis = take("axis");
    auto ta = inputs.size() == 2 && inputs[0]
                  ? dyn_cast<RankedTensorType>(inputs[0].getType())
                  : RankedTensorType();
    auto tb = inputs.size() == 2 && inputs[1]
                  ? dyn_cast<RankedTensorType>(inputs[1].getType())
                  : RankedTensorType();
    if (bcast && cast<IntegerAttr>(*bcast).getInt() && axis && ta && tb) {
      int64_t a = cast<IntegerAttr>(*axis).getInt();
      if (a < 0)
        a += ta.getRank();
      int64_t trailing = ta.getRank() - a - tb.getRank();
      if (trailing > 0)
        inputs[1] = appendUnitDims(inputs[1], trailing);
    }
  } else if (op == "PRelu" && opset < 7 && inputs.size() == 2) {
    // PRelu-6 broadcasts a [C] slope along the channel axis 1.
    auto tx = dyn_cast<RankedTensorType>(inputs[0].getType());
    auto ts = dyn_cast<RankedTensorType>(inputs[1].getType());
    if (tx && ts && ts.getRank() == 1 && tx.getRank() > 2 &&
        ts.getDimSize(0) != 1)
      inputs[1] = appendUnitDims(inputs[1], tx.getRank() - 2);
  } else if (op == "Clip" && opset < 11) {
    auto mn = take("min"), mx = take("max");
    if (mn)
      setInput(1, elemScalar(cast<FloatAttr>(*mn).getValueAsDouble()));
    if (mx)
      setInput(2, elemScalar(cast<FloatAttr>(*mx).getValueAsDouble()));
  } else if (op == "Slice" && opset < 10) {
    auto starts = take("starts"), ends = take("ends"), axes = take("axes");
    if (!starts || !ends)
      return nodeError(node, loc) << "Slice-1 needs starts and ends";
    setInput(1, i64Constant(loc, ints(*starts), false));
    setInput(2, i64Constant(loc, ints(*ends), false));
    if (axes)
      setInput(3, i64Constant(loc, ints(*axes), false));
  } else if (op == "Pad" && opset < 11) {
    if (auto pads = take("pads"))
      setInput(1, i64Constant(loc, ints(*pads), false));
    if (auto value = take("value"))
      setInput(2, elemScalar(cast<FloatAttr>(*value).getValueAsDouble()));
  } else if ((op == "Squeeze" || op == "Unsqueeze") && opset < 13) {
    if (auto axes = take("axes"))
      setInput(1, i64Constant(loc, ints(*axes), false));
  } else if (StringRef(op).starts_with("Reduce") &&
             opset < (op == "ReduceSum" ? 13 : 18)) {
    if (auto axes = take("axes"))
      setInput(1, i64Constant(loc, ints(*axes), false));
  } else if (op == "Split" && opset < 13) {
    if (auto split = take("split"))
      setInput(1, i64Constant(loc, ints(*split), false));
  } else if (op == "Upsample" && opset < 9) {
    if (auto scales = take("scales")) {
      SmallVector<float> v;
      for (Attribute e : cast<ArrayAttr>(*scales))
        v.push_back(cast<FloatAttr>(e).getValueAsDouble());
      auto type = RankedTensorType::get({(int64_t)v.size()}, b.getF32Type());
      setInput(1, constantOf(loc, DenseFPElementsAttr::get(type, v)));
    }
  } else if (op == "DFT" && opset < 20) {
    // DFT-17 takes the axis as an attribute (default 1, counted like the
    // later input's non-negative values).
    int64_t axis = 1;
    if (auto a = take("axis"))
      axis = cast<IntegerAttr>(*a).getInt();
    setInput(2, i64Constant(loc, {axis}, true));
  } else if (op == "Scatter") {
    // Scatter (opsets 9-10) is ScatterElements under its earlier name.
    FailureOr<Type> type = typeOf(node.output(0), loc);
    if (failed(type))
      return failure();
    OperationState s(loc, "onnx.ScatterElements");
    s.addOperands(inputs);
    s.addAttributes(attrs);
    s.addTypes(*type);
    scopes.back()[node.output(0)] = b.create(s)->getResult(0);
    handled = true;
  } else if (op == "Constant") {
    // value_float(s)/value_int(s) become `value`, the one form the passes
    // that read constant operands (axes, pads, shapes) look for; ONNX's own
    // function bodies write their axes as value_ints.
    auto floats = [](ArrayRef<Attribute> elems) {
      SmallVector<float> v;
      for (Attribute e : elems)
        v.push_back(cast<FloatAttr>(e).getValueAsDouble());
      return v;
    };
    auto put = [&](DenseElementsAttr value) {
      attrs.push_back(b.getNamedAttr("value", value));
    };
    auto scalarOf = [](Type elem) { return RankedTensorType::get({}, elem); };
    auto vectorOf = [](Type elem, size_t n) {
      return RankedTensorType::get({(int64_t)n}, elem);
    };
    if (auto f = take("value_float")) {
      put(DenseElementsAttr::get(scalarOf(b.getF32Type()),
                                 ArrayRef<float>(floats({*f}))));
    } else if (auto i = take("value_int")) {
      put(DenseElementsAttr::get(scalarOf(b.getI64Type()),
                                 cast<IntegerAttr>(*i).getInt()));
    } else if (auto fs = take("value_floats")) {
      SmallVector<float> v = floats(cast<ArrayAttr>(*fs).getValue());
      put(DenseElementsAttr::get(vectorOf(b.getF32Type(), v.size()),
                                 ArrayRef<float>(v)));
    } else if (auto is = take("value_ints")) {
      SmallVector<int64_t> v = ints(*is);
      put(DenseElementsAttr::get(vectorOf(b.getI64Type(), v.size()),
                                 ArrayRef<int64_t>(v)));
    }
  } else if (op == "TopK" && opset < 10) {
    if (auto k = take("k"))
      setInput(1, i64Constant(loc, {cast<IntegerAttr>(*k).getInt()}, false));
  } else if (op == "Resize" && opset < 11) {
    // Resize-10 is (X, scales); later versions are (X, roi, scales, sizes).
    Value scales = inputs.size() > 1 ? inputs[1] : Value();
    inputs.resize(1);
    setInput(2, scales);
  } else if (op == "CastLike" && inputs.size() == 2 && inputs[1]) {
    // CastLike is Cast to the element type of its second input.
    int64_t onnxType = onnxDataTypeOf(
        cast<ShapedType>(inputs[1].getType()).getElementType());
    FailureOr<Type> outType = typeOf(node.output(0), loc);
    if (!onnxType || failed(outType))
      return nodeError(node, loc) << "unsupported CastLike target type";
    OperationState s(loc, "onnx.Cast");
    s.addOperands(inputs[0]);
    s.addTypes(*outType);
    s.addAttribute("to", b.getI64IntegerAttr(onnxType));
    // Cast and CastLike share saturate (float8) and round_mode (float8e8m0).
    for (StringRef name : {"saturate", "round_mode"})
      if (std::optional<Attribute> a = take(name))
        s.addAttribute(name, *a);
    scopes.back()[node.output(0)] = b.create(s)->getResult(0);
    handled = true;
  } else if (op == "Dropout" && (inputs.size() < 3 || !inputs[2])) {
    // Without a training_mode input Dropout runs in inference mode: the
    // identity, with an all-true mask. Ratio and seed do not matter.
    scopes.back()[node.output(0)] = inputs[0];
    if (node.output_size() > 1 && !node.output(1).empty()) {
      auto in = dyn_cast<RankedTensorType>(inputs[0].getType());
      if (!in)
        return nodeError(node, loc) << "Dropout mask needs a ranked input";
      // ONNX's inference leaves the mask untyped when the input's dims are
      // symbolic; it has the input's shape, bool since opset 10 and the
      // input's element type before.
      const onnx::TypeProto *declared = lookupType(node.output(1));
      FailureOr<Type> maskType =
          declared && declared->value_case() != onnx::TypeProto::VALUE_NOT_SET
              ? typeOf(node.output(1), loc)
              : FailureOr<Type>(RankedTensorType::get(
                    in.getShape(),
                    opset >= 10 ? b.getI1Type() : in.getElementType()));
      if (failed(maskType))
        return failure();
      OperationState shape(loc, "onnx.Shape");
      shape.addOperands(inputs[0]);
      shape.addTypes(RankedTensorType::get({in.getRank()}, b.getI64Type()));
      Value shapeV = b.create(shape)->getResult(0);
      OperationState fill(loc, "onnx.ConstantOfShape");
      fill.addOperands(shapeV);
      fill.addTypes(*maskType);
      Type maskElem = cast<ShapedType>(*maskType).getElementType();
      auto one = RankedTensorType::get({1}, maskElem);
      fill.addAttribute("value", maskElem.isInteger(1)
                                     ? DenseElementsAttr::get(one, true)
                                     : DenseElementsAttr::get(
                                           one, b.getFloatAttr(maskElem, 1.0)));
      scopes.back()[node.output(1)] = b.create(fill)->getResult(0);
    }
    handled = true;
  } else if ((op == "Softmax" || op == "LogSoftmax" || op == "Hardmax") &&
             opset < 13) {
    int64_t axis = 1;
    if (auto a = take("axis"))
      axis = cast<IntegerAttr>(*a).getInt();
    handled = true;
    return emitCoercedSoftmax(node, loc, inputs[0], axis);
  }
  return success();
}

LogicalResult Importer::importMapOp(const onnx::NodeProto &node,
                                    Location loc) {
  auto nodeError = [&](const onnx::NodeProto &node, Location loc) {
    return emitError(loc) << "node '" << nodeDisplayName(node) << "' ("
                          << node.op_type() << "): ";
  };
  if (node.input_size() != 1 || node.output_size() != 1 ||
      node.input(0).empty())
    return nodeError(node, loc) << "takes one input and makes one output";
  const std::string &in = node.input(0);
  if (node.op_type() == "ZipMap") {
    // A sequence of maps is only carried to a graph output: its keys and
    // the probabilities they label, [N, C] (a [C] input is one row).
    Value x = lookup(in);
    auto xt = x ? dyn_cast<RankedTensorType>(x.getType()) : nullptr;
    if (!xt || xt.getRank() < 1 || xt.getRank() > 2)
      return nodeError(node, loc) << "needs a tensor of rank 1 or 2";
    if (xt.getRank() == 1) {
      OperationState state(loc, "onnx.Unsqueeze");
      state.addOperands({x, i64Constant(loc, {0}, /*scalar=*/false)});
      state.addTypes(RankedTensorType::get({1, xt.getDimSize(0)},
                                           xt.getElementType()));
      x = b.create(state)->getResult(0);
    }
    Value keys = buildZipMapKeys(b, loc, node);
    if (!keys)
      return failure();
    auto nKeys = cast<RankedTensorType>(keys.getType()).getDimSize(0);
    auto width = cast<RankedTensorType>(x.getType()).getDimSize(1);
    if (!ShapedType::isDynamic(width) && width != nKeys)
      return nodeError(node, loc) << "has " << nKeys << " class labels for "
                                  << width << " columns";
    maps[node.output(0)] = MapSlots{keys, x};
    return success();
  }
  auto m = maps.find(in);
  if (m == maps.end())
    return nodeError(node, loc)
           << "reads '" << in
           << "', which is not a map graph input (Kiln carries maps only at "
              "the model's edges)";
  Value out = node.op_type() == "DictVectorizer"
                  ? buildDictVectorizer(b, loc, m->second, node)
                  : buildCastMap(b, loc, m->second, node);
  if (!out)
    return failure();
  scopes.back()[node.output(0)] = out;
  return success();
}

LogicalResult Importer::importNode(const onnx::NodeProto &node) {
  std::string nodeName = nodeDisplayName(node);
  Location loc = NameLoc::get(b.getStringAttr(nodeName),
                              FileLineColLoc::get(ctx, path, 0, 0));
  auto nodeOpset = nodeOpsets.find(node.name());
  llvm::SaveAndRestore<int64_t> opsetOfNode(
      opset, nodeOpset == nodeOpsets.end() ? opset : nodeOpset->second);
  const std::string &domain = node.domain();
  // ai.onnx.ml operators are onnx.ml.<Op> (table key "ml.<Op>"), with the
  // attribute defaults of the model's ai.onnx.ml opset.
  bool ml = domain == "ai.onnx.ml";
  int64_t schemaOpset = opset;
  if (ml) {
    schemaOpset = -1;
    for (const auto &o : model.opset_import())
      if (o.domain() == domain)
        schemaOpset = o.version();
  }
  if (!domain.empty() && domain != "ai.onnx" && !ml) {
    int64_t domainOpset = -1;
    for (const auto &o : model.opset_import())
      if (o.domain() == domain)
        domainOpset = o.version();
    return emitError(loc) << "unsupported ONNX operator '" << node.op_type()
                          << "' (domain " << domain << ", opset " << domainOpset
                          << ") in node '" << nodeName
                          << "': Kiln only compiles the default ai.onnx "
                             "domain";
  }
  if (ml && (node.op_type() == "ZipMap" || node.op_type() == "DictVectorizer" ||
             node.op_type() == "CastMap"))
    return importMapOp(node, loc);
  std::string opName = (ml ? "ml." : "") + node.op_type();
  auto layoutIt = opTable().find(opName);
  std::vector<const onnx::AttributeProto *> defaults;
  bool schema = lookupSchema(node.op_type(), static_cast<int>(schemaOpset),
                             defaults, ml ? domain : "");
  if (layoutIt == opTable().end() || !schema) {
    return emitError(loc) << "unsupported ONNX operator '" << node.op_type()
                          << "' (domain " << (ml ? domain : "ai.onnx")
                          << ", opset " << schemaOpset << ") in node '"
                          << nodeName
                          << "': no such operator in this opset";
  }
  const OpLayout &layout = layoutIt->second;

  // Inputs by position; an empty name is an absent optional input.
  SmallVector<Value> inputs;
  for (const std::string &name : node.input()) {
    if (name.empty()) {
      inputs.push_back({});
      continue;
    }
    Value v = lookup(name);
    if (!v && maps.count(name))
      return emitError(loc)
             << "node '" << nodeName << "' reads '" << name
             << "', a map or sequence of maps: Kiln carries those only at "
                "the model's edges and into DictVectorizer and CastMap";
    if (!v)
      return emitError(loc) << "node '" << nodeName << "' uses value '" << name
                            << "', which no node or graph input defines";
    inputs.push_back(v);
  }

  // Attributes: the ones given, then the defaults of this opset version (they
  // can differ from the newest version's defaults the dialect declares).
  SmallVector<NamedAttribute> attrs;
  llvm::StringSet<llvm::MallocAllocator> known;
  for (const std::string &a : layout.attrs)
    known.insert(a);
  for (const auto &a : node.attribute()) {
    if (a.type() == onnx::AttributeProto::GRAPH)
      continue;
    FailureOr<Attribute> attr = convertAttribute(a, loc);
    if (failed(attr))
      return failure();
    attrs.push_back(b.getNamedAttr(odsAttrName(a.name()), *attr));
  }
  for (const onnx::AttributeProto *d : defaults) {
    const std::string &name = d->name();
    if (!known.contains(name) || llvm::any_of(attrs, [&](NamedAttribute n) {
          return n.getName() == odsAttrName(name);
        }))
      continue;
    FailureOr<Attribute> value = convertAttribute(*d, loc);
    if (succeeded(value))
      attrs.push_back(b.getNamedAttr(odsAttrName(name), *value));
  }

  bool handled = false;
  if (!ml && failed(normalizeLegacy(node, loc, inputs, attrs, handled)))
    return failure();
  if (handled)
    return success();
  for (const NamedAttribute &a : attrs)
    if (!known.contains(a.getName().getValue()) &&
        a.getName().getValue() != "type_proto")
      return emitError(loc)
             << "node '" << nodeName << "' (" << node.op_type() << ", opset "
             << opset << ") has attribute '" << a.getName().getValue()
             << "' that Kiln cannot represent";

  OperationState state(loc, "onnx." + opName);
  size_t next = 0;
  for (const char *k = layout.inputs; *k; ++k) {
    if (*k == 'V') {
      for (; next < inputs.size(); ++next)
        state.addOperands(inputs[next] ? inputs[next] : noValue(loc));
      break;
    }
    Value v = next < inputs.size() ? inputs[next] : Value();
    state.addOperands(v ? v : noValue(loc));
    ++next;
  }
  if (next < inputs.size())
    return emitError(loc) << "node '" << nodeName << "' has " << inputs.size()
                          << " inputs, more than " << node.op_type()
                          << " accepts";
  state.addAttributes(attrs);

  // Results: declared outputs get the inferred types, absent ones `none`.
  SmallVector<std::string> resultNames;
  int nOut = node.output_size(), pos = 0;
  for (const char *k = layout.outputs; *k; ++k) {
    int count = *k == 'V' ? std::max(0, nOut - pos) : 1;
    for (int i = 0; i < count; ++i, ++pos) {
      std::string name = pos < nOut ? node.output(pos) : "";
      if (name.empty()) {
        state.addTypes(NoneType::get(ctx));
      } else {
        FailureOr<Type> t = typeOf(name, loc);
        if (failed(t))
          return failure();
        state.addTypes(*t);
      }
      resultNames.push_back(name);
    }
  }

  // Regions from GRAPH attributes.
  for (const std::string &regionName : layout.regions) {
    Region *region = state.addRegion();
    const onnx::GraphProto *g = nullptr;
    for (const auto &a : node.attribute())
      if (a.name() == regionName && a.type() == onnx::AttributeProto::GRAPH)
        g = &a.g();
    if (!g)
      continue;
    Block *block = new Block();
    region->push_back(block);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(block);
    SmallVector<Value> yields;
    if (failed(importGraph(*g, /*isMain=*/false, block, yields)))
      return failure();
    OnnxYieldOp::create(b, loc, yields);
  }
  // ONNX shape inference often leaves Loop-carried values untyped, which
  // would leave the Loop's results (possibly graph outputs) without a rank:
  // untyped carried body arguments get the rank of their initial values
  // (dims open: they may change across iterations), the body is re-typed
  // from them and untyped results get the rank of what the body yields.
  if (node.op_type() == "Loop" && !state.regions.empty() &&
      !state.regions[0]->empty()) {
    Block &body = state.regions[0]->front();
    auto yield = cast<OnnxYieldOp>(body.getTerminator());
    unsigned nCarried = state.operands.size() - 2;
    bool retyped = false;
    for (unsigned k = 0; k < nCarried && k + 2 < body.getNumArguments(); ++k) {
      BlockArgument arg = body.getArgument(k + 2);
      auto init = dyn_cast<RankedTensorType>(state.operands[2 + k].getType());
      auto untyped = dyn_cast<UnrankedTensorType>(arg.getType());
      if (!init || !untyped)
        continue;
      arg.setType(RankedTensorType::get(
          SmallVector<int64_t>(init.getRank(), ShapedType::kDynamic),
          untyped.getElementType()));
      retyped = true;
    }
    if (retyped)
      body.walk<WalkOrder::PreOrder>(
          [](OnnxShapeInference inferable) { (void)inferable.inferShapes(); });
    for (unsigned i = 0;
         i < state.types.size() && i + 1 < yield.getNumOperands(); ++i) {
      auto y = dyn_cast<RankedTensorType>(yield.getOperand(i + 1).getType());
      if (!isa<UnrankedTensorType>(state.types[i]) || !y)
        continue;
      // Scan outputs have one more (leading) dim: the iterations.
      int64_t rank = y.getRank() + (i < nCarried ? 0 : 1);
      state.types[i] = RankedTensorType::get(
          SmallVector<int64_t>(rank, ShapedType::kDynamic), y.getElementType());
    }
  }

  Operation *op = b.create(state);
  for (auto [i, name] : llvm::enumerate(resultNames))
    if (!name.empty())
      scopes.back()[name] = op->getResult(i);
  return success();
}

LogicalResult Importer::importGraph(const onnx::GraphProto &g, bool isMain,
                                    Block *block,
                                    SmallVectorImpl<Value> &outputs) {
  scopes.emplace_back();
  typeScopes.emplace_back();
  auto &types = typeScopes.back();
  for (const auto &vi : g.input())
    types[vi.name()] = &vi.type();
  for (const auto &vi : g.value_info())
    types[vi.name()] = &vi.type();
  // A value_info of a graph output is its inferred type (the loader keeps
  // declared output shapes out of the computation): it wins.
  for (const auto &vi : g.output())
    types.emplace(vi.name(), &vi.type());

  Location loc = unknownLoc();
  std::set<std::string> initNames;
  for (const auto &t : g.initializer()) {
    initNames.insert(t.name());
    Value c = createConstant(NameLoc::get(b.getStringAttr(t.name()), loc), t);
    if (!c)
      return failure();
    scopes.back()[t.name()] = c;
  }
  if (!isMain) {
    // Subgraph inputs (Loop/Scan bodies) are block arguments.
    for (const auto &vi : g.input()) {
      FailureOr<Type> t = typeOf(vi.name(), loc);
      if (failed(t))
        return failure();
      scopes.back()[vi.name()] = block->addArgument(*t, loc);
    }
  }
  for (const auto &node : g.node())
    if (failed(importNode(node)))
      return failure();
  for (const auto &vi : g.output()) {
    Value v = lookup(vi.name());
    // A sequence of maps (ZipMap's) is carried by its tensors, which run()
    // returns in its place.
    if (!v && isMain && maps.count(vi.name())) {
      outputs.push_back(Value());
      continue;
    }
    if (!v)
      return emitError(loc) << "graph output '" << vi.name()
                            << "' is not produced by any node";
    outputs.push_back(v);
  }
  scopes.pop_back();
  typeScopes.pop_back();
  return success();
}

OwningOpRef<ModuleOp> Importer::run() {
  for (const auto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      opset = o.version();
  const onnx::GraphProto &g = model.graph();
  Location loc = unknownLoc();
  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  module->getOperation()->setAttr("kiln.opset", b.getI64IntegerAttr(opset));

  SmallVector<NamedAttribute> meta = {
      b.getNamedAttr("producer_name", b.getStringAttr(model.producer_name())),
      b.getNamedAttr("producer_version",
                     b.getStringAttr(model.producer_version())),
      b.getNamedAttr("graph_name", b.getStringAttr(g.name())),
      b.getNamedAttr("domain", b.getStringAttr(model.domain())),
      b.getNamedAttr("description", b.getStringAttr(model.doc_string())),
      b.getNamedAttr("graph_description", b.getStringAttr(g.doc_string())),
      // ONNX Runtime reports an unset model_version as INT64_MAX.
      b.getNamedAttr("version",
                     b.getStringAttr(model.has_model_version()
                                         ? std::to_string(model.model_version())
                                         : "9223372036854775807"))};
  for (const auto &p : model.metadata_props())
    meta.push_back(
        b.getNamedAttr("custom." + p.key(), b.getStringAttr(p.value())));
  module->getOperation()->setAttr("kiln.metadata", b.getDictionaryAttr(meta));

  // Signature: graph inputs that are not initializers, and graph outputs.
  std::set<std::string> initNames;
  for (const auto &t : g.initializer())
    initNames.insert(t.name());
  typeScopes.emplace_back();
  for (const auto &vi : g.input())
    typeScopes.back()[vi.name()] = &vi.type();
  for (const auto &vi : g.output())
    typeScopes.back()[vi.name()] = &vi.type();

  // One tensor slot of @main: a graph tensor, or a tensor of a sequence,
  // map or optional at the edge (named "x[0]", "x.keys", ...).
  auto slotAttrs = [&](const std::string &name, int32_t elemType,
                       const onnx::TypeProto *tensor) {
    SmallVector<Attribute> params;
    if (tensor && tensor->tensor_type().has_shape())
      for (const auto &d : tensor->tensor_type().shape().dim())
        params.push_back(
            b.getStringAttr(d.has_dim_value() ? "" : d.dim_param()));
    return b.getDictionaryAttr(
        {b.getNamedAttr("kiln.name", b.getStringAttr(name)),
         b.getNamedAttr("kiln.elem_type", b.getI32IntegerAttr(elemType)),
         b.getNamedAttr("kiln.dim_params", b.getArrayAttr(params))});
  };
  // How each graph input is made from its slots (filled once @main's
  // block exists).
  struct InputPlan {
    std::string name;
    unsigned firstArg = 0, numArgs = 0;
    uint32_t kind = KILN_VALUE_TENSOR, flags = 0;
    Type type; // the graph value's type (Seq, Opt or tensor)
  };
  SmallVector<InputPlan> plans;
  SmallVector<Type> argTypes, resultTypes;
  SmallVector<Attribute> argAttrs, resAttrs, inputValues, outputValues;
  bool nonTensorEdge = false;
  auto addSlot = [&](Type t, DictionaryAttr attrs) {
    argTypes.push_back(t);
    argAttrs.push_back(attrs);
  };
  for (const auto &vi : g.input()) {
    if (initNames.count(vi.name()))
      continue;
    const std::string &name = vi.name();
    InputPlan plan;
    plan.name = name;
    plan.firstArg = argTypes.size();
    const onnx::TypeProto *tp = &vi.type();
    if (tp->has_optional_type()) {
      plan.flags |= KILN_VALUE_FLAG_OPTIONAL;
      if (shapes.absentOptionals.count(name))
        plan.flags |= KILN_VALUE_FLAG_ABSENT;
      tp = &tp->optional_type().elem_type();
    }
    if (tp->has_map_type()) {
      // A map: its keys [n] and values [n] (ONNX map values here are
      // tensors of one element type: a scalar per key).
      const auto &mt = tp->map_type();
      if (!mt.value_type().has_tensor_type()) {
        emitError(loc) << "graph input '" << name
                       << "': only maps to tensor values are supported";
        return nullptr;
      }
      plan.kind = KILN_VALUE_MAP;
    } else if (tp->has_sequence_type()) {
      plan.kind = KILN_VALUE_SEQUENCE;
    }
    FailureOr<Type> t = plan.kind == KILN_VALUE_MAP
                            ? FailureOr<Type>(Type(NoneType::get(ctx)))
                            : convertType(*tp, name, loc);
    if (failed(t))
      return nullptr;
    plan.type = *t;
    if (plan.flags & KILN_VALUE_FLAG_OPTIONAL)
      plan.type = OptType::get(ctx, *t);
    if (plan.flags & KILN_VALUE_FLAG_ABSENT) {
      // No slots: an onnx.Optional without a value below.
    } else if (plan.kind == KILN_VALUE_MAP) {
      const auto &mt = tp->map_type();
      std::string error;
      Type key = onnxElementType(ctx, mt.key_type(), error);
      Type value = onnxElementType(
          ctx, mt.value_type().tensor_type().elem_type(), error);
      if (!key || !value) {
        emitError(loc) << "graph input '" << name << "': " << error;
        return nullptr;
      }
      addSlot(RankedTensorType::get({ShapedType::kDynamic}, key),
              slotAttrs(name + ".keys", mt.key_type(), nullptr));
      addSlot(RankedTensorType::get({ShapedType::kDynamic}, value),
              slotAttrs(name + ".values",
                        mt.value_type().tensor_type().elem_type(), nullptr));
    } else if (plan.kind == KILN_VALUE_SEQUENCE) {
      auto length = shapes.sequenceLengths.find(name);
      if (length == shapes.sequenceLengths.end()) {
        emitError(loc) << "graph input '" << name
                       << "' is a sequence: its length must be fixed to "
                          "compile it (kiln-compile --sequence-length "
                       << name << "=N; Python compiles one per length fed)";
        return nullptr;
      }
      // Tensors of one sequence may differ in shape: a dim_param of the
      // element type is not one size, so every slot's dims are anonymous.
      // An element type without a shape takes each slot's from --shape
      // "x[i]=?x?" (what Python passes from the tensors fed).
      const onnx::TypeProto &elem = tp->sequence_type().elem_type();
      TensorType elemType = cast<TensorType>(cast<SeqType>(*t).getElementType());
      for (int64_t i = 0; i < length->second; ++i) {
        std::string slot = name + "[" + std::to_string(i) + "]";
        Type slotType = elemType;
        if (auto given = shapes.inputShapes.find(slot);
            given != shapes.inputShapes.end()) {
          SmallVector<int64_t> dims;
          for (int64_t d : given->second)
            dims.push_back(d < 0 ? ShapedType::kDynamic : d);
          slotType = RankedTensorType::get(dims, elemType.getElementType());
        }
        if (!isa<RankedTensorType>(slotType)) {
          emitError(loc) << "graph input '" << name
                         << "' is a sequence of tensors of unknown rank: "
                            "give each one's shape (--shape '"
                         << slot << "=?x?' for rank 2)";
          return nullptr;
        }
        addSlot(slotType,
                slotAttrs(slot, elem.tensor_type().elem_type(), nullptr));
      }
    } else {
      if (!isa<RankedTensorType>(*t)) {
        emitError(loc) << "graph input '" << name
                       << "' has no shape; give one with --shape";
        return nullptr;
      }
      addSlot(*t, slotAttrs(name, tp->tensor_type().elem_type(), tp));
    }
    plan.numArgs = argTypes.size() - plan.firstArg;
    nonTensorEdge |= plan.kind != KILN_VALUE_TENSOR || plan.flags;
    inputValues.push_back(edgeValueAttr(b, name, ortTypeString(vi.type()),
                                        plan.kind, plan.flags,
                                        plan.numArgs));
    plans.push_back(std::move(plan));
  }
  for (const auto &[name, length] : shapes.sequenceLengths)
    if (!llvm::any_of(plans, [&](const InputPlan &p) {
          return p.name == name && p.kind == KILN_VALUE_SEQUENCE;
        })) {
      emitError(loc) << "--sequence-length names '" << name
                     << "', which is not a sequence graph input";
      return nullptr;
    }
  for (const std::string &name : shapes.absentOptionals)
    if (!llvm::any_of(plans, [&](const InputPlan &p) {
          return p.name == name && (p.flags & KILN_VALUE_FLAG_OPTIONAL);
        })) {
      emitError(loc) << "--optional-absent names '" << name
                     << "', which is not an optional graph input";
      return nullptr;
    }
  b.setInsertionPointToEnd(module->getBody());
  auto func = func::FuncOp::create(b, loc, "main",
                                   b.getFunctionType(argTypes, resultTypes));
  func.setAllArgAttrs(argAttrs);
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToEnd(entry);

  scopes.emplace_back();
  for (const InputPlan &plan : plans) {
    auto args = entry->getArguments().slice(plan.firstArg, plan.numArgs);
    Location at = NameLoc::get(b.getStringAttr(plan.name), loc);
    Type inner = plan.type;
    if (auto opt = dyn_cast<OptType>(inner))
      inner = opt.getElementType();
    Value v;
    if (plan.kind == KILN_VALUE_MAP) {
      if (!(plan.flags & KILN_VALUE_FLAG_ABSENT))
        maps[plan.name] = MapSlots{args[0], args[1]};
      if (plan.flags & KILN_VALUE_FLAG_OPTIONAL) {
        emitError(at) << "graph input '" << plan.name
                      << "': optional maps are not supported";
        return nullptr;
      }
      continue;
    }
    if (plan.flags & KILN_VALUE_FLAG_ABSENT) {
      v = OnnxOptionalOp::create(b, at, plan.type, noValue(at),
                                 TypeAttr::get(inner));
      scopes.back()[plan.name] = v;
      continue;
    }
    if (plan.kind == KILN_VALUE_SEQUENCE) {
      auto seq = cast<SeqType>(inner);
      if (args.empty()) {
        std::string error;
        OperationState state(at, "onnx.SequenceEmpty");
        state.addTypes(seq);
        state.addAttribute(
            "dtype", b.getI64IntegerAttr(onnxDataTypeOf(
                         cast<TensorType>(seq.getElementType())
                             .getElementType())));
        v = b.create(state)->getResult(0);
      } else {
        OperationState state(at, "onnx.SequenceConstruct");
        state.addOperands(ValueRange(args));
        state.addTypes(seq);
        v = b.create(state)->getResult(0);
      }
    } else {
      v = args[0];
    }
    if (plan.flags & KILN_VALUE_FLAG_OPTIONAL)
      v = OnnxOptionalOp::create(b, at, plan.type, v, TypeAttr());
    scopes.back()[plan.name] = v;
  }
  SmallVector<Value> outputs;
  if (failed(importGraph(g, /*isMain=*/true, entry, outputs)))
    return nullptr;
  // Graph outputs: tensors as ONNX inferred them; sequences and optionals
  // stay one result here until kiln-resolve-sequences replaces them by the
  // tensors they hold (and updates kiln.output_values' counts); a sequence
  // of maps (ZipMap's) is its keys and values.
  SmallVector<Value> results;
  for (auto [i, vi] : llvm::enumerate(g.output())) {
    const std::string &name = vi.name();
    std::string type = ortTypeString(vi.type());
    if (auto m = maps.find(name); m != maps.end()) {
      results.append({m->second.keys, m->second.values});
      for (auto [j, slot] : llvm::enumerate(ArrayRef(results).take_back(2))) {
        auto t = cast<RankedTensorType>(slot.getType());
        resAttrs.push_back(slotAttrs(name + (j ? ".values" : ".keys"),
                                     onnxDataTypeOf(t.getElementType()),
                                     nullptr));
      }
      // A map graph input passed through is a map; ZipMap's is a
      // sequence of maps.
      outputValues.push_back(edgeValueAttr(
          b, name, type,
          vi.type().has_sequence_type() ? KILN_VALUE_SEQUENCE_OF_MAPS
                                        : KILN_VALUE_MAP,
          0, 2));
      nonTensorEdge = true;
      continue;
    }
    Value v = outputs[i];
    if (isSeqOrOpt(v.getType())) {
      // Typed again by kiln-resolve-sequences once the elements are known.
      const onnx::TypeProto *tp = &vi.type();
      uint32_t flags = 0;
      if (tp->has_optional_type()) {
        flags = KILN_VALUE_FLAG_OPTIONAL;
        tp = &tp->optional_type().elem_type();
      }
      outputValues.push_back(edgeValueAttr(
          b, name, type,
          tp->has_sequence_type() ? KILN_VALUE_SEQUENCE : KILN_VALUE_TENSOR,
          flags, 1));
      resAttrs.push_back(slotAttrs(
          name,
          tp->has_sequence_type()
              ? tp->sequence_type().elem_type().tensor_type().elem_type()
              : tp->tensor_type().elem_type(),
          // A sequence's tensors differ in shape: their dims are anonymous.
          tp->has_sequence_type() ? nullptr : tp));
      nonTensorEdge = true;
    } else {
      outputValues.push_back(
          edgeValueAttr(b, name, type, KILN_VALUE_TENSOR, 0, 1));
      resAttrs.push_back(
          slotAttrs(name, vi.type().tensor_type().elem_type(), &vi.type()));
    }
    results.push_back(v);
  }
  for (Value v : results)
    resultTypes.push_back(v.getType());
  func.setFunctionType(b.getFunctionType(argTypes, resultTypes));
  func.setAllResultAttrs(resAttrs);
  if (nonTensorEdge) {
    func->setAttr(kInputValuesAttr, b.getArrayAttr(inputValues));
    func->setAttr(kOutputValuesAttr, b.getArrayAttr(outputValues));
  }
  func::ReturnOp::create(b, loc, results);
  return module;
}

} // namespace

OwningOpRef<ModuleOp> importOnnxModel(MLIRContext *ctx, const std::string &path,
                                      const std::string &bytes,
                                      const ShapeOptions &shapes,
                                      int *errorCode,
                                      const llvm::StringSet<> *loweredOps) {
  ctx->loadDialect<OnnxDialect, func::FuncDialect>();
  LoadedModel loaded;
  std::string error;
  int code = 0;
  std::function<bool(const std::string &)> isLowered;
  if (loweredOps)
    isLowered = [loweredOps](const std::string &op) {
      return loweredOps->contains(op);
    };
  if (!loadModel(path, bytes, shapes, loaded, error, code, isLowered)) {
    if (errorCode)
      *errorCode = code;
    emitError(FileLineColLoc::get(ctx, path.empty() ? "<bytes>" : path, 0, 0))
        << error;
    return nullptr;
  }
  Importer importer(ctx, *loaded.model, path.empty() ? "<bytes>" : path,
                    loaded.nodeOpsets, shapes);
  OwningOpRef<ModuleOp> module = importer.run();
  if (!module && errorCode)
    *errorCode = 10;
  return module;
}

} // namespace kiln
