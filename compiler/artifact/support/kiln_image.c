/*===- kiln_image.c - ImageDecoder: formats and pixel formats ------------===*
 *
 * The entry points generated code calls for ImageDecoder (kiln_image.h):
 * the format is recognized by its signature; JPEG, PNG, WebP and JPEG 2000
 * go to their decoders, BMP (uncompressed 8-, 24- and 32-bit), binary PNM
 * (P5, P6, maxval 255) and uncompressed 8-bit TIFF (grayscale or RGB,
 * chunky) are read here. The decoded gray or RGB samples are then written in the
 * requested pixel format: BGR swaps, grayscale is Pillow's convert("L")
 * (ITU-R 601-2 luma in 16-bit fixed point), which made ONNX's reference
 * outputs.
 *
 *===--------------------------------------------------------------------===*/

#include "kiln_image.h"

#include <string.h>

#ifndef KILN_HIDDEN
#define KILN_HIDDEN __attribute__((visibility("hidden")))
#endif

typedef enum { F_JPEG, F_PNG, F_WEBP, F_JPEG2000, F_BMP, F_PNM, F_TIFF } Format;

static int formatOf(const uint8_t *d, size_t n, Format *f) {
  if (n >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
    *f = F_JPEG;
  else if (n >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
    *f = F_PNG;
  else if (n >= 2 && d[0] == 'B' && d[1] == 'M')
    *f = F_BMP;
  else if (n >= 2 && d[0] == 'P' && (d[1] == '5' || d[1] == '6'))
    *f = F_PNM;
  else if (n >= 4 && (!memcmp(d, "II*\0", 4) || !memcmp(d, "MM\0*", 4)))
    *f = F_TIFF;
  else if (n >= 12 && !memcmp(d, "RIFF", 4) && !memcmp(d + 8, "WEBP", 4))
    *f = F_WEBP;
  else if ((n >= 12 && !memcmp(d, "\0\0\0\x0cjP  ", 8)) ||
           (n >= 4 && !memcmp(d, "\xff\x4f\xff\x51", 4)))
    *f = F_JPEG2000;
  else if ((n >= 6 && (!memcmp(d, "GIF87a", 6) || !memcmp(d, "GIF89a", 6))) ||
           (n >= 2 && d[0] == 'P' && d[1] >= '1' && d[1] <= '4'))
    return KILN_IMAGE_UNSUPPORTED; /* GIF, ASCII PNM */
  else
    return KILN_IMAGE_UNKNOWN;
  return 0;
}

static uint32_t le16(const uint8_t *p) { return p[0] | (p[1] << 8); }
static uint32_t le32(const uint8_t *p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((uint32_t)p[3] << 24);
}

/*--- BMP ------------------------------------------------------------------*/

typedef struct {
  int64_t width, height;
  int topDown, bpp;
  uint32_t pixelOffset, paletteOffset, paletteSize;
} Bmp;

static int bmpHeader(const uint8_t *d, size_t n, Bmp *b) {
  if (n < 26)
    return KILN_IMAGE_CORRUPT;
  uint32_t dib = le32(d + 14);
  if (dib < 40)
    return KILN_IMAGE_UNSUPPORTED; /* OS/2 headers */
  if (n < 14 + (size_t)dib)
    return KILN_IMAGE_CORRUPT;
  int32_t w = (int32_t)le32(d + 18), h = (int32_t)le32(d + 22);
  b->bpp = (int)le16(d + 28);
  uint32_t compression = le32(d + 30);
  if (compression != 0 || (b->bpp != 8 && b->bpp != 24 && b->bpp != 32))
    return KILN_IMAGE_UNSUPPORTED; /* RLE, bitfields, 1/4/16-bit */
  if (w <= 0 || h == 0 || h == INT32_MIN)
    return KILN_IMAGE_CORRUPT;
  b->width = w;
  b->topDown = h < 0;
  b->height = h < 0 ? -(int64_t)h : h;
  b->pixelOffset = le32(d + 10);
  b->paletteOffset = 14 + dib;
  b->paletteSize = le32(d + 46) ? le32(d + 46) : 256;
  int64_t stride = ((b->bpp * b->width + 31) / 32) * 4;
  if (b->pixelOffset > n || (n - b->pixelOffset) / stride < (size_t)b->height)
    return KILN_IMAGE_CORRUPT;
  if (b->bpp == 8 && (b->paletteOffset + 4 * (size_t)b->paletteSize > n ||
                      b->paletteSize > 256))
    return KILN_IMAGE_CORRUPT;
  return 0;
}

static int bmpDecode(const uint8_t *d, const Bmp *b, uint8_t *rgb) {
  int64_t stride = ((b->bpp * b->width + 31) / 32) * 4;
  for (int64_t y = 0; y < b->height; ++y) {
    const uint8_t *row =
        d + b->pixelOffset + (b->topDown ? y : b->height - 1 - y) * stride;
    for (int64_t x = 0; x < b->width; ++x, rgb += 3) {
      const uint8_t *s;
      if (b->bpp == 8) {
        if (row[x] >= b->paletteSize)
          return KILN_IMAGE_CORRUPT;
        s = d + b->paletteOffset + 4 * row[x];
      } else {
        s = row + x * (b->bpp / 8);
      }
      rgb[0] = s[2];
      rgb[1] = s[1];
      rgb[2] = s[0];
    }
  }
  return 0;
}

/*--- PNM ------------------------------------------------------------------*/

/* The next header number of a PNM file (whitespace and # comments
 * between), or -1. */
static int64_t pnmNumber(const uint8_t *d, size_t n, size_t *pos) {
  for (;;) {
    while (*pos < n && (d[*pos] == ' ' || (d[*pos] >= '\t' && d[*pos] <= '\r')))
      ++*pos;
    if (*pos < n && d[*pos] == '#') {
      while (*pos < n && d[*pos] != '\n')
        ++*pos;
      continue;
    }
    break;
  }
  int64_t v = -1;
  while (*pos < n && d[*pos] >= '0' && d[*pos] <= '9' && v < (1 << 24))
    v = (v < 0 ? 0 : v * 10) + (d[(*pos)++] - '0');
  return v;
}

typedef struct {
  int64_t width, height;
  int channels;
  size_t data;
} Pnm;

static int pnmHeader(const uint8_t *d, size_t n, Pnm *p) {
  size_t pos = 2;
  p->channels = d[1] == '6' ? 3 : 1;
  p->width = pnmNumber(d, n, &pos);
  p->height = pnmNumber(d, n, &pos);
  int64_t maxval = pnmNumber(d, n, &pos);
  if (p->width <= 0 || p->height <= 0 || maxval <= 0 || pos >= n)
    return KILN_IMAGE_CORRUPT;
  if (maxval != 255)
    return KILN_IMAGE_UNSUPPORTED;
  p->data = pos + 1; /* one whitespace byte ends the header */
  if ((n - p->data) / p->channels / p->width < (size_t)p->height)
    return KILN_IMAGE_CORRUPT;
  return 0;
}

/*--- TIFF -----------------------------------------------------------------*/

typedef struct {
  const uint8_t *d;
  size_t n;
  int big; /* MM: big-endian */
  int64_t width, height;
  int channels;
  int64_t rowsPerStrip;
  uint32_t stripsAt, stripCount, stripType;
} Tiff;

static uint32_t tiff16(const Tiff *t, const uint8_t *p) {
  return t->big ? (uint32_t)((p[0] << 8) | p[1]) : le16(p);
}
static uint32_t tiff32(const Tiff *t, const uint8_t *p) {
  return t->big ? ((uint32_t)p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3]
                : le32(p);
}

/* Value `i` of a SHORT or LONG entry whose values are at `at`. */
static int64_t tiffValue(const Tiff *t, uint32_t type, uint32_t at,
                         uint32_t i) {
  size_t size = type == 3 ? 2 : 4;
  if (at > t->n || (t->n - at) / size <= i)
    return -1;
  const uint8_t *p = t->d + at + size * i;
  return type == 3 ? tiff16(t, p) : tiff32(t, p);
}

static int tiffHeader(const uint8_t *d, size_t n, Tiff *t) {
  memset(t, 0, sizeof(*t));
  t->d = d;
  t->n = n;
  t->big = d[0] == 'M';
  t->rowsPerStrip = -1;
  if (n < 8)
    return KILN_IMAGE_CORRUPT;
  uint32_t ifd = tiff32(t, d + 4);
  if (ifd > n || n - ifd < 2)
    return KILN_IMAGE_CORRUPT;
  uint32_t entries = tiff16(t, d + ifd);
  if ((n - ifd - 2) / 12 < entries)
    return KILN_IMAGE_CORRUPT;
  int compression = 1, planar = 1, photometric = -1, bits = 8;
  for (uint32_t e = 0; e < entries; ++e) {
    const uint8_t *p = d + ifd + 2 + 12 * e;
    uint32_t tag = tiff16(t, p), type = tiff16(t, p + 2),
             count = tiff32(t, p + 4);
    if (type != 3 && type != 4)
      continue;
    if (count > 64 && tag != 273)
      return KILN_IMAGE_UNSUPPORTED; /* no tag Kiln reads has that many */
    uint32_t at = (uint32_t)(p + 8 - d);
    if (count * (type == 3 ? 2u : 4u) > 4)
      at = tiff32(t, p + 8);
    int64_t first = tiffValue(t, type, at, 0);
    switch (tag) {
    case 256:
      t->width = first;
      break;
    case 257:
      t->height = first;
      break;
    case 258:
      for (uint32_t i = 0; i < count; ++i)
        if (tiffValue(t, type, at, i) != 8)
          bits = 0;
      break;
    case 259:
      compression = (int)first;
      break;
    case 262:
      photometric = (int)first;
      break;
    case 273:
      t->stripsAt = at;
      t->stripCount = count;
      t->stripType = type;
      break;
    case 277:
      t->channels = (int)first;
      break;
    case 278:
      t->rowsPerStrip = first;
      break;
    case 284:
      planar = (int)first;
      break;
    default:
      break;
    }
  }
  if (t->channels == 0)
    t->channels = 1;
  if (compression != 1 || planar != 1 || bits != 8 ||
      !((photometric == 1 && t->channels == 1) ||
        (photometric == 2 && t->channels == 3)))
    return KILN_IMAGE_UNSUPPORTED;
  if (t->width <= 0 || t->height <= 0 || t->stripCount == 0)
    return KILN_IMAGE_CORRUPT;
  if (t->rowsPerStrip <= 0 || t->rowsPerStrip > t->height)
    t->rowsPerStrip = t->height;
  return 0;
}

static int tiffDecode(const Tiff *t, uint8_t *out) {
  int64_t rowBytes = t->width * t->channels;
  for (int64_t y = 0; y < t->height; ++y) {
    uint32_t strip = (uint32_t)(y / t->rowsPerStrip);
    if (strip >= t->stripCount)
      return KILN_IMAGE_CORRUPT;
    int64_t offset = tiffValue(t, t->stripType, t->stripsAt, strip);
    int64_t at = offset + (y % t->rowsPerStrip) * rowBytes;
    if (offset < 0 || at + rowBytes > (int64_t)t->n)
      return KILN_IMAGE_CORRUPT;
    memcpy(out + y * rowBytes, t->d + at, (size_t)rowBytes);
  }
  return 0;
}

/*--- Entry points ---------------------------------------------------------*/

/* The image's header and the scratch bytes its decoder needs. */
static int headerOf(const uint8_t *d, size_t n, KilnImageHeader *h,
                    int64_t *scratch) {
  Format f;
  int err = formatOf(d, n, &f);
  if (err)
    return err;
  *scratch = 0;
  switch (f) {
  case F_JPEG:
    return kiln_jpeg_header(d, n, h, scratch);
  case F_PNG:
    return kiln_png_header(d, n, h, scratch);
  case F_WEBP:
    return kiln_webp_header(d, n, h, scratch);
  case F_JPEG2000:
    return kiln_jpeg2000_header(d, n, h, scratch);
  case F_BMP: {
    Bmp b;
    err = bmpHeader(d, n, &b);
    h->width = b.width, h->height = b.height, h->channels = 3;
    return err;
  }
  case F_PNM: {
    Pnm p;
    err = pnmHeader(d, n, &p);
    h->width = p.width, h->height = p.height, h->channels = p.channels;
    return err;
  }
  case F_TIFF: {
    Tiff t;
    err = tiffHeader(d, n, &t);
    h->width = t.width, h->height = t.height, h->channels = t.channels;
    return err;
  }
  }
  return KILN_IMAGE_UNKNOWN;
}

/* What the generated code sizes its buffers with: `what` 0 the height, 1
 * the width, 2 the scratch bytes kiln_image_decode needs; a KILN_IMAGE_*
 * error (negative) when the data is no image Kiln decodes. */
KILN_HIDDEN int64_t kiln_image_info(const uint8_t *data, int64_t size,
                                    int64_t what) {
  KilnImageHeader h;
  int64_t scratch;
  int err = headerOf(data, (size_t)size, &h, &scratch);
  if (err)
    return err;
  if (what == 0)
    return h.height;
  if (what == 1)
    return h.width;
  /* The decoder's own, then the decoded samples before the pixel format. */
  return scratch + h.width * h.height * 3 + 8;
}

/* Decodes `data` into `out` (height x width x 3, or x 1 for grayscale) in
 * `pixelFormat` (KILN_IMAGE_RGB, _BGR, _GRAY); 0 or a KILN_IMAGE_* error. */
KILN_HIDDEN int64_t kiln_image_decode(const uint8_t *data, int64_t size,
                                      int64_t pixelFormat, uint8_t *scratch,
                                      uint8_t *out) {
  size_t n = (size_t)size;
  KilnImageHeader h;
  int64_t need;
  int err = headerOf(data, n, &h, &need);
  if (err)
    return err;
  uint8_t *samples = scratch + need;
  Format f;
  formatOf(data, n, &f);
  switch (f) {
  case F_JPEG:
    err = kiln_jpeg_decode(data, n, samples, scratch);
    break;
  case F_PNG:
    err = kiln_png_decode(data, n, samples, scratch);
    break;
  case F_WEBP:
    err = kiln_webp_decode(data, n, samples, scratch);
    break;
  case F_JPEG2000:
    err = kiln_jpeg2000_decode(data, n, samples, scratch);
    break;
  case F_BMP: {
    Bmp b;
    bmpHeader(data, n, &b);
    err = bmpDecode(data, &b, samples);
    break;
  }
  case F_PNM: {
    Pnm p;
    pnmHeader(data, n, &p);
    memcpy(samples, data + p.data, (size_t)(p.width * p.height * p.channels));
    break;
  }
  case F_TIFF: {
    Tiff t;
    tiffHeader(data, n, &t);
    err = tiffDecode(&t, samples);
    break;
  }
  }
  if (err)
    return err;
  int64_t pixels = h.width * h.height;
  for (int64_t i = 0; i < pixels; ++i) {
    const uint8_t *s = samples + i * h.channels;
    uint8_t r = s[0], g = h.channels == 3 ? s[1] : s[0],
            b = h.channels == 3 ? s[2] : s[0];
    if (pixelFormat == KILN_IMAGE_GRAY) {
      out[i] =
          h.channels == 3
              ? (uint8_t)((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
              : r;
    } else if (pixelFormat == KILN_IMAGE_BGR) {
      out[3 * i] = b, out[3 * i + 1] = g, out[3 * i + 2] = r;
    } else {
      out[3 * i] = r, out[3 * i + 1] = g, out[3 * i + 2] = b;
    }
  }
  return 0;
}
