/*===- kiln_image_webp_lossless.c - WebP: lossless VP8L ------------------===*
 *
 * The VP8L bitstream of a lossless WebP image (the WebP Lossless Bitstream
 * specification, RFC 9649 section 3): ARGB pixels coded with canonical
 * prefix codes, LZ77 backward references and a color cache, in up to four
 * reversible transforms (predictor, cross color, subtract green, color
 * indexing). Every step is exact integer arithmetic, so the pixels are the
 * encoder's; where the specification leaves a choice open to a decoder
 * (palette indexes past the palette's end read as transparent black,
 * predictor modes 14 and 15 as mode 0), this decoder makes libwebp's.
 *
 * Nothing allocates. The scratch memory depends on the number of prefix
 * code groups, which only the entropy image knows, so kiln_webp_lossless_
 * header decodes the stream up to that image without storing pixels (the
 * largest group index is among the literal pixels: copies and color cache
 * hits repeat earlier ones) and sizes everything from it.
 *
 *===--------------------------------------------------------------------===*/

#include "kiln_image.h"

#include <string.h>

enum {
  kLiterals = 256,
  kLengthCodes = 24,
  kDistanceCodes = 40,
  kMaxCacheBits = 11,
  kMaxCodeLength = 15,
  kCodeLengthCodes = 19,
  /* The fixed alphabets of a group: red, blue, alpha, distance. */
  kFixedSymbols = 3 * kLiterals + kDistanceCodes,
};

/*--- Bits, least significant first ------------------------------------------*/

typedef struct {
  const uint8_t *d;
  size_t n, pos;
  uint64_t bits;
  int count;
  int eos; /* a bit past the end was read (as zero) */
} Bits;

static uint32_t readBits(Bits *b, int n) {
  while (b->count < n) {
    if (b->pos < b->n)
      b->bits |= (uint64_t)b->d[b->pos++] << b->count;
    else
      b->eos = 1;
    b->count += 8;
  }
  uint32_t v = (uint32_t)(b->bits & ((1ull << n) - 1));
  b->bits >>= n;
  b->count -= n;
  return v;
}

/*--- Canonical prefix codes -------------------------------------------------*/

/* A code: how many symbols each length has, and the symbols ordered by
 * length then value. A code of one symbol takes no bits. */
typedef struct {
  uint16_t count[kMaxCodeLength + 1];
  uint16_t *symbols;
  int single; /* the one symbol, or -1 */
} Code;

/* Builds `c` from the code lengths of `n` symbols; fails unless the lengths
 * make a complete code (or name exactly one symbol). */
static int buildCode(Code *c, const uint8_t *lengths, int n) {
  memset(c->count, 0, sizeof(c->count));
  int used = 0, last = 0;
  for (int s = 0; s < n; ++s)
    if (lengths[s]) {
      ++c->count[lengths[s]];
      ++used;
      last = s;
    }
  if (used == 0)
    return 0;
  c->single = used == 1 ? last : -1;
  if (used == 1)
    return 1;
  int left = 1; /* codes of the current length still unassigned */
  for (int len = 1; len <= kMaxCodeLength; ++len) {
    left = 2 * left - c->count[len];
    if (left < 0)
      return 0; /* over-subscribed */
  }
  if (left != 0)
    return 0; /* incomplete */
  uint16_t offset[kMaxCodeLength + 2];
  offset[1] = 0;
  for (int len = 1; len <= kMaxCodeLength; ++len)
    offset[len + 1] = (uint16_t)(offset[len] + c->count[len]);
  for (int s = 0; s < n; ++s)
    if (lengths[s])
      c->symbols[offset[lengths[s]]++] = (uint16_t)s;
  return 1;
}

