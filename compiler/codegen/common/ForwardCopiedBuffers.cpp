//===- ForwardCopiedBuffers.cpp - Producers write where the copy went -----===//
//
// See the pass description in Passes.td. One-Shot Bufferize turns a
// Concat (a chain of tensor.insert_slice into a tensor.empty) into a buffer
// for the result and one memref.copy per input: every input is computed
// into a buffer of its own and then copied. Where nothing else can tell the
// difference, the input's buffer becomes the slice of the result it was
// copied to, so its producer writes there and the copies disappear.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

namespace kiln {
#define GEN_PASS_DEF_FORWARDCOPIEDBUFFERS
#include "compiler/codegen/common/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

bool provablyEqual(OpFoldResult a, OpFoldResult b) {
  std::optional<int64_t> ca = getConstantIntValue(a),
                         cb = getConstantIntValue(b);
  if (ca && cb)
    return *ca == *cb;
  if (a == b)
    return true;
  FailureOr<bool> equal = ValueBoundsConstraintSet::areEqual(a, b);
  return succeeded(equal) && *equal;
}

/// Size `d` of `alloc`'s buffer.
OpFoldResult allocSize(memref::AllocOp alloc, int64_t d) {
  MemRefType type = alloc.getType();
  if (!type.isDynamicDim(d))
    return Builder(alloc).getIndexAttr(type.getDimSize(d));
  return alloc.getDynamicSizes()[type.getDynamicDimIndex(d)];
}

/// `a + b` where that needs no new op: one of them zero, or both constant.
std::optional<OpFoldResult> addWithoutOps(Builder &b, OpFoldResult x,
                                          OpFoldResult y) {
  std::optional<int64_t> cx = getConstantIntValue(x),
                         cy = getConstantIntValue(y);
  if (cx && cy)
    return b.getIndexAttr(*cx + *cy);
  if (cx == 0)
    return y;
  if (cy == 0)
    return x;
  return std::nullopt;
}

/// A view of an allocation that is a box of it: the same rank, unit
/// strides, `offsets` and `sizes` in the allocation's dims.
struct Box {
  memref::AllocOp root;
  SmallVector<OpFoldResult> offsets, sizes;
};

/// The box `view` takes of `source`, a box of an allocation: for a
/// subview of the same rank with unit strides.
std::optional<Box> subviewBox(memref::SubViewOp view,
                              const std::optional<Box> &source) {
  if (!source || view.getType().getRank() != view.getSourceType().getRank() ||
      !llvm::all_of(view.getMixedStrides(),
                    [](OpFoldResult s) { return isConstantIntValue(s, 1); }))
    return std::nullopt;
  Builder b(view);
  Box box = *source;
  for (auto [d, offset] : llvm::enumerate(view.getMixedOffsets())) {
    std::optional<OpFoldResult> sum = addWithoutOps(b, box.offsets[d], offset);
    if (!sum)
      return std::nullopt;
    box.offsets[d] = *sum;
  }
  box.sizes = view.getMixedSizes();
  return box;
}

/// `v` before the memref.casts this pass puts after collapse_shapes.
Value stripCasts(Value v) {
  while (auto cast = v.getDefiningOp<memref::CastOp>())
    v = cast.getSource();
  return v;
}

/// The box of an allocation `v` is, through subviews and reshapes that
/// undo each other (expand_shape of a collapse_shape with the same groups
/// and sizes, as bufferization leaves around an op computed collapsed).
std::optional<Box> traceBox(Value v) {
  if (auto alloc = v.getDefiningOp<memref::AllocOp>()) {
    Builder b(alloc);
    Box box{alloc, {}, {}};
    for (int64_t d = 0, e = alloc.getType().getRank(); d < e; ++d) {
      box.offsets.push_back(b.getIndexAttr(0));
      box.sizes.push_back(allocSize(alloc, d));
    }
    return box;
  }
  // The casts this pass puts after a collapse_shape.
  if (auto cast = v.getDefiningOp<memref::CastOp>())
    return traceBox(cast.getSource());
  if (auto view = v.getDefiningOp<memref::SubViewOp>())
    return subviewBox(view, traceBox(view.getSource()));
  if (auto expand = v.getDefiningOp<memref::ExpandShapeOp>()) {
    auto collapse =
        stripCasts(expand.getSrc()).getDefiningOp<memref::CollapseShapeOp>();
    if (!collapse || collapse.getReassociationIndices() !=
                         expand.getReassociationIndices())
      return std::nullopt;
    Value source = collapse.getSrc();
    for (auto [d, size] : llvm::enumerate(expand.getMixedOutputShape())) {
      FailureOr<bool> equal = ValueBoundsConstraintSet::areEqual(
          ValueBoundsConstraintSet::Variable(size),
          ValueBoundsConstraintSet::Variable(source, d));
      if (failed(equal) || !*equal)
        return std::nullopt;
    }
    return traceBox(source);
  }
  if (auto collapse = v.getDefiningOp<memref::CollapseShapeOp>()) {
    // Collapsing the groups an expand_shape made gives back its source.
    auto expand =
        stripCasts(collapse.getSrc()).getDefiningOp<memref::ExpandShapeOp>();
    if (!expand || collapse.getReassociationIndices() !=
                       expand.getReassociationIndices())
      return std::nullopt;
    return traceBox(expand.getSrc());
  }
  return std::nullopt;
}

/// The part of an allocation view `v` covers: its box, or through any
/// reshape (the same memory) the part its source covers.
std::optional<Box> traceRegion(Value v) {
  if (std::optional<Box> box = traceBox(v))
    return box;
  if (auto expand = v.getDefiningOp<memref::ExpandShapeOp>())
    return traceRegion(expand.getSrc());
  if (auto collapse = v.getDefiningOp<memref::CollapseShapeOp>())
    return traceRegion(collapse.getSrc());
  if (auto cast = v.getDefiningOp<memref::CastOp>())
    return traceRegion(cast.getSource());
  return std::nullopt;
}

/// A collapse_shape of `source` whose groups are contiguous: each group
/// takes the stride of its innermost dim (MLIR's own inference leaves it
/// dynamic where the source's strides are, which costs the kernels and
/// loops their unit stride).
MemRefType collapsedType(MemRefType source,
                         ArrayRef<ReassociationIndices> groups) {
  SmallVector<int64_t> strides, shape, collapsedStrides;
  int64_t offset;
  if (failed(source.getStridesAndOffset(strides, offset)))
    return memref::CollapseShapeOp::computeCollapsedType(source, groups);
  for (const ReassociationIndices &group : groups) {
    int64_t size = 1;
    // The innermost dim that is not of size 1 steps through the group.
    int64_t stride = strides[group.back()];
    for (int64_t d : group) {
      size = ShapedType::isDynamic(size) || source.isDynamicDim(d)
                 ? ShapedType::kDynamic
                 : size * source.getDimSize(d);
      if (source.getDimSize(d) != 1)
        stride = strides[d];
    }
    shape.push_back(size);
    collapsedStrides.push_back(stride);
  }
  return MemRefType::get(
      shape, source.getElementType(),
      StridedLayoutAttr::get(source.getContext(), offset, collapsedStrides),
      source.getMemorySpace());
}

/// One op of the block that reads or writes a buffer or a view of it.
struct Access {
  /// The op of the block (the user itself, or the loop holding it).
  Operation *anchor;
  Operation *user;
  bool write;
  /// Where in the buffer, when the view is a box of it.
  std::optional<Box> box;
};

bool isView(Operation *op) {
  return isa<memref::SubViewOp, memref::ExpandShapeOp,
             memref::CollapseShapeOp, memref::CastOp>(op);
}

/// The reads and writes of `root` and of every view of it, as ops of
/// `block`. Fails on a use it does not understand: one that may let the
/// buffer escape, free it, or touch it with unknown effects. A return of
/// the buffer reads it last.
LogicalResult collectAccesses(Value root, Block *block,
                              SmallVectorImpl<Access> &accesses) {
  SmallVector<Value> worklist = {root};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      Operation *anchor = block->findAncestorOpInBlock(*user);
      if (!anchor)
        return failure();
      if (isView(user)) {
        worklist.push_back(user->getResult(0));
        continue;
      }
      if (isa<func::ReturnOp>(user) && user == anchor) {
        accesses.push_back({anchor, user, /*write=*/false, std::nullopt});
        continue;
      }
      auto effects = dyn_cast<MemoryEffectOpInterface>(user);
      if (!effects)
        return failure();
      SmallVector<MemoryEffects::EffectInstance> instances;
      effects.getEffectsOnValue(v, instances);
      bool read = false, write = false;
      for (const MemoryEffects::EffectInstance &e : instances) {
        if (isa<MemoryEffects::Read>(e.getEffect()))
          read = true;
        else if (isa<MemoryEffects::Write>(e.getEffect()))
          write = true;
        else
          return failure();
      }
      // A use with no effect on the memory (memref.dim) needs no order;
      // an op that stores the buffer itself somewhere is not one of those.
      if (!read && !write) {
        if (!isa<memref::DimOp>(user))
          return failure();
        continue;
      }
      accesses.push_back({anchor, user, write, traceRegion(v)});
    }
  }
  return success();
}

