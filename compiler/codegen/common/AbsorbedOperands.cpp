//===- AbsorbedOperands.cpp - What a convolution kernel takes over --------===//

#include "compiler/codegen/common/AbsorbedOperands.h"
#include "compiler/codegen/common/KilnCodegen.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include <functional>

using namespace mlir;

namespace kiln {
namespace {

/// The value a single-block linalg body yields, seen through its block
/// arguments: the operand a `linalg.fill` or `linalg.map` yields unchanged.
Value yieldedValue(linalg::LinalgOp op) {
  auto yield = cast<linalg::YieldOp>(op.getBlock()->getTerminator());
  if (yield.getNumOperands() != 1)
    return {};
  Value v = yield.getOperand(0);
  auto arg = dyn_cast<BlockArgument>(v);
  if (!arg)
    return v;
  if (arg.getOwner() != op.getBlock())
    return v;
  OpOperand *operand = op.getMatchingOpOperand(arg);
  if (op.isDpsInit(operand))
    return {};
  return operand->get();
}

bool allParallelWithIdentityInit(linalg::LinalgOp op, Value buffer) {
  return op.getNumDpsInits() == 1 && op.getDpsInits()[0] == buffer &&
         op.getNumParallelLoops() == op.getNumLoops() &&
         op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity();
}

/// Whether `op` fills all of `buffer` with one scalar that `isPad` accepts.
bool isPadFill(Operation *op, Value buffer,
               llvm::function_ref<bool(Value)> isPad) {
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !allParallelWithIdentityInit(linalgOp, buffer))
    return false;
  Value value = yieldedValue(linalgOp);
  return value && !isa<ShapedType>(value.getType()) && isPad(value);
}

/// Whether `a` and `b` are the same size: one constant, one SSA value, or
/// `memref.dim` of one buffer at one index.
bool sameSize(OpFoldResult a, OpFoldResult b) {
  std::optional<int64_t> ca = getConstantIntValue(a),
                         cb = getConstantIntValue(b);
  if (ca || cb)
    return ca && cb && *ca == *cb;
  Value va = cast<Value>(a), vb = cast<Value>(b);
  if (va == vb)
    return true;
  auto da = va.getDefiningOp<memref::DimOp>(),
       db = vb.getDefiningOp<memref::DimOp>();
  return da && db && da.getSource() == db.getSource() &&
         getConstantIntValue(da.getIndex()) &&
         getConstantIntValue(da.getIndex()) ==
             getConstantIntValue(db.getIndex());
}

} // namespace

