/* kiln_sgemm_<isa> against a scalar reference on random shapes: rows of A
 * padded (lda > K) so that A is packed from a strided source, every ISA
 * this CPU runs, small and large M (the few-row paths and the packed
 * panels, whose A is packed eight steps at a time with register
 * transposes where the ISA has them). Then kiln_sgemm_apacked (A packed
 * as the compiler packs it) on shapes large enough for tasks, among them
 * pointwise layers whose column tasks are uneven, which run as tasks of
 * equal area that split a unit of columns by rows: C starts from ones,
 * so a block computed twice or never is seen. And kiln_sgemm_packed_cbias
 * (B packed as the compiler packs it, C from a bias per column, C's
 * contents garbage that must not be read), with and without an
 * activation. Then both split by K for a pool of threads (checkSplitK),
 * and the AVX-512 pointwise convolution (checkPointwiseSplitK). Last, the
 * transcendental activations against libm. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "kiln_epilogue.h"
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

typedef void (*PackedFn)(int64_t, int64_t, int64_t, int64_t, intptr_t,
                         intptr_t, int64_t, int64_t, int64_t, intptr_t,
                         int64_t, int64_t, int64_t, intptr_t, int64_t, int64_t,
                         int64_t, int64_t, intptr_t);
#define DECLARE_PACKED(isa)                                                    \
  void kiln_sgemm_apacked_##isa(int64_t, int64_t, int64_t, int64_t, intptr_t, \
                                intptr_t, int64_t, int64_t, int64_t, intptr_t, \
                                int64_t, int64_t, int64_t, intptr_t, int64_t,  \
                                int64_t, int64_t, int64_t, intptr_t);
DECLARE_PACKED(avx512)
DECLARE_PACKED(avx2)
DECLARE_PACKED(sse)

#define DECLARE_CBIAS(isa)                                                     \
  void kiln_sgemm_packed_cbias_##isa(                                          \
      int64_t, int64_t, int64_t, int64_t, intptr_t, int64_t, int64_t, int64_t, \
      intptr_t, intptr_t, int64_t, int64_t, int64_t, intptr_t, int64_t,        \
      int64_t, int64_t, int64_t, intptr_t);
typedef void (*CbiasFn)(int64_t, int64_t, int64_t, int64_t, intptr_t, int64_t,
                        int64_t, int64_t, intptr_t, intptr_t, int64_t,
                        int64_t, int64_t, intptr_t, int64_t, int64_t, int64_t,
                        int64_t, intptr_t);
DECLARE_CBIAS(avx512)
DECLARE_CBIAS(avx2)
DECLARE_CBIAS(sse)

/* Columns per panel of packed B: two vectors of the ISA. */
static int panelColumns(const char *isa) {
  return isa[3] == '5' ? 32 : isa[3] == '2' ? 16 : 8;
}

/* C = relu?(bias[n] + A B) over `batch` products (A and C per batch, B and
 * the bias shared), B packed in panels of two vectors of columns (the last
 * zero-padded): bPacked[(n / nr * K + k) * nr + n % nr] = B[k, n]. */
