/*===- kiln_image_jpeg.c - Baseline JPEG for ImageDecoder ----------------===*
 *
 * Sequential Huffman-coded 8-bit JPEG (SOF0, SOF1): one scan of one
 * (grayscale) or three (YCbCr) components, any integral sampling factors,
 * restart intervals. Progressive, lossless, arithmetic-coded, 12-bit and
 * CMYK images are KILN_IMAGE_UNSUPPORTED.
 *
 * The arithmetic is libjpeg's (and libjpeg-turbo's, bit for bit), the
 * decoder behind ONNX's Pillow-made reference outputs: the accurate
 * integer IDCT (jidctint.c's jpeg_idct_islow, with its range-limit table),
 * "fancy" triangle-filter upsampling of the chroma planes (jdsample.c,
 * edge rows repeated) and the fixed-point YCbCr -> RGB tables of jdcolor.c.
 *
 *===--------------------------------------------------------------------===*/

#include "kiln_image.h"

#include <string.h>

enum { kMaxComponents = 3 };

static const uint8_t kNaturalOrder[64] = {
    0,  1,  8,  16, 9,  2,  3,  10, 17, 24, 32, 25, 18, 11, 4,  5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6,  7,  14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63};

/* A Huffman table as canonical code ranges per length. */
typedef struct {
  int present;
  uint8_t values[256];
  int32_t maxCode[18]; /* largest code of each length, -1 when none */
  int32_t valPtr[17];  /* index in values of the first code of a length */
  int32_t minCode[17];
} Huffman;

typedef struct {
  int id, h, v, tq, td, ta;
  int64_t downWidth, downHeight;   /* samples of the image in this plane */
  int64_t planeWidth, planeHeight; /* padded to whole MCUs */
  uint8_t *plane;
  int dcPred;
} Component;

typedef struct {
  const uint8_t *data, *end;
  uint16_t quant[4][64]; /* natural order */
  int quantSet[4];
  Huffman dc[4], ac[4];
  Component comp[kMaxComponents];
  int ncomp;
  int64_t width, height;
  int hmax, vmax;
  int64_t mcusX, mcusY;
  int64_t restartInterval;
  /* The scan. */
  int scanComps[kMaxComponents], scanCount;
  const uint8_t *entropy;
} Jpeg;

static int read16(const uint8_t *p) { return (p[0] << 8) | p[1]; }

static int buildHuffman(Huffman *t, const uint8_t *counts,
                        const uint8_t *values, int total) {
  memcpy(t->values, values, (size_t)total);
  int32_t code = 0, k = 0;
  for (int len = 1; len <= 16; ++len) {
    t->valPtr[len] = k;
    t->minCode[len] = code;
    code += counts[len - 1];
    k += counts[len - 1];
    t->maxCode[len] = counts[len - 1] ? code - 1 : -1;
    if (code > (1 << len))
      return KILN_IMAGE_CORRUPT;
    code <<= 1;
  }
  t->maxCode[17] = 0x7FFFFFFF;
  t->present = 1;
  return 0;
}

