/* One input "in_<type>" [2] and one output "out_<type>" [2] per supported
 * element type; each output aliases its input (an identity model). */
#include "fake_memref.h"


static const int64_t dims[1] = {2};
static const char *const params[1] = {""};

#define INFO(prefix, name, type)                                               \
  { prefix #name, type, 1, dims, params }
#define ALL_TYPES(prefix)                                                      \
  INFO(prefix, float, KILN_ELEM_FLOAT), INFO(prefix, uint8, KILN_ELEM_UINT8),  \
      INFO(prefix, int8, KILN_ELEM_INT8),                                      \
      INFO(prefix, uint16, KILN_ELEM_UINT16),                                  \
      INFO(prefix, int16, KILN_ELEM_INT16),                                    \
      INFO(prefix, int32, KILN_ELEM_INT32),                                    \
      INFO(prefix, int64, KILN_ELEM_INT64),                                    \
      INFO(prefix, bool, KILN_ELEM_BOOL),                                      \
      INFO(prefix, float16, KILN_ELEM_FLOAT16),                                \
      INFO(prefix, double, KILN_ELEM_DOUBLE),                                  \
      INFO(prefix, uint32, KILN_ELEM_UINT32),                                  \
      INFO(prefix, uint64, KILN_ELEM_UINT64),                                  \
      INFO(prefix, bfloat16, KILN_ELEM_BFLOAT16)

#define NUM_TYPES 13

static const kiln_tensor_info_t inputs[NUM_TYPES] = {ALL_TYPES("in_")};
static const kiln_tensor_info_t outputs[NUM_TYPES] = {ALL_TYPES("out_")};

static void entry(void **args, kiln_run_context_t *ctx) {
  (void)ctx;
  memref1 *out = (memref1 *)args[0];
  for (int i = 0; i < NUM_TYPES; ++i)
    out[i] = *(const memref1 *)args[1 + i];
}

KILN_EXPORT const kiln_artifact_t kiln_artifact = {KILN_CPU_ABI_VERSION,
                                                   KILN_PROVIDER_CPU,
                                                   NUM_TYPES,
                                                   NUM_TYPES,
                                                   inputs,
                                                   outputs,
                                                   entry,
                                                   NULL, /* kernel_names */
                                                   NULL,
                                                   "fake"};
