//===- GpuTensorCoreMma.cpp - Contractions on the tensor cores ------------===//
//
// shared_memory_tiles computes a matmul with one fused multiply-add per
// thread and k step on the CUDA cores. From sm_80 on, a warp's mma.sync
// multiplies a 16 x 8 by 8 x 8 (TF32) or 16 x 16 by 16 x 8 (f16) pair of
// tiles held in its lanes' registers, at several times that rate.
// tensor_core_mma gives each block of 4 warps a 32 x 32 output tile: along
// k, 16 at a time, the block stages a 32 x 16 tile of the first operand
// and a 16 x 32 tile of the second in shared memory (four elements of
// each a thread, zero past an edge), waits, and each warp loads its
// lanes' fragments of its 16-row band and its two 8-column strips from
// there and issues nvgpu.mma.sync (nvvm.mma.sync after
// convert-nvgpu-to-nvvm); the block waits again before the tiles are
// overwritten. Each lane's accumulators start from the output's elements
// they stand for and are stored back at the end, so the op's init (a
// Gemm's bias, zeros) is kept.
//
// m, n and k may each be several loops, linearized as shared_memory_tiles
// does (KernelIndexing's ContractionGroups): a convolution is an implicit
// GEMM whose A tile is gathered from the image (output pixels x input
// channels and window) through the op's own map. The fragments are laid
// out in the linear indices, so nothing else changes.
//
// Where each lane's fragment elements sit in the tiles is the PTX ISA's
// ("Matrix Fragments for mma.m16n8k8" and "for mma.m16n8k16", row-major
// A, column-major B): with g = lane / 4 and t = lane % 4, element i of a
// TF32 A fragment is (g + 8 * (i % 2), t + 4 * (i / 2)), of a TF32 B
// fragment (t + 4 * i, g); of an f16 A fragment (g + 8 * (i / 2 % 2),
// 2 * t + i % 2 + 8 * (i / 4)), of an f16 B fragment (2 * t + i % 2 +
// 8 * (i / 2), g); of the f32 accumulators (g + 8 * (i / 2),
// 2 * t + i % 2). nvgpu.mma.sync holds element i at row i / w, column
// i % w of its vector<r x w> operands (one row per 32-bit register).
//
// f32 operands are rounded to TF32 (round to nearest, ties away from zero,
// as cvt.rna.tf32.f32) when they are staged: mma.sync would ignore their
// low 13 bits, which truncates.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/KilnCodegen.h"
#include "compiler/codegen/cuda/GpuEpilogue.h"
#include "compiler/codegen/cuda/KernelIndexing.h"
#include "compiler/codegen/cuda/LowerConfigured.h"
#include "compiler/codegen/cuda/Passes.h"
#include "compiler/codegen/cuda/SharedMemoryTiles.h"
#include "compiler/codegen/cuda/TensorCoreMma.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace kiln {
#define GEN_PASS_DEF_GPUTENSORCOREMMA
#include "compiler/codegen/cuda/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::codegen;

