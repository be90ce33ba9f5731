/*===- kiln_sgemm_impl.h - The fp32 GEMM kernel, once per ISA -----------===*
 *
 * Included by one source file per instruction set, each compiled with that
 * ISA's flags and defining
 *
 *   KG_NAME(x)  the suffixed name of x (kiln_sgemm_avx2, ...)
 *   KG_W        floats per vector register (4, 8, 16)
 *   KG_MR       rows of the register tile
 *   kg_vec, KG_LOADU, KG_STOREU, KG_SET1, KG_BCAST, KG_FMA
 *               the vector type and its operations, as intrinsics
 *   kg_loadn, kg_storen
 *               the first n < KG_W floats (masked where the ISA can)
 *   kg_loadrange
 *               lanes [lo, hi) of a vector, zeros elsewhere, touching no
 *               memory outside them
 *   kg_load_even
 *               every other float of 2 * KG_W (a stride-2 row of taps)
 *   kg_loadrange_or
 *               lanes [lo, hi) of a vector, `fill` elsewhere, touching no
 *               memory outside them
 *
 * The register tile is KG_MR x (2 * KG_W) of C: 2 * KG_MR accumulators,
 * two vectors of packed B and one broadcast of A per step. KG_MR is 6 with
 * 16 vector registers (AVX2: 12 accumulators, as in ONNX Runtime's MLAS
 * FMA3 kernel) and 12 with 32 (AVX-512: 24 accumulators).
 *
 * It also holds the depthwise 2-D convolution (kiln_dwconv2d_<isa>), which
 * shares the vector operations and the thread-pool entry.
 *
 * The GEMM entry computes, for every batch b,
 *
 *   C[b] += A[b] * B[b]      (M x K times K x N)
 *
 * with every operand addressed through element strides per dim, so
 * transposed, broadcast (stride 0) and strided views need no copies: the
 * caller (the code kiln-gemm-ukernel emits) passes the buffer's strides.
 * C holds its initial value (zeros, or a bias) and is accumulated into.
 *
 * Blocking follows the usual GotoBLAS scheme: B in blocks of KG_KC x KG_NC
 * packed into panels of 2 * KG_W columns (zero-padded), A in micro-panels
 * of KG_MR rows (zero-padded), so the inner kernel reads both contiguously
 * and the edges of M and N cost a padded tile, never scalar loops. With
 * at most KG_SMALL_M rows, B is not packed at all: a matrix-vector product
 * reads every element of B once, and packing would double that.
 *
 *===--------------------------------------------------------------------===*/

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifndef KG_NAME
#error "define KG_NAME, KG_W, KG_MR and the vector operations first"
#endif

#define KG_NR (2 * KG_W)
/* K and N block of packed B: 512 x 256 floats (512 KiB) stay in a 1 MiB L2,
 * and K up to 512 is one block (K = 320 in two blocks, the second short,
 * cost a 1x1 convolution on 7 x 7 pixels 3%). */
#define KG_KC 512
#define KG_NC 256
#define KG_SMALL_M 4
/* Steps of K a GEMM tile prefetches B's rows ahead. */
#define KG_PF_STEPS 8
/* K block of the direct convolution: its A is read from L2 a line per
 * step either way, and fewer blocks mean fewer passes over C. */
#define KG_DKC 1024

#define KG_HIDDEN __attribute__((visibility("hidden")))

#ifndef KG_L2_BYTES_DEFINED
#define KG_L2_BYTES_DEFINED
#include <cpuid.h>
/* The L2 of the core this runs on (CPUID 0x80000006, which AMD's and
 * Intel's cores both report), or 1 MiB where it says nothing; read once.
 * Blocking that keeps a task's operands in L2 sizes by it: the cores of
 * one ISA differ fourfold (an EPYC's Zen 3 has 512 KB, Emerald Rapids 2
 * MB). */
static inline int64_t kg_l2_bytes(void) {
  static int64_t cached;
  int64_t bytes = __atomic_load_n(&cached, __ATOMIC_RELAXED);
  if (bytes)
    return bytes;
  unsigned a = 0, b = 0, c = 0, d = 0;
  bytes = 1 << 20;
  if (__get_cpuid(0x80000006, &a, &b, &c, &d) && (c >> 16) >= 128)
    bytes = (int64_t)(c >> 16) << 10;
  __atomic_store_n(&cached, bytes, __ATOMIC_RELAXED);
  return bytes;
}
#endif

/* The ISA file defines kg_vec (its vector type) and these operations as
 * intrinsics: GCC's generic vector code reshuffles the broadcasts of A
 * (loads four, permutes) and spills accumulators. */
static inline kg_vec KG_NAME(load)(const float *p) { return KG_LOADU(p); }
static inline void KG_NAME(store)(float *p, kg_vec v) { KG_STOREU(p, v); }
static inline kg_vec KG_NAME(splat)(float x) { return KG_SET1(x); }

/* Defined by every artifact that calls these kernels (kiln-gemm-ukernel
 * declares it, compiler/artifact defines it): fails the run (or the chunk
 * of a parallel loop it is in) for `bytes` that could not be allocated, as
 * the generated code's own allocations do; it does not return. */
KG_HIDDEN void kiln_out_of_memory(uint64_t bytes);

/* Scratch a kernel cannot do without: the run fails with its size rather
 * than the process aborting (abort only if the run cannot be left). */
#define KG_OUT_OF_MEMORY(bytes)                                                \
  do {                                                                         \
    kiln_out_of_memory((uint64_t)(bytes));                                     \
    abort();                                                                   \
  } while (0)

/* Scratch for the packed blocks, one per thread, grown on demand and kept:
 * a run of many GEMMs allocates once. */
static __thread float *KG_NAME(scratch);
static __thread size_t KG_NAME(scratchFloats);

/* The bytes of this thread's last request for scratch that failed. */
static __thread uint64_t KG_NAME(scratchRequest);

/* A buffer of `floats` in *buf (grown on demand and kept), or NULL with
 * the request's size in scratchRequest. */
static float *KG_NAME(growScratch)(float **buf, size_t *have, size_t floats) {
  if (*have < floats) {
    KG_NAME(scratchRequest) = (uint64_t)floats * sizeof(float);
    free(*buf);
    *buf = (float *)aligned_alloc(64, (floats * 4 + 63) & ~63ul);
    *have = *buf ? floats : 0;
  }
  return *buf;
}

static float *KG_NAME(getScratch)(size_t floats) {
  return KG_NAME(growScratch)(&KG_NAME(scratch), &KG_NAME(scratchFloats),
                              floats);
}

/* A second scratch of the calling thread that the tasks of its parallel
 * loops share (they use their own getScratch meanwhile, which may be the
 * caller's): a block's transformed input, which a fresh allocation of
 * every call mapped and faulted in anew (1.2 MB: 6% of a 14 x 14 layer). */
static __thread float *KG_NAME(sharedScratch);
static __thread size_t KG_NAME(sharedScratchFloats);

static float *KG_NAME(getSharedScratch)(size_t floats) {
  return KG_NAME(growScratch)(&KG_NAME(sharedScratch),
                              &KG_NAME(sharedScratchFloats), floats);
}

/* Another core's output, pulled. With threads, a kernel's input was
 * written by the kernel before it on several cores, cut its own way: a
 * depthwise layer by channels, a pointwise one split by K by rows of C
 * (channels too), while a pointwise-depthwise task reads every channel of
 * a band of pixels. The lines the other core wrote come over one at a time
 * as the task's register tiles meet them (one pixel run's broadcasts per
 * channel: about 4 GB/s), the first task of each thread 8-12 us slower
 * than the others on 14 x 14. Read in address order first, a line per
 * load, they stream in at 24 GB/s. A number per kernel call tells a
 * thread's first task of a call (or of a band) from the others. */
static uint64_t KG_NAME(calls);
static __thread uint64_t KG_NAME(pulledCall), KG_NAME(pulledPart);

/* A number for a kernel call whose tasks pull their input. */
static inline uint64_t KG_NAME(newCall)(void) {
  return __atomic_add_fetch(&KG_NAME(calls), 1, __ATOMIC_RELAXED);
}

/* Whether this thread has not pulled part `part` of call `call` yet (and
 * now counts it as pulled). */
static inline int KG_NAME(firstPull)(uint64_t call, uint64_t part) {
  if (KG_NAME(pulledCall) == call && KG_NAME(pulledPart) == part)
    return 0;
  KG_NAME(pulledCall) = call;
  KG_NAME(pulledPart) = part;
  return 1;
}

/* Touches rows x n floats (rows `stride` floats apart) a cache line at a
 * time, in address order. */
static void KG_NAME(pull)(const float *p, int64_t rows, int64_t n,
                          int64_t stride) {
  float sum = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float *row = p + r * stride;
    for (int64_t i = 0; i < n; i += 16)
      sum += row[i];
    sum += row[n - 1];
  }
  /* Kept: the loads are the point. */
  __asm__ volatile("" : : "x"(sum));
}

/* Every other float of p[0, 2 * KG_W) (a stride-2 row of taps) whose index
 * lies in [lo, hi), `fill` in the other lanes; nothing outside [lo, hi) is
 * read. The two vectors are loaded masked into a staging pair and its even
 * floats taken (stores and loads of the same vectors: forwarded). */
static inline kg_vec KG_NAME(loadEvenRange)(const float *p, int64_t lo,
                                            int64_t hi, kg_vec fill) {
  float both[2 * KG_W];
  int64_t lo1 = lo > KG_W ? lo - KG_W : 0;
  int64_t hi0 = hi < KG_W ? hi : KG_W;
  int64_t hi1 = hi > KG_W ? hi - KG_W : 0;
  KG_STOREU(both, lo < hi0 ? kg_loadrange_or(p, lo, hi0, fill) : fill);
  KG_STOREU(both + KG_W,
            lo1 < hi1 ? kg_loadrange_or(p + KG_W, lo1, hi1, fill) : fill);
  return kg_load_even(both);
}

#include "kiln_sgemm_epilogue.h"
#include "kiln_transpose8.h"

#if KG_W >= 8
/* Stores a register tile of C^T (C's columns contiguous, scm == 1: a
 * product computed transposed): each 8 x 8 block of the tile transposed
 * in registers and stored as runs of up to 8 along C's columns, instead of
 * a float at a time. */
static inline __attribute__((always_inline)) void
KG_NAME(storeTileT)(const kg_vec *acc0, const kg_vec *acc1, float *c,
                    int64_t scn, int64_t mr, int64_t nr, const float *bias,
                    int64_t sbias, const KG_NAME(epi) *e, const int rows) {
  const int perVec = KG_W / 8;
#pragma GCC unroll 2
  for (int g = 0; g < rows; g += 8) {
    if (g >= mr)
      break;
#pragma GCC unroll 4
    for (int l = 0; l < KG_NR / 8; ++l) {
      if (8 * l >= nr)
        break;
      __m256 r[8];
#pragma GCC unroll 8
      for (int i = 0; i < 8; ++i) {
        const int row = g + i;
        if (row >= rows || row >= mr) {
          r[i] = _mm256_setzero_ps();
          continue;
        }
        r[i] = KG_NAME(lanes8)(l < perVec ? acc0[row] : acc1[row], l % perVec);
        if (bias)
          r[i] = _mm256_add_ps(r[i], _mm256_set1_ps(bias[row * sbias]));
      }
      KG_NAME(storeT8)(r, c + 8 * l * scn + g, scn, mr - g < 8 ? mr - g : 8,
                       nr - 8 * l, bias == NULL, e);
    }
  }
}
#endif

/* Stores an edge tile (see storeTile): the padded rows and columns are
 * dropped here, with masked loads and stores when C's rows are contiguous. */
static inline __attribute__((always_inline)) void
KG_NAME(storeEdgeTile)(const kg_vec *acc0, const kg_vec *acc1, float *c,
                       int64_t scm, int64_t scn, int64_t mr, int64_t nr,
                       const float *bias, int64_t sbias, const int rows) {
  if (scn == 1) {
    int64_t n0 = nr < KG_W ? nr : KG_W, n1 = nr - n0;
#pragma GCC unroll 16
    for (int i = 0; i < rows; ++i) {
      if (i >= mr)
        break;
      float *row = c + i * scm;
      kg_vec s = bias ? KG_SET1(bias[i * sbias]) : KG_SET1(0);
      if (n0 == KG_W)
        KG_NAME(store)(row, (bias ? s : KG_NAME(load)(row)) + acc0[i]);
      else
        kg_storen(row, (bias ? s : kg_loadn(row, n0)) + acc0[i], n0);
      if (n1 == KG_W)
        KG_NAME(store)(row + KG_W,
                       (bias ? s : KG_NAME(load)(row + KG_W)) + acc1[i]);
      else if (n1 > 0)
        kg_storen(row + KG_W, (bias ? s : kg_loadn(row + KG_W, n1)) + acc1[i],
                  n1);
    }
    return;
  }
  float tmp[KG_MR][KG_NR] __attribute__((aligned(64)));
  for (int i = 0; i < rows; ++i) {
    *(kg_vec *)&tmp[i][0] = acc0[i];
    *(kg_vec *)&tmp[i][KG_W] = acc1[i];
  }
  for (int64_t i = 0; i < mr; ++i)
    for (int64_t j = 0; j < nr; ++j) {
      float *out = c + i * scm + j * scn;
      *out = (bias ? bias[i * sbias] : *out) + tmp[i][j];
    }
}

/* A full register tile stored as act(start + tile + residual), start the
 * bias or C, res the residual's tile or NULL. Inlined with a constant act
 * and `rows`. */
static inline __attribute__((always_inline)) void
KG_NAME(storeFullTile)(const kg_vec *acc0, const kg_vec *acc1, float *c,
                       int64_t scm, const float *bias, int64_t sbias,
                       const float *res, const KG_NAME(epi) *e,
                       const int act, const int rows) {
  const kg_vec alpha = KG_SET1(e ? e->alpha : 0);
  const kg_vec beta = KG_SET1(e ? e->beta : 0);
#pragma GCC unroll 16
  for (int i = 0; i < rows; ++i) {
    float *row = c + i * scm;
    kg_vec s0 = bias ? KG_SET1(bias[i * sbias]) : KG_NAME(load)(row);
    kg_vec s1 = bias ? KG_SET1(bias[i * sbias]) : KG_NAME(load)(row + KG_W);
    kg_vec v0 = s0 + acc0[i], v1 = s1 + acc1[i];
    if (res) {
      v0 += KG_LOADU(res + i * scm);
      v1 += KG_LOADU(res + i * scm + KG_W);
    }
    KG_NAME(store)(row, KG_NAME(activate)(v0, act, alpha, beta));
    KG_NAME(store)(row + KG_W, KG_NAME(activate)(v1, act, alpha, beta));
  }
}

/* Stores the accumulators of a register tile: C[0:mr, 0:nr] plus the tile,
 * or with a bias, bias[i * sbias] plus the tile (C is not read), then the
 * epilogue e (NULL: none; given only with a tile's last products). C^T
 * (contiguous columns) goes 8 x 8 blocks at a time (storeTileT). A full
 * tile with rows of C contiguous applies the residual and the activation
 * to its registers: as a pass over the finished block it had cost
 * MobileNetV2 5%, and as a pass over each stored tile more (a SiLU after
 * a 192 -> 192 pointwise layer on 40 x 40 took 0.19 ms that way, finish's
 * setup per tile as long as its arithmetic; 0.08 ms in registers). Edge
 * tiles go through finish on the stored tile (in L1): applied per vector
 * there, the activations' code inlined into every tile variant made GCC
 * spill the accumulators of the hot loop (BERT's GEMMs 2x slower).
 * Inlined into each tile with a constant `rows`, so acc0/acc1 stay in
 * registers. */
static inline __attribute__((always_inline)) void
KG_NAME(storeTile)(const kg_vec *acc0, const kg_vec *acc1, float *c,
                   int64_t scm, int64_t scn, int64_t mr, int64_t nr,
                   const float *bias, int64_t sbias,
                   const KG_NAME(epi) *e, const int rows) {
#if KG_W >= 8
  if (scm == 1 && scn != 1) {
    KG_NAME(storeTileT)(acc0, acc1, c, scn, mr, nr, bias, sbias, e, rows);
    return;
  }
#endif
  if (mr == rows && nr == KG_NR && scn == 1) {
    const float *res = e && e->res ? e->res + (c - e->c0) : NULL;
#define KG_STORE_FULL(act)                                                     \
  KG_NAME(storeFullTile)(acc0, acc1, c, scm, bias, sbias, res, e, act, rows)
    switch (e ? e->act : KILN_ACT_NONE) {
    case KILN_ACT_RELU:
      KG_STORE_FULL(KILN_ACT_RELU);
      return;
    case KILN_ACT_CLIP:
      KG_STORE_FULL(KILN_ACT_CLIP);
      return;
    case KILN_ACT_LEAKY_RELU:
      KG_STORE_FULL(KILN_ACT_LEAKY_RELU);
      return;
    case KILN_ACT_HARD_SIGMOID:
      KG_STORE_FULL(KILN_ACT_HARD_SIGMOID);
      return;
    case KILN_ACT_HARD_SWISH:
      KG_STORE_FULL(KILN_ACT_HARD_SWISH);
      return;
    case KILN_ACT_NONE:
      KG_STORE_FULL(KILN_ACT_NONE);
      return;
    case KILN_ACT_SIGMOID:
      KG_STORE_FULL(KILN_ACT_SIGMOID);
      return;
    case KILN_ACT_SILU:
      KG_STORE_FULL(KILN_ACT_SILU);
      return;
    case KILN_ACT_TANH:
      KG_STORE_FULL(KILN_ACT_TANH);
      return;
    case KILN_ACT_GELU:
      KG_STORE_FULL(KILN_ACT_GELU);
      return;
    default:
      KG_NAME(storeFullTile)(acc0, acc1, c, scm, bias, sbias, NULL, NULL,
                             KILN_ACT_NONE, rows);
      KG_NAME(finish)(e, c, scm, scn, mr, nr);
      return;
    }
#undef KG_STORE_FULL
  }
  KG_NAME(storeEdgeTile)(acc0, acc1, c, scm, scn, mr, nr, bias, sbias, rows);
  KG_NAME(finish)(e, c, scm, scn, mr, nr);
}

/* The register tile's products over kc steps: acc = Ap * B, where Ap holds
 * KG_MR values of A per step (the first `rows` used) and B's row for step
 * k is bp + k * ldb (a packed panel: ldb = KG_NR; B read in place: its row
 * stride) or, with kOff, bp + kOff[k] (a convolution's tap in its input
 * copy); `vecs` vectors of it. With `prefetch`, each step prefetches B's
 * row `ahead` floats ahead. Inlined with constant rows, vecs, kOff-ness
 * and prefetch, so acc0/acc1 stay in registers (with a run-time prefetch
 * flag GCC spilled half of them). */
static inline __attribute__((always_inline)) void
KG_NAME(accumulate)(int64_t kc, const float *restrict ap, const float *bp,
                    int64_t ldb, const int64_t *restrict kOff, kg_vec *acc0,
                    kg_vec *acc1, const int prefetch, int64_t ahead,
                    const int rows, const int vecs) {
#pragma GCC unroll 16
  for (int i = 0; i < rows; ++i)
    acc0[i] = acc1[i] = KG_SET1(0);
#pragma GCC unroll 2
  for (int64_t k = 0; k < kc; ++k) {
    const float *row = kOff ? bp + kOff[k] : bp + k * ldb;
    if (prefetch) {
      __builtin_prefetch(row + ahead);
      if (vecs == 2)
        __builtin_prefetch(row + ahead + KG_W);
    }
    kg_vec b0 = KG_LOADU(row);
    kg_vec b1 = vecs == 2 ? KG_LOADU(row + KG_W) : b0;
#pragma GCC unroll 16
    for (int i = 0; i < rows; ++i) {
      kg_vec a = KG_BCAST(ap + i);
      acc0[i] = KG_FMA(a, b0, acc0[i]);
      if (vecs == 2)
        acc1[i] = KG_FMA(a, b1, acc1[i]);
    }
    ap += KG_MR;
  }
}

/* The register tile: C[0:mr, 0:nr] += Ap * Bp over kc steps, where Ap holds
 * KG_MR values of A per step (the first `rows` of them used, rows >= mr)
 * and Bp a row of B per step, ldb floats apart (KG_NR in a packed panel).
 * Inlined with a constant `rows`. */
static inline __attribute__((always_inline)) void
KG_NAME(tileRows)(int64_t kc, const float *restrict ap,
                  const float *restrict bp, int64_t ldb, float *c,
                  int64_t scm, int64_t scn, int64_t mr, int64_t nr,
                  const float *bias, int64_t sbias, const KG_NAME(epi) *e,
                  const int prefetch, int64_t ahead, const int rows,
                  const int vecs) {
  kg_vec acc0[KG_MR], acc1[KG_MR];
  KG_NAME(accumulate)(kc, ap, bp, ldb, NULL, acc0, acc1, prefetch, ahead,
                      rows, vecs);
#if KG_W == 8
  /* AVX2's 16 registers: the 12 accumulators, B's two vectors and A's
   * broadcast fill them, and with the bias and the epilogue's constants
   * live after the loop GCC stored five accumulators to the stack on
   * every step of K (a third of ResNet-18's streamed tiles on an EPYC).
   * Through memory, nothing but the accumulators is live at the loop's
   * end. */
  float spill[2][KG_MR][KG_W] __attribute__((aligned(32)));
#pragma GCC unroll 16
  for (int i = 0; i < rows; ++i) {
    KG_STOREU(spill[0][i], acc0[i]);
    if (vecs == 2)
      KG_STOREU(spill[1][i], acc1[i]);
  }
  __asm__ volatile("" : : "r"(spill) : "memory");
#pragma GCC unroll 16
  for (int i = 0; i < rows; ++i) {
    acc0[i] = KG_LOADU(spill[0][i]);
    if (vecs == 2)
      acc1[i] = KG_LOADU(spill[1][i]);
  }
#endif
  KG_NAME(storeTile)(acc0, acc1, c, scm, scn, mr, nr, bias, sbias, e, rows);
}

/* The tile for mr rows: a third, two thirds or all of KG_MR register
 * rows (so an edge of M, 64 rows as 5 full AVX-512 tiles and 4 rows, does
 * not cost a full tile), and one vector of columns when nr fits in one (N
 * = 97 is three full tiles and a half one, not two). */
#define KG_BY_ROWS(call, mr, ...)                                              \
  do {                                                                         \
    if ((mr) > 2 * KG_MR / 3)                                                  \
      call(__VA_ARGS__, KG_MR);                                                \
    else if ((mr) > KG_MR / 3)                                                 \
      call(__VA_ARGS__, 2 * KG_MR / 3);                                        \
    else                                                                       \
      call(__VA_ARGS__, KG_MR / 3);                                            \
  } while (0)
#define KG_TILE1(...) KG_NAME(tileRows)(__VA_ARGS__, 1)
#define KG_TILE2(...) KG_NAME(tileRows)(__VA_ARGS__, 2)
/* The tile's row and column variants, with B's rows ldb floats apart and
 * `prefetch` and `ahead` as in accumulate (prefetch a constant). */
static inline __attribute__((always_inline)) void
KG_NAME(tileVariant)(int64_t kc, const float *restrict ap,
                     const float *restrict bp, int64_t ldb, float *c,
                     int64_t scm, int64_t scn, int64_t mr, int64_t nr,
                     const float *bias, int64_t sbias, const KG_NAME(epi) *e,
                     const int prefetch, int64_t ahead) {
  if (nr > KG_W)
    KG_BY_ROWS(KG_TILE2, mr, kc, ap, bp, ldb, c, scm, scn, mr, nr, bias,
               sbias, e, prefetch, ahead);
  else
    KG_BY_ROWS(KG_TILE1, mr, kc, ap, bp, ldb, c, scm, scn, mr, nr, bias,
               sbias, e, prefetch, ahead);
}

