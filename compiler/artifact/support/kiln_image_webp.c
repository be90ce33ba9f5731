/*===- kiln_image_webp.c - WebP: the container and lossy VP8 -------------===*
 *
 * A WebP file is a RIFF container holding one VP8 key frame (lossy) or one
 * VP8L image (lossless, kiln_image_webp_lossless.c), possibly after a VP8X
 * header and metadata chunks. Animations are refused; an alpha channel is
 * dropped, as ImageDecoder returns RGB.
 *
 * The lossy decoder follows RFC 6386 for key frames: the boolean entropy
 * decoder, intra prediction, dequantization, the inverse WHT and DCT and
 * the loop filter are exact integer arithmetic, so any conforming decoder
 * gives the same Y'CbCr planes. The planes become RGB the way libwebp's
 * default output does (which Pillow, and so ONNX's reference, uses): the
 * "fancy" upsampler (a 9-3-3-1 filter of the four nearest chroma samples
 * with libwebp's rounding) and its 14-bit fixed-point BT.601 conversion.
 * Where libwebp's entropy decoder handles an edge of the format in its own
 * way (the state after a sign bit, the end of a partition), this one does
 * the same, so a stream libwebp accepts decodes to the same pixels.
 *
 * Nothing allocates: kiln_webp_header says how much scratch memory the
 * decode needs (the planes and per-macroblock state).
 *
 *===--------------------------------------------------------------------===*/

#include "kiln_image.h"
#include "kiln_image_vp8_tables.h"

#include <string.h>

static uint32_t le24(const uint8_t *p) {
  return p[0] | (p[1] << 8) | ((uint32_t)p[2] << 16);
}
static uint32_t le32(const uint8_t *p) {
  return le24(p) | ((uint32_t)p[3] << 24);
}

/*--- The container ----------------------------------------------------------*/

/* Finds the image chunk ("VP8 " or "VP8L") of a RIFF WebP file. */
static int findImageChunk(const uint8_t *d, size_t n, const uint8_t **chunk,
                          size_t *chunkSize, int *lossless) {
  if (n < 12)
    return KILN_IMAGE_CORRUPT;
  uint32_t riff = le32(d + 4);
  if (riff < 12 || riff > n - 8)
    return KILN_IMAGE_CORRUPT; /* truncated, or too short to hold a chunk */
  n = (size_t)riff + 8;        /* bytes after the RIFF payload are ignored */
  size_t at = 12;
  while (n - at >= 8) {
    uint32_t size = le32(d + at + 4);
    if (size > n - at - 8)
      return KILN_IMAGE_CORRUPT;
    const uint8_t *tag = d + at;
    if (!memcmp(tag, "VP8 ", 4) || !memcmp(tag, "VP8L", 4)) {
      *chunk = d + at + 8;
      *chunkSize = size;
      *lossless = tag[3] == 'L';
      return 0;
    }
    /* VP8X: flags, canvas size; bit 1 of the flags marks an animation. */
    if (!memcmp(tag, "VP8X", 4) && (size < 1 || (d[at + 8] & 0x02)))
      return size < 1 ? KILN_IMAGE_CORRUPT : KILN_IMAGE_UNSUPPORTED;
    if (!memcmp(tag, "ANIM", 4) || !memcmp(tag, "ANMF", 4))
      return KILN_IMAGE_UNSUPPORTED;
    at += 8 + (size_t)size + (size & 1); /* chunks are padded to even */
  }
  return KILN_IMAGE_CORRUPT;
}

/*--- The boolean decoder (RFC 6386 section 7) -------------------------------*/

typedef struct {
  const uint8_t *p, *end;
  uint32_t value; /* undecoded bits; the top 8 past `bits` are the window */
  uint32_t range; /* the interval's size minus one, in [126, 254] */
  int bits;       /* bits of `value` below the window */
  int eof;        /* a byte past the end was needed (zeros were read) */
} BoolReader;

static void brLoad(BoolReader *br) {
  if (br->p < br->end) {
    br->value = (br->value << 8) | *br->p++;
    br->bits += 8;
  } else if (!br->eof) {
    br->value <<= 8;
    br->bits += 8;
    br->eof = 1;
  } else {
    br->bits = 0; /* keeps the shifts defined; the caller fails anyway */
  }
}

static void brInit(BoolReader *br, const uint8_t *p, size_t n) {
  br->p = p;
  br->end = p + n;
  br->value = 0;
  br->range = 254;
  br->bits = -8;
  br->eof = 0;
  brLoad(br);
}

static int brBit(BoolReader *br, int prob) {
  if (br->bits < 0)
    brLoad(br);
  uint32_t range = br->range;
  uint32_t split = (range * (uint32_t)prob) >> 8;
  int bit = (br->value >> br->bits) > split;
  if (bit) {
    range -= split;
    br->value -= (split + 1) << br->bits;
  } else {
    range = split + 1;
  }
  /* Renormalize the interval to at least 128. */
  while (range < 128) {
    range <<= 1;
    --br->bits;
  }
  br->range = range - 1;
  return bit;
}

/* A sign at probability 1/2 applied to `v`. libwebp shifts the interval
 * after every such bit, also when it stays at 128 (its "range" 255 then
 * stands for 256 at one more bit of precision); encoders write streams
 * both readings decode alike, and libwebp's is the one to follow. */
static int brSigned(BoolReader *br, int v) {
  if (br->bits < 0)
    brLoad(br);
  uint32_t split = br->range >> 1;
  int bit = (br->value >> br->bits) > split;
  --br->bits;
  if (bit) {
    br->range -= 1;
    br->value -= (split + 1) << (br->bits + 1);
  }
  br->range |= 1;
  return bit ? -v : v;
}

static uint32_t brValue(BoolReader *br, int bits) {
  uint32_t v = 0;
  while (bits-- > 0)
    v |= (uint32_t)brBit(br, 128) << bits;
  return v;
}

static int brSignedValue(BoolReader *br, int bits) {
  int v = (int)brValue(br, bits);
  return brBit(br, 128) ? -v : v;
}

/*--- Frame header -----------------------------------------------------------*/

enum { kMaxPartitions = 8 };

/* Intra modes, numbered as the mode-probability table is. */
enum {
  B_DC,
  B_TM,
  B_VE,
  B_HE,
  B_RD,
  B_VR,
  B_LD,
  B_VL,
  B_HD,
  B_HU,
  /* DC prediction of a 16x16 or 8x8 block at the image's edges. */
  DC_NOTOP,
  DC_NOLEFT,
  DC_NOTOPLEFT
};

