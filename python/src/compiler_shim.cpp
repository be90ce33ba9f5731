//===- compiler_shim.cpp - kiln::compileModel for the Python binding ------===//
//
// Built with the compiler's flags (-fno-exceptions): see compiler_shim.h.
//
//===----------------------------------------------------------------------===//

#include "compiler_shim.h"

#include "compiler/pipeline/Compiler.h"

#include <map>

namespace kiln::python {

int compile(const CompileRequest &request, std::string &error) {
  static const std::map<std::string, EmitKind> kinds = {
      {"onnx", EmitKind::Onnx},  {"linalg", EmitKind::Linalg},
      {"mlir", EmitKind::Mlir},  {"llvm", EmitKind::Llvm},
      {"obj", EmitKind::Object}, {"so", EmitKind::SharedObject}};
  auto kind = kinds.find(request.emit);
  if (kind == kinds.end()) {
    error = "unknown emit kind '" + request.emit +
            "' (expected onnx, linalg, mlir, llvm, obj or so)";
    return 2;
  }
  if (request.optLevel < 0 || request.optLevel > 3) {
    error = "optimization level " + std::to_string(request.optLevel) +
            " is not one of 0..3";
    return 2;
  }
  CompileOptions options;
  options.optLevel = request.optLevel;
  options.mcpu = request.mcpu;
  options.emit = kind->second;
  for (const auto &[name, value] : request.dimOverrides)
    options.shapes.dimOverrides[name] = value;
  for (const auto &[name, shape] : request.inputShapes)
    options.shapes.inputShapes[name] = shape;
  options.shapes.allDynamic = request.allDynamic;
  for (const auto &[name, count] : request.sequenceLengths) {
    if (count < 0) {
      error = "the length of sequence input '" + name + "' is negative";
      return 2;
    }
    options.shapes.sequenceLengths[name] = count;
  }
  options.shapes.absentOptionals.insert(request.absentOptionals.begin(),
                                        request.absentOptionals.end());
  options.profile = request.profile;
  if (!request.cudaArchs.empty()) {
    options.provider = Provider::Cuda;
    options.cudaChips = request.cudaArchs;
    options.cudaTf32 = request.cudaTf32;
  }
  int code = 0;
  if (compileModel(request.modelPath, request.bytes, options, request.outPath,
                   error, code))
    return 0;
  // compileModel reports a code for every failure; never let one look like
  // success.
  return code > 0 ? code : 1;
}

const char *compilerVersion() { return KILN_PY_COMPILER_VERSION; }

} // namespace kiln::python
