//===- ModelLoader.cpp - Reads an ONNX model and prepares it --------------===//
//
// Built with exceptions on: libonnx reports shape inference errors by
// throwing.
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/ModelLoader.h"
#include "compiler/frontend/ExternalDataRules.h"
#include "compiler/frontend/FunctionExpansion.h"
#include "compiler/frontend/MlTypes.h"
#include "compiler/frontend/TrainingOps.h"

#include <onnx/checker.h>
#include <onnx/defs/parser.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <fstream>
#include <set>
#include <sstream>

namespace kiln {

LoadedModel::LoadedModel() = default;
LoadedModel::~LoadedModel() = default;
LoadedModel::LoadedModel(LoadedModel &&) = default;

namespace {

bool readFile(const std::string &path, std::string &data) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  data = ss.str();
  return true;
}

/// The bytes `t`'s dims and element type make, or -1 when they do not say
/// (strings, unknown types, negative dims, a product past 2^63).
int64_t tensorByteSize(const onnx::TensorProto &t) {
  int bits = 0;
  switch (t.data_type()) {
  case onnx::TensorProto::UINT2:
  case onnx::TensorProto::INT2:
    bits = 2;
    break;
  case onnx::TensorProto::UINT4:
  case onnx::TensorProto::INT4:
  case onnx::TensorProto::FLOAT4E2M1:
    bits = 4;
    break;
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::BOOL:
  case onnx::TensorProto::FLOAT8E4M3FN:
  case onnx::TensorProto::FLOAT8E4M3FNUZ:
  case onnx::TensorProto::FLOAT8E5M2:
  case onnx::TensorProto::FLOAT8E5M2FNUZ:
  case onnx::TensorProto::FLOAT8E8M0:
    bits = 8;
    break;
  case onnx::TensorProto::UINT16:
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16:
    bits = 16;
    break;
  case onnx::TensorProto::FLOAT:
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::UINT32:
    bits = 32;
    break;
  case onnx::TensorProto::INT64:
  case onnx::TensorProto::UINT64:
  case onnx::TensorProto::DOUBLE:
  case onnx::TensorProto::COMPLEX64:
    bits = 64;
    break;
  case onnx::TensorProto::COMPLEX128:
    bits = 128;
    break;
  default:
    return -1;
  }
  int64_t count = 1;
  for (int64_t d : t.dims())
    if (d < 0 || __builtin_mul_overflow(count, d, &count))
      return -1;
  int64_t totalBits;
  if (__builtin_mul_overflow(count, int64_t(bits), &totalBits))
    return -1;
  return (totalBits + 7) / 8;
}

/// Replaces each external-data tensor's reference by its bytes, so the
/// importer sees every initializer the same way. As in ONNX Runtime, a
/// length must be the tensor's size, and without one the tensor's size is
/// read (not the rest of the file).
bool loadExternalData(onnx::TensorProto &t, const std::string &baseDir,
                      std::string &error) {
  if (t.data_location() != onnx::TensorProto::EXTERNAL)
    return true;
  ExternalDataRef ref;
  if (std::string why = parseExternalData(t.external_data(), ref);
      !why.empty()) {
    error = "tensor '" + t.name() + "' has an " + why;
    return false;
  }
  int64_t offset = ref.offset, length = ref.length;
  int64_t expected = tensorByteSize(t);
  if (expected >= 0 && length >= 0 && length != expected) {
    error = "TensorProto: " + t.name() +
            " external data size mismatch. Computed size: " +
            std::to_string(expected) +
            ", external_data.length: " + std::to_string(length);
    return false;
  }
  if (length < 0)
    length = expected;
  std::string path;
  if (std::string why = checkExternalLocation(baseDir, ref.location, path);
      !why.empty()) {
    error =
        "External data path validation failed for initializer: " + t.name() +
        ". Error: " + why;
    return false;
  }
  if (std::string why = checkExternalFile(path); !why.empty()) {
    error = "tensor '" + t.name() + "': " + why;
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open external data file '" + path + "' of tensor '" +
            t.name() + "'";
    return false;
  }
  in.seekg(0, std::ios::end);
  int64_t size = in.tellg();
  if (length < 0)
    length = size > offset ? size - offset : 0;
  if (offset > size || length > size - offset) {
    error = "external data of tensor '" + t.name() + "' lies outside '" + path +
            "': offset " + std::to_string(offset) + ", " +
            std::to_string(length) + " bytes to read, the file holds " +
            std::to_string(size);
    return false;
  }
  std::string bytes(length, '\0');
  in.seekg(offset);
  in.read(bytes.data(), length);
  t.set_raw_data(std::move(bytes));
  t.clear_external_data();
  t.set_data_location(onnx::TensorProto::DEFAULT);
  return true;
}

bool loadGraphExternalData(onnx::GraphProto &g, const std::string &baseDir,
                           std::string &error) {
  for (auto &t : *g.mutable_initializer())
    if (!loadExternalData(t, baseDir, error))
      return false;
  for (auto &node : *g.mutable_node())
    for (auto &attr : *node.mutable_attribute()) {
      if (attr.has_t() && !loadExternalData(*attr.mutable_t(), baseDir, error))
        return false;
      if (attr.has_g() &&
          !loadGraphExternalData(*attr.mutable_g(), baseDir, error))
        return false;
      for (auto &sub : *attr.mutable_graphs())
        if (!loadGraphExternalData(sub, baseDir, error))
          return false;
    }
  return true;
}

void applyShapeOptions(onnx::GraphProto &g, const ShapeOptions &shapes) {
  std::set<std::string> initializers;
  for (const auto &t : g.initializer())
    initializers.insert(t.name());
  for (auto &input : *g.mutable_input()) {
    if (initializers.count(input.name()) || !input.type().has_tensor_type() ||
        !input.type().tensor_type().has_shape())
      continue;
    auto *shape = input.mutable_type()->mutable_tensor_type()->mutable_shape();
    auto it = shapes.inputShapes.find(input.name());
    if (it != shapes.inputShapes.end()) {
      shape->clear_dim();
      for (int64_t d : it->second) {
        auto *dim = shape->add_dim();
        if (d >= 0)
          dim->set_dim_value(d);
      }
      continue;
    }
    for (int i = 0; i < shape->dim_size(); ++i) {
      auto *dim = shape->mutable_dim(i);
      if (dim->has_dim_param()) {
        auto o = shapes.dimOverrides.find(dim->dim_param());
        if (o != shapes.dimOverrides.end())
          dim->set_dim_value(o->second);
      } else if (shapes.allDynamic && dim->has_dim_value()) {
        // Named so the signature can tell which dim it was.
        dim->set_dim_param(input.name() + "_d" + std::to_string(i));
      }
    }
  }
  if (shapes.allDynamic || !shapes.inputShapes.empty() ||
      !shapes.dimOverrides.empty()) {
    // Shapes recorded for the old input shapes would contradict the new
    // ones; shape inference recomputes them.
    g.clear_value_info();
    // Outputs keep their rank, which shape inference cannot always recover
    // (STFT's depends on input values), but not their sizes.
    for (auto &out : *g.mutable_output())
      if (out.type().has_tensor_type() && out.type().tensor_type().has_shape())
        for (auto &dim : *out.mutable_type()
                              ->mutable_tensor_type()
                              ->mutable_shape()
                              ->mutable_dim())
          dim.Clear();
  }
}

/// Writes out attribute defaults that ONNX's shape inference gets wrong when
/// they are left implicit (STFT's inference takes onesided as 0, its schema
/// default is 1).
void spellOutDefaults(onnx::GraphProto &g) {
  for (auto &node : *g.mutable_node()) {
    if (node.op_type() == "STFT" &&
        (node.domain().empty() || node.domain() == "ai.onnx")) {
      bool given = false;
      for (const auto &a : node.attribute())
        given |= a.name() == "onesided";
      if (!given) {
        auto *a = node.add_attribute();
        a->set_name("onesided");
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(1);
      }
    }
    for (auto &attr : *node.mutable_attribute()) {
      if (attr.has_g())
        spellOutDefaults(*attr.mutable_g());
      for (auto &sub : *attr.mutable_graphs())
        spellOutDefaults(sub);
    }
  }
}

} // namespace

