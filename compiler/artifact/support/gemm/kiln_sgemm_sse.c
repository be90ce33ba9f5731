/* The fp32 GEMM kernel for baseline x86-64 (SSE2, no FMA): 6 x 8 tile in 12 xmm accumulators.
 * See kiln_sgemm_impl.h; CMake compiles this file with the ISA's flags. */
#include <emmintrin.h>
#include <stdint.h>

typedef __m128 kg_vec;
#define KG_NAME(x) x##_sse
#define KG_W 4
#define KG_MR 6
#define KG_LOADU(p) _mm_loadu_ps(p)
#define KG_STOREU(p, v) _mm_storeu_ps(p, v)
#define KG_SET1(x) _mm_set1_ps(x)
#define KG_BCAST(p) _mm_load1_ps(p)
#define KG_FMA(a, b, c) _mm_add_ps(_mm_mul_ps(a, b), c)
/* The larger (smaller) of a and b, b when either is NaN: with a bound as
 * a, a NaN in b stays NaN. */
#define KG_MAX(a, b) _mm_max_ps(a, b)
#define KG_MIN(a, b) _mm_min_ps(a, b)
/* 1 / d (the estimates of this ISA have 12 bits). */
#define KG_RECIP(d) (KG_SET1(1.0f) / (d))
#include <string.h>
/* The first n (< 4) floats at p, the rest zero; and their store (SSE2 has
 * no masked moves: through a copy). */
static inline kg_vec kg_loadn(const float *p, int64_t n) {
  float tmp[4] = {0, 0, 0, 0};
  memcpy(tmp, p, n * sizeof(float));
  return _mm_loadu_ps(tmp);
}
static inline void kg_storen(float *p, kg_vec v, int64_t n) {
  float tmp[4];
  _mm_storeu_ps(tmp, v);
  memcpy(p, tmp, n * sizeof(float));
}
/* Lanes [lo, hi) of p, zeros elsewhere; the other lanes' memory is not
 * touched. */
static inline kg_vec kg_loadrange(const float *p, int64_t lo, int64_t hi) {
  float tmp[4] = {0, 0, 0, 0};
  if (hi > lo)
    memcpy(tmp + lo, p + lo, (hi - lo) * sizeof(float));
  return _mm_loadu_ps(tmp);
}
/* Lanes whose bit is set in `bits`; the others read as zeros and are not
 * accessed (they may lie outside any buffer). */
static inline kg_vec kg_loadmask(const float *p, uint32_t bits) {
  float tmp[4] = {0, 0, 0, 0};
  for (int l = 0; l < 4; ++l)
    if (bits >> l & 1)
      tmp[l] = p[l];
  return _mm_loadu_ps(tmp);
}
/* Every other float of p[0, 2 * 4): the taps of a stride-2 row. */
static inline kg_vec kg_load_even(const float *p) {
  return _mm_shuffle_ps(_mm_loadu_ps(p), _mm_loadu_ps(p + 4),
                        _MM_SHUFFLE(2, 0, 2, 0));
}
/* Lanes [lo, hi) of p, `fill` elsewhere, the other lanes' memory not
 * touched (the strided phase copy, kiln_pool_impl.h). */
static inline kg_vec kg_loadrange_or(const float *p, int64_t lo, int64_t hi,
                                     kg_vec fill) {
  float tmp[4];
  _mm_storeu_ps(tmp, fill);
  if (hi > lo)
    memcpy(tmp + lo, p + lo, (hi - lo) * sizeof(float));
  return _mm_loadu_ps(tmp);
}
#define KG_ADD(a, b) _mm_add_ps(a, b)
#define KG_OR(a, b) _mm_or_ps(a, b)
/* Whether any lane of v is NaN. */
#define KG_ANYNAN(v) (_mm_movemask_ps(_mm_cmpunord_ps(v, v)) != 0)
#define KG_NANMASK(v) _mm_cmpunord_ps(v, v)
#include "kiln_sgemm_impl.h"
#include "kiln_softmax_impl.h"
#include "kiln_attention_impl.h"
#include "kiln_pool_impl.h"
#include "kiln_transpose_impl.h"
/* The int16 GEMM's integer vectors (kiln_igemm_impl.h). */
typedef __m128i ki_vec;
#define KI_MR 4
#define KI_LOAD(p) _mm_loadu_si128((const __m128i *)(p))
#define KI_STORE(p, v) _mm_storeu_si128((__m128i *)(p), v)
#define KI_SET1(x) _mm_set1_epi32(x)
#define KI_ADD(a, b) _mm_add_epi32(a, b)
#define KI_MADD(a, b) _mm_madd_epi16(a, b)
#include "kiln_igemm_impl.h"