/* A tile on a panel packed at run time (KG_NR floats per step of K). */
static void KG_NAME(tile)(int64_t kc, const float *restrict ap,
                          const float *restrict bp, float *c, int64_t scm,
                          int64_t scn, int64_t mr, int64_t nr,
                          const float *bias, int64_t sbias,
                          const KG_NAME(epi) *e) {
  KG_NAME(tileVariant)(kc, ap, bp, KG_NR, c, scm, scn, mr, nr, bias, sbias, e,
                       0, 0);
}

/* tile() on a panel packed at compile time, all K rows of the weights:
 * streamed from L2 or beyond, so its rows are prefetched `ahead` floats
 * ahead (the hardware prefetchers left a tenth of a transformer's GEMM
 * time waiting on them). A panel just packed at run time is in L1, where
 * the prefetches only cost load slots (MobileNetV2: 1.5% slower). */
static void KG_NAME(tileStreamed)(int64_t kc, const float *restrict ap,
                                  const float *restrict bp, float *c,
                                  int64_t scm, int64_t scn, int64_t mr,
                                  int64_t nr, const float *bias,
                                  int64_t sbias, const KG_NAME(epi) *e,
                                  int64_t ahead) {
  KG_NAME(tileVariant)(kc, ap, bp, KG_NR, c, scm, scn, mr, nr, bias, sbias, e,
                       1, ahead);
}

/* tile() with B read in place, a row per step ldb floats apart, rows
 * prefetched `ahead` floats ahead (0: none): every vector the tile loads
 * must lie inside B (nr = KG_NR, or KG_W with one vector). */
static void KG_NAME(tileInPlace)(int64_t kc, const float *restrict ap,
                                 const float *restrict bp, int64_t ldb,
                                 float *c, int64_t scm, int64_t mr,
                                 int64_t nr, const float *bias,
                                 int64_t sbias, const KG_NAME(epi) *e,
                                 int64_t ahead) {
  if (ahead)
    KG_NAME(tileVariant)(kc, ap, bp, ldb, c, scm, 1, mr, nr, bias, sbias, e, 1,
                         ahead);
  else
    KG_NAME(tileVariant)(kc, ap, bp, ldb, c, scm, 1, mr, nr, bias, sbias, e, 0,
                         0);
}

/* B[k0:k0+kc, n0:n0+nc] into panels of KG_NR columns, zero-padded. */
static void KG_NAME(packB)(int64_t kc, int64_t nc, const float *b,
                           int64_t sbk, int64_t sbn, float *restrict out) {
  for (int64_t j0 = 0; j0 < nc; j0 += KG_NR) {
    int64_t nr = nc - j0 < KG_NR ? nc - j0 : KG_NR;
    const float *src = b + j0 * sbn;
    if (nr == KG_NR && sbn == 1) {
      for (int64_t k = 0; k < kc; ++k, out += KG_NR) {
        *(kg_vec *)out = KG_NAME(load)(src + k * sbk);
        *(kg_vec *)(out + KG_W) = KG_NAME(load)(src + k * sbk + KG_W);
      }
      continue;
    }
    if (sbk == 1) {
      /* A transposed B (Gemm transB, a weight stored [N, K], the weights
       * of a transposed convolution): each column is contiguous along K.
       * With AVX, 8 x 8 blocks are transposed in registers; the rest reads
       * columns and writes them strided into the panel, which stays in L1,
       * rather than gather one cache line per element. */
      int64_t k8 = 0;
#ifdef __AVX__
      if (nr == KG_NR) {
        for (; k8 + 8 <= kc; k8 += 8)
          for (int64_t j = 0; j < KG_NR; j += 8)
            KG_NAME(transpose8)(src + j * sbn + k8, sbn,
                                out + k8 * KG_NR + j, KG_NR);
      }
#endif
      for (int64_t j = 0; j < KG_NR; ++j) {
        const float *col = src + j * sbn;
        float *dst = out + j;
        if (j < nr)
          for (int64_t k = k8; k < kc; ++k)
            dst[k * KG_NR] = col[k];
        else
          for (int64_t k = k8; k < kc; ++k)
            dst[k * KG_NR] = 0;
      }
      out += kc * KG_NR;
      continue;
    }
    for (int64_t k = 0; k < kc; ++k, out += KG_NR) {
      int64_t j = 0;
      for (; j < nr; ++j)
        out[j] = src[k * sbk + j * sbn];
      for (; j < KG_NR; ++j)
        out[j] = 0;
    }
  }
}

/* A[m0:m0+mr, k0:k0+kc] as kc steps of KG_MR values, zero-padded rows. */
/* Steps [k0, kc) of packA one float at a time: mr rows, zeros after. */
static inline void KG_NAME(packAScalar)(int64_t mr, int64_t k0, int64_t kc,
                                        const float *a, int64_t sam,
                                        int64_t sak, float *restrict out) {
  for (int64_t k = k0; k < kc; ++k) {
    float *step = out + k * KG_MR;
    int64_t i = 0;
    for (; i < mr; ++i)
      step[i] = a[i * sam + k * sak];
    for (; i < KG_MR; ++i)
      step[i] = 0;
  }
}

static void KG_NAME(packA)(int64_t mr, int64_t kc, const float *a,
                           int64_t sam, int64_t sak, float *restrict out) {
#if defined(__AVX__) && KG_MR >= 8
  if (mr >= 8 && sak == 1) {
    /* Eight steps at a time, blocks of 8 rows transposed in registers: a
     * step's values are a column of A, one float from each row, and the
     * scalar gather below cost a transformer's GEMMs 9% of their time. The
     * last block starts at mr - 8 (rows 4 to 11 after 0 to 7 for AVX-512's
     * 12): rows in both are written twice, with the same values. A last
     * panel of 8 to 11 rows (128 rows are 10 panels of 12 and one of 8)
     * gets zeros after its rows. */
    int64_t k = 0;
    for (; k + 8 <= kc; k += 8) {
      for (int64_t i0 = 0; i0 < mr; i0 += 8) {
        int64_t r0 = i0 + 8 <= mr ? i0 : mr - 8;
        KG_NAME(transpose8)(a + r0 * sam + k, sam, out + k * KG_MR + r0,
                            KG_MR);
      }
      for (int64_t s = k; s < k + 8; ++s)
        for (int64_t i = mr; i < KG_MR; ++i)
          out[s * KG_MR + i] = 0;
    }
    KG_NAME(packAScalar)(mr, k, kc, a, sam, 1, out);
    return;
  }
#endif
#if defined(__AVX__) && KG_W == 8 && KG_MR == 6
  if (sak == 1) {
    /* AVX2's panels of 6 rows: eight steps at a time, the rows (zeros
     * past mr) transposed in registers and each step's 8 lanes stored 6
     * floats apart, the next store overwriting the two lanes past the
     * step (the last stores its 6 alone). The scalar gather took 4% of a
     * transformer's time on an EPYC. */
    int64_t k = 0;
    for (; k + 8 <= kc; k += 8) {
      __m256 r[8], o[8];
      for (int i = 0; i < 8; ++i)
        r[i] = i < mr ? _mm256_loadu_ps(a + i * sam + k)
                      : _mm256_setzero_ps();
      KG_NAME(transpose8x8)(r, o);
      float *step = out + k * KG_MR;
      for (int s = 0; s < 7; ++s)
        _mm256_storeu_ps(step + s * KG_MR, o[s]);
      kg_storen(step + 7 * KG_MR, o[7], KG_MR);
    }
    KG_NAME(packAScalar)(mr, k, kc, a, sam, 1, out);
    return;
  }
#endif
  if (mr == KG_MR && sak == 1) {
    for (int64_t k = 0; k < kc; ++k, out += KG_MR)
#pragma GCC unroll 16
      for (int i = 0; i < KG_MR; ++i)
        out[i] = a[i * sam + k];
    return;
  }
  if (sam == 1) {
    /* A transposed (a pointwise convolution's pixels as rows): a step's
     * values are contiguous, a vector or two of them. */
    for (int64_t k = 0; k < kc; ++k, out += KG_MR)
      for (int64_t i = 0; i < KG_MR; i += KG_W) {
        int64_t n = mr - i < KG_W ? mr - i : KG_W;
        int64_t room = KG_MR - i < KG_W ? KG_MR - i : KG_W;
        kg_vec v = n <= 0 ? KG_SET1(0) : kg_loadn(a + k * sak + i, n);
        kg_storen(out + i, v, room);
      }
    return;
  }
  KG_NAME(packAScalar)(mr, 0, kc, a, sam, sak, out);
}

/* Few rows: C[m, :] += A[m, :] * B without packing. B with unit stride
 * along N streams rows of B into 4-vector accumulators; B with unit stride
 * along K (a transposed weight, Gemm transB) is a dot product per column. */
static int KG_NAME(smallM)(int64_t M, int64_t N, int64_t K, const float *a,
                           int64_t sam, int64_t sak, const float *b,
                           int64_t sbk, int64_t sbn, float *c, int64_t scm,
                           int64_t scn) {
  if (sbn == 1) {
    for (int64_t m = 0; m < M; ++m) {
      const float *arow = a + m * sam;
      float *crow = c + m * scm;
      int64_t n = 0;
      for (; n + 4 * KG_W <= N; n += 4 * KG_W) {
        kg_vec s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
        const float *bp = b + n;
        for (int64_t k = 0; k < K; ++k, bp += sbk) {
          kg_vec x = KG_NAME(splat)(arow[k * sak]);
          s0 += x * KG_NAME(load)(bp);
          s1 += x * KG_NAME(load)(bp + KG_W);
          s2 += x * KG_NAME(load)(bp + 2 * KG_W);
          s3 += x * KG_NAME(load)(bp + 3 * KG_W);
        }
        kg_vec s[4] = {s0, s1, s2, s3};
        for (int q = 0; q < 4; ++q)
          for (int j = 0; j < KG_W; ++j)
            crow[(n + q * KG_W + j) * scn] += s[q][j];
      }
      for (; n + KG_W <= N; n += KG_W) {
        kg_vec s0 = {0};
        const float *bp = b + n;
        for (int64_t k = 0; k < K; ++k, bp += sbk)
          s0 += KG_NAME(splat)(arow[k * sak]) * KG_NAME(load)(bp);
        for (int j = 0; j < KG_W; ++j)
          crow[(n + j) * scn] += s0[j];
      }
      if (n < N) {
        /* The last columns: a vector of B read through a zero-padded copy
         * of each row's tail. */
        int64_t rest = N - n;
        kg_vec s0 = {0};
        for (int64_t k = 0; k < K; ++k) {
          float tail[KG_W] __attribute__((aligned(64))) = {0};
          memcpy(tail, b + k * sbk + n, rest * sizeof(float));
          s0 += KG_NAME(splat)(arow[k * sak]) * *(const kg_vec *)tail;
        }
        for (int64_t j = 0; j < rest; ++j)
          crow[(n + j) * scn] += s0[j];
      }
    }
    return 1;
  }
  if (sbk == 1 && sak == 1) {
    for (int64_t m = 0; m < M; ++m) {
      const float *arow = a + m * sam;
      for (int64_t n = 0; n < N; ++n) {
        const float *bcol = b + n * sbn;
        kg_vec s0 = {0}, s1 = {0};
        int64_t k = 0;
        for (; k + 2 * KG_W <= K; k += 2 * KG_W) {
          s0 += KG_NAME(load)(arow + k) * KG_NAME(load)(bcol + k);
          s1 += KG_NAME(load)(arow + k + KG_W) * KG_NAME(load)(bcol + k + KG_W);
        }
        s0 += s1;
        float sum = 0;
        for (int j = 0; j < KG_W; ++j)
          sum += s0[j];
        for (; k < K; ++k)
          sum += arow[k] * bcol[k];
        c[m * scm + n * scn] += sum;
      }
    }
    return 1;
  }
  return 0;
}

/* An implicit B for a 2-D convolution: B[k, p] with k = (c, kh, kw) and
 * p = (oh, ow) - pBase is x[c, oh * sh - padT + kh * dh, ow * sw - padL +
 * kw * dw] of one unpadded image [C, H, W], zero outside it, read while
 * packing instead of from an im2col copy. */
typedef struct {
  const float *x;
  int64_t sxc, sxh, sxw;
  int64_t H, W, KH, KW, OW, sh, sw, dh, dw, padT, padL;
  int64_t pBase; /* the first pixel of the task's columns */
  /* A (the weights) packed once per call for all tasks (see prepackA), or
   * NULL: each task packs its own. */
  const float *aPre;
  /* A stored transposed in panels of KG_CV_LANES filters (the group's
   * aTM filters rounded up to KG_W, zeros; see kiln_sgemm_chanvec.h) for
   * the task's filters from aTm0 on, or NULL. */
  const float *aT;
  int64_t aTm0, aTM;
  /* The phase-plane copy of all the image's rows, made once per call for
   * tasks that split the filters over the same pixels (see precopyPhases),
   * or NULL: each task copies its own. */
  const float *xPre;
  /* A part of the channels (split K, pointwise layers read from x only):
   * channels kBase .. kBase + K of kAll, the transposed weights' rows per
   * panel; kAll 0: all of them. */
  int64_t kBase, kAll;
} KG_NAME(convB);

/* dst[0, n) = src[0, n) with n <= 2 * KG_W, or zeros with src NULL. */
static inline void KG_NAME(copyRun)(float *dst, const float *src, int64_t n) {
  for (int64_t q = 0; q < n; q += KG_W) {
    int64_t m = n - q < KG_W ? n - q : KG_W;
    kg_vec v = src ? (m == KG_W ? KG_LOADU(src + q) : kg_loadn(src + q, m))
                   : KG_SET1(0);
    if (m == KG_W)
      KG_STOREU(dst + q, v);
    else
      kg_storen(dst + q, v, m);
  }
}

/* B[k0:k0+kc, n0:n0+nc] of an implicit convolution B, packed as packB
 * does. With a unit input stride along W, the pixels of a panel fall into
 * a few runs (one per output row it touches), each contiguous in x for
 * every k: they are copied a vector at a time, masked at their ends; a run
 * whose taps all lie inside x needs no bounds checks, one at the border
 * copies the part inside and zeros the rest. Other strides gather element
 * by element (kiln-conv-to-gemm keeps those convolutions on im2col, so
 * this is the rare path). */
static void KG_NAME(packConvB)(const KG_NAME(convB) *g, int64_t k0,
                               int64_t kc, int64_t n0, int64_t nc,
                               float *restrict out) {
  /* Per k = (c, kh, kw) of the block: its offset in x and its tap. */
  int64_t kOff[KG_KC], kH[KG_KC], kW[KG_KC];
  {
    const int64_t taps = g->KH * g->KW;
    int64_t c = k0 / taps, r = k0 % taps;
    int64_t kh = r / g->KW, kw = r % g->KW;
    for (int64_t k = 0; k < kc; ++k) {
      kH[k] = kh * g->dh;
      kW[k] = kw * g->dw;
      kOff[k] = c * g->sxc + kH[k] * g->sxh + kW[k] * g->sxw;
      if (++kw == g->KW) {
        kw = 0;
        if (++kh == g->KH)
          kh = 0, ++c;
      }
    }
  }
  const int64_t H = g->H, W = g->W;
  const int64_t reachH = (g->KH - 1) * g->dh, reachW = (g->KW - 1) * g->dw;
  const int unit = g->sw == 1 && g->sxw == 1;
  for (int64_t j0 = 0; j0 < nc; j0 += KG_NR, out += kc * KG_NR) {
    int64_t nr = nc - j0 < KG_NR ? nc - j0 : KG_NR;
    int64_t p0 = g->pBase + n0 + j0;
    if (!unit) {
      for (int64_t j = 0; j < KG_NR; ++j) {
        int64_t p = p0 + j;
        int64_t ih0 = p / g->OW * g->sh - g->padT;
        int64_t iw0 = p % g->OW * g->sw - g->padL;
        for (int64_t k = 0; k < kc; ++k) {
          int64_t ih = ih0 + kH[k], iw = iw0 + kW[k];
          out[k * KG_NR + j] =
              j < nr && ih >= 0 && ih < H && iw >= 0 && iw < W
                  ? g->x[kOff[k] + (ih0 * g->sxh + iw0 * g->sxw)]
                  : 0;
        }
      }
      continue;
    }
    if (nr < KG_NR)
      for (int64_t k = 0; k < kc; ++k)
        KG_NAME(copyRun)(out + k * KG_NR + nr, NULL, KG_NR - nr);
    /* Each run of pixels [j, end) along one output row. */
    for (int64_t j = 0; j < nr;) {
      int64_t oh = (p0 + j) / g->OW, ow = (p0 + j) % g->OW;
      int64_t end = j + (g->OW - ow);
      if (end > nr)
        end = nr;
      int64_t len = end - j;
      int64_t ih0 = oh * g->sh - g->padT, iw0 = ow - g->padL;
      const float *src = g->x + ih0 * g->sxh + iw0;
      float *dst = out + j;
      if (ih0 >= 0 && ih0 + reachH < H && iw0 >= 0 &&
          iw0 + len - 1 + reachW < W) {
        if (len == KG_NR) {
          for (int64_t k = 0; k < kc; ++k) {
            const float *s = src + kOff[k];
            KG_STOREU(dst + k * KG_NR, KG_LOADU(s));
            KG_STOREU(dst + k * KG_NR + KG_W, KG_LOADU(s + KG_W));
          }
        } else {
          for (int64_t k = 0; k < kc; ++k)
            KG_NAME(copyRun)(dst + k * KG_NR, src + kOff[k], len);
        }
      } else {
        for (int64_t k = 0; k < kc; ++k) {
          float *d = dst + k * KG_NR;
          int64_t ih = ih0 + kH[k], iw = iw0 + kW[k];
          int64_t lo = iw < 0 ? -iw : 0;
          int64_t hi = W - iw < len ? W - iw : len;
          if (ih < 0 || ih >= H || lo >= hi) {
            KG_NAME(copyRun)(d, NULL, len);
            continue;
          }
          if (lo > 0)
            KG_NAME(copyRun)(d, NULL, lo);
          KG_NAME(copyRun)(d + lo, src + kOff[k] + lo, hi - lo);
          if (hi < len)
            KG_NAME(copyRun)(d + hi, NULL, len - hi);
        }
      }
      j = end;
    }
  }
}

/*--- Direct convolution ------------------------------------------------------
 *
 * A convolution's taps k = (c, kh, kw) each read, per output row, a run of
 * input with the stride sw between pixels. The rows a task needs are
 * copied once with their zero padding into sh x sw phase planes per
 * channel (space-to-depth: padded row i, column j goes to plane (i % sh, j
 * % sw), row i / sh, column j / sw), each Wq = OW + (KW - 1) * dw / sw
 * floats wide. There, output pixel (oh, ow) of tap k reads
 *
 *   xq[kOff[k] + oh * Wq + ow]
 *
 * whatever the strides: numbering the pixels q = oh * Wq + ow makes B's
 * row for every tap one contiguous run, across output rows, so the
 * register tile loads it straight from the copy. The copy holds each input
 * element once (against KH x KW times for packing an implicit B); the
 * price is (KW - 1) * dw / sw computed and dropped columns per output row,
 * 3% of a 56-wide 3x3 layer (tiles of one output row each would drop 12%
 * there, and more on narrow rows).
 */

/* The phases (t * d) % s that taps t < k of step d read, as a bit mask
 * (every phase when s > 64): a 1x1 convolution of stride 2 reads one of
 * four phase planes. */
static uint64_t KG_NAME(usedPhases)(int64_t k, int64_t d, int64_t s) {
  if (s > 64)
    return ~(uint64_t)0;
  uint64_t all = s == 64 ? ~(uint64_t)0 : ((uint64_t)1 << s) - 1, used = 0;
  for (int64_t t = 0; t < k && used != all; ++t)
    used |= (uint64_t)1 << (t * d % s);
  return used;
}

/* Zeroes n floats at p: a padding column or two with a masked store (a
 * memset call per row of a 7 x 7 plane cost ResNet-18 about 2%). */
static inline void KG_NAME(zeroRun)(float *p, int64_t n) {
  if (n <= 0)
    return;
  if (n <= KG_W)
    kg_storen(p, KG_SET1(0.0f), n);
  else
    memset(p, 0, (size_t)n * sizeof(float));
}

/* One channel of x (rows sxh, columns sxw apart, H x W) into its sh x sw
 * phase planes at dst, each Rq x Wq floats and `plane` apart: plane (ph,
 * pw) row rq column jq holds x[ihLo + rq * sh + ph, jq * sw + pw - padL],
 * or zero outside x. Every float of the planes a tap reads (row phases in
 * rowMask, column phases in colMask: usedPhases) is written, the padding
 * as zeros, in one pass: zeroing all of dst first had cost a strided 1-D
 * layer a third as much again as the copy. Of the other planes only the
 * first 2 KG_NR floats are zeroed: a tile's vectors reach that far past
 * the plane before them, into lanes it drops (zeros, not whatever the
 * scratch held: a subnormal there would cost a microcode assist). */
static void KG_NAME(fillPhases)(float *dst, const float *x, int64_t sxh,
                                int64_t sxw, int64_t H, int64_t W,
                                int64_t ihLo, int64_t padL, int64_t Rq,
                                int64_t Wq, int64_t sh, int64_t sw,
                                int64_t plane, uint64_t rowMask,
                                uint64_t colMask) {
  const int64_t reach = plane < 2 * KG_NR ? plane : 2 * KG_NR;
  for (int64_t pw = 0; pw < sw; ++pw) {
    const int colUsed = pw >= 64 || (colMask >> pw & 1);
    /* Columns jq with 0 <= jq * sw + pw - padL < W, the same on every row
     * (divisions once per phase, not per row); none when jLo >= jHi. */
    int64_t first = padL - pw, last = W - 1 + padL - pw;
    int64_t jLo = first > 0 ? (first + sw - 1) / sw : 0;
    int64_t jHi = last < 0 ? 0 : last / sw + 1 < Wq ? last / sw + 1 : Wq;
    if (jLo > jHi)
      jLo = jHi;
    /* Columns of the even-lane vector loop (stride 2): while two vectors
     * of the row remain. */
    int64_t jVec = jLo;
    if (sxw == 1 && sw == 2)
      while (jVec + KG_W <= jHi && jVec * 2 + pw - padL + 2 * KG_W <= W)
        jVec += KG_W;
    for (int64_t ph = 0; ph < sh; ++ph) {
      float *planeRows = dst + (ph * sw + pw) * plane;
      if (!colUsed || (ph < 64 && !(rowMask >> ph & 1))) {
        memset(planeRows, 0, (size_t)reach * sizeof(float));
        continue;
      }
      for (int64_t rq = 0, ih = ihLo + ph; rq < Rq; ++rq, ih += sh) {
        float *out = planeRows + rq * Wq;
        if (ih < 0 || ih >= H || jLo == jHi) {
          memset(out, 0, (size_t)Wq * sizeof(float));
          continue;
        }
        KG_NAME(zeroRun)(out, jLo);
        KG_NAME(zeroRun)(out + jHi, Wq - jHi);
        const float *src = x + ih * sxh + (pw - padL) * sxw;
        if (sxw == 1 && sw == 1) {
          memcpy(out + jLo, src + jLo, (size_t)(jHi - jLo) * sizeof(float));
          continue;
        }
        int64_t jq = jLo;
        for (; jq < jVec; jq += KG_W)
          KG_STOREU(out + jq, kg_load_even(src + jq * 2));
        if (sxw == 1 && sw == 2)
          /* The rest a vector at a time too (a 28-float row has 14 columns
           * per phase, none of them in whole vectors above): the 2 n - 1
           * floats its columns span, nothing past them read. One float at
           * a time, this copy was a third of a 3x3 stride-2 convolution on
           * 28 x 28. */
          for (; jq < jHi; jq += KG_W) {
            int64_t n = jHi - jq < KG_W ? jHi - jq : KG_W;
            kg_vec v = KG_NAME(loadEvenRange)(src + jq * 2, 0, 2 * n - 1,
                                              KG_SET1(0.0f));
            if (n == KG_W)
              KG_STOREU(out + jq, v);
            else
              kg_storen(out + jq, v, n);
          }
        for (; jq < jHi; ++jq)
          out[jq] = src[jq * sw * sxw];
      }
    }
  }
}