std::string nodeDisplayName(const onnx::NodeProto &node) {
  if (!node.name().empty())
    return node.name();
  if (node.output_size() == 0)
    return node.op_type();
  return node.op_type() + "_" + node.output(0);
}

namespace {

/// The first non-empty `check(subgraph)` over the graphs `node`'s
/// attributes hold (Loop and Scan bodies, If branches), or "".
template <typename Check>
std::string firstInSubgraphs(const onnx::NodeProto &node, Check check) {
  for (const auto &a : node.attribute()) {
    if (a.has_g())
      if (std::string r = check(a.g()); !r.empty())
        return r;
    for (const auto &sub : a.graphs())
      if (std::string r = check(sub); !r.empty())
        return r;
  }
  return "";
}

/// The first name `g` (or a subgraph of it) defines twice, as a graph
/// input, an initializer not also listed as an input, or a node output:
/// ONNX graphs are in single static assignment form, and a second writer
/// would silently replace the first one's value. Empty if none.
std::string duplicateDefinition(const onnx::GraphProto &g) {
  std::set<std::string> defined;
  for (const auto &vi : g.input())
    defined.insert(vi.name());
  for (const auto &t : g.initializer())
    defined.insert(t.name()); // may repeat an input: its default value
  for (const auto &node : g.node()) {
    for (const std::string &name : node.output())
      if (!name.empty() && !defined.insert(name).second)
        return name;
    if (std::string d = firstInSubgraphs(node, duplicateDefinition); !d.empty())
      return d;
  }
  return "";
}

/// The first node of `g` (or of a subgraph) in a domain Kiln does not
/// compile, in the importer's words, or "". Kiln compiles the default
/// domain, ai.onnx.ml, ai.onnx.preview.training and the model's own
/// functions. This runs before libonnx's shape inference, which fails on
/// operators of other domains with a message that does not say what is
/// missing.
std::string unsupportedDomainNode(const onnx::ModelProto &model,
                                  const onnx::GraphProto &g) {
  for (const auto &node : g.node()) {
    const std::string &domain = node.domain();
    bool supported = domain.empty() || domain == "ai.onnx" ||
                     domain == "ai.onnx.ml" ||
                     domain == "ai.onnx.preview.training";
    // ai.onnx.preview's operators with a function body are expanded into
    // it (FunctionExpansion.cpp).
    if (domain == "ai.onnx.preview") {
      int64_t version = 1;
      for (const auto &o : model.opset_import())
        if (o.domain() == domain)
          version = o.version();
      const onnx::OpSchema *schema = onnx::OpSchemaRegistry::Schema(
          node.op_type(), static_cast<int>(version), domain);
      supported |= schema && (schema->HasFunction() ||
                              schema->HasContextDependentFunction());
    }
    for (const auto &f : model.functions())
      supported |= f.domain() == domain && f.name() == node.op_type();
    if (!supported) {
      int64_t opset = -1;
      for (const auto &o : model.opset_import())
        if (o.domain() == domain)
          opset = o.version();
      return "unsupported ONNX operator '" + node.op_type() + "' (domain " +
             domain + ", opset " + std::to_string(opset) + ") in node '" +
             nodeDisplayName(node) +
             "': Kiln only compiles the default ai.onnx domain";
    }
    if (std::string u = firstInSubgraphs(node,
                                         [&](const onnx::GraphProto &sub) {
                                           return unsupportedDomainNode(model,
                                                                        sub);
                                         });
        !u.empty())
      return u;
  }
  return "";
}

/// The first value a node of `g` (or of a subgraph) reads that nothing
/// before it defines, in ONNX Runtime's words (graphs are
/// topologically sorted; a subgraph also sees its enclosing graphs' names),
/// or "". libonnx's shape inference dereferences such a value's missing
/// type (a SIGSEGV the fuzzer found), so this runs before it.
std::string undefinedInput(const onnx::GraphProto &g,
                           std::set<std::string> visible) {
  for (const auto &vi : g.input())
    visible.insert(vi.name());
  for (const auto &t : g.initializer())
    visible.insert(t.name());
  for (const auto &node : g.node()) {
    for (const std::string &name : node.input())
      if (!name.empty() && !visible.count(name))
        return "Invalid model. Node input '" + name +
               "' is not a graph input, initializer, or output of a "
               "previous node (node '" +
               nodeDisplayName(node) + "')";
    if (std::string u = firstInSubgraphs(node,
                                         [&](const onnx::GraphProto &sub) {
                                           return undefinedInput(sub, visible);
                                         });
        !u.empty())
      return u;
    for (const std::string &name : node.output())
      visible.insert(name);
  }
  return "";
}

/// Whether attribute `a` holds the field its type names (a type that is
/// not set, or a singular value missing, as ONNX's checker refuses).
bool attributeDataMatches(const onnx::AttributeProto &a) {
  switch (a.type()) {
  case onnx::AttributeProto::FLOAT:
    return a.has_f();
  case onnx::AttributeProto::INT:
    return a.has_i();
  case onnx::AttributeProto::STRING:
    return a.has_s();
  case onnx::AttributeProto::TENSOR:
    return a.has_t();
  case onnx::AttributeProto::GRAPH:
    return a.has_g();
  case onnx::AttributeProto::SPARSE_TENSOR:
    return a.has_sparse_tensor();
  case onnx::AttributeProto::TYPE_PROTO:
    return a.has_tp();
  case onnx::AttributeProto::UNDEFINED:
    return false;
  default: // the lists may be empty
    return true;
  }
}

/// An attribute of a node in `g` (or a subgraph) whose data is not of its
/// own type ("type field and data field mismatch in attribute x."), or
/// whose type is not the one its operator's schema (default domain, at the
/// model's opset) declares: "Mismatched attribute type in '<node> :
/// <attr>'. Expected: 'INTS', actual: 'FLOAT'", as ONNX Runtime words them.
/// Empty if none.
std::string mismatchedAttribute(const onnx::GraphProto &g, int opset) {
  for (const auto &node : g.node()) {
    // libonnx's shape inference reads an attribute's value by its type
    // without checking it is there (a SIGSEGV the fuzzer found).
    for (const auto &a : node.attribute())
      if (!attributeDataMatches(a))
        return "type field and data field mismatch in attribute " + a.name() +
               ".";
    const onnx::OpSchema *schema =
        node.domain().empty() || node.domain() == "ai.onnx"
            ? onnx::OpSchemaRegistry::Schema(node.op_type(), opset, "")
            : nullptr;
    for (const auto &a : node.attribute()) {
      if (schema) {
        auto it = schema->attributes().find(a.name());
        if (it != schema->attributes().end() &&
            static_cast<int>(it->second.type) != static_cast<int>(a.type()))
          return "Mismatched attribute type in '" + node.name() + " : " +
                 a.name() + "'. Expected: '" +
                 onnx::AttributeProto_AttributeType_Name(
                     static_cast<onnx::AttributeProto_AttributeType>(
                         it->second.type)) +
                 "', actual: '" +
                 onnx::AttributeProto_AttributeType_Name(a.type()) + "'";
      }
    }
    if (std::string m = firstInSubgraphs(node,
                                         [&](const onnx::GraphProto &sub) {
                                           return mismatchedAttribute(sub,
                                                                      opset);
                                         });
        !m.empty())
      return m;
  }
  return "";
}

} // namespace

