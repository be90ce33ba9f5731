/*===- kiln_image_jpeg2000.c - JPEG 2000: reversible images --------------===*
 *
 * JPEG 2000 Part 1 (ITU-T T.800) as lossless encoders write it, which is
 * what Pillow (OpenJPEG) saves by default: one tile at the image's origin,
 * the reversible 5/3 wavelet without quantization, optionally the
 * reversible color transform, 8-bit samples, the default precincts (one per
 * resolution), any progression order and number of quality layers. The
 * steps are exact integer arithmetic: packet headers (tag trees, pass
 * counts, segment lengths), the MQ arithmetic decoder and the three coding
 * passes of each code-block (Annex D), the inverse 5/3 lifting (rows, then
 * columns, at each level) and the level shift. A code-block cut short of
 * its last pass is reconstructed at the middle of its remaining interval,
 * rounded toward zero, as OpenJPEG does. Files in a JP2 box structure and
 * bare codestreams are both read; the irreversible 9/7 wavelet, several
 * tiles, custom precincts, regions of interest and the bypass and
 * terminate-each-pass code-block styles are refused as unsupported.
 *
 * kiln_jpeg2000_header reads the main header only; the decoder works in the
 * scratch memory it asks for and allocates nothing.
 *
 *===--------------------------------------------------------------------===*/

#include "kiln_image.h"

#include <string.h>

enum {
  kMaxComponents = 4,
  kMaxLevels = 32,
  kMaxBlockSide = 64, /* 2^(xcb + ycb) <= 4096, each side <= 1024 */
};

static uint32_t be16(const uint8_t *p) { return (p[0] << 8) | p[1]; }
static uint32_t be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | (p[1] << 16) | (p[2] << 8) | p[3];
}

/*--- Main header
 * --------------------------------------------------------------*/

typedef struct {
  int width, height, components;
  int levels, layers, progression, mct, blockStyle;
  int xcb, ycb; /* code-block size exponents */
  int sop, eph; /* markers around packets */
  int guardBits;
  uint8_t exponent[3 * kMaxLevels + 1]; /* per subband, LL first */
  const uint8_t *tile;                  /* the first tile-part (its SOT) */
  size_t tileSize;                      /* bytes from there to the end */
} J2k;

/* The codestream inside a JP2 file (its "jp2c" box), or the data itself. */
static int findCodestream(const uint8_t *d, size_t n, const uint8_t **cs,
                          size_t *csSize) {
  if (n >= 4 && be32(d) == 0xff4fff51u) {
    *cs = d;
    *csSize = n;
    return 0;
  }
  size_t at = 0;
  while (n - at >= 8) {
    uint64_t len = be32(d + at), header = 8;
    if (len == 1) {
      if (n - at < 16)
        return KILN_IMAGE_CORRUPT;
      len = ((uint64_t)be32(d + at + 8) << 32) | be32(d + at + 12);
      header = 16;
    } else if (len == 0) {
      len = n - at; /* the last box runs to the end */
    }
    if (len < header || len > n - at)
      return KILN_IMAGE_CORRUPT;
    if (!memcmp(d + at + 4, "jp2c", 4)) {
      *cs = d + at + header;
      *csSize = (size_t)(len - header);
      return 0;
    }
    at += (size_t)len;
  }
  return KILN_IMAGE_CORRUPT;
}