/* Reads the markers up to the first scan. */
static int parseHeaders(Jpeg *j) {
  const uint8_t *p = j->data, *end = j->end;
  if (end - p < 2 || p[0] != 0xFF || p[1] != 0xD8)
    return KILN_IMAGE_UNKNOWN;
  p += 2;
  int sawFrame = 0;
  for (;;) {
    while (p < end && *p != 0xFF)
      ++p; /* tolerate junk between markers, as libjpeg does */
    while (p < end && *p == 0xFF)
      ++p;
    if (p >= end)
      return KILN_IMAGE_CORRUPT;
    int marker = *p++;
    if (marker == 0xD8 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0x01)
      continue;
    if (marker == 0xD9)
      return KILN_IMAGE_CORRUPT; /* EOI before any scan */
    if (end - p < 2)
      return KILN_IMAGE_CORRUPT;
    int len = read16(p);
    if (len < 2 || end - p < len)
      return KILN_IMAGE_CORRUPT;
    const uint8_t *seg = p + 2, *segEnd = p + len;
    p = segEnd;
    switch (marker) {
    case 0xC0:
    case 0xC1: {
      if (segEnd - seg < 6 || seg[0] != 8)
        return seg < segEnd && seg[0] != 8 ? KILN_IMAGE_UNSUPPORTED
                                           : KILN_IMAGE_CORRUPT;
      j->height = read16(seg + 1);
      j->width = read16(seg + 3);
      j->ncomp = seg[5];
      if (j->ncomp != 1 && j->ncomp != 3)
        return KILN_IMAGE_UNSUPPORTED;
      if (j->width == 0 || j->height == 0)
        return j->height == 0 ? KILN_IMAGE_UNSUPPORTED : KILN_IMAGE_CORRUPT;
      if (segEnd - seg < 6 + 3 * j->ncomp)
        return KILN_IMAGE_CORRUPT;
      j->hmax = j->vmax = 1;
      for (int c = 0; c < j->ncomp; ++c) {
        Component *k = &j->comp[c];
        k->id = seg[6 + 3 * c];
        k->h = seg[7 + 3 * c] >> 4;
        k->v = seg[7 + 3 * c] & 15;
        k->tq = seg[8 + 3 * c];
        if (k->h < 1 || k->h > 4 || k->v < 1 || k->v > 4 || k->tq > 3)
          return KILN_IMAGE_CORRUPT;
        if (k->h > j->hmax)
          j->hmax = k->h;
        if (k->v > j->vmax)
          j->vmax = k->v;
      }
      for (int c = 0; c < j->ncomp; ++c) {
        Component *k = &j->comp[c];
        if (j->hmax % k->h || j->vmax % k->v)
          return KILN_IMAGE_UNSUPPORTED; /* non-integral upsampling */
      }
      j->mcusX = (j->width + 8 * j->hmax - 1) / (8 * j->hmax);
      j->mcusY = (j->height + 8 * j->vmax - 1) / (8 * j->vmax);
      for (int c = 0; c < j->ncomp; ++c) {
        Component *k = &j->comp[c];
        k->downWidth = (j->width * k->h + j->hmax - 1) / j->hmax;
        k->downHeight = (j->height * k->v + j->vmax - 1) / j->vmax;
        k->planeWidth = j->mcusX * k->h * 8;
        k->planeHeight = j->mcusY * k->v * 8;
      }
      sawFrame = 1;
      break;
    }
    case 0xC2:
    case 0xC3:
    case 0xC5:
    case 0xC6:
    case 0xC7:
    case 0xC9:
    case 0xCA:
    case 0xCB:
    case 0xCD:
    case 0xCE:
    case 0xCF:
      return KILN_IMAGE_UNSUPPORTED; /* progressive, lossless, arithmetic */
    case 0xC4:
      while (seg < segEnd) {
        if (segEnd - seg < 17)
          return KILN_IMAGE_CORRUPT;
        int cls = seg[0] >> 4, id = seg[0] & 15, total = 0;
        if (cls > 1 || id > 3)
          return KILN_IMAGE_CORRUPT;
        for (int i = 0; i < 16; ++i)
          total += seg[1 + i];
        if (total > 256 || segEnd - seg < 17 + total)
          return KILN_IMAGE_CORRUPT;
        int err = buildHuffman(cls ? &j->ac[id] : &j->dc[id], seg + 1, seg + 17,
                               total);
        if (err)
          return err;
        seg += 17 + total;
      }
      break;
    case 0xDB:
      while (seg < segEnd) {
        int precision = seg[0] >> 4, id = seg[0] & 15;
        int bytes = precision ? 128 : 64;
        if (id > 3 || precision > 1 || segEnd - seg < 1 + bytes)
          return KILN_IMAGE_CORRUPT;
        for (int i = 0; i < 64; ++i)
          j->quant[id][kNaturalOrder[i]] =
              precision ? (uint16_t)read16(seg + 1 + 2 * i) : seg[1 + i];
        j->quantSet[id] = 1;
        seg += 1 + bytes;
      }
      break;
    case 0xDD:
      if (segEnd - seg < 2)
        return KILN_IMAGE_CORRUPT;
      j->restartInterval = read16(seg);
      break;
    case 0xDA: {
      if (!sawFrame || segEnd - seg < 1)
        return KILN_IMAGE_CORRUPT;
      int n = seg[0];
      if (n != j->ncomp)
        return KILN_IMAGE_UNSUPPORTED; /* one scan per component */
      if (segEnd - seg < 1 + 2 * n + 3)
        return KILN_IMAGE_CORRUPT;
      for (int i = 0; i < n; ++i) {
        int id = seg[1 + 2 * i], c;
        for (c = 0; c < j->ncomp && j->comp[c].id != id; ++c)
          ;
        if (c == j->ncomp)
          return KILN_IMAGE_CORRUPT;
        j->comp[c].td = seg[2 + 2 * i] >> 4;
        j->comp[c].ta = seg[2 + 2 * i] & 15;
        if (j->comp[c].td > 3 || j->comp[c].ta > 3)
          return KILN_IMAGE_CORRUPT;
        j->scanComps[i] = c;
      }
      j->scanCount = n;
      j->entropy = segEnd;
      return 0;
    }
    default:
      break; /* APPn, COM and the rest: skipped */
    }
  }
}

