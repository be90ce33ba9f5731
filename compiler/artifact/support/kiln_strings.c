/*===- kiln_strings.c - String work for generated code ------------------===*
 *
 * The string operations Kiln's generated code calls instead of emitting
 * them inline (compiler/conversion/StringOps.cpp). A string tensor is an
 * array of pointers to NUL-terminated UTF-8; these functions never allocate:
 * the generated code sizes and allocates the bytes of new strings from the
 * run's arena and passes them in. Built into a static archive that the
 * compiler embeds and links into every artifact that calls it, so the
 * runtime never sees it. Every symbol is hidden: an artifact exports only
 * its descriptor.
 *
 *===--------------------------------------------------------------------===*/

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KILN_HIDDEN __attribute__((visibility("hidden")))

/* StringNormalizer's case_change_action, as the generated code passes it. */
enum { KILN_CASE_NONE = 0, KILN_CASE_LOWER = 1, KILN_CASE_UPPER = 2 };

/*--- Formatting numbers (Cast to string) ----------------------------------*/

/* ONNX Runtime's spellings of the non-finite values. */
static int formatNonFinite(double v, char *dst) {
  if (isnan(v)) {
    strcpy(dst, "NaN");
    return 1;
  }
  if (isinf(v)) {
    strcpy(dst, v < 0 ? "-INF" : "INF");
    return 1;
  }
  return 0;
}

/* The shortest "%.{p}g" form that parses back to `v`, as ONNX's reference
 * (numpy's str) formats floats: 0.6048455, 0.3. ONNX Runtime prints "%.8g"
 * instead (0.60484552, 0.30000001), which fails ONNX's own Cast tests. */
KILN_HIDDEN char *kiln_str_from_f32(float v, char *dst) {
  if (formatNonFinite(v, dst))
    return dst;
  for (int p = 1; p <= 9; ++p) {
    snprintf(dst, 32, "%.*g", p, (double)v);
    if (strtof(dst, NULL) == v)
      break;
  }
  return dst;
}

/* As kiln_str_from_f32, for doubles (up to 17 digits). */
KILN_HIDDEN char *kiln_str_from_f64(double v, char *dst) {
  if (formatNonFinite(v, dst))
    return dst;
  for (int p = 1; p <= 17; ++p) {
    snprintf(dst, 32, "%.*g", p, v);
    if (strtod(dst, NULL) == v)
      break;
  }
  return dst;
}

KILN_HIDDEN char *kiln_str_from_i64(int64_t v, char *dst) {
  snprintf(dst, 32, "%lld", (long long)v);
  return dst;
}

KILN_HIDDEN char *kiln_str_from_u64(uint64_t v, char *dst) {
  snprintf(dst, 32, "%llu", (unsigned long long)v);
  return dst;
}

/*--- Parsing numbers (Cast from string) -----------------------------------*/

/* strtod accepts "NaN", "INF", "+INF", "-INF" and "infinity" in any case. */
KILN_HIDDEN float kiln_str_to_f32(const char *s) { return strtof(s, NULL); }
KILN_HIDDEN double kiln_str_to_f64(const char *s) { return strtod(s, NULL); }
KILN_HIDDEN int64_t kiln_str_to_i64(const char *s) {
  return (int64_t)strtoll(s, NULL, 10);
}
KILN_HIDDEN uint64_t kiln_str_to_u64(const char *s) {
  return (uint64_t)strtoull(s, NULL, 10);
}

/*--- StringNormalizer ------------------------------------------------------*/

/* Decodes one UTF-8 code point at `s` into `*cp`; returns its length in
 * bytes (1 for a malformed byte, which is kept as is). */
static int decodeUtf8(const unsigned char *s, uint32_t *cp) {
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
    *cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    return 2;
  }
  *cp = 0xFFFFFFFFu; /* not a two-byte letter: never case-mapped */
  if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80)
    return 3;
  if ((s[0] & 0xF8) == 0xF0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
      (s[3] & 0xC0) == 0x80)
    return 4;
  return 1;
}

/* Case mapping of the scripts whose upper and lower forms have the same
 * UTF-8 length: ASCII, Latin-1, Greek and Cyrillic. So a normalized string
 * is exactly as long as its input, and the generated code can size the
 * output bytes before writing them. Other code points are kept. */
