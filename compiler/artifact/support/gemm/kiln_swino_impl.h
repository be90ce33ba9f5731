/*===- kiln_swino_impl.h - 3x3 convolutions by Winograd F(4x4, 3x3) ------===*
 *
 * Included by kiln_sgemm_impl.h once per ISA. A stride-1 3x3 convolution
 * computes each 4 x 4 block ("tile") of an output plane from the 6 x 6
 * block of input around it as
 *
 *   Y = A^T [ sum over c of (G g G^T)[f, c] . (B^T d B)[c] ] A
 *
 * (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks"):
 * 36 products per tile, channel and filter instead of 144. The 36 points
 * are 36 independent GEMMs M[xi] = U[xi] V[xi] with K = C, where U = G g
 * G^T are the weights transformed at compile time (kiln-conv-ukernel) and
 * V = B^T d B the input transformed here, a block of whole tile rows at a
 * time. Tiles lie in the vector lanes: the input transform reads each lane's
 * 6 x 6 block from a copy of the rows split into four phases (column mod
 * 4), so a vector of tiles is one contiguous load per tap; the GEMM
 * broadcasts weights against vectors of tiles like the packed GEMM; the
 * output transform writes each lane's 4 x 4 block back into y.
 *
 * U is [P, 36, C, 12]: panels of 12 filters (P of them, the last one
 * padded with zero filters), for each point xi C rows of the panel's 12
 * weights. A task reads a panel's points in turn, so the weights are one
 * stream from memory (point-major, each point's 12 C floats began a new
 * stream: ResNet-18's 14 x 14 layers waited on them).
 *
 *===--------------------------------------------------------------------===*/

/* KG_WN_POINTS, KG_WN_PANEL and the rule for sizes that were symbolic at
 * compile time (static ones are decided by kiln-conv-ukernel with the same
 * rule). */
#include "kiln_winograd_rule.h"

/* Floats of transformed input a task keeps for a block (640 KiB: with the
 * products of a panel, in L2). */
#define KG_WN_V_FLOATS (160 * 1024)
/* Floats of U (KG_WN_POINTS * C * F) above which it streams from memory
 * rather than staying in cache between calls (2 MiB: L2; 96 channels and
 * filters, 1.3 MB, ran as fast from four blocks as from one). */
#define KG_WN_U_CACHED (512 * 1024)
/* Runs of 64 columns of a row whose masks the phase copy keeps (images
 * up to 1024 wide). */
#define KG_WN_SPLIT_RUNS 16
/* Steps of C (48 bytes of U each) the first tile of a point fetches the
 * weights ahead of its reads. */
#define KG_WN_AHEAD 128

typedef struct {
  int64_t N, F, C, H, W, OH, OW, padT, padL;
  const float *x;
  int64_t sxn, sxc, sxh, sxw;
  const float *u;
  const float *b;
  int64_t sb;
  float *y;
  int64_t syn, syf, syh, syw;
  const KG_NAME(epi) * e;
  /* Tiles down and across; tile rows of the tallest block, blocks, filter
   * panels, runs of them (chunks, near-equal) a block's tasks take;
   * vectors of tiles per tile row; the phase copy's row length; floats per
   * row of V (and M). */
  int64_t TH, TW, kr, blocks, panels, chunks, nvr, pw, ldv;
  /* Blocks near-equal (else kr rows each and the rest last). */
  int even;
  /* Columns of V between tile rows: TW, or TW rounded up to vectors. */
  int64_t rp;
  /* Tasks of near-equal work cut across blocks and their filter panels
   * (see wnCut); 0: a task per block and chunk. */
  int64_t cuts;
} KG_NAME(wnJob);


/* B^T d for the 6 values d of one column (or row) of an input tile. */
static inline __attribute__((always_inline)) void
KG_NAME(wnInput6)(const kg_vec *d, kg_vec *r) {
  const kg_vec two = KG_SET1(2.0f), four = KG_SET1(4.0f);
  kg_vec d42 = d[4] - d[2], d31 = d[3] - d[1];
  r[0] = KG_FMA(four, d[0] - d[2], d42);
  r[1] = KG_FMA(-four, d[1] + d[2], d[3] + d[4]);
  r[2] = KG_FMA(four, d[1] - d[2], d[4] - d[3]);
  r[3] = KG_FMA(two, d31, d42);
  r[4] = KG_FMA(-two, d31, d42);
  r[5] = KG_FMA(four, d[1] - d[3], d[5] - d[3]);
}

/* A^T m for the 6 values m of one column (or row) of a product tile. */
static inline __attribute__((always_inline)) void
KG_NAME(wnOutput6)(const kg_vec *m, kg_vec *o) {
  kg_vec s12 = m[1] + m[2], d12 = m[1] - m[2];
  kg_vec s34 = m[3] + m[4], d34 = m[3] - m[4];
  o[0] = m[0] + s12 + s34;
  o[1] = KG_FMA(KG_SET1(2.0f), d34, d12);
  o[2] = KG_FMA(KG_SET1(4.0f), s34, s12);
  o[3] = KG_FMA(KG_SET1(8.0f), d34, d12) + m[5];
}

#if KG_W == 16
/* The masks of the four vectors of x[0, 64) whose floats lie in [lo, hi). */
static inline void KG_NAME(wnSplitMasks)(int64_t lo, int64_t hi,
                                         uint32_t *bits) {
  for (int i = 0; i < 4; ++i) {
    int64_t a = lo - 16 * i, b = hi - 16 * i;
    a = a < 0 ? 0 : a > 16 ? 16 : a;
    b = b < 0 ? 0 : b > 16 ? 16 : b;
    bits[i] = a < b ? ((1u << b) - 1) & ~((1u << a) - 1) : 0;
  }
}

/* x[0, 64) as its four phases, p[k * pw + i] = x[4 i + k] for i < 16, the
 * floats outside the masks (wnSplitMasks) zeros (and not read). */
