//===- TrainingOps.cpp - Expands the ONNX training optimizers -------------===//
//
// Built with exceptions on, like the rest of KilnModelLoader (it only uses
// the protobuf classes, which do not throw).
//
// Each optimizer node takes R (learning rate, scalar), T (update count,
// int64 scalar) and n groups of tensors laid out group-major: X_1..X_n,
// G_1..G_n, then the state tensors (H, or V and H, or V). Its outputs are
// the new values in the same order. The expansion works in the element type
// of the X tensors: R is cast to it, T too, and the attributes become scalar
// constants of that type, so every default-domain op sees equal types.
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/TrainingOps.h"
#include "compiler/frontend/ModelLoader.h"

#include <onnx/onnx_pb.h>

#include <map>
#include <optional>
#include <set>
#include <vector>

namespace kiln {

namespace {

constexpr const char *kTrainingDomain = "ai.onnx.preview.training";

/// Default-domain opset added to models that import none (the backend tests
/// of these operators import only the training domain). Every op used below
/// has its current form in opset 13.
constexpr int64_t kAddedOpset = 13;

/// Where (opset 9) is the newest operator the expansion needs.
constexpr int64_t kMinimumOpset = 9;

bool isDefaultDomain(const std::string &d) {
  return d.empty() || d == "ai.onnx";
}

/// Element types of the values the enclosing graphs declare.
using TypeScope = std::map<std::string, int32_t>;

void addTypes(const onnx::GraphProto &g, TypeScope &types) {
  auto add = [&](const onnx::ValueInfoProto &v) {
    if (v.type().has_tensor_type() && v.type().tensor_type().elem_type())
      types[v.name()] = v.type().tensor_type().elem_type();
  };
  for (const auto &v : g.input())
    add(v);
  for (const auto &v : g.value_info())
    add(v);
  for (const auto &v : g.output())
    add(v);
  for (const auto &t : g.initializer())
    types[t.name()] = t.data_type();
}

/// Appends the default-domain nodes of one expansion, named after the
/// optimizer node so error messages and dumps point back to it. Callers
/// emit one sub-expression per statement (or in braced lists, which C++
/// evaluates in order) so the node order does not depend on the compiler.
class Emitter {
public:
  Emitter(std::vector<onnx::NodeProto> &out, std::string prefix,
          int32_t elemType)
      : out(out), prefix(std::move(prefix)), elemType_(elemType) {}

  /// A node of `opType`; its single output is `result` or a fresh name.
  std::string op(const std::string &opType,
                 const std::vector<std::string> &inputs,
                 const std::string &result = "") {
    onnx::NodeProto &n = addNode(opType);
    for (const auto &in : inputs)
      n.add_input(in);
    std::string name = result.empty() ? fresh(opType) : result;
    n.add_output(name);
    return name;
  }

  /// A scalar constant of the working element type.
  std::string constant(double value) {
    onnx::TensorProto *t = constantNode();
    t->set_data_type(elemType_);
    if (elemType_ == onnx::TensorProto::DOUBLE)
      t->add_double_data(value);
    else
      t->add_float_data(static_cast<float>(value));
    return out.back().output(0);
  }

  /// `name` converted to the working element type; `from` is its element
  /// type (0 when unknown), and no Cast is added when it already matches.
  std::string cast(const std::string &name, int32_t from) {
    if (from == elemType_)
      return name;
    onnx::NodeProto &n = addNode("Cast");
    n.add_input(name);
    std::string result = fresh("Cast");
    n.add_output(result);
    auto *attr = n.add_attribute();
    attr->set_name("to");
    attr->set_type(onnx::AttributeProto::INT);
    attr->set_i(elemType_);
    return result;
  }