/* Adds the first len floats of src to dst (or with a bias, stores bias
 * plus them), a vector at a time, with the epilogue e (or none) applied
 * to each vector before it is stored: a pass of finish per run cost its
 * setup for a few vectors (a 3 x 3 stride-2 convolution of 3 -> 32
 * channels on 224 x 224, whose tiles straddle the rows of 112 pixels,
 * spent 13% of its time in it). */
static inline void KG_NAME(addRun)(float *dst, const float *src, int64_t len,
                                   const float *bias, const KG_NAME(epi) *e) {
  for (int64_t q = 0; q < len; q += KG_W) {
    int64_t m = len - q < KG_W ? len - q : KG_W;
    kg_vec v = m == KG_W ? KG_LOADU(src + q) : kg_loadn(src + q, m);
    kg_vec s = bias ? KG_SET1(*bias)
                    : (m == KG_W ? KG_LOADU(dst + q) : kg_loadn(dst + q, m));
    v = s + v;
    if (e)
      v = KG_NAME(epiVec)(e, v, dst + q, m);
    if (m == KG_W)
      KG_STOREU(dst + q, v);
    else
      kg_storen(dst + q, v, m);
  }
}

/* Where the pixels of a direct tile go: q0 .. q0 + nq in the numbering
 * above, output row oh at c + oh * OW + pOff. */
typedef struct {
  int64_t q0, nq, Wq, OW, pOff;
} KG_NAME(directOut);

/* The direct tile: like tileRows, with B's row for step k at src + kOff[k],
 * and the columns that fall in an output row's dropped tail skipped. */
static inline __attribute__((always_inline)) void
KG_NAME(directRows)(int64_t kc, const float *restrict ap, const float *src,
                    const int64_t *restrict kOff, float *c, int64_t scm,
                    int64_t mr, const KG_NAME(directOut) *o,
                    const float *bias, int64_t sbias, const KG_NAME(epi) *e,
                    const int rows, const int vecs) {
  kg_vec acc0[KG_MR], acc1[KG_MR];
  KG_NAME(accumulate)(kc, ap, src, 0, kOff, acc0, acc1, 0, 0, rows, vecs);
  int64_t r = o->q0 / o->Wq, col = o->q0 % o->Wq;
  if (col + o->nq <= o->OW) {
    /* All in one output row. */
    KG_NAME(storeTile)(acc0, acc1, c + r * o->OW + col + o->pOff, scm, 1, mr,
                       o->nq, bias, sbias, e, rows);
    return;
  }
  float tmp[KG_MR][KG_NR] __attribute__((aligned(64)));
#pragma GCC unroll 16
  for (int i = 0; i < rows; ++i) {
    *(kg_vec *)&tmp[i][0] = acc0[i];
    *(kg_vec *)&tmp[i][KG_W] = acc1[i];
  }
  for (int64_t q = o->q0, end = o->q0 + o->nq; q < end;) {
    r = q / o->Wq, col = q % o->Wq;
    int64_t rowEnd = (r + 1) * o->Wq < end ? (r + 1) * o->Wq : end;
    int64_t len = (r * o->Wq + o->OW < rowEnd ? r * o->Wq + o->OW : rowEnd) - q;
    for (int64_t i = 0; len > 0 && i < mr; ++i)
      KG_NAME(addRun)(c + i * scm + r * o->OW + col + o->pOff,
                      &tmp[i][q - o->q0], len, bias ? bias + i * sbias : NULL,
                      e);
    q = rowEnd;
  }
}

#define KG_DIRECT1(...) KG_NAME(directRows)(__VA_ARGS__, 1)
#define KG_DIRECT2(...) KG_NAME(directRows)(__VA_ARGS__, 2)
static void KG_NAME(directTile)(int64_t kc, const float *restrict ap,
                                const float *src, const int64_t *kOff,
                                float *c, int64_t scm, int64_t mr,
                                const KG_NAME(directOut) *o, const float *bias,
                                int64_t sbias, const KG_NAME(epi) *e) {
  if (o->nq > KG_W)
    KG_BY_ROWS(KG_DIRECT2, mr, kc, ap, src, kOff, c, scm, mr, o, bias, sbias,
               e);
  else
    KG_BY_ROWS(KG_DIRECT1, mr, kc, ap, src, kOff, c, scm, mr, o, bias, sbias,
               e);
}

/* Rows of register tiles for M rows: as few tiles as KG_MR allows, of even
 * height in thirds of KG_MR (the heights tile() has), so 16 rows are two
 * tiles of 8 rather than 12 and a mostly empty 4. */
static int64_t KG_NAME(mStepFor)(int64_t M) {
  const int64_t third = KG_MR / 3;
  int64_t mTiles = (M + KG_MR - 1) / KG_MR;
  int64_t mStep = (M + mTiles - 1) / mTiles;
  return (mStep + third - 1) / third * third;
}

/* A[0:M, k0:k0+kc] (a at its column k0) as the register tiles of
 * mStepFor(M) rows take it: tile t's kc steps of KG_MR floats at
 * out + t * KG_MR * kc. */
static void KG_NAME(packATiles)(int64_t M, int64_t kc, const float *a,
                                int64_t sam, int64_t sak, float *out) {
  const int64_t mStep = KG_NAME(mStepFor)(M);
  for (int64_t m0 = 0, t = 0; m0 < M; m0 += mStep, ++t)
    KG_NAME(packA)(M - m0 < mStep ? M - m0 : mStep, kc, a + m0 * sam, sam,
                   sak, out + t * KG_MR * kc);
}

/* Tile rows issued for M rows (the heights tile() has). */
static int64_t KG_NAME(rowsIssued)(int64_t M) {
  const int64_t mStep = KG_NAME(mStepFor)(M);
  int64_t rows = 0;
  for (int64_t m0 = 0; m0 < M; m0 += mStep) {
    int64_t mr = M - m0 < mStep ? M - m0 : mStep;
    rows += mr > 2 * KG_MR / 3 ? KG_MR : mr > KG_MR / 3 ? 2 * KG_MR / 3
                                                        : KG_MR / 3;
  }
  return rows;
}

/* Tile columns issued for N columns (half tiles for a last vector). */
static int64_t KG_NAME(colsIssued)(int64_t N) {
  int64_t rest = N % KG_NR;
  return N - rest + (rest == 0 ? 0 : rest <= KG_W ? KG_W : KG_NR);
}

/* The columns the direct convolution issues for pixels pBase .. + N. */
static int64_t KG_NAME(directCols)(const KG_NAME(convB) *g, int64_t N) {
  int64_t ohA = g->pBase / g->OW, ohB = (g->pBase + N - 1) / g->OW;
  int64_t Wq = g->OW + (g->KW - 1) * g->dw / g->sw;
  return KG_NAME(colsIssued)((ohB - ohA) * Wq + (g->pBase + N - 1) % g->OW +
                             1 - g->pBase % g->OW);
}

/* Whether the direct path takes a convolution: x unit-strided along W and
 * y contiguous along pixels; with strides always (packing B would gather
 * element by element); with unit strides when few output channels make
 * packing B a large part of the work, or when its dropped columns cost no
 * more tile columns than packing B would (plus that packing, a float of
 * packConvB measured at about 8 lane multiply-adds per step of K): 56- and
 * 14-wide 3x3 layers, or a 7x7 one whose 49 pixels fill two 32-lane tiles
 * either way. */
static int KG_NAME(directOk)(const KG_NAME(convB) *g, int64_t M, int64_t N,
                             int64_t scn) {
  if (g->sxw != 1 || scn != 1)
    return 0;
  if (g->sw > 1 || g->sh > 1 || M <= 32)
    return 1;
  int64_t rows = KG_NAME(rowsIssued)(M);
  return rows * KG_NAME(directCols)(g, N) <=
         rows * KG_NAME(colsIssued)(N) + 8 * N;
}

/* The phase-plane copy of the input rows a task's pixels pBase .. pBase +
 * N read (see above): C channels of sh x sw planes, each Rq rows of Wq
 * floats from padded input row ihLo and column owA * sw - padL on; the
 * task's output rows are ohA .. ohB, and output pixel (oh, ow) is at (oh -
 * ohA) * Wq + ow - owA. A task inside one output row copies only the
 * columns its pixels read (owA its first; otherwise 0): a 1-D
 * convolution's tasks each copied the whole row (an audio front end's
 * 256 channels of 3200 samples, once per task: 18% of its time). */
typedef struct {
  int64_t C, ohA, ohB, owA, ihLo, Rq, Wq, plane, phases;
} KG_NAME(phaseCopy);

static KG_NAME(phaseCopy) KG_NAME(phaseGeometry)(const KG_NAME(convB) *g,
                                                 int64_t N, int64_t K) {
  KG_NAME(phaseCopy) p;
  int64_t reachH = (g->KH - 1) * g->dh, reachW = (g->KW - 1) * g->dw;
  p.C = K / (g->KH * g->KW);
  p.ohA = g->pBase / g->OW;
  p.ohB = (g->pBase + N - 1) / g->OW;
  p.ihLo = p.ohA * g->sh - g->padT;
  p.Rq = p.ohB - p.ohA + reachH / g->sh + 1;
  p.owA = p.ohA == p.ohB ? g->pBase % g->OW : 0;
  p.Wq = (p.ohA == p.ohB ? N : g->OW) + reachW / g->sw;
  p.plane = p.Rq * p.Wq;
  p.phases = g->sh * g->sw;
  return p;
}

/* Copies the task's input rows into xq (`floats` of it: the planes, then
 * slack that is zeroed). */
static void KG_NAME(copyPhases)(const KG_NAME(convB) *g,
                                const KG_NAME(phaseCopy) *p, float *xq,
                                size_t floats) {
  const uint64_t rowMask = KG_NAME(usedPhases)(g->KH, g->dh, g->sh);
  const uint64_t colMask = KG_NAME(usedPhases)(g->KW, g->dw, g->sw);
  const size_t planes = (size_t)(p->C * p->phases * p->plane);
  /* The input rows and columns a channel's planes read, clipped to x: the
   * next channel's are prefetched while this one is copied (rows of a few
   * dozen floats, a new channel every few rows, are too short for the
   * hardware prefetchers: the copy for a 3x3 stride-2 layer on 56 x 56
   * read x at 4 GB/s, 11% of the layer's time; 8% with this). */
  const int64_t rowLo = p->ihLo > 0 ? p->ihLo : 0;
  const int64_t rowHi =
      p->ihLo + p->Rq * g->sh < g->H ? p->ihLo + p->Rq * g->sh : g->H;
  const int64_t colA = p->owA * g->sw - g->padL;
  const int64_t colLo = colA > 0 ? colA : 0;
  const int64_t colHi =
      colA + p->Wq * g->sw < g->W ? colA + p->Wq * g->sw : g->W;
  for (int64_t ch = 0; ch < p->C; ++ch) {
    if (ch + 1 < p->C && g->sxw == 1)
      for (int64_t ih = rowLo; ih < rowHi; ++ih) {
        const char *row = (const char *)(g->x + (ch + 1) * g->sxc +
                                         ih * g->sxh + colLo);
        for (int64_t off = 0; off < (colHi - colLo) * (int64_t)sizeof(float);
             off += 64)
          __builtin_prefetch(row + off);
      }
    KG_NAME(fillPhases)(xq + ch * p->phases * p->plane, g->x + ch * g->sxc,
                        g->sxh, g->sxw, g->H, g->W, p->ihLo,
                        g->padL - p->owA * g->sw, p->Rq, p->Wq, g->sh, g->sw,
                        p->plane, rowMask, colMask);
  }
  if (floats > planes)
    memset(xq + planes, 0, (floats - planes) * sizeof(float));
}

/* Where padded row i, column j of a channel's first plane row and column
 * is among its sh x sw phase planes (fillPhases' layout). */
static inline int64_t KG_NAME(phaseOffset)(int64_t i, int64_t j, int64_t sh,
                                           int64_t sw, int64_t plane,
                                           int64_t Wq) {
  return ((i % sh) * sw + j % sw) * plane + i / sh * Wq + j / sw;
}

/* Where tap k = (c, kh, kw) of output pixel (ohA, owA) is in the copy. */
static inline int64_t KG_NAME(tapOffset)(const KG_NAME(convB) *g,
                                         const KG_NAME(phaseCopy) *p,
                                         int64_t ch, int64_t kh, int64_t kw) {
  return ch * p->phases * p->plane +
         KG_NAME(phaseOffset)(kh * g->dh, kw * g->dw, g->sh, g->sw, p->plane,
                              p->Wq);
}

/* kOff[0 .. kc) = tapOffset of steps k0 .. k0 + kc: the taps of channel 0
 * worked out once (tapOffset divides), then each step one add. */
static void KG_NAME(tapOffsets)(const KG_NAME(convB) *g,
                                const KG_NAME(phaseCopy) *p, int64_t k0,
                                int64_t kc, int64_t *kOff) {
  const int64_t taps = g->KH * g->KW, chStride = p->phases * p->plane;
  int64_t first[64];
  const int64_t cached = taps < 64 ? taps : 64;
  for (int64_t r = 0; r < cached; ++r)
    first[r] = KG_NAME(tapOffset)(g, p, 0, r / g->KW, r % g->KW);
  int64_t ch = k0 / taps, r = k0 % taps;
  for (int64_t k = 0; k < kc; ++k) {
    kOff[k] = ch * chStride + (r < cached ? first[r]
                                          : KG_NAME(tapOffset)(
                                                g, p, 0, r / g->KW, r % g->KW));
    if (++r == taps)
      r = 0, ++ch;
  }
}

/* C[0:M, pixels pBase .. pBase + N) += A * B of the convolution g, directly
 * (see above); a bias as in one(). Returns 0 when out of memory. */
static int KG_NAME(directConv)(int64_t M, int64_t N, int64_t K,
                               const float *a, int64_t sam, int64_t sak,
                               const KG_NAME(convB) *g, float *c, int64_t scm,
                               const float *bias, int64_t sbias,
                               const KG_NAME(epi) *e) {
  const int64_t OW = g->OW, p0 = g->pBase;
  const KG_NAME(phaseCopy) p = KG_NAME(phaseGeometry)(g, N, K);
  const int64_t ohA = p.ohA, ohB = p.ohB, Wq = p.Wq;
  const int64_t mStep = KG_NAME(mStepFor)(M);
  const int64_t mTiles = (M + mStep - 1) / mStep;
  /* KG_NR floats of slack for the last tile's reads. */
  const size_t xFloats = (size_t)(p.C * p.phases * p.plane + 2 * KG_NR);
  const size_t aFloats = (size_t)(mTiles * KG_MR * KG_DKC);
  float *xq = KG_NAME(getScratch)(xFloats + aFloats + 2 * KG_DKC);
  if (!xq)
    return 0;
  float *aPack = xq + xFloats;
  int64_t *kOff = (int64_t *)(aPack + aFloats);
  KG_NAME(copyPhases)(g, &p, xq, xFloats);
  /* The task's pixels in the numbering q = (oh - ohA) * Wq + ow - owA. */
  const int64_t qA = p0 % OW - p.owA,
                qB = (ohB - ohA) * Wq + (p0 + N - 1) % OW + 1 - p.owA;
  for (int64_t k0 = 0; k0 < K; k0 += KG_DKC) {
    int64_t kc = K - k0 < KG_DKC ? K - k0 : KG_DKC;
    KG_NAME(tapOffsets)(g, &p, k0, kc, kOff);
    if (!g->aPre)
      KG_NAME(packATiles)(M, kc, a + k0 * sak, sam, sak, aPack);
    for (int64_t t = 0; t < mTiles; ++t) {
      int64_t m0 = t * mStep, mr = M - m0 < mStep ? M - m0 : mStep;
      const float *ap = g->aPre ? g->aPre + (t * K + k0) * KG_MR
                                : aPack + t * KG_MR * kc;
      for (int64_t q0 = qA; q0 < qB; q0 += KG_NR) {
        KG_NAME(directOut) o = {q0, qB - q0 < KG_NR ? qB - q0 : KG_NR, Wq, OW,
                                ohA * OW + p.owA - p0};
        KG_NAME(directTile)(kc, ap, xq + q0, kOff,
                            c + m0 * scm, scm, mr, &o,
                            bias && k0 == 0 ? bias + m0 * sbias : NULL,
                            sbias, k0 + kc >= K ? e : NULL);
      }
    }
  }
  return 1;
}

/* Few rows against B packed at compile time: every panel is read once,
 * straight from the packed constant, with `rows` rows of C in registers
 * (no packing of A, no partly used register tile). `panels` panels are
 * read side by side: the weights of a classifier (5 MB for 1280 x 1000)
 * come from DRAM, and one sequential stream drew 10-14 GB/s of the 15-17
 * that four streams draw on one core here (MobileNetV2's classifier alone,
 * cache flushed: 0.37-0.51 ms -> 0.32). Inlined per rows and panels. */
static inline __attribute__((always_inline)) void
KG_NAME(smallPackedPanels)(int64_t K, const float *a, int64_t sam, int64_t sak,
                           const float *panel0, float *c, int64_t scm,
                           int64_t scn, int64_t cols, const int rows,
                           const int panels) {
  kg_vec acc[4][KG_SMALL_M][2];
#pragma GCC unroll 4
  for (int p = 0; p < panels; ++p)
#pragma GCC unroll 4
    for (int i = 0; i < rows; ++i)
      acc[p][i][0] = acc[p][i][1] = KG_SET1(0);
  const int64_t stride = K * KG_NR;
  for (int64_t k = 0; k < K; ++k, panel0 += KG_NR) {
    kg_vec x[KG_SMALL_M];
#pragma GCC unroll 4
    for (int i = 0; i < rows; ++i)
      x[i] = KG_SET1(a[i * sam + k * sak]);
#pragma GCC unroll 4
    for (int p = 0; p < panels; ++p) {
      /* Unaligned loads: a caller's panels need not be on a vector
       * boundary (the support test's calloc'd ones are 16-byte aligned). */
      kg_vec b0 = KG_LOADU(panel0 + p * stride);
      kg_vec b1 = KG_LOADU(panel0 + p * stride + KG_W);
#pragma GCC unroll 4
      for (int i = 0; i < rows; ++i) {
        acc[p][i][0] = KG_FMA(x[i], b0, acc[p][i][0]);
        acc[p][i][1] = KG_FMA(x[i], b1, acc[p][i][1]);
      }
    }
  }
  for (int p = 0; p < panels; ++p) {
    int64_t nr = cols - p * KG_NR < KG_NR ? cols - p * KG_NR : KG_NR;
    for (int i = 0; i < rows; ++i) {
      float tmp[KG_NR] __attribute__((aligned(64)));
      *(kg_vec *)tmp = acc[p][i][0];
      *(kg_vec *)(tmp + KG_W) = acc[p][i][1];
      float *row = c + i * scm + p * KG_NR * scn;
      for (int64_t j = 0; j < nr; ++j)
        row[j * scn] += tmp[j];
    }
  }
}

/* As many panels side by side (at most four) as the vector registers
 * hold with their accumulators, A's broadcasts and B's two vectors (32
 * registers where KG_MR is 12, 16 where it is 6), then the rest one at a
 * time. */
static inline __attribute__((always_inline)) void
KG_NAME(smallPackedRows)(int64_t N, int64_t K, const float *a, int64_t sam,
                         int64_t sak, const float *bPacked, float *c,
                         int64_t scm, int64_t scn, const int rows) {
  const int regs = 2 * KG_MR + 4;
  const int wide = 8 * rows + rows + 2 <= regs   ? 4
                   : 4 * rows + rows + 2 <= regs ? 2
                                                 : 1;
  int64_t n0 = 0;
  for (; n0 + (wide - 1) * KG_NR < N; n0 += wide * KG_NR)
    KG_NAME(smallPackedPanels)(K, a, sam, sak, bPacked + n0 / KG_NR * K * KG_NR,
                               c + n0 * scn, scm, scn, N - n0, rows, wide);
  for (; n0 < N; n0 += KG_NR)
    KG_NAME(smallPackedPanels)(K, a, sam, sak, bPacked + n0 / KG_NR * K * KG_NR,
                               c + n0 * scn, scm, scn, N - n0, rows, 1);
}

static void KG_NAME(smallPacked)(int64_t M, int64_t N, int64_t K,
                                 const float *a, int64_t sam, int64_t sak,
                                 const float *bPacked, float *c, int64_t scm,
                                 int64_t scn) {
  switch (M) {
  case 1:
    KG_NAME(smallPackedRows)(N, K, a, sam, sak, bPacked, c, scm, scn, 1);
    return;
  case 2:
    KG_NAME(smallPackedRows)(N, K, a, sam, sak, bPacked, c, scm, scn, 2);
    return;
  case 3:
    KG_NAME(smallPackedRows)(N, K, a, sam, sak, bPacked, c, scm, scn, 3);
    return;
  default:
    KG_NAME(smallPackedRows)(N, K, a, sam, sak, bPacked, c, scm, scn, 4);
    return;
  }
}

/*--- Transposed problems -----------------------------------------------------
 *
 * The register tile is KG_MR rows by two vectors: C's columns come in
 * vectors, its rows in thirds of KG_MR. A product with few columns and
 * many rows (a 1x1 convolution on a 7x7 image: 512 rows, 49 columns, three
 * quarters of the lanes used) wastes less as C^T = B^T A^T, whose columns
 * are then the many rows. The cost of a shape is the multiply-adds its
 * tiles issue, padding included.
 */

/* Whether C^T = B^T A^T costs at most 85% of C = A B (the margin pays for
 * its strided packing of A), with K deep enough that its scattered stores
 * are a small part of each tile. Per step of K, in lane multiply-adds: the
 * tiles' issued multiply-adds, plus B's packing (a float counted as 4: a
 * column-major B, as A^T is, is transposed 8 x 8 in registers), plus for
 * the transposed shape its stores of C^T (32 each, spread over K: as one
 * float at a time, which SSE2 still does; with AVX they go as 8 x 8
 * transposed blocks, storeTileT, so the charge is conservative there and
 * left as measured) and, for a convolution, the im2col it writes first. */
static int KG_NAME(transposeWins)(int64_t M, int64_t N, int64_t K,
                                  int64_t colsAsIs, int conv) {
  if (K < 32)
    return 0;
  int64_t asIs = KG_NAME(rowsIssued)(M) * colsAsIs + 4 * N;
  int64_t transposed = KG_NAME(rowsIssued)(N) * KG_NAME(colsIssued)(M) +
                       4 * M + 32 * M * N / K + (conv ? 4 * N : 0);
  return 20 * transposed < 17 * asIs;
}

/* Scratch of its own for an explicit im2col matrix: the GEMM it feeds
 * packs into the other one. */
static __thread float *KG_NAME(colScratch);
static __thread size_t KG_NAME(colScratchFloats);

/* B[k, n] of the convolution g for pixels pBase .. pBase + N, written out
 * as a K x N matrix (rows of N floats): the taps' runs of a phase-plane
 * copy (see directConv), one output row's worth at a time. NULL when out
 * of memory. */
