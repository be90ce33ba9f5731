/*===- kiln_regex_match.c - Running a RegexFullMatch program -------------===*
 *
 * A Thompson NFA simulation over the program kiln_regex_compile.c builds
 * (format in kiln_regex.h): the set of instructions the threads are at
 * advances one character at a time, each instruction at most once per
 * character, so a match costs O(length of the string x program size)
 * whatever the pattern. RegexFullMatch needs no submatches, so a thread is
 * only its instruction and the set is enough (no Pike VM capture slots).
 *
 * Nothing here allocates: the caller passes the scratch memory
 * (kiln_regex_scratch_bytes), as the generated code passes memory it took
 * from the run's arena.
 *
 *===--------------------------------------------------------------------===*/

#include "kiln_regex.h"

#include <string.h>

#ifndef KILN_HIDDEN
#define KILN_HIDDEN __attribute__((visibility("hidden")))
#endif

/* Set of instruction indices with O(1) insert, test and clear (Briggs &
 * Torczon's sparse set). */
typedef struct {
  int32_t *dense;
  int32_t *sparse;
  int32_t size;
} ThreadSet;

static int contains(const ThreadSet *set, int32_t pc) {
  int32_t at = set->sparse[pc];
  return at >= 0 && at < set->size && set->dense[at] == pc;
}

static void insert(ThreadSet *set, int32_t pc) {
  set->sparse[pc] = set->size;
  set->dense[set->size++] = pc;
}

/* The code point at `s` and its length in bytes in *len; -1 at the end.
 * A byte that does not start a well-formed sequence (overlong forms and
 * surrogates included) is read alone as KILN_RX_BAD_BYTE + byte. */
static int32_t decode(const unsigned char *s, int *len) {
  unsigned c = s[0];
  *len = 1;
  if (c == 0)
    return -1;
  if (c < 0x80)
    return (int32_t)c;
  int need;
  uint32_t cp, min;
  if ((c & 0xE0) == 0xC0) {
    need = 1, cp = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    need = 2, cp = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    need = 3, cp = c & 0x07, min = 0x10000;
  } else {
    return KILN_RX_BAD_BYTE + (int32_t)c;
  }
  for (int i = 1; i <= need; ++i) {
    if ((s[i] & 0xC0) != 0x80)
      return KILN_RX_BAD_BYTE + (int32_t)c;
    cp = (cp << 6) | (s[i] & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    return KILN_RX_BAD_BYTE + (int32_t)c;
  *len = need + 1;
  return (int32_t)cp;
}

/* RE2's \b looks at ASCII word characters only. */
static int isWord(int32_t c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
         (c >= 'a' && c <= 'z') || c == '_';
}

/* Whether assertion `kind` holds between `prev` and `next` (-1: the
 * string's start or end). */
static int holds(int32_t kind, int32_t prev, int32_t next) {
  switch (kind) {
  case KILN_RX_BEGIN_TEXT:
    return prev < 0;
  case KILN_RX_END_TEXT:
    return next < 0;
  case KILN_RX_BEGIN_LINE:
    return prev < 0 || prev == '\n';
  case KILN_RX_END_LINE:
    return next < 0 || next == '\n';
  case KILN_RX_WORD_EDGE:
    return isWord(prev) != isWord(next);
  case KILN_RX_NOT_WORD_EDGE:
    return isWord(prev) == isWord(next);
  default:
    return 0;
  }
}

/* Whether `c` lies in one of the `count` sorted ranges at `ranges`. */
static int inClass(const int32_t *ranges, int32_t count, int32_t c) {
  int32_t lo = 0, hi = count;
  while (lo < hi) {
    int32_t mid = lo + (hi - lo) / 2;
    if (c < ranges[2 * mid])
      hi = mid;
    else if (c > ranges[2 * mid + 1])
      lo = mid + 1;
    else
      return 1;
  }
  return 0;
}

/* Adds the thread at `pc` to `set`, following jumps, splits and the
 * assertions that hold between `prev` and `next` (an explicit stack: a
 * program may be long). Every instruction enters the set once, so the stack
 * never holds more than 2n + 1 entries. */
static void follow(const int32_t *insts, ThreadSet *set, int32_t *stack,
                   int32_t pc, int32_t prev, int32_t next) {
  int32_t top = 0;
  stack[top++] = pc;
  while (top > 0) {
    pc = stack[--top];
    if (contains(set, pc))
      continue;
    insert(set, pc);
    const int32_t *in = insts + 3 * pc;
    switch (in[0]) {
    case KILN_RX_JMP:
      stack[top++] = in[1];
      break;
    case KILN_RX_SPLIT:
      stack[top++] = in[2];
      stack[top++] = in[1];
      break;
    case KILN_RX_ASSERT:
      if (holds(in[1], prev, next))
        stack[top++] = pc + 1;
      break;
    default:
      break;
    }
  }
}

KILN_HIDDEN int32_t kiln_regex_full_match(const int32_t *program,
                                          const char *str, void *scratch) {
  int32_t n = program[1];
  const int32_t *insts = program + KILN_RX_HEADER_WORDS;
  const int32_t *ranges = insts + 3 * n;
  int32_t *words = (int32_t *)scratch;
  ThreadSet sets[2] = {{words, words + n, 0},
                       {words + 2 * n, words + 3 * n, 0}};
  int32_t *stack = words + 4 * n;
  /* contains() reads sparse entries that insert() never wrote: start them
   * out of range so that arena memory of any content is safe. */
  memset(words + n, 0xFF, (size_t)n * sizeof(int32_t));
  memset(words + 3 * n, 0xFF, (size_t)n * sizeof(int32_t));

  const unsigned char *s = (const unsigned char *)str;
  int len;
  int32_t cur = decode(s, &len);
  ThreadSet *now = &sets[0], *next = &sets[1];
  follow(insts, now, stack, 0, /*prev=*/-1, cur);
  for (;;) {
    if (cur < 0) {
      for (int32_t i = 0; i < now->size; ++i)
        if (insts[3 * now->dense[i]] == KILN_RX_MATCH)
          return 1;
      return 0;
    }
    const unsigned char *after = s + len;
    int afterLen;
    int32_t following = decode(after, &afterLen);
    next->size = 0;
    for (int32_t i = 0; i < now->size; ++i) {
      int32_t pc = now->dense[i];
      const int32_t *in = insts + 3 * pc;
      int takes;
      switch (in[0]) {
      case KILN_RX_CHAR:
        takes = cur == in[1];
        break;
      case KILN_RX_CLASS:
        takes = inClass(ranges + 2 * in[1], in[2], cur);
        break;
      case KILN_RX_ANY:
        takes = 1;
        break;
      case KILN_RX_ANY_NL:
        takes = cur != '\n';
        break;
      default:
        takes = 0;
        break;
      }
      if (takes)
        follow(insts, next, stack, pc + 1, cur, following);
    }
    if (next->size == 0)
      return 0;
    ThreadSet *t = now;
    now = next;
    next = t;
    cur = following;
    s = after;
    len = afterLen;
  }
}
