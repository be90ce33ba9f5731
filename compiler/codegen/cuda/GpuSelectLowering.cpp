//===- GpuSelectLowering.cpp - The CUDA strategy layer --------------------===//
//
// Chooses how an op on buffers is lowered for the GPU and records it as a
// typed attribute (#kiln.gpu_lowering_config) that the strategy's pass
// follows; ops without one take the first strategy (a thread per output
// element, kiln-gpu-map-loops). As on the CPU, a configuration written by
// hand replays exactly with kiln-opt, and a strategy for a new op class is
// one more case here.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/KilnCodegen.h"
#include "compiler/codegen/cuda/BlockReduction.h"
#include "compiler/codegen/cuda/GpuEpilogue.h"
#include "compiler/codegen/cuda/Passes.h"
#include "compiler/codegen/cuda/SharedMemoryTiles.h"
#include "compiler/codegen/cuda/TensorCoreMma.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace kiln {
#define GEN_PASS_DEF_GPUSELECTLOWERING
#include "compiler/codegen/cuda/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::codegen;

namespace {

/// The elements each output element reduces, or nullopt when a size is
/// known only at run time.
std::optional<int64_t> reductionLength(linalg::GenericOp op) {
  int64_t length = 1;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (auto [size, iterator] : llvm::zip(ranges, op.getIteratorTypesArray())) {
    if (iterator != utils::IteratorType::reduction)
      continue;
    if (ShapedType::isDynamic(size))
      return std::nullopt;
    length *= size;
  }
  return length;
}

/// Threads for a block reduction of `length` elements: about four elements
/// a thread before the warps combine, in whole warps, at most 256 (a
/// run-time length takes 256).
int64_t blockReductionThreads(std::optional<int64_t> length) {
  if (!length)
    return 256;
  int64_t threads = llvm::alignTo(llvm::divideCeil(*length, 4), 32);
  return std::clamp<int64_t>(threads, 32, 256);
}

/// Whether each of `groups` (a contraction's m, n and k loops) has at
/// least `min` elements, counting a run-time size as enough.
bool atLeast(linalg::LinalgOp op, ArrayRef<ArrayRef<unsigned>> groups,
             int64_t min) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  return llvm::all_of(groups, [&](ArrayRef<unsigned> group) {
    int64_t elements = 1;
    for (unsigned d : group) {
      if (ShapedType::isDynamic(ranges[d]))
        return true;
      elements *= ranges[d];
    }
    return elements >= min;
  });
}

struct GpuSelectLoweringPass
    : kiln::impl::GpuSelectLoweringBase<GpuSelectLoweringPass> {
  using GpuSelectLoweringBase::GpuSelectLoweringBase;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    getOperation().walk([&](linalg::LinalgOp op) {
      if (getGpuLoweringConfig(op))
        return;
      selectStrategy(ctx, op);
      // Every strategy computes an output element in a register before
      // its one store: where its elementwise consumer can be applied
      // there, the kernel does it (a second kernel's pass over the output
      // less).
      std::string why;
      if (fuseEpilogues && getGpuLoweringConfig(op) &&
          succeeded(kiln::GpuEpilogue::match(op, why)))
        op->setAttr(kiln::kGpuFusedEpilogueAttr, UnitAttr::get(ctx));
    });
  }

  void selectStrategy(MLIRContext *ctx, linalg::LinalgOp op) {
    std::string why;
    // Matrix-vector products (an m or n below a tile) would leave most
    // of a tile's threads idle: they keep a thread per output.
    if (FailureOr<linalg::ContractionDimensions> dims =
            kiln::matchSharedMemoryTiles(op, why);
        succeeded(dims) && tileMin > 0 &&
        atLeast(op, {dims->m, dims->n, dims->k}, tileMin)) {
      // mma.sync (m16n8k8 TF32, m16n8k16 f16) is sm_80's and later's.
      bool mma = sm >= 80 && succeeded(kiln::matchTensorCoreMma(op, tf32, why));
      setGpuLoweringConfig(
          op,
          mma ? GpuLoweringConfigAttr::get(ctx, GpuStrategy::tensor_core_mma,
                                           kiln::kTensorCoreMmaThreads)
              : GpuLoweringConfigAttr::get(
                    ctx, GpuStrategy::shared_memory_tiles, 256));
      return;
    }
    auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
    if (!generic)
      return;
    if (failed(kiln::matchBlockReduction(generic, why)))
      return;
    std::optional<int64_t> length = reductionLength(generic);
    if (length && *length < blockReductionMin)
      return;
    setGpuLoweringConfig(
        op, GpuLoweringConfigAttr::get(ctx, GpuStrategy::block_reduction,
                                       blockReductionThreads(length)));
  }
};

} // namespace