  std::string mul(const std::string &a, const std::string &b,
                  const std::string &result = "") {
    return op("Mul", {a, b}, result);
  }
  std::string add(const std::string &a, const std::string &b,
                  const std::string &result = "") {
    return op("Add", {a, b}, result);
  }
  std::string sub(const std::string &a, const std::string &b,
                  const std::string &result = "") {
    return op("Sub", {a, b}, result);
  }
  std::string div(const std::string &a, const std::string &b) {
    return op("Div", {a, b});
  }
  /// A 1-D int64 constant.
  std::string i64s(const std::vector<int64_t> &values) {
    onnx::TensorProto *t = constantNode();
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(values.size());
    for (int64_t v : values)
      t->add_int64_data(v);
    return out.back().output(0);
  }
  int32_t elemType() const { return elemType_; }

private:
  /// A Constant node with a fresh output; its value is for the caller.
  onnx::TensorProto *constantNode() {
    onnx::NodeProto &n = addNode("Constant");
    n.add_output(fresh("Constant"));
    auto *attr = n.add_attribute();
    attr->set_name("value");
    attr->set_type(onnx::AttributeProto::TENSOR);
    return attr->mutable_t();
  }

  onnx::NodeProto &addNode(const std::string &opType) {
    out.emplace_back();
    onnx::NodeProto &n = out.back();
    n.set_op_type(opType);
    n.set_name(prefix + opType + "_" + std::to_string(counter++));
    return n;
  }
  std::string fresh(const std::string &opType) {
    return prefix + opType + "_" + std::to_string(counter) + "_out";
  }

  std::vector<onnx::NodeProto> &out;
  std::string prefix;
  int32_t elemType_;
  int counter = 0;
};

//===----------------------------------------------------------------------===//
// Gradient: reverse-mode differentiation of the graph before the node
//===----------------------------------------------------------------------===//

/// The declared or inferred type of every value of `g`.
std::map<std::string, const onnx::TypeProto *>
typesOf(const onnx::GraphProto &g) {
  std::map<std::string, const onnx::TypeProto *> types;
  for (const auto &v : g.input())
    types[v.name()] = &v.type();
  for (const auto &v : g.value_info())
    types[v.name()] = &v.type();
  for (const auto &v : g.output())
    types.emplace(v.name(), &v.type());
  return types;
}

/// Static dims of a tensor type, or nothing when one is unknown.
std::optional<std::vector<int64_t>> staticDims(const onnx::TypeProto *t) {
  if (!t || !t->has_tensor_type() || !t->tensor_type().has_shape())
    return std::nullopt;
  std::vector<int64_t> dims;
  for (const auto &d : t->tensor_type().shape().dim()) {
    if (!d.has_dim_value())
      return std::nullopt;
    dims.push_back(d.dim_value());
  }
  return dims;
}

/// Builds dy/dx for the Gradient node's xs by walking the nodes before it
/// backwards from y, with a derivative rule per operator.
class GradientBuilder {
public:
  GradientBuilder(const onnx::GraphProto &g, std::vector<onnx::NodeProto> &out,
                  const std::string &prefix, int32_t elemType, int64_t opset)
      : types(typesOf(g)), out(out), e(out, prefix, elemType), opset(opset) {}

  bool build(const onnx::NodeProto &node, std::string &error) {
    std::vector<std::string> xs, zs;
    std::string y;
    for (const auto &a : node.attribute()) {
      if (a.name() == "xs")
        xs.assign(a.strings().begin(), a.strings().end());
      else if (a.name() == "zs")
        zs.assign(a.strings().begin(), a.strings().end());
      else if (a.name() == "y")
        y = a.s();
    }
    if (xs.empty() || y.empty() || (int)xs.size() != node.output_size()) {
      error = "needs the attributes xs and y, and one output per entry of xs";
      return false;
    }
    // The nodes on a path from an x to y, in graph order (the nodes before
    // the Gradient node, already expanded, are `out`).
    std::set<std::string> fromX(xs.begin(), xs.end());
    std::vector<const onnx::NodeProto *> path;
    size_t before = out.size();
    for (size_t i = 0; i < before; ++i) {
      const onnx::NodeProto &n = out[i];
      bool reads = false;
      for (const auto &in : n.input())
        reads |= fromX.count(in) > 0;
      if (!reads)
        continue;
      for (const auto &o : n.output())
        fromX.insert(o);
      path.push_back(&out[i]);
    }
    if (!fromX.count(y)) {
      error = "y ('" + y + "') does not depend on xs";
      return false;
    }
    // Copies: the nodes appended below may reallocate `out`.
    std::vector<onnx::NodeProto> nodes;
    for (const onnx::NodeProto *n : path)
      nodes.push_back(*n);
    grads[y] = e.op("ConstantOfShape", {e.op("Shape", {y})});
    setValue(out.back(), 1.0);
    for (auto it = nodes.rbegin(); it != nodes.rend(); ++it)
      if (!backward(*it, fromX, error))
        return false;
    for (int i = 0; i < node.output_size(); ++i) {
      auto g = grads.find(xs[i]);
      if (g == grads.end()) {
        // y does not depend on this x: a zero gradient of its shape.
        e.op("ConstantOfShape", {e.op("Shape", {xs[i]})}, node.output(i));
        setValue(out.back(), 0.0);
      } else {
        e.op("Identity", {g->second}, node.output(i));
      }
    }
    return true;
  }

private:
  /// ConstantOfShape's value: one element of the working type.
  void setValue(onnx::NodeProto &n, double v) {
    auto *attr = n.add_attribute();
    attr->set_name("value");
    attr->set_type(onnx::AttributeProto::TENSOR);
    onnx::TensorProto *t = attr->mutable_t();
    t->set_data_type(e.elemType());
    t->add_dims(1);
    if (e.elemType() == onnx::TensorProto::DOUBLE)
      t->add_double_data(v);
    else
      t->add_float_data(static_cast<float>(v));
  }

