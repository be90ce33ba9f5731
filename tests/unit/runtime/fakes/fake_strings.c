/* u[n] = upper-case copies of the strings s[n], as generated code makes new
 * strings: the pointer array and the bytes both come from the run's arena,
 * so the runtime must copy them out before the arena is reused. */
#include "fake_memref.h"

#include <string.h>

static const int64_t dims[1] = {-1};
static const char *const params[1] = {"n"};

static const kiln_tensor_info_t inputs[1] = {
    {"s", KILN_ELEM_STRING, 1, dims, params},
};
static const kiln_tensor_info_t outputs[1] = {
    {"u", KILN_ELEM_STRING, 1, dims, params},
};

static void entry(void **args, kiln_run_context_t *ctx) {
  memref1 *u = (memref1 *)args[0];
  const memref1 *s = (const memref1 *)args[1];
  int64_t n = s->sizes[0];
  const char *const *in = (const char *const *)s->aligned + s->offset;
  uint64_t bytes = 0;
  for (int64_t i = 0; i < n; ++i)
    bytes += strlen(in[i * s->strides[0]]) + 1;
  char *text = (char *)ctx->alloc(ctx, bytes ? bytes : 1, 1);
  const char **out =
      (const char **)ctx->alloc(ctx, (uint64_t)n * sizeof(char *) + 8, 64);
  for (int64_t i = 0; i < n; ++i) {
    const char *src = in[i * s->strides[0]];
    out[i] = text;
    for (; *src; ++src)
      *text++ = (*src >= 'a' && *src <= 'z') ? (char)(*src - 32) : *src;
    *text++ = 0;
  }
  u->allocated = out;
  u->aligned = out;
  u->offset = 0;
  u->sizes[0] = n;
  u->strides[0] = 1;
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
    "\0",
    "fake-compiler 1.0",
};