/// Whether index `v` cannot be negative: a constant that is not, a size
/// (a memref.dim, an allocation's size: a negative one would be undefined
/// behaviour), or sums and products of such.
bool nonNegative(Value v, int depth = 0) {
  if (std::optional<int64_t> c = getConstantIntValue(v))
    return *c >= 0;
  if (v.getDefiningOp<memref::DimOp>())
    return true;
  if (llvm::any_of(v.getUsers(), [&](Operation *user) {
        auto alloc = dyn_cast<memref::AllocOp>(user);
        return alloc && llvm::is_contained(alloc.getDynamicSizes(), v);
      }))
    return true;
  Operation *def = v.getDefiningOp();
  if (depth < 8 && def && isa<arith::AddIOp, arith::MulIOp>(def))
    return nonNegative(def->getOperand(0), depth + 1) &&
           nonNegative(def->getOperand(1), depth + 1);
  return false;
}

/// An index as a constant plus a sum of other values (through arith.addi).
struct Sum {
  int64_t constant = 0;
  SmallVector<Value> terms;

  void add(OpFoldResult ofr, int depth = 0) {
    if (std::optional<int64_t> c = getConstantIntValue(ofr)) {
      constant += *c;
      return;
    }
    Value v = cast<Value>(ofr);
    if (auto sum = v.getDefiningOp<arith::AddIOp>(); sum && depth < 16) {
      add(sum.getLhs(), depth + 1);
      add(sum.getRhs(), depth + 1);
      return;
    }
    terms.push_back(v);
  }
};