typedef struct {
  int y1[2], y2[2], uv[2]; /* DC and AC dequantization factors */
} Quant;

typedef struct {
  uint8_t limit, ilevel, hevThresh, inner;
} FilterStrength;

typedef struct {
  int width, height, mbw, mbh;
  BoolReader br; /* partition 0: modes */
  BoolReader parts[kMaxPartitions];
  int numParts;
  int useSegment, updateMap, absoluteDelta;
  int segQuant[4], segFilter[4];
  uint8_t segProbs[3];
  int simpleFilter, filterLevel, sharpness, useLfDelta;
  int refLfDelta[4], modeLfDelta[4];
  Quant quant[4];
  FilterStrength strength[4][2]; /* [segment][is 4x4] */
  uint8_t coeffProbs[4 * 8 * 3 * 11];
  int useSkipProb, skipProb;
} Vp8;

static int clampInt(int v, int lo, int hi) {
  return v < lo ? lo : v > hi ? hi : v;
}

/* The size fields of a VP8 key frame, without entropy decoding. */
static int vp8Size(const uint8_t *d, size_t n, int *width, int *height) {
  if (n < 10)
    return KILN_IMAGE_CORRUPT;
  uint32_t tag = le24(d);
  if (tag & 1)
    return KILN_IMAGE_CORRUPT; /* an inter frame cannot stand alone */
  if (((tag >> 1) & 7) > 3 || !((tag >> 4) & 1))
    return KILN_IMAGE_UNSUPPORTED; /* unknown profile, hidden frame */
  if (d[3] != 0x9d || d[4] != 0x01 || d[5] != 0x2a)
    return KILN_IMAGE_CORRUPT;
  *width = (d[6] | (d[7] << 8)) & 0x3fff;
  *height = (d[8] | (d[9] << 8)) & 0x3fff;
  return *width && *height ? 0 : KILN_IMAGE_CORRUPT;
}

static void parseQuant(Vp8 *v) {
  BoolReader *br = &v->br;
  int base = (int)brValue(br, 7);
  int delta[5];
  for (int i = 0; i < 5; ++i)
    delta[i] = brBit(br, 128) ? brSignedValue(br, 4) : 0;
  for (int s = 0; s < 4; ++s) {
    int q = base;
    if (v->useSegment)
      q = v->segQuant[s] + (v->absoluteDelta ? 0 : base);
    Quant *m = &v->quant[s];
    m->y1[0] = kVp8DcQuant[clampInt(q + delta[0], 0, 127)];
    m->y1[1] = kVp8AcQuant[clampInt(q, 0, 127)];
    m->y2[0] = kVp8DcQuant[clampInt(q + delta[1], 0, 127)] * 2;
    /* x * 155 / 100, as the RFC's reference decoder computes it. */
    m->y2[1] = kVp8AcQuant[clampInt(q + delta[2], 0, 127)] * 155 / 100;
    if (m->y2[1] < 8)
      m->y2[1] = 8;
    m->uv[0] = kVp8DcQuant[clampInt(q + delta[3], 0, 117)];
    m->uv[1] = kVp8AcQuant[clampInt(q + delta[4], 0, 127)];
  }
}

/* The loop filter's limits per segment and macroblock kind (RFC 6386
 * section 15.2, with the deltas of section 9.6). */
static void filterStrengths(Vp8 *v) {
  for (int s = 0; s < 4; ++s) {
    int base = v->filterLevel;
    if (v->useSegment)
      base = v->segFilter[s] + (v->absoluteDelta ? 0 : v->filterLevel);
    for (int i4x4 = 0; i4x4 <= 1; ++i4x4) {
      FilterStrength *f = &v->strength[s][i4x4];
      int level = base;
      if (v->useLfDelta)
        level += v->refLfDelta[0] + (i4x4 ? v->modeLfDelta[0] : 0);
      level = clampInt(level, 0, 63);
      f->inner = (uint8_t)i4x4;
      if (level == 0) {
        f->limit = 0;
        continue;
      }
      int ilevel = level;
      if (v->sharpness > 0) {
        ilevel >>= v->sharpness > 4 ? 2 : 1;
        if (ilevel > 9 - v->sharpness)
          ilevel = 9 - v->sharpness;
      }
      if (ilevel < 1)
        ilevel = 1;
      f->ilevel = (uint8_t)ilevel;
      f->limit = (uint8_t)(2 * level + ilevel);
      f->hevThresh = (uint8_t)(level >= 40 ? 2 : level >= 15 ? 1 : 0);
    }
  }
}

