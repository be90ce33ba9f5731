/* The fp32 GEMM kernel for baseline x86-64 (SSE2, no FMA): 6 x 8 tile in 12 xmm accumulators.
 * See kiln_sgemm_impl.h; CMake compiles this file with the ISA's flags. */
#include <emmintrin.h>

typedef __m128 kg_vec;
#define KG_NAME(x) x##_sse
#define KG_W 4
#define KG_MR 6
#define KG_LOADU(p) _mm_loadu_ps(p)
#define KG_STOREU(p, v) _mm_storeu_ps(p, v)
#define KG_SET1(x) _mm_set1_ps(x)
#define KG_BCAST(p) _mm_load1_ps(p)
#define KG_FMA(a, b, c) _mm_add_ps(_mm_mul_ps(a, b), c)
#include "kiln_sgemm_impl.h"