Value rootBuffer(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

bool touches(Operation *op, Value v) {
  bool found = false;
  op->walk([&](Operation *nested) {
    for (Value operand : nested->getOperands())
      if (rootBuffer(operand) == v)
        found = true;
    return found ? WalkResult::interrupt() : WalkResult::advance();
  });
  return found;
}

bool keptBetween(Operation *from, Operation *to, Value kept) {
  if (from->getBlock() != to->getBlock() || !from->isBeforeInBlock(to))
    return false;
  for (Operation *op = from->getNextNode(); op != to; op = op->getNextNode()) {
    if (isMemoryEffectFree(op) || codegen::isProfilingHook(op))
      continue;
    auto iface = dyn_cast<MemoryEffectOpInterface>(op);
    if (!iface)
      return false;
    SmallVector<MemoryEffects::EffectInstance> effects;
    iface.getEffects(effects);
    for (MemoryEffects::EffectInstance &effect : effects) {
      if (!isa<MemoryEffects::Write, MemoryEffects::Free>(effect.getEffect()))
        continue;
      Value written = effect.getValue();
      if (!written)
        return false;
      Value root = rootBuffer(written);
      if (root == kept || !root.getDefiningOp<memref::AllocOp>())
        return false;
    }
  }
  return true;
}

std::optional<AbsorbedPadding> matchZeroPaddedInput(Operation *conv, Value x,
                                                    unsigned firstSpatialDim) {
  return matchPaddedInput(conv, x, firstSpatialDim, [](Value v) {
    return matchPattern(v, m_PosZeroFloat());
  });
}

std::optional<AbsorbedPadding>
matchPaddedInput(Operation *conv, Value x, unsigned firstSpatialDim,
                 llvm::function_ref<bool(Value)> isPad) {
  auto alloc = x.getDefiningOp<memref::AllocOp>();
  if (!alloc)
    return std::nullopt;
  Operation *fill = nullptr;
  memref::SubViewOp view;
  SmallVector<Operation *> deallocs;
  for (Operation *user : x.getUsers()) {
    if (user == conv)
      continue;
    if (isa<memref::DeallocOp>(user)) {
      deallocs.push_back(user);
      continue;
    }
    if (!fill && isPadFill(user, x, isPad)) {
      fill = user;
      continue;
    }
    auto subview = dyn_cast<memref::SubViewOp>(user);
    if (!subview || view)
      return std::nullopt;
    view = subview;
  }
  if (!fill || !view || !view->hasOneUse())
    return std::nullopt;
  auto copy = dyn_cast<memref::CopyOp>(*view->getUsers().begin());
  if (!copy || copy.getTarget() != view.getResult())
    return std::nullopt;
  Value source = copy.getSource();
  if (fill->getBlock() != copy->getBlock() || !fill->isBeforeInBlock(copy) ||
      !keptBetween(copy, conv, rootBuffer(source)))
    return std::nullopt;

  AbsorbedPadding padding;
  padding.source = source;
  auto type = cast<MemRefType>(x.getType());
  SmallVector<OpFoldResult> offsets = view.getMixedOffsets();
  SmallVector<OpFoldResult> sizes = view.getMixedSizes();
  SmallVector<OpFoldResult> strides = view.getMixedStrides();
  OpBuilder b(conv);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    std::optional<int64_t> offset = getConstantIntValue(offsets[d]);
    if (!offset || getConstantIntValue(strides[d]) != 1)
      return std::nullopt;
    if (d >= firstSpatialDim) {
      padding.low.push_back(*offset);
      continue;
    }
    // Dims before the spatial ones are copied whole: the kernel takes
    // their sizes from the source.
    OpFoldResult allocSize =
        type.isDynamicDim(d)
            ? OpFoldResult(alloc.getDynamicSizes()[type.getDynamicDimIndex(d)])
            : OpFoldResult(b.getIndexAttr(type.getDimSize(d)));
    if (*offset != 0 || !sameSize(sizes[d], allocSize))
      return std::nullopt;
  }
  padding.deadOps = {copy, view, fill};
  padding.deadOps.append(deallocs.begin(), deallocs.end());
  padding.deadOps.push_back(alloc);
  return padding;
}

/// The one op that writes the fresh buffer `y` before `conv` (which may
/// write it through a view read otherwise only after `conv`), or null. It
/// may write all of y through an expand_shape (a detection head's output,
/// a slice of the Concat of its maps reshaped to rows of anchors, has its
/// bias broadcast over the map's height and width): `written` is then that
/// expand_shape, else y.
static Operation *soleWriterBefore(Operation *conv, Value y,
                                   Value *written = nullptr) {
  if (written)
    *written = y;
  // y is an allocation, or a slice of one (a Concat's, where
  // kiln-forward-copied-buffers put it).
  Value buffer = y;
  if (auto slice = y.getDefiningOp<memref::SubViewOp>())
    buffer = slice.getSource();
  if (!buffer.getDefiningOp<memref::AllocOp>())
    return nullptr;
  Block *block = conv->getBlock();
  Operation *init = nullptr;
  // A view of y that conv writes through (maybe through more views), read
  // otherwise only after conv (the expand back to y's shape that is
  // returned), is conv's access to y.
  std::function<bool(Operation *)> viewForConv = [&](Operation *user) {
    if (!isa<ViewLikeOpInterface>(user) || user->getBlock() != block)
      return false;
    bool usedByConv = false;
    for (Operation *viewUser : user->getUsers()) {
      if (viewUser == conv || viewForConv(viewUser)) {
        usedByConv = true;
        continue;
      }
      Operation *ancestor = block->findAncestorOpInBlock(*viewUser);
      if (!ancestor || !conv->isBeforeInBlock(ancestor))
        return false;
    }
    return usedByConv;
  };
  for (Operation *user : y.getUsers()) {
    if (user == conv || isa<memref::DeallocOp>(user) || viewForConv(user))
      continue;
    Operation *ancestor = block->findAncestorOpInBlock(*user);
    if (!ancestor)
      return nullptr;
    if (conv->isBeforeInBlock(ancestor))
      continue;
    if (auto expand = dyn_cast<memref::ExpandShapeOp>(user);
        expand && written && expand->hasOneUse()) {
      user = *expand->getUsers().begin();
      ancestor = block->findAncestorOpInBlock(*user);
      if (!ancestor || !ancestor->isBeforeInBlock(conv))
        return nullptr;
      *written = expand.getResult();
    }
    if (init || user != ancestor)
      return nullptr;
    init = user;
  }
  // The rest of a sliced buffer is not touched between the two either.
  if (init && buffer != y)
    for (Operation *op = init->getNextNode(); op != conv;
         op = op->getNextNode()) {
      if (!isMemoryEffectFree(op) && touches(op, buffer))
        return nullptr;
    }
  return init;
}