static int parseHeader(Vp8 *v, const uint8_t *d, size_t n) {
  memset(v, 0, sizeof(*v));
  int err = vp8Size(d, n, &v->width, &v->height);
  if (err)
    return err;
  v->mbw = (v->width + 15) >> 4;
  v->mbh = (v->height + 15) >> 4;
  uint32_t first = le24(d) >> 5;
  d += 10;
  n -= 10;
  if (first > n)
    return KILN_IMAGE_CORRUPT;
  BoolReader *br = &v->br;
  brInit(br, d, first);
  brBit(br, 128); /* color space: no effect on decoding */
  brBit(br, 128); /* clamping type: pixels are always clamped */

  v->segProbs[0] = v->segProbs[1] = v->segProbs[2] = 255;
  v->useSegment = brBit(br, 128);
  if (v->useSegment) {
    v->updateMap = brBit(br, 128);
    if (brBit(br, 128)) {
      v->absoluteDelta = brBit(br, 128);
      for (int s = 0; s < 4; ++s)
        v->segQuant[s] = brBit(br, 128) ? brSignedValue(br, 7) : 0;
      for (int s = 0; s < 4; ++s)
        v->segFilter[s] = brBit(br, 128) ? brSignedValue(br, 6) : 0;
    }
    if (v->updateMap)
      for (int i = 0; i < 3; ++i)
        v->segProbs[i] = brBit(br, 128) ? (uint8_t)brValue(br, 8) : 255;
  }

  v->simpleFilter = brBit(br, 128);
  v->filterLevel = (int)brValue(br, 6);
  v->sharpness = (int)brValue(br, 3);
  v->useLfDelta = brBit(br, 128);
  if (v->useLfDelta && brBit(br, 128)) {
    for (int i = 0; i < 4; ++i)
      if (brBit(br, 128))
        v->refLfDelta[i] = brSignedValue(br, 6);
    for (int i = 0; i < 4; ++i)
      if (brBit(br, 128))
        v->modeLfDelta[i] = brSignedValue(br, 6);
  }
  if (br->eof)
    return KILN_IMAGE_CORRUPT;

  /* The token partitions: all sizes but the last's, then their data. */
  v->numParts = 1 << brValue(br, 2);
  const uint8_t *sizes = d + first;
  size_t left = n - first;
  if (left < 3 * (size_t)(v->numParts - 1))
    return KILN_IMAGE_CORRUPT;
  const uint8_t *part = sizes + 3 * (v->numParts - 1);
  left -= 3 * (size_t)(v->numParts - 1);
  for (int p = 0; p < v->numParts - 1; ++p) {
    size_t size = le24(sizes + 3 * p);
    if (size > left)
      size = left;
    brInit(&v->parts[p], part, size);
    part += size;
    left -= size;
  }
  if (left == 0)
    return KILN_IMAGE_CORRUPT; /* the last partition is empty */
  brInit(&v->parts[v->numParts - 1], part, left);

  parseQuant(v);
  brBit(br, 128); /* refresh_entropy_probs: one frame only */
  for (int i = 0; i < 4 * 8 * 3 * 11; ++i)
    v->coeffProbs[i] = brBit(br, kVp8CoeffUpdateProbs[i])
                           ? (uint8_t)brValue(br, 8)
                           : kVp8CoeffProbs[i];
  v->useSkipProb = brBit(br, 128);
  if (v->useSkipProb)
    v->skipProb = (int)brValue(br, 8);
  if (br->eof)
    return KILN_IMAGE_CORRUPT;
  /* A frame level of 0 turns the filter off, whatever the segments say. */
  if (v->filterLevel)
    filterStrengths(v);
  return 0;
}

/*--- Macroblock modes and tokens --------------------------------------------*/

typedef struct {
  uint8_t segment, skip, is4x4, uvMode;
  uint8_t modes[16]; /* 4x4 modes in raster order, or the 16x16 mode */
} MbModes;

/* The 4x4 mode tree of RFC 6386 section 11.2: a pair per inner node,
 * leaves as -mode. */
static const int8_t kBModeTree[18] = {-B_DC, 1, -B_TM, 2, -B_VE, 3,
                                      4,     6, -B_HE, 5, -B_RD, -B_VR,
                                      -B_LD, 7, -B_VL, 8, -B_HD, -B_HU};

static void parseModes(Vp8 *v, MbModes *m, uint8_t *top, uint8_t *left) {
  BoolReader *br = &v->br;
  m->segment = 0;
  if (v->updateMap)
    m->segment = !brBit(br, v->segProbs[0])
                     ? (uint8_t)brBit(br, v->segProbs[1])
                     : (uint8_t)(2 + brBit(br, v->segProbs[2]));
  m->skip = v->useSkipProb ? (uint8_t)brBit(br, v->skipProb) : 0;
  m->is4x4 = !brBit(br, 145);
  if (!m->is4x4) {
    int mode = brBit(br, 156) ? (brBit(br, 128) ? B_TM : B_HE)
                              : (brBit(br, 163) ? B_VE : B_DC);
    m->modes[0] = (uint8_t)mode;
    memset(top, mode, 4);
    memset(left, mode, 4);
  } else {
    for (int y = 0; y < 4; ++y) {
      int mode = left[y];
      for (int x = 0; x < 4; ++x) {
        const uint8_t *prob = kVp8BModeProbs + (top[x] * 10 + mode) * 9;
        int i = kBModeTree[brBit(br, prob[0])];
        while (i > 0)
          i = kBModeTree[2 * i + brBit(br, prob[i])];
        mode = -i;
        top[x] = (uint8_t)mode;
        m->modes[4 * y + x] = (uint8_t)mode;
      }
      left[y] = (uint8_t)mode;
    }
  }
  m->uvMode = !brBit(br, 142)   ? B_DC
              : !brBit(br, 114) ? B_VE
              : brBit(br, 183)  ? B_TM
                                : B_HE;
}

static const uint8_t kBands[17] = {0, 1, 2, 3, 6, 4, 5, 6, 6,
                                   6, 6, 6, 6, 6, 6, 7, 0};
static const uint8_t kZigzag[16] = {0, 1,  4,  8,  5, 2,  3,  6,
                                    9, 12, 13, 10, 7, 11, 14, 15};
static const uint8_t kCat3[] = {173, 148, 140, 0};
static const uint8_t kCat4[] = {176, 155, 140, 135, 0};
static const uint8_t kCat5[] = {180, 157, 141, 134, 130, 0};
static const uint8_t kCat6[] = {254, 254, 243, 230, 196, 177,
                                153, 140, 133, 130, 129, 0};
static const uint8_t *const kCats[4] = {kCat3, kCat4, kCat5, kCat6};

/* A token of magnitude 2 or more (RFC 6386 section 13.2). */
static int largeValue(BoolReader *br, const uint8_t *p) {
  if (!brBit(br, p[3]))
    return !brBit(br, p[4]) ? 2 : 3 + brBit(br, p[5]);
  if (!brBit(br, p[6])) {
    if (!brBit(br, p[7]))
      return 5 + brBit(br, 159);
    int v = 7 + 2 * brBit(br, 165);
    return v + brBit(br, 145);
  }
  int bit1 = brBit(br, p[8]);
  int cat = 2 * bit1 + brBit(br, p[9 + bit1]);
  int v = 0;
  for (const uint8_t *t = kCats[cat]; *t; ++t)
    v += v + brBit(br, *t);
  return v + 3 + (8 << cat);
}

/* The tokens of one 4x4 block of `type` from position `n`, dequantized
 * into `out` (raster order); returns the position after the last token
 * read (16 when a run of zeros reached the end), which the context of the
 * next blocks and the loop filter follow. */
