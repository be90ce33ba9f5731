/*===- kiln_sgemm_epilogue.h - Residual and activation on a finished block -===*
 *
 * Included by kiln_sgemm_impl.h, once per ISA, after the vector operations
 * are defined (KG_MAX and KG_MIN too). A kernel calls finish() on each
 * block of its output as soon as the block is complete, while it is still
 * in cache, instead of the separate pass over the whole output that the
 * Add and activation after it would cost (see kiln_epilogue.h).
 *
 * The transcendental activations use polynomial approximations accurate
 * to a few float ulps (exp, tanh) or 1.5e-7 absolute (erf), well inside the
 * tolerances of the ONNX test data; no libm call per element.
 *
 *===--------------------------------------------------------------------===*/

#include "kiln_epilogue.h"

typedef int32_t kg_ivec __attribute__((vector_size(sizeof(kg_vec))));

static inline kg_vec KG_NAME(select)(kg_ivec mask, kg_vec a, kg_vec b) {
  return (kg_vec)(((kg_ivec)a & mask) | ((kg_ivec)b & ~mask));
}

/* ln FLT_MIN: below it exp is 0 (see vexp). */
#define KG_EXP_LN_MIN (-87.3365447f)

/* exp(x) / 2^n for n = round(x / ln 2): r = x - n ln 2, ln 2 in two parts
 * so r is exact, and exp's Taylor polynomial of degree 7 on |r| <= ln 2 / 2
 * (truncation below 1e-8 relative). */
static inline kg_vec KG_NAME(expReduced)(kg_vec x, kg_vec n) {
  kg_vec r = x - n * KG_SET1(0.693359375f) + n * KG_SET1(2.12194440e-4f);
  kg_vec p = KG_SET1(1.0f / 5040);
  p = p * r + KG_SET1(1.0f / 720);
  p = p * r + KG_SET1(1.0f / 120);
  p = p * r + KG_SET1(1.0f / 24);
  p = p * r + KG_SET1(1.0f / 6);
  p = p * r + KG_SET1(0.5f);
  p = p * r + KG_SET1(1.0f);
  return p * r + KG_SET1(1.0f);
}

/* exp(x), x clamped to [ln FLT_MIN, 88] (where 2^n stays a normal float):
 * 2^n * expReduced(x, n). Below ln FLT_MIN it is 0, not a subnormal: a
 * softmax row under a mask of -1e9 would otherwise hold 1e-38s that the
 * next product multiplies, and Intel cores take microcode assists on
 * subnormal operands (a GPT decoder's attention ran 3.5 times slower).
 * NaN stays NaN. */
#if KG_W == 16
/* AVX-512 rounds n with roundscale, applies 2^n with scalef and zeroes
 * the lanes below ln FLT_MIN with scalef's mask: 14 operations where the
 * generic form below takes 20 (the 1.5 * 2^23 rounding trick, the
 * exponent's integer arithmetic, a mask of its own). The results are
 * the generic form's bit for bit but for 6 of 1.1e9 floats tried, x / ln 2
 * a tie, where n rounds the other way (an ulp apart). Every activation
 * and softmax goes through it. */
static inline kg_vec KG_NAME(vexp)(kg_vec x) {
  const __mmask16 keep =
      _mm512_cmp_ps_mask(x, KG_SET1(KG_EXP_LN_MIN), _CMP_NLT_UQ);
  x = _mm512_min_ps(KG_SET1(88.0f), x);
  kg_vec n = _mm512_roundscale_ps(x * KG_SET1(1.44269504088896341f),
                                  _MM_FROUND_TO_NEAREST_INT |
                                      _MM_FROUND_NO_EXC);
  return _mm512_maskz_scalef_ps(keep, KG_NAME(expReduced)(x, n), n);
}
#else
static inline kg_vec KG_NAME(vexp)(kg_vec x) {
  const kg_vec magic = KG_SET1(12582912.0f);
  const kg_vec lnMin = KG_SET1(KG_EXP_LN_MIN);
  kg_ivec under = (kg_ivec)(x < lnMin);
  x = KG_MIN(KG_SET1(88.0f), KG_MAX(lnMin, x));
  /* n by the 1.5 * 2^23 trick: t's low mantissa bits hold it. */
  kg_vec t = x * KG_SET1(1.44269504088896341f) + magic;
  kg_vec n = t - magic;
  kg_ivec bits = ((kg_ivec)t - (kg_ivec)magic + 127) << 23;
  return (kg_vec)((kg_ivec)(KG_NAME(expReduced)(x, n) * (kg_vec)bits) &
                  ~under);
}
#endif

