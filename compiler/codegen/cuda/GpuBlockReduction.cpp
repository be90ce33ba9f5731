//===- GpuBlockReduction.cpp - A block of threads per reduced element -----===//
//
// The first strategy: a thread per output element reducing serially is
// slow when the reduction is long (a ReduceSum over 4096 elements is 4096
// dependent adds in one thread) or the outputs are few (a softmax row's
// max and sum: one thread per row). block_reduction gives every output
// element a block: each thread reduces a strided share of the reduction
// (neighbouring threads read neighbouring elements, so the loads
// coalesce), each warp combines its threads' partials with xor shuffles,
// the warps' results meet in shared memory after a barrier, and the first
// warp combines them with the output's initial value. The order of the
// combination differs from the serial one's (float sums round
// differently, as ONNX Runtime's CUDA reductions do).
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/KilnCodegen.h"
#include "compiler/codegen/cuda/BlockReduction.h"
#include "compiler/codegen/cuda/GpuEpilogue.h"
#include "compiler/codegen/cuda/KernelIndexing.h"
#include "compiler/codegen/cuda/LowerConfigured.h"
#include "compiler/codegen/cuda/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln {
#define GEN_PASS_DEF_GPUBLOCKREDUCTION
#include "compiler/codegen/cuda/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::codegen;

namespace kiln {

FailureOr<BlockReduction> matchBlockReduction(linalg::GenericOp op,
                                              std::string &why) {
  auto fail = [&](const char *reason) -> FailureOr<BlockReduction> {
    why = reason;
    return failure();
  };
  if (!op.hasPureBufferSemantics())
    return fail("it is not on buffers");
  if (op.getNumDpsInits() != 1)
    return fail("it has several outputs");
  unsigned numParallel = op.getNumParallelLoops();
  if (numParallel == op.getNumLoops())
    return fail("it has no reduction loop");
  for (auto [i, iterator] : llvm::enumerate(op.getIteratorTypesArray()))
    if ((i < numParallel) != (iterator == utils::IteratorType::parallel))
      return fail("its parallel loops are not all outside its reductions");
  if (linalg::isaContractionOpInterface(op) ||
      linalg::isaConvolutionOpInterface(op))
    return fail("it is a contraction or a convolution");
  SmallVector<Operation *> combiners;
  if (!matchReduction(op.getRegionOutputArgs(), 0, combiners) ||
      combiners.size() != 1 || combiners.front()->getNumOperands() != 2)
    return fail("its accumulator does not go through one combining op");
  std::optional<TypedAttr> neutral =
      arith::getNeutralElement(combiners.front());
  if (!neutral)
    return fail("its combining op has no neutral element");
  Type type = op.getRegionOutputArgs().front().getType();
  if (!type.isIntOrFloat() || type.getIntOrFloatBitWidth() != 32)
    return fail("its accumulator is not of a 32-bit type");
  for (Operation &inner : op.getBody()->without_terminator())
    if (!isMemoryEffectFree(&inner))
      return fail("its body has side effects");
  return BlockReduction{combiners.front(), *neutral};
}

} // namespace kiln

