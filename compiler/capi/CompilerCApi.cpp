//===- CompilerCApi.cpp - libkilncompiler's C interface -------------------===//
//
// kiln_compiler.h over kiln::compileModel. The library exports these C
// functions only (exports.map): the compiler's C++ and the MLIR/LLVM it
// links stay private to it.
//
//===----------------------------------------------------------------------===//

#include "kiln/kiln_compiler.h"

#include "compiler/pipeline/Compiler.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace {

/// Sets *error to a malloc'ed copy of `message` (when error is not NULL)
/// and returns `code`.
int fail(char **error, int code, const std::string &message) {
  if (error) {
    *error = static_cast<char *>(std::malloc(message.size() + 1));
    if (*error)
      std::memcpy(*error, message.c_str(), message.size() + 1);
  }
  return code;
}

/// The options kiln-compile would take from the same flags; false with
/// `message` set when one is malformed.
bool translate(const kiln_compile_options *in, kiln::CompileOptions &out,
               std::string &message) {
  out.emit = kiln::EmitKind::SharedObject;
  if (!in)
    return true;
  // The fields up to dim_count are read always: a smaller struct is not
  // one. Later fields are read when the caller's struct has them.
  constexpr size_t firstVersion =
      offsetof(kiln_compile_options, sequence_lengths);
  if (in->struct_size < firstVersion) {
    message = "kiln_compile_options.struct_size is " +
              std::to_string(in->struct_size) +
              " (set it to sizeof(kiln_compile_options))";
    return false;
  }
  if (in->opt_level > 3 || in->opt_level < -1) {
    message = "optimization level " + std::to_string(in->opt_level) +
              " is not one of 0..3";
    return false;
  }
  out.optLevel = in->opt_level < 0 ? 3 : in->opt_level;
  out.mcpu = in->mcpu ? in->mcpu : "";
  out.mattr = in->mattr ? in->mattr : "";
  out.profile = in->profile != 0;
  for (size_t i = 0; i < in->shape_count; ++i)
    if (!kiln::addInputShape(in->shapes[i], out.shapes, message))
      return false;
  for (size_t i = 0; i < in->dim_count; ++i)
    if (!kiln::addDimOverride(in->dims[i], out.shapes, message))
      return false;
  if (in->struct_size < offsetof(kiln_compile_options, cuda_archs))
    return true;
  for (size_t i = 0; i < in->sequence_length_count; ++i)
    if (!kiln::addSequenceLength(in->sequence_lengths[i], out.shapes, message))
      return false;
  for (size_t i = 0; i < in->absent_optional_count; ++i)
    out.shapes.absentOptionals.insert(in->absent_optionals[i]);
  if (in->struct_size < sizeof(kiln_compile_options))
    return true;
  if (in->cuda_archs && *in->cuda_archs) {
    out.provider = kiln::Provider::Cuda;
    out.cudaChips.clear();
    llvm::SmallVector<llvm::StringRef> archs;
    llvm::StringRef(in->cuda_archs).split(archs, ',', -1, false);
    for (llvm::StringRef arch : archs)
      out.cudaChips.push_back(arch.trim().str());
  }
  return true;
}

int compile(const std::string &path, const std::string &bytes,
            const kiln_compile_options *options, const char *outPath,
            char **error) {
  if (error)
    *error = nullptr;
  if (!outPath || !*outPath)
    return fail(error, 2, "no output path for the artifact");
  kiln::CompileOptions translated;
  std::string message;
  if (!translate(options, translated, message))
    return fail(error, 2, message);
  int code = 0;
  if (kiln::compileModel(path, bytes, translated, outPath, message, code))
    return 0;
  // Every failure has a code; never let one read as success.
  return fail(error, code > 0 ? code : 1, message);
}

} // namespace

extern "C" {

int kiln_compile_model(const char *model_path,
                       const kiln_compile_options *options,
                       const char *out_path, char **error) {
  if (!model_path || !*model_path)
    return fail(error, 2, "no model path");
  return compile(model_path, "", options, out_path, error);
}

int kiln_compile_model_bytes(const void *model, size_t size,
                             const kiln_compile_options *options,
                             const char *out_path, char **error) {
  if (!model || size == 0)
    return fail(error, 2, "no model bytes");
  return compile("", std::string(static_cast<const char *>(model), size),
                 options, out_path, error);
}

void kiln_compiler_free(char *error) { std::free(error); }

const char *kiln_compiler_version(void) { return KILN_COMPILER_VERSION; }

} // extern "C"
