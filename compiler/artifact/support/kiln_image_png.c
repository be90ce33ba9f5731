/*===- kiln_image_png.c - PNG for ImageDecoder ---------------------------===*
 *
 * Non-interlaced 8-bit PNG: grayscale, RGB, palette, grayscale + alpha and
 * RGBA (alpha dropped: ImageDecoder's outputs are RGB, BGR or grayscale),
 * with the five row filters. The zlib stream of the IDAT chunks is
 * inflated here (RFC 1951: stored, fixed and dynamic Huffman blocks), into
 * scratch memory the generated code provides. Interlaced PNG and bit
 * depths other than 8 are KILN_IMAGE_UNSUPPORTED.
 *
 *===--------------------------------------------------------------------===*/

#include "kiln_image.h"

#include <string.h>

/*--- Inflate --------------------------------------------------------------*/

typedef struct {
  const uint8_t *p, *end;
  uint32_t buffer;
  int bits;
  int overrun; /* read past the input: the stream is truncated */
} Input;

static uint32_t bitsOf(Input *in, int n) {
  while (in->bits < n) {
    uint32_t byte = 0;
    if (in->p < in->end)
      byte = *in->p++;
    else
      in->overrun = 1;
    in->buffer |= byte << in->bits;
    in->bits += 8;
  }
  uint32_t v = in->buffer & ((1u << n) - 1);
  in->buffer >>= n;
  in->bits -= n;
  return v;
}

/* A canonical Huffman code: how many codes each length has and the
 * symbols in code order. */
typedef struct {
  uint16_t count[16];
  uint16_t symbol[288];
} Code;

/* Builds the code of `n` symbols whose lengths are `lengths`; 0, or -1
 * when the lengths over-subscribe the code space. */
static int buildCode(Code *c, const uint8_t *lengths, int n) {
  memset(c->count, 0, sizeof(c->count));
  for (int s = 0; s < n; ++s)
    c->count[lengths[s]]++;
  int left = 1;
  for (int len = 1; len < 16; ++len) {
    left = 2 * left - c->count[len];
    if (left < 0)
      return -1;
  }
  uint16_t offset[16];
  offset[1] = 0;
  for (int len = 1; len < 15; ++len)
    offset[len + 1] = offset[len] + c->count[len];
  for (int s = 0; s < n; ++s)
    if (lengths[s])
      c->symbol[offset[lengths[s]]++] = (uint16_t)s;
  return 0;
}

