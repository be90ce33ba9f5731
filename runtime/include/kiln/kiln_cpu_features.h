/*===- kiln_cpu_features.h - The CPU features an artifact may require -----===*
 *
 * The x86-64 instruction-set extensions that code generation can use, by
 * LLVM's feature names, with where CPUID reports each. The compiler records
 * in an artifact (kiln_artifact_t.cpu_features) those of this table its
 * target has; the runtime refuses to open an artifact that needs one the
 * CPU (or the OS, for the AVX, AVX-512 and AMX register state) lacks,
 * instead of letting its code die of SIGILL. Shared by both sides, like
 * kiln_abi.h: a feature added here is recorded and checked alike.
 *
 * Features outside the table (LLVM's tuning flags, and extensions compiled
 * models do not use, such as xsave or rdrnd) are neither recorded nor
 * checked.
 *
 *===----------------------------------------------------------------------===*/
#ifndef KILN_CPU_FEATURES_H
#define KILN_CPU_FEATURES_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Which register state the OS must save (XCR0) for a feature to be usable. */
enum {
  KILN_CPU_STATE_NONE = 0,
  KILN_CPU_STATE_AVX = 1,    /* XCR0 bits 1-2: SSE and AVX */
  KILN_CPU_STATE_AVX512 = 2, /* and bits 5-7: opmask, ZMM_Hi256, Hi16_ZMM */
  KILN_CPU_STATE_AMX = 3,    /* bits 17-18: XTILECFG, XTILEDATA */
};

/* CPUID registers. */
enum { KILN_CPUID_EAX = 0, KILN_CPUID_EBX, KILN_CPUID_ECX, KILN_CPUID_EDX };

typedef struct kiln_cpu_feature_t {
  const char *name; /* LLVM's name: "avx2", "avx512f", "sse4.2" */
  uint32_t leaf, subleaf;
  uint8_t reg; /* KILN_CPUID_* */
  uint8_t bit;
  uint8_t state; /* KILN_CPU_STATE_* */
} kiln_cpu_feature_t;

static const kiln_cpu_feature_t kiln_cpu_feature_table[] = {
    {"sse3", 1, 0, KILN_CPUID_ECX, 0, KILN_CPU_STATE_NONE},
    {"pclmul", 1, 0, KILN_CPUID_ECX, 1, KILN_CPU_STATE_NONE},
    {"ssse3", 1, 0, KILN_CPUID_ECX, 9, KILN_CPU_STATE_NONE},
    {"fma", 1, 0, KILN_CPUID_ECX, 12, KILN_CPU_STATE_AVX},
    {"cx16", 1, 0, KILN_CPUID_ECX, 13, KILN_CPU_STATE_NONE},
    {"sse4.1", 1, 0, KILN_CPUID_ECX, 19, KILN_CPU_STATE_NONE},
    {"sse4.2", 1, 0, KILN_CPUID_ECX, 20, KILN_CPU_STATE_NONE},
    {"movbe", 1, 0, KILN_CPUID_ECX, 22, KILN_CPU_STATE_NONE},
    {"popcnt", 1, 0, KILN_CPUID_ECX, 23, KILN_CPU_STATE_NONE},
    {"aes", 1, 0, KILN_CPUID_ECX, 25, KILN_CPU_STATE_NONE},
    {"avx", 1, 0, KILN_CPUID_ECX, 28, KILN_CPU_STATE_AVX},
    {"f16c", 1, 0, KILN_CPUID_ECX, 29, KILN_CPU_STATE_AVX},
    {"bmi", 7, 0, KILN_CPUID_EBX, 3, KILN_CPU_STATE_NONE},
    {"avx2", 7, 0, KILN_CPUID_EBX, 5, KILN_CPU_STATE_AVX},
    {"bmi2", 7, 0, KILN_CPUID_EBX, 8, KILN_CPU_STATE_NONE},
    {"avx512f", 7, 0, KILN_CPUID_EBX, 16, KILN_CPU_STATE_AVX512},
    {"avx512dq", 7, 0, KILN_CPUID_EBX, 17, KILN_CPU_STATE_AVX512},
    {"adx", 7, 0, KILN_CPUID_EBX, 19, KILN_CPU_STATE_NONE},
    {"avx512ifma", 7, 0, KILN_CPUID_EBX, 21, KILN_CPU_STATE_AVX512},
    {"avx512cd", 7, 0, KILN_CPUID_EBX, 28, KILN_CPU_STATE_AVX512},
    {"sha", 7, 0, KILN_CPUID_EBX, 29, KILN_CPU_STATE_NONE},
    {"avx512bw", 7, 0, KILN_CPUID_EBX, 30, KILN_CPU_STATE_AVX512},
    {"avx512vl", 7, 0, KILN_CPUID_EBX, 31, KILN_CPU_STATE_AVX512},
    {"avx512vbmi", 7, 0, KILN_CPUID_ECX, 1, KILN_CPU_STATE_AVX512},
    {"avx512vbmi2", 7, 0, KILN_CPUID_ECX, 6, KILN_CPU_STATE_AVX512},
    {"gfni", 7, 0, KILN_CPUID_ECX, 8, KILN_CPU_STATE_NONE},
    {"vaes", 7, 0, KILN_CPUID_ECX, 9, KILN_CPU_STATE_AVX},
    {"vpclmulqdq", 7, 0, KILN_CPUID_ECX, 10, KILN_CPU_STATE_AVX},
    {"avx512vnni", 7, 0, KILN_CPUID_ECX, 11, KILN_CPU_STATE_AVX512},
    {"avx512bitalg", 7, 0, KILN_CPUID_ECX, 12, KILN_CPU_STATE_AVX512},
    {"avx512vpopcntdq", 7, 0, KILN_CPUID_ECX, 14, KILN_CPU_STATE_AVX512},
    {"amx-bf16", 7, 0, KILN_CPUID_EDX, 22, KILN_CPU_STATE_AMX},
    {"avx512fp16", 7, 0, KILN_CPUID_EDX, 23, KILN_CPU_STATE_AVX512},
    {"amx-tile", 7, 0, KILN_CPUID_EDX, 24, KILN_CPU_STATE_AMX},
    {"amx-int8", 7, 0, KILN_CPUID_EDX, 25, KILN_CPU_STATE_AMX},
    {"avxvnni", 7, 1, KILN_CPUID_EAX, 4, KILN_CPU_STATE_AVX},
    {"avx512bf16", 7, 1, KILN_CPUID_EAX, 5, KILN_CPU_STATE_AVX512},
    {"lzcnt", 0x80000001u, 0, KILN_CPUID_ECX, 5, KILN_CPU_STATE_NONE},
    {"sse4a", 0x80000001u, 0, KILN_CPUID_ECX, 6, KILN_CPU_STATE_NONE},
};

#define KILN_NUM_CPU_FEATURES                                                  \
  (sizeof(kiln_cpu_feature_table) / sizeof(kiln_cpu_feature_table[0]))

#ifdef __cplusplus
}
#endif

#endif /* KILN_CPU_FEATURES_H */
