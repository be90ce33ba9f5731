/*===- kiln_attention_rows.h - Attention for a few query rows ------------===*
 *
 * Included by kiln_attention_impl.h. A decoder's step asks attention for
 * one query row (two or three with speculative decoding) against all the
 * keys and values so far. The tiled path packs every block of keys
 * transposed and pads the rows to a register tile: for one row, the
 * transposition and five rows of zeros were nearly all of its work (12
 * heads of 64 on 512 keys: 0.34 ms, ONNX Runtime 0.18). Here each row's
 * scores are dot products with the keys read in place, KG_W keys at a
 * time (their partial sums folded into one vector, see atSums), then a
 * plain softmax over the row and the products with the values read in
 * place: K and V are read once, sequentially, the work a few operations
 * per float read.
 *
 *===--------------------------------------------------------------------===*/

/* Lane i: the sum of a[i]'s lanes, for KG_W vectors a (folded in halves,
 * quarters, ...: 15 adds and 30 shuffles with AVX-512 for 16 keys, against
 * 64 multiply-adds for heads of 64). */
static inline kg_vec KG_NAME(atSums)(const kg_vec *a) {
#if KG_W == 16
  /* Halves: lanes 0-1 (128-bit) of x[i] the two halves of a[i] added,
   * lanes 2-3 those of a[i + 8]; quarters: w[i] holds a[i], a[i + 8],
   * a[i + 4], a[i + 12], four floats each. */
  __m512 x[8], w[4];
  for (int i = 0; i < 8; ++i)
    x[i] = _mm512_add_ps(_mm512_shuffle_f32x4(a[i], a[i + 8], 0x44),
                         _mm512_shuffle_f32x4(a[i], a[i + 8], 0xEE));
  for (int i = 0; i < 4; ++i)
    w[i] = _mm512_add_ps(_mm512_shuffle_f32x4(x[i], x[i + 4], 0x88),
                         _mm512_shuffle_f32x4(x[i], x[i + 4], 0xDD));
  /* Pairs within each 128-bit lane, twice: lane L of t is w[0 .. 3]'s
   * lane L summed, keys 0-3, 8-11, 4-7, 12-15; put in order. */
  __m512 u0 = _mm512_add_ps(_mm512_shuffle_ps(w[0], w[1], 0x88),
                            _mm512_shuffle_ps(w[0], w[1], 0xDD));
  __m512 u1 = _mm512_add_ps(_mm512_shuffle_ps(w[2], w[3], 0x88),
                            _mm512_shuffle_ps(w[2], w[3], 0xDD));
  __m512 t = _mm512_add_ps(_mm512_shuffle_ps(u0, u1, 0x88),
                           _mm512_shuffle_ps(u0, u1, 0xDD));
  return _mm512_shuffle_f32x4(t, t, 0xD8);
#elif KG_W == 8
  /* x[i]: a[i]'s halves added (low 128 bits), a[i + 4]'s (high). */
  __m256 x[4];
  for (int i = 0; i < 4; ++i)
    x[i] = _mm256_add_ps(_mm256_permute2f128_ps(a[i], a[i + 4], 0x20),
                         _mm256_permute2f128_ps(a[i], a[i + 4], 0x31));
  return _mm256_hadd_ps(_mm256_hadd_ps(x[0], x[1]),
                        _mm256_hadd_ps(x[2], x[3]));
#else
  __m128 r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3];
  _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
  return _mm_add_ps(_mm_add_ps(r0, r1), _mm_add_ps(r2, r3));
#endif
}

/* s[c] = qs . k[c * sks, + D) for c < n (D whole vectors). */
static void KG_NAME(atRowScores)(const float *qs, int64_t D, const float *k,
                                 int64_t sks, int64_t n, float *s) {
  int64_t c = 0;
  for (; c + KG_W <= n; c += KG_W) {
    const float *kc = k + c * sks;
    kg_vec acc[KG_W];
#pragma GCC unroll 16
    for (int i = 0; i < KG_W; ++i)
      acc[i] = KG_SET1(0.0f);
    for (int64_t d = 0; d < D; d += KG_W) {
      const kg_vec qv = KG_LOADU(qs + d);
#pragma GCC unroll 16
      for (int i = 0; i < KG_W; ++i)
        acc[i] = KG_FMA(qv, KG_LOADU(kc + i * sks + d), acc[i]);
    }
    KG_STOREU(s + c, KG_NAME(atSums)(acc));
  }
  for (; c < n; ++c) {
    kg_vec acc = KG_SET1(0.0f);
    for (int64_t d = 0; d < D; d += KG_W)
      acc = KG_FMA(KG_LOADU(qs + d), KG_LOADU(k + c * sks + d), acc);
    s[c] = KG_NAME(vhsum)(acc);
  }
}

