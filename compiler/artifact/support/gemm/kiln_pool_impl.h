/*===- kiln_pool_impl.h - Max and sum pooling over NCHW planes, per ISA ---===*
 *
 * Included after kiln_sgemm_impl.h by each ISA's source file, with its
 * vector operations (kiln_sgemm_impl.h) and these:
 *
 *   KG_NANMASK(v), KG_ANYNAN(v), KG_OR(a, b)
 *               all-ones lanes where v is NaN; whether any lane is;
 *               bitwise or
 *
 * kiln_pool2d_<isa> reduces every window of a pooling (linalg.pooling_nchw_
 * max / sum, and the 1-D forms with H = 1) into its output element, a row
 * of output pixels at a time in vector lanes: each tap of the window is a
 * vector load along the input row (contiguous for stride 1, every other
 * float for stride 2). Lowered to loops, a 5 x 5 max pool on 10 x 10 planes
 * was a scalar loop of 5 taps per element: 13 times ONNX Runtime's time.
 *
 *===--------------------------------------------------------------------===*/

/* How one tap of the window reads its lanes from an input row, the same for
 * every row: from row + first, lanes [lo, hi) (of the floats read, for
 * stride 2) or every lane (mode full), the others `fill`. */
enum { KG_TAP_FULL, KG_TAP_RANGE, KG_TAP_EVEN_FULL, KG_TAP_EVEN_RANGE,
       KG_TAP_SCALAR };
typedef struct {
  int64_t first, lo, hi, mode;
} KG_NAME(poolTap);

typedef struct {
  const float *x;
  int64_t sxn, sxc, sxh, sxw;
  float *y;
  int64_t syn, syc, syh, syw;
  int64_t C, H, W, OH, OW, KH, KW, sh, sw, dh, dw, padT, padL;
  int max;
  /* y holds garbage: start from the reduction's identity, not from y. */
  int fresh;
  /* taps[chunk * KW + kw] for the chunks of KG_W output columns. */
  const KG_NAME(poolTap) * taps;
} KG_NAME(poolJob);

static KG_NAME(poolTap) KG_NAME(planTap)(const KG_NAME(poolJob) * j,
                                         int64_t ow0, int64_t kw) {
  int64_t n = j->OW - ow0 < KG_W ? j->OW - ow0 : KG_W;
  int64_t first = ow0 * j->sw + kw * j->dw - j->padL;
  KG_NAME(poolTap) t = {first, 0, 0, KG_TAP_SCALAR};
  if (j->sxw != 1 || j->sw > 2)
    return t;
  /* The floats the lanes read, first + i for i < span, that lie inside
   * the row: [lo, hi). */
  int64_t span = j->sw == 1 ? n : 2 * n - 1;
  t.lo = first < 0 ? -first : 0;
  t.hi = j->W - first < span ? j->W - first : span;
  if (t.hi < t.lo)
    t.hi = t.lo;
  if (j->sw == 1)
    t.mode = t.lo == 0 && t.hi == KG_W ? KG_TAP_FULL : KG_TAP_RANGE;
  else
    t.mode = t.lo == 0 && t.hi == 2 * KG_W - 1 && first + 2 * KG_W <= j->W
                 ? KG_TAP_EVEN_FULL
                 : KG_TAP_EVEN_RANGE;
  return t;
}

/* The lanes of tap t of row `row`, `fill` where it falls outside. */
static inline kg_vec KG_NAME(loadTap)(const KG_NAME(poolJob) * j,
                                      const KG_NAME(poolTap) * t,
                                      const float *row, int64_t n,
                                      kg_vec fill) {
  const float *p = row + t->first;
  switch (t->mode) {
  case KG_TAP_FULL:
    return KG_LOADU(p);
  case KG_TAP_RANGE:
    return kg_loadrange_or(p, t->lo, t->hi, fill);
  case KG_TAP_EVEN_FULL:
    return kg_load_even(p);
  case KG_TAP_EVEN_RANGE:
    return KG_NAME(loadEvenRange)(p, t->lo, t->hi, fill);
  default: {
    float lanes[KG_W], fillLane[KG_W];
    KG_STOREU(fillLane, fill);
    for (int64_t l = 0; l < KG_W; ++l) {
      int64_t col = t->first + l * j->sw;
      lanes[l] = l < n && col >= 0 && col < j->W ? row[col * j->sxw]
                                                 : fillLane[l];
    }
    return KG_LOADU(lanes);
  }
  }
}

