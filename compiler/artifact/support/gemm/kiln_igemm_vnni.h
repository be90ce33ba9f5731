/*===- kiln_igemm_vnni.h - The int16 GEMM's 8-bit path with AVX512-VNNI --===*
 *
 * Included by kiln_igemm_impl.h in the AVX-512 file (KI_VNNI). MatMulInteger
 * reaches the int16 GEMM with (u)int8 values minus their zero points. When
 * B is a constant packed at compile time whose values all fit int8 (int8
 * weights with a zero point of 0, the usual quantization) and every value
 * of A lies in [-128, 127] (uint8 activations with a zero point of 128,
 * int8 ones without), the product runs with vpdpbusd: four uint8 x int8
 * products per 32-bit lane against pmaddwd's two, on A + 128 (uint8) and
 * B, minus 128 * (column sum of B). The result is the same exact integer.
 *
 * The 8-bit copy of B (groups of four K steps per 32-bit lane, and its
 * column sums) is made from the packed constant on its first use and kept
 * for the artifact's lifetime, freed when it is unloaded: the constant
 * never changes, and converting it on every call cost more than the
 * faster products saved. Only on CPUs with AVX512-VNNI (cpuid, once);
 * everything else takes the pmaddwd path.
 *
 *===--------------------------------------------------------------------===*/

#include <cpuid.h>
#include <pthread.h>

/* Whether this CPU has AVX512-VNNI (cpuid leaf 7, ecx bit 11), asked once
 * (cpuid traps in some virtual machines). */
static int KG_NAME(hasVnni)(void) {
  static volatile int known = -1;
  if (known < 0) {
    unsigned a, b, c, d;
    known = __get_cpuid_count(7, 0, &a, &b, &c, &d) && ((c >> 11) & 1);
  }
  return known;
}

/* Whether every element of A (batch x M x K, element strides) lies in
 * [-128, 127]. */
static int KG_NAME(fitsInt8)(const KG_NAME(ijob) *j, int64_t batch) {
  for (int64_t bi = 0; bi < batch; ++bi)
    for (int64_t m = 0; m < j->M; ++m) {
      const int16_t *row = j->a + bi * j->sab + m * j->sam;
      int64_t k = 0;
      if (j->sak == 1) {
        const __m512i lo = _mm512_set1_epi16(-128), hi = _mm512_set1_epi16(127);
        __mmask32 out = 0;
        for (; k + 32 <= j->K; k += 32) {
          __m512i v = _mm512_loadu_si512((const void *)(row + k));
          out |= _mm512_cmplt_epi16_mask(v, lo) | _mm512_cmpgt_epi16_mask(v, hi);
        }
        if (out)
          return 0;
      }
      for (; k < j->K; ++k) {
        int16_t v = row[k * j->sak];
        if (v < -128 || v > 127)
          return 0;
      }
    }
  return 1;
}

/* The 8-bit copies made so far, by packed constant. */
typedef struct {
  const int16_t *packed;
  int64_t K, N;
  int8_t *quads; /* NULL: B does not fit int8 */
  int32_t *colsum;
} KG_NAME(quadEntry);

#define KI_QUAD_ENTRIES 256
static KG_NAME(quadEntry) KG_NAME(quadCache)[KI_QUAD_ENTRIES];
static int KG_NAME(quadCount);
static pthread_mutex_t KG_NAME(quadLock) = PTHREAD_MUTEX_INITIALIZER;

__attribute__((destructor)) static void KG_NAME(freeQuads)(void) {
  for (int i = 0; i < KG_NAME(quadCount); ++i) {
    free(KG_NAME(quadCache)[i].quads);
    free(KG_NAME(quadCache)[i].colsum);
  }
  KG_NAME(quadCount) = 0;
}

/* packed (kiln_igemm16_packed's layout, K x N) as int8 in panels of KI_NR
 * columns, four K steps of a column per 32-bit lane:
 *
 *   quads[((n / KI_NR * Q + k / 4) * KI_NR + n % KI_NR) * 4 + k % 4]
 *
 * (Q = K / 4 rounded up, zeros past K) and each column's sum. Returns 0
 * when a value does not fit int8 or memory is short. */