static float *KG_NAME(im2col)(const KG_NAME(convB) *g, int64_t N, int64_t K) {
  const int64_t OW = g->OW, taps = g->KH * g->KW, p0 = g->pBase;
  const KG_NAME(phaseCopy) p = KG_NAME(phaseGeometry)(g, N, K);
  const size_t xFloats = (size_t)(p.C * p.phases * p.plane);
  float *xq = KG_NAME(getScratch)(xFloats);
  size_t colFloats = (size_t)(K * N);
  if (KG_NAME(colScratchFloats) < colFloats) {
    free(KG_NAME(colScratch));
    KG_NAME(colScratch) =
        (float *)aligned_alloc(64, (colFloats * 4 + 63) & ~63ul);
    KG_NAME(colScratchFloats) = KG_NAME(colScratch) ? colFloats : 0;
  }
  float *col = KG_NAME(colScratch);
  if (!xq || !col)
    return NULL;
  KG_NAME(copyPhases)(g, &p, xq, xFloats);
  for (int64_t k = 0; k < K; ++k) {
    const float *src = xq + KG_NAME(tapOffset)(g, &p, k / taps,
                                               k % taps / g->KW, k % g->KW);
    float *dst = col + k * N;
    for (int64_t n = 0; n < N;) {
      int64_t oh = (p0 + n) / OW, ow = (p0 + n) % OW;
      int64_t len = OW - ow < N - n ? OW - ow : N - n;
      memcpy(dst + n, src + (oh - p.ohA) * p.Wq + ow - p.owA,
             (size_t)len * sizeof(float));
      n += len;
    }
  }
  return col;
}

static void KG_NAME(one)(int64_t M, int64_t N, int64_t K, const float *a,
                         int64_t sam, int64_t sak, const float *b,
                         int64_t sbk, int64_t sbn, float *c, int64_t scm,
                         int64_t scn, const KG_NAME(convB) *conv,
                         const float *bias, int64_t sbias,
                         const float *cbias, const float *bPacked,
                         const KG_NAME(epi) *e);

#if KG_W >= 8
#include "kiln_sgemm_chanvec.h"
#endif

/* C = A B as C^T = B^T A^T when transposeWins (a convolution's B written
 * out first; `direct`: the convolution would otherwise take the direct
 * path). Returns 0 when it does not win or is out of memory. */
static int KG_NAME(transposed)(int64_t M, int64_t N, int64_t K,
                               const float *a, int64_t sam, int64_t sak,
                               const float *b, int64_t sbk, int64_t sbn,
                               float *c, int64_t scm, int64_t scn,
                               const KG_NAME(convB) *conv, int direct,
                               const float *bias, int64_t sbias,
                               const KG_NAME(epi) *e) {
  int64_t asIs =
      direct ? KG_NAME(directCols)(conv, N) : KG_NAME(colsIssued)(N);
  if (!KG_NAME(transposeWins)(M, N, K, asIs, conv != NULL))
    return 0;
  if (conv) {
    b = KG_NAME(im2col)(conv, N, K);
    if (!b)
      return 0;
    sbk = N, sbn = 1;
  }
  /* The bias runs along C's rows, C^T's columns: C starts from it. */
  if (bias)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n)
        c[m * scm + n * scn] = bias[m * sbias];
  KG_NAME(one)(N, M, K, b, sbn, sbk, a, sak, sam, c, scn, scm, NULL, NULL, 0,
               NULL, NULL, e);
  return 1;
}

/* rows x n floats at c (rows scm apart), each row a copy of src's n: in
 * vectors (GCC's memcpy of a tile's 16 floats was a `rep movsq`, its
 * start-up as long as the tile's products). */
static inline void KG_NAME(fillRows)(float *c, int64_t scm, const float *src,
                                     int64_t rows, int64_t n) {
  for (int64_t i = 0; i < rows; ++i) {
    float *row = c + i * scm;
    int64_t j = 0;
    for (; j + KG_W <= n; j += KG_W)
      KG_STOREU(row + j, KG_LOADU(src + j));
    if (j < n)
      kg_storen(row + j, kg_loadn(src + j, n - j), n - j);
  }
}

/* Columns of B in a block of kc rows that fit half the L2 (KG_NC at
 * most, whole panels, one at least). */
static int64_t KG_NAME(ncForL2)(int64_t kc) {
  int64_t nc = kg_l2_bytes() / 2 / ((int64_t)sizeof(float) * kc);
  nc = nc / KG_NR * KG_NR;
  return nc < KG_NR ? KG_NR : nc > KG_NC ? KG_NC : nc;
}

/* Rows of A packed at once by onePackedB: 1 MiB of panels at KG_KC steps. */
#define KG_PB_ROWS 512

/* C (+)= A B with B's panels packed at compile time (all K rows of each
 * KG_NR columns, at bPacked). With no block of B to pack, a block of A's
 * rows is packed once per KG_KC steps for all of N, not once per KG_NC
 * columns: a transformer's [128, 256] x [256, 1024] packed every row panel
 * four times. Its panels hold ldb rows of K each, the first K of them used
 * (a part of K: see splitK). With cbias (C's rows contiguous), C starts
 * from cbias[n] in every row, each tile's block of C filled just before
 * the tile's first products: filled whole before the GEMM, C went to
 * memory and came back (a transformer's biases 3% of its time). */
static int KG_NAME(onePackedB)(int64_t M, int64_t N, int64_t K,
                               int64_t ldb, const float *a, int64_t sam,
                               int64_t sak, float *c, int64_t scm,
                               int64_t scn, const float *bias, int64_t sbias,
                               const float *cbias, const float *bPacked,
                               const KG_NAME(epi) *e) {
  const int64_t mStep = KG_NAME(mStepFor)(M);
  const int64_t rows = KG_PB_ROWS / mStep * mStep;
  /* Every row tile sweeps a block of kc x nc of B: at most half the L2,
   * so it stays there beside A's panels. 512 x 256 floats filled Zen 3's
   * 512 KB (a transformer's [128, 1024] x [1024, 256]: 901 -> 876 us
   * with half of them). */
  const int64_t ncMax = KG_NAME(ncForL2)(K < KG_KC ? K : KG_KC);
  float *aPack =
      KG_NAME(getScratch)((size_t)(rows / mStep * KG_MR) * KG_KC);
  if (!aPack)
    return 0;
  for (int64_t mb = 0; mb < M; mb += rows) {
    const int64_t mbr = M - mb < rows ? M - mb : rows;
    for (int64_t k0 = 0; k0 < K; k0 += KG_KC) {
      const int64_t kc = K - k0 < KG_KC ? K - k0 : KG_KC;
      for (int64_t m0 = 0, t = 0; m0 < mbr; m0 += mStep, ++t)
        KG_NAME(packA)(mbr - m0 < mStep ? mbr - m0 : mStep, kc,
                       a + (mb + m0) * sam + k0 * sak, sam, sak,
                       aPack + t * KG_MR * kc);
      const KG_NAME(epi) *last = k0 + kc >= K ? e : NULL;
      for (int64_t n0 = 0; n0 < N; n0 += ncMax) {
        const int64_t nc = N - n0 < ncMax ? N - n0 : ncMax;
        for (int64_t m0 = 0, t = 0; m0 < mbr; m0 += mStep, ++t) {
          const int64_t mr = mbr - m0 < mStep ? mbr - m0 : mStep;
          const int64_t m = mb + m0;
          /* The first row tile of a block reads its panels from memory
           * (a model's weights are not in cache between runs): it
           * prefetches the next panel, a panel ahead, which hides the
           * latency the prefetchers could not (MobileNetV2's 7 x 7
           * projection layers in the model: 0.15 -> 0.14 ms each). The
           * other tiles find them in L2 and prefetch KG_PF_STEPS rows
           * ahead. */
          const int64_t ahead = m0 == 0 ? ldb * KG_NR : KG_PF_STEPS * KG_NR;
          for (int64_t j0 = 0; j0 < nc; j0 += KG_NR) {
            const int64_t nr = nc - j0 < KG_NR ? nc - j0 : KG_NR;
            if (cbias && k0 == 0)
              KG_NAME(fillRows)(c + m * scm + n0 + j0, scm, cbias + n0 + j0,
                                mr, nr);
            KG_NAME(tileStreamed)(
                kc, aPack + t * KG_MR * kc,
                bPacked + ((n0 + j0) / KG_NR * ldb + k0) * KG_NR,
                c + m * scm + (n0 + j0) * scn, scm, scn, mr, nr,
                bias && k0 == 0 ? bias + m * sbias : NULL, sbias, last, ahead);
          }
        }
      }
    }
  }
  return 1;
}

/* C[0:M, 0:N] += A * B, B either strided (b, sbk, sbn) or, with conv set,
 * the implicit convolution B. With a bias, C = bias[m] + A * B (C is not
 * read). With cbias (C's rows contiguous), C starts from cbias[n] in
 * every row: written into each tile's block where B is packed
 * (onePackedB), before the products elsewhere. Then the epilogue e (or
 * none): the packed and direct paths apply it with each register tile's
 * last products (storeTile), the few-row paths to the finished block. */
static void KG_NAME(one)(int64_t M, int64_t N, int64_t K, const float *a,
                         int64_t sam, int64_t sak, const float *b,
                         int64_t sbk, int64_t sbn, float *c, int64_t scm,
                         int64_t scn, const KG_NAME(convB) *conv,
                         const float *bias, int64_t sbias,
                         const float *cbias, const float *bPacked,
                         const KG_NAME(epi) *e) {
  if (cbias && (bias || conv || !bPacked || M <= KG_SMALL_M)) {
    /* Not onePackedB's path below. */
    KG_NAME(fillRows)(c, scm, cbias, M, N);
    cbias = NULL;
  }
  if (bias && !conv && M <= KG_SMALL_M) {
    /* The few-row paths accumulate: C starts from the bias here. */
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n)
        c[m * scm + n * scn] = bias[m * sbias];
    bias = NULL;
  }
  if (bPacked && !bias && M <= KG_SMALL_M) {
    KG_NAME(smallPacked)(M, N, K, a, sam, sak, bPacked, c, scm, scn);
    KG_NAME(finish)(e, c, scm, scn, M, N);
    return;
  }
  if (!conv && !bias && !bPacked && M <= KG_SMALL_M &&
      KG_NAME(smallM)(M, N, K, a, sam, sak, b, sbk, sbn, c, scm, scn)) {
    KG_NAME(finish)(e, c, scm, scn, M, N);
    return;
  }
#if KG_W >= 8
  if (conv && conv->aT) {
    /* The weights have no other layout to fall back on. */
    if (!KG_NAME(cvConv)(M, N, K, conv, c, scm, bias, sbias, e))
      KG_OUT_OF_MEMORY(KG_NAME(scratchRequest)); /* the input copy */
    return;
  }
#endif
  if (bPacked && !conv) {
    if (!KG_NAME(onePackedB)(M, N, K, K, a, sam, sak, c, scm, scn, bias,
                             sbias, cbias, bPacked, e))
      KG_OUT_OF_MEMORY(KG_NAME(scratchRequest)); /* A's panels */
    return;
  }
  const int direct = conv && KG_NAME(directOk)(conv, M, N, scn);
  if (!bPacked && KG_NAME(transposed)(M, N, K, a, sam, sak, b, sbk, sbn, c,
                                     scm, scn, conv, direct, bias, sbias, e))
    return;
  if (direct && KG_NAME(directConv)(M, N, K, a, sam, sak, conv, c, scm, bias,
                                     sbias, e))
    return;
  float *bPack = KG_NAME(getScratch)((size_t)KG_KC * (KG_NC + KG_NR) +
                                     (size_t)KG_KC * KG_MR);
  if (!bPack)
    KG_OUT_OF_MEMORY(KG_NAME(scratchRequest)); /* 1 MiB */
  float *aPack = bPack + (size_t)KG_KC * (KG_NC + KG_NR);
  const int64_t mStep = KG_NAME(mStepFor)(M);
  for (int64_t n0 = 0; n0 < N; n0 += KG_NC) {
    int64_t nc = N - n0 < KG_NC ? N - n0 : KG_NC;
    for (int64_t k0 = 0; k0 < K; k0 += KG_KC) {
      int64_t kc = K - k0 < KG_KC ? K - k0 : KG_KC;
      if (conv)
        KG_NAME(packConvB)(conv, k0, kc, n0, nc, bPack);
      else if (!bPacked)
        KG_NAME(packB)(kc, nc, b + k0 * sbk + n0 * sbn, sbk, sbn, bPack);
      for (int64_t m0 = 0; m0 < M; m0 += mStep) {
        int64_t mr = M - m0 < mStep ? M - m0 : mStep;
        const float *ap = aPack;
        if (conv && conv->aPre)
          ap = conv->aPre + (m0 / mStep * K + k0) * KG_MR;
        else
          KG_NAME(packA)(mr, kc, a + m0 * sam + k0 * sak, sam, sak, aPack);
        for (int64_t j0 = 0; j0 < nc; j0 += KG_NR) {
          int64_t nr = nc - j0 < KG_NR ? nc - j0 : KG_NR;
          /* Panels packed at compile time hold all K rows of their
           * columns: this block's rows start at k0. */
          const float *panel =
              bPacked ? bPacked + ((n0 + j0) / KG_NR * K + k0) * KG_NR
                      : bPack + j0 * kc;
          KG_NAME(tile)(kc, ap, panel, c + m0 * scm + (n0 + j0) * scn, scm,
                        scn, mr, nr,
                        bias && k0 == 0 ? bias + m0 * sbias : NULL, sbias,
                        k0 + kc >= K ? e : NULL);
        }
      }
    }
  }
}

/* Floats of A (weights) a GEMM's column tasks may each read whole, where
 * B is the smaller operand (see run). */
#define KG_SPLIT_A_FLOATS (160 * 1024)

/* Defined by every artifact that calls this kernel (kiln-gemm-ukernel
 * declares it, compiler/artifact defines it): runs body(captures, b, e) over
 * chunks of [begin, end) on the session's thread pool, inline when the
 * session has one thread. */
KG_HIDDEN void kiln_parallel_for(int64_t begin, int64_t end, int64_t grain,
                                 void (*body)(void *, int64_t, int64_t),
                                 void *captures);
/* Defined with it: the threads kiln_parallel_for runs chunks on, the
 * caller included (1: everything runs inline). */
KG_HIDDEN int64_t kiln_num_threads(void);

typedef struct {
  int64_t M, N, K;
  const float *a;
  int64_t sab, sam, sak;
  const float *b;
  int64_t sbb, sbk, sbn;
  float *c;
  int64_t scb, scm, scn;
  /* Tasks: batch x mTasks x nTasks blocks of C, mChunk rows by the columns
   * of units [t * nUnits / nTasks, (t + 1) * nUnits / nTasks) of nUnit
   * columns each (the last unit cut at N): sizes that differ by at most a
   * unit, so that two threads taking half the tasks each finish together. */
  int64_t mTasks, nTasks, mChunk, nUnit, nUnits;
  /* A convolution: B is implicit, one image per batch (x moves by sbb). */
  const KG_NAME(convB) *conv;
  /* C starts from bias[m] (shared by every batch) instead of its value. */
  const float *bias;
  int64_t sbias;
  /* B packed at compile time (shared by every batch), see kiln_sgemm_packed. */
  const float *bPacked;
  /* Groups of a grouped convolution (0 or 1: none): the batch index is
   * image * groups + group, and A, B, C and the bias move by these strides
   * per group on top of their batch strides. */
  int64_t groups, sag, sbg, scg, sbiasg;
  /* Applied to C once it is complete (or NULL): see one(). */
  const KG_NAME(epi) *epi;
  /* A packed at compile time (shared by every batch), see
   * kiln_sgemm_apacked; then mChunk is a multiple of KG_MR. */
  const float *aPacked;
  /* A convolution's A packed by prepackA for this call, aPreGroup floats
   * per group, or NULL. */
  const float *aPre;
  int64_t aPreGroup;
  /* Or, where linTasks > 0 (set by run), batch x linTasks tasks of equal
   * area in place of the mTasks x nTasks blocks: C's blocks of mChunk rows
   * by nUnit columns, numbered along units of columns (or with
   * linRowsOuter, along chunks of rows), cut into linTasks runs of
   * near-equal rows x columns (see linBound), so that a task may end
   * inside a unit (a chunk). */
  int64_t linTasks;
  int linRowsOuter;
  /* C starts from colBias[n * sColBias] in every row (or colBias is
   * NULL): written into each block before its products accumulate. */
  const float *colBias;
  int64_t sColBias;
} KG_NAME(job);

/* C[0:M, 0:N] += A * B (from bias[m] with one) with A packed at compile
 * time in panels of KG_MR rows (see kiln_sgemm_apacked), read in place: a
 * constant A that each call would otherwise pack again, the weights of a
 * 1x1 convolution on a small image (320 x 1280 of them used 49 times
 * each: packing them cost 15% of the convolution). Its panels hold lda
 * steps of K each, the first K of them used (a part of K: see splitK). */
static void KG_NAME(onePackedA)(int64_t M, int64_t N, int64_t K,
                                int64_t lda, const float *aPacked,
                                const float *b, int64_t sbk, int64_t sbn,
                                float *c, int64_t scm, int64_t scn,
                                const float *bias, int64_t sbias,
                                const KG_NAME(epi) *e) {
  float *bPack = KG_NAME(getScratch)((size_t)KG_KC * (KG_NC + KG_NR));
  if (!bPack)
    KG_OUT_OF_MEMORY(KG_NAME(scratchRequest)); /* 2 MiB */
  /* B and C contiguous along N (a pointwise convolution's input and
   * output): the tiles read B in place and only the columns short of a
   * whole tile are packed. Packing B was a quarter of a 14 x 14 layer's
   * time, and 30% of a 28 x 28 one's with 32 filters. Rows up to 2 KiB
   * apart the prefetchers follow; rows further apart (28 x 28 and larger
   * images) are prefetched KG_PF_STEPS rows ahead: the blocks of
   * MobileNetV2 on 56 x 56 and 28 x 28 7-8% faster, 1x1 layers of 256 -> 64
   * filters on 56 x 56 13%. */
  const int inPlace = sbn == 1 && scn == 1;
  const int64_t ahead = sbk > 512 ? KG_PF_STEPS * sbk : 0;
  for (int64_t n0 = 0; n0 < N; n0 += KG_NC) {
    int64_t nc = N - n0 < KG_NC ? N - n0 : KG_NC;
    /* Columns [n0, n0 + jIn) are read in place. */
    int64_t jIn = !inPlace            ? 0
                  : nc % KG_NR < KG_W ? nc / KG_NR * KG_NR
                                      : nc / KG_NR * KG_NR + KG_W;
    for (int64_t k0 = 0; k0 < K; k0 += KG_KC) {
      int64_t kc = K - k0 < KG_KC ? K - k0 : KG_KC;
      if (jIn < nc)
        KG_NAME(packB)(kc, nc - jIn, b + k0 * sbk + (n0 + jIn) * sbn, sbk,
                       sbn, bPack);
      for (int64_t m0 = 0; m0 < M; m0 += KG_MR) {
        int64_t mr = M - m0 < KG_MR ? M - m0 : KG_MR;
        const float *ap = aPacked + (m0 / KG_MR * lda + k0) * KG_MR;
        const float *tileBias = bias && k0 == 0 ? bias + m0 * sbias : NULL;
        const KG_NAME(epi) *last = k0 + kc >= K ? e : NULL;
        for (int64_t j0 = 0; j0 < nc; j0 += KG_NR) {
          int64_t nr = nc - j0 < KG_NR ? nc - j0 : KG_NR;
          float *ct = c + m0 * scm + (n0 + j0) * scn;
          if (j0 + KG_W <= jIn) {
            nr = jIn - j0 < KG_NR ? jIn - j0 : KG_NR;
            KG_NAME(tileInPlace)(kc, ap, b + k0 * sbk + n0 + j0, sbk, ct, scm,
                                 mr, nr, tileBias, sbias, last, ahead);
            /* A last half tile read in place leaves the rest packed. */
            if (nr == KG_W && j0 + KG_W < nc)
              KG_NAME(tile)(kc, ap, bPack, ct + KG_W, scm, scn, mr,
                            nc - j0 - KG_W, tileBias, sbias, last);
          } else {
            KG_NAME(tile)(kc, ap, bPack + (j0 - jIn) * kc, ct, scm, scn, mr,
                          nr, tileBias, sbias, last);
          }
        }
      }
    }
  }
}

/* A block of C (mc x nc, at `block`, its first column n0) from the bias
 * of its columns, which a GEMM with colBias starts from. C transposed
 * (scm = 1: a pointwise layer's pixels as the rows, NCHW output) is
 * filled a column at a time, each a run of one value: row by row, every
 * store went to another line (49 x 160 of MobileNetV2's 7 x 7 projections:
 * 7 us, the first of its split-K parts that much slower than the other). */
static void KG_NAME(fillColBias)(const KG_NAME(job) * j, float *block,
                                 int64_t n0, int64_t mc, int64_t nc) {
  if (j->scm == 1) {
    for (int64_t n = 0; n < nc; ++n) {
      const kg_vec v = KG_SET1(j->colBias[(n0 + n) * j->sColBias]);
      float *col = block + n * j->scn;
      int64_t m = 0;
      for (; m + KG_W <= mc; m += KG_W)
        KG_STOREU(col + m, v);
      if (m < mc)
        kg_storen(col + m, v, mc - m);
    }
    return;
  }
  if (j->scn == 1 && j->sColBias == 1) {
    /* Rows of C (a Linear layer's): each a copy of the bias. Element by
     * element, GCC's scalar stores took 3% of a transformer's time. */
    KG_NAME(fillRows)(block, j->scm, j->colBias + n0, mc, nc);
    return;
  }
  for (int64_t m = 0; m < mc; ++m)
    for (int64_t n = 0; n < nc; ++n)
      block[m * j->scm + n * j->scn] = j->colBias[(n0 + n) * j->sColBias];
}

/* C[m0 : m0 + mc, n0 : n0 + nc] of batch bi. */
static void KG_NAME(runBlock)(const KG_NAME(job) * j, int64_t bi, int64_t m0,
                              int64_t mc, int64_t n0, int64_t nc) {
  int64_t g = 0;
  if (j->groups > 1) {
    g = bi % j->groups;
    bi /= j->groups;
  }
  const float *a = j->a + bi * j->sab + g * j->sag;
  const float *b = j->b + bi * j->sbb + g * j->sbg;
  float *c = j->c + bi * j->scb + g * j->scg;
  const float *bias = j->bias ? j->bias + g * j->sbiasg : NULL;
  KG_NAME(convB) image;
  if (j->conv) {
    image = *j->conv;
    image.x = b;
    image.pBase = n0;
    image.aPre = j->aPre ? j->aPre + g * j->aPreGroup : NULL;
    image.aT = j->conv->aT ? a : NULL;
    image.aTm0 = m0;
  }
  float *block = c + m0 * j->scm + n0 * j->scn;
  /* A Linear layer's bias along C's rows goes to one(), which writes it
   * into each tile where it can; any other starts C here. */
  const float *cbias = j->colBias && j->K > 0 && !j->aPacked &&
                               j->scn == 1 && j->sColBias == 1
                           ? j->colBias + n0
                           : NULL;
  if (j->colBias && !cbias)
    KG_NAME(fillColBias)(j, block, n0, mc, nc);
  if (j->K > 0 && j->aPacked)
    KG_NAME(onePackedA)(mc, nc, j->K, j->K,
                        j->aPacked + m0 / KG_MR * j->K * KG_MR,
                        b + n0 * j->sbn, j->sbk, j->sbn, block, j->scm,
                        j->scn, bias ? bias + m0 * j->sbias : NULL,
                        j->sbias, j->epi);
  else if (j->K > 0)
    KG_NAME(one)(mc, nc, j->K, a + m0 * j->sam, j->sam, j->sak,
                 b + n0 * j->sbn, j->sbk, j->sbn, block, j->scm, j->scn,
                 j->conv ? &image : NULL,
                 bias ? bias + m0 * j->sbias : NULL, j->sbias, cbias,
                 j->bPacked ? j->bPacked + n0 / KG_NR * j->K * KG_NR
                            : NULL,
                 j->epi);
  else {
    /* No products: C is the bias. */
    if (bias)
      for (int64_t m = 0; m < mc; ++m)
        for (int64_t n = 0; n < nc; ++n)
          block[m * j->scm + n * j->scn] = bias[(m0 + m) * j->sbias];
    KG_NAME(finish)(j->epi, block, j->scm, j->scn, mc, nc);
  }
}

/* One axis of a linear split: `count` steps of `step` rows or columns,
 * `size` of them in all (the last step may be short), costing as `cost`
 * would (columns: a partial last vector costs a whole one, its columns
 * masked). */