static int readCoeffs(const Vp8 *v, BoolReader *br, int type, int ctx,
                      const int dq[2], int n, int16_t *out) {
  const uint8_t *probs = v->coeffProbs + type * 8 * 3 * 11;
  const uint8_t *p = probs + (kBands[n] * 3 + ctx) * 11;
  for (; n < 16; ++n) {
    if (!brBit(br, p[0]))
      return n;                /* end of block */
    while (!brBit(br, p[1])) { /* a zero */
      if (++n == 16)
        return 16;
      p = probs + kBands[n] * 3 * 11;
    }
    const uint8_t *next = probs + kBands[n + 1] * 3 * 11;
    int value;
    if (!brBit(br, p[2])) {
      value = 1;
      p = next + 11;
    } else {
      value = largeValue(br, p);
      p = next + 22;
    }
    out[kZigzag[n]] = (int16_t)(brSigned(br, value) * dq[n > 0]);
  }
  return 16;
}

/* The inverse Walsh-Hadamard transform of the Y2 block into the DCs of the
 * 16 luma blocks. */
static void inverseWht(const int16_t *in, int16_t *blocks) {
  int tmp[16];
  for (int i = 0; i < 4; ++i) {
    int a0 = in[i] + in[12 + i], a1 = in[4 + i] + in[8 + i];
    int a2 = in[4 + i] - in[8 + i], a3 = in[i] - in[12 + i];
    tmp[i] = a0 + a1;
    tmp[8 + i] = a0 - a1;
    tmp[4 + i] = a3 + a2;
    tmp[12 + i] = a3 - a2;
  }
  for (int i = 0; i < 4; ++i) {
    int dc = tmp[4 * i] + 3;
    int a0 = dc + tmp[4 * i + 3], a1 = tmp[4 * i + 1] + tmp[4 * i + 2];
    int a2 = tmp[4 * i + 1] - tmp[4 * i + 2], a3 = dc - tmp[4 * i + 3];
    blocks[16 * (4 * i + 0)] = (int16_t)((a0 + a1) >> 3);
    blocks[16 * (4 * i + 1)] = (int16_t)((a3 + a2) >> 3);
    blocks[16 * (4 * i + 2)] = (int16_t)((a0 - a1) >> 3);
    blocks[16 * (4 * i + 3)] = (int16_t)((a3 - a2) >> 3);
  }
}

/* Non-zero contexts: per macroblock column above, and for the macroblock
 * on the left; bits 0-3 luma columns (rows), 4-5 U, 6-7 V. */
typedef struct {
  uint8_t nz, nzDc;
} NzContext;

/* The residual tokens of one macroblock into coeffs[25][16] (16 luma, 4 U,
 * 4 V blocks); returns whether any block had tokens, which turns on the
 * loop filter's inner edges. */
static int readResiduals(const Vp8 *v, BoolReader *br, const MbModes *m,
                         NzContext *top, NzContext *left, int16_t *coeffs) {
  const Quant *q = &v->quant[m->segment];
  memset(coeffs, 0, 24 * 16 * sizeof(*coeffs));
  int first = 0, lumaType = 3, any = 0;
  if (!m->is4x4) {
    int16_t dc[16] = {0};
    int nz = readCoeffs(v, br, 1, top->nzDc + left->nzDc, q->y2, 0, dc);
    top->nzDc = left->nzDc = nz > 0;
    inverseWht(dc, coeffs);
    first = 1;
    lumaType = 0;
  }
  uint8_t tnz = top->nz & 0x0f, lnz = left->nz & 0x0f;
  uint8_t outTop = 0, outLeft = 0;
  for (int y = 0; y < 4; ++y) {
    int l = (lnz >> y) & 1;
    for (int x = 0; x < 4; ++x) {
      int t = (tnz >> x) & 1;
      int nz = readCoeffs(v, br, lumaType, l + t, q->y1, first,
                          coeffs + 16 * (4 * y + x));
      l = nz > first;
      tnz = (uint8_t)((tnz & ~(1 << x)) | (l << x));
      /* A block counts when it has tokens past `first` or a non-zero DC
       * (its own token, or the WHT's). */
      any |= nz > first || coeffs[16 * (4 * y + x)] != 0;
    }
    outLeft |= (uint8_t)(l << y);
  }
  outTop = tnz;
  for (int ch = 0; ch < 2; ++ch) {
    int shift = 4 + 2 * ch;
    uint8_t ct = (top->nz >> shift) & 3, cl = (left->nz >> shift) & 3;
    for (int y = 0; y < 2; ++y) {
      int l = (cl >> y) & 1;
      for (int x = 0; x < 2; ++x) {
        int t = (ct >> x) & 1;
        int nz = readCoeffs(v, br, 2, l + t, q->uv, 0,
                            coeffs + 16 * (16 + 4 * ch + 2 * y + x));
        l = nz > 0;
        ct = (uint8_t)((ct & ~(1 << x)) | (l << x));
        any |= nz > 0;
      }
      cl = (uint8_t)((cl & ~(1 << y)) | (l << y));
    }
    outTop |= (uint8_t)(ct << shift);
    outLeft |= (uint8_t)(cl << shift);
  }
  top->nz = outTop;
  left->nz = outLeft;
  return any;
}

/*--- Prediction and reconstruction ------------------------------------------*/

/* One macroblock is predicted and reconstructed in a work area with a border
 * row above and a border column on the left of each plane (and, for the 4x4
 * modes, 4 more pixels above on the right), `BPS` bytes a row. */
enum {
  BPS = 32,
  Y_OFF = BPS + 8,
  U_OFF = Y_OFF + 17 * BPS,
  V_OFF = U_OFF + 16
};

static uint8_t clip8(int v) { return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v; }

static void fill(uint8_t *dst, int size, int value) {
  for (int y = 0; y < size; ++y)
    memset(dst + y * BPS, value, (size_t)size);
}

static void predictTrueMotion(uint8_t *dst, int size) {
  const uint8_t *top = dst - BPS;
  for (int y = 0; y < size; ++y, dst += BPS)
    for (int x = 0; x < size; ++x)
      dst[x] = clip8(dst[-1] + top[x] - top[-1]);
}

