//===- SequenceOps.cpp - onnx to linalg: run-time sequences ---------------===//
//
// The sequences and optionals kiln-resolve-sequences leaves in the graph are
// those only the run can decide: their length, an insertion position, an
// optional's presence. Each is a run-time value, a kiln_run_sequence_t
// (kiln_abi.h) in the run's memory whose address the code carries in a
// tensor<i64> (0: an absent optional; an optional tensor is a sequence of
// that one tensor). So Loop (scf.while), If (scf.if) and the function's
// results carry them as they carry any scalar tensor, and the runtime reads
// a graph output of this kind from its one int64 slot
// (KILN_VALUE_FLAG_RUNTIME). The work on them is done by the kiln_seq_*
// functions of compiler/artifact/support/kiln_sequences.c:
//
// - a sequence is immutable: SequenceInsert and SequenceErase make a new one
//   sharing the tensors, in a block allocated from the run's arena (like new
//   strings: buffer deallocation never frees it, the arena does when the run
//   ends, after the runtime has copied the outputs);
// - a tensor is copied in when inserted (kiln_seq_tensor_store_<type>, from
//   its buffer passed as an unranked memref) and copied out into a new
//   buffer by SequenceAt (kiln_seq_tensor_load_<type>);
// - positions, and the rank and static dims an element must have for the
//   op's result type, are checked at run time, with ONNX Runtime's messages.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/StringSupport.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

/// Ranks the support library's copies handle (its index array).
constexpr int64_t kMaxElementRank = 64;

RankedTensorType handleType(MLIRContext *ctx) {
  return RankedTensorType::get({}, IntegerType::get(ctx, 64));
}

Value i64Const(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
}

/// The address a converted handle holds.
Value addressOf(OpBuilder &b, Location loc, Value handle) {
  return tensor::ExtractOp::create(b, loc, handle, ValueRange{});
}

Value toHandle(OpBuilder &b, Location loc, Value address) {
  return tensor::FromElementsOp::create(b, loc, handleType(b.getContext()),
                                        ValueRange{address});
}

/// Calls kiln_seq_`name`(args) -> i64, declaring it on first use.
Value callSeq(OpBuilder &b, Operation *anchor, StringRef name,
              ValueRange args) {
  std::string fn = ("kiln_seq_" + name).str();
  declareSupport(b, anchor, fn, args.getTypes(), b.getI64Type());
  return callSupport(b, anchor->getLoc(), fn, b.getI64Type(), args);
}

/// The suffix of the typed support functions for memref elements of `t`.
std::string typeSuffix(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  t.print(os);
  return s;
}

/// Bytes per element of `t` in memory (i1 takes one).
int64_t elemBytes(Type t) {
  return std::max<int64_t>(1, t.getIntOrFloatBitWidth() / 8);
}

bool supportedElement(Type t) {
  return t.isInteger(1) || t.isInteger(8) || t.isInteger(16) ||
         t.isInteger(32) || t.isInteger(64) || t.isF16() || t.isBF16() ||
         t.isF32() || t.isF64();
}

/// The ONNX element type code of the elements of a sequence or optional
/// type (of its tensors).
int64_t elemTypeCodeOf(Type seqOrOpt) {
  if (auto opt = dyn_cast<OptType>(seqOrOpt))
    seqOrOpt = opt.getElementType();
  if (auto seq = dyn_cast<SeqType>(seqOrOpt))
    return onnxDataTypeOf(seq.getElementType().getElementType());
  return onnxDataTypeOf(cast<TensorType>(seqOrOpt).getElementType());
}

/// The buffer of `t` (converted) as an unranked memref, for a call.
Value unrankedBuffer(OpBuilder &b, Location loc, Value t) {
  auto tt = cast<RankedTensorType>(t.getType());
  auto layout = StridedLayoutAttr::get(
      b.getContext(), ShapedType::kDynamic,
      SmallVector<int64_t>(tt.getRank(), ShapedType::kDynamic));
  auto memTy = MemRefType::get(tt.getShape(), tt.getElementType(), layout);
  Value m = bufferization::ToBufferOp::create(b, loc, memTy, t,
                                              /*read_only=*/true);
  return memref::CastOp::create(
      b, loc, UnrankedMemRefType::get(tt.getElementType(), 0), m);
}

