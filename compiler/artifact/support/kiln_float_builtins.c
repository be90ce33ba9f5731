/*===- kiln_float_builtins.c - Compiler-runtime helpers of generated code -===*
 *
 * LLVM's x86-64 backend lowers a few operations to calls into the compiler
 * runtime (libgcc / compiler-rt) rather than to instructions:
 *
 *   double -> half          __truncdfhf2   (always: no instruction exists)
 *   float  -> half          __truncsfhf2   (CPUs without F16C)
 *   half   -> float/double  __extendhfsf2, __extendhfdf2   (without F16C)
 *   float/double -> bfloat  __truncsfbf2, __truncdfbf2  (without AVX512-BF16)
 *   llvm.powi               __powisf2, __powidf2
 *
 * An artifact links neither libgcc nor compiler-rt (which of them defines
 * these names, and from which version on, differs between machines), so
 * they are defined here and linked from the embedded support archive: lld
 * pulls in only the members an object references. Every symbol is hidden,
 * so an artifact still exports only its descriptor.
 *
 * Conversions round to nearest, ties to even, as IEEE 754 and the
 * instructions do; NaNs stay quiet NaNs with their sign. Only integer
 * operations are used: with GCC, any arithmetic on _Float16 would itself
 * call these helpers.
 *
 *===--------------------------------------------------------------------===*/

#include <stdint.h>
#include <string.h>

#define KILN_HIDDEN __attribute__((visibility("hidden")))

/* Half and bfloat travel in the low 16 bits of an XMM register (the x86-64
 * psABI for _Float16 and __bf16); GCC's _Float16 gives exactly that. */
typedef _Float16 kiln_f16_reg;

static kiln_f16_reg fromBits16(uint16_t bits) {
  kiln_f16_reg r;
  memcpy(&r, &bits, sizeof r);
  return r;
}

static uint16_t toBits16(kiln_f16_reg v) {
  uint16_t bits;
  memcpy(&bits, &v, sizeof bits);
  return bits;
}

/* The bits of `x` rounded to a binary format with `expBits` exponent bits
 * and `manBits` stored mantissa bits (at most 16 bits in all). A double
 * holds every float exactly, so one rounding from double is also the
 * correctly rounded conversion from float. */
static uint32_t truncFromDouble(double x, int expBits, int manBits) {
  uint64_t a;
  memcpy(&a, &x, sizeof a);
  const int srcMan = 52, srcBias = 1023;
  const uint64_t srcManMask = (UINT64_C(1) << srcMan) - 1;
  const uint32_t sign = (uint32_t)(a >> 63) << (expBits + manBits);
  const uint64_t absBits = a & ~(UINT64_C(1) << 63);
  const int dstBias = (1 << (expBits - 1)) - 1;
  const uint32_t dstInf = ((1u << expBits) - 1) << manBits;

  if (absBits > UINT64_C(0x7ff0000000000000)) {
    /* NaN: quiet, keeping the top bits of the payload. */
    uint32_t payload = (uint32_t)((absBits & srcManMask) >> (srcMan - manBits));
    return sign | dstInf | (1u << (manBits - 1)) | payload;
  }
  const int srcExp = (int)(absBits >> srcMan);
  if (srcExp == 0)
    return sign; /* zero or a double subnormal: far below any 16-bit value */
  const int e = srcExp - srcBias;
  if (e > dstBias)
    return sign | dstInf; /* overflow, or infinity */

  uint64_t sig = (absBits & srcManMask) | (UINT64_C(1) << srcMan);
  int shift;
  uint64_t base;
  if (e >= 1 - dstBias) {
    /* A normal result: exponent field and the mantissa's top bits. Rounding
     * up may carry into the exponent (and into infinity), as it should. */
    shift = srcMan - manBits;
    base = (uint64_t)(e + dstBias) << manBits;
    sig &= srcManMask;
  } else {
    /* A subnormal result: value = m * 2^(1 - dstBias - manBits). */
    shift = srcMan + 1 - dstBias - manBits - e;
    if (shift > srcMan + 1)
      return sign; /* below half the smallest subnormal */
    base = 0;
  }
  uint64_t kept = sig >> shift;
  uint64_t rest = sig & ((UINT64_C(1) << shift) - 1);
  uint64_t half = UINT64_C(1) << (shift - 1);
  uint64_t r = base + kept;
  if (rest > half || (rest == half && (r & 1)))
    ++r;
  return sign | (uint32_t)r;
}