/* A 16x16 luma or 8x8 chroma block in `mode` (DC variants included). */
static void predictBlock(uint8_t *dst, int size, int mode) {
  int shift = size == 16 ? 4 : 3, dc = 0;
  switch (mode) {
  case B_VE:
    for (int y = 0; y < size; ++y)
      memcpy(dst + y * BPS, dst - BPS, (size_t)size);
    return;
  case B_HE:
    for (int y = 0; y < size; ++y)
      memset(dst + y * BPS, dst[y * BPS - 1], (size_t)size);
    return;
  case B_TM:
    predictTrueMotion(dst, size);
    return;
  case B_DC:
    for (int i = 0; i < size; ++i)
      dc += dst[i - BPS] + dst[i * BPS - 1];
    fill(dst, size, (dc + size) >> (shift + 1));
    return;
  case DC_NOTOP:
    for (int i = 0; i < size; ++i)
      dc += dst[i * BPS - 1];
    fill(dst, size, (dc + size / 2) >> shift);
    return;
  case DC_NOLEFT:
    for (int i = 0; i < size; ++i)
      dc += dst[i - BPS];
    fill(dst, size, (dc + size / 2) >> shift);
    return;
  default: /* DC_NOTOPLEFT */
    fill(dst, size, 128);
    return;
  }
}

#define AVG3(a, b, c) ((uint8_t)(((a) + 2 * (b) + (c) + 2) >> 2))
#define AVG2(a, b) ((uint8_t)(((a) + (b) + 1) >> 1))
#define AT(x, y) dst[(x) + (y)*BPS]

/* A 4x4 luma block in one of the ten subblock modes (RFC 6386 section
 * 12.3): edge pixels A..H above (E..H above on the right), I..L on the
 * left, X above on the left. */
static void predict4(uint8_t *dst, int mode) {
  const uint8_t *t = dst - BPS;
  int X = t[-1], A = t[0], B = t[1], C = t[2], D = t[3], E = t[4], F = t[5],
      G = t[6], H = t[7];
  int I = AT(-1, 0), J = AT(-1, 1), K = AT(-1, 2), L = AT(-1, 3);
  switch (mode) {
  case B_DC: {
    int dc = 4;
    for (int i = 0; i < 4; ++i)
      dc += t[i] + AT(-1, i);
    for (int y = 0; y < 4; ++y)
      memset(dst + y * BPS, dc >> 3, 4);
    break;
  }
  case B_TM:
    predictTrueMotion(dst, 4);
    break;
  case B_VE: {
    uint8_t row[4] = {AVG3(X, A, B), AVG3(A, B, C), AVG3(B, C, D),
                      AVG3(C, D, E)};
    for (int y = 0; y < 4; ++y)
      memcpy(dst + y * BPS, row, 4);
    break;
  }
  case B_HE: {
    uint8_t col[4] = {AVG3(X, I, J), AVG3(I, J, K), AVG3(J, K, L),
                      AVG3(K, L, L)};
    for (int y = 0; y < 4; ++y)
      memset(dst + y * BPS, col[y], 4);
    break;
  }
  case B_RD:
    AT(0, 3) = AVG3(J, K, L);
    AT(1, 3) = AT(0, 2) = AVG3(I, J, K);
    AT(2, 3) = AT(1, 2) = AT(0, 1) = AVG3(X, I, J);
    AT(3, 3) = AT(2, 2) = AT(1, 1) = AT(0, 0) = AVG3(A, X, I);
    AT(3, 2) = AT(2, 1) = AT(1, 0) = AVG3(B, A, X);
    AT(3, 1) = AT(2, 0) = AVG3(C, B, A);
    AT(3, 0) = AVG3(D, C, B);
    break;
  case B_LD:
    AT(0, 0) = AVG3(A, B, C);
    AT(1, 0) = AT(0, 1) = AVG3(B, C, D);
    AT(2, 0) = AT(1, 1) = AT(0, 2) = AVG3(C, D, E);
    AT(3, 0) = AT(2, 1) = AT(1, 2) = AT(0, 3) = AVG3(D, E, F);
    AT(3, 1) = AT(2, 2) = AT(1, 3) = AVG3(E, F, G);
    AT(3, 2) = AT(2, 3) = AVG3(F, G, H);
    AT(3, 3) = AVG3(G, H, H);
    break;
  case B_VR:
    AT(0, 0) = AT(1, 2) = AVG2(X, A);
    AT(1, 0) = AT(2, 2) = AVG2(A, B);
    AT(2, 0) = AT(3, 2) = AVG2(B, C);
    AT(3, 0) = AVG2(C, D);
    AT(0, 3) = AVG3(K, J, I);
    AT(0, 2) = AVG3(J, I, X);
    AT(0, 1) = AT(1, 3) = AVG3(I, X, A);
    AT(1, 1) = AT(2, 3) = AVG3(X, A, B);
    AT(2, 1) = AT(3, 3) = AVG3(A, B, C);
    AT(3, 1) = AVG3(B, C, D);
    break;
  case B_VL:
    AT(0, 0) = AVG2(A, B);
    AT(1, 0) = AT(0, 2) = AVG2(B, C);
    AT(2, 0) = AT(1, 2) = AVG2(C, D);
    AT(3, 0) = AT(2, 2) = AVG2(D, E);
    AT(0, 1) = AVG3(A, B, C);
    AT(1, 1) = AT(0, 3) = AVG3(B, C, D);
    AT(2, 1) = AT(1, 3) = AVG3(C, D, E);
    AT(3, 1) = AT(2, 3) = AVG3(D, E, F);
    AT(3, 2) = AVG3(E, F, G);
    AT(3, 3) = AVG3(F, G, H);
    break;
  case B_HD:
    AT(0, 0) = AT(2, 1) = AVG2(I, X);
    AT(0, 1) = AT(2, 2) = AVG2(J, I);
    AT(0, 2) = AT(2, 3) = AVG2(K, J);
    AT(0, 3) = AVG2(L, K);
    AT(3, 0) = AVG3(A, B, C);
    AT(2, 0) = AVG3(X, A, B);
    AT(1, 0) = AT(3, 1) = AVG3(I, X, A);
    AT(1, 1) = AT(3, 2) = AVG3(J, I, X);
    AT(1, 2) = AT(3, 3) = AVG3(K, J, I);
    AT(1, 3) = AVG3(L, K, J);
    break;
  default: /* B_HU */
    AT(0, 0) = AVG2(I, J);
    AT(2, 0) = AT(0, 1) = AVG2(J, K);
    AT(2, 1) = AT(0, 2) = AVG2(K, L);
    AT(1, 0) = AVG3(I, J, K);
    AT(3, 0) = AT(1, 1) = AVG3(J, K, L);
    AT(3, 1) = AT(1, 2) = AVG3(K, L, L);
    AT(3, 2) = AT(2, 2) = AT(0, 3) = AT(1, 3) = AT(2, 3) = AT(3, 3) =
        (uint8_t)L;
    break;
  }
}

