/* Outputs that are not fresh dense buffers, plus hostile frees:
 *   total  int64 []      sum of m, allocated through the hooks (rank 0)
 *   mt     int64 [3, 2]  the transpose of input m, a strided view of it
 *   w      int64 [4]     weights[1..4], a view of a constant with offset 1
 *   checks int32 [3]     1 where the hooks honoured alignment 64 / 4096 and
 *                        gave a zero-byte request a real pointer
 * The entry frees the input, the weights, and a block twice: the runtime
 * must ignore all of these. */
#include "fake_memref.h"

#include <stdint.h>


static const int64_t weights[5] = {10, 20, 30, 40, 50};

static const int64_t m_dims[2] = {2, 3};
static const char *const m_params[2] = {"", ""};
static const int64_t mt_dims[2] = {3, 2};
static const int64_t w_dims[1] = {4};
static const int64_t checks_dims[1] = {3};
static const char *const no_params[2] = {"", ""};

static const kiln_tensor_info_t inputs[1] = {
    {"m", KILN_ELEM_INT64, 2, m_dims, m_params},
};
static const kiln_tensor_info_t outputs[4] = {
    {"total", KILN_ELEM_INT64, 0, NULL, NULL},
    {"mt", KILN_ELEM_INT64, 2, mt_dims, no_params},
    {"w", KILN_ELEM_INT64, 1, w_dims, no_params},
    {"checks", KILN_ELEM_INT32, 1, checks_dims, no_params},
};

/* Output descriptors back to back in the result block. */
typedef struct results {
  memref0 total;
  memref2 mt;
  memref1 w;
  memref1 checks;
} results;

static void entry(void **args, kiln_run_context_t *ctx) {
  results *r = (results *)args[0];
  const memref2 *m = (const memref2 *)args[1];
  const int64_t *mdata = (const int64_t *)m->aligned + m->offset;

  int64_t *total = (int64_t *)ctx->alloc(ctx, sizeof(int64_t), 8);
  *total = 0;
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      *total += mdata[i * m->strides[0] + j * m->strides[1]];
  r->total.allocated = total;
  r->total.aligned = total;
  r->total.offset = 0;

  r->mt.allocated = m->allocated;
  r->mt.aligned = m->aligned;
  r->mt.offset = m->offset;
  r->mt.sizes[0] = 3;
  r->mt.sizes[1] = 2;
  r->mt.strides[0] = m->strides[1];
  r->mt.strides[1] = m->strides[0];

  r->w.allocated = (void *)weights;
  r->w.aligned = (void *)weights;
  r->w.offset = 1;
  r->w.sizes[0] = 4;
  r->w.strides[0] = 1;

  void *small = ctx->alloc(ctx, 24, 1);
  void *page = ctx->alloc(ctx, 100, 4096);
  void *empty = ctx->alloc(ctx, 0, 64);
  int32_t *checks = (int32_t *)ctx->alloc(ctx, 3 * sizeof(int32_t), 4);
  checks[0] = small && ((uintptr_t)small % 64) == 0;
  checks[1] = page && ((uintptr_t)page % 4096) == 0;
  checks[2] = empty != NULL;
  r->checks.allocated = checks;
  r->checks.aligned = checks;
  r->checks.offset = 0;
  r->checks.sizes[0] = 3;
  r->checks.strides[0] = 1;

  ctx->free(ctx, small);
  ctx->free(ctx, small);           /* double free */
  ctx->free(ctx, m->allocated);    /* not the arena's: an input */
  ctx->free(ctx, (void *)weights); /* not the arena's: a weight */
  ctx->free(ctx, NULL);
  ctx->free(ctx, page);
  /* `empty` is deliberately leaked: the runtime reclaims it after the run. */
}

KILN_EXPORT const kiln_artifact_t kiln_artifact = {
    KILN_CPU_ABI_VERSION,
    KILN_PROVIDER_CPU,
    1,
    4,
    inputs,
    outputs,
    entry,
    NULL, /* kernel_names */
    NULL,
    NULL,
};