static inline kg_vec KG_NAME(vsigmoid)(kg_vec x) {
  return KG_RECIP(KG_SET1(1.0f) + KG_NAME(vexp)(-x));
}

/* tanh: below |x| = 1/2 its odd Taylor polynomial to x^15 (the next term
 * is 2e-8 of x), above it 1 - 2 / (exp(2|x|) + 1), which has no
 * cancellation there; the sign restored from x. */
static inline kg_vec KG_NAME(vtanh)(kg_vec x) {
  const kg_ivec signBit = (kg_ivec)KG_SET1(-0.0f);
  kg_vec ax = (kg_vec)((kg_ivec)x & ~signBit);
  kg_vec x2 = x * x;
  kg_vec p = KG_SET1(-929569.0f / 638512875);
  p = p * x2 + KG_SET1(21844.0f / 6081075);
  p = p * x2 + KG_SET1(-1382.0f / 155925);
  p = p * x2 + KG_SET1(62.0f / 2835);
  p = p * x2 + KG_SET1(-17.0f / 315);
  p = p * x2 + KG_SET1(2.0f / 15);
  p = p * x2 + KG_SET1(-1.0f / 3);
  kg_vec small = x + x * x2 * p;
  kg_vec large =
      KG_SET1(1.0f) -
      KG_SET1(2.0f) / (KG_NAME(vexp)(ax + ax) + KG_SET1(1.0f));
  large = (kg_vec)((kg_ivec)large | ((kg_ivec)x & signBit));
  return KG_NAME(select)((kg_ivec)(ax < KG_SET1(0.5f)), small, large);
}

/* GELU, y / 2 * (1 + erf(z)) with z = y / sqrt(2). 1 + erf(z) is
 * erfc(|z|) for z < 0 and 2 - erfc(|z|) otherwise, with erfc(a) =
 * poly(t) exp(-a^2), t = 1 / (1 + p a) (Abramowitz and Stegun 7.1.26,
 * 1.5e-7 absolute): no cancellation for large negative y. */
static inline kg_vec KG_NAME(vgelu)(kg_vec y) {
  const kg_ivec signBit = (kg_ivec)KG_SET1(-0.0f);
  kg_vec z = y * KG_SET1(0.70710678118654752f);
  kg_vec a = (kg_vec)((kg_ivec)z & ~signBit);
  kg_vec t = KG_RECIP(KG_SET1(1.0f) + KG_SET1(0.3275911f) * a);
  kg_vec p = KG_SET1(1.061405429f);
  p = p * t + KG_SET1(-1.453152027f);
  p = p * t + KG_SET1(1.421413741f);
  p = p * t + KG_SET1(-0.284496736f);
  p = p * t + KG_SET1(0.254829592f);
  kg_vec erfc = p * t * KG_NAME(vexp)(-(a * a));
  kg_vec onePlusErf = KG_NAME(select)((kg_ivec)(z < KG_SET1(0.0f)), erfc,
                                      KG_SET1(2.0f) - erfc);
  return KG_SET1(0.5f) * y * onePlusErf;
}

/* act(y) with the activation's parameters alpha and beta. Inlined with a
 * constant act. NaN stays NaN: the bounds are KG_MAX's and KG_MIN's first
 * operands. */
