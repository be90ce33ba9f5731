/*===- kiln.h - C API of the Kiln runtime ---------------------------------===*
 *
 * Loads a compiled Kiln artifact (a shared object exporting `kiln_artifact`,
 * see kiln_abi.h) and runs it. Modelled on ONNX Runtime's C API so that users
 * of one feel at home in the other:
 *
 *   - every fallible call returns a `kiln_status *`; NULL means success, and a
 *     non-NULL status owns a code and a message and must be released with
 *     kiln_status_release();
 *   - error codes and message texts are those of ONNX Runtime;
 *   - tensors (`kiln_value`) either own their memory or wrap caller memory
 *     without copying it;
 *   - kiln_session_run() may be called concurrently on one session.
 *
 *===----------------------------------------------------------------------===*/
#ifndef KILN_KILN_H
#define KILN_KILN_H

#include <stddef.h>
#include <stdint.h>

#include "kiln/kiln_abi.h" /* KILN_ELEM_* and KILN_PROVIDER_* */

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define KILN_API
#else
#define KILN_API __attribute__((visibility("default")))
#endif

/*===------------------------------------------------------------------===*
 * Status
 *===------------------------------------------------------------------===*/

/* The values of ONNX Runtime's OrtErrorCode. */
typedef enum kiln_error_code {
  KILN_OK = 0,
  KILN_FAIL = 1,
  KILN_INVALID_ARGUMENT = 2,
  KILN_NO_SUCHFILE = 3,
  KILN_NO_MODEL = 4,
  KILN_ENGINE_ERROR = 5,
  KILN_RUNTIME_EXCEPTION = 6,
  KILN_INVALID_PROTOBUF = 7,
  KILN_MODEL_LOADED = 8,
  KILN_NOT_IMPLEMENTED = 9,
  KILN_INVALID_GRAPH = 10,
  KILN_EP_FAIL = 11,
} kiln_error_code;

typedef struct kiln_status kiln_status;

/* Returns NULL only when allocation fails. */
KILN_API kiln_status *kiln_status_create(kiln_error_code code,
                                         const char *message);
/* KILN_OK for a NULL status. */
KILN_API kiln_error_code kiln_status_code(const kiln_status *status);
/* "" for a NULL status; valid until the status is released. */
KILN_API const char *kiln_status_message(const kiln_status *status);
KILN_API void kiln_status_release(kiln_status *status);
/* "INVALID_ARGUMENT" etc., as ONNX Runtime spells them; "UNKNOWN" otherwise. */
KILN_API const char *kiln_error_code_name(kiln_error_code code);

/*===------------------------------------------------------------------===*
 * Library information
 *===------------------------------------------------------------------===*/

KILN_API const char *kiln_runtime_version(void);
/* The KILN_ABI_VERSION this runtime accepts. */
KILN_API uint32_t kiln_runtime_abi_version(void);
/* Whether this process can run CUDA artifacts on device `device_id`: loads
 * the CUDA driver (libcuda.so.1, once per process) and writes the device's
 * architecture ("sm_86", NUL-terminated) into `chip` (`chip_size` bytes).
 * EP_FAIL, saying why, when there is no driver, no such device, or the
 * device lacks what Kiln's CUDA provider needs. */
KILN_API kiln_status *kiln_cuda_device_chip(int32_t device_id, char *chip,
                                            size_t chip_size);
/* "float", "int64", ... as in ONNX's "tensor(<name>)"; NULL when unknown. */
KILN_API const char *kiln_elem_type_name(int32_t elem_type);
/* Bytes per element; 0 for unknown types and for the packed 4- and 2-bit
 * types (int4, uint4, float4e2m1, int2, uint2: see kiln_elem_type_bits);
 * 8 for STRING (a pointer). */
KILN_API size_t kiln_elem_type_size(int32_t elem_type);
/* Bits per element of a tensor's data; 0 for unknown types. The 4- and 2-bit
 * types are packed two or four to a byte, low bits first, as ONNX stores
 * them. */
KILN_API size_t kiln_elem_type_bits(int32_t elem_type);
/* Bytes of the data of a tensor of `count` elements (a [3] int4 tensor holds
 * 2); 0 for unknown types. */