static int checkCbias(const char *isa, CbiasFn fn, int batch, int M, int N,
                      int K, int relu) {
  const int nr = panelColumns(isa), panels = (N + nr - 1) / nr;
  float *a = malloc(sizeof(float) * batch * M * K);
  float *b = malloc(sizeof(float) * K * N);
  float *bp = calloc((size_t)panels * nr * K, sizeof(float));
  float *bias = malloc(sizeof(float) * N);
  float *c = malloc(sizeof(float) * batch * M * N);
  int failures = 0;
  for (int i = 0; i < batch * M * K; ++i)
    a[i] = (float)(rand() % 7 - 3);
  for (int i = 0; i < K * N; ++i)
    b[i] = (float)(rand() % 5 - 2);
  for (int n = 0; n < N; ++n)
    bias[n] = (float)(rand() % 9 - 4);
  for (int k = 0; k < K; ++k)
    for (int n = 0; n < N; ++n)
      bp[(n / nr * K + k) * nr + n % nr] = b[k * N + n];
  for (int i = 0; i < batch * M * N; ++i)
    c[i] = 1e30f; /* not read */
  fn(batch, M, N, K, (intptr_t)a, M * K, K, 1, (intptr_t)bp, (intptr_t)c,
     M * N, N, 1, (intptr_t)bias, 1, relu ? 1 : 0, 0, 0, 0);
  for (int i = 0; i < batch && !failures; ++i)
    for (int m = 0; m < M && !failures; ++m)
      for (int n = 0; n < N; ++n) {
        double s = bias[n];
        for (int k = 0; k < K; ++k)
          s += (double)a[(i * M + m) * K + k] * b[k * N + n];
        if (relu && s < 0)
          s = 0;
        if (c[(i * M + m) * N + n] != (float)s) {
          printf("FAIL cbias %s: %d x %d x %d x %d: c[%d, %d, %d] = %g, want "
                 "%g\n",
                 isa, batch, M, N, K, i, m, n, c[(i * M + m) * N + n], s);
          failures = 1;
          break;
        }
      }
  free(a);
  free(b);
  free(bp);
  free(bias);
  free(c);
  return failures;
}

/* Rows per panel of packed A, as each ISA's kernel reads it. */
static int panelRows(const char *isa) { return isa[3] == '5' ? 12 : 6; }

/* C = 1 + A B with A packed in panels of `mr` rows (the last zero-padded):
 * aPacked[(m / mr * K + k) * mr + m % mr] = A[m, k]. Returns failures. */
static int checkPacked(const char *isa, PackedFn fn, int M, int N, int K) {
  const int mr = panelRows(isa), panels = (M + mr - 1) / mr;
  float *a = malloc(sizeof(float) * M * K);
  float *ap = calloc((size_t)panels * mr * K, sizeof(float));
  float *b = malloc(sizeof(float) * K * N), *c = malloc(sizeof(float) * M * N);
  int failures = 0;
  for (int i = 0; i < M * K; ++i)
    a[i] = (float)(rand() % 7 - 3);
  for (int i = 0; i < K * N; ++i)
    b[i] = (float)(rand() % 5 - 2);
  for (int m = 0; m < M; ++m)
    for (int k = 0; k < K; ++k)
      ap[(m / mr * K + k) * mr + m % mr] = a[m * K + k];
  for (int i = 0; i < M * N; ++i)
    c[i] = 1.0f;
  fn(1, M, N, K, (intptr_t)ap, (intptr_t)b, 0, N, 1, (intptr_t)c, 0, N, 1, 0,
     0, 0, 0, 0, 0);
  for (int m = 0; m < M && !failures; ++m)
    for (int n = 0; n < N; ++n) {
      double s = 1;
      for (int k = 0; k < K; ++k)
        s += (double)a[m * K + k] * b[k * N + n];
      if (c[m * N + n] != (float)s) {
        printf("FAIL apacked %s: %d x %d x %d: c[%d, %d] = %g, want %g\n", isa,
               M, N, K, m, n, c[m * N + n], s);
        failures = 1;
        break;
      }
    }
  free(a);
  free(ap);
  free(b);
  free(c);
  return failures;
}

/* Whether the kernel's loops since loopsBefore are not the split by K it
 * makes of a GEMM of M x N x K on `threads` threads (`pixels` and
 * `filters`: the image's dim and the weights'), printing `what` then. Below
 * 2^19 multiply-adds a GEMM runs inline, unsplit; images of more than 1024
 * pixels are not split either, nor layers with more than half as many
 * filters as channels (expansions, cut by filters: one loop). Split, it
 * runs two loops, the first of min(K / 64, threads) parts. */
static int wrongSplit(const char *what, int M, int N, int K, int pixels,
                      int filters, int threads, int64_t loopsBefore) {
  int parts = K >= 128 && M > 4 && pixels <= 1024 && 2 * filters <= K &&
                      (double)M * N * K >= (1 << 19)
                  ? K / 64
                  : 1;
  parts = parts < threads ? parts : threads;
  const int64_t loops = kiln_test_loops - loopsBefore;
  if (parts > 1 ? loops == 2 && kiln_test_loop_sizes[0] == parts
                : loops <= 1)
    return 0;
  printf("FAIL split-K %s: %lld loops, the first of %lld, want %s %d parts\n",
         what, (long long)loops, (long long)kiln_test_loop_sizes[0],
         parts > 1 ? "2, the first of" : "at most 1, not split in", parts);
  return 1;
}

