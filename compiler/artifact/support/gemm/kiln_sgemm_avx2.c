/* The fp32 GEMM kernel for AVX2 + FMA: 6 x 16 tile in 12 ymm accumulators.
 * See kiln_sgemm_impl.h; CMake compiles this file with the ISA's flags. */
#include <immintrin.h>
#include <stdint.h>

typedef __m256 kg_vec;
#define KG_NAME(x) x##_avx2
#define KG_W 8
#define KG_MR 6
#define KG_LOADU(p) _mm256_loadu_ps(p)
#define KG_STOREU(p, v) _mm256_storeu_ps(p, v)
#define KG_SET1(x) _mm256_set1_ps(x)
#define KG_BCAST(p) _mm256_broadcast_ss(p)
#define KG_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
/* The larger (smaller) of a and b, b when either is NaN: with a bound as
 * a, a NaN in b stays NaN. */
#define KG_MAX(a, b) _mm256_max_ps(a, b)
#define KG_MIN(a, b) _mm256_min_ps(a, b)
/* 1 / d as the 12-bit estimate and a Newton step (relative error ~1e-7):
 * VDIVPS takes 10 cycles a vector on Zen 3, and the tanh GELU's division
 * was most of a GPT decoder's epilogue time (6% of the model). d above
 * FLT_MAX is taken as FLT_MAX (the estimate 0, not 0 * inf = NaN); NaN
 * stays NaN. */
#define KG_RECIP(d) kg_recip(d)
static inline __m256 kg_recip(__m256 d) {
  d = _mm256_min_ps(_mm256_set1_ps(3.40282347e38f), d);
  __m256 r = _mm256_rcp_ps(d);
  return _mm256_fmadd_ps(_mm256_fnmadd_ps(d, r, _mm256_set1_ps(1.0f)), r, r);
}
/* The first n (< 8) floats at p, the rest zero; and their store. */
static inline __m256i kg_mask(int64_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
static inline kg_vec kg_loadn(const float *p, int64_t n) {
  return _mm256_maskload_ps(p, kg_mask(n));
}
/* A whole vector stored as one, a part in pieces of 4, 2 and 1 floats:
 * AMD's cores (Zen 2 and 3) run VMASKMOVPS to memory as a microcoded
 * sequence, one store every ~12 cycles where a plain store takes one, and
 * the epilogues and transposed stores of every kernel use it (the
 * pointwise-depthwise kernel's rows of 8 pixels spent a quarter of its
 * time in it on an EPYC). Intel's cores store it in one op either way. */
static inline void kg_storen(float *p, kg_vec v, int64_t n) {
  if (n >= 8) {
    _mm256_storeu_ps(p, v);
    return;
  }
  if (n <= 0)
    return;
  __m128 part = _mm256_castps256_ps128(v);
  if (n & 4) {
    _mm_storeu_ps(p, part);
    part = _mm256_extractf128_ps(v, 1);
    p += 4;
  }
  if (n & 2) {
    _mm_storel_pi((__m64 *)p, part);
    part = _mm_movehl_ps(part, part);
    p += 2;
  }
  if (n & 1)
    _mm_store_ss(p, part);
}
/* Lanes [lo, hi) of p, zeros elsewhere; the other lanes' memory is not
 * touched (masked loads do not fault). */
static inline kg_vec kg_loadrange(const float *p, int64_t lo, int64_t hi) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i in = _mm256_and_si256(
      _mm256_cmpgt_epi32(lane, _mm256_set1_epi32((int)lo - 1)),
      _mm256_cmpgt_epi32(_mm256_set1_epi32((int)hi), lane));
  return _mm256_maskload_ps(p, in);
}
/* Lanes whose bit is set in `bits`; the others read as zeros and are not
 * accessed (they may lie outside any buffer). */
static inline kg_vec kg_loadmask(const float *p, uint32_t bits) {
  const __m256i bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
  __m256i in = _mm256_cmpeq_epi32(
      _mm256_and_si256(_mm256_set1_epi32((int)bits), bit), bit);
  return _mm256_maskload_ps(p, in);
}
/* Every other float of p[0, 2 * 8): the taps of a stride-2 row. */
static inline kg_vec kg_load_even(const float *p) {
  __m256 evens = _mm256_shuffle_ps(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8),
                                   _MM_SHUFFLE(2, 0, 2, 0));
  return _mm256_castpd_ps(
      _mm256_permute4x64_pd(_mm256_castps_pd(evens), _MM_SHUFFLE(3, 1, 2, 0)));
}
/* Lanes [lo, hi) of p, `fill` elsewhere, the other lanes' memory not
 * touched (the strided phase copy, kiln_pool_impl.h). */
static inline kg_vec kg_loadrange_or(const float *p, int64_t lo, int64_t hi,
                                     kg_vec fill) {
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  __m256i in = _mm256_and_si256(
      _mm256_cmpgt_epi32(lane, _mm256_set1_epi32((int)lo - 1)),
      _mm256_cmpgt_epi32(_mm256_set1_epi32((int)hi), lane));
  return _mm256_blendv_ps(fill, _mm256_maskload_ps(p, in),
                          _mm256_castsi256_ps(in));
}
#define KG_ADD(a, b) _mm256_add_ps(a, b)
#define KG_OR(a, b) _mm256_or_ps(a, b)
/* Whether any lane of v is NaN. */
#define KG_ANYNAN(v) (_mm256_movemask_ps(_mm256_cmp_ps(v, v, _CMP_UNORD_Q)) != 0)
#define KG_NANMASK(v) _mm256_cmp_ps(v, v, _CMP_UNORD_Q)
#include "kiln_sgemm_impl.h"
#include "kiln_softmax_impl.h"
#include "kiln_attention_impl.h"
#include "kiln_pool_impl.h"
#include "kiln_transpose_impl.h"
/* The int16 GEMM's integer vectors (kiln_igemm_impl.h). */
typedef __m256i ki_vec;
#define KI_MR 4
#define KI_LOAD(p) _mm256_loadu_si256((const __m256i *)(p))
#define KI_STORE(p, v) _mm256_storeu_si256((__m256i *)(p), v)
#define KI_SET1(x) _mm256_set1_epi32(x)
#define KI_ADD(a, b) _mm256_add_epi32(a, b)
#define KI_MADD(a, b) _mm256_madd_epi16(a, b)
#include "kiln_igemm_impl.h"