KILN_API size_t kiln_tensor_data_bytes(int32_t elem_type, size_t count);

/*===------------------------------------------------------------------===*
 * Session options
 *===------------------------------------------------------------------===*/

typedef struct kiln_session_options kiln_session_options;

KILN_API kiln_status *kiln_session_options_create(kiln_session_options **out);
KILN_API void kiln_session_options_release(kiln_session_options *options);
/* 0 (the default) means "one per physical core". Negative is invalid. */
KILN_API kiln_status *
kiln_session_options_set_intra_op_num_threads(kiln_session_options *options,
                                              int32_t num_threads);
KILN_API kiln_status *
kiln_session_options_set_inter_op_num_threads(kiln_session_options *options,
                                              int32_t num_threads);
/* Free-form key/value entries; unknown keys are accepted, as in ORT. */
KILN_API kiln_status *
kiln_session_options_add_config_entry(kiln_session_options *options,
                                      const char *key, const char *value);
/* *out is NULL when the key is absent; valid until the next add/release. */
KILN_API kiln_status *
kiln_session_options_get_config_entry(const kiln_session_options *options,
                                      const char *key, const char **out);
/* A new options object with the same settings and entries (ORT's
 * CloneSessionOptions); release both. */
KILN_API kiln_status *
kiln_session_options_clone(const kiln_session_options *options,
                           kiln_session_options **out);

/*===------------------------------------------------------------------===*
 * Values (tensors)
 *===------------------------------------------------------------------===*/

typedef struct kiln_value kiln_value;

/* String tensors (KILN_ELEM_STRING): the data is an array of `const char *`,
 * one per element, each a NUL-terminated UTF-8 string. For an input, the
 * caller keeps the array and the strings alive during the run; no element
 * may be NULL. A string output is always allocated by the runtime (pass a
 * NULL output slot): the value owns the array and the strings, which live
 * until it is released. */

/* A tensor owning zero-initialised, 64-byte aligned storage. */
KILN_API kiln_status *kiln_value_create_tensor(int32_t elem_type,
                                               const int64_t *shape,
                                               size_t rank, kiln_value **out);
/* A tensor viewing `data` (row-major, `data_bytes` long) without copying it;
 * the caller keeps `data` alive and unchanged for as long as the value is
 * used. `data_bytes` must be at least element count * element size. */
KILN_API kiln_status *
kiln_value_create_tensor_with_data(int32_t elem_type, void *data,
                                   size_t data_bytes, const int64_t *shape,
                                   size_t rank, kiln_value **out);
KILN_API void kiln_value_release(kiln_value *value);

/* Where a tensor's elements live: host memory, or the memory of a CUDA
 * device (ORT's OrtMemoryInfo "Cpu" and "Cuda"). */
typedef enum kiln_device_type {
  KILN_DEVICE_CPU = 0,
  KILN_DEVICE_CUDA = 1,
} kiln_device_type;

/* A tensor owning new memory on `device_type` (KILN_DEVICE_CPU: as
 * kiln_value_create_tensor; KILN_DEVICE_CUDA: managed memory of CUDA device
 * `device_id`, not initialised, as ORT's ortvalue_from_shape_and_type(...,
 * 'cuda', id)). Such a device value is independent of any session: it is
 * fed to, or bound as the output of, runs of CUDA sessions on the same
 * device, which pass it to their kernels without a copy. EP_FAIL when the
 * device cannot be used (no driver, the toolkit's stub, no such device),
 * NOT_IMPLEMENTED for strings and the packed 4- and 2-bit types. */
KILN_API kiln_status *
kiln_value_create_device_tensor(int32_t elem_type, const int64_t *shape,
                                size_t rank, int32_t device_type,
                                int32_t device_id, kiln_value **out);
/* A tensor viewing `data` on `device_type` without copying it (ORT's
 * IOBinding.bind_input with a buffer pointer): for KILN_DEVICE_CUDA, memory
 * of CUDA device `device_id` that the caller allocated (cuMemAlloc,
 * cudaMalloc, cuMemAllocManaged, ...) and keeps alive while the value is
 * used. A pointer the driver does not know as that device's memory is
 * INVALID_ARGUMENT. A run reads managed memory in place and copies other
 * device memory into its own on the device first (its host schedule may
 * read inputs on the host). */