/*--- Entropy decoding -----------------------------------------------------*/

typedef struct {
  const uint8_t *p, *end;
  uint32_t buffer;
  int bits;
  int atMarker; /* a marker stops the data: zeros are read after it */
} Bits;

static void fill(Bits *b) {
  while (b->bits <= 24) {
    uint32_t byte = 0;
    if (!b->atMarker && b->p < b->end) {
      if (b->p[0] == 0xFF) {
        if (b->p + 1 < b->end && b->p[1] == 0x00) {
          byte = 0xFF;
          b->p += 2;
        } else {
          b->atMarker = 1;
        }
      } else {
        byte = *b->p++;
      }
    }
    b->buffer |= byte << (24 - b->bits);
    b->bits += 8;
  }
}

static int getBits(Bits *b, int n) {
  if (n == 0)
    return 0;
  fill(b);
  int v = (int)(b->buffer >> (32 - n));
  b->buffer <<= n;
  b->bits -= n;
  return v;
}

static int decodeHuffman(Bits *b, const Huffman *t) {
  fill(b);
  int32_t code = 0;
  for (int len = 1; len <= 16; ++len) {
    code = (code << 1) | (int32_t)(b->buffer >> 31);
    b->buffer <<= 1;
    b->bits -= 1;
    if (t->maxCode[len] >= code && code >= t->minCode[len] &&
        t->maxCode[len] >= 0)
      return t->values[t->valPtr[len] + code - t->minCode[len]];
  }
  return -1;
}

/* The value of an `s`-bit magnitude category (JPEG's EXTEND). */
static int extend(int v, int s) {
  return v < (1 << (s - 1)) ? v - (1 << s) + 1 : v;
}

/*--- The accurate integer IDCT (libjpeg's jpeg_idct_islow) ---------------*/

/* libjpeg computes in JLONG (64-bit here) and keeps its workspace in int;
 * so does this, which keeps damaged data from overflowing. */

#define CONST_BITS 13
#define PASS1_BITS 2
#define FIX_0_298631336 ((int32_t)2446)
#define FIX_0_390180644 ((int32_t)3196)
#define FIX_0_541196100 ((int32_t)4433)
#define FIX_0_765366865 ((int32_t)6270)
#define FIX_0_899976223 ((int32_t)7373)
#define FIX_1_175875602 ((int32_t)9633)
#define FIX_1_501321110 ((int32_t)12299)
#define FIX_1_847759065 ((int32_t)15137)
#define FIX_1_961570560 ((int32_t)16069)
#define FIX_2_053119869 ((int32_t)16819)
#define FIX_2_562915447 ((int32_t)20995)
#define FIX_3_072711026 ((int32_t)25172)
#define DESCALE(x, n) (((x) + ((int64_t)1 << ((n)-1))) >> (n))

