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

/* 2: entry takes a run context (per-run alloc/free, parallel_for, profiling
 *    hooks) instead of a global hooks struct; kernel names for profiling.
 * 3: the CPU the code was compiled for and the features it needs
 *    (cpu_name, cpu_features), checked when the artifact is opened.
 * Still 3: element types 17-26 (float8, float4, int4/uint4, int2/uint2; one
 *    byte per element in `entry`'s memrefs, see kiln_elem_types.def) changed
 *    no layout; runtimes before them refuse such artifacts as having an
 *    unknown element type.
 * 4: graph values (kiln_value_info_t): sequences, maps and optionals at the
 *    model's edges, each carried by consecutive tensor slots of `inputs` and
 *    `outputs`; artifacts of ABI 3 (every slot one tensor value) still
 *    open.
 * 5: KILN_VALUE_FLAG_RUNTIME: a sequence output whose length, or an
 *    optional output whose presence, only the run decides comes back as
 *    the address of a kiln_run_sequence_t. The compiler writes 5 only into
 *    artifacts that use it; every other artifact stays 4.
 * 6: the CUDA provider: struct_size and feature bits in the descriptor,
 *    the PTX of a KILN_PROVIDER_CUDA artifact's kernels and the constants
 *    its kernels read (kiln_device_kernel_t, kiln_device_constant_t), and
 *    the run context's device hooks `launch` and `sync`. The compiler
 *    writes 6 only into CUDA artifacts; CPU artifacts stay 4 or 5, and
 *    the runtime keeps opening 3 to 6.
 * Still 6: a CUDA artifact may carry the same model compiled for the CPU
 *    (cpu_fallback, KILN_ARTIFACT_FEATURE_CPU_FALLBACK), appended to the
 *    descriptor: struct_size says whether the fields are there, and
 *    runtimes that read no further ignore them.
 * 7: the run context's num_threads, which the CPU kernels read to cut
 *    their work by thread. The compiler writes 7 only into artifacts that
 *    read it (those with kernels of the support library); the others keep
 *    their version. */
#define KILN_ABI_VERSION 7u
#define KILN_ABI_VERSION_MIN 3u
#define KILN_ARTIFACT_SYMBOL "kiln_artifact"

/* Where the artifact's code runs. */
enum {
  KILN_PROVIDER_CPU = 0,
  KILN_PROVIDER_CUDA = 1,
};

/* Element types use the values of ONNX's TensorProto.DataType; the table,
 * with each type's size and how an artifact holds it, is
 * kiln_elem_types.def. */
enum {
#define KILN_ELEM_TYPE(NAME, VALUE, ONNX_NAME, BITS, C_TYPE, NUMPY_NAME)      \
  KILN_ELEM_##NAME = VALUE,
#include "kiln/kiln_elem_types.def"
#undef KILN_ELEM_TYPE
};

/* One tensor slot of `entry`: a graph input or output as the model declares
 * it, or one tensor of a sequence, map or optional (see kiln_value_info_t;
 * its name is then "<value>[i]" for element i, "<value>.keys" and
 * "<value>.values" for a map's). */
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

/* What an ONNX graph input or output is, over the tensor slots `entry`
 * sees. The generated code only handles tensors: a sequence, map or optional
 * at the model's edge is compiled as the tensors it holds, and the runtime
 * builds or takes apart the ONNX value around them. */
enum {
  /* One slot. */
  KILN_VALUE_TENSOR = 0,
  /* `num_slots` slots, element i in slot first_slot + i: a sequence's
   * length is fixed when the model is compiled (kiln-compile
   * --sequence-length NAME=N for an input; the model fixes an output's). */
  KILN_VALUE_SEQUENCE = 1,
  /* Two slots: keys [n] and values [n]; entry i maps keys[i] to values[i]
   * (ONNX's map(K, V) with V a tensor element type: a map's values are
   * scalars). */
  KILN_VALUE_MAP = 2,
  /* Two slots: keys [C] and values [N, C]; a sequence of N maps, map i
   * pairing keys[j] with values[i, j] (what ZipMap makes). */
  KILN_VALUE_SEQUENCE_OF_MAPS = 3,
};

