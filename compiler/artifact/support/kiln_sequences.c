/*===- kiln_sequences.c - Run-time sequences for generated code ---------===*
 *
 * A sequence whose length (or an optional whose presence) only the run
 * decides is a kiln_run_sequence_t (kiln_abi.h) in the run's memory, passed
 * around the generated code as its address in an int64 (0: an absent
 * optional). Sequences are immutable: an insertion or erasure makes a new
 * one that shares the tensors, each a kiln_run_tensor_t followed by its dims
 * and its dense data. compiler/conversion/SequenceOps.cpp emits the calls
 * (docs/architecture.md, "Sequences whose length the run decides").
 *
 * Like kiln_strings.c these functions never allocate and never fail: the
 * generated code sizes each block (kiln_seq_bytes, kiln_seq_tensor_bytes_*),
 * allocates it from the run's arena and checks positions and ranks before
 * calling. Every symbol is hidden.
 *
 *===--------------------------------------------------------------------===*/

#include "kiln/kiln_abi.h"

#include <stdint.h>
#include <string.h>

#define KILN_HIDDEN __attribute__((visibility("hidden")))

/* Tensor data starts this many bytes into its block, past the header and
 * the dims: the arena's alignment, which vector code expects. */
static int64_t dataOffset(int64_t rank) {
  int64_t header = (int64_t)sizeof(kiln_run_tensor_t) + 8 * rank;
  return (header + 63) / 64 * 64;
}

static kiln_run_sequence_t *seqAt(int64_t address) {
  return (kiln_run_sequence_t *)(intptr_t)address;
}

/*--- Sequences --------------------------------------------------------------*/

/* The bytes of a sequence of `length` tensors: the header, then the
 * element pointers. */
KILN_HIDDEN int64_t kiln_seq_bytes(int64_t length) {
  return (int64_t)sizeof(kiln_run_sequence_t) + 8 * length;
}

static kiln_run_sequence_t *initSeq(int64_t block, int64_t elemType,
                                    int64_t length) {
  kiln_run_sequence_t *s = seqAt(block);
  s->elem_type = elemType;
  s->length = length;
  s->elements = (const kiln_run_tensor_t *const *)(s + 1);
  return s;
}

/* A sequence of `length` tensors of `elemType` in `block`
 * (kiln_seq_bytes(length)); the code that builds it sets every element
 * (kiln_seq_set) before the sequence is read. */
KILN_HIDDEN int64_t kiln_seq_init(int64_t block, int64_t elemType,
                                  int64_t length) {
  initSeq(block, elemType, length);
  return block;
}

/* Sets element `pos` (0 <= pos < length) of a sequence being built. */
KILN_HIDDEN int64_t kiln_seq_set(int64_t seq, int64_t pos, int64_t tensor) {
  kiln_run_sequence_t *s = seqAt(seq);
  ((const kiln_run_tensor_t **)s->elements)[pos] =
      (const kiln_run_tensor_t *)(intptr_t)tensor;
  return seq;
}

KILN_HIDDEN int64_t kiln_seq_length(int64_t seq) { return seqAt(seq)->length; }

/* `seq` with `tensor` inserted before position `pos` (0 <= pos <= length),
 * in `block` (kiln_seq_bytes(length + 1)). */
KILN_HIDDEN int64_t kiln_seq_insert(int64_t block, int64_t seq, int64_t pos,
                                    int64_t tensor) {
  const kiln_run_sequence_t *from = seqAt(seq);
  kiln_run_sequence_t *to = initSeq(block, from->elem_type, from->length + 1);
  const kiln_run_tensor_t **dst = (const kiln_run_tensor_t **)to->elements;
  memcpy(dst, from->elements, 8 * pos);
  dst[pos] = (const kiln_run_tensor_t *)(intptr_t)tensor;
  memcpy(dst + pos + 1, from->elements + pos, 8 * (from->length - pos));
  return block;
}

/* `seq` without element `pos` (0 <= pos < length), in `block`
 * (kiln_seq_bytes(length - 1)). */
KILN_HIDDEN int64_t kiln_seq_erase(int64_t block, int64_t seq, int64_t pos) {
  const kiln_run_sequence_t *from = seqAt(seq);
  kiln_run_sequence_t *to = initSeq(block, from->elem_type, from->length - 1);
  const kiln_run_tensor_t **dst = (const kiln_run_tensor_t **)to->elements;
  memcpy(dst, from->elements, 8 * pos);
  memcpy(dst + pos, from->elements + pos + 1, 8 * (from->length - pos - 1));
  return block;
}

/* The address of element `pos` (0 <= pos < length). */
KILN_HIDDEN int64_t kiln_seq_at(int64_t seq, int64_t pos) {
  return (int64_t)(intptr_t)seqAt(seq)->elements[pos];
}

/*--- Tensors ----------------------------------------------------------------*/

static const kiln_run_tensor_t *tensorAt(int64_t address) {
  return (const kiln_run_tensor_t *)(intptr_t)address;
}

KILN_HIDDEN int64_t kiln_seq_tensor_rank(int64_t tensor) {
  return tensorAt(tensor)->rank;
}

KILN_HIDDEN int64_t kiln_seq_tensor_elem_type(int64_t tensor) {
  return tensorAt(tensor)->elem_type;
}

