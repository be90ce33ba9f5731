//===- GpuSharedMemoryTiles.cpp - Contractions in shared-memory tiles -----===//
//
// The first strategy computes a matmul as one dot product per thread,
// every operand element read from global memory by every thread that
// needs it: M * N * K * 2 loads. shared_memory_tiles gives each block a
// T x T tile of the output, a thread per element: along k, T at a time,
// the block loads a T x T tile of each operand into shared memory (one
// element a thread, neighbouring threads reading neighbouring elements of
// row-major operands), waits at a barrier, each thread combines its row
// of the first tile with its column of the second, and the block waits
// again before the tiles are overwritten: each loaded element serves T
// threads. Edges load nothing past the operands and the k loop stops at
// the last element, so any body (integer products with zero points too)
// sees only real elements.
//
// m, n and k may each be several loops, linearized (the last fastest): a
// convolution is then an implicit GEMM, a thread's row delinearized into
// its output pixel and its k index into an input channel and window
// position, the input element read through the op's own map. The body
// runs in the serial loop's k order, so any body is computed alike.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/KilnCodegen.h"
#include "compiler/codegen/cuda/GpuEpilogue.h"
#include "compiler/codegen/cuda/KernelIndexing.h"
#include "compiler/codegen/cuda/LowerConfigured.h"
#include "compiler/codegen/cuda/Passes.h"
#include "compiler/codegen/cuda/SharedMemoryTiles.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln {
#define GEN_PASS_DEF_GPUSHAREDMEMORYTILES
#include "compiler/codegen/cuda/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::codegen;

namespace kiln {

FailureOr<linalg::ContractionDimensions>
matchSharedMemoryTiles(linalg::LinalgOp op, std::string &why) {
  auto fail = [&](const char *reason) {
    why = reason;
    return FailureOr<linalg::ContractionDimensions>(failure());
  };
  if (!op.hasPureBufferSemantics())
    return fail("it is not on buffers");
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return fail("it is not a contraction of two operands");
  // Each loop's role from the operands it indexes: a parallel loop of
  // both operands is a batch dim, of the first only an m dim, of the
  // second only an n dim; a reduction of both is a k dim. A convolution
  // is one too (an implicit GEMM): its image and output pixels are m
  // dims, its output channels n dims, its input channels and window k
  // dims.
  AffineMap lhsMap = op.getMatchingIndexingMap(op.getDpsInputOperand(0));
  AffineMap rhsMap = op.getMatchingIndexingMap(op.getDpsInputOperand(1));
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  linalg::ContractionDimensions dims;
  for (auto [d, iterator] : llvm::enumerate(op.getIteratorTypesArray())) {
    bool inLhs = lhsMap.isFunctionOfDim(d), inRhs = rhsMap.isFunctionOfDim(d);
    bool inOut = outMap.isFunctionOfDim(d);
    if (iterator == utils::IteratorType::reduction) {
      if (!inLhs || !inRhs || inOut)
        return fail("a reduction does not index both operands alone");
      dims.k.push_back(d);
    } else if (!inOut || (!inLhs && !inRhs)) {
      return fail("a parallel loop indexes the output alone");
    } else {
      (inLhs && inRhs ? dims.batch : inLhs ? dims.m : dims.n).push_back(d);
    }
  }
  if (dims.m.empty() || dims.n.empty() || dims.k.empty())
    return fail("it has no m, n or k dim");
  unsigned numParallel = op.getNumParallelLoops();
  for (auto [i, iterator] : llvm::enumerate(op.getIteratorTypesArray()))
    if ((i < numParallel) != (iterator == utils::IteratorType::parallel))
      return fail("its parallel loops are not all outside its reductions");
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<MemRefType>(operand.get().getType());
    if (!type || !type.getElementType().isIntOrFloat() ||
        type.getElementTypeBitWidth() > 64)
      return fail("an operand is not a memref of scalars of at most 64 bits");
  }
  for (Operation &inner : op.getBlock()->without_terminator())
    if (!isMemoryEffectFree(&inner) || isa<linalg::IndexOp>(inner))
      return fail("its body has side effects or index ops");
  return dims;
}

int64_t sharedMemoryTileSize(int64_t threads) {
  switch (threads) {
  case 64:
    return 8;
  case 256:
    return 16;
  case 1024:
    return 32;
  default:
    return 0;
  }
}

} // namespace kiln

