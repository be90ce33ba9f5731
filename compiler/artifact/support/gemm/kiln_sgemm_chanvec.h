/*===- kiln_sgemm_chanvec.h - Convolution with output channels in lanes --===*
 *
 * Included by kiln_sgemm_impl.h for AVX-512 and AVX2 (KG_W >= 8). The direct path
 * (directConv) puts pixels in the vector lanes: a row of 14 output pixels
 * reads 16 lanes of the padded input row, a 7 x 7 image 63 lanes for its
 * 49 pixels, and the dropped lanes are multiply-adds lost (13% and 23%).
 * Here the lanes hold output channels instead: a register tile is a run
 * of up to KG_CV_PIX pixels of one output row times up to KG_CV_VECS
 * vectors of channels, each step of K one broadcast input value per pixel
 * (from the same phase-plane copy as directConv) against one vector of
 * weights per channel vector. Every lane is a channel the layer has
 * (rounded up to 16), and a row of 14 is two runs of 7: 7 x 4 tiles of 28
 * accumulators, near the FMA peak on every image width.
 *
 * The weights are read transposed, in panels of KG_CV_LANES filters:
 * panel p holds filters 64p .. 64p + 63 (the last one the rest, rounded up
 * to 16 with zeros) as K rows of its width, one after the other, so a
 * block of K steps of a panel is one contiguous run (a 3x3 layer of 512
 * filters has 9.4 MB of them: read as rows of a [K, 512] matrix, each step
 * touched four lines 2 KiB apart). kiln-conv-ukernel writes a constant's
 * that way at compile time. The tile's accumulators are C^T: they are
 * transposed in 8 x 8 blocks on the way out (kiln_transpose8.h) and added
 * to (or, from a bias, stored in) C's rows with masked stores, the
 * epilogue applied to each run. Pointwise layers read their input
 * rearranged by runs of pixels (see cvConv).
 *
 *===--------------------------------------------------------------------===*/

/* Pixels and channel vectors per register tile; K steps per block (a
 * block of a panel's weights, 256 KiB, stays in L2; against 512 steps,
 * half the transposed stores of partial sums: 1.5-2.5% faster). */
#if KG_W == 16
#define KG_CV_PIX 7
#define KG_CV_VECS 4
#else
/* AVX2's 16 registers: 6 pixels x 2 vectors of 8 filters, the GEMM's
 * 6 x 16 tile turned around (12 accumulators, two vectors of weights and a
 * broadcast). Strided layers gain most: directConv's tiles of 16 output
 * pixels straddle rows of 28 + 1 phase columns, and a 3x3 stride-2 layer
 * of 64 -> 128 channels on 56 x 56 took 1.7x ONNX Runtime's time (which
 * runs it channels-blocked); 14% less this way. Unit-stride 3x3 layers
 * that Winograd does not take, 2-8% less. */
#define KG_CV_PIX 6
#define KG_CV_VECS 2
#endif
#define KG_CV_LANES (KG_W * KG_CV_VECS)
#define KG_CV_KC 1024

/* Lines of the weights block a tile will read next, fetched into L2 while
 * it computes (see cvConv): `lines` cache lines from `at` on, `per` of
 * them at each K step. */
typedef struct {
  const float *at;
  int64_t lines, per;
} KG_NAME(cvPrefetch);

/* One step of K of a register tile: the pixels' inputs at x against the
 * vectors of weights at w. */
static inline __attribute__((always_inline)) void
KG_NAME(cvStep)(kg_vec acc[KG_CV_PIX][KG_CV_VECS], const float *restrict w,
                const float *x, const int pixels, const int vecs) {
  kg_vec b[KG_CV_VECS];
#pragma GCC unroll 4
  for (int v = 0; v < vecs; ++v)
    b[v] = KG_LOADU(w + KG_W * v);
#pragma GCC unroll 8
  for (int i = 0; i < pixels; ++i) {
    kg_vec a = KG_BCAST(x + i);
#pragma GCC unroll 4
    for (int v = 0; v < vecs; ++v)
      acc[i][v] = KG_FMA(a, b[v], acc[i][v]);
  }
}

/* One register tile: C[0:mr, 0:np] (+)= W^T X over kc steps, with
 * `pixels` = np pixels whose step-k inputs are at src + kOff[k] + i and
 * `vecs` vectors of weights at w + k * ldw. From `start` (16 * vecs
 * floats, C not read) or added to C, then the epilogue e (NULL: none).
 * Inlined per (pixels, vecs). */
