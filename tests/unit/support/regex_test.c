/* The regular expressions of RegexFullMatch (kiln_regex_compile.c, run by
 * kiln_regex_match.c): a table of RE2 patterns and strings with the answer
 * of RE2 (ONNX Runtime 1.32's RegexFullMatch, and Python's re.fullmatch
 * where the two agree), the patterns RE2 refuses or Kiln does not
 * implement (with the reason's start), and patterns that make backtracking
 * engines take exponential time, which must stay linear here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kiln_regex.h"

typedef struct {
  const char *pattern;
  const char *text;
  int matches;
} Case;

static const Case kCases[] = {
    /* The conformance suite's patterns. */
    {"www\\.[\\w.-]+\\.\\bcom\\b", "www.google.com", 1},
    {"www\\.[\\w.-]+\\.\\bcom\\b", "www.bbc.co.uk", 0},
    {"(\\W|^)[\\w.\\-]{0,25}@(yahoo|gmail)\\.com(\\W|$)", "account@gmail.com",
     1},
    {"(\\W|^)[\\w.\\-]{0,25}@(yahoo|gmail)\\.com(\\W|$)", "account@hotmail.com",
     0},
    {"(\\W|^)[\\w.\\-]{0,25}@(yahoo|gmail)\\.com(\\W|$)", " a@gmail.com!", 1},
    {"(\\W|^)[\\w.\\-]{0,25}@(yahoo|gmail)\\.com(\\W|$)", "", 0},
    /* Repetition. */
    {"a*", "", 1},
    {"a*", "aaa", 1},
    {"a*", "ab", 0},
    {"a+", "", 0},
    {"a?b", "ab", 1},
    {"a?b", "aab", 0},
    {"a{2,3}", "a", 0},
    {"a{2,3}", "aaa", 1},
    {"a{2,3}", "aaaa", 0},
    {"a{2}", "aa", 1},
    {"a{2,}", "aaaaa", 1},
    {"a{2,}", "a", 0},
    {"(ab){0,2}c", "ababc", 1},
    {"(ab){0,2}c", "abababc", 0},
    {"a{0}b", "b", 1},
    {"x{,2}", "x{,2}", 1}, /* RE2: not a repetition (Python: {0,2}) */
    {"a{", "a{", 1},
    {"a{1", "a{1", 1},
    {"a*?b", "aab", 1},
    {"a??", "", 1},
    {"a{1,2}?", "aa", 1},
    {"(?U)a+", "aaa", 1},
    {"^*a", "a", 1}, /* RE2 repeats empty-width assertions */
    {"(a|)+", "aaa", 1},
    {"(a*)*", "", 1},
    {"(a*)*", "b", 0},
    {"(a*)+b", "aab", 1},
    /* Classes. */
    {"[a-c]+", "abc", 1},
    {"[a-c]+", "abd", 0},
    {"[^a-c]+", "xyz", 1},
    {"[^a]", "\n", 1},
    {"[]a]", "]", 1},
    {"[^]a]", "]", 0},
    {"[a-]", "-", 1},
    {"[a-b-c]", "-", 1},
    {"[[:alpha:]]+", "abC", 1},
    {"[[:^digit:]]", "1", 0},
    {"[[:punct:]]", "@", 1},
    {"[\\d\\s]+", "1 2\t3", 1},
    {"\\d+", "12a", 0},
    {"\\D", "a", 1},
    {"\\s", "\v", 0}, /* RE2's \s is [\t\n\f\r ] */
    {"\\S+", "ab", 1},
    {"\\w+", "a_1", 1},
    {"\\w", "\xc3\xa9", 0}, /* é: \w is ASCII in RE2 */
    {"\\W", "\xc3\xa9", 1},
    {"[\\x{100}-\\x{200}]", "\xc4\x81", 1},
    {"[\xe6\x97\xa5\xe6\x9c\xac]+", "\xe6\x9c\xac\xe6\x97\xa5", 1},
    {"\xe6\x97\xa5\xe6\x9c\xac+", "\xe6\x97\xa5", 0},
    /* Any character. */
    {".", "\xc3\xa9", 1},
    {".", "\n", 0},
    {".", "", 0},
    {"(?s).", "\n", 1},
    {"(?s:.)x", "\nx", 1},
    {".", "\xff", 1}, /* a byte that is not UTF-8 is one character */
    /* Case folding. */
    {"(?i)abc", "aBc", 1},
    {"(?i:a)b", "AB", 0},
    {"a(?i)b|c", "C", 1}, /* (?i) lasts to the end of the group */
    {"(?i)[a-c]+", "ABC", 1},
    {"(?i)\xc3\xa9lan", "\xc3\x89LAN", 1},
    {"(?i)k", "\xe2\x84\xaa", 1},    /* the Kelvin sign */
    {"(?i)\xc5\xbf", "S", 1},        /* the long s */
    {"(?i)\xce\xa3", "\xcf\x82", 1}, /* final sigma */
    {"(?i)[a-z]+", "\xe2\x84\xaa\xc5\xbf", 1},
    {"(?i)\xd0\x96", "\xd0\xb6", 1}, /* Cyrillic */
    /* Anchors and boundaries. */
    {"^abc$", "abc", 1},
    {"a^b", "ab", 0},
    {"a$", "a\n", 0}, /* RE2's $ is the end of the text */
    {"(?m)a$\nb", "a\nb", 1},
    {"(?m)a\n^b", "a\nb", 1},
    {"\\Aab\\z", "ab", 1},
    {"a\\bb", "ab", 0},
    {"a\\Bb", "ab", 1},
    {"a \\b", "a ", 0},
    /* Alternation and groups. */
    {"ab|cd", "cd", 1},
    {"ab|cd", "abcd", 0},
    {"|a", "", 1},
    {"", "", 1},
    {"", "a", 0},
    {"()", "", 1},
    {"(?:ab)+", "aba", 0},
    {"(?P<x>a)b", "ab", 1},
    {"(?<x>a)b", "ab", 1},
    /* Escapes. */
    {"\\x41\\x{42}", "AB", 1},
    {"\\101", "A", 1},
    {"\\12", "\n", 1},
    {"\\t\\n\\a", "\t\n\a", 1},
    {"\\.\\*\\+\\_", ".*+_", 1},
    {"\\Qa.b\\E.", "a.bc", 1},
    {"\\Qa.b\\E.", "axbc", 0},
    {"\\Qa.b", "a.b", 1},
};