static inline void KG_NAME(wnSplit64)(const float *x, float *p, int64_t pw,
                                      const uint32_t *bits) {
  kg_vec v[4];
#pragma GCC unroll 4
  for (int i = 0; i < 4; ++i)
    v[i] = kg_loadmask(x + 16 * i, bits[i]);
#pragma GCC unroll 4
  for (int k = 0; k < 4; ++k) {
    /* Floats k, k + 4, ..., k + 28 of each pair of vectors. */
    const __m512i idx =
        _mm512_add_epi32(_mm512_set1_epi32(k),
                         _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 0, 4,
                                           8, 12, 16, 20, 24, 28));
    kg_vec l = _mm512_permutex2var_ps(v[0], idx, v[1]);
    kg_vec h = _mm512_permutex2var_ps(v[2], idx, v[3]);
    KG_STOREU(p + k * pw, _mm512_shuffle_f32x4(l, h, 0x44));
  }
}
#endif

/* The rows [4 * th0 - padT, ... + rows) of input channel c, zero-padded,
 * as four phases: ph[(r * 4 + k) * pw + i] = x[row r][4 i + k - padL].
 * Only positions inside x are written: the rest stay the zeros the task
 * started with, the same for every channel. */
static void KG_NAME(wnSplit)(const KG_NAME(wnJob) * j, const float *xc,
                             int64_t row0, int64_t rows, float *ph) {
  int64_t q0 = j->padL, q1 = j->padL + j->W;
  if (q1 > 4 * j->pw)
    q1 = 4 * j->pw;
#if KG_W == 16
  /* The runs' masks, the same for every row: computed per row they took
   * a third of the copy's time (96 channels on 40 x 40). */
  uint32_t bits[4 * KG_WN_SPLIT_RUNS];
  const int64_t first = q0 & ~(int64_t)3;
  const int64_t runs = (q1 - first + 63) / 64;
  if (j->sxw == 1 && runs <= KG_WN_SPLIT_RUNS)
    for (int64_t k = 0; k < runs; ++k)
      KG_NAME(wnSplitMasks)(q0 - first - 64 * k, q1 - first - 64 * k,
                            bits + 4 * k);
#endif
  for (int64_t r = 0; r < rows; ++r) {
    int64_t h = row0 + r;
    if (h < 0 || h >= j->H)
      continue;
    const float *xr = xc + h * j->sxh - j->padL * j->sxw;
    float *pr = ph + r * 4 * j->pw;
    if (j->sxw == 1) {
#if KG_W == 16
      /* Runs of 64 columns from a multiple of 4: four vectors in, one
       * vector of each phase out (zeros outside the row, as the copy
       * has them). */
      if (runs <= KG_WN_SPLIT_RUNS) {
        for (int64_t k = 0; k < runs; ++k)
          KG_NAME(wnSplit64)(xr + first + 64 * k, pr + (first >> 2) + 16 * k,
                             j->pw, bits + 4 * k);
        continue;
      }
      for (int64_t q = first; q < q1; q += 64) {
        uint32_t some[4];
        KG_NAME(wnSplitMasks)(q0 - q, q1 - q, some);
        KG_NAME(wnSplit64)(xr + q, pr + (q >> 2), j->pw, some);
      }
#else
      for (int64_t q = q0; q < q1; ++q)
        pr[(q & 3) * j->pw + (q >> 2)] = xr[q];
#endif
    } else {
      for (int64_t q = q0; q < q1; ++q)
        pr[(q & 3) * j->pw + (q >> 2)] = xr[q * j->sxw];
    }
  }
}

/* Floats between V's points: a block's plane plus two lines, so that the
 * 36 points of a column are not all in one set of L1. */
static inline int64_t KG_NAME(wnPlane)(const KG_NAME(wnJob) * j) {
  return j->C * j->ldv + 32;
}

/* V[xi][c][r * TW + lanes] for the tile rows r < rb of the block, from the
 * phase copy of channel c, up to column `cols`. Rows go in order, each a
 * whole number of vectors: the lanes past a row's last tile are
 * overwritten by the next row's first tiles. */
static void KG_NAME(wnTransformInput)(const KG_NAME(wnJob) * j,
                                      const float *ph, int64_t rb,
                                      int64_t cols, float *v) {
  const int64_t pw = j->pw, plane = KG_NAME(wnPlane)(j);
  for (int64_t r = 0; r < rb; ++r) {
    /* The last row's vectors reach the GEMM's last column (their lanes
     * past the image read the phase copy's zeros). */
    int64_t end = r + 1 < rb ? r * j->rp + j->TW : cols;
    for (int64_t jv = 0; r * j->rp + jv * KG_W < end; ++jv) {
      kg_vec t[6][6];
#pragma GCC unroll 6
      for (int a = 0; a < 6; ++a) {
        const float *row = ph + (4 * r + a) * 4 * pw + jv * KG_W;
        kg_vec d[6];
#pragma GCC unroll 6
        for (int b = 0; b < 6; ++b)
          d[b] = KG_LOADU(row + (b & 3) * pw + (b >> 2));
        KG_NAME(wnInput6)(d, t[a]);
      }
      float *dst = v + r * j->rp + jv * KG_W;
      /* A vector past the end of V's row (the last row's last one, or a
       * row of few tiles past the block's columns) is stored in part: the
       * next channel's row may be another task's. */
      const int64_t room = j->ldv - (r * j->rp + jv * KG_W);
#pragma GCC unroll 6
      for (int b = 0; b < 6; ++b) {
        kg_vec col[6], out[6];
#pragma GCC unroll 6
        for (int a = 0; a < 6; ++a)
          col[a] = t[a][b];
        KG_NAME(wnInput6)(col, out);
        if (room >= KG_W) {
#pragma GCC unroll 6
          for (int a = 0; a < 6; ++a)
            KG_STOREU(dst + (a * 6 + b) * plane, out[a]);
        } else {
          for (int a = 0; a < 6; ++a)
            kg_storen(dst + (a * 6 + b) * plane, out[a], room);
        }
      }
    }
  }
}