/* The output's current values (the op accumulates into them) at columns
 * [ow0, ow0 + cols) of output row yr, `fill` beyond (and everywhere when
 * y is fresh). */
static inline kg_vec KG_NAME(loadOut)(const KG_NAME(poolJob) * j,
                                      const float *yr, int64_t ow0,
                                      int64_t cols, kg_vec fill) {
  if (j->fresh)
    return fill;
  if (j->syw == 1)
    return cols == KG_W ? KG_LOADU(yr + ow0)
                        : kg_loadrange_or(yr + ow0, 0, cols, fill);
  float start[KG_W];
  for (int64_t l = 0; l < cols; ++l)
    start[l] = yr[(ow0 + l) * j->syw];
  return kg_loadrange_or(start, 0, cols, fill);
}

/* Stores the first `cols` lanes of r at columns [ow0, ow0 + cols) of yr. */
static inline void KG_NAME(storeOut)(const KG_NAME(poolJob) * j, float *yr,
                                     int64_t ow0, int64_t cols, kg_vec r) {
  if (j->syw == 1 && cols == KG_W) {
    KG_STOREU(yr + ow0, r);
  } else if (j->syw == 1) {
    kg_storen(yr + ow0, r, cols);
  } else {
    float out[KG_W];
    KG_STOREU(out, r);
    for (int64_t l = 0; l < cols; ++l)
      yr[(ow0 + l) * j->syw] = out[l];
  }
}

/* Folds v into accumulator a (max, collecting NaN lanes in *nan: the vector
 * max returns its second operand when either is NaN, so NaNs are collected
 * aside and restored at the end, as arith.maximumf propagates them; or
 * sum). */
static inline __attribute__((always_inline)) kg_vec
KG_NAME(poolFold)(int max, kg_vec a, kg_vec v, kg_vec *nan) {
  if (max) {
    *nan = KG_OR(*nan, KG_NANMASK(v));
    return KG_MAX(a, v);
  }
  return KG_ADD(a, v);
}

/* The taps of one window row: input row `row` reduced over the window's
 * columns into the chunk of output columns from ow0 (taps of that chunk),
 * onto a0 and a1 (two chains of vector max or add, taps alternating: one
 * waits its latency on every tap). */
static inline __attribute__((always_inline)) void
KG_NAME(poolRowTaps)(const KG_NAME(poolJob) * j,
                     const KG_NAME(poolTap) * taps, const float *row,
                     int64_t cols, kg_vec fill, kg_vec *a0, kg_vec *a1,
                     kg_vec *nan) {
  int64_t kw = 0;
  for (; kw + 1 < j->KW; kw += 2) {
    kg_vec v0 = KG_NAME(loadTap)(j, taps + kw, row, cols, fill);
    kg_vec v1 = KG_NAME(loadTap)(j, taps + kw + 1, row, cols, fill);
    *a0 = KG_NAME(poolFold)(j->max, *a0, v0, nan);
    *a1 = KG_NAME(poolFold)(j->max, *a1, v1, nan);
  }
  if (kw < j->KW)
    *a0 = KG_NAME(poolFold)(j->max, *a0,
                            KG_NAME(loadTap)(j, taps + kw, row, cols, fill),
                            nan);
}

/* The two accumulators and the NaN lanes as one result. */
static inline kg_vec KG_NAME(poolResult)(int max, kg_vec a0, kg_vec a1,
                                         kg_vec nan) {
  return max ? KG_OR(KG_MAX(a0, a1), nan) : KG_ADD(a0, a1);
}

/* The window rows of output row oh inside the input: [*kh0, *kh1). */
static inline void KG_NAME(windowRows)(const KG_NAME(poolJob) * j,
                                       int64_t oh, int64_t *kh0,
                                       int64_t *kh1) {
  *kh0 = 0;
  *kh1 = j->KH;
  while (*kh0 < *kh1 && oh * j->sh + *kh0 * j->dh - j->padT < 0)
    ++*kh0;
  while (*kh1 > *kh0 && oh * j->sh + (*kh1 - 1) * j->dh - j->padT >= j->H)
    --*kh1;
}

