//===- YieldedValues.cpp - Values leaving a region being converted --------===//

#include "compiler/conversion/YieldedValues.h"
#include "compiler/conversion/ConversionUtils.h"

using namespace mlir;

namespace kiln {

Value adapt(OpBuilder &b, Location loc, Value v, RankedTensorType to) {
  // A run-time sequence or optional not converted yet (SequenceOps.cpp):
  // the conversion of its producer gives the handle this cast stands for.
  auto vt = dyn_cast<RankedTensorType>(v.getType());
  if (!vt)
    return UnrealizedConversionCastOp::create(b, loc, to, v).getResult(0);
  Type from = vt.getElementType(), elem = to.getElementType();
  auto elemCast = [&](Value x, Type t) {
    return UnrealizedConversionCastOp::create(b, loc, t, x).getResult(0);
  };
  if (from == elem)
    return castTo(b, loc, v, to);
  if (elem.isUnsignedInteger())
    return elemCast(castTo(b, loc, v, to.clone(from)), to);
  return castTo(b, loc, elemCast(v, vt.clone(elem)), to);
}

Value resolveYielded(ConversionPatternRewriter &rewriter, Value v,
                     Region &newBody, Block &oldBody,
                     ArrayRef<Value> argReplacements) {
  if (auto arg = dyn_cast<BlockArgument>(v))
    if (arg.getOwner() == &oldBody)
      return argReplacements[arg.getArgNumber()];
  Operation *def = v.getDefiningOp();
  if (!def || !newBody.findAncestorOpInRegion(*def))
    if (Value m = rewriter.getRemappedValue(v))
      return m;
  return v;
}

} // namespace kiln