typedef struct {
  const char *pattern;
  const char *reason; /* the start of the error */
} Bad;

static const Bad kBad[] = {
    {"a**", "bad repetition operator"},
    {"a{2}{3}", "bad repetition operator"},
    {"a{1001}", "bad repetition operator"},
    {"a{3,2}", "bad repetition operator"},
    {"*a", "missing argument to repetition operator"},
    {"{2}", "missing argument to repetition operator"},
    {"(?i)*", "missing argument to repetition operator"},
    {"(a", "missing closing )"},
    {"a)", "unexpected )"},
    {"[a", "missing closing ]"},
    {"[z-a]", "bad character class range"},
    {"[\\d-z]", "bad character class range"},
    {"[[:foo:]]", "invalid character class range"},
    {"(a)\\1", "backreferences are not supported"},
    {"\\8", "backreferences are not supported"},
    {"(?=a)", "lookaround assertions are not supported"},
    {"(?<!a)b", "lookaround assertions are not supported"},
    {"\\p{L}", "Unicode character classes"},
    {"\\pL", "Unicode character classes"},
    {"\\C", "\\C (any byte) is not supported"},
    {"\\Z", "invalid escape sequence"},
    {"\\xZZ", "invalid escape sequence"},
    {"\\x{110000}", "invalid escape sequence"},
    {"\\", "trailing \\"},
    {"(?x)a", "invalid or unsupported Perl syntax"},
    {"(?)", "invalid or unsupported Perl syntax"},
    {"(?P<>a)", "invalid named capture group"},
    {"((a{100}){100}){100}", "the pattern is too large"},
    {"\xff", "invalid UTF-8"},
};

static int runMatch(const char *pattern, const char *text, int *result,
                    char *error) {
  size_t words;
  int32_t *program =
      kiln_regex_compile(pattern, strlen(pattern), &words, error, 256);
  if (!program)
    return 0;
  void *scratch = malloc((size_t)kiln_regex_scratch_bytes(program));
  *result = kiln_regex_full_match(program, text, scratch);
  free(scratch);
  free(program);
  return 1;
}

/* A string of `n` copies of `c` then `tail`. */
static char *repeated(char c, size_t n, const char *tail) {
  char *s = malloc(n + strlen(tail) + 1);
  memset(s, c, n);
  strcpy(s + n, tail);
  return s;
}

int main(void) {
  int failures = 0;
  char error[256];
  for (size_t i = 0; i < sizeof(kCases) / sizeof(kCases[0]); ++i) {
    const Case *c = &kCases[i];
    int got;
    if (!runMatch(c->pattern, c->text, &got, error)) {
      fprintf(stderr, "FAIL /%s/: refused: %s\n", c->pattern, error);
      ++failures;
    } else if (got != c->matches) {
      fprintf(stderr, "FAIL /%s/ on \"%s\": %d, expected %d\n", c->pattern,
              c->text, got, c->matches);
      ++failures;
    }
  }
  for (size_t i = 0; i < sizeof(kBad) / sizeof(kBad[0]); ++i) {
    int got;
    if (runMatch(kBad[i].pattern, "", &got, error)) {
      fprintf(stderr, "FAIL /%s/ compiled; expected '%s'\n", kBad[i].pattern,
              kBad[i].reason);
      ++failures;
    } else if (strncmp(error, kBad[i].reason, strlen(kBad[i].reason)) != 0) {
      fprintf(stderr, "FAIL /%s/: '%s', expected '%s...'\n", kBad[i].pattern,
              error, kBad[i].reason);
      ++failures;
    }
  }

  /* Exponential for a backtracking engine, linear here: 200000 characters
   * each, a few milliseconds at most; a generous bound for slow machines. */
  static const struct {
    const char *pattern;
    char fill;
    const char *tail;
    int matches;
  } kHard[] = {
      {"(a*)*b", 'a', "", 0},          {"(x+x+)+y", 'x', "", 0},
      {"(a|aa)*(a|aa)*c", 'a', "", 0}, {"(a?){50}a{50}", 'a', "", 0},
      {"(.*a){20}", 'a', "", 1},
  };
  clock_t start = clock();
  for (size_t i = 0; i < sizeof(kHard) / sizeof(kHard[0]); ++i) {
    char *text = repeated(kHard[i].fill, 200000, kHard[i].tail);
    int got;
    if (!runMatch(kHard[i].pattern, text, &got, error) ||
        got != kHard[i].matches) {
      fprintf(stderr, "FAIL /%s/ on a long string\n", kHard[i].pattern);
      ++failures;
    }
    free(text);
  }
  double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
  if (seconds > 20) {
    fprintf(stderr, "FAIL the pathological patterns took %.1f s\n", seconds);
    ++failures;
  }
  if (failures)
    return 1;
  printf("regex: %zu matches, %zu refusals, pathological patterns in %.2f s\n",
         sizeof(kCases) / sizeof(kCases[0]), sizeof(kBad) / sizeof(kBad[0]),
         seconds);
  return 0;
}
