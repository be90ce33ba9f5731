/*===- kiln_pwdw_impl.h - A pointwise convolution fused into a depthwise one -===*
 *
 * Included by kiln_sgemm_impl.h, once per ISA. kiln_pwdw_<isa> computes
 *
 *   z = act1(b1 + W1 x)          a 1x1 convolution, F filters over C channels
 *   y = epilogue(b2 + dw(z))     a depthwise KH x KW convolution of z
 *
 * without z ever reaching memory: the expansion and depthwise layers of an
 * inverted residual block (MobileNetV2, EfficientNet, ...), where z has six
 * times the channels of x and is the largest tensor of the block. Apart,
 * the 1x1 layer writes z (4.8 MB for 96 x 112 x 112) and the depthwise
 * layer reads it back, both from DRAM; fused, each task computes a band of
 * z's rows for one vector of channels into a scratch that stays in L2 and
 * convolves it at once.
 *
 * The scratch holds z channels-last, the group's channels of one pixel
 * side by side (NCHWc within the task): the 1x1 layer's register tile broadcasts one
 * input pixel per step against a vector of filters and stores whole
 * vectors; the depthwise layer then needs no masks, splits or border
 * cases: every tap of every output pixel is one vector load and one
 * multiply-add, whatever its stride, and zero columns around each row
 * stand for the padding. Output pixels are transposed back into y's
 * planes (KG_W x KG_W at a time), where the epilogue (residual and
 * activation) is applied per run of pixels.
 *
 * Tasks are (image, band of output rows, group of KG_PD_VECS vectors of
 * channels), channels innermost so that the tasks running together read
 * the same band of x. The 1x1 layer's register tile is a run of pixels
 * times the group's vectors (6 x 4 with AVX-512): one broadcast per pixel
 * and step against a vector of filters per channel vector.
 * A band's input rows overlap its neighbour's by KH - sh rows, whose 1x1
 * convolution is computed twice (a few percent with bands of ~30 rows).
 *
 *===--------------------------------------------------------------------===*/

/* Vectors of channels per task, and pixels per register tile for a
 * group of v of them: 6 x 4 ... 16 x 1 accumulators with AVX-512's 32
 * registers (7 x 4 spilled: the broadcast input and the four vectors of
 * filters need five more), 6 x 2 and 12 x 1 with 16. */
#if KG_W == 16
#define KG_PD_VECS 4
#define KG_PD_PIX(v) ((v) == 4 ? 6 : (v) == 3 ? 8 : (v) == 2 ? 12 : 16)
#else
#define KG_PD_VECS 2
#define KG_PD_PIX(v) ((v) == 2 ? 6 : 12)
#endif
#define KG_PD_MAXPIX 16

/* call(v) with v the constant count of channel vectors V (1 ..
 * KG_PD_VECS): a kernel inlined per count. */
#if KG_PD_VECS == 4
#define KG_PD_BY_VECS(V, call)                                                 \
  switch (V) {                                                                 \
  case 4:                                                                      \
    call(4);                                                                   \
    break;                                                                     \
  case 3:                                                                      \
    call(3);                                                                   \
    break;                                                                     \
  case 2:                                                                      \
    call(2);                                                                   \
    break;                                                                     \
  default:                                                                     \
    call(1);                                                                   \
  }
#else
#define KG_PD_BY_VECS(V, call)                                                 \
  switch (V) {                                                                 \
  case 2:                                                                      \
    call(2);                                                                   \
    break;                                                                     \
  default:                                                                     \
    call(1);                                                                   \
  }
#endif

typedef struct {
  const float *x;
  int64_t sxn, sxc, sxh, sxw;
  /* w1: per group g of vg = min(KG_PD_VECS, FB - g KG_PD_VECS) vectors of
   * filters, from g KG_PD_VECS KG_W C floats on, [C][vg KG_W]; w2:
   * [FB][KH KW][KG_W]. The last vector of filters zero-padded
   * (kiln-pointwise-depthwise-ukernel writes both at compile time). */
  const float *w1, *w2;
  const float *b1, *b2;
  int64_t sb1, sb2;
  int act1;
  float alpha1, beta1;
  float *y;
  int64_t syn, syc, syh, syw;
  const KG_NAME(epi) * epi;
  int64_t C, H, W, F, OH, OW, KH, KW, sh, sw, dh, dw, padT, padL;
  /* Vectors of channels, groups of them, vectors per task (a group's or
   * part of it, so that two threads get enough tasks) and tasks per
   * group, output rows per band, bands, and the scratch's row length in
   * pixels (padL zero columns, W of z, zeros to the last tap). */
  int64_t FB, groups, perTask, parts, bandRows, bands, rowPixels;
  /* With threads: this call's number, and whether each thread's first
   * task on a band pulls the band's rows of x (see pull). */
  uint64_t call;
  int pull;
} KG_NAME(pdJob);