/* A pointwise layer's GEMM, its weights packed at compile time, for
 * `threads` threads: y = relu(bias + W x + residual), in whole numbers so
 * that any order of the sums is exact. Either kiln_sgemm_apacked (A the
 * weights, B the image [K, N], C [M, N], a bias per row or, with no bias,
 * C's contents: ones) or, `transposed`, kiln_sgemm_packed_cbias on a small
 * image (A the image's transpose, read down its columns, B the weights, C
 * written as its transpose [N, M], a bias per column). With two threads or
 * more, K >= 128, an image of at most 1024 pixels, at most K / 2 filters
 * and work for the pool the kernel splits K by thread (a part of at least
 * 64 steps each): checked here by its two loops, `parts` sums then the
 * reduction. Returns failures. */
static int checkSplitK(const char *isa, PackedFn apacked, CbiasFn cbias,
                       int transposed, int threads, int M, int N, int K,
                       int withBias) {
  const int mr = panelRows(isa), nr = panelColumns(isa);
  const int rowPanels = (M + mr - 1) / mr, colPanels = (N + nr - 1) / nr;
  float *a = malloc(sizeof(float) * M * K), *b = malloc(sizeof(float) * K * N);
  /* Packed operands are aligned, as the compiler places them. */
  const size_t apFloats = (size_t)rowPanels * mr * K,
               bpFloats = (size_t)colPanels * nr * K;
  float *ap = aligned_alloc(64, (apFloats * sizeof(float) + 63) / 64 * 64);
  float *bp = aligned_alloc(64, (bpFloats * sizeof(float) + 63) / 64 * 64);
  for (size_t i = 0; i < apFloats; ++i)
    ap[i] = 0;
  for (size_t i = 0; i < bpFloats; ++i)
    bp[i] = 0;
  float *bias = malloc(sizeof(float) * (M > N ? M : N));
  float *c = malloc(sizeof(float) * M * N);
  float *res = malloc(sizeof(float) * M * N);
  int failures = 0;
  for (int i = 0; i < M * K; ++i)
    a[i] = (float)(rand() % 7 - 3);
  for (int i = 0; i < K * N; ++i)
    b[i] = (float)(rand() % 5 - 2);
  for (int i = 0; i < (M > N ? M : N); ++i)
    bias[i] = (float)(rand() % 9 - 4);
  for (int i = 0; i < M * N; ++i) {
    res[i] = (float)(rand() % 41 - 20);
    c[i] = 1.0f;
  }
  /* C's element (m, n), in C and in the residual. */
#define AT(m, n) (transposed ? (n) * M + (m) : (m) * N + (n))
  kiln_test_threads = threads;
  const int64_t loopsBefore = kiln_test_loops;
  if (transposed) {
    float *at = malloc(sizeof(float) * M * K); /* A^T: [K, M] */
    for (int m = 0; m < M; ++m)
      for (int k = 0; k < K; ++k)
        at[k * M + m] = a[m * K + k];
    for (int k = 0; k < K; ++k)
      for (int n = 0; n < N; ++n)
        bp[(n / nr * K + k) * nr + n % nr] = b[k * N + n];
    cbias(1, M, N, K, (intptr_t)at, 0, 1, M, (intptr_t)bp, (intptr_t)c, 0, 1,
          M, (intptr_t)bias, 1, KILN_ACT_RELU, 0, 0, (intptr_t)res);
    free(at);
  } else {
    for (int m = 0; m < M; ++m)
      for (int k = 0; k < K; ++k)
        ap[(m / mr * K + k) * mr + m % mr] = a[m * K + k];
    apacked(1, M, N, K, (intptr_t)ap, (intptr_t)b, 0, N, 1, (intptr_t)c, 0, N,
            1, withBias ? (intptr_t)bias : 0, withBias ? 1 : 0, KILN_ACT_RELU,
            0, 0, (intptr_t)res);
  }
  kiln_test_threads = 1;
  char what[96];
  snprintf(what, sizeof what, "%s%s: %d x %d x %d on %d threads", isa,
           transposed ? " transposed" : "", M, N, K, threads);
  failures = wrongSplit(what, M, N, K, transposed ? M : N,
                        transposed ? N : M, threads, loopsBefore);
  for (int m = 0; m < M && !failures; ++m)
    for (int n = 0; n < N; ++n) {
      double s = transposed ? bias[n] : withBias ? bias[m] : 1.0;
      for (int k = 0; k < K; ++k)
        s += (double)a[m * K + k] * b[k * N + n];
      s += res[AT(m, n)];
      if (s < 0)
        s = 0;
      if (c[AT(m, n)] != (float)s) {
        printf("FAIL split-K %s%s: %d x %d x %d on %d threads: c[%d, %d] = "
               "%g, want %g\n",
               isa, transposed ? " transposed" : "", M, N, K, threads, m, n,
               c[AT(m, n)], s);
        failures = 1;
        break;
      }
    }
#undef AT
  free(a);
  free(b);
  free(ap);
  free(bp);
  free(bias);
  free(c);
  free(res);
  return failures;
}