static int readSymbol(Bits *b, const Code *c) {
  if (c->single >= 0)
    return c->single;
  int code = 0, first = 0, index = 0;
  for (int len = 1; len <= kMaxCodeLength; ++len) {
    code |= (int)readBits(b, 1);
    int count = c->count[len];
    if (code - first < count)
      return c->symbols[index + code - first];
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return 0; /* unreachable for a complete code */
}

/* Reads the code of an alphabet of `n` symbols into `c` (its symbols array
 * holds `n`); `lengths` is scratch of `n` bytes. */
static int readCode(Bits *b, int n, Code *c, uint8_t *lengths) {
  memset(lengths, 0, (size_t)n);
  if (readBits(b, 1)) { /* simple: one or two symbols of length 1 */
    int two = (int)readBits(b, 1);
    int s = (int)readBits(b, readBits(b, 1) ? 8 : 1);
    if (s >= n)
      return 0;
    lengths[s] = 1;
    if (two) {
      s = (int)readBits(b, 8);
      if (s >= n)
        return 0;
      lengths[s] = 1;
    }
    return !b->eos && buildCode(c, lengths, n);
  }
  static const uint8_t kOrder[kCodeLengthCodes] = {
      17, 18, 0, 1, 2, 3, 4, 5, 16, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
  uint8_t lengthLengths[kCodeLengthCodes] = {0};
  int codes = 4 + (int)readBits(b, 4);
  for (int i = 0; i < codes; ++i)
    lengthLengths[kOrder[i]] = (uint8_t)readBits(b, 3);
  uint16_t lengthSymbols[kCodeLengthCodes];
  Code lengthCode = {.symbols = lengthSymbols};
  if (!buildCode(&lengthCode, lengthLengths, kCodeLengthCodes))
    return 0;
  int maxSymbol = n;
  if (readBits(b, 1)) {
    int bits = 2 + 2 * (int)readBits(b, 3);
    maxSymbol = 2 + (int)readBits(b, bits);
    if (maxSymbol > n)
      return 0;
  }
  int prev = 8;
  for (int s = 0; s < n && maxSymbol-- > 0;) {
    int len = readSymbol(b, &lengthCode);
    if (len < 16) {
      lengths[s++] = (uint8_t)len;
      if (len)
        prev = len;
      continue;
    }
    /* 16: repeat the previous non-zero length 3-6 times; 17, 18: zeros,
     * 3-10 and 11-138 times. */
    static const uint8_t kExtra[3] = {2, 3, 7}, kBase[3] = {3, 3, 11};
    int repeat = kBase[len - 16] + (int)readBits(b, kExtra[len - 16]);
    if (s + repeat > n)
      return 0;
    memset(lengths + s, len == 16 ? prev : 0, (size_t)repeat);
    s += repeat;
    if (b->eos)
      return 0;
  }
  return !b->eos && buildCode(c, lengths, n);
}

/* The five codes of a group: green + length prefixes + cache indexes, red,
 * blue, alpha, distance prefixes. */
typedef struct {
  Code codes[5];
} Group;

static int alphabetSize(int which, int cacheSize) {
  static const int kSizes[5] = {kLiterals + kLengthCodes, kLiterals, kLiterals,
                                kLiterals, kDistanceCodes};
  return kSizes[which] + (which == 0 ? cacheSize : 0);
}

/* Bytes of a group's symbol arrays for a color cache of `cacheSize`. */
static int64_t groupSymbolBytes(int cacheSize) {
  return 2 * (int64_t)(kLiterals + kLengthCodes + cacheSize + kFixedSymbols);
}

static int readGroup(Bits *b, Group *g, uint16_t *symbols, int cacheSize,
                     uint8_t *lengths) {
  for (int i = 0; i < 5; ++i) {
    int n = alphabetSize(i, cacheSize);
    g->codes[i].symbols = symbols;
    symbols += n;
    if (!readCode(b, n, &g->codes[i], lengths))
      return 0;
  }
  return 1;
}

/*--- Entropy-coded images ---------------------------------------------------*/

/* Where the decode puts what it needs. A dry run (`store` 0) only consumes
 * the bits and tracks the largest group index among literal pixels. */
typedef struct {
  Bits bits;
  int store;
  uint32_t maxGroup;
  uint8_t *lengths;  /* code lengths: the largest alphabet */
  uint32_t *cache;   /* the color cache: 1 << kMaxCacheBits */
  Group *oneGroup;   /* the group of a sub-image */
  uint16_t *oneSyms; /* its symbols, for the largest cache */
} Decoder;

static int prefixValue(Bits *b, int prefix) {
  if (prefix < 4)
    return prefix + 1;
  int extra = (prefix - 2) >> 1;
  return ((2 + (prefix & 1)) << extra) + (int)readBits(b, extra) + 1;
}

/* Distance codes 1-120 name nearby pixels as (dx, dy) pairs, nearest
 * first: the high nibble is dy, the low one 8 - dx. */
static const uint8_t kCodeToPlane[120] = {
    0x18, 0x07, 0x17, 0x19, 0x28, 0x06, 0x27, 0x29, 0x16, 0x1a, 0x26, 0x2a,
    0x38, 0x05, 0x37, 0x39, 0x15, 0x1b, 0x36, 0x3a, 0x25, 0x2b, 0x48, 0x04,
    0x47, 0x49, 0x14, 0x1c, 0x35, 0x3b, 0x46, 0x4a, 0x24, 0x2c, 0x58, 0x45,
    0x4b, 0x34, 0x3c, 0x03, 0x57, 0x59, 0x13, 0x1d, 0x56, 0x5a, 0x23, 0x2d,
    0x44, 0x4c, 0x55, 0x5b, 0x33, 0x3d, 0x68, 0x02, 0x67, 0x69, 0x12, 0x1e,
    0x66, 0x6a, 0x22, 0x2e, 0x54, 0x5c, 0x43, 0x4d, 0x65, 0x6b, 0x32, 0x3e,
    0x78, 0x01, 0x77, 0x79, 0x53, 0x5d, 0x11, 0x1f, 0x64, 0x6c, 0x42, 0x4e,
    0x76, 0x7a, 0x21, 0x2f, 0x75, 0x7b, 0x31, 0x3f, 0x63, 0x6d, 0x52, 0x5e,
    0x00, 0x74, 0x7c, 0x41, 0x4f, 0x10, 0x20, 0x62, 0x6e, 0x30, 0x73, 0x7d,
    0x51, 0x5f, 0x40, 0x72, 0x7e, 0x61, 0x6f, 0x50, 0x71, 0x7f, 0x60, 0x70};

static int64_t planeDistance(int width, int code) {
  if (code > 120)
    return code - 120;
  int v = kCodeToPlane[code - 1];
  int64_t d = (int64_t)(v >> 4) * width + (8 - (v & 0xf));
  return d >= 1 ? d : 1;
}

/* The group coding pixel (x, y): from the entropy image when there is one. */
typedef struct {
  const Group *groups;
  const uint32_t *image; /* group index per block, or NULL */
  int bits, width;       /* block size (log2) and blocks per row */
} Groups;

static const Group *groupAt(const Groups *g, int x, int y) {
  if (!g->image)
    return g->groups;
  return g->groups + g->image[(y >> g->bits) * g->width + (x >> g->bits)];
}

/* The pixels of a `width` x `height` image into `out` (unless dry). */
static int decodePixels(Decoder *dec, int width, int height, int cacheBits,
                        const Groups *groups, uint32_t *out) {
  Bits *b = &dec->bits;
  int64_t total = (int64_t)width * height, at = 0;
  int cacheShift = 32 - cacheBits;
  int x = 0, y = 0;
  /* Each image starts with an empty cache (zeros, as libwebp has it). */
  if (dec->store && cacheBits)
    memset(dec->cache, 0, sizeof(uint32_t) << cacheBits);
  while (at < total) {
    const Group *g = groupAt(groups, x, y);
    int code = readSymbol(b, &g->codes[0]);
    int64_t run = 1;
    if (code < kLiterals) {
      uint32_t red = (uint32_t)readSymbol(b, &g->codes[1]);
      uint32_t blue = (uint32_t)readSymbol(b, &g->codes[2]);
      uint32_t alpha = (uint32_t)readSymbol(b, &g->codes[3]);
      uint32_t argb =
          (alpha << 24) | (red << 16) | ((uint32_t)code << 8) | blue;
      if (!dec->store) {
        uint32_t group = (argb >> 8) & 0xffff;
        if (group > dec->maxGroup)
          dec->maxGroup = group;
      } else {
        out[at] = argb;
      }
    } else if (code < kLiterals + kLengthCodes) {
      run = prefixValue(b, code - kLiterals);
      int distCode = prefixValue(b, readSymbol(b, &g->codes[4]));
      int64_t dist = planeDistance(width, distCode);
      if (dist > at || run > total - at)
        return 0;
      if (dec->store)
        for (int64_t i = 0; i < run; ++i)
          out[at + i] = out[at + i - dist];
    } else {
      int key = code - kLiterals - kLengthCodes;
      if (!cacheBits)
        return 0;
      if (dec->store)
        out[at] = dec->cache[key];
    }
    if (dec->store && cacheBits)
      for (int64_t i = 0; i < run; ++i)
        dec->cache[(out[at + i] * 0x1e35a7bdu) >> cacheShift] = out[at + i];
    at += run;
    x += (int)(run % width);
    y += (int)(run / width);
    if (x >= width) {
      x -= width;
      ++y;
    }
    if (b->eos)
      return 0;
  }
  return 1;
}

static int readCacheBits(Bits *b, int *cacheBits) {
  *cacheBits = 0;
  if (readBits(b, 1)) {
    *cacheBits = (int)readBits(b, 4);
    if (*cacheBits < 1 || *cacheBits > kMaxCacheBits)
      return 0;
  }
  return 1;
}

/* A sub-image (transform data, palette, entropy image): a color cache, one
 * group, no transforms. */
static int decodeSubImage(Decoder *dec, int width, int height, uint32_t *out) {
  int cacheBits;
  if (!readCacheBits(&dec->bits, &cacheBits) ||
      !readGroup(&dec->bits, dec->oneGroup, dec->oneSyms,
                 cacheBits ? 1 << cacheBits : 0, dec->lengths))
    return 0;
  Groups groups = {dec->oneGroup, NULL, 0, 0};
  return decodePixels(dec, width, height, cacheBits, &groups, out);
}

/*--- Transforms -------------------------------------------------------------*/

enum { PREDICTOR = 0, CROSS_COLOR = 1, SUBTRACT_GREEN = 2, COLOR_INDEXING = 3 };

typedef struct {
  int type, bits, width; /* width: of the image the transform outputs */
  uint32_t *data;        /* sub-image, or the palette (256 entries) */
} Transform;

static int subSample(int size, int bits) {
  return (size + (1 << bits) - 1) >> bits;
}

/* Per channel: sums mod 256, floor averages. */
static uint32_t addPixels(uint32_t a, uint32_t b) {
  return (((a & 0xff00ff00u) + (b & 0xff00ff00u)) & 0xff00ff00u) |
         (((a & 0x00ff00ffu) + (b & 0x00ff00ffu)) & 0x00ff00ffu);
}
static uint32_t average2(uint32_t a, uint32_t b) {
  return (((a ^ b) & 0xfefefefeu) >> 1) + (a & b);
}
static int channel(uint32_t p, int shift) { return (int)((p >> shift) & 0xff); }
static int clip255(int v) { return v < 0 ? 0 : v > 255 ? 255 : v; }

static uint32_t select(uint32_t t, uint32_t l, uint32_t tl) {
  int score = 0; /* distance to L minus distance to T of the gradient */
  for (int s = 0; s < 32; s += 8) {
    int dl = channel(l, s) - channel(tl, s),
        dt = channel(t, s) - channel(tl, s);
    score += (dl < 0 ? -dl : dl) - (dt < 0 ? -dt : dt);
  }
  return score <= 0 ? t : l;
}

static uint32_t clampedAddSubtract(uint32_t a, uint32_t b, uint32_t c,
                                   int half) {
  uint32_t out = 0;
  for (int s = 0; s < 32; s += 8) {
    int v = half ? channel(a, s) + (channel(a, s) - channel(c, s)) / 2
                 : channel(a, s) + channel(b, s) - channel(c, s);
    out |= (uint32_t)clip255(v) << s;
  }
  return out;
}

static uint32_t predict(int mode, uint32_t l, const uint32_t *top) {
  uint32_t t = top[0], tl = top[-1], tr = top[1];
  switch (mode) {
  case 1:
    return l;
  case 2:
    return t;
  case 3:
    return tr;
  case 4:
    return tl;
  case 5:
    return average2(average2(l, tr), t);
  case 6:
    return average2(l, tl);
  case 7:
    return average2(l, t);
  case 8:
    return average2(tl, t);
  case 9:
    return average2(t, tr);
  case 10:
    return average2(average2(l, tl), average2(t, tr));
  case 11:
    return select(t, l, tl);
  case 12:
    return clampedAddSubtract(l, t, tl, 0);
  case 13:
    return clampedAddSubtract(average2(l, t), 0, tl, 1);
  default:
    return 0xff000000u; /* 0, and 14, 15 as libwebp reads them */
  }
}

/* Undoes the predictor transform in place, row by row: the first row
 * predicts from the left, the first column from above. The top-right
 * neighbour of a row's last pixel is the row's own first pixel. */
static void undoPredictor(const Transform *t, uint32_t *px, int height) {
  int w = t->width, blocks = subSample(w, t->bits);
  px[0] = addPixels(px[0], 0xff000000u);
  for (int x = 1; x < w; ++x)
    px[x] = addPixels(px[x], px[x - 1]);
  for (int y = 1; y < height; ++y) {
    uint32_t *row = px + (size_t)y * w;
    const uint32_t *modes = t->data + (size_t)(y >> t->bits) * blocks;
    row[0] = addPixels(row[0], row[-w]);
    for (int x = 1; x < w; ++x) {
      int mode = (int)((modes[x >> t->bits] >> 8) & 0xf);
      row[x] = addPixels(row[x], predict(mode, row[x - 1], row + x - w));
    }
  }
}

static int colorDelta(int8_t t, int8_t c) { return ((int)t * c) >> 5; }

static void undoCrossColor(const Transform *t, uint32_t *px, int height) {
  int w = t->width, blocks = subSample(w, t->bits);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < w; ++x) {
      uint32_t m = t->data[(size_t)(y >> t->bits) * blocks + (x >> t->bits)];
      uint32_t *p = px + (size_t)y * w + x;
      int8_t green = (int8_t)(*p >> 8);
      int red = (int)((*p >> 16) & 0xff), blue = (int)(*p & 0xff);
      red = (red + colorDelta((int8_t)m, green)) & 0xff;
      blue += colorDelta((int8_t)(m >> 8), green);
      blue = (blue + colorDelta((int8_t)(m >> 16), (int8_t)red)) & 0xff;
      *p = (*p & 0xff00ff00u) | ((uint32_t)red << 16) | (uint32_t)blue;
    }
}

static void undoSubtractGreen(uint32_t *px, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    uint32_t g = (px[i] >> 8) & 0xff;
    px[i] = (px[i] & 0xff00ff00u) |
            (((px[i] & 0x00ff00ffu) + (g << 16 | g)) & 0x00ff00ffu);
  }
}