/* The lanes of KG_W vectors t[p] (p: pixel, lane: channel) transposed:
 * lane p of the result is t[p][c]. */
static inline kg_vec KG_NAME(pdColumn)(const float *t, int64_t c) {
#if KG_W == 16
  const __m512i idx = _mm512_setr_epi32(0, 16, 32, 48, 64, 80, 96, 112, 128,
                                        144, 160, 176, 192, 208, 224, 240);
  return _mm512_i32gather_ps(idx, t + c, 4);
#elif KG_W == 8
  const __m256i idx = _mm256_setr_epi32(0, 8, 16, 24, 32, 40, 48, 56);
  return _mm256_i32gather_ps(t + c, idx, 4);
#else
  float col[KG_W] __attribute__((aligned(64)));
  for (int p = 0; p < KG_W; ++p)
    col[p] = t[p * KG_W + c];
  return KG_LOADU(col);
#endif
}

/* The KG_W channels from f0 of a per-channel operand (a bias, element
 * stride s; stride 0 broadcasts one value), zero from F on. */
static inline kg_vec KG_NAME(pdChannels)(const float *b, int64_t s,
                                         int64_t f0, int64_t F) {
  float v[KG_W] __attribute__((aligned(64))) = {0};
  for (int64_t c = 0; c < KG_W && f0 + c < F; ++c)
    v[c] = b[(f0 + c) * s];
  return KG_LOADU(v);
}

/* z for n <= P pixels of x from xp (pixel stride sxw, channel stride sxc)
 * and the V vectors of filters of w1 (ldw floats per step of C), from
 * start: stored
 * activated as V vectors at dst[p]. `full`: n is P and sxw 1, so the
 * pixels' offsets are constants. Inlined per (P, V, full). */
static inline __attribute__((always_inline)) void
KG_NAME(pdPointwise)(const KG_NAME(pdJob) *j, const float *xp,
                     const float *w1, int64_t ldw, const kg_vec *start,
                     float *const *dst, int64_t n, const int P, const int V,
                     const int full) {
  kg_vec acc[KG_PD_MAXPIX][KG_PD_VECS];
  int64_t off[KG_PD_MAXPIX];
  /* The start vectors loaded afresh by every tile: hoisted out of the
   * caller's loop over tiles, they held V registers through the loop over
   * C below, and AVX2's 6 x 2 and 12 x 1 tiles then kept an accumulator
   * on the stack (a store and a reload on its chain every step of C). */
  const kg_vec *first = start;
  __asm__ volatile("" : "+r"(first));
#pragma GCC unroll 16
  for (int p = 0; p < P; ++p) {
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      acc[p][v] = first[v];
    /* Pixels past n repeat the last one: no read outside x. */
    off[p] = full ? p : (p < n ? p : n - 1) * j->sxw;
  }
  const float *xk = xp;
  for (int64_t k = 0; k < j->C; ++k, xk += j->sxc) {
    kg_vec wk[KG_PD_VECS];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      wk[v] = KG_LOADU(w1 + k * ldw + v * KG_W);
    /* The pixels as constant displacements from one pointer a step: left
     * to itself, GCC folded xp's offset into each pixel's index and
     * kept the twelve indices (AVX2's 12 x 1 tile) on the stack, a load
     * and an add per broadcast (a third of the kernel's time on an EPYC). */
    if (full)
      __asm__("" : "+r"(xk));
#pragma GCC unroll 16
    for (int p = 0; p < P; ++p) {
      kg_vec a = KG_BCAST(xk + (full ? p : off[p]));
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v)
        acc[p][v] = KG_FMA(a, wk[v], acc[p][v]);
    }
  }
  const kg_vec alpha = KG_SET1(j->alpha1), beta = KG_SET1(j->beta1);
  /* The usual activations with their case inlined, no switch per vector.
   * Pixels counted to the constant P, those past n skipped: a loop to n
   * indexed the accumulators with a variable, so they lived on the stack
   * (stored before the loop over C and after it, and loaded to be
   * stored: as many moves as multiply-adds where C is 16 or 24). */