KILN_API kiln_status *kiln_value_create_device_tensor_with_data(
    int32_t elem_type, void *data, size_t data_bytes, const int64_t *shape,
    size_t rank, int32_t device_type, int32_t device_id, kiln_value **out);
/* Where a tensor's elements live: KILN_DEVICE_CPU (device id 0) or
 * KILN_DEVICE_CUDA and the device's ordinal. */
KILN_API kiln_status *kiln_value_get_device(const kiln_value *value,
                                            int32_t *device_type,
                                            int32_t *device_id);
/* Copies the elements of tensor `src` into tensor `dst` (same element type
 * and count; the shapes may differ), wherever each lives: host to device,
 * device to host, on the device, or on the host. Synchronous. Strings are
 * INVALID_ARGUMENT. */
KILN_API kiln_status *kiln_value_copy_tensor_data(const kiln_value *src,
                                                  kiln_value *dst);

/* Accessors; a NULL value yields 0 / NULL. */
KILN_API int32_t kiln_value_elem_type(const kiln_value *value);
KILN_API size_t kiln_value_rank(const kiln_value *value);
/* `rank` entries (NULL for rank 0); valid while the value lives. */
KILN_API const int64_t *kiln_value_shape(const kiln_value *value);
KILN_API int64_t kiln_value_element_count(const kiln_value *value);
KILN_API size_t kiln_value_byte_size(const kiln_value *value);
KILN_API void *kiln_value_data(const kiln_value *value);
/* 1 when the value owns its storage, 0 when it wraps caller memory. */
KILN_API int kiln_value_is_owning(const kiln_value *value);

/* The accessors above as status-returning calls, like ORT's
 * GetTensorTypeAndShape and GetTensorMutableData: a NULL value or out
 * pointer is INVALID_ARGUMENT instead of a silent 0. `*shape` has `*rank`
 * entries (NULL for rank 0) and lives as long as the value. */
KILN_API kiln_status *kiln_value_get_type_and_shape(const kiln_value *value,
                                                    int32_t *elem_type,
                                                    size_t *rank,
                                                    const int64_t **shape);
KILN_API kiln_status *kiln_value_get_tensor_data(const kiln_value *value,
                                                 void **out);
/* Sets the elements of a string tensor the value owns (made with
 * kiln_value_create_tensor, or a string output) to copies of `strings`
 * (`count` NUL-terminated UTF-8 strings, one per element, none NULL), as
 * ORT's FillStringTensor; the value owns the copies. A count other than the
 * element count, a NULL string, a value that is not an owning string tensor
 * are INVALID_ARGUMENT. */
KILN_API kiln_status *kiln_value_fill_string_tensor(kiln_value *value,
                                                    const char *const *strings,
                                                    size_t count);
/* Sets element `index` of such a tensor to a copy of `string` (ORT's
 * FillStringTensorElement); elements not set yet read as "". */
KILN_API kiln_status *kiln_value_fill_string_tensor_element(kiln_value *value,
                                                            const char *string,
                                                            size_t index);

/*===------------------------------------------------------------------===*
 * Values that are not tensors: sequences, maps, none
 *===------------------------------------------------------------------===*/

/* What a value is: the values of ONNX Runtime's ONNXType. */
typedef enum kiln_onnx_type {
  KILN_ONNX_TYPE_UNKNOWN = 0,
  KILN_ONNX_TYPE_TENSOR = 1,
  KILN_ONNX_TYPE_SEQUENCE = 2,
  KILN_ONNX_TYPE_MAP = 3,
  KILN_ONNX_TYPE_OPAQUE = 4,
  KILN_ONNX_TYPE_SPARSETENSOR = 5,
  KILN_ONNX_TYPE_OPTIONAL = 6,
} kiln_onnx_type;