/* Replaces palette indexes (packed 2, 4 or 8 to a pixel when the palette is
 * small) by colors, widening the image from `packedWidth`; last row first
 * and right to left, so the wider rows never overwrite unread packed ones. */
static void undoColorIndexing(const Transform *t, uint32_t *px, int height,
                              int packedWidth) {
  int w = t->width, perPixel = 8 >> t->bits, mask = (1 << perPixel) - 1;
  for (int y = height - 1; y >= 0; --y) {
    const uint32_t *src = px + (size_t)y * packedWidth;
    uint32_t *dst = px + (size_t)y * w;
    for (int x = w - 1; x >= 0; --x) {
      uint32_t packed = (src[x >> t->bits] >> 8) & 0xff;
      int index =
          (int)(packed >> ((x & ((1 << t->bits) - 1)) * perPixel)) & mask;
      dst[x] = t->data[index];
    }
  }
}

/*--- The image --------------------------------------------------------------*/

typedef struct {
  int width, height;
  Transform transforms[4];
  int numTransforms, codedWidth; /* the width the pixels are coded at */
  int cacheBits, metaBits, metaWidth, numGroups;
  uint32_t *meta; /* the entropy image */
} Vp8l;

static int readHeader(Bits *b, const uint8_t *d, size_t n, Vp8l *img) {
  memset(img, 0, sizeof(*img));
  memset(b, 0, sizeof(*b));
  b->d = d;
  b->n = n;
  if (n < 5 || readBits(b, 8) != 0x2f)
    return KILN_IMAGE_CORRUPT;
  img->width = (int)readBits(b, 14) + 1;
  img->height = (int)readBits(b, 14) + 1;
  readBits(b, 1); /* alpha is used: dropped for RGB */
  if (readBits(b, 3) != 0)
    return KILN_IMAGE_UNSUPPORTED; /* a later version */
  return 0;
}

