//===- CpuPipeline.cpp - linalg on tensors to the LLVM dialect ------------===//
//
// Spelled as textual pipelines of registered passes on purpose: every step
// can be replayed alone with kiln-opt.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cpu/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace kiln {

static void addPipeline(OpPassManager &pm, const std::string &text) {
  if (failed(parsePassPipeline(text, pm, llvm::errs())))
    llvm::report_fatal_error("kiln: invalid built-in pass pipeline");
}

void buildCpuCodegenPipeline(OpPassManager &pm,
                             const CpuCodegenOptions &options) {
  // Profiling brackets each kernel while it is still one op; the brackets
  // are named after bufferization, once fusion and tiling have decided what
  // each holds.
  if (options.profile)
    addPipeline(pm, "kiln-instrument-kernels");
  addPipeline(pm, "canonicalize,cse");
  if (options.optLevel >= 1)
    addPipeline(pm, "func.func(kiln-fuse-elementwise,"
                    "kiln-fold-expand-into-epilogue),canonicalize,cse");
  // After elementwise fusion, so a heavy op's bias/activation is one generic
  // that can be fused into its register tiles.
  bool vectorize = options.optLevel >= 3;
  // O1+: the strategy layer gives every heavy op a lowering configuration
  // (ukernels of the support library, im2col, register tiles at O3); the
  // passes below follow it. Ops it leaves alone become loops.
  bool strategies = options.optLevel >= 1 && options.selectLowering;
  if (strategies)
    addPipeline(pm, std::string("kiln-select-lowering{vectorize=") +
                        (vectorize ? "1" : "0") +
                        "},func.func(kiln-fold-bias-into-init,"
                        "kiln-conv-to-gemm,kiln-fold-expand-into-epilogue),"
                        "canonicalize,cse");
  // The aggregate ops no strategy took (every linalg.softmax without one)
  // become generics.
  addPipeline(pm, "func.func(kiln-decompose-aggregates)");
  if (strategies && vectorize)
    addPipeline(pm, "func.func(kiln-tile-and-vectorize),canonicalize,cse");
  std::string gemm =
      strategies ? std::string(options.fusePointwiseDepthwise
                                      ? "kiln-pointwise-depthwise-ukernel,"
                                      : "") +
                       "kiln-gemm-ukernel,kiln-conv-ukernel{winograd=" +
                       (options.winograd ? "1" : "0") +
                       "},kiln-depthwise-ukernel,kiln-pool-ukernel,"
                       "kiln-transpose-ukernel,"
                       "kiln-softmax-ukernel,"
                 : "";
  // n-D vector transfers on buffers are unrolled to 1-D ones (no stack
  // temporaries), which convert-vector-to-llvm turns into (masked) loads.
  std::string vectorToScf =
      vectorize ? ",convert-vector-to-scf{full-unroll=1 target-rank=1}" : "";
  // O1+: parallel dims become scf.parallel, and the outermost parallel
  // loops run on the session's thread pool through the run context.
  bool threads = options.optLevel >= 1;
  std::string linalgToLoops =
      threads ? "convert-linalg-to-parallel-loops" : "convert-linalg-to-loops";
  std::string dispatch = threads ? "kiln-dispatch-parallel-loops," : "";
  // O1+: innermost reductions keep their accumulator in a register and
  // may reassociate, so LLVM vectorizes them.
  std::string reductions = threads ? "kiln-reduction-accumulators," : "";
  // O1+: loops LLVM can vectorize: elementwise ops over contiguous buffers
  // as one long loop, pooling windows with the output row innermost.
  std::string loopOrder = threads ? "kiln-collapse-contiguous-dims,"
                                    "kiln-interchange-window-loops,"
                                  : "";
  // O1+: no libm calls for exp/log/tanh/erf in loop bodies, so LLVM
  // vectorizes softmax, sigmoid and GELU loops. O0 keeps libm's results.
  std::string approximate =
      options.optLevel >= 1 ? "kiln-approximate-math," : "";
  std::string profile = options.profile ? "kiln-name-kernels," : "";
  // O1+: a Concat's inputs are computed into its slices instead of being
  // copied there.
  std::string forward =
      options.optLevel >= 1 ? "func.func(kiln-forward-copied-buffers)," : "";
  // Function boundaries use identity layouts: the runtime passes and
  // receives plain strided buffers.
  addPipeline(pm,
              "kiln-protect-inputs,kiln-untie-empty-tensors,"
              "one-shot-bufferize{bufferize-function-boundaries=1 "
              "function-boundary-type-conversion=identity-layout-map "
              // Loops whose carried tensors change size (a Loop's growing
              // scan outputs) yield new buffers.
              "allow-return-allocs-from-loops=1},"
              // Foralls (the directions of a bidirectional recurrence) are
              // parallel loops once their outputs are buffers.
              "scf-forall-to-parallel,canonicalize," +
                  forward +
                  "buffer-deallocation-pipeline,convert-bufferization-to-memref,"
              // kiln.attention has no other lowering: at every level.
              "kiln-attention-ukernel," +
                  gemm + profile +
                  // Once the kernels are calls: buffers live from their
                  // first use to their last, so the arena reuses them.
                  "func.func(kiln-shrink-buffer-lifetimes,"
                  "kiln-strided-copy-to-linalg," + loopOrder +
                  reductions + linalgToLoops + vectorToScf + ")," + dispatch + approximate +
                  cpuLoopsToLLVMPipeline(vectorize));
}