static int parseMainHeader(const uint8_t *d, size_t n, J2k *j) {
  memset(j, 0, sizeof(*j));
  const uint8_t *cs;
  size_t size;
  int err = findCodestream(d, n, &cs, &size);
  if (err)
    return err;
  if (size < 4 || be16(cs) != 0xff4f || be16(cs + 2) != 0xff51)
    return KILN_IMAGE_CORRUPT;
  size_t at = 2;
  int haveCod = 0, haveQcd = 0;
  while (size - at >= 4) {
    uint32_t marker = be16(cs + at);
    if (marker == 0xff90) { /* SOT: the first tile-part */
      j->tile = cs + at;
      j->tileSize = size - at;
      break;
    }
    if ((marker >> 8) != 0xff)
      return KILN_IMAGE_CORRUPT;
    uint32_t len = be16(cs + at + 2);
    if (len < 2 || len > size - at - 2)
      return KILN_IMAGE_CORRUPT;
    const uint8_t *p = cs + at + 4;
    uint32_t plen = len - 2;
    switch (marker) {
    case 0xff51: { /* SIZ */
      if (plen < 36)
        return KILN_IMAGE_CORRUPT;
      uint32_t xs = be32(p + 2), ys = be32(p + 6), x0 = be32(p + 10),
               y0 = be32(p + 14), tw = be32(p + 18), th = be32(p + 22),
               tx0 = be32(p + 26), ty0 = be32(p + 30);
      int comps = (int)be16(p + 34);
      if (comps < 1 || plen < 36 + 3 * (uint32_t)comps || xs <= x0 || ys <= y0)
        return KILN_IMAGE_CORRUPT;
      if (x0 || y0 || tx0 || ty0 || tw < xs || th < ys)
        return KILN_IMAGE_UNSUPPORTED; /* an offset image or several tiles */
      if (comps > kMaxComponents || xs > (1u << 16) || ys > (1u << 16))
        return KILN_IMAGE_UNSUPPORTED;
      for (int c = 0; c < comps; ++c) {
        const uint8_t *q = p + 36 + 3 * c;
        if (q[0] != 7 || q[1] != 1 || q[2] != 1)
          return KILN_IMAGE_UNSUPPORTED; /* not 8-bit unsigned, subsampled */
      }
      j->width = (int)xs;
      j->height = (int)ys;
      j->components = comps;
      break;
    }
    case 0xff52: /* COD */
      if (plen < 10)
        return KILN_IMAGE_CORRUPT;
      if (p[0] & 1)
        return KILN_IMAGE_UNSUPPORTED; /* custom precincts */
      j->sop = (p[0] >> 1) & 1;
      j->eph = (p[0] >> 2) & 1;
      j->progression = p[1];
      j->layers = (int)be16(p + 2);
      j->mct = p[4];
      j->levels = p[5];
      j->xcb = (p[6] & 0xf) + 2;
      j->ycb = (p[7] & 0xf) + 2;
      j->blockStyle = p[8];
      if (p[9] != 1)
        return KILN_IMAGE_UNSUPPORTED; /* the irreversible 9/7 wavelet */
      if (j->progression > 4 || j->layers < 1 || j->levels > kMaxLevels ||
          j->xcb + j->ycb > 12 || j->mct > 1)
        return KILN_IMAGE_CORRUPT;
      if (j->blockStyle & 0x05)
        return KILN_IMAGE_UNSUPPORTED; /* bypass, terminate each pass */
      haveCod = 1;
      break;
    case 0xff5c: { /* QCD */
      if (plen < 1)
        return KILN_IMAGE_CORRUPT;
      if ((p[0] & 0x1f) != 0)
        return KILN_IMAGE_UNSUPPORTED; /* quantized */
      j->guardBits = p[0] >> 5;
      if (plen - 1 > sizeof(j->exponent))
        return KILN_IMAGE_CORRUPT;
      for (uint32_t i = 0; i + 1 < plen; ++i)
        j->exponent[i] = p[1 + i] >> 3;
      haveQcd = (int)plen; /* 1 + the number of subbands given */
      break;
    }
    case 0xff53: /* COC */
    case 0xff5d: /* QCC */
    case 0xff5e: /* RGN */
    case 0xff5f: /* POC */
    case 0xff60: /* PPM */
      return KILN_IMAGE_UNSUPPORTED;
    default: /* TLM, PLM, CRG, COM, CAP, ...: no effect on the pixels */
      break;
    }
    at += 2 + len;
  }
  if (!j->tile || !j->width || !haveCod || !haveQcd)
    return KILN_IMAGE_CORRUPT;
  if (haveQcd - 1 < 3 * j->levels + 1)
    return KILN_IMAGE_CORRUPT; /* an exponent per subband */
  if (j->mct && j->components < 3)
    return KILN_IMAGE_CORRUPT;
  return 0;
}

/*--- Geometry
 * -----------------------------------------------------------------*/

/* Resolution r (0 = the smallest) of a dim of `size` samples: ceil(size /
 * 2^(levels - r)). */
static int resolutionSize(int size, int levels, int r) {
  int shift = levels - r;
  return (int)(((int64_t)size + (1ll << shift) - 1) >> shift);
}

typedef struct {
  int x0, y0, w, h; /* in the component's deinterleaved buffer */
  int orientation;  /* 0 LL, 1 HL, 2 LH, 3 HH */
  int bw, bh;       /* code-blocks across and down */
  int mb;           /* magnitude bit-planes */
  int firstBlock;   /* index of its first code-block */
} Band;

/* The subbands of resolution r of a component: LL for r = 0, else HL, LH,
 * HH in that order (Annex B.5). Returns how many. */
static int bandsOf(const J2k *j, int r, Band *bands) {
  int rw = resolutionSize(j->width, j->levels, r);
  int rh = resolutionSize(j->height, j->levels, r);
  int cw = 1 << j->xcb, ch = 1 << j->ycb;
  if (r == 0) {
    bands[0] = (Band){0, 0, rw, rh, 0, 0, 0, 0, 0};
  } else {
    int lw = resolutionSize(j->width, j->levels, r - 1);
    int lh = resolutionSize(j->height, j->levels, r - 1);
    bands[0] = (Band){lw, 0, rw - lw, lh, 1, 0, 0, 0, 0};
    bands[1] = (Band){0, lh, lw, rh - lh, 2, 0, 0, 0, 0};
    bands[2] = (Band){lw, lh, rw - lw, rh - lh, 3, 0, 0, 0, 0};
  }
  int count = r == 0 ? 1 : 3;
  for (int b = 0; b < count; ++b) {
    Band *band = &bands[b];
    band->bw = (band->w + cw - 1) / cw;
    band->bh = (band->h + ch - 1) / ch;
    int index = r == 0 ? 0 : 3 * (r - 1) + b + 1;
    band->mb = j->guardBits + j->exponent[index] - 1;
  }
  return count;
}

/*--- Packet headers (Annex B.10)
 * ----------------------------------------------*/

/* Bits most significant first; a byte after 0xff carries 7 (its top bit is
 * a stuffed 0). */
typedef struct {
  const uint8_t *p, *end;
  uint32_t byte, count;
  int last; /* the previous byte */
} HeaderBits;

static uint32_t headerBit(HeaderBits *h) {
  if (h->count == 0) {
    h->count = h->last == 0xff ? 7 : 8;
    h->byte = h->p < h->end ? *h->p++ : 0;
    h->last = (int)h->byte;
  }
  return (h->byte >> --h->count) & 1;
}

static uint32_t headerBits(HeaderBits *h, int n) {
  uint32_t v = 0;
  while (n-- > 0)
    v = (v << 1) | headerBit(h);
  return v;
}

