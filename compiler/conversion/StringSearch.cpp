//===- StringSearch.cpp - onnx to linalg: StringSplit, RegexFullMatch -----===//
//
// The string ops that search inside strings (string tensors: tensors of i64
// addresses of NUL-terminated UTF-8, docs/architecture.md). Both loop over
// the elements with scf.for rather than a linalg.generic: they call into the
// support library with memory the whole op shares (RegexFullMatch's
// scratch, StringSplit's running offsets), which a parallel loop must not.
//
// - RegexFullMatch: the pattern (RE2 syntax) is compiled here, when the
//   model is compiled, by kiln_regex_compile (compiler/artifact/support/
//   kiln_regex.h); a pattern RE2 refuses, or that uses what Kiln does not
//   implement, is a compile error naming the reason. The program becomes a
//   constant i32 tensor and each element is matched by the artifact's
//   kiln_regex_full_match, a Thompson NFA: time linear in the string.
// - StringSplit: Python's str.split as ONNX's reference (the support
//   library's kiln_str_split_*). A first pass counts each element's pieces
//   (the `length` output) and bounds their bytes; the substrings output
//   X.shape + [most pieces] is filled with the empty string, then a second
//   pass writes the pieces into one allocation of the run and points the
//   output at them.
//
//===----------------------------------------------------------------------===//

#include "compiler/artifact/support/kiln_regex.h"
#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/ShapeHelpers.h"
#include "compiler/conversion/StringSupport.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

#include <cstdlib>

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;
using namespace kiln::shape_helpers;

namespace {

Value i64Const(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v);
}

bool isStringTensor(Type t) {
  auto shaped = dyn_cast<ShapedType>(t);
  return shaped && isa<StringType>(shaped.getElementType());
}

/// The address (i64) of a constant i32 array that lives as long as the
/// artifact (a global after bufferization): the 4-byte alignment the
/// matcher's reads need comes with the element type.
Value constantWordsAddress(OpBuilder &b, Location loc,
                           ArrayRef<int32_t> words) {
  auto ty =
      RankedTensorType::get({(int64_t)words.size()}, b.getIntegerType(32));
  Value cst =
      arith::ConstantOp::create(b, loc, DenseIntElementsAttr::get(ty, words));
  Value buffer = bufferization::ToBufferOp::create(
      b, loc, MemRefType::get(ty.getShape(), ty.getElementType()), cst,
      /*read_only=*/true);
  Value addr = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), addr);
}

/// Loop bounds covering every element of a tensor of `sizes`.
struct ElementLoops {
  SmallVector<Value> lbs, ubs, steps;
  ElementLoops(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes) {
    for (OpFoldResult s : sizes) {
      lbs.push_back(cIdx(b, loc, 0));
      ubs.push_back(getValueOrCreateConstantIndexOp(b, loc, s));
      steps.push_back(cIdx(b, loc, 1));
    }
  }
};

//===----------------------------------------------------------------------===//
// RegexFullMatch
//===----------------------------------------------------------------------===//

/// The program of `pattern`, or the reason it has none.
FailureOr<SmallVector<int32_t>> compileRegex(StringRef pattern,
                                             std::string &why) {
  char error[256];
  size_t words = 0;
  int32_t *program = kiln_regex_compile(pattern.data(), pattern.size(), &words,
                                        error, sizeof(error));
  if (!program) {
    why = error;
    return failure();
  }
  SmallVector<int32_t> out(program, program + words);
  std::free(program);
  return out;
}