/* libjpeg's idct range limit: the sample of an IDCT output x, through its
 * table indexed by x & 1023 (so out-of-range values wrap as libjpeg's
 * do, not only clamp). */
static uint8_t rangeLimit(int64_t x) {
  int32_t i = (int32_t)(x & 1023);
  if (i < 128)
    return (uint8_t)(i + 128);
  if (i < 512)
    return 255;
  if (i < 896)
    return 0;
  return (uint8_t)(i - 896);
}

/* libjpeg's accurate integer 1-D IDCT of x[0..7] (x[k] the k-th
 * frequency), the eight results before their descale: both passes of
 * idctIslow run it, on a column and then on a row. */
static void idct8(const int64_t *x, int64_t *y) {
  int64_t z1, z2, z3, z4, z5, tmp0, tmp1, tmp2, tmp3, tmp10, tmp11, tmp12,
      tmp13;
  z2 = x[2];
  z3 = x[6];
  z1 = (z2 + z3) * FIX_0_541196100;
  tmp2 = z1 + z3 * (-FIX_1_847759065);
  tmp3 = z1 + z2 * FIX_0_765366865;
  tmp0 = (x[0] + x[4]) * (1 << CONST_BITS);
  tmp1 = (x[0] - x[4]) * (1 << CONST_BITS);
  tmp10 = tmp0 + tmp3;
  tmp13 = tmp0 - tmp3;
  tmp11 = tmp1 + tmp2;
  tmp12 = tmp1 - tmp2;
  tmp0 = x[7];
  tmp1 = x[5];
  tmp2 = x[3];
  tmp3 = x[1];
  z1 = tmp0 + tmp3;
  z2 = tmp1 + tmp2;
  z3 = tmp0 + tmp2;
  z4 = tmp1 + tmp3;
  z5 = (z3 + z4) * FIX_1_175875602;
  tmp0 = tmp0 * FIX_0_298631336;
  tmp1 = tmp1 * FIX_2_053119869;
  tmp2 = tmp2 * FIX_3_072711026;
  tmp3 = tmp3 * FIX_1_501321110;
  z1 = z1 * (-FIX_0_899976223);
  z2 = z2 * (-FIX_2_562915447);
  z3 = z3 * (-FIX_1_961570560);
  z4 = z4 * (-FIX_0_390180644);
  z3 += z5;
  z4 += z5;
  tmp0 += z1 + z3;
  tmp1 += z2 + z4;
  tmp2 += z2 + z3;
  tmp3 += z1 + z4;
  y[0] = tmp10 + tmp3;
  y[7] = tmp10 - tmp3;
  y[1] = tmp11 + tmp2;
  y[6] = tmp11 - tmp2;
  y[2] = tmp12 + tmp1;
  y[5] = tmp12 - tmp1;
  y[3] = tmp13 + tmp0;
  y[4] = tmp13 - tmp0;
}

/* The 8x8 samples of dequantized coefficients `in` (natural order) at
 * `out` (rows `stride` apart). */
static void idctIslow(const int32_t *in, uint8_t *out, int64_t stride) {
  int32_t ws[64];
  int64_t x[8], y[8];
  for (int col = 0; col < 8; ++col) {
    const int32_t *c = in + col;
    if (!c[8] && !c[16] && !c[24] && !c[32] && !c[40] && !c[48] && !c[56]) {
      int32_t dc = (int32_t)((int64_t)c[0] * (1 << PASS1_BITS));
      for (int r = 0; r < 8; ++r)
        ws[r * 8 + col] = dc;
      continue;
    }
    for (int k = 0; k < 8; ++k)
      x[k] = c[k * 8];
    idct8(x, y);
    for (int k = 0; k < 8; ++k)
      ws[k * 8 + col] = (int32_t)DESCALE(y[k], CONST_BITS - PASS1_BITS);
  }
  for (int row = 0; row < 8; ++row) {
    const int32_t *w = ws + row * 8;
    uint8_t *o = out + row * stride;
    if (!w[1] && !w[2] && !w[3] && !w[4] && !w[5] && !w[6] && !w[7]) {
      uint8_t v = rangeLimit(DESCALE(w[0], PASS1_BITS + 3));
      memset(o, v, 8);
      continue;
    }
    for (int k = 0; k < 8; ++k)
      x[k] = w[k];
    idct8(x, y);
    for (int k = 0; k < 8; ++k)
      o[k] = rangeLimit(DESCALE(y[k], CONST_BITS + PASS1_BITS + 3));
  }
}