/* The header ends on a byte boundary; a 0xff last byte takes the next one
 * (its stuffed bit) along. */
static void headerAlign(HeaderBits *h) {
  if (h->last == 0xff && h->count == 0 && h->p < h->end)
    ++h->p;
  h->count = 0;
}

/* A tag tree over a w x h grid: per node its value (kUnknown until
 * decoded) and the lower bound decoded so far. */
enum { kUnknown = 0x7fffffff };
typedef struct {
  int32_t value, low;
} TagNode;

typedef struct {
  TagNode *nodes;
  int levels;
  int w[17], h[17], first[17]; /* per level, leaves first */
} TagTree;

static int64_t tagTreeNodes(int w, int h) {
  int64_t n = 0;
  for (;;) {
    n += (int64_t)w * h;
    if (w <= 1 && h <= 1)
      return n;
    w = (w + 1) / 2;
    h = (h + 1) / 2;
  }
}

/* The shape of a tree over `w` x `h` leaves whose nodes are at `nodes`. */
static void tagTreeShape(TagTree *t, TagNode *nodes, int w, int h) {
  t->nodes = nodes;
  int at = 0, l = 0;
  for (;;) {
    t->w[l] = w;
    t->h[l] = h;
    t->first[l] = at;
    at += w * h;
    ++l;
    if (w <= 1 && h <= 1)
      break;
    w = (w + 1) / 2;
    h = (h + 1) / 2;
  }
  t->levels = l;
}

/* Decodes the leaf (x, y) up to `threshold`: whether its value is below
 * it; `value` gets it when so. */
static int tagTreeDecode(TagTree *t, HeaderBits *h, int x, int y, int threshold,
                         int *value) {
  int low = 0;
  TagNode *node = NULL;
  for (int l = t->levels - 1; l >= 0; --l) {
    node = &t->nodes[t->first[l] + (y >> l) * t->w[l] + (x >> l)];
    if (low > node->low)
      node->low = low;
    else
      low = node->low;
    while (low < threshold && low < node->value) {
      if (headerBit(h))
        node->value = low;
      else
        ++low;
    }
    node->low = low;
  }
  *value = node->value;
  return node->value < threshold;
}

/* One code-block's state across packets, and the pieces of its data in
 * the stream (a list through `next`). */
typedef struct {
  int included, zeroPlanes, passes, lblock;
  int firstPiece, lastPiece;
  uint32_t bytes;
} Block;

typedef struct {
  uint32_t offset, length;
  int32_t block, next;
} Piece;

/* A band's geometry with where its code-blocks and tag trees are. */
typedef struct {
  Band band;
  int64_t firstBlock, firstTagNode;
} BandInfo;

typedef struct {
  const J2k *j;
  BandInfo bands[3 * kMaxLevels + 1]; /* the same for every component */
  Block *blocks;                      /* per component, all its blocks */
  int64_t blocksPerComp;
  TagNode *tagNodes; /* two trees per band, per component */
  int64_t tagNodesPerComp;
  Piece *pieces;
  int64_t numPieces, maxPieces;
  const uint8_t *data; /* the tile's packet data */
  size_t size, at;
} Packets;

/* The band number (LL = 0, then HL, LH, HH per level) of band b of
 * resolution r. */
static int bandIndex(int r, int b) { return r == 0 ? 0 : 3 * (r - 1) + 1 + b; }

/* Fills in the bands; returns the code-blocks and tag-tree nodes one
 * component needs. */
static void layoutBands(Packets *pk, int64_t *blocks, int64_t *nodes) {
  int64_t nb = 0, nn = 0;
  for (int r = 0; r <= pk->j->levels; ++r) {
    Band bands[3];
    int n = bandsOf(pk->j, r, bands);
    for (int b = 0; b < n; ++b) {
      BandInfo *info = &pk->bands[bandIndex(r, b)];
      info->band = bands[b];
      info->firstBlock = nb;
      info->firstTagNode = nn;
      nb += (int64_t)bands[b].bw * bands[b].bh;
      nn += 2 * tagTreeNodes(bands[b].bw, bands[b].bh);
    }
  }
  *blocks = nb;
  *nodes = nn;
}

