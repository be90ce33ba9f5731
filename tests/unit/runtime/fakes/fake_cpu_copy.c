/* The CPU copy that cuda_provider_test.cpp's CUDA artifact carries (as
 * kiln-compile --provider=cuda,cpu embeds one): the same signature and the
 * same function, y[4] = x[4] + {10, 20, 30, 40}, on the host. */
#include "fake_add4_signature.h"

static void entry(void **args, kiln_run_context_t *ctx) {
  static const float constant[4] = {10, 20, 30, 40};
  memref1 *y = (memref1 *)args[0];
  const memref1 *x = (const memref1 *)args[1];
  float *out = (float *)ctx->alloc(ctx, 4 * sizeof(float), 64);
  if (!out)
    return;
  const float *in = (const float *)x->aligned + x->offset;
  for (int64_t i = 0; i < 4; ++i)
    out[i] = in[i * x->strides[0]] + constant[i];
  set_contiguous1(y, out, 4);
}

KILN_EXPORT const kiln_artifact_t kiln_artifact = {
    KILN_CPU_ABI_VERSION,
    KILN_PROVIDER_CPU,
    1,
    1,
    &input,
    &output,
    entry,
    NULL, /* kernel_names */
    "\0\0",
    "kiln test",
};