static uint32_t toLower(uint32_t c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
      (c >= 0x391 && c <= 0x3AB && c != 0x3A2) || (c >= 0x410 && c <= 0x42F))
    return c + 0x20;
  if (c >= 0x400 && c <= 0x40F)
    return c + 0x50;
  return c;
}

static uint32_t toUpper(uint32_t c) {
  if ((c >= 'a' && c <= 'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7) ||
      (c >= 0x3B1 && c <= 0x3CB && c != 0x3C2) || (c >= 0x430 && c <= 0x44F))
    return c - 0x20;
  if (c >= 0x450 && c <= 0x45F)
    return c - 0x50;
  return c;
}

static uint32_t mapCase(uint32_t c, int32_t action) {
  if (action == KILN_CASE_LOWER)
    return toLower(c);
  if (action == KILN_CASE_UPPER)
    return toUpper(c);
  return c;
}

/* Writes `cp` (below U+0800) in `len` bytes. */
static void encodeUtf8(uint32_t cp, int len, unsigned char *dst) {
  if (len == 1) {
    dst[0] = (unsigned char)cp;
    return;
  }
  dst[0] = (unsigned char)(0xC0 | (cp >> 6));
  dst[1] = (unsigned char)(0x80 | (cp & 0x3F));
}

/* Bytes `s` takes, its NUL included: what kiln_str_case_copy writes. */
KILN_HIDDEN int64_t kiln_str_size(const char *s) {
  return (int64_t)strlen(s) + 1;
}

/* Copies `s` to `dst` applying `action` (KILN_CASE_*); returns the bytes
 * written, the NUL included. */
KILN_HIDDEN int64_t kiln_str_case_copy(const char *s, char *dst,
                                       int32_t action) {
  const unsigned char *in = (const unsigned char *)s;
  unsigned char *out = (unsigned char *)dst;
  int64_t i = 0;
  while (in[i]) {
    uint32_t cp;
    int len = decodeUtf8(in + i, &cp);
    uint32_t mapped = cp == 0xFFFFFFFFu ? cp : mapCase(cp, action);
    if (mapped != cp)
      encodeUtf8(mapped, len, out + i);
    else
      memcpy(out + i, in + i, (size_t)len);
    i += len;
  }
  out[i] = 0;
  return i + 1;
}

/* True when `a` and `b` are equal, ignoring case when `caseSensitive` is 0. */
static int sameWord(const char *a, const char *b, int32_t caseSensitive) {
  if (caseSensitive)
    return strcmp(a, b) == 0;
  const unsigned char *x = (const unsigned char *)a;
  const unsigned char *y = (const unsigned char *)b;
  while (*x && *y) {
    uint32_t cx, cy;
    int lx = decodeUtf8(x, &cx), ly = decodeUtf8(y, &cy);
    if (lx != ly)
      return 0;
    if (cx == 0xFFFFFFFFu || cy == 0xFFFFFFFFu) {
      if (memcmp(x, y, (size_t)lx) != 0)
        return 0;
    } else if (toLower(cx) != toLower(cy)) {
      return 0;
    }
    x += lx;
    y += ly;
  }
  return *x == *y;
}

/* 1 when `s` is none of `words` (NUL-separated, ended by an empty word; NULL
 * for none), so StringNormalizer keeps it. */
KILN_HIDDEN int32_t kiln_str_keep(const char *s, const char *words,
                                  int32_t caseSensitive) {
  if (!words)
    return 1;
  for (const char *w = words; *w; w += strlen(w) + 1)
    if (sameWord(s, w, caseSensitive))
      return 0;
  return 1;
}

/* The position of `s` among the `n` NUL-separated strings of `keys` (the
 * first match), -1 when it is none of them: LabelEncoder's and
 * CategoryMapper's lookups. */
KILN_HIDDEN int64_t kiln_str_index(const char *s, const char *keys,
                                   int64_t n) {
  const char *k = keys;
  for (int64_t i = 0; i < n; ++i) {
    if (strcmp(s, k) == 0)
      return i;
    k += strlen(k) + 1;
  }
  return -1;
}

/* 1 when `a` and `b` hold the same bytes: Equal on strings. */
KILN_HIDDEN int32_t kiln_str_equal(const char *a, const char *b) {
  return strcmp(a, b) == 0;
}

/* Writes `a` then `b` and a NUL at `dst` (StringConcat); returns the bytes
 * written, the NUL included. */
KILN_HIDDEN int64_t kiln_str_concat(const char *a, const char *b, char *dst) {
  size_t la = strlen(a), lb = strlen(b);
  memcpy(dst, a, la);
  memcpy(dst + la, b, lb + 1);
  return (int64_t)(la + lb + 1);
}

/* Makes `dst` the empty string (StringNormalizer's output when every input
 * is a stopword) and returns it. */
KILN_HIDDEN char *kiln_str_empty(char *dst) {
  dst[0] = 0;
  return dst;
}

/*--- StringSplit -----------------------------------------------------------*/

/* Python's str.split, which ONNX's reference runs: with a delimiter, the
 * pieces between its occurrences (empty ones included, at most maxsplit + 1
 * pieces when maxsplit >= 0); without one (NULL or empty), the runs of
 * non-whitespace, where the last piece, when maxsplit stops the splitting,
 * is the rest of the string after its leading whitespace. Whitespace is
 * ASCII's (ONNX Runtime's; Python also counts Unicode spaces). */

static int isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
         c == '\r';
}