/* M[0:mr, 0:nv vectors] = U^T V over C steps: u holds mr (<= KG_MR)
 * weights per step (a row of a panel: stride KG_WN_PANEL), v nv vectors of
 * tiles per step (stride ldv). With `ahead`, the weights' stream is
 * fetched into L2 KG_WN_AHEAD steps ahead (the first tile of a point
 * reads them from memory: a layer's U is MBs). Inlined per (mr, nv). */
static inline __attribute__((always_inline)) void
KG_NAME(wnTile)(int64_t C, const float *restrict u,
                const float *restrict v, int64_t ldv, float *m, int ahead,
                const int mr, const int nv) {
  kg_vec acc[KG_MR][2];
#pragma GCC unroll 12
  for (int i = 0; i < mr; ++i)
#pragma GCC unroll 2
    for (int n = 0; n < nv; ++n)
      acc[i][n] = KG_SET1(0.0f);
  for (int64_t c = 0; c < C; ++c, u += KG_WN_PANEL, v += ldv) {
    if (ahead)
      _mm_prefetch((const char *)(u + KG_WN_AHEAD * KG_WN_PANEL),
                   _MM_HINT_T1);
    kg_vec b[2];
#pragma GCC unroll 2
    for (int n = 0; n < nv; ++n)
      b[n] = KG_LOADU(v + n * KG_W);
#pragma GCC unroll 12
    for (int i = 0; i < mr; ++i) {
      kg_vec a = KG_BCAST(u + i);
#pragma GCC unroll 2
      for (int n = 0; n < nv; ++n)
        acc[i][n] = KG_FMA(a, b[n], acc[i][n]);
    }
  }
#pragma GCC unroll 12
  for (int i = 0; i < mr; ++i)
#pragma GCC unroll 2
    for (int n = 0; n < nv; ++n)
      KG_STOREU(m + i * ldv + n * KG_W, acc[i][n]);
}

/* M for `rows` filters of a panel (the first KG_MR of them) over `cols`
 * columns: tiles of 2 vectors, then 1; of 4 or 8 rows where fewer filters
 * are left, so a layer of 64 filters does not compute 72. The first tile
 * fetches the weights ahead when `ahead` (the panel's first rows). */
static void KG_NAME(wnPanelRows)(int64_t C, const float *u, const float *v,
                                 int64_t ldv, float *m, int64_t rows,
                                 int64_t cols, int ahead) {
#define KG_WN_COLS(mr)                                                         \
  do {                                                                         \
    int64_t col = 0;                                                           \
    for (; col + 2 * KG_W <= cols; col += 2 * KG_W)                           \
      KG_NAME(wnTile)(C, u, v + col, ldv, m + col, ahead && col == 0, mr, 2);  \
    for (; col < cols; col += KG_W)                                            \
      KG_NAME(wnTile)(C, u, v + col, ldv, m + col, ahead && col == 0, mr, 1);  \
  } while (0)
  if (rows <= 4)
    KG_WN_COLS(4);
#if KG_MR > 8
  else if (rows <= 8)
    KG_WN_COLS(8);
#endif
  else
    KG_WN_COLS(KG_MR);
#undef KG_WN_COLS
}

#if KG_W == 16
/* The 64 floats z[4 l + b] = o[b][l] of four vectors o[0..3] (lane l: tile
 * l of a row, b its column): one output row of 16 tiles. */
static inline __attribute__((always_inline)) void
KG_NAME(wnInterleave4)(const kg_vec *o, kg_vec *z) {
  kg_vec t0 = _mm512_unpacklo_ps(o[0], o[1]), t1 = _mm512_unpackhi_ps(o[0], o[1]);
  kg_vec t2 = _mm512_unpacklo_ps(o[2], o[3]), t3 = _mm512_unpackhi_ps(o[2], o[3]);
  /* u[k]: tiles k, k + 4, k + 8, k + 12, one per 128-bit group. */
  kg_vec u0 = _mm512_shuffle_ps(t0, t2, 0x44), u1 = _mm512_shuffle_ps(t0, t2, 0xEE);
  kg_vec u2 = _mm512_shuffle_ps(t1, t3, 0x44), u3 = _mm512_shuffle_ps(t1, t3, 0xEE);
  kg_vec v0 = _mm512_shuffle_f32x4(u0, u1, 0x44), v1 = _mm512_shuffle_f32x4(u2, u3, 0x44);
  kg_vec v2 = _mm512_shuffle_f32x4(u0, u1, 0xEE), v3 = _mm512_shuffle_f32x4(u2, u3, 0xEE);
  z[0] = _mm512_shuffle_f32x4(v0, v1, 0x88);
  z[1] = _mm512_shuffle_f32x4(v0, v1, 0xDD);
  z[2] = _mm512_shuffle_f32x4(v2, v3, 0x88);
  z[3] = _mm512_shuffle_f32x4(v2, v3, 0xDD);
}
#endif

/* The output tiles of filter f (row fl of the panel's products m) for the
 * block's rb tile rows from tile row th0: transformed, the bias added (or
 * y accumulated into without one), written into y, then the epilogue. With
 * AVX-512 and contiguous rows, each output row of a vector of tiles is
 * interleaved in registers and stored as runs with the epilogue applied;
 * otherwise a float at a time, the epilogue after. */
