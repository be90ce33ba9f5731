/* An artifact compiled for the CUDA provider before ABI 6, which has no
 * device tables: the runtime refuses it. */
#include "fake_memref.h"

static const int64_t dims[1] = {4};
static const char *const params[1] = {""};
static const kiln_tensor_info_t io[1] = {
    {"x", KILN_ELEM_FLOAT, 1, dims, params}};

static void entry(void **args, kiln_run_context_t *ctx) {
  (void)args;
  (void)ctx;
}

KILN_EXPORT const kiln_artifact_t kiln_artifact = {5,
                                                   KILN_PROVIDER_CUDA,
                                                   1,
                                                   1,
                                                   io,
                                                   io,
                                                   entry,
                                                   NULL, /* kernel_names */
                                                   NULL,
                                                   NULL};
