//===- CudaPipeline.cpp - linalg on tensors to PTX and a host schedule ----===//
//
// Spelled as textual pipelines of registered passes, as the CPU pipeline
// is: every step replays alone with kiln-opt.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cpu/Passes.h"
#include "compiler/codegen/cuda/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace kiln {

llvm::StringRef defaultCudaToolkit() {
#ifdef KILN_CUDA_TOOLKIT
  return KILN_CUDA_TOOLKIT;
#else
  return "";
#endif
}

static void addPipeline(OpPassManager &pm, const std::string &text) {
  if (failed(parsePassPipeline(text, pm, llvm::errs())))
    llvm::report_fatal_error("kiln: invalid built-in CUDA pass pipeline");
}

/// The lowest of `chips`' architectures as a number (80 for sm_80, 90 for
/// sm_90a), 0 when one is not sm_<digits>: the strategies that need an
/// architecture's instructions must run on every chip compiled for.
static int64_t lowestSm(const std::vector<std::string> &chips) {
  int64_t lowest = 0;
  for (llvm::StringRef chip : chips) {
    int64_t sm = 0;
    if (!chip.consume_front("sm_") ||
        chip.take_while(llvm::isDigit).getAsInteger(10, sm))
      return 0;
    lowest = lowest ? std::min(lowest, sm) : sm;
  }
  return lowest;
}

/// linalg on tensors -> host code with gpu.launch ops: the GPU schedule,
/// shared by the PTX pipeline and its CPU emulation.
static void addCudaSchedule(OpPassManager &pm,
                            const CudaCodegenOptions &options) {
  addPipeline(pm, "canonicalize,cse");
  if (options.optLevel >= 1)
    addPipeline(pm, "func.func(kiln-fuse-elementwise),canonicalize,cse");
  // Bufferized as for the CPU: the host schedule allocates every buffer
  // (device memory through the run context) and frees it after its last use.
  addPipeline(pm, "func.func(kiln-decompose-aggregates),"
                  "kiln-protect-inputs,kiln-untie-empty-tensors,"
                  "one-shot-bufferize{bufferize-function-boundaries=1 "
                  "function-boundary-type-conversion=identity-layout-map "
                  "allow-return-allocs-from-loops=1},"
                  "canonicalize,buffer-deallocation-pipeline,"
                  "convert-bufferization-to-memref");
  // Every op and copy one scf.parallel over its output elements; O1+: a
  // thread's reduction accumulates in a register, not through the output
  // element in global memory.
  std::string accumulators =
      options.optLevel >= 1 ? "kiln-reduction-accumulators," : "";
  // O1+: the strategy layer, then the ops it configured take their
  // strategies; what is left is the first strategy's.
  std::string strategies;
  if (options.optLevel >= 1 &&
      (options.blockReductionMin > 0 || options.tileMin > 0))
    strategies = "kiln-gpu-select-lowering{block-reduction-min=" +
                 std::to_string(options.blockReductionMin) +
                 " tile-min=" + std::to_string(options.tileMin) +
                 " sm=" + std::to_string(lowestSm(options.chips)) +
                 " tf32=" + (options.tf32 ? "1" : "0") +
                 "},kiln-gpu-block-reduction,kiln-gpu-shared-memory-tiles,"
                 "kiln-gpu-tensor-core-mma,";
  addPipeline(pm, "func.func(kiln-gpu-parallel-dims-outer," + strategies +
                      accumulators +
                      "convert-linalg-to-parallel-loops),canonicalize,cse,"
                      "func.func(kiln-gpu-device-checks,"
                      "kiln-gpu-map-loops{block-size=" +
                      std::to_string(options.blockSize) + "})");
}

void buildCudaCodegenPipeline(OpPassManager &pm,
                              const CudaCodegenOptions &options,
                              bool hostKernels) {
  addCudaSchedule(pm, options);
  // Constants folded on the host are sunk into the kernels.
  addPipeline(pm, "canonicalize,cse,gpu-launch-sink-index-computations,"
                  "gpu-kernel-outlining,kiln-gpu-attach-targets{chips=" +
                      llvm::join(options.chips, ",") + "}");
  if (hostKernels)
    addPipeline(pm, "kiln-gpu-host-kernels");
  // Device code: one gpu.module per kernel, to NVVM, then PTX through
  // LLVM's NVPTX backend in this process. libdevice (the __nv_* math
  // functions) is linked only when the toolkit path is given.
  addPipeline(pm,
              "gpu.module(expand-strided-metadata,lower-affine,"
              "convert-scf-to-cf,convert-nvgpu-to-nvvm,convert-gpu-to-nvvm,"
              "canonicalize,cse,"
              "reconcile-unrealized-casts),"
              "gpu-module-to-binary{format=isa" +
                  (options.toolkit.empty() ? std::string()
                                           : " toolkit=" + options.toolkit) +
                  "}");
}