static void KG_NAME(wnTransformOutput)(const KG_NAME(wnJob) * j,
                                       const float *m, int64_t fl,
                                       int64_t f, float *yf, int64_t th0,
                                       int64_t rb) {
  const int64_t mplane = KG_WN_PANEL * j->ldv;
  const kg_vec bias = KG_SET1(j->b ? j->b[f * j->sb] : 0.0f);
  const int runs = KG_W == 16 && j->syw == 1;
  float out[16][KG_W] __attribute__((aligned(64)));
  for (int64_t r = 0; r < rb; ++r)
    for (int64_t jv = 0; jv < j->nvr; ++jv) {
      const float *src = m + fl * j->ldv + r * j->rp + jv * KG_W;
      kg_vec t[6][4], o[4][4];
#pragma GCC unroll 6
      for (int a = 0; a < 6; ++a) {
        kg_vec row[6];
#pragma GCC unroll 6
        for (int b = 0; b < 6; ++b)
          row[b] = KG_LOADU(src + (a * 6 + b) * mplane);
        KG_NAME(wnOutput6)(row, t[a]);
      }
#pragma GCC unroll 4
      for (int b = 0; b < 4; ++b) {
        kg_vec col[6], ob[4];
#pragma GCC unroll 6
        for (int a = 0; a < 6; ++a)
          col[a] = t[a][b];
        KG_NAME(wnOutput6)(col, ob);
#pragma GCC unroll 4
        for (int a = 0; a < 4; ++a)
          o[a][b] = ob[a] + bias;
      }
      int64_t lanes = j->TW - jv * KG_W;
      if (lanes > KG_W)
        lanes = KG_W;
      int64_t oh0 = 4 * (th0 + r);
      int64_t rows = j->OH - oh0 < 4 ? j->OH - oh0 : 4;
#if KG_W == 16
      if (runs) {
        int64_t ow0 = 4 * KG_W * jv, width = j->OW - ow0;
        if (width > 4 * KG_W)
          width = 4 * KG_W;
        for (int64_t a = 0; a < rows; ++a) {
          kg_vec z[4];
          KG_NAME(wnInterleave4)(o[a], z);
          float *dst = yf + (oh0 + a) * j->syh + ow0;
#pragma GCC unroll 4
          for (int q = 0; q < 4; ++q) {
            int64_t n = width - 16 * q;
            if (n <= 0)
              break;
            if (n > 16)
              n = 16;
            kg_vec v = z[q];
            if (!j->b)
              v += n == 16 ? KG_LOADU(dst + 16 * q) : kg_loadn(dst + 16 * q, n);
            if (j->e)
              v = KG_NAME(epiVec)(j->e, v, dst + 16 * q, n);
            if (n == 16)
              KG_STOREU(dst + 16 * q, v);
            else
              kg_storen(dst + 16 * q, v, n);
          }
        }
        continue;
      }
#endif
#pragma GCC unroll 4
      for (int a = 0; a < 4; ++a)
#pragma GCC unroll 4
        for (int b = 0; b < 4; ++b)
          KG_STOREU(out[a * 4 + b], o[a][b]);
      for (int64_t l = 0; l < lanes; ++l) {
        int64_t ow0 = 4 * (jv * KG_W + l);
        int64_t cols = j->OW - ow0 < 4 ? j->OW - ow0 : 4;
        for (int64_t a = 0; a < rows; ++a) {
          float *dst = yf + (oh0 + a) * j->syh + ow0 * j->syw;
          if (j->b)
            for (int64_t b = 0; b < cols; ++b)
              dst[b * j->syw] = out[a * 4 + b][l];
          else
            for (int64_t b = 0; b < cols; ++b)
              dst[b * j->syw] += out[a * 4 + b][l];
        }
      }
    }
  if (runs)
    return;
  int64_t oh0 = 4 * th0, oh1 = 4 * (th0 + rb);
  if (oh1 > j->OH)
    oh1 = j->OH;
  KG_NAME(finish)(j->e, yf + oh0 * j->syh, j->syh, j->syw, oh1 - oh0, j->OW);
}

/* Lanes the GEMM computes for a block of rb tile rows: its columns of V in
 * whole vectors. */
static inline int64_t KG_NAME(wnLanes)(const KG_NAME(wnJob) * j,
                                       int64_t rb) {
  return ((rb - 1) * j->rp + j->TW + KG_W - 1) / KG_W * KG_W;
}

/* The first tile row of block b of the tile rows cut in blocks of at most
 * kr: near-equal blocks (even) or blocks of kr and the rest last. */
static inline int64_t KG_NAME(wnBlockStart)(const KG_NAME(wnJob) * j,
                                            int64_t kr, int even,
                                            int64_t b) {
  int64_t blocks = (j->TH + kr - 1) / kr;
  if (even)
    return b * j->TH / blocks;
  return b * kr < j->TH ? b * kr : j->TH;
}

/* Lanes of all the blocks of at most kr tile rows. */
static inline int64_t KG_NAME(wnSplitLanes)(const KG_NAME(wnJob) * j,
                                            int64_t kr, int even) {
  int64_t lanes = 0;
  for (int64_t b = 0, blocks = (j->TH + kr - 1) / kr; b < blocks; ++b)
    lanes += KG_NAME(wnLanes)(j, KG_NAME(wnBlockStart)(j, kr, even, b + 1) -
                                     KG_NAME(wnBlockStart)(j, kr, even, b));
  return lanes;
}

/* The block's tile rows: from th0, rb of them; its columns of V in whole
 * vectors (the GEMM computes them all). */
static inline void KG_NAME(wnBlockRows)(const KG_NAME(wnJob) * j,
                                        int64_t block, int64_t *th0,
                                        int64_t *rb, int64_t *cols) {
  *th0 = KG_NAME(wnBlockStart)(j, j->kr, j->even, block);
  *rb = KG_NAME(wnBlockStart)(j, j->kr, j->even, block + 1) - *th0;
  *cols = KG_NAME(wnLanes)(j, *rb);
}

/* Floats of a phase copy (see wnSplit), rounded up to a cache line: V
 * follows it in a task's scratch, and V's vectors split across two lines
 * each when the copy's odd row length left it unaligned (64 channels on
 * 56 x 56: 3.0 ms against 2.5 for four layers). */
static inline int64_t KG_NAME(wnPhaseFloats)(const KG_NAME(wnJob) * j) {
  return ((4 * j->kr + 2) * 4 * j->pw + 15) / 16 * 16;
}

/* V for channels [c0, c1) of image n's block, through the phase copy ph
 * (zeroed here: wnSplit writes only positions inside x). */
