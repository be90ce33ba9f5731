//===- Loops.cpp - onnx to linalg: Loop and Scan --------------------------===//
//
// Loop becomes scf.while, Scan scf.for. As for If, the body block moves
// into the new loop unchanged and the conversion driver lowers the onnx ops
// inside it afterwards (they were collected before these patterns ran), so
// only the block arguments and the onnx.Yield are rewritten here.
//
// Per-iteration (scan) outputs are stacked along a new leading dim in a
// loop-carried buffer. The buffer starts empty and is allocated when the
// first row arrives, with that row's shape, so row dims only known inside
// the body need no separate computation; a Loop whose iteration count is not
// known up front (no trip count) doubles it when full.
//
// ONNX shape inference often leaves loop-carried values of a body untyped:
// such block arguments get the rank of the outer value and the body's
// result types are re-inferred before it is lowered.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/YieldedValues.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

/// The type both `a` and `b` cast to: dims on which they disagree become
/// dynamic. A `b` that is not a ranked tensor adds nothing; null when the
/// ranks differ.
RankedTensorType joinTypes(RankedTensorType a, Type b) {
  auto bt = dyn_cast_or_null<RankedTensorType>(b);
  if (!a || !bt)
    return a;
  if (a.getRank() != bt.getRank())
    return {};
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(a.getShape(), bt.getShape()))
    shape.push_back(x == y ? x : ShapedType::kDynamic);
  return RankedTensorType::get(shape, a.getElementType());
}

/// `t` with every dim dynamic.
RankedTensorType anyShape(RankedTensorType t, Type elem) {
  return RankedTensorType::get(
      SmallVector<int64_t>(t.getRank(), ShapedType::kDynamic), elem);
}

/// Gives body arguments of unknown rank the rank of `hints` (the outer
/// values they stand for, dims left open since they may change across
/// iterations) and re-infers the result types of the body ops from them.
void refineBody(ConversionPatternRewriter &rewriter, Block &body,
                ArrayRef<Type> hints) {
  bool changed = false;
  for (auto [arg, hint] : llvm::zip(body.getArguments(), hints)) {
    auto h = dyn_cast_or_null<RankedTensorType>(hint);
    auto u = dyn_cast<UnrankedTensorType>(arg.getType());
    if (!h || !u)
      continue;
    arg.setType(anyShape(h, u.getElementType()));
    changed = true;
  }
  if (!changed)
    return;
  // Pre-order: a region op's nested ops come after the values they use.
  body.walk<WalkOrder::PreOrder>([&](OnnxShapeInference op) {
    rewriter.modifyOpInPlace(op.getOperation(),
                             [&] { (void)op.inferShapes(); });
  });
}

/// The type of the buffer stacking rows of type `row` along a new dim 0.
RankedTensorType stackedType(RankedTensorType row) {
  SmallVector<int64_t> shape{ShapedType::kDynamic};
  llvm::append_range(shape, row.getShape());
  return RankedTensorType::get(shape, row.getElementType());
}

/// An empty stack of rows of type `row` (dynamic row dims are 0).
Value emptyStack(OpBuilder &b, Location loc, RankedTensorType row) {
  SmallVector<OpFoldResult> sizes(row.getRank() + 1, b.getIndexAttr(0));
  return createEmpty(b, loc, stackedType(row), sizes);
}

Value sliceAt(OpBuilder &b, Location loc, Value t, int64_t axis, Value pos);

/// Writes `row` as row `pos` of `buf`. The row is copied into the slice by
/// a linalg.copy, which bufferizes in place into the subview (a plain
/// insert_slice would become a memref.copy that, with dynamic sizes, calls
/// a runtime library function).
Value insertRow(OpBuilder &b, Location loc, Value row, Value buf, Value pos) {
  auto bufTy = cast<RankedTensorType>(buf.getType());
  Value slice = sliceAt(b, loc, buf, 0, pos);
  Value copied = linalg::CopyOp::create(
                     b, loc, castTo(b, loc, row, slice.getType()), slice)
                     .getResult(0);
  SmallVector<OpFoldResult> offsets(bufTy.getRank(), b.getIndexAttr(0));
  offsets[0] = pos;
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, buf);
  sizes[0] = b.getIndexAttr(1);
  SmallVector<OpFoldResult> ones(bufTy.getRank(), b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, loc, copied, buf, offsets, sizes,
                                       ones);
}