void buildCudaArtifactPipeline(OpPassManager &pm,
                               const CudaCodegenOptions &options) {
  buildCudaCodegenPipeline(pm, options, options.hostKernels);
  // The host schedule: launches through the run context, the PTX as
  // artifact data, then lowered as the CPU pipeline ends.
  // Host copies of tensor-core kernels build their fragments as vectors.
  addPipeline(pm, "kiln-gpu-launch-to-runtime,canonicalize,cse," +
                      cpuLoopsToLLVMPipeline(
                          /*vectorize=*/options.hostKernels));
}

void buildCudaEmulationPipeline(OpPassManager &pm,
                                const CudaCodegenOptions &options) {
  // Loops run a block's threads one after the other: the strategies whose
  // threads wait for each other are left to the host-kernel harness.
  CudaCodegenOptions serial = options;
  serial.blockReductionMin = 0;
  serial.tileMin = 0;
  addCudaSchedule(pm, serial);
  // The launches as loops, then the CPU pipeline's end (libm, not its
  // approximations: libdevice's functions are accurate too).
  addPipeline(pm, "func.func(kiln-gpu-launch-to-loops),canonicalize,cse," +
                      cpuLoopsToLLVMPipeline(/*vectorize=*/false));
}

namespace {
/// The options of the kiln-cuda-codegen pipeline: CudaCodegenOptions.
struct CudaCodegenPipelineOptions
    : PassPipelineOptions<CudaCodegenPipelineOptions> {
  Option<int> optLevel{*this, "opt-level",
                       llvm::cl::desc("Optimization level 0-3"),
                       llvm::cl::init(3)};
  ListOption<std::string> chips{
      *this, "chips", llvm::cl::desc("CUDA architectures (sm_80,sm_90)")};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit for libdevice (default: the one CMake "
                     "found)")};
  Option<int64_t> blockSize{*this, "block-size",
                            llvm::cl::desc("Threads per block"),
                            llvm::cl::init(256)};
  Option<int64_t> blockReductionMin{
      *this, "block-reduction-min",
      llvm::cl::desc("Split reductions of at least this many elements per "
                     "output across a block (0: never)"),
      llvm::cl::init(64)};
  Option<int64_t> tileMin{
      *this, "tile-min",
      llvm::cl::desc("Compute contractions whose m, n and k are each at "
                     "least this in shared-memory tiles (0: never)"),
      llvm::cl::init(16)};
  Option<bool> tf32{*this, "tf32",
                    llvm::cl::desc("f32 contractions may run on the tensor "
                                   "cores in TF32 (sm_80+)"),
                    llvm::cl::init(false)};
};

CudaCodegenOptions toCodegenOptions(const CudaCodegenPipelineOptions &options) {
  CudaCodegenOptions codegen;
  codegen.optLevel = options.optLevel;
  if (!options.chips.empty())
    codegen.chips.assign(options.chips.begin(), options.chips.end());
  codegen.toolkit = options.toolkit.empty() ? defaultCudaToolkit().str()
                                            : std::string(options.toolkit);
  codegen.blockSize = options.blockSize;
  codegen.blockReductionMin = options.blockReductionMin;
  codegen.tileMin = options.tileMin;
  codegen.tf32 = options.tf32;
  return codegen;
}
} // namespace

void registerCudaCodegenPasses() {
  registerKilnCudaCodegenPasses();
  PassPipelineRegistration<CudaCodegenPipelineOptions>(
      "kiln-cuda-codegen",
      "Lower linalg on tensors to host code launching PTX kernels",
      [](OpPassManager &pm, const CudaCodegenPipelineOptions &options) {
        buildCudaCodegenPipeline(pm, toCodegenOptions(options));
      });
  PassPipelineRegistration<CudaCodegenPipelineOptions>(
      "kiln-cuda-artifact",
      "Lower linalg on tensors to PTX kernels and an LLVM-dialect host "
      "schedule that launches them through the run context",
      [](OpPassManager &pm, const CudaCodegenPipelineOptions &options) {
        buildCudaArtifactPipeline(pm, toCodegenOptions(options));
      });
  PassPipelineRegistration<CudaCodegenPipelineOptions>(
      "kiln-cuda-emulation",
      "Lower linalg on tensors through the GPU schedule to CPU code (its "
      "launches run as loops)",
      [](OpPassManager &pm, const CudaCodegenPipelineOptions &options) {
        buildCudaEmulationPipeline(pm, toCodegenOptions(options));
      });
}

void registerCudaCodegenDialects(DialectRegistry &registry) {
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerGPUDialectTranslation(registry);
  registerNVVMDialectTranslation(registry);
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
}

} // namespace kiln