/// Whether `lhs` <= `rhs` for any values: `rhs` has every term of `lhs`,
/// and what it has more cannot be negative. A Concat along a dynamic axis
/// puts its k-th input at the sum of the sizes before it, so one input's
/// end is at most the next one's start.
bool provablyAtMost(const Sum &lhs, const Sum &rhs) {
  SmallVector<Value> rest(rhs.terms);
  for (Value term : lhs.terms) {
    auto *it = llvm::find(rest, term);
    if (it == rest.end())
      return false;
    rest.erase(it);
  }
  return lhs.constant <= rhs.constant &&
         llvm::all_of(rest, [](Value v) { return nonNegative(v); });
}

/// Whether two boxes of one buffer provably do not overlap: one ends before
/// the other starts along some dim.
bool disjoint(const Box &a, const Box &b) {
  for (size_t d = 0; d < a.offsets.size(); ++d) {
    auto endsBefore = [&](const Box &x, const Box &y) {
      Sum end, start;
      end.add(x.offsets[d]);
      end.add(x.sizes[d]);
      start.add(y.offsets[d]);
      return provablyAtMost(end, start);
    };
    if (endsBefore(a, b) || endsBefore(b, a))
      return true;
  }
  return false;
}

/// The replacement of an allocation S by a box of another one, D: the
/// uses of S's views are rebuilt on the box with its strided layout.
class Retyper {
public:
  /// `groups`: S is the image (of type `imageType`) expanded by them.
  Retyper(Box image, MemRefType imageType,
          std::optional<SmallVector<ReassociationIndices>> groups)
      : image(std::move(image)), imageType(imageType),
        groups(std::move(groups)) {}

  /// Whether every use of `v` (S or a view of it, replaced by a value of
  /// type `type`, `box` of D when it is one) takes the new layout.
  bool accepts(Value v, MemRefType type, std::optional<Box> box,
               bool isS = false) const {
    for (Operation *user : v.getUsers()) {
      if (isS && undoesExpansion(user)) {
        if (!accepts(user->getResult(0), imageType, image))
          return false;
        continue;
      }
      if (auto view = dyn_cast<memref::SubViewOp>(user)) {
        if (view.getSource() != v)
          return false;
        if (!accepts(view.getResult(), subviewType(view, type),
                     subviewBox(view, box)))
          return false;
        continue;
      }
      if (auto collapse = dyn_cast<memref::CollapseShapeOp>(user)) {
        if (!collapsible(collapse, box))
          return false;
        if (!accepts(collapse.getResult(),
                     collapsedType(type, collapse.getReassociationIndices()),
                     std::nullopt))
          return false;
        continue;
      }
      if (auto expand = dyn_cast<memref::ExpandShapeOp>(user)) {
        FailureOr<MemRefType> expanded =
            memref::ExpandShapeOp::computeExpandedType(
                type, expand.getType().getShape(),
                expand.getReassociationIndices());
        if (failed(expanded) ||
            !accepts(expand.getResult(), *expanded, std::nullopt))
          return false;
        continue;
      }
      // Ops that take a memref of any layout and whose results do not
      // depend on it.
      if (!isa<linalg::LinalgOp, memref::CopyOp, memref::DimOp,
               memref::LoadOp, memref::StoreOp, vector::TransferReadOp,
               vector::TransferWriteOp>(user))
        return false;
      if (auto store = dyn_cast<memref::StoreOp>(user);
          store && store.getValueToStore() == v)
        return false;
    }
    return true;
  }