/* Reads the transforms, the color cache size and the entropy image. With
 * `dec->store` 0 nothing is kept but the number of groups; otherwise the
 * sub-images go to `mem`, advanced past them. */
static int readStructure(Decoder *dec, Vp8l *img, uint32_t **mem) {
  Bits *b = &dec->bits;
  int width = img->width, seen = 0;
  while (readBits(b, 1)) {
    Transform *t = &img->transforms[img->numTransforms];
    t->type = (int)readBits(b, 2);
    if (seen & (1 << t->type))
      return 0; /* each transform at most once */
    seen |= 1 << t->type;
    t->width = width;
    ++img->numTransforms;
    if (t->type == PREDICTOR || t->type == CROSS_COLOR) {
      t->bits = 2 + (int)readBits(b, 3);
      int w = subSample(width, t->bits), h = subSample(img->height, t->bits);
      t->data = *mem;
      if (!decodeSubImage(dec, w, h, t->data))
        return 0;
      if (dec->store)
        *mem += (size_t)w * h;
    } else if (t->type == COLOR_INDEXING) {
      int colors = (int)readBits(b, 8) + 1;
      t->bits = colors > 16 ? 0 : colors > 4 ? 1 : colors > 2 ? 2 : 3;
      t->data = *mem;
      if (!decodeSubImage(dec, colors, 1, t->data))
        return 0;
      if (dec->store) {
        /* Entries are coded as differences from the previous one; indexes
         * past the palette read transparent black. */
        for (int i = 1; i < colors; ++i)
          t->data[i] = addPixels(t->data[i], t->data[i - 1]);
        memset(t->data + colors, 0, sizeof(uint32_t) * (256 - colors));
        *mem += 256;
      }
      width = subSample(width, t->bits);
    }
  }
  img->codedWidth = width;
  if (!readCacheBits(b, &img->cacheBits))
    return 0;
  img->numGroups = 1;
  if (readBits(b, 1)) {
    img->metaBits = 2 + (int)readBits(b, 3);
    img->metaWidth = subSample(width, img->metaBits);
    int h = subSample(img->height, img->metaBits);
    img->meta = *mem;
    dec->maxGroup = 0;
    int store = dec->store;
    if (!decodeSubImage(dec, img->metaWidth, h, img->meta))
      return 0;
    if (store) {
      size_t count = (size_t)img->metaWidth * h;
      uint32_t max = 0;
      for (size_t i = 0; i < count; ++i) {
        img->meta[i] = (img->meta[i] >> 8) & 0xffff;
        if (img->meta[i] > max)
          max = img->meta[i];
      }
      img->numGroups = (int)max + 1;
      *mem += count;
    } else {
      img->numGroups = (int)dec->maxGroup + 1;
    }
  }
  return !b->eos;
}