typedef struct {
  int64_t count, step, size, cost;
} KG_NAME(linAxis);

/* The axes of a linear split, the outer one first. */
static void KG_NAME(linAxes)(const KG_NAME(job) * j, KG_NAME(linAxis) * outer,
                             KG_NAME(linAxis) * inner) {
  const KG_NAME(linAxis) rows = {(j->M + j->mChunk - 1) / j->mChunk,
                                 j->mChunk, j->M, j->M};
  const KG_NAME(linAxis) cols = {j->nUnits, j->nUnit, j->N,
                                 (j->N + KG_W - 1) / KG_W * KG_W};
  *outer = j->linRowsOuter ? rows : cols;
  *inner = j->linRowsOuter ? cols : rows;
}

/* Where linear task t starts: a position o * inner.count + i (step o of
 * the outer axis, step i of the inner one), the first whose area before
 * it reaches t / linTasks of C's. */
static int64_t KG_NAME(linBound)(const KG_NAME(job) * j, int64_t t) {
  KG_NAME(linAxis) outer, inner;
  KG_NAME(linAxes)(j, &outer, &inner);
  if (t >= j->linTasks)
    return outer.count * inner.count;
  const double area = (double)t * outer.cost * inner.cost / j->linTasks;
  int64_t o = (int64_t)(area / ((double)outer.step * inner.cost));
  if (o >= outer.count)
    o = outer.count - 1;
  const int64_t span = outer.cost - o * outer.step < outer.step
                           ? outer.cost - o * outer.step
                           : outer.step;
  const double rest = area - (double)o * outer.step * inner.cost;
  int64_t i = (int64_t)(rest / ((double)span * inner.step) + 0.5);
  if (i > inner.count)
    i = inner.count;
  return o * inner.count + i;
}

/* Linear task lt of batch bi: whole steps of the outer axis in one call,
 * a partial one's inner steps apart. */
static void KG_NAME(runLinear)(const KG_NAME(job) * j, int64_t bi,
                               int64_t lt) {
  KG_NAME(linAxis) outer, inner;
  KG_NAME(linAxes)(j, &outer, &inner);
  const int64_t lo = KG_NAME(linBound)(j, lt);
  const int64_t hi = KG_NAME(linBound)(j, lt + 1);
  const int64_t oHi = hi / inner.count, iHi = hi % inner.count;
  for (int64_t pos = lo; pos < hi;) {
    const int64_t o = pos / inner.count, i0 = pos % inner.count;
    const int64_t i1 = o < oHi ? inner.count : iHi;
    const int64_t o1 = i0 == 0 && i1 == inner.count ? oHi : o + 1;
    const int64_t a0 = o * outer.step, b0 = i0 * inner.step;
    const int64_t a1 = o1 * outer.step < outer.size ? o1 * outer.step
                                                    : outer.size;
    const int64_t b1 = i1 * inner.step < inner.size ? i1 * inner.step
                                                    : inner.size;
    if (j->linRowsOuter)
      KG_NAME(runBlock)(j, bi, a0, a1 - a0, b0, b1 - b0);
    else
      KG_NAME(runBlock)(j, bi, b0, b1 - b0, a0, a1 - a0);
    pos = i1 == inner.count ? o1 * inner.count : o * inner.count + i1;
  }
}

/* Task r of an image's mTasks x nTasks: C[m0 : m0 + mc, n0 : n0 + nc]. */
static void KG_NAME(taskBlock)(const KG_NAME(job) * j, int64_t r, int64_t *m0,
                               int64_t *mc, int64_t *n0, int64_t *nc) {
  const int64_t nt = r % j->nTasks;
  const int64_t n1 = (nt + 1) * j->nUnits / j->nTasks * j->nUnit;
  *m0 = r / j->nTasks * j->mChunk;
  *mc = j->M - *m0 < j->mChunk ? j->M - *m0 : j->mChunk;
  *n0 = nt * j->nUnits / j->nTasks * j->nUnit;
  *nc = (n1 < j->N ? n1 : j->N) - *n0;
}

static void KG_NAME(runTasks)(void *p, int64_t begin, int64_t end) {
  const KG_NAME(job) *j = (const KG_NAME(job) *)p;
  for (int64_t t = begin; t < end; ++t) {
    if (j->linTasks > 0) {
      KG_NAME(runLinear)(j, t / j->linTasks, t % j->linTasks);
      continue;
    }
    int64_t m0, mc, n0, nc;
    KG_NAME(taskBlock)(j, t % (j->mTasks * j->nTasks), &m0, &mc, &n0, &nc);
    KG_NAME(runBlock)(j, t / (j->mTasks * j->nTasks), m0, mc, n0, nc);
  }
}

/* Below this many multiply-adds (about 8 us on one core) a GEMM runs on
 * the calling thread: waking a worker costs more than it saves. At 2^21
 * (30 us), MobileNetV2's 28 x 28 pointwise layers ran on one thread of two
 * (2 threads: 5.90 -> 5.45 ms at 2^19; 2^17 measured the same). */
#define KG_PARALLEL_MIN_FMAS (1 << 19)
/* Multiply-adds that one float streamed from memory costs as much time as
 * (about 10 GB/s against a core's 16-lane multiply-adds). */
#define KG_STREAM_FMAS 16
/* Tasks enough for a few threads: more would repack B on one thread. */
#define KG_TASKS 4

static void KG_NAME(run)(KG_NAME(job) *jp, int64_t batch);

/* Runs j with the epilogue of an entry's last four arguments. */
static void KG_NAME(runWithEpilogue)(KG_NAME(job) *j, int64_t batch,
                                     int64_t act, int64_t alpha, int64_t beta,
                                     intptr_t res) {
  KG_NAME(epi) e;
  j->epi = KG_NAME(makeEpi)(&e, act, alpha, beta, res, (intptr_t)j->c);
  KG_NAME(run)(j, batch);
}

/* The entry kiln-gemm-ukernel calls. Pointers travel as integers (MLIR
 * index values). The work is cut into tasks that cost no repeated packing:
 * along N in blocks of KG_NC (each task packs only its own columns of B),
 * and along M only when N and the batch give too few tasks (each M task
 * packs B again: K x N copies against mChunk x K x N multiply-adds). */
KG_HIDDEN void KG_NAME(kiln_sgemm)(
    int64_t batch, int64_t M, int64_t N, int64_t K, intptr_t a, int64_t sab,
    int64_t sam, int64_t sak, intptr_t b, int64_t sbb, int64_t sbk,
    int64_t sbn, intptr_t c, int64_t scb, int64_t scm, int64_t scn,
    int64_t act, int64_t alpha, int64_t beta, intptr_t res) {
  if (batch <= 0 || M <= 0 || N <= 0)
    return;
  KG_NAME(job) j = {M, N, K, (const float *)a, sab, sam, sak,
                    (const float *)b, sbb, sbk, sbn, (float *)c, scb, scm,
                    scn, 1, 1, M, N, 1, NULL, NULL, 0, NULL};
  KG_NAME(runWithEpilogue)(&j, batch, act, alpha, beta, res);
}

/* kiln_sgemm with C starting from bias[m * sbias] (shared by every batch)
 * instead of its contents, which are not read: a convolution's bias that
 * kiln-gemm-ukernel took over from the broadcast into C. */
KG_HIDDEN void KG_NAME(kiln_sgemm_bias)(
    int64_t batch, int64_t M, int64_t N, int64_t K, intptr_t a, int64_t sab,
    int64_t sam, int64_t sak, intptr_t b, int64_t sbb, int64_t sbk,
    int64_t sbn, intptr_t c, int64_t scb, int64_t scm, int64_t scn,
    intptr_t bias, int64_t sbias, int64_t act, int64_t alpha, int64_t beta,
    intptr_t res) {
  if (batch <= 0 || M <= 0 || N <= 0)
    return;
  KG_NAME(job) j = {M, N, K, (const float *)a, sab, sam, sak,
                    (const float *)b, sbb, sbk, sbn, (float *)c, scb, scm,
                    scn, 1, 1, M, N, 1, NULL, (const float *)bias, sbias, NULL};
  KG_NAME(runWithEpilogue)(&j, batch, act, alpha, beta, res);
}

/* The packed-B entries: C from bias[m * sbias] (or with `columns`, from
 * bias[n * sbias] in every row), or read where bias is 0. */
static void KG_NAME(runPacked)(int64_t batch, int64_t M, int64_t N, int64_t K,
                               intptr_t a, int64_t sab, int64_t sam,
                               int64_t sak, intptr_t bPacked, intptr_t c,
                               int64_t scb, int64_t scm, int64_t scn,
                               intptr_t bias, int64_t sbias, int columns,
                               int64_t act, int64_t alpha, int64_t beta,
                               intptr_t res) {
  if (batch <= 0 || M <= 0 || N <= 0)
    return;
  KG_NAME(job) j = {M, N, K, (const float *)a, sab, sam, sak, NULL, 0, 0, 0,
                    (float *)c, scb, scm, scn, 1, 1, M, N, 1, NULL,
                    columns ? NULL : (const float *)bias, columns ? 0 : sbias,
                    (const float *)bPacked};
  if (columns) {
    j.colBias = (const float *)bias;
    j.sColBias = sbias;
  }
  KG_NAME(runWithEpilogue)(&j, batch, act, alpha, beta, res);
}

/* kiln_sgemm with B a constant packed at compile time by kiln-gemm-ukernel:
 * for each panel of KG_NR columns (the last zero-padded), all K rows of
 * it, KG_NR floats per row:
 *
 *   bPacked[(n / KG_NR * K + k) * KG_NR + n % KG_NR] = B[k, n]
 *
 * The tiles read it in place: no packing of B at run time. B is shared by
 * every batch. C starts from bias[m * sbias] when bias is not 0, as with
 * kiln_sgemm_bias (a constant zero with stride 0: C is not read). */
KG_HIDDEN void KG_NAME(kiln_sgemm_packed)(
    int64_t batch, int64_t M, int64_t N, int64_t K, intptr_t a, int64_t sab,
    int64_t sam, int64_t sak, intptr_t bPacked, intptr_t c, int64_t scb,
    int64_t scm, int64_t scn, intptr_t bias, int64_t sbias, int64_t act,
    int64_t alpha, int64_t beta, intptr_t res) {
  KG_NAME(runPacked)(batch, M, N, K, a, sab, sam, sak, bPacked, c, scb, scm,
                     scn, bias, sbias, /*columns=*/0, act, alpha, beta, res);
}

/* kiln_sgemm_packed with C starting from bias[n * sbias] in every row
 * instead (a Linear layer's bias, which the ONNX lowering broadcast into C
 * before the MatMul and kiln-gemm-ukernel took over: C is not read). */
KG_HIDDEN void KG_NAME(kiln_sgemm_packed_cbias)(
    int64_t batch, int64_t M, int64_t N, int64_t K, intptr_t a, int64_t sab,
    int64_t sam, int64_t sak, intptr_t bPacked, intptr_t c, int64_t scb,
    int64_t scm, int64_t scn, intptr_t bias, int64_t sbias, int64_t act,
    int64_t alpha, int64_t beta, intptr_t res) {
  KG_NAME(runPacked)(batch, M, N, K, a, sab, sam, sak, bPacked, c, scb, scm,
                     scn, bias, sbias, /*columns=*/1, act, alpha, beta, res);
}

/* kiln_sgemm with A a constant packed at compile time by
 * kiln-gemm-ukernel: for each panel of KG_MR rows (the last zero-padded),
 * all K columns of it, KG_MR floats per column:
 *
 *   aPacked[(m / KG_MR * K + k) * KG_MR + m % KG_MR] = A[m, k]
 *
 * and C starting from bias[m * sbias] when bias is not 0, as with
 * kiln_sgemm_bias. A is shared by every batch. */
KG_HIDDEN void KG_NAME(kiln_sgemm_apacked)(
    int64_t batch, int64_t M, int64_t N, int64_t K, intptr_t aPacked,
    intptr_t b, int64_t sbb, int64_t sbk, int64_t sbn, intptr_t c,
    int64_t scb, int64_t scm, int64_t scn, intptr_t bias, int64_t sbias,
    int64_t act, int64_t alpha, int64_t beta, intptr_t res) {
  if (batch <= 0 || M <= 0 || N <= 0)
    return;
  KG_NAME(job) j = {M, N, K, NULL, 0, 0, 0, (const float *)b, sbb, sbk, sbn,
                    (float *)c, scb, scm, scn, 1, 1, M, N, 1, NULL,
                    (const float *)bias, sbias, NULL};
  j.aPacked = (const float *)aPacked;
  KG_NAME(runWithEpilogue)(&j, batch, act, alpha, beta, res);
}

/* A convolution's weights packed once for all the call's tasks, as each
 * task would pack them (tiles of mStepFor(M) rows, each all K steps of
 * KG_MR floats), per group: every task of a convolution packed all of A
 * (per 200-odd pixels: 4% of a 64-channel 3x3 convolution's time, 13% of a
 * grouped one's with 16 filters per group). Only for tasks of all M rows
 * and A shared by several tasks; sets j->aPre and returns the buffer to
 * free (NULL: none, the tasks pack their own). */
static float *KG_NAME(prepackA)(KG_NAME(job) *j, int64_t tasks) {
  const int64_t groups = j->groups > 1 ? j->groups : 1;
  if (!j->conv || j->conv->aT || j->aPacked || j->sab != 0 ||
      j->mTasks != 1 ||
      tasks <= groups || j->M <= KG_SMALL_M || j->K <= 0)
    return NULL;
  const int64_t M = j->M, K = j->K, mStep = KG_NAME(mStepFor)(M);
  const int64_t perGroup = (M + mStep - 1) / mStep * K * KG_MR;
  float *aPre = (float *)aligned_alloc(
      64, ((size_t)(groups * perGroup) * sizeof(float) + 63) & ~(size_t)63);
  if (!aPre)
    return NULL;
  for (int64_t g = 0; g < groups; ++g)
    KG_NAME(packATiles)(M, K, j->a + g * j->sag, j->sam, j->sak,
                        aPre + g * perGroup);
  j->aPre = aPre;
  j->aPreGroup = perGroup;
  return aPre;
}

/* The input's phase-plane copy made once for a call whose tasks split a
 * filters-in-lanes convolution (kiln_sgemm_chanvec.h) over the same pixels:
 * each task copied all of it (a 3x3 stride-2 layer of 256 filters on 14 x
 * 14 pixels is four tasks of 64 filters, and the copies took a quarter of
 * its time on one thread). Only for one image whose tasks all cover all
 * its pixels, and 2-D ones: a 1-D convolution's copy is a whole long row
 * per task, which with two threads the other core then read from this
 * one's cache (an audio front end: 6.3 -> 6.6 ms on two threads, though
 * faster on one). Sets conv->xPre and returns the buffer to free (NULL:
 * none, the tasks copy their own). */
static float *KG_NAME(precopyPhases)(KG_NAME(job) *j, KG_NAME(convB) *conv,
                                     int64_t batch) {
  if (!j->conv || !j->conv->aT || j->linTasks || j->mTasks == 1 ||
      j->nTasks != 1 ||
      batch != 1 || j->K <= 0 || j->N <= j->conv->OW ||
      (j->conv->KH == 1 && j->conv->KW == 1))
    return NULL;
  *conv = *j->conv;
  conv->x = j->b;
  conv->pBase = 0;
  const KG_NAME(phaseCopy) p = KG_NAME(phaseGeometry)(conv, j->N, j->K);
  const size_t floats = (size_t)(p.C * p.phases * p.plane + 2 * KG_NR);
  float *xq =
      (float *)aligned_alloc(64, (floats * sizeof(float) + 63) & ~(size_t)63);
  if (!xq)
    return NULL;
  KG_NAME(copyPhases)(conv, &p, xq, floats);
  conv->xPre = xq;
  j->conv = conv;
  return xq;
}

/* The cost of the block of C task r computes: rows times vectors of
 * columns (a partial vector costs a whole one). */
static double KG_NAME(blockCost)(const KG_NAME(job) * j, int64_t r) {
  int64_t m0, mc, n0, nc;
  KG_NAME(taskBlock)(j, r, &m0, &mc, &n0, &nc);
  return (double)mc * (double)((nc + KG_W - 1) / KG_W);
}

/* How long two threads of the pool take over the mTasks x nTasks tasks of
 * one image, over half their total cost: each thread runs its half of
 * the tasks from the front and, once done, takes the other's from the
 * back (see ThreadPool::parallelFor). */
static double KG_NAME(twoThreadSpan)(const KG_NAME(job) * j) {
  const int64_t tasks = j->mTasks * j->nTasks;
  int64_t front[2] = {0, tasks / 2}, back[2] = {tasks / 2, tasks};
  double busy[2] = {0, 0}, total = 0;
  for (;;) {
    const int self = busy[1] < busy[0];
    int64_t t;
    if (front[self] < back[self])
      t = front[self]++;
    else if (front[!self] < back[!self])
      t = --back[!self];
    else
      break;
    const double cost = KG_NAME(blockCost)(j, t);
    busy[self] += cost;
    total += cost;
  }
  return total > 0 ? (busy[0] > busy[1] ? busy[0] : busy[1]) / (total / 2)
                   : 1;
}

/*--- Split K ---------------------------------------------------------------*/

/* The 1x1 convolutions of a network laid out NCHW contract over the
 * channels, and the kernel before them (a depthwise convolution, a
 * pointwise one fused into it) cut its work by channels: with two threads,
 * half of every pixel's channels sit in the other core's cache. Cut by
 * pixels or filters, each thread read its part of the input a channel row
 * at a time, every line a transfer from the other core (remote lines at
 * about 4 GB/s where local ones come at 60): MobileNetV2's projections
 * took 30-70% more time on two threads than on one (576 -> 96 on 14 x 14:
 * 155 us on one thread, tasks of 48-56 us where they were 35-39 alone).
 * Cut by K instead, each of T threads sums its own channels' products into
 * a C of its own (the first thread into C itself), and a second loop adds
 * them up and applies the epilogue, by blocks of C's rows (a contiguous
 * run of the other threads' sums each, read at stream speed): on two
 * threads 576 -> 96 on 14 x 14 went from 112 to 89 us, 960 -> 160 on
 * 7 x 7 from 96 to 73, MobileNetV2 from 3.98 to 3.70 ms. One thread does
 * not split.
 *
 * For GEMMs with a constant operand packed at compile time whose other
 * operand is such an input: A the weights and B the image (B's rows
 * contiguous, a pointwise layer), or B the weights and A the image
 * transposed (A's columns contiguous, a pointwise layer on a small image,
 * see kiln-gemm-ukernel), and the channel-vector path's pointwise layers
 * (AVX-512, kiln_sgemm_chanvec.h). A transformer's activations are rows
 * (A's rows contiguous): its layers keep their cut. */
#define KG_SPLITK_MIN_K 128
/* Steps of K each thread's part has at least (a 28 x 28 layer's 144 or
 * 192 channels in two parts): the parts' extra passes over C are paid for
 * by the multiply-adds of each step. */
#define KG_SPLITK_MIN_STEPS 64
/* Only on small images: on large ones the kernels before cut by rows of
 * pixels (the pointwise-depthwise kernel's bands, a convolution's output
 * rows), which a cut by pixels then reads from its own core: split by K,
 * MobileNetV2's 144 -> 24 layers on 56 x 56 took 1.3x as long; on 28 x
 * 28 (one band) the 192 -> 32 ones 20% less. */
#define KG_SPLITK_MAX_PIXELS 1024

typedef struct {
  const KG_NAME(job) *j;
  int64_t parts;
  /* Parts 1 .. parts - 1 (part 0 goes to C), each a C of M x N floats
   * contiguous along C's contiguous axis. */
  float *sums;
  /* C as `outer` runs of `inner` floats contiguous in C and in sums:
   * along M (byRows) or N. */
  int byRows;
  int64_t outer, inner, so;
  int64_t blocks; /* tasks of the second loop, blocks of outer */
} KG_NAME(splitK);

/* Part p's steps of K: [bound(p), bound(p + 1)), multiples of 8 (but the
 * last). */
static inline int64_t KG_NAME(skBound)(const KG_NAME(splitK) * sk, int64_t p) {
  const int64_t K = sk->j->K;
  return p >= sk->parts ? K : p * K / sk->parts / 8 * 8;
}

/* The first loop: part p of K into C (p = 0, from the bias or C as the
 * GEMM would) or into its sums (from zero). No epilogue. */
static void KG_NAME(skParts)(void *arg, int64_t begin, int64_t end) {
  static const float zero = 0.0f;
  const KG_NAME(splitK) *sk = (const KG_NAME(splitK) *)arg;
  const KG_NAME(job) *j = sk->j;
  const int64_t M = j->M, N = j->N, K = j->K;
  for (int64_t p = begin; p < end; ++p) {
    const int64_t k0 = KG_NAME(skBound)(sk, p);
    const int64_t kc = KG_NAME(skBound)(sk, p + 1) - k0;
    float *c = j->c;
    int64_t scm = j->scm, scn = j->scn, sbias = j->sbias;
    const float *bias = j->bias;
    if (p > 0) {
      c = sk->sums + (p - 1) * M * N;
      scm = sk->byRows ? N : 1;
      scn = sk->byRows ? 1 : M;
      bias = &zero;
      sbias = 0;
    } else if (j->colBias) {
      KG_NAME(fillColBias)(j, c, 0, M, N);
    }
#if KG_W >= 8
    if (j->conv) {
      /* A pointwise layer's channels k0 .. k0 + kc, read from x, against
       * its transposed weights (kiln_sgemm_chanvec.h). */
      KG_NAME(convB) image = *j->conv;
      image.x = j->b;
      image.pBase = 0;
      image.aPre = NULL;
      image.aT = j->a;
      image.aTm0 = 0;
      image.kBase = k0;
      image.kAll = K;
      if (!KG_NAME(cvConv)(M, N, kc, &image, c, scm, bias, sbias, NULL))
        KG_OUT_OF_MEMORY(KG_NAME(scratchRequest));
      continue;
    }
#endif
    if (j->aPacked)
      KG_NAME(onePackedA)(M, N, kc, K, j->aPacked + k0 * KG_MR,
                          j->b + k0 * j->sbk, j->sbk, j->sbn, c, scm, scn,
                          bias, sbias, NULL);
    else if (!KG_NAME(onePackedB)(M, N, kc, K, j->a + k0 * j->sak, j->sam,
                                  j->sak, c, scm, scn, bias, sbias, NULL,
                                  j->bPacked + k0 * KG_NR, NULL))
      KG_OUT_OF_MEMORY(KG_NAME(scratchRequest)); /* A's panels */
  }
}

/* The second loop: blocks of C's runs, the other parts' sums added and
 * the epilogue applied. */
static void KG_NAME(skReduce)(void *arg, int64_t begin, int64_t end) {
  const KG_NAME(splitK) *sk = (const KG_NAME(splitK) *)arg;
  const KG_NAME(job) *j = sk->j;
  const int64_t MN = j->M * j->N, inner = sk->inner;
  for (int64_t t = begin; t < end; ++t) {
    const int64_t o0 = t * sk->outer / sk->blocks;
    const int64_t o1 = (t + 1) * sk->outer / sk->blocks;
    for (int64_t o = o0; o < o1; ++o) {
      float *c = j->c + o * sk->so;
      const float *sum = sk->sums + o * inner;
      int64_t i = 0;
      for (; i + KG_W <= inner; i += KG_W) {
        kg_vec acc = KG_LOADU(c + i);
        for (int64_t p = 1; p < sk->parts; ++p)
          acc = KG_ADD(acc, KG_LOADU(sum + (p - 1) * MN + i));
        KG_STOREU(c + i, acc);
      }
      for (; i < inner; ++i)
        for (int64_t p = 1; p < sk->parts; ++p)
          c[i] += sum[(p - 1) * MN + i];
    }
    float *block = j->c + o0 * sk->so;
    if (sk->byRows)
      KG_NAME(finish)(j->epi, block, j->scm, j->scn, o1 - o0, j->N);
    else
      KG_NAME(finish)(j->epi, block, j->scm, j->scn, j->M, o1 - o0);
  }
}