/* Reads the packet of (layer, resolution, component). */
static int readPacket(Packets *pk, int layer, int r, int c) {
  const J2k *j = pk->j;
  if (j->sop && pk->size - pk->at >= 6 && pk->data[pk->at] == 0xff &&
      pk->data[pk->at + 1] == 0x91)
    pk->at += 6;
  HeaderBits h = {pk->data + pk->at, pk->data + pk->size, 0, 0, 0};
  int nb = r == 0 ? 1 : 3;
  /* The contributions found in the header, in order. */
  int64_t firstNew = pk->numPieces;
  if (headerBit(&h)) {
    for (int b = 0; b < nb; ++b) {
      const BandInfo *info = &pk->bands[bandIndex(r, b)];
      const Band *band = &info->band;
      TagTree incl, zero;
      TagNode *nodes =
          pk->tagNodes + c * pk->tagNodesPerComp + info->firstTagNode;
      tagTreeShape(&incl, nodes, band->bw, band->bh);
      tagTreeShape(&zero, nodes + tagTreeNodes(band->bw, band->bh), band->bw,
                   band->bh);
      Block *blocks = pk->blocks + c * pk->blocksPerComp + info->firstBlock;
      for (int by = 0; by < band->bh; ++by)
        for (int bx = 0; bx < band->bw; ++bx) {
          Block *blk = &blocks[by * band->bw + bx];
          int in, value;
          if (blk->included)
            in = (int)headerBit(&h);
          else
            in = tagTreeDecode(&incl, &h, bx, by, layer + 1, &value);
          if (!in)
            continue;
          if (!blk->included) {
            int t = 1;
            while (!tagTreeDecode(&zero, &h, bx, by, t, &value)) {
              if (++t > 64)
                return 0;
            }
            blk->zeroPlanes = value;
            blk->included = 1;
            blk->lblock = 3;
          }
          int passes;
          if (!headerBit(&h))
            passes = 1;
          else if (!headerBit(&h))
            passes = 2;
          else if ((passes = (int)headerBits(&h, 2)) < 3)
            passes += 3;
          else if ((passes = (int)headerBits(&h, 5)) < 31)
            passes += 6;
          else
            passes = 37 + (int)headerBits(&h, 7);
          while (headerBit(&h))
            ++blk->lblock;
          int lenBits = blk->lblock;
          for (int n = passes; n > 1; n >>= 1)
            ++lenBits;
          if (lenBits > 31)
            return 0;
          uint32_t length = headerBits(&h, lenBits);
          blk->passes += passes;
          if (pk->numPieces == pk->maxPieces)
            return 0;
          Piece *piece = &pk->pieces[pk->numPieces];
          piece->length = length;
          piece->next = -1;
          piece->block = (int32_t)(blk - pk->blocks);
          ++pk->numPieces;
        }
    }
  }
  headerAlign(&h);
  if (h.p > h.end)
    return 0;
  pk->at = (size_t)(h.p - pk->data);
  if (j->eph && pk->size - pk->at >= 2 && pk->data[pk->at] == 0xff &&
      pk->data[pk->at + 1] == 0x92)
    pk->at += 2;
  /* The body: each contribution's bytes, in header order. */
  for (int64_t i = firstNew; i < pk->numPieces; ++i) {
    Piece *piece = &pk->pieces[i];
    Block *blk = &pk->blocks[piece->block];
    if (piece->length > pk->size - pk->at)
      return 0;
    piece->offset = (uint32_t)pk->at;
    pk->at += piece->length;
    blk->bytes += piece->length;
    if (blk->lastPiece >= 0)
      pk->pieces[blk->lastPiece].next = (int32_t)i;
    else
      blk->firstPiece = (int32_t)i;
    blk->lastPiece = (int32_t)i;
  }
  return 1;
}

/*--- The MQ decoder (Annex C)
 * ---------------------------------------------------*/

/* Qe, the next state after an MPS and after an LPS, and whether an LPS
 * switches the MPS (Table C.2). */
static const uint16_t kQe[47][4] = {
    {0x5601, 1, 1, 1},   {0x3401, 2, 6, 0},   {0x1801, 3, 9, 0},
    {0x0ac1, 4, 12, 0},  {0x0521, 5, 29, 0},  {0x0221, 38, 33, 0},
    {0x5601, 7, 6, 1},   {0x5401, 8, 14, 0},  {0x4801, 9, 14, 0},
    {0x3801, 10, 14, 0}, {0x3001, 11, 17, 0}, {0x2401, 12, 18, 0},
    {0x1c01, 13, 20, 0}, {0x1601, 29, 21, 0}, {0x5601, 15, 14, 1},
    {0x5401, 16, 14, 0}, {0x5101, 17, 15, 0}, {0x4801, 18, 16, 0},
    {0x3801, 19, 17, 0}, {0x3401, 20, 18, 0}, {0x3001, 21, 19, 0},
    {0x2801, 22, 19, 0}, {0x2401, 23, 20, 0}, {0x2201, 24, 21, 0},
    {0x1c01, 25, 22, 0}, {0x1801, 26, 23, 0}, {0x1601, 27, 24, 0},
    {0x1401, 28, 25, 0}, {0x1201, 29, 26, 0}, {0x1101, 30, 27, 0},
    {0x0ac1, 31, 28, 0}, {0x09c1, 32, 29, 0}, {0x08a1, 33, 30, 0},
    {0x0521, 34, 31, 0}, {0x0441, 35, 32, 0}, {0x02a1, 36, 33, 0},
    {0x0221, 37, 34, 0}, {0x0141, 38, 35, 0}, {0x0111, 39, 36, 0},
    {0x0085, 40, 37, 0}, {0x0049, 41, 38, 0}, {0x0025, 42, 39, 0},
    {0x0015, 43, 40, 0}, {0x0009, 44, 41, 0}, {0x0005, 45, 42, 0},
    {0x0001, 45, 43, 0}, {0x5601, 46, 46, 0}};

enum { kContexts = 19, CTX_RL = 17, CTX_UNI = 18 };

typedef struct {
  const uint8_t *d;
  size_t n, bp; /* bp: the last byte read */
  uint32_t a, c;
  int ct;
  uint8_t state[kContexts], mps[kContexts];
} Mq;

/* Bytes past the end read as 0xff: a marker, which feeds 1 bits. */
static int mqByte(const Mq *m, size_t i) { return i < m->n ? m->d[i] : 0xff; }

static void mqByteIn(Mq *m) {
  if (mqByte(m, m->bp) == 0xff) {
    if (mqByte(m, m->bp + 1) > 0x8f) {
      m->c += 0xff00;
      m->ct = 8;
    } else {
      ++m->bp;
      m->c += (uint32_t)mqByte(m, m->bp) << 9;
      m->ct = 7;
    }
  } else {
    ++m->bp;
    m->c += (uint32_t)mqByte(m, m->bp) << 8;
    m->ct = 8;
  }
}

