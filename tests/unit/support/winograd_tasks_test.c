/* How the Winograd kernel (kiln_swino3x3) cuts its work for a pool of two
 * threads, through support_test.h's kiln_parallel_for, which records the
 * loops a call runs. An image of one tile row whose transformed weights U
 * stream from memory (a CRNN's 128 -> 256 on 2 x 64: 36 x 128 x 256
 * floats) cannot be cut by tile rows: its filters are split, a loop of at
 * least two chunks. As one task it had left the second thread idle. With
 * zero input and U, y is the bias. */
#include <string.h>

#include "support_test.h"
#include "winograd_kernel.h"

/* Runs the layer on `threads` threads; returns failures. */
static int check(int C, int F, int H, int W, int threads) {
  /* U: 36 points of C x 12 filters per panel (kiln_winograd_rule.h). */
  const size_t panels = (size_t)(F + 11) / 12;
  float *x = calloc((size_t)C * H * W, sizeof(float));
  float *u = calloc(panels * 36 * C * 12, sizeof(float));
  float *y = malloc(sizeof(float) * F * H * W);
  float *bias = malloc(sizeof(float) * F);
  for (int f = 0; f < F; ++f)
    bias[f] = (float)(f % 7);
  kiln_test_threads = threads;
  const int64_t before = kiln_test_loops;
  kiln_swino3x3_sse(1, F, C, H, W, H, W, 1, 1, (intptr_t)x, C * H * W, H * W,
                    W, 1, (intptr_t)u, 0, 0, 0, (intptr_t)bias, 1,
                    (intptr_t)y, F * H * W, H * W, W, 1, 0, 0, 0, 0);
  kiln_test_threads = 1;
  int failures = 0;
  const int64_t loops = kiln_test_loops - before;
  if (loops < 1 || kiln_test_loop_sizes[1] < threads) {
    printf("FAIL %d -> %d on %d x %d, %d threads: %lld loops, the last of "
           "%lld tasks\n",
           C, F, H, W, threads, (long long)loops,
           (long long)kiln_test_loop_sizes[1]);
    ++failures;
  }
  for (int f = 0; f < F && !failures; ++f)
    for (int p = 0; p < H * W; ++p)
      if (y[f * H * W + p] != bias[f]) {
        printf("FAIL %d -> %d on %d x %d: y[%d, %d] = %g, want %g\n", C, F,
               H, W, f, p, y[f * H * W + p], bias[f]);
        ++failures;
        break;
      }
  free(x);
  free(u);
  free(y);
  free(bias);
  return failures;
}

/* A layer whose blocks leave one of two threads more than its share
 * (SSE: 10 tile rows in 5 blocks of 2) is cut into a task per thread
 * across blocks and filter panels, a block cut between the two tasks
 * transformed by both (`want`: 2 tasks in the last loop). Every output
 * must come out as on one thread, bit for bit (each filter's products are
 * the same sums either way). Returns failures. */
/* The next of a fixed sequence of values in [-0.5, 0.5). */
static float nextValue(uint32_t *r) {
  *r = *r * 1664525u + 1013904223u;
  return (float)(*r >> 8) / 16777216.0f - 0.5f;
}

static int checkCuts(int C, int F, int H, int W, int64_t want) {
  const size_t panels = (size_t)(F + 11) / 12;
  const size_t xs = (size_t)C * H * W, us = panels * 36 * C * 12;
  float *x = malloc(sizeof(float) * xs), *u = malloc(sizeof(float) * us);
  float *y1 = malloc(sizeof(float) * F * H * W);
  float *y2 = malloc(sizeof(float) * F * H * W);
  float *bias = malloc(sizeof(float) * F);
  uint32_t r = 12345;
  for (size_t i = 0; i < xs; ++i)
    x[i] = nextValue(&r);
  for (size_t i = 0; i < us; ++i)
    u[i] = nextValue(&r);
  for (int f = 0; f < F; ++f)
    bias[f] = (float)(f % 5);
  float *ys[2] = {y1, y2};
  for (int threads = 1; threads <= 2; ++threads) {
    kiln_test_threads = threads;
    kiln_swino3x3_sse(1, F, C, H, W, H, W, 1, 1, (intptr_t)x, C * H * W,
                      H * W, W, 1, (intptr_t)u, 0, 0, 0, (intptr_t)bias, 1,
                      (intptr_t)ys[threads - 1], F * H * W, H * W, W, 1, 0, 0,
                      0, 0);
  }
  kiln_test_threads = 1;
  int failures = 0;
  if (kiln_test_loop_sizes[1] != want) {
    printf("FAIL cuts %d -> %d on %d x %d: the last loop had %lld tasks, "
           "want %lld\n",
           C, F, H, W, (long long)kiln_test_loop_sizes[1], (long long)want);
    ++failures;
  }
  for (size_t i = 0; i < (size_t)F * H * W && !failures; ++i)
    if (memcmp(&y1[i], &y2[i], sizeof(float))) {
      printf("FAIL cuts %d -> %d on %d x %d: y[%zu] = %g on two threads, %g "
             "on one\n",
             C, F, H, W, i, y2[i], y1[i]);
      ++failures;
    }
  free(x);
  free(u);
  free(y1);
  free(y2);
  free(bias);
  return failures;
}

int main(void) {
  int failures = 0;
  /* Cut across blocks and panels: whole panels of 12; a last one of 4. */
  failures += checkCuts(96, 96, 40, 40, 2);
  failures += checkCuts(64, 64, 40, 40, 2);
  /* U streamed, two tile rows of 4 tiles: a block of rows per thread
   * would be a vector of tiles, half a register tile (AVX2's 16 tiles of
   * 14 x 14 in two blocks of 8 ran no faster on two threads than on
   * one). One block, its filters in four chunks. */
  failures += checkCuts(128, 128, 8, 16, 4);
  /* One tile row (2 and 4 rows of output), U streamed. */
  failures += check(128, 256, 2, 64, 2);
  failures += check(128, 128, 4, 64, 2);
  /* Two tile rows: a block of rows per thread. */
  failures += check(128, 256, 8, 32, 2);
  if (failures)
    return 1;
  printf("ok\n");
  return 0;
}