/* The output rows of planes [begin, end) (plane = image * C + channel). */
static void KG_NAME(poolPlanes)(void *p, int64_t begin, int64_t end) {
  const KG_NAME(poolJob) *j = (const KG_NAME(poolJob) *)p;
  const kg_vec fill = KG_SET1(j->max ? -__builtin_inff() : 0.0f);
  for (int64_t plane = begin; plane < end; ++plane) {
    int64_t n = plane / j->C, c = plane % j->C;
    const float *x = j->x + n * j->sxn + c * j->sxc;
    float *y = j->y + n * j->syn + c * j->syc;
    for (int64_t oh = 0; oh < j->OH; ++oh) {
      float *yr = y + oh * j->syh;
      int64_t kh0, kh1;
      KG_NAME(windowRows)(j, oh, &kh0, &kh1);
      for (int64_t ow0 = 0, chunk = 0; ow0 < j->OW; ow0 += KG_W, ++chunk) {
        int64_t cols = j->OW - ow0 < KG_W ? j->OW - ow0 : KG_W;
        kg_vec a0 = KG_NAME(loadOut)(j, yr, ow0, cols, fill);
        kg_vec a1 = fill, nan = KG_SET1(0.0f);
        for (int64_t kh = kh0; kh < kh1; ++kh)
          KG_NAME(poolRowTaps)(
              j, j->taps + chunk * j->KW,
              x + (oh * j->sh + kh * j->dh - j->padT) * j->sxh, cols, fill,
              &a0, &a1, &nan);
        KG_NAME(storeOut)(j, yr, ow0, cols,
                          KG_NAME(poolResult)(j->max, a0, a1, nan));
      }
    }
  }
}

/* Floats of the stack buffer poolPlanesRows works in: the staged input
 * row and the ring of KH reduced rows. */
#define KG_POOL_STACK_FLOATS 6144

/* Floats of poolPlanesRows's staged row: what the taps of every chunk of
 * output columns read (a stride-2 tap reads two vectors), and a vector
 * for the last store of the copy. */
static inline int64_t KG_NAME(stagedFloats)(const KG_NAME(poolJob) * j) {
  const int64_t chunks = (j->OW + KG_W - 1) / KG_W;
  return chunks * KG_W * j->sw + (j->KW - 1) * j->dw + KG_W;
}

/* Copies input row `row` into the staged row s (len floats) from column
 * padL on, as far as the taps read; s keeps its fill around it. Whether
 * the copy holds a NaN (max pools only: they must propagate it). */
static int KG_NAME(stageRow)(const KG_NAME(poolJob) * j, const float *row,
                             float *s, int64_t len, kg_vec fill) {
  const int64_t room = len - KG_W - j->padL;
  const int64_t n = j->W < room ? j->W : room;
  float *d = s + j->padL;
  if (n <= 0)
    return 0;
  if (j->sxw != 1) {
    int nan = 0;
    for (int64_t c = 0; c < n; ++c) {
      float v = row[c * j->sxw];
      nan |= v != v;
      d[c] = v;
    }
    return j->max && nan;
  }
  int nan = 0;
  int64_t c = 0;
  for (; c + KG_W <= n; c += KG_W) {
    kg_vec v = KG_LOADU(row + c);
    nan |= KG_ANYNAN(v);
    KG_STOREU(d + c, v);
  }
  if (c < n) {
    /* The lanes past the row store the fill that was there. */
    kg_vec v = kg_loadrange_or(row + c, 0, n - c, fill);
    nan |= KG_ANYNAN(v);
    KG_STOREU(d + c, v);
  }
  return j->max && nan;
}

/* The staged row s reduced over the window's columns into out, a vector of
 * output columns at a time; `careful` collects NaN lanes (a NaN-free row
 * folds with the plain vector max). Inlined per (sw, max, careful). */
static inline __attribute__((always_inline)) void
KG_NAME(reduceRow)(const KG_NAME(poolJob) * j, const float *s, float *out,
                   int64_t chunks, const int sw, const int max,
                   const int careful) {
  const kg_vec fill = KG_SET1(max ? -__builtin_inff() : 0.0f);
  const int64_t KW = j->KW, dw = j->dw;
#define KG_POOL_TAP(p) (sw == 1 ? KG_LOADU(p) : kg_load_even(p))
#define KG_POOL_FOLD(a, v)                                                     \
  (careful ? KG_NAME(poolFold)(1, a, v, &nan)                                  \
           : max ? KG_MAX(a, v) : KG_ADD(a, v))
  for (int64_t chunk = 0; chunk < chunks; ++chunk) {
    const float *p = s + chunk * KG_W * sw;
    kg_vec a0 = fill, a1 = fill, nan = KG_SET1(0.0f);
    int64_t kw = 0;
    for (; kw + 1 < KW; kw += 2) {
      kg_vec v0 = KG_POOL_TAP(p + kw * dw), v1 = KG_POOL_TAP(p + (kw + 1) * dw);
      a0 = KG_POOL_FOLD(a0, v0);
      a1 = KG_POOL_FOLD(a1, v1);
    }
    if (kw < KW)
      a0 = KG_POOL_FOLD(a0, KG_POOL_TAP(p + kw * dw));
    KG_STOREU(out + chunk * KG_W, careful ? KG_NAME(poolResult)(1, a0, a1, nan)
                                  : max   ? KG_MAX(a0, a1)
                                          : KG_ADD(a0, a1));
  }
#undef KG_POOL_TAP
#undef KG_POOL_FOLD
}

