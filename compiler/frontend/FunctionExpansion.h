//===- FunctionExpansion.h - Inlines ONNX function bodies -------*- C++ -*-===//
//
// Calls of model-local functions, and the default-domain operators Kiln
// compiles through their ONNX function body, are replaced by the body's
// nodes before shape inference and import.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_FRONTEND_FUNCTIONEXPANSION_H
#define KILN_COMPILER_FRONTEND_FUNCTIONEXPANSION_H

#include <cstdint>
#include <functional>
#include <map>
#include <string>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace kiln {

/// Expands function calls in every graph of `model`. A body written against
/// an older default-domain opset than the model's keeps its meaning: its
/// nodes are recorded in `nodeOpsets` (node name -> opset) and imported in
/// that opset's form. `changed` tells whether anything was expanded.
/// Default-domain operators with a function body are expanded when they are
/// in Kiln's own list, or when `isLowered` says Kiln has no lowering for them
/// (RMSNormalization, Attention, ...).
bool expandFunctions(onnx::ModelProto &model,
                     std::map<std::string, int64_t> &nodeOpsets, bool &changed,
                     std::string &error,
                     const std::function<bool(const std::string &)> &isLowered);

/// The name of a model-local function that calls itself (directly or not),
/// or "" when there is none. Such models are rejected before ONNX's shape
/// inference, which would recurse forever into them.
std::string recursiveFunction(const onnx::ModelProto &model);

} // namespace kiln

#endif