/* The next symbol of code `c`, or -1 on a code the stream cannot have. */
static int decodeSymbol(Input *in, const Code *c) {
  int code = 0, first = 0, index = 0;
  for (int len = 1; len < 16; ++len) {
    code |= (int)bitsOf(in, 1);
    int count = c->count[len];
    if (code - first < count)
      return c->symbol[index + code - first];
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return -1;
}

static const uint16_t kLengthBase[29] = {
    3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
    31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t kLengthExtra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1,
                                         1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                         4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t kDistBase[30] = {
    1,    2,    3,    4,    5,    7,    9,    13,    17,    25,
    33,   49,   65,   97,   129,  193,  257,  385,   513,   769,
    1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t kDistExtra[30] = {0, 0, 0,  0,  1,  1,  2,  2,  3,  3,
                                       4, 4, 5,  5,  6,  6,  7,  7,  8,  8,
                                       9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

typedef struct {
  uint8_t *out;
  size_t size, cap;
} Output;

/* One block's symbols until its end-of-block code. */
static int inflateCodes(Input *in, Output *o, const Code *lit,
                        const Code *dist) {
  for (;;) {
    int sym = decodeSymbol(in, lit);
    if (sym < 0 || in->overrun)
      return KILN_IMAGE_CORRUPT;
    if (sym < 256) {
      if (o->size >= o->cap)
        return KILN_IMAGE_CORRUPT;
      o->out[o->size++] = (uint8_t)sym;
      continue;
    }
    if (sym == 256)
      return 0;
    sym -= 257;
    if (sym >= 29)
      return KILN_IMAGE_CORRUPT;
    size_t len = kLengthBase[sym] + bitsOf(in, kLengthExtra[sym]);
    int d = decodeSymbol(in, dist);
    if (d < 0 || d >= 30)
      return KILN_IMAGE_CORRUPT;
    size_t back = kDistBase[d] + bitsOf(in, kDistExtra[d]);
    if (back > o->size || len > o->cap - o->size)
      return KILN_IMAGE_CORRUPT;
    for (size_t i = 0; i < len; ++i, ++o->size)
      o->out[o->size] = o->out[o->size - back];
  }
}

static int inflateFixed(Input *in, Output *o) {
  uint8_t lengths[288 + 30];
  int s = 0;
  for (; s < 144; ++s)
    lengths[s] = 8;
  for (; s < 256; ++s)
    lengths[s] = 9;
  for (; s < 280; ++s)
    lengths[s] = 7;
  for (; s < 288; ++s)
    lengths[s] = 8;
  for (int d = 0; d < 30; ++d)
    lengths[288 + d] = 5;
  Code lit, dist;
  buildCode(&lit, lengths, 288);
  buildCode(&dist, lengths + 288, 30);
  return inflateCodes(in, o, &lit, &dist);
}

static int inflateDynamic(Input *in, Output *o) {
  static const uint8_t kOrder[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                     11, 4,  12, 3, 13, 2, 14, 1, 15};
  int nlen = (int)bitsOf(in, 5) + 257, ndist = (int)bitsOf(in, 5) + 1,
      ncode = (int)bitsOf(in, 4) + 4;
  if (nlen > 286 || ndist > 30)
    return KILN_IMAGE_CORRUPT;
  uint8_t lengths[320] = {0};
  for (int i = 0; i < ncode; ++i)
    lengths[kOrder[i]] = (uint8_t)bitsOf(in, 3);
  Code lencode;
  if (buildCode(&lencode, lengths, 19))
    return KILN_IMAGE_CORRUPT;
  for (int i = 0; i < nlen + ndist;) {
    int sym = decodeSymbol(in, &lencode);
    if (sym < 0 || in->overrun)
      return KILN_IMAGE_CORRUPT;
    if (sym < 16) {
      lengths[i++] = (uint8_t)sym;
      continue;
    }
    int repeat, value = 0;
    if (sym == 16) {
      if (i == 0)
        return KILN_IMAGE_CORRUPT;
      value = lengths[i - 1];
      repeat = 3 + (int)bitsOf(in, 2);
    } else if (sym == 17) {
      repeat = 3 + (int)bitsOf(in, 3);
    } else {
      repeat = 11 + (int)bitsOf(in, 7);
    }
    if (i + repeat > nlen + ndist)
      return KILN_IMAGE_CORRUPT;
    while (repeat--)
      lengths[i++] = (uint8_t)value;
  }
  if (lengths[256] == 0)
    return KILN_IMAGE_CORRUPT;
  Code lit, dist;
  if (buildCode(&lit, lengths, nlen) || buildCode(&dist, lengths + nlen, ndist))
    return KILN_IMAGE_CORRUPT;
  return inflateCodes(in, o, &lit, &dist);
}

/* Inflates the zlib stream `data` into `out` (`cap` bytes); the bytes
 * written in *written. */
static int inflateZlib(const uint8_t *data, size_t size, uint8_t *out,
                       size_t cap, size_t *written) {
  if (size < 2 || (data[0] & 15) != 8 || ((data[0] << 8) | data[1]) % 31 ||
      (data[1] & 0x20))
    return KILN_IMAGE_CORRUPT;
  Input in = {data + 2, data + size, 0, 0, 0};
  Output o = {out, 0, cap};
  int last;
  do {
    last = (int)bitsOf(&in, 1);
    int type = (int)bitsOf(&in, 2);
    int err;
    if (type == 0) {
      in.buffer = 0; /* to the byte boundary */
      in.bits = 0;
      if (in.end - in.p < 4)
        return KILN_IMAGE_CORRUPT;
      size_t len = in.p[0] | (in.p[1] << 8);
      size_t nlen = in.p[2] | (in.p[3] << 8);
      in.p += 4;
      if (len != (~nlen & 0xFFFF) || (size_t)(in.end - in.p) < len ||
          len > o.cap - o.size)
        return KILN_IMAGE_CORRUPT;
      memcpy(o.out + o.size, in.p, len);
      o.size += len;
      in.p += len;
      err = 0;
    } else if (type == 1) {
      err = inflateFixed(&in, &o);
    } else if (type == 2) {
      err = inflateDynamic(&in, &o);
    } else {
      err = KILN_IMAGE_CORRUPT;
    }
    if (err)
      return err;
  } while (!last);
  *written = o.size;
  return 0;
}

/*--- PNG ------------------------------------------------------------------*/

typedef struct {
  int64_t width, height;
  int colorType, samples; /* samples per pixel in the file */
  const uint8_t *palette;
  int paletteSize;
  size_t idatBytes;
} Png;

static uint32_t read32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
         ((uint32_t)p[2] << 8) | p[3];
}

/* Walks the chunks; with `idat`, copies the IDAT data there. */
static int walkChunks(const uint8_t *data, size_t size, Png *png,
                      uint8_t *idat) {
  static const uint8_t kSignature[8] = {0x89, 'P',  'N',  'G',
                                        '\r', '\n', 0x1A, '\n'};
  if (size < 8 || memcmp(data, kSignature, 8) != 0)
    return KILN_IMAGE_UNKNOWN;
  memset(png, 0, sizeof(*png));
  size_t pos = 8;
  int sawHeader = 0;
  for (;;) {
    if (size - pos < 12)
      return KILN_IMAGE_CORRUPT;
    uint32_t len = read32(data + pos);
    const uint8_t *type = data + pos + 4, *body = data + pos + 8;
    if (len > size - pos - 12)
      return KILN_IMAGE_CORRUPT;
    if (!memcmp(type, "IHDR", 4)) {
      if (len < 13)
        return KILN_IMAGE_CORRUPT;
      png->width = read32(body);
      png->height = read32(body + 4);
      int depth = body[8];
      png->colorType = body[9];
      if (png->width == 0 || png->height == 0 || png->width > (1 << 24) ||
          png->height > (1 << 24))
        return KILN_IMAGE_CORRUPT;
      if (depth != 8 || body[12] != 0)
        return KILN_IMAGE_UNSUPPORTED; /* other depths, interlacing */
      switch (png->colorType) {
      case 0:
        png->samples = 1;
        break;
      case 2:
        png->samples = 3;
        break;
      case 3:
        png->samples = 1;
        break;
      case 4:
        png->samples = 2;
        break;
      case 6:
        png->samples = 4;
        break;
      default:
        return KILN_IMAGE_CORRUPT;
      }
      sawHeader = 1;
    } else if (!memcmp(type, "PLTE", 4)) {
      png->palette = body;
      png->paletteSize = (int)(len / 3);
    } else if (!memcmp(type, "IDAT", 4)) {
      if (idat)
        memcpy(idat + png->idatBytes, body, len);
      png->idatBytes += len;
    } else if (!memcmp(type, "IEND", 4)) {
      break;
    }
    pos += 12 + (size_t)len;
  }
  if (!sawHeader || png->idatBytes == 0 ||
      (png->colorType == 3 && !png->palette))
    return KILN_IMAGE_CORRUPT;
  return 0;
}

static int64_t rowBytes(const Png *png) { return png->width * png->samples; }

int kiln_png_header(const uint8_t *data, size_t size, KilnImageHeader *h,
                    int64_t *scratch) {
  Png png;
  int err = walkChunks(data, size, &png, NULL);
  if (err)
    return err;
  h->width = png.width;
  h->height = png.height;
  h->channels = png.colorType == 0 || png.colorType == 4 ? 1 : 3;
  /* The IDAT data joined, then the filtered rows. */
  *scratch = (int64_t)png.idatBytes + png.height * (1 + rowBytes(&png));
  return 0;
}

static int paeth(int a, int b, int c) {
  int p = a + b - c;
  int pa = p > a ? p - a : a - p, pb = p > b ? p - b : b - p,
      pc = p > c ? p - c : c - p;
  if (pa <= pb && pa <= pc)
    return a;
  return pb <= pc ? b : c;
}

int kiln_png_decode(const uint8_t *data, size_t size, uint8_t *pixels,
                    uint8_t *scratch) {
  Png png;
  int err = walkChunks(data, size, &png, scratch);
  if (err)
    return err;
  int64_t stride = 1 + rowBytes(&png);
  uint8_t *rows = scratch + png.idatBytes;
  size_t want = (size_t)(png.height * stride), got = 0;
  err = inflateZlib(scratch, png.idatBytes, rows, want, &got);
  if (err)
    return err;
  if (got != want)
    return KILN_IMAGE_CORRUPT;
  int bpp = png.samples;
  int64_t n = rowBytes(&png);
  for (int64_t y = 0; y < png.height; ++y) {
    uint8_t *row = rows + y * stride + 1;
    const uint8_t *up = y ? rows + (y - 1) * stride + 1 : NULL;
    int filter = row[-1];
    for (int64_t i = 0; i < n; ++i) {
      int a = i >= bpp ? row[i - bpp] : 0, b = up ? up[i] : 0,
          c = (up && i >= bpp) ? up[i - bpp] : 0;
      switch (filter) {
      case 0:
        break;
      case 1:
        row[i] = (uint8_t)(row[i] + a);
        break;
      case 2:
        row[i] = (uint8_t)(row[i] + b);
        break;
      case 3:
        row[i] = (uint8_t)(row[i] + ((a + b) >> 1));
        break;
      case 4:
        row[i] = (uint8_t)(row[i] + paeth(a, b, c));
        break;
      default:
        return KILN_IMAGE_CORRUPT;
      }
    }
  }
  /* To gray or RGB, alpha dropped, the palette looked up. */
  for (int64_t y = 0; y < png.height; ++y) {
    const uint8_t *row = rows + y * stride + 1;
    for (int64_t x = 0; x < png.width; ++x) {
      const uint8_t *s = row + x * png.samples;
      switch (png.colorType) {
      case 0:
      case 4:
        *pixels++ = s[0];
        break;
      case 3: {
        if (s[0] >= png.paletteSize)
          return KILN_IMAGE_CORRUPT;
        memcpy(pixels, png.palette + 3 * s[0], 3);
        pixels += 3;
        break;
      }
      default:
        memcpy(pixels, s, 3);
        pixels += 3;
        break;
      }
    }
  }
  return 0;
}
