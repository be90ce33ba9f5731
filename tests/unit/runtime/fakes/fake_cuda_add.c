/* cuda_provider_test.cpp's CUDA artifact as a shared object, for the C++
 * API, whose sessions open files: y[4] = x[4] + {10, 20, 30, 40} in one
 * launch of the kernel the fake driver runs for real (fake_add_constant),
 * the constant uploaded by the runtime and its pointer translated. */
#include "fake_add4_signature.h"

static const float constant[4] = {10, 20, 30, 40};
static const kiln_device_constant_t constants[1] = {
    {constant, sizeof(constant)}};

/* "PTX" the fake driver reads: the target and the entry's 16 parameters. */
static const kiln_device_code_t codes[1] = {
    {"sm_80",
     ".target sm_80\n.entry fake_add_constant(\n"
     ".param .u64 a0, .param .u64 a1, .param .u64 a2, .param .u64 a3,\n"
     ".param .u64 a4, .param .u64 a5, .param .u64 a6, .param .u64 a7,\n"
     ".param .u64 a8, .param .u64 a9, .param .u64 a10, .param .u64 a11,\n"
     ".param .u64 a12, .param .u64 a13, .param .u64 a14, .param .u64 a15\n"
     ")\n{}\n"}};
static const kiln_device_kernel_t kernels[1] = {
    {"add_module", "fake_add_constant", "ppiiippiiippiiii", 1, codes}};

static void entry(void **args, kiln_run_context_t *ctx) {
  const memref1 *x = (const memref1 *)args[1];
  float *y = (float *)ctx->alloc(ctx, 4 * sizeof(float), 64);
  if (!y)
    return;
  uint64_t c = (uint64_t)(uintptr_t)constant, yp = (uint64_t)(uintptr_t)y;
  const uint64_t words[16] = {(uint64_t)(uintptr_t)x->allocated,
                              (uint64_t)(uintptr_t)x->aligned,
                              (uint64_t)x->offset,
                              (uint64_t)x->sizes[0],
                              (uint64_t)x->strides[0],
                              c, c, 0, 4, 1, yp, yp, 0, 4, 1, 4};
  ctx->launch(ctx, 0, 1, 1, 1, 4, 1, 1, 0, words);
  ctx->sync(ctx);
  set_contiguous1((memref1 *)args[0], y, 4);
}

KILN_EXPORT const kiln_artifact_t kiln_artifact = {
    .abi_version = KILN_ABI_VERSION,
    .provider = KILN_PROVIDER_CUDA,
    .num_inputs = 1,
    .num_outputs = 1,
    .inputs = &input,
    .outputs = &output,
    .entry = entry,
    .metadata = "\0\0",
    .compiler_version = "kiln test",
    .struct_size = sizeof(kiln_artifact_t),
    .features = KILN_ARTIFACT_FEATURE_DEVICE_CODE,
    .num_device_kernels = 1,
    .num_device_constants = 1,
    .device_kernels = kernels,
    .device_constants = constants,
};