struct RegexFullMatchLowering : OpConversionPattern<OnnxRegexFullMatchOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OnnxRegexFullMatchOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resTy = resultTypeOf(*this, op);
    auto inTy = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    if (!resTy || !inTy || !isStringTensor(op.getX().getType()))
      return rewriter.notifyMatchFailure(op, "needs a ranked string tensor");
    std::optional<StringRef> pattern = op.getPattern();
    if (!pattern)
      return rewriter.notifyMatchFailure(op, "RegexFullMatch needs a pattern");
    std::string why;
    FailureOr<SmallVector<int32_t>> program = compileRegex(*pattern, why);
    if (failed(program))
      return rewriter.notifyMatchFailure(op, "invalid pattern '" + *pattern +
                                                 "': " + why);

    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Type i64 = b.getI64Type(), i32 = b.getI32Type();
    static constexpr StringLiteral kMatch = "kiln_regex_full_match";
    declareSupport(b, op, kMatch, {i64, i64, i64}, i32);
    Value prog = constantWordsAddress(b, loc, *program);
    Value scratch = allocRunBytes(
        b, op, i64Const(b, loc, kiln_regex_scratch_bytes(program->data())));

    Value x = adaptor.getX();
    SmallVector<OpFoldResult> sizes = refineSizes(b, resTy, sizesOf(b, loc, x));
    auto outTy = RankedTensorType::get(staticSizes(sizes), b.getI1Type());
    Value init = createEmpty(b, loc, outTy, sizes);
    ElementLoops loops(b, loc, sizes);
    scf::LoopNest nest = scf::buildLoopNest(
        b, loc, loops.lbs, loops.ubs, loops.steps, ValueRange{init},
        [&](OpBuilder &nb, Location l, ValueRange ivs, ValueRange acc) {
          Value s = tensor::ExtractOp::create(nb, l, x, ivs);
          Value hit = callSupport(nb, l, kMatch, i32, {prog, s, scratch});
          Value bit = arith::CmpIOp::create(
              nb, l, arith::CmpIPredicate::ne, hit,
              arith::ConstantIntOp::create(nb, l, i32, 0));
          return scf::ValueVector{
              tensor::InsertOp::create(nb, l, bit, acc[0], ivs)};
        });
    rewriter.replaceOp(op, castTo(b, loc, nest.results[0], resTy));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// StringSplit
//===----------------------------------------------------------------------===//