static void mqResetContexts(Mq *m) {
  memset(m->state, 0, sizeof(m->state));
  memset(m->mps, 0, sizeof(m->mps));
  m->state[0] = 4;
  m->state[CTX_RL] = 3;
  m->state[CTX_UNI] = 46;
}

static void mqInit(Mq *m, const uint8_t *d, size_t n) {
  m->d = d;
  m->n = n;
  m->bp = 0;
  m->c = (uint32_t)mqByte(m, 0) << 16;
  mqByteIn(m);
  m->c <<= 7;
  m->ct -= 7;
  m->a = 0x8000;
  mqResetContexts(m);
}

static int mqDecode(Mq *m, int cx) {
  const uint16_t *s = kQe[m->state[cx]];
  uint32_t qe = s[0];
  int d;
  m->a -= qe;
  if ((m->c >> 16) < qe) { /* the LPS sub-interval, or a conditional swap */
    if (m->a < qe) {
      d = m->mps[cx];
      m->state[cx] = (uint8_t)s[1];
    } else {
      d = !m->mps[cx];
      if (s[3])
        m->mps[cx] = (uint8_t)!m->mps[cx];
      m->state[cx] = (uint8_t)s[2];
    }
    m->a = qe;
  } else {
    m->c -= qe << 16;
    if (m->a & 0x8000)
      return m->mps[cx];
    if (m->a < qe) {
      d = !m->mps[cx];
      if (s[3])
        m->mps[cx] = (uint8_t)!m->mps[cx];
      m->state[cx] = (uint8_t)s[2];
    } else {
      d = m->mps[cx];
      m->state[cx] = (uint8_t)s[1];
    }
  }
  do { /* renormalize */
    if (m->ct == 0)
      mqByteIn(m);
    m->a <<= 1;
    m->c <<= 1;
    --m->ct;
  } while (!(m->a & 0x8000));
  return d;
}

/*--- Code-blocks (Annex D)
 * ------------------------------------------------------*/

enum { SIG = 1, VISITED = 2, REFINED = 4, NEGATIVE = 8 };

typedef struct {
  int w, h, orientation, causal;
  uint8_t *flags; /* (w + 2) x (h + 2), a border of insignificant ones */
  int32_t *value; /* w x h: twice the magnitude, signed (see below) */
  Mq mq;
} Coder;

static uint8_t *flagAt(Coder *cb, int x, int y) {
  return cb->flags + (size_t)(y + 1) * (cb->w + 2) + (x + 1);
}

/* Significant neighbours: horizontal, vertical and diagonal counts. In the
 * vertically causal mode the row below a stripe counts as insignificant. */
static void neighbours(Coder *cb, int x, int y, int *h, int *v, int *d) {
  const uint8_t *f = flagAt(cb, x, y);
  int stride = cb->w + 2;
  int below = !(cb->causal && (y & 3) == 3);
  *h = (f[-1] & SIG) + (f[1] & SIG);
  *v = (f[-stride] & SIG) + (below ? (f[stride] & SIG) : 0);
  *d = (f[-stride - 1] & SIG) + (f[-stride + 1] & SIG) +
       (below ? (f[stride - 1] & SIG) + (f[stride + 1] & SIG) : 0);
}

/* The zero-coding context (Table D.1): LL and LH weigh horizontal
 * neighbours first, HL vertical ones, HH diagonal ones. */
static int zeroContext(const Coder *cb, int h, int v, int d) {
  if (cb->orientation == 3) {
    int hv = h + v;
    if (d == 0)
      return hv == 0 ? 0 : hv == 1 ? 1 : 2;
    if (d == 1)
      return hv == 0 ? 3 : hv == 1 ? 4 : 5;
    if (d == 2)
      return hv == 0 ? 6 : 7;
    return 8;
  }
  if (cb->orientation == 1) {
    int t = h;
    h = v;
    v = t;
  }
  if (h == 0) {
    if (v == 0)
      return d == 0 ? 0 : d == 1 ? 1 : 2;
    return v == 1 ? 3 : 4;
  }
  if (h == 1)
    return v ? 7 : d ? 6 : 5;
  return 8;
}

/* A neighbour's sign contribution: +1 positive, -1 negative, 0 if not
 * significant. */
static int signOf(uint8_t f) {
  return !(f & SIG) ? 0 : (f & NEGATIVE) ? -1 : 1;
}

/* Decodes the sign of a coefficient turning significant (Tables D.2, D.3). */
static int decodeSign(Coder *cb, int x, int y) {
  const uint8_t *f = flagAt(cb, x, y);
  int stride = cb->w + 2;
  int below = !(cb->causal && (y & 3) == 3);
  int h = signOf(f[-1]) + signOf(f[1]);
  int v = signOf(f[-stride]) + (below ? signOf(f[stride]) : 0);
  h = h < -1 ? -1 : h > 1 ? 1 : h;
  v = v < -1 ? -1 : v > 1 ? 1 : v;
  /* Context 9-13 and the bit the decoded symbol is XORed with. */
  static const uint8_t kContext[3][3] = {
      {13, 12, 11}, {10, 9, 10}, {11, 12, 13}};
  int flip = h < 0 || (h == 0 && v < 0);
  return mqDecode(&cb->mq, kContext[h + 1][v + 1]) ^ flip;
}