std::string cpuLoopsToLLVMPipeline(bool vectorize) {
  std::string vectorToLLVM =
      vectorize ? "convert-vector-to-llvm,convert-ub-to-llvm," : "";
  // Allocations whose byte size would wrap fail instead.
  return "func.func(kiln-check-alloc-sizes),"
         "kiln-externalize-weights,"
         "lower-affine,convert-scf-to-cf,canonicalize,"
         "func.func(kiln-lower-dynamic-expand-shape),"
         "expand-strided-metadata,lower-affine," +
         vectorToLLVM +
         "finalize-memref-to-llvm{use-generic-functions=1},"
         "convert-math-to-llvm,convert-math-to-libm,"
         "convert-arith-to-llvm,convert-index-to-llvm,"
         "convert-func-to-llvm,convert-cf-to-llvm,"
         "reconcile-unrealized-casts,kiln-byte-bools,canonicalize";
}

codegen::TargetAttr
describeCpuTarget(MLIRContext *ctx,
                  llvm::function_ref<bool(llvm::StringRef)> hasFeature,
                  int64_t l1Bytes, int64_t l2Bytes) {
  using codegen::Isa;
  Isa isa = hasFeature("avx512f") && hasFeature("avx512bw") ? Isa::avx512
            : hasFeature("avx2") && hasFeature("fma") ? Isa::avx2
                                                      : Isa::sse;
  // AVX-512 has 32 vector registers, the others 16.
  return codegen::TargetAttr::get(ctx, isa, codegen::vectorBits(isa),
                                  isa == Isa::avx512 ? 32 : 16, l1Bytes,
                                  l2Bytes);
}

namespace {
/// The options of the kiln-cpu-codegen pipeline: CpuCodegenOptions.
struct CpuCodegenPipelineOptions
    : PassPipelineOptions<CpuCodegenPipelineOptions> {
  Option<int> optLevel{*this, "opt-level",
                       llvm::cl::desc("Optimization level 0-3"),
                       llvm::cl::init(3)};
  Option<bool> selectLowering{
      *this, "select-lowering",
      llvm::cl::desc("Choose a strategy per heavy op from the module's "
                     "kiln.target (as kiln-compile does)"),
      llvm::cl::init(false)};
  Option<bool> profile{*this, "profile",
                       llvm::cl::desc("Bracket every kernel for profiling"),
                       llvm::cl::init(false)};
  Option<bool> winograd{
      *this, "winograd",
      llvm::cl::desc("Winograd F(4x4, 3x3) for the 3x3 convolutions "
                     "kiln-conv-ukernel finds large enough"),
      llvm::cl::init(true)};
};
} // namespace

void registerCpuCodegenPipeline() {
  // `kiln-compile --emit=linalg` writes the module with its kiln.target:
  // `kiln-opt --kiln-cpu-codegen="select-lowering=1"` replays the compiler's
  // code generation on it, and any lowering configuration written into the
  // IR by hand is followed as it is.
  PassPipelineRegistration<CpuCodegenPipelineOptions>(
      "kiln-cpu-codegen",
      "Lower linalg on tensors to the LLVM dialect for the CPU",
      [](OpPassManager &pm, const CpuCodegenPipelineOptions &options) {
        CpuCodegenOptions codegen;
        codegen.optLevel = options.optLevel;
        codegen.selectLowering = options.selectLowering;
        codegen.profile = options.profile;
        codegen.winograd = options.winograd;
        buildCpuCodegenPipeline(pm, codegen);
      });
}

} // namespace kiln
