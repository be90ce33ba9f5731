/* z[b, 3] = x[b, 3] + y[1, 3] (broadcast), z allocated through the hooks.
 * Also allocates and frees a scratch block per run, like generated code. */
#include "fake_memref.h"

#include <string.h>


static const int64_t x_dims[2] = {-1, 3};
static const char *const x_params[2] = {"batch", ""};
static const int64_t y_dims[2] = {1, 3};
static const char *const y_params[2] = {"", ""};
static const int64_t z_dims[2] = {-1, 3};
static const char *const z_params[2] = {"batch", ""};

static const kiln_tensor_info_t inputs[2] = {
    {"x", KILN_ELEM_FLOAT, 2, x_dims, x_params},
    {"y", KILN_ELEM_FLOAT, 2, y_dims, y_params},
};
static const kiln_tensor_info_t outputs[1] = {
    {"z", KILN_ELEM_FLOAT, 2, z_dims, z_params},
};

static float at(const memref2 *m, int64_t i, int64_t j) {
  const float *base = (const float *)m->aligned + m->offset;
  return base[i * m->strides[0] + j * m->strides[1]];
}

static void entry(void **args, kiln_run_context_t *ctx) {
  memref2 *z = (memref2 *)args[0];
  const memref2 *x = (const memref2 *)args[1];
  const memref2 *y = (const memref2 *)args[2];
  int64_t batch = x->sizes[0];

  float *scratch = (float *)ctx->alloc(ctx, 3 * sizeof(float), 16);
  for (int64_t j = 0; j < 3; ++j)
    scratch[j] = at(y, 0, j);

  float *out = (float *)ctx->alloc(ctx, (uint64_t)batch * 3 * sizeof(float), 64);
  for (int64_t i = 0; i < batch; ++i)
    for (int64_t j = 0; j < 3; ++j)
      out[i * 3 + j] = at(x, i, j) + scratch[j];
  ctx->free(ctx, scratch);

  z->allocated = out;
  z->aligned = out;
  z->offset = 0;
  z->sizes[0] = batch;
  z->sizes[1] = 3;
  z->strides[0] = 3;
  z->strides[1] = 1;
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
    "producer_name\0kiln-tests\0graph_name\0add\0custom\0value\0",
    "fake-compiler 1.0",
};
