/* kiln_attention_<isa> against a double-precision reference of
 * softmax(mask(scale * q k^T)) v: random sizes (sequences past one block of
 * 256 keys, head sizes that are not whole vectors), q, k and v read with
 * the strides of a [B, S, H, D] projection or of [B, H, S, D], no mask, an
 * additive float mask broadcast over heads and rows, and a bool mask (a
 * causal one, whose upper blocks the kernel skips, or random) with a finite
 * or -inf fill, groups of query heads sharing a key and value head, on
 * each ISA this CPU runs. Rows masked out entirely must be
 * NaN under -inf and uniform under a finite fill, as the reference's, or
 * 0 where the call says so (kind | 4, ONNX's Attention). A third of the
 * cases have a decoder's few query rows, a third heads of whole vectors:
 * together the kernel's rows path (kiln_attention_rows.h). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support_test.h"

typedef void (*AttentionFn)(int64_t, int64_t, int64_t, int64_t, int64_t,
                            int64_t, intptr_t, int64_t, int64_t, int64_t,
                            intptr_t, int64_t, int64_t, int64_t, int64_t,
                            intptr_t, int64_t, int64_t, int64_t, int64_t,
                            intptr_t, int64_t, int64_t, int64_t, int64_t,
                            int64_t, int64_t, int64_t, intptr_t, int64_t,
                            int64_t, int64_t);
#define DECLARE(isa)                                                           \
  void kiln_attention_##isa(                                                   \
      int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, intptr_t,         \
      int64_t, int64_t, int64_t, intptr_t, int64_t, int64_t, int64_t,         \
      int64_t, intptr_t, int64_t, int64_t, int64_t, int64_t, intptr_t,        \
      int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,          \
      intptr_t, int64_t, int64_t, int64_t);
DECLARE(avx512)
DECLARE(avx2)
DECLARE(sse)

static float frand(void) { return (float)rand() / RAND_MAX * 2.0f - 1.0f; }

static int64_t bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

int main(void) {
  KILN_KERNEL_ISAS(AttentionFn, kiln_attention_);
  int failures = 0, cases = 0;
  srand(5);
  for (int t = 0; t < 200; ++t) {
    /* Hkv key and value heads, each shared by g query heads. */
    int64_t B = 1 + rand() % 2, Hkv = 1 + rand() % 2, g = 1 + rand() % 2;
    int64_t H = Hkv * g;
    /* A decoder's few rows (the kernel's rows path up to a register
     * tile's, with heads of whole vectors) or a sequence. */
    int64_t Sq = rand() % 3 == 0 ? 1 + rand() % 8 : 1 + rand() % 300;
    int64_t Skv = rand() % 3 == 0 ? Sq : 1 + rand() % 600;
    int whole = rand() % 3 == 0;
    int64_t D = whole ? 16 * (1 + rand() % 5) : 1 + rand() % 80;
    int64_t Dv = whole ? 16 * (1 + rand() % 5) : 1 + rand() % 80;
    int kind = rand() % 3;
    int causal = kind == 2 && rand() % 2;
    /* ONNX's Attention: rows the bool mask removes entirely are 0. */
    int zeroRows = kind == 2 && rand() % 2;
    float fill = rand() % 2 ? -INFINITY : -1e9f;
    float scale = 0.05f + (float)rand() / RAND_MAX;
    /* Layout: [B, S, H, D] (projection) or [B, H, S, D]. */
    int proj = rand() % 2;
    int64_t s_b, s_h, s_s;