/* A model's inputs and outputs may be sequences (ONNX's seq(tensor(T)), and
 * seq(map(K,V)), ZipMap's output), maps (map(K,V): keys of type K, one
 * scalar of type V per key) and optionals (optional(T): a T, or none), as
 * ONNX Runtime's OrtValue carries them:
 *
 *   - a sequence holds `count` values (tensors of one element type, or
 *     maps); kiln_value_get_element(seq, i) is element i;
 *   - a map holds two tensors of one dimension and the same length: the
 *     keys (int64 or string) and the values; element 0 is the keys,
 *     element 1 the values (ORT's GetValue on a map);
 *   - an absent optional is the none value (kind KILN_ONNX_TYPE_OPTIONAL,
 *     kiln_value_has_value 0); a present one is simply its value.
 *
 * The tensor accessors (kiln_value_elem_type, _rank, _shape, _data ...)
 * return 0/NULL for these values and kiln_value_get_type_and_shape fails.
 *
 * Ownership: kiln_value_create_sequence and kiln_value_create_map do not
 * take their arguments, which the caller releases as usual; the new value
 * holds its own copies of them, made as cheaply as is safe: a tensor
 * viewing caller memory (kiln_value_create_tensor_with_data) stays a view
 * of that memory, which the caller keeps alive as long as the new value is
 * used, while an owning tensor's data is copied. (ORT's CreateValue shares
 * a sequence's tensors and copies a map's.) kiln_value_get_element returns
 * a new value, released by the caller, that views the part without copying
 * it and keeps it alive, so it may outlive the value it came from. */

/* A sequence of `count` values (`count` may be 0; `elements` may then be
 * NULL): all tensors of one element type, or all maps. Anything else is
 * INVALID_ARGUMENT. */
KILN_API kiln_status *
kiln_value_create_sequence(const kiln_value *const *elements, size_t count,
                           kiln_value **out);
/* A map from `keys` (a rank-1 int64 or string tensor) to `values` (a rank-1
 * tensor of as many elements). */
KILN_API kiln_status *kiln_value_create_map(const kiln_value *keys,
                                            const kiln_value *values,
                                            kiln_value **out);
/* The none value: feeds None to an optional input (ORT's Python None). */
KILN_API kiln_status *kiln_value_create_none(kiln_value **out);
/* KILN_ONNX_TYPE_TENSOR, _SEQUENCE, _MAP, or _OPTIONAL for none (ORT's
 * GetValueType). */
KILN_API kiln_status *kiln_value_get_value_type(const kiln_value *value,
                                                kiln_onnx_type *out);
/* 1 unless the value is none (ORT's HasValue). */
KILN_API kiln_status *kiln_value_has_value(const kiln_value *value, int *out);
/* A sequence's length, 2 for a map (ORT's GetValueCount); a tensor or none
 * is INVALID_ARGUMENT. */
KILN_API kiln_status *kiln_value_get_count(const kiln_value *value,
                                           size_t *out);
/* Element `index` of a sequence, or a map's keys (0) or values (1), as a
 * new value the caller releases (ORT's GetValue; see Ownership above). */
KILN_API kiln_status *kiln_value_get_element(const kiln_value *value,
                                             size_t index, kiln_value **out);
/* The same element borrowed, without making a value: `*out` lives as long
 * as `value` and must not be released (for walking a large sequence of
 * maps without an allocation per map). */
KILN_API kiln_status *kiln_value_borrow_element(const kiln_value *value,
                                                size_t index,
                                                const kiln_value **out);

/*===------------------------------------------------------------------===*
 * Sessions
 *===------------------------------------------------------------------===*/

typedef struct kiln_session kiln_session;

/* Loads the artifact at `so_path`. `options` may be NULL. Fails with
 * NO_SUCHFILE when the file does not exist, INVALID_GRAPH when it is not a
 * Kiln artifact of this runtime's ABI version, and NOT_IMPLEMENTED for
 * providers this runtime cannot drive yet (CUDA). */
KILN_API kiln_status *kiln_session_create(const char *so_path,
                                          const kiln_session_options *options,
                                          kiln_session **out);
KILN_API void kiln_session_release(kiln_session *session);

