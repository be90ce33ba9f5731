//===- ModelLoader.h - Reads an ONNX model and prepares it ------*- C++ -*-===//
//
// Everything that touches libonnx's C++ code (which throws) lives behind this
// interface, so the MLIR side can be built without exceptions.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_FRONTEND_MODELLOADER_H
#define KILN_COMPILER_FRONTEND_MODELLOADER_H

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace onnx {
class AttributeProto;
class ModelProto;
class NodeProto;
} // namespace onnx

namespace kiln {

/// How to fix or free the shapes of the graph inputs before importing.
struct ShapeOptions {
  /// Symbolic dim name -> value ("batch" -> 1), as ONNX Runtime's
  /// add_free_dimension_override_by_name.
  std::map<std::string, int64_t> dimOverrides;
  /// Input name -> full shape (-1: a dim known at run time); replaces the
  /// declared shape. "x[i]" names tensor i of sequence input x.
  std::map<std::string, std::vector<int64_t>> inputShapes;
  /// Make every input dim symbolic (named "<input>_d<i>").
  bool allDynamic = false;
  /// Sequence input name -> its number of tensors. The generated code only
  /// handles tensors, so a sequence graph input is compiled as that many
  /// tensor inputs (kiln-compile --sequence-length).
  std::map<std::string, int64_t> sequenceLengths;
  /// Optional graph inputs compiled without a value (fed None); the others
  /// are compiled as holding one (kiln-compile --optional-absent).
  std::set<std::string> absentOptionals;
};

/// Adds an input shape written "name=1x3x224x224" (kiln-compile --shape,
/// kiln_compile_options.shapes) to `shapes`; false with `error` set when
/// it is malformed or a dim is negative.
bool addInputShape(const std::string &spec, ShapeOptions &shapes,
                   std::string &error);
/// Adds a symbolic dim's value written "batch=1" (kiln-compile --dim,
/// kiln_compile_options.dims); false with `error` set when it is malformed
/// or negative.
bool addDimOverride(const std::string &spec, ShapeOptions &shapes,
                    std::string &error);
/// Adds a sequence input's length written "name=3" (kiln-compile
/// --sequence-length, kiln_compile_options.sequence_lengths).
bool addSequenceLength(const std::string &spec, ShapeOptions &shapes,
                       std::string &error);

struct LoadedModel {
  std::unique_ptr<onnx::ModelProto> model;
  /// Directory external data paths are relative to.
  std::string baseDir;
  /// Nodes imported in the form of another default-domain opset than the
  /// model's (from function bodies written against it): name -> opset.
  std::map<std::string, int64_t> nodeOpsets;
  LoadedModel();
  ~LoadedModel();
  LoadedModel(LoadedModel &&);
};

/// Loads `path` (or `bytes` when `path` is empty), resolves external data,
/// applies `shapes` and runs ONNX shape inference. On failure returns false
/// and sets `error` to a message that names the cause; `errorCode` is the
/// ONNX Runtime status code (3 NO_SUCHFILE, 7 INVALID_PROTOBUF, 10
/// INVALID_GRAPH). Function ops for which `isLowered` is false are replaced
/// by their ONNX function bodies (FunctionExpansion.h).
bool loadModel(const std::string &path, const std::string &bytes,
               const ShapeOptions &shapes, LoadedModel &out,
               std::string &error, int &errorCode,
               const std::function<bool(const std::string &)> &isLowered = {});

/// The files a compile of the model at `path` reads besides the model
/// itself: the external data files its tensors name (resolved as the loader
/// resolves them), each listed once, for build systems' dependency files
/// (kiln-compile --depfile). A model that cannot be parsed, or a location
/// the loader would refuse, lists nothing more: the compile reports it.
std::vector<std::string> externalDataFiles(const std::string &path);

/// How diagnostics name `node`: its name, else its operator and first
/// output ("Relu_y"), else its operator (a node without outputs is invalid,
/// but is reported, not read past).
std::string nodeDisplayName(const onnx::NodeProto &node);

/// The schema of operator `opType` of `domain` (default: the default
/// domain) as of `opset`: whether it exists, and the default values of its
/// attributes (which can differ between versions).
bool lookupSchema(const std::string &opType, int opset,
                  std::vector<const onnx::AttributeProto *> &defaults,
                  const std::string &domain = "");

} // namespace kiln

#endif