/* Calls `piece(begin, length, ctx)` for each piece of `s`; returns how
 * many there are. */
static int64_t splitPieces(const char *s, const char *delim, int64_t maxsplit,
                           void (*piece)(const char *, size_t, void *),
                           void *ctx) {
  int64_t count = 0;
  if (delim && *delim) {
    size_t dl = strlen(delim);
    const char *start = s;
    for (;;) {
      const char *hit =
          (maxsplit < 0 || count < maxsplit) ? strstr(start, delim) : NULL;
      if (!hit) {
        piece(start, strlen(start), ctx);
        return count + 1;
      }
      piece(start, (size_t)(hit - start), ctx);
      ++count;
      start = hit + dl;
    }
  }
  const char *p = s;
  for (;;) {
    while (isSpace(*p))
      ++p;
    if (!*p)
      return count;
    if (maxsplit >= 0 && count == maxsplit) {
      piece(p, strlen(p), ctx);
      return count + 1;
    }
    const char *start = p;
    while (*p && !isSpace(*p))
      ++p;
    piece(start, (size_t)(p - start), ctx);
    ++count;
  }
}

static void ignorePiece(const char *begin, size_t length, void *ctx) {
  (void)begin, (void)length, (void)ctx;
}

/* The number of pieces StringSplit makes of `s` (maxsplit < 0: no limit). */
KILN_HIDDEN int64_t kiln_str_split_count(const char *s, const char *delim,
                                         int64_t maxsplit) {
  return splitPieces(s, delim, maxsplit, ignorePiece, NULL);
}

typedef struct {
  char *bytes;         /* where the next piece's bytes go */
  const char **pieces; /* where the next piece's address goes */
} SplitWriter;

static void writePiece(const char *begin, size_t length, void *ctx) {
  SplitWriter *w = ctx;
  memcpy(w->bytes, begin, length);
  w->bytes[length] = 0;
  *w->pieces++ = w->bytes;
  w->bytes += length + 1;
}

/* Writes the pieces of `s`, each NUL-terminated, one after the other at
 * `bytes` (at most kiln_str_size(s) + the piece count bytes) and their
 * addresses at `pieces`; returns the bytes written. */
KILN_HIDDEN int64_t kiln_str_split_write(const char *s, const char *delim,
                                         int64_t maxsplit, char *bytes,
                                         const char **pieces) {
  SplitWriter w = {bytes, pieces};
  splitPieces(s, delim, maxsplit, writePiece, &w);
  return (int64_t)(w.bytes - bytes);
}

/* Piece `i` of what kiln_str_split_write stored at `pieces`: the generated
 * code reads the addresses back through this. */
KILN_HIDDEN const char *kiln_str_split_piece(const char *const *pieces,
                                             int64_t i) {
  return pieces[i];
}