/* Values are kept as OpenJPEG keeps them: twice the magnitude, so that a
 * coefficient becoming significant in plane p sits at the middle of its
 * interval (3 << p) and each refinement moves it by half the remaining
 * width (1 << p); the result is the value halved toward zero. Exact for a
 * code-block decoded to plane 0. */
static void becomeSignificant(Coder *cb, int x, int y, int plane) {
  int negative = decodeSign(cb, x, y);
  *flagAt(cb, x, y) |= SIG | (negative ? NEGATIVE : 0);
  cb->value[(size_t)y * cb->w + x] = negative ? -(3 << plane) : 3 << plane;
}

static void significancePass(Coder *cb, int plane) {
  for (int y0 = 0; y0 < cb->h; y0 += 4)
    for (int x = 0; x < cb->w; ++x)
      for (int y = y0; y < y0 + 4 && y < cb->h; ++y) {
        uint8_t *f = flagAt(cb, x, y);
        if (*f & SIG)
          continue;
        int h, v, d;
        neighbours(cb, x, y, &h, &v, &d);
        if (h + v + d == 0)
          continue;
        *f |= VISITED;
        if (mqDecode(&cb->mq, zeroContext(cb, h, v, d)))
          becomeSignificant(cb, x, y, plane);
      }
}

static void refinementPass(Coder *cb, int plane) {
  for (int y0 = 0; y0 < cb->h; y0 += 4)
    for (int x = 0; x < cb->w; ++x)
      for (int y = y0; y < y0 + 4 && y < cb->h; ++y) {
        uint8_t *f = flagAt(cb, x, y);
        if ((*f & (SIG | VISITED)) != SIG)
          continue;
        int ctx = 16;
        if (!(*f & REFINED)) {
          int h, v, d;
          neighbours(cb, x, y, &h, &v, &d);
          ctx = h + v + d ? 15 : 14;
        }
        int bit = mqDecode(&cb->mq, ctx);
        int32_t *val = &cb->value[(size_t)y * cb->w + x];
        *val += (bit ^ (*val < 0)) ? 1 << plane : -(1 << plane);
        *f |= REFINED;
      }
}

static void cleanupPass(Coder *cb, int plane) {
  for (int y0 = 0; y0 < cb->h; y0 += 4)
    for (int x = 0; x < cb->w; ++x) {
      int y = y0;
      /* Run-length mode: a full column of four uncoded coefficients with no
       * significant neighbours. */
      if (y0 + 4 <= cb->h) {
        int quiet = 1;
        for (int k = 0; k < 4 && quiet; ++k) {
          int h, v, d;
          neighbours(cb, x, y0 + k, &h, &v, &d);
          quiet = !(*flagAt(cb, x, y0 + k) & (SIG | VISITED)) && h + v + d == 0;
        }
        if (quiet) {
          if (!mqDecode(&cb->mq, CTX_RL))
            continue; /* all four stay insignificant */
          int run = mqDecode(&cb->mq, CTX_UNI) << 1;
          run |= mqDecode(&cb->mq, CTX_UNI);
          y = y0 + run;
          becomeSignificant(cb, x, y, plane);
          ++y;
        }
      }
      for (; y < y0 + 4 && y < cb->h; ++y) {
        uint8_t *f = flagAt(cb, x, y);
        if (*f & (SIG | VISITED))
          continue;
        int h, v, d;
        neighbours(cb, x, y, &h, &v, &d);
        if (mqDecode(&cb->mq, zeroContext(cb, h, v, d)))
          becomeSignificant(cb, x, y, plane);
      }
    }
  for (int y = 0; y < cb->h; ++y)
    for (int x = 0; x < cb->w; ++x)
      *flagAt(cb, x, y) &= (uint8_t)~VISITED;
}

/* Decodes `passes` coding passes of a code-block whose most significant
 * plane is `top` from `data`, into `out` (stride `stride`). */
static void decodeBlock(Coder *cb, const uint8_t *data, size_t size, int passes,
                        int top, int style, int32_t *out, size_t stride) {
  memset(cb->flags, 0, (size_t)(cb->w + 2) * (cb->h + 2));
  memset(cb->value, 0, sizeof(int32_t) * (size_t)cb->w * cb->h);
  mqInit(&cb->mq, data, size);
  cb->causal = (style >> 3) & 1;
  for (int k = 0; k < passes; ++k) {
    int plane = top - (k + 2) / 3, kind = k == 0 ? 2 : (k - 1) % 3;
    if (plane < 0)
      break;
    if (kind == 0)
      significancePass(cb, plane);
    else if (kind == 1)
      refinementPass(cb, plane);
    else
      cleanupPass(cb, plane);
    if (kind == 2 && (style & 0x20)) /* segmentation symbol: 1010 */
      for (int i = 0; i < 4; ++i)
        mqDecode(&cb->mq, CTX_UNI);
    if (style & 0x02) /* reset the contexts after each pass */
      mqResetContexts(&cb->mq);
  }
  for (int y = 0; y < cb->h; ++y)
    for (int x = 0; x < cb->w; ++x)
      out[(size_t)y * stride + x] = cb->value[(size_t)y * cb->w + x] / 2;
}

/*--- The inverse 5/3 wavelet (Annex F)
 * ------------------------------------------*/

/* One line of `n` samples at `line` (`step` apart): low-pass coefficients
 * first (ceil(n / 2)), high-pass after; rebuilt in place through `tmp`,
 * with symmetric extension at both ends. */
