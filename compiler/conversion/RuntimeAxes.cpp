//===- RuntimeAxes.cpp - Axes read from run-time tensors ------------------===//

#include "compiler/conversion/RuntimeAxes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln {

Value lengthOf(OpBuilder &b, Location loc, Value t) {
  auto ty = cast<RankedTensorType>(t.getType());
  if (ty.getRank() == 0)
    return cIdx(b, loc, 1);
  if (!ty.isDynamicDim(0))
    return cIdx(b, loc, ty.getDimSize(0));
  return tensor::DimOp::create(b, loc, t, 0);
}

SmallVector<Value> runtimeAxisFlags(OpBuilder &b, Location loc, Value axes,
                                    int64_t rank, Value initial) {
  SmallVector<Value> init(rank, initial);
  if (rank == 0)
    return init;
  bool scalar = cast<RankedTensorType>(axes.getType()).getRank() == 0;
  Value n = lengthOf(b, loc, axes);
  auto loop = scf::ForOp::create(
      b, loc, cIdx(b, loc, 0), n, cIdx(b, loc, 1), init,
      [&](OpBuilder &nb, Location l, Value i, ValueRange flags) {
        Value a = tensor::ExtractOp::create(
            nb, l, axes, scalar ? ValueRange{} : ValueRange{i});
        // Negative axes count from the back.
        a = wrapIndex(nb, l, a, cIdx(nb, l, rank));
        SmallVector<Value> next;
        for (int64_t d = 0; d < rank; ++d) {
          Value hit = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, a,
                                            cIdx(nb, l, d));
          next.push_back(arith::OrIOp::create(nb, l, flags[d], hit));
        }
        scf::YieldOp::create(nb, l, next);
      });
  return SmallVector<Value>(loop.getResults());
}

/// `x` when `cond`, else `y` (index values).
static Value pick(OpBuilder &b, Location loc, Value cond, Value x, Value y) {
  return arith::SelectOp::create(b, loc, cond, x, y);
}

SmallVector<Value> dropFlaggedSizes(OpBuilder &b, Location loc,
                                    ArrayRef<Value> sizes,
                                    ArrayRef<Value> flags, int64_t outRank) {
  // Output position of every kept input dim: the number of kept dims before
  // it. Output dim j is the kept input dim whose position is j.
  Value zero = cIdx(b, loc, 0), one = cIdx(b, loc, 1);
  SmallVector<Value> pos;
  Value count = zero;
  for (Value f : flags) {
    pos.push_back(count);
    count = arith::AddIOp::create(b, loc, count, pick(b, loc, f, zero, one));
  }
  SmallVector<Value> out;
  for (int64_t j = 0; j < outRank; ++j) {
    // Unused when no dim lands at j (the caller's rank is then wrong and
    // the reshape fails its element-count check).
    Value size = one;
    Value jv = cIdx(b, loc, j);
    for (auto [d, s] : llvm::enumerate(sizes)) {
      // Kept dim d lands at pos[d] >= j only when d >= j.
      if ((int64_t)d < j)
        continue;
      Value atJ =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, pos[d], jv);
      Value kept = arith::XOrIOp::create(
          b, loc, flags[d],
          arith::ConstantOp::create(b, loc, b.getBoolAttr(true)));
      Value hit = arith::AndIOp::create(b, loc, atJ, kept);
      size = pick(b, loc, hit, s, size);
    }
    out.push_back(size);
  }
  return out;
}

SmallVector<Value> insertUnitSizes(OpBuilder &b, Location loc,
                                   ArrayRef<Value> sizes,
                                   ArrayRef<Value> flags) {
  // Result dim j, when not inserted, is input dim k = j - (#inserted < j).
  Value zero = cIdx(b, loc, 0), one = cIdx(b, loc, 1);
  SmallVector<Value> out;
  Value inserted = zero;
  for (auto [j, f] : llvm::enumerate(flags)) {
    Value k = arith::SubIOp::create(b, loc, cIdx(b, loc, j), inserted);
    Value size = one;
    for (auto [d, s] : llvm::enumerate(sizes)) {
      if (d > j)
        break;
      Value isK = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, k,
                                        cIdx(b, loc, d));
      size = pick(b, loc, isK, s, size);
    }
    out.push_back(pick(b, loc, f, one, size));
    inserted =
        arith::AddIOp::create(b, loc, inserted, pick(b, loc, f, one, zero));
  }
  return out;
}

Value reshapeToRuntimeSizes(OpBuilder &b, Location loc, Value src,
                            ArrayRef<Value> sizes,
                            RankedTensorType resultType) {
  SmallVector<Value> elems;
  for (Value s : sizes)
    elems.push_back(arith::IndexCastOp::create(b, loc, b.getI64Type(), s));
  auto shapeTy = RankedTensorType::get({(int64_t)sizes.size()}, b.getI64Type());
  Value shape = tensor::FromElementsOp::create(b, loc, shapeTy, elems);
  auto srcTy = cast<RankedTensorType>(src.getType());
  auto outTy =
      RankedTensorType::get(resultType.getShape(), srcTy.getElementType());
  Value r = tensor::ReshapeOp::create(b, loc, outTy, src, shape);
  return castTo(b, loc, r, resultType);
}

} // namespace kiln