  /// Adds `g` to the gradient of `value`.
  void accumulate(const std::string &value, const std::string &g) {
    auto it = grads.find(value);
    grads[value] = it == grads.end() ? g : e.add(it->second, g);
  }

  /// `g`, shaped like the output `from`, summed down to the shape of
  /// `to` (the operand a broadcasting op stretched).
  bool unbroadcast(const std::string &g, const std::string &from,
                   const std::string &to, std::string &result,
                   std::string &error) {
    const onnx::TypeProto *ft = types.count(from) ? types[from] : nullptr;
    const onnx::TypeProto *tt = types.count(to) ? types[to] : nullptr;
    auto fd = staticDims(ft), td = staticDims(tt);
    if (fd && td && *fd == *td) {
      result = g;
      return true;
    }
    if (!fd || !td || td->size() > fd->size()) {
      // Same declared shape (dims or names): nothing was broadcast.
      if (ft && tt && ft->has_tensor_type() && tt->has_tensor_type() &&
          ft->tensor_type().shape().SerializeAsString() ==
              tt->tensor_type().shape().SerializeAsString() &&
          ft->tensor_type().has_shape()) {
        result = g;
        return true;
      }
      error = "un-broadcasting the gradient of '" + to +
              "' needs the static shapes of it and of '" + from + "'";
      return false;
    }
    std::vector<int64_t> axes;
    size_t lead = fd->size() - td->size();
    for (size_t i = 0; i < fd->size(); ++i)
      if (i < lead || ((*td)[i - lead] == 1 && (*fd)[i] != 1))
        axes.push_back(i);
    std::string summed = g;
    if (!axes.empty()) {
      if (opset >= 13) {
        summed = e.op("ReduceSum", {g, e.i64s(axes)});
      } else {
        summed = e.op("ReduceSum", {g});
        auto *attr = out.back().add_attribute();
        attr->set_name("axes");
        attr->set_type(onnx::AttributeProto::INTS);
        for (int64_t a : axes)
          attr->add_ints(a);
      }
    }
    result = e.op("Reshape", {summed, e.i64s(*td)});
    return true;
  }

  bool backward(const onnx::NodeProto &n, const std::set<std::string> &fromX,
                std::string &error) {
    if (n.output_size() != 1 || !grads.count(n.output(0)))
      return true; // nothing flows back through this node to y
    const std::string &op = n.op_type();
    std::string g = grads[n.output(0)], c = n.output(0);
    auto in = [&](int i) { return n.input(i); };
    auto wants = [&](int i) {
      return i < n.input_size() && fromX.count(n.input(i)) > 0;
    };
    auto give = [&](int i, const std::string &gi) {
      std::string shaped;
      if (!unbroadcast(gi, c, in(i), shaped, error))
        return false;
      accumulate(in(i), shaped);
      return true;
    };
    if (!isDefaultDomain(n.domain()))
      return fail(n, error);
    if (op == "Identity")
      return !wants(0) || give(0, g);
    if (op == "Neg")
      return !wants(0) || give(0, e.op("Neg", {g}));
    if (op == "Add" || op == "Sub") {
      if (wants(0) && !give(0, g))
        return false;
      return !wants(1) || give(1, op == "Add" ? g : e.op("Neg", {g}));
    }
    if (op == "Mul") {
      if (wants(0) && !give(0, e.mul(g, in(1))))
        return false;
      return !wants(1) || give(1, e.mul(g, in(0)));
    }
    if (op == "Div") {
      // d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -c/b.
      if (wants(0) && !give(0, e.div(g, in(1))))
        return false;
      return !wants(1) ||
             give(1, e.op("Neg", {e.div(e.mul(g, c), in(1))}));
    }
    if (op == "Relu") {
      std::string zero = e.constant(0.0);
      return !wants(0) ||
             give(0, e.op("Where", {e.op("Greater", {in(0), zero}), g, zero}));
    }
    return fail(n, error);
  }