static int KG_NAME(makeQuads)(const int16_t *packed, int64_t K, int64_t N,
                              int8_t **quadsOut, int32_t **colsumOut) {
  const int64_t panels = (N + KI_NR - 1) / KI_NR, P2 = (K + 1) / 2;
  const int64_t Q = (K + 3) / 4;
  int8_t *quads = (int8_t *)aligned_alloc(
      64, ((size_t)(panels * Q * KI_NR * 4) + 63) & ~(size_t)63);
  int32_t *colsum = (int32_t *)aligned_alloc(
      64, ((size_t)(panels * KI_NR) * 4 + 63) & ~(size_t)63);
  if (!quads || !colsum) {
    free(quads);
    free(colsum);
    return 0;
  }
  for (int64_t pn = 0; pn < panels; ++pn)
    for (int64_t jj = 0; jj < KI_NR; ++jj) {
      int32_t sum = 0;
      for (int64_t k = 0; k < Q * 4; ++k) {
        int16_t v = k < K ? packed[((pn * P2 + k / 2) * KI_NR + jj) * 2 +
                                   k % 2]
                          : 0;
        if (v < -128 || v > 127) {
          free(quads);
          free(colsum);
          return 0;
        }
        quads[((pn * Q + k / 4) * KI_NR + jj) * 4 + k % 4] = (int8_t)v;
        sum += v;
      }
      colsum[pn * KI_NR + jj] = sum;
    }
  *quadsOut = quads;
  *colsumOut = colsum;
  return 1;
}

/* The 8-bit copy of `packed` (made on first use), or 0 when B does not fit
 * int8 (or the cache is full). */
static int KG_NAME(quadsOf)(const int16_t *packed, int64_t K, int64_t N,
                            const int8_t **quads, const int32_t **colsum) {
  pthread_mutex_lock(&KG_NAME(quadLock));
  KG_NAME(quadEntry) *e = NULL;
  for (int i = 0; i < KG_NAME(quadCount); ++i)
    if (KG_NAME(quadCache)[i].packed == packed &&
        KG_NAME(quadCache)[i].K == K && KG_NAME(quadCache)[i].N == N)
      e = &KG_NAME(quadCache)[i];
  if (!e && KG_NAME(quadCount) < KI_QUAD_ENTRIES) {
    e = &KG_NAME(quadCache)[KG_NAME(quadCount)++];
    e->packed = packed, e->K = K, e->N = N;
    if (!KG_NAME(makeQuads)(packed, K, N, &e->quads, &e->colsum))
      e->quads = NULL, e->colsum = NULL;
  }
  int ok = e && e->quads;
  if (ok)
    *quads = e->quads, *colsum = e->colsum;
  pthread_mutex_unlock(&KG_NAME(quadLock));
  return ok;
}

/* A[0:mr, 0:kc] + 128 as uint8, four K steps of a row per 32-bit value
 * ((q * KI_MR + i) * 4 + s), zeros past kc (128: A = 0) and rows past mr. */
static void KG_NAME(qpackA)(int64_t mr, int64_t kc, const int16_t *a,
                            int64_t sam, int64_t sak, uint8_t *out) {
  const int64_t quads = (kc + 3) / 4;
  int64_t q = 0;
  if (sak == 1) {
    /* Eight quads (32 K steps) of each row as one ymm of uint8, then an
     * 8 x 8 transpose of 32-bit quads puts the eight rows of each quad
     * side by side. Steps past kc are not read (the row may end there):
     * they pack as 0 + 128, against B's zero padding. */
    const __m512i bias = _mm512_set1_epi16(128);
    for (; q < quads; q += 8) {
      const int64_t k = 4 * q, left = kc - k;
      const __mmask32 live =
          left >= 32 ? ~(__mmask32)0 : (((__mmask32)1 << left) - 1);
      __m256 rows[8];
#pragma GCC unroll 8
      for (int64_t i = 0; i < 8; ++i) {
        __m512i v = i < mr ? _mm512_maskz_loadu_epi16(live, a + i * sam + k)
                           : _mm512_setzero_si512();
        rows[i] = _mm256_castsi256_ps(
            _mm512_cvtepi16_epi8(_mm512_add_epi16(v, bias)));
      }
      /* Quads past the end land in out's slack (KI_KC is a multiple of
       * 32; the scratch holds a full block). */
      KG_NAME(transpose8r)(rows, (float *)(out + q * KI_MR * 4), 8);
    }
    return;
  }
  for (; q < quads; ++q)
    for (int64_t i = 0; i < KI_MR; ++i) {
      uint8_t *dst = out + (q * KI_MR + i) * 4;
      for (int64_t s = 0; s < 4; ++s) {
        int64_t k = 4 * q + s;
        dst[s] = i < mr && k < kc ? (uint8_t)(a[i * sam + k * sak] + 128)
                                  : 128;
      }
    }
}