#define KG_PD_STORE(act)                                                       \
  _Pragma("GCC unroll 16") for (int p = 0; p < P; ++p) if (p < n)              \
      _Pragma("GCC unroll 4") for (int v = 0; v < V; ++v)                      \
          KG_STOREU(dst[p] + v * KG_W,                                         \
                    KG_NAME(activate)(acc[p][v], act, alpha, beta));
  switch (j->act1) {
  case KILN_ACT_NONE:
    KG_PD_STORE(KILN_ACT_NONE)
    break;
  case KILN_ACT_RELU:
    KG_PD_STORE(KILN_ACT_RELU)
    break;
  case KILN_ACT_CLIP:
    KG_PD_STORE(KILN_ACT_CLIP)
    break;
  default:
    /* Stored as they are, then activated from L1: activated in
     * registers, the longer activations' temporaries made GCC keep an
     * accumulator of AVX2's 12 x 1 tile on the stack for the whole loop
     * over C, in every case (a store and a reload on each multiply-add's
     * chain: a third of a 24 -> 144 layer's time on an EPYC). */
    KG_PD_STORE(KILN_ACT_NONE)
#pragma GCC unroll 1
    for (int p = 0; p < P; ++p)
      if (p < n)
#pragma GCC unroll 1
        for (int v = 0; v < V; ++v)
          KG_STOREU(dst[p] + v * KG_W,
                    KG_NAME(activate)(KG_LOADU(dst[p] + v * KG_W), j->act1,
                                      alpha, beta));
  }
#undef KG_PD_STORE
}

/* The 1x1 convolution of rows [i0, i1) of image xn for a group of V
 * vectors of filters w1 into the scratch z (V KG_W floats per pixel). */
static inline __attribute__((always_inline)) void
KG_NAME(pdPointwiseRows)(const KG_NAME(pdJob) *j, const float *xn,
                         int64_t i0, int64_t i1, const float *w1,
                         int64_t ldw, const kg_vec *start, float *z,
                         const int V) {
  const int P = KG_PD_PIX(V);
  const int64_t pix = V * KG_W, rowFloats = j->rowPixels * pix;
  float *dst[KG_PD_MAXPIX];
  if (j->sxh == j->W * j->sxw) {
    /* Rows one after the other in x: runs of pixels go across row ends. */
    const int64_t total = (i1 - i0) * j->W;
    const float *x0 = xn + i0 * j->sxh;
    int64_t row = 0, col = 0;
    for (int64_t q = 0; q < total; q += P) {
      const int64_t cnt = total - q < P ? total - q : P;
      for (int64_t p = 0; p < cnt; ++p) {
        dst[p] = z + row * rowFloats + (j->padL + col) * pix;
        if (++col == j->W)
          col = 0, ++row;
      }
      if (cnt == P && j->sxw == 1)
        KG_NAME(pdPointwise)(j, x0 + q, w1, ldw, start, dst, cnt, P, V, 1);
      else
        KG_NAME(pdPointwise)(j, x0 + q * j->sxw, w1, ldw, start, dst, cnt, P,
                             V, 0);
    }
    return;
  }
  for (int64_t r = i0; r < i1; ++r)
    for (int64_t c = 0; c < j->W; c += P) {
      const int64_t cnt = j->W - c < P ? j->W - c : P;
      for (int64_t p = 0; p < cnt; ++p)
        dst[p] = z + (r - i0) * rowFloats + (j->padL + c + p) * pix;
      KG_NAME(pdPointwise)(j, xn + r * j->sxh + c * j->sxw, w1, ldw, start,
                           dst, cnt, P, V, 0);
    }
}

/* Output pixels [ox, ox + KG_W) of row o (the first n of them kept) of the
 * channel vector at zv (pixels `pix` floats apart in the band's scratch of
 * input rows [i0, i1)) with taps w2, into tile[p][lane]. `stride`: the
 * layer's sw when it is 1 or 2, 0 for any. */