static inline __attribute__((always_inline)) void
KG_NAME(cvRows)(int64_t kc, const float *src, const int64_t *restrict kOff,
                const float *restrict w, int64_t ldw, float *c, int64_t scm,
                int64_t mr, const float *start, const KG_NAME(epi) *e,
                const KG_NAME(cvPrefetch) *pf, const int pixels,
                const int vecs) {
  kg_vec acc[KG_CV_PIX][KG_CV_VECS];
#pragma GCC unroll 8
  for (int i = 0; i < pixels; ++i)
#pragma GCC unroll 4
    for (int v = 0; v < vecs; ++v)
      acc[i][v] = start ? KG_LOADU(start + KG_W * v) : KG_SET1(0);
  int64_t k = 0;
  if (pf) {
    /* The steps that fetch lines in a loop of their own: the checks were
     * a sixth of the loop's instructions on every step. */
    const int64_t per = pf->per, steps = (pf->lines + per - 1) / per;
    const char *at = (const char *)pf->at;
    for (; k < kc && k < steps; ++k, w += ldw) {
      for (int64_t j = 0; j < per; ++j)
        _mm_prefetch(at + 64 * (k * per + j), _MM_HINT_T1);
      KG_NAME(cvStep)(acc, w, src + kOff[k], pixels, vecs);
    }
  }
#pragma GCC unroll 2
  for (; k < kc; ++k, w += ldw)
    KG_NAME(cvStep)(acc, w, src + kOff[k], pixels, vecs);
#pragma GCC unroll 4
  for (int v = 0; v < vecs; ++v)
#pragma GCC unroll 2
    for (int h = 0; h < KG_W / 8; ++h) {
      int64_t m = KG_W * v + 8 * h;
      if (m >= mr)
        break;
      __m256 r[8];
#pragma GCC unroll 8
      for (int i = 0; i < 8; ++i)
        r[i] = i >= pixels ? _mm256_setzero_ps()
                           : KG_NAME(lanes8)(acc[i][v], h);
      KG_NAME(storeT8)(r, c + m * scm, scm, pixels, mr - m, start == NULL, e);
    }
}

static void KG_NAME(cvTile)(int64_t kc, const float *src, const int64_t *kOff,
                            const float *w, int64_t ldw, float *c,
                            int64_t scm, int64_t np, int64_t mr,
                            const float *start, const KG_NAME(epi) *e,
                            const KG_NAME(cvPrefetch) *pf) {
  const int64_t vecs = (mr + KG_W - 1) / KG_W;
#define KG_CV_CASE(p, v)                                                       \
  case (p - 1) * KG_CV_VECS + v - 1:                                           \
    KG_NAME(cvRows)(kc, src, kOff, w, ldw, c, scm, mr, start, e, pf, p, v);    \
    return;
#if KG_CV_VECS == 4
#define KG_CV_CASES(p)                                                         \
  KG_CV_CASE(p, 1) KG_CV_CASE(p, 2) KG_CV_CASE(p, 3) KG_CV_CASE(p, 4)
#else
#define KG_CV_CASES(p) KG_CV_CASE(p, 1) KG_CV_CASE(p, 2)
#endif
  switch ((np - 1) * KG_CV_VECS + vecs - 1) {
    KG_CV_CASES(1)
    KG_CV_CASES(2)
    KG_CV_CASES(3)
    KG_CV_CASES(4)
    KG_CV_CASES(5)
    KG_CV_CASES(6)
#if KG_CV_PIX == 7
    KG_CV_CASES(7)
#endif
  default:
    return;
  }
#undef KG_CV_CASES
#undef KG_CV_CASE
}

/* The task's pixels pBase .. pBase + N as register-tile runs: per output
 * row oh (ohA .. ohB), its part in the task in runs of at most KG_CV_PIX
 * pixels of near-equal length (13: 7 and 6). Run i starts at pixel
 * runs[i].ow of row runs[i].oh and has runs[i].np pixels. */
typedef struct {
  int64_t oh, ow, np;
} KG_NAME(cvRun);

