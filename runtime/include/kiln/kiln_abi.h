/*===- kiln_abi.h - The contract between Kiln artifacts and the runtime ---===*
 *
 * A compiled Kiln model is a shared object that exports one data symbol,
 * `kiln_artifact`, of type `kiln_artifact_t`. The compiler emits it and the
 * runtime reads it; this header is the only thing both sides share, so every
 * change to a layout below must bump KILN_ABI_VERSION.
 *
 *===----------------------------------------------------------------------===*/
#ifndef KILN_ABI_H
#define KILN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_ABI_VERSION 1u
#define KILN_ARTIFACT_SYMBOL "kiln_artifact"

/* Where the artifact's code runs. */
enum {
  KILN_PROVIDER_CPU = 0,
  KILN_PROVIDER_CUDA = 1,
};

/* Element types use the values of ONNX's TensorProto.DataType. */
enum {
  KILN_ELEM_FLOAT = 1,
  KILN_ELEM_UINT8 = 2,
  KILN_ELEM_INT8 = 3,
  KILN_ELEM_UINT16 = 4,
  KILN_ELEM_INT16 = 5,
  KILN_ELEM_INT32 = 6,
  KILN_ELEM_INT64 = 7,
  KILN_ELEM_STRING = 8,
  KILN_ELEM_BOOL = 9,
  KILN_ELEM_FLOAT16 = 10,
  KILN_ELEM_DOUBLE = 11,
  KILN_ELEM_UINT32 = 12,
  KILN_ELEM_UINT64 = 13,
  KILN_ELEM_BFLOAT16 = 16,
};

/* One graph input or output as the model declares it. */
typedef struct kiln_tensor_info_t {
  const char *name;
  int32_t elem_type;
  int32_t rank;
  /* `rank` entries; -1 marks a dim only known at run time. */
  const int64_t *dims;
  /* `rank` entries; the ONNX dim_param of a dynamic dim ("batch"), or "" when
   * the dim is fixed or anonymous. */
  const char *const *dim_params;
} kiln_tensor_info_t;

/* Services the generated code calls back into. The artifact owns the storage
 * (a writable global); the runtime fills it in once after loading, before the
 * first call to `entry`. Allocations made during one call to `entry` are
 * served from the calling run's arena. */
typedef struct kiln_hooks_t {
  void *(*alloc)(uint64_t size, uint64_t alignment);
  void (*free)(void *ptr);
} kiln_hooks_t;

/*
 * Calling convention of `entry(args)`:
 *   args[0]     points to the result block: one memref descriptor per output,
 *               laid out back to back, which `entry` fills in;
 *   args[1 + i] points to the memref descriptor of input i.
 * A memref descriptor of rank r is, with every field 8 bytes wide:
 *   { void *allocated; void *aligned; int64_t offset;
 *     int64_t sizes[r]; int64_t strides[r]; }
 * Element (i0..ir-1) lives at aligned + (offset + sum(ik * strides[k])) * esize.
 * Output buffers were obtained from hooks->alloc, or alias an input or a
 * weight; the runtime copies them out and releases the ones it allocated.
 */
typedef void (*kiln_entry_fn)(void **args);

typedef struct kiln_artifact_t {
  uint32_t abi_version; /* KILN_ABI_VERSION of the compiler that built it */
  uint32_t provider;    /* KILN_PROVIDER_* */
  uint32_t num_inputs;
  uint32_t num_outputs;
  const kiln_tensor_info_t *inputs;
  const kiln_tensor_info_t *outputs;
  kiln_entry_fn entry;
  kiln_hooks_t *hooks;
  /* Model metadata as NUL-separated key/value pairs ending with an empty key:
   * "producer_name\0pytorch\0graph_name\0main\0\0". */
  const char *metadata;
  const char *compiler_version;
} kiln_artifact_t;

#ifdef __cplusplus
}
#endif

#endif /* KILN_ABI_H */