namespace {

void collectExternalFiles(const onnx::GraphProto &g, const std::string &baseDir,
                          std::set<std::string> &seen,
                          std::vector<std::string> &files) {
  auto add = [&](const onnx::TensorProto &t) {
    if (t.data_location() != onnx::TensorProto::EXTERNAL)
      return;
    ExternalDataRef ref;
    std::string path;
    if (parseExternalData(t.external_data(), ref).empty() &&
        checkExternalLocation(baseDir, ref.location, path).empty() &&
        seen.insert(path).second)
      files.push_back(path);
  };
  for (const auto &t : g.initializer())
    add(t);
  for (const auto &node : g.node())
    for (const auto &attr : node.attribute()) {
      if (attr.has_t())
        add(attr.t());
      if (attr.has_g())
        collectExternalFiles(attr.g(), baseDir, seen, files);
      for (const auto &sub : attr.graphs())
        collectExternalFiles(sub, baseDir, seen, files);
    }
}

} // namespace

std::vector<std::string> externalDataFiles(const std::string &path) {
  std::vector<std::string> files;
  std::string data;
  onnx::ModelProto model;
  bool text = path.size() > 8 && path.substr(path.size() - 8) == ".onnxtxt";
  if (text || !readFile(path, data) || !model.ParseFromString(data))
    return files;
  auto slash = path.find_last_of('/');
  std::string baseDir =
      slash == std::string::npos ? "." : path.substr(0, slash);
  std::set<std::string> seen;
  collectExternalFiles(model.graph(), baseDir, seen, files);
  return files;
}