  static bool fail(const onnx::NodeProto &n, std::string &error) {
    error = "no derivative rule for node '" + nodeDisplayName(n) + "' (" +
            n.op_type() +
            "): Kiln differentiates Add, Sub, Mul, Div, Neg, Relu and "
            "Identity";
    return false;
  }

  std::map<std::string, const onnx::TypeProto *> types;
  std::vector<onnx::NodeProto> &out;
  Emitter e;
  int64_t opset;
  /// The gradient of y with respect to each value, once known.
  std::map<std::string, std::string> grads;
};

/// The attributes of an optimizer node, with the schema defaults.
class Attributes {
public:
  explicit Attributes(const onnx::NodeProto &node) {
    for (const auto &a : node.attribute())
      given[a.name()] = &a;
  }
  /// A float attribute; `required` ones without a default fail.
  bool getFloat(const std::string &name, const float *defaultValue,
                double &value, std::string &missing) const {
    auto it = given.find(name);
    if (it != given.end()) {
      value = it->second->f();
      return true;
    }
    if (!defaultValue) {
      missing = name;
      return false;
    }
    value = *defaultValue;
    return true;
  }
  std::string getString(const std::string &name) const {
    auto it = given.find(name);
    return it == given.end() ? "" : it->second->s();
  }

private:
  std::map<std::string, const onnx::AttributeProto *> given;
};

/// The inputs and outputs of one optimizer node, split into groups.
struct Operands {
  std::string R, T;
  int64_t groups = 0;
  // inputs[k][i]: the i-th tensor of input kind k (X, G, then the states).
  std::vector<std::vector<std::string>> inputs;
  // outputs[k][i]: the new value of input kind k + 0 (X) or k + 1 (states).
  std::vector<std::vector<std::string>> outputs;
};

class TrainingExpander {
public:
  explicit TrainingExpander(onnx::ModelProto &model) : model(model) {}

  bool expandGraph(onnx::GraphProto &g, std::vector<TypeScope> &scopes,
                   std::string &error) {
    scopes.emplace_back();
    addTypes(g, scopes.back());
    std::vector<onnx::NodeProto> out;
    for (onnx::NodeProto &node : *g.mutable_node()) {
      for (auto &attr : *node.mutable_attribute()) {
        if (attr.has_g() && !expandGraph(*attr.mutable_g(), scopes, error))
          return false;
        for (auto &sub : *attr.mutable_graphs())
          if (!expandGraph(sub, scopes, error))
            return false;
      }
      if (node.domain() == kTrainingDomain && node.op_type() == "Gradient") {
        if (!ensureDefaultOpset(error) ||
            !expandGradient(node, g, out, defaultOpset(), error)) {
          error = "node '" + nodeName(node) + "' (Gradient, domain " +
                  kTrainingDomain + "): " + error;
          return false;
        }
        ++expansions;
        continue;
      }
      if (node.domain() != kTrainingDomain ||
          (node.op_type() != "Adagrad" && node.op_type() != "Adam" &&
           node.op_type() != "Momentum")) {
        out.push_back(std::move(node));
        continue;
      }
      if (!expandNode(node, scopes, out, error))
        return false;
      ++expansions;
    }
    g.clear_node();
    for (auto &n : out)
      *g.add_node() = std::move(n);
    scopes.pop_back();
    return true;
  }

