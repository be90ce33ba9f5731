/* y[n] = 2 * x[n] computed by ctx->parallel_for in chunks of at least 64,
 * each chunk through a scratch block from ctx->alloc (so the arena is used
 * from worker threads). Second output `threads` (int64 scalar): how many
 * distinct threads ran chunks in this run. */
#include "fake_memref.h"

#include <pthread.h>
#include <string.h>

static const int64_t x_dims[1] = {-1};
static const char *const x_params[1] = {"n"};
static const kiln_tensor_info_t inputs[1] = {
    {"x", KILN_ELEM_FLOAT, 1, x_dims, x_params}};
static const kiln_tensor_info_t outputs[2] = {
    {"y", KILN_ELEM_FLOAT, 1, x_dims, x_params},
    {"threads", KILN_ELEM_INT64, 0, NULL, NULL}};

enum { kMaxThreads = 256 };

typedef struct closure_t {
  const memref1 *x;
  float *y;
  pthread_mutex_t mutex;
  pthread_t seen[kMaxThreads];
  int64_t numSeen;
} closure_t;

static void note_thread(closure_t *c) {
  pthread_t self = pthread_self();
  pthread_mutex_lock(&c->mutex);
  int64_t i = 0;
  while (i < c->numSeen && !pthread_equal(c->seen[i], self))
    ++i;
  if (i == c->numSeen && c->numSeen < kMaxThreads)
    c->seen[c->numSeen++] = self;
  pthread_mutex_unlock(&c->mutex);
}

static void body(kiln_run_context_t *ctx, void *arg, int64_t begin,
                 int64_t end) {
  closure_t *c = (closure_t *)arg;
  note_thread(c);
  float *scratch = (float *)ctx->alloc(ctx, (uint64_t)(end - begin) * 4, 64);
  const float *x = (const float *)c->x->aligned + c->x->offset;
  for (int64_t i = begin; i < end; ++i) {
    /* Enough work per element that idle workers wake up and join. */
    volatile float acc = 0.0f;
    for (int k = 0; k < 200; ++k)
      acc += 0.0f;
    scratch[i - begin] = 2.0f * x[i * c->x->strides[0]] + acc;
  }
  memcpy(c->y + begin, scratch, (size_t)(end - begin) * 4);
  ctx->free(ctx, scratch);
}

static void entry(void **args, kiln_run_context_t *ctx) {
  memref1 *y = (memref1 *)args[0];
  memref0 *threads = (memref0 *)((int64_t *)args[0] + 5);
  const memref1 *x = (const memref1 *)args[1];
  int64_t n = x->sizes[0];

  closure_t c;
  c.x = x;
  c.y = (float *)ctx->alloc(ctx, (uint64_t)n * 4, 64);
  pthread_mutex_init(&c.mutex, NULL);
  c.numSeen = 0;
  ctx->parallel_for(ctx, 0, n, 64, body, &c);
  pthread_mutex_destroy(&c.mutex);

  int64_t *count = (int64_t *)ctx->alloc(ctx, 8, 8);
  *count = c.numSeen;
  y->allocated = y->aligned = c.y;
  y->offset = 0;
  y->sizes[0] = n;
  y->strides[0] = 1;
  threads->allocated = threads->aligned = count;
  threads->offset = 0;
}

KILN_EXPORT const kiln_artifact_t kiln_artifact = {
    KILN_CPU_ABI_VERSION, KILN_PROVIDER_CPU, 1, 2, inputs, outputs, entry,
    NULL, "\0", "fake"};