static inline __attribute__((always_inline)) kg_vec
KG_NAME(activate)(kg_vec y, const int act, kg_vec alpha, kg_vec beta) {
  const kg_vec zero = KG_SET1(0.0f), one = KG_SET1(1.0f);
  switch (act) {
  case KILN_ACT_RELU:
    return KG_MAX(zero, y);
  case KILN_ACT_CLIP:
    return KG_MIN(beta, KG_MAX(alpha, y));
  case KILN_ACT_LEAKY_RELU:
    return KG_NAME(select)((kg_ivec)(y < zero), alpha * y, y);
  case KILN_ACT_HARD_SIGMOID:
    return KG_MAX(zero, KG_MIN(one, alpha * y + beta));
  case KILN_ACT_HARD_SWISH:
    return y * KG_MAX(zero, KG_MIN(one, y * KG_SET1(1.0f / 6) +
                                            KG_SET1(0.5f)));
  case KILN_ACT_SIGMOID:
    return KG_NAME(vsigmoid)(y);
  case KILN_ACT_SILU:
    return y * KG_NAME(vsigmoid)(y);
  case KILN_ACT_TANH:
    return KG_NAME(vtanh)(y);
  case KILN_ACT_GELU:
    return KG_NAME(vgelu)(y);
  case KILN_ACT_GELU_TANH: {
    /* Gelu with approximate = "tanh" (or GPT-2's exported chain), y / 2 *
     * (1 + tanh(u)) with u = sqrt(2/pi) (y + 0.044715 y^3), as y *
     * sigmoid(2u): the same function, one exp and one division where
     * tanh took both branches of vtanh (GPT's up-projections spent 0.13
     * ms of 0.57 in the epilogue), and no cancellation in 1 + tanh(u)
     * for negative y. */
    const kg_vec u2 = y * (KG_SET1(2 * 0.7978845608028654f) +
                           KG_SET1(2 * 0.7978845608028654f * 0.044715f) *
                               (y * y));
    return y * KG_NAME(vsigmoid)(u2);
  }
  default:
    return y;
  }
}

/* An output's epilogue: act(y + residual), the residual at the same offset
 * from res as y from c0 (the output's address). */
typedef struct {
  int act;
  float alpha, beta;
  const float *res;
  const float *c0;
} KG_NAME(epi);

/* The epilogue of a kernel entry's last four arguments for output c, in
 * *e; NULL when there is none. */
static const KG_NAME(epi) *KG_NAME(makeEpi)(KG_NAME(epi) *e, int64_t act,
                                            int64_t alphaBits,
                                            int64_t betaBits, intptr_t res,
                                            intptr_t c) {
  if (act <= KILN_ACT_NONE && !res)
    return NULL;
  uint32_t a = (uint32_t)alphaBits, b = (uint32_t)betaBits;
  e->act = act < KILN_ACT_COUNT ? (int)act : KILN_ACT_NONE;
  memcpy(&e->alpha, &a, sizeof a);
  memcpy(&e->beta, &b, sizeof b);
  e->res = (const float *)res;
  e->c0 = (const float *)c;
  return e;
}

/* One vector of row[j * s] for j < n (n <= KG_W), the rest zero. */
static inline kg_vec KG_NAME(loadRun)(const float *row, int64_t s,
                                      int64_t n) {
  if (s == 1)
    return n == KG_W ? KG_LOADU(row) : kg_loadn(row, n);
  float tmp[KG_W] __attribute__((aligned(64))) = {0};
  for (int64_t j = 0; j < n; ++j)
    tmp[j] = row[j * s];
  return *(const kg_vec *)tmp;
}

/* e applied to v, the accumulator of the n contiguous outputs at y, before
 * it is stored: for kernels whose tiles are too small for a pass of
 * finish over the stored block to pay (its call and row setup cost a
 * 7 x 7 plane as much as its convolution). */
static inline kg_vec KG_NAME(epiVec)(const KG_NAME(epi) *e, kg_vec v,
                                     const float *y, int64_t n) {
  if (e->res)
    v += KG_NAME(loadRun)(e->res + (y - e->c0), 1, n);
  return KG_NAME(activate)(v, e->act, KG_SET1(e->alpha), KG_SET1(e->beta));
}

static inline void KG_NAME(storeRun)(float *row, int64_t s, int64_t n,
                                     kg_vec v) {
  if (s == 1) {
    if (n == KG_W)
      KG_STOREU(row, v);
    else
      kg_storen(row, v, n);
    return;
  }
  float tmp[KG_W] __attribute__((aligned(64)));
  *(kg_vec *)tmp = v;
  for (int64_t j = 0; j < n; ++j)
    row[j * s] = tmp[j];
}

/* act(p[u] (+ residual)) stored back for u < n (n <= 4 whole vectors):
 * their chains interleaved. */
static inline __attribute__((always_inline)) void
KG_NAME(finishVecs)(const KG_NAME(epi) *e, float *const *p, const int n,
                    const int act, kg_vec alpha, kg_vec beta) {
  kg_vec v[4];
#pragma GCC unroll 4
  for (int u = 0; u < n; ++u) {
    v[u] = KG_LOADU(p[u]);
    if (e->res)
      v[u] += KG_LOADU(e->res + (p[u] - e->c0));
  }
#pragma GCC unroll 4
  for (int u = 0; u < n; ++u)
    KG_STOREU(p[u], KG_NAME(activate)(v[u], act, alpha, beta));
}