/// A copy of tensor `t` (converted, of ONNX element type `code`) in the
/// run's memory, as the address of its kiln_run_tensor_t.
Value storeTensor(OpBuilder &b, Operation *anchor, Value t, int64_t code) {
  Location loc = anchor->getLoc();
  Type elem = cast<RankedTensorType>(t.getType()).getElementType();
  Value u = unrankedBuffer(b, loc, t);
  std::string suffix = typeSuffix(elem);
  Value size = i64Const(b, loc, elemBytes(elem));
  Value bytes = callSeq(b, anchor, "tensor_bytes_" + suffix, {size, u});
  Value block = allocRunBytes(b, anchor, bytes);
  return callSeq(b, anchor, "tensor_store_" + suffix,
                 {block, i64Const(b, loc, code), size, u});
}

/// A sequence of `length` (i64) tensors of ONNX element type `code`, whose
/// elements the caller sets (kiln_seq_set) before anything reads them.
Value newSequence(OpBuilder &b, Operation *anchor, int64_t code, Value length) {
  Value block = allocRunBytes(b, anchor, callSeq(b, anchor, "bytes", length));
  return callSeq(b, anchor, "init",
                 {block, i64Const(b, anchor->getLoc(), code), length});
}

/// An empty sequence of tensors of ONNX element type `code`.
Value emptySequence(OpBuilder &b, Operation *anchor, int64_t code) {
  return newSequence(b, anchor, code, i64Const(b, anchor->getLoc(), 0));
}

/// `seq` with the tensor at `tensorAddr` inserted before `pos` (checked).
Value insertAt(OpBuilder &b, Operation *anchor, Value seq, Value pos,
               Value tensorAddr) {
  Location loc = anchor->getLoc();
  Value n = callSeq(b, anchor, "length", seq);
  Value next = arith::AddIOp::create(b, loc, n, i64Const(b, loc, 1));
  Value block = allocRunBytes(b, anchor, callSeq(b, anchor, "bytes", next));
  return callSeq(b, anchor, "insert", {block, seq, pos, tensorAddr});
}

/// A position of the sequence `seq` of length `n` (i64), negative ones
/// counting from the back, checked to lie in [-n, n) (or [-n, n] when
/// `allowEnd`): ONNX Runtime's message when not.
Value checkedPosition(OpBuilder &b, Operation *op, Value pos, Value n,
                      bool allowEnd) {
  Location loc = op->getLoc();
  Value p = extractScalar(b, loc, pos);
  if (p.getType() != b.getI64Type())
    p = arith::ExtSIOp::create(b, loc, b.getI64Type(), p);
  Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, p,
                                    i64Const(b, loc, 0));
  Value wrapped = arith::SelectOp::create(
      b, loc, neg, arith::AddIOp::create(b, loc, p, n), p);
  Value lo = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, wrapped,
                                   i64Const(b, loc, 0));
  Value hi = arith::CmpIOp::create(
      b, loc, allowEnd ? arith::CmpIPredicate::sle : arith::CmpIPredicate::slt,
      wrapped, n);
  check(b, loc, op, arith::AndIOp::create(b, loc, lo, hi),
        checkMessage(b, op, "Invalid sequence index specified",
                     /*INVALID_ARGUMENT*/ 2));
  return wrapped;
}

/// The tensor at `tensorAddr` as a tensor of type `resTy` (converted): its
/// rank and static dims are checked, its data copied into a new buffer.
FailureOr<Value> loadTensor(ConversionPatternRewriter &b, Operation *op,
                            Value tensorAddr, RankedTensorType resTy) {
  Location loc = op->getLoc();
  Type elem = resTy.getElementType();
  int64_t rank = resTy.getRank();
  Value rankOk = arith::CmpIOp::create(
      b, loc, arith::CmpIPredicate::eq,
      callSeq(b, op, "tensor_rank", tensorAddr), i64Const(b, loc, rank));
  std::string want = "a tensor of rank " + std::to_string(rank);
  check(b, loc, op, rankOk,
        checkMessage(b, op,
                     "the sequence element is not " + want +
                         ", which the model's types say it is",
                     1));
  SmallVector<Value> dynSizes;
  Value dimsOk = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
  for (int64_t d = 0; d < rank; ++d) {
    // After a failed rank check the run has left; the reads stay in bounds
    // of a rank-0 element's dims only because it never gets here.
    Value size =
        callSeq(b, op, "tensor_dim", {tensorAddr, i64Const(b, loc, d)});
    if (resTy.isDynamicDim(d)) {
      dynSizes.push_back(toIndex(b, loc, size));
      continue;
    }
    dimsOk = arith::AndIOp::create(
        b, loc, dimsOk,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, size,
                              i64Const(b, loc, resTy.getDimSize(d))));
  }
  if (resTy.hasStaticShape() || rank != (int64_t)dynSizes.size())
    check(b, loc, op, dimsOk,
          checkMessage(b, op,
                       "the sequence element's shape differs from the one "
                       "the model's types give it",
                       1));
  auto memTy = MemRefType::get(resTy.getShape(), elem);
  Value buf = memref::AllocOp::create(b, loc, memTy, dynSizes);
  Value u =
      memref::CastOp::create(b, loc, UnrankedMemRefType::get(elem, 0), buf);
  callSeq(b, op, "tensor_load_" + typeSuffix(elem),
          {tensorAddr, i64Const(b, loc, elemBytes(elem)), u});
  return bufferization::ToTensorOp::create(b, loc, resTy, buf,
                                           /*restrict=*/true,
                                           /*writable=*/true)
      .getResult();
}