static void KG_NAME(wnInputChannels)(const KG_NAME(wnJob) * j, int64_t n,
                                     int64_t block, int64_t c0, int64_t c1,
                                     float *ph, float *v) {
  int64_t th0, rb, cols;
  KG_NAME(wnBlockRows)(j, block, &th0, &rb, &cols);
  memset(ph, 0, KG_NAME(wnPhaseFloats)(j) * sizeof(float));
  const float *xn = j->x + n * j->sxn;
  for (int64_t c = c0; c < c1; ++c) {
    KG_NAME(wnSplit)(j, xn + c * j->sxc, 4 * th0 - j->padT, 4 * rb + 2, ph);
    KG_NAME(wnTransformInput)(j, ph, rb, cols, v + c * j->ldv);
  }
}

/* Filter panels [p0, p1) of image n's block from its V: the 36 products
 * per panel into m, then the output transform. */
static void KG_NAME(wnPanels)(const KG_NAME(wnJob) * j, int64_t n,
                              int64_t block, int64_t p0, int64_t p1,
                              const float *v, float *m) {
  int64_t th0, rb, cols;
  KG_NAME(wnBlockRows)(j, block, &th0, &rb, &cols);
  float *yn = j->y + n * j->syn;
  for (int64_t pnl = p0; pnl < p1; ++pnl) {
    int64_t f0 = pnl * KG_WN_PANEL;
    int64_t nf = j->F - f0 < KG_WN_PANEL ? j->F - f0 : KG_WN_PANEL;
    for (int64_t xi = 0; xi < KG_WN_POINTS; ++xi) {
      const float *u = j->u + (pnl * KG_WN_POINTS + xi) * j->C * KG_WN_PANEL;
      const float *vx = v + xi * KG_NAME(wnPlane)(j);
      float *mx = m + xi * KG_WN_PANEL * j->ldv;
      for (int64_t i0 = 0; i0 < nf; i0 += KG_MR)
        KG_NAME(wnPanelRows)(j->C, u + i0, vx, j->ldv, mx + i0 * j->ldv,
                             nf - i0, cols, i0 == 0);
    }
    for (int64_t fl = 0; fl < nf; ++fl)
      KG_NAME(wnTransformOutput)(j, m, fl, f0 + fl,
                                 yn + (f0 + fl) * j->syf, th0, rb);
  }
}

/* Floats of the products of one panel (M), and a vector the output
 * transform reads past the last row (lanes past the block's tiles, which
 * it drops). */
static inline int64_t KG_NAME(wnProductFloats)(const KG_NAME(wnJob) * j) {
  return KG_WN_POINTS * KG_WN_PANEL * j->ldv + KG_W;
}

/* Filter panels [p0, p1) of unit (image, block) = (unit / blocks, unit %
 * blocks), its input transformed into v unless v holds it (*have). */
static void KG_NAME(wnUnitPanels)(const KG_NAME(wnJob) * j, int64_t unit,
                                  int64_t p0, int64_t p1, int64_t *have,
                                  float *ph, float *v, float *m) {
  if (unit != *have) {
    KG_NAME(wnInputChannels)(j, unit / j->blocks, unit % j->blocks, 0, j->C,
                             ph, v);
    *have = unit;
  }
  KG_NAME(wnPanels)(j, unit / j->blocks, unit % j->blocks, p0, p1, v, m);
}

/* The time of a unit (image, block) in multiply-adds of its products over
 * a lane: its input transform and, per filter, its products and output
 * transform. The input transform takes as long as ~36 multiply-adds a
 * lane and channel, the output one ~3 a lane and filter (96 channels on
 * 40 x 40, a block of 3 tile rows in 32 lanes: input 56 us, products and
 * output 148). */
static inline void KG_NAME(wnUnitWork)(const KG_NAME(wnJob) * j,
                                       int64_t unit, int64_t *input,
                                       int64_t *perFilter) {
  int64_t th0, rb, lanes;
  KG_NAME(wnBlockRows)(j, unit % j->blocks, &th0, &rb, &lanes);
  *input = 36 * lanes * j->C;
  *perFilter = lanes * (j->C + 3);
}

static inline int64_t KG_NAME(wnUnitTotal)(const KG_NAME(wnJob) * j,
                                           int64_t unit) {
  int64_t input, perFilter;
  KG_NAME(wnUnitWork)(j, unit, &input, &perFilter);
  return input + j->F * perFilter;
}

/* Cut c of `cuts` near-equal runs of work over the units and their filter
 * panels in order: from unit *unit's panel *panel on, the panel boundary
 * nearest the cut's share of the work (cut `cuts` is (units, 0)). */
static void KG_NAME(wnCut)(const KG_NAME(wnJob) * j, int64_t c,
                           int64_t *unit, int64_t *panel) {
  const int64_t units = j->N * j->blocks;
  int64_t total = 0;
  for (int64_t u = 0; u < units; ++u)
    total += KG_NAME(wnUnitTotal)(j, u);
  const int64_t target = total * c / j->cuts;
  int64_t done = 0;
  for (int64_t u = 0; u < units; ++u) {
    int64_t input, perFilter;
    KG_NAME(wnUnitWork)(j, u, &input, &perFilter);
    if (done + input + j->F * perFilter > target) {
      /* Filters before the cut, to the nearest panel boundary (the last
       * panel may be short). Both tasks transform the unit's input: for
       * equal shares, half of it is counted on each side of the cut. */
      const int64_t rest = target - done - input / 2;
      const int64_t f = rest > 0 ? rest / perFilter : 0;
      int64_t p = f / KG_WN_PANEL;
      const int64_t hi =
          (p + 1) * KG_WN_PANEL < j->F ? (p + 1) * KG_WN_PANEL : j->F;
      if (2 * f > p * KG_WN_PANEL + hi)
        ++p;
      *unit = p >= j->panels ? u + 1 : u;
      *panel = p >= j->panels ? 0 : p;
      return;
    }
    done += input + j->F * perFilter;
  }
  *unit = units;
  *panel = 0;
}

