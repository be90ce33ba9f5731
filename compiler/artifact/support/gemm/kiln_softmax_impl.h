/*===- kiln_softmax_impl.h - Softmax along rows, once per ISA ------------===*
 *
 * Included by the ISA files after kiln_sgemm_impl.h (its vector operations,
 * vexp and the thread-pool entry). kiln-softmax-ukernel calls
 *
 *   kiln_softmax_<isa>(d0, d1, d2, n, x, sx0, sx1, sx2, sxn,
 *                      y, sy0, sy1, sy2, syn)
 *
 * for y = softmax(x) along its last dim (n elements) for every index of
 * the leading dims d0 x d1 x d2 (1 where the tensor has fewer), every
 * operand with element strides. Each row is read three times, as the
 * decomposed form would, but with one exp per element instead of two and
 * no divisions: max, then e = exp(x - max) stored into y while summing it,
 * then y *= 1 / sum (at most an ulp from e / sum, well inside the
 * conformance tolerances; the op-family tests compare with ORT).
 *
 * NaN in a row makes the whole row NaN, as the reference's exp(NaN - max)
 * in the sum does; a row of -inf is NaN (exp(-inf - -inf)), like ORT's.
 *
 *===--------------------------------------------------------------------===*/

typedef struct {
  int64_t d1, d2, n;
  const float *x;
  int64_t sx0, sx1, sx2, sxn;
  float *y;
  int64_t sy0, sy1, sy2, syn;
} KG_NAME(softmaxJob);

/* The largest lane of v, NaN if any lane is. */
static inline float KG_NAME(vhmax)(kg_vec v) {
  float t[KG_W] __attribute__((aligned(64)));
  KG_STOREU(t, v);
  float m = t[0];
  for (int i = 1; i < KG_W; ++i)
    m = t[i] > m || t[i] != t[i] ? t[i] : m;
  return m;
}

/* The sum of v's lanes, in lane order. */
static inline float KG_NAME(vhsum)(kg_vec v) {
  float t[KG_W] __attribute__((aligned(64)));
  KG_STOREU(t, v);
  float s = 0.0f;
  for (int i = 0; i < KG_W; ++i)
    s += t[i];
  return s;
}

/* y[i] = exp(x[i] - max) for the `full` (whole vectors) floats of x (y may
 * be x), and their sum lane by lane: softmax's and attention's exp pass. */
static inline kg_vec KG_NAME(vexpShifted)(const float *x, float *y,
                                          int64_t full, float max) {
  const kg_vec mb = KG_SET1(max);
  kg_vec sv = KG_SET1(0.0f);
  for (int64_t i = 0; i < full; i += KG_W) {
    kg_vec e = KG_NAME(vexp)(KG_LOADU(x + i) - mb);
    KG_STOREU(y + i, e);
    sv = sv + e;
  }
  return sv;
}

/* One row of n floats, unit strides. */
static void KG_NAME(softmaxRow)(const float *x, float *y, int64_t n) {
  const int64_t full = n - n % KG_W, rest = n - full;
  float tail[KG_W] __attribute__((aligned(64)));
  /* Max: a NaN makes the row NaN, as through the sum below. */
  kg_vec mv = KG_SET1(-__builtin_inff());
  for (int64_t i = 0; i < full; i += KG_W)
    mv = KG_MAX(mv, KG_LOADU(x + i));
  float m = KG_NAME(vhmax)(mv);
  for (int64_t i = full; i < n; ++i)
    m = x[i] > m ? x[i] : m;
  /* exp(x - max) into y, summed. */
  const kg_vec mb = KG_SET1(m);
  float sum = KG_NAME(vhsum)(KG_NAME(vexpShifted)(x, y, full, m));
  if (rest) {
    for (int64_t i = 0; i < KG_W; ++i)
      tail[i] = i < rest ? x[full + i] : m;
    KG_STOREU(tail, KG_NAME(vexp)(KG_LOADU(tail) - mb));
    for (int64_t i = 0; i < rest; ++i) {
      y[full + i] = tail[i];
      sum += tail[i];
    }
  }
  /* Scale. */
  const kg_vec r = KG_SET1(1.0f / sum);
  for (int64_t i = 0; i < full; i += KG_W)
    KG_STOREU(y + i, KG_LOADU(y + i) * r);
  for (int64_t i = full; i < n; ++i)
    y[i] *= 1.0f / sum;
}

/* Rows [begin, end) of the job, numbered over (d0, d1, d2). A row with
 * other strides goes through a contiguous copy. */
static void KG_NAME(softmaxRows)(void *p, int64_t begin, int64_t end) {
  const KG_NAME(softmaxJob) *j = (const KG_NAME(softmaxJob) *)p;
  const int64_t n = j->n;
  float *buffer = NULL;
  if (j->sxn != 1 || j->syn != 1) {
    buffer = KG_NAME(getScratch)((size_t)(2 * n));
    if (!buffer)
      KG_OUT_OF_MEMORY(KG_NAME(scratchRequest)); /* 2n floats */
  }
  for (int64_t r = begin; r < end; ++r) {
    int64_t i2 = r % j->d2, i1 = r / j->d2 % j->d1, i0 = r / j->d2 / j->d1;
    const float *x = j->x + i0 * j->sx0 + i1 * j->sx1 + i2 * j->sx2;
    float *y = j->y + i0 * j->sy0 + i1 * j->sy1 + i2 * j->sy2;
    if (!buffer) {
      KG_NAME(softmaxRow)(x, y, n);
      continue;
    }
    for (int64_t i = 0; i < n; ++i)
      buffer[i] = x[i * j->sxn];
    KG_NAME(softmaxRow)(buffer, buffer + n, n);
    for (int64_t i = 0; i < n; ++i)
      y[i * j->syn] = buffer[n + i];
  }
}

KG_HIDDEN void KG_NAME(kiln_softmax)(int64_t d0, int64_t d1, int64_t d2,
                                     int64_t n, intptr_t x, int64_t sx0,
                                     int64_t sx1, int64_t sx2, int64_t sxn,
                                     intptr_t y, int64_t sy0, int64_t sy1,
                                     int64_t sy2, int64_t syn) {
  if (d0 <= 0 || d1 <= 0 || d2 <= 0 || n <= 0)
    return;
  KG_NAME(softmaxJob) j = {d1,  d2,  n,  (const float *)x, sx0, sx1, sx2,
                           sxn, (float *)y, sy0, sy1, sy2, syn};
  const int64_t rows = d0 * d1 * d2;
  /* Tasks of at least 16K elements (about 10 us): fewer would cost more
   * in wake-ups than they save. */
  int64_t tasks = rows * n / 16384;
  if (tasks > rows)
    tasks = rows;
  if (tasks <= 1) {
    KG_NAME(softmaxRows)(&j, 0, rows);
    return;
  }
  kiln_parallel_for(0, rows, (rows + tasks - 1) / tasks,
                    KG_NAME(softmaxRows), &j);
}