/* kiln_value_info_t.flags */
enum {
  /* The graph declares optional(...): `kind` says what it holds. */
  KILN_VALUE_FLAG_OPTIONAL = 1u,
  /* An optional compiled without a value (no slots): an input must be fed
   * None, an output is None. */
  KILN_VALUE_FLAG_ABSENT = 2u,
  /* ABI 5, outputs only: the run decides the sequence's length or the
   * optional's presence. One slot, an int64 scalar, holds the address of a
   * kiln_run_sequence_t in the run's memory, or 0 for an absent optional;
   * an optional tensor is a sequence of that one tensor. The runtime reads
   * it before the run ends (the run's memory is reclaimed then). */
  KILN_VALUE_FLAG_RUNTIME = 4u,
};

/* ABI 5: the values of KILN_VALUE_FLAG_RUNTIME outputs, as the generated
 * code builds them (compiler/artifact/support/kiln_sequences.c). Both are
 * immutable once built: sequences share their tensors. */
typedef struct kiln_run_tensor_t {
  int64_t elem_type; /* KILN_ELEM_* */
  int64_t rank;
  const int64_t *dims; /* `rank` entries */
  /* Dense, row-major, laid out as in `entry`'s memrefs (one byte per
   * element for the packed types, string addresses for strings). */
  const void *data;
} kiln_run_tensor_t;

typedef struct kiln_run_sequence_t {
  int64_t elem_type; /* KILN_ELEM_* of its tensors */
  int64_t length;
  const kiln_run_tensor_t *const *elements; /* `length` entries */
} kiln_run_sequence_t;

typedef struct kiln_value_info_t {
  /* The graph input or output. */
  const char *name;
  /* ONNX Runtime's type string of it: "tensor(float)", "seq(tensor(int64))",
   * "map(string,tensor(float))", "seq(map(int64,tensor(float)))",
   * "optional(seq(tensor(float)))". */
  const char *type;
  uint32_t kind;  /* KILN_VALUE_* */
  uint32_t flags; /* KILN_VALUE_FLAG_* */
  /* The slots of `inputs` (or `outputs`) that carry it. */
  uint32_t first_slot;
  uint32_t num_slots;
} kiln_value_info_t;

/* The run context: what the generated code may call back into during one
 * call to `entry`. The runtime owns it and passes it to `entry`; it stays
 * valid until `entry` returns. Every hook takes the context itself first, so
 * it is bound to the run (its arena, its session's thread pool, its
 * profiler) without any global state in the runtime. */
typedef struct kiln_run_context_t kiln_run_context_t;

/* One chunk [begin, end) of a parallel loop. `closure` is the pointer given
 * to parallel_for. Called on the calling thread or on a worker of the
 * session's pool, with the same `ctx`. */
typedef void (*kiln_parallel_body_fn)(kiln_run_context_t *ctx, void *closure,
                                      int64_t begin, int64_t end);

