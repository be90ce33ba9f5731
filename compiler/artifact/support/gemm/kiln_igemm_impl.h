/*===- kiln_igemm_impl.h - The int16 x int16 -> int32 GEMM, once per ISA -===*
 *
 * Included by the ISA files after kiln_sgemm_impl.h, with
 *
 *   ki_vec, KI_LOAD, KI_STORE, KI_SET1, KI_ADD, KI_MADD
 *               the integer vector type and its operations: KI_MADD
 *               multiplies 16-bit pairs and adds each pair into one
 *               32-bit lane (pmaddwd, SSE2 on), exact for the operands
 *               MatMulInteger gives it
 *   KI_MR       rows of the register tile
 *   KI_VNNI     (AVX-512) the 8-bit path of kiln_igemm_vnni.h too
 *
 * kiln-gemm-ukernel calls, for a contraction of i16 operands into i32,
 *
 *   kiln_igemm16_<isa>(batch, M, N, K, a, sab, sam, sak, b, sbb, sbk, sbn,
 *                      c, scb, scm, scn)
 *
 * computing C[b] += A[b] * B[b] with element strides, as kiln_sgemm does
 * for f32. MatMulInteger lowers to it with A and B widened to i16 after
 * their zero points are subtracted ((u)int8 - zero point fits in 16 bits,
 * and a product of two in 32), so every result is exact: pmaddwd does two
 * multiply-adds per 32-bit lane, twice the lanes of the i32 multiply the
 * generic code had.
 *
 * A and B are packed in pairs of K steps: B in panels of 2 * KG_W columns
 * (each K pair of a column one 32-bit lane), A in micro-panels of KI_MR
 * rows (each pair broadcast as one 32-bit value); odd K and partial
 * panels are zero-padded.
 *
 *===--------------------------------------------------------------------===*/

#define KI_NR (2 * KG_W)
/* K (in steps, a multiple of 2) and N blocks of packed B: 512 x 256 x 2
 * bytes stay in L2. */
#define KI_KC 512
#define KI_NC 256

/* B[k0:k0+kc, n0:n0+nc] into panels of KI_NR columns: pair p of column j
 * of a panel at (p * KI_NR + j) * 2. */
static void KG_NAME(ipackB)(int64_t kc, int64_t nc, const int16_t *b,
                            int64_t sbk, int64_t sbn, int16_t *out) {
  const int64_t pairs = (kc + 1) / 2;
  for (int64_t j0 = 0; j0 < nc; j0 += KI_NR, out += pairs * KI_NR * 2) {
    int64_t nr = nc - j0 < KI_NR ? nc - j0 : KI_NR;
    for (int64_t p = 0; p < pairs; ++p) {
      int16_t *row = out + p * KI_NR * 2;
      const int64_t k = 2 * p;
      for (int64_t j = 0; j < nr; ++j) {
        const int16_t *col = b + k * sbk + (j0 + j) * sbn;
        row[2 * j] = col[0];
        row[2 * j + 1] = k + 1 < kc ? col[sbk] : 0;
      }
      for (int64_t j = nr; j < KI_NR; ++j)
        row[2 * j] = row[2 * j + 1] = 0;
    }
  }
}

/* A[m0:m0+mr, k0:k0+kc] as pairs of KI_MR rows: pair p of row i at
 * (p * KI_MR + i) * 2, zero-padded rows. */
static void KG_NAME(ipackA)(int64_t mr, int64_t kc, const int16_t *a,
                            int64_t sam, int64_t sak, int16_t *out) {
  const int64_t pairs = (kc + 1) / 2;
  for (int64_t p = 0; p < pairs; ++p) {
    int16_t *col = out + p * KI_MR * 2;
    const int64_t k = 2 * p;
    int64_t i = 0;
    for (; i < mr; ++i) {
      const int16_t *x = a + i * sam + k * sak;
      col[2 * i] = x[0];
      col[2 * i + 1] = k + 1 < kc ? x[sak] : 0;
    }
    for (; i < KI_MR; ++i)
      col[2 * i] = col[2 * i + 1] = 0;
  }
}

/* C[0:rows, 0:nr] += a register tile's accumulators. Inlined into each
 * tile with a constant `rows`, every row index constant (unrolled), so
 * the accumulators stay in registers. */
