//===- StringOps.cpp - onnx to linalg: string tensors ---------------------===//
//
// String tensors are tensors of i64 after type conversion: each element is
// the address of a NUL-terminated UTF-8 string (docs/architecture.md, "String
// tensors"). Data movement ops therefore need nothing here; this file lowers
// the ops that look inside strings, by calling the kiln_str_* functions of
// the support library linked into every artifact
// (compiler/artifact/support/kiln_strings.c):
//
// - Cast/CastLike to string: one linalg.generic formatting each number into
//   its own 32-byte slot of one byte buffer.
// - Cast from string: one linalg.generic parsing each element.
// - StringNormalizer: a counting loop (kept strings and their bytes), one
//   byte buffer, then a loop copying the kept strings case-mapped into it.
// - StringConcat: the broadcast operands, a loop nest counting bytes, one
//   run allocation, a loop nest writing each concatenation.
// - Equal: contents compared by kiln_str_equal.
// - Constants: the strings' bytes become one constant byte tensor and the
//   elements its base address plus constant offsets.
//
// New strings must outlive the run's generated code: the runtime copies
// string outputs after `entry` returns. Their bytes are therefore allocated
// with a direct call to `_mlir_memref_to_llvm_alloc` (the entry point all
// memref allocations go through, which the artifact routes to the run's
// arena) rather than with memref.alloc, which buffer deallocation would free
// after the last use of the buffer itself. The arena reclaims them when the
// run ends.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/StringSupport.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

/// ONNX's TensorProto.DataType of strings.
constexpr int64_t kOnnxString = 8;
/// Bytes reserved per number formatted by Cast to string: the longest form
/// ("-2.2250738585072014e-308", "-9223372036854775808") with its NUL fits.
constexpr int64_t kNumberChars = 32;
/// StringNormalizer's case_change_action as kiln_str_case_copy takes it.
enum CaseAction : int32_t { kCaseNone = 0, kCaseLower = 1, kCaseUpper = 2 };

bool isStringTensor(Type t) {
  auto shaped = dyn_cast<ShapedType>(t);
  return shaped && isa<StringType>(shaped.getElementType());
}

} // namespace

void kiln::declareSupport(OpBuilder &b, Operation *anchor, StringRef name,
                          TypeRange args, Type result) {
  auto module = anchor->getParentOfType<ModuleOp>();
  if (module.lookupSymbol<func::FuncOp>(name))
    return;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  func::FuncOp::create(b, anchor->getLoc(), name,
                       b.getFunctionType(args, TypeRange{result}))
      .setPrivate();
}

Value kiln::callSupport(OpBuilder &b, Location loc, StringRef name,
                        Type result, ValueRange args) {
  return func::CallOp::create(b, loc, name, TypeRange{result}, args)
      .getResult(0);
}

Value kiln::allocRunBytes(OpBuilder &b, Operation *anchor, Value bytes) {
  static constexpr StringLiteral kAlloc = "_mlir_memref_to_llvm_alloc";
  Location loc = anchor->getLoc();
  auto module = anchor->getParentOfType<ModuleOp>();
  auto ptrTy = LLVM::LLVMPointerType::get(b.getContext());
  auto fn = module.lookupSymbol<LLVM::LLVMFuncOp>(kAlloc);
  if (!fn) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    fn = LLVM::LLVMFuncOp::create(
        b, loc, kAlloc, LLVM::LLVMFunctionType::get(ptrTy, {b.getI64Type()}));
  }
  Value ptr = LLVM::CallOp::create(b, loc, fn, ValueRange{bytes}).getResult();
  return LLVM::PtrToIntOp::create(b, loc, b.getI64Type(), ptr);
}

Value kiln::constantBytesAddress(OpBuilder &b, Location loc,
                                 ArrayRef<char> bytes) {
  auto ty = RankedTensorType::get({(int64_t)bytes.size()}, b.getI8Type());
  Value cst = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::getFromRawBuffer(ty, bytes));
  Value buffer = bufferization::ToBufferOp::create(
      b, loc, MemRefType::get(ty.getShape(), ty.getElementType()), cst,
      /*read_only=*/true);
  Value addr = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), addr);
}

