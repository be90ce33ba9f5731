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

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Dominance.h"
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

/// Whether two boxes of one buffer provably do not overlap: apart along
/// some dim where both are constant.
bool disjoint(const Box &a, const Box &b) {
  for (size_t d = 0; d < a.offsets.size(); ++d) {
    std::optional<int64_t> ao = getConstantIntValue(a.offsets[d]),
                           as = getConstantIntValue(a.sizes[d]),
                           bo = getConstantIntValue(b.offsets[d]),
                           bs = getConstantIntValue(b.sizes[d]);
    if (ao && as && bo && bs && (*ao + *as <= *bo || *bo + *bs <= *ao))
      return true;
  }
  return false;
}

/// The replacement of an allocation S by a box of another one, D: the
/// uses of S's views are rebuilt on the box with its strided layout.
class Retyper {
public:
  explicit Retyper(Box image) : image(std::move(image)) {}

  /// Whether every use of `v` (S or a view of it, replaced by a value of
  /// type `type`, `box` of D when it is one) takes the new layout.
  bool accepts(Value v, MemRefType type, std::optional<Box> box) const {
    for (Operation *user : v.getUsers()) {
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
  void retype(Value oldValue, Value newValue) {
    for (OpOperand &use : llvm::make_early_inc_range(oldValue.getUses())) {
      Operation *user = use.getOwner();
      OpBuilder b(user);
      Value rebuilt;
      if (auto view = dyn_cast<memref::SubViewOp>(user)) {
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
};

/// Whether `alloc` (no layout symbols) is before `op` in their block, or
/// could move there: its sizes are known at `op`.
bool allocatableBefore(memref::AllocOp alloc, Operation *op) {
  if (!alloc.getSymbolOperands().empty())
    return false;
  if (alloc->isBeforeInBlock(op))
    return true;
  DominanceInfo dominance(op->getParentOp());
  return llvm::all_of(alloc.getDynamicSizes(), [&](Value size) {
    return dominance.properlyDominates(size, op);
  });
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
  if (!r->isBeforeInBlock(s))
    r->moveBefore(s);
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
    std::optional<Box> from = traceBox(copy.getSource()),
                       to = traceBox(copy.getTarget());
    if (!from || !to || from->root == to->root ||
        from->root->getBlock() != block || to->root->getBlock() != block)
      return failure();
    memref::AllocOp s = from->root, d = to->root;
    // The copy now reads R: judge it again.
    if (computeInPlace(s, block))
      return forward(copy, block);
    Builder b(copy);
    int64_t rank = s.getType().getRank();
    if (d.getType().getRank() != rank ||
        s.getType().getElementType() != d.getType().getElementType() ||
        s.getType().getMemorySpace() != d.getType().getMemorySpace())
      return failure();

    // Where S lands in D: the offset between the two boxes, the same for
    // every copy from S to D.
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
    std::optional<SmallVector<int64_t>> delta = offsetOf(*from, *to);
    if (!delta)
      return failure();
    Box image{d, {}, {}};
    for (int64_t i = 0; i < rank; ++i) {
      OpFoldResult sizeS = allocSize(s, i), sizeD = allocSize(d, i);
      std::optional<int64_t> cs = getConstantIntValue(sizeS),
                             cd = getConstantIntValue(sizeD);
      bool fits = (*delta)[i] == 0 ? provablyEqual(sizeS, sizeD) ||
                                         (cs && cd && *cs <= *cd)
                                   : cs && cd && (*delta)[i] + *cs <= *cd;
      if (!fits)
        return failure();
      image.offsets.push_back(b.getIndexAttr((*delta)[i]));
      image.sizes.push_back(sizeS);
    }

    // The copies from S to D, all by that offset.
    SmallVector<memref::CopyOp> group;
    for (auto other : block->getOps<memref::CopyOp>()) {
      std::optional<Box> src = traceBox(other.getSource()),
                         dst = traceBox(other.getTarget());
      if (!src || !dst || src->root != s || dst->root != d)
        continue;
      if (offsetOf(*src, *dst) != delta)
        return failure();
      group.push_back(other);
    }
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

    // D is allocated before S's first use.
    if (!allocatableBefore(d, s))
      return failure();

    Retyper retyper(image);
    SmallVector<OpFoldResult> unitStrides(rank, b.getIndexAttr(1));
    MemRefType viewType = memref::SubViewOp::inferResultType(
        d.getType(), image.offsets, image.sizes, unitStrides);
    if (!retyper.accepts(s.getResult(), viewType, image))
      return failure();

    if (!d->isBeforeInBlock(s))
      d->moveBefore(s);
    OpBuilder builder(s);
    Value view =
        memref::SubViewOp::create(builder, s.getLoc(), viewType, d.getResult(),
                                  image.offsets, image.sizes, unitStrides);
    // The copies now read and write the same memory.
    for (memref::CopyOp c : group)
      c->erase();
    retyper.retype(s.getResult(), view);
    s->erase();
    return success();
  }
};

} // namespace