/* Graph inputs and outputs in model order. Every returned pointer stays valid
 * while the session lives. Indices out of range are INVALID_ARGUMENT. */
KILN_API kiln_status *kiln_session_get_input_count(const kiln_session *session,
                                                   size_t *out);
KILN_API kiln_status *kiln_session_get_output_count(const kiln_session *session,
                                                    size_t *out);
KILN_API kiln_status *kiln_session_get_input_name(const kiln_session *session,
                                                  size_t index,
                                                  const char **out);
KILN_API kiln_status *kiln_session_get_output_name(const kiln_session *session,
                                                   size_t index,
                                                   const char **out);
KILN_API kiln_status *
kiln_session_get_input_elem_type(const kiln_session *session, size_t index,
                                 int32_t *out);
KILN_API kiln_status *
kiln_session_get_output_elem_type(const kiln_session *session, size_t index,
                                  int32_t *out);
KILN_API kiln_status *kiln_session_get_input_rank(const kiln_session *session,
                                                  size_t index, size_t *out);
KILN_API kiln_status *kiln_session_get_output_rank(const kiln_session *session,
                                                   size_t index, size_t *out);
/* `rank` entries; -1 marks a dim only known at run time. */
KILN_API kiln_status *kiln_session_get_input_dims(const kiln_session *session,
                                                  size_t index,
                                                  const int64_t **out);
KILN_API kiln_status *kiln_session_get_output_dims(const kiln_session *session,
                                                   size_t index,
                                                   const int64_t **out);
/* `rank` entries; the ONNX dim_param of a dynamic dim, "" otherwise. */
KILN_API kiln_status *
kiln_session_get_input_dim_params(const kiln_session *session, size_t index,
                                  const char *const **out);
KILN_API kiln_status *
kiln_session_get_output_dim_params(const kiln_session *session, size_t index,
                                   const char *const **out);

/* What graph input (output) `index` is. The counts, names and getters
 * above describe the model's graph values, whatever tensors carry them in
 * the artifact. `type` is ONNX Runtime's type string ("tensor(float)",
 * "seq(tensor(float))", "map(int64,tensor(float))",
 * "seq(map(string,tensor(float)))", "optional(tensor(float))"); `kind` how
 * the artifact carries it (KILN_VALUE_TENSOR, _SEQUENCE, _MAP,
 * _SEQUENCE_OF_MAPS of kiln_abi.h); `flags` KILN_VALUE_FLAG_OPTIONAL
 * (declared optional) and KILN_VALUE_FLAG_ABSENT (compiled for None: an
 * input must be fed the none value, an output is none); `num_slots` the
 * tensors carrying it (a sequence input's length is fixed when compiling,
 * kiln-compile --sequence-length NAME=N). Any out pointer may be NULL.
 * For a value that is not a tensor, the elem_type getter gives the type of
 * its tensors' elements (a map's values), the rank is 0 and the dims are
 * NULL; a present optional tensor has its tensor's rank and dims. */
KILN_API kiln_status *
kiln_session_get_input_type_info(const kiln_session *session, size_t index,
                                 const char **type, uint32_t *kind,
                                 uint32_t *flags, size_t *num_slots);
KILN_API kiln_status *
kiln_session_get_output_type_info(const kiln_session *session, size_t index,
                                  const char **type, uint32_t *kind,
                                  uint32_t *flags, size_t *num_slots);
/* ORT's ONNXType of input (output) `index`: KILN_ONNX_TYPE_TENSOR,
 * _SEQUENCE (sequences of maps too), _MAP, or _OPTIONAL for a declared
 * optional. */
KILN_API kiln_status *
kiln_session_get_input_onnx_type(const kiln_session *session, size_t index,
                                 kiln_onnx_type *out);
KILN_API kiln_status *
kiln_session_get_output_onnx_type(const kiln_session *session, size_t index,
                                  kiln_onnx_type *out);

/* Model metadata (producer_name, graph_name, custom keys, ...). */
KILN_API kiln_status *
kiln_session_get_metadata_count(const kiln_session *session, size_t *out);
KILN_API kiln_status *
kiln_session_get_metadata_entry(const kiln_session *session, size_t index,
                                const char **key, const char **value);
