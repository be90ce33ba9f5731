//===- ResolveSequences.cpp - Sequences and optionals at compile time -----===//
//
// ONNX sequences and optionals inside a model are evaluated symbolically: a
// sequence is the list of the tensor SSA values it holds, an optional is the
// value it holds or nothing. Every op that builds, edits or reads them is
// replaced by plain tensor ops (Split, Squeeze, Unsqueeze, Concat, Constant)
// or by the element itself, so the conversion to linalg never sees them.
// This needs every position to be a compile-time constant, which ONNX
// exporters give (initializers, or shape arithmetic folded before this pass).
//
// What only the run can decide stays a run-time value: a sequence built by
// a Loop whose trip count or condition is a run-time value, inserted into
// or erased from at a run-time position, or yielded by an If whose branches
// disagree on its length (or on an optional's presence). Those ops keep
// their onnx.Seq/onnx.Opt values, which the conversion lowers to run-time
// sequences (docs/architecture.md, "Sequences whose length the run
// decides"); a sequence known here that flows into one is rebuilt there
// (SequenceConstruct/SequenceEmpty/Optional of its tensors).
//
//===----------------------------------------------------------------------===//

#include "compiler/frontend/EdgeValues.h"
#include "compiler/transforms/Passes.h"
#include "dialects/onnx/OnnxDialect.h"

#include "kiln/kiln_abi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/TypeSwitch.h"