static void inverse53Line(int32_t *line, size_t step, int n, int32_t *tmp) {
  if (n < 2)
    return;
  int sn = (n + 1) / 2, dn = n / 2;
  const int32_t *lo = tmp, *hi = tmp + sn;
  for (int i = 0; i < n; ++i)
    tmp[i] = line[(size_t)i * step];
  int32_t *out = tmp + n;
  for (int i = 0; i < sn; ++i) {
    int32_t left = hi[i > 0 ? i - 1 : 0], right = hi[i < dn ? i : dn - 1];
    out[2 * i] = lo[i] - ((left + right + 2) >> 2);
  }
  for (int i = 0; i < dn; ++i) {
    int32_t right = out[2 * i + 2 < n ? 2 * i + 2 : 2 * i];
    out[2 * i + 1] = hi[i] + ((out[2 * i] + right) >> 1);
  }
  for (int i = 0; i < n; ++i)
    line[(size_t)i * step] = out[i];
}

/* All levels of one component (`w` x `h`, deinterleaved subbands), the
 * smallest resolution first: rows, then columns. */
static void inverse53(const J2k *j, int32_t *px, int32_t *tmp) {
  for (int r = 1; r <= j->levels; ++r) {
    int rw = resolutionSize(j->width, j->levels, r);
    int rh = resolutionSize(j->height, j->levels, r);
    for (int y = 0; y < rh; ++y)
      inverse53Line(px + (size_t)y * j->width, 1, rw, tmp);
    for (int x = 0; x < rw; ++x)
      inverse53Line(px + x, (size_t)j->width, rh, tmp);
  }
}

/*--- Decoding
 * -------------------------------------------------------------------*/

/* Where the decode keeps its data in the scratch memory. */
typedef struct {
  int32_t *comp[kMaxComponents]; /* coefficients, then samples */
  Block *blocks;
  TagNode *tagNodes;
  Piece *pieces;
  int64_t maxPieces;
  uint8_t *packetData, *gather; /* the tile's packets; one block's bytes */
  uint8_t *flags;
  int32_t *values, *line;
} Layout;

static uint8_t *carve(uintptr_t *at, int64_t bytes) {
  uintptr_t p = (*at + 7) & ~(uintptr_t)7;
  *at = p + (uintptr_t)bytes;
  return (uint8_t *)p;
}

/* Lays the scratch out from `base` (0: only measures); returns its size.
 * `pk` gets its band table and per-component counts. */
static int64_t layoutScratch(const J2k *j, size_t dataSize, uintptr_t base,
                             Packets *pk, Layout *l) {
  uintptr_t at = base;
  int64_t npx = (int64_t)j->width * j->height;
  for (int c = 0; c < j->components; ++c)
    l->comp[c] = (int32_t *)carve(&at, 4 * npx);
  pk->j = j;
  layoutBands(pk, &pk->blocksPerComp, &pk->tagNodesPerComp);
  l->blocks = (Block *)carve(&at, j->components * pk->blocksPerComp *
                                      (int64_t)sizeof(Block));
  l->tagNodes = (TagNode *)carve(&at, j->components * pk->tagNodesPerComp *
                                          (int64_t)sizeof(TagNode));
  /* A contribution takes at least one bit of a packet header. */
  l->maxPieces = (int64_t)dataSize * 8 + 1;
  l->pieces = (Piece *)carve(&at, l->maxPieces * (int64_t)sizeof(Piece));
  l->packetData = carve(&at, (int64_t)dataSize);
  l->gather = carve(&at, (int64_t)dataSize);
  int64_t cbw = (int64_t)1 << j->xcb, cbh = (int64_t)1 << j->ycb;
  l->flags = carve(&at, (cbw + 2) * (cbh + 2));
  l->values = (int32_t *)carve(&at, 4 * cbw * cbh);
  int64_t longest = j->width > j->height ? j->width : j->height;
  l->line = (int32_t *)carve(&at, 8 * longest);
  return (int64_t)(at - base) + 8;
}

int kiln_jpeg2000_header(const uint8_t *data, size_t size, KilnImageHeader *h,
                         int64_t *scratch) {
  J2k j;
  int err = parseMainHeader(data, size, &j);
  if (err)
    return err;
  h->width = j.width;
  h->height = j.height;
  h->channels = j.components >= 3 ? 3 : 1;
  Packets pk;
  Layout l;
  *scratch = layoutScratch(&j, size, 0, &pk, &l);
  return 0;
}

/* Concatenates the tile-parts' packet data into `out`; returns its size or
 * -1. */
static int64_t gatherTileParts(const J2k *j, uint8_t *out) {
  const uint8_t *p = j->tile;
  size_t left = j->tileSize;
  int64_t total = 0;
  while (left >= 12 && be16(p) == 0xff90) {
    uint32_t lsot = be16(p + 2), psot = be32(p + 6);
    if (lsot != 10 || be16(p + 4) != 0)
      return -1; /* one tile only */
    if (psot == 0)
      psot = (uint32_t)left; /* the last tile-part runs to the end */
    if (psot > left || psot < 14)
      return -1;
    /* Markers up to SOD. */
    size_t at = 12;
    while (at + 2 <= psot && be16(p + at) != 0xff93) {
      if (at + 4 > psot)
        return -1;
      uint32_t marker = be16(p + at), len = be16(p + at + 2);
      if (marker == 0xff52 || marker == 0xff53 || marker == 0xff5c ||
          marker == 0xff5d || marker == 0xff5e || marker == 0xff5f ||
          marker == 0xff61)
        return -2; /* coding parameters that change per tile */
      if (len < 2 || at + 2 + len > psot)
        return -1;
      at += 2 + len;
    }
    if (at + 2 > psot)
      return -1;
    at += 2;
    memcpy(out + total, p + at, psot - at);
    total += (int64_t)(psot - at);
    p += psot;
    left -= psot;
  }
  return total;
}

