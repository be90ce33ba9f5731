/* ABI 4 graph values over tensor slots, written by hand as the compiler
 * would lay them out:
 *
 *   inputs   x  tensor(float) [n]                     slot 0
 *            s  seq(tensor(float)), compiled length 2  slots 1, 2
 *            m  map(int64,tensor(float))               slots 3 (keys), 4
 *            o  optional(tensor(float)), present       slot 5
 *            a  optional(tensor(float)), absent        no slot
 *   outputs  y    tensor(float) [n] = x + sum(o)        slot 0
 *            seq  seq(tensor(float)) = [s[1], s[0]]    slots 1, 2
 *            zip  seq(map(int64,tensor(float))): n maps, map i pairing
 *                 m's keys with x[i] * m's values       slots 3 (keys), 4
 *            mo   map(int64,tensor(float)): m's keys -> m's values + 1
 *                                                       slots 5, 6
 *            oo   optional(tensor(float)) = o * 2       slot 7
 *            none optional(tensor(float)), absent      no slot */
#include "fake_memref.h"

#include <string.h>

static const int64_t dyn1[1] = {-1};
static const int64_t dyn2[2] = {-1, -1};
static const char *const n1[1] = {"n"};
static const char *const anon1[1] = {""};
static const char *const anon2[2] = {"n", ""};

static const kiln_tensor_info_t inputs[6] = {
    {"x", KILN_ELEM_FLOAT, 1, dyn1, n1},
    {"s[0]", KILN_ELEM_FLOAT, 1, dyn1, anon1},
    {"s[1]", KILN_ELEM_FLOAT, 1, dyn1, anon1},
    {"m.keys", KILN_ELEM_INT64, 1, dyn1, anon1},
    {"m.values", KILN_ELEM_FLOAT, 1, dyn1, anon1},
    {"o", KILN_ELEM_FLOAT, 1, dyn1, anon1},
};
static const kiln_tensor_info_t outputs[8] = {
    {"y", KILN_ELEM_FLOAT, 1, dyn1, n1},
    {"seq[0]", KILN_ELEM_FLOAT, 1, dyn1, anon1},
    {"seq[1]", KILN_ELEM_FLOAT, 1, dyn1, anon1},
    {"zip.keys", KILN_ELEM_INT64, 1, dyn1, anon1},
    {"zip.values", KILN_ELEM_FLOAT, 2, dyn2, anon2},
    {"mo.keys", KILN_ELEM_INT64, 1, dyn1, anon1},
    {"mo.values", KILN_ELEM_FLOAT, 1, dyn1, anon1},
    {"oo", KILN_ELEM_FLOAT, 1, dyn1, anon1},
};

static const kiln_value_info_t input_values[5] = {
    {"x", "tensor(float)", KILN_VALUE_TENSOR, 0, 0, 1},
    {"s", "seq(tensor(float))", KILN_VALUE_SEQUENCE, 0, 1, 2},
    {"m", "map(int64,tensor(float))", KILN_VALUE_MAP, 0, 3, 2},
    {"o", "optional(tensor(float))", KILN_VALUE_TENSOR,
     KILN_VALUE_FLAG_OPTIONAL, 5, 1},
    {"a", "optional(tensor(float))", KILN_VALUE_TENSOR,
     KILN_VALUE_FLAG_OPTIONAL | KILN_VALUE_FLAG_ABSENT, 6, 0},
};
static const kiln_value_info_t output_values[6] = {
    {"y", "tensor(float)", KILN_VALUE_TENSOR, 0, 0, 1},
    {"seq", "seq(tensor(float))", KILN_VALUE_SEQUENCE, 0, 1, 2},
    {"zip", "seq(map(int64,tensor(float)))", KILN_VALUE_SEQUENCE_OF_MAPS, 0, 3,
     2},
    {"mo", "map(int64,tensor(float))", KILN_VALUE_MAP, 0, 5, 2},
    {"oo", "optional(tensor(float))", KILN_VALUE_TENSOR,
     KILN_VALUE_FLAG_OPTIONAL, 7, 1},
    {"none", "optional(tensor(float))", KILN_VALUE_TENSOR,
     KILN_VALUE_FLAG_OPTIONAL | KILN_VALUE_FLAG_ABSENT, 8, 0},
};

