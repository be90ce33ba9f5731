//===- MlTypes.cpp - Result types of ai.onnx.ml operators -----------------===//

#include "compiler/frontend/MlTypes.h"

#include <onnx/onnx_pb.h>

#include <map>
#include <set>
#include <string>

namespace kiln {
namespace {

const onnx::AttributeProto *attr(const onnx::NodeProto &node,
                                 const std::string &name) {
  for (const auto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t intAttr(const onnx::NodeProto &node, const std::string &name,
                int64_t dflt) {
  const onnx::AttributeProto *a = attr(node, name);
  return a ? a->i() : dflt;
}

/// The number of entries of a list attribute (ints, floats or strings).
int64_t listSize(const onnx::NodeProto &node, const std::string &name) {
  const onnx::AttributeProto *a = attr(node, name);
  if (!a)
    return 0;
  return a->ints_size() + a->floats_size() + a->strings_size();
}

/// The labels' element type and count of a classifier.
std::pair<int, int64_t> labelsOf(const onnx::NodeProto &node,
                                 const std::string &intsName) {
  int64_t strings = listSize(node, "classlabels_strings");
  if (strings)
    return {onnx::TensorProto::STRING, strings};
  return {onnx::TensorProto::INT64, listSize(node, intsName)};
}

/// Sets `t` to a tensor of `elem` with dims `n` (the batch dim of X) and,
/// when cols >= 0, a second dim of `cols`.
void setRows(onnx::TypeProto &t, int elem, const onnx::TensorShapeProto_Dimension &n,
             int64_t cols) {
  auto *tt = t.mutable_tensor_type();
  tt->set_elem_type(elem);
  auto *shape = tt->mutable_shape();
  *shape->add_dim() = n;
  if (cols >= 0)
    shape->add_dim()->set_dim_value(cols);
}

} // namespace

bool typeMlOutputs(onnx::ModelProto &model) {
  onnx::GraphProto &g = *model.mutable_graph();
  std::map<std::string, const onnx::TypeProto *> known;
  for (const auto &vi : g.input())
    known[vi.name()] = &vi.type();
  for (const auto &vi : g.value_info())
    known[vi.name()] = &vi.type();
  std::set<std::string> outputs;
  for (const auto &vi : g.output())
    outputs.insert(vi.name());
  std::vector<onnx::ValueInfoProto> added;
  bool changedInPlace = false;
  for (const auto &node : g.node()) {
    if (node.domain() != "ai.onnx.ml" || node.input_size() < 1)
      continue;
    auto in = known.find(node.input(0));
    if (in == known.end() || !in->second->tensor_type().has_shape())
      continue;
    const onnx::TensorShapeProto &xs = in->second->tensor_type().shape();
    if (xs.dim_size() < 1 || xs.dim_size() > 2)
      continue;
    onnx::TensorShapeProto_Dimension n;
    if (xs.dim_size() == 2)
      n = xs.dim(0);
    else
      n.set_dim_value(1);
    const std::string &op = node.op_type();
    std::vector<onnx::TypeProto> types;
    if (op == "TreeEnsembleClassifier" || op == "LinearClassifier" ||
        op == "SVMClassifier") {
      auto [labelType, labels] = labelsOf(
          node, op == "TreeEnsembleClassifier" ? "classlabels_int64s"
                                               : "classlabels_ints");
      int64_t cols = labels;
      if (op == "LinearClassifier") {
        // One score row with two labels still outputs both classes.
        cols = listSize(node, "intercepts");
        if (cols == 1 && labels == 2)
          cols = 2;
      }
      types.resize(2);
      setRows(types[0], labelType, n, -1);
      setRows(types[1], onnx::TensorProto::FLOAT, n, cols);
    } else if (op == "TreeEnsembleRegressor") {
      types.resize(1);
      setRows(types[0], onnx::TensorProto::FLOAT, n,
              intAttr(node, "n_targets", 1));
    } else if (op == "LinearRegressor") {
      types.resize(1);
      setRows(types[0], onnx::TensorProto::FLOAT, n,
              intAttr(node, "targets", 1));
    } else if (op == "SVMRegressor") {
      types.resize(1);
      setRows(types[0], onnx::TensorProto::FLOAT, n, 1);
    } else if (op == "Normalizer" || op == "Scaler" || op == "Binarizer" ||
               op == "Imputer") {
      // Elementwise: the input's shape; Normalizer and Scaler make floats.
      // ONNX infers none of them, so what follows (a ZipMap, when the
      // result is no graph output) had no type.
      types.resize(1);
      *types[0].mutable_tensor_type()->mutable_shape() = xs;
      types[0].mutable_tensor_type()->set_elem_type(
          op == "Normalizer" || op == "Scaler"
              ? onnx::TensorProto::FLOAT
              : in->second->tensor_type().elem_type());
    } else {
      continue;
    }
    for (size_t i = 0; i < types.size() && (int)i < node.output_size(); ++i) {
      const std::string &name = node.output(i);
      if (name.empty() || outputs.count(name))
        continue;
      if (auto k = known.find(name); k != known.end()) {
        // Inference may give the element type without a shape (a
        // TreeEnsembleClassifier's labels): the definition's shape wins.
        if (k->second->tensor_type().has_shape())
          continue;
        for (auto &vi : *g.mutable_value_info())
          if (vi.name() == name)
            *vi.mutable_type() = types[i];
        changedInPlace = true;
        continue;
      }
      onnx::ValueInfoProto vi;
      vi.set_name(name);
      *vi.mutable_type() = types[i];
      added.push_back(vi);
    }
  }
  for (auto &vi : added)
    *g.add_value_info() = vi;
  return !added.empty() || changedInPlace;
}

} // namespace kiln