namespace {

Value i64Const(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
}

Value toI64(OpBuilder &b, Location loc, Value index) {
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), index);
}

/// Row-major position of `ivs` in a tensor of `sizes`, as i64.
Value linearIndex(OpBuilder &b, Location loc, ValueRange ivs,
                  ArrayRef<OpFoldResult> sizes) {
  if (ivs.empty())
    return i64Const(b, loc, 0);
  Value linear = ivs[0];
  for (size_t d = 1; d < ivs.size(); ++d) {
    Value s = getValueOrCreateConstantIndexOp(b, loc, sizes[d]);
    linear = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, linear, s), ivs[d]);
  }
  return toI64(b, loc, linear);
}

/// Number of elements of a tensor of `sizes`, as i64.
Value elementCount(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes) {
  Value n = cIdx(b, loc, 1);
  for (OpFoldResult s : sizes)
    n = arith::MulIOp::create(b, loc, n,
                              getValueOrCreateConstantIndexOp(b, loc, s));
  return toI64(b, loc, n);
}

//===----------------------------------------------------------------------===//
// Cast
//===----------------------------------------------------------------------===//

/// Cast (and CastLike, which the importer turns into Cast) to string: each
/// number is formatted into slot i of one buffer of n * kNumberChars bytes.
struct CastToString : OpConversionPattern<OnnxCastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (op.getTo() != kOnnxString)
      return failure();
    if (isStringTensor(op.getInput().getType())) {
      rewriter.replaceOp(op, adaptor.getInput());
      return success();
    }
    RankedTensorType resTy = resultTypeOf(*this, op);
    auto inTy = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!resTy || !inTy)
      return rewriter.notifyMatchFailure(op, "Cast to string needs ranked "
                                             "tensors");
    Type src = cast<ShapedType>(op.getInput().getType()).getElementType();
    StringRef fn;
    if (isa<Float16Type, BFloat16Type, Float32Type>(src))
      fn = "kiln_str_from_f32";
    else if (src.isF64())
      fn = "kiln_str_from_f64";
    else if (src.isInteger(1))
      return rewriter.notifyMatchFailure(op, "Cast from bool to string is not "
                                             "supported");
    else if (src.isUnsignedInteger())
      fn = "kiln_str_from_u64";
    else if (src.isInteger())
      fn = "kiln_str_from_i64";
    else
      return rewriter.notifyMatchFailure(op, "Cast to string from this "
                                             "element type is not supported");

    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes = refineSizes(
        rewriter, resTy, sizesOf(rewriter, loc, adaptor.getInput()));
    Value count = elementCount(rewriter, loc, sizes);
    declareSupport(rewriter, op, fn,
                   {isa<FloatType>(src)
                        ? (Type)(src.isF64() ? rewriter.getF64Type()
                                             : rewriter.getF32Type())
                        : rewriter.getI64Type(),
                    rewriter.getI64Type()},
                   rewriter.getI64Type());
    Value base = allocRunBytes(
        rewriter, op,
        arith::MulIOp::create(rewriter, loc, count,
                              i64Const(rewriter, loc, kNumberChars)));
    auto identity = rewriter.getMultiDimIdentityMap(inTy.getRank());
    Value result = generateTensor(
        rewriter, loc, resTy, sizes, adaptor.getInput(), {identity},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange args) {
          Value slot =
              arith::MulIOp::create(b, l, linearIndex(b, l, ivs, sizes),
                                    i64Const(b, l, kNumberChars));
          Value dst = arith::AddIOp::create(b, l, base, slot);
          Value x = args[0];
          if (isa<Float16Type, BFloat16Type>(src))
            x = arith::ExtFOp::create(b, l, b.getF32Type(), x);
          else if (src.isUnsignedInteger() && src.getIntOrFloatBitWidth() < 64)
            x = arith::ExtUIOp::create(b, l, b.getI64Type(), x);
          else if (src.isInteger() && src.getIntOrFloatBitWidth() < 64)
            x = arith::ExtSIOp::create(b, l, b.getI64Type(), x);
          return callSupport(b, l, fn, b.getI64Type(), {x, dst});
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Cast from string: strtod/strtoll semantics ("NaN", "INF", "+INF", "-INF"
/// included), narrowed to the target type.
struct CastFromString : OpConversionPattern<OnnxCastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (op.getTo() == kOnnxString || !isStringTensor(op.getInput().getType()))
      return failure();
    RankedTensorType resTy = resultTypeOf(*this, op);
    auto inTy = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!resTy || !inTy)
      return rewriter.notifyMatchFailure(op, "Cast from string needs ranked "
                                             "tensors");
    Type dst = cast<ShapedType>(op.getType()).getElementType();
    Type out = resTy.getElementType();
    if (dst.isInteger(1) || !isa<FloatType, IntegerType>(dst))
      return rewriter.notifyMatchFailure(op, "Cast from string to this "
                                             "element type is not supported");

    Type i64 = rewriter.getI64Type(), f32 = rewriter.getF32Type();
    if (dst.isF64())
      declareSupport(rewriter, op, "kiln_str_to_f64", i64, out);
    else if (isa<FloatType>(dst))
      declareSupport(rewriter, op, "kiln_str_to_f32", i64, f32);
    else
      declareSupport(rewriter, op,
                     dst.isUnsignedInteger() ? "kiln_str_to_u64"
                                             : "kiln_str_to_i64",
                     i64, i64);

    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes = refineSizes(
        rewriter, resTy, sizesOf(rewriter, loc, adaptor.getInput()));
    auto identity = rewriter.getMultiDimIdentityMap(inTy.getRank());
    Value result = generateTensor(
        rewriter, loc, resTy, sizes, adaptor.getInput(), {identity},
        [&](OpBuilder &b, Location l, ValueRange, ValueRange args) -> Value {
          if (dst.isF64())
            return callSupport(b, l, "kiln_str_to_f64", out, args[0]);
          if (isa<FloatType>(dst)) {
            Value f =
                callSupport(b, l, "kiln_str_to_f32", b.getF32Type(), args[0]);
            return dst.isF32() ? f : arith::TruncFOp::create(b, l, out, f);
          }
          bool isUnsigned = dst.isUnsignedInteger();
          Value i = callSupport(
              b, l, isUnsigned ? "kiln_str_to_u64" : "kiln_str_to_i64",
              b.getI64Type(), args[0]);
          return out.getIntOrFloatBitWidth() == 64
                     ? i
                     : arith::TruncIOp::create(b, l, out, i);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// StringNormalizer
//===----------------------------------------------------------------------===//

/// StringNormalizer on [C] or [1, C]: drops the stopwords (compared
/// ignoring case unless is_case_sensitive), maps the case of the others,
/// and yields one empty string when nothing is left ([1] or [1, 1]), as
/// ONNX Runtime does. The `locale` attribute is not used: case mapping
/// covers ASCII, Latin-1, Greek and Cyrillic whatever the locale.
struct StringNormalizerLowering : OpConversionPattern<OnnxStringNormalizerOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OnnxStringNormalizerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resTy = resultTypeOf(*this, op);
    Value x = adaptor.getX();
    auto inTy = dyn_cast<RankedTensorType>(x.getType());
    if (!resTy || !inTy || inTy.getRank() != resTy.getRank())
      return rewriter.notifyMatchFailure(op, "needs ranked input and output");
    int64_t rank = inTy.getRank();
    // ONNX allows [C] and [1, C]. A dynamic leading dim is taken to be 1
    // (only row 0 is read): the generated code cannot report a bad input.
    if (rank != 1 &&
        !(rank == 2 && (inTy.getDimSize(0) == 1 || inTy.isDynamicDim(0))))
      return rewriter.notifyMatchFailure(
          op, "input must be [C] or [1, C] (ONNX's StringNormalizer)");
    StringRef actionName = op.getCaseChangeAction();
    int32_t action = actionName == "LOWER"   ? kCaseLower
                     : actionName == "UPPER" ? kCaseUpper
                     : actionName == "NONE"  ? kCaseNone
                                             : -1;
    if (action < 0)
      return rewriter.notifyMatchFailure(op, "unknown case_change_action '" +
                                                 actionName + "'");

    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Type i64 = b.getI64Type(), i32 = b.getI32Type();
    declareSupport(b, op, "kiln_str_keep", {i64, i64, i32}, i32);
    declareSupport(b, op, "kiln_str_size", i64, i64);
    declareSupport(b, op, "kiln_str_empty", i64, i64);
    declareSupport(b, op, "kiln_str_case_copy", {i64, i64, i32}, i64);
    Value words = stopwordsAddress(b, loc, op);
    Value caseSensitive =
        arith::ConstantIntOp::create(b, loc, i32, op.getIsCaseSensitive() != 0);
    Value actionV = arith::ConstantIntOp::create(b, loc, i32, action);
    Value c0 = cIdx(b, loc, 0), c1 = cIdx(b, loc, 1);
    Value n = tensor::DimOp::create(b, loc, x, rank - 1);
    auto element = [&](OpBuilder &nb, Location l, Value i) -> Value {
      SmallVector<Value> at(rank - 1, cIdx(nb, l, 0));
      at.push_back(i);
      return tensor::ExtractOp::create(nb, l, x, at);
    };
    auto keeps = [&](OpBuilder &nb, Location l, Value s) -> Value {
      Value k =
          callSupport(nb, l, "kiln_str_keep", i32, {s, words, caseSensitive});
      return arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ne, k,
                                   arith::ConstantIntOp::create(nb, l, i32, 0));
    };

    // Pass 1: how many strings are kept and how many bytes they take.
    auto count = scf::ForOp::create(
        b, loc, c0, n, c1, ValueRange{c0, i64Const(b, loc, 0)},
        [&](OpBuilder &nb, Location l, Value i, ValueRange acc) {
          Value s = element(nb, l, i);
          Value keep = keeps(nb, l, s);
          Value size = callSupport(nb, l, "kiln_str_size", i64, s);
          Value kept = arith::SelectOp::create(
              nb, l, keep, arith::AddIOp::create(nb, l, acc[0], c1), acc[0]);
          Value bytes = arith::SelectOp::create(
              nb, l, keep, arith::AddIOp::create(nb, l, acc[1], size), acc[1]);
          scf::YieldOp::create(nb, l, ValueRange{kept, bytes});
        });
    Value kept = count.getResult(0), bytes = count.getResult(1);

    // One buffer for the kept strings and, at its end, the empty string the
    // output holds when nothing is kept.
    Value base = allocRunBytes(
        b, op, arith::AddIOp::create(b, loc, bytes, i64Const(b, loc, 1)));
    Value emptyAt = arith::AddIOp::create(b, loc, base, bytes);
    Value empty = callSupport(b, loc, "kiln_str_empty", i64, emptyAt);
    Value outLen = arith::MaxUIOp::create(b, loc, kept, c1);
    SmallVector<OpFoldResult> outSizes(rank - 1, b.getIndexAttr(1));
    outSizes.push_back(outLen);
    SmallVector<int64_t> outShape(rank - 1, 1);
    outShape.push_back(ShapedType::kDynamic);
    auto outTy = RankedTensorType::get(outShape, i64);
    Value init = createFilled(b, loc, outTy, outSizes, empty);

    // Pass 2: copy the kept strings, case-mapped, and point the output at
    // the copies.
    auto fill = scf::ForOp::create(
        b, loc, c0, n, c1, ValueRange{c0, i64Const(b, loc, 0), init},
        [&](OpBuilder &nb, Location l, Value i, ValueRange acc) {
          Value s = element(nb, l, i);
          auto ifOp = scf::IfOp::create(
              nb, l, keeps(nb, l, s),
              [&](OpBuilder &tb, Location tl) {
                Value dst = arith::AddIOp::create(tb, tl, base, acc[1]);
                Value written = callSupport(tb, tl, "kiln_str_case_copy", i64,
                                            {s, dst, actionV});
                SmallVector<Value> at(rank - 1, cIdx(tb, tl, 0));
                at.push_back(acc[0]);
                Value out = tensor::InsertOp::create(tb, tl, dst, acc[2], at);
                scf::YieldOp::create(
                    tb, tl,
                    ValueRange{arith::AddIOp::create(tb, tl, acc[0], c1),
                               arith::AddIOp::create(tb, tl, acc[1], written),
                               out});
              },
              [&](OpBuilder &eb, Location el) {
                scf::YieldOp::create(eb, el, acc);
              });
          scf::YieldOp::create(nb, l, ifOp.getResults());
        });
    rewriter.replaceOp(op, castTo(b, loc, fill.getResult(2), resTy));
    return success();
  }

private:
  /// The stopwords as NUL-separated bytes ending with an empty word, or a
  /// null address when there are none.
  static Value stopwordsAddress(OpBuilder &b, Location loc,
                                OnnxStringNormalizerOp op) {
    std::optional<ArrayAttr> stopwords = op.getStopwords();
    if (!stopwords || stopwords->empty())
      return i64Const(b, loc, 0);
    SmallVector<char> bytes;
    for (Attribute w : *stopwords) {
      StringRef s = cast<StringAttr>(w).getValue();
      bytes.append(s.begin(), s.end());
      bytes.push_back(0);
    }
    bytes.push_back(0);
    return constantBytesAddress(b, loc, bytes);
  }
};

