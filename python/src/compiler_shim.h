//===- compiler_shim.h - kiln::compileModel behind a plain interface ------===//
//
// The compiler libraries are built with LLVM's flags (no exceptions), while
// nanobind needs exceptions. This header is the boundary: it uses only the
// standard library, so the binding never sees an MLIR header, and the shim
// behind it is compiled with the compiler's own flags.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PYTHON_COMPILER_SHIM_H
#define KILN_PYTHON_COMPILER_SHIM_H

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kiln::python {

struct CompileRequest {
  /// A model file, or empty to compile `bytes` (a serialized ModelProto).
  std::string modelPath;
  std::string bytes;
  /// 0..3: ONNX Runtime's DISABLE_ALL, BASIC, EXTENDED, ALL.
  int optLevel = 3;
  /// Target CPU; empty or "native" means this machine.
  std::string mcpu;
  /// Symbolic dim name -> value (add_free_dimension_override_by_name).
  std::vector<std::pair<std::string, int64_t>> dimOverrides;
  /// Input name -> full shape (kiln-compile --shape).
  std::vector<std::pair<std::string, std::vector<int64_t>>> inputShapes;
  /// Sequence input name -> its number of tensors (--sequence-length).
  std::vector<std::pair<std::string, int64_t>> sequenceLengths;
  /// Optional inputs compiled without a value (--optional-absent).
  std::vector<std::string> absentOptionals;
  /// Make every input dim symbolic (kiln-compile --all-dynamic).
  bool allDynamic = false;
  /// Instrument every kernel for session profiling (kiln-compile --profile).
  bool profile = false;
  /// Non-empty: compile for the CUDA provider, PTX for these architectures
  /// ("sm_80", "sm_90") in an x86-64 artifact that launches it.
  std::vector<std::string> cudaArchs;
  /// With cudaArchs (sm_80+): f32 matmuls may run on the tensor cores in
  /// TF32 (kiln-compile --cuda-tf32).
  bool cudaTf32 = false;
  /// onnx, linalg, mlir, llvm, obj or so.
  std::string emit = "so";
  std::string outPath;
};

/// Compiles as kiln-compile does. Returns 0 on success, otherwise an ONNX
/// Runtime status code with every diagnostic in `error`.
int compile(const CompileRequest &request, std::string &error);

/// "kiln <version>", as recorded in the artifacts this compiler writes.
const char *compilerVersion();

} // namespace kiln::python

#endif
