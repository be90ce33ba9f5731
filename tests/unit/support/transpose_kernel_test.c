/* kiln_transpose_<isa> against a scalar reference: random permutations of
 * tensors of rank 1 to 6 (sizes up to 40 on the two dims that move, so the
 * 8 x 8 blocks have edges), y's dims padded to six as the compiler passes
 * them, a strided x now and then, on each ISA this CPU runs. Every float of
 * y is checked, and the floats around it must stay untouched. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "support_test.h"

typedef void (*TransposeFn)(int64_t, int64_t, int64_t, int64_t, int64_t,
                            int64_t, intptr_t, int64_t, int64_t, int64_t,
                            int64_t, int64_t, int64_t, intptr_t, int64_t,
                            int64_t, int64_t, int64_t, int64_t, int64_t);
#define DECLARE(isa)                                                           \
  void kiln_transpose_##isa(int64_t, int64_t, int64_t, int64_t, int64_t,       \
                            int64_t, intptr_t, int64_t, int64_t, int64_t,      \
                            int64_t, int64_t, int64_t, intptr_t, int64_t,      \
                            int64_t, int64_t, int64_t, int64_t, int64_t);
DECLARE(avx512)
DECLARE(avx2)
DECLARE(sse)

int main(void) {
  KILN_KERNEL_ISAS(TransposeFn, kiln_transpose_);
  int failures = 0, cases = 0;
  srand(11);
  for (int t = 0; t < 3000; ++t) {
    int rank = 1 + rand() % 6;
    int64_t in[6], perm[6];
    for (int d = 0; d < rank; ++d) {
      in[d] = rand() % 3 == 0 ? 1 + rand() % 40 : 1 + rand() % 6;
      perm[d] = d;
    }
    for (int d = rank - 1; d > 0; --d) {
      int e = rand() % (d + 1);
      int64_t tmp = perm[d];
      perm[d] = perm[e];
      perm[e] = tmp;
    }
    /* x row-major, its innermost dim strided by 2 now and then. */
    int64_t xs[6], inner = rand() % 4 == 0 ? 2 : 1, xn = inner;
    for (int d = rank - 1; d >= 0; --d) {
      xs[d] = xn;
      xn *= in[d];
    }
    /* y[i] = x[i permuted]: y dim d is x dim perm[d]. */
    int64_t n[6], sx[6], sy[6], yn = 1;
    for (int d = 0; d < 6; ++d) {
      int k = d - (6 - rank);
      n[d] = k < 0 ? 1 : in[perm[k]];
      sx[d] = k < 0 ? 0 : xs[perm[k]];
    }
    for (int d = 5; d >= 0; --d) {
      sy[d] = yn;
      yn *= n[d];
    }
    float *x = malloc(sizeof(float) * xn);
    float *y = malloc(sizeof(float) * (yn + 32));
    for (int64_t i = 0; i < xn; ++i)
      x[i] = (float)(rand() % 100000);
    for (int f = 0; f < 3; ++f) {
      if (!isas[f].runs)
        continue;
      for (int64_t i = 0; i < yn + 32; ++i)
        y[i] = -1;
      isas[f].fn(n[0], n[1], n[2], n[3], n[4], n[5], (intptr_t)x, sx[0],
                 sx[1], sx[2], sx[3], sx[4], sx[5], (intptr_t)(y + 16),
                 sy[0], sy[1], sy[2], sy[3], sy[4], sy[5]);
      ++cases;
      int bad = 0;
      for (int64_t i = 0; i < 16 && !bad; ++i)
        bad = y[i] != -1 || y[16 + yn + i] != -1;
      for (int64_t i = 0; i < yn && !bad; ++i) {
        int64_t rest = i, off = 0;
        for (int d = 5; d >= 0; --d) {
          off += rest % n[d] * sx[d];
          rest /= n[d];
        }
        if (y[16 + i] != x[off]) {
          bad = 1;
          if (failures < 10)
            printf("FAIL %s: rank %d, y[%lld] = %g, want %g\n", isas[f].name,
                   rank, (long long)i, y[16 + i], x[off]);
        }
      }
      failures += bad;
    }
    free(x);
    free(y);
  }
  printf("%d cases, %d failed\n", cases, failures);
  return failures != 0 || cases == 0;
}