//===----------------------------------------------------------------------===//
// Constants
//===----------------------------------------------------------------------===//

/// A string constant: its strings' bytes become one constant byte tensor,
/// and element i is that tensor's address plus the offset of string i.
struct StringConstantLowering : OpConversionPattern<OnnxConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxConstantOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isStringTensor(op.getType()))
      return failure();
    auto value =
        dyn_cast_or_null<DenseStringElementsAttr>(op->getAttr("value"));
    RankedTensorType resTy = resultTypeOf(*this, op);
    if (!value || !resTy || !resTy.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "string constants need a value "
                                             "of static shape");
    SmallVector<char> bytes;
    SmallVector<int64_t> offsets;
    for (StringRef s : value.getRawStringData()) {
      offsets.push_back(bytes.size());
      bytes.append(s.begin(), s.end());
      bytes.push_back(0);
    }
    if (value.isSplat())
      offsets.assign(resTy.getNumElements(), 0);
    Location loc = op.getLoc();
    Value base = constantBytesAddress(rewriter, loc, bytes);
    Value offsetsCst = arith::ConstantOp::create(
        rewriter, loc, DenseIntElementsAttr::get(resTy, offsets));
    auto identity = rewriter.getMultiDimIdentityMap(resTy.getRank());
    Value result = generateTensor(
        rewriter, loc, resTy,
        getAsIndexOpFoldResult(rewriter.getContext(), resTy.getShape()),
        offsetsCst, {identity},
        [&](OpBuilder &b, Location l, ValueRange, ValueRange args) -> Value {
          return arith::AddIOp::create(b, l, base, args[0]);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// StringConcat with numpy broadcasting: the broadcast operands'
/// addresses first (two generics), then a loop nest summing the bytes the
/// results take, one allocation for the run, and a loop nest writing each
/// concatenation (kiln_str_concat) and pointing the result at it.
struct StringConcatLowering : OpConversionPattern<OnnxStringConcatOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxStringConcatOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resTy = resultTypeOf(*this, op);
    if (!resTy)
      return rewriter.notifyMatchFailure(op, "a ranked result expected");
    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Type i64 = b.getI64Type();
    declareSupport(b, op, "kiln_str_size", i64, i64);
    declareSupport(b, op, "kiln_str_concat", {i64, i64, i64}, i64);
    SmallVector<Value> ins = {adaptor.getX(), adaptor.getY()};
    auto pick = [&](unsigned k) {
      return buildElementwise(
          b, loc, resTy, ins,
          [&](OpBuilder &, Location, ValueRange args) { return args[k]; });
    };
    Value xs = pick(0), ys = pick(1);
    SmallVector<OpFoldResult> sizes = sizesOf(b, loc, xs);
    SmallVector<Value> lbs(resTy.getRank(), cIdx(b, loc, 0)),
        steps(resTy.getRank(), cIdx(b, loc, 1)), ubs;
    for (OpFoldResult s : sizes)
      ubs.push_back(getValueOrCreateConstantIndexOp(b, loc, s));
    auto pair = [&](OpBuilder &nb, Location l, ValueRange ivs) {
      Value x = tensor::ExtractOp::create(nb, l, xs, ivs);
      Value y = tensor::ExtractOp::create(nb, l, ys, ivs);
      return std::make_pair(x, y);
    };
    // Pass 1: the bytes of every result, one NUL each.
    scf::LoopNest count = scf::buildLoopNest(
        b, loc, lbs, ubs, steps, ValueRange{i64Const(b, loc, 0)},
        [&](OpBuilder &nb, Location l, ValueRange ivs, ValueRange acc) {
          auto [x, y] = pair(nb, l, ivs);
          Value bytes = arith::AddIOp::create(
              nb, l, callSupport(nb, l, "kiln_str_size", i64, x),
              callSupport(nb, l, "kiln_str_size", i64, y));
          bytes = arith::SubIOp::create(nb, l, bytes, i64Const(nb, l, 1));
          return scf::ValueVector{arith::AddIOp::create(nb, l, acc[0], bytes)};
        });
    Value total = count.results.empty() ? Value(i64Const(b, loc, 0))
                                        : count.results[0];
    Value base = allocRunBytes(
        b, op, arith::AddIOp::create(b, loc, total, i64Const(b, loc, 1)));
    // Pass 2: write the concatenations one after the other.
    Value init = createEmpty(b, loc, cast<RankedTensorType>(xs.getType()),
                             sizes);
    scf::LoopNest fill = scf::buildLoopNest(
        b, loc, lbs, ubs, steps, ValueRange{i64Const(b, loc, 0), init},
        [&](OpBuilder &nb, Location l, ValueRange ivs, ValueRange acc) {
          auto [x, y] = pair(nb, l, ivs);
          Value dst = arith::AddIOp::create(nb, l, base, acc[0]);
          Value written =
              callSupport(nb, l, "kiln_str_concat", i64, {x, y, dst});
          return scf::ValueVector{
              arith::AddIOp::create(nb, l, acc[0], written),
              tensor::InsertOp::create(nb, l, dst, acc[1], ivs)};
        });
    rewriter.replaceOp(op, castTo(b, loc, fill.results[1], resTy));
    return success();
  }
};