  /// Rebuilds the uses of `oldValue` on `newValue`.
  void retype(Value oldValue, Value newValue, bool isS = false) {
    for (OpOperand &use : llvm::make_early_inc_range(oldValue.getUses())) {
      Operation *user = use.getOwner();
      OpBuilder b(user);
      Value rebuilt;
      if (isS && undoesExpansion(user)) {
        // The image itself.
        rebuilt = newValue.getDefiningOp<memref::ExpandShapeOp>().getSrc();
      } else if (auto view = dyn_cast<memref::SubViewOp>(user)) {
        rebuilt = memref::SubViewOp::create(
            b, view.getLoc(),
            subviewType(view, cast<MemRefType>(newValue.getType())), newValue,
            view.getMixedOffsets(), view.getMixedSizes(),
            view.getMixedStrides());
      } else if (auto collapse = dyn_cast<memref::CollapseShapeOp>(user)) {
        // The op's own type inference, then a cast to the strides the
        // groups have.
        rebuilt = memref::CollapseShapeOp::create(
            b, collapse.getLoc(), newValue,
            collapse.getReassociationIndices());
        MemRefType type =
            collapsedType(cast<MemRefType>(newValue.getType()),
                          collapse.getReassociationIndices());
        if (type != rebuilt.getType())
          rebuilt = memref::CastOp::create(b, collapse.getLoc(), type, rebuilt);
      } else if (auto expand = dyn_cast<memref::ExpandShapeOp>(user)) {
        MemRefType type = *memref::ExpandShapeOp::computeExpandedType(
            cast<MemRefType>(newValue.getType()), expand.getType().getShape(),
            expand.getReassociationIndices());
        rebuilt = memref::ExpandShapeOp::create(
            b, expand.getLoc(), type, newValue,
            expand.getReassociationIndices(), expand.getMixedOutputShape());
      } else {
        use.set(newValue);
        continue;
      }
      retype(user->getResult(0), rebuilt);
      user->erase();
    }
  }

private:
  /// A collapse_shape of S by the groups S was expanded by: the image.
  bool undoesExpansion(Operation *user) const {
    auto collapse = dyn_cast<memref::CollapseShapeOp>(user);
    return collapse && groups &&
           collapse.getReassociationIndices() == *groups;
  }

  static MemRefType subviewType(memref::SubViewOp view, MemRefType source) {
    if (view.getType().getRank() != source.getRank())
      return memref::SubViewOp::inferRankReducedResultType(
          view.getType().getShape(), source, view.getMixedOffsets(),
          view.getMixedSizes(), view.getMixedStrides());
    return memref::SubViewOp::inferResultType(source, view.getMixedOffsets(),
                                              view.getMixedSizes(),
                                              view.getMixedStrides());
  }

  /// A collapse_shape's groups are contiguous in the new layout when, past
  /// the first dim of each group that is not of size 1, the view spans all
  /// of D. Only a box of D tells; a group of one such dim is always fine.
  bool collapsible(memref::CollapseShapeOp collapse,
                   const std::optional<Box> &box) const {
    auto srcType = collapse.getSrcType();
    for (const ReassociationIndices &group :
         collapse.getReassociationIndices()) {
      bool inner = false;
      for (int64_t d : group) {
        if (srcType.getDimSize(d) == 1)
          continue;
        if (inner && (!box || !isConstantIntValue(box->offsets[d], 0) ||
                      !provablyEqual(box->sizes[d], allocSize(image.root, d))))
          return false;
        inner = true;
      }
    }
    return true;
  }

  Box image;
  MemRefType imageType;
  std::optional<SmallVector<ReassociationIndices>> groups;
};