namespace kiln {

FailureOr<MmaKind> matchTensorCoreMma(linalg::LinalgOp op, bool allowTf32,
                                      std::string &why) {
  FailureOr<linalg::ContractionDimensions> dims =
      matchSharedMemoryTiles(op, why);
  if (failed(dims))
    return failure();
  auto fail = [&](const char *reason) {
    why = reason;
    return FailureOr<MmaKind>(failure());
  };
  OpOperand *lhs = op.getDpsInputOperand(0), *rhs = op.getDpsInputOperand(1);
  OpOperand *init = op.getDpsInitOperand(0);
  auto elementType = [](OpOperand *operand) {
    return cast<MemRefType>(operand->get().getType()).getElementType();
  };
  Type lhsType = elementType(lhs), rhsType = elementType(rhs);
  Type outType = elementType(init);
  MmaKind kind;
  if (lhsType.isF16() && rhsType.isF16() &&
      (outType.isF16() || outType.isF32())) {
    kind = MmaKind::F16;
  } else if (lhsType.isF32() && rhsType.isF32() && outType.isF32()) {
    if (!allowTf32)
      return fail("its f32 operands would be rounded to TF32, which was not "
                  "allowed");
    kind = MmaKind::Tf32;
  } else {
    return fail("its element types are not f16 x f16 -> f16 or f32, nor "
                "f32 x f32 -> f32");
  }

  // out + a * b (either order), a and b possibly extended first: nothing
  // else, so that computing it on the tensor cores is the same function.
  Block *body = op.getBlock();
  Value acc = op.getMatchingBlockArgument(init);
  Value a = op.getMatchingBlockArgument(lhs);
  Value b = op.getMatchingBlockArgument(rhs);
  auto add =
      body->getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return fail("its body does not end in an addition");
  Value product = add.getLhs() == acc   ? add.getRhs()
                  : add.getRhs() == acc ? add.getLhs()
                                        : Value();
  auto mul = product ? product.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul)
    return fail("its body is not out + a * b");
  SmallVector<Operation *> allowed = {add, mul};
  auto stripExt = [&](Value v) {
    if (auto ext = v.getDefiningOp<arith::ExtFOp>()) {
      allowed.push_back(ext);
      return ext.getIn();
    }
    return v;
  };
  Value x = stripExt(mul.getLhs()), y = stripExt(mul.getRhs());
  if (!((x == a && y == b) || (x == b && y == a)))
    return fail("its body is not out + a * b");
  for (Operation &inner : body->without_terminator())
    if (!llvm::is_contained(allowed, &inner))
      return fail("its body computes more than out + a * b");
  return kind;
}

} // namespace kiln

namespace {

/// The block's output tile, each warp's quarter of it, and the k step.
constexpr int64_t kBlockTile = 32, kWarpTile = 16, kKStep = 16;
/// The accumulators of a warp: its 16 columns are two mma.sync n8 strips.
constexpr int64_t kStrips = kWarpTile / 8;

/// The mma.sync operands of one kind (m16n8k8 TF32 or m16n8k16 f16).
struct MmaShape {
  int64_t k;
  Type operand;
  VectorType a, b, c;
};

MmaShape mmaShape(MLIRContext *ctx, MmaKind kind) {
  Type f32 = Float32Type::get(ctx), f16 = Float16Type::get(ctx);
  VectorType c = VectorType::get({2, 2}, f32);
  if (kind == MmaKind::Tf32)
    return {8, f32, VectorType::get({4, 1}, f32), VectorType::get({2, 1}, f32),
            c};
  return {16, f16, VectorType::get({4, 2}, f16), VectorType::get({2, 2}, f16),
          c};
}

/// Offsets of element `i` of a lane's A fragment from (g, t) (TF32) or
/// (g, 2 t) (f16), in the warp's 16 x k tile (see the file comment).
std::pair<int64_t, int64_t> aOffsets(MmaKind kind, int64_t i) {
  if (kind == MmaKind::Tf32)
    return {8 * (i % 2), 4 * (i / 2)};
  return {8 * (i / 2 % 2), i % 2 + 8 * (i / 4)};
}

/// Offset of element `i` of a lane's B fragment's row from t (TF32) or
/// 2 t (f16); its column is g.
int64_t bRowOffset(MmaKind kind, int64_t i) {
  if (kind == MmaKind::Tf32)
    return 4 * i;
  return i % 2 + 8 * (i / 2);
}

/// Offsets of accumulator `i` from (g, 2 t), in the warp's 16 x 8 strip.
std::pair<int64_t, int64_t> cOffsets(int64_t i) { return {8 * (i / 2), i % 2}; }

/// Position of element `i` in a vector<r x w> fragment.
SmallVector<int64_t> fragmentPosition(VectorType type, int64_t i) {
  int64_t width = type.getDimSize(1);
  return {i / width, i % width};
}

/// `x` rounded to TF32 (10 mantissa bits), to nearest with ties away from
/// zero as cvt.rna.tf32.f32: half a TF32 ulp added to the magnitude's bits,
/// then the low 13 bits cleared; NaN kept as it is.
Value roundToTf32(OpBuilder &b, Location loc, Value x) {
  Type i32 = b.getI32Type();
  Value bits = arith::BitcastOp::create(b, loc, i32, x);
  Value half = arith::ConstantIntOp::create(b, loc, i32, 0x1000);
  Value mask = arith::ConstantIntOp::create(b, loc, i32, ~int64_t(0x1fff));
  Value rounded = arith::AndIOp::create(
      b, loc, arith::AddIOp::create(b, loc, bits, half), mask);
  Value isNan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, x, x);
  return arith::SelectOp::create(
      b, loc, isNan, x, arith::BitcastOp::create(b, loc, x.getType(), rounded));
}