#undef AVG3
#undef AVG2
#undef AT

/* The inverse DCT of RFC 6386 section 14.3 (20091 and 35468 are
 * sqrt(2) cos(pi/8) - 1 and sqrt(2) sin(pi/8) in 16-bit fixed point), added
 * to the prediction at `dst`. */
static int mul1(int a) { return ((a * 20091) >> 16) + a; }
static int mul2(int a) { return (a * 35468) >> 16; }

static void inverseDctAdd(const int16_t *in, uint8_t *dst) {
  int tmp[16];
  for (int i = 0; i < 4; ++i) { /* columns */
    int a = in[i] + in[8 + i], b = in[i] - in[8 + i];
    int c = mul2(in[4 + i]) - mul1(in[12 + i]);
    int d = mul1(in[4 + i]) + mul2(in[12 + i]);
    tmp[4 * i + 0] = a + d;
    tmp[4 * i + 1] = b + c;
    tmp[4 * i + 2] = b - c;
    tmp[4 * i + 3] = a - d;
  }
  for (int i = 0; i < 4; ++i, dst += BPS) { /* rows */
    int dc = tmp[i] + 4;
    int a = dc + tmp[8 + i], b = dc - tmp[8 + i];
    int c = mul2(tmp[4 + i]) - mul1(tmp[12 + i]);
    int d = mul1(tmp[4 + i]) + mul2(tmp[12 + i]);
    dst[0] = clip8(dst[0] + ((a + d) >> 3));
    dst[1] = clip8(dst[1] + ((b + c) >> 3));
    dst[2] = clip8(dst[2] + ((b - c) >> 3));
    dst[3] = clip8(dst[3] + ((a - d) >> 3));
  }
}

typedef struct {
  uint8_t *y, *u, *v;    /* the planes, macroblock-aligned */
  int yStride, uvStride; /* 16 and 8 bytes a macroblock */
} Planes;

/* The border of one plane's block in the work area: the pixels above and on
 * the left, or the values RFC 6386 prescribes outside the image (127 above,
 * 129 on the left; the corner is 127 in the first row). */
static void loadBorder(uint8_t *dst, int size, const uint8_t *plane, int stride,
                       int mbx, int mby) {
  const uint8_t *at = plane + (size_t)mby * size * stride + (size_t)mbx * size;
  for (int y = 0; y < size; ++y)
    dst[y * BPS - 1] = mbx ? at[y * stride - 1] : 129;
  if (mby)
    memcpy(dst - BPS, at - stride, (size_t)size);
  else
    memset(dst - BPS, 127, (size_t)size);
  dst[-BPS - 1] = !mby ? 127 : mbx ? at[-stride - 1] : 129;
}

static void storeBlock(const uint8_t *src, int size, uint8_t *plane, int stride,
                       int mbx, int mby) {
  uint8_t *at = plane + (size_t)mby * size * stride + (size_t)mbx * size;
  for (int y = 0; y < size; ++y)
    memcpy(at + (size_t)y * stride, src + y * BPS, (size_t)size);
}

/* DC prediction of a 16x16 or 8x8 block uses only the edges inside the
 * image. */
static int edgeMode(int mode, int mbx, int mby) {
  if (mode != B_DC)
    return mode;
  if (!mbx)
    return mby ? DC_NOLEFT : DC_NOTOPLEFT;
  return mby ? B_DC : DC_NOTOP;
}

static void reconstruct(const Vp8 *v, const MbModes *m, const int16_t *coeffs,
                        const Planes *pl, int mbx, int mby, uint8_t *work) {
  uint8_t *y = work + Y_OFF, *u = work + U_OFF, *vv = work + V_OFF;
  loadBorder(y, 16, pl->y, pl->yStride, mbx, mby);
  loadBorder(u, 8, pl->u, pl->uvStride, mbx, mby);
  loadBorder(vv, 8, pl->v, pl->uvStride, mbx, mby);
  if (m->is4x4) {
    /* Above on the right: the next macroblock's pixels, the last one's
     * repeated at the right edge; blocks of the right column below the
     * first row see the same four. */
    uint8_t *topRight = y - BPS + 16;
    const uint8_t *above =
        pl->y + ((size_t)mby * 16 - 1) * pl->yStride + (size_t)mbx * 16;
    if (!mby)
      memset(topRight, 127, 4);
    else if (mbx == v->mbw - 1)
      memset(topRight, above[15], 4);
    else
      memcpy(topRight, above + 16, 4);
    for (int r = 1; r < 4; ++r)
      memcpy(topRight + 4 * r * BPS, topRight, 4);
    for (int n = 0; n < 16; ++n) {
      uint8_t *dst = y + (n & 3) * 4 + (n >> 2) * 4 * BPS;
      predict4(dst, m->modes[n]);
      inverseDctAdd(coeffs + 16 * n, dst);
    }
  } else {
    predictBlock(y, 16, edgeMode(m->modes[0], mbx, mby));
    for (int n = 0; n < 16; ++n)
      inverseDctAdd(coeffs + 16 * n, y + (n & 3) * 4 + (n >> 2) * 4 * BPS);
  }
  int uvMode = edgeMode(m->uvMode, mbx, mby);
  predictBlock(u, 8, uvMode);
  predictBlock(vv, 8, uvMode);
  for (int n = 0; n < 4; ++n) {
    int at = (n & 1) * 4 + (n >> 1) * 4 * BPS;
    inverseDctAdd(coeffs + 16 * (16 + n), u + at);
    inverseDctAdd(coeffs + 16 * (20 + n), vv + at);
  }
  storeBlock(y, 16, pl->y, pl->yStride, mbx, mby);
  storeBlock(u, 8, pl->u, pl->uvStride, mbx, mby);
  storeBlock(vv, 8, pl->v, pl->uvStride, mbx, mby);
}

/*--- The loop filter (RFC 6386 section 15) ----------------------------------*/

static int sclamp(int v, int lo, int hi) {
  return v < lo ? lo : v > hi ? hi : v;
}
static int absInt(int v) { return v < 0 ? -v : v; }

/* Filters of the pixels p1 p0 | q0 q1 across an edge at `p`, `step` apart:
 * the common adjustment of p0 and q0, with the outer taps (simple filter,
 * high edge variance) or without them but adjusting p1 and q1 too. */