/* The panels [*pa, *pb) of unit `unit` in a task of cuts `cut` (see
 * wnTaskCuts; its first and last unit in part); whether there are any. */
static int KG_NAME(wnCutPanels)(const KG_NAME(wnJob) * j, const int64_t *cut,
                                int64_t unit, int64_t *pa, int64_t *pb) {
  *pa = unit == cut[0] ? cut[1] : 0;
  *pb = unit == cut[2] ? cut[3] : j->panels;
  return unit < j->N * j->blocks && *pa < *pb;
}

/* Task t's cuts: unit and panel it starts at, unit and panel it ends at. */
static void KG_NAME(wnTaskCuts)(const KG_NAME(wnJob) * j, int64_t t,
                                int64_t *cut) {
  KG_NAME(wnCut)(j, t, &cut[0], &cut[1]);
  KG_NAME(wnCut)(j, t + 1, &cut[2], &cut[3]);
}

/* The work of task t of cuts: each unit's input transform and filters in
 * it. */
static int64_t KG_NAME(wnCutWork)(const KG_NAME(wnJob) * j, int64_t t) {
  int64_t cut[4], pa, pb, work = 0;
  KG_NAME(wnTaskCuts)(j, t, cut);
  for (int64_t unit = cut[0]; unit <= cut[2]; ++unit) {
    if (!KG_NAME(wnCutPanels)(j, cut, unit, &pa, &pb))
      continue;
    int64_t input, perFilter;
    KG_NAME(wnUnitWork)(j, unit, &input, &perFilter);
    const int64_t f1 = pb * KG_WN_PANEL < j->F ? pb * KG_WN_PANEL : j->F;
    work += input + (f1 - pa * KG_WN_PANEL) * perFilter;
  }
  return work;
}

/* Task t: image n, block of tile rows, run of filter panels; each task
 * transforms its block's input into its own V. With cuts, task t runs the
 * units from cut t to cut t + 1 (see wnCut). */
static void KG_NAME(wnTasks)(void *p, int64_t begin, int64_t end) {
  const KG_NAME(wnJob) *j = (const KG_NAME(wnJob) *)p;
  const int64_t chunks = j->chunks;
  const int64_t phFloats = KG_NAME(wnPhaseFloats)(j);
  const int64_t vFloats = KG_WN_POINTS * KG_NAME(wnPlane)(j);
  float *scratch =
      KG_NAME(getScratch)(phFloats + vFloats + KG_NAME(wnProductFloats)(j));
  if (!scratch)
    KG_OUT_OF_MEMORY(KG_NAME(scratchRequest)); /* the transformed blocks */
  float *ph = scratch, *v = scratch + phFloats, *m = v + vFloats;
  /* The block whose transformed input V holds: a run of tasks gets the
   * chunks of filter panels of a block in a row (all of them on one
   * thread), and transforms its input once (each chunk transformed it
   * again: a third of a 14 x 14 layer's time in four chunks). */
  int64_t have = -1;
  for (int64_t t = begin; t < end; ++t) {
    if (!j->cuts) {
      const int64_t unit = t / chunks, chunk = t % chunks;
      KG_NAME(wnUnitPanels)(j, unit, chunk * j->panels / chunks,
                            (chunk + 1) * j->panels / chunks, &have, ph, v,
                            m);
      continue;
    }
    int64_t cut[4], pa, pb;
    KG_NAME(wnTaskCuts)(j, t, cut);
    for (int64_t unit = cut[0]; unit <= cut[2]; ++unit)
      if (KG_NAME(wnCutPanels)(j, cut, unit, &pa, &pb))
        KG_NAME(wnUnitPanels)(j, unit, pa, pb, &have, ph, v, m);
  }
}

/* One block shared by its tasks (see kiln_swino3x3): V in `shared`, the
 * block being (n, block). */
typedef struct {
  const KG_NAME(wnJob) * j;
  int64_t n, block;
  float *v;
} KG_NAME(wnShared);

/* Tasks [begin, end) of channels (one each) transforming the shared V. */
static void KG_NAME(wnSharedInput)(void *p, int64_t begin, int64_t end) {
  const KG_NAME(wnShared) *s = (const KG_NAME(wnShared) *)p;
  float *ph = KG_NAME(getScratch)(KG_NAME(wnPhaseFloats)(s->j));
  if (!ph)
    KG_OUT_OF_MEMORY(KG_NAME(scratchRequest));
  KG_NAME(wnInputChannels)(s->j, s->n, s->block, begin, end, ph, s->v);
}

/* Tasks [begin, end) of filter chunks reading the shared V. */
static void KG_NAME(wnSharedPanels)(void *p, int64_t begin, int64_t end) {
  const KG_NAME(wnShared) *s = (const KG_NAME(wnShared) *)p;
  const KG_NAME(wnJob) *j = s->j;
  float *m = KG_NAME(getScratch)(KG_NAME(wnProductFloats)(j));
  if (!m)
    KG_OUT_OF_MEMORY(KG_NAME(scratchRequest));
  KG_NAME(wnPanels)(j, s->n, s->block, begin * j->panels / j->chunks,
                    end * j->panels / j->chunks, s->v, m);
}

/* A stride-1, undilated 3x3 convolution of one group (kiln-conv-ukernel):
 * x [N, C, H, W] unpadded (padT rows and padL columns of zeros before it,
 * as many after as OH and OW need), u its weights [F, C, 3, 3] transformed
 * ([P, 36, C, 12], see above), y [N, F, OH, OW] computed from the bias b [F]
 * (b = 0: accumulated into y), then the epilogue; every buffer with its
 * element strides. */