  int expansions = 0;

private:
  static std::string nodeName(const onnx::NodeProto &node) {
    return nodeDisplayName(node);
  }

  static int32_t typeOf(const std::vector<TypeScope> &scopes,
                        const std::string &name) {
    for (auto it = scopes.rbegin(); it != scopes.rend(); ++it)
      if (auto f = it->find(name); f != it->end())
        return f->second;
    return 0;
  }

  /// Splits the node's operands into `stateKinds` + 2 input kinds of n
  /// tensors each, and as many output kinds minus G.
  static bool splitOperands(const onnx::NodeProto &node, int stateKinds,
                            Operands &ops, std::string &error) {
    int kinds = 2 + stateKinds;
    int tensors = node.input_size() - 2;
    if (tensors <= 0 || tensors % kinds != 0) {
      error = "node '" + nodeName(node) + "' (" + node.op_type() +
              "): " + std::to_string(node.input_size()) +
              " inputs; expected R, T and " + std::to_string(kinds) +
              " tensors per optimized variable";
      return false;
    }
    ops.groups = tensors / kinds;
    if (node.output_size() > ops.groups * (kinds - 1)) {
      error = "node '" + nodeName(node) + "' (" + node.op_type() +
              "): " + std::to_string(node.output_size()) + " outputs for " +
              std::to_string(ops.groups) + " optimized variables";
      return false;
    }
    ops.R = node.input(0);
    ops.T = node.input(1);
    ops.inputs.assign(kinds, {});
    for (int k = 0; k < kinds; ++k)
      for (int64_t i = 0; i < ops.groups; ++i)
        ops.inputs[k].push_back(node.input(2 + k * ops.groups + i));
    ops.outputs.assign(kinds - 1, {});
    for (int k = 0; k < kinds - 1; ++k)
      for (int64_t i = 0; i < ops.groups; ++i) {
        int index = k * ops.groups + i;
        ops.outputs[k].push_back(index < node.output_size() ? node.output(index)
                                                            : "");
      }
    if (ops.R.empty() || ops.T.empty()) {
      error = "node '" + nodeName(node) + "' (" + node.op_type() +
              "): R and T are required";
      return false;
    }
    return true;
  }

  bool expandNode(const onnx::NodeProto &node,
                  const std::vector<TypeScope> &scopes,
                  std::vector<onnx::NodeProto> &out, std::string &error) {
    std::string name = nodeName(node);
    auto fail = [&](const std::string &why) {
      error = "node '" + name + "' (" + node.op_type() + ", domain " +
              kTrainingDomain + "): " + why;
      return false;
    };
    if (!ensureDefaultOpset(error))
      return fail(error);
    int stateKinds = node.op_type() == "Adam" ? 2 : 1;
    Operands ops;
    if (!splitOperands(node, stateKinds, ops, error))
      return false;
    int32_t elemType = typeOf(scopes, ops.inputs[0][0]);
    if (elemType != onnx::TensorProto::FLOAT &&
        elemType != onnx::TensorProto::DOUBLE)
      return fail(elemType == 0 ? "the element type of '" + ops.inputs[0][0] +
                                      "' is unknown"
                                : "optimized tensors must be float or double");
    Emitter e(out, name + "/", elemType);
    std::string R = e.cast(ops.R, typeOf(scopes, ops.R));
    std::string T = e.cast(ops.T, typeOf(scopes, ops.T));
    Attributes attrs(node);
    std::string missing;
    bool ok = true;
    if (node.op_type() == "Adagrad")
      ok = expandAdagrad(e, attrs, ops, R, T, missing);
    else if (node.op_type() == "Adam")
      ok = expandAdam(e, attrs, ops, R, T, missing);
    else
      ok = expandMomentum(e, attrs, ops, R, T, missing, error);
    if (!ok)
      return fail(missing.empty() ? error
                                  : "attribute '" + missing + "' is required");
    return true;
  }