static inline __attribute__((always_inline)) void
KG_NAME(finishRows)(const KG_NAME(epi) *e, float *c, int64_t scm,
                    int64_t scn, int64_t rows, int64_t cols, const int act) {
  const kg_vec alpha = KG_SET1(e->alpha), beta = KG_SET1(e->beta);
  int64_t i0 = 0;
  if (scn == 1 && cols % KG_W == 0) {
    /* Whole vectors, four of two rows at a time: one at a time, each
     * transcendental activation is a chain of dependent operations the
     * core cannot overlap (the tanh GELU over a GPT decoder's 6 x 16
     * tiles ran at a third of its throughput). */
    for (; i0 + 2 <= rows; i0 += 2) {
      float *r0 = c + i0 * scm, *r1 = r0 + scm;
      int64_t j = 0;
      for (; j + 2 * KG_W <= cols; j += 2 * KG_W) {
        float *p[4] = {r0 + j, r0 + j + KG_W, r1 + j, r1 + j + KG_W};
        KG_NAME(finishVecs)(e, p, 4, act, alpha, beta);
      }
      if (j < cols) {
        float *p[2] = {r0 + j, r1 + j};
        KG_NAME(finishVecs)(e, p, 2, act, alpha, beta);
      }
    }
    /* A last row (or a contiguous block, one row): four vectors of it. */
    for (; i0 < rows; ++i0) {
      float *r = c + i0 * scm;
      int64_t j = 0;
      for (; j + 4 * KG_W <= cols; j += 4 * KG_W) {
        float *p[4] = {r + j, r + j + KG_W, r + j + 2 * KG_W,
                       r + j + 3 * KG_W};
        KG_NAME(finishVecs)(e, p, 4, act, alpha, beta);
      }
      for (; j < cols; j += KG_W) {
        float *p[1] = {r + j};
        KG_NAME(finishVecs)(e, p, 1, act, alpha, beta);
      }
    }
  }
  for (int64_t i = i0; i < rows; ++i) {
    float *row = c + i * scm;
    const float *res = e->res ? e->res + (row - e->c0) : NULL;
    for (int64_t j = 0; j < cols; j += KG_W) {
      int64_t n = cols - j < KG_W ? cols - j : KG_W;
      kg_vec v = KG_NAME(loadRun)(row + j * scn, scn, n);
      if (res)
        v += KG_NAME(loadRun)(res + j * scn, scn, n);
      KG_NAME(storeRun)(row + j * scn, scn, n,
                        KG_NAME(activate)(v, act, alpha, beta));
    }
  }
}

/* Applies e (if any) to the finished block c[0:rows, 0:cols] (element
 * strides scm, scn). */
static void KG_NAME(finish)(const KG_NAME(epi) *e, float *c, int64_t scm,
                            int64_t scn, int64_t rows, int64_t cols) {
  if (!e)
    return;
  /* Contiguous columns (C^T): by columns, each a run. */
  if (scm == 1 && scn != 1) {
    int64_t t = rows;
    rows = cols, cols = t;
    scm = scn, scn = 1;
  }
  /* Contiguous rows are one run: a 7 x 7 depthwise plane is then four
   * vectors, not seven rows of seven (row by row, a ReLU6 after 960 such
   * planes cost more than the convolution). */
  if (scn == 1 && scm == cols) {
    cols *= rows;
    rows = 1;
  }
#define KG_FINISH_CASE(act)                                                    \
  case act:                                                                    \
    KG_NAME(finishRows)(e, c, scm, scn, rows, cols, act);                      \
    return;
  switch (e->act) {
    KG_FINISH_CASE(KILN_ACT_NONE)
    KG_FINISH_CASE(KILN_ACT_RELU)
    KG_FINISH_CASE(KILN_ACT_CLIP)
    KG_FINISH_CASE(KILN_ACT_LEAKY_RELU)
    KG_FINISH_CASE(KILN_ACT_HARD_SIGMOID)
    KG_FINISH_CASE(KILN_ACT_HARD_SWISH)
    KG_FINISH_CASE(KILN_ACT_SIGMOID)
    KG_FINISH_CASE(KILN_ACT_SILU)
    KG_FINISH_CASE(KILN_ACT_TANH)
    KG_FINISH_CASE(KILN_ACT_GELU)
    KG_FINISH_CASE(KILN_ACT_GELU_TANH)
  }
#undef KG_FINISH_CASE
}
