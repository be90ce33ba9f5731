/*===- kiln_integrity.h - The integrity trailer of a Kiln artifact --------===*
 *
 * kiln-compile appends 24 bytes to every shared object it links:
 *
 *   "KILNSUM1"   8 bytes, the magic
 *   size         8 bytes, little-endian: the bytes before the trailer
 *   checksum     8 bytes, little-endian: kiln_checksum of those bytes
 *
 * The dynamic loader ignores bytes past the ELF file's contents. The
 * runtime checks the trailer before it maps the artifact: a truncated copy
 * (SIGBUS when a page past the end is touched) or one with flipped bytes
 * (SIGILL, SIGSEGV or wrong numbers) is refused with a clear error.
 *
 * The checksum is not cryptographic: it detects damage, not forgery. It
 * mixes four 64-bit lanes of 8-byte words a round (the multiply-rotate
 * round of xxHash64's construction), about 10 GB/s on one core.
 *
 *===--------------------------------------------------------------------===*/

#ifndef KILN_INTEGRITY_H
#define KILN_INTEGRITY_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_TRAILER_MAGIC "KILNSUM1"
#define KILN_TRAILER_SIZE 24

static inline uint64_t kiln_checksum_rotl(uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}

static inline uint64_t kiln_checksum_round(uint64_t acc, uint64_t word) {
  acc += word * 0xC2B2AE3D27D4EB4FULL;
  acc = kiln_checksum_rotl(acc, 31);
  return acc * 0x9E3779B185EBCA87ULL;
}

/* The checksum of data[0, size). */
static inline uint64_t kiln_checksum(const void *data, size_t size) {
  const unsigned char *p = (const unsigned char *)data;
  uint64_t lane[4] = {0x60EA27EEADC0B5D6ULL, 0xC2B2AE3D27D4EB4FULL,
                      0x0ULL, 0x61C8864E7A143579ULL};
  size_t i = 0;
  for (; i + 32 <= size; i += 32)
    for (int k = 0; k < 4; ++k) {
      uint64_t word;
      memcpy(&word, p + i + 8 * k, 8);
      lane[k] = kiln_checksum_round(lane[k], word);
    }
  uint64_t h = kiln_checksum_rotl(lane[0], 1) + kiln_checksum_rotl(lane[1], 7) +
               kiln_checksum_rotl(lane[2], 12) +
               kiln_checksum_rotl(lane[3], 18);
  for (; i < size; ++i)
    h = kiln_checksum_round(h, p[i]);
  h ^= (uint64_t)size;
  h ^= h >> 33;
  h *= 0xC2B2AE3D27D4EB4FULL;
  h ^= h >> 29;
  return h;
}

#ifdef __cplusplus
}
#endif

#endif /* KILN_INTEGRITY_H */