/* Pooling of undilated window rows (dh = 1) at column stride 1 or 2, the
 * planes [begin, end): each input row is staged once into a row with the
 * fill around it (every tap of every chunk is then a whole vector load, at
 * constant offsets), reduced over the window's columns into a ring of the
 * last KH such rows, and each output row reduces its rows of the ring.
 * Per tap, the general path chose between five kinds of load, and the
 * chunks at the borders read lanes through a staging store: ResNet-18's
 * 3 x 3 stride-2 max pool took 2.3 times ONNX Runtime's time. Windows
 * sliding one row per output row (sh = 1) take KH + KW vector operations
 * per output vector instead of KH * KW (YOLO's SPPF 5 x 5 max pools took
 * 4.5 times ONNX Runtime's time). */
static void KG_NAME(poolPlanesRows)(void *p, int64_t begin, int64_t end) {
  const KG_NAME(poolJob) *j = (const KG_NAME(poolJob) *)p;
  const int max = j->max;
  const kg_vec fill = KG_SET1(max ? -__builtin_inff() : 0.0f);
  const int64_t chunks = (j->OW + KG_W - 1) / KG_W, ld = chunks * KG_W;
  const int64_t len = KG_NAME(stagedFloats)(j);
  float buf[KG_POOL_STACK_FLOATS] __attribute__((aligned(64)));
  float *s = buf, *ring = buf + (len + KG_W - 1) / KG_W * KG_W;
  for (int64_t i = 0; i < len; i += KG_W)
    KG_STOREU(s + i, fill);
  for (int64_t plane = begin; plane < end; ++plane) {
    int64_t n = plane / j->C, c = plane % j->C;
    const float *x = j->x + n * j->sxn + c * j->sxc;
    float *y = j->y + n * j->syn + c * j->syc;
    /* Input rows [0, next) are reduced, row r into ring slot r % KH; the
     * last of them holding a NaN (max pools). */
    int64_t next = 0, lastNaN = -1;
    for (int64_t oh = 0; oh < j->OH; ++oh) {
      int64_t kh0, kh1;
      KG_NAME(windowRows)(j, oh, &kh0, &kh1);
      int64_t r0 = oh * j->sh - j->padT + kh0, r1 = oh * j->sh - j->padT + kh1;
      if (next < r0)
        next = r0;
      for (; next < r1; ++next) {
        int nanRow = KG_NAME(stageRow)(j, x + next * j->sxh, s, len, fill);
        if (nanRow)
          lastNaN = next;
        float *out = ring + next % j->KH * ld;
        /* reduceRow inlined for this (sw, max, careful). */
#define KG_POOL_REDUCE(sw)                                                     \
  (!max      ? KG_NAME(reduceRow)(j, s, out, chunks, sw, 0, 0)                 \
   : !nanRow ? KG_NAME(reduceRow)(j, s, out, chunks, sw, 1, 0)                 \
             : KG_NAME(reduceRow)(j, s, out, chunks, sw, 1, 1))
        if (j->sw == 1)
          KG_POOL_REDUCE(1);
        else
          KG_POOL_REDUCE(2);
#undef KG_POOL_REDUCE
      }
      /* The window's rows: folded with NaN lanes collected only where one
       * of them held a NaN. */
      const int careful = max && lastNaN >= r0;
      /* The window's first row's slot (a division per row and vector was
       * a fifth of the time). */
      const int64_t slot0 = r1 > r0 ? r0 % j->KH : 0;
      float *yr = y + oh * j->syh;
      for (int64_t chunk = 0; chunk < chunks; ++chunk) {
        int64_t ow0 = chunk * KG_W;
        int64_t cols = j->OW - ow0 < KG_W ? j->OW - ow0 : KG_W;
        kg_vec a0 = KG_NAME(loadOut)(j, yr, ow0, cols, fill);
        kg_vec a1 = fill, nan = KG_SET1(0.0f);
        const float *row = ring + slot0 * ld + ow0;
        const float *const wrap = ring + j->KH * ld;
#define KG_POOL_NEXT_ROW(p) ((p) + ld < wrap ? (p) + ld : (p) + ld - j->KH * ld)
        int64_t r = r0;
        for (; r + 1 < r1; r += 2) {
          kg_vec v0 = KG_LOADU(row);
          row = KG_POOL_NEXT_ROW(row);
          kg_vec v1 = KG_LOADU(row);
          row = KG_POOL_NEXT_ROW(row);
          if (careful) {
            a0 = KG_NAME(poolFold)(1, a0, v0, &nan);
            a1 = KG_NAME(poolFold)(1, a1, v1, &nan);
          } else {
            a0 = max ? KG_MAX(a0, v0) : KG_ADD(a0, v0);
            a1 = max ? KG_MAX(a1, v1) : KG_ADD(a1, v1);
          }
        }
#undef KG_POOL_NEXT_ROW
        if (r < r1) {
          kg_vec v = KG_LOADU(row);
          a0 = careful ? KG_NAME(poolFold)(1, a0, v, &nan)
               : max   ? KG_MAX(a0, v)
                       : KG_ADD(a0, v);
        }
        KG_NAME(storeOut)(j, yr, ow0, cols,
                          KG_NAME(poolResult)(max, a0, a1, nan));
      }
    }
  }
}

