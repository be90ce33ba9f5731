/*===- kiln_attention_impl.h - Fused attention, once per ISA -------------===*
 *
 * Included by the ISA files after kiln_sgemm_impl.h (its vector operations,
 * vexp, scratch and the thread-pool entry). kiln-attention-ukernel calls
 *
 *   kiln_attention_<isa>(B, H, Sq, Skv, D, Dv,
 *                        q, sqb, sqh, sqs,  k, skb, skh, sks, kGroup,
 *                        v, svb, svh, svs, vGroup,
 *                        mask, smb, smh, smq, smk, kind, fillBits, scaleBits,
 *                        y, syb, syh, sys)
 *
 * for y[b, h] = softmax(mask(scale * q[b, h] k[b, h]^T)) v[b, h], every
 * operand with element strides over (batch, head, row) and its last dim
 * (D or Dv) contiguous; a stride of 0 broadcasts. Head h reads head
 * h / kGroup of k and h / vGroup of v (grouped-query attention: groups of
 * query heads share a key and value head). `kind` says what the mask
 * is: 0 none, 1 floats added to the scaled scores, 2 bytes (ONNX bools)
 * where a zero replaces the score by `fill` (Where(mask, s, fill)); plus
 * 4 where a row the mask removes entirely (every float -inf, every byte
 * 0) is 0 rather than NaN (ONNX's Attention). fill and scale are float
 * bit patterns.
 *
 * One pass over the keys per block of query rows with an online softmax
 * (Milakov and Gimelshein; Dao's FlashAttention-2): per block of
 * KG_AT_NK keys, the scores of a tile of KG_AT_R rows are computed into
 * registers and scratch, the rows' running max and sum are updated, the
 * accumulated outputs rescaled by exp(old max - new max) and the block's
 * exp(s - max) . v added; y = accumulator / sum at the end. The scores
 * never exist as a Sq x Skv tensor, so memory does not grow with the
 * square of the sequence. Under a bool mask, the keys past the last one a
 * tile's rows keep are not scored, and are skipped altogether when their
 * exp would be 0 anyway (every row's max more than -ln FLT_MIN above fill):
 * a causal mask's upper triangle costs nothing, and the result is the same
 * bit for bit.
 *
 * A row whose scores are all -inf is NaN (0 / 0), as the reference's
 * softmax; NaN in a score makes its row NaN.
 *
 *===--------------------------------------------------------------------===*/

/* Rows of a register tile and vectors of its columns (AVX-512: 24 of 32
 * registers accumulate; the others: 12 of 16). */
#undef KG_AT_R
#if KG_W == 16
#define KG_AT_R 6
#else
#define KG_AT_R 3
#endif
#define KG_AT_NV 4
/* Keys per block: a tile's scores (R x 256 floats) and the block's packed
 * keys and values (256 x D each) stay in L1 and L2. */
#define KG_AT_NK 256
/* Query rows per task at most: its packed queries and accumulators. */
#define KG_AT_QB 128

typedef struct {
  int64_t B, H, Sq, Skv, D, Dv;
  const float *q;
  int64_t sqb, sqh, sqs;
  const float *k;
  int64_t skb, skh, sks, kGroup;
  const float *v;
  int64_t svb, svh, svs, vGroup;
  const char *mask;
  int64_t smb, smh, smq, smk;
  int kind, zeroMaskedRows;
  float fill, scale;
  float *y;
  int64_t syb, syh, sys;
  /* Query rows per task and tasks per (batch, head). */
  int64_t qb, qBlocks;
} KG_NAME(atJob);

static inline int64_t KG_NAME(atRound)(int64_t n, int64_t m) {
  return (n + m - 1) / m * m;
}

/* c[r][v] (+)= sum_k a[r * lda + k] b[k * ldb + v] for the tile's KG_AT_R
 * rows and NV vectors of columns: the scores (a the packed queries, b the
 * transposed keys, c zeroed first) and the product with the values (a the
 * exps, b the values, c the accumulated outputs). */