/// Whether `t` (converted) is a tensor the support library can copy.
LogicalResult checkElement(ConversionPatternRewriter &rewriter, Operation *op,
                           Type t) {
  auto tt = dyn_cast<RankedTensorType>(t);
  if (!tt)
    return rewriter.notifyMatchFailure(
        op, "a tensor of a run-time sequence needs a known rank");
  if (tt.getRank() > kMaxElementRank)
    return rewriter.notifyMatchFailure(
        op, "a tensor of a run-time sequence has rank over 64");
  if (!supportedElement(tt.getElementType()))
    return rewriter.notifyMatchFailure(
        op, "run-time sequences of this element type are not supported");
  return success();
}

struct SequenceEmptyLowering : OpConversionPattern<OnnxSequenceEmptyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxSequenceEmptyOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isa<SeqType>(op.getType()))
      return rewriter.notifyMatchFailure(op, "the result is not a sequence");
    Value seq = emptySequence(rewriter, op, elemTypeCodeOf(op.getType()));
    rewriter.replaceOp(op, toHandle(rewriter, op.getLoc(), seq));
    return success();
  }
};

struct SequenceConstructLowering
    : OpConversionPattern<OnnxSequenceConstructOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxSequenceConstructOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isa<SeqType>(op.getType()))
      return rewriter.notifyMatchFailure(op, "the result is not a sequence");
    for (Value in : adaptor.getInputs())
      if (failed(checkElement(rewriter, op, in.getType())))
        return failure();
    Location loc = op.getLoc();
    int64_t code = elemTypeCodeOf(op.getType());
    Value seq = emptySequence(rewriter, op, code);
    for (auto [i, in] : llvm::enumerate(adaptor.getInputs()))
      seq = insertAt(rewriter, op, seq, i64Const(rewriter, loc, i),
                     storeTensor(rewriter, op, in, code));
    rewriter.replaceOp(op, toHandle(rewriter, loc, seq));
    return success();
  }
};