bool loadModel(const std::string &path, const std::string &bytes,
               const ShapeOptions &shapes, LoadedModel &out, std::string &error,
               int &errorCode,
               const std::function<bool(const std::string &)> &isLowered) {
  std::string data;
  if (!path.empty()) {
    if (!readFile(path, data)) {
      errorCode = 3;
      error = "Load model from " + path + " failed:" +
              (std::ifstream(path) ? "cannot read file" : "No such file");
      return false;
    }
    auto slash = path.find_last_of('/');
    out.baseDir = slash == std::string::npos ? "." : path.substr(0, slash);
  }
  const std::string &buffer = path.empty() ? bytes : data;
  out.model = std::make_unique<onnx::ModelProto>();
  // ONNX's textual syntax (onnx.parser) is accepted for hand-written models,
  // which keeps lit tests of the importer readable.
  bool text = path.size() > 8 && path.substr(path.size() - 8) == ".onnxtxt";
  if (text) {
    onnx::OnnxParser parser(buffer.c_str());
    auto status = parser.Parse(*out.model);
    if (!status.IsOK()) {
      errorCode = 7;
      error = "Load model from " + path +
              " failed: syntax error: " + status.ErrorMessage();
      return false;
    }
  } else if (!out.model->ParseFromString(buffer) || !out.model->has_graph()) {
    errorCode = 7;
    error = "Load model " +
            (path.empty() ? std::string("from bytes") : "from " + path) +
            " failed: protobuf parsing failed (not an ONNX model)";
    return false;
  }
  auto &graph = *out.model->mutable_graph();
  // ONNX Runtime's limits (1.32): newer models are refused, as FAIL.
  constexpr int64_t kMaxIrVersion = 14, kMaxOpset = 28;
  if (out.model->ir_version() > kMaxIrVersion) {
    errorCode = 1;
    error = "Unsupported model IR version: " +
            std::to_string(out.model->ir_version()) +
            ", max supported IR version: " + std::to_string(kMaxIrVersion);
    return false;
  }
  // ONNX Runtime's official opset of each domain it knows (a model stamped
  // with a newer one is refused, as FAIL; other domains are left to the
  // importer, which names the operators it does not know).
  static const std::pair<const char *, int64_t> kMaxDomainOpsets[] = {
      {"ai.onnx", kMaxOpset},
      {"ai.onnx.ml", 5},
      {"ai.onnx.training", 1},
      {"ai.onnx.preview.training", 1},
      {"com.microsoft", 1}};
  int defaultOpset = -1;
  for (const auto &o : out.model->opset_import()) {
    std::string domain = o.domain().empty() ? "ai.onnx" : o.domain();
    if (domain == "ai.onnx")
      defaultOpset = static_cast<int>(o.version());
    for (const auto &[known, max] : kMaxDomainOpsets)
      if (domain == known && o.version() > max) {
        errorCode = 1;
        error = "Opset " + std::to_string(o.version()) + " of domain " +
                domain +
                " is newer than Kiln supports: current official support "
                "for domain " +
                domain + " is till opset " + std::to_string(max);
        return false;
      }
  }
  if (std::string name = duplicateDefinition(graph); !name.empty()) {
    errorCode = 1;
    error = "This is an invalid model. Error: Duplicate definition of name (" +
            name + ").";
    return false;
  }
  // A graph input without a type: libonnx's inference dereferences it
  // (SIGSEGV, found by the mutation driver).
  for (const auto &vi : graph.input())
    if (!vi.has_type() ||
        vi.type().value_case() == onnx::TypeProto::VALUE_NOT_SET) {
      errorCode = 1;
      error = "This is an invalid model. Model input (" + vi.name() +
              ") does not have type information.";
      return false;
    }
  if (std::string u = undefinedInput(graph, {}); !u.empty()) {
    errorCode = 2; // INVALID_ARGUMENT, as ONNX Runtime
    error = u;
    return false;
  }
  if (std::string m = mismatchedAttribute(graph, defaultOpset); !m.empty()) {
    errorCode = 10;
    error = "This is an invalid model. Error: " + m;
    return false;
  }
  // External data that cannot be read is FAIL, as in ONNX Runtime; what
  // follows (shape inference, functions) is an invalid graph.
  errorCode = 1;
  if (!loadGraphExternalData(graph, out.baseDir, error))
    return false;
  errorCode = 10;
  applyShapeOptions(graph, shapes);
  spellOutDefaults(graph);
  std::string recursive = recursiveFunction(*out.model);
  if (!recursive.empty()) {
    error = "function '" + recursive +
            "' calls itself; recursive functions cannot be inlined";
    return false;
  }
  if (std::string u = unsupportedDomainNode(*out.model, graph); !u.empty()) {
    error = u;
    return false;
  }
  onnx::ShapeInferenceOptions options(/*check_type=*/false,
                                      /*strict_mode=*/0,
                                      /*data_prop=*/true);
  // A graph output's declared shape is what the exporter believed, not a
  // type to force on the node that computes it: exports often declare
  // fixed dims where the inputs are symbolic, and ONNX's inference merges
  // them into the node's result (a Transpose of [N, 3, 4] declared
  // [4, 3, 2] gave linalg.transpose a static dim its input lacks). The
  // computation takes the shapes inferred from the inputs; the declared
  // ones stay in the signature, as ONNX Runtime reports them.
  std::vector<onnx::TypeProto> declaredOutputs;
  for (onnx::ValueInfoProto &vi : *graph.mutable_output()) {
    declaredOutputs.push_back(vi.type());
    if (vi.type().has_tensor_type())
      vi.mutable_type()->mutable_tensor_type()->clear_shape();
  }
  // An output declared without a shape keeps the inferred one; a declared
  // shape goes back into the signature, the inferred one into value_info
  // (which the importer prefers for the node's result). As in ONNX
  // Runtime, a declared dim with neither a value nor a name takes the
  // inferred one's (an output [?, 3] of an input [N, 3] reports N).
  auto restoreDeclaredOutputs = [&] {
    // Names the model gives its input dims. ONNX's inference invents
    // others ("unk__0") for dims it cannot relate to any: ORT reports
    // those as anonymous (None).
    std::set<std::string> inputParams;
    for (const auto &in : graph.input())
      for (const auto &d : in.type().tensor_type().shape().dim())
        if (d.has_dim_param())
          inputParams.insert(d.dim_param());
    for (int i = 0; i < graph.output_size(); ++i) {
      onnx::ValueInfoProto &vi = *graph.mutable_output(i);
      onnx::TypeProto declared = declaredOutputs[i];
      if (!declared.has_tensor_type() || !declared.tensor_type().has_shape())
        continue;
      if (vi.type().has_tensor_type() && vi.type().tensor_type().has_shape()) {
        const onnx::TensorShapeProto &inferred =
            vi.type().tensor_type().shape();
        onnx::TensorShapeProto &shape =
            *declared.mutable_tensor_type()->mutable_shape();
        if (shape.dim_size() == inferred.dim_size())
          for (int d = 0; d < shape.dim_size(); ++d)
            if (!shape.dim(d).has_dim_value() &&
                !shape.dim(d).has_dim_param() &&
                (inferred.dim(d).has_dim_value() ||
                 inputParams.count(inferred.dim(d).dim_param())))
              *shape.mutable_dim(d) = inferred.dim(d);
        onnx::ValueInfoProto *info = graph.add_value_info();
        info->set_name(vi.name());
        *info->mutable_type() = vi.type();
      }
      *vi.mutable_type() = declared;
    }
  };
  try {
    onnx::shape_inference::InferShapes(
        *out.model, onnx::OpSchemaRegistry::Instance(), options);
    // Function bodies are built from the types inferred above; a body's
    // own calls are expanded in the next round, after inference typed it.
    constexpr int kMaxRounds = 16;
    for (int round = 0;; ++round) {
      bool expanded = false;
      if (!expandFunctions(*out.model, out.nodeOpsets, expanded, error,
                           isLowered))
        return false;
      // The training optimizers work in the element type of the tensors
      // they update, which inference has just given them.
      bool trainingExpanded = false;
      if (!expandTrainingOps(*out.model, trainingExpanded, error))
        return false;
      expanded |= trainingExpanded;
      // ai.onnx.ml classifiers and regressors whose outputs inference left
      // untyped: typed from their definition, then inference types what
      // follows them.
      expanded |= typeMlOutputs(*out.model);
      if (!expanded)
        break;
      if (round == kMaxRounds) {
        error = "function calls nest deeper than " +
                std::to_string(kMaxRounds) + " levels (recursive function?)";
        return false;
      }
      onnx::shape_inference::InferShapes(
          *out.model, onnx::OpSchemaRegistry::Instance(), options);
    }
  } catch (const std::exception &e) {
    error = std::string("ONNX shape inference failed: ") + e.what();
    return false;
  }
  restoreDeclaredOutputs();
  return true;
}