static void filterCommon(uint8_t *p, int step, int outerTaps) {
  int p1 = p[-2 * step], p0 = p[-step], q0 = p[0], q1 = p[step];
  int a = 3 * (q0 - p0) + (outerTaps ? sclamp(p1 - q1, -128, 127) : 0);
  int a1 = sclamp((a + 4) >> 3, -16, 15), a2 = sclamp((a + 3) >> 3, -16, 15);
  p[-step] = clip8(p0 + a2);
  p[0] = clip8(q0 - a1);
  if (!outerTaps) {
    int a3 = (a1 + 1) >> 1;
    p[-2 * step] = clip8(p1 + a3);
    p[step] = clip8(q1 - a3);
  }
}

/* The macroblock-edge filter: three pixels each side, weights 27, 18, 9. */
static void filterMbEdge(uint8_t *p, int step) {
  int p2 = p[-3 * step], p1 = p[-2 * step], p0 = p[-step];
  int q0 = p[0], q1 = p[step], q2 = p[2 * step];
  int a = sclamp(3 * (q0 - p0) + sclamp(p1 - q1, -128, 127), -128, 127);
  int a1 = (27 * a + 63) >> 7, a2 = (18 * a + 63) >> 7, a3 = (9 * a + 63) >> 7;
  p[-3 * step] = clip8(p2 + a3);
  p[-2 * step] = clip8(p1 + a2);
  p[-step] = clip8(p0 + a1);
  p[0] = clip8(q0 - a1);
  p[step] = clip8(q1 - a2);
  p[2 * step] = clip8(q2 - a3);
}

static int edgeSmallEnough(const uint8_t *p, int step, int limit) {
  return 4 * absInt(p[-step] - p[0]) + absInt(p[-2 * step] - p[step]) <= limit;
}

static int interiorSmallEnough(const uint8_t *p, int step, int ilimit) {
  for (int i = -4; i < 3; ++i)
    if (i != -1 && absInt(p[i * step] - p[(i + 1) * step]) > ilimit)
      return 0;
  return 1;
}

static int highVariance(const uint8_t *p, int step, int thresh) {
  return absInt(p[-2 * step] - p[-step]) > thresh ||
         absInt(p[step] - p[0]) > thresh;
}

/* Filters `count` positions along an edge: `step` crosses it, `along`
 * moves along it. `limit` is the edge limit before doubling. */
static void filterEdge(uint8_t *p, int step, int along, int count, int limit,
                       int ilimit, int hevThresh, int mbEdge, int simple) {
  int edgeLimit = 2 * limit + 1;
  for (int i = 0; i < count; ++i, p += along) {
    if (simple) {
      if (edgeSmallEnough(p, step, edgeLimit))
        filterCommon(p, step, 1);
      continue;
    }
    if (!edgeSmallEnough(p, step, edgeLimit) ||
        !interiorSmallEnough(p, step, ilimit))
      continue;
    if (highVariance(p, step, hevThresh))
      filterCommon(p, step, 1);
    else if (mbEdge)
      filterMbEdge(p, step);
    else
      filterCommon(p, step, 0);
  }
}

/* The edges of one macroblock, in the RFC's order: the left edge, the
 * inner vertical edges, the top edge, the inner horizontal edges. */
static void filterPlaneBlock(uint8_t *at, int stride, int size,
                             const FilterStrength *f, int inner, int mbx,
                             int mby, int simple) {
  int limit = f->limit, il = f->ilevel, hev = f->hevThresh;
  if (mbx)
    filterEdge(at, 1, stride, size, limit + 4, il, hev, 1, simple);
  if (inner)
    for (int x = 4; x < size; x += 4)
      filterEdge(at + x, 1, stride, size, limit, il, hev, 0, simple);
  if (mby)
    filterEdge(at, stride, 1, size, limit + 4, il, hev, 1, simple);
  if (inner)
    for (int y = 4; y < size; y += 4)
      filterEdge(at + (size_t)y * stride, stride, 1, size, limit, il, hev, 0,
                 simple);
}

static void loopFilter(const Vp8 *v, const Planes *pl, const uint8_t *info) {
  for (int mby = 0; mby < v->mbh; ++mby)
    for (int mbx = 0; mbx < v->mbw; ++mbx) {
      uint8_t bits = info[(size_t)mby * v->mbw + mbx];
      const FilterStrength *f = &v->strength[bits & 3][(bits >> 2) & 1];
      if (!f->limit)
        continue;
      int inner = f->inner | ((bits >> 3) & 1);
      filterPlaneBlock(pl->y + (size_t)mby * 16 * pl->yStride + mbx * 16,
                       pl->yStride, 16, f, inner, mbx, mby, v->simpleFilter);
      if (v->simpleFilter)
        continue; /* the simple filter leaves chroma alone */
      size_t uvAt = (size_t)mby * 8 * pl->uvStride + mbx * 8;
      filterPlaneBlock(pl->u + uvAt, pl->uvStride, 8, f, inner, mbx, mby, 0);
      filterPlaneBlock(pl->v + uvAt, pl->uvStride, 8, f, inner, mbx, mby, 0);
    }
}

/*--- Y'CbCr to RGB ----------------------------------------------------------*/

/* libwebp's BT.601 conversion in 14-bit fixed point ("MultHi" keeps the
 * top bits of a 16-bit product; the result has 6 fraction bits). */
static int multHi(int v, int coeff) { return (v * coeff) >> 8; }
static uint8_t clipFix(int v) {
  return (v & ~16383) == 0 ? (uint8_t)(v >> 6) : v < 0 ? 0 : 255;
}
static void toRgb(int y, int u, int v, uint8_t *rgb) {
  rgb[0] = clipFix(multHi(y, 19077) + multHi(v, 26149) - 14234);
  rgb[1] =
      clipFix(multHi(y, 19077) - multHi(u, 6419) - multHi(v, 13320) + 8708);
  rgb[2] = clipFix(multHi(y, 19077) + multHi(u, 33050) - 17685);
}

/* The chroma of output pixel pair 2x-1, 2x from the chroma row nearer to
 * the output row (n) and the farther one (f), weighted 9-3-3-1 with
 * libwebp's rounding: the two diagonals' averages first. */
static void chromaPair(const uint8_t *n, const uint8_t *f, int x, int *left,
                       int *right) {
  int avg = n[x - 1] + n[x] + f[x - 1] + f[x] + 8;
  int diag1 = (avg + 2 * (n[x] + f[x - 1])) >> 3;
  int diag2 = (avg + 2 * (n[x - 1] + f[x])) >> 3;
  *left = (diag1 + n[x - 1]) >> 1;
  *right = (diag2 + n[x]) >> 1;
}

