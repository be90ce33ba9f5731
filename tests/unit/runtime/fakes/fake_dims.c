/* s = sum(a) + sum(b) for a float [2, n, 4] and b float [n]: the symbolic
 * dim "n" is shared, so both inputs must agree on it. */
#include "fake_memref.h"


static const int64_t a_dims[3] = {2, -1, 4};
static const char *const a_params[3] = {"", "n", ""};
static const int64_t b_dims[1] = {-1};
static const char *const b_params[1] = {"n"};

static const kiln_tensor_info_t inputs[2] = {
    {"a", KILN_ELEM_FLOAT, 3, a_dims, a_params},
    {"b", KILN_ELEM_FLOAT, 1, b_dims, b_params},
};
static const kiln_tensor_info_t outputs[1] = {
    {"s", KILN_ELEM_FLOAT, 0, NULL, NULL},
};

static void entry(void **args, kiln_run_context_t *ctx) {
  memref0 *s = (memref0 *)args[0];
  const memref3 *a = (const memref3 *)args[1];
  const memref1 *b = (const memref1 *)args[2];
  float sum = 0;
  const float *ad = (const float *)a->aligned + a->offset;
  for (int64_t i = 0; i < a->sizes[0] * a->sizes[1] * a->sizes[2]; ++i)
    sum += ad[i];
  const float *bd = (const float *)b->aligned + b->offset;
  for (int64_t i = 0; i < b->sizes[0]; ++i)
    sum += bd[i * b->strides[0]];
  float *out = (float *)ctx->alloc(ctx, sizeof(float), 4);
  *out = sum;
  s->allocated = out;
  s->aligned = out;
  s->offset = 0;
}

KILN_EXPORT const kiln_artifact_t kiln_artifact = {
    KILN_CPU_ABI_VERSION,
    KILN_PROVIDER_CPU,
    2,
    1,
    inputs,
    outputs,
    entry,
    NULL, /* kernel_names */
    NULL,
    NULL,
};
