/* kiln_pool2d_<isa> against a scalar reference: random max and sum pools
 * with every stride, dilation, padding and window up to 3, 2, 2 and 5, a
 * strided input row now and then, NaNs in some inputs (max propagates
 * them, as arith.maximumf does), and half the time y left to the kernel
 * (kind | 2: y holds garbage the kernel must not read), on each ISA this
 * CPU runs; a quarter of them max pools whose windows tile the plane. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "support_test.h"

typedef void (*PoolFn)(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                       int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                       int64_t, int64_t, int64_t, intptr_t, int64_t, int64_t,
                       int64_t, int64_t, intptr_t, int64_t, int64_t, int64_t,
                       int64_t);
#define DECLARE(isa)                                                           \
  void kiln_pool2d_##isa(int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, \
                         int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, \
                         int64_t, int64_t, int64_t, intptr_t, int64_t,         \
                         int64_t, int64_t, int64_t, intptr_t, int64_t,         \
                         int64_t, int64_t, int64_t);
DECLARE(avx512)
DECLARE(avx2)
DECLARE(sse)

static int same(float got, float want) {
  if (isnan(want) || isnan(got))
    return isnan(want) && isnan(got);
  if (isinf(want) || isinf(got))
    return got == want;
  return fabsf(got - want) <= 1e-5f * (1 + fabsf(want));
}

int main(void) {
  KILN_KERNEL_ISAS(PoolFn, kiln_pool2d_);
  int failures = 0, cases = 0;
  srand(7);
  for (int t = 0; t < 2000; ++t) {
    int kind = rand() % 2, N = 1 + rand() % 2, C = 1 + rand() % 3;
    /* Rows up to 80 wide: chunks of 16 outputs whose taps all read whole
     * vectors (the kernel's uniform path) at strides 1 and 2. */
    int H = 1 + rand() % 20, W = 1 + rand() % (rand() % 4 ? 80 : 300);
    int KH = 1 + rand() % 5, KW = 1 + rand() % 5;
    int sh = 1 + rand() % 3, sw = 1 + rand() % 3;
    int dh = 1 + rand() % 2, dw = 1 + rand() % 2;
    int padT = rand() % 3, padL = rand() % 3, padB = rand() % 3,
        padR = rand() % 3;
    int tile = t % 4 == 0;
    if (tile) {
      /* Max pools whose windows tile the plane (2 x 2 stride 2, 2 x 1, 1 x
       * 2, no padding: the kernel's whole-vector path, which hands a plane
       * holding a NaN or an inf - inf to the general one), widths odd and
       * even, up to 300. */
      kind = 0;
      KH = 1 + rand() % 2, KW = 1 + rand() % 2;
      sh = KH, sw = KW, dh = dw = 1;
      padT = padL = padB = padR = 0;
    }
    int OH = (H + padT + padB - dh * (KH - 1) - 1) / sh + 1;
    int OW = (W + padL + padR - dw * (KW - 1) - 1) / sw + 1;
    if (OH <= 0 || OW <= 0)
      continue;
    int xs = rand() % 4 == 0 ? 2 : 1;
    int xn = N * C * H * W * xs, yn = N * C * OH * OW;
    float *x = malloc(sizeof(float) * xn);
    float *want = malloc(sizeof(float) * yn), *y = malloc(sizeof(float) * yn);
    for (int i = 0; i < xn; ++i)
      x[i] = (rand() % 1000) / 100.f - 5;
    for (int nans = rand() % 5 == 0 ? 1 + rand() % 3 : 0; nans > 0; --nans)
      x[rand() % xn] = NAN;
    if (tile && rand() % 5 == 0) {
      x[rand() % xn] = INFINITY;
      x[rand() % xn] = -INFINITY;
    }
    int fresh = tile ? rand() % 4 != 0 : rand() % 2;
    for (int p = 0; p < N * C; ++p)
      for (int oh = 0; oh < OH; ++oh)
        for (int ow = 0; ow < OW; ++ow) {
          float acc = kind == 0 ? -INFINITY : 0;
          for (int kh = 0; kh < KH; ++kh)
            for (int kw = 0; kw < KW; ++kw) {
              int ih = oh * sh + kh * dh - padT, iw = ow * sw + kw * dw - padL;
              if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                continue;
              float v = x[(p * H + ih) * W * xs + iw * xs];
              if (kind == 1)
                acc += v;
              else if (isnan(v) || isnan(acc))
                acc = NAN;
              else if (v > acc)
                acc = v;
            }
          want[(p * OH + oh) * OW + ow] = acc;
        }
    for (int f = 0; f < 3; ++f) {
      if (!isas[f].runs)
        continue;
      /* The op accumulates into y's fill, or ignores what y holds. */
      for (int i = 0; i < yn; ++i)
        y[i] = fresh ? (i % 2 ? NAN : 1e30f) : kind == 0 ? -INFINITY : 0;
      isas[f].fn(kind | (fresh ? 2 : 0), N, C, H, W, OH, OW, KH, KW, sh, sw, dh, dw, padT, padL,
                 (intptr_t)x, (int64_t)C * H * W * xs, (int64_t)H * W * xs,
                 (int64_t)W * xs, xs, (intptr_t)y, (int64_t)C * OH * OW,
                 OH * OW, OW, 1);
      ++cases;
      for (int i = 0; i < yn; ++i)
        if (!same(y[i], want[i])) {
          if (failures++ < 10)
            printf("FAIL %s: %s %dx%d window %dx%d stride %d,%d dilation "
                   "%d,%d pad %d,%d: y[%d] = %g, want %g\n",
                   isas[f].name, kind ? "sum" : "max", H, W, KH, KW, sh, sw, dh,
                   dw, padT, padL, i, y[i], want[i]);
          break;
        }
    }
    free(x);
    free(want);
    free(y);
  }
  printf("%d cases, %d failed\n", cases, failures);
  return failures != 0 || cases == 0;
}