/* The double that the 16-bit pattern `bits` of the given format denotes
 * (exact: double has more range and precision than every such format). */
static double extendToDouble(uint32_t bits, int expBits, int manBits) {
  const int dstMan = 52, dstBias = 1023;
  const uint32_t manMask = (1u << manBits) - 1;
  const uint32_t expMax = (1u << expBits) - 1;
  const int bias = (1 << (expBits - 1)) - 1;
  uint64_t sign = (uint64_t)(bits >> (expBits + manBits)) << 63;
  uint32_t exp = (bits >> manBits) & expMax;
  uint64_t man = bits & manMask;
  uint64_t out;
  if (exp == expMax) {
    /* Infinity or NaN (quietened). */
    out = sign | (UINT64_C(0x7ff) << dstMan) | (man << (dstMan - manBits));
    if (man)
      out |= UINT64_C(1) << (dstMan - 1);
  } else if (exp == 0) {
    if (man == 0) {
      out = sign;
    } else {
      /* Subnormal: normalise so the leading one becomes implicit. */
      int e = 1 - bias;
      while (!(man & (UINT64_C(1) << manBits))) {
        man <<= 1;
        --e;
      }
      man &= manMask;
      out = sign | ((uint64_t)(e + dstBias) << dstMan) |
            (man << (dstMan - manBits));
    }
  } else {
    out = sign | ((uint64_t)((int)exp - bias + dstBias) << dstMan) |
          (man << (dstMan - manBits));
  }
  double d;
  memcpy(&d, &out, sizeof d);
  return d;
}

enum { kF16Exp = 5, kF16Man = 10, kBF16Exp = 8, kBF16Man = 7 };

/* Float to double is exact and so is the way back for a value that came
 * from a 16-bit format: plain C conversions, no helper calls. */

KILN_HIDDEN kiln_f16_reg __truncdfhf2(double x) {
  return fromBits16((uint16_t)truncFromDouble(x, kF16Exp, kF16Man));
}

KILN_HIDDEN kiln_f16_reg __truncsfhf2(float x) {
  return fromBits16((uint16_t)truncFromDouble(x, kF16Exp, kF16Man));
}

KILN_HIDDEN kiln_f16_reg __truncdfbf2(double x) {
  return fromBits16((uint16_t)truncFromDouble(x, kBF16Exp, kBF16Man));
}

KILN_HIDDEN kiln_f16_reg __truncsfbf2(float x) {
  return fromBits16((uint16_t)truncFromDouble(x, kBF16Exp, kBF16Man));
}

KILN_HIDDEN float __extendhfsf2(kiln_f16_reg x) {
  return (float)extendToDouble(toBits16(x), kF16Exp, kF16Man);
}

KILN_HIDDEN double __extendhfdf2(kiln_f16_reg x) {
  return extendToDouble(toBits16(x), kF16Exp, kF16Man);
}

KILN_HIDDEN float __extendbfsf2(kiln_f16_reg x) {
  return (float)extendToDouble(toBits16(x), kBF16Exp, kBF16Man);
}

/* The older names some LLVM configurations use for half <-> float, with
 * the half in an integer register. */
KILN_HIDDEN float __gnu_h2f_ieee(uint16_t bits) {
  return (float)extendToDouble(bits, kF16Exp, kF16Man);
}

KILN_HIDDEN uint16_t __gnu_f2h_ieee(float x) {
  return (uint16_t)truncFromDouble(x, kF16Exp, kF16Man);
}

/* x^n for an integer n by squaring, as llvm.powi is defined. */
#define KILN_POWI(name, T)                                                     \
  KILN_HIDDEN T name(T a, int b) {                                             \
    const int recip = b < 0;                                                   \
    T r = 1;                                                                   \
    for (;;) {                                                                 \
      if (b & 1)                                                               \
        r *= a;                                                                \
      b /= 2;                                                                  \
      if (b == 0)                                                              \
        break;                                                                 \
      a *= a;                                                                  \
    }                                                                          \
    return recip ? 1 / r : r;                                                  \
  }

KILN_POWI(__powidf2, double)
KILN_POWI(__powisf2, float)