/* Runs j split by K over `threads` threads if it is such a GEMM (see
 * above); returns 0 if not (or if the sums' memory is not there). */
static int KG_NAME(runSplitK)(const KG_NAME(job) * j, int64_t batch,
                              int64_t threads) {
  const int64_t M = j->M, N = j->N, K = j->K;
  if (threads < 2 || batch != 1 || j->groups > 1 || K < KG_SPLITK_MIN_K ||
      M <= KG_SMALL_M)
    return 0;
  const KG_NAME(convB) *g = j->conv;
  int pointwise = 0;
#if KG_W >= 8
  /* The channel-vector path's pointwise layers read straight from x (see
   * cvConv): their channels split as a GEMM's K. */
  pointwise = g && g->aT && KG_NAME(cvFromX)(g) && g->sxh == g->OW &&
              N == g->H * g->W && N <= KG_SPLITK_MAX_PIXELS;
#endif
  if (g && !pointwise)
    return 0;
  const int imageB = j->aPacked && j->sbn == 1 && j->sbk >= N &&
                     N <= KG_SPLITK_MAX_PIXELS;
  const int imageA = j->bPacked && j->sam == 1 && j->sak >= M &&
                     M <= KG_SPLITK_MAX_PIXELS;
  if (!imageB && !imageA && !pointwise)
    return 0;
  /* Only layers with at most half as many filters as channels (the
   * projections): the parts' sums each thread passes the other are then
   * less than the half of the image each reads from the other core when
   * the threads split the filters. An expansion is cut by its filters:
   * MobileNetV2's 160 -> 960 on 7 x 7 took 77 us on two threads split by
   * K (the parts and their reduction), 65-69 by filters; its 320 -> 1280
   * 155 and 145 (best deciles of interleaved traced runs). */
  if (2 * (imageA ? N : M) > K)
    return 0;
  KG_NAME(splitK) sk = {j, K / KG_SPLITK_MIN_STEPS, NULL, 0, 0, 0, 0, 0};
  if (sk.parts > threads)
    sk.parts = threads;
  if (sk.parts < 2)
    return 0;
  /* C dense along one axis (the sums are laid out the same way). */
  if (j->scn == 1 && j->scm >= N) {
    sk.byRows = 1;
    sk.outer = M, sk.inner = N, sk.so = j->scm;
  } else if (j->scm == 1 && j->scn >= M) {
    sk.outer = N, sk.inner = M, sk.so = j->scn;
  } else {
    return 0;
  }
  sk.sums = KG_NAME(getSharedScratch)((size_t)((sk.parts - 1) * M * N));
  if (!sk.sums)
    return 0;
  sk.blocks = 2 * sk.parts < sk.outer ? 2 * sk.parts : sk.outer;
  kiln_parallel_for(0, sk.parts, 1, KG_NAME(skParts), &sk);
  kiln_parallel_for(0, sk.blocks, 1, KG_NAME(skReduce), &sk);
  return 1;
}

/* Cuts a job into tasks and runs them (see kiln_sgemm below). */
static void KG_NAME(run)(KG_NAME(job) *jp, int64_t batch) {
  KG_NAME(job) j = *jp;
  int64_t M = j.M, N = j.N, K = j.K;
  /* A few rows stream all of B for a handful of multiply-adds per float:
   * each float read counts as KG_STREAM_FMAS of them (a classifier's
   * 1 x 512 x 1000, 2 MB of weights, ran on one thread of two, just under
   * the bar in multiply-adds). */
  const double work = M <= KG_SMALL_M ? (double)batch * N * K * KG_STREAM_FMAS
                                      : (double)batch * M * N * K;
  if (work < KG_PARALLEL_MIN_FMAS) {
    KG_NAME(runTasks)(&j, 0, batch);
    return;
  }
  if (KG_NAME(runSplitK)(&j, batch, kiln_num_threads()))
    return;
  {
    /* Columns in tasks of about KG_NC, in whole units: a register tile's
     * columns (whole panels of B packed at compile time: a task starting
     * inside one read it from the wrong column), or for a
     * convolution output rows (the direct path then has no partial rows,
     * and copies each input row into fewer tasks). An even number of
     * tasks of near-equal size (see the job), so that two threads finish
     * together (784 columns: 192, 192, 192, 208 rather than 256, 256, 256,
     * 16). */
    int64_t unit = j.conv ? j.conv->OW : KG_NR;
    /* A single output row (1-D convolutions) in runs of whole tiles
     * instead: as one unit it was split by filters, each task copying the
     * whole input (an audio front end's 256 channels of 3200 samples,
     * four times: 18% of the model's time); a task inside one row copies
     * only the columns it reads (phaseGeometry). */
    if (j.conv && N == j.conv->OW && N > 2 * KG_NR)
      unit = KG_NR;
    int64_t units = (N + unit - 1) / unit;
    int64_t per = KG_NC / unit > 1 ? KG_NC / unit : 1;
    /* A convolution's task copies its input rows (phaseGeometry), which
     * its tiles then read once per block of filters: no more of them than
     * half the core's L2 holds. 256 columns of a stride-2 1-D layer over
     * 256 channels copy 526 KB: in an EPYC's 512 KB L2 every block of
     * filters read them from L3 (an audio front end at 39% of the FMA
     * peak); Intel's 2 MB L2 holds four such. */
    if (j.conv) {
      KG_NAME(convB) probe = *j.conv;
      probe.pBase = 0;
      for (; per > 1; per /= 2) {
        int64_t cols = per * unit < N ? per * unit : N;
        KG_NAME(phaseCopy) p = KG_NAME(phaseGeometry)(&probe, cols, K);
        if ((double)p.C * p.phases * p.plane * sizeof(float) <=
            0.5 * (double)kg_l2_bytes())
          break;
      }
    }
    /* Many small images (a grouped convolution's groups): whole ones per
     * task, whose input copies stay in L2; each task then copies no rows
     * twice and issues fewer partial tiles (8 groups of 16 channels on 28
     * x 28: 6% faster than tasks of 7 rows). */
    if (j.conv && batch >= 2 * KG_TASKS &&
        K / (j.conv->KH * j.conv->KW) * j.conv->H * j.conv->W <= (1 << 16))
      per = units;
    int64_t nTasks = (units + per - 1) / per;
    /* Too few tasks for the pool: narrower column tasks first, down to a
     * register tile's width, before any split of M, which packs B again
     * per task (a 576 -> 96 pointwise layer on 14 x 14 pixels, 196
     * columns, ran as three M tasks of 36, 36 and 24 rows: 1.2x on two
     * threads). Twice as many as the bar: the pool hands them out as
     * threads come free, so an uneven last one costs less. Only where no
     * task packs A for itself: A packed at compile time, or a
     * convolution's weights (read transposed in place, or packed once by
     * prepackA); a 7 x 7 pointwise layer's A^T, the pixels read with a
     * stride, packed by each of five tasks cost 45% on one thread. */
    /* And only where A is the smaller operand or fits in L2 with room to
     * spare: every column task reads all of A, every row task all of B (a
     * 3 x 3 layer of 192 filters on 20 x 20 pixels has 1.3 MB of weights
     * against 0.3 MB of input: split by columns, each core streamed all
     * the weights, 1.5x on two; a 3 x 3 layer of 64 filters on 10 x 10,
     * 0.6 MB of weights against 0.1 MB, ran as one task: no speedup). */
    const double bFloats =
        j.conv ? (double)(K / (j.conv->KH * j.conv->KW)) * j.conv->H *
                     j.conv->W
               : (double)K * N;
    if (batch * nTasks < KG_TASKS && (j.aPacked || j.conv) &&
        ((double)M * K <= bFloats || M * K <= KG_SPLIT_A_FLOATS)) {
      int64_t most = units / ((KG_NR + unit - 1) / unit);
      int64_t want = (2 * KG_TASKS + batch - 1) / batch;
      if (most > nTasks)
        nTasks = want < most ? want : most;
    }
    /* A few rows against B packed at compile time (a decoder step's
     * projections, M = 1): each task reads only its panels of B, in place,
     * and its rows need no copy, so columns split for free; in groups of
     * four panels, which smallPackedRows streams side by side (a 1024 ->
     * 256 projection ran as one task: no faster on two threads). */
    if (M <= KG_SMALL_M && j.bPacked && !j.conv && batch * nTasks < KG_TASKS) {
      int64_t most = units / 4;
      int64_t want = (KG_TASKS + batch - 1) / batch;
      if (most > nTasks)
        nTasks = want < most ? want : most;
    }
    /* Even where the units allow: the 576 -> 96 layer's 196 columns went
     * in 5 tasks of 48, 48, 48, 48 and 4 columns, 3 : 2 on two threads
     * (1.4x over one). */
    if (nTasks > 1 && nTasks % 2 && nTasks < units)
      ++nTasks;
    j.nTasks = nTasks;
    j.nUnit = unit;
    j.nUnits = units;
    int64_t tasks = batch * j.nTasks;
    /* Too few tasks: split M too, in chunks of at least 32 rows (each
     * packs B again, K x N copies against mChunk x K x N multiply-adds).
     * B packed at compile time is packed by no task: rows split down to a
     * register tile's (a 7 x 7 layer's 49 pixels as the rows of a
     * 960 -> 160 pointwise GEMM ran as one task: 1.0x on two threads). */
    if (tasks < KG_TASKS && j.bPacked && M > KG_MR) {
      /* Chunks of whole thirds of a tile (the heights mStepFor gives),
       * rounded down: 49 rows in 12, 12, 12, 12 and 1 cost the tiles of
       * one task (13 each cost four more rows a chunk: 7% slower on one
       * thread). */
      int64_t want = (KG_TASKS + tasks - 1) / tasks;
      j.mChunk = M / want / (KG_MR / 3) * (KG_MR / 3);
      if (j.mChunk < KG_MR / 3)
        j.mChunk = KG_MR / 3;
      j.mTasks = (M + j.mChunk - 1) / j.mChunk;
    } else if (tasks < KG_TASKS && M >= 64) {
      int64_t want = (KG_TASKS + tasks - 1) / tasks;
      int64_t most = M / 32;
      j.mTasks = want < most ? want : most;
      j.mChunk = (M + j.mTasks - 1) / j.mTasks;
      /* Whole vectors of rows: a task that runs transposed (few columns)
       * has them as its columns. The row tiles are even in thirds of
       * KG_MR, which cost at most a few padded rows at the chunk's end. */
      j.mChunk = (j.mChunk + KG_W - 1) / KG_W * KG_W;
      /* Packed A: whole panels. */
      if (j.aPacked)
        j.mChunk = (j.mChunk + KG_MR - 1) / KG_MR * KG_MR;
#if KG_W >= 8
      if (j.conv && j.conv->aT)
        j.mChunk = (j.mChunk + KG_CV_LANES - 1) / KG_CV_LANES * KG_CV_LANES;
#endif
      j.mTasks = (M + j.mChunk - 1) / j.mChunk;
    }
  }
  /* Tasks of equal area instead where those leave one of two threads
   * idle for a twentieth of the call or more: they split a step of the
   * other axis where they meet. 196 columns of a pointwise layer on
   * 14 x 14 in 7 tasks, six of 32 columns and one of 4 (a vector's work),
   * went 3 : 3.5 (MobileNetV2's 576 -> 96 projections lost 12 us of 65 on
   * two threads): four tasks along the columns, a unit split by rows.
   * Only for A packed at compile time (whose B is read in place): other
   * blocks copy or pack B per call, more of it for more blocks. And a
   * filters-in-lanes pointwise convolution's panels of 64 filters (320
   * filters on 7 x 7 in tasks of two, two and one went 3 : 2, 34 us of 95
   * lost): two tasks along the panels, one split by rows of pixels, which
   * each copy only their rows (four, each copying them, copied 5/3 as
   * much: 18% slower on one thread). */
  j.linTasks = 0;
  j.linRowsOuter = 0;
  {
    int64_t grain = 0, lin = KG_TASKS;
    int rowsOuter = 0;
    if (j.aPacked) {
      grain = KG_MR;
#if KG_W >= 8
    } else if (j.conv && j.conv->aT && j.conv->KH == 1 && j.conv->KW == 1) {
      grain = KG_CV_LANES;
      lin = 2;
      rowsOuter = 1;
#endif
    }
    if (grain && batch == 1 && !j.bPacked && j.mTasks * j.nTasks > 1 &&
        (M + grain - 1) / grain * j.nUnits >= lin &&
        KG_NAME(twoThreadSpan)(&j) > 1.05) {
      j.mChunk = grain;
      j.linTasks = lin;
      j.linRowsOuter = rowsOuter;
    }
  }
  int64_t tasks = batch * (j.linTasks ? j.linTasks : j.mTasks * j.nTasks);
  float *aPre = KG_NAME(prepackA)(&j, tasks);
  KG_NAME(convB) shared;
  float *xPre = KG_NAME(precopyPhases)(&j, &shared, batch);
  kiln_parallel_for(0, tasks, 1, KG_NAME(runTasks), &j);
  free(aPre);
  free(xPre);
}

/*--- Depthwise 2-D convolution ---------------------------------------------*/

/* The geometry of a depthwise convolution and its operands. x is the
 * unpadded input [N, C, H, W]: taps that fall outside it (the zero padding
 * of padT rows on top and padL columns on the left, and whatever the
 * output size implies at the bottom and right) are skipped. */
typedef struct {
  const float *x;
  int64_t sxn, sxc, sxh, sxw;
  const float *w;
  int64_t swc, swh, sww;
  const float *bias; /* NULL: accumulate into y */
  int64_t sbc;
  float *y;
  int64_t syn, syc, syh, syw;
  int64_t C, H, W, OH, OW, KH, KW, sh, sw, dh, dw, padT, padL;
  const KG_NAME(epi) *epi; /* applied to each finished plane, or NULL */
  /* For flat planes (dwFlat), the lanes of vector v inside x for tap t:
   * flatMask[v * taps + t], and tap t's offsets in x (from the output
   * pixel's) and in w: flatOff[t], flatOff[taps + t]; NULL otherwise. */
  const uint32_t *flatMask;
  const int64_t *flatOff;
  /* Images, and bands of output rows per plane (dwTasks). */
  int64_t N, bands;
} KG_NAME(dwJob);

/* Lanes [*lo, *hi) of the n output columns from ow whose tap reads input
 * column ow + lane + d: those inside [0, W). The border columns of a
 * unit-stride plane are computed a vector at a time with loads of just
 * these lanes (the padding reads as zeros); one element at a time they had
 * cost a 56 x 56 plane a third of its time. */
static inline void KG_NAME(inLanes)(int64_t ow, int64_t n, int64_t d,
                                    int64_t W, int64_t *lo, int64_t *hi) {
  int64_t l = -(ow + d), h = W - (ow + d);
  *lo = l < 0 ? 0 : l > n ? n : l;
  *hi = h < *lo ? *lo : h > n ? n : h;
}

/* Output rows oh and oh + 1 of a 3x3 convolution with unit strides and
 * dilation along H, all OW columns: the four input rows they read are each
 * loaded once and serve both (12 loads for 18 FMAs, against 9 for 9 one
 * row at a time), the nine weights stay in registers. Columns [owLo, owHi)
 * read only inside x and go two vectors at a time; the others a vector at
 * a time with their taps' lanes inside x (inLanes). xr points at input row
 * oh - padT, column -padL. */
static void KG_NAME(dw3x3Rows2)(const float *xr, int64_t sxh, int64_t dw,
                                const kg_vec wv[9], float *y0, float *y1,
                                int64_t owLo, int64_t owHi, int64_t OW,
                                int64_t W, int64_t padL, const float *bias) {
  kg_vec b = bias ? KG_SET1(*bias) : KG_SET1(0);
  for (int64_t ow = 0; ow < OW;) {
    if (ow >= owLo && ow + 2 * KG_W <= owHi) {
      kg_vec a0 = bias ? b : KG_LOADU(y0 + ow);
      kg_vec a1 = bias ? b : KG_LOADU(y0 + ow + KG_W);
      kg_vec c0 = bias ? b : KG_LOADU(y1 + ow);
      kg_vec c1 = bias ? b : KG_LOADU(y1 + ow + KG_W);
#pragma GCC unroll 4
      for (int r = 0; r < 4; ++r) {
        const float *row = xr + r * sxh + ow;
#pragma GCC unroll 3
        for (int kw = 0; kw < 3; ++kw) {
          kg_vec v0 = KG_LOADU(row + kw * dw);
          kg_vec v1 = KG_LOADU(row + kw * dw + KG_W);
          if (r < 3) {
            a0 = KG_FMA(wv[r * 3 + kw], v0, a0);
            a1 = KG_FMA(wv[r * 3 + kw], v1, a1);
          }
          if (r > 0) {
            c0 = KG_FMA(wv[(r - 1) * 3 + kw], v0, c0);
            c1 = KG_FMA(wv[(r - 1) * 3 + kw], v1, c1);
          }
        }
      }
      KG_STOREU(y0 + ow, a0);
      KG_STOREU(y0 + ow + KG_W, a1);
      KG_STOREU(y1 + ow, c0);
      KG_STOREU(y1 + ow + KG_W, c1);
      ow += 2 * KG_W;
      continue;
    }
    int64_t n = OW - ow < KG_W ? OW - ow : KG_W, lo[3], hi[3];
    for (int kw = 0; kw < 3; ++kw)
      KG_NAME(inLanes)(ow, n, kw * dw - padL, W, &lo[kw], &hi[kw]);
    kg_vec a0 = bias ? b : kg_loadn(y0 + ow, n);
    kg_vec c0 = bias ? b : kg_loadn(y1 + ow, n);
#pragma GCC unroll 4
    for (int r = 0; r < 4; ++r) {
      const float *row = xr + r * sxh + ow;
#pragma GCC unroll 3
      for (int kw = 0; kw < 3; ++kw) {
        kg_vec v0 = kg_loadrange(row + kw * dw, lo[kw], hi[kw]);
        if (r < 3)
          a0 = KG_FMA(wv[r * 3 + kw], v0, a0);
        if (r > 0)
          c0 = KG_FMA(wv[(r - 1) * 3 + kw], v0, c0);
      }
    }
    kg_storen(y0 + ow, a0, n);
    kg_storen(y1 + ow, c0, n);
    ow += n;
  }
}

/* `vecs` vectors of output row yr from column ow on (`rest` columns left
 * in the row) from a padded plane: xr is the row's first input row, the
 * taps at off[] (with `even`, every other input column: stride 2 along W
 * read from the plain padded rows, two input vectors per output vector). */
static inline __attribute__((always_inline)) void
KG_NAME(dwPaddedVecs)(const float *xr, const int64_t *off, const float *wt,
                      int64_t taps, float *yr, int64_t ow, int64_t rest,
                      const float *bias, const int even, const int fixedTaps,
                      const int vecs) {
  const int cs = even ? 2 : 1;
  const int64_t T = fixedTaps ? fixedTaps : taps;
#define KG_DW_LOAD(p) (even ? kg_load_even(p) : KG_LOADU(p))
  kg_vec acc[4];
  int64_t n[4];
#pragma GCC unroll 4
  for (int v = 0; v < vecs; ++v) {
    int64_t left = rest - v * KG_W;
    n[v] = left < 0 ? 0 : left < KG_W ? left : KG_W;
    acc[v] = bias ? KG_SET1(*bias)
                  : n[v] == KG_W ? KG_LOADU(yr + ow + v * KG_W)
                                 : kg_loadn(yr + ow + v * KG_W, n[v]);
  }
#pragma GCC unroll 9
  for (int64_t t = 0; t < T; ++t) {
    kg_vec wv = KG_SET1(wt[t]);
    const float *p = xr + off[t] + cs * ow;
#pragma GCC unroll 4
    for (int v = 0; v < vecs; ++v)
      acc[v] = KG_FMA(wv, KG_DW_LOAD(p + v * cs * KG_W), acc[v]);
  }
#pragma GCC unroll 4
  for (int v = 0; v < vecs; ++v) {
    if (n[v] == KG_W)
      KG_STOREU(yr + ow + v * KG_W, acc[v]);
    else if (n[v] > 0)
      kg_storen(yr + ow + v * KG_W, acc[v], n[v]);
  }
#undef KG_DW_LOAD
}

/* One output row from a padded copy: up to four vectors of columns at a
 * time, each with its own accumulator (the taps' FMAs of one vector are a
 * dependency chain: a row of one or two vectors at a time waited on it).
 * The columns of a row's end are masked; reads past the row stay inside
 * the copy (its slack). Inlined with constant even-ness and, for 3x3,
 * nine taps. */
static inline __attribute__((always_inline)) void
KG_NAME(dwPaddedRowT)(const float *xr, const int64_t *off, const float *wt,
                      int64_t taps, float *yr, int64_t OW, const float *bias,
                      const int even, const int fixedTaps) {
  for (int64_t ow = 0; ow < OW; ow += 4 * KG_W) {
    int64_t rest = OW - ow;
    if (rest > 3 * KG_W)
      KG_NAME(dwPaddedVecs)(xr, off, wt, taps, yr, ow, rest, bias, even,
                            fixedTaps, 4);
    else if (rest > 2 * KG_W)
      KG_NAME(dwPaddedVecs)(xr, off, wt, taps, yr, ow, rest, bias, even,
                            fixedTaps, 3);
    else if (rest > KG_W)
      KG_NAME(dwPaddedVecs)(xr, off, wt, taps, yr, ow, rest, bias, even,
                            fixedTaps, 2);
    else
      KG_NAME(dwPaddedVecs)(xr, off, wt, taps, yr, ow, rest, bias, even,
                            fixedTaps, 1);
  }
}

static void KG_NAME(dwPaddedRow)(const float *xr, const int64_t *off,
                                 const float *wt, int64_t taps, float *yr,
                                 int64_t OW, const float *bias,
                                 const int even) {
  if (taps == 9) {
    if (even)
      KG_NAME(dwPaddedRowT)(xr, off, wt, taps, yr, OW, bias, 1, 9);
    else
      KG_NAME(dwPaddedRowT)(xr, off, wt, taps, yr, OW, bias, 0, 9);
  } else if (even) {
    KG_NAME(dwPaddedRowT)(xr, off, wt, taps, yr, OW, bias, 1, 0);
  } else {
    KG_NAME(dwPaddedRowT)(xr, off, wt, taps, yr, OW, bias, 0, 0);
  }
}

#if KG_W == 16
/* Vectors [v0, v0 + nvv) of output row yrow (OW columns, the last vector
 * partial) of the row kernels below (dwEvenVectors, dwSplitVectors):
 * started from the bias, or from y when there is none, and stored back.
 * Inlined per nvv, so acc stays in registers. */
static inline __attribute__((always_inline)) void
KG_NAME(dwRowStart)(kg_vec *acc, const float *yrow, int64_t OW,
                    const float *bias, int64_t v0, const int nvv) {
#pragma GCC unroll 4
  for (int i = 0; i < nvv; ++i) {
    int64_t n = OW - (v0 + i) * KG_W < KG_W ? OW - (v0 + i) * KG_W : KG_W;
    acc[i] = bias ? KG_SET1(*bias) : kg_loadn(yrow + (v0 + i) * KG_W, n);
  }
}

static inline __attribute__((always_inline)) void
KG_NAME(dwRowStore)(const kg_vec *acc, float *yrow, int64_t OW, int64_t v0,
                    const int nvv) {
#pragma GCC unroll 4
  for (int i = 0; i < nvv; ++i) {
    int64_t n = OW - (v0 + i) * KG_W < KG_W ? OW - (v0 + i) * KG_W : KG_W;
    if (n == KG_W)
      KG_STOREU(yrow + (v0 + i) * KG_W, acc[i]);
    else
      kg_storen(yrow + (v0 + i) * KG_W, acc[i], n);
  }
}

