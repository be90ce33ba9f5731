/*===- fake_add4_signature.h - y[4] = x[4] + c's inputs and outputs -------===*
 *
 * The signature of cuda_provider_test.cpp's model, which its CPU copy
 * (fake_cpu_copy.c) and its CUDA artifact as a file (fake_cuda_add.c)
 * share: the runtime checks that a CPU copy takes and gives the same.
 *
 *===----------------------------------------------------------------------===*/
#ifndef KILN_TESTS_FAKE_ADD4_SIGNATURE_H
#define KILN_TESTS_FAKE_ADD4_SIGNATURE_H

#include "fake_memref.h"

static const int64_t dims[1] = {4};
static const char *const params[1] = {""};
static const kiln_tensor_info_t input = {"x", KILN_ELEM_FLOAT, 1, dims,
                                         params};
static const kiln_tensor_info_t output = {"y", KILN_ELEM_FLOAT, 1, dims,
                                          params};

#endif /* KILN_TESTS_FAKE_ADD4_SIGNATURE_H */