  /// r = R / (1 + T * decay_factor); G_reg = norm_coefficient * X + G;
  /// H_new = H + G_reg * G_reg; X_new = X - r * G_reg / (Sqrt(H_new) + eps).
  static bool expandAdagrad(Emitter &e, const Attributes &attrs,
                            const Operands &ops, const std::string &R,
                            const std::string &T, std::string &missing) {
    const float zero = 0.0f, defaultEpsilon = 1e-6f;
    double normCoefficient, decayFactor, epsilon;
    if (!attrs.getFloat("norm_coefficient", &zero, normCoefficient, missing) ||
        !attrs.getFloat("decay_factor", &zero, decayFactor, missing) ||
        !attrs.getFloat("epsilon", &defaultEpsilon, epsilon, missing))
      return false;
    std::string one = e.constant(1.0);
    std::string decay = e.mul(T, e.constant(decayFactor));
    std::string r = e.div(R, e.add(one, decay));
    std::string nc = e.constant(normCoefficient), eps = e.constant(epsilon);
    for (int64_t i = 0; i < ops.groups; ++i) {
      const std::string &X = ops.inputs[0][i], &G = ops.inputs[1][i],
                        &H = ops.inputs[2][i];
      std::string gReg = e.add(e.mul(nc, X), G);
      std::string hNew = e.add(H, e.mul(gReg, gReg), ops.outputs[1][i]);
      std::string hAdaptive = e.add(e.op("Sqrt", {hNew}), eps);
      e.sub(X, e.div(e.mul(r, gReg), hAdaptive), ops.outputs[0][i]);
    }
    return true;
  }

  /// G_reg = norm_coefficient * X + G; V_new = alpha * V + (1 - alpha) *
  /// G_reg; H_new = beta * H + (1 - beta) * G_reg * G_reg; R_adj = T > 0 ?
  /// R * Sqrt(1 - beta^T) / (1 - alpha^T) : R; X_new = X - R_adj * V_new /
  /// (Sqrt(H_new) + eps); X_final = (1 - norm_coefficient_post) * X_new.
  static bool expandAdam(Emitter &e, const Attributes &attrs,
                         const Operands &ops, const std::string &R,
                         const std::string &T, std::string &missing) {
    const float zero = 0.0f, defaultAlpha = 0.9f, defaultBeta = 0.999f,
                defaultEpsilon = 1e-6f;
    double alpha, beta, epsilon, normCoefficient, normCoefficientPost;
    if (!attrs.getFloat("alpha", &defaultAlpha, alpha, missing) ||
        !attrs.getFloat("beta", &defaultBeta, beta, missing) ||
        !attrs.getFloat("epsilon", &defaultEpsilon, epsilon, missing) ||
        !attrs.getFloat("norm_coefficient", &zero, normCoefficient, missing) ||
        !attrs.getFloat("norm_coefficient_post", &zero, normCoefficientPost,
                        missing))
      return false;
    std::string one = e.constant(1.0);
    std::string alphaC = e.constant(alpha), betaC = e.constant(beta);
    // The bias correction divides by 1 - alpha^T, which is 0 at T = 0: the
    // Where picks R there, so the NaN of that branch never reaches X.
    std::string denominator = e.sub(one, e.op("Pow", {alphaC, T}));
    std::string numerator =
        e.mul(R, e.op("Sqrt", {e.sub(one, e.op("Pow", {betaC, T}))}));
    std::string corrected = e.div(numerator, denominator);
    std::string positive = e.op("Greater", {T, e.constant(0.0)});
    std::string rAdjusted = e.op("Where", {positive, corrected, R});
    std::string nc = e.constant(normCoefficient), eps = e.constant(epsilon);
    std::string oneMinusAlpha = e.constant(1.0 - alpha);
    std::string oneMinusBeta = e.constant(1.0 - beta);
    std::string post = e.constant(1.0 - normCoefficientPost);
    for (int64_t i = 0; i < ops.groups; ++i) {
      const std::string &X = ops.inputs[0][i], &G = ops.inputs[1][i],
                        &V = ops.inputs[2][i], &H = ops.inputs[3][i];
      std::string gReg = e.add(e.mul(nc, X), G);
      std::string vDecayed = e.mul(alphaC, V);
      std::string vNew =
          e.add(vDecayed, e.mul(oneMinusAlpha, gReg), ops.outputs[1][i]);
      std::string hDecayed = e.mul(betaC, H);
      std::string hNew = e.add(hDecayed, e.mul(oneMinusBeta, e.mul(gReg, gReg)),
                               ops.outputs[2][i]);
      std::string hSqrt = e.add(e.op("Sqrt", {hNew}), eps);
      std::string xNew = e.sub(X, e.mul(rAdjusted, e.div(vNew, hSqrt)));
      e.mul(post, xNew, ops.outputs[0][i]);
    }
    return true;
  }