/* One register tile: C[0:mr, 0:nr] += (A + 128) x B over `quads` groups
 * of four K steps, minus 128 * colsum when colsum is given. */
__attribute__((target("avx512vnni"))) static inline
    __attribute__((always_inline)) void
    KG_NAME(qtileRows)(int64_t quads, const uint8_t *restrict ap,
                       const int8_t *restrict bp, const int32_t *colsum,
                       int32_t *c, int64_t scm, int64_t scn, int64_t nr,
                       const int rows) {
  __m512i acc0[KI_MR], acc1[KI_MR];
  __m512i k0 = _mm512_setzero_si512(), k1 = _mm512_setzero_si512();
  if (colsum) {
    k0 = _mm512_slli_epi32(_mm512_loadu_si512((const void *)colsum), 7);
    k1 = _mm512_slli_epi32(_mm512_loadu_si512((const void *)(colsum + 16)), 7);
  }
#pragma GCC unroll 16
  for (int i = 0; i < rows; ++i)
    acc0[i] = acc1[i] = _mm512_setzero_si512();
#pragma GCC unroll 2
  for (int64_t q = 0; q < quads; ++q, ap += KI_MR * 4, bp += KI_NR * 4) {
    __m512i b0 = _mm512_loadu_si512((const void *)bp);
    __m512i b1 = _mm512_loadu_si512((const void *)(bp + 64));
#pragma GCC unroll 16
    for (int i = 0; i < rows; ++i) {
      int32_t quad;
      memcpy(&quad, ap + 4 * i, sizeof quad);
      __m512i x = _mm512_set1_epi32(quad);
      acc0[i] = _mm512_dpbusd_epi32(acc0[i], x, b0);
      acc1[i] = _mm512_dpbusd_epi32(acc1[i], x, b1);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < rows; ++i) {
    acc0[i] = _mm512_sub_epi32(acc0[i], k0);
    acc1[i] = _mm512_sub_epi32(acc1[i], k1);
  }
  KG_NAME(istoreTile)(acc0, acc1, c, scm, scn, nr, rows);
}

__attribute__((target("avx512vnni"))) static void
KG_NAME(qtile)(int64_t quads, const uint8_t *ap, const int8_t *bp,
               const int32_t *colsum, int32_t *c, int64_t scm, int64_t scn,
               int64_t mr, int64_t nr) {
  switch (mr) {
#define KI_QCASE(r)                                                            \
  case r:                                                                      \
    KG_NAME(qtileRows)(quads, ap, bp, colsum, c, scm, scn, nr, r);             \
    return;
    KI_QCASE(1)
    KI_QCASE(2)
    KI_QCASE(3)
    KI_QCASE(4)
    KI_QCASE(5)
    KI_QCASE(6)
    KI_QCASE(7)
    KI_QCASE(8)
#undef KI_QCASE
  default:
    return;
  }
}

/* The columns n0 .. n0 + nc of an 8-bit job for one batch (A at a, C at c;
 * see itasks), all K in blocks of KI_KC (a multiple of 4), the correction
 * with the first block. */
static void KG_NAME(qtask)(const KG_NAME(ijob) *j, const int16_t *a,
                           int32_t *c, int64_t n0, int64_t nc, uint8_t *aq) {
  const int64_t Q = (j->K + 3) / 4;
  for (int64_t k0 = 0; k0 < j->K; k0 += KI_KC) {
    int64_t kc = j->K - k0 < KI_KC ? j->K - k0 : KI_KC;
    int64_t quads = (kc + 3) / 4;
    for (int64_t m0 = 0; m0 < j->M; m0 += KI_MR) {
      int64_t mr = j->M - m0 < KI_MR ? j->M - m0 : KI_MR;
      KG_NAME(qpackA)(mr, kc, a + m0 * j->sam + k0 * j->sak, j->sam, j->sak,
                      aq);
      for (int64_t j0 = 0; j0 < nc; j0 += KI_NR) {
        int64_t nr = nc - j0 < KI_NR ? nc - j0 : KI_NR;
        const int8_t *panel =
            j->bQuads + (((n0 + j0) / KI_NR * Q + k0 / 4) * KI_NR) * 4;
        KG_NAME(qtile)(quads, aq, panel,
                       k0 == 0 ? j->bColsum + n0 + j0 : NULL,
                       c + m0 * j->scm + j0 * j->scn, j->scm, j->scn, mr, nr);
      }
    }
  }
}