/* *value is NULL when `key` is absent. */
KILN_API kiln_status *kiln_session_lookup_metadata(const kiln_session *session,
                                                   const char *key,
                                                   const char **value);
KILN_API kiln_status *
kiln_session_get_compiler_version(const kiln_session *session,
                                  const char **out);
/* The CPU the artifact was compiled for (LLVM's name, e.g. "x86-64-v3"; ""
 * when unknown) and the CPU features its code needs, comma-separated (""
 * for none), as the artifact records them; the session was only opened
 * because this CPU has them. Valid while the session lives. */
KILN_API kiln_status *kiln_session_get_target_cpu(const kiln_session *session,
                                                  const char **cpu,
                                                  const char **features);
/* KILN_PROVIDER_* the artifact was compiled for: the CPU when the session
 * runs the CPU copy of a CUDA artifact (see below). */
KILN_API kiln_status *kiln_session_get_provider(const kiln_session *session,
                                                uint32_t *out);
/* Why the session runs the CPU copy of the CUDA artifact it was given
 * (config entry kiln.cuda.cpu_fallback=1, the device could not be used);
 * NULL when it runs the artifact as given. Valid while the session lives. */
KILN_API kiln_status *
kiln_session_get_cpu_fallback_reason(const kiln_session *session,
                                     const char **out);
/* The number of threads the session runs parallel loops on, the calling
 * thread included: intra_op_num_threads, or the hardware's thread count when
 * that was 0. */
KILN_API kiln_status *
kiln_session_get_intra_op_num_threads(const kiln_session *session,
                                      int32_t *out);

/* Runs the model. `inputs[i]` feeds the graph input named `input_names[i]`;
 * every graph input must be fed exactly once. For each requested output, a
 * NULL `outputs[i]` receives a new owning value (release it with
 * kiln_value_release); a non-NULL one is a preallocated tensor the result is
 * copied into and must have the produced type and shape. On failure no NULL
 * slot is filled. Safe to call from several threads on one session.
 * A sequence input is fed a sequence of as many tensors as it was compiled
 * for, a map input a map, an optional input its value or, when compiled
 * absent, the none value (INVALID_ARGUMENT otherwise, saying what was
 * compiled). Sequence outputs come back as sequences of new tensors, map
 * outputs as maps, a sequence of maps (ZipMap's) as a sequence of maps each
 * sharing one keys tensor and viewing the rows of the values (read-only),
 * map keys in ascending order (ORT's std::map), an absent optional as the
 * none value; only tensor outputs may be preallocated. */
KILN_API kiln_status *kiln_session_run(kiln_session *session,
                                       const char *const *input_names,
                                       const kiln_value *const *inputs,
                                       size_t n_in,
                                       const char *const *output_names,
                                       size_t n_out, kiln_value **outputs);

/*===------------------------------------------------------------------===*
 * Environment
 *===------------------------------------------------------------------===*/

/* The values of ONNX Runtime's OrtLoggingLevel. */
typedef enum kiln_logging_level {
  KILN_LOGGING_LEVEL_VERBOSE = 0,
  KILN_LOGGING_LEVEL_INFO = 1,
  KILN_LOGGING_LEVEL_WARNING = 2,
  KILN_LOGGING_LEVEL_ERROR = 3,
  KILN_LOGGING_LEVEL_FATAL = 4,
} kiln_logging_level;

typedef struct kiln_env kiln_env;

/* Process-wide settings, the counterpart of ORT's OrtEnv. Kiln keeps no
 * global state that needs one (sessions are independent and the runtime
 * does not log yet), so an env only records the logging level and id for
 * code ported from ONNX Runtime; several envs may coexist. `logid` may be
 * NULL (""). Release with kiln_env_release(). */
KILN_API kiln_status *kiln_env_create(kiln_logging_level level,
                                      const char *logid, kiln_env **out);
KILN_API void kiln_env_release(kiln_env *env);
KILN_API kiln_status *kiln_env_get_logging_level(const kiln_env *env,
                                                 kiln_logging_level *out);