static inline __attribute__((always_inline)) void
KG_NAME(istoreTile)(const ki_vec *acc0, const ki_vec *acc1, int32_t *c,
                    int64_t scm, int64_t scn, int64_t nr, const int rows) {
  if (nr == KI_NR && scn == 1) {
#pragma GCC unroll 16
    for (int i = 0; i < rows; ++i) {
      int32_t *row = c + i * scm;
      KI_STORE(row, KI_ADD(KI_LOAD(row), acc0[i]));
      KI_STORE(row + KG_W, KI_ADD(KI_LOAD(row + KG_W), acc1[i]));
    }
    return;
  }
  int32_t tmp[KI_MR][KI_NR] __attribute__((aligned(64)));
#pragma GCC unroll 16
  for (int i = 0; i < rows; ++i) {
    KI_STORE(tmp[i], acc0[i]);
    KI_STORE(tmp[i] + KG_W, acc1[i]);
  }
  for (int i = 0; i < rows; ++i)
    for (int64_t j = 0; j < nr; ++j)
      c[i * scm + j * scn] += tmp[i][j];
}

/* One register tile: C[0:mr, 0:nr] += packed A x packed B over `pairs`
 * K pairs. Inlined per row count. */
static inline __attribute__((always_inline)) void
KG_NAME(itileRows)(int64_t pairs, const int16_t *restrict ap,
                   const int16_t *restrict bp, int32_t *c, int64_t scm,
                   int64_t scn, int64_t nr, const int rows) {
  ki_vec acc0[KI_MR], acc1[KI_MR];
#pragma GCC unroll 16
  for (int i = 0; i < rows; ++i)
    acc0[i] = acc1[i] = KI_SET1(0);
  for (int64_t p = 0; p < pairs; ++p, ap += KI_MR * 2, bp += KI_NR * 2) {
    ki_vec b0 = KI_LOAD(bp), b1 = KI_LOAD(bp + KG_W * 2);
#pragma GCC unroll 16
    for (int i = 0; i < rows; ++i) {
      int32_t pair;
      memcpy(&pair, ap + 2 * i, sizeof pair);
      ki_vec x = KI_SET1(pair);
      acc0[i] = KI_ADD(acc0[i], KI_MADD(x, b0));
      acc1[i] = KI_ADD(acc1[i], KI_MADD(x, b1));
    }
  }
  KG_NAME(istoreTile)(acc0, acc1, c, scm, scn, nr, rows);
}

static void KG_NAME(itile)(int64_t pairs, const int16_t *ap,
                           const int16_t *bp, int32_t *c, int64_t scm,
                           int64_t scn, int64_t mr, int64_t nr) {
  switch (mr) {
#define KI_CASE(r)                                                             \
  case r:                                                                      \
    KG_NAME(itileRows)(pairs, ap, bp, c, scm, scn, nr, r);                     \
    return;
    KI_CASE(1)
    KI_CASE(2)
    KI_CASE(3)
    KI_CASE(4)
#if KI_MR > 4
    KI_CASE(5)
    KI_CASE(6)
    KI_CASE(7)
    KI_CASE(8)
#endif
#if KI_MR > 8
    KI_CASE(9)
    KI_CASE(10)
    KI_CASE(11)
    KI_CASE(12)
#endif
#undef KI_CASE
  default:
    return;
  }
}

typedef struct {
  int64_t M, N, K;
  const int16_t *a;
  int64_t sab, sam, sak;
  const int16_t *b;
  int64_t sbb, sbk, sbn;
  int32_t *c;
  int64_t scb, scm, scn;
  int64_t nTasks;
  /* B packed at compile time (see kiln_igemm16_packed), or NULL. */
  const int16_t *bPacked;
  /* Its 8-bit copy and column sums (KI_VNNI: kiln_igemm_vnni.h), or NULL. */
  const int8_t *bQuads;
  const int32_t *bColsum;
} KG_NAME(ijob);

#ifdef KI_VNNI
#include "kiln_igemm_vnni.h"
#endif