/// Writes `row` at index `pos` of the stack `buf`, of which `written` rows
/// are filled so far. When `written` reaches the capacity of `buf`, it is
/// first replaced by one of max(written + 1, `capacity`) rows shaped like
/// `row`, keeping the rows written so far.
Value appendRow(OpBuilder &b, Location loc, Value buf, Value row, Value pos,
                Value written, Value capacity) {
  auto bufTy = cast<RankedTensorType>(buf.getType());
  Value cap = tensor::DimOp::create(b, loc, buf, 0);
  Value full =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, written, cap);
  auto ifOp = scf::IfOp::create(b, loc, TypeRange{bufTy}, full,
                                /*withElseRegion=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    Value one = cIdx(b, loc, 1);
    Value newCap = arith::MaxUIOp::create(
        b, loc, arith::AddIOp::create(b, loc, written, one), capacity);
    SmallVector<OpFoldResult> sizes{newCap};
    llvm::append_range(sizes, sizesOf(b, loc, row));
    Value grown = createEmpty(b, loc, bufTy, sizes);
    SmallVector<OpFoldResult> kept = sizesOf(b, loc, buf);
    kept[0] = written;
    SmallVector<OpFoldResult> zeros(bufTy.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> ones(bufTy.getRank(), b.getIndexAttr(1));
    Value prefix =
        tensor::ExtractSliceOp::create(b, loc, buf, zeros, kept, ones);
    grown =
        tensor::InsertSliceOp::create(b, loc, prefix, grown, zeros, kept, ones);
    scf::YieldOp::create(b, loc, grown);
    b.setInsertionPointToStart(&ifOp.getElseRegion().front());
    scf::YieldOp::create(b, loc, buf);
  }
  return insertRow(b, loc, row, ifOp.getResult(0), pos);
}

/// The sizes of `t` if they are all static.
std::optional<SmallVector<OpFoldResult>> staticSizes(OpBuilder &b,
                                                     RankedTensorType t) {
  if (!t.hasStaticShape())
    return std::nullopt;
  SmallVector<OpFoldResult> out;
  for (int64_t d : t.getShape())
    out.push_back(b.getIndexAttr(d));
  return out;
}

/// A loop-carried stack of rows. When the number of rows and their sizes
/// are known before the loop, it is allocated once and the body writes into
/// the loop-carried buffer in place. Otherwise it starts empty and grows in
/// the body (appendRow), a new allocation yielded by the loop, which
/// one-shot-bufferize only accepts with allow-return-allocs-from-loops.
struct Stack {
  Value init;
  bool preallocated;
};

Stack initStack(OpBuilder &b, Location loc, RankedTensorType row, Value rows,
                std::optional<SmallVector<OpFoldResult>> rowSizes) {
  if (!rows || !rowSizes)
    return {emptyStack(b, loc, row), false};
  SmallVector<OpFoldResult> sizes{rows};
  llvm::append_range(sizes, *rowSizes);
  return {createEmpty(b, loc, stackedType(row), sizes), true};
}

Value pushRow(OpBuilder &b, Location loc, const Stack &stack, Value buf,
              Value row, Value pos, Value written, Value capacity) {
  if (stack.preallocated)
    return insertRow(b, loc, row, buf, pos);
  return appendRow(b, loc, buf, row, pos, written, capacity);
}

/// The value a loop yields for the loop-carried `iterArg`. When the value
/// keeps its shape across iterations (`inPlace`), it is copied into
/// iterArg's buffer so that bufferization sees the loop update it in place.
Value carryNext(OpBuilder &b, Location loc, Value next, Value iterArg,
                bool inPlace) {
  next = castTo(b, loc, next, iterArg.getType());
  if (!inPlace || next == iterArg)
    return next;
  return linalg::CopyOp::create(b, loc, next, iterArg).getResult(0);
}

/// A fresh copy of `v`: the first value of a loop-carried buffer the loop
/// updates in place must not be a graph input or a constant.
Value freshCopy(OpBuilder &b, Location loc, Value v) {
  Value init = createEmpty(b, loc, cast<RankedTensorType>(v.getType()),
                           sizesOf(b, loc, v));
  return linalg::CopyOp::create(b, loc, v, init).getResult(0);
}

/// Whether a body argument and the value yielded for it have the same
/// static type: the loop-carried value then keeps its shape.
bool keepsShape(RankedTensorType arg, RankedTensorType yielded) {
  return arg && yielded && arg == yielded && arg.hasStaticShape();
}

/// The first `count` rows of the stack `buf`.
Value takeRows(OpBuilder &b, Location loc, Value buf, Value count) {
  auto ty = cast<RankedTensorType>(buf.getType());
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, buf);
  sizes[0] = count;
  SmallVector<OpFoldResult> zeros(ty.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> ones(ty.getRank(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, buf, zeros, sizes, ones);
}

/// Slice `pos` of `t` along `axis`, without that dim.
Value sliceAt(OpBuilder &b, Location loc, Value t, int64_t axis, Value pos) {
  auto ty = cast<RankedTensorType>(t.getType());
  SmallVector<OpFoldResult> offsets(ty.getRank(), b.getIndexAttr(0));
  offsets[axis] = pos;
  SmallVector<OpFoldResult> sizes = sizesOf(b, loc, t);
  sizes[axis] = b.getIndexAttr(1);
  SmallVector<OpFoldResult> ones(ty.getRank(), b.getIndexAttr(1));
  SmallVector<int64_t> shape(ty.getShape());
  shape.erase(shape.begin() + axis);
  auto resTy = RankedTensorType::get(shape, ty.getElementType());
  return tensor::ExtractSliceOp::create(b, loc, resTy, t, offsets, sizes, ones);
}

/// Moves dim 0 of `t` to position `axis`.
Value moveLeadingDim(OpBuilder &b, Location loc, Value t, int64_t axis) {
  if (axis == 0)
    return t;
  auto ty = cast<RankedTensorType>(t.getType());
  SmallVector<int64_t> perm;
  for (int64_t j = 0; j < ty.getRank(); ++j)
    perm.push_back(j < axis ? j + 1 : j == axis ? 0 : j);
  SmallVector<OpFoldResult> in = sizesOf(b, loc, t), sizes;
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    sizes.push_back(in[p]);
    shape.push_back(ty.getDimSize(p));
  }
  Value init = createEmpty(
      b, loc, RankedTensorType::get(shape, ty.getElementType()), sizes);
  return linalg::TransposeOp::create(b, loc, t, init, perm).getResult()[0];
}

/// `n` steps back from the end of a range of `len`: len - 1 - n.
Value reversed(OpBuilder &b, Location loc, Value len, Value n) {
  return arith::SubIOp::create(
      b, loc, arith::SubIOp::create(b, loc, len, cIdx(b, loc, 1)), n);
}

bool isOneElementTensor(Type t, Type elem) {
  auto rt = dyn_cast<RankedTensorType>(t);
  return rt && rt.getElementType() == elem && rt.hasStaticShape() &&
         rt.getNumElements() == 1;
}

//===----------------------------------------------------------------------===//
// Loop
//===----------------------------------------------------------------------===//

struct LoopLowering : OpConversionPattern<OnnxLoopOp> {
  using OpConversionPattern::OpConversionPattern;

  static constexpr int64_t kMaxPreallocatedRows = 1 << 20;

  LogicalResult
  matchAndRewrite(OnnxLoopOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    const TypeConverter *tc = getTypeConverter();
    if (!op.getBody().hasOneBlock())
      return rewriter.notifyMatchFailure(op, "the body must be one block");
    Block &body = op.getBody().front();
    auto yield = dyn_cast<OnnxYieldOp>(body.getTerminator());
    ValueRange inits = adaptor.getVInitial();
    unsigned nCarried = inits.size();
    if (!yield || body.getNumArguments() != nCarried + 2 ||
        yield.getNumOperands() < nCarried + 1)
      return rewriter.notifyMatchFailure(
          op, "the body must take (iteration, condition, loop-carried values) "
              "and yield (condition, loop-carried values, scan outputs)");
    unsigned nScan = yield.getNumOperands() - 1 - nCarried;
    if (op.getNumResults() != nCarried + nScan)
      return rewriter.notifyMatchFailure(
          op, "expects one result per loop-carried value and scan output");

    Value tripCount = adaptor.getM(), condIn = adaptor.getCond();
    bool hasM = !isNoValue(tripCount);
    bool hasCond = !isNoValue(condIn);
    if (!hasM && !hasCond)
      return rewriter.notifyMatchFailure(
          op, "a Loop with neither trip count nor condition never ends");
    Type i64 = rewriter.getI64Type(), i1 = rewriter.getI1Type();
    if ((hasM && !isOneElementTensor(tripCount.getType(), i64)) ||
        (hasCond && !isOneElementTensor(condIn.getType(), i1)))
      return rewriter.notifyMatchFailure(
          op, "trip count and condition must be one-element tensors");

    SmallVector<Type> hints{RankedTensorType::get({}, i64),
                            RankedTensorType::get({}, i1)};
    for (Value v : inits) {
      if (!isa<RankedTensorType>(v.getType()))
        return rewriter.notifyMatchFailure(
            op, "loop-carried values must be tensors (sequences and "
                "optionals are not supported)");
      hints.push_back(v.getType());
    }
    refineBody(rewriter, body, hints);

    auto converted = [&](Value v) {
      return dyn_cast_or_null<RankedTensorType>(tc->convertType(v.getType()));
    };
    auto iterTy = converted(body.getArgument(0));
    auto condArgTy = converted(body.getArgument(1));
    if (!iterTy || !condArgTy || iterTy.getNumElements() != 1 ||
        condArgTy.getNumElements() != 1)
      return rewriter.notifyMatchFailure(
          op, "the iteration number and condition of the body must be "
              "one-element tensors");
    if (hasCond && !isOneElementTensor(yield.getOperand(0).getType(), i1))
      return rewriter.notifyMatchFailure(
          op, "the body must yield a one-element bool condition");
    SmallVector<RankedTensorType> carriedTys;
    for (unsigned k = 0; k < nCarried; ++k) {
      RankedTensorType t =
          joinTypes(joinTypes(cast<RankedTensorType>(inits[k].getType()),
                              converted(body.getArgument(k + 2))),
                    converted(yield.getOperand(k + 1)));
      if (!t)
        return rewriter.notifyMatchFailure(
            op, "a loop-carried value changes rank across iterations");
      carriedTys.push_back(t);
    }
    SmallVector<RankedTensorType> rowTys;
    for (unsigned j = 0; j < nScan; ++j) {
      auto t = converted(yield.getOperand(1 + nCarried + j));
      auto res = dyn_cast_or_null<RankedTensorType>(
          tc->convertType(op.getResult(nCarried + j).getType()));
      if (!t || (res && res.getRank() != t.getRank() + 1))
        return rewriter.notifyMatchFailure(
            op, "scan outputs must be tensors of known rank");
      rowTys.push_back(t);
    }

    // Loop state: iteration number, condition, carried values, stacks.
    Value zero =
        arith::ConstantOp::create(rewriter, loc, rewriter.getI64IntegerAttr(0));
    Value trueV =
        arith::ConstantOp::create(rewriter, loc, rewriter.getBoolAttr(true));
    Value limit = hasM ? extractScalar(rewriter, loc, tripCount) : Value();
    SmallVector<Value> initVals{
        zero, hasCond ? extractScalar(rewriter, loc, condIn) : trueV};
    SmallVector<bool> inPlace;
    for (unsigned k = 0; k < nCarried; ++k) {
      inPlace.push_back(keepsShape(converted(body.getArgument(k + 2)),
                                   converted(yield.getOperand(k + 1))));
      Value v = adapt(rewriter, loc, inits[k], carriedTys[k]);
      initVals.push_back(inPlace[k] ? freshCopy(rewriter, loc, v) : v);
    }
    // Stacks get M rows up front, unless M is a constant so large that it
    // can only be a bound on a condition-driven loop (exporters use
    // INT64_MAX); those grow instead.
    Value rows;
    if (hasM) {
      auto constM = getConstantInts(tripCount);
      if (!hasCond || !constM || (*constM)[0] <= kMaxPreallocatedRows)
        rows =
            arith::MaxSIOp::create(rewriter, loc, toIndex(rewriter, loc, limit),
                                   cIdx(rewriter, loc, 0));
    }
    SmallVector<Stack> stacks;
    for (RankedTensorType t : rowTys) {
      stacks.push_back(
          initStack(rewriter, loc, t, rows, staticSizes(rewriter, t)));
      initVals.push_back(stacks.back().init);
    }
    SmallVector<Type> stateTys =
        llvm::to_vector(ValueRange(initVals).getTypes());

    auto whileOp = scf::WhileOp::create(
        rewriter, loc, stateTys, initVals,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value go = args[1];
          if (hasM)
            go = arith::AndIOp::create(
                b, l, go,
                arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, args[0],
                                      limit));
          scf::ConditionOp::create(b, l, go, args);
        },
        nullptr);

    // The body: block arguments from the loop state.
    Block *after = &whileOp.getAfter().front();
    rewriter.setInsertionPointToStart(after);
    ValueRange state = after->getArguments();
    Value iter = state[0];
    SmallVector<Value> argValues;
    argValues.push_back(adapt(
        rewriter, loc,
        tensor::FromElementsOp::create(rewriter, loc, iterTy, ValueRange{iter}),
        cast<RankedTensorType>(body.getArgument(0).getType())));
    argValues.push_back(
        adapt(rewriter, loc,
              tensor::FromElementsOp::create(rewriter, loc, condArgTy,
                                             ValueRange{state[1]}),
              cast<RankedTensorType>(body.getArgument(1).getType())));
    for (unsigned k = 0; k < nCarried; ++k) {
      Type argTy = body.getArgument(k + 2).getType();
      // A run-time sequence or optional (SequenceOps.cpp): the body's ops
      // are converted later and take the handle back from this cast.
      if (isSeqOrOpt(argTy))
        argValues.push_back(UnrealizedConversionCastOp::create(
                                rewriter, loc, argTy, state[2 + k])
                                .getResult(0));
      else
        argValues.push_back(
            adapt(rewriter, loc, state[2 + k], cast<RankedTensorType>(argTy)));
    }
    rewriter.inlineBlockBefore(&body, after, after->end(), argValues);

    // The yield: next condition, carried values and stacks.
    rewriter.setInsertionPoint(yield);
    auto yielded = [&](unsigned i) {
      return resolveYielded(rewriter, yield.getOperand(i), whileOp.getAfter(),
                            body, argValues);
    };
    SmallVector<Value> next{
        arith::AddIOp::create(
            rewriter, loc, iter,
            arith::ConstantOp::create(rewriter, loc,
                                      rewriter.getI64IntegerAttr(1))),
        hasCond ? extractScalar(rewriter, loc, yielded(0)) : trueV};
    // Rows are stacked first: they may read carried buffers that the
    // in-place updates below overwrite.
    SmallVector<Value> pushed;
    Value pos = arith::IndexCastOp::create(rewriter, loc,
                                           rewriter.getIndexType(), iter);
    for (unsigned j = 0; j < nScan; ++j) {
      Value buf = state[2 + nCarried + j];
      Value row = adapt(rewriter, loc, yielded(1 + nCarried + j), rowTys[j]);
      // A growing stack doubles when full.
      Value capacity =
          stacks[j].preallocated
              ? Value()
              : arith::MulIOp::create(
                    rewriter, loc, tensor::DimOp::create(rewriter, loc, buf, 0),
                    cIdx(rewriter, loc, 2));
      pushed.push_back(
          pushRow(rewriter, loc, stacks[j], buf, row, pos, pos, capacity));
    }
    for (unsigned k = 0; k < nCarried; ++k)
      next.push_back(carryNext(
          rewriter, loc, adapt(rewriter, loc, yielded(k + 1), carriedTys[k]),
          state[2 + k], inPlace[k]));
    llvm::append_range(next, pushed);
    rewriter.replaceOpWithNewOp<scf::YieldOp>(yield, next);

    // Results: final carried values and the rows written.
    rewriter.setInsertionPointAfter(whileOp);
    Value count = arith::IndexCastOp::create(
        rewriter, loc, rewriter.getIndexType(), whileOp.getResult(0));
    SmallVector<Value> results;
    for (unsigned i = 0; i < nCarried + nScan; ++i) {
      Value r = whileOp.getResult(2 + i);
      if (i >= nCarried)
        r = takeRows(rewriter, loc, r, count);
      if (auto resTy = dyn_cast_or_null<RankedTensorType>(
              tc->convertType(op.getResult(i).getType())))
        r = castTo(rewriter, loc, r, resTy);
      results.push_back(r);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Scan
//===----------------------------------------------------------------------===//

/// Axes and directions of a Scan, normalized.
struct ScanConfig {
  SmallVector<int64_t> inAxes, inReverse, outAxes, outReverse;
  /// Per state: whether it keeps its shape (updated in place).
  SmallVector<bool> stateInPlace;
};

struct ScanLowering : OpConversionPattern<OnnxScanOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OnnxScanOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    const TypeConverter *tc = getTypeConverter();
    // Scan-8 has a leading sequence_lens input and a batch dim on every
    // input and output; its scan axis is 1.
    int64_t opset = opsetOf(op);
    bool batched = opset >= 0 && opset < 9;
    SmallVector<Value> operands(adaptor.getInitialStateAndScanInputs());
    if (batched) {
      if (operands.empty() || !isNoValue(operands[0]))
        return rewriter.notifyMatchFailure(
            op, "Scan-8 with sequence_lens is not supported");
      operands.erase(operands.begin());
    }
    int64_t nIn = op.getNumScanInputs();
    if (nIn < 1 || nIn > (int64_t)operands.size())
      return rewriter.notifyMatchFailure(op, "invalid num_scan_inputs");
    unsigned nState = operands.size() - nIn;
    if (!op.getBody().hasOneBlock())
      return rewriter.notifyMatchFailure(op, "the body must be one block");
    Block &body = op.getBody().front();
    auto yield = dyn_cast<OnnxYieldOp>(body.getTerminator());
    if (!yield || body.getNumArguments() != operands.size() ||
        yield.getNumOperands() < nState ||
        op.getNumResults() != yield.getNumOperands())
      return rewriter.notifyMatchFailure(
          op, "the body must take the states and one slice per scan input, "
              "and yield the states and one row per scan output");
    unsigned nOut = yield.getNumOperands() - nState;
    for (Value v : operands)
      if (!isa<RankedTensorType>(v.getType()))
        return rewriter.notifyMatchFailure(
            op, "states and scan inputs must be tensors (sequences and "
                "optionals are not supported)");

    FailureOr<ScanConfig> cfg = config(op, operands, nState, nOut, batched);
    if (failed(cfg))
      return rewriter.notifyMatchFailure(
          op, "scan axes and directions must have one valid entry per scan "
              "input/output");

    // Without the batch dim (Scan-8), the types the body sees.
    auto unbatched = [&](Value v) {
      auto t = cast<RankedTensorType>(v.getType());
      return batched ? RankedTensorType::get(t.getShape().drop_front(),
                                             t.getElementType())
                     : t;
    };
    SmallVector<Type> hints;
    for (unsigned i = 0; i < operands.size(); ++i) {
      RankedTensorType t = unbatched(operands[i]);
      if (i >= nState) {
        int64_t axis = cfg->inAxes[i - nState];
        if (axis >= t.getRank())
          return rewriter.notifyMatchFailure(op, "scan axis out of range");
        SmallVector<int64_t> shape(t.getShape());
        shape.erase(shape.begin() + axis);
        t = RankedTensorType::get(shape, t.getElementType());
      }
      hints.push_back(t);
    }
    refineBody(rewriter, body, hints);

    auto converted = [&](Type t) {
      return dyn_cast_or_null<RankedTensorType>(tc->convertType(t));
    };
    SmallVector<RankedTensorType> stateTys, rowTys;
    for (unsigned k = 0; k < nState; ++k) {
      RankedTensorType t =
          joinTypes(joinTypes(unbatched(operands[k]),
                              converted(body.getArgument(k).getType())),
                    converted(yield.getOperand(k).getType()));
      if (!t)
        return rewriter.notifyMatchFailure(
            op, "a state changes rank across iterations");
      stateTys.push_back(t);
      cfg->stateInPlace.push_back(
          keepsShape(converted(body.getArgument(k).getType()),
                     converted(yield.getOperand(k).getType())));
    }
    for (unsigned j = 0; j < nOut; ++j) {
      auto t = converted(yield.getOperand(nState + j).getType());
      if (!t)
        return rewriter.notifyMatchFailure(
            op, "scan outputs must be tensors of known rank");
      if (cfg->outAxes[j] > t.getRank())
        return rewriter.notifyMatchFailure(op, "scan output axis out of range");
      rowTys.push_back(t);
    }
    for (unsigned i = 0; i < op.getNumResults(); ++i) {
      auto res = converted(op.getResult(i).getType());
      int64_t rank =
          i < nState ? stateTys[i].getRank() : rowTys[i - nState].getRank() + 1;
      if (!res || res.getRank() != rank + (batched ? 1 : 0))
        return rewriter.notifyMatchFailure(
            op, "results must be tensors of the rank the body implies");
    }

    SmallVector<Value> results;
    if (!batched) {
      results = emitScan(rewriter, loc, op, body, yield, operands, nState,
                         stateTys, rowTys, *cfg);
    } else {
      results = emitBatched(rewriter, loc, op, body, yield, operands, nState,
                            stateTys, rowTys, *cfg);
    }
    for (unsigned i = 0; i < results.size(); ++i)
      results[i] = castTo(rewriter, loc, results[i],
                          converted(op.getResult(i).getType()));
    rewriter.replaceOp(op, results);
    return success();
  }

private:
  static FailureOr<ScanConfig> config(OnnxScanOp op, ArrayRef<Value> operands,
                                      unsigned nState, unsigned nOut,
                                      bool batched) {
    unsigned nIn = operands.size() - nState;
    ScanConfig c;
    SmallVector<int64_t> zerosIn(nIn, 0), zerosOut(nOut, 0);
    if (batched) {
      c.inReverse = toInts(op.getDirections(), zerosIn);
      c.inAxes = zerosIn;
      c.outReverse = zerosOut;
      c.outAxes = zerosOut;
    } else {
      c.inReverse = toInts(op.getScanInputDirections(), zerosIn);
      c.inAxes = toInts(op.getScanInputAxes(), zerosIn);
      c.outReverse = toInts(op.getScanOutputDirections(), zerosOut);
      c.outAxes = toInts(op.getScanOutputAxes(), zerosOut);
    }
    if (c.inReverse.size() != nIn || c.inAxes.size() != nIn ||
        c.outReverse.size() != nOut || c.outAxes.size() != nOut)
      return failure();
    for (auto [i, a] : llvm::enumerate(c.inAxes)) {
      int64_t rank =
          cast<RankedTensorType>(operands[nState + i].getType()).getRank();
      if (a < -rank || a >= rank)
        return failure();
      a = normalizeAxis(a, rank);
    }
    for (auto [j, a] : llvm::enumerate(c.outAxes)) {
      // Output ranks are checked against the body once it is refined; a
      // negative axis counts from the end of (row rank + 1).
      auto row = dyn_cast<RankedTensorType>(op.getBody()
                                                .front()
                                                .getTerminator()
                                                ->getOperand(nState + j)
                                                .getType());
      if (a < 0) {
        if (!row || a < -(row.getRank() + 1))
          return failure();
        a += row.getRank() + 1;
      }
    }
    for (int64_t d : llvm::concat<int64_t>(c.inReverse, c.outReverse))
      if (d != 0 && d != 1)
        return failure();
    return c;
  }

  /// Scan-8: the scan of each batch entry, stacked.
  static SmallVector<Value>
  emitBatched(ConversionPatternRewriter &rewriter, Location loc, OnnxScanOp op,
              Block &body, OnnxYieldOp yield, ArrayRef<Value> operands,
              unsigned nState, ArrayRef<RankedTensorType> stateTys,
              ArrayRef<RankedTensorType> rowTys, const ScanConfig &cfg) {
    Value batch = tensor::DimOp::create(rewriter, loc, operands[0], 0);
    // Per batch entry: final states and the stacked outputs.
    SmallVector<RankedTensorType> entryTys(stateTys);
    for (RankedTensorType t : rowTys)
      entryTys.push_back(stackedType(t));
    // An entry's output rows: as many as the scan axis (1) is long.
    Value len = tensor::DimOp::create(rewriter, loc, operands[nState], 1);
    SmallVector<Stack> stacks;
    SmallVector<Value> inits;
    for (auto [i, t] : llvm::enumerate(entryTys)) {
      std::optional<SmallVector<OpFoldResult>> sizes;
      if (i < nState) {
        // A state that keeps its shape has the one the body declares.
        sizes = staticSizes(rewriter, cfg.stateInPlace[i]
                                          ? cast<RankedTensorType>(
                                                body.getArgument(i).getType())
                                          : t);
      } else if (auto row = staticSizes(rewriter, rowTys[i - nState])) {
        sizes = SmallVector<OpFoldResult>{len};
        llvm::append_range(*sizes, *row);
      }
      stacks.push_back(initStack(rewriter, loc, t, batch, sizes));
      inits.push_back(stacks.back().init);
    }
    auto forOp = scf::ForOp::create(rewriter, loc, cIdx(rewriter, loc, 0),
                                    batch, cIdx(rewriter, loc, 1), inits);
    rewriter.setInsertionPointToStart(forOp.getBody());
    Value b = forOp.getInductionVar();
    SmallVector<Value> entry;
    for (Value v : operands)
      entry.push_back(sliceAt(rewriter, loc, v, 0, b));
    SmallVector<Value> out = emitScan(rewriter, loc, op, body, yield, entry,
                                      nState, stateTys, rowTys, cfg);
    SmallVector<Value> next;
    for (auto [stack, buf, v] :
         llvm::zip(stacks, forOp.getRegionIterArgs(), out))
      next.push_back(pushRow(rewriter, loc, stack, buf, v, b, b, batch));
    scf::YieldOp::create(rewriter, loc, next);
    rewriter.setInsertionPointAfter(forOp);
    return SmallVector<Value>(forOp.getResults());
  }

  /// The scan proper: final states, then the stacked outputs with their
  /// scan axes in place.
  static SmallVector<Value>
  emitScan(ConversionPatternRewriter &rewriter, Location loc, OnnxScanOp op,
           Block &body, OnnxYieldOp yield, ArrayRef<Value> operands,
           unsigned nState, ArrayRef<RankedTensorType> stateTys,
           ArrayRef<RankedTensorType> rowTys, const ScanConfig &cfg) {
    unsigned nIn = operands.size() - nState, nOut = rowTys.size();
    Value len =
        tensor::DimOp::create(rewriter, loc, operands[nState], cfg.inAxes[0]);
    SmallVector<Value> inits;
    ArrayRef<bool> inPlace = cfg.stateInPlace;
    for (unsigned k = 0; k < nState; ++k) {
      Value v = adapt(rewriter, loc, operands[k], stateTys[k]);
      inits.push_back(inPlace[k] ? freshCopy(rewriter, loc, v) : v);
    }
    SmallVector<Stack> stacks;
    for (RankedTensorType t : rowTys) {
      stacks.push_back(
          initStack(rewriter, loc, t, len, staticSizes(rewriter, t)));
      inits.push_back(stacks.back().init);
    }
    auto forOp = scf::ForOp::create(rewriter, loc, cIdx(rewriter, loc, 0), len,
                                    cIdx(rewriter, loc, 1), inits);
    Block *loopBody = forOp.getBody();
    rewriter.setInsertionPointToStart(loopBody);
    Value t = forOp.getInductionVar();
    Value back = reversed(rewriter, loc, len, t);
    ValueRange iterArgs = forOp.getRegionIterArgs();
    SmallVector<Value> argValues;
    for (unsigned k = 0; k < nState; ++k)
      argValues.push_back(
          adapt(rewriter, loc, iterArgs[k],
                cast<RankedTensorType>(body.getArgument(k).getType())));
    for (unsigned i = 0; i < nIn; ++i) {
      Value slice = sliceAt(rewriter, loc, operands[nState + i], cfg.inAxes[i],
                            cfg.inReverse[i] ? back : t);
      argValues.push_back(adapt(
          rewriter, loc, slice,
          cast<RankedTensorType>(body.getArgument(nState + i).getType())));
    }
    // scf.for built without a body builder has no terminator yet.
    rewriter.inlineBlockBefore(&body, loopBody, loopBody->end(), argValues);

    rewriter.setInsertionPoint(yield);
    auto yielded = [&](unsigned i) {
      return resolveYielded(rewriter, yield.getOperand(i), forOp.getRegion(),
                            body, argValues);
    };
    // Rows are stacked first: they may read state buffers that the in-place
    // updates below overwrite.
    SmallVector<Value> pushed, next;
    for (unsigned j = 0; j < nOut; ++j) {
      Value row = adapt(rewriter, loc, yielded(nState + j), rowTys[j]);
      pushed.push_back(pushRow(rewriter, loc, stacks[j], iterArgs[nState + j],
                               row, cfg.outReverse[j] ? back : t, t, len));
    }
    for (unsigned k = 0; k < nState; ++k)
      next.push_back(carryNext(rewriter, loc,
                               adapt(rewriter, loc, yielded(k), stateTys[k]),
                               iterArgs[k], inPlace[k]));
    llvm::append_range(next, pushed);
    rewriter.replaceOpWithNewOp<scf::YieldOp>(yield, next);

    rewriter.setInsertionPointAfter(forOp);
    SmallVector<Value> results(forOp.getResults());
    for (unsigned j = 0; j < nOut; ++j)
      results[nState + j] =
          moveLeadingDim(rewriter, loc, results[nState + j], cfg.outAxes[j]);
    return results;
  }
};

} // namespace

void kiln::populateLoopsPatterns(TypeConverter &tc,
                                 RewritePatternSet &patterns) {
  patterns.add<LoopLowering, ScanLowering>(tc, patterns.getContext());
}