int kiln_jpeg2000_decode(const uint8_t *data, size_t size, uint8_t *pixels,
                         uint8_t *scratch) {
  J2k j;
  int err = parseMainHeader(data, size, &j);
  if (err)
    return err;
  Packets pk;
  memset(&pk, 0, sizeof(pk));
  Layout l;
  layoutScratch(&j, size, (uintptr_t)scratch, &pk, &l);
  int64_t npx = (int64_t)j.width * j.height;
  int32_t **comp = l.comp;
  pk.blocks = l.blocks;
  pk.tagNodes = l.tagNodes;
  pk.pieces = l.pieces;
  pk.maxPieces = l.maxPieces;
  uint8_t *packetData = l.packetData, *gather = l.gather;
  int32_t *line = l.line;
  int cbw = 1 << j.xcb, cbh = 1 << j.ycb;
  Coder cb;
  cb.flags = l.flags;
  cb.value = l.values;

  for (int64_t i = 0; i < j.components * pk.blocksPerComp; ++i)
    pk.blocks[i] = (Block){0, 0, 0, 3, -1, -1, 0};
  for (int64_t i = 0; i < j.components * pk.tagNodesPerComp; ++i)
    pk.tagNodes[i] = (TagNode){kUnknown, 0};
  int64_t got = gatherTileParts(&j, packetData);
  if (got == -2)
    return KILN_IMAGE_UNSUPPORTED;
  if (got < 0)
    return KILN_IMAGE_CORRUPT;
  pk.data = packetData;
  pk.size = (size_t)got;

  /* Packets in the progression order; with one precinct per resolution
   * the position-driven orders visit components and resolutions only. */
  int L = j.layers, R = j.levels + 1, C = j.components;
  for (int i0 = 0, n0 = j.progression == 0   ? L
                        : j.progression <= 2 ? R
                                             : C;
       i0 < n0; ++i0)
    for (int i1 = 0, n1 = j.progression == 0   ? R
                          : j.progression == 1 ? L
                          : j.progression == 2 ? C
                                               : R;
         i1 < n1; ++i1)
      for (int i2 = 0, n2 = j.progression <= 1 ? C : L; i2 < n2; ++i2) {
        int layer, r, c;
        switch (j.progression) {
        case 0:
          layer = i0, r = i1, c = i2;
          break; /* LRCP */
        case 1:
          r = i0, layer = i1, c = i2;
          break; /* RLCP */
        case 2:
          r = i0, c = i1, layer = i2;
          break; /* RPCL */
        default:
          c = i0, r = i1, layer = i2;
          break; /* PCRL, CPRL */
        }
        if (pk.at >= pk.size)
          goto decoded; /* a truncated stream keeps what it has */
        if (!readPacket(&pk, layer, r, c))
          return KILN_IMAGE_CORRUPT;
      }
decoded:
  for (int c = 0; c < C; ++c) {
    memset(comp[c], 0, sizeof(int32_t) * (size_t)npx);
    for (int bi = 0; bi < 3 * j.levels + 1; ++bi) {
      const BandInfo *info = &pk.bands[bi];
      const Band *band = &info->band;
      for (int by = 0; by < band->bh; ++by)
        for (int bx = 0; bx < band->bw; ++bx) {
          const Block *blk = &pk.blocks[c * pk.blocksPerComp +
                                        info->firstBlock + by * band->bw + bx];
          if (!blk->included || !blk->passes)
            continue;
          int top = band->mb - 1 - blk->zeroPlanes;
          if (top < 0)
            continue;
          if (top >= 30)
            return KILN_IMAGE_CORRUPT; /* values are kept in 31 bits */
          size_t n = 0;
          for (int32_t i = blk->firstPiece; i >= 0; i = pk.pieces[i].next) {
            memcpy(gather + n, pk.data + pk.pieces[i].offset,
                   pk.pieces[i].length);
            n += pk.pieces[i].length;
          }
          cb.w = band->w - bx * cbw < cbw ? band->w - bx * cbw : cbw;
          cb.h = band->h - by * cbh < cbh ? band->h - by * cbh : cbh;
          cb.orientation = band->orientation;
          int32_t *out = comp[c] + (size_t)(band->y0 + by * cbh) * j.width +
                         band->x0 + bx * cbw;
          decodeBlock(&cb, gather, n, blk->passes, top, j.blockStyle, out,
                      (size_t)j.width);
        }
    }
    inverse53(&j, comp[c], line);
  }
  /* The reversible color transform, then the level shift. */
  for (int64_t i = 0; i < npx; ++i) {
    int32_t v[kMaxComponents];
    for (int c = 0; c < C; ++c)
      v[c] = comp[c][i];
    if (j.mct) {
      int32_t g = v[0] - ((v[1] + v[2]) >> 2);
      int32_t r = v[2] + g, b = v[1] + g;
      v[0] = r, v[1] = g, v[2] = b;
    }
    int channels = C >= 3 ? 3 : 1;
    for (int c = 0; c < channels; ++c) {
      int32_t x = v[c] + 128;
      pixels[i * channels + c] = (uint8_t)(x < 0 ? 0 : x > 255 ? 255 : x);
    }
  }
  return 0;
}