#define STRIDES(S, W, NH)                                                      \
  (s_b = (S) * (NH) * (W), s_h = proj ? (W) : (S) * (W),                       \
   s_s = proj ? (NH) * (W) : (W))
    float *q = malloc(sizeof(float) * B * H * Sq * D);
    float *k = malloc(sizeof(float) * B * Hkv * Skv * D);
    float *v = malloc(sizeof(float) * B * Hkv * Skv * Dv);
    for (int64_t i = 0; i < B * H * Sq * D; ++i)
      q[i] = 2.0f * frand();
    for (int64_t i = 0; i < B * Hkv * Skv * D; ++i)
      k[i] = 2.0f * frand();
    for (int64_t i = 0; i < B * Hkv * Skv * Dv; ++i)
      v[i] = frand();
    STRIDES(Sq, D, H);
    int64_t sqb = s_b, sqh = s_h, sqs = s_s;
    STRIDES(Skv, D, Hkv);
    int64_t skb = s_b, skh = s_h, sks = s_s;
    STRIDES(Skv, Dv, Hkv);
    int64_t svb = s_b, svh = s_h, svs = s_s;
    STRIDES(Sq, Dv, H);
    int64_t syb = s_b, syh = s_h, sys = s_s;
    /* Masks: floats [B, 1, 1, Skv] (padding), bytes [1, 1, Sq, Skv]. */
    float *fm = NULL;
    char *bm = NULL;
    int64_t smb = 0, smh = 0, smq = 0, smk = 1;
    if (kind == 1) {
      fm = malloc(sizeof(float) * B * Skv);
      for (int64_t i = 0; i < B * Skv; ++i)
        fm[i] = rand() % 5 == 0 ? -10000.0f : 0.1f * frand();
      smb = Skv;
    } else if (kind == 2) {
      bm = malloc((size_t)(Sq * Skv));
      int64_t dead = rand() % 3 == 0 ? rand() % Sq : -1;
      for (int64_t i = 0; i < Sq; ++i)
        for (int64_t j = 0; j < Skv; ++j)
          bm[i * Skv + j] =
              i == dead ? 0 : causal ? j <= i : rand() % 4 != 0;
      smq = Skv;
    }
    float *ref = malloc(sizeof(float) * B * H * Sq * Dv);
    double *srow = malloc(sizeof(double) * Skv);
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t i = 0; i < Sq; ++i) {
          double mx = -INFINITY;
          for (int64_t j = 0; j < Skv; ++j) {
            double s = 0;
            for (int64_t d = 0; d < D; ++d)
              s += (double)q[b * sqb + h * sqh + i * sqs + d] *
                   k[b * skb + h / g * skh + j * sks + d];
            s *= scale;
            if (kind == 1)
              s += fm[b * smb + j];
            else if (kind == 2 && !bm[i * smq + j])
              s = fill;
            srow[j] = s;
            mx = s > mx ? s : mx;
          }
          int keeps = 0;
          for (int64_t j = 0; kind == 2 && j < Skv; ++j)
            keeps |= bm[i * smq + j];
          if (zeroRows && !keeps) {
            for (int64_t c = 0; c < Dv; ++c)
              ref[b * syb + h * syh + i * sys + c] = 0.0f;
            continue;
          }
          double sum = 0;
          for (int64_t j = 0; j < Skv; ++j)
            sum += srow[j] = exp(srow[j] - mx);
          for (int64_t c = 0; c < Dv; ++c) {
            double acc = 0;
            for (int64_t j = 0; j < Skv; ++j)
              acc += srow[j] * v[b * svb + h / g * svh + j * svs + c];
            ref[b * syb + h * syh + i * sys + c] = (float)(acc / sum);
          }
        }
    float *y = malloc(sizeof(float) * B * H * Sq * Dv);
    for (size_t a = 0; a < sizeof isas / sizeof isas[0]; ++a) {
      if (!isas[a].runs)
        continue;
      ++cases;
      memset(y, 0, sizeof(float) * B * H * Sq * Dv);
      isas[a].fn(B, H, Sq, Skv, D, Dv, (intptr_t)q, sqb, sqh, sqs,
                 (intptr_t)k, skb, skh, sks, g, (intptr_t)v, svb, svh, svs, g,
                 (intptr_t)(kind == 1 ? (void *)fm : (void *)bm), smb, smh,
                 smq, smk, kind | (zeroRows ? 4 : 0), bits(fill),
                 bits(scale), (intptr_t)y, syb,
                 syh, sys);
      for (int64_t i = 0; i < B * H * Sq * Dv; ++i) {
        float r = ref[i], g = y[i];
        int bad = isnan(r) ? !isnan(g) : !(fabsf(g - r) <= 2e-5f + 1e-4f * fabsf(r));
        if (bad) {
          fprintf(stderr,
                  "%s: B %lld H %lld Sq %lld Skv %lld D %lld Dv %lld kind %d "
                  "causal %d zero rows %d proj %d fill %g: y[%lld] = %g, "
                  "want %g\n",
                  isas[a].name, (long long)B, (long long)H, (long long)Sq,
                  (long long)Skv, (long long)D, (long long)Dv, kind, causal,
                  zeroRows, proj, fill, (long long)i, g, r);
          ++failures;
          break;
        }
      }
    }
    free(q), free(k), free(v), free(fm), free(bm), free(ref), free(srow),
        free(y);
  }
  printf("%d cases, %d failed\n", cases, failures);
  return failures != 0;
}