namespace kiln {
#define GEN_PASS_DEF_ONNXRESOLVESEQUENCESPASS
#include "compiler/transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::onnx_ir;

namespace {

/// "node 'name' (Op): " from the NameLoc the importer gives every node.
std::string nodePrefix(Operation *op) {
  std::string name;
  op->getLoc()->walk([&](Location l) {
    if (auto n = dyn_cast<NameLoc>(l)) {
      name = n.getName().str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  StringRef opName = op->getName().getStringRef();
  opName.consume_front("onnx.");
  if (name.empty())
    return opName.str() + ": ";
  return "node '" + name + "' (" + opName.str() + "): ";
}

bool touchesSeqOrOpt(Operation *op) {
  auto isNonTensor = [](Value v) { return isSeqOrOpt(v.getType()); };
  if (llvm::any_of(op->getOperands(), isNonTensor) ||
      llvm::any_of(op->getResults(), isNonTensor))
    return true;
  for (Region &r : op->getRegions())
    for (Block &block : r)
      if (llvm::any_of(block.getArguments(), isNonTensor))
        return true;
  return false;
}

/// `have` is `want` with some `?` dims (or the rank) made known.
bool refines(Type have, Type want) {
  auto h = dyn_cast<RankedTensorType>(have);
  auto w = dyn_cast<TensorType>(want);
  if (!h || !w || h.getElementType() != w.getElementType())
    return false;
  if (!w.hasRank())
    return true;
  if (h.getRank() != w.getRank())
    return false;
  for (auto [hd, wd] : llvm::zip(h.getShape(), w.getShape()))
    if (!ShapedType::isDynamic(wd) && hd != wd)
      return false;
  return true;
}

/// A SplitToSequence whose number of pieces is only known at run time (a
/// dynamic split dim, or a 1-D split of dynamic length): its length and its
/// pieces at constant positions can still be computed.
struct RuntimeSplit {
  OnnxSplitToSequenceOp op; // cloned where the whole sequence is needed
  Value input;
  int64_t axis;
  Value split;   // none, a scalar chunk size or a 1-D list of sizes
  int64_t chunk; // the chunk size when `split` is not 1-D
  bool squeeze;
};

class Resolver {
public:
  explicit Resolver(func::FuncOp func) : func(func), b(func.getContext()) {}

  /// Resolves every sequence and optional; sets `refined` when a value was
  /// replaced by one of a more precise type (users need re-inference).
  LogicalResult run(bool &refined);

private:
  LogicalResult visit(Operation *op);
  LogicalResult construct(OnnxSequenceConstructOp op);
  LogicalResult insert(OnnxSequenceInsertOp op);
  LogicalResult erase(OnnxSequenceEraseOp op);
  LogicalResult at(OnnxSequenceAtOp op);
  LogicalResult length(OnnxSequenceLengthOp op);
  LogicalResult splitToSequence(OnnxSplitToSequenceOp op);
  LogicalResult concatFromSequence(OnnxConcatFromSequenceOp op);
  LogicalResult optional(OnnxOptionalOp op);
  LogicalResult hasElement(OnnxOptionalHasElementOp op);
  LogicalResult getElement(OnnxOptionalGetElementOp op);
  LogicalResult forward(Operation *op, Value from);
  bool isRuntime(Value v) const {
    return isSeqOrOpt(v.getType()) && !sequences.count(v) &&
           !optionals.count(v) && !runtimeSplits.count(v);
  }
  /// Whether the run decides how many elements `v` has: a run-time value,
  /// or a split into a run-time number of pieces (whose length and pieces
  /// at constant positions are still computed here).
  bool lengthIsRuntime(Value v) const {
    return isRuntime(v) || runtimeSplits.count(v);
  }
  FailureOr<Value> materialize(Operation *user, Value v);
  LogicalResult keepAtRunTime(Operation *op);
  LogicalResult visitTree(Operation *root);
  bool skipsBody(Operation *op) const;
  LogicalResult flattenResults(func::ReturnOp ret);
  LogicalResult sequenceMap(OnnxSequenceMapOp op);
  LogicalResult unrollLoop(OnnxLoopOp op);
  LogicalResult splitIf(OnnxIfOp op);
  FailureOr<SmallVector<Value>> resolveCopy(Operation *owner, Block &body,
                                            IRMapping &map);
  Value runtimeLength(Location loc, const RuntimeSplit &split);
  Value runtimePiece(Operation *op, const RuntimeSplit &split, Value pos);
  Operation *createOp(Location loc, StringRef name, TypeRange types,
                      ValueRange operands, ArrayRef<NamedAttribute> attrs = {});

  InFlightDiagnostic error(Operation *op) {
    return op->emitError() << nodePrefix(op);
  }
  FailureOr<SmallVector<Value> *> elementsOf(Operation *op, Value seq);
  FailureOr<int64_t> position(Operation *op, Value pos, int64_t size,
                              bool allowEnd);
  LogicalResult replaceByTensor(Operation *op, Value result, Value element);
  Value i64Constant(Location loc, ArrayRef<int64_t> values, bool scalar);
  Value constantOf(Location loc, DenseElementsAttr value);
  void splitPieces(OnnxSplitToSequenceOp op, Value split,
                   ArrayRef<int64_t> sizes, bool squeeze);

  func::FuncOp func;
  OpBuilder b;
  /// The elements of each sequence value, in order.
  DenseMap<Value, SmallVector<Value>> sequences;
  /// SplitToSequence results whose number of pieces is only known at run
  /// time.
  DenseMap<Value, RuntimeSplit> runtimeSplits;
  /// The element of each optional value; a null Value for an empty one.
  DenseMap<Value, Value> optionals;
  /// Ops replaced (erased at the end, users first) and ops created (erased
  /// when nothing used them, e.g. the pieces of a split only counted).
  SmallVector<Operation *> resolved, created;
  /// Loops and Ifs kept with run-time sequence or optional values: their
  /// yields pass run-time values.
  DenseSet<Operation *> runtimeRegions;
  bool refined = false;
};

/// Whether the walk must not enter `op`'s regions after visiting it: a
/// SequenceMap's body (or an unrolled Loop's) was resolved in its copies and
/// the original goes; a split If's branches moved to the new If; an If kept
/// at run time resolved its branches already.
bool Resolver::skipsBody(Operation *op) const {
  return isa<OnnxSequenceMapOp>(op) ||
         (isa<OnnxLoopOp, OnnxIfOp>(op) && llvm::is_contained(resolved, op)) ||
         (isa<OnnxIfOp>(op) && runtimeRegions.contains(op));
}

/// Visits `root` and the ops nested in it, in order.
LogicalResult Resolver::visitTree(Operation *root) {
  WalkResult walk = root->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (failed(visit(op)))
      return WalkResult::interrupt();
    return skipsBody(op) ? WalkResult::skip() : WalkResult::advance();
  });
  return failure(walk.wasInterrupted());
}

LogicalResult Resolver::run(bool &refinedOut) {
  // The function's own arguments are operands of the ops that use them.
  for (Operation &op : llvm::make_early_inc_range(func.getBody().getOps()))
    if (failed(visitTree(&op)))
      return failure();
  for (Operation *op : llvm::reverse(resolved)) {
    if (!op->use_empty())
      return error(op) << "a result is still used after resolution";
    op->erase();
  }
  for (Operation *op : llvm::reverse(created))
    if (op->use_empty())
      op->erase();
  refinedOut = refined;
  return success();
}

LogicalResult Resolver::visit(Operation *op) {
  b.setInsertionPoint(op);
  return TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](OnnxSequenceEmptyOp op) {
        sequences[op.getResult()] = {};
        resolved.push_back(op);
        return success();
      })
      .Case([&](OnnxSequenceConstructOp op) { return construct(op); })
      .Case([&](OnnxSequenceInsertOp op) { return insert(op); })
      .Case([&](OnnxSequenceEraseOp op) { return erase(op); })
      .Case([&](OnnxSequenceAtOp op) { return at(op); })
      .Case([&](OnnxSequenceLengthOp op) { return length(op); })
      .Case([&](OnnxSplitToSequenceOp op) { return splitToSequence(op); })
      .Case([&](OnnxConcatFromSequenceOp op) { return concatFromSequence(op); })
      .Case([&](OnnxOptionalOp op) { return optional(op); })
      .Case([&](OnnxOptionalHasElementOp op) { return hasElement(op); })
      .Case([&](OnnxOptionalGetElementOp op) { return getElement(op); })
      .Case([&](OnnxIdentityOp op) {
        return isSeqOrOpt(op.getInput().getType()) ? forward(op, op.getInput())
                                                   : success();
      })
      .Case([&](func::ReturnOp op) { return flattenResults(op); })
      .Case([&](OnnxSequenceMapOp op) { return sequenceMap(op); })
      .Case([&](OnnxLoopOp op) {
        return touchesSeqOrOpt(op) ? unrollLoop(op) : success();
      })
      .Case([&](OnnxYieldOp op) -> LogicalResult {
        if (runtimeRegions.contains(op->getParentOp()))
          return keepAtRunTime(op);
        if (!touchesSeqOrOpt(op))
          return success();
        return error(op->getParentOp())
               << "a sequence or optional value crosses the boundary of its "
                  "subgraph; Kiln carries them through If and Loop only";
      })
      .Case([&](OnnxIfOp op) {
        return llvm::any_of(op->getResultTypes(), isSeqOrOpt) ? splitIf(op)
                                                              : success();
      })
      .Default([&](Operation *op) -> LogicalResult {
        if (!touchesSeqOrOpt(op))
          return success();
        if (op->getNumRegions() != 0)
          return error(op) << "a sequence or optional value crosses the "
                              "boundary of its subgraph; Kiln carries them "
                              "through If and Loop only";
        return error(op) << "takes or returns a sequence or optional value, "
                            "which only sequence and optional operators can "
                            "use in Kiln";
      });
}

/// `v` as a value the run can use: itself if only the run knows it, else
/// rebuilt before the insertion point from what is known of it.
FailureOr<Value> Resolver::materialize(Operation *user, Value v) {
  if (!isSeqOrOpt(v.getType()) || isRuntime(v))
    return v;
  Location loc = user->getLoc();
  // The whole sequence of a split into a run-time number of pieces: the
  // split itself, run where the sequence is needed.
  if (auto rs = runtimeSplits.find(v); rs != runtimeSplits.end()) {
    Operation *split = b.clone(*rs->second.op);
    created.push_back(split);
    return split->getResult(0);
  }
  if (auto it = sequences.find(v); it != sequences.end()) {
    SmallVector<Value> elems = it->second;
    if (elems.empty()) {
      Type elem = cast<SeqType>(v.getType()).getElementType().getElementType();
      return createOp(loc, "onnx.SequenceEmpty", v.getType(), {},
                      b.getNamedAttr("dtype",
                                     b.getI64IntegerAttr(onnxDataTypeOf(elem))))
          ->getResult(0);
    }
    return createOp(loc, "onnx.SequenceConstruct", v.getType(), elems)
        ->getResult(0);
  }
  Value held = optionals.lookup(v);
  if (!held)
    held = createOp(loc, "onnx.NoValue", b.getNoneType(), {})->getResult(0);
  FailureOr<Value> m = materialize(user, held);
  if (failed(m))
    return failure();
  return createOp(loc, "onnx.Optional", v.getType(), *m)->getResult(0);
}

/// Keeps `op` for the run: its sequence and optional operands become
/// run-time values, and so do its sequence and optional results.
LogicalResult Resolver::keepAtRunTime(Operation *op) {
  b.setInsertionPoint(op);
  for (OpOperand &operand : op->getOpOperands()) {
    FailureOr<Value> m = materialize(op, operand.get());
    if (failed(m))
      return failure();
    if (*m != operand.get())
      operand.set(*m);
  }
  return success();
}

FailureOr<SmallVector<Value> *> Resolver::elementsOf(Operation *op, Value seq) {
  auto it = sequences.find(seq);
  if (it == sequences.end())
    return error(op) << "its sequence's length is only known at run time; "
                        "Kiln supports such sequences in SequenceInsert, "
                        "SequenceErase, SequenceAt, SequenceLength, the "
                        "Optional operators, If, Loop and the graph's "
                        "outputs";
  return &it->second;
}

/// The value of a one-element integer onnx.Constant.
std::optional<int64_t> constantInt(Value v) {
  auto c = v.getDefiningOp<OnnxConstantOp>();
  auto dense = c ? dyn_cast_or_null<DenseIntElementsAttr>(c.getValueAttr())
                 : DenseIntElementsAttr();
  if (!dense || dense.getNumElements() != 1)
    return std::nullopt;
  return (*dense.getValues<APInt>().begin()).getSExtValue();
}

FailureOr<int64_t> Resolver::position(Operation *op, Value pos, int64_t size,
                                      bool allowEnd) {
  std::optional<int64_t> c = constantInt(pos);
  if (!c)
    return error(op) << "the position is not a compile-time constant; Kiln "
                        "resolves sequences at compile time";
  int64_t p = *c;
  int64_t hi = allowEnd ? size : size - 1;
  if (p < -size || p > hi)
    return error(op) << "position " << p << " is out of range [" << -size
                     << ", " << hi << "] for a sequence of " << size
                     << " tensors";
  return p < 0 ? p + size : p;
}

LogicalResult Resolver::replaceByTensor(Operation *op, Value result,
                                        Value element) {
  Type want = result.getType(), have = element.getType();
  if (have != want) {
    if (refines(have, want)) {
      refined = true;
    } else if (tensor::CastOp::areCastCompatible(have, want)) {
      // The element is less precise than ONNX inferred (e.g. a run-time
      // split size): keep the declared type for the users.
      element = tensor::CastOp::create(b, op->getLoc(), want, element);
    } else {
      return error(op) << "the element has type " << have
                       << ", incompatible with the declared " << want;
    }
  }
  result.replaceAllUsesWith(element);
  resolved.push_back(op);
  return success();
}

Value Resolver::constantOf(Location loc, DenseElementsAttr value) {
  Operation *c = OnnxConstantOp::create(
      b, loc, TypeRange{value.getType()}, ValueRange{},
      ArrayRef<NamedAttribute>{b.getNamedAttr("value", value)});
  created.push_back(c);
  return c->getResult(0);
}

Value Resolver::i64Constant(Location loc, ArrayRef<int64_t> values,
                            bool scalar) {
  auto type = RankedTensorType::get(
      scalar ? ArrayRef<int64_t>{} : ArrayRef<int64_t>{(int64_t)values.size()},
      b.getI64Type());
  return constantOf(loc, DenseIntElementsAttr::get(type, values));
}

LogicalResult Resolver::forward(Operation *op, Value from) {
  if (isRuntime(from))
    return keepAtRunTime(op);
  if (auto rs = runtimeSplits.find(from); rs != runtimeSplits.end()) {
    runtimeSplits[op->getResult(0)] = rs->second;
  } else if (isa<SeqType>(from.getType())) {
    FailureOr<SmallVector<Value> *> elems = elementsOf(op, from);
    if (failed(elems))
      return failure();
    sequences[op->getResult(0)] = **elems;
  } else if (isa<OptType>(from.getType())) {
    auto it = optionals.find(from);
    if (it == optionals.end())
      return error(op) << "its optional operand is not built inside the "
                          "model, so it cannot be resolved at compile time";
    optionals[op->getResult(0)] = it->second;
  } else {
    return replaceByTensor(op, op->getResult(0), from);
  }
  resolved.push_back(op);
  return success();
}

LogicalResult Resolver::construct(OnnxSequenceConstructOp op) {
  sequences[op.getResult()] = SmallVector<Value>(op.getInputs());
  resolved.push_back(op);
  return success();
}

LogicalResult Resolver::insert(OnnxSequenceInsertOp op) {
  if (lengthIsRuntime(op.getInputSequence()) ||
      (!isNoValue(op.getPosition()) && !constantInt(op.getPosition())))
    return keepAtRunTime(op);
  FailureOr<SmallVector<Value> *> elems = elementsOf(op, op.getInputSequence());
  if (failed(elems))
    return failure();
  SmallVector<Value> out = **elems;
  int64_t at = out.size(); // No position: append.
  if (!isNoValue(op.getPosition())) {
    FailureOr<int64_t> p =
        position(op, op.getPosition(), out.size(), /*allowEnd=*/true);
    if (failed(p))
      return failure();
    at = *p;
  }
  out.insert(out.begin() + at, op.getTensor());
  sequences[op.getResult()] = std::move(out);
  resolved.push_back(op);
  return success();
}

LogicalResult Resolver::erase(OnnxSequenceEraseOp op) {
  if (lengthIsRuntime(op.getInputSequence()) ||
      (!isNoValue(op.getPosition()) && !constantInt(op.getPosition())))
    return keepAtRunTime(op);
  FailureOr<SmallVector<Value> *> elems = elementsOf(op, op.getInputSequence());
  if (failed(elems))
    return failure();
  SmallVector<Value> out = **elems;
  if (out.empty())
    return error(op) << "erases from an empty sequence";
  int64_t at = out.size() - 1; // No position: the last one.
  if (!isNoValue(op.getPosition())) {
    FailureOr<int64_t> p =
        position(op, op.getPosition(), out.size(), /*allowEnd=*/false);
    if (failed(p))
      return failure();
    at = *p;
  }
  out.erase(out.begin() + at);
  sequences[op.getResult()] = std::move(out);
  resolved.push_back(op);
  return success();
}

LogicalResult Resolver::at(OnnxSequenceAtOp op) {
  if (isRuntime(op.getInputSequence()) ||
      (!runtimeSplits.count(op.getInputSequence()) &&
       !constantInt(op.getPosition())))
    return keepAtRunTime(op);
  if (auto rs = runtimeSplits.find(op.getInputSequence());
      rs != runtimeSplits.end()) {
    Value piece = runtimePiece(op, rs->second, op.getPosition());
    return piece ? replaceByTensor(op, op.getResult(), piece)
                 : keepAtRunTime(op);
  }
  FailureOr<SmallVector<Value> *> elems = elementsOf(op, op.getInputSequence());
  if (failed(elems))
    return failure();
  FailureOr<int64_t> p =
      position(op, op.getPosition(), (*elems)->size(), /*allowEnd=*/false);
  if (failed(p))
    return failure();
  return replaceByTensor(op, op.getResult(), (**elems)[*p]);
}

LogicalResult Resolver::length(OnnxSequenceLengthOp op) {
  if (isRuntime(op.getInputSequence()))
    return keepAtRunTime(op);
  if (auto rs = runtimeSplits.find(op.getInputSequence());
      rs != runtimeSplits.end())
    return replaceByTensor(op, op.getResult(),
                           runtimeLength(op.getLoc(), rs->second));
  FailureOr<SmallVector<Value> *> elems = elementsOf(op, op.getInputSequence());
  if (failed(elems))
    return failure();
  Value n = i64Constant(op.getLoc(), {(int64_t)(*elems)->size()},
                        /*scalar=*/true);
  return replaceByTensor(op, op.getResult(), n);
}

/// The pieces of `op`'s input along its axis: one onnx.Split by `split`
/// (sizes are the static piece sizes, `?` where unknown), each squeezed
/// when `squeeze`.
void Resolver::splitPieces(OnnxSplitToSequenceOp op, Value split,
                           ArrayRef<int64_t> sizes, bool squeeze) {
  auto inType = cast<RankedTensorType>(op.getInput().getType());
  int64_t axis =
      op.getAxis() < 0 ? op.getAxis() + inType.getRank() : op.getAxis();
  SmallVector<Type> pieceTypes;
  for (int64_t size : sizes) {
    SmallVector<int64_t> dims(inType.getShape());
    dims[axis] = size;
    pieceTypes.push_back(inType.clone(dims));
  }
  SmallVector<Value> pieces;
  if (!sizes.empty()) {
    Operation *s = OnnxSplitOp::create(b, op.getLoc(), pieceTypes,
                                       ValueRange{op.getInput(), split},
                                       ArrayRef<NamedAttribute>{b.getNamedAttr(
                                           "axis", b.getI64IntegerAttr(axis))});
    created.push_back(s);
    pieces.assign(s->result_begin(), s->result_end());
  }
  if (squeeze) {
    Value axes = i64Constant(op.getLoc(), {axis}, /*scalar=*/false);
    SmallVector<int64_t> dims(inType.getShape());
    dims.erase(dims.begin() + axis);
    for (Value &piece : pieces) {
      Operation *sq = OnnxSqueezeOp::create(
          b, op.getLoc(), TypeRange{inType.clone(dims)},
          ValueRange{piece, axes}, ArrayRef<NamedAttribute>{});
      created.push_back(sq);
      piece = sq->getResult(0);
    }
  }
  sequences[op.getResult()] = std::move(pieces);
}

LogicalResult Resolver::splitToSequence(OnnxSplitToSequenceOp op) {
  auto inType = dyn_cast<RankedTensorType>(op.getInput().getType());
  if (!inType || inType.getRank() == 0)
    return error(op) << "the input needs a known rank of at least 1";
  int64_t rank = inType.getRank();
  int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
  if (axis < 0 || axis >= rank)
    return error(op) << "axis " << op.getAxis() << " is out of range for rank "
                     << rank;
  int64_t dim = inType.getDimSize(axis);
  Value split = op.getSplit();
  auto splitType = dyn_cast<RankedTensorType>(split.getType());
  // A scalar split only the run knows: the number of pieces and their sizes
  // are the run's, and so is the sequence.
  if (splitType && splitType.getRank() == 0 && !constantInt(split))
    return keepAtRunTime(op);
  resolved.push_back(op);

  // A 1-D split: one piece per entry, whose sizes may be known at run time
  // only (the number of pieces is the static length of `split`).
  if (splitType && splitType.getRank() == 1) {
    if (splitType.isDynamicDim(0)) {
      runtimeSplits[op.getResult()] = {op, op.getInput(), axis, split,
                                       0,  false};
      return success();
    }
    SmallVector<int64_t> sizes(splitType.getDimSize(0), ShapedType::kDynamic);
    if (auto c = split.getDefiningOp<OnnxConstantOp>())
      if (auto dense = dyn_cast_or_null<DenseIntElementsAttr>(c.getValueAttr()))
        for (auto [i, v] : llvm::enumerate(dense.getValues<APInt>()))
          sizes[i] = v.getSExtValue();
    splitPieces(op, split, sizes, /*squeeze=*/false);
    return success();
  }
  // No split: pieces of size 1, squeezed unless keepdims. A scalar split:
  // pieces of that size, the last one possibly smaller (keepdims ignored).
  int64_t chunk = 1;
  bool squeeze = op.getKeepdims() == 0;
  if (!isNoValue(split)) {
    std::optional<int64_t> c = constantInt(split);
    if (!c)
      return error(op) << "split needs a known rank (a scalar or a 1-D tensor)";
    if (*c <= 0)
      return error(op) << "split must be positive, got " << *c;
    chunk = *c;
    squeeze = false;
  }
  if (ShapedType::isDynamic(dim)) {
    runtimeSplits[op.getResult()] = {op,    op.getInput(), axis,
                                     split, chunk,         squeeze};
    return success();
  }
  SmallVector<int64_t> sizes;
  for (int64_t start = 0; start < dim; start += chunk)
    sizes.push_back(std::min(chunk, dim - start));
  splitPieces(op, i64Constant(op.getLoc(), sizes, /*scalar=*/false), sizes,
              squeeze);
  return success();
}

Operation *Resolver::createOp(Location loc, StringRef name, TypeRange types,
                              ValueRange operands,
                              ArrayRef<NamedAttribute> attrs) {
  OperationState state(loc, name);
  state.addTypes(types);
  state.addOperands(operands);
  state.addAttributes(attrs);
  Operation *op = b.create(state);
  created.push_back(op);
  return op;
}

/// The number of pieces as a run-time scalar: the length of a 1-D split, or
/// ceil(dim / chunk).
Value Resolver::runtimeLength(Location loc, const RuntimeSplit &split) {
  auto scalar = RankedTensorType::get({}, b.getI64Type());
  auto gatherDim = [&](Value of, int64_t d) {
    auto rank = cast<RankedTensorType>(of.getType()).getRank();
    Value shape = createOp(loc, "onnx.Shape",
                           RankedTensorType::get({rank}, b.getI64Type()), of)
                      ->getResult(0);
    Value idx = i64Constant(loc, {d}, /*scalar=*/true);
    return createOp(loc, "onnx.Gather", scalar, {shape, idx})->getResult(0);
  };
  if (!isNoValue(split.split) &&
      cast<RankedTensorType>(split.split.getType()).getRank() == 1)
    return gatherDim(split.split, 0);
  Value dim = gatherDim(split.input, split.axis);
  if (split.chunk == 1)
    return dim;
  Value up = createOp(loc, "onnx.Add", scalar,
                      {dim, i64Constant(loc, {split.chunk - 1}, true)})
                 ->getResult(0);
  return createOp(loc, "onnx.Div", scalar,
                  {up, i64Constant(loc, {split.chunk}, true)})
      ->getResult(0);
}

/// Piece `pos` of a split whose piece count is only known at run time, as a
/// Slice of the input (squeezed for keepdims = 0) where a constant position
/// into equal chunks tells where it starts (negative positions: size-1
/// chunks only); null where only the run can tell, and the sequence is
/// built at run time.
Value Resolver::runtimePiece(Operation *op, const RuntimeSplit &split,
                             Value pos) {
  std::optional<int64_t> p = constantInt(pos);
  if ((!isNoValue(split.split) &&
       cast<RankedTensorType>(split.split.getType()).getRank() == 1) ||
      !p || (*p < 0 && split.chunk != 1))
    return Value();
  int64_t start = *p * split.chunk;
  int64_t end = *p == -1 ? INT64_MAX : start + split.chunk;
  auto inType = cast<RankedTensorType>(split.input.getType());
  SmallVector<int64_t> dims(inType.getShape());
  dims[split.axis] = split.chunk == 1 ? 1 : ShapedType::kDynamic;
  Location loc = op->getLoc();
  Value piece =
      createOp(
          loc, "onnx.Slice", inType.clone(dims),
          {split.input, i64Constant(loc, {start}, false),
           i64Constant(loc, {end}, false),
           i64Constant(loc, {split.axis}, false),
           createOp(loc, "onnx.NoValue", b.getNoneType(), {})->getResult(0)})
          ->getResult(0);
  if (!split.squeeze)
    return piece;
  dims.erase(dims.begin() + split.axis);
  return createOp(loc, "onnx.Squeeze", inType.clone(dims),
                  {piece, i64Constant(loc, {split.axis}, false)})
      ->getResult(0);
}

LogicalResult Resolver::concatFromSequence(OnnxConcatFromSequenceOp op) {
  if (lengthIsRuntime(op.getInputSequence()))
    return error(op) << "concatenates a sequence whose length only the run "
                        "decides, which Kiln does not support";
  FailureOr<SmallVector<Value> *> elems = elementsOf(op, op.getInputSequence());
  if (failed(elems))
    return failure();
  if ((*elems)->empty())
    return error(op) << "concatenates an empty sequence";
  SmallVector<Value> inputs = **elems;
  // new_axis: stack along a new axis; Unsqueeze and ConcatFromSequence
  // agree on negative axes (counted in the output's rank).
  if (op.getNewAxis() != 0) {
    Value axes = i64Constant(op.getLoc(), {op.getAxis()}, /*scalar=*/false);
    for (Value &in : inputs) {
      auto type = cast<TensorType>(in.getType());
      Operation *u = OnnxUnsqueezeOp::create(
          b, op.getLoc(),
          TypeRange{UnrankedTensorType::get(type.getElementType())},
          ValueRange{in, axes}, ArrayRef<NamedAttribute>{});
      created.push_back(u);
      (void)cast<OnnxShapeInference>(u).inferShapes();
      in = u->getResult(0);
    }
  }
  Operation *concat = OnnxConcatOp::create(
      b, op.getLoc(), TypeRange{op.getResult().getType()}, inputs,
      ArrayRef<NamedAttribute>{
          b.getNamedAttr("axis", b.getI64IntegerAttr(op.getAxis()))});
  (void)cast<OnnxShapeInference>(concat).inferShapes();
  return replaceByTensor(op, op.getResult(), concat->getResult(0));
}

LogicalResult Resolver::optional(OnnxOptionalOp op) {
  if (isRuntime(op.getInput()))
    return keepAtRunTime(op);
  optionals[op.getResult()] =
      isNoValue(op.getInput()) ? Value() : op.getInput();
  resolved.push_back(op);
  return success();
}

LogicalResult Resolver::hasElement(OnnxOptionalHasElementOp op) {
  // Opset 18 also accepts a tensor or sequence (always present) and an
  // absent input (never present).
  Value in = op.getInput();
  bool present = !isNoValue(in);
  if (isRuntime(in) && isa<OptType>(in.getType()))
    return keepAtRunTime(op);
  if (isa<OptType>(in.getType())) {
    auto it = optionals.find(in);
    if (it == optionals.end())
      return error(op) << "its optional operand is not built inside the "
                          "model, so it cannot be resolved at compile time";
    present = static_cast<bool>(it->second);
  }
  auto type = RankedTensorType::get({}, b.getI1Type());
  Value c = constantOf(op.getLoc(), DenseElementsAttr::get(type, present));
  return replaceByTensor(op, op.getResult(), c);
}

LogicalResult Resolver::getElement(OnnxOptionalGetElementOp op) {
  Value in = op.getInput();
  if (!isa<OptType>(in.getType()))
    return forward(op, in); // Opset 18: a tensor or sequence passes through.
  if (isRuntime(in))
    return keepAtRunTime(op);
  auto it = optionals.find(in);
  if (it == optionals.end())
    return error(op) << "its optional operand is not built inside the "
                        "model, so it cannot be resolved at compile time";
  if (!it->second)
    return error(op) << "the optional is empty (ONNX makes this an error)";
  return forward(op, it->second);
}

/// Copies `body`'s ops before `owner` with `map`, resolves the copies, and
/// returns what the copy yields (after resolution replaced values).
FailureOr<SmallVector<Value>>
Resolver::resolveCopy(Operation *owner, Block &body, IRMapping &map) {
  SmallVector<Operation *> copies;
  for (Operation &inner : body.without_terminator())
    copies.push_back(b.clone(inner, map));
  // Resolving a copy replaces its results: a placeholder use keeps track of
  // what the body yields.
  SmallVector<Value> yielded;
  for (Value v : body.getTerminator()->getOperands())
    yielded.push_back(map.lookupOrDefault(v));
  auto holder = UnrealizedConversionCastOp::create(b, owner->getLoc(),
                                                   TypeRange{}, yielded);
  for (Operation *copy : copies) {
    LogicalResult visited = visitTree(copy);
    // visit() moves the insertion point to the op it resolves.
    b.setInsertionPoint(owner);
    if (failed(visited)) {
      holder->erase();
      return failure();
    }
  }
  SmallVector<Value> out(holder->getOperands());
  holder->erase();
  return out;
}

/// The value of a scalar boolean, looking through Identity (a Loop body's
/// condition is often Identity(cond_in)).
static std::optional<bool> constantBool(Value v) {
  while (auto id = v.getDefiningOp<OnnxIdentityOp>())
    v = id.getInput();
  auto c = v.getDefiningOp<OnnxConstantOp>();
  auto dense = c ? dyn_cast_or_null<DenseIntElementsAttr>(c.getValueAttr())
                 : DenseIntElementsAttr();
  if (!dense || dense.getNumElements() != 1)
    return std::nullopt;
  return !(*dense.getValues<APInt>().begin()).isZero();
}

/// A Loop that carries or builds sequences (or optionals) and runs a number
/// of times known at compile time is unrolled: its body once per
/// iteration, each copy resolved in turn. This is what ONNX's function body
/// of SequenceMap, and exporters' loops over a sequence, look like.
LogicalResult Resolver::unrollLoop(OnnxLoopOp op) {
  constexpr int64_t kMaxUnroll = 4096;
  std::optional<int64_t> trips =
      isNoValue(op.getM()) ? std::nullopt : constantInt(op.getM());
  std::optional<bool> cond =
      isNoValue(op.getCond()) ? std::optional<bool>(true)
                              : constantBool(op.getCond());
  // Unknown or many iterations: the loop runs at run time, carrying
  // run-time sequences; its body is visited next, in place.
  if (!trips || !cond || *trips > kMaxUnroll) {
    runtimeRegions.insert(op);
    return keepAtRunTime(op);
  }
  Block &body = op.getBody().front();
  unsigned numCarried = op.getVInitial().size();
  if (body.getNumArguments() != 2 + numCarried)
    return error(op) << "its body takes " << body.getNumArguments()
                     << " values for " << 2 + numCarried;
  Location loc = op.getLoc();
  SmallVector<Value> carried(op.getVInitial());
  unsigned numScans = op->getNumResults() - numCarried;
  SmallVector<SmallVector<Value>> scans(numScans);
  auto boolType = RankedTensorType::get({}, b.getI1Type());
  for (int64_t i = 0; i < *trips && *cond; ++i) {
    IRMapping map;
    map.map(body.getArgument(0), i64Constant(loc, {i}, /*scalar=*/true));
    map.map(body.getArgument(1),
            constantOf(loc, DenseElementsAttr::get(boolType, true)));
    for (unsigned k = 0; k < numCarried; ++k) {
      if (carried[k].getType() != body.getArgument(2 + k).getType())
        refined = true;
      map.map(body.getArgument(2 + k), carried[k]);
    }
    FailureOr<SmallVector<Value>> yielded = resolveCopy(op, body, map);
    if (failed(yielded))
      return failure();
    cond = constantBool((*yielded)[0]);
    if (!cond)
      return error(op) << "its condition is only known at run time; Kiln "
                          "unrolls loops that carry sequences only when it "
                          "is a constant";
    for (unsigned k = 0; k < numCarried; ++k)
      carried[k] = (*yielded)[1 + k];
    for (unsigned k = 0; k < numScans; ++k)
      scans[k].push_back((*yielded)[1 + numCarried + k]);
  }
  for (unsigned k = 0; k < numCarried; ++k) {
    Value from = carried[k];
    Value result = op->getResult(k);
    if (isa<SeqType>(from.getType())) {
      FailureOr<SmallVector<Value> *> elems = elementsOf(op, from);
      if (failed(elems))
        return failure();
      sequences[result] = **elems;
    } else if (isa<OptType>(from.getType())) {
      auto it = optionals.find(from);
      if (it == optionals.end())
        return error(op) << "its optional value is not built inside the "
                            "model, so it cannot be resolved at compile time";
      optionals[result] = it->second;
    } else {
      if (from.getType() != result.getType())
        refined = true;
      result.replaceAllUsesWith(from);
    }
  }
  // Scan outputs stack each iteration's value along a new first axis.
  for (unsigned k = 0; k < numScans; ++k) {
    Value result = op->getResult(numCarried + k);
    if (scans[k].empty())
      return error(op) << "it makes scan outputs but runs no iteration";
    Value axes = i64Constant(loc, {0}, /*scalar=*/false);
    SmallVector<Value> rows;
    for (Value v : scans[k]) {
      if (isSeqOrOpt(v.getType()))
        return error(op) << "a scan output is a sequence or optional";
      auto t = cast<TensorType>(v.getType());
      Operation *u = OnnxUnsqueezeOp::create(
          b, loc, TypeRange{UnrankedTensorType::get(t.getElementType())},
          ValueRange{v, axes}, ArrayRef<NamedAttribute>{});
      created.push_back(u);
      (void)cast<OnnxShapeInference>(u).inferShapes();
      rows.push_back(u->getResult(0));
    }
    Operation *concat = OnnxConcatOp::create(
        b, loc, TypeRange{result.getType()}, rows,
        ArrayRef<NamedAttribute>{b.getNamedAttr("axis", b.getI64IntegerAttr(0))});
    (void)cast<OnnxShapeInference>(concat).inferShapes();
    refined = true;
    result.replaceAllUsesWith(concat->getResult(0));
  }
  resolved.push_back(op);
  return success();
}

/// An If whose results are sequences or optionals: both branches are
/// resolved first; a sequence result becomes one tensor result per element
/// (both branches must make as many), an optional result its value (both
/// must hold one, or neither). The condition stays a run-time value.
LogicalResult Resolver::splitIf(OnnxIfOp op) {
  Region *branches[2] = {&op.getThenBranch(), &op.getElseBranch()};
  for (Region *r : branches) {
    if (r->empty())
      return error(op) << "a branch is empty";
    WalkResult walk = r->walk<WalkOrder::PreOrder>([&](Operation *inner) {
      // The branches' own yields are rewritten below.
      if (isa<OnnxYieldOp>(inner) && inner->getParentOp() == op)
        return WalkResult::advance();
      if (failed(visit(inner)))
        return WalkResult::interrupt();
      return skipsBody(inner) ? WalkResult::skip() : WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return failure();
  }
  b.setInsertionPoint(op);
  auto yields = [&](Region *r) {
    return cast<OnnxYieldOp>(r->front().getTerminator());
  };
  // What only the condition decides (sequences of different lengths, an
  // optional present in one branch only) or what the branches only know at
  // run time keeps the If with run-time values.
  auto lengthOf = [&](Value v) -> int64_t {
    auto it = sequences.find(v);
    return it == sequences.end() ? -1 : (int64_t)it->second.size();
  };
  bool atRunTime = false;
  for (auto [j, result] : llvm::enumerate(op->getResults())) {
    Value t = yields(branches[0])->getOperand(j);
    Value e = yields(branches[1])->getOperand(j);
    if (!isSeqOrOpt(result.getType()))
      continue;
    if (isRuntime(t) || isRuntime(e) || runtimeSplits.count(t) ||
        runtimeSplits.count(e)) {
      atRunTime = true;
      continue;
    }
    if (isa<OptType>(result.getType())) {
      t = optionals.lookup(t);
      e = optionals.lookup(e);
      if (static_cast<bool>(t) != static_cast<bool>(e) ||
          (t && (isRuntime(t) || isRuntime(e)))) {
        atRunTime = true;
        continue;
      }
      if (!t || !isa<SeqType>(t.getType()))
        continue;
    }
    if (isa<SeqType>(t.getType()) && lengthOf(t) != lengthOf(e))
      atRunTime = true;
  }
  if (atRunTime) {
    runtimeRegions.insert(op);
    for (Region *r : branches)
      if (failed(keepAtRunTime(yields(r))))
        return failure();
    return success();
  }
  // The values each branch yields for each new result.
  SmallVector<Value> thenVals, elseVals;
  // For each old result: the range of new results that carry it.
  SmallVector<std::pair<unsigned, unsigned>> spans;
  SmallVector<bool> absent;
  for (auto [j, result] : llvm::enumerate(op->getResults())) {
    Value t = yields(branches[0])->getOperand(j);
    Value e = yields(branches[1])->getOperand(j);
    unsigned first = thenVals.size();
    bool none = false;
    if (isa<OptType>(result.getType())) {
      auto ti = optionals.find(t), ei = optionals.find(e);
      if (ti == optionals.end() || ei == optionals.end())
        return error(op) << "a branch yields an optional that is not built "
                            "inside it";
      if (static_cast<bool>(ti->second) != static_cast<bool>(ei->second))
        return error(op) << "one branch yields an empty optional and the "
                            "other a value, which only the run-time "
                            "condition decides; Kiln resolves optionals at "
                            "compile time";
      none = !ti->second;
      t = ti->second;
      e = ei->second;
    }
    if (!none && isa<SeqType>(t.getType())) {
      FailureOr<SmallVector<Value> *> te = elementsOf(op, t);
      if (failed(te))
        return failure();
      SmallVector<Value> tl = **te;
      FailureOr<SmallVector<Value> *> ee = elementsOf(op, e);
      if (failed(ee))
        return failure();
      if (tl.size() != (*ee)->size())
        return error(op) << "its branches make sequences of different "
                            "lengths ("
                         << tl.size() << " and " << (*ee)->size()
                         << "), which only the run-time condition decides";
      thenVals.append(tl);
      elseVals.append(**ee);
    } else if (!none) {
      thenVals.push_back(t);
      elseVals.push_back(e);
    }
    spans.push_back({first, (unsigned)thenVals.size()});
    absent.push_back(none);
  }
  // Each new result takes the branches' common type (a dim they disagree
  // on becomes dynamic), each yield casts to it.
  SmallVector<Type> types;
  for (auto [t, e] : llvm::zip(thenVals, elseVals)) {
    auto tt = dyn_cast<RankedTensorType>(t.getType());
    auto et = dyn_cast<RankedTensorType>(e.getType());
    if (t.getType() == e.getType()) {
      types.push_back(t.getType());
    } else if (tt && et && tt.getRank() == et.getRank() &&
               tt.getElementType() == et.getElementType()) {
      SmallVector<int64_t> dims;
      for (auto [a, c] : llvm::zip(tt.getShape(), et.getShape()))
        dims.push_back(a == c ? a : ShapedType::kDynamic);
      types.push_back(tt.clone(dims));
    } else {
      return error(op) << "its branches yield elements of types "
                       << t.getType() << " and " << e.getType();
    }
  }
  auto split = OnnxIfOp::create(b, op.getLoc(), types, op.getCond());
  split.getThenBranch().takeBody(op.getThenBranch());
  split.getElseBranch().takeBody(op.getElseBranch());
  Region *newBranches[2] = {&split.getThenBranch(), &split.getElseBranch()};
  SmallVector<Value> *branchVals[2] = {&thenVals, &elseVals};
  for (auto [r, vals] : llvm::zip(newBranches, branchVals)) {
    Operation *old = r->front().getTerminator();
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(old);
    SmallVector<Value> cast;
    for (auto [v, type] : llvm::zip(*vals, types))
      cast.push_back(v.getType() == type
                         ? v
                         : Value(tensor::CastOp::create(b, old->getLoc(),
                                                        type, v)));
    OnnxYieldOp::create(b, old->getLoc(), cast);
    old->erase();
  }
  for (auto [j, result] : llvm::enumerate(op->getResults())) {
    auto [first, end] = spans[j];
    SmallVector<Value> carried(split->getResults().slice(first, end - first));
    Type type = result.getType();
    if (auto opt = dyn_cast<OptType>(type)) {
      if (absent[j]) {
        optionals[result] = Value();
        continue;
      }
      type = opt.getElementType();
      if (!isa<SeqType>(type)) {
        optionals[result] = carried[0];
        refined = true;
        continue;
      }
      // An optional sequence: the optional holds a sequence value made
      // of the new results.
      Operation *seq = createOp(op.getLoc(), "onnx.SequenceConstruct", type,
                                carried);
      sequences[seq->getResult(0)] = carried;
      optionals[result] = seq->getResult(0);
      continue;
    }
    if (isa<SeqType>(type)) {
      sequences[result] = carried;
      continue;
    }
    if (carried[0].getType() != type)
      refined = true;
    result.replaceAllUsesWith(carried[0]);
  }
  resolved.push_back(op);
  return success();
}

/// SequenceMap: its body once per element, each copy reading element i of
/// every sequence operand (and the tensor operands as they are); output j
/// is the sequence of the copies' j-th results. The copies are resolved in
/// turn, so a body may build and read sequences itself.
LogicalResult Resolver::sequenceMap(OnnxSequenceMapOp op) {
  SmallVector<SmallVector<Value> *> seqs;
  int64_t length = -1;
  for (Value in : op->getOperands()) {
    if (!isa<SeqType>(in.getType())) {
      seqs.push_back(nullptr);
      continue;
    }
    FailureOr<SmallVector<Value> *> elems = elementsOf(op, in);
    if (failed(elems))
      return failure();
    if (length >= 0 && (int64_t)(*elems)->size() != length)
      return error(op) << "its sequences differ in length (" << length
                       << " and " << (*elems)->size() << ")";
    length = (*elems)->size();
    seqs.push_back(*elems);
  }
  Block &body = op.getBody().front();
  if (body.getNumArguments() != op->getNumOperands())
    return error(op) << "its body takes " << body.getNumArguments()
                     << " values for " << op->getNumOperands() << " inputs";
  SmallVector<SmallVector<Value>> outs(op->getNumResults());
  for (int64_t i = 0; i < length; ++i) {
    IRMapping map;
    for (auto [k, arg] : llvm::enumerate(body.getArguments())) {
      Value in = seqs[k] ? (*seqs[k])[i] : op->getOperand(k);
      if (in.getType() != arg.getType())
        refined = true;
      map.map(arg, in);
    }
    FailureOr<SmallVector<Value>> yielded = resolveCopy(op, body, map);
    if (failed(yielded))
      return failure();
    for (auto [j, v] : llvm::enumerate(*yielded)) {
      if (isSeqOrOpt(v.getType()))
        return error(op) << "its body returns a sequence or optional, which "
                            "Kiln does not nest in a sequence";
      outs[j].push_back(v);
    }
  }
  for (auto [j, result] : llvm::enumerate(op->getResults()))
    sequences[result] = std::move(outs[j]);
  resolved.push_back(op);
  return success();
}

/// Graph outputs that are sequences or optionals become the tensors they
/// hold: each result of @main is one tensor slot, and kiln.output_values
/// (EdgeValues.h) says how many slots each graph output has (0 for an
/// optional without a value, which is then marked absent).
LogicalResult Resolver::flattenResults(func::ReturnOp ret) {
  if (!llvm::any_of(ret.getOperands(),
                    [](Value v) { return isSeqOrOpt(v.getType()); }))
    return success();
  auto values = func->getAttrOfType<ArrayAttr>(kiln::kOutputValuesAttr);
  if (!values)
    return ret.emitError("@main returns a sequence or optional without "
                         "kiln.output_values describing its outputs");
  SmallVector<Value> slots;
  SmallVector<Attribute> slotAttrs, newValues;
  unsigned next = 0;
  for (Attribute a : values) {
    auto value = cast<DictionaryAttr>(a);
    int64_t count = cast<IntegerAttr>(value.get("count")).getInt();
    Value v = count == 1 && next < ret.getNumOperands() ? ret.getOperand(next)
                                                        : Value();
    if (!v || !isSeqOrOpt(v.getType())) {
      for (int64_t i = 0; i < count; ++i, ++next) {
        slots.push_back(ret.getOperand(next));
        slotAttrs.push_back(func.getResultAttrDict(next));
      }
      newValues.push_back(value);
      continue;
    }
    DictionaryAttr attrs = func.getResultAttrDict(next++);
    NamedAttrList fields(value);
    StringRef name = cast<StringAttr>(value.get("name")).getValue();
    // Only the run knows its length or presence: one slot carries the
    // address of the run-time value (kiln_abi.h, KILN_VALUE_FLAG_RUNTIME).
    bool atRunTime = lengthIsRuntime(v);
    if (auto it = optionals.find(v); it != optionals.end() && it->second)
      atRunTime |= lengthIsRuntime(it->second);
    if (atRunTime) {
      b.setInsertionPoint(ret);
      FailureOr<Value> m = materialize(ret, v);
      if (failed(m))
        return failure();
      slots.push_back(*m);
      NamedAttrList named(attrs);
      named.set("kiln.name", b.getStringAttr(name));
      named.set("kiln.elem_type", b.getI32IntegerAttr(KILN_ELEM_INT64));
      named.erase("kiln.dim_params");
      slotAttrs.push_back(named.getDictionary(b.getContext()));
      int64_t flags = cast<IntegerAttr>(value.get("flags")).getInt();
      fields.set("flags", b.getI32IntegerAttr(flags | KILN_VALUE_FLAG_RUNTIME));
      fields.set("count", b.getI64IntegerAttr(1));
      newValues.push_back(fields.getDictionary(b.getContext()));
      continue;
    }
    Value held = v;
    if (isa<OptType>(v.getType())) {
      auto it = optionals.find(v);
      if (it == optionals.end())
        return error(ret) << "graph output '" << name
                          << "' is an optional that is not built inside the "
                             "model, so it cannot be resolved at compile time";
      held = it->second;
      if (!held) {
        fields.set("flags", b.getI32IntegerAttr(KILN_VALUE_FLAG_OPTIONAL |
                                                KILN_VALUE_FLAG_ABSENT));
        fields.set("count", b.getI64IntegerAttr(0));
        newValues.push_back(fields.getDictionary(b.getContext()));
        continue;
      }
    }
    auto slotAttr = [&](const std::string &slotName) {
      NamedAttrList named(attrs);
      named.set("kiln.name", b.getStringAttr(slotName));
      return named.getDictionary(b.getContext());
    };
    if (isa<SeqType>(held.getType())) {
      FailureOr<SmallVector<Value> *> elems = elementsOf(ret, held);
      if (failed(elems))
        return failure();
      for (auto [i, e] : llvm::enumerate(**elems)) {
        slots.push_back(e);
        slotAttrs.push_back(slotAttr((name + "[" + Twine(i) + "]").str()));
      }
      fields.set("count", b.getI64IntegerAttr((*elems)->size()));
    } else {
      slots.push_back(held);
      slotAttrs.push_back(slotAttr(name.str()));
    }
    newValues.push_back(fields.getDictionary(b.getContext()));
  }
  func::ReturnOp::create(b, ret.getLoc(), slots);
  resolved.push_back(ret);
  func.setFunctionType(FunctionType::get(
      func.getContext(), func.getArgumentTypes(), ValueRange(slots).getTypes()));
  func.setAllResultAttrs(slotAttrs);
  func->setAttr(kiln::kOutputValuesAttr, b.getArrayAttr(newValues));
  return success();
}

/// The tensor type of the elements of a sequence type, or of what an
/// optional type holds (its sequence's elements, or its tensor).
TensorType elementTypeOf(Type t) {
  if (auto o = dyn_cast<OptType>(t))
    t = o.getElementType();
  if (auto s = dyn_cast<SeqType>(t))
    return s.getElementType();
  return dyn_cast<TensorType>(t);
}

/// `t` (a sequence or optional type) with elements of type `e`.
Type withElementType(Type t, TensorType e) {
  if (auto o = dyn_cast<OptType>(t))
    return OptType::get(t.getContext(), withElementType(o.getElementType(), e));
  if (isa<SeqType>(t))
    return SeqType::get(t.getContext(), e);
  return e;
}

/// The type both `a` and `b` are (dims they disagree on dynamic, an
/// unranked tensor if their ranks differ); a null type is no value yet.
TensorType joinElementTypes(TensorType a, TensorType b) {
  if (!a || a == b)
    return b;
  if (!b)
    return a;
  auto ra = dyn_cast<RankedTensorType>(a), rb = dyn_cast<RankedTensorType>(b);
  if (!ra || !rb || ra.getRank() != rb.getRank())
    return UnrankedTensorType::get(a.getElementType());
  SmallVector<int64_t> dims;
  for (auto [x, y] : llvm::zip(ra.getShape(), rb.getShape()))
    dims.push_back(x == y ? x : ShapedType::kDynamic);
  return RankedTensorType::get(dims, a.getElementType());
}

/// Run-time sequences left by the Resolver carry the types ONNX's shape
/// inference gave them, which for a sequence a Loop grows is often an
/// element of unknown rank. Their elements' types are recomputed from the
/// tensors that flow into them (through SequenceInsert, SequenceConstruct,
/// Loop and If, to a fixpoint), so that SequenceAt and OptionalGetElement
/// read tensors of a known rank. Returns whether a type changed.
bool refineRuntimeTypes(func::FuncOp func) {
  DenseMap<Value, TensorType> elems;
  auto elemOf = [&](Value v) -> TensorType {
    if (!isSeqOrOpt(v.getType()))
      return dyn_cast<TensorType>(v.getType());
    return elems.lookup(v);
  };
  // What flows into each sequence or optional value, from its producer.
  auto flowsInto = [&](Value v) -> TensorType {
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      auto loop = dyn_cast<OnnxLoopOp>(arg.getOwner()->getParentOp());
      if (!loop || arg.getArgNumber() < 2)
        return elementTypeOf(v.getType());
      unsigned k = arg.getArgNumber() - 2;
      Operation *yield = loop.getBody().front().getTerminator();
      return joinElementTypes(elemOf(loop.getVInitial()[k]),
                              elemOf(yield->getOperand(k + 1)));
    }
    Operation *def = v.getDefiningOp();
    if (auto loop = dyn_cast<OnnxLoopOp>(def)) {
      unsigned k = cast<OpResult>(v).getResultNumber();
      return elemOf(loop.getBody().getArgument(k + 2));
    }
    if (auto ifOp = dyn_cast<OnnxIfOp>(def)) {
      unsigned j = cast<OpResult>(v).getResultNumber();
      TensorType joined;
      for (Region *r : {&ifOp.getThenBranch(), &ifOp.getElseBranch()})
        joined = joinElementTypes(
            joined, elemOf(r->front().getTerminator()->getOperand(j)));
      return joined;
    }
    if (isa<OnnxSequenceEmptyOp>(def) ||
        (isa<OnnxOptionalOp>(def) && isNoValue(def->getOperand(0))))
      return TensorType();
    if (isa<OnnxSequenceConstructOp>(def)) {
      TensorType joined;
      for (Value in : def->getOperands())
        joined = joinElementTypes(joined, elemOf(in));
      return joined;
    }
    if (auto insert = dyn_cast<OnnxSequenceInsertOp>(def))
      return joinElementTypes(elemOf(insert.getInputSequence()),
                              elemOf(insert.getTensor()));
    if (isa<OnnxSequenceEraseOp, OnnxIdentityOp, OnnxOptionalOp,
            OnnxOptionalGetElementOp>(def))
      return elemOf(def->getOperand(0));
    return elementTypeOf(v.getType());
  };
  SmallVector<Value> values;
  func.walk([&](Operation *op) {
    for (Value r : op->getResults())
      if (isSeqOrOpt(r.getType()))
        values.push_back(r);
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (Value a : block.getArguments())
          if (isSeqOrOpt(a.getType()))
            values.push_back(a);
  });
  if (values.empty())
    return false;
  // Each value's type only moves up the lattice (unknown, a type, dims
  // made dynamic, unranked): a few rounds reach the fixpoint.
  for (bool changed = true; changed;) {
    changed = false;
    for (Value v : values) {
      TensorType t = joinElementTypes(elems.lookup(v), flowsInto(v));
      if (t != elems.lookup(v)) {
        elems[v] = t;
        changed = true;
      }
    }
  }
  bool refinedAny = false;
  for (Value v : values)
    if (TensorType t = elems.lookup(v)) {
      Type want = withElementType(v.getType(), t);
      if (want != v.getType()) {
        v.setType(want);
        refinedAny = true;
      }
    }
  // Reads of an element of unknown rank take the sequence's.
  func.walk([&](Operation *op) {
    if (!isa<OnnxSequenceAtOp, OnnxOptionalGetElementOp>(op) ||
        isSeqOrOpt(op->getResult(0).getType()) ||
        isa<RankedTensorType>(op->getResult(0).getType()))
      return;
    auto t = dyn_cast_or_null<RankedTensorType>(
        elementTypeOf(op->getOperand(0).getType()));
    auto res = cast<TensorType>(op->getResult(0).getType());
    if (t && t.getElementType() == res.getElementType()) {
      op->getResult(0).setType(t);
      refinedAny = true;
    }
  });
  if (refinedAny) {
    Operation *ret = func.getBody().back().getTerminator();
    func.setFunctionType(FunctionType::get(
        func.getContext(), func.getArgumentTypes(), ret->getOperandTypes()));
  }
  return refinedAny;
}

struct OnnxResolveSequencesPass
    : kiln::impl::OnnxResolveSequencesPassBase<OnnxResolveSequencesPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    bool hasAny = false;
    func.walk([&](Operation *op) {
      // Opset 18 optional ops also take plain tensors or nothing.
      hasAny |= touchesSeqOrOpt(op) ||
                isa<OnnxOptionalHasElementOp, OnnxOptionalGetElementOp>(op);
      return hasAny ? WalkResult::interrupt() : WalkResult::advance();
    });
    if (!hasAny)
      return;
    bool refined = false;
    if (failed(Resolver(func).run(refined)))
      return signalPassFailure();
    refined |= refineRuntimeTypes(func);
    // Elements are often more precise than the merged type ONNX inferred
    // for the sequence: let the users (and the function's results) follow.
    if (refined) {
      OpPassManager pm(func::FuncOp::getOperationName());
      pm.addPass(kiln::createOnnxShapeInferencePass());
      if (failed(runPipeline(pm, func)))
        return signalPassFailure();
    }
  }
};

} // namespace