static inline __attribute__((always_inline)) void
KG_NAME(pdDepthwise)(const KG_NAME(pdJob) *j, const float *zv, int64_t pix,
                     int64_t i0, int64_t i1, const float *w2, kg_vec start,
                     int64_t o, int64_t ox, int64_t n, float *tile,
                     const int stride) {
  const int64_t rowFloats = j->rowPixels * pix;
  const int64_t step = (stride ? stride : j->sw) * pix;
  int64_t col[KG_W];
  kg_vec acc[KG_W];
#pragma GCC unroll 16
  for (int p = 0; p < KG_W; ++p) {
    acc[p] = start;
    col[p] = (p < n ? p : n - 1) * step;
  }
  const float *zx = zv + ox * step;
  for (int64_t ky = 0; ky < j->KH; ++ky) {
    const int64_t r = o * j->sh - j->padT + ky * j->dh;
    if (r < i0 || r >= i1)
      continue;
    const float *zr = zx + (r - i0) * rowFloats;
    for (int64_t kx = 0; kx < j->KW; ++kx) {
      const kg_vec wk = KG_LOADU(w2 + (ky * j->KW + kx) * KG_W);
      const float *zt = zr + kx * j->dw * pix;
      /* A known stride: pixels past n read on past the row (into the
       * next one, or the slack after the band's rows: see pdTask) and are
       * dropped, at constant offsets; col's offsets, one per pixel from
       * memory, made every tap 32 loads for 16 multiply-adds on rows of
       * 14, 7 or 28 pixels. */
      if (stride) {
#pragma GCC unroll 16
        for (int p = 0; p < KG_W; ++p, zt += step)
          acc[p] = KG_FMA(KG_LOADU(zt), wk, acc[p]);
      } else {
#pragma GCC unroll 16
        for (int p = 0; p < KG_W; ++p)
          acc[p] = KG_FMA(KG_LOADU(zt + col[p]), wk, acc[p]);
      }
    }
  }
#pragma GCC unroll 16
  for (int p = 0; p < KG_W; ++p)
    KG_STOREU(tile + p * KG_W, acc[p]);
}

#if KG_W >= 8
/* call(act) with act the constant activation a when it is one of the
 * usual ones (inlined per case), else the variable a. */
#define KG_PD_BY_ACT(a, call)                                                  \
  switch (a) {                                                                 \
  case KILN_ACT_NONE:                                                          \
    call(KILN_ACT_NONE);                                                       \
    break;                                                                     \
  case KILN_ACT_RELU:                                                          \
    call(KILN_ACT_RELU);                                                       \
    break;                                                                     \
  case KILN_ACT_CLIP:                                                          \
    call(KILN_ACT_CLIP);                                                       \
    break;                                                                     \
  default:                                                                     \
    call(a);                                                                   \
  }

/* The depthwise results of `cnt` pixels times `channels` channels in
 * tile[p][lane] stored into y's planes at yo through 8 x 8 transposes
 * (storeT8Act), j->epi applied to each run of up to 8 pixels with act its
 * activation, a constant for the usual ones. storeT8's switch on it and
 * its broadcasts of alpha and beta, once per run, took a fifth of a 24 ->
 * 144 layer's time on 56 x 56 on an EPYC. */
static inline __attribute__((always_inline)) void
KG_NAME(pdStoreTile)(const KG_NAME(pdJob) *j, const float *tile, float *yo,
                     int64_t cnt, int64_t channels, const int act) {
  const KG_NAME(epi) *e = j->epi;
  const kg_vec alpha = KG_SET1(e ? e->alpha : 0.0f);
  const kg_vec beta = KG_SET1(e ? e->beta : 0.0f);
  for (int64_t h = 0; h < channels; h += 8)
    for (int64_t p0 = 0; p0 < cnt; p0 += 8) {
      __m256 r[8];
      for (int i = 0; i < 8; ++i)
        r[i] = _mm256_loadu_ps(tile + (p0 + i) * KG_W + h);
      KG_NAME(storeT8Act)(r, yo + h * j->syc + p0, j->syc,
                          cnt - p0 < 8 ? cnt - p0 : 8, channels - h,
                          /*add=*/0, e, act, alpha, beta);
    }
}
#endif

