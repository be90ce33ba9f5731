/*===- kiln_regex_compile.c - RE2 patterns to Thompson NFA programs -----===*
 *
 * Parses a pattern in RE2's syntax (https://github.com/google/re2/wiki/Syntax)
 * into a small syntax tree and compiles the tree into the program format of
 * kiln_regex.h. It runs in the compiler when a model is compiled, so a bad
 * pattern is a compile error, never a run failure; the artifact gets only
 * the program and kiln_regex_match.c.
 *
 * What is implemented is what RE2 accepts, minus its Unicode tables:
 *   literals, `.`, `[...]` and `[^...]` with ranges, escapes and POSIX
 *   classes ([:alpha:] ...), the Perl classes \d \s \w and their negations
 *   (ASCII, as in RE2), anchors ^ $ \A \z, \b \B, groups ( ), (?: ),
 *   (?P<name> ) and (?<name> ), flags (?imsU) and (?flags: ), repetition
 *   * + ? {n} {n,} {n,m} (n, m <= 1000) and their lazy forms, \Q...\E,
 *   escapes \a \f \t \n \r \v \x41 \x{10FFFF} \0 \123.
 * Refused with a reason, as RE2 refuses them: backreferences, lookaround,
 * repetition of nothing or of a repetition; refused because Kiln lacks the
 * tables: Unicode classes \p{..} \P{..} and \C. Case folding under (?i)
 * covers ASCII, Latin-1, Greek, Cyrillic and the orbits RE2 adds to them
 * (the Kelvin sign, the long s, final sigma, ...); RE2 folds all of
 * Unicode.
 * Lazy and greedy repetition match the same strings, and RegexFullMatch
 * only asks whether the whole string matches, so (?U) and `?` after a
 * repetition change nothing here.
 *
 *===--------------------------------------------------------------------===*/

#include "kiln_regex.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* RE2's limits: repetition counts up to 1000, nesting up to 1000. */
enum { kMaxRepeat = 1000, kMaxDepth = 1000, kMaxInstructions = 100000 };

enum Flags { kFold = 1, kMultiLine = 2, kDotNewline = 4 };

typedef enum {
  N_EMPTY,  /* matches the empty string */
  N_FLAGS,  /* (?i) and the like: nothing to match, not repeatable */
  N_CHAR,   /* a: code point */
  N_CLASS,  /* a: first range, b: range count */
  N_ANY,    /* with (?s) */
  N_ANY_NL, /* . without (?s) */
  N_ASSERT, /* a: KilnRegexAssertion */
  N_CAT,    /* children */
  N_ALT,    /* children */
  N_REPEAT, /* child, a: min, b: max (-1: no bound) */
} NodeKind;

typedef struct {
  NodeKind kind;
  int32_t a, b;
  int32_t first, last, next; /* children (first, last) and sibling */
} Node;

typedef struct {
  /* The pattern. */
  const unsigned char *p, *end;
  int flags;
  int depth;
  /* The tree. */
  Node *nodes;
  int32_t nodeCount, nodeCap;
  /* Ranges of every class, pairs; a class's ranges are contiguous. */
  int32_t *ranges;
  int32_t rangeCount, rangeCap; /* in pairs */
  /* The program. */
  int32_t *insts;
  int32_t instCount, instCap; /* in instructions */
  /* The first error. */
  char *error;
  size_t errorCap;
  int failed;
} Parser;

static int fail(Parser *P, const char *fmt, ...) {
  if (!P->failed) {
    P->failed = 1;
    va_list args;
    va_start(args, fmt);
    if (P->errorCap)
      vsnprintf(P->error, P->errorCap, fmt, args);
    va_end(args);
  }
  return -1;
}

/* Grows `*data` (of `size`-byte items, `*cap` of them) to hold `need`. */
static int reserve(Parser *P, void **data, int32_t *cap, int32_t need,
                   size_t size) {
  if (need <= *cap)
    return 0;
  int32_t next = *cap ? *cap : 16;
  while (next < need)
    next *= 2;
  void *grown = realloc(*data, (size_t)next * size);
  if (!grown)
    return fail(P, "out of memory compiling the pattern");
  *data = grown;
  *cap = next;
  return 0;
}

static int32_t newNode(Parser *P, NodeKind kind, int32_t a, int32_t b) {
  if (reserve(P, (void **)&P->nodes, &P->nodeCap, P->nodeCount + 1,
              sizeof(Node)))
    return -1;
  Node *n = &P->nodes[P->nodeCount];
  n->kind = kind;
  n->a = a;
  n->b = b;
  n->first = n->last = n->next = -1;
  return P->nodeCount++;
}

