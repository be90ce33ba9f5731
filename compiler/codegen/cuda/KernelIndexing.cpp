//===- KernelIndexing.cpp - Index arithmetic of the GPU strategies --------===//

#include "compiler/codegen/cuda/KernelIndexing.h"

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace kiln {

Value indexConstant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value product(OpBuilder &b, Location loc, ValueRange sizes) {
  Value total = indexConstant(b, loc, 1);
  for (Value size : sizes)
    total = b.createOrFold<arith::MulIOp>(loc, total, size);
  return total;
}

void delinearize(OpBuilder &b, Location loc, Value linear, ValueRange sizes,
                 MutableArrayRef<Value> ivs) {
  Value rest = linear;
  for (int64_t d = sizes.size() - 1; d >= 0; --d) {
    ivs[d] = d == 0 ? rest : arith::RemUIOp::create(b, loc, rest, sizes[d]);
    if (d != 0)
      rest = arith::DivUIOp::create(b, loc, rest, sizes[d]);
  }
}

SmallVector<Value> applyIndexingMap(OpBuilder &b, Location loc, AffineMap map,
                                    ValueRange ivs) {
  SmallVector<Value> result;
  for (AffineExpr expr : map.getResults())
    result.push_back(affine::expandAffineExpr(b, loc, expr, ivs, {}));
  return result;
}

Value loadIfInside(OpBuilder &b, Location loc, linalg::LinalgOp op,
                   OpOperand *operand, ValueRange ivs, Value inside) {
  Type type = cast<MemRefType>(operand->get().getType()).getElementType();
  auto ifInside = scf::IfOp::create(b, loc, TypeRange{type}, inside,
                                    /*withElseRegion=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(ifInside.thenBlock());
  Value loaded = memref::LoadOp::create(
      b, loc, operand->get(),
      applyIndexingMap(b, loc, op.getMatchingIndexingMap(operand), ivs));
  scf::YieldOp::create(b, loc, loaded);
  b.setInsertionPointToStart(ifInside.elseBlock());
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(type));
  scf::YieldOp::create(b, loc, zero);
  return ifInside.getResult(0);
}

ContractionGroups::ContractionGroups(OpBuilder &b, Location loc,
                                     const linalg::ContractionDimensions &dims,
                                     ArrayRef<Value> loopSizes)
    : dims(dims) {
  auto gather = [&](ArrayRef<unsigned> group, SmallVector<Value> &out) {
    for (unsigned d : group)
      out.push_back(loopSizes[d]);
  };
  gather(dims.batch, batchSizes);
  gather(dims.m, mSizes);
  gather(dims.n, nSizes);
  gather(dims.k, kSizes);
  // One loop a group, as a matmul has: its size itself.
  auto total = [&](ArrayRef<Value> groupSizes) {
    return groupSizes.size() == 1 ? groupSizes.front()
                                  : product(b, loc, groupSizes);
  };
  m = total(mSizes);
  n = total(nSizes);
  k = total(kSizes);
}

/// `ivs` of `group` from `linear`, an index into the group's sizes.
static void setGroup(OpBuilder &b, Location loc, MutableArrayRef<Value> ivs,
                     ArrayRef<unsigned> group, ValueRange sizes,
                     Value linear) {
  SmallVector<Value> parts(group.size());
  delinearize(b, loc, linear, sizes, parts);
  for (auto [d, part] : llvm::zip(group, parts))
    ivs[d] = part;
}

void ContractionGroups::setM(OpBuilder &b, Location loc,
                             MutableArrayRef<Value> ivs, Value linear) const {
  setGroup(b, loc, ivs, dims.m, mSizes, linear);
}

void ContractionGroups::setN(OpBuilder &b, Location loc,
                             MutableArrayRef<Value> ivs, Value linear) const {
  setGroup(b, loc, ivs, dims.n, nSizes, linear);
}

void ContractionGroups::setK(OpBuilder &b, Location loc,
                             MutableArrayRef<Value> ivs, Value linear) const {
  setGroup(b, loc, ivs, dims.k, kSizes, linear);
}

SmallVector<Value> outputTileGrid(OpBuilder &b, Location loc,
                                  const ContractionGroups &groups,
                                  Value tileSize) {
  SmallVector<Value> gridSizes(groups.batchSizes);
  gridSizes.push_back(
      b.createOrFold<arith::CeilDivUIOp>(loc, groups.m, tileSize));
  gridSizes.push_back(
      b.createOrFold<arith::CeilDivUIOp>(loc, groups.n, tileSize));
  return gridSizes;
}

gpu::LaunchOp launchTileGrid(OpBuilder &b, Location loc, ValueRange gridSizes,
                             int64_t threads, TypeRange workgroup) {
  Value zero = indexConstant(b, loc, 0), one = indexConstant(b, loc, 1);
  Value blocks = product(b, loc, gridSizes);
  Value any = b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt,
                                            blocks, zero);
  auto ifAny = scf::IfOp::create(b, loc, any, /*withElseRegion=*/false);
  b.setInsertionPointToStart(ifAny.thenBlock());
  auto launch = gpu::LaunchOp::create(
      b, loc, blocks, one, one, indexConstant(b, loc, threads), one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, workgroup);
  b.setInsertionPointToEnd(&launch.getBody().front());
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPoint(launch.getBody().front().getTerminator());
  return launch;
}

} // namespace kiln
