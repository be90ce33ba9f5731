/* ImageDecoder's decoders (compiler/artifact/support/kiln_image*.c): the
 * conformance suite's JPEG, PNG, lossy WebP and JPEG 2000 decode to the very
 * bytes of ONNX's reference (Pillow's libjpeg, libwebp, OpenJPEG), checked
 * by their FNV-1a hashes, three lossless WebPs and two more JPEG 2000
 * images to the pixels that were encoded; BMP
 * (bottom-up, padded rows) and PNM made here decode to their pixels; an
 * animated WebP is refused; and no truncation or corruption of any of these
 * images may crash or hang a decoder: each prefix, and
 * thousands of single-byte changes, must decode or return an error. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image_test_data.h"

int64_t kiln_image_info(const uint8_t *data, int64_t size, int64_t what);
int64_t kiln_image_decode(const uint8_t *data, int64_t size,
                          int64_t pixelFormat, uint8_t *scratch, uint8_t *out);

enum { kRgb = 0, kBgr = 1, kGray = 2 };

static uint64_t fnv1a(const uint8_t *p, size_t n) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; ++i)
    h = (h ^ p[i]) * 0x100000001b3ull;
  return h;
}

/* Decodes `data`; returns the pixels (malloc'd) or NULL with the error. */
static uint8_t *decode(const uint8_t *data, size_t n, int format, int64_t *h,
                       int64_t *w, int64_t *error) {
  *h = kiln_image_info(data, (int64_t)n, 0);
  *w = kiln_image_info(data, (int64_t)n, 1);
  int64_t scratch = kiln_image_info(data, (int64_t)n, 2);
  *error = *h < 0 ? *h : 0;
  if (*error)
    return NULL;
  uint8_t *s = malloc((size_t)scratch);
  /* The run's arena is not cleared: neither is this. */
  memset(s, 0xa5, (size_t)scratch);
  uint8_t *out = malloc((size_t)(*h * *w * 3));
  *error = kiln_image_decode(data, (int64_t)n, format, s, out);
  free(s);
  if (*error) {
    free(out);
    return NULL;
  }
  return out;
}

static int failures;

static void expectImage(const char *what, const uint8_t *data, size_t n,
                        int format, int channels, int64_t height, int64_t width,
                        uint64_t want) {
  int64_t h, w, error;
  uint8_t *out = decode(data, n, format, &h, &w, &error);
  if (!out || h != height || w != width ||
      fnv1a(out, (size_t)(h * w * channels)) != want) {
    fprintf(stderr, "FAIL %s: error %lld, %lld x %lld\n", what,
            (long long)error, (long long)h, (long long)w);
    ++failures;
  }
  free(out);
}

static void expectHash(const char *what, const uint8_t *data, size_t n,
                       int format, int channels, uint64_t want) {
  expectImage(what, data, n, format, channels, 32, 32, want);
}

/* Every prefix and `flips` single-byte changes of `data` decode or fail
 * cleanly (the process surviving is the test). */
static void survivesDamage(const uint8_t *data, size_t n, int flips) {
  uint8_t *copy = malloc(n);
  for (size_t len = 0; len < n; ++len) {
    int64_t h, w, e;
    free(decode(data, len, kRgb, &h, &w, &e));
  }
  uint32_t seed = 12345;
  for (int i = 0; i < flips; ++i) {
    memcpy(copy, data, n);
    seed = seed * 1103515245u + 12345u;
    size_t at = (seed >> 8) % n;
    seed = seed * 1103515245u + 12345u;
    copy[at] = (uint8_t)(seed >> 16);
    int64_t h, w, e;
    free(decode(copy, n, kRgb, &h, &w, &e));
  }
  free(copy);
}