/// The preamble of the lowerings that read an input sequence: the operand
/// must be a run-time sequence; `matchOp` says whether the rest of the op
/// can be lowered before any IR is built; `rewrite` gets the sequence's
/// address and length (i64).
template <typename Op> struct SequenceReader : OpConversionPattern<Op> {
  using OpConversionPattern<Op>::OpConversionPattern;
  using OpAdaptor = typename Op::Adaptor;

  LogicalResult
  matchAndRewrite(Op op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const final {
    if (!isa<SeqType>(op.getInputSequence().getType()))
      return rewriter.notifyMatchFailure(op, "the input is not a sequence");
    if (failed(matchOp(op, adaptor, rewriter)))
      return failure();
    Value seq = addressOf(rewriter, op.getLoc(), adaptor.getInputSequence());
    Value n = callSeq(rewriter, op, "length", seq);
    return rewrite(op, adaptor, seq, n, rewriter);
  }

protected:
  virtual LogicalResult matchOp(Op, OpAdaptor,
                                ConversionPatternRewriter &) const {
    return success();
  }
  virtual LogicalResult rewrite(Op op, OpAdaptor adaptor, Value seq, Value n,
                                ConversionPatternRewriter &rewriter) const = 0;
};

struct SequenceInsertLowering : SequenceReader<OnnxSequenceInsertOp> {
  using SequenceReader::SequenceReader;
  LogicalResult matchOp(OnnxSequenceInsertOp op, OpAdaptor adaptor,
                        ConversionPatternRewriter &rewriter) const override {
    return checkElement(rewriter, op, adaptor.getTensor().getType());
  }
  LogicalResult rewrite(OnnxSequenceInsertOp op, OpAdaptor adaptor, Value seq,
                        Value n,
                        ConversionPatternRewriter &rewriter) const override {
    Value pos = isNoValue(op.getPosition())
                    ? n
                    : checkedPosition(rewriter, op, adaptor.getPosition(), n,
                                      /*allowEnd=*/true);
    Value t = storeTensor(rewriter, op, adaptor.getTensor(),
                          elemTypeCodeOf(op.getTensor().getType()));
    rewriter.replaceOp(op, toHandle(rewriter, op.getLoc(),
                                    insertAt(rewriter, op, seq, pos, t)));
    return success();
  }
};

struct SequenceEraseLowering : SequenceReader<OnnxSequenceEraseOp> {
  using SequenceReader::SequenceReader;
  LogicalResult rewrite(OnnxSequenceEraseOp op, OpAdaptor adaptor, Value seq,
                        Value n,
                        ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value pos;
    if (isNoValue(op.getPosition())) {
      check(rewriter, loc, op,
            arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sgt, n,
                                  i64Const(rewriter, loc, 0)),
            checkMessage(rewriter, op,
                         "Invalid sequence index specified (the sequence "
                         "is empty)",
                         /*INVALID_ARGUMENT*/ 2));
      pos = arith::SubIOp::create(rewriter, loc, n, i64Const(rewriter, loc, 1));
    } else {
      pos = checkedPosition(rewriter, op, adaptor.getPosition(), n,
                            /*allowEnd=*/false);
    }
    Value rest =
        arith::SubIOp::create(rewriter, loc, n, i64Const(rewriter, loc, 1));
    Value block =
        allocRunBytes(rewriter, op, callSeq(rewriter, op, "bytes", rest));
    Value out = callSeq(rewriter, op, "erase", {block, seq, pos});
    rewriter.replaceOp(op, toHandle(rewriter, loc, out));
    return success();
  }
};

struct SequenceAtLowering : SequenceReader<OnnxSequenceAtOp> {
  using SequenceReader::SequenceReader;
  LogicalResult matchOp(OnnxSequenceAtOp op, OpAdaptor,
                        ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resTy = resultTypeOf(*this, op);
    if (!resTy)
      return rewriter.notifyMatchFailure(
          op, "the element read from a run-time sequence needs a known rank");
    return checkElement(rewriter, op, resTy);
  }
  LogicalResult rewrite(OnnxSequenceAtOp op, OpAdaptor adaptor, Value seq,
                        Value n,
                        ConversionPatternRewriter &rewriter) const override {
    Value pos = checkedPosition(rewriter, op, adaptor.getPosition(), n,
                                /*allowEnd=*/false);
    Value t = callSeq(rewriter, op, "at", {seq, pos});
    FailureOr<Value> out = loadTensor(rewriter, op, t, resultTypeOf(*this, op));
    if (failed(out))
      return failure();
    rewriter.replaceOp(op, *out);
    return success();
  }
};

struct SequenceLengthLowering : SequenceReader<OnnxSequenceLengthOp> {
  using SequenceReader::SequenceReader;
  LogicalResult matchOp(OnnxSequenceLengthOp op, OpAdaptor,
                        ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resTy = resultTypeOf(*this, op);
    if (!resTy || resTy.getNumElements() != 1)
      return rewriter.notifyMatchFailure(op, "the result must be a scalar");
    return success();
  }
  LogicalResult rewrite(OnnxSequenceLengthOp op, OpAdaptor, Value, Value n,
                        ConversionPatternRewriter &rewriter) const override {
    rewriter.replaceOp(
        op, tensor::FromElementsOp::create(
                rewriter, op.getLoc(), resultTypeOf(*this, op), ValueRange{n}));
    return success();
  }
};