#define KG_AT_TILE(NV)                                                         \
  static inline void KG_NAME(atTile##NV)(                                      \
      const float *a, int64_t lda, int64_t K, const float *b, int64_t ldb,     \
      float *c, int64_t ldc, int accumulate) {                                 \
    kg_vec acc[KG_AT_R][NV];                                                   \
    for (int r = 0; r < KG_AT_R; ++r)                                          \
      for (int v = 0; v < NV; ++v)                                             \
        acc[r][v] = accumulate ? KG_LOADU(c + r * ldc + v * KG_W)              \
                               : KG_SET1(0.0f);                                \
    for (int64_t k = 0; k < K; ++k) {                                          \
      kg_vec bv[NV];                                                           \
      for (int v = 0; v < NV; ++v)                                             \
        bv[v] = KG_LOADU(b + k * ldb + v * KG_W);                              \
      for (int r = 0; r < KG_AT_R; ++r) {                                      \
        kg_vec av = KG_SET1(a[r * lda + k]);                                   \
        for (int v = 0; v < NV; ++v)                                           \
          acc[r][v] = KG_FMA(av, bv[v], acc[r][v]);                            \
      }                                                                        \
    }                                                                          \
    for (int r = 0; r < KG_AT_R; ++r)                                          \
      for (int v = 0; v < NV; ++v)                                             \
        KG_STOREU(c + r * ldc + v * KG_W, acc[r][v]);                          \
  }
KG_AT_TILE(1)
KG_AT_TILE(2)
KG_AT_TILE(3)
KG_AT_TILE(4)

/* The tile over `width` columns (whole vectors) in runs of KG_AT_NV
 * vectors, the last run narrower. */
static void KG_NAME(atTiles)(const float *a, int64_t lda, int64_t K,
                             const float *b, int64_t ldb, float *c,
                             int64_t ldc, int64_t width, int accumulate) {
  for (int64_t v = 0; v < width; v += KG_AT_NV * KG_W) {
    int64_t nv = (width - v) / KG_W;
    switch (nv > KG_AT_NV ? KG_AT_NV : nv) {
    case 1: KG_NAME(atTile1)(a, lda, K, b + v, ldb, c + v, ldc, accumulate); break;
    case 2: KG_NAME(atTile2)(a, lda, K, b + v, ldb, c + v, ldc, accumulate); break;
    case 3: KG_NAME(atTile3)(a, lda, K, b + v, ldb, c + v, ldc, accumulate); break;
    default: KG_NAME(atTile4)(a, lda, K, b + v, ldb, c + v, ldc, accumulate); break;
    }
  }
}

/* Of the bool mask's bytes for rows [i0, i1) and keys [j0, j0 + n): one
 * past the last key any of the rows keeps (0: none), and in *all whether
 * every row keeps every key. */
static int64_t KG_NAME(atMaskSpan)(const KG_NAME(atJob) * j, const char *m,
                                   int64_t i0, int64_t i1, int64_t j0,
                                   int64_t n, int *all) {
  int64_t last = 0;
  int clear = 0;
  for (int64_t i = i0; i < i1; ++i) {
    const char *row = m + i * j->smq + j0 * j->smk;
    int64_t c = 0, rowLast = 0;
    if (j->smk == 1)
      for (; c + 8 <= n; c += 8) {
        uint64_t w;
        memcpy(&w, row + c, 8);
        /* ONNX bools are bytes 0 and 1. */
        if (w)
          rowLast = c + 8;
        clear |= w != 0x0101010101010101ull;
      }
    for (; c < n; ++c) {
      if (row[c * j->smk])
        rowLast = c + 1;
      else
        clear = 1;
    }
    /* A word's trailing zero bytes. */
    while (rowLast > 0 && !row[(rowLast - 1) * j->smk])
      --rowLast;
    last = rowLast > last ? rowLast : last;
  }
  *all = !clear;
  return last;
}

/* Whether exp(fill - max) is 0 for each of rows [r0, r1) (vexp is 0 below
 * ln FLT_MIN): keys the bool mask removes then add nothing to them. */
static int KG_NAME(atFillVanishes)(const KG_NAME(atJob) * j,
                                   const float *mx, int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; ++r)
    if (!(j->fill - mx[r] < KG_EXP_LN_MIN))
      return 0;
  return 1;
}