/* y[0, NV KG_W) = inv * sum_c p[c] v[c * svs, + NV KG_W) over c < n, in
 * two chains of multiply-adds (even and odd keys). */
static inline __attribute__((always_inline)) void
KG_NAME(atRowValues)(const float *p, const float *v, int64_t svs, int64_t n,
                     float inv, float *y, const int NV) {
  kg_vec a0[KG_AT_NV], a1[KG_AT_NV];
  for (int i = 0; i < NV; ++i)
    a0[i] = a1[i] = KG_SET1(0.0f);
  int64_t c = 0;
  for (; c + 2 <= n; c += 2) {
    const kg_vec p0 = KG_SET1(p[c]), p1 = KG_SET1(p[c + 1]);
    const float *v0 = v + c * svs, *v1 = v0 + svs;
    for (int i = 0; i < NV; ++i) {
      a0[i] = KG_FMA(p0, KG_LOADU(v0 + i * KG_W), a0[i]);
      a1[i] = KG_FMA(p1, KG_LOADU(v1 + i * KG_W), a1[i]);
    }
  }
  if (c < n) {
    const kg_vec p0 = KG_SET1(p[c]);
    for (int i = 0; i < NV; ++i)
      a0[i] = KG_FMA(p0, KG_LOADU(v + c * svs + i * KG_W), a0[i]);
  }
  const kg_vec iv = KG_SET1(inv);
  for (int i = 0; i < NV; ++i)
    KG_STOREU(y + i * KG_W, (a0[i] + a1[i]) * iv);
}

/* Whether a task of `rows` query rows takes the rows path: at most a
 * register tile's rows (the tiled path's packing pays from about eight:
 * 12 heads of 64 on 512 keys, one thread, 1 row 0.10 against 0.33 ms, 6
 * rows 0.25 against 0.36, 8 rows 0.35 against 0.39, 12 rows 0.53 against
 * 0.38), heads of whole vectors. */
static inline int KG_NAME(atFewRows)(const KG_NAME(atJob) * j, int64_t rows) {
  return rows <= KG_AT_R && j->D % KG_W == 0 && j->Dv % KG_W == 0;
}

/* The task's rows [0, rows) at q (mask rows at m, outputs at y) against
 * all the keys k and values v; s: scratch of Skv rounded up to whole
 * vectors, qs: of D. */
static void KG_NAME(atRows)(const KG_NAME(atJob) * j, const float *q,
                            const float *k, const float *v, const char *m,
                            float *y, int64_t rows, float *s, float *qs) {
  const int64_t D = j->D, Dv = j->Dv, n = j->Skv;
  const int64_t np = KG_NAME(atRound)(n, KG_W);
  const float ninf = -__builtin_inff();
  for (int64_t r = 0; r < rows; ++r) {
    float *yr = y + r * j->sys;
    if (j->zeroMaskedRows && !KG_NAME(atRowKeeps)(j, m, r)) {
      memset(yr, 0, sizeof(float) * Dv);
      continue;
    }
    for (int64_t d = 0; d < D; ++d)
      qs[d] = q[r * j->sqs + d] * j->scale;
    KG_NAME(atRowScores)(qs, D, k, j->sks, n, s);
    if (j->kind)
      KG_NAME(atMaskScores)(j, m, r, 0, s, n);
    /* Softmax: -inf past the keys (exp 0); a row of -inf scores is NaN
     * (exp(-inf - -inf)), as the tiled path's 0 / 0. */
    for (int64_t c = n; c < np; ++c)
      s[c] = ninf;
    kg_vec mv = KG_SET1(ninf);
    for (int64_t c = 0; c < np; c += KG_W)
      mv = KG_MAX(mv, KG_LOADU(s + c));
    const float mx = KG_NAME(vhmax)(mv);
    const float inv =
        1.0f / KG_NAME(vhsum)(KG_NAME(vexpShifted)(s, s, np, mx));
    for (int64_t c = 0; c < Dv; c += KG_AT_NV * KG_W) {
      const int64_t nv = (Dv - c) / KG_W;
#define KG_AT_VALUES(NV)                                                       \
  KG_NAME(atRowValues)(s, v + c, j->svs, n, inv, yr + c, NV)
      switch (nv > KG_AT_NV ? KG_AT_NV : nv) {
      case 1: KG_AT_VALUES(1); break;
      case 2: KG_AT_VALUES(2); break;
      case 3: KG_AT_VALUES(3); break;
      default: KG_AT_VALUES(4); break;
      }
#undef KG_AT_VALUES
    }
  }
}
