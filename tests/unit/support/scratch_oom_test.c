/* A kernel of the support library whose scratch cannot be allocated fails
 * the run through kiln_out_of_memory (which the artifact defines and which
 * leaves the run) instead of aborting the process. Here aligned_alloc fails
 * on demand and kiln_out_of_memory jumps back to the test. */
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "winograd_kernel.h"

static int failAllocs;
static jmp_buf escape;
static uint64_t reported;

/* The support library's scratch comes from aligned_alloc. */
void *aligned_alloc(size_t alignment, size_t size) {
  void *p = NULL;
  if (failAllocs || posix_memalign(&p, alignment, size) != 0)
    return NULL;
  return p;
}

void kiln_out_of_memory(uint64_t bytes) {
  reported = bytes;
  longjmp(escape, 1);
}

void kiln_parallel_for(int64_t begin, int64_t end, int64_t grain,
                       void (*body)(void *, int64_t, int64_t),
                       void *captures) {
  (void)grain;
  body(captures, begin, end);
}

int64_t kiln_num_threads(void) { return 1; }

int main(void) {
  enum { C = 32, F = 32, H = 28, W = 28 };
  static float x[C * H * W], y[F * H * W], u[36 * 3 * C * 12], bias[F];
  failAllocs = 1;
  if (!setjmp(escape)) {
    kiln_swino3x3_sse(1, F, C, H, W, H, W, 1, 1, (intptr_t)x, C * H * W,
                      H * W, W, 1, (intptr_t)u, 0, 0, 0, (intptr_t)bias, 1,
                      (intptr_t)y, F * H * W, H * W, W, 1, 0, 0, 0, 0);
    fprintf(stderr, "FAIL: the kernel ran without its scratch\n");
    return 1;
  }
  /* Its request: the phase copy, the transformed block and the products. */
  if (reported < 36u * C * 16 * sizeof(float)) {
    fprintf(stderr, "FAIL: reported %llu bytes\n",
            (unsigned long long)reported);
    return 1;
  }
  /* With memory, the same call completes (y = bias on zero input). */
  failAllocs = 0;
  for (int f = 0; f < F; ++f)
    bias[f] = (float)f;
  kiln_swino3x3_sse(1, F, C, H, W, H, W, 1, 1, (intptr_t)x, C * H * W, H * W,
                    W, 1, (intptr_t)u, 0, 0, 0, (intptr_t)bias, 1,
                    (intptr_t)y, F * H * W, H * W, W, 1, 0, 0, 0, 0);
  if (y[5 * H * W + 17] != 5.0f) {
    fprintf(stderr, "FAIL: y = %g\n", y[5 * H * W + 17]);
    return 1;
  }
  printf("ok: %llu bytes reported\n", (unsigned long long)reported);
  return 0;
}
