/* What an artifact defines for the support library's kernels, as the
 * kernel tests link them: kiln_out_of_memory aborts with the size, and
 * kiln_parallel_for runs the range in chunks of the grain on the calling
 * thread (as a pool would cut it), kiln_num_threads says kiln_test_threads.
 * And which ISAs this CPU runs. */
#ifndef KILN_TESTS_SUPPORT_TEST_H
#define KILN_TESTS_SUPPORT_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

void kiln_out_of_memory(uint64_t bytes) {
  fprintf(stderr, "out of memory: %llu bytes\n", (unsigned long long)bytes);
  abort();
}

/* The thread count kiln_num_threads reports: the kernels cut their work
 * for it (a test sets it to reach the cuts made for a pool of threads; the
 * chunks still run here, one after the other). */
static int64_t kiln_test_threads = 1;

int64_t kiln_num_threads(void) { return kiln_test_threads; }

/* The parallel loops run so far, and the iterations of the last two:
 * what a test reads to see how a kernel cut its work. */
static int64_t kiln_test_loops, kiln_test_loop_sizes[2];

void kiln_parallel_for(int64_t begin, int64_t end, int64_t grain,
                       void (*body)(void *, int64_t, int64_t), void *captures) {
  ++kiln_test_loops;
  kiln_test_loop_sizes[0] = kiln_test_loop_sizes[1];
  kiln_test_loop_sizes[1] = end - begin;
  if (grain < 1)
    grain = 1;
  for (int64_t b = begin; b < end; b += grain)
    body(captures, b, b + grain < end ? b + grain : end);
}

static inline int runsAvx512(void) {
  return __builtin_cpu_supports("avx512f") &&
         __builtin_cpu_supports("avx512bw");
}

static inline int runsAvx2(void) {
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

/* `isas`: the three builds of kernel <prefix><isa> as function type Fn,
 * each with whether this CPU runs it. */
#define KILN_KERNEL_ISAS(Fn, prefix)                                           \
  struct {                                                                     \
    const char *name;                                                          \
    Fn fn;                                                                     \
    int runs;                                                                  \
  } isas[] = {{"avx512", prefix##avx512, runsAvx512()},                        \
              {"avx2", prefix##avx2, runsAvx2()},                              \
              {"sse", prefix##sse, 1}}

#endif
