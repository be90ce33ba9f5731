/*===- kiln_pool_impl.h - Max and sum pooling over NCHW planes, per ISA ---===*
 *
 * Included after kiln_sgemm_impl.h by each ISA's source file, with its
 * vector operations (kiln_sgemm_impl.h) and these:
 *
 *   KG_NANMASK(v), KG_OR(a, b)
 *               all-ones lanes where v is NaN; bitwise or
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
      /* The window rows inside the input. */
      int64_t kh0 = 0, kh1 = j->KH;
      while (kh0 < kh1 && oh * j->sh + kh0 * j->dh - j->padT < 0)
        ++kh0;
      while (kh1 > kh0 && oh * j->sh + (kh1 - 1) * j->dh - j->padT >= j->H)
        --kh1;
      for (int64_t ow0 = 0, chunk = 0; ow0 < j->OW; ow0 += KG_W, ++chunk) {
        int64_t cols = j->OW - ow0 < KG_W ? j->OW - ow0 : KG_W;
        const KG_NAME(poolTap) *taps = j->taps + chunk * j->KW;
        /* The output's current values (the op accumulates into them). */
        kg_vec a0;
        if (j->syw == 1) {
          a0 = cols == KG_W ? KG_LOADU(yr + ow0)
                            : kg_loadrange_or(yr + ow0, 0, cols, fill);
        } else {
          float start[KG_W];
          for (int64_t l = 0; l < cols; ++l)
            start[l] = yr[(ow0 + l) * j->syw];
          a0 = kg_loadrange_or(start, 0, cols, fill);
        }
        /* Two accumulators, taps alternating: one chain of vector max or
         * add waits its latency on every tap. */
        kg_vec a1 = fill;
        kg_vec nan = KG_SET1(0.0f);
        for (int64_t kh = kh0; kh < kh1; ++kh) {
          const float *row = x + (oh * j->sh + kh * j->dh - j->padT) * j->sxh;
          int64_t kw = 0;
          for (; kw + 1 < j->KW; kw += 2) {
            kg_vec v0 = KG_NAME(loadTap)(j, taps + kw, row, cols, fill);
            kg_vec v1 = KG_NAME(loadTap)(j, taps + kw + 1, row, cols, fill);
            if (j->max) {
              /* max propagates NaN (as arith.maximumf): the vector max
               * returns its second operand when either is NaN, so NaNs
               * are collected aside and restored at the end. */
              nan = KG_OR(nan, KG_OR(KG_NANMASK(v0), KG_NANMASK(v1)));
              a0 = KG_MAX(a0, v0);
              a1 = KG_MAX(a1, v1);
            } else {
              a0 = KG_ADD(a0, v0);
              a1 = KG_ADD(a1, v1);
            }
          }
          if (kw < j->KW) {
            kg_vec v = KG_NAME(loadTap)(j, taps + kw, row, cols, fill);
            if (j->max) {
              nan = KG_OR(nan, KG_NANMASK(v));
              a0 = KG_MAX(a0, v);
            } else {
              a0 = KG_ADD(a0, v);
            }
          }
        }
        kg_vec r = j->max ? KG_OR(KG_MAX(a0, a1), nan) : KG_ADD(a0, a1);
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
    }
  }
}

/* Max (kind 0) or sum (kind 1) pooling of x [N, C, H, W] into y [N, C, OH,
 * OW], accumulating into y's values: window KH x KW, strides sh, sw,
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
                        dh, dw, padT, padL, kind == 0, NULL};
  if (KW <= 0)
    return;
  int64_t chunks = (OW + KG_W - 1) / KG_W;
  KG_NAME(poolTap) *taps =
      (KG_NAME(poolTap) *)malloc(sizeof(KG_NAME(poolTap)) * chunks * KW);
  if (!taps)
    KG_OUT_OF_MEMORY(sizeof(KG_NAME(poolTap)) * chunks * KW);
  for (int64_t chunk = 0; chunk < chunks; ++chunk)
    for (int64_t kw = 0; kw < KW; ++kw)
      taps[chunk * KW + kw] = KG_NAME(planTap)(&j, chunk * KG_W, kw);
  j.taps = taps;
  /* Planes per task: about 2^15 taps each, so a thread is not woken for
   * less work than that. */
  int64_t perPlane = OH * OW * KH * KW;
  int64_t grain =
      perPlane >= (1 << 15) ? 1 : (1 << 15) / (perPlane > 0 ? perPlane : 1);
  kiln_parallel_for(0, N * C, grain, KG_NAME(poolPlanes), &j);
  free(taps);
}
