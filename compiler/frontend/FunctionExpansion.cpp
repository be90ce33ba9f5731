//===- FunctionExpansion.cpp - Inlines ONNX function bodies ---------------===//
//
// Built with exceptions on, like ModelLoader.cpp: libonnx's function
// builders throw on malformed nodes.
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/FunctionExpansion.h"

#include <onnx/defs/schema.h>
#include <onnx/onnx_pb.h>

#include <functional>
#include <map>
#include <set>

namespace kiln {

namespace {

/// Default-domain operators Kiln compiles through the function body their
/// ONNX schema defines: their bodies are made of operators Kiln lowers
/// directly, and a dedicated lowering would not be faster.
const std::set<std::string> &expandedOps() {
  static const std::set<std::string> ops = {"NegativeLogLikelihoodLoss",
                                            "SoftmaxCrossEntropyLoss",
                                            "MeanVarianceNormalization",
                                            "DynamicQuantizeLinear",
                                            "HannWindow",
                                            "HammingWindow",
                                            "BlackmanWindow"};
  return ops;
}

/// Operators the importer rewrites into others (CastLike into Cast): no
/// pattern lowers them, yet they need no function body.
const std::set<std::string> &rewrittenByImporter() {
  static const std::set<std::string> ops = {"CastLike"};
  return ops;
}

constexpr const char *kPreviewDomain = "ai.onnx.preview";

bool isDefaultDomain(const std::string &d) {
  return d.empty() || d == "ai.onnx";
}

/// The types of the values a graph declares, for context-dependent function
/// builders (which look at the element type of their inputs).
class TypeTable {
public:
  void add(const onnx::GraphProto &g) {
    for (const auto &v : g.input())
      types[v.name()] = v.type();
    for (const auto &v : g.value_info())
      types[v.name()] = v.type();
    for (const auto &v : g.output())
      types[v.name()] = v.type();
    for (const auto &t : g.initializer()) {
      onnx::TypeProto type;
      auto *tt = type.mutable_tensor_type();
      tt->set_elem_type(t.data_type());
      auto *shape = tt->mutable_shape();
      for (int64_t d : t.dims())
        shape->add_dim()->set_dim_value(d);
      types[t.name()] = type;
    }
  }
  onnx::TypeProto lookup(const std::string &name) const {
    auto it = types.find(name);
    return it == types.end() ? onnx::TypeProto() : it->second;
  }

private:
  std::map<std::string, onnx::TypeProto> types;
};

class Expander {
public:
  Expander(onnx::ModelProto &model, std::map<std::string, int64_t> &opsets,
           const std::function<bool(const std::string &)> &isLowered)
      : model(model), nodeOpsets(opsets), isLowered(isLowered) {
    for (const auto &o : model.opset_import())
      if (isDefaultDomain(o.domain()))
        modelOpset = o.version();
    for (const auto &f : model.functions())
      localFunctions[{f.domain(), f.name()}] = &f;
  }