/// Equal on strings: the addresses are compared by content
/// (kiln_str_equal), with numpy broadcasting.
struct StringEqual : OpConversionPattern<OnnxEqualOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxEqualOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!isStringTensor(op.getA().getType()) ||
        !isStringTensor(op.getB().getType()))
      return failure();
    auto resTy = resultTypeOf(*this, op);
    if (!resTy)
      return rewriter.notifyMatchFailure(op, "a ranked result expected");
    Type i64 = rewriter.getI64Type(), i32 = rewriter.getI32Type();
    declareSupport(rewriter, op, "kiln_str_equal", {i64, i64}, i32);
    Value r = buildElementwise(
        rewriter, op.getLoc(), resTy, {adaptor.getA(), adaptor.getB()},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value same = callSupport(b, l, "kiln_str_equal", i32, args);
          return arith::CmpIOp::create(
              b, l, arith::CmpIPredicate::ne, same,
              arith::ConstantIntOp::create(b, l, i32, 0));
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

} // namespace

void kiln::populateStringOpsPatterns(TypeConverter &tc,
                                     RewritePatternSet &patterns) {
  // Above the numeric Cast lowerings (benefit 1 and 2), which would treat
  // the i64 addresses as numbers.
  patterns.add<CastToString, CastFromString, StringConstantLowering,
               StringEqual>(tc, patterns.getContext(), /*benefit=*/3);
  patterns.add<StringNormalizerLowering, StringConcatLowering>(
      tc, patterns.getContext());
}
