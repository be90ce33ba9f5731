/*===- fma_peak.c - The fp32 FMA peak of one core, measured ---------------===*
 *
 *   kiln-fma-peak [seconds]
 *
 * Runs independent chains of fused multiply-adds (enough accumulators to
 * hide the FMA latency) for each vector width the CPU has, and prints the
 * best rate as `fma peak: X GFLOP/s (<isa>)`. bench/run_bench.py runs it in
 * the same run as the benchmarks, so shares of the peak compare numbers
 * taken under the same clock and load.
 *
 *===--------------------------------------------------------------------===*/

#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

#define CHAINS 12

/* FLOPs per second of `iters` rounds of CHAINS FMAs on `width` floats. */
#define PROBE(name, isa, vec, set1, fma, width)                            \
  __attribute__((target(isa), noinline)) static double name(long iters) {  \
    vec acc[CHAINS];                                                          \
    vec x = set1(1.0000001f), y = set1(0.9999999f);                           \
    for (int i = 0; i < CHAINS; ++i)                                          \
      acc[i] = set1((float)i);                                                \
    double t0 = now();                                                        \
    for (long n = 0; n < iters; ++n) {                                        \
      _Pragma("GCC unroll 12") for (int i = 0; i < CHAINS; ++i)              \
          acc[i] = fma(acc[i], x, y);                                         \
    }                                                                         \
    double t = now() - t0;                                                    \
    float sink = 0;                                                           \
    for (int i = 0; i < CHAINS; ++i)                                          \
      sink += ((float *)&acc[i])[0];                                          \
    if (sink == 12345.f)                                                      \
      puts("");                                                               \
    return 2.0 * width * CHAINS * iters / t;                                  \
  }

PROBE(probeAvx2, "avx2,fma", __m256, _mm256_set1_ps, _mm256_fmadd_ps, 8)
PROBE(probeAvx512, "avx512f", __m512, _mm512_set1_ps, _mm512_fmadd_ps, 16)

/* Runs `probe` for about `seconds` and returns its best rate. */
static double measure(double (*probe)(long), double seconds) {
  long iters = 1 << 16;
  while (1) {
    double t0 = now();
    probe(iters);
    if (now() - t0 > 0.05)
      break;
    iters *= 2;
  }
  double best = 0, t0 = now();
  while (now() - t0 < seconds) {
    double r = probe(iters);
    if (r > best)
      best = r;
  }
  return best;
}

int main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 0.5;
  __builtin_cpu_init();
  double best = 0;
  const char *isa = "none";
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    double r = measure(probeAvx2, seconds);
    printf("avx2+fma: %.1f GFLOP/s\n", r / 1e9);
    if (r > best)
      best = r, isa = "avx2";
  }
  if (__builtin_cpu_supports("avx512f")) {
    double r = measure(probeAvx512, seconds);
    printf("avx512f: %.1f GFLOP/s\n", r / 1e9);
    if (r > best)
      best = r, isa = "avx512";
  }
  if (best == 0) {
    puts("fma peak: unknown (no AVX2+FMA or AVX-512 on this CPU)");
    return 0;
  }
  printf("fma peak: %.1f GFLOP/s (%s)\n", best / 1e9, isa);
  return 0;
}