struct kiln_run_context_t {
  /* Owned by the runtime; the artifact never reads it. */
  void *runtime;
  /* Blocks come from the run's arena; both are safe to call from any thread
   * running a chunk of this run. alloc returns NULL only when out of
   * memory; free ignores NULL, pointers it never handed out and blocks
   * already freed. A size with bit 63 set (no real request has it) reports
   * that the artifact failed to allocate the other bits' bytes itself (its
   * kernels' scratch): it fails like an allocation of that size. On a
   * failure the runtime may leave the run (or the chunk) instead of
   * returning. */
  void *(*alloc)(kiln_run_context_t *ctx, uint64_t size, uint64_t alignment);
  void (*free)(kiln_run_context_t *ctx, void *ptr);
  /* Runs body over [begin, end) split in chunks of at least `grain`
   * iterations on the session's thread pool (intra_op_num_threads threads,
   * the caller included), and returns when every chunk is done. A range of
   * at most `grain` iterations, or a pool of one thread, runs inline. */
  void (*parallel_for)(kiln_run_context_t *ctx, int64_t begin, int64_t end,
                       int64_t grain, kiln_parallel_body_fn body,
                       void *closure);
  /* Profiling: bracket kernel `kernel` (an index into the artifact's
   * kernel_names). Only called by artifacts compiled with profiling; NULL
   * when the session does not profile, and then never called. */
  void (*kernel_begin)(kiln_run_context_t *ctx, uint32_t kernel);
  void (*kernel_end)(kiln_run_context_t *ctx, uint32_t kernel);
  /* ABI 4: a run-time check of the generated code failed (a Gather index
   * out of range, a Reshape to another element count, a Range of step
   * 0): the run fails with `message`, a string of the artifact whose
   * first byte is ONNX Runtime's error code (1 FAIL, 2 INVALID_ARGUMENT)
   * and the rest the text. Like a failed allocation, the runtime may leave the run (or
   * the chunk) instead of returning. */
  void (*fail)(kiln_run_context_t *ctx, const char *message);
  /* ABI 6, set for sessions of CUDA artifacts (NULL otherwise). `alloc`
   * and `free` then hand out device memory that the host can read and
   * write too (managed memory): the host schedule's scalar reads and the
   * host loops of string ops need no copies.
   *
   * launch: runs device kernel `kernel` (an index into the descriptor's
   * device_kernels) on the run's stream over a grid of grid_x * grid_y *
   * grid_z blocks of block_x * block_y * block_z threads with
   * `shared_bytes` of dynamic shared memory. `params` holds one 8-byte
   * word per kernel parameter, in the order of the kernel's `params`
   * string: a pointer, or a scalar in the word's low bytes (little
   * endian). It returns once the launch is queued (the words may be
   * reused); like a failed allocation, a launch the device refuses leaves
   * the run.
   * sync: waits until every kernel launched so far in this run has
   * finished. The host schedule calls it before the host reads or writes
   * memory a kernel may use (a scalar read of a shape, the failure word of
   * a run-time check); the runtime calls it after `entry` returns. */
  void (*launch)(kiln_run_context_t *ctx, uint32_t kernel, uint64_t grid_x,
                 uint64_t grid_y, uint64_t grid_z, uint64_t block_x,
                 uint64_t block_y, uint64_t block_z, uint32_t shared_bytes,
                 const uint64_t *params);
  void (*sync)(kiln_run_context_t *ctx);
  /* ABI 7: the threads parallel_for runs a loop's chunks on, the caller
   * included (the session's intra-op threads; 1: every loop runs inline).
   * A kernel may cut its work by it: a GEMM whose threads each sum a part
   * of K, for instance, has as many partial sums to add. */
  int64_t num_threads;
};

/* ABI 6: one kernel's code for one GPU architecture. */
typedef struct kiln_device_code_t {
  /* The architecture: "sm_80", "sm_90", "sm_90a" (the `a` variants run
   * only on that exact architecture). */
  const char *chip;
  /* NUL-terminated PTX text (`.target` is the chip). */
  const char *text;
} kiln_device_code_t;

/* ABI 6: one device kernel of a CUDA artifact. */
typedef struct kiln_device_kernel_t {
  /* The kernel's module, unique in the artifact ("main_kernel_0"), and
   * its entry function in that module's PTX ("main_kernel"). */
  const char *module;
  const char *function;
  /* One letter per parameter, in order: 'p' a pointer, 'i' an integer,
   * 'f' a floating-point value. A memref argument of rank r is
   * 2 + 1 + 2r parameters, "pp" then 1 + 2r 'i' (allocated, aligned,
   * offset, sizes, strides); an index is one 'i' (int64). */
  const char *params;
  /* The PTX for each architecture compiled, lowest first. */
  uint32_t num_codes;
  const kiln_device_code_t *codes;
} kiln_device_kernel_t;

/* ABI 6: a constant of the artifact that kernels read (the weights, small
 * constant tensors). The runtime copies each to device memory once per
 * session, and the launch hook passes the device copy wherever a 'p'
 * parameter points into [host, host + size). */