/// Index values as values available before an op: themselves where they
/// are, else computed there again from what is (index arithmetic, and the
/// sizes of allocations and of views of them, which `memref.dim`s read). A
/// Concat's result along a dynamic axis is as long as its inputs together,
/// read off their buffers after they are computed; its buffer moves up to
/// the first input's, whose sizes it then adds itself. Without a builder it
/// only says whether it can; with one, each value computed again replaces
/// the old one everywhere (every use of which comes after the op), so what
/// the IR proves of the boxes' offsets (see disjoint) still holds.
class ValuesBefore {
public:
  ValuesBefore(Operation *op, OpBuilder *builder)
      : op(op), builder(builder), dominance(op->getParentOp()) {}

  FailureOr<Value> get(Value v, int depth = 0) {
    if (dominance.properlyDominates(v, op))
      return v;
    if (Value known = rebuilt.lookup(v))
      return known;
    Operation *def = v.getDefiningOp();
    if (!def || depth > 16 || def->getBlock() != op->getBlock())
      return failure();
    FailureOr<Value> result = failure();
    if (auto dim = dyn_cast<memref::DimOp>(def))
      if (std::optional<int64_t> index = dim.getConstantIndex())
        result = dimOf(dim.getSource(), *index, def->getLoc(), depth);
    if (failed(result) && isPure(def) && def->getNumResults() == 1 &&
        def->getNumRegions() == 0) {
      IRMapping mapping;
      bool all = true;
      for (Value operand : def->getOperands()) {
        FailureOr<Value> at = get(operand, depth + 1);
        if (failed(at)) {
          all = false;
          break;
        }
        if (builder)
          mapping.map(operand, *at);
      }
      if (all)
        result = builder ? builder->clone(*def, mapping)->getResult(0) : Value();
    }
    if (succeeded(result) && builder) {
      v.replaceAllUsesWith(*result);
      rebuilt[v] = *result;
    }
    return result;
  }

  FailureOr<OpFoldResult> get(OpFoldResult ofr) {
    auto value = dyn_cast<Value>(ofr);
    if (!value)
      return ofr;
    FailureOr<Value> at = get(value);
    if (failed(at))
      return failure();
    return builder ? OpFoldResult(*at) : ofr;
  }

private:
  /// Size `d` of `shaped`, an allocation or a view of one.
  FailureOr<Value> dimOf(Value shaped, int64_t d, Location loc, int depth) {
    auto type = cast<MemRefType>(shaped.getType());
    auto size = [&](OpFoldResult ofr) -> FailureOr<Value> {
      if (auto value = dyn_cast<Value>(ofr))
        return get(value, depth + 1);
      if (!builder)
        return Value();
      return arith::ConstantIndexOp::create(*builder, loc,
                                            *getConstantIntValue(ofr))
          .getResult();
    };
    if (auto alloc = shaped.getDefiningOp<memref::AllocOp>())
      return size(allocSize(alloc, d));
    if (!type.isDynamicDim(d))
      return size(Builder(op).getIndexAttr(type.getDimSize(d)));
    if (auto cast = shaped.getDefiningOp<memref::CastOp>())
      return dimOf(cast.getSource(), d, loc, depth);
    if (auto view = shaped.getDefiningOp<memref::SubViewOp>();
        view && view.getType().getRank() == view.getSourceType().getRank())
      return size(view.getMixedSizes()[d]);
    auto collapse = shaped.getDefiningOp<memref::CollapseShapeOp>();
    if (!collapse)
      return failure();
    Value product;
    for (int64_t inner : collapse.getReassociationIndices()[d]) {
      FailureOr<Value> part = dimOf(collapse.getSrc(), inner, loc, depth);
      if (failed(part))
        return failure();
      if (builder)
        product = product ? arith::MulIOp::create(*builder, loc, product, *part)
                                .getResult()
                          : *part;
    }
    return product;
  }

  Operation *op;
  OpBuilder *builder;
  DominanceInfo dominance;
  DenseMap<Value, Value> rebuilt;
};

/// Whether `alloc` (no layout symbols) is before `op` in their block, or
/// could move there: its sizes are known at `op`, or can be computed there
/// (see ValuesBefore).
bool allocatableBefore(memref::AllocOp alloc, Operation *op) {
  if (!alloc.getSymbolOperands().empty())
    return false;
  if (alloc->isBeforeInBlock(op))
    return true;
  ValuesBefore before(op, nullptr);
  return llvm::all_of(alloc.getDynamicSizes(), [&](Value size) {
    return succeeded(before.get(size));
  });
}