static void addChild(Parser *P, int32_t parent, int32_t child) {
  Node *n = &P->nodes[parent];
  if (n->last < 0)
    n->first = child;
  else
    P->nodes[n->last].next = child;
  n->last = child;
}

/*--- Reading the pattern --------------------------------------------------*/

static int atEnd(const Parser *P) { return P->p >= P->end; }

static int peekByte(const Parser *P, size_t ahead) {
  return P->p + ahead < P->end ? P->p[ahead] : -1;
}

/* The next code point of the pattern, consumed; -1 (with the error set) on
 * bytes that are not UTF-8. */
static int32_t nextChar(Parser *P) {
  const unsigned char *s = P->p;
  size_t left = (size_t)(P->end - s);
  unsigned c = s[0];
  int need;
  uint32_t cp, min;
  if (c < 0x80) {
    P->p += 1;
    return (int32_t)c;
  }
  if ((c & 0xE0) == 0xC0)
    need = 1, cp = c & 0x1F, min = 0x80;
  else if ((c & 0xF0) == 0xE0)
    need = 2, cp = c & 0x0F, min = 0x800;
  else if ((c & 0xF8) == 0xF0)
    need = 3, cp = c & 0x07, min = 0x10000;
  else
    return fail(P, "invalid UTF-8 in the pattern");
  if (left <= (size_t)need)
    return fail(P, "invalid UTF-8 in the pattern");
  for (int i = 1; i <= need; ++i) {
    if ((s[i] & 0xC0) != 0x80)
      return fail(P, "invalid UTF-8 in the pattern");
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return fail(P, "invalid UTF-8 in the pattern");
  P->p += need + 1;
  return (int32_t)cp;
}

static int consumeIf(Parser *P, const char *text) {
  size_t n = strlen(text);
  if ((size_t)(P->end - P->p) < n || memcmp(P->p, text, n) != 0)
    return 0;
  P->p += n;
  return 1;
}

/*--- Case folding ---------------------------------------------------------*/

/* The other case of `c` in the scripts whose case pairs are one apart in a
 * table: ASCII, Latin-1, basic Greek and Cyrillic; `c` itself otherwise. */
static int32_t otherCase(int32_t c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 0xC0 && c <= 0xDE && c != 0xD7) ||
      (c >= 0x391 && c <= 0x3AB && c != 0x3A2) || (c >= 0x410 && c <= 0x42F))
    return c + 0x20;
  if ((c >= 'a' && c <= 'z') || (c >= 0xE0 && c <= 0xFE && c != 0xF7) ||
      (c >= 0x3B1 && c <= 0x3CB && c != 0x3C2) || (c >= 0x430 && c <= 0x44F))
    return c - 0x20;
  if (c >= 0x400 && c <= 0x40F)
    return c + 0x50;
  if (c >= 0x450 && c <= 0x45F)
    return c - 0x50;
  return c;
}

/* The case orbits of more than two letters, or whose other case is outside
 * otherCase's tables, as RE2 folds them (K and the Kelvin sign, s and the
 * long s, the three sigmas, micro and mu, A-ring and the Angstrom sign,
 * sharp s and its capital, y-diaeresis). */
static const int32_t kOrbits[][3] = {
    {'K', 'k', 0x212A},   {'S', 's', 0x17F},    {0x3A3, 0x3C3, 0x3C2},
    {0xB5, 0x39C, 0x3BC}, {0xC5, 0xE5, 0x212B}, {0xDF, 0x1E9E, 0xDF},
    {0xFF, 0x178, 0xFF},
};
enum { kOrbitCount = sizeof(kOrbits) / sizeof(kOrbits[0]) };

/* Writes the code points `c` matches under (?i), `c` included, to `out`
 * (room for 4); returns how many. */
static int caseVariants(int32_t c, int32_t *out) {
  int n = 0;
  out[n++] = c;
  for (int i = 0; i < kOrbitCount; ++i)
    if (kOrbits[i][0] == c || kOrbits[i][1] == c || kOrbits[i][2] == c) {
      for (int k = 0; k < 3; ++k)
        if (kOrbits[i][k] != c && (n < 2 || out[n - 1] != kOrbits[i][k]))
          out[n++] = kOrbits[i][k];
      return n;
    }
  int32_t o = otherCase(c);
  if (o != c)
    out[n++] = o;
  return n;
}
/* Above this no code point has a case variant otherCase knows; the orbits
 * are checked on their own. */