/// Optional(x): x's sequence itself, a sequence of the one tensor x, or 0.
struct OptionalLowering : OpConversionPattern<OnnxOptionalOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxOptionalOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isa<OptType>(op.getType()))
      return rewriter.notifyMatchFailure(op, "the result is not an optional");
    Location loc = op.getLoc();
    Value in = op.getInput();
    Value out;
    if (isNoValue(in)) {
      out = toHandle(rewriter, loc, i64Const(rewriter, loc, 0));
    } else if (isa<SeqType>(in.getType())) {
      out = adaptor.getInput();
    } else {
      if (failed(checkElement(rewriter, op, adaptor.getInput().getType())))
        return failure();
      int64_t code = elemTypeCodeOf(in.getType());
      Value seq = emptySequence(rewriter, op, code);
      seq = insertAt(rewriter, op, seq, i64Const(rewriter, loc, 0),
                     storeTensor(rewriter, op, adaptor.getInput(), code));
      out = toHandle(rewriter, loc, seq);
    }
    rewriter.replaceOp(op, out);
    return success();
  }
};

struct OptionalHasElementLowering
    : OpConversionPattern<OnnxOptionalHasElementOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxOptionalHasElementOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isa<OptType>(op.getInput().getType()))
      return rewriter.notifyMatchFailure(op, "the input is not an optional");
    RankedTensorType resTy = resultTypeOf(*this, op);
    if (!resTy || resTy.getNumElements() != 1)
      return rewriter.notifyMatchFailure(op, "the result must be a scalar");
    Location loc = op.getLoc();
    Value present =
        arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ne,
                              addressOf(rewriter, loc, adaptor.getInput()),
                              i64Const(rewriter, loc, 0));
    rewriter.replaceOp(op, tensor::FromElementsOp::create(rewriter, loc, resTy,
                                                          ValueRange{present}));
    return success();
  }
};

struct OptionalGetElementLowering
    : OpConversionPattern<OnnxOptionalGetElementOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxOptionalGetElementOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto opt = dyn_cast<OptType>(op.getInput().getType());
    if (!opt)
      return rewriter.notifyMatchFailure(op, "the input is not an optional");
    Location loc = op.getLoc();
    Value addr = addressOf(rewriter, loc, adaptor.getInput());
    check(rewriter, loc, op,
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ne, addr,
                                i64Const(rewriter, loc, 0)),
          checkMessage(rewriter, op,
                       "Trying to use OptionalGetElement on an optional type "
                       "OrtValue which contains no data",
                       1));
    if (isa<SeqType>(opt.getElementType())) {
      rewriter.replaceOp(op, adaptor.getInput());
      return success();
    }
    auto resTy = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getType()));
    if (!resTy)
      return rewriter.notifyMatchFailure(
          op, "the tensor of a run-time optional needs a known rank");
    if (failed(checkElement(rewriter, op, resTy)))
      return failure();
    Value t = callSeq(rewriter, op, "at", {addr, i64Const(rewriter, loc, 0)});
    FailureOr<Value> out = loadTensor(rewriter, op, t, resTy);
    if (failed(out))
      return failure();
    rewriter.replaceOp(op, *out);
    return success();
  }
};

