/* y[n] = x[n] * 2 (float), calling `kiln_fake_on_entry` (when a test set it)
 * in the middle of the run, so tests can act while a run is inside the
 * compiled code: the test dlopens this same file, which glibc resolves to
 * the already-loaded library, and sets the pointer. */
#include "fake_memref.h"

KILN_EXPORT void (*kiln_fake_on_entry)(void);

static const int64_t dims[1] = {-1};
static const char *const params[1] = {"n"};

static const kiln_tensor_info_t inputs[1] = {
    {"x", KILN_ELEM_FLOAT, 1, dims, params},
};
static const kiln_tensor_info_t outputs[1] = {
    {"y", KILN_ELEM_FLOAT, 1, dims, params},
};

static void entry(void **args, kiln_run_context_t *ctx) {
  memref1 *y = (memref1 *)args[0];
  const memref1 *x = (const memref1 *)args[1];
  int64_t n = x->sizes[0];
  if (kiln_fake_on_entry)
    kiln_fake_on_entry();
  float *out = (float *)ctx->alloc(ctx, (uint64_t)n * sizeof(float), 64);
  const float *in = (const float *)x->aligned + x->offset;
  for (int64_t i = 0; i < n; ++i)
    out[i] = in[i * x->strides[0]] * 2.0f;
  y->allocated = out;
  y->aligned = out;
  y->offset = 0;
  y->sizes[0] = n;
  y->strides[0] = 1;
}

KILN_EXPORT const kiln_artifact_t kiln_artifact = {
    KILN_CPU_ABI_VERSION,
    KILN_PROVIDER_CPU,
    1,
    1,
    inputs,
    outputs,
    entry,
    NULL, /* kernel_names */
    "producer_name\0kiln-tests\0graph_name\0double\0custom.origin\0fake\0",
    "fake-compiler 1.0",
};