static int64_t KG_NAME(cvRuns)(int64_t ohA, int64_t ohB, int64_t OW,
                               int64_t p0, int64_t N, KG_NAME(cvRun) *runs) {
  int64_t count = 0;
  for (int64_t oh = ohA; oh <= ohB; ++oh) {
    int64_t lo = oh * OW < p0 ? p0 - oh * OW : 0;
    int64_t hi = (oh + 1) * OW > p0 + N ? p0 + N - oh * OW : OW;
    int64_t n = (hi - lo + KG_CV_PIX - 1) / KG_CV_PIX;
    for (int64_t r = 0, ow = lo; r < n; ++r) {
      int64_t np = (hi - ow + (n - r) - 1) / (n - r);
      runs[count++] = (KG_NAME(cvRun)){oh, ow, np};
      ow += np;
    }
  }
  return count;
}

/* The block of g's transposed weights for filters m0 on (of this call's,
 * which start at panel g->aTm0, a multiple of KG_CV_LANES, Mp filters in
 * all) and steps k0 on: its first float, and in *width the filters of its
 * panel (mStep, or fewer in the last). */
static inline const float *KG_NAME(cvBlock)(const KG_NAME(convB) *g,
                                            int64_t Mp, int64_t K,
                                            int64_t mStep, int64_t m0,
                                            int64_t k0, int64_t *width) {
  const int64_t first = g->aTm0 + m0;
  *width = Mp - first < mStep ? Mp - first : mStep;
  /* A part of the channels: the panels hold all kAll of them. */
  if (g->kAll)
    return g->aT + first * g->kAll + (g->kBase + k0) * *width;
  return g->aT + first * K + k0 * *width;
}

/* Whether the pointwise layer g reads its input straight from x (1x1,
 * unit strides, no padding, contiguous rows): cvConv then makes no
 * phase-plane copy, and its channels can be split as a GEMM's K. */
static inline int KG_NAME(cvFromX)(const KG_NAME(convB) *g) {
  return g->KH == 1 && g->KW == 1 && g->sh == 1 && g->sw == 1 &&
         g->padT == 0 && g->padL == 0 && g->sxw == 1;
}

/* C[0:M, pixels pBase .. pBase + N) (+)= A * B of the convolution g with A
 * transposed in panels (g->aT), a bias as in one() and the epilogue e.
 * Returns 0 when out of memory.
 *
 * Each step of K reads a tap's pixels from the phase-plane copy; for a
 * pointwise layer that is a new channel, a new cache line, every step
 * (960 -> 160 on 7x7: 0.26 ms, against 0.15 as a GEMM), so there the
 * copy is rearranged by runs: run i's K steps of 8 floats (its pixels)
 * one after the other, read in sequence. */