/* Valid while the env lives. */
KILN_API kiln_status *kiln_env_get_log_id(const kiln_env *env,
                                          const char **out);

/*===------------------------------------------------------------------===*
 * Session options that only matter when compiling
 *===------------------------------------------------------------------===*/

/* A loaded artifact was compiled already, so the runtime cannot honour
 * these; they are recorded (as the config entries named below) for the
 * code that compiles a model from these options, and read back with
 * kiln_session_options_get_config_entry(). */

/* ORT's GraphOptimizationLevel: 0 DISABLE_ALL, 1 ENABLE_BASIC,
 * 2 ENABLE_EXTENDED, 99 ENABLE_ALL; others are INVALID_ARGUMENT.
 * Config key "kiln.graph_optimization_level". */
KILN_API kiln_status *
kiln_session_options_set_graph_optimization_level(kiln_session_options *options,
                                                  int32_t level);
/* Pins the symbolic dim `dim_name` to `dim_value` (>= 0) before compiling.
 * Config key "kiln.free_dimension_override.<dim_name>". */
KILN_API kiln_status *
kiln_session_options_add_free_dimension_override(kiln_session_options *options,
                                                 const char *dim_name,
                                                 int64_t dim_value);
/* Records a profile file prefix (NULL or "" = ORT's "onnxruntime_profile_")
 * under "kiln.profile_file_prefix" and "kiln.enable_profiling" = "1". A
 * session created with profiling enabled records one kiln_profile_event per
 * kernel per run when its artifact was compiled with profiling
 * (kiln-compile --profile); the code compiling the model reads the entry to
 * turn that on. Writing the trace file is up to the caller (the Python
 * layer writes ONNX Runtime's JSON). */
KILN_API kiln_status *
kiln_session_options_enable_profiling(kiln_session_options *options,
                                      const char *profile_file_prefix);
KILN_API kiln_status *
kiln_session_options_disable_profiling(kiln_session_options *options);

/*===------------------------------------------------------------------===*
 * Sessions from memory
 *===------------------------------------------------------------------===*/

/* Loads an artifact from the `size` bytes of a compiled .so at `data` (for
 * example embedded in the application). The bytes are copied into an
 * anonymous in-memory file and loaded from there, so `data` may be freed as
 * soon as this returns and nothing is written to disk. Errors are those of
 * kiln_session_create() with "Load model from memory failed:". */
KILN_API kiln_status *
kiln_session_create_from_bytes(const void *data, size_t size,
                               const kiln_session_options *options,
                               kiln_session **out);

/* Opens a session on an artifact linked into the process: the descriptor of
 * a model compiled as a static library (kiln-compile --emit=lib, whose
 * descriptor symbol is `<name>_kiln_artifact`; kiln_add_model(... STATIC)
 * generates the call). Nothing is loaded: the descriptor is checked as a
 * loaded file's would be (ABI version, provider, signature, the CPU
 * features its code needs) and must outlive the session. `name` labels the
 * model in error messages ("Load model from linked-in model '<name>'
 * failed:..."); it may be NULL. */
KILN_API kiln_status *
kiln_session_create_from_artifact(const kiln_artifact_t *artifact,
                                  const char *name,
                                  const kiln_session_options *options,
                                  kiln_session **out);

/*===------------------------------------------------------------------===*
 * Run options
 *===------------------------------------------------------------------===*/

typedef struct kiln_run_options kiln_run_options;

KILN_API kiln_status *kiln_run_options_create(kiln_run_options **out);
KILN_API void kiln_run_options_release(kiln_run_options *options);
/* A tag naming the run in logs; `tag` is copied. */
KILN_API kiln_status *kiln_run_options_set_run_tag(kiln_run_options *options,
                                                   const char *tag);
/* Valid until the next set or release. */
KILN_API kiln_status *
kiln_run_options_get_run_tag(const kiln_run_options *options, const char **out);
/* 0 verbose .. 4 fatal, as OrtLoggingLevel; default 2. */
KILN_API kiln_status *
kiln_run_options_set_log_severity_level(kiln_run_options *options,
                                        int32_t level);