/* The depthwise convolution of a band (output rows [o0, o1) of image n,
 * from the scratch z of its input rows [i0, i1), V vectors of channels
 * from fb0 on), a vector of channels and KG_W output pixels at a time,
 * transposed into y's planes. Inlined per V: a pixel's offsets in z are
 * then constants (as variables, the sixteen of a row of pixels lived on
 * the stack, a load per multiply-add). */
static inline __attribute__((always_inline)) void
KG_NAME(pdDepthwiseBand)(const KG_NAME(pdJob) *j, const float *z, int64_t n,
                         int64_t fb0, int64_t o0, int64_t o1, int64_t i0,
                         int64_t i1, const int V) {
  const int64_t pix = V * KG_W;
  const int64_t taps = j->KH * j->KW;
  float tile[KG_W * KG_W] __attribute__((aligned(64)));
  for (int v = 0; v < V; ++v) {
    const int64_t f0 = (fb0 + v) * KG_W;
    const float *w2 = j->w2 + (fb0 + v) * taps * KG_W;
    const kg_vec start = KG_NAME(pdChannels)(j->b2, j->sb2, f0, j->F);
    const int64_t channels = j->F - f0 < KG_W ? j->F - f0 : KG_W;
    const float *zv = z ? z + v * KG_W : NULL;
    for (int64_t o = o0; o < o1; ++o) {
      for (int64_t ox = 0; ox < j->OW; ox += KG_W) {
        const int64_t cnt = j->OW - ox < KG_W ? j->OW - ox : KG_W;
        if (j->sw == 1)
          KG_NAME(pdDepthwise)(j, zv, pix, i0, i1, w2, start, o, ox, cnt,
                               tile, 1);
        else if (j->sw == 2)
          KG_NAME(pdDepthwise)(j, zv, pix, i0, i1, w2, start, o, ox, cnt,
                               tile, 2);
        else
          KG_NAME(pdDepthwise)(j, zv, pix, i0, i1, w2, start, o, ox, cnt,
                               tile, 0);
        float *yo =
            j->y + n * j->syn + f0 * j->syc + o * j->syh + ox * j->syw;
#if KG_W >= 8
        /* Contiguous rows of y: 8 x 8 blocks transposed in registers and
         * stored with masks (what the gather below costs twice over). */
        if (j->syw == 1) {
#define KG_PD_STORE_TILE(act)                                                  \
  KG_NAME(pdStoreTile)(j, tile, yo, cnt, channels, act)
          KG_PD_BY_ACT(j->epi ? j->epi->act : KILN_ACT_NONE,
                       KG_PD_STORE_TILE);
#undef KG_PD_STORE_TILE
          continue;
        }
#endif
        for (int64_t c = 0; c < channels; ++c) {
          float *yc = yo + c * j->syc;
          kg_vec r = KG_NAME(pdColumn)(tile, c);
          if (j->epi)
            r = KG_NAME(epiVec)(j->epi, r, yc, cnt);
          KG_NAME(storeRun)(yc, j->syw, cnt, r);
        }
      }
    }
  }
}