  bool expandGraph(onnx::GraphProto &g, std::string &error) {
    types.add(g);
    std::vector<onnx::NodeProto> out;
    std::set<std::string> replacedOutputs;
    for (onnx::NodeProto node : g.node()) {
      for (auto &attr : *node.mutable_attribute()) {
        if (attr.has_g() && !expandGraph(*attr.mutable_g(), error))
          return false;
        for (auto &sub : *attr.mutable_graphs())
          if (!expandGraph(sub, error))
            return false;
      }
      std::vector<onnx::NodeProto> body;
      int64_t bodyOpset = -1;
      bool expanded = false;
      if (!bodyOf(node, body, bodyOpset, expanded, error))
        return false;
      if (!expanded) {
        out.push_back(std::move(node));
        continue;
      }
      for (const std::string &o : node.output())
        replacedOutputs.insert(o);
      // Body nodes that are calls themselves (SoftmaxCrossEntropyLoss uses
      // NegativeLogLikelihoodLoss) are expanded in the next round, once
      // shape inference has typed their inputs.
      for (auto &n : body) {
        if (bodyOpset != modelOpset && isDefaultDomain(n.domain()))
          nodeOpsets[n.name()] = bodyOpset;
        out.push_back(std::move(n));
      }
    }
    g.clear_node();
    for (auto &n : out)
      *g.add_node() = std::move(n);
    // The types inferred from the calls' schemas give way to the bodies':
    // ONNX 1.23's Attention inference writes a dim 0 for a hidden size it
    // cannot know (symbolic V), which merged into the body's Reshape. The
    // main graph's outputs lose their inferred shapes too (the loader puts
    // the declared ones back at the end); a subgraph's keep what they
    // declare.
    if (!replacedOutputs.empty()) {
      auto *infos = g.mutable_value_info();
      for (int i = infos->size() - 1; i >= 0; --i)
        if (replacedOutputs.count(infos->Get(i).name()))
          infos->DeleteSubrange(i, 1);
      if (&g == model.mutable_graph())
        for (onnx::ValueInfoProto &vi : *g.mutable_output())
          if (replacedOutputs.count(vi.name()) && vi.type().has_tensor_type())
            vi.mutable_type()->mutable_tensor_type()->clear_shape();
    }
    return true;
  }

private:
  /// The function that `node` calls, instantiated for it: formal names
  /// replaced by the node's, internal names made unique, attribute
  /// references resolved. `expanded` is false when the node stays as is.
  bool bodyOf(const onnx::NodeProto &node, std::vector<onnx::NodeProto> &body,
              int64_t &bodyOpset, bool &expanded, std::string &error) {
    onnx::FunctionProto built;
    const onnx::FunctionProto *fn = nullptr;
    const onnx::OpSchema *schema = nullptr;
    auto local = localFunctions.find({node.domain(), node.op_type()});
    // ai.onnx.preview's operators (FlexAttention) are compiled through
    // their function bodies, built of default-domain operators.
    bool preview = node.domain() == kPreviewDomain;
    if (local != localFunctions.end()) {
      fn = local->second;
    } else if (preview ||
               (isDefaultDomain(node.domain()) &&
                (expandedOps().count(node.op_type()) ||
                 (isLowered && !isLowered(node.op_type()) &&
                  !rewrittenByImporter().count(node.op_type()))))) {
      int64_t opset =
          nodeOpsets.count(node.name()) ? nodeOpsets[node.name()] : modelOpset;
      if (preview)
        for (const auto &o : model.opset_import())
          if (o.domain() == kPreviewDomain)
            opset = o.version();
      schema = onnx::OpSchemaRegistry::Schema(
          node.op_type(), static_cast<int>(opset), preview ? kPreviewDomain : "");
      if (!schema)
        return true;
      if (schema->HasFunction()) {
        fn = schema->GetFunction();
      } else if (schema->HasContextDependentFunction()) {
        std::vector<onnx::TypeProto> inputTypes;
        for (const auto &in : node.input())
          inputTypes.push_back(in.empty() ? onnx::TypeProto()
                                          : types.lookup(in));
        onnx::FunctionBodyBuildContextImpl ctx(node, inputTypes);
        try {
          if (!schema->BuildContextDependentFunction(ctx, built)) {
            error = "node '" + node.name() + "' (" + node.op_type() +
                    "): ONNX cannot build its function body for these "
                    "inputs";
            return false;
          }
        } catch (const std::exception &e) {
          error = "node '" + node.name() + "' (" + node.op_type() +
                  "): building its function body failed: " + e.what();
          return false;
        }
        fn = &built;
      }
    }
    if (!fn)
      return true;
    // A function that (indirectly) calls itself would never finish.
    if (++expansions > kMaxExpansions) {
      error = "node '" + node.name() + "' (" + node.op_type() +
              "): more than " + std::to_string(kMaxExpansions) +
              " function expansions; is a function recursive?";
      return false;
    }
    expanded = true;
    bodyOpset = modelOpset;
    for (const auto &o : fn->opset_import())
      if (isDefaultDomain(o.domain()))
        bodyOpset = o.version();

    // Formal inputs/outputs map to the node's (absent ones to "").
    std::map<std::string, std::string> rename;
    for (int i = 0; i < fn->input_size(); ++i)
      rename[fn->input(i)] = i < node.input_size() ? node.input(i) : "";
    for (int i = 0; i < fn->output_size(); ++i)
      rename[fn->output(i)] = i < node.output_size() ? node.output(i) : "";
    std::string prefix = (node.name().empty() ? node.op_type() : node.name()) +
                         "/" + std::to_string(counter++) + "/";
    auto mapName = [&](const std::string &name) -> std::string {
      if (name.empty())
        return name;
      auto it = rename.find(name);
      if (it != rename.end())
        return it->second;
      return rename[name] = prefix + name;
    };
    std::map<std::string, const onnx::AttributeProto *> given;
    for (const auto &a : node.attribute())
      given[a.name()] = &a;

    int index = 0;
    for (const auto &src : fn->node()) {
      onnx::NodeProto n = src;
      n.set_name(prefix + (src.name().empty()
                               ? src.op_type() + "_" + std::to_string(index)
                               : src.name()));
      ++index;
      for (auto &in : *n.mutable_input())
        in = mapName(in);
      for (auto &o : *n.mutable_output())
        o = mapName(o);
      // Subgraphs (Loop, Scan, If bodies) read the body's values by name
      // from the enclosing scope: those names change with the body's.
      for (auto &attr : *n.mutable_attribute()) {
        if (attr.has_g())
          renameOuterReferences(*attr.mutable_g(), rename);
        for (auto &sub : *attr.mutable_graphs())
          renameOuterReferences(sub, rename);
      }
      if (!resolveAttributes(n, given, schema, error))
        return false;
      body.push_back(std::move(n));
    }
    return true;
  }