namespace {

LogicalResult lower(linalg::LinalgOp op, GpuLoweringConfigAttr config) {
  std::string why;
  FailureOr<linalg::ContractionDimensions> dims =
      matchSharedMemoryTiles(op, why);
  if (failed(dims))
    return op.emitOpError("cannot be lowered in shared-memory tiles: ") << why;
  int64_t tile = sharedMemoryTileSize(config.getThreads());
  if (!tile)
    return op.emitOpError("shared_memory_tiles takes 64, 256 or 1024 "
                          "threads (square tiles), not ")
           << config.getThreads();
  FailureOr<std::optional<GpuEpilogue>> epilogue = configuredEpilogue(op);
  if (failed(epilogue))
    return failure();
  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  OpBuilder b(op);
  SmallVector<Value> sizes;
  for (Range range : op.createLoopRanges(b, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));
  Value zero = indexConstant(b, loc, 0), one = indexConstant(b, loc, 1);
  Value tileSize = indexConstant(b, loc, tile);
  // The tiles' m, n and k: each group of loops linearized, the last
  // fastest (a convolution's output pixels along m, its input channels
  // and window along k).
  ContractionGroups groups(b, loc, *dims, sizes);
  // The grid: batch dims, then tiles of m, then tiles of n (the fastest).
  SmallVector<Value> gridSizes = outputTileGrid(b, loc, groups, tileSize);
  OpOperand *lhs = op.getDpsInputOperand(0), *rhs = op.getDpsInputOperand(1);
  OpOperand *init = op.getDpsInitOperand(0);
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto tileType = [&](OpOperand *operand) {
    return MemRefType::get(
        {tile, tile},
        cast<MemRefType>(operand->get().getType()).getElementType(),
        MemRefLayoutAttrInterface{}, workgroup);
  };
  gpu::LaunchOp launch = launchTileGrid(b, loc, gridSizes, tile * tile,
                                        {tileType(lhs), tileType(rhs)});
  Value lhsTile = launch.getWorkgroupAttributions()[0];
  Value rhsTile = launch.getWorkgroupAttributions()[1];

  // The block's tile and the thread's element of it (column fastest).
  SmallVector<Value> blockIds(gridSizes.size());
  delinearize(b, loc, launch.getBlockIds().x, gridSizes, blockIds);
  Value thread = launch.getThreadIds().x;
  Value row = arith::DivUIOp::create(b, loc, thread, tileSize);
  Value col = arith::RemUIOp::create(b, loc, thread, tileSize);
  SmallVector<Value> ivs(op.getNumLoops(), zero);
  for (auto [d, id] : llvm::zip(dims->batch, blockIds))
    ivs[d] = id;
  Value m0 =
      arith::MulIOp::create(b, loc, blockIds[dims->batch.size()], tileSize);
  Value n0 = arith::MulIOp::create(b, loc, blockIds.back(), tileSize);
  Value mIndex = arith::AddIOp::create(b, loc, m0, row);
  Value nIndex = arith::AddIOp::create(b, loc, n0, col);
  groups.setM(b, loc, ivs, mIndex);
  groups.setN(b, loc, ivs, nIndex);
  auto below = [&](Value index, Value size) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, index,
                                 size);
  };
  auto both = [&](Value x, Value y) {
    return arith::AndIOp::create(b, loc, x, y);
  };
  Value inOutput = both(below(mIndex, groups.m), below(nIndex, groups.n));

  // Zero past an edge, never used: the k loop stops at the last element,
  // outputs past the edge are not stored.
  auto guardedLoad = [&](OpOperand *operand, ArrayRef<Value> at, Value inside) {
    return loadIfInside(b, loc, op, operand, at, inside);
  };
  Value start = guardedLoad(init, ivs, inOutput);

  Value length = groups.k;
  auto steps = scf::ForOp::create(
      b, loc, zero, length, tileSize, ValueRange{start},
      [&](OpBuilder &nb, Location loc, Value k0, ValueRange acc) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToEnd(nb.getInsertionBlock());
        // This thread's element of each operand tile: (row, k0 + col) of
        // the first, (k0 + row, col) of the second.
        SmallVector<Value> at(ivs);
        Value lhsK = arith::AddIOp::create(b, loc, k0, col);
        groups.setK(b, loc, at, lhsK);
        memref::StoreOp::create(
            b, loc,
            guardedLoad(lhs, at,
                        both(below(mIndex, groups.m), below(lhsK, length))),
            lhsTile, ValueRange{row, col});
        Value rhsK = arith::AddIOp::create(b, loc, k0, row);
        groups.setK(b, loc, at, rhsK);
        memref::StoreOp::create(
            b, loc,
            guardedLoad(rhs, at,
                        both(below(rhsK, length), below(nIndex, groups.n))),
            rhsTile, ValueRange{row, col});
        gpu::BarrierOp::create(b, loc);
        Value count = arith::MinUIOp::create(
            b, loc, tileSize, arith::SubIOp::create(b, loc, length, k0));
        auto products = scf::ForOp::create(
            b, loc, zero, count, one, acc,
            [&](OpBuilder &ib, Location loc, Value kk, ValueRange acc) {
              IRMapping map;
              map.map(op.getMatchingBlockArgument(lhs),
                      memref::LoadOp::create(ib, loc, lhsTile,
                                             ValueRange{row, kk}));
              map.map(op.getMatchingBlockArgument(rhs),
                      memref::LoadOp::create(ib, loc, rhsTile,
                                             ValueRange{kk, col}));
              map.map(op.getMatchingBlockArgument(init), acc.front());
              for (Operation &inner : op.getBlock()->without_terminator())
                ib.clone(inner, map);
              scf::YieldOp::create(
                  ib, loc,
                  map.lookup(op.getBlock()->getTerminator()->getOperand(0)));
            });
        // No thread loads the next tiles before every thread is done
        // with these.
        gpu::BarrierOp::create(b, loc);
        scf::YieldOp::create(b, loc, products.getResult(0));
      });
  auto ifInOutput = scf::IfOp::create(b, loc, inOutput, false);
  b.setInsertionPointToStart(ifInOutput.thenBlock());
  storeOutput(b, loc, *epilogue, steps.getResult(0), init->get(),
              applyIndexingMap(b, loc, op.getMatchingIndexingMap(init), ivs));
  if (*epilogue)
    (*epilogue)->erase();
  op->erase();
  return success();
}

struct GpuSharedMemoryTilesPass
    : kiln::impl::GpuSharedMemoryTilesBase<GpuSharedMemoryTilesPass> {
  void runOnOperation() override {
    if (failed(lowerGpuConfigured<linalg::LinalgOp>(
            getOperation(), GpuStrategy::shared_memory_tiles, "a linalg op",
            lower)))
      signalPassFailure();
  }
};

} // namespace