/// SplitToSequence into pieces that only the run knows: a run-time split (a
/// scalar chunk size or a list of sizes), or a dim of run-time size.
/// kiln-resolve-sequences keeps it when such a sequence reaches a graph
/// output or another op kept for the run. A loop cuts the pieces along the
/// axis (squeezed for keepdims = 0 without split) and copies each into the
/// new sequence; the split is checked as ONNX Runtime checks it.
struct SplitToSequenceLowering : OpConversionPattern<OnnxSplitToSequenceOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxSplitToSequenceOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto inTy = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!inTy || inTy.getRank() == 0)
      return rewriter.notifyMatchFailure(
          op, "the input needs a known rank of at least 1");
    if (failed(checkElement(rewriter, op, inTy)))
      return failure();
    int64_t rank = inTy.getRank();
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
    if (axis < 0 || axis >= rank)
      return rewriter.notifyMatchFailure(op, "the axis is out of range");
    bool hasSplit = !isNoValue(op.getSplit());
    auto splitTy =
        hasSplit ? dyn_cast<RankedTensorType>(adaptor.getSplit().getType())
                 : RankedTensorType();
    if (hasSplit && (!splitTy || splitTy.getRank() > 1 ||
                     !splitTy.getElementType().isInteger()))
      return rewriter.notifyMatchFailure(
          op, "split must be an integer scalar or 1-D tensor");
    bool sizeList = hasSplit && splitTy.getRank() == 1;
    bool squeeze = !hasSplit && op.getKeepdims() == 0;

    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Value input = adaptor.getInput(), split = adaptor.getSplit();
    Value dim = tensor::DimOp::create(b, loc, input, axis);
    Value zero = cIdx(b, loc, 0), one = cIdx(b, loc, 1);
    Value count, chunk, badSize, badSum;
    if (sizeList) {
      count = tensor::DimOp::create(b, loc, split, 0);
      // Messages are built outside the loop that checks them.
      badSize = checkMessage(
          b, op, "Invalid value in 'split' input. All values must be >= 0",
          /*FAIL*/ 1);
      badSum = checkMessage(b, op,
                            "the values of 'split' do not add up to the "
                            "size of the split dim",
                            /*INVALID_ARGUMENT*/ 2);
    } else {
      chunk = hasSplit ? toIndex(b, loc, extractScalar(b, loc, split)) : one;
      if (hasSplit)
        check(b, loc, op,
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, chunk,
                                    zero),
              checkMessage(b, op, "Split should be > 0", /*FAIL*/ 1));
      count = arith::CeilDivSIOp::create(b, loc, dim, chunk);
    }
    auto asI64 = [&](OpBuilder &ib, Value index) -> Value {
      return arith::IndexCastOp::create(ib, loc, ib.getI64Type(), index);
    };
    int64_t code = elemTypeCodeOf(op.getType());
    Value seq = newSequence(b, op, code, asI64(b, count));

    // Piece i starts where piece i - 1 ended (the loop's one iter arg).
    auto cut = [&](OpBuilder &lb, Location, Value i, ValueRange iterArgs) {
      Value start = iterArgs[0], size;
      if (sizeList) {
        size = toIndex(lb, loc, tensor::ExtractOp::create(lb, loc, split, i));
        check(lb, loc, op,
              arith::CmpIOp::create(lb, loc, arith::CmpIPredicate::sge, size,
                                    zero),
              badSize);
        check(lb, loc, op,
              arith::CmpIOp::create(lb, loc, arith::CmpIPredicate::sle,
                                    arith::AddIOp::create(lb, loc, start, size),
                                    dim),
              badSum);
      } else {
        size = arith::MinSIOp::create(
            lb, loc, chunk, arith::SubIOp::create(lb, loc, dim, start));
      }
      SmallVector<OpFoldResult> offsets(rank, lb.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes = sizesOf(lb, loc, input);
      SmallVector<OpFoldResult> strides(rank, lb.getIndexAttr(1));
      offsets[axis] = start;
      sizes[axis] = size;
      Value piece;
      if (squeeze) {
        // keepdims = 0 without split: size-1 pieces, the axis dropped.
        SmallVector<int64_t> dims(inTy.getShape());
        dims.erase(dims.begin() + axis);
        sizes[axis] = lb.getIndexAttr(1);
        piece = tensor::ExtractSliceOp::create(lb, loc, inTy.clone(dims), input,
                                               offsets, sizes, strides);
      } else {
        piece = tensor::ExtractSliceOp::create(lb, loc, input, offsets, sizes,
                                               strides);
      }
      callSeq(lb, op, "set",
              {seq, asI64(lb, i), storeTensor(lb, op, piece, code)});
      scf::YieldOp::create(
          lb, loc, ValueRange{arith::AddIOp::create(lb, loc, start, size)});
    };
    auto loop =
        scf::ForOp::create(b, loc, zero, count, one, ValueRange{zero}, cut);
    if (sizeList)
      check(b, loc, op,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                  loop.getResult(0), dim),
            badSum);
    rewriter.replaceOp(op, toHandle(b, loc, seq));
    return success();
  }
};

/// Identity of a run-time sequence or optional: the same value.
struct SequenceIdentityLowering : OpConversionPattern<OnnxIdentityOp> {
  SequenceIdentityLowering(const TypeConverter &tc, MLIRContext *ctx)
      : OpConversionPattern(tc, ctx, /*benefit=*/10) {}
  LogicalResult
  matchAndRewrite(OnnxIdentityOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isSeqOrOpt(op.getInput().getType()))
      return failure();
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

} // namespace

void kiln::populateSequenceOpsPatterns(TypeConverter &tc,
                                       RewritePatternSet &patterns) {
  patterns.add<SequenceEmptyLowering, SequenceConstructLowering,
               SequenceInsertLowering, SequenceEraseLowering,
               SequenceAtLowering, SequenceLengthLowering, OptionalLowering,
               OptionalHasElementLowering, OptionalGetElementLowering,
               SequenceIdentityLowering, SplitToSequenceLowering>(
      tc, patterns.getContext());
}
