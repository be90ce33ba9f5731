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
      : out(out), prefix(std::move(prefix)), elemType(elemType) {}

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
    onnx::NodeProto &n = addNode("Constant");
    std::string name = fresh("Constant");
    n.add_output(name);
    auto *attr = n.add_attribute();
    attr->set_name("value");
    attr->set_type(onnx::AttributeProto::TENSOR);
    onnx::TensorProto *t = attr->mutable_t();
    t->set_data_type(elemType);
    if (elemType == onnx::TensorProto::DOUBLE)
      t->add_double_data(value);
    else
      t->add_float_data(static_cast<float>(value));
    return name;
  }

  /// `name` converted to the working element type; `from` is its element
  /// type (0 when unknown), and no Cast is added when it already matches.
  std::string cast(const std::string &name, int32_t from) {
    if (from == elemType)
      return name;
    onnx::NodeProto &n = addNode("Cast");
    n.add_input(name);
    std::string result = fresh("Cast");
    n.add_output(result);
    auto *attr = n.add_attribute();
    attr->set_name("to");
    attr->set_type(onnx::AttributeProto::INT);
    attr->set_i(elemType);
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

private:
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
  int32_t elemType;
  int counter = 0;
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
        // Differentiating the graph needs a derivative rule per operator
        // and un-broadcasting with run-time shapes; not done yet.
        error = "node '" + nodeName(node) + "' (Gradient, domain " +
                kTrainingDomain +
                "): differentiating the graph is not supported; export the "
                "gradients as ordinary nodes instead";
        return false;
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