/* Max pools whose windows tile the plane: kernel KH x KW of at most 2 x 2,
 * strides the same, no padding, no dilation, every window inside x, y not
 * read (fresh), rows contiguous. A CRNN's 2 x 2 and 2 x 1 pools went
 * through poolPlanesRows' staged row, horizontal pass and ring of rows:
 * four times ONNX Runtime's time per node, a tenth of the model's. */
static int KG_NAME(poolTiles)(const KG_NAME(poolJob) * j) {
  return j->max && j->fresh && j->dh == 1 && j->dw == 1 && j->padT == 0 &&
         j->padL == 0 && j->sxw == 1 && j->syw == 1 && j->KH >= 1 &&
         j->KH <= 2 && j->KW >= 1 && j->KW <= 2 && j->sh == j->KH &&
         j->sw == j->KW && j->OH * j->KH <= j->H && j->OW * j->KW <= j->W;
}

/* The window maximum of output column ow of row pointers r0 and r1 (r1 ==
 * r0 for one-row windows), a NaN in the window propagated. */
static inline float KG_NAME(tileMax1)(const float *r0, const float *r1,
                                      int64_t ow, int64_t KW) {
  float m = r0[ow * KW];
  float v[3] = {KW == 2 ? r0[ow * KW + 1] : m, r1[ow * KW],
                KW == 2 ? r1[ow * KW + 1] : m};
  for (int i = 0; i < 3; ++i)
    if (m == m && (v[i] > m || v[i] != v[i]))
      m = v[i];
  return m;
}

/* Planes [begin, end) of a poolTiles pool: each output vector the maximum
 * of the window's KH rows' taps, loaded as whole vectors (stride 2: the
 * even and odd floats of two vectors). The vector maximum drops a NaN in
 * its first operand: a plane that holds one (or an inf - inf, the check's
 * false alarm) is done again by poolPlanesRows, which propagates it. */