/* Decodes one block of component `k` into its plane at block (bx, by). */
static int decodeBlock(Jpeg *j, Bits *b, Component *k, int64_t bx, int64_t by) {
  const Huffman *dc = &j->dc[k->td], *ac = &j->ac[k->ta];
  if (!dc->present || !ac->present || !j->quantSet[k->tq])
    return KILN_IMAGE_CORRUPT;
  const uint16_t *q = j->quant[k->tq];
  int32_t coef[64] = {0};
  int s = decodeHuffman(b, dc);
  if (s < 0 || s > 16)
    return KILN_IMAGE_CORRUPT;
  int diff = s ? extend(getBits(b, s), s) : 0;
  /* libjpeg keeps coefficients in 16 bits (JCOEF); damaged streams wrap
   * the same way here instead of overflowing. */
  k->dcPred = (int32_t)((uint32_t)k->dcPred + (uint32_t)diff);
  coef[0] = (int16_t)k->dcPred * q[0];
  for (int i = 1; i < 64;) {
    int rs = decodeHuffman(b, ac);
    if (rs < 0)
      return KILN_IMAGE_CORRUPT;
    int r = rs >> 4, size = rs & 15;
    if (size == 0) {
      if (r != 15)
        break;
      i += 16;
      continue;
    }
    i += r;
    if (i > 63)
      return KILN_IMAGE_CORRUPT;
    int z = kNaturalOrder[i];
    coef[z] = (int16_t)extend(getBits(b, size), size) * q[z];
    ++i;
  }
  idctIslow(coef, k->plane + by * 8 * k->planeWidth + bx * 8, k->planeWidth);
  return 0;
}

/* Steps past the RSTn marker of a restart interval and resets the
 * predictions (libjpeg resynchronizes the same way on a clean stream). */
static int restart(Jpeg *j, Bits *b) {
  const uint8_t *p = b->p;
  while (p + 1 < b->end && !(p[0] == 0xFF && p[1] >= 0xD0 && p[1] <= 0xD7))
    ++p;
  if (p + 1 >= b->end)
    return KILN_IMAGE_CORRUPT;
  b->p = p + 2;
  b->buffer = 0;
  b->bits = 0;
  b->atMarker = 0;
  for (int c = 0; c < j->ncomp; ++c)
    j->comp[c].dcPred = 0;
  return 0;
}

static int decodeScan(Jpeg *j) {
  Bits b = {j->entropy, j->end, 0, 0, 0};
  int64_t done = 0;
  if (j->scanCount == 1) {
    /* A non-interleaved scan: blocks of the component's own size. */
    Component *k = &j->comp[j->scanComps[0]];
    int64_t bw = (k->downWidth + 7) / 8, bh = (k->downHeight + 7) / 8;
    for (int64_t by = 0; by < bh; ++by)
      for (int64_t bx = 0; bx < bw; ++bx) {
        if (j->restartInterval && done && done % j->restartInterval == 0 &&
            restart(j, &b))
          return KILN_IMAGE_CORRUPT;
        int err = decodeBlock(j, &b, k, bx, by);
        if (err)
          return err;
        ++done;
      }
    return 0;
  }
  for (int64_t my = 0; my < j->mcusY; ++my)
    for (int64_t mx = 0; mx < j->mcusX; ++mx) {
      if (j->restartInterval && done && done % j->restartInterval == 0 &&
          restart(j, &b))
        return KILN_IMAGE_CORRUPT;
      for (int s = 0; s < j->scanCount; ++s) {
        Component *k = &j->comp[j->scanComps[s]];
        for (int v = 0; v < k->v; ++v)
          for (int h = 0; h < k->h; ++h) {
            int err = decodeBlock(j, &b, k, mx * k->h + h, my * k->v + v);
            if (err)
              return err;
          }
      }
      ++done;
    }
  return 0;
}