/// `box` in values available before the op of `before`.
FailureOr<Box> boxBefore(const Box &box, ValuesBefore &before) {
  Box at{box.root, {}, {}};
  for (auto [offset, size] : llvm::zip(box.offsets, box.sizes)) {
    FailureOr<OpFoldResult> o = before.get(offset), s = before.get(size);
    if (failed(o) || failed(s))
      return failure();
    at.offsets.push_back(*o);
    at.sizes.push_back(*s);
  }
  return at;
}

/// Moves `alloc` right before `op` (see allocatableBefore), its sizes
/// computed there again by `before` where they were not known yet.
void moveAllocBefore(memref::AllocOp alloc, Operation *op,
                     ValuesBefore &before) {
  if (alloc->isBeforeInBlock(op))
    return;
  for (OpOperand &size : alloc.getDynamicSizesMutable())
    size.set(*before.get(size.get()));
  alloc->moveBefore(op);
}

/// `v` seen through at most one collapse_shape: the allocation and the
/// collapse (or null).
std::pair<Value, memref::CollapseShapeOp> collapsedAllocation(Value v) {
  auto collapse = v.getDefiningOp<memref::CollapseShapeOp>();
  Value root = collapse ? collapse.getSrc() : v;
  if (!root.getDefiningOp<memref::AllocOp>())
    return {nullptr, nullptr};
  return {root, collapse};
}

/// Where S, the allocation a copy reads, is computed by an elementwise
/// generic from R, an allocation of the same type that dies there (a
/// kernel's output and its activation, seen through the same collapse),
/// the generic is made to write R in place and R replaces S. The kernel
/// then takes the activation over as an epilogue in place (kiln-*-ukernel),
/// and R, not a copy of it, is what lands in the Concat. Without this the
/// generic would write the Concat's slice and the epilogue, which takes a
/// fresh buffer over only, would stay a loop of its own.
memref::AllocOp computeInPlace(memref::AllocOp s, Block *block) {
  auto writer = [&]() -> linalg::GenericOp {
    linalg::GenericOp found;
    SmallVector<Operation *> users(s->getUsers());
    for (Operation *user : s->getUsers())
      if (isa<memref::CollapseShapeOp>(user))
        users.append(user->getUsers().begin(), user->getUsers().end());
    for (Operation *user : users) {
      auto generic = dyn_cast<linalg::GenericOp>(user);
      if (!generic || generic->getBlock() != block ||
          generic.getNumDpsInits() != 1 ||
          collapsedAllocation(generic.getDpsInits()[0]).first != s)
        continue;
      if (found)
        return nullptr;
      found = generic;
    }
    return found;
  }();
  if (!writer || !writer.hasPureBufferSemantics() ||
      writer.getNumParallelLoops() != writer.getNumLoops())
    return nullptr;
  OpOperand *init = writer.getDpsInitOperand(0);
  if (!writer.getMatchingIndexingMap(init).isIdentity() ||
      !writer.getMatchingBlockArgument(init).use_empty())
    return nullptr;
  auto [sRoot, sCollapse] = collapsedAllocation(init->get());
  // The input that becomes the output: read at the same element, of an
  // allocation of S's type through the same collapse.
  OpOperand *input = nullptr;
  for (OpOperand *operand : writer.getDpsInputOperands()) {
    auto [root, collapse] = collapsedAllocation(operand->get());
    if (!root || root == s || root.getType() != s.getType() ||
        !writer.getMatchingIndexingMap(operand).isIdentity() ||
        operand->get().getType() != init->get().getType() ||
        (collapse ? !sCollapse || collapse.getReassociationIndices() !=
                                      sCollapse.getReassociationIndices()
                  : sCollapse != nullptr))
      continue;
    input = operand;
    break;
  }
  if (!input)
    return nullptr;
  auto r = collapsedAllocation(input->get()).first.getDefiningOp<memref::AllocOp>();
  if (r->getBlock() != block)
    return nullptr;
  for (int64_t d = 0, e = s.getType().getRank(); d < e; ++d)
    if (!provablyEqual(allocSize(s, d), allocSize(r, d)))
      return nullptr;
  // Other inputs that read R read it at the same element too.
  for (OpOperand *operand : writer.getDpsInputOperands())
    if (collapsedAllocation(operand->get()).first == r.getResult() &&
        !writer.getMatchingIndexingMap(operand).isIdentity())
      return nullptr;
  // R is dead after the generic, S untouched before it.
  SmallVector<Access> accesses;
  if (failed(collectAccesses(r.getResult(), block, accesses)))
    return nullptr;
  for (const Access &a : accesses)
    if (writer->isBeforeInBlock(a.anchor))
      return nullptr;
  accesses.clear();
  if (failed(collectAccesses(s.getResult(), block, accesses)))
    return nullptr;
  for (const Access &a : accesses)
    if (a.anchor != writer && a.anchor->isBeforeInBlock(writer))
      return nullptr;
  if (!allocatableBefore(r, s))
    return nullptr;
  OpBuilder builder(s);
  ValuesBefore before(s, &builder);
  moveAllocBefore(r, s, before);
  init->set(input->get());
  s.getResult().replaceAllUsesWith(r.getResult());
  s->erase();
  return r;
}