namespace {
/// "key=value" split at its last '=', both sides non-empty.
bool splitSpec(const std::string &spec, std::string &key, std::string &value) {
  size_t eq = spec.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size())
    return false;
  key = spec.substr(0, eq);
  value = spec.substr(eq + 1);
  return true;
}

/// A non-negative decimal integer, all of `text`.
bool parseDim(const std::string &text, int64_t &out) {
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  out = std::stoll(text);
  return true;
}
} // namespace

bool addInputShape(const std::string &spec, ShapeOptions &shapes,
                   std::string &error) {
  std::string name, value;
  if (!splitSpec(spec, name, value)) {
    error = "an input shape is name=AxBxC, got '" + spec + "'";
    return false;
  }
  std::vector<int64_t> dims;
  for (size_t start = 0;;) {
    size_t x = value.find('x', start);
    std::string part = value.substr(start, x - start);
    int64_t d = -1; // "?": a dim known at run time
    if (part != "?" && !parseDim(part, d)) {
      error = "bad dim '" + part + "' in input shape '" + spec + "'";
      return false;
    }
    dims.push_back(d);
    if (x == std::string::npos)
      break;
    start = x + 1;
  }
  shapes.inputShapes[name] = dims;
  return true;
}

bool addDimOverride(const std::string &spec, ShapeOptions &shapes,
                    std::string &error) {
  std::string name, value;
  int64_t d;
  if (!splitSpec(spec, name, value) || !parseDim(value, d)) {
    error = "a dim override is name=value (value >= 0), got '" + spec + "'";
    return false;
  }
  shapes.dimOverrides[name] = d;
  return true;
}

bool addSequenceLength(const std::string &spec, ShapeOptions &shapes,
                       std::string &error) {
  std::string name, value;
  int64_t n;
  if (!splitSpec(spec, name, value) || !parseDim(value, n)) {
    error = "a sequence length is name=count (count >= 0), got '" + spec + "'";
    return false;
  }
  shapes.sequenceLengths[name] = n;
  return true;
}

bool lookupSchema(const std::string &opType, int opset,
                  std::vector<const onnx::AttributeProto *> &defaults,
                  const std::string &domain) {
  const onnx::OpSchema *schema =
      onnx::OpSchemaRegistry::Schema(opType, opset, domain);
  if (!schema)
    return false;
  for (const auto &[name, attr] : schema->attributes())
    if (attr.default_value.has_name())
      defaults.push_back(&attr.default_value);
  return true;
}

} // namespace kiln