/* A fresh dense rank-1 memref of n elements of `size` bytes. */
static void *alloc1(kiln_run_context_t *ctx, memref1 *out, int64_t n,
                    uint64_t size) {
  void *p = ctx->alloc(ctx, (uint64_t)(n ? n : 1) * size, 64);
  out->allocated = out->aligned = p;
  out->offset = 0;
  out->sizes[0] = n;
  out->strides[0] = 1;
  return p;
}

#define AT(m, i)                                                               \
  (((const float *)(m)->aligned)[(m)->offset + (i) * (m)->strides[0]])
#define AT64(m, i)                                                             \
  (((const int64_t *)(m)->aligned)[(m)->offset + (i) * (m)->strides[0]])

typedef struct results {
  memref1 y, seq0, seq1, zipKeys;
  memref2 zipValues;
  memref1 moKeys, moValues, oo;
} results;

static void entry(void **args, kiln_run_context_t *ctx) {
  results *r = (results *)args[0];
  const memref1 *x = (const memref1 *)args[1];
  const memref1 *s0 = (const memref1 *)args[2];
  const memref1 *s1 = (const memref1 *)args[3];
  const memref1 *keys = (const memref1 *)args[4];
  const memref1 *values = (const memref1 *)args[5];
  const memref1 *o = (const memref1 *)args[6];
  int64_t n = x->sizes[0], c = keys->sizes[0], i, j;

  float sum = 0;
  for (i = 0; i < o->sizes[0]; ++i)
    sum += AT(o, i);
  float *y = (float *)alloc1(ctx, &r->y, n, 4);
  for (i = 0; i < n; ++i)
    y[i] = AT(x, i) + sum;

  float *q0 = (float *)alloc1(ctx, &r->seq0, s1->sizes[0], 4);
  for (i = 0; i < s1->sizes[0]; ++i)
    q0[i] = AT(s1, i);
  float *q1 = (float *)alloc1(ctx, &r->seq1, s0->sizes[0], 4);
  for (i = 0; i < s0->sizes[0]; ++i)
    q1[i] = AT(s0, i);

  int64_t *zk = (int64_t *)alloc1(ctx, &r->zipKeys, c, 8);
  for (j = 0; j < c; ++j)
    zk[j] = AT64(keys, j);
  float *zv = (float *)ctx->alloc(ctx, (uint64_t)(n * c ? n * c : 1) * 4, 64);
  r->zipValues.allocated = r->zipValues.aligned = zv;
  r->zipValues.offset = 0;
  r->zipValues.sizes[0] = n;
  r->zipValues.sizes[1] = c;
  r->zipValues.strides[0] = c;
  r->zipValues.strides[1] = 1;
  for (i = 0; i < n; ++i)
    for (j = 0; j < c; ++j)
      zv[i * c + j] = AT(x, i) * AT(values, j);

  int64_t *mk = (int64_t *)alloc1(ctx, &r->moKeys, c, 8);
  float *mv = (float *)alloc1(ctx, &r->moValues, values->sizes[0], 4);
  for (j = 0; j < c; ++j)
    mk[j] = AT64(keys, j);
  for (j = 0; j < values->sizes[0]; ++j)
    mv[j] = AT(values, j) + 1;

  float *oo = (float *)alloc1(ctx, &r->oo, o->sizes[0], 4);
  for (i = 0; i < o->sizes[0]; ++i)
    oo[i] = AT(o, i) * 2;
}

KILN_EXPORT const kiln_artifact_t kiln_artifact = {
    KILN_CPU_ABI_VERSION,
    KILN_PROVIDER_CPU,
    6,
    8,
    inputs,
    outputs,
    entry,
    NULL, /* kernel_names */
    "\0",
    "fake-compiler 1.0",
    0,
    NULL, /* cpu_name */
    NULL, /* cpu_features */
    5,
    6,
    input_values,
    output_values,
};