typedef struct kiln_device_constant_t {
  const void *host;
  uint64_t size;
} kiln_device_constant_t;

/* kiln_artifact_t.features (ABI 6). */
enum {
  /* The artifact has device kernels and calls the launch and sync hooks. */
  KILN_ARTIFACT_FEATURE_DEVICE_CODE = 1u,
  /* A CUDA artifact that also carries the model compiled for the CPU
   * (cpu_fallback), which a session that allows the CPU opens when the
   * CUDA device cannot be used (kiln-compile --provider=cuda,cpu). */
  KILN_ARTIFACT_FEATURE_CPU_FALLBACK = 2u,
};

/*
 * Calling convention of `entry(args, ctx)`:
 *   args[0]     points to the result block: one memref descriptor per output,
 *               laid out back to back, which `entry` fills in;
 *   args[1 + i] points to the memref descriptor of input i;
 *   ctx         is this run's context (see above).
 * A memref descriptor of rank r is, with every field 8 bytes wide:
 *   { void *allocated; void *aligned; int64_t offset;
 *     int64_t sizes[r]; int64_t strides[r]; }
 * Element (i0..ir-1) lives at aligned + (offset + sum(ik * strides[k])) * esize.
 * Output buffers were obtained from ctx->alloc, or alias an input or a
 * weight; the runtime copies them out and releases the ones it allocated.
 */
typedef void (*kiln_entry_fn)(void **args, kiln_run_context_t *ctx);

typedef struct kiln_artifact_t {
  uint32_t abi_version; /* KILN_ABI_VERSION of the compiler that built it */
  uint32_t provider;    /* KILN_PROVIDER_* */
  uint32_t num_inputs;
  uint32_t num_outputs;
  const kiln_tensor_info_t *inputs;
  const kiln_tensor_info_t *outputs;
  kiln_entry_fn entry;
  /* `num_kernels` names of the instrumented kernels (the ONNX nodes each
   * covers), or NULL when the artifact was compiled without profiling. */
  const char *const *kernel_names;
  /* Model metadata as NUL-separated key/value pairs ending with an empty key:
   * "producer_name\0pytorch\0graph_name\0main\0\0". */
  const char *metadata;
  const char *compiler_version;
  uint32_t num_kernels;
  /* LLVM's name of the CPU the code was compiled for ("skylake-avx512",
   * "x86-64-v3"; "" when unknown), and the instruction-set extensions of
   * kiln_cpu_features.h its code may use, comma-separated ("avx,avx2,fma";
   * "" for baseline x86-64). The runtime refuses to open an artifact that
   * needs a feature the CPU lacks. Either may be NULL (no requirement). */
  const char *cpu_name;
  const char *cpu_features;
  /* ABI 4: the graph's inputs and outputs, in model order, over the slots
   * above. NULL (and ABI 3 artifacts) when every slot is one tensor value
   * named by its kiln_tensor_info_t. */
  uint32_t num_input_values;
  uint32_t num_output_values;
  const kiln_value_info_t *input_values;
  const kiln_value_info_t *output_values;
  /* ABI 6: sizeof(kiln_artifact_t) of the compiler that built it (fields
   * past it are absent) and KILN_ARTIFACT_FEATURE_* bits. */
  uint32_t struct_size;
  uint32_t features;
  /* ABI 6: the device kernels launch() indexes and the constants they
   * read (0 and NULL for CPU artifacts). */
  uint32_t num_device_kernels;
  uint32_t num_device_constants;
  const kiln_device_kernel_t *device_kernels;
  const kiln_device_constant_t *device_constants;
  /* With KILN_ARTIFACT_FEATURE_CPU_FALLBACK: the bytes of a whole CPU
   * artifact (a shared object) compiled from the same model and options,
   * opened from memory. */
  const void *cpu_fallback;
  uint64_t cpu_fallback_size;
} kiln_artifact_t;

#ifdef __cplusplus
}
#endif

#endif /* KILN_ABI_H */