/* Task t: batch t / nTasks, columns in block t % nTasks of KI_NC. */
static void KG_NAME(itasks)(void *p, int64_t begin, int64_t end) {
  const KG_NAME(ijob) *j = (const KG_NAME(ijob) *)p;
  const size_t bElems = (size_t)KI_KC * (KI_NC + KI_NR);
  /* The f32 kernels' per-thread scratch, in 16-bit elements. */
  int16_t *bPack = (int16_t *)KG_NAME(getScratch)(
      (bElems + (size_t)KI_KC * KI_MR + 1) / 2);
  if (!bPack)
    KG_OUT_OF_MEMORY(KG_NAME(scratchRequest)); /* 600 KiB */
  int16_t *aPack = bPack + bElems;
  /* Packed B: each panel holds all K (in pairs) of its columns; a K
   * block's start at pair k0 / 2 (KI_KC is even). */
  const int64_t panelPairs = (j->K + 1) / 2;
  for (int64_t t = begin; t < end; ++t) {
    int64_t bi = t / j->nTasks, n0 = t % j->nTasks * KI_NC;
    int64_t nc = j->N - n0 < KI_NC ? j->N - n0 : KI_NC;
    const int16_t *a = j->a + bi * j->sab;
    const int16_t *b = j->b ? j->b + bi * j->sbb + n0 * j->sbn : NULL;
    int32_t *c = j->c + bi * j->scb + n0 * j->scn;
#ifdef KI_VNNI
    if (j->bQuads) {
      KG_NAME(qtask)(j, a, c, n0, nc, (uint8_t *)bPack);
      continue;
    }
#endif
    for (int64_t k0 = 0; k0 < j->K; k0 += KI_KC) {
      int64_t kc = j->K - k0 < KI_KC ? j->K - k0 : KI_KC;
      int64_t pairs = (kc + 1) / 2;
      if (!j->bPacked)
        KG_NAME(ipackB)(kc, nc, b + k0 * j->sbk, j->sbk, j->sbn, bPack);
      for (int64_t m0 = 0; m0 < j->M; m0 += KI_MR) {
        int64_t mr = j->M - m0 < KI_MR ? j->M - m0 : KI_MR;
        KG_NAME(ipackA)(mr, kc, a + m0 * j->sam + k0 * j->sak, j->sam,
                        j->sak, aPack);
        for (int64_t j0 = 0; j0 < nc; j0 += KI_NR) {
          int64_t nr = nc - j0 < KI_NR ? nc - j0 : KI_NR;
          const int16_t *panel =
              j->bPacked ? j->bPacked + ((n0 + j0) / KI_NR * panelPairs +
                                         k0 / 2) * KI_NR * 2
                         : bPack + j0 / KI_NR * pairs * KI_NR * 2;
          KG_NAME(itile)(pairs, aPack, panel, c + m0 * j->scm + j0 * j->scn,
                         j->scm, j->scn, mr, nr);
        }
      }
    }
  }
}

/* The job's tasks, on the pool when they are worth it. */
static void KG_NAME(irun)(KG_NAME(ijob) *j, int64_t batch) {
  int64_t tasks = batch * j->nTasks;
  if ((double)batch * j->M * j->N * j->K < KG_PARALLEL_MIN_FMAS) {
    KG_NAME(itasks)(j, 0, tasks);
    return;
  }
  kiln_parallel_for(0, tasks, 1, KG_NAME(itasks), j);
}

KG_HIDDEN void KG_NAME(kiln_igemm16)(int64_t batch, int64_t M, int64_t N,
                                     int64_t K, intptr_t a, int64_t sab,
                                     int64_t sam, int64_t sak, intptr_t b,
                                     int64_t sbb, int64_t sbk, int64_t sbn,
                                     intptr_t c, int64_t scb, int64_t scm,
                                     int64_t scn) {
  if (batch <= 0 || M <= 0 || N <= 0 || K <= 0)
    return;
  KG_NAME(ijob) j = {M,   N,   K,   (const int16_t *)a, sab, sam, sak,
                     (const int16_t *)b, sbb, sbk, sbn, (int32_t *)c, scb,
                     scm, scn, (N + KI_NC - 1) / KI_NC, NULL, NULL, NULL};
  KG_NAME(irun)(&j, batch);
}

/* kiln_igemm16 with B a constant packed at compile time by
 * kiln-gemm-ukernel, in panels of KI_NR columns holding all K of them in
 * pairs (K rounded up to even, zeros):
 *
 *   bPacked[((n / KI_NR * K2 + k / 2) * KI_NR + n % KI_NR) * 2 + k % 2]
 *
 * read in place; B is shared by every batch. */
KG_HIDDEN void KG_NAME(kiln_igemm16_packed)(int64_t batch, int64_t M,
                                            int64_t N, int64_t K, intptr_t a,
                                            int64_t sab, int64_t sam,
                                            int64_t sak, intptr_t bPacked,
                                            intptr_t c, int64_t scb,
                                            int64_t scm, int64_t scn) {
  if (batch <= 0 || M <= 0 || N <= 0 || K <= 0)
    return;
  KG_NAME(ijob) j = {M,   N,   K,   (const int16_t *)a, sab, sam, sak,
                     NULL, 0,  0,   0, (int32_t *)c, scb, scm, scn,
                     (N + KI_NC - 1) / KI_NC, (const int16_t *)bPacked, NULL,
                     NULL};
#ifdef KI_VNNI
  if (KG_NAME(hasVnni)() && KG_NAME(fitsInt8)(&j, batch))
    (void)KG_NAME(quadsOf)(j.bPacked, K, N, &j.bQuads, &j.bColsum);
#endif
  KG_NAME(irun)(&j, batch);
}