/* Vectors [v0, v0 + nvv) of an output row of dwPlaneEven: taps
 * [khLo, khHi) of the rows from xrow (x's row ih0, from column -padL).
 * Inlined per nvv. */
static inline __attribute__((always_inline)) void
KG_NAME(dwEvenVectors)(const KG_NAME(dwJob) *j, const float *xrow,
                       const kg_vec *wv, __mmask16 (*mask)[2], float *yrow,
                       const float *bias, int64_t v0, int64_t khLo,
                       int64_t khHi, const int nvv) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18,
                                         20, 22, 24, 26, 28, 30);
  const int64_t KW = j->KW, OW = j->OW;
  kg_vec acc[4];
  KG_NAME(dwRowStart)(acc, yrow, OW, bias, v0, nvv);
  for (int64_t kh = khLo; kh < khHi; ++kh) {
    const float *xr = xrow + kh * j->dh * j->sxh + 2 * KG_W * v0;
    for (int64_t kw = 0; kw < KW; ++kw) {
      kg_vec wt = wv[kh * KW + kw];
#pragma GCC unroll 4
      for (int i = 0; i < nvv; ++i) {
        const __mmask16 *m = mask[(v0 + i) * KW + kw];
        const float *p = xr + 2 * KG_W * i + kw;
        kg_vec a = _mm512_maskz_loadu_ps(m[0], p);
        kg_vec b = _mm512_maskz_loadu_ps(m[1], p + 16);
        acc[i] = KG_FMA(wt, _mm512_permutex2var_ps(a, even, b), acc[i]);
      }
    }
  }
  KG_NAME(dwRowStore)(acc, yrow, OW, v0, nvv);
}

/* One plane of stride 2 along W (no dilation along W, x and y unit-strided
 * along W, at most 25 taps, at most 32 vectors of outputs a row) read in
 * place: each tap of a vector of outputs is an even-lane load of x's row
 * (two loads and a permute) whose lanes outside x are masked off, the
 * masks the same for every row. Returns 0 where it does not apply. The
 * padded copy this replaces was a memmove of the whole input per call, as
 * long as the convolution itself (96 channels of 112 x 112: 0.45 ms). */
static int KG_NAME(dwPlaneEven)(const KG_NAME(dwJob) *j, const float *x,
                                const float *w, float *y,
                                const float *bias) {
  const int64_t OW = j->OW, W = j->W, KW = j->KW, KH = j->KH;
  const int64_t nv = (OW + KG_W - 1) / KG_W;
  if (KH * KW > 25 || nv * KW > 256)
    return 0;
  kg_vec wv[25];
  for (int64_t t = 0; t < KH * KW; ++t)
    wv[t] = KG_SET1(w[t / KW * j->swh + t % KW * j->sww]);
  /* Tap kw of vector v reads the floats [lo, hi) of the 32 from
   * start = 2 * 16 v - padL + kw: those inside x, up to the last lane's. */
  __mmask16 mask[256][2];
  for (int64_t v = 0; v < nv; ++v)
    for (int64_t kw = 0; kw < KW; ++kw) {
      int64_t n = OW - v * KG_W < KG_W ? OW - v * KG_W : KG_W;
      int64_t start = 2 * KG_W * v - j->padL + kw;
      int64_t lo = -start, hi = W - start < 2 * n - 1 ? W - start : 2 * n - 1;
      uint32_t bits = 0;
      for (int64_t q = lo < 0 ? 0 : lo; q < hi && q < 32; ++q)
        bits |= 1u << q;
      mask[v * KW + kw][0] = (__mmask16)bits;
      mask[v * KW + kw][1] = (__mmask16)(bits >> 16);
    }
  for (int64_t oh = 0; oh < j->OH; ++oh) {
    float *yrow = y + oh * j->syh;
    int64_t ih0 = oh * j->sh - j->padT;
    /* Taps [khLo, khHi) inside x. */
    int64_t khLo = 0, khHi = KH;
    while (khLo < KH && ih0 + khLo * j->dh < 0)
      ++khLo;
    while (khHi > khLo && ih0 + (khHi - 1) * j->dh >= j->H)
      --khHi;
    const float *xrow = x + ih0 * j->sxh - j->padL;
    /* Four vectors at a time: four independent chains of multiply-adds. */
    for (int64_t v = 0; v < nv; v += 4) {
      switch (nv - v < 4 ? nv - v : 4) {
      case 1:
        KG_NAME(dwEvenVectors)(j, xrow, wv, mask, yrow, bias, v, khLo, khHi, 1);
        break;
      case 2:
        KG_NAME(dwEvenVectors)(j, xrow, wv, mask, yrow, bias, v, khLo, khHi, 2);
        break;
      case 3:
        KG_NAME(dwEvenVectors)(j, xrow, wv, mask, yrow, bias, v, khLo, khHi, 3);
        break;
      default:
        KG_NAME(dwEvenVectors)(j, xrow, wv, mask, yrow, bias, v, khLo, khHi, 4);
      }
    }
  }
  return 1;
}
/* Vectors [v0, v0 + nvv) of output row yrow of dwPlaneSplit from the
 * split rows rows[kh] of x's rows ih0 + kh * dh, kh in [khLo, khHi) (the
 * odd half rl floats after the even one). Inlined per nvv and, for 3x3,
 * with KW. */
static inline __attribute__((always_inline)) void
KG_NAME(dwSplitVectors)(const KG_NAME(dwJob) *j, const float *const *rows,
                        int64_t rl, const kg_vec *wv, float *yrow,
                        const float *bias, int64_t v0, int64_t khLo,
                        int64_t khHi, const int nvv, const int fixedKW) {
  const int64_t KW = fixedKW ? fixedKW : j->KW, OW = j->OW;
  kg_vec acc[4];
  KG_NAME(dwRowStart)(acc, yrow, OW, bias, v0, nvv);
  for (int64_t kh = khLo; kh < khHi; ++kh) {
    const float *even = rows[kh] + KG_W * v0;
#pragma GCC unroll 3
    for (int64_t kw = 0; kw < KW; ++kw) {
      /* Tap kw of output column ow reads padded column 2 ow + kw: column
       * ow + kw / 2 of the even half, or of the odd one. */
      const float *src = even + (kw & 1) * rl + kw / 2;
      kg_vec wt = wv[kh * KW + kw];
#pragma GCC unroll 4
      for (int i = 0; i < nvv; ++i)
        acc[i] = KG_FMA(wt, KG_LOADU(src + KG_W * i), acc[i]);
    }
  }
  KG_NAME(dwRowStore)(acc, yrow, OW, v0, nvv);
}

/* Row xr of x (from padded column 0, column -padL of x) split into its
 * even and odd padded columns, rl of each: vectors of pairs from column
 * 2 q with q in [qLo, qHi) lie wholly inside x, the others are loaded
 * with the lanes of maskA/maskB[q / KG_W] (the padding reads as zeros). */
static inline void KG_NAME(dwSplitRow)(const float *xr, float *even,
                                       float *odd, int64_t rl, int64_t qLo,
                                       int64_t qHi, const uint32_t *maskA,
                                       const uint32_t *maskB) {
  const __m512i evenIdx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16,
                                            18, 20, 22, 24, 26, 28, 30);
  const __m512i oddIdx = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19,
                                           21, 23, 25, 27, 29, 31);
  for (int64_t q = 0; q < rl; q += KG_W) {
    kg_vec a, b;
    if (q >= qLo && q < qHi) {
      a = KG_LOADU(xr + 2 * q);
      b = KG_LOADU(xr + 2 * q + KG_W);
    } else {
      a = kg_loadmask(xr + 2 * q, maskA[q / KG_W]);
      b = kg_loadmask(xr + 2 * q + KG_W, maskB[q / KG_W]);
    }
    KG_STOREU(even + q, _mm512_permutex2var_ps(a, evenIdx, b));
    KG_STOREU(odd + q, _mm512_permutex2var_ps(a, oddIdx, b));
  }
}

/* An output row none of whose taps lies inside x: the bias, or y as it
 * is. */
static inline void KG_NAME(dwSplitRowStart)(float *yrow, int64_t OW,
                                            const float *bias) {
  if (bias)
    for (int64_t ow = 0; ow < OW; ++ow)
      yrow[ow] = *bias;
}

/* One plane of stride 2 along W (no dilation along W, x and y unit-strided
 * along W, at most 25 taps) from a copy of its rows, each zero-padded and
 * split into its even and odd columns: every tap of a vector of outputs is
 * then one plain load and a multiply-add. Read in place (dwPlaneEven) each
 * tap was two masked loads and a permute, and the permutes share their
 * port with the multiply-adds: 96 channels of 112 x 112 to 56 x 56 took
 * twice ONNX Runtime's time. The split costs two permutes per 32 input
 * floats, once per row instead of once per tap. Narrow planes (14 x 14 to
 * 7 x 7) go this way rather than in channel blocks, whose transposes in and
 * out cost five times the convolution. Returns 0 when out of memory. */
static int KG_NAME(dwPlaneSplit)(const KG_NAME(dwJob) *j, const float *x,
                                 const float *w, float *y,
                                 const float *bias) {
  const int64_t OW = j->OW, W = j->W, KW = j->KW, KH = j->KH, H = j->H;
  const int64_t padL = j->padL;
  if (KH * KW > 25)
    return 0;
  const int64_t nv = (OW + KG_W - 1) / KG_W;
  /* Split columns read: up to those of the last vector's last lane and its
   * last tap, in whole vectors; the padded row is twice that. */
  const int64_t rl = (nv * KG_W + KW / 2 + KG_W - 1) / KG_W * KG_W;
  if (rl > 64 * KG_W)
    return 0;
  /* The whole plane's split rows where they fit in 32 KiB, else a ring
   * of the rows an output row reads, split as the rows move down (a whole
   * 112 x 112 plane split at once left L1; on small planes the ring's
   * divisions cost more). */
  const int64_t ahead = 2 * j->sh; /* rows split ahead of their use */
  const int64_t ring = (KH - 1) * j->dh + 1 + j->sh + ahead;
  const int64_t S = 2 * rl * H <= 8192 || H <= ring ? H : ring;
  float *split = KG_NAME(getScratch)((size_t)(2 * rl * S));
  if (!split)
    return 0;
  /* Padded column c is x's column c - padL: each vector of it is a load
   * of the lanes inside x, the padding masked off as zeros (staged through
   * a padded copy, every load missed store forwarding). Pairs of vectors
   * from padded column 2 q, q in [qLo, qHi), lie wholly inside x. */
  int64_t qLo = (padL + 2 * KG_W - 1) / (2 * KG_W) * KG_W;
  int64_t qHi = W + padL >= 2 * KG_W
                    ? (W + padL - 2 * KG_W) / (2 * KG_W) * KG_W + KG_W
                    : 0;
  if (qHi > rl)
    qHi = rl;
  if (qLo > qHi)
    qLo = qHi;
  uint32_t maskA[64], maskB[64];
  for (int64_t q = 0; q < rl; q += KG_W) {
    int64_t lo, hi;
    KG_NAME(inLanes)(2 * q, KG_W, -padL, W, &lo, &hi);
    maskA[q / KG_W] = ((1u << hi) - 1) & ~((1u << lo) - 1);
    KG_NAME(inLanes)(2 * q + KG_W, KG_W, -padL, W, &lo, &hi);
    maskB[q / KG_W] = ((1u << hi) - 1) & ~((1u << lo) - 1);
  }
  kg_vec wv[25];
  for (int64_t t = 0; t < KH * KW; ++t)
    wv[t] = KG_SET1(w[t / KW * j->swh + t % KW * j->sww]);
  int64_t nextRow = 0; /* x's rows before it are split */
  const float *rows[25];
  for (int64_t oh = 0; oh < j->OH; ++oh) {
    float *yrow = y + oh * j->syh;
    int64_t ih0 = oh * j->sh - j->padT;
    /* Taps [khLo, khHi) inside x. */
    int64_t khLo = 0, khHi = KH;
    while (khLo < KH && ih0 + khLo * j->dh < 0)
      ++khLo;
    while (khHi > khLo && ih0 + (khHi - 1) * j->dh >= H)
      --khHi;
    if (khLo == khHi) {
      KG_NAME(dwSplitRowStart)(yrow, OW, bias);
      continue;
    }
    /* Split the rows up to the last one this output row reads, and a few
     * more: a split row read right after it was stored (at another
     * alignment) waits for the stores to complete. The ring still holds
     * the rows before (rows only move down); a whole plane is split at
     * the first output row. */
    const int64_t last = S == H ? H - 1
                         : ih0 + (khHi - 1) * j->dh + ahead < H
                             ? ih0 + (khHi - 1) * j->dh + ahead
                             : H - 1;
    if (nextRow < ih0 + khLo * j->dh)
      nextRow = ih0 + khLo * j->dh;
    for (; nextRow <= last; ++nextRow) {
      float *even = split + (S == H ? nextRow : nextRow % S) * 2 * rl;
      KG_NAME(dwSplitRow)(x + nextRow * j->sxh - padL, even, even + rl, rl,
                          qLo, qHi, maskA, maskB);
    }
    for (int64_t kh = khLo; kh < khHi; ++kh)
      rows[kh] = split + (S == H ? ih0 + kh * j->dh : (ih0 + kh * j->dh) % S) *
                             2 * rl;
    /* Four vectors at a time (four independent chains of multiply-adds),
     * inlined per count and, for 3x3, with KW. */
#define KG_DW_SPLIT(nvv)                                                       \
  (KW == 3 ? KG_NAME(dwSplitVectors)(j, rows, rl, wv, yrow, bias, v, khLo,     \
                                     khHi, nvv, 3)                             \
           : KG_NAME(dwSplitVectors)(j, rows, rl, wv, yrow, bias, v, khLo,     \
                                     khHi, nvv, 0))
    for (int64_t v = 0; v < nv; v += 4) {
      switch (nv - v < 4 ? nv - v : 4) {
      case 1:
        KG_DW_SPLIT(1);
        break;
      case 2:
        KG_DW_SPLIT(2);
        break;
      case 3:
        KG_DW_SPLIT(3);
        break;
      default:
        KG_DW_SPLIT(4);
      }
    }
#undef KG_DW_SPLIT
  }
  return 1;
}
#endif

/* One plane through a zero-padded copy of x split into phase planes (as
 * the convolution kernel's fillPhases does): every tap of every output
 * row is then one contiguous run of the copy, so all columns, the border
 * ones included, are computed a vector at a time with no bounds checks,
 * for any strides and dilations. Needs y unit-strided along W; returns 0
 * when out of memory. */
static int KG_NAME(dwPlanePadded)(const KG_NAME(dwJob) *j, const float *x,
                                  const float *w, float *y,
                                  const float *bias) {
  const int64_t sh = j->sh, sw = j->sw, KH = j->KH, KW = j->KW;
  const int64_t OH = j->OH, OW = j->OW, syh = j->syh, taps = KH * KW;
  const int64_t reachH = (KH - 1) * j->dh, reachW = (KW - 1) * j->dw;
  /* Stride 2 along W reads the plain padded rows with even-lane loads
   * (its copy is then one memcpy per row, where splitting the columns in
   * two phases copies one float at a time); other strides use phase
   * planes. The copy: row phases ch x column phases cw, Rq x Wq each. */
  const int even = sw == 2 && j->sxw == 1;
  const int64_t ch = even ? 1 : sh, cw = even ? 1 : sw;
  const int64_t Wq = even ? 2 * OW + reachW : OW + reachW / sw;
  const int64_t Rq = even ? (OH - 1) * sh + reachH + 1 : OH + reachH / sh;
  const int64_t rowStep = even ? sh * Wq : Wq;
  const int64_t plane = Rq * Wq;
  /* 8 * KG_W floats of slack for the last row's reads. */
  const size_t floats = (size_t)(ch * cw * plane + 8 * KG_W);
  float *xq = KG_NAME(getScratch)(floats + 3 * (size_t)taps);
  if (!xq)
    return 0;
  int64_t *off = (int64_t *)(xq + floats);
  float *wt = (float *)(off + taps);
  /* fillPhases writes the padding; the slack after the planes is zeroed. */
  memset(xq + ch * cw * plane, 0,
         (floats - (size_t)(ch * cw * plane)) * sizeof(float));
  KG_NAME(fillPhases)(xq, x, j->sxh, j->sxw, j->H, j->W, -j->padT, j->padL,
                      Rq, Wq, ch, cw, plane,
                      KG_NAME(usedPhases)(KH, j->dh, ch),
                      KG_NAME(usedPhases)(KW, j->dw, cw));
  for (int64_t t = 0; t < taps; ++t) {
    int64_t kh = t / KW, kw = t % KW;
    off[t] = KG_NAME(phaseOffset)(kh * j->dh, kw * j->dw, ch, cw, plane, Wq);
    wt[t] = w[kh * j->swh + kw * j->sww];
  }
  int64_t oh = 0;
  if (KH == 3 && KW == 3 && sh == 1 && sw == 1 && j->dh == 1) {
    kg_vec wv[9];
    for (int t = 0; t < 9; ++t)
      wv[t] = KG_SET1(wt[t]);
    for (; oh + 1 < OH; oh += 2)
      KG_NAME(dw3x3Rows2)(xq + oh * Wq, Wq, j->dw, wv, y + oh * syh,
                          y + (oh + 1) * syh, 0, OW, OW, Wq, 0, bias);
  }
  for (; oh < OH; ++oh) {
    if (even)
      KG_NAME(dwPaddedRow)(xq + oh * rowStep, off, wt, taps, y + oh * syh, OW,
                           bias, 1);
    else
      KG_NAME(dwPaddedRow)(xq + oh * rowStep, off, wt, taps, y + oh * syh, OW,
                           bias, 0);
  }
  return 1;
}

/* Whether a plane can go flat: with unit strides, x's rows OW apart and
 * y contiguous, output pixel p = oh * OW + ow reads x at p plus a constant
 * per tap, so the plane is one run of P outputs computed KG_W at a time
 * regardless of its rows: taps outside x (the padding, and the columns a
 * row would wrap into) are masked off per lane. Narrow planes waste no
 * lanes on row ends (a 7 x 7 plane is 4 vectors, not 7 rows) and need no
 * channel-last copies; "same" padding (OW = W) is the common case. Used
 * where rows do not fill whole vectors, on planes of at most 64 vectors
 * (the masks, one per vector and tap, are computed once per call). */
#define KG_DW_FLAT_TAPS 49 /* up to 7 x 7 kernels: dwFlatPlanes' weights */
static int KG_NAME(dwFlat)(const KG_NAME(dwJob) *j) {
  const int64_t P = j->OH * j->OW, V = (P + KG_W - 1) / KG_W;
  return j->sh == 1 && j->sw == 1 && j->sxw == 1 && j->sxh == j->OW &&
         j->W <= j->OW && j->syw == 1 && j->syh == j->OW &&
         j->OW % KG_W != 0 && V <= 64 && j->KH * j->KW <= KG_DW_FLAT_TAPS;
}

/* The masks and offsets of dwFlat, computed once per call (with a
 * division per tap, they had cost a 7 x 7 plane a third of its time; with
 * divisions per pixel and tap, a quarter of a 28 x 28 layer's): bit l of
 * mask[v * taps + t] says whether output pixel v * KG_W + l exists and its
 * tap t lies inside x. Returns the offsets, followed by the masks, in one
 * allocation; NULL when out of memory. */
static int64_t *KG_NAME(dwFlatTables)(const KG_NAME(dwJob) *j) {
  const int64_t P = j->OH * j->OW, V = (P + KG_W - 1) / KG_W;
  const int64_t taps = j->KH * j->KW;
  int64_t *off = (int64_t *)calloc(
      1, (size_t)(2 * taps) * sizeof(int64_t) +
             (size_t)(V * taps) * sizeof(uint32_t));
  if (!off)
    return NULL;
  uint32_t *m = (uint32_t *)(off + 2 * taps);
  for (int64_t t = 0; t < taps; ++t) {
    int64_t kh = t / j->KW, kw = t % j->KW;
    off[t] = (kh * j->dh - j->padT) * j->OW + kw * j->dw - j->padL;
    off[taps + t] = kh * j->swh + kw * j->sww;
  }
  /* Pixel p = oh * OW + ow walked in order, its vector and lane counted
   * along; tap t = kh * KW + kw. */
  for (int64_t oh = 0, p = 0; oh < j->OH; ++oh)
    for (int64_t ow = 0; ow < j->OW; ++ow, ++p) {
      uint32_t *mv = m + p / KG_W * taps, bit = 1u << (p % KG_W);
      for (int64_t kh = 0, t = 0; kh < j->KH; ++kh) {
        int64_t ih = oh + kh * j->dh - j->padT;
        if (ih < 0 || ih >= j->H) {
          t += j->KW;
          continue;
        }
        for (int64_t kw = 0; kw < j->KW; ++kw, ++t) {
          int64_t iw = ow + kw * j->dw - j->padL;
          if (iw >= 0 && iw < j->W)
            mv[t] |= bit;
        }
      }
    }
  return off;
}

/* `vecs` vectors of `planes` flat planes (channels c and c + 1) from
 * vector v on: each tap is one masked load per plane at the pixel's offset
 * plus the tap's. The planes share each tap's masks: loading the mask cost
 * as much as loading x, and two planes at once do both with half the mask
 * loads and twice the independent chains. wt holds the planes' taps one
 * plane after the other, bias a start per plane (NULL: y's values). */
static inline __attribute__((always_inline)) void
KG_NAME(dwFlatVecs)(const KG_NAME(dwJob) *j, const float *x, const float *wt,
                    int64_t taps, float *y, const float *bias, int64_t v,
                    int64_t P, const int vecs, const int planes) {
  const uint32_t *mask = j->flatMask + v * taps;
  const int64_t *off = j->flatOff;
  kg_vec acc[2][4];
  int64_t n[4];
#pragma GCC unroll 4
  for (int u = 0; u < vecs; ++u) {
    int64_t left = P - (v + u) * KG_W;
    n[u] = left < KG_W ? left : KG_W;
#pragma GCC unroll 2
    for (int q = 0; q < planes; ++q) {
      const float *yq = y + q * j->syc + (v + u) * KG_W;
      acc[q][u] = bias ? KG_SET1(bias[q]) : KG_NAME(loadRun)(yq, 1, n[u]);
    }
  }
  for (int64_t t = 0; t < taps; ++t) {
    const float *p = x + off[t] + v * KG_W;
    kg_vec wv[2];
#pragma GCC unroll 2
    for (int q = 0; q < planes; ++q)
      wv[q] = KG_SET1(wt[q * taps + t]);
#pragma GCC unroll 4
    for (int u = 0; u < vecs; ++u) {
      uint32_t m = mask[u * taps + t];
#pragma GCC unroll 2
      for (int q = 0; q < planes; ++q)
        acc[q][u] = KG_FMA(
            wv[q], kg_loadmask(p + q * j->sxc + u * KG_W, m), acc[q][u]);
    }
  }
#pragma GCC unroll 4
  for (int u = 0; u < vecs; ++u)
#pragma GCC unroll 2
    for (int q = 0; q < planes; ++q) {
      float *yq = y + q * j->syc + (v + u) * KG_W;
      if (j->epi)
        acc[q][u] = KG_NAME(epiVec)(j->epi, acc[q][u], yq, n[u]);
      KG_NAME(storeRun)(yq, 1, n[u], acc[q][u]);
    }
}

static inline __attribute__((always_inline)) void
KG_NAME(dwFlatPlanesT)(const KG_NAME(dwJob) *j, const float *x,
                       const float *wt, float *y, const float *bias,
                       const int planes) {
  const int64_t P = j->OH * j->OW, V = (P + KG_W - 1) / KG_W;
  const int64_t taps = j->KH * j->KW;
  int64_t v = 0;
  for (; v + 4 <= V; v += 4)
    KG_NAME(dwFlatVecs)(j, x, wt, taps, y, bias, v, P, 4, planes);
  if (V - v == 3)
    KG_NAME(dwFlatVecs)(j, x, wt, taps, y, bias, v, P, 3, planes);
  else if (V - v == 2)
    KG_NAME(dwFlatVecs)(j, x, wt, taps, y, bias, v, P, 2, planes);
  else if (V - v == 1)
    KG_NAME(dwFlatVecs)(j, x, wt, taps, y, bias, v, P, 1, planes);
}