/* s where the mask's bytes m[0, KG_W) are non-zero, fill elsewhere. */
static inline kg_vec KG_NAME(atSelect)(kg_vec s, const char *m, kg_vec fill) {
#if KG_W == 16
  __m512i b = _mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)m));
  return _mm512_mask_blend_ps(_mm512_test_epi32_mask(b, b), fill, s);
#elif KG_W == 8
  __m256i b = _mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)m));
  __m256 clear = _mm256_castsi256_ps(
      _mm256_cmpeq_epi32(b, _mm256_setzero_si256()));
  return _mm256_blendv_ps(s, fill, clear);
#else
  float t[KG_W] __attribute__((aligned(64))), f[KG_W];
  KG_STOREU(t, s);
  KG_STOREU(f, fill);
  for (int i = 0; i < KG_W; ++i)
    t[i] = m[i] ? t[i] : f[i];
  return KG_LOADU(t);
#endif
}

/* kt[d][c] = k[c * sk + d] for c < n (zero up to cols), d < D: 8 x 8
 * blocks transposed in registers where the ISA has them. */
static void KG_NAME(atPackKeys)(const float *k, int64_t sk, int64_t n,
                                int64_t D, float *kt, int64_t cols) {
  int64_t c0 = 0;
#ifdef __AVX__
  for (; c0 + 8 <= n; c0 += 8) {
    int64_t d = 0;
    for (; d + 8 <= D; d += 8)
      KG_NAME(transpose8)(k + c0 * sk + d, sk, kt + d * cols + c0, cols);
    for (; d < D; ++d)
      for (int64_t c = c0; c < c0 + 8; ++c)
        kt[d * cols + c] = k[c * sk + d];
  }
#endif
  for (int64_t d = 0; d < D; ++d) {
    for (int64_t c = c0; c < n; ++c)
      kt[d * cols + c] = k[c * sk + d];
    for (int64_t c = n; c < cols; ++c)
      kt[d * cols + c] = 0.0f;
  }
}

/* Whether row r of the task's mask rows m keeps any of the Skv keys (a
 * float above -inf, a non-zero byte). */
static int KG_NAME(atRowKeeps)(const KG_NAME(atJob) * j, const char *m,
                               int64_t r) {
  if (j->kind == 1) {
    const float *mr = (const float *)m + r * j->smq;
    for (int64_t c = 0; c < j->Skv; ++c)
      if (!(mr[c * j->smk] == -__builtin_inff()))
        return 1;
    return 0;
  }
  const char *mr = m + r * j->smq;
  for (int64_t c = 0; c < j->Skv; ++c)
    if (mr[c * j->smk])
      return 1;
  return 0;
}

/* exp(x) of one float. */
static inline float KG_NAME(atExp)(float x) {
  float t[KG_W] __attribute__((aligned(64)));
  KG_STOREU(t, KG_NAME(vexp)(KG_SET1(x)));
  return t[0];
}

/* Row r's scores s of keys [j0, j0 + n) under the task's mask rows m: the
 * floats added (kind 1), or fill where a byte is 0 (kind 2). */
static void KG_NAME(atMaskScores)(const KG_NAME(atJob) * j, const char *m,
                                  int64_t r, int64_t j0, float *s, int64_t n) {
  int64_t c = 0;
  if (j->kind == 1) {
    const float *mr = (const float *)m + r * j->smq + j0 * j->smk;
    if (j->smk == 1)
      for (; c + KG_W <= n; c += KG_W)
        KG_STOREU(s + c, KG_LOADU(s + c) + KG_LOADU(mr + c));
    for (; c < n; ++c)
      s[c] += mr[c * j->smk];
    return;
  }
  const char *mr = m + r * j->smq + j0 * j->smk;
  if (j->smk == 1) {
    const kg_vec fv = KG_SET1(j->fill);
    for (; c + KG_W <= n; c += KG_W)
      KG_STOREU(s + c, KG_NAME(atSelect)(KG_LOADU(s + c), mr + c, fv));
  }
  for (; c < n; ++c)
    if (!mr[c * j->smk])
      s[c] = j->fill;
}