namespace {

constexpr int64_t kWarpSize = 32;

/// The combiner applied to `lhs` and `rhs` (it commutes).
Value combine(OpBuilder &b, Operation *combiner, Value lhs, Value rhs) {
  IRMapping map;
  map.map(combiner->getOperand(0), lhs);
  map.map(combiner->getOperand(1), rhs);
  return b.clone(*combiner, map)->getResult(0);
}

/// Every lane of a warp ends with the combination of the warp's values.
Value reduceWarp(OpBuilder &b, Location loc, Operation *combiner, Value v) {
  for (int32_t offset = kWarpSize / 2; offset > 0; offset /= 2) {
    Value other = gpu::ShuffleOp::create(b, loc, v, offset, kWarpSize,
                                         gpu::ShuffleMode::XOR)
                      .getShuffleResult();
    v = combine(b, combiner, v, other);
  }
  return v;
}

LogicalResult lower(linalg::GenericOp op, GpuLoweringConfigAttr config) {
  std::string why;
  FailureOr<kiln::BlockReduction> match = kiln::matchBlockReduction(op, why);
  if (failed(match))
    return op.emitOpError("cannot be lowered as a block reduction: ") << why;
  FailureOr<std::optional<GpuEpilogue>> epilogue =
      configuredEpilogue(cast<linalg::LinalgOp>(op.getOperation()));
  if (failed(epilogue))
    return failure();
  Operation *combiner = match->combiner;
  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  OpBuilder b(op);
  unsigned numParallel = op.getNumParallelLoops();
  SmallVector<Value> sizes;
  auto linalgOp = cast<linalg::LinalgOp>(op.getOperation());
  for (Range range : linalgOp.createLoopRanges(b, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));
  ValueRange parallelSizes = ValueRange(sizes).take_front(numParallel);
  ValueRange reductionSizes = ValueRange(sizes).drop_front(numParallel);
  Value outputs = product(b, loc, parallelSizes);
  Value length = product(b, loc, reductionSizes);
  Value zero = indexConstant(b, loc, 0), one = indexConstant(b, loc, 1);

  // CUDA refuses a grid of no blocks.
  Value any = b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt,
                                            outputs, zero);
  auto ifAny = scf::IfOp::create(b, loc, any, /*withElseRegion=*/false);
  b.setInsertionPointToStart(ifAny.thenBlock());
  int64_t threads = config.getThreads(), warps = threads / kWarpSize;
  Type type = op.getRegionOutputArgs().front().getType();
  auto partials = MemRefType::get(
      {warps}, type, MemRefLayoutAttrInterface{},
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup));
  auto launch = gpu::LaunchOp::create(
      b, loc, outputs, one, one, indexConstant(b, loc, threads), one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, TypeRange{partials});
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPoint(launch.getBody().front().getTerminator());

  Value thread = launch.getThreadIds().x;
  SmallVector<Value> ivs(op.getNumLoops(), zero);
  delinearize(b, loc, launch.getBlockIds().x, parallelSizes,
              MutableArrayRef<Value>(ivs).take_front(numParallel));
  Value neutral = arith::ConstantOp::create(b, loc, match->neutral);

  // Each thread's share: elements thread, thread + threads, ...
  auto share = scf::ForOp::create(
      b, loc, thread, length, indexConstant(b, loc, threads),
      ValueRange{neutral},
      [&](OpBuilder &b, Location loc, Value k, ValueRange acc) {
        SmallVector<Value> loopIvs(ivs);
        delinearize(b, loc, k, reductionSizes,
                    MutableArrayRef<Value>(loopIvs).drop_front(numParallel));
        IRMapping map;
        for (OpOperand *input : op.getDpsInputOperands()) {
          Value value = input->get();
          if (isa<MemRefType>(value.getType()))
            value = memref::LoadOp::create(
                b, loc, value,
                applyIndexingMap(b, loc, op.getMatchingIndexingMap(input),
                                 loopIvs));
          map.map(op.getMatchingBlockArgument(input), value);
        }
        map.map(op.getRegionOutputArgs().front(), acc.front());
        for (Operation &inner : op.getBody()->without_terminator()) {
          if (auto index = dyn_cast<linalg::IndexOp>(inner))
            map.map(index.getResult(), loopIvs[index.getDim()]);
          else
            b.clone(inner, map);
        }
        Value next = map.lookup(op.getBody()->getTerminator()->getOperand(0));
        scf::YieldOp::create(b, loc, next);
      });
  Value partial = reduceWarp(b, loc, combiner, share.getResult(0));

  // Lane 0 of each warp leaves its warp's result for the first warp.
  Value warpSize = indexConstant(b, loc, kWarpSize);
  Value lane = arith::RemUIOp::create(b, loc, thread, warpSize);
  Value warp = arith::DivUIOp::create(b, loc, thread, warpSize);
  Value firstLane =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, zero);
  Value shared = launch.getWorkgroupAttributions().front();
  auto ifFirstLane = scf::IfOp::create(b, loc, firstLane, false);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifFirstLane.thenBlock());
    memref::StoreOp::create(b, loc, partial, shared, warp);
  }
  gpu::BarrierOp::create(b, loc);
  Value firstWarp =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, warp, zero);
  auto ifFirstWarp = scf::IfOp::create(b, loc, firstWarp, false);
  b.setInsertionPointToStart(ifFirstWarp.thenBlock());
  // Lanes past the last warp take the neutral element (the load stays in
  // bounds).
  Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, lane,
                                        indexConstant(b, loc, warps));
  Value slot = arith::SelectOp::create(b, loc, inRange, lane, zero);
  Value total = arith::SelectOp::create(
      b, loc, inRange, memref::LoadOp::create(b, loc, shared, slot), neutral);
  total = reduceWarp(b, loc, combiner, total);
  auto ifWriter = scf::IfOp::create(b, loc, firstLane, false);
  b.setInsertionPointToStart(ifWriter.thenBlock());
  OpOperand *init = op.getDpsInitOperand(0);
  SmallVector<Value> at =
      applyIndexingMap(b, loc, op.getMatchingIndexingMap(init), ivs);
  Value start = memref::LoadOp::create(b, loc, init->get(), at);
  storeOutput(b, loc, *epilogue, combine(b, combiner, start, total),
              init->get(), at);
  if (*epilogue)
    (*epilogue)->erase();
  op.erase();
  return success();
}

struct GpuBlockReductionPass
    : kiln::impl::GpuBlockReductionBase<GpuBlockReductionPass> {
  void runOnOperation() override {
    if (failed(lowerGpuConfigured<linalg::GenericOp>(
            getOperation(), GpuStrategy::block_reduction, "a linalg.generic",
            lower)))
      signalPassFailure();
  }
};

} // namespace