  /// G_reg = norm_coefficient * X + G; beta_adj = T > 0 ? beta : 1;
  /// V_new = alpha * V + beta_adj * G_reg; X_new = X - R * V_new (standard)
  /// or X - R * (G_reg + alpha * V_new) (nesterov).
  static bool expandMomentum(Emitter &e, const Attributes &attrs,
                             const Operands &ops, const std::string &R,
                             const std::string &T, std::string &missing,
                             std::string &error) {
    double alpha, beta, normCoefficient;
    if (!attrs.getFloat("alpha", nullptr, alpha, missing) ||
        !attrs.getFloat("beta", nullptr, beta, missing) ||
        !attrs.getFloat("norm_coefficient", nullptr, normCoefficient, missing))
      return false;
    std::string mode = attrs.getString("mode");
    if (mode != "standard" && mode != "nesterov") {
      error = "mode '" + mode + "' is neither 'standard' nor 'nesterov'";
      return false;
    }
    std::string alphaC = e.constant(alpha);
    std::string positive = e.op("Greater", {T, e.constant(0.0)});
    // Braced lists evaluate in order: beta's constant comes first.
    std::string betaAdjusted =
        e.op("Where", {positive, e.constant(beta), e.constant(1.0)});
    std::string nc = e.constant(normCoefficient);
    for (int64_t i = 0; i < ops.groups; ++i) {
      const std::string &X = ops.inputs[0][i], &G = ops.inputs[1][i],
                        &V = ops.inputs[2][i];
      std::string gReg = e.add(e.mul(nc, X), G);
      std::string vDecayed = e.mul(alphaC, V);
      std::string vNew =
          e.add(vDecayed, e.mul(betaAdjusted, gReg), ops.outputs[1][i]);
      std::string direction =
          mode == "standard" ? vNew : e.add(gReg, e.mul(alphaC, vNew));
      e.sub(X, e.mul(R, direction), ops.outputs[0][i]);
    }
    return true;
  }

  /// Replaces a Gradient node by the nodes computing its outputs.
  bool expandGradient(const onnx::NodeProto &node, const onnx::GraphProto &g,
                      std::vector<onnx::NodeProto> &out, int64_t opset,
                      std::string &error) {
    std::string y;
    for (const auto &a : node.attribute())
      if (a.name() == "y")
        y = a.s();
    auto types = typesOf(g);
    int32_t elem = types.count(y) && types[y]->has_tensor_type()
                       ? types[y]->tensor_type().elem_type()
                       : 0;
    if (elem != onnx::TensorProto::FLOAT &&
        elem != onnx::TensorProto::DOUBLE) {
      error = "y must be a float or double tensor of known type";
      return false;
    }
    GradientBuilder builder(g, out, nodeName(node) + "/", elem, opset);
    return builder.build(node, error);
  }

  int64_t defaultOpset() const {
    for (const auto &o : model.opset_import())
      if (isDefaultDomain(o.domain()))
        return o.version();
    return kAddedOpset;
  }

  /// The expansion is made of default-domain nodes: the model must import
  /// that domain in an opset that has all of them.
  bool ensureDefaultOpset(std::string &error) {
    for (const auto &o : model.opset_import()) {
      if (!isDefaultDomain(o.domain()))
        continue;
      if (o.version() >= kMinimumOpset)
        return true;
      error = "the expansion needs default-domain opset " +
              std::to_string(kMinimumOpset) + " or newer; the model imports " +
              std::to_string(o.version());
      return false;
    }
    auto *o = model.add_opset_import();
    o->set_domain("");
    o->set_version(kAddedOpset);
    return true;
  }

  onnx::ModelProto &model;
};

} // namespace

bool expandTrainingOps(onnx::ModelProto &model, bool &changed,
                       std::string &error) {
  TrainingExpander expander(model);
  std::vector<TypeScope> scopes;
  if (!expander.expandGraph(*model.mutable_graph(), scopes, error))
    return false;
  changed = expander.expansions > 0;
  return true;
}

} // namespace kiln