#include "kiln_attention_rows.h"

/* Tasks [begin, end): (batch, head, block of query rows). */
static void KG_NAME(atTasks)(void *p, int64_t begin, int64_t end) {
  const KG_NAME(atJob) *j = (const KG_NAME(atJob) *)p;
  const int64_t R = KG_AT_R, D = j->D, Dv = j->Dv;
  const int64_t dvp = KG_NAME(atRound)(Dv, KG_W);
  const int64_t nkMax = j->Skv < KG_AT_NK ? j->Skv : KG_AT_NK;
  const int64_t nkp = KG_NAME(atRound)(nkMax, KG_W);
  const int64_t qbp = KG_NAME(atRound)(j->qb, R);
  size_t floats =
      (size_t)(qbp * D + qbp * dvp + 2 * qbp + D * nkp + nkp * dvp + R * nkp);
  /* Or a few rows' scores (see atRows). */
  const size_t rowFloats = (size_t)(KG_NAME(atRound)(j->Skv, KG_W) + D);
  floats = floats > rowFloats ? floats : rowFloats;
  float *scratch = KG_NAME(getScratch)(floats);
  if (!scratch)
    KG_OUT_OF_MEMORY(KG_NAME(scratchRequest));
  float *qp = scratch, *o = qp + qbp * D, *mx = o + qbp * dvp,
        *sum = mx + qbp, *kt = sum + qbp, *vp = kt + D * nkp,
        *s = vp + nkp * dvp;
  /* Per tile of a block: 0 skip it, 1 compute it, 2 compute it and apply
   * the bool mask element by element; and the keys it needs (see below). */
  signed char need[(KG_AT_QB + KG_AT_R - 1) / KG_AT_R];
  int64_t used[(KG_AT_QB + KG_AT_R - 1) / KG_AT_R];
  const float ninf = -__builtin_inff();
  for (int64_t t = begin; t < end; ++t) {
    const int64_t bh = t / j->qBlocks, i0 = t % j->qBlocks * j->qb;
    const int64_t b = bh / j->H, h = bh % j->H;
    const int64_t rows = j->Sq - i0 < j->qb ? j->Sq - i0 : j->qb;
    const int64_t tiles = (rows + R - 1) / R;
    const float *q = j->q + b * j->sqb + h * j->sqh + i0 * j->sqs;
    const float *k = j->k + b * j->skb + h / j->kGroup * j->skh;
    const float *v = j->v + b * j->svb + h / j->vGroup * j->svh;
    const char *m = NULL;
    if (j->kind)
      m = j->mask + (b * j->smb + h * j->smh + i0 * j->smq) *
                        (j->kind == 1 ? (int64_t)sizeof(float) : 1);
    if (KG_NAME(atFewRows)(j, rows)) {
      KG_NAME(atRows)(j, q, k, v, m,
                      j->y + b * j->syb + h * j->syh + i0 * j->sys, rows,
                      scratch + D, scratch);
      continue;
    }
    /* The queries times scale, padded with zero rows to whole tiles. */
    for (int64_t r = 0; r < tiles * R; ++r)
      for (int64_t d = 0; d < D; ++d)
        qp[r * D + d] = r < rows ? q[r * j->sqs + d] * j->scale : 0.0f;
    for (int64_t r = 0; r < tiles * R; ++r) {
      mx[r] = ninf;
      sum[r] = 0.0f;
      for (int64_t c = 0; c < dvp; ++c)
        o[r * dvp + c] = 0.0f;
    }
    for (int64_t j0 = 0; j0 < j->Skv; j0 += KG_AT_NK) {
      const int64_t n = j->Skv - j0 < KG_AT_NK ? j->Skv - j0 : KG_AT_NK;
      const int64_t cols = KG_NAME(atRound)(n, KG_W);
      /* Under a bool mask, the keys past the last one any row of a tile
       * keeps are fill whatever their scores: not computed, and left out
       * of the product with the values where their exp is 0 for every row
       * (a causal mask's upper triangle); a block the tile's rows remove
       * entirely is skipped on the same condition. */
      int any = 0;
      for (int64_t ti = 0; ti < tiles; ++ti) {
        need[ti] = 1;
        used[ti] = n;
        if (j->kind == 2) {
          int64_t r0 = ti * R, r1 = r0 + R < rows ? r0 + R : rows;
          int all;
          used[ti] = KG_NAME(atMaskSpan)(j, m, r0, r1, j0, n, &all);
          if (!all)
            need[ti] = used[ti] == 0 && KG_NAME(atFillVanishes)(j, mx, r0, r1)
                           ? 0
                           : 2;
        }
        any |= need[ti] != 0;
      }
      if (!any)
        continue;
      /* The block's keys transposed [D][cols] and values [n][dvp], zero
       * padded. */
      KG_NAME(atPackKeys)(k + j0 * j->sks, j->sks, n, D, kt, cols);
      /* Values in place when their rows are whole vectors. */
      const float *vb = v + j0 * j->svs;
      int64_t ldv = j->svs;
      if (Dv != dvp) {
        for (int64_t c = 0; c < n; ++c) {
          memcpy(vp + c * dvp, vb + c * j->svs, sizeof(float) * Dv);
          memset(vp + c * dvp + Dv, 0, sizeof(float) * (dvp - Dv));
        }
        vb = vp;
        ldv = dvp;
      }
      for (int64_t ti = 0; ti < tiles; ++ti) {
        if (!need[ti])
          continue;
        const int64_t computed = KG_NAME(atRound)(used[ti], KG_W);
        KG_NAME(atTiles)(qp + ti * R * D, D, D, kt, cols, s, cols, computed,
                         /*accumulate=*/0);
        for (int64_t rr = 0; rr < R; ++rr) {
          const int64_t r = ti * R + rr;
          float *sr = s + rr * cols;
          for (int64_t c = computed; c < cols; ++c)
            sr[c] = r < rows && c < n ? j->fill : ninf;
          if (r < rows && j->kind == 1)
            KG_NAME(atMaskScores)(j, m, r, j0, sr, n);
          else if (r < rows && need[ti] == 2)
            KG_NAME(atMaskScores)(j, m, r, j0, sr,
                                  computed < n ? computed : n);
          for (int64_t c = n; c < cols; ++c)
            sr[c] = ninf;
          kg_vec mv = KG_SET1(ninf);
          for (int64_t c = 0; c < cols; c += KG_W)
            mv = KG_MAX(mv, KG_LOADU(sr + c));
          float bm = KG_NAME(vhmax)(mv);
          float mnew = bm > mx[r] || bm != bm ? bm : mx[r];
          if (mnew == ninf) {
            /* Every score so far -inf: nothing to add yet. */
            for (int64_t c = 0; c < cols; c += KG_W)
              KG_STOREU(sr + c, KG_SET1(0.0f));
            continue;
          }
          kg_vec sv = KG_NAME(vexpShifted)(sr, sr, cols, mnew);
          float alpha = mx[r] == mnew ? 1.0f : KG_NAME(atExp)(mx[r] - mnew);
          sum[r] = sum[r] * alpha + KG_NAME(vhsum)(sv);
          mx[r] = mnew;
          if (alpha != 1.0f) {
            const kg_vec av = KG_SET1(alpha);
            for (int64_t c = 0; c < dvp; c += KG_W)
              KG_STOREU(o + r * dvp + c, KG_LOADU(o + r * dvp + c) * av);
          }
        }
        const int64_t product =
            used[ti] < n && KG_NAME(atFillVanishes)(
                                j, mx, ti * R, ti * R + R < rows ? ti * R + R
                                                                 : rows)
                ? used[ti]
                : n;
        KG_NAME(atTiles)(s, cols, product, vb, ldv, o + ti * R * dvp, dvp, dvp,
                         /*accumulate=*/1);
      }
    }
    float *y = j->y + b * j->syb + h * j->syh + i0 * j->sys;
    for (int64_t r = 0; r < rows; ++r) {
      /* 0 where the mask removed all the row's keys and the op says so. */
      if (j->zeroMaskedRows && !KG_NAME(atRowKeeps)(j, m, r)) {
        memset(y + r * j->sys, 0, sizeof(float) * Dv);
        continue;
      }
      /* A row of -inf scores: 0 * inf, NaN. */
      const float inv = 1.0f / sum[r];
      const kg_vec iv = KG_SET1(inv);
      int64_t c = 0;
      for (; c + KG_W <= Dv; c += KG_W)
        KG_STOREU(y + r * j->sys + c, KG_LOADU(o + r * dvp + c) * iv);
      for (; c < Dv; ++c)
        y[r * j->sys + c] = o[r * dvp + c] * inv;
    }
  }
}

