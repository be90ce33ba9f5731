/* An artifact built by a Kiln compiler of ABI v1 (global alloc/free hooks,
 * entry without a run context): v2 runtimes must refuse it by version. */
#include "fake_memref.h"

typedef struct v1_hooks_t {
  void *(*alloc)(uint64_t size, uint64_t alignment);
  void (*free)(void *ptr);
} v1_hooks_t;

typedef struct v1_artifact_t {
  uint32_t abi_version;
  uint32_t provider;
  uint32_t num_inputs;
  uint32_t num_outputs;
  const kiln_tensor_info_t *inputs;
  const kiln_tensor_info_t *outputs;
  void (*entry)(void **args);
  v1_hooks_t *hooks;
  const char *metadata;
  const char *compiler_version;
} v1_artifact_t;

static v1_hooks_t hooks;
static const int64_t dims[1] = {1};
static const char *const params[1] = {""};
static const kiln_tensor_info_t io[1] = {{"x", KILN_ELEM_FLOAT, 1, dims, params}};

static void entry(void **args) { (void)args; }

KILN_EXPORT const v1_artifact_t kiln_artifact = {
    1u, KILN_PROVIDER_CPU, 1, 1, io, io, entry, &hooks, "\0", "kiln 0.1 (v1)"};