KILN_API kiln_status *
kiln_run_options_get_log_severity_level(const kiln_run_options *options,
                                        int32_t *out);
/* While set, every run using these options fails with FAIL "Exiting due to
 * terminate flag being set to true." May be set from another thread. The
 * flag is read when a run starts and when it ends: the artifact ABI has no
 * cancellation point, so a run already inside the compiled code finishes
 * it, then fails and releases the outputs it allocated (preallocated
 * outputs may have been written). */
KILN_API kiln_status *kiln_run_options_set_terminate(kiln_run_options *options);
KILN_API kiln_status *
kiln_run_options_unset_terminate(kiln_run_options *options);
/* Free-form key/value entries, as ORT's AddRunConfigEntry. */
KILN_API kiln_status *
kiln_run_options_add_config_entry(kiln_run_options *options, const char *key,
                                  const char *value);
/* *out is NULL when the key is absent; valid until the next add/release. */
KILN_API kiln_status *
kiln_run_options_get_config_entry(const kiln_run_options *options,
                                  const char *key, const char **out);

/* kiln_session_run() with run options (NULL = defaults). Ownership of the
 * outputs is as for kiln_session_run(). */
KILN_API kiln_status *kiln_session_run_with_options(
    kiln_session *session, const kiln_run_options *run_options,
    const char *const *input_names, const kiln_value *const *inputs,
    size_t n_in, const char *const *output_names, size_t n_out,
    kiln_value **outputs);

/* kiln_session_run_with_options() where `output_devices[i]` (when
 * `output_devices` is not NULL) says where a NULL `outputs[i]` is allocated:
 * KILN_DEVICE_CPU (host memory, as kiln_session_run) or KILN_DEVICE_CUDA
 * (the session's CUDA device, ORT's IOBinding.bind_output(name, 'cuda'): the
 * result is copied there on the device, never through the host). Inputs
 * and preallocated outputs may be device values (kiln_value_create_device_
 * tensor*) of the session's device; a device value or output on a CPU
 * session, or on another device, is INVALID_ARGUMENT. Models with
 * sequences, maps or optionals at their edges take device tensors only
 * where a tensor is fed. */
KILN_API kiln_status *kiln_session_run_with_output_devices(
    kiln_session *session, const kiln_run_options *run_options,
    const char *const *input_names, const kiln_value *const *inputs,
    size_t n_in, const char *const *output_names, size_t n_out,
    const int32_t *output_devices, kiln_value **outputs);

/*===------------------------------------------------------------------===*
 * Profiling
 *===------------------------------------------------------------------===*/

/* One execution of one kernel in one run. */
typedef struct kiln_profile_event {
  uint32_t kernel;   /* index for kiln_session_get_kernel_name() */
  uint32_t reserved; /* 0 */
  uint64_t thread_id; /* OS thread id (gettid) of the thread that ran it */
  int64_t start_ns;   /* CLOCK_MONOTONIC, as Python's perf_counter_ns() */
  int64_t duration_ns;
} kiln_profile_event;

/* Number of instrumented kernels in the session's artifact: 0 unless it was
 * compiled with profiling. */
KILN_API kiln_status *kiln_session_get_kernel_count(const kiln_session *session,
                                                    size_t *out);
/* Kernel `index`: `name` is the ONNX node names it covers joined with '+'
 * (or an op name when it covers none), `op_name` the compiled op doing its
 * work ("linalg.matmul", "scf.for", "" if unknown). Both live as long as
 * the session. */
KILN_API kiln_status *kiln_session_get_kernel_name(const kiln_session *session,
                                                   size_t index,
                                                   const char **name,
                                                   const char **op_name);
/* Moves up to `capacity` of the oldest recorded events into `out` and sets
 * *count to how many were moved; with `out` NULL (or `capacity` 0) only sets
 * *count to the number recorded. Safe while other threads run the session:
 * a run's events are added when the run ends. */
KILN_API kiln_status *
kiln_session_take_profile_events(kiln_session *session, kiln_profile_event *out,
                                 size_t capacity, size_t *count);

#ifdef __cplusplus
}
#endif

#endif /* KILN_KILN_H */