/* Channels [c, c + planes) of image n, flat (planes is 1 or 2), their
 * epilogue applied to the accumulators. */
static void KG_NAME(dwFlatPlanes)(const KG_NAME(dwJob) *j, int64_t n,
                                  int64_t c, int planes) {
  const int64_t taps = j->KH * j->KW, *woff = j->flatOff + taps;
  float wt[2 * KG_DW_FLAT_TAPS], b[2];
  for (int q = 0; q < planes; ++q) {
    const float *w = j->w + (c + q) * j->swc;
    for (int64_t t = 0; t < taps; ++t)
      wt[q * taps + t] = w[woff[t]];
    if (j->bias)
      b[q] = j->bias[(c + q) * j->sbc];
  }
  const float *x = j->x + n * j->sxn + c * j->sxc;
  float *y = j->y + n * j->syn + c * j->syc;
  if (planes == 2)
    KG_NAME(dwFlatPlanesT)(j, x, wt, y, j->bias ? b : NULL, 2);
  else
    KG_NAME(dwFlatPlanesT)(j, x, wt, y, j->bias ? b : NULL, 1);
}

/* Flat planes two channels per task. */
static void KG_NAME(dwFlatTasks)(void *p, int64_t begin, int64_t end) {
  const KG_NAME(dwJob) *j = (const KG_NAME(dwJob) *)p;
  const int64_t pairs = (j->C + 1) / 2;
  for (int64_t t = begin; t < end; ++t) {
    int64_t n = t / pairs, c = t % pairs * 2;
    KG_NAME(dwFlatPlanes)(j, n, c, c + 1 < j->C ? 2 : 1);
  }
}

/* One (image, channel) plane: y[oh, ow] = start + sum w[kh, kw] * x[oh * sh
 * - padT + kh * dh, ow * sw - padL + kw * dw] over the taps inside x, where
 * start is the channel's bias or y itself. Columns whose taps are all
 * inside x are computed a vector (four, where they fit) at a time with
 * unit strides, every tap a broadcast weight times an unaligned row of x;
 * the border columns and other strides one element at a time. */
static void KG_NAME(dwPlane)(const KG_NAME(dwJob) *j, const float *x,
                             const float *w, float *y, const float *bias) {
  const int64_t sxh = j->sxh, sxw = j->sxw, swh = j->swh, sww = j->sww;
  const int64_t syh = j->syh, syw = j->syw, OW = j->OW, KW = j->KW;
  const int64_t sw = j->sw, dh = j->dh, dw = j->dw, padL = j->padL;
  int unit = sw == 1 && sxw == 1 && syw == 1;
  /* Columns [owLo, owHi) read only inside x. */
  int64_t owLo = (padL + sw - 1) / sw;
  int64_t lastIn = j->W - 1 - (KW - 1) * dw + padL; /* ow * sw <= lastIn */
  int64_t owHi = lastIn < 0 ? 0 : lastIn / sw + 1;
  if (owHi > OW)
    owHi = OW;
  if (owLo > owHi)
    owLo = owHi;
  /* With unit strides every column goes a vector at a time, the border
   * ones with their taps' lanes inside x (inLanes); other strides go
   * through a padded copy (a third of a 56-wide row of stride 2 was
   * scalar, 4 GFLOP/s), and one element at a time only when the copy
   * cannot be allocated. */
#if KG_W == 16
  if (sw == 2 && dw == 1 && sxw == 1 && syw == 1 &&
      (KG_NAME(dwPlaneSplit)(j, x, w, y, bias) ||
       KG_NAME(dwPlaneEven)(j, x, w, y, bias)))
    return;
#endif
  if (!unit && syw == 1 && KG_NAME(dwPlanePadded)(j, x, w, y, bias))
    return;
  /* 3x3, unit strides, no dilation along H: interior pairs of rows. */
  int pairs = unit && j->KH == 3 && KW == 3 && j->sh == 1 && dh == 1;
  kg_vec wv[9];
  if (pairs)
    for (int t = 0; t < 9; ++t)
      wv[t] = KG_SET1(w[t / 3 * swh + t % 3 * sww]);
  for (int64_t oh = 0; oh < j->OH; ++oh) {
    float *yrow = y + oh * syh;
    int64_t ih0 = oh * j->sh - j->padT;
    if (pairs && oh + 1 < j->OH && ih0 >= 0 && ih0 + 3 < j->H) {
      KG_NAME(dw3x3Rows2)(x + ih0 * sxh - padL, sxh, dw, wv, yrow,
                          yrow + syh, owLo, owHi, OW, j->W, padL, bias);
      ++oh;
      continue;
    }
    /* Taps [khLo, khHi) inside x. */
    int64_t khLo = ih0 >= 0 ? 0 : (-ih0 + dh - 1) / dh;
    int64_t khHi = j->KH;
    while (khHi > khLo && ih0 + (khHi - 1) * dh >= j->H)
      --khHi;
    const float *xrow = x + ih0 * sxh;
    if (unit) {
      kg_vec b = bias ? KG_SET1(*bias) : KG_SET1(0);
      const float *xs0 = xrow - padL;
      for (int64_t ow = 0; ow < OW;) {
        if (ow >= owLo && ow + 4 * KG_W <= owHi) {
          kg_vec a0 = b, a1 = b, a2 = b, a3 = b;
          if (!bias) {
            a0 = KG_LOADU(yrow + ow), a1 = KG_LOADU(yrow + ow + KG_W);
            a2 = KG_LOADU(yrow + ow + 2 * KG_W);
            a3 = KG_LOADU(yrow + ow + 3 * KG_W);
          }
          for (int64_t kh = khLo; kh < khHi; ++kh) {
            const float *xs = xs0 + kh * dh * sxh + ow;
            for (int64_t kw = 0; kw < KW; ++kw) {
              kg_vec wv = KG_SET1(w[kh * swh + kw * sww]);
              const float *p = xs + kw * dw;
              a0 = KG_FMA(wv, KG_LOADU(p), a0);
              a1 = KG_FMA(wv, KG_LOADU(p + KG_W), a1);
              a2 = KG_FMA(wv, KG_LOADU(p + 2 * KG_W), a2);
              a3 = KG_FMA(wv, KG_LOADU(p + 3 * KG_W), a3);
            }
          }
          KG_STOREU(yrow + ow, a0);
          KG_STOREU(yrow + ow + KG_W, a1);
          KG_STOREU(yrow + ow + 2 * KG_W, a2);
          KG_STOREU(yrow + ow + 3 * KG_W, a3);
          ow += 4 * KG_W;
          continue;
        }
        /* A vector of columns, those of the border with masked taps. */
        int64_t n = OW - ow < KG_W ? OW - ow : KG_W;
        kg_vec a0 = bias ? b : kg_loadn(yrow + ow, n);
        for (int64_t kw = 0; kw < KW; ++kw) {
          int64_t lo, hi;
          KG_NAME(inLanes)(ow, n, kw * dw - padL, j->W, &lo, &hi);
          for (int64_t kh = khLo; kh < khHi; ++kh)
            a0 = KG_FMA(KG_SET1(w[kh * swh + kw * sww]),
                        kg_loadrange(xs0 + kh * dh * sxh + ow + kw * dw, lo,
                                     hi),
                        a0);
        }
        kg_storen(yrow + ow, a0, n);
        ow += n;
      }
      continue;
    }
    /* Other strides, one element at a time. */
    for (int64_t o = 0; o < OW; ++o) {
      float acc = bias ? *bias : yrow[o * syw];
      int64_t iw0 = o * sw - padL;
      for (int64_t kh = khLo; kh < khHi; ++kh)
        for (int64_t kw = 0; kw < KW; ++kw) {
          int64_t iw = iw0 + kw * dw;
          if (iw >= 0 && iw < j->W)
            acc += w[kh * swh + kw * sww] * xrow[kh * dh * sxh + iw * sxw];
        }
      yrow[o * syw] = acc;
    }
  }
}

/* The output pixels of a channel block: KG_W channels of one image in the
 * vector lanes, read from xt (the padded input, channel-last: Wp columns of
 * KG_W floats per row) with the weights wt (a vector per tap), starting
 * from `start` (the bias, or y's values gathered into yt), written to yt
 * (channel-last, a vector per pixel). Inlined with a constant tap count for
 * 3x3 (0: taps). */
static inline __attribute__((always_inline)) void
KG_NAME(dwBlockPixels)(const KG_NAME(dwJob) *j, const float *xt, int64_t Wp,
                       const float *wt, const int64_t *off, int64_t taps,
                       const float *start, float *yt, const int fixedTaps) {
  const int64_t T = fixedTaps ? fixedTaps : taps;
  kg_vec wv[9];
  if (fixedTaps)
    for (int t = 0; t < fixedTaps; ++t)
      wv[t] = KG_LOADU(wt + t * KG_W);
  for (int64_t oh = 0; oh < j->OH; ++oh)
    for (int64_t ow = 0; ow < j->OW; ++ow) {
      float *out = yt + (oh * j->OW + ow) * KG_W;
      kg_vec acc = KG_LOADU(start ? start : out);
      const float *base = xt + (oh * j->sh * Wp + ow * j->sw) * KG_W;
#pragma GCC unroll 9
      for (int64_t t = 0; t < T; ++t)
        acc = KG_FMA(fixedTaps ? wv[t] : KG_LOADU(wt + t * KG_W),
                     KG_LOADU(base + off[t]), acc);
      KG_STOREU(out, acc);
    }
}

/* Channels c0 .. c0 + KG_W of image n with the channels in the vector lanes
 * (NCHWc for one block): on narrow planes a plane at a time leaves most
 * lanes idle and costs a padded copy per plane (a 7 x 7 plane took about
 * 2000 cycles, 5 GFLOP/s). The block's input is transposed into a padded
 * channel-last copy, every output pixel is one vector of channels, the
 * epilogue runs on the channel-last result (one contiguous run, not
 * 7-float rows) and the result is transposed back into y's planes.
 * Returns 0 when out of memory. */
static int KG_NAME(dwBlock)(const KG_NAME(dwJob) *j, int64_t n, int64_t c0) {
  const int64_t nc = j->C - c0 < KG_W ? j->C - c0 : KG_W;
  const int64_t KH = j->KH, KW = j->KW, taps = KH * KW;
  const int64_t OH = j->OH, OW = j->OW, P = OH * OW;
  const int64_t Hp = (OH - 1) * j->sh + (KH - 1) * j->dh + 1;
  const int64_t Wp = (OW - 1) * j->sw + (KW - 1) * j->dw + 1;
  const size_t xFloats = (size_t)(Hp * Wp * KG_W), yFloats = (size_t)(P * KG_W);
  float *xt = KG_NAME(getScratch)(xFloats + yFloats +
                                  (size_t)taps * (KG_W + 2) + KG_W);
  if (!xt)
    return 0;
  float *yt = xt + xFloats;
  float *wt = yt + yFloats;
  int64_t *off = (int64_t *)(wt + taps * KG_W);
  float *start = (float *)(off + taps);
  memset(xt, 0, xFloats * sizeof(float));
  memset(wt, 0, (size_t)(taps * KG_W) * sizeof(float));
  memset(start, 0, KG_W * sizeof(float));
  float *y = j->y + n * j->syn + c0 * j->syc;
  const int64_t qLo = j->padL, qHi = j->W + j->padL < Wp ? j->W + j->padL : Wp;
  for (int64_t c = 0; c < nc; ++c) {
    const float *xp = j->x + n * j->sxn + (c0 + c) * j->sxc;
    for (int64_t r = 0; r < Hp; ++r) {
      int64_t ih = r - j->padT;
      if (ih < 0 || ih >= j->H)
        continue;
      float *row = xt + r * Wp * KG_W + c;
      const float *src = xp + ih * j->sxh;
      for (int64_t q = qLo; q < qHi; ++q)
        row[q * KG_W] = src[(q - j->padL) * j->sxw];
    }
    for (int64_t t = 0; t < taps; ++t)
      wt[t * KG_W + c] =
          j->w[(c0 + c) * j->swc + t / KW * j->swh + t % KW * j->sww];
    if (j->bias) {
      start[c] = j->bias[(c0 + c) * j->sbc];
    } else {
      /* No bias: y accumulates, its values go into yt. */
      const float *yc = y + c * j->syc;
      for (int64_t oh = 0, p = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow, ++p)
          yt[p * KG_W + c] = yc[oh * j->syh + ow * j->syw];
    }
  }
  for (int64_t t = 0; t < taps; ++t)
    off[t] = (t / KW * j->dh * Wp + t % KW * j->dw) * KG_W;
  const float *s = j->bias ? start : NULL;
  if (taps == 9)
    KG_NAME(dwBlockPixels)(j, xt, Wp, wt, off, taps, s, yt, 9);
  else
    KG_NAME(dwBlockPixels)(j, xt, Wp, wt, off, taps, s, yt, 0);
  if (j->epi) {
    /* The residual gathered in, then the activation over all of yt. */
    if (j->epi->res)
      for (int64_t c = 0; c < nc; ++c) {
        const float *rc = j->epi->res + (y + c * j->syc - j->epi->c0);
        for (int64_t oh = 0, p = 0; oh < OH; ++oh)
          for (int64_t ow = 0; ow < OW; ++ow, ++p)
            yt[p * KG_W + c] += rc[oh * j->syh + ow * j->syw];
      }
    KG_NAME(epi) act = *j->epi;
    act.res = NULL;
    if (act.act != KILN_ACT_NONE)
      KG_NAME(finish)(&act, yt, 0, 1, 1, P * KG_W);
  }
  for (int64_t c = 0; c < nc; ++c) {
    float *yc = y + c * j->syc;
    for (int64_t oh = 0, p = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow, ++p)
        yc[oh * j->syh + ow * j->syw] = yt[p * KG_W + c];
  }
  return 1;
}

/* Whether planes are narrow enough for channel blocks: at most half a
 * vector of output columns. On AVX-512, a 7 x 7 plane of 960 channels took
 * 0.23 ms a plane at a time and 0.075 ms in blocks; since the border
 * columns of a plane go a vector at a time with masked taps, 14 x 14 (576)
 * is faster by plane (0.10 ms against 0.14 in blocks: the transposes in and
 * out cost more than the lanes a 14-wide row leaves idle), as 28 x 28
 * always was. */
static int KG_NAME(dwBlocked)(const KG_NAME(dwJob) *j) {
#if KG_W == 16
  /* Stride 2 along W: split rows (dwPlaneSplit) instead. */
  if (j->sw == 2 && j->dw == 1 && j->sxw == 1 && j->syw == 1)
    return 0;
#endif
  return 2 * j->OW <= KG_W;
}

/* Plane (image n, channel c) on its own, then its epilogue. */
static void KG_NAME(dwOnePlane)(const KG_NAME(dwJob) *j, int64_t n,
                                int64_t c) {
  float *y = j->y + n * j->syn + c * j->syc;
  KG_NAME(dwPlane)(j, j->x + n * j->sxn + c * j->sxc, j->w + c * j->swc, y,
                   j->bias ? j->bias + c * j->sbc : NULL);
  KG_NAME(finish)(j->epi, y, j->syh, j->syw, j->OH, j->OW);
}

static void KG_NAME(dwBlockTasks)(void *p, int64_t begin, int64_t end) {
  const KG_NAME(dwJob) *j = (const KG_NAME(dwJob) *)p;
  const int64_t blocks = (j->C + KG_W - 1) / KG_W;
  for (int64_t t = begin; t < end; ++t) {
    int64_t n = t / blocks, c0 = t % blocks * KG_W;
    if (KG_NAME(dwBlock)(j, n, c0))
      continue;
    /* Out of memory for the copy: plane by plane. */
    int64_t c1 = j->C - c0 < KG_W ? j->C : c0 + KG_W;
    for (int64_t c = c0; c < c1; ++c)
      KG_NAME(dwOnePlane)(j, n, c);
  }
}

/* Tasks of planes or, with bands of output rows (see kiln_dwconv2d),
 * band-major: task t is band t / (N C) of plane t % (N C). */
static void KG_NAME(dwTasks)(void *p, int64_t begin, int64_t end) {
  const KG_NAME(dwJob) *j = (const KG_NAME(dwJob) *)p;
  const int64_t planes = j->N * j->C;
  for (int64_t t = begin; t < end; ++t) {
    const int64_t n = t % planes / j->C, c = t % planes % j->C;
    if (j->bands <= 1) {
      KG_NAME(dwOnePlane)(j, n, c);
      continue;
    }
    /* The band as a plane of its own: its first input row (or the top
     * padding, for the first band) is the band's row 0. */
    const int64_t rows = (j->OH + j->bands - 1) / j->bands;
    const int64_t o0 = t / planes * rows;
    if (o0 >= j->OH)
      continue;
    KG_NAME(dwJob) b = *j;
    b.OH = j->OH - o0 < rows ? j->OH - o0 : rows;
    b.y = j->y + o0 * j->syh;
    const int64_t i0 = o0 * j->sh - j->padT;
    if (i0 > 0) {
      b.x = j->x + i0 * j->sxh;
      b.H = j->H - i0;
      b.padT = 0;
    } else {
      b.padT = -i0;
    }
    KG_NAME(dwOnePlane)(&b, n, c);
  }
}

/* linalg.depthwise_conv_2d_nchw_chw on buffers (kiln-depthwise-ukernel):
 * x [N, C, H, W] unpadded (padT rows and padL columns of zeros before it,
 * as many after as OH and OW need), w [C, KH, KW], y [N, C, OH, OW]
 * computed from the bias b [C] (b = 0: accumulated into y), every buffer
 * with its element strides. Planes run as tasks on the session's pool when
 * there is enough work. */
KG_HIDDEN void KG_NAME(kiln_dwconv2d)(
    int64_t N, int64_t C, int64_t H, int64_t W, int64_t OH, int64_t OW,
    int64_t KH, int64_t KW, int64_t sh, int64_t sw, int64_t dh, int64_t dw,
    int64_t padT, int64_t padL, intptr_t x, int64_t sxn, int64_t sxc,
    int64_t sxh, int64_t sxw, intptr_t w, int64_t swc, int64_t swh,
    int64_t sww, intptr_t b, int64_t sbc, intptr_t y, int64_t syn,
    int64_t syc, int64_t syh, int64_t syw, int64_t act, int64_t alpha,
    int64_t beta, intptr_t res) {
  if (N <= 0 || C <= 0 || OH <= 0 || OW <= 0)
    return;
  KG_NAME(epi) e;
  KG_NAME(dwJob) j = {(const float *)x, sxn, sxc, sxh, sxw, (const float *)w,
                      swc, swh, sww, (const float *)b, sbc, (float *)y, syn,
                      syc, syh, syw, C, H, W, OH, OW, KH, KW, sh, sw, dh, dw,
                      padT, padL, NULL, NULL, NULL, N, 1};
  j.epi = KG_NAME(makeEpi)(&e, act, alpha, beta, res, y);
  int64_t planes = N * C;
  int64_t *flat = KG_NAME(dwFlat)(&j) ? KG_NAME(dwFlatTables)(&j) : NULL;
  if (flat) {
    j.flatOff = flat;
    j.flatMask = (const uint32_t *)(flat + 2 * KH * KW);
  }
  /* Tasks: pairs of flat planes, blocks of KG_W channels on other narrow
   * planes, or planes. */
  const int blocked = !flat && KG_NAME(dwBlocked)(&j);
  /* With threads, tall planes go in as many bands as threads, band-major:
   * the pool gives thread t the t-th slice of a loop's tasks, so each
   * convolves the rows its own core wrote when the layer before was split
   * by rows or pixels, as convolutions and GEMMs on large images are, and
   * writes the rows the layer after, split the same way, reads there. By
   * planes, MobileNetV2's 32 -> 16 pointwise layer on 112 x 112 after its
   * depthwise one read half its input from the other core's cache (its
   * tasks 12.5 us slower in all on two threads than on one; 1.6 now). */
  const int64_t threads = kiln_num_threads();
  if (!flat && !blocked && threads > 1 && OH >= 8 * threads)
    j.bands = threads;
  int64_t tasks = flat      ? N * ((C + 1) / 2)
                  : blocked ? N * ((C + KG_W - 1) / KG_W)
                            : planes * j.bands;
  void (*body)(void *, int64_t, int64_t) =
      flat      ? KG_NAME(dwFlatTasks)
      : blocked ? KG_NAME(dwBlockTasks)
                : KG_NAME(dwTasks);
  /* A depthwise multiply-add costs about 8 of a GEMM's (it streams its
   * input through once per channel): a lower bar for the pool. */
  if ((double)planes * OH * OW * KH * KW < KG_PARALLEL_MIN_FMAS / 8)
    body(&j, 0, tasks);
  else
    kiln_parallel_for(0, tasks, 1, body, &j);
  free(flat);
}

/*--- 2-D convolution as an implicit GEMM -----------------------------------*/

/* linalg.conv_2d_nchw_fchw and conv_2d_ngchw_gfchw on buffers
 * (kiln-conv-ukernel): per image and group g,
 *
 *   y[g, f, (oh, ow)] = b[g, f] + w[g, f, (c, kh, kw)] * B[(c, kh, kw), (oh, ow)]
 *
 * with B read from the unpadded input x [N, G, C, H, W] of group g while
 * packing (packConvB: padT rows and padL columns of zeros before x, as many
 * after it as OH and OW need), so no padded copy and no im2col buffer is
 * written and read back. Without a bias (b = 0) y is accumulated into. w
 * moves by swf per filter and is contiguous over (c, kh, kw) (swk = 1), or
 * (swf = 1, swk != 1) is the channel-vector path's transposed layout in
 * panels of filters (kiln_sgemm_chanvec.h: AVX-512, AVX2), which only that
 * path reads; y must be contiguous over (oh, ow). kiln-conv-ukernel ensures
 * both. G = 1 and zero group strides for an ungrouped convolution. */
KG_HIDDEN void KG_NAME(kiln_sconv2d)(
    int64_t N, int64_t G, int64_t F, int64_t C, int64_t H, int64_t W,
    int64_t OH, int64_t OW, int64_t KH, int64_t KW, int64_t sh, int64_t sw,
    int64_t dh, int64_t dw, int64_t padT, int64_t padL, intptr_t x,
    int64_t sxn, int64_t sxg, int64_t sxc, int64_t sxh, int64_t sxw,
    intptr_t w, int64_t swg, int64_t swf, int64_t swk, intptr_t b,
    int64_t sbg, int64_t sb, intptr_t y, int64_t syn, int64_t syg,
    int64_t syf, int64_t act, int64_t alpha, int64_t beta, intptr_t res) {
  int64_t K = C * KH * KW, P = OH * OW;
  if (N <= 0 || G <= 0 || F <= 0 || P <= 0)
    return;
  /* Weights stored transposed (swf = 1), in panels of filters
   * (kiln-conv-ukernel does that for the constants of the channel-vector
   * path), go to that path. */
  const int transposed = swf == 1 && swk != 1;
#if KG_W < 8
  if (transposed)
    abort(); /* the compiler transposes weights for AVX-512 and AVX2 only */
#endif
  KG_NAME(convB) geometry = {(const float *)x, sxc, sxh, sxw, H, W, KH, KW,
                             OW, sh, sw, dh, dw, padT, padL, 0, NULL,
                             transposed ? (const float *)w : NULL, 0, F};
  KG_NAME(job) j = {F, P, K, (const float *)w, 0, swf, swk,
                    (const float *)x, sxn, 0, 0, (float *)y, syn, syf,
                    1, 1, 1, F, P, 1, &geometry, (const float *)b, sb, NULL,
                    G, swg, sxg, syg, sbg};
  KG_NAME(runWithEpilogue)(&j, N * G, act, alpha, beta, res);
}

#include "kiln_swino_impl.h"
#include "kiln_pwdw_impl.h"