LogicalResult lower(linalg::LinalgOp op, GpuLoweringConfigAttr config) {
  std::string why;
  // The configuration allows TF32: the strategy layer writes it on f32
  // contractions only when the user did.
  FailureOr<MmaKind> kind = matchTensorCoreMma(op, /*allowTf32=*/true, why);
  if (failed(kind))
    return op.emitOpError("cannot be lowered on the tensor cores: ") << why;
  if (config.getThreads() != kTensorCoreMmaThreads)
    return op.emitOpError("tensor_core_mma takes ")
           << kTensorCoreMmaThreads << " threads (4 warps), not "
           << config.getThreads();
  FailureOr<std::optional<GpuEpilogue>> epilogue = configuredEpilogue(op);
  if (failed(epilogue))
    return failure();
  FailureOr<linalg::ContractionDimensions> dims =
      matchSharedMemoryTiles(op, why);
  MLIRContext *ctx = op.getContext();
  MmaShape shape = mmaShape(ctx, *kind);
  Location loc = op.getLoc();
  OpBuilder b(op);
  SmallVector<Value> sizes;
  for (Range range : op.createLoopRanges(b, loc))
    sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, range.size));
  auto index = [&](int64_t v) { return indexConstant(b, loc, v); };
  Value blockTile = index(kBlockTile);
  // m, n and k each linearized (a convolution's output pixels along m,
  // its input channels and window along k): the tiles, fragments and
  // edges below are in these linear indices, and only the loads and
  // stores delinearize them into the op's loops.
  ContractionGroups groups(b, loc, *dims, sizes);
  SmallVector<Value> gridSizes = outputTileGrid(b, loc, groups, blockTile);

  OpOperand *lhs = op.getDpsInputOperand(0), *rhs = op.getDpsInputOperand(1);
  OpOperand *init = op.getDpsInitOperand(0);
  Type outType = cast<MemRefType>(init->get().getType()).getElementType();
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto lhsTileType = MemRefType::get({kBlockTile, kKStep}, shape.operand,
                                     MemRefLayoutAttrInterface{}, workgroup);
  auto rhsTileType = MemRefType::get({kKStep, kBlockTile}, shape.operand,
                                     MemRefLayoutAttrInterface{}, workgroup);
  gpu::LaunchOp launch = launchTileGrid(
      b, loc, gridSizes, kTensorCoreMmaThreads, {lhsTileType, rhsTileType});
  Value lhsTile = launch.getWorkgroupAttributions()[0];
  Value rhsTile = launch.getWorkgroupAttributions()[1];

  // The block's tile, the thread's warp and lane, the warp's quarter of
  // the tile (2 x 2 quarters, column fastest) and the lane's g and t.
  SmallVector<Value> blockIds(gridSizes.size());
  delinearize(b, loc, launch.getBlockIds().x, gridSizes, blockIds);
  Value thread = launch.getThreadIds().x;
  Value warp = arith::DivUIOp::create(b, loc, thread, index(32));
  Value lane = arith::RemUIOp::create(b, loc, thread, index(32));
  Value group = arith::DivUIOp::create(b, loc, lane, index(4));
  Value inGroup = arith::RemUIOp::create(b, loc, lane, index(4));
  Value inGroup2 = arith::MulIOp::create(b, loc, inGroup, index(2));
  // Rows of the A tile and k of the B tile a lane's elements start from.
  Value aCol = *kind == MmaKind::Tf32 ? inGroup : inGroup2;
  Value warpRow = arith::MulIOp::create(
      b, loc, arith::DivUIOp::create(b, loc, warp, index(2)), index(kWarpTile));
  Value warpCol = arith::MulIOp::create(
      b, loc, arith::RemUIOp::create(b, loc, warp, index(2)), index(kWarpTile));
  SmallVector<Value> base(op.getNumLoops(), index(0));
  for (auto [d, id] : llvm::zip(dims->batch, blockIds))
    base[d] = id;
  Value m0 =
      arith::MulIOp::create(b, loc, blockIds[dims->batch.size()], blockTile);
  Value n0 = arith::MulIOp::create(b, loc, blockIds.back(), blockTile);
  // Where a lane's elements start: row g of the warp's band (A and the
  // accumulators), column 2 t of its strips (the accumulators), column g
  // of its strips (B).
  Value laneRow = arith::AddIOp::create(b, loc, warpRow, group);
  Value laneCol = arith::AddIOp::create(b, loc, warpCol, inGroup2);
  Value bCol = arith::AddIOp::create(b, loc, warpCol, group);

  auto add = [&](Value x, int64_t c) -> Value {
    return c ? b.createOrFold<arith::AddIOp>(loc, x, index(c)) : x;
  };
  auto addValues = [&](Value x, Value y) -> Value {
    return arith::AddIOp::create(b, loc, x, y);
  };
  auto below = [&](Value at, Value size) -> Value {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, at, size);
  };
  auto both = [&](Value x, Value y) -> Value {
    return arith::AndIOp::create(b, loc, x, y);
  };

  // The output element accumulator `i` of strip `j` stands for: its
  // loop indices, and whether it is inside the output.
  auto outputAt = [&](int64_t j, int64_t i) {
    auto [rowOffset, colOffset] = cOffsets(i);
    Value mIndex = addValues(m0, add(laneRow, rowOffset));
    Value nIndex = addValues(n0, add(laneCol, 8 * j + colOffset));
    SmallVector<Value> ivs(base);
    groups.setM(b, loc, ivs, mIndex);
    groups.setN(b, loc, ivs, nIndex);
    return std::make_pair(
        ivs, both(below(mIndex, groups.m), below(nIndex, groups.n)));
  };
  Type f32 = b.getF32Type();
  SmallVector<Value> starts;
  for (int64_t j = 0; j < kStrips; ++j) {
    Value acc = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(shape.c, b.getZeroAttr(f32)));
    for (int64_t i = 0; i < 4; ++i) {
      auto [ivs, inside] = outputAt(j, i);
      Value element = loadIfInside(b, loc, op, init, ivs, inside);
      if (outType != f32)
        element = arith::ExtFOp::create(b, loc, f32, element);
      acc = vector::InsertOp::create(b, loc, element, acc,
                                     fragmentPosition(shape.c, i));
    }
    starts.push_back(acc);
  }

  Value length = groups.k;
  auto steps = scf::ForOp::create(
      b, loc, index(0), length, index(kKStep), starts,
      [&](OpBuilder &nb, Location, Value k0, ValueRange accs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToEnd(nb.getInsertionBlock());
        // Each thread stages elements thread + 128 e of both tiles, the
        // tiles' last dim fastest (k of the first, n of the second); a
        // tile's rows and columns are linear indices into the groups
        // (`setRow` and `setCol` set their loops), bounded by `rows` and
        // `cols`.
        using SetGroup = void (ContractionGroups::*)(
            OpBuilder &, Location, MutableArrayRef<Value>, Value) const;
        auto stage = [&](OpOperand *operand, Value tile, int64_t cols,
                         SetGroup setRow, Value rowStart, Value rows,
                         SetGroup setCol, Value colStart, Value colsTotal,
                         Value at) {
          Value row = arith::DivUIOp::create(b, loc, at, index(cols));
          Value col = arith::RemUIOp::create(b, loc, at, index(cols));
          Value rowIndex = addValues(rowStart, row);
          Value colIndex = addValues(colStart, col);
          SmallVector<Value> ivs(base);
          (groups.*setRow)(b, loc, ivs, rowIndex);
          (groups.*setCol)(b, loc, ivs, colIndex);
          Value element = loadIfInside(
              b, loc, op, operand, ivs,
              both(below(rowIndex, rows), below(colIndex, colsTotal)));
          if (*kind == MmaKind::Tf32)
            element = roundToTf32(b, loc, element);
          memref::StoreOp::create(b, loc, element, tile, ValueRange{row, col});
        };
        for (int64_t e = 0; e < kBlockTile * kKStep / kTensorCoreMmaThreads;
             ++e) {
          Value at = add(thread, e * kTensorCoreMmaThreads);
          stage(lhs, lhsTile, kKStep, &ContractionGroups::setM, m0, groups.m,
                &ContractionGroups::setK, k0, groups.k, at);
          stage(rhs, rhsTile, kBlockTile, &ContractionGroups::setK, k0,
                groups.k, &ContractionGroups::setN, n0, groups.n, at);
        }
        gpu::BarrierOp::create(b, loc);

        // Past the last k both tiles hold zeros: their products add
        // nothing, so a short last step needs no other care.
        SmallVector<Value> results(accs);
        for (int64_t ks = 0; ks < kKStep; ks += shape.k) {
          Value a = arith::ConstantOp::create(
              b, loc,
              DenseElementsAttr::get(shape.a, b.getZeroAttr(shape.operand)));
          for (int64_t i = 0; i < shape.a.getNumElements(); ++i) {
            auto [rowOffset, colOffset] = aOffsets(*kind, i);
            Value element = memref::LoadOp::create(
                b, loc, lhsTile,
                ValueRange{add(laneRow, rowOffset), add(aCol, ks + colOffset)});
            a = vector::InsertOp::create(b, loc, element, a,
                                         fragmentPosition(shape.a, i));
          }
          for (int64_t j = 0; j < kStrips; ++j) {
            Value bFragment = arith::ConstantOp::create(
                b, loc,
                DenseElementsAttr::get(shape.b, b.getZeroAttr(shape.operand)));
            for (int64_t i = 0; i < shape.b.getNumElements(); ++i) {
              Value element = memref::LoadOp::create(
                  b, loc, rhsTile,
                  ValueRange{add(aCol, ks + bRowOffset(*kind, i)),
                             add(bCol, 8 * j)});
              bFragment = vector::InsertOp::create(
                  b, loc, element, bFragment, fragmentPosition(shape.b, i));
            }
            results[j] = nvgpu::MmaSyncOp::create(
                b, loc, a, bFragment, results[j],
                ArrayRef<int64_t>{16, 8, shape.k},
                /*tf32Enabled=*/*kind == MmaKind::Tf32);
          }
        }
        // No thread stages the next tiles before every warp has read
        // these.
        gpu::BarrierOp::create(b, loc);
        scf::YieldOp::create(b, loc, results);
      });

  for (int64_t j = 0; j < kStrips; ++j)
    for (int64_t i = 0; i < 4; ++i) {
      auto [ivs, inside] = outputAt(j, i);
      auto ifInside = scf::IfOp::create(b, loc, inside, false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifInside.thenBlock());
      Value element = vector::ExtractOp::create(b, loc, steps.getResult(j),
                                                fragmentPosition(shape.c, i));
      if (outType != f32)
        element = arith::TruncFOp::create(b, loc, outType, element);
      storeOutput(
          b, loc, *epilogue, element, init->get(),
          applyIndexingMap(b, loc, op.getMatchingIndexingMap(init), ivs));
    }
  if (*epilogue)
    (*epilogue)->erase();
  op->erase();
  return success();
}

struct GpuTensorCoreMmaPass
    : kiln::impl::GpuTensorCoreMmaBase<GpuTensorCoreMmaPass> {
  void runOnOperation() override {
    if (failed(lowerGpuConfigured<linalg::LinalgOp>(
            getOperation(), GpuStrategy::tensor_core_mma, "a linalg op",
            lower)))
      signalPassFailure();
  }
};

} // namespace