static void KG_NAME(pdTask)(const KG_NAME(pdJob) *j, int64_t t) {
  const int64_t chans = j->groups * j->parts;
  const int64_t part = t % chans, band = t / chans % j->bands,
                n = t / chans / j->bands;
  const int64_t g = part / j->parts;
  /* The group's vectors, and this task's part of them. */
  const int64_t g0 = g * KG_PD_VECS;
  const int64_t inGroup = j->FB - g0 < KG_PD_VECS ? j->FB - g0 : KG_PD_VECS;
  const int64_t fb0 = g0 + part % j->parts * j->perTask;
  if (fb0 >= g0 + inGroup)
    return; /* a part past the last group's vectors */
  const int64_t o0 = band * j->OH / j->bands;
  const int64_t o1 = (band + 1) * j->OH / j->bands;
  /* Input rows [i0, i1) of the band; the rest of its window is padding. */
  int64_t i0 = o0 * j->sh - j->padT;
  int64_t i1 = (o1 - 1) * j->sh - j->padT + (j->KH - 1) * j->dh + 1;
  i0 = i0 < 0 ? 0 : i0;
  i1 = i1 > j->H ? j->H : i1;
  const int V = (int)(g0 + inGroup - fb0 < j->perTask ? g0 + inGroup - fb0
                                                      : j->perTask);
  const int64_t pix = V * KG_W, rowFloats = j->rowPixels * pix;
  float *z = NULL;
  if (i1 > i0) {
    /* A row of output pixels reads whole vectors of KG_W of them (see
     * pdDepthwise): at stride 2 up to 2 (KG_W - 1) pixels past the last
     * row's end, zeroed. */
    const int64_t slack = 2 * KG_W * pix;
    z = KG_NAME(getScratch)((size_t)((i1 - i0) * rowFloats + slack));
    if (!z)
      KG_OUT_OF_MEMORY(KG_NAME(scratchRequest));
    for (int64_t q = 0; q < slack; q += KG_W)
      KG_STOREU(z + (i1 - i0) * rowFloats + q, KG_SET1(0.0f));
    for (int64_t r = 0; r < i1 - i0; ++r) {
      float *zr = z + r * rowFloats;
      for (int64_t q = 0; q < j->padL * pix; q += KG_W)
        KG_STOREU(zr + q, KG_SET1(0.0f));
      for (int64_t q = (j->padL + j->W) * pix; q < rowFloats; q += KG_W)
        KG_STOREU(zr + q, KG_SET1(0.0f));
    }
    kg_vec start[KG_PD_VECS];
    for (int v = 0; v < V; ++v)
      start[v] = KG_NAME(pdChannels)(j->b1, j->sb1, (fb0 + v) * KG_W, j->F);
    const float *xn = j->x + n * j->sxn;
    if (j->pull && KG_NAME(firstPull)(j->call, (uint64_t)(n * j->bands + band)))
      KG_NAME(pull)(xn + i0 * j->sxh, j->C, (i1 - i0) * j->W, j->sxc);
    /* The group's weights are [C][inGroup KG_W]: the part's vectors are
     * V of each row. */
    const int64_t ldw = inGroup * KG_W;
    const float *w1 = j->w1 + g0 * KG_W * j->C + (fb0 - g0) * KG_W;
#define KG_PD_ROWS(v)                                                          \
  KG_NAME(pdPointwiseRows)(j, xn, i0, i1, w1, ldw, start, z, v)
    KG_PD_BY_VECS(V, KG_PD_ROWS);
#undef KG_PD_ROWS
  }

#define KG_PD_BAND(v) KG_NAME(pdDepthwiseBand)(j, z, n, fb0, o0, o1, i0, i1, v)
  KG_PD_BY_VECS(V, KG_PD_BAND);
#undef KG_PD_BAND
}

static void KG_NAME(pdTasks)(void *p, int64_t begin, int64_t end) {
  const KG_NAME(pdJob) *j = (const KG_NAME(pdJob) *)p;
  for (int64_t t = begin; t < end; ++t)
    KG_NAME(pdTask)(j, t);
}

/* The fused pair (kiln-pointwise-depthwise-ukernel): x [N, C, H, W];
 * w1 and w2 in the layouts of pdJob; b1 [F] and b2 [F] with element
 * strides (a +0.0 with stride 0 for none); act1 with its alpha and beta
 * (bit patterns) on z, res1 must be 0; y [N, F, OH, OW] with the
 * depthwise layer's geometry, and its epilogue (act2, alpha2, beta2,
 * res2: a residual laid out like y). */