KG_HIDDEN void KG_NAME(kiln_attention)(
    int64_t B, int64_t H, int64_t Sq, int64_t Skv, int64_t D, int64_t Dv,
    intptr_t q, int64_t sqb, int64_t sqh, int64_t sqs, intptr_t k,
    int64_t skb, int64_t skh, int64_t sks, int64_t kGroup, intptr_t v,
    int64_t svb, int64_t svh, int64_t svs, int64_t vGroup, intptr_t mask, int64_t smb, int64_t smh,
    int64_t smq, int64_t smk, int64_t kind, int64_t fillBits,
    int64_t scaleBits, intptr_t y, int64_t syb, int64_t syh, int64_t sys) {
  if (B <= 0 || H <= 0 || Sq <= 0 || Dv <= 0)
    return;
  KG_NAME(atJob) j = {B,   H,   Sq,  Skv, D,   Dv,  (const float *)q,
                      sqb, sqh, sqs, (const float *)k, skb, skh, sks,
                      kGroup < 1 ? 1 : kGroup, (const float *)v, svb, svh,
                      svs, vGroup < 1 ? 1 : vGroup, (const char *)mask,
                      smb, smh, smq, smk, (int)(kind & 3),
                      (int)(kind & 3) && (kind & 4), 0.0f, 1.0f, (float *)y,
                      syb, syh, sys, 0, 0};
  uint32_t fb = (uint32_t)fillBits, sb = (uint32_t)scaleBits;
  memcpy(&j.fill, &fb, sizeof fb);
  memcpy(&j.scale, &sb, sizeof sb);
  if (Skv <= 0) {
    /* No keys: softmax over nothing, 0 / 0 (or every row removed). */
    for (int64_t b = 0; b < B; ++b)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t i = 0; i < Sq; ++i)
          for (int64_t c = 0; c < Dv; ++c)
            j.y[b * syb + h * syh + i * sys + c] =
                j.zeroMaskedRows ? 0.0f : __builtin_nanf("");
    return;
  }
  /* Blocks of query rows: at most KG_AT_QB, halved (down to four tiles)
   * until there are four tasks, two per thread of two. Each task packs its
   * head's keys again: BERT's four heads of 128 rows in eight tasks took
   * 3% longer on one thread (0.197 against 0.191 ms a layer) and no less
   * on two. */
  int64_t qb = KG_AT_QB;
  while (qb > 4 * KG_AT_R && B * H * ((Sq + qb - 1) / qb) < 4)
    qb /= 2;
  if (qb > Sq)
    qb = Sq;
  j.qb = qb;
  j.qBlocks = (Sq + qb - 1) / qb;
  const int64_t tasks = B * H * j.qBlocks;
  /* A few rows stream their keys and values for a handful of
   * multiply-adds per float: each float counts as KG_STREAM_FMAS of them,
   * as for a GEMM's few rows (a decoder step's 4 heads of 512 keys ran on
   * one thread of two, half of K and V in the other core's cache where
   * its Concat wrote them: 0.019 ms on one thread, 0.032 on two). */
  const double work = (double)B * H * Skv * (D + Dv) *
                      (Sq > KG_STREAM_FMAS ? Sq : KG_STREAM_FMAS);
  if (tasks == 1 || work < KG_PARALLEL_MIN_FMAS) {
    KG_NAME(atTasks)(&j, 0, tasks);
    return;
  }
  kiln_parallel_for(0, tasks, 1, KG_NAME(atTasks), &j);
}
