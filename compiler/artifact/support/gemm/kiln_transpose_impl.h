/*===- kiln_transpose_impl.h - Transposes of f32 tensors, per ISA ---------===*
 *
 * Included after kiln_sgemm_impl.h by each ISA's source file.
 *
 * kiln_transpose_<isa> copies x into y with its dims permuted
 * (linalg.transpose, kiln-transpose-ukernel): y's dims in order, up to six
 * (leading ones of size 1 where the tensor has fewer), and for each of them
 * its element stride in x and in y. As loops, a transpose that moves the
 * innermost dim read one float per iteration from a row 1 KiB away from
 * the last (a BERT encoder's K^T, [S, 4, 64] -> [4, 64, S]: 2.6 times ONNX
 * Runtime's time). Here:
 *
 *   - y's innermost dim contiguous in x too (heads split or merged,
 *     [S, 4, 64] -> [4, S, 64]): rows copied whole;
 *   - else, where another dim of y is contiguous in x: 8 x 8 blocks of
 *     those two dims loaded along x's rows, transposed in registers and
 *     stored along y's (kiln_transpose8.h; the SSE build copies them one
 *     float at a time);
 *   - else one float at a time.
 *
 *===--------------------------------------------------------------------===*/

#define KG_TR_RANK 6

typedef struct {
  const float *x;
  float *y;
  int64_t n[KG_TR_RANK], sx[KG_TR_RANK], sy[KG_TR_RANK];
  /* The dim of y contiguous in x (b) beside y's innermost one (a =
   * KG_TR_RANK - 1), or -1; the other dims, the batch, outermost first. */
  int64_t b;
  int64_t batchDims[KG_TR_RANK], numBatchDims;
  /* Per task: a batch index and, with b, a run of 8 of b's indices. */
  int64_t bBlocks;
} KG_NAME(trJob);

/* The offsets in x and y of batch index t. */
static inline void KG_NAME(trBatch)(const KG_NAME(trJob) * j, int64_t t,
                                    int64_t *ox, int64_t *oy) {
  *ox = 0;
  *oy = 0;
  for (int64_t i = j->numBatchDims - 1; i >= 0; --i) {
    int64_t d = j->batchDims[i];
    int64_t idx = t % j->n[d];
    t /= j->n[d];
    *ox += idx * j->sx[d];
    *oy += idx * j->sy[d];
  }
}

/* Rows of y's innermost dim, one per batch index in [begin, end). */
static void KG_NAME(trRows)(void *p, int64_t begin, int64_t end) {
  const KG_NAME(trJob) *j = (const KG_NAME(trJob) *)p;
  const int64_t a = KG_TR_RANK - 1, n = j->n[a], sx = j->sx[a], sy = j->sy[a];
  for (int64_t t = begin; t < end; ++t) {
    int64_t ox, oy;
    KG_NAME(trBatch)(j, t, &ox, &oy);
    const float *xr = j->x + ox;
    float *yr = j->y + oy;
    if (sx == 1 && sy == 1) {
      memcpy(yr, xr, (size_t)n * sizeof(float));
    } else {
      for (int64_t i = 0; i < n; ++i)
        yr[i * sy] = xr[i * sx];
    }
  }
}

/* Tasks [begin, end): batch index t / bBlocks, rows [8 r, 8 r + 8) of b
 * with r = t % bBlocks, all of a. */
static void KG_NAME(trBlocks)(void *p, int64_t begin, int64_t end) {
  const KG_NAME(trJob) *j = (const KG_NAME(trJob) *)p;
  const int64_t a = KG_TR_RANK - 1, b = j->b;
  const int64_t na = j->n[a], nb = j->n[b];
  const int64_t sxa = j->sx[a], sya = j->sy[a], syb = j->sy[b];
  for (int64_t t = begin; t < end; ++t) {
    int64_t ox, oy;
    KG_NAME(trBatch)(j, t / j->bBlocks, &ox, &oy);
    const int64_t ib0 = t % j->bBlocks * 8;
    const int64_t rows = nb - ib0 < 8 ? nb - ib0 : 8;
    /* x[ib + ia sxa] -> y[ib syb + ia sya]: x's rows run along b. */
    const float *xb = j->x + ox + ib0;
    float *yb = j->y + oy + ib0 * syb;
    int64_t ia = 0;
#ifdef __AVX__
    if (rows == 8 && sya == 1)
      for (; ia + 8 <= na; ia += 8)
        KG_NAME(transpose8)(xb + ia * sxa, sxa, yb + ia, syb);
#endif
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t k = ia; k < na; ++k)
        yb[i * syb + k * sya] = xb[i + k * sxa];
  }
}

/* y[i0, ..., i5] = x at the same indices through the strides sx (see
 * above): the sizes n0..n5 of y's dims, x and its strides per y dim, y
 * and its strides. */
KG_HIDDEN void KG_NAME(kiln_transpose)(
    int64_t n0, int64_t n1, int64_t n2, int64_t n3, int64_t n4, int64_t n5,
    intptr_t x, int64_t sx0, int64_t sx1, int64_t sx2, int64_t sx3,
    int64_t sx4, int64_t sx5, intptr_t y, int64_t sy0, int64_t sy1,
    int64_t sy2, int64_t sy3, int64_t sy4, int64_t sy5) {
  KG_NAME(trJob) j = {(const float *)x,
                      (float *)y,
                      {n0, n1, n2, n3, n4, n5},
                      {sx0, sx1, sx2, sx3, sx4, sx5},
                      {sy0, sy1, sy2, sy3, sy4, sy5},
                      -1,
                      {0},
                      0,
                      1};
  for (int d = 0; d < KG_TR_RANK; ++d)
    if (j.n[d] <= 0)
      return;
  const int64_t a = KG_TR_RANK - 1;
  /* The innermost dim of y other than a that x holds contiguously. */
  if (j.sx[a] != 1)
    for (int64_t d = a - 1; d >= 0; --d)
      if (j.n[d] > 1 && j.sx[d] == 1) {
        j.b = d;
        break;
      }
  for (int64_t d = 0; d < a; ++d)
    if (d != j.b)
      j.batchDims[j.numBatchDims++] = d;
  int64_t batches = 1;
  for (int64_t i = 0; i < j.numBatchDims; ++i)
    batches *= j.n[j.batchDims[i]];
  /* Tasks of about 2^14 floats each. */
  if (j.b < 0) {
    int64_t grain = (1 << 14) / j.n[a];
    kiln_parallel_for(0, batches, grain > 1 ? grain : 1, KG_NAME(trRows), &j);
    return;
  }
  j.bBlocks = (j.n[j.b] + 7) / 8;
  int64_t grain = (1 << 14) / (8 * j.n[a]);
  kiln_parallel_for(0, batches * j.bBlocks, grain > 1 ? grain : 1,
                    KG_NAME(trBlocks), &j);
}