void kiln_sconv2d_avx512(int64_t, int64_t, int64_t, int64_t, int64_t,
                         int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                         int64_t, int64_t, int64_t, int64_t, int64_t, intptr_t,
                         int64_t, int64_t, int64_t, int64_t, int64_t, intptr_t,
                         int64_t, int64_t, int64_t, intptr_t, int64_t, int64_t,
                         intptr_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                         int64_t, intptr_t);

/* The AVX-512 channel-vector path's pointwise layer, y = relu(b + W x +
 * residual) with F filters over C channels of H x W pixels, its weights
 * transposed in panels of 64 filters as kiln-conv-ukernel stores them
 * (panel p: filters 64p on, rounded up to 16 with zeros, as C rows of its
 * width), on `threads` threads: split by channels as a GEMM's K (two loops,
 * `parts` sums) on images of at most 1024 pixels. Returns failures. */
static int checkPointwiseSplitK(int threads, int F, int C, int H, int W) {
  const int P = H * W, Fp = (F + 15) / 16 * 16;
  float *wt = aligned_alloc(64, sizeof(float) * (size_t)Fp * C);
  float *w = malloc(sizeof(float) * F * C), *x = malloc(sizeof(float) * C * P);
  float *b = malloc(sizeof(float) * F), *y = malloc(sizeof(float) * F * P);
  float *res = malloc(sizeof(float) * F * P);
  int failures = 0;
  for (int i = 0; i < F * C; ++i)
    w[i] = (float)(rand() % 7 - 3);
  for (int i = 0; i < C * P; ++i)
    x[i] = (float)(rand() % 5 - 2);
  for (int f = 0; f < F; ++f)
    b[f] = (float)(rand() % 9 - 4);
  for (int i = 0; i < F * P; ++i)
    res[i] = (float)(rand() % 41 - 20);
  for (int i = 0; i < Fp * C; ++i)
    wt[i] = 0;
  for (int first = 0; first < Fp; first += 64) {
    const int width = Fp - first < 64 ? Fp - first : 64;
    for (int f = first; f < F && f < first + width; ++f)
      for (int c = 0; c < C; ++c)
        wt[first * C + c * width + f - first] = w[f * C + c];
  }
  kiln_test_threads = threads;
  const int64_t loopsBefore = kiln_test_loops;
  kiln_sconv2d_avx512(1, 1, F, C, H, W, H, W, 1, 1, 1, 1, 1, 1, 0, 0,
                      (intptr_t)x, C * P, 0, P, W, 1, (intptr_t)wt, 0, 1, 64,
                      (intptr_t)b, 0, 1, (intptr_t)y, F * P, 0, P,
                      KILN_ACT_RELU, 0, 0, (intptr_t)res);
  kiln_test_threads = 1;
  char what[96];
  snprintf(what, sizeof what, "pointwise: %d -> %d on %d x %d, %d threads", C,
           F, H, W, threads);
  failures = wrongSplit(what, F, P, C, P, F, threads, loopsBefore);
  for (int f = 0; f < F && !failures; ++f)
    for (int q = 0; q < P; ++q) {
      double s = b[f] + res[f * P + q];
      for (int c = 0; c < C; ++c)
        s += (double)w[f * C + c] * x[c * P + q];
      if (s < 0)
        s = 0;
      if (y[f * P + q] != (float)s) {
        printf("FAIL split-K pointwise: %d -> %d on %d x %d, %d threads: "
               "y[%d, %d] = %g, want %g\n",
               C, F, H, W, threads, f, q, y[f * P + q], s);
        failures = 1;
        break;
      }
    }
  free(wt);
  free(w);
  free(x);
  free(b);
  free(y);
  free(res);
  return failures;
}

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
  {
    KILN_KERNEL_ISAS(PackedFn, kiln_sgemm_apacked_);
    /* MobileNetV2's projections on 14 x 14 (196 columns: six tiles and
     * four columns) and 7 x 7, then random shapes around them. */
    static const int fixed[][3] = {{96, 196, 64},  {64, 196, 48},
                                   {160, 49, 96},  {32, 784, 40},
                                   {24, 3136, 16}, {100, 200, 33}};
    for (int t = 0; t < 46; ++t) {
      int M = 8 + rand() % 130, N = 17 + rand() % 300, K = 16 + rand() % 80;
      if (t < 6) {
        M = fixed[t][0];
        N = fixed[t][1];
        K = fixed[t][2];
      }
      for (int f = 0; f < 3; ++f) {
        if (!isas[f].runs)
          continue;
        ++cases;
        failures += checkPacked(isas[f].name, isas[f].fn, M, N, K);
      }
    }
  }
  {
    KILN_KERNEL_ISAS(CbiasFn, kiln_sgemm_packed_cbias_);
    /* A BERT layer's first FFN GEMM (tokens x 1024 x 256), few rows (the
     * small-M path), a batch, then random shapes. */
    /* ... and a decoder step's projections (one or two rows, the columns
     * cut into tasks of four panels, the last one partial). */
    static const int fixed[][4] = {
        {1, 128, 1024, 64}, {1, 3, 50, 40}, {2, 17, 33, 20}, {1, 1, 7, 5},
        {1, 1, 256, 1024},  {1, 2, 300, 600}};
    const int numFixed = sizeof fixed / sizeof fixed[0];
    for (int t = 0; t < 30; ++t) {
      int batch = 1 + rand() % 2, M = 1 + rand() % 80, N = 1 + rand() % 200,
          K = 1 + rand() % 90;
      if (t < numFixed) {
        batch = fixed[t][0];
        M = fixed[t][1];
        N = fixed[t][2];
        K = fixed[t][3];
      }
      for (int f = 0; f < 3; ++f) {
        if (!isas[f].runs)
          continue;
        ++cases;
        failures += checkCbias(isas[f].name, isas[f].fn, batch, M, N, K, t % 2);
      }
    }
  }
  {
    /* Split K: MobileNetV2's projections (576 -> 96 and 384 -> 64 on 14 x
     * 14, 960 -> 160 and 576 -> 160 on 7 x 7, transposed, 192 -> 32 on
     * 28 x 28, 144 -> 24 on 56 x 56, which is too large to split), K just
     * past the bar, then random shapes; on one to four threads. */
    KILN_KERNEL_ISAS(PackedFn, kiln_sgemm_apacked_);
    CbiasFn cbias[3] = {kiln_sgemm_packed_cbias_avx512,
                        kiln_sgemm_packed_cbias_avx2,
                        kiln_sgemm_packed_cbias_sse};
    static const int fixed[][4] = {
        {0, 96, 196, 576}, {0, 64, 196, 384}, {1, 49, 160, 960},
        {1, 49, 160, 576}, {0, 32, 784, 192}, {1, 7, 400, 300},
        {0, 24, 3136, 144}, {0, 24, 100, 130}, {0, 960, 49, 160},
        {1, 49, 1280, 320}};
    for (int t = 0; t < 20; ++t) {
      int transposed = t % 2, M = 5 + rand() % 150, N = 5 + rand() % 250,
          K = 100 + rand() % 900;
      if (t < 10) {
        transposed = fixed[t][0];
        M = fixed[t][1];
        N = fixed[t][2];
        K = fixed[t][3];
      }
      for (int threads = 1; threads <= 4; ++threads)
        for (int f = 0; f < 3; ++f) {
          if (!isas[f].runs)
            continue;
          ++cases;
          failures += checkSplitK(isas[f].name, isas[f].fn, cbias[f],
                                  transposed, threads, M, N, K, t % 3 != 0);
        }
    }
  }
  if (runsAvx512()) {
    /* The channel-vector path's pointwise layers: MobileNetV2's 960 -> 320
     * on 7 x 7, 384 -> 64 on 14 x 14, filters short of a panel and of a
     * vector, a 40 x 40 image, too large to split, and an expansion (160
     * -> 960 on 7 x 7), cut by filters. */
    static const int shapes[][4] = {{320, 960, 7, 7},  {64, 384, 14, 14},
                                    {50, 300, 10, 10}, {100, 200, 9, 11},
                                    {24, 256, 40, 40}, {960, 160, 7, 7}};
    for (int t = 0; t < 6; ++t)
      for (int threads = 1; threads <= 3; ++threads) {
        ++cases;
        failures += checkPointwiseSplitK(threads, shapes[t][0], shapes[t][1],
                                         shapes[t][2], shapes[t][3]);
      }
  }
  {
    /* The transcendental activations of the epilogue (C = x exactly: K = 1,
     * A = 1) against double precision on x in [-20, 20], relative to the
     * larger of the value and 0.1 (erf's approximation is 1.5e-7
     * absolute, which GELU's tail of 1e-3 shows); the bound catches a
     * reciprocal estimate left without its Newton step (2^-14) or a tanh
     * branch off by a term. Two layouts: one row of 801 (the few-row
     * path, finish's vector at a time) and six rows of 800 with C's rows
     * 808 apart (register tiles: their stores, or finish over a tile, two
     * rows and four vectors at a time). */
    KILN_KERNEL_ISAS(GemmFn, kiln_sgemm_);
    enum { N = 801, LDC = 808 };
    static const int acts[] = {KILN_ACT_SIGMOID, KILN_ACT_SILU, KILN_ACT_TANH,
                               KILN_ACT_GELU, KILN_ACT_GELU_TANH};
    static const char *names[] = {"sigmoid", "silu", "tanh", "gelu",
                                  "gelu_tanh"};
    static const int layouts[][3] = {{1, N, N}, {6, N - 1, LDC}}; /* M N ldc */
    static float c[6 * LDC];
    float ones[6] = {1, 1, 1, 1, 1, 1}, x[N];
    for (int n = 0; n < N; ++n)
      x[n] = (float)(n - N / 2) / 20.0f;
    for (int l = 0; l < 2; ++l)
      for (int i = 0; i < 5; ++i)
        for (int f = 0; f < 3; ++f) {
          if (!isas[f].runs)
            continue;
          const int M = layouts[l][0], cols = layouts[l][1],
                    ldc = layouts[l][2];
          ++cases;
          for (int n = 0; n < 6 * LDC; ++n)
            c[n] = 0; /* the GEMM accumulates into C */
          isas[f].fn(1, M, cols, 1, (intptr_t)ones, 0, 1, 1, (intptr_t)x, 0,
                     cols, 1, (intptr_t)c, 0, ldc, 1, acts[i], 0, 0, 0);
          double worst = 0;
          int at = 0;
          for (int m = 0; m < M; ++m)
            for (int n = 0; n < cols; ++n) {
              double v = x[n], want;
              switch (acts[i]) {
              case KILN_ACT_SIGMOID:
                want = 1 / (1 + exp(-v));
                break;
              case KILN_ACT_SILU:
                want = v / (1 + exp(-v));
                break;
              case KILN_ACT_TANH:
                want = tanh(v);
                break;
              case KILN_ACT_GELU:
                want = v / 2 * (1 + erf(v / sqrt(2.0)));
                break;
              default:
                want = v / 2 *
                       (1 + tanh(sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
              }
              double err = fabs(c[m * ldc + n] - want) /
                           (fabs(want) > 0.1 ? fabs(want) : 0.1);
              if (!(err <= worst))
                worst = err, at = n;
            }
          if (getenv("KILN_TEST_VERBOSE"))
            printf("%s %s (%d rows): %g at %g\n", isas[f].name, names[i], M,
                   worst, x[at]);
          if (!(worst <= 4e-6) && failures++ < 10)
            printf("FAIL %s %s (%d rows): relative error %g at x = %g\n",
                   isas[f].name, names[i], M, worst, x[at]);
        }
  }
  {
    /* The activations at the ends of the line and on NaN, where the
     * reciprocal estimate's Newton step would make 0 * inf (GELU(inf) was
     * NaN on AVX-512): sigmoid(-inf) = 0, sigmoid(inf) = 1, tanh(+-inf) =
     * +-1, GELU and the tanh GELU at inf are inf, GELU(-inf) NaN (-inf *
     * 0, as ONNX Runtime's), and NaN stays NaN. */
    KILN_KERNEL_ISAS(GemmFn, kiln_sgemm_);
    static const struct {
      int act;
      const char *name;
      float x, want; /* want NaN: NaN wanted */
    } ends[] = {{KILN_ACT_SIGMOID, "sigmoid", -INFINITY, 0.0f},
                {KILN_ACT_SIGMOID, "sigmoid", INFINITY, 1.0f},
                {KILN_ACT_SIGMOID, "sigmoid", NAN, NAN},
                {KILN_ACT_SILU, "silu", INFINITY, INFINITY},
                {KILN_ACT_SILU, "silu", NAN, NAN},
                {KILN_ACT_TANH, "tanh", -INFINITY, -1.0f},
                {KILN_ACT_TANH, "tanh", INFINITY, 1.0f},
                {KILN_ACT_TANH, "tanh", NAN, NAN},
                {KILN_ACT_GELU, "gelu", INFINITY, INFINITY},
                {KILN_ACT_GELU, "gelu", -INFINITY, NAN},
                {KILN_ACT_GELU, "gelu", NAN, NAN},
                {KILN_ACT_GELU_TANH, "gelu_tanh", INFINITY, INFINITY},
                {KILN_ACT_GELU_TANH, "gelu_tanh", NAN, NAN}};
    enum { W = 33 }; /* full vectors and a partial one of every ISA */
    float one = 1.0f, x[W], c[W];
    for (size_t i = 0; i < sizeof ends / sizeof ends[0]; ++i)
      for (int f = 0; f < 3; ++f) {
        if (!isas[f].runs)
          continue;
        ++cases;
        for (int n = 0; n < W; ++n) {
          x[n] = ends[i].x;
          c[n] = 0;
        }
        isas[f].fn(1, 1, W, 1, (intptr_t)&one, 0, 1, 1, (intptr_t)x, 0, W, 1,
                   (intptr_t)c, 0, W, 1, ends[i].act, 0, 0, 0);
        for (int n = 0; n < W; ++n) {
          float want = ends[i].want, got = c[n];
          /* Finite values within the bound above (sigmoid(inf) from a
           * reciprocal estimate is 1 - 2^-24). */
          int ok = isnan(want)   ? isnan(got)
                   : isinf(want) ? got == want
                                 : fabsf(got - want) <= 4e-6f *
                                       (fabsf(want) > 0.1f ? fabsf(want)
                                                           : 0.1f);
          if (!ok) {
            if (failures++ < 10)
              printf("FAIL %s %s(%g) = %g at %d, want %g\n", isas[f].name,
                     ends[i].name, ends[i].x, got, n, want);
            break;
          }
        }
      }
  }
  printf("%d cases, %d failed\n", cases, failures);
  return failures != 0 || cases == 0;
}
