/*===- kiln_compiler.h - Kiln's compiler as a library -------------*- C -*-===*
 *
 * libkilncompiler compiles an ONNX model into an artifact that libkilnrt
 * loads (kiln_session_create), from a program instead of kiln-compile.
 * It links LLVM and MLIR; a program that only runs compiled models links
 * libkilnrt alone. Installed beside the runtime (find_package(Kiln) gives
 * Kiln::compiler, pkg-config kilncompiler).
 *
 *===------------------------------------------------------------------===*/
#ifndef KILN_COMPILER_H
#define KILN_COMPILER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_COMPILER_API __attribute__((visibility("default")))

/* What to compile for; zero-initialise and set what differs. */
typedef struct kiln_compile_options {
  /* Size of this struct (sizeof(kiln_compile_options)): fields added
   * later are read only when the caller's struct has them. */
  size_t struct_size;
  /* 0 DISABLE_ALL .. 3 ALL (ONNX Runtime's levels); -1 or unset: 3. */
  int opt_level;
  /* Target CPU (LLVM's names and x86-64-v2/v3/v4); NULL or "": this one. */
  const char *mcpu;
  /* Features added or removed ("+avx2,-avx512f"); NULL: none. */
  const char *mattr;
  /* Bracket every kernel for session profiling. */
  int profile;
  /* kiln-compile's --shape and --dim: "name=1x3x224x224" and
   * "batch=1" strings. */
  const char *const *shapes;
  size_t shape_count;
  const char *const *dims;
  size_t dim_count;
  /* kiln-compile's --sequence-length ("name=3": the number of tensors a
   * sequence input holds) and --optional-absent (names of optional inputs
   * compiled without a value). Read when struct_size covers them. */
  const char *const *sequence_lengths;
  size_t sequence_length_count;
  const char *const *absent_optionals;
  size_t absent_optional_count;
  /* Non-empty: compile for the CUDA provider, PTX for these architectures
   * ("sm_80,sm_90") launched by an x86-64 artifact; NULL or "": the CPU.
   * Read when struct_size covers it. */
  const char *cuda_archs;
} kiln_compile_options;

/* Compiles the ONNX model at `model_path` (its external data beside it)
 * into the shared-object artifact `out_path`. `options` may be NULL.
 * Returns 0 on success; otherwise ONNX Runtime's error code of the failure
 * (1 FAIL, 2 INVALID_ARGUMENT, 3 NO_SUCHFILE, 9 NOT_IMPLEMENTED, 10
 * INVALID_GRAPH, ...) with the message in *error (when error is not NULL),
 * to be freed with kiln_compiler_free. */
KILN_COMPILER_API int kiln_compile_model(const char *model_path,
                                         const kiln_compile_options *options,
                                         const char *out_path, char **error);

/* The same for a serialized model in memory (external data is then
 * relative to the current directory). */
KILN_COMPILER_API int
kiln_compile_model_bytes(const void *model, size_t size,
                         const kiln_compile_options *options,
                         const char *out_path, char **error);

KILN_COMPILER_API void kiln_compiler_free(char *error);

/* "kiln <version>", the compiler the artifacts record. */
KILN_COMPILER_API const char *kiln_compiler_version(void);

#ifdef __cplusplus
}
#endif

#endif /* KILN_COMPILER_H */
