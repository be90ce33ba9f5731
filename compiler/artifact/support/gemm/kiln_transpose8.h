/*===- kiln_transpose8.h - 8 x 8 blocks of floats transposed in registers -===*
 *
 * Included by kiln_sgemm_impl.h: B packed from a column-major source, and
 * register tiles stored into C^T (kiln_sgemm_chanvec.h, storeTileT).
 *
 *===--------------------------------------------------------------------===*/

#ifdef __AVX__
/* out[j] = lane j of r[0], ..., r[7]: unpack, shuffle, swap 128-bit
 * halves. */
static inline __attribute__((always_inline)) void
KG_NAME(transpose8x8)(const __m256 *r, __m256 *out) {
  __m256 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = _mm256_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm256_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    u[i + 1] = _mm256_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    u[i + 2] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    u[i + 3] = _mm256_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int i = 0; i < 4; ++i) {
    out[i] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x20);
    out[i + 4] = _mm256_permute2f128_ps(u[i], u[i + 4], 0x31);
  }
}

/* dst[i * ds + j] = lane i of r[j] for i, j < 8. */
static inline void KG_NAME(transpose8r)(const __m256 *r, float *dst,
                                        int64_t ds) {
  __m256 out[8];
  KG_NAME(transpose8x8)(r, out);
  for (int i = 0; i < 8; ++i)
    _mm256_storeu_ps(dst + i * ds, out[i]);
}

/* dst[i * ds + j] = src[j * ss + i] for i, j < 8. */
static inline void KG_NAME(transpose8)(const float *src, int64_t ss,
                                       float *dst, int64_t ds) {
  __m256 r[8];
  for (int i = 0; i < 8; ++i)
    r[i] = _mm256_loadu_ps(src + i * ss);
  KG_NAME(transpose8r)(r, dst, ds);
}
#endif

#if KG_W >= 8
/* The first n <= 8 floats at p, zeros after them, and their store; the
 * other lanes' memory is not touched. */
static inline __m256 KG_NAME(load8n)(const float *p, int64_t n) {
#if KG_W == 16
  /* A masked zmm load of which only the low 8 lanes can be live (AVX512F
   * alone, no VL). */
  return _mm512_castps512_ps256(_mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p));
#else
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_maskload_ps(p, _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n), idx));
#endif
}
static inline void KG_NAME(store8n)(float *p, __m256 v, int64_t n) {
#if KG_W == 16
  _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), _mm512_castps256_ps512(v));
#else
  kg_storen(p, v, n); /* not a masked store: see kiln_sgemm_avx2.c */
#endif
}

/* Lanes 8g .. 8g + 7 of a register. */
static inline __m256 KG_NAME(lanes8)(kg_vec v, int g) {
#if KG_W == 16
  return g ? _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1))
           : _mm512_castps512_ps256(v);
#else
  (void)g;
  return v;
#endif
}

/* e applied to the n <= 8 outputs v at y: its residual added, then act
 * (e's activation; a constant where the caller dispatched on it) with
 * alpha and beta. */
static inline __attribute__((always_inline)) __m256
KG_NAME(epi8)(const KG_NAME(epi) *e, __m256 v, const float *y, int64_t n,
              const int act, kg_vec alpha, kg_vec beta) {
  if (e->res) {
    const float *r = e->res + (y - e->c0);
    v = _mm256_add_ps(v, n == 8 ? _mm256_loadu_ps(r) : KG_NAME(load8n)(r, n));
  }
#if KG_W == 16
  return _mm512_castps512_ps256(
      KG_NAME(activate)(_mm512_zextps256_ps512(v), act, alpha, beta));
#else
  return KG_NAME(activate)(v, act, alpha, beta);
#endif
}

/* storeT8 with e's activation given as act, alpha and beta: inlined with a
 * constant act where the caller switched on it once for many blocks (the
 * pointwise-depthwise kernel's stores, see pdStoreTile). */
static inline __attribute__((always_inline)) void
KG_NAME(storeT8Act)(const __m256 *r, float *dst, int64_t ds, int64_t n,
                    int64_t rows, int add, const KG_NAME(epi) *e,
                    const int act, kg_vec alpha, kg_vec beta) {
  __m256 t[8];
  KG_NAME(transpose8x8)(r, t);
  for (int i = 0; i < 8; ++i) {
    if (i >= rows)
      break;
    float *row = dst + i * ds;
    __m256 v = t[i];
    if (add)
      v = _mm256_add_ps(v, KG_NAME(load8n)(row, n));
    if (e)
      v = KG_NAME(epi8)(e, v, row, n, act, alpha, beta);
    KG_NAME(store8n)(row, v, n);
  }
}

/* dst[i * ds + 0 .. n) (+)= lane i of r[0 .. n) for i < rows (rows may
 * exceed 8: only 8 are stored): the block transposed, each of its rows
 * one masked store of n <= 8 floats, added to dst with `add`, then the
 * epilogue e (or none) applied before the store: after the tile, a pass
 * over 64 rows of 7 pixels cost ResNet-18 5%. */
static inline __attribute__((always_inline)) void
KG_NAME(storeT8)(const __m256 *r, float *dst, int64_t ds, int64_t n,
                 int64_t rows, int add, const KG_NAME(epi) *e) {
  KG_NAME(storeT8Act)(r, dst, ds, n, rows, add, e,
                      e ? e->act : KILN_ACT_NONE, KG_SET1(e ? e->alpha : 0.0f),
                      KG_SET1(e ? e->beta : 0.0f));
}
#endif