KG_HIDDEN void KG_NAME(kiln_swino3x3)(
    int64_t N, int64_t F, int64_t C, int64_t H, int64_t W, int64_t OH,
    int64_t OW, int64_t padT, int64_t padL, intptr_t x, int64_t sxn,
    int64_t sxc, int64_t sxh, int64_t sxw, intptr_t u, intptr_t wf,
    int64_t swf, int64_t swk, intptr_t b, int64_t sb, intptr_t y,
    int64_t syn, int64_t syf, int64_t syh, int64_t syw, int64_t act,
    int64_t alpha, int64_t beta, intptr_t res) {
  if (N <= 0 || F <= 0 || OH <= 0 || OW <= 0)
    return;
  /* Sizes known only now (wf: the weights as the direct convolution takes
   * them): layers Winograd does not pay for (kiln_winograd_pays) go the
   * direct way, when y's rows are contiguous as it writes them. */
  if (wf && !kiln_winograd_pays(OH, OW, C, F) && syw == 1 && syh == OW) {
    KG_NAME(kiln_sconv2d)(N, 1, F, C, H, W, OH, OW, 3, 3, 1, 1, 1, 1, padT,
                          padL, x, sxn, 0, sxc, sxh, sxw, wf, 0, swf, swk, b,
                          0, sb, y, syn, 0, syf, act, alpha, beta, res);
    return;
  }
  KG_NAME(epi) e;
  KG_NAME(wnJob) j = {N, F, C, H, W, OH, OW, padT, padL, (const float *)x,
                      sxn, sxc, sxh, sxw, (const float *)u, (const float *)b,
                      sb, (float *)y, syn, syf, syh, syw, NULL};
  j.e = KG_NAME(makeEpi)(&e, act, alpha, beta, res, y);
  if (C <= 0) {
    /* No input channels: the bias alone. */
    for (int64_t n = 0; n < N; ++n)
      for (int64_t f = 0; f < F; ++f) {
        float *yf = j.y + n * syn + f * syf;
        for (int64_t oh = 0; oh < OH; ++oh)
          for (int64_t ow = 0; ow < OW; ++ow)
            if (j.b)
              yf[oh * syh + ow * syw] = j.b[f * sb];
        KG_NAME(finish)(j.e, yf, syh, syw, OH, OW);
      }
    return;
  }
  j.TH = (OH + 3) / 4;
  j.TW = (OW + 3) / 4;
  j.nvr = (j.TW + KG_W - 1) / KG_W;
  /* Tile rows start at whole vectors when that costs at most an eighth of
   * the lanes (14 tiles: 16): the input transform's stores are then whole
   * lines, not two halves (64 ch on 56 x 56: 0.86-0.88 ms against
   * 0.87-0.90). */
  j.rp = 8 * (j.nvr * KG_W - j.TW) <= j.nvr * KG_W ? j.nvr * KG_W : j.TW;
  /* A vector past the row's tiles (the last row of a block may compute
   * it) and the one column its last tap reads, rounded up to a vector:
   * four of the input transform's six loads per row are then aligned
   * (1-2% of a 40 x 40 or 56 x 56 layer). */
  j.pw = (j.nvr + 2) * KG_W;
  j.panels = (F + KG_WN_PANEL - 1) / KG_WN_PANEL;
  /* Tile rows per block: at most as many as keep V near KG_WN_V_FLOATS,
   * and of those (down to half) the count whose tiles fill their vectors
   * best (7 rows of 7 tiles: 49 of 64 lanes; 9 rows: 63). */
  int64_t perRow = KG_WN_POINTS * C * j.TW;
  int64_t most = KG_WN_V_FLOATS / perRow;
  /* At least a vector of tiles, whatever V takes: half-empty vectors
   * cost as much in the GEMM as full ones. */
  if (most < (KG_W + j.TW - 1) / j.TW)
    most = (KG_W + j.TW - 1) / j.TW;
  /* Every block streams all of U: where U is larger than L2 holds beside
   * V, as few blocks as V allows at twice its budget (192 channels and
   * filters on 20 x 20: 5.3 MB of U, which blocks of 3 and 2 tile rows
   * read twice from memory; 1.4 ms in a detector, 0.8 alone). */
  const int uStreamed = (double)KG_WN_POINTS * C * F > KG_WN_U_CACHED;
  if (uStreamed && perRow * j.TH <= 2 * KG_WN_V_FLOATS)
    most = j.TH;
  if (most > j.TH)
    most = j.TH;
  /* On two threads or more, an image whose U streams is cut into a block
   * of tile rows per thread where that costs no lanes: each thread then
   * reads all of U (L3 serves two such streams) but transforms and reads
   * only its own V, where one block's filters split across the threads
   * had each read half of V from the other's cache (128 channels on
   * 28 x 28, 49 tiles in 64 lanes, three layers: 1.55 -> 1.06 ms on two
   * threads; 192 on 20 x 20 the same). On one thread U is read once.
   * Not an image of one tile row, which no cut by rows shares: as one
   * task it left the other thread idle (a CRNN's 128 -> 256 on 2 x 64:
   * 1.02x on two threads); its filters are split below. */
  int rowSplit = 0;
  const int64_t threads = kiln_num_threads();
  const int64_t perThread = (threads + N - 1) / N;
  if (uStreamed && perThread > 1 && j.TH > 1 &&
      (j.TH + most - 1) / most < perThread) {
    int64_t rows = (j.TH + perThread - 1) / perThread;
    /* Nor where the blocks would be narrower than a register tile's two
     * vectors while the whole one is not: AVX2's 16 tiles of 14 x 14 in
     * two blocks of 8 ran 6 x 1 tiles, latency-bound, each thread as long
     * as one thread on all of them (256 channels: 1.01x on two threads). */
    const int narrow = KG_NAME(wnLanes)(&j, rows) < 2 * KG_W &&
                       KG_NAME(wnLanes)(&j, most) >= 2 * KG_W;
    if (!narrow && KG_NAME(wnSplitLanes)(&j, rows, 1) <=
                       KG_NAME(wnSplitLanes)(&j, most, 0)) {
      most = rows;
      rowSplit = 1;
    }
  }
  /* Blocks enough for four tasks where rows of a vector of tiles allow
   * it: each task then transforms only its own input, where splitting a
   * block's filters repeats the transform per task (a 32-channel layer
   * on 40 x 40, one block of 10 tile rows in three filter chunks, ran
   * 1.25x on two threads). Not where U streams: its filters are split. */
  const int64_t vectorRows = (KG_W + j.TW - 1) / j.TW;
  const int64_t wantBlocks = (4 + N - 1) / N;
  if (!uStreamed && (j.TH + most - 1) / most < wantBlocks) {
    int64_t rows = (j.TH + wantBlocks - 1) / wantBlocks;
    most = rows > vectorRows ? rows : vectorRows;
    if (most > j.TH)
      most = j.TH;
  }
  j.kr = most;
  const int64_t fewestBlocks = (j.TH + most - 1) / most;
  for (int64_t kr = most, best = 0; kr >= 1 && 2 * kr >= most; --kr) {
    /* Streamed U: only heights that keep the fewest blocks. */
    if (uStreamed && (j.TH + kr - 1) / kr > fewestBlocks)
      break;
    int64_t tiles = kr * j.TW;
    /* tiles / lanes, compared as fractions over 1024. */
    int64_t fill = tiles * 1024 / KG_NAME(wnLanes)(&j, kr);
    if (fill > best)
      best = fill, j.kr = kr;
  }
  j.blocks = (j.TH + j.kr - 1) / j.kr;
  /* Near-equal blocks where they cost no more lanes than blocks of kr and
   * the rest: 14 tile rows of 16 lanes in blocks of 4, 4, 4 and 2 took
   * 2 : 2 : 2 : 1 of the time, 4 : 3 on two threads (ResNet-18's four
   * 64-channel layers on 56 x 56 each lost ~90 us); 3, 4, 3 and 4 rows
   * take as many lanes. Not 14 rows of 7 tiles in 4, 4, 4 and 2 (32, 32,
   * 32 and 16 lanes): 3, 4, 3 and 4 take 32 each. */
  j.even = KG_NAME(wnSplitLanes)(&j, j.kr, 1) <=
           KG_NAME(wnSplitLanes)(&j, j.kr, 0);
  /* Every block's columns in whole vectors (the input transform's
   * vectors past them stored in part): 96 channels on 40 x 40 in blocks
   * of 3 tile rows, 30 tiles in 32 lanes, had rows of V and M of 48
   * floats, three lines where two hold the tiles. */
  j.ldv = KG_NAME(wnLanes)(&j, j.kr);
  /* Filters split, in near-equal runs of panels, when images and blocks
   * give fewer than four tasks (the input transform is then repeated per
   * task a thread takes, except in a row: see wnTasks). */
  int64_t chunks = 1, units = N * j.blocks;
  /* Not where the blocks pair up over two threads: each core then
   * transforms and reads only its own blocks' V, where split filters
   * (below) had each core read half of V from the other's cache, and
   * chunks of a block as tasks of their own let an idle thread steal one
   * and transform the block again. 64 channels on 20 x 20 in two blocks:
   * 0.122 -> 0.077 ms on two threads (1.13x -> 1.8x over one); the
   * detector's four such layers 0.14-0.15 -> 0.10 ms each. U cached
   * only: streamed, it is read once per block. */
  if (!rowSplit && units < 4 && (uStreamed || units % 2)) {
    chunks = (4 + units - 1) / units;
    if (chunks > j.panels)
      chunks = j.panels;
  }
  j.chunks = chunks;
  int64_t tasks = units * chunks;
  const int serial = (double)N * F * C * OH * OW * 4 < KG_PARALLEL_MIN_FMAS;
  if (!serial && chunks == 1 && threads > 1 && tasks > 1 && j.panels > 1) {
    /* The pool gives thread t the tasks [t tasks / slices, (t + 1) tasks /
     * slices) (stealing only tasks not begun). Where blocks of unequal
     * lanes, or too few of them, leave a thread more than its share, the
     * work is cut in a task per thread across blocks and their filters
     * instead, a block cut between two tasks transformed by both: 96
     * channels on 40 x 40 in blocks of 3, 3, 3 and 1 tile rows (32, 32, 32
     * and 16 lanes) gave one thread 407 us and the other 300. */
    const int64_t slices = threads < tasks ? threads : tasks;
    int64_t most = 0, cutMost = 0;
    for (int64_t t = 0; t < slices; ++t) {
      int64_t work = 0;
      for (int64_t u = tasks * t / slices; u < tasks * (t + 1) / slices; ++u)
        work += KG_NAME(wnUnitTotal)(&j, u);
      most = work > most ? work : most;
    }
    j.cuts = threads;
    for (int64_t t = 0; t < threads; ++t) {
      const int64_t work = KG_NAME(wnCutWork)(&j, t);
      cutMost = work > cutMost ? work : cutMost;
    }
    /* Where the longest task is shorter by more than a sixty-fourth (64
     * channels on 40 x 40: 238 -> 230 us on two threads). */
    if (64 * cutMost < 63 * most)
      tasks = threads;
    else
      j.cuts = 0;
  }
  if (serial) {
    KG_NAME(wnTasks)(&j, 0, tasks);
  } else if (chunks == 1) {
    kiln_parallel_for(0, tasks, 1, KG_NAME(wnTasks), &j);
  } else {
    /* Few blocks, their filters split: each block's input is transformed
     * once by every thread's share of its channels, then its filter
     * chunks read that V, where each thread transformed all of it for its
     * own chunks (a fifth of a 192-channel layer on 20 x 20 on two
     * threads, done twice). */
    float *v = KG_NAME(getSharedScratch)(KG_WN_POINTS * KG_NAME(wnPlane)(&j));
    if (!v)
      KG_OUT_OF_MEMORY(KG_NAME(scratchRequest));
    for (int64_t unit = 0; unit < units; ++unit) {
      KG_NAME(wnShared) sh = {&j, unit / j.blocks, unit % j.blocks, v};
      /* Channels per task: about 16 tiles' worth of transform each. */
      kiln_parallel_for(0, C, 8, KG_NAME(wnSharedInput), &sh);
      kiln_parallel_for(0, chunks, 1, KG_NAME(wnSharedPanels), &sh);
    }
  }
}
