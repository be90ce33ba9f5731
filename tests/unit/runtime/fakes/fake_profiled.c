/* z[3] = relu(2 * x[3]) in two "kernels" bracketed with the run context's
 * profiling hooks, as an artifact compiled with kiln-compile --profile. */
#include "fake_memref.h"

static const int64_t dims[1] = {3};
static const char *const params[1] = {""};

static const kiln_tensor_info_t inputs[1] = {
    {"x", KILN_ELEM_FLOAT, 1, dims, params},
};
static const kiln_tensor_info_t outputs[1] = {
    {"z", KILN_ELEM_FLOAT, 1, dims, params},
};

/* Each name is followed, after its NUL, by the kernel's op name. */
static const char *const kernel_names[2] = {
    "mul_node\0linalg.generic",
    "relu_node+clip_node\0scf.for",
};

static void begin(kiln_run_context_t *ctx, uint32_t k) {
  if (ctx->kernel_begin)
    ctx->kernel_begin(ctx, k);
}

static void end(kiln_run_context_t *ctx, uint32_t k) {
  if (ctx->kernel_end)
    ctx->kernel_end(ctx, k);
}

static void entry(void **args, kiln_run_context_t *ctx) {
  memref1 *z = (memref1 *)args[0];
  const memref1 *x = (const memref1 *)args[1];
  const float *in = (const float *)x->aligned + x->offset;
  float *out = (float *)ctx->alloc(ctx, 3 * sizeof(float), 64);
  begin(ctx, 0);
  for (int i = 0; i < 3; ++i)
    out[i] = 2 * in[i * x->strides[0]];
  end(ctx, 0);
  begin(ctx, 1);
  for (int i = 0; i < 3; ++i)
    out[i] = out[i] < 0 ? 0 : out[i];
  end(ctx, 1);
  set_contiguous1(z, out, 3);
}

KILN_EXPORT const kiln_artifact_t kiln_artifact = {
    KILN_CPU_ABI_VERSION,
    KILN_PROVIDER_CPU,
    1,
    1,
    inputs,
    outputs,
    entry,
    kernel_names,
    "\0\0",
    "fake-compiler 1.0",
    2,
};