struct StringSplitLowering : OpConversionPattern<OnnxStringSplitOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OnnxStringSplitOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    RankedTensorType yTy = resultTypeOf(*this, op, 0);
    RankedTensorType zTy = resultTypeOf(*this, op, 1);
    Value x = adaptor.getX();
    auto inTy = dyn_cast<RankedTensorType>(x.getType());
    if (!yTy || !zTy || !inTy || !isStringTensor(op.getX().getType()))
      return rewriter.notifyMatchFailure(op, "needs a ranked string tensor "
                                             "and ranked results");
    int64_t rank = inTy.getRank();
    if (yTy.getRank() != rank + 1 || zTy.getRank() != rank ||
        !zTy.getElementType().isInteger(64))
      return rewriter.notifyMatchFailure(
          op, "substrings must have rank of X + 1 and length X's shape");

    Location loc = op.getLoc();
    OpBuilder &b = rewriter;
    Type i64 = b.getI64Type();
    declareSupport(b, op, "kiln_str_split_count", {i64, i64, i64}, i64);
    declareSupport(b, op, "kiln_str_split_write", {i64, i64, i64, i64, i64},
                   i64);
    declareSupport(b, op, "kiln_str_split_piece", {i64, i64}, i64);
    declareSupport(b, op, "kiln_str_size", i64, i64);
    declareSupport(b, op, "kiln_str_empty", i64, i64);

    // An absent or empty delimiter splits at runs of whitespace (null).
    StringRef delimiter = op.getDelimiter().value_or("");
    Value delim = i64Const(b, loc, 0);
    if (!delimiter.empty()) {
      SmallVector<char> bytes(delimiter.begin(), delimiter.end());
      bytes.push_back(0);
      delim = constantBytesAddress(b, loc, bytes);
    }
    Value maxsplit = i64Const(b, loc, op.getMaxsplit().value_or(-1));

    SmallVector<OpFoldResult> sizes = refineSizes(b, zTy, sizesOf(b, loc, x));
    ElementLoops loops(b, loc, sizes);
    Value zero = i64Const(b, loc, 0);

    // Pass 1: each element's piece count, the most pieces, the bytes the
    // pieces can take (the string's plus one NUL each) and the pieces.
    auto countsTy = RankedTensorType::get(staticSizes(sizes), i64);
    Value counts0 = createEmpty(b, loc, countsTy, sizes);
    scf::LoopNest count = scf::buildLoopNest(
        b, loc, loops.lbs, loops.ubs, loops.steps,
        ValueRange{zero, zero, zero, counts0},
        [&](OpBuilder &nb, Location l, ValueRange ivs, ValueRange acc) {
          Value s = tensor::ExtractOp::create(nb, l, x, ivs);
          Value n = callSupport(nb, l, "kiln_str_split_count", i64,
                                {s, delim, maxsplit});
          Value bytes = arith::AddIOp::create(
              nb, l, callSupport(nb, l, "kiln_str_size", i64, s), n);
          return scf::ValueVector{
              arith::MaxSIOp::create(nb, l, acc[0], n),
              arith::AddIOp::create(nb, l, acc[1], bytes),
              arith::AddIOp::create(nb, l, acc[2], n),
              tensor::InsertOp::create(nb, l, n, acc[3], ivs)};
        });
    Value most = count.results[0], bytes = count.results[1],
          pieces = count.results[2], counts = count.results[3];

    // A static last dim of the substrings is a promise about the data.
    if (!yTy.isDynamicDim(rank)) {
      Value ok = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, most,
                                       i64Const(b, loc, yTy.getDimSize(rank)));
      check(b, loc, op, ok,
            checkMessage(b, op,
                         "the most substrings of an element (the last dim of "
                         "the substrings) differs from the model's type",
                         /*FAIL*/ 1));
    }

    // The pieces' bytes, then the empty string of the padding.
    Value base = allocRunBytes(
        b, op, arith::AddIOp::create(b, loc, bytes, i64Const(b, loc, 1)));
    Value emptyAt = arith::AddIOp::create(b, loc, base, bytes);
    Value empty = callSupport(b, loc, "kiln_str_empty", i64, emptyAt);
    Value addrs = allocRunBytes(
        b, op,
        arith::MulIOp::create(
            b, loc, arith::AddIOp::create(b, loc, pieces, i64Const(b, loc, 1)),
            i64Const(b, loc, 8)));
    SmallVector<OpFoldResult> ySizes(sizes);
    ySizes.push_back(yTy.isDynamicDim(rank)
                         ? OpFoldResult(toIndex(b, loc, most))
                         : OpFoldResult(b.getIndexAttr(yTy.getDimSize(rank))));
    Value y0 = createFilled(
        b, loc, RankedTensorType::get(staticSizes(ySizes), i64), ySizes, empty);

    // Pass 2: write each element's pieces and point the output at them.
    scf::LoopNest fill = scf::buildLoopNest(
        b, loc, loops.lbs, loops.ubs, loops.steps, ValueRange{zero, zero, y0},
        [&](OpBuilder &nb, Location l, ValueRange ivs, ValueRange acc) {
          Value s = tensor::ExtractOp::create(nb, l, x, ivs);
          Value n = tensor::ExtractOp::create(nb, l, counts, ivs);
          Value at = arith::AddIOp::create(
              nb, l, addrs,
              arith::MulIOp::create(nb, l, acc[1], i64Const(nb, l, 8)));
          Value written =
              callSupport(nb, l, "kiln_str_split_write", i64,
                          {s, delim, maxsplit,
                           arith::AddIOp::create(nb, l, base, acc[0]), at});
          auto inner = scf::ForOp::create(
              nb, l, cIdx(nb, l, 0), toIndex(nb, l, n), cIdx(nb, l, 1),
              ValueRange{acc[2]},
              [&](OpBuilder &kb, Location kl, Value k, ValueRange yAcc) {
                Value piece = callSupport(
                    kb, kl, "kiln_str_split_piece", i64,
                    {at, arith::IndexCastOp::create(kb, kl, i64, k)});
                SmallVector<Value> where(ivs);
                where.push_back(k);
                scf::YieldOp::create(kb, kl,
                                     ValueRange{tensor::InsertOp::create(
                                         kb, kl, piece, yAcc[0], where)});
              });
          return scf::ValueVector{arith::AddIOp::create(nb, l, acc[0], written),
                                  arith::AddIOp::create(nb, l, acc[1], n),
                                  inner.getResult(0)};
        });
    rewriter.replaceOp(op, {castTo(b, loc, fill.results[2], yTy),
                            castTo(b, loc, counts, zTy)});
    return success();
  }
};

} // namespace

void kiln::populateStringSearchPatterns(TypeConverter &tc,
                                        RewritePatternSet &patterns) {
  patterns.add<RegexFullMatchLowering, StringSplitLowering>(
      tc, patterns.getContext());
}
