/* The fp32 GEMM kernel for AVX2 + FMA: 6 x 16 tile in 12 ymm accumulators.
 * See kiln_sgemm_impl.h; CMake compiles this file with the ISA's flags. */
#include <immintrin.h>

typedef __m256 kg_vec;
#define KG_NAME(x) x##_avx2
#define KG_W 8
#define KG_MR 6
#define KG_LOADU(p) _mm256_loadu_ps(p)
#define KG_STOREU(p, v) _mm256_storeu_ps(p, v)
#define KG_SET1(x) _mm256_set1_ps(x)
#define KG_BCAST(p) _mm256_broadcast_ss(p)
#define KG_FMA(a, b, c) _mm256_fmadd_ps(a, b, c)
#include "kiln_sgemm_impl.h"