/* One output row of `width` pixels: its luma, and the chroma rows nearer
 * to and farther from it (the same row at the image's top and bottom). */
static void upsampleRow(const uint8_t *y, const uint8_t *nu, const uint8_t *nv,
                        const uint8_t *fu, const uint8_t *fv, int width,
                        uint8_t *rgb) {
  toRgb(y[0], (3 * nu[0] + fu[0] + 2) >> 2, (3 * nv[0] + fv[0] + 2) >> 2, rgb);
  int pairs = (width - 1) >> 1;
  for (int x = 1; x <= pairs; ++x) {
    int ul, ur, vl, vr;
    chromaPair(nu, fu, x, &ul, &ur);
    chromaPair(nv, fv, x, &vl, &vr);
    toRgb(y[2 * x - 1], ul, vl, rgb + 3 * (2 * x - 1));
    toRgb(y[2 * x], ur, vr, rgb + 3 * (2 * x));
  }
  if (!(width & 1)) {
    int last = width - 1, c = pairs;
    toRgb(y[last], (3 * nu[c] + fu[c] + 2) >> 2, (3 * nv[c] + fv[c] + 2) >> 2,
          rgb + 3 * last);
  }
}

static void toRgbImage(const Vp8 *v, const Planes *pl, uint8_t *rgb) {
  int uvRows = (v->height + 1) / 2;
  for (int r = 0; r < v->height; ++r) {
    /* Row r lies between chroma rows (r - 1) / 2 and (r + 1) / 2, nearer
     * to r / 2 rounded the other way. */
    int nearRow = r == 0 ? 0 : (r & 1) ? (r - 1) / 2 : r / 2;
    int farRow = r == 0 ? 0 : (r & 1) ? (r + 1) / 2 : r / 2 - 1;
    if (farRow >= uvRows)
      farRow = uvRows - 1;
    size_t n = (size_t)nearRow * pl->uvStride,
           f = (size_t)farRow * pl->uvStride;
    upsampleRow(pl->y + (size_t)r * pl->yStride, pl->u + n, pl->v + n,
                pl->u + f, pl->v + f, v->width, rgb + (size_t)r * v->width * 3);
  }
}

/*--- Lossy decoding ---------------------------------------------------------*/

/* Scratch: the three planes, a filter byte per macroblock, the contexts
 * above (non-zero flags and 4x4 modes per macroblock column). */
static int64_t vp8Scratch(int mbw, int mbh) {
  int64_t mbs = (int64_t)mbw * mbh;
  return mbs * (256 + 2 * 64) + mbs + (int64_t)mbw * (sizeof(NzContext) + 4);
}

static int vp8Decode(const uint8_t *d, size_t n, uint8_t *rgb,
                     uint8_t *scratch) {
  Vp8 v;
  int err = parseHeader(&v, d, n);
  if (err)
    return err;
  Planes pl;
  size_t mbs = (size_t)v.mbw * v.mbh;
  pl.yStride = v.mbw * 16;
  pl.uvStride = v.mbw * 8;
  pl.y = scratch;
  pl.u = pl.y + mbs * 256;
  pl.v = pl.u + mbs * 64;
  uint8_t *info = pl.v + mbs * 64;
  NzContext *topNz = (NzContext *)(info + mbs);
  uint8_t *topModes = (uint8_t *)(topNz + v.mbw);
  memset(topNz, 0, sizeof(NzContext) * v.mbw);
  memset(topModes, B_DC, 4 * (size_t)v.mbw);

  int16_t coeffs[24 * 16];
  uint8_t work[26 * BPS];
  for (int mby = 0; mby < v.mbh; ++mby) {
    BoolReader *tokens = &v.parts[mby & (v.numParts - 1)];
    NzContext leftNz = {0, 0};
    uint8_t leftModes[4];
    memset(leftModes, B_DC, 4);
    for (int mbx = 0; mbx < v.mbw; ++mbx) {
      MbModes m;
      parseModes(&v, &m, topModes + 4 * mbx, leftModes);
      if (v.br.eof)
        return KILN_IMAGE_CORRUPT;
      int coded = 0;
      if (!m.skip) {
        coded = readResiduals(&v, tokens, &m, &topNz[mbx], &leftNz, coeffs);
      } else {
        memset(coeffs, 0, sizeof(coeffs));
        topNz[mbx].nz = leftNz.nz = 0;
        if (!m.is4x4)
          topNz[mbx].nzDc = leftNz.nzDc = 0;
      }
      if (tokens->eof)
        return KILN_IMAGE_CORRUPT;
      info[(size_t)mby * v.mbw + mbx] =
          (uint8_t)(m.segment | (m.is4x4 << 2) | (coded << 3));
      reconstruct(&v, &m, coeffs, &pl, mbx, mby, work);
    }
  }
  if (v.filterLevel)
    loopFilter(&v, &pl, info);
  toRgbImage(&v, &pl, rgb);
  return 0;
}

/*--- Entry points -----------------------------------------------------------*/

/* The image chunk of a WebP file, or an error. */
typedef struct {
  const uint8_t *data;
  size_t size;
  int lossless;
} ImageChunk;

int kiln_webp_header(const uint8_t *data, size_t size, KilnImageHeader *h,
                     int64_t *scratch) {
  ImageChunk c;
  int err = findImageChunk(data, size, &c.data, &c.size, &c.lossless);
  if (err)
    return err;
  if (c.lossless)
    return kiln_webp_lossless_header(c.data, c.size, h, scratch);
  int width, height;
  err = vp8Size(c.data, c.size, &width, &height);
  if (err)
    return err;
  h->width = width;
  h->height = height;
  h->channels = 3;
  *scratch = vp8Scratch((width + 15) >> 4, (height + 15) >> 4);
  return 0;
}

int kiln_webp_decode(const uint8_t *data, size_t size, uint8_t *pixels,
                     uint8_t *scratch) {
  ImageChunk c;
  int err = findImageChunk(data, size, &c.data, &c.size, &c.lossless);
  if (err)
    return err;
  return c.lossless ? kiln_webp_lossless_decode(c.data, c.size, pixels, scratch)
                    : vp8Decode(c.data, c.size, pixels, scratch);
}