int main(void) {
  expectHash("jpeg rgb", kJpeg, sizeof(kJpeg), kRgb, 3, 0x97fa2651d85d1360ull);
  expectHash("jpeg grayscale", kJpeg, sizeof(kJpeg), kGray, 1,
             0xd84f02bdbc09644cull);
  expectHash("png rgb", kPng, sizeof(kPng), kRgb, 3, 0x1a35e7cfc0309e08ull);
  expectHash("webp lossy rgb", kWebpLossy, sizeof(kWebpLossy), kRgb, 3,
             0xe9bd65bac2d7c71full);
  expectHash("webp lossy grayscale", kWebpLossy, sizeof(kWebpLossy), kGray, 1,
             0x6af0a22d9f18b6a7ull);
  expectHash("jpeg 2000 rgb", kJpeg2000, sizeof(kJpeg2000), kRgb, 3,
             0x1a35e7cfc0309e08ull);
  expectHash("jpeg 2000 grayscale", kJpeg2000, sizeof(kJpeg2000), kGray, 1,
             0xe52e2d7793faad32ull);
  expectImage("jpeg 2000 layers", kJpeg2000Layers, sizeof(kJpeg2000Layers),
              kRgb, 3, 20, 24, 0x50f970e145b74a9dull);
  expectImage("jpeg 2000 gray", kJpeg2000Gray, sizeof(kJpeg2000Gray), kGray, 1,
              20, 24, 0xf125db3470633735ull);
  expectImage("webp palette", kWebpPalette, sizeof(kWebpPalette), kRgb, 3, 24,
              20, 0x62e6cb62bfa59c85ull);
  expectImage("webp products", kWebpProducts, sizeof(kWebpProducts), kRgb, 3,
              23, 24, 0x954505d6dc42daddull);
  expectImage("webp ramp", kWebpRamp, sizeof(kWebpRamp), kRgb, 3, 21, 24,
              0xffe80387ab82b972ull);

  /* A 3 x 2 24-bit BMP, bottom-up, rows padded to 12 bytes. */
  uint8_t bmp[54 + 24] = {'B', 'M'};
  bmp[10] = 54, bmp[14] = 40, bmp[18] = 3, bmp[22] = 2, bmp[26] = 1,
  bmp[28] = 24;
  for (int i = 0; i < 9; ++i)
    bmp[54 + i] = (uint8_t)(10 + i), bmp[54 + 12 + i] = (uint8_t)(20 + i);
  int64_t h, w, e;
  uint8_t *px = decode(bmp, sizeof(bmp), kBgr, &h, &w, &e);
  /* BGR of the top row (stored second): the file's own byte order. */
  if (!px || h != 2 || w != 3 || px[0] != 20 || px[8] != 28 || px[9] != 10) {
    fprintf(stderr, "FAIL bmp\n");
    ++failures;
  }
  free(px);

  const char pnm[] = "P6\n# comment\n2 1\n255\n\x01\x02\x03\x04\x05\x06";
  px = decode((const uint8_t *)pnm, sizeof(pnm) - 1, kRgb, &h, &w, &e);
  if (!px || h != 1 || w != 2 || px[5] != 6) {
    fprintf(stderr, "FAIL pnm\n");
    ++failures;
  }
  free(px);

  /* An animation: a VP8X header whose flags mark one. */
  const uint8_t anim[] =
      "RIFF\x16\0\0\0WEBPVP8X\x0a\0\0\0\x02\0\0\0\0\0\0\0\0\0";
  if (kiln_image_info(anim, sizeof(anim) - 1, 0) != -2) {
    fprintf(stderr, "FAIL an animated webp is not refused as unsupported\n");
    ++failures;
  }
  const uint8_t text[] = "not an image";
  if (kiln_image_info(text, sizeof(text) - 1, 0) != -1) {
    fprintf(stderr, "FAIL text is not refused as unknown\n");
    ++failures;
  }

  survivesDamage(kJpeg, sizeof(kJpeg), 3000);
  survivesDamage(kPng, sizeof(kPng), 3000);
  survivesDamage(kWebpLossy, sizeof(kWebpLossy), 3000);
  survivesDamage(kWebpPalette, sizeof(kWebpPalette), 3000);
  survivesDamage(kWebpProducts, sizeof(kWebpProducts), 3000);
  survivesDamage(kWebpRamp, sizeof(kWebpRamp), 3000);
  survivesDamage(kJpeg2000, sizeof(kJpeg2000), 3000);
  survivesDamage(kJpeg2000Layers, sizeof(kJpeg2000Layers), 3000);
  survivesDamage(kJpeg2000Gray, sizeof(kJpeg2000Gray), 3000);
  if (failures)
    return 1;
  printf("image: JPEG, PNG, WebP and JPEG 2000 as ONNX's reference, lossless "
         "WebP, more JPEG 2000, BMP, PNM, damage\n");
  return 0;
}