std::optional<AbsorbedBias> matchBiasInit(Operation *conv, Value y,
                                          ArrayRef<unsigned> channelDims) {
  Value written;
  auto init =
      dyn_cast_or_null<linalg::GenericOp>(soleWriterBefore(conv, y, &written));
  if (!init || !allParallelWithIdentityInit(init, written) ||
      init.getNumDpsInputs() != 1)
    return std::nullopt;
  // Through an expand_shape, each channel dim is a group of one dim there.
  SmallVector<unsigned> dims(channelDims);
  if (auto expand = written.getDefiningOp<memref::ExpandShapeOp>()) {
    for (unsigned &dim : dims) {
      ReassociationIndices group = expand.getReassociationIndices()[dim];
      if (group.size() != 1)
        return std::nullopt;
      dim = group[0];
    }
  }
  Value bias = init.getDpsInputs()[0];
  auto biasType = dyn_cast<MemRefType>(bias.getType());
  AffineMap map = init.getMatchingIndexingMap(init.getDpsInputOperand(0));
  if (!biasType || biasType.getRank() != (int64_t)channelDims.size() ||
      map.getNumResults() != channelDims.size() ||
      yieldedValue(init) != bias || !keptBetween(init, conv, rootBuffer(bias)))
    return std::nullopt;
  for (auto [expr, dim] : llvm::zip(map.getResults(), dims))
    if (expr != getAffineDimExpr(dim, init.getContext()))
      return std::nullopt;
  return AbsorbedBias{bias, init};
}

std::optional<AbsorbedBias>
matchConstantInit(Operation *op, Value y,
                  function_ref<bool(const APFloat &)> isStart) {
  auto fill = dyn_cast_or_null<linalg::FillOp>(soleWriterBefore(op, y));
  FloatAttr value;
  if (!fill || fill.getOutputs()[0] != y ||
      !matchPattern(fill.getInputs()[0], m_Constant(&value)) ||
      !isStart(value.getValue()))
    return std::nullopt;
  return AbsorbedBias{Value(), fill};
}

std::optional<AbsorbedBias> matchZeroInit(Operation *conv, Value y) {
  return matchConstantInit(conv, y,
                           [](const APFloat &v) { return v.isPosZero(); });
}

std::optional<AbsorbedBias> matchStart(Operation *conv, Value y,
                                       ArrayRef<unsigned> channelDims) {
  if (std::optional<AbsorbedBias> bias = matchBiasInit(conv, y, channelDims))
    return bias;
  return matchZeroInit(conv, y);
}

void eraseAbsorbed(const std::optional<AbsorbedBias> &bias,
                   const std::optional<AbsorbedPadding> &padding) {
  if (bias)
    bias->init->erase();
  if (padding)
    for (Operation *op : padding->deadOps)
      op->erase();
}

} // namespace kiln
