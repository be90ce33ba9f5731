/*===- fake_memref.h - Memref descriptors for hand-written fake artifacts -===*
 *
 * The layout kiln_abi.h specifies: { allocated, aligned, offset, sizes[r],
 * strides[r] }, every field 8 bytes wide.
 *
 *===----------------------------------------------------------------------===*/
#ifndef KILN_TESTS_FAKE_MEMREF_H
#define KILN_TESTS_FAKE_MEMREF_H

#include "kiln/kiln_abi.h"

#define KILN_EXPORT __attribute__((visibility("default")))

/* The ABI version of CPU artifacts: the compiler writes 6 (device tables)
 * only into CUDA artifacts, and 5 into those with run-time outputs. */
#define KILN_CPU_ABI_VERSION 5u

typedef struct memref0 {
  void *allocated;
  void *aligned;
  int64_t offset;
} memref0;

#define DEFINE_MEMREF(R)                                                       \
  typedef struct memref##R {                                                   \
    void *allocated;                                                           \
    void *aligned;                                                             \
    int64_t offset;                                                            \
    int64_t sizes[R];                                                          \
    int64_t strides[R];                                                        \
  } memref##R;

DEFINE_MEMREF(1)
DEFINE_MEMREF(2)
DEFINE_MEMREF(3)

/* Points the rank-1 result `m` at the `n` contiguous elements of `data`. */
static inline void set_contiguous1(memref1 *m, void *data, int64_t n) {
  m->allocated = data;
  m->aligned = data;
  m->offset = 0;
  m->sizes[0] = n;
  m->strides[0] = 1;
}

#endif /* KILN_TESTS_FAKE_MEMREF_H */