static int KG_NAME(cvConv)(int64_t M, int64_t N, int64_t K,
                           const KG_NAME(convB) *g, float *c, int64_t scm,
                           const float *bias, int64_t sbias,
                           const KG_NAME(epi) *e) {
  const int64_t OW = g->OW, p0 = g->pBase;
  const KG_NAME(phaseCopy) p = KG_NAME(phaseGeometry)(g, N, K);
  const int pointwise = g->KH == 1 && g->KW == 1;
  /* Unit strides, no padding, contiguous rows: the rearranged copy comes
   * straight from x (the phase-plane copy of 960 channels of 7 x 7 cost
   * as much as the products). */
  const int fromX = KG_NAME(cvFromX)(g);
  const int64_t maxRuns =
      (p.ohB - p.ohA + 1) * ((OW + KG_CV_PIX - 1) / KG_CV_PIX);
  /* The copy precopyPhases made for every task, or this task's own. */
  const float *shared = g->xPre;
  /* Rounded up to a cache line: the runs' 8-float rows follow it. */
  const size_t xFloats =
      fromX || shared
          ? 0
          : ((size_t)(p.C * p.phases * p.plane + 2 * KG_NR) + 15) / 16 * 16;
  const size_t runFloats = pointwise ? (size_t)(maxRuns * K * 8) : 0;
  /* The copy, its rearrangement, K offsets and the runs (int64s, two
   * floats each). */
  float *scratch = KG_NAME(getScratch)(xFloats + runFloats + 2 * (size_t)K +
                                       6 * (size_t)maxRuns);
  if (!scratch)
    return 0;
  float *xr = scratch + xFloats;
  const float *xq = shared ? shared : scratch;
  int64_t *kOff = (int64_t *)(xr + runFloats);
  KG_NAME(cvRun) *runs = (KG_NAME(cvRun) *)(kOff + K);
  const int64_t nRuns = KG_NAME(cvRuns)(p.ohA, p.ohB, OW, p0, N, runs);
  if (fromX) {
    for (int64_t k = 0; k < K; ++k)
      kOff[k] = (g->kBase + k) * g->sxc;
  } else {
    if (!shared)
      KG_NAME(copyPhases)(g, &p, scratch, xFloats);
    KG_NAME(tapOffsets)(g, &p, 0, K, kOff);
  }
  if (pointwise) {
    /* Channel by channel: each one's pixels are read in sequence. */
    for (int64_t k = 0; k < K; ++k) {
      const float *src = (fromX ? g->x : xq) + kOff[k];
      for (int64_t i = 0; i < nRuns; ++i) {
        const int64_t at = fromX ? runs[i].oh * g->sxh + runs[i].ow
                                  : (runs[i].oh - p.ohA) * p.Wq + runs[i].ow -
                                        p.owA;
#if KG_W == 16
        const __mmask16 live = (__mmask16)((1u << runs[i].np) - 1);
        _mm512_mask_storeu_ps(xr + (i * K + k) * 8, live,
                              _mm512_maskz_loadu_ps(live, src + at));
#else
        KG_STOREU(xr + (i * K + k) * 8, kg_loadn(src + at, runs[i].np));
#endif
      }
    }
    for (int64_t k = 0; k < K; ++k)
      kOff[k] = k * 8;
  }
  float start[KG_CV_LANES] __attribute__((aligned(64)));
  const int64_t mStep = KG_CV_LANES;
  /* The group's filters rounded up to whole vectors, as stored. */
  const int64_t Mp = (g->aTM + KG_W - 1) / KG_W * KG_W;
  /* The block of weights a panel's K block (kc x width floats, starting
   * at k0) is at aT + first * K + k0 * width. */
  for (int64_t k0 = 0; k0 < K; k0 += KG_CV_KC) {
    const int64_t kc = K - k0 < KG_CV_KC ? K - k0 : KG_CV_KC;
    const int last = k0 + kc >= K;
    for (int64_t m0 = 0; m0 < M; m0 += mStep) {
      const int64_t mr = M - m0 < mStep ? M - m0 : mStep;
      /* The weights stream from memory: a layer's are MBs, read once per
       * run (ResNet-18's 512 x 512 3 x 3 layers: 2.2 ms in the model
       * against 1.6 alone, while the first run of pixels of each block
       * waited on them and the others found them in L2). The runs after
       * the first fetch the next block's lines (the next panel's, or the
       * next K block's first) into L2 meanwhile. */
      int64_t nextM0 = m0 + mStep, nextK0 = k0;
      if (nextM0 >= M) {
        nextM0 = 0;
        nextK0 = k0 + kc;
      }
      int64_t nextWidth;
      const float *nextW =
          KG_NAME(cvBlock)(g, Mp, K, mStep, nextM0, nextK0, &nextWidth);
      const int64_t nextKc = K - nextK0 < KG_CV_KC ? K - nextK0 : KG_CV_KC;
      /* The next block is one contiguous run of nextKc x nextWidth floats:
       * the runs after the first share its lines in equal chunks. */
      const int64_t nextLines = nextK0 < K ? nextKc * nextWidth / 16 : 0;
      const int64_t chunk =
          nRuns > 1 ? (nextLines + nRuns - 2) / (nRuns - 1) : 0;
      const int64_t per = chunk ? (chunk + kc - 1) / kc : 0;
      const float *s = NULL;
      if (bias && k0 == 0) {
        for (int64_t i = 0; i < mStep; ++i)
          start[i] = i < mr ? bias[(m0 + i) * sbias] : 0.0f;
        s = start;
      }
      int64_t width;
      const float *w = KG_NAME(cvBlock)(g, Mp, K, mStep, m0, k0, &width);
      for (int64_t i = 0; i < nRuns; ++i) {
        const KG_NAME(cvRun) r = runs[i];
        const float *src = pointwise ? xr + i * K * 8
                                     : xq + (r.oh - p.ohA) * p.Wq + r.ow -
                                           p.owA;
        const int64_t from = i >= 1 ? (i - 1) * chunk : 0;
        KG_NAME(cvPrefetch) pf = {
            nextW + 16 * from,
            nextLines - from < chunk ? nextLines - from : chunk, per};
        const int fetch = i >= 1 && from < nextLines;
        KG_NAME(cvTile)(kc, src, kOff + k0, w, width,
                        c + m0 * scm + r.oh * OW + r.ow - p0, scm, r.np, mr,
                        s, last ? e : NULL, fetch ? &pf : NULL);
      }
    }
  }
  return 1;
}