enum { kLastCased = 0x45F };

/*--- Character classes ----------------------------------------------------*/

/* A class under construction: ranges appended to the parser's pool from
 * `start`, normalized by endClass. */
static int addRange(Parser *P, int32_t lo, int32_t hi) {
  if (reserve(P, (void **)&P->ranges, &P->rangeCap, P->rangeCount + 1,
              2 * sizeof(int32_t)))
    return -1;
  P->ranges[2 * P->rangeCount] = lo;
  P->ranges[2 * P->rangeCount + 1] = hi;
  P->rangeCount++;
  return 0;
}

static int compareRanges(const void *x, const void *y) {
  const int32_t *a = x, *b = y;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/* Adds the ranges of a Perl or POSIX class; negated ones as complements. */
static int addNamedClass(Parser *P, const int32_t *pairs, int count,
                         int negated) {
  if (!negated) {
    for (int i = 0; i < count; ++i)
      if (addRange(P, pairs[2 * i], pairs[2 * i + 1]))
        return -1;
    return 0;
  }
  int32_t lo = 0;
  for (int i = 0; i < count; ++i) {
    if (pairs[2 * i] > lo && addRange(P, lo, pairs[2 * i] - 1))
      return -1;
    lo = pairs[2 * i + 1] + 1;
  }
  return lo <= KILN_RX_MAX_CODE ? addRange(P, lo, KILN_RX_MAX_CODE) : 0;
}

/* Sorts and merges the ranges from `start`, adds the other case of each
 * code point under (?i), complements them when `negated`; returns the
 * class node. */
static int32_t endClass(Parser *P, int32_t start, int negated) {
  if (P->flags & kFold) {
    int32_t end = P->rangeCount;
    for (int32_t i = start; i < end; ++i) {
      int32_t lo = P->ranges[2 * i], hi = P->ranges[2 * i + 1];
      int32_t v[4];
      for (int32_t c = lo; c <= hi && c <= kLastCased; ++c)
        for (int k = 1, n = caseVariants(c, v); k < n; ++k)
          if (addRange(P, v[k], v[k]))
            return -1;
      for (int o = 0; o < kOrbitCount; ++o)
        for (int k = 0; k < 3; ++k)
          if (kOrbits[o][k] > kLastCased && kOrbits[o][k] >= lo &&
              kOrbits[o][k] <= hi)
            for (int j = 0; j < 3; ++j)
              if (addRange(P, kOrbits[o][j], kOrbits[o][j]))
                return -1;
    }
  }
  int32_t count = P->rangeCount - start;
  int32_t *r = P->ranges + 2 * start;
  qsort(r, (size_t)count, 2 * sizeof(int32_t), compareRanges);
  int32_t merged = 0;
  for (int32_t i = 0; i < count; ++i) {
    if (merged > 0 && r[2 * i] <= r[2 * (merged - 1) + 1] + 1) {
      if (r[2 * i + 1] > r[2 * (merged - 1) + 1])
        r[2 * (merged - 1) + 1] = r[2 * i + 1];
      continue;
    }
    r[2 * merged] = r[2 * i];
    r[2 * merged + 1] = r[2 * i + 1];
    ++merged;
  }
  P->rangeCount = start + merged;
  if (negated) {
    /* The complement, built after the class in the pool and moved down. */
    int32_t lo = 0;
    int32_t from = P->rangeCount;
    for (int32_t i = 0; i < merged; ++i) {
      int32_t a = P->ranges[2 * (start + i)],
              b = P->ranges[2 * (start + i) + 1];
      if (a > lo && addRange(P, lo, a - 1))
        return -1;
      lo = b + 1;
    }
    if (lo <= KILN_RX_MAX_CODE && addRange(P, lo, KILN_RX_MAX_CODE))
      return -1;
    int32_t n = P->rangeCount - from;
    memmove(P->ranges + 2 * start, P->ranges + 2 * from,
            (size_t)n * 2 * sizeof(int32_t));
    P->rangeCount = start + n;
    merged = n;
  }
  return newNode(P, N_CLASS, start, merged);
}

static const int32_t kDigit[] = {'0', '9'};
static const int32_t kSpace[] = {'\t', '\n', '\f', '\r', ' ', ' '};
static const int32_t kWord[] = {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'};

/* The Perl class of \d \s \w (and upper case: negated), or 0 when `c` is
 * none of them. */
static int perlClass(Parser *P, int32_t c, int *handled) {
  *handled = 1;
  switch (c) {
  case 'd':
  case 'D':
    return addNamedClass(P, kDigit, 1, c == 'D');
  case 's':
  case 'S':
    return addNamedClass(P, kSpace, 3, c == 'S');
  case 'w':
  case 'W':
    return addNamedClass(P, kWord, 4, c == 'W');
  default:
    *handled = 0;
    return 0;
  }
}

typedef struct {
  const char *name;
  int32_t pairs[8];
  int count;
} PosixClass;

static const PosixClass kPosix[] = {
    {"alnum", {'0', '9', 'A', 'Z', 'a', 'z'}, 3},
    {"alpha", {'A', 'Z', 'a', 'z'}, 2},
    {"ascii", {0, 0x7F}, 1},
    {"blank", {'\t', '\t', ' ', ' '}, 2},
    {"cntrl", {0, 0x1F, 0x7F, 0x7F}, 2},
    {"digit", {'0', '9'}, 1},
    {"graph", {'!', '~'}, 1},
    {"lower", {'a', 'z'}, 1},
    {"print", {' ', '~'}, 1},
    {"punct", {'!', '/', ':', '@', '[', '`', '{', '~'}, 4},
    {"space", {'\t', '\r', ' ', ' '}, 2},
    {"upper", {'A', 'Z'}, 1},
    {"word", {'0', '9', 'A', 'Z', '_', '_', 'a', 'z'}, 4},
    {"xdigit", {'0', '9', 'A', 'F', 'a', 'f'}, 3},
};

/* [:name:] or [:^name:] at the parser's position (after the class's '['
 * was consumed); 1 when one was added, 0 when the text is not one. */
static int posixClass(Parser *P) {
  if (peekByte(P, 0) != '[' || peekByte(P, 1) != ':')
    return 0;
  const unsigned char *close = NULL;
  for (const unsigned char *q = P->p + 2; q + 1 < P->end; ++q)
    if (q[0] == ':' && q[1] == ']') {
      close = q;
      break;
    }
  if (!close)
    return 0;
  const unsigned char *name = P->p + 2;
  int negated = name < close && *name == '^';
  if (negated)
    ++name;
  size_t len = (size_t)(close - name);
  for (size_t i = 0; i < sizeof(kPosix) / sizeof(kPosix[0]); ++i)
    if (strlen(kPosix[i].name) == len &&
        memcmp(kPosix[i].name, name, len) == 0) {
      P->p = close + 2;
      return addNamedClass(P, kPosix[i].pairs, kPosix[i].count, negated) ? -1
                                                                         : 1;
    }
  return fail(P, "invalid character class range: %.*s", (int)(close + 2 - P->p),
              (const char *)P->p);
}

/*--- Escapes --------------------------------------------------------------*/

static int hexValue(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* The code point an escape stands for (the backslash and `c` consumed),
 * for the escapes that are one character in and out of classes. */
static int32_t escapedChar(Parser *P, int32_t c) {
  switch (c) {
  case 'a':
    return 7;
  case 'f':
    return '\f';
  case 't':
    return '\t';
  case 'n':
    return '\n';
  case 'r':
    return '\r';
  case 'v':
    return '\v';
  case 'x': {
    int32_t v = 0;
    if (consumeIf(P, "{")) {
      int digits = 0;
      int d;
      while ((d = hexValue(peekByte(P, 0))) >= 0) {
        v = v * 16 + d;
        ++P->p;
        if (v > 0x10FFFF)
          return fail(P, "invalid escape sequence: \\x{...} above 10FFFF");
        ++digits;
      }
      if (!digits || !consumeIf(P, "}"))
        return fail(P, "invalid escape sequence: \\x{ without hex digits "
                       "and }");
      return v;
    }
    int hi = hexValue(peekByte(P, 0)), lo = hexValue(peekByte(P, 1));
    if (hi < 0 || lo < 0)
      return fail(P, "invalid escape sequence: \\x needs two hex digits");
    P->p += 2;
    return hi * 16 + lo;
  }
  default:
    break;
  }
  if (c >= '0' && c <= '7') {
    /* RE2: \0 and \1..\7 followed by an octal digit start an octal code of
     * up to three digits; a lone \1..\7 would be a backreference. */
    int next = peekByte(P, 0);
    if (c != '0' && !(next >= '0' && next <= '7'))
      return fail(P, "backreferences are not supported in RE2 syntax: \\%c",
                  (char)c);
    int32_t v = c - '0';
    for (int i = 0; i < 2; ++i) {
      next = peekByte(P, 0);
      if (!(next >= '0' && next <= '7'))
        break;
      v = v * 8 + (next - '0');
      ++P->p;
    }
    return v;
  }
  if (c == '8' || c == '9')
    return fail(P, "backreferences are not supported in RE2 syntax: \\%c",
                (char)c);
  /* Any ASCII punctuation stands for itself. */
  if (c < 0x80 && !(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'z') &&
      !(c >= 'A' && c <= 'Z'))
    return c;
  if (c == 'p' || c == 'P')
    return fail(P,
                "Unicode character classes (\\%c) are not supported by "
                "Kiln's regular expressions",
                (char)c);
  if (c == 'C')
    return fail(P, "\\C (any byte) is not supported by Kiln's regular "
                   "expressions");
  if (c < 0x80)
    return fail(P, "invalid escape sequence: \\%c", (char)c);
  return fail(P, "invalid escape sequence: \\ before a non-ASCII character");
}

/*--- The grammar ----------------------------------------------------------*/

static int32_t parseAlternation(Parser *P);

/* A literal code point, as a class of both cases under (?i). */
static int32_t literal(Parser *P, int32_t c) {
  int32_t v[4];
  if ((P->flags & kFold) && caseVariants(c, v) > 1) {
    int32_t start = P->rangeCount;
    if (addRange(P, c, c))
      return -1;
    return endClass(P, start, 0);
  }
  return newNode(P, N_CHAR, c, 0);
}

/* [...] after its '['. */
static int32_t parseClass(Parser *P) {
  int negated = consumeIf(P, "^");
  int32_t start = P->rangeCount;
  int first = 1;
  for (;;) {
    if (atEnd(P))
      return fail(P, "missing closing ]");
    if (peekByte(P, 0) == ']' && !first) {
      ++P->p;
      break;
    }
    first = 0;
    int posix = posixClass(P);
    if (posix < 0)
      return -1;
    if (posix)
      continue;
    int32_t lo;
    if (consumeIf(P, "\\")) {
      if (atEnd(P))
        return fail(P, "trailing \\");
      int32_t c = nextChar(P);
      if (c < 0)
        return -1;
      int handled;
      if (perlClass(P, c, &handled))
        return -1;
      if (handled) {
        if (peekByte(P, 0) == '-' && peekByte(P, 1) != ']')
          return fail(P, "bad character class range: a class cannot start "
                         "a range");
        continue;
      }
      lo = escapedChar(P, c);
    } else {
      lo = nextChar(P);
    }
    if (lo < 0)
      return -1;
    int32_t hi = lo;
    if (peekByte(P, 0) == '-' && peekByte(P, 1) != ']' && peekByte(P, 1) >= 0) {
      ++P->p;
      if (consumeIf(P, "\\")) {
        if (atEnd(P))
          return fail(P, "trailing \\");
        int32_t c = nextChar(P);
        if (c < 0)
          return -1;
        if (c == 'd' || c == 'D' || c == 's' || c == 'S' || c == 'w' ||
            c == 'W' || c == 'p' || c == 'P')
          return fail(P, "bad character class range: a class cannot end a "
                         "range");
        hi = escapedChar(P, c);
      } else {
        hi = nextChar(P);
      }
      if (hi < 0)
        return -1;
      if (hi < lo)
        return fail(P, "bad character class range: the range ends below its "
                       "start");
    }
    if (addRange(P, lo, hi))
      return -1;
  }
  return endClass(P, start, negated);
}

/* A decimal number at `*q` (advanced past it), capped at 100000 (above any
 * repetition count RE2 accepts); -1 when there are no digits. */
static int32_t readCount(const unsigned char **q, const unsigned char *end) {
  int32_t v = -1;
  for (; *q < end && **q >= '0' && **q <= '9'; ++*q) {
    v = (v < 0 ? 0 : v) * 10 + (**q - '0');
    if (v > 100000)
      v = 100000;
  }
  return v;
}

/* {n}, {n,} or {n,m} at the parser's position: 1 and consumed when the
 * text is one (RE2 reads a '{' that starts none as a literal, {,m} too). */
static int parseBraces(Parser *P, int32_t *min, int32_t *max) {
  const unsigned char *q = P->p;
  if (q >= P->end || *q != '{')
    return 0;
  ++q;
  int32_t lo = readCount(&q, P->end), hi = lo;
  if (lo < 0 || q >= P->end)
    return 0;
  if (*q == ',') {
    ++q;
    hi = readCount(&q, P->end); /* -1: no upper bound */
  }
  if (q >= P->end || *q != '}')
    return 0;
  P->p = q + 1;
  *min = lo;
  *max = hi;
  return 1;
}

/* A group after its '(': (...), (?:...), (?P<name>...), (?<name>...),
 * (?flags) and (?flags:...). */
static int32_t parseGroup(Parser *P) {
  int flags = P->flags;
  if (consumeIf(P, "?")) {
    if (consumeIf(P, "P<") || (peekByte(P, 0) == '<' && peekByte(P, 1) != '=' &&
                               peekByte(P, 1) != '!' && consumeIf(P, "<"))) {
      int length = 0;
      while (!atEnd(P) && (isalnum(*P->p) || *P->p == '_'))
        ++P->p, ++length;
      if (!length || !consumeIf(P, ">"))
        return fail(P, "invalid named capture group");
    } else if (peekByte(P, 0) == '=' || peekByte(P, 0) == '!' ||
               peekByte(P, 0) == '<') {
      return fail(P, "lookaround assertions are not supported in RE2 syntax");
    } else {
      int negate = 0, any = 0;
      for (;;) {
        int c = peekByte(P, 0);
        if (c < 0)
          return fail(P, "missing closing )");
        ++P->p;
        int bit = c == 'i'   ? kFold
                  : c == 'm' ? kMultiLine
                  : c == 's' ? kDotNewline
                             : 0;
        if (bit || c == 'U') {
          if (negate)
            flags &= ~bit;
          else
            flags |= bit;
          any = 1;
          continue;
        }
        if (c == '-' && !negate) {
          negate = 1;
          any = 0;
          continue;
        }
        /* (?:...) needs no flags; (?) and a dangling '-' are errors. */
        if ((c == ')' && any) || (c == ':' && (any || !negate)))
          break;
        return fail(P, "invalid or unsupported Perl syntax: (?%c", (char)c);
      }
      if (P->p[-1] == ')') {
        /* (?flags): in force to the end of the enclosing group. */
        P->flags = flags;
        return newNode(P, N_FLAGS, 0, 0);
      }
    }
  }
  if (++P->depth > kMaxDepth)
    return fail(P, "the pattern nests groups more than %d deep", kMaxDepth);
  int saved = P->flags;
  P->flags = flags;
  int32_t body = parseAlternation(P);
  P->flags = saved;
  --P->depth;
  if (body < 0)
    return -1;
  if (!consumeIf(P, ")"))
    return fail(P, "missing closing )");
  return body;
}

static int32_t parseAtom(Parser *P) {
  int32_t c = nextChar(P);
  if (c < 0)
    return -1;
  switch (c) {
  case '(':
    return parseGroup(P);
  case '.':
    return newNode(P, (P->flags & kDotNewline) ? N_ANY : N_ANY_NL, 0, 0);
  case '^':
    return newNode(
        P, N_ASSERT,
        (P->flags & kMultiLine) ? KILN_RX_BEGIN_LINE : KILN_RX_BEGIN_TEXT, 0);
  case '$':
    return newNode(
        P, N_ASSERT,
        (P->flags & kMultiLine) ? KILN_RX_END_LINE : KILN_RX_END_TEXT, 0);
  case '[':
    return parseClass(P);
  case '*':
  case '+':
  case '?':
    return fail(P, "missing argument to repetition operator: %c", (char)c);
  case '{': {
    int32_t min, max;
    --P->p;
    const unsigned char *at = P->p;
    if (parseBraces(P, &min, &max))
      return fail(P, "missing argument to repetition operator: %.*s",
                  (int)(P->p - at), (const char *)at);
    ++P->p;
    return literal(P, '{');
  }
  case '\\':
    break;
  default:
    return literal(P, c);
  }
  if (atEnd(P))
    return fail(P, "trailing \\");
  c = nextChar(P);
  if (c < 0)
    return -1;
  switch (c) {
  case 'A':
    return newNode(P, N_ASSERT, KILN_RX_BEGIN_TEXT, 0);
  case 'z':
    return newNode(P, N_ASSERT, KILN_RX_END_TEXT, 0);
  case 'b':
    return newNode(P, N_ASSERT, KILN_RX_WORD_EDGE, 0);
  case 'B':
    return newNode(P, N_ASSERT, KILN_RX_NOT_WORD_EDGE, 0);
  case 'Q': {
    /* Literal text up to \E or the end. */
    int32_t cat = newNode(P, N_CAT, 0, 0);
    while (!atEnd(P) && !consumeIf(P, "\\E")) {
      int32_t ch = nextChar(P);
      int32_t lit = ch < 0 ? -1 : literal(P, ch);
      if (lit < 0)
        return -1;
      addChild(P, cat, lit);
    }
    return cat;
  }
  default:
    break;
  }
  int32_t start = P->rangeCount;
  int handled;
  if (perlClass(P, c, &handled))
    return -1;
  if (handled)
    return endClass(P, start, 0);
  int32_t e = escapedChar(P, c);
  return e < 0 ? -1 : literal(P, e);
}

/* An atom and the repetition operators after it. */
static int32_t parseRepetition(Parser *P) {
  int32_t atom = parseAtom(P);
  if (atom < 0)
    return -1;
  int repeated = 0;
  for (;;) {
    const unsigned char *at = P->p;
    int32_t min, max;
    int c = peekByte(P, 0);
    if (c == '*' || c == '+' || c == '?') {
      ++P->p;
      min = c == '+' ? 1 : 0;
      max = c == '?' ? 1 : -1;
    } else if (!parseBraces(P, &min, &max)) {
      return atom;
    }
    consumeIf(P, "?"); /* lazy: the same strings match */
    if (repeated)
      return fail(P, "bad repetition operator: %.*s", (int)(P->p - at),
                  (const char *)at);
    if (P->nodes[atom].kind == N_FLAGS)
      return fail(P, "missing argument to repetition operator: %.*s",
                  (int)(P->p - at), (const char *)at);
    if (min > kMaxRepeat || max > kMaxRepeat || (max >= 0 && max < min))
      return fail(P, "bad repetition operator: %.*s", (int)(P->p - at),
                  (const char *)at);
    int32_t rep = newNode(P, N_REPEAT, min, max);
    if (rep < 0)
      return -1;
    addChild(P, rep, atom);
    atom = rep;
    repeated = 1;
  }
}

static int32_t parseConcatenation(Parser *P) {
  int32_t cat = newNode(P, N_CAT, 0, 0);
  if (cat < 0)
    return -1;
  while (!atEnd(P) && *P->p != '|' && *P->p != ')') {
    int32_t item = parseRepetition(P);
    if (item < 0)
      return -1;
    addChild(P, cat, item);
  }
  return cat;
}

static int32_t parseAlternation(Parser *P) {
  int32_t first = parseConcatenation(P);
  if (first < 0 || atEnd(P) || *P->p != '|')
    return first;
  int32_t alt = newNode(P, N_ALT, 0, 0);
  if (alt < 0)
    return -1;
  addChild(P, alt, first);
  while (consumeIf(P, "|")) {
    int32_t next = parseConcatenation(P);
    if (next < 0)
      return -1;
    addChild(P, alt, next);
  }
  return alt;
}

/*--- Code generation ------------------------------------------------------*/

static int32_t emit(Parser *P, int32_t op, int32_t a, int32_t b) {
  if (P->instCount >= kMaxInstructions)
    return fail(P,
                "the pattern is too large: its program would exceed %d "
                "instructions (a repetition counts once per copy)",
                kMaxInstructions);
  if (reserve(P, (void **)&P->insts, &P->instCap, P->instCount + 1,
              3 * sizeof(int32_t)))
    return -1;
  int32_t *in = P->insts + 3 * P->instCount;
  in[0] = op;
  in[1] = a;
  in[2] = b;
  return P->instCount++;
}

static int compileNode(Parser *P, int32_t id) {
  const Node *n = &P->nodes[id];
  switch (n->kind) {
  case N_EMPTY:
  case N_FLAGS:
    return 0;
  case N_CHAR:
    return emit(P, KILN_RX_CHAR, n->a, 0) < 0 ? -1 : 0;
  case N_CLASS:
    return emit(P, KILN_RX_CLASS, n->a, n->b) < 0 ? -1 : 0;
  case N_ANY:
    return emit(P, KILN_RX_ANY, 0, 0) < 0 ? -1 : 0;
  case N_ANY_NL:
    return emit(P, KILN_RX_ANY_NL, 0, 0) < 0 ? -1 : 0;
  case N_ASSERT:
    return emit(P, KILN_RX_ASSERT, n->a, 0) < 0 ? -1 : 0;
  case N_CAT:
    for (int32_t c = n->first; c >= 0; c = P->nodes[c].next)
      if (compileNode(P, c))
        return -1;
    return 0;
  case N_ALT: {
    /* SPLIT to this branch or the rest; every branch jumps to the end. */
    int32_t firstJump = -1; /* jumps chained through their `a` */
    for (int32_t c = n->first; c >= 0; c = P->nodes[c].next) {
      int last = P->nodes[c].next < 0;
      int32_t split = last ? -1 : emit(P, KILN_RX_SPLIT, 0, 0);
      if (!last && split < 0)
        return -1;
      if (split >= 0)
        P->insts[3 * split + 1] = split + 1;
      if (compileNode(P, c))
        return -1;
      if (!last) {
        int32_t jump = emit(P, KILN_RX_JMP, firstJump, 0);
        if (jump < 0)
          return -1;
        firstJump = jump;
        P->insts[3 * split + 2] = P->instCount;
      }
    }
    for (int32_t j = firstJump; j >= 0;) {
      int32_t older = P->insts[3 * j + 1];
      P->insts[3 * j + 1] = P->instCount;
      j = older;
    }
    return 0;
  }
  case N_REPEAT: {
    int32_t min = n->a, max = n->b, child = n->first;
    for (int32_t i = 0; i < min; ++i) {
      int32_t loop = P->instCount;
      if (compileNode(P, child))
        return -1;
      if (max < 0 && i == min - 1) /* e{n,}: the last copy loops */
        return emit(P, KILN_RX_SPLIT, loop, P->instCount + 1) < 0 ? -1 : 0;
    }
    if (max < 0) { /* e* */
      int32_t split = emit(P, KILN_RX_SPLIT, 0, 0);
      if (split < 0)
        return -1;
      P->insts[3 * split + 1] = split + 1;
      if (compileNode(P, child) || emit(P, KILN_RX_JMP, split, 0) < 0)
        return -1;
      P->insts[3 * split + 2] = P->instCount;
      return 0;
    }
    /* max - min optional copies, each skipping to the end. */
    int32_t firstSplit = -1; /* chained through their `b` */
    for (int32_t i = min; i < max; ++i) {
      int32_t split = emit(P, KILN_RX_SPLIT, 0, firstSplit);
      if (split < 0)
        return -1;
      P->insts[3 * split + 1] = split + 1;
      firstSplit = split;
      if (compileNode(P, child))
        return -1;
    }
    for (int32_t s = firstSplit; s >= 0;) {
      int32_t older = P->insts[3 * s + 2];
      P->insts[3 * s + 2] = P->instCount;
      s = older;
    }
    return 0;
  }
  }
  return fail(P, "internal error: unknown regex node");
}

int32_t *kiln_regex_compile(const char *pattern, size_t length, size_t *words,
                            char *error, size_t errorCap) {
  Parser P;
  memset(&P, 0, sizeof(P));
  P.p = (const unsigned char *)pattern;
  P.end = P.p + length;
  P.error = error;
  P.errorCap = errorCap;
  if (errorCap)
    error[0] = 0;
  int32_t *program = NULL;
  int32_t root = parseAlternation(&P);
  if (root >= 0 && !atEnd(&P))
    fail(&P, "unexpected ): no group to close");
  if (root >= 0 && !P.failed && compileNode(&P, root) == 0 &&
      emit(&P, KILN_RX_MATCH, 0, 0) >= 0) {
    size_t total = KILN_RX_HEADER_WORDS + 3 * (size_t)P.instCount +
                   2 * (size_t)P.rangeCount;
    program = malloc(total * sizeof(int32_t));
    if (!program) {
      fail(&P, "out of memory compiling the pattern");
    } else {
      program[0] = KILN_RX_MAGIC;
      program[1] = P.instCount;
      program[2] = P.rangeCount;
      memcpy(program + KILN_RX_HEADER_WORDS, P.insts,
             3 * (size_t)P.instCount * sizeof(int32_t));
      if (P.rangeCount)
        memcpy(program + KILN_RX_HEADER_WORDS + 3 * P.instCount, P.ranges,
               2 * (size_t)P.rangeCount * sizeof(int32_t));
      *words = total;
    }
  }
  free(P.nodes);
  free(P.ranges);
  free(P.insts);
  return P.failed ? (free(program), (int32_t *)NULL) : program;
}