struct ForwardCopiedBuffersPass
    : kiln::impl::ForwardCopiedBuffersBase<ForwardCopiedBuffersPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (func.getBody().empty())
      return;
    Block *block = &func.getBody().front();
    // Each success changes the uses the next one is judged by.
    bool changed = true;
    while (changed) {
      changed = false;
      for (auto copy : llvm::make_early_inc_range(
               block->getOps<memref::CopyOp>())) {
        if (succeeded(forward(copy, block))) {
          changed = true;
          break;
        }
      }
    }
  }

  /// Makes S, the allocation `copy` reads, a box of D, the one it writes,
  /// where that changes nothing any op sees.
  LogicalResult forward(memref::CopyOp copy, Block *block) {
    std::optional<Box> to = traceBox(copy.getTarget());
    if (!to || to->root->getBlock() != block)
      return failure();
    std::optional<Box> from = traceBox(copy.getSource());
    auto [whole, collapse] = collapsedAllocation(copy.getSource());
    memref::AllocOp s =
        from ? from->root
             : (whole ? whole.getDefiningOp<memref::AllocOp>() : nullptr);
    memref::AllocOp d = to->root;
    if (!s || s == d || s->getBlock() != block)
      return failure();
    // The copy now reads R: judge it again.
    if (computeInPlace(s, block))
      return forward(copy, block);
    if (s.getType().getElementType() != d.getType().getElementType() ||
        s.getType().getMemorySpace() != d.getType().getMemorySpace())
      return failure();

    // Where S lands in D (a box of D of S's rank, or of its rank collapsed),
    // and the copies that put it there.
    Placement place;
    if (!(from && placeByOffset(*from, *to, s, d, block, place)) &&
        !(whole && placeWhole(copy, *to, s, collapse, place)))
      return failure();
    const Box &image = place.image;
    SmallVector<memref::CopyOp> &group = place.group;
    Operation *first = group.front(), *last = group.back();
    auto inGroup = [&](Operation *op) { return llvm::is_contained(group, op); };

    // S is not written once the first copy has read it, so D's slice holds
    // what the copies would have put there from then on.
    SmallVector<Access> accesses;
    if (failed(collectAccesses(s.getResult(), block, accesses)))
      return failure();
    for (const Access &a : accesses)
      if (!inGroup(a.user) && a.write && first->isBeforeInBlock(a.anchor))
        return failure();
    // Nothing else writes D's slice, nor reads it before the last copy.
    accesses.clear();
    if (failed(collectAccesses(d.getResult(), block, accesses)))
      return failure();
    for (const Access &a : accesses) {
      if (inGroup(a.user) || (a.box && disjoint(*a.box, image)))
        continue;
      if (a.write || a.anchor->isBeforeInBlock(last))
        return failure();
    }

    // D is allocated before S's first use, and the box is known there.
    ValuesBefore dryRun(s, nullptr);
    if (!allocatableBefore(d, s) || failed(boxBefore(image, dryRun)))
      return failure();

    Builder b(copy);
    SmallVector<OpFoldResult> unitStrides(image.offsets.size(),
                                          b.getIndexAttr(1));
    MemRefType viewType = memref::SubViewOp::inferResultType(
        d.getType(), image.offsets, image.sizes, unitStrides);
    // S is the slice itself, or the slice expanded back to S's shape.
    MemRefType sType = viewType;
    if (place.groups) {
      FailureOr<MemRefType> expanded =
          memref::ExpandShapeOp::computeExpandedType(
              viewType, s.getType().getShape(), *place.groups);
      if (failed(expanded))
        return failure();
      sType = *expanded;
    }
    Retyper retyper(image, viewType, place.groups);
    if (!retyper.accepts(s.getResult(), sType, place.groups ? std::nullopt
                                                          : std::optional(image),
                         /*isS=*/true))
      return failure();

    OpBuilder builder(s);
    ValuesBefore before(s, &builder);
    moveAllocBefore(d, s, before);
    Box at = *boxBefore(image, before);
    Value view =
        memref::SubViewOp::create(builder, s.getLoc(), viewType, d.getResult(),
                                  at.offsets, at.sizes, unitStrides);
    if (place.groups) {
      SmallVector<OpFoldResult> shape;
      for (int64_t i = 0, e = s.getType().getRank(); i < e; ++i)
        shape.push_back(allocSize(s, i));
      view = memref::ExpandShapeOp::create(builder, s.getLoc(), sType, view,
                                           *place.groups, shape);
    }
    // The copies now read and write the same memory.
    for (memref::CopyOp c : group)
      c->erase();
    retyper.retype(s.getResult(), view, /*isS=*/true);
    s->erase();
    return success();
  }

  /// Where S goes in D and the copies that put it there.
  struct Placement {
    Box image;
    SmallVector<memref::CopyOp> group;
    /// Set where S is the image expanded by these groups (it was copied
    /// through a collapse_shape).
    std::optional<SmallVector<ReassociationIndices>> groups;
  };

  /// Boxes of S copied into D, all by one constant offset (the halves of a
  /// Split side by side, a padded input): S is the box of D that offset
  /// makes of all of S.
  bool placeByOffset(const Box &from, const Box &to, memref::AllocOp s,
                     memref::AllocOp d, Block *block, Placement &place) {
    int64_t rank = s.getType().getRank();
    if (d.getType().getRank() != rank)
      return false;
    auto offsetOf = [&](const Box &src,
                        const Box &dst) -> std::optional<SmallVector<int64_t>> {
      SmallVector<int64_t> delta;
      for (int64_t i = 0; i < rank; ++i) {
        std::optional<int64_t> so = getConstantIntValue(src.offsets[i]),
                               dO = getConstantIntValue(dst.offsets[i]);
        if (so && dO && *dO >= *so)
          delta.push_back(*dO - *so);
        else if (!so && !dO && src.offsets[i] == dst.offsets[i])
          delta.push_back(0);
        else
          return std::nullopt;
      }
      return delta;
    };
    std::optional<SmallVector<int64_t>> delta = offsetOf(from, to);
    if (!delta)
      return false;
    Builder b(s);
    Box image{d, {}, {}};
    for (int64_t i = 0; i < rank; ++i) {
      OpFoldResult sizeS = allocSize(s, i), sizeD = allocSize(d, i);
      std::optional<int64_t> cs = getConstantIntValue(sizeS),
                             cd = getConstantIntValue(sizeD);
      bool fits = (*delta)[i] == 0 ? provablyEqual(sizeS, sizeD) ||
                                         (cs && cd && *cs <= *cd)
                                   : cs && cd && (*delta)[i] + *cs <= *cd;
      if (!fits)
        return false;
      image.offsets.push_back(b.getIndexAttr((*delta)[i]));
      image.sizes.push_back(sizeS);
    }
    SmallVector<memref::CopyOp> group;
    for (auto other : block->getOps<memref::CopyOp>()) {
      std::optional<Box> src = traceBox(other.getSource()),
                         dst = traceBox(other.getTarget());
      if (!src || !dst || src->root != s || dst->root != d)
        continue;
      if (offsetOf(*src, *dst) != delta)
        return false;
      group.push_back(other);
    }
    place = {std::move(image), std::move(group), std::nullopt};
    return true;
  }

  /// All of S copied, as it is or through a collapse_shape, into a box of D
  /// at any offset (a Concat's input along a dynamic axis, a detection
  /// head's maps reshaped to rows of anchors): S is that box, expanded
  /// back to S's shape where it was collapsed. The box lies inside D
  /// because the copy's target does.
  bool placeWhole(memref::CopyOp copy, const Box &to, memref::AllocOp s,
                  memref::CollapseShapeOp collapse, Placement &place) {
    auto sourceType = cast<MemRefType>(copy.getSource().getType());
    if (static_cast<int64_t>(to.offsets.size()) != sourceType.getRank())
      return false;
    Builder b(copy);
    Box image = to;
    // S's static sizes rather than the copy's values for them.
    for (int64_t i = 0, e = sourceType.getRank(); i < e; ++i)
      if (!sourceType.isDynamicDim(i))
        image.sizes[i] = b.getIndexAttr(sourceType.getDimSize(i));
    place = {std::move(image), {copy}, std::nullopt};
    if (collapse)
      place.groups = collapse.getReassociationIndices();
    return true;
  }
};

} // namespace