KG_HIDDEN void KG_NAME(kiln_pwdw)(
    int64_t N, int64_t C, int64_t H, int64_t W, int64_t F, int64_t OH,
    int64_t OW, int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t dh,
    int64_t dw, int64_t padT, int64_t padL, intptr_t x, int64_t sxn,
    int64_t sxc, int64_t sxh, int64_t sxw, intptr_t w1, intptr_t b1,
    int64_t sb1, int64_t act1, int64_t alpha1, int64_t beta1, intptr_t res1,
    intptr_t w2, intptr_t b2, int64_t sb2, intptr_t y, int64_t syn,
    int64_t syc, int64_t syh, int64_t syw, int64_t act2, int64_t alpha2,
    int64_t beta2, intptr_t res2) {
  if (N <= 0 || F <= 0 || OH <= 0 || OW <= 0)
    return;
  if (res1)
    abort(); /* the compiler fuses no residual into z */
  KG_NAME(epi) e1, e2;
  const KG_NAME(epi) *z = KG_NAME(makeEpi)(&e1, act1, alpha1, beta1, 0, 0);
  KG_NAME(pdJob) j = {(const float *)x, sxn, sxc, sxh, sxw,
                      (const float *)w1, (const float *)w2,
                      (const float *)b1, (const float *)b2, sb1, sb2,
                      z ? z->act : KILN_ACT_NONE, z ? z->alpha : 0,
                      z ? z->beta : 0, (float *)y, syn, syc, syh, syw,
                      KG_NAME(makeEpi)(&e2, act2, alpha2, beta2, res2, y),
                      C, H, W, F, OH, OW, KH, KW, sh, sw, dh, dw, padT,
                      padL, (F + KG_W - 1) / KG_W, 0, KG_PD_VECS, 1, 0, 0,
                      0};
  j.groups = (j.FB + KG_PD_VECS - 1) / KG_PD_VECS;
  /* Scratch rows: padL zeros, z's W pixels, zeros to the last tap. */
  int64_t need = (OW - 1) * sw + (KW - 1) * dw + 1;
  j.rowPixels = padL + W > need ? padL + W : need;
  /* Bands whose scratch stays near 384 KiB, beside x's rows in L2. */
  const int64_t V = j.FB < KG_PD_VECS ? j.FB : KG_PD_VECS;
  int64_t rows = (int64_t)(384 * 1024 / 4) / (j.rowPixels * V * KG_W);
  int64_t bandRows = (rows - (KH - 1) * dh - 1) / sh + 1;
  j.bandRows = bandRows < 1 ? 1 : bandRows > OH ? OH : bandRows;
  j.bands = (OH + j.bandRows - 1) / j.bandRows;
  /* The pool gives thread t the t-th slice of a loop's tasks: with as
   * many bands as a multiple of the threads each takes whole bands (of all
   * channels), and the layer after this one, cut by pixels, reads the rows
   * its own core wrote here. 56 x 56 in three bands gave one thread half
   * of the middle band's channels, which the other then read; in four, of
   * 4 vectors each (no part of 2 or 1), two threads took 212-214 us where
   * they took 230, and the 144 -> 24 projection after it 79 where 83. By
   * channels with the bands inside (so that a projection split by K reads
   * its own channels) the 28 x 28 one took 160 us, the input pulled by
   * both threads whole; 132 in four bands, 145 in three. */
  const int64_t threads = kiln_num_threads();
  if (threads > 1 && j.bands > 1 && j.bands % threads != 0)
    j.bands = (j.bands + threads - 1) / threads * threads;
  if (j.bands > OH)
    j.bands = OH;
  /* Bands of near-equal height (band b: rows b OH / bands on, see pdTask):
   * 56 rows in 24, 24 and 8 left tasks of a third the size at the end,
   * which two threads took unevenly (1.64x on two threads; 19, 19 and 18
   * rows now). bandRows is the tallest. */
  j.bandRows = (OH + j.bands - 1) / j.bands;
  /* Two threads need a few tasks each, an even number of them: groups in
   * parts of half as many vectors (their weights stay in the group's
   * layout) rather than narrower bands, which would compute more
   * overlapping rows (a 28 x 28 layer of 192 filters was 3 tasks: 1.3x on
   * two threads; 576 channels on 14 x 14 were 9 tasks of 4 vectors, 5 : 4).
   * Halving a part doubles the tasks, so an odd count is even after one. */
  for (;;) {
    const int64_t have = N * j.bands * j.groups * j.parts;
    if ((have >= 2 * KG_TASKS && have % 2 == 0) || j.perTask == 1)
      break;
    j.perTask /= 2;
    j.parts = (KG_PD_VECS + j.perTask - 1) / j.perTask;
  }
  int64_t tasks = N * j.bands * j.groups * j.parts;
  if ((double)N * F * (H * W * C + OH * OW * KH * KW) < KG_PARALLEL_MIN_FMAS) {
    KG_NAME(pdTasks)(&j, 0, tasks);
    return;
  }
  /* Rows of x one after the other: a band's channels are runs to pull. */
  if (kiln_num_threads() > 1 && sxw == 1 && sxh == W) {
    j.call = KG_NAME(newCall)();
    j.pull = 1;
  }
  kiln_parallel_for(0, tasks, 1, KG_NAME(pdTasks), &j);
}