/* Scratch layout: lengths, cache, the sub-image group and its symbols, the
 * main image's groups and their symbols, then 32-bit pixels: transform
 * sub-images and palette, entropy image, the image. */
static int64_t subImagePixels(const Vp8l *img) {
  int64_t w = img->width, h = img->height;
  int64_t blocks = ((w + 3) / 4) * ((h + 3) / 4);
  return 2 * blocks + 256 + blocks; /* predictor, cross color, palette, meta */
}

static int64_t fixedBytes(void) {
  return 4096 + 4 * (1 << kMaxCacheBits) + (int64_t)sizeof(Group) +
         groupSymbolBytes(1 << kMaxCacheBits) + 16;
}

static void layout(Decoder *dec, uint8_t *scratch) {
  dec->lengths = scratch;
  dec->cache = (uint32_t *)(scratch + 4096);
  dec->oneGroup = (Group *)(dec->cache + (1 << kMaxCacheBits));
  dec->oneSyms = (uint16_t *)(dec->oneGroup + 1);
}

/* A decoder at the start of the image's structure, past its header. */
static int start(Decoder *dec, Vp8l *img, const uint8_t *data, size_t size) {
  memset(dec, 0, sizeof(*dec));
  return readHeader(&dec->bits, data, size, img);
}

int kiln_webp_lossless_header(const uint8_t *data, size_t size,
                              KilnImageHeader *h, int64_t *scratch) {
  Vp8l img;
  Decoder dec;
  int err = start(&dec, &img, data, size);
  if (err)
    return err;
  /* A dry run of the structure, with its own small tables on the stack. */
  uint8_t lengths[4096];
  Group group;
  uint16_t
      syms[kLiterals + kLengthCodes + (1 << kMaxCacheBits) + kFixedSymbols];
  dec.lengths = lengths;
  dec.oneGroup = &group;
  dec.oneSyms = syms;
  uint32_t *none = NULL;
  if (!readStructure(&dec, &img, &none))
    return KILN_IMAGE_CORRUPT;
  h->width = img.width;
  h->height = img.height;
  h->channels = 3;
  int cache = img.cacheBits ? 1 << img.cacheBits : 0;
  *scratch = fixedBytes() +
             (int64_t)img.numGroups *
                 ((int64_t)sizeof(Group) + groupSymbolBytes(cache) + 8) +
             4 * (subImagePixels(&img) + (int64_t)img.width * img.height);
  return 0;
}

