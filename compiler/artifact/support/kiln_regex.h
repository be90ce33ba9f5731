/*===- kiln_regex.h - Regular expressions for RegexFullMatch -------------===*
 *
 * ONNX's RegexFullMatch takes its pattern in RE2's syntax. Kiln compiles the
 * pattern when it compiles the model (kiln_regex_compile.c, linked into the
 * compiler) into a program for a Thompson NFA, which the artifact runs on
 * each string (kiln_regex_match.c, in the support library): time linear in
 * the string's length times the program's size, never backtracking, so no
 * pattern can make a run take exponential time.
 *
 * A program is an array of int32 words, stored as a constant in the
 * artifact:
 *
 *   [0] KILN_RX_MAGIC   [1] instruction count n   [2] range count r
 *   [3 .. 3 + 3n)       instructions, three words each: op, a, b
 *   [3 + 3n .. + 2r)    character class ranges, pairs lo, hi (inclusive
 *                       code points), sorted and disjoint per class
 *
 * Instruction 0 is the start; the program matches when a thread reaches
 * KILN_RX_MATCH at the end of the string.
 *
 *===--------------------------------------------------------------------===*/

#ifndef KILN_REGEX_H
#define KILN_REGEX_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_RX_MAGIC 0x3158524B /* "KRX1" */
#define KILN_RX_HEADER_WORDS 3
/* Code points stand for the bytes of a string that are not UTF-8: byte b
 * reads as KILN_RX_BAD_BYTE + b, which only `.` (with (?s) for '\n') and
 * negated classes match. */
#define KILN_RX_BAD_BYTE 0x110000
#define KILN_RX_MAX_CODE (KILN_RX_BAD_BYTE + 0xFF)

enum KilnRegexOp {
  KILN_RX_CHAR = 1,   /* consumes code point a */
  KILN_RX_CLASS = 2,  /* consumes one of b ranges starting at range a */
  KILN_RX_ANY = 3,    /* consumes any code point */
  KILN_RX_ANY_NL = 4, /* consumes any code point but '\n' */
  KILN_RX_SPLIT = 5,  /* continues at a and at b */
  KILN_RX_JMP = 6,    /* continues at a */
  KILN_RX_ASSERT = 7, /* continues at the next instruction when a holds */
  KILN_RX_MATCH = 8,
};

/* What KILN_RX_ASSERT checks between the previous and the next character. */
enum KilnRegexAssertion {
  KILN_RX_BEGIN_TEXT = 1,    /* ^ and \A */
  KILN_RX_END_TEXT = 2,      /* $ and \z */
  KILN_RX_BEGIN_LINE = 3,    /* ^ under (?m) */
  KILN_RX_END_LINE = 4,      /* $ under (?m) */
  KILN_RX_WORD_EDGE = 5,     /* \b (ASCII word characters, as RE2) */
  KILN_RX_NOT_WORD_EDGE = 6, /* \B */
};

/* Compiles `pattern` (`length` bytes of UTF-8, RE2 syntax) into a program
 * allocated with malloc, its size in words in *words. On a pattern that is
 * not valid RE2 or uses what Kiln does not implement, returns NULL with the
 * reason in `error` (NUL-terminated, at most errorCap bytes). */
int32_t *kiln_regex_compile(const char *pattern, size_t length, size_t *words,
                            char *error, size_t errorCap);

/* Bytes of scratch memory kiln_regex_full_match needs for `program`: two
 * thread sets (dense and sparse arrays each) and the stack of `follow`,
 * one int32 per instruction each but the stack's 2n + 1. The compiler
 * sizes the run's allocation with it. */
static inline int64_t kiln_regex_scratch_bytes(const int32_t *program) {
  return (6 * (int64_t)program[1] + 1) * (int64_t)sizeof(int32_t);
}

/* 1 when all of the NUL-terminated UTF-8 string `s` matches `program`, 0
 * otherwise. `scratch` holds kiln_regex_scratch_bytes(program) bytes,
 * 4-byte aligned; calls running at the same time need their own. */
int32_t kiln_regex_full_match(const int32_t *program, const char *s,
                              void *scratch);

#ifdef __cplusplus
}
#endif

#endif