/*--- Upsampling (jdsample.c) ----------------------------------------------*/

/* Sample (x, y) of a component's plane, rows past the image repeating its
 * edge rows (libjpeg's context rows). */
static int at(const Component *k, int64_t x, int64_t y) {
  if (y < 0)
    y = 0;
  if (y >= k->downHeight)
    y = k->downHeight - 1;
  return k->plane[y * k->planeWidth + x];
}

/* One output row of a horizontal 2x fancy upsample of `sums` (`n` column
 * values, already scaled by `unit`; libjpeg's biases). */
static void fancyRow2(const int32_t *sums, int64_t n, uint8_t *out,
                      int vertical) {
  if (!vertical) {
    /* h2v1: (3 * this + neighbor + 1 or 2) >> 2, edges kept. */
    out[0] = (uint8_t)sums[0];
    out[1] = (uint8_t)((sums[0] * 3 + sums[1] + 2) >> 2);
    for (int64_t i = 1; i + 1 < n; ++i) {
      out[2 * i] = (uint8_t)((sums[i] * 3 + sums[i - 1] + 1) >> 2);
      out[2 * i + 1] = (uint8_t)((sums[i] * 3 + sums[i + 1] + 2) >> 2);
    }
    out[2 * n - 2] = (uint8_t)((sums[n - 1] * 3 + sums[n - 2] + 1) >> 2);
    out[2 * n - 1] = (uint8_t)sums[n - 1];
    return;
  }
  /* h2v2: column sums 3 * near + far, then (3 * this + neighbor + 8 or 7)
   * >> 4, edges (4 * this + 8 or 7) >> 4. */
  out[0] = (uint8_t)((sums[0] * 4 + 8) >> 4);
  out[1] = (uint8_t)((sums[0] * 3 + sums[1] + 7) >> 4);
  for (int64_t i = 1; i + 1 < n; ++i) {
    out[2 * i] = (uint8_t)((sums[i] * 3 + sums[i - 1] + 8) >> 4);
    out[2 * i + 1] = (uint8_t)((sums[i] * 3 + sums[i + 1] + 7) >> 4);
  }
  out[2 * n - 2] = (uint8_t)((sums[n - 1] * 3 + sums[n - 2] + 8) >> 4);
  out[2 * n - 1] = (uint8_t)((sums[n - 1] * 4 + 7) >> 4);
}

/* Upsamples component `k` to the full image into `out` (width x height,
 * rows `stride` apart), with `sums` room for the plane's width. */
static void upsample(const Jpeg *j, const Component *k, uint8_t *out,
                     int64_t stride, int32_t *sums) {
  int hr = j->hmax / k->h, vr = j->vmax / k->v;
  int64_t n = k->downWidth;
  /* libjpeg's fancy filters need more than two columns; else replicate. */
  int fancyH = hr == 2 && n > 2;
  for (int64_t y = 0; y < j->height; ++y) {
    uint8_t *o = out + y * stride;
    int64_t row = y / vr;
    if (fancyH && vr == 2) {
      int64_t far = (y % 2 == 0) ? row - 1 : row + 1;
      for (int64_t x = 0; x < n; ++x)
        sums[x] = at(k, x, row) * 3 + at(k, x, far);
      fancyRow2(sums, n, o, 1);
    } else if (fancyH && vr == 1) {
      for (int64_t x = 0; x < n; ++x)
        sums[x] = at(k, x, row);
      fancyRow2(sums, n, o, 0);
    } else if (hr == 1 && vr == 2) {
      /* h1v2 (libjpeg-turbo): (3 * near + far + 1 or 2) >> 2. */
      int64_t far = (y % 2 == 0) ? row - 1 : row + 1;
      int bias = (y % 2 == 0) ? 1 : 2;
      for (int64_t x = 0; x < n; ++x)
        o[x] = (uint8_t)((at(k, x, row) * 3 + at(k, x, far) + bias) >> 2);
    } else {
      for (int64_t x = 0; x < j->width; ++x)
        o[x] = (uint8_t)at(k, x / hr, row);
    }
  }
}

