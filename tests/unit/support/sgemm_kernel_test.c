/* kiln_sgemm_<isa> against a scalar reference on random shapes: rows of A
 * padded (lda > K) so that A is packed from a strided source, every ISA
 * this CPU runs, small and large M (the few-row paths and the packed
 * panels, whose A is packed eight steps at a time with register
 * transposes where the ISA has them). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "support_test.h"

typedef void (*GemmFn)(int64_t, int64_t, int64_t, int64_t, intptr_t, int64_t,
                       int64_t, int64_t, intptr_t, int64_t, int64_t, int64_t,
                       intptr_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                       int64_t, intptr_t);
#define DECLARE(isa)                                                           \
  void kiln_sgemm_##isa(int64_t, int64_t, int64_t, int64_t, intptr_t, int64_t, \
                        int64_t, int64_t, intptr_t, int64_t, int64_t, int64_t, \
                        intptr_t, int64_t, int64_t, int64_t, int64_t, int64_t, \
                        int64_t, intptr_t);
DECLARE(avx512)
DECLARE(avx2)
DECLARE(sse)

int main(void) {
  KILN_KERNEL_ISAS(GemmFn, kiln_sgemm_);
  int failures = 0, cases = 0;
  srand(3);
  for (int t = 0; t < 200; ++t) {
    int M = 1 + rand() % 70, N = 1 + rand() % 70, K = 1 + rand() % 300;
    int lda = K + rand() % 5;
    float *a = malloc(sizeof(float) * M * lda),
          *b = malloc(sizeof(float) * K * N);
    float *c = malloc(sizeof(float) * M * N);
    double *want = malloc(sizeof(double) * M * N);
    /* Small integers: every sum is exact in float. */
    for (int i = 0; i < M * lda; ++i)
      a[i] = (float)(rand() % 7 - 3);
    for (int i = 0; i < K * N; ++i)
      b[i] = (float)(rand() % 5 - 2);
    for (int m = 0; m < M; ++m)
      for (int n = 0; n < N; ++n) {
        double s = 0;
        for (int k = 0; k < K; ++k)
          s += (double)a[m * lda + k] * b[k * N + n];
        want[m * N + n] = s;
      }
    for (int f = 0; f < 3; ++f) {
      if (!isas[f].runs)
        continue;
      for (int i = 0; i < M * N; ++i)
        c[i] = 0;
      isas[f].fn(1, M, N, K, (intptr_t)a, 0, lda, 1, (intptr_t)b, 0, N, 1,
                 (intptr_t)c, 0, N, 1, 0, 0, 0, 0);
      ++cases;
      for (int i = 0; i < M * N; ++i)
        if (c[i] != (float)want[i]) {
          if (failures++ < 10)
            printf("FAIL %s: %d x %d x %d (lda %d): c[%d] = %g, want %g\n",
                   isas[f].name, M, N, K, lda, i, c[i], want[i]);
          break;
        }
    }
    free(a);
    free(b);
    free(c);
    free(want);
  }
  printf("%d cases, %d failed\n", cases, failures);
  return failures != 0 || cases == 0;
}
