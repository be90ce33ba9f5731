//===- import_fuzzer.cpp - Model bytes through the frontend --------------===//
//
// Any bytes given as a model: loading (protobuf, external data, shape
// inference, function expansion), import into the onnx dialect, the graph
// passes and the conversion to linalg — no code generation. Each ends in a
// module or an error; no exception may escape, no signal.
//
//===----------------------------------------------------------------------===//

#include "compiler/pipeline/Compiler.h"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  kiln::CompileOptions options;
  options.emit = kiln::EmitKind::Linalg;
  std::string error;
  int code = 0;
  (void)kiln::compileModel("", std::string(reinterpret_cast<const char *>(data), size),
                           options, "/dev/null", error, code);
  return 0;
}