int kiln_webp_lossless_decode(const uint8_t *data, size_t size, uint8_t *pixels,
                              uint8_t *scratch) {
  Vp8l img;
  Decoder dec;
  int err = start(&dec, &img, data, size);
  if (err)
    return err;
  layout(&dec, scratch);
  dec.store = 1;
  /* The pixel areas have sizes the header knows; the groups follow, as
   * many as the header's dry run counted (kiln_webp_lossless_header sized
   * the scratch for them). */
  uint32_t *mem = (uint32_t *)(scratch + fixedBytes());
  uint32_t *argb = mem + subImagePixels(&img);
  Group *groups =
      (Group *)(((uintptr_t)(argb + (size_t)img.width * img.height) + 7) &
                ~(uintptr_t)7);
  if (!readStructure(&dec, &img, &mem))
    return KILN_IMAGE_CORRUPT;
  int cache = img.cacheBits ? 1 << img.cacheBits : 0;
  uint16_t *syms = (uint16_t *)(groups + img.numGroups);
  for (int i = 0; i < img.numGroups; ++i)
    if (!readGroup(&dec.bits, &groups[i],
                   syms + (size_t)i * (groupSymbolBytes(cache) / 2), cache,
                   dec.lengths))
      return KILN_IMAGE_CORRUPT;
  Groups select = {groups, img.meta, img.metaBits, img.metaWidth};
  if (!decodePixels(&dec, img.codedWidth, img.height, img.cacheBits, &select,
                    argb))
    return KILN_IMAGE_CORRUPT;
  int width = img.codedWidth;
  for (int i = img.numTransforms - 1; i >= 0; --i) {
    const Transform *t = &img.transforms[i];
    switch (t->type) {
    case PREDICTOR:
      undoPredictor(t, argb, img.height);
      break;
    case CROSS_COLOR:
      undoCrossColor(t, argb, img.height);
      break;
    case SUBTRACT_GREEN:
      undoSubtractGreen(argb, (int64_t)t->width * img.height);
      break;
    default:
      undoColorIndexing(t, argb, img.height, width);
      break;
    }
    width = t->width;
  }
  int64_t count = (int64_t)img.width * img.height;
  for (int64_t i = 0; i < count; ++i) {
    pixels[3 * i] = (uint8_t)(argb[i] >> 16);
    pixels[3 * i + 1] = (uint8_t)(argb[i] >> 8);
    pixels[3 * i + 2] = (uint8_t)argb[i];
  }
  return 0;
}
