//===- KernelIndexing.cpp - Index arithmetic of the GPU strategies --------===//

#include "compiler/codegen/cuda/KernelIndexing.h"

#include "mlir/Dialect/Affine/Utils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"

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

} // namespace kiln