static void KG_NAME(poolPlanesTiles)(void *p, int64_t begin, int64_t end) {
  const KG_NAME(poolJob) *j = (const KG_NAME(poolJob) *)p;
  const int64_t KH = j->KH, KW = j->KW, OW = j->OW;
  /* Output vectors whose loads stay inside the row (the odd floats of a
   * stride-2 vector are read one float further). */
  const int64_t full = KW == 2 ? (j->W - 1) / 2 / KG_W * KG_W
                               : j->W / KG_W * KG_W;
  const int64_t vecEnd = full < OW ? full : OW / KG_W * KG_W;
  for (int64_t plane = begin; plane < end; ++plane) {
    int64_t n = plane / j->C, c = plane % j->C;
    const float *x = j->x + n * j->sxn + c * j->sxc;
    float *y = j->y + n * j->syn + c * j->syc;
    int nan = 0;
    for (int64_t oh = 0; oh < j->OH && !nan; ++oh) {
      const float *r0 = x + oh * KH * j->sxh;
      const float *r1 = KH == 2 ? r0 + j->sxh : r0;
      float *yr = y + oh * j->syh;
      int64_t ow = 0;
      for (; ow < vecEnd; ow += KG_W) {
        /* The taps: the even and odd floats of each row (stride 2), or
         * its vector. */
        kg_vec a, b, check;
        if (KW == 2) {
          const kg_vec e0 = kg_load_even(r0 + 2 * ow),
                       o0 = kg_load_even(r0 + 2 * ow + 1),
                       e1 = kg_load_even(r1 + 2 * ow),
                       o1 = kg_load_even(r1 + 2 * ow + 1);
          a = KG_MAX(e0, o0);
          b = KG_MAX(e1, o1);
          check = KG_ADD(KG_ADD(e0, o0), KG_ADD(e1, o1));
        } else {
          a = KG_LOADU(r0 + ow);
          b = KG_LOADU(r1 + ow);
          check = KG_ADD(a, b);
        }
        /* Any NaN among the taps makes their sum NaN; the maxima may
         * have dropped it. */
        if (KG_ANYNAN(check)) {
          nan = 1;
          break;
        }
        KG_STOREU(yr + ow, KG_MAX(a, b));
      }
      for (; ow < OW && !nan; ++ow)
        yr[ow] = KG_NAME(tileMax1)(r0, r1, ow, KW);
    }
    if (nan)
      KG_NAME(poolPlanesRows)((void *)j, plane, plane + 1);
  }
}

/* Max (kind 0) or sum (kind 1) pooling of x [N, C, H, W] into y [N, C, OH,
 * OW], accumulating into y's values (with kind | 2: into the reduction's
 * identity, y's values unread): window KH x KW, strides sh, sw,
 * dilations dh, dw; taps outside x (padT rows above, padL columns left, and
 * whatever the output size implies below and right) are skipped, as a
 * padding of -inf (max) or 0 (sum) would leave them. Every buffer with its
 * element strides. */
KG_HIDDEN void KG_NAME(kiln_pool2d)(
    int64_t kind, int64_t N, int64_t C, int64_t H, int64_t W, int64_t OH,
    int64_t OW, int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t dh,
    int64_t dw, int64_t padT, int64_t padL, intptr_t x, int64_t sxn,
    int64_t sxc, int64_t sxh, int64_t sxw, intptr_t y, int64_t syn,
    int64_t syc, int64_t syh, int64_t syw) {
  if (N <= 0 || C <= 0 || OH <= 0 || OW <= 0)
    return;
  KG_NAME(poolJob) j = {(const float *)x, sxn, sxc, sxh, sxw, (float *)y,
                        syn, syc, syh, syw, C, H, W, OH, OW, KH, KW, sh, sw,
                        dh, dw, padT, padL, (kind & 1) == 0, (kind & 2) != 0,
                        NULL};
  if (KW <= 0)
    return;
  int64_t chunks = (OW + KG_W - 1) / KG_W;
  /* Planes per task: about 2^15 taps each, so a thread is not woken for
   * less work than that. */
  int64_t perPlane = OH * OW * KH * KW;
  int64_t grain =
      perPlane >= (1 << 15) ? 1 : (1 << 15) / (perPlane > 0 ? perPlane : 1);
  const int rowsFit = dh == 1 && sw <= 2 && KH >= 1 &&
                      KG_NAME(stagedFloats)(&j) + KG_W + KH * chunks * KG_W <=
                          KG_POOL_STACK_FLOATS;
  if (rowsFit && KG_NAME(poolTiles)(&j)) {
    kiln_parallel_for(0, N * C, grain, KG_NAME(poolPlanesTiles), &j);
    return;
  }
  if (rowsFit) {
    kiln_parallel_for(0, N * C, grain, KG_NAME(poolPlanesRows), &j);
    return;
  }
  KG_NAME(poolTap) *taps =
      (KG_NAME(poolTap) *)malloc(sizeof(KG_NAME(poolTap)) * chunks * KW);
  if (!taps)
    KG_OUT_OF_MEMORY(sizeof(KG_NAME(poolTap)) * chunks * KW);
  for (int64_t chunk = 0; chunk < chunks; ++chunk)
    for (int64_t kw = 0; kw < KW; ++kw)
      taps[chunk * KW + kw] = KG_NAME(planTap)(&j, chunk * KG_W, kw);
  j.taps = taps;
  kiln_parallel_for(0, N * C, grain, KG_NAME(poolPlanes), &j);
  free(taps);
}