KILN_HIDDEN int64_t kiln_seq_tensor_dim(int64_t tensor, int64_t d) {
  return tensorAt(tensor)->dims[d];
}

/* A memref descriptor as MLIR passes an unranked memref: (rank, address of
 * { allocated, aligned, offset, sizes[rank], strides[rank] }). */
typedef struct {
  char *aligned;
  int64_t offset;
  const int64_t *sizes;
  const int64_t *strides;
} Strided;

static Strided viewOf(int64_t rank, const int64_t *desc) {
  Strided v = {(char *)(intptr_t)desc[1], desc[2], desc + 3, desc + 3 + rank};
  return v;
}

static int64_t countOf(int64_t rank, const int64_t *sizes) {
  int64_t n = 1;
  for (int64_t d = 0; d < rank; ++d)
    n *= sizes[d];
  return n;
}

/* Copies between the strided view `v` and `dense` (row-major), in the
 * direction `toDense` says, a row of the innermost dim at a time. */
static void copyStrided(Strided v, int64_t rank, int64_t elemSize, char *dense,
                        int toDense) {
  int64_t n = countOf(rank, v.sizes);
  if (n == 0)
    return;
  int64_t inner = rank ? v.sizes[rank - 1] : 1;
  int64_t innerStride = rank ? v.strides[rank - 1] : 1;
  int64_t idx[64] = {0};
  for (int64_t done = 0; done < n; done += inner) {
    int64_t at = v.offset;
    for (int64_t d = 0; d + 1 < rank; ++d)
      at += idx[d] * v.strides[d];
    char *dst = dense + done * elemSize;
    if (innerStride == 1) {
      char *src = v.aligned + at * elemSize;
      if (toDense)
        memcpy(dst, src, inner * elemSize);
      else
        memcpy(src, dst, inner * elemSize);
    } else {
      for (int64_t i = 0; i < inner; ++i) {
        char *src = v.aligned + (at + i * innerStride) * elemSize;
        if (toDense)
          memcpy(dst + i * elemSize, src, elemSize);
        else
          memcpy(src, dst + i * elemSize, elemSize);
      }
    }
    for (int64_t d = rank - 2; d >= 0; --d) {
      if (++idx[d] < v.sizes[d])
        break;
      idx[d] = 0;
    }
  }
}

static int64_t tensorBytes(int64_t elemSize, int64_t rank,
                           const int64_t *desc) {
  return dataOffset(rank) + countOf(rank, viewOf(rank, desc).sizes) * elemSize;
}

/* A copy of the memref `desc` as a tensor of `elemType` in `block`
 * (tensorBytes of it). */
static int64_t tensorStore(int64_t block, int64_t elemType, int64_t elemSize,
                           int64_t rank, const int64_t *desc) {
  kiln_run_tensor_t *t = (kiln_run_tensor_t *)(intptr_t)block;
  int64_t *dims = (int64_t *)(t + 1);
  Strided v = viewOf(rank, desc);
  t->elem_type = elemType;
  t->rank = rank;
  t->dims = dims;
  memcpy(dims, v.sizes, 8 * rank);
  t->data = (char *)t + dataOffset(rank);
  copyStrided(v, rank, elemSize, (char *)t->data, 1);
  return block;
}

/* Copies the data of `tensor` into the memref `desc` of its shape. */
static void tensorLoad(int64_t tensor, int64_t elemSize, int64_t rank,
                       const int64_t *desc) {
  copyStrided(viewOf(rank, desc), rank, elemSize,
              (char *)tensorAt(tensor)->data, 0);
}

/* One entry point per element type of the generated code: MLIR declares a
 * function per memref element type, and the calls pass (rank, descriptor)
 * the same way for all of them. */
#define KILN_SEQ_TENSOR_FUNCTIONS(T)                                           \
  KILN_HIDDEN int64_t kiln_seq_tensor_bytes_##T(                               \
      int64_t elemSize, int64_t rank, const int64_t *desc) {                   \
    return tensorBytes(elemSize, rank, desc);                                  \
  }                                                                            \
  KILN_HIDDEN int64_t kiln_seq_tensor_store_##T(                               \
      int64_t block, int64_t elemType, int64_t elemSize, int64_t rank,         \
      const int64_t *desc) {                                                   \
    return tensorStore(block, elemType, elemSize, rank, desc);                 \
  }                                                                            \
  KILN_HIDDEN int64_t kiln_seq_tensor_load_##T(                                \
      int64_t tensor, int64_t elemSize, int64_t rank, const int64_t *desc) {   \
    tensorLoad(tensor, elemSize, rank, desc);                                  \
    return tensor;                                                             \
  }

KILN_SEQ_TENSOR_FUNCTIONS(i1)
KILN_SEQ_TENSOR_FUNCTIONS(i8)
KILN_SEQ_TENSOR_FUNCTIONS(i16)
KILN_SEQ_TENSOR_FUNCTIONS(i32)
KILN_SEQ_TENSOR_FUNCTIONS(i64)
KILN_SEQ_TENSOR_FUNCTIONS(f16)
KILN_SEQ_TENSOR_FUNCTIONS(bf16)
KILN_SEQ_TENSOR_FUNCTIONS(f32)
KILN_SEQ_TENSOR_FUNCTIONS(f64)