/*--- Colors (jdcolor.c) ---------------------------------------------------*/

#define SCALEBITS 16
#define ONE_HALF ((int32_t)1 << (SCALEBITS - 1))
#define FIX(x) ((int32_t)((x) * (1L << SCALEBITS) + 0.5))

static uint8_t clampSample(int32_t v) {
  return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/*--- Entry points ---------------------------------------------------------*/

static int start(Jpeg *j, const uint8_t *data, size_t size) {
  memset(j, 0, sizeof(*j));
  j->data = data;
  j->end = data + size;
  return parseHeaders(j);
}

int kiln_jpeg_header(const uint8_t *data, size_t size, KilnImageHeader *h,
                     int64_t *scratch) {
  Jpeg j;
  int err = start(&j, data, size);
  if (err)
    return err;
  /* The luma plane at full resolution: every image libjpeg writes. */
  if (j.ncomp == 3 && (j.comp[0].h != j.hmax || j.comp[0].v != j.vmax))
    return KILN_IMAGE_UNSUPPORTED;
  h->width = j.width;
  h->height = j.height;
  h->channels = j.ncomp;
  int64_t bytes = 0;
  for (int c = 0; c < j.ncomp; ++c)
    bytes += j.comp[c].planeWidth * j.comp[c].planeHeight;
  /* The upsampled chroma planes and a row of column sums. */
  if (j.ncomp == 3)
    bytes += 2 * j.width * j.height + 4 * (j.comp[0].planeWidth + 8) + 8;
  *scratch = bytes;
  return 0;
}

int kiln_jpeg_decode(const uint8_t *data, size_t size, uint8_t *pixels,
                     uint8_t *scratch) {
  Jpeg j;
  int err = start(&j, data, size);
  if (err)
    return err;
  uint8_t *next = scratch;
  for (int c = 0; c < j.ncomp; ++c) {
    j.comp[c].plane = next;
    next += j.comp[c].planeWidth * j.comp[c].planeHeight;
    memset(j.comp[c].plane, 0,
           (size_t)(j.comp[c].planeWidth * j.comp[c].planeHeight));
  }
  err = decodeScan(&j);
  if (err)
    return err;
  int64_t w = j.width, h = j.height;
  const Component *y = &j.comp[0];
  if (j.ncomp == 1) {
    for (int64_t r = 0; r < h; ++r)
      memcpy(pixels + r * w, y->plane + r * y->planeWidth, (size_t)w);
    return 0;
  }
  uint8_t *cb = next, *cr = next + w * h;
  /* Column sums, 4-byte aligned after the planes. */
  uintptr_t sumsAt = ((uintptr_t)(cr + w * h) + 3) & ~(uintptr_t)3;
  int32_t *sums = (int32_t *)sumsAt;
  upsample(&j, &j.comp[1], cb, w, sums);
  upsample(&j, &j.comp[2], cr, w, sums);
  const uint8_t *luma = y->plane;
  int64_t lumaStride = y->planeWidth;
  for (int64_t r = 0; r < h; ++r)
    for (int64_t x = 0; x < w; ++x) {
      int32_t yy = luma[r * lumaStride + x];
      int32_t b = cb[r * w + x] - 128, rr = cr[r * w + x] - 128;
      uint8_t *o = pixels + (r * w + x) * 3;
      o[0] = clampSample(yy + ((FIX(1.40200) * rr + ONE_HALF) >> SCALEBITS));
      o[1] = clampSample(
          yy +
          ((-FIX(0.34414) * b + ONE_HALF + -FIX(0.71414) * rr) >> SCALEBITS));
      o[2] = clampSample(yy + ((FIX(1.77200) * b + ONE_HALF) >> SCALEBITS));
    }
  return 0;
}