  /// Renames the values `g` (and its subgraphs) read from an enclosing scope
  /// that are in `rename`, leaving the names `g` defines itself alone.
  static void
  renameOuterReferences(onnx::GraphProto &g,
                        const std::map<std::string, std::string> &rename,
                        std::set<std::string> local = {}) {
    for (const auto &v : g.input())
      local.insert(v.name());
    for (const auto &t : g.initializer())
      local.insert(t.name());
    for (const auto &n : g.node())
      for (const auto &o : n.output())
        local.insert(o);
    auto outer = [&](std::string &name) {
      if (name.empty() || local.count(name))
        return;
      auto it = rename.find(name);
      if (it != rename.end())
        name = it->second;
    };
    for (auto &n : *g.mutable_node()) {
      for (auto &in : *n.mutable_input())
        outer(in);
      for (auto &attr : *n.mutable_attribute()) {
        if (attr.has_g())
          renameOuterReferences(*attr.mutable_g(), rename, local);
        for (auto &sub : *attr.mutable_graphs())
          renameOuterReferences(sub, rename, local);
      }
    }
    for (auto &o : *g.mutable_output())
      outer(*o.mutable_name());
  }

  /// Replaces attribute references (`ref_attr_name`) by the calling node's
  /// value, or the schema default, and drops the ones neither gives.
  bool resolveAttributes(
      onnx::NodeProto &n,
      const std::map<std::string, const onnx::AttributeProto *> &given,
      const onnx::OpSchema *schema, std::string &error) {
    auto *attrs = n.mutable_attribute();
    for (int i = 0; i < attrs->size();) {
      onnx::AttributeProto &a = attrs->at(i);
      if (a.ref_attr_name().empty()) {
        ++i;
        continue;
      }
      const onnx::AttributeProto *value = nullptr;
      auto it = given.find(a.ref_attr_name());
      if (it != given.end()) {
        value = it->second;
      } else if (schema) {
        auto def = schema->attributes().find(a.ref_attr_name());
        if (def != schema->attributes().end() &&
            def->second.default_value.has_name())
          value = &def->second.default_value;
      }
      if (!value) {
        attrs->DeleteSubrange(i, 1);
        continue;
      }
      std::string name = a.name();
      a = *value;
      a.set_name(name);
      ++i;
    }
    (void)error;
    return true;
  }

  onnx::ModelProto &model;
  std::map<std::string, int64_t> &nodeOpsets;
  const std::function<bool(const std::string &)> &isLowered;
  int64_t modelOpset = 1;
  std::map<std::pair<std::string, std::string>, const onnx::FunctionProto *>
      localFunctions;
  TypeTable types;
  int counter = 0;

public:
  static constexpr int kMaxExpansions = 100000;
  int expansions = 0;
};

} // namespace

std::string recursiveFunction(const onnx::ModelProto &model) {
  using Key = std::pair<std::string, std::string>;
  std::map<Key, const onnx::FunctionProto *> fns;
  for (const auto &f : model.functions())
    fns[{f.domain(), f.name()}] = &f;
  // Depth-first search for a call cycle: 1 = on the stack, 2 = done.
  std::map<Key, int> state;
  std::function<bool(const Key &)> cyclic = [&](const Key &k) {
    int &st = state[k];
    if (st == 1)
      return true;
    if (st == 2)
      return false;
    st = 1;
    for (const auto &n : fns[k]->node()) {
      Key callee{n.domain(), n.op_type()};
      if (fns.count(callee) && cyclic(callee))
        return true;
    }
    state[k] = 2;
    return false;
  };
  for (const auto &[k, f] : fns)
    if (cyclic(k))
      return k.first + "." + k.second;
  return "";
}

bool expandFunctions(onnx::ModelProto &model,
                     std::map<std::string, int64_t> &nodeOpsets, bool &changed,
                     std::string &error,
                     const std::function<bool(const std::string &)> &isLowered) {
  Expander expander(model, nodeOpsets, isLowered);
  if (!expander.expandGraph(*model.mutable_graph(), error))
    return false;
  changed = expander.expansions > 0;
  return true;
}

} // namespace kiln
