/* The fp32 GEMM kernel for AVX-512F: 12 x 32 tile in 24 zmm accumulators.
 * See kiln_sgemm_impl.h; CMake compiles this file with the ISA's flags. */
#include <immintrin.h>
#include <stdint.h>

typedef __m512 kg_vec;
#define KG_NAME(x) x##_avx512
#define KG_W 16
#define KG_MR 12
#define KG_LOADU(p) _mm512_loadu_ps(p)
#define KG_STOREU(p, v) _mm512_storeu_ps(p, v)
#define KG_SET1(x) _mm512_set1_ps(x)
#define KG_BCAST(p) _mm512_set1_ps(*(p))
#define KG_FMA(a, b, c) _mm512_fmadd_ps(a, b, c)
/* The larger (smaller) of a and b, b when either is NaN: with a bound as
 * a, a NaN in b stays NaN. */
#define KG_MAX(a, b) _mm512_max_ps(a, b)
#define KG_MIN(a, b) _mm512_min_ps(a, b)
/* 1 / d: the 14-bit estimate and a Newton step (about 2^-27
 * relative), a fraction of a division's time. */
#define KG_RECIP(d) kg_recip(d)
static inline kg_vec kg_recip(kg_vec d) {
  /* d above FLT_MAX as FLT_MAX: the estimate of 1 / inf is 0, and the
   * Newton step's 0 * inf NaN (GELU(inf) was NaN). NaN stays NaN. */
  d = _mm512_min_ps(_mm512_set1_ps(3.40282347e38f), d);
  kg_vec r = _mm512_rcp14_ps(d);
  return _mm512_fmadd_ps(_mm512_fnmadd_ps(d, r, _mm512_set1_ps(1.0f)), r, r);
}
/* The first n (< 16) floats at p, the rest zero; and their store. */
static inline kg_vec kg_loadn(const float *p, int64_t n) {
  return _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p);
}
static inline void kg_storen(float *p, kg_vec v, int64_t n) {
  _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), v);
}
/* Lanes [lo, hi) of p, zeros elsewhere; the other lanes' memory is not
 * touched (masked loads do not fault). */
static inline kg_vec kg_loadrange(const float *p, int64_t lo, int64_t hi) {
  return _mm512_maskz_loadu_ps(
      (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1)), p);
}
/* Lanes whose bit is set in `bits`; the others read as zeros and are not
 * accessed (they may lie outside any buffer). */
static inline kg_vec kg_loadmask(const float *p, uint32_t bits) {
  return _mm512_maskz_loadu_ps((__mmask16)bits, p);
}
/* Every other float of p[0, 2 * 16): the taps of a stride-2 row. */
static inline kg_vec kg_load_even(const float *p) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
                                         20, 22, 24, 26, 28, 30);
  return _mm512_permutex2var_ps(_mm512_loadu_ps(p), even,
                                _mm512_loadu_ps(p + 16));
}
/* Lanes [lo, hi) of p, `fill` elsewhere, the other lanes' memory not
 * touched (the strided phase copy, kiln_pool_impl.h). */
static inline kg_vec kg_loadrange_or(const float *p, int64_t lo, int64_t hi,
                                     kg_vec fill) {
  return _mm512_mask_loadu_ps(
      fill, (__mmask16)(((1u << hi) - 1) & ~((1u << lo) - 1)), p);
}
#define KG_ADD(a, b) _mm512_add_ps(a, b)
#define KG_OR(a, b)                                                            \
  _mm512_castsi512_ps(                                                         \
      _mm512_or_si512(_mm512_castps_si512(a), _mm512_castps_si512(b)))
/* Whether any lane of v is NaN. */
#define KG_ANYNAN(v) (_mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q) != 0)
#define KG_NANMASK(v)                                                          \
  _mm512_castsi512_ps(_mm512_maskz_mov_epi32(                                  \
      _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), _mm512_set1_epi32(-1)))
#include "kiln_sgemm_impl.h"
#include "kiln_softmax_impl.h"
#include "kiln_attention_impl.h"
#include "kiln_pool_impl.h"
#include "kiln_transpose_impl.h"
/* The int16 GEMM's integer vectors (kiln_igemm_impl.h). */
typedef __m512i ki_vec;
#define KI_MR 8
#define KI_LOAD(p) _mm512_loadu_si512((const void *)(p))
#define KI_STORE(p, v) _mm512_storeu_si512((void *)(p), v)
#define KI_SET1(x) _mm512_set1_epi32(x)
#define KI_ADD(a, b) _mm512_add_epi32(a, b)
#define KI_MADD(a, b) _mm512_madd_epi16(a, b)
#define KI_VNNI 1
#include "kiln_igemm_impl.h"
