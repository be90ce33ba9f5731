//===- TextOps.cpp - onnx to linalg: text feature extraction --------------===//
//
// TfIdfVectorizer on integer tokens. The n-gram pool is an attribute, so it
// becomes a compile-time table: one row per distinct n-gram whose length is
// in [min_gram_length, max_gram_length], holding its tokens (padded), its
// length and the output column ngram_indexes gives it.
//
// Counting follows ONNX's reference (and ONNX Runtime): an n-gram of length
// n with skip distance d (1 + the number of skipped tokens, up to
// max_skip_count + 1) starting at s reads tokens s, s + d, ...,
// s + (n - 1) d of its row. Unigrams do not depend on d and are counted
// once. The loops run per row, per table entry, per distance and per start,
// and the entry's count c adds to its output column as the mode says: TF
// adds c, IDF adds weights[i] (or 1) when c > 0, TFIDF adds weights[i] * c
// (or c), where i is the n-gram's number in the pool, as in ONNX Runtime
// (ONNX's Python reference indexes weights by output column instead).
// ONNX Runtime rejects pools that repeat an n-gram, and in IDF mode lets the
// last n-gram seen in the row win a column that several share; both are
// declined here.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/ShapeHelpers.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include "llvm/ADT/DenseSet.h"

#include <map>

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;
using namespace kiln::shape_helpers;

namespace {

/// The n-grams TfIdfVectorizer counts, as flat tables (entry-major).
struct NgramTable {
  int64_t maxLength = 0;
  SmallVector<int64_t> tokens;  // entries x maxLength, zero padded
  SmallVector<int64_t> lengths; // per entry
  SmallVector<int64_t> columns; // per entry: its output column
  SmallVector<int64_t> numbers; // per entry: its number in the pool
  int64_t size() const { return lengths.size(); }
};

/// Builds the table from the pool attributes, or returns why it cannot.
/// ngram_counts[i] is where the n-grams of length i + 1 start in the pool;
/// n-grams are numbered through all lengths (also the ones outside
/// [minLength, maxLength], which are left out).
FailureOr<NgramTable> buildTable(ArrayRef<int64_t> pool,
                                 ArrayRef<int64_t> counts,
                                 ArrayRef<int64_t> indexes, int64_t minLength,
                                 int64_t maxLength, std::string &why) {
  std::map<SmallVector<int64_t>, int64_t> number; // n-gram -> its number
  int64_t next = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    int64_t length = i + 1;
    int64_t begin = counts[i];
    int64_t end = i + 1 < counts.size() ? counts[i + 1]
                                        : static_cast<int64_t>(pool.size());
    if (begin < 0 || end < begin || end > static_cast<int64_t>(pool.size())) {
      why = "ngram_counts is not an increasing list of pool offsets";
      return failure();
    }
    int64_t ngrams = (end - begin) / length;
    for (int64_t g = 0; g < ngrams; ++g, ++next) {
      if (length < minLength || length > maxLength)
        continue;
      const int64_t *first = pool.data() + begin + g * length;
      if (!number.emplace(SmallVector<int64_t>(first, first + length), next)
               .second) {
        why = "the pool repeats n-gram " + std::to_string(next) +
              " (ONNX Runtime rejects such pools)";
        return failure();
      }
    }
  }
  NgramTable table;
  for (const auto &[ngram, n] : number)
    table.maxLength =
        std::max<int64_t>(table.maxLength, static_cast<int64_t>(ngram.size()));
  for (const auto &[ngram, n] : number) {
    if (n >= static_cast<int64_t>(indexes.size())) {
      why = "ngram_indexes has no entry for n-gram " + std::to_string(n);
      return failure();
    }
    table.lengths.push_back(ngram.size());
    table.columns.push_back(indexes[n]);
    table.numbers.push_back(n);
    for (int64_t k = 0; k < table.maxLength; ++k)
      table.tokens.push_back(k < static_cast<int64_t>(ngram.size()) ? ngram[k]
                                                                    : 0);
  }
  return table;
}

Value i64Table(OpBuilder &b, Location loc, ArrayRef<int64_t> shape,
               ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get(shape, b.getI64Type());
  return arith::ConstantOp::create(b, loc,
                                   DenseElementsAttr::get(type, values));
}

Value addIdx(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::AddIOp::create(b, loc, x, y);
}
Value mulIdx(OpBuilder &b, Location loc, Value x, Value y) {
  return arith::MulIOp::create(b, loc, x, y);
}

struct TfIdfVectorizerLowering : OpConversionPattern<OnnxTfIdfVectorizerOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OnnxTfIdfVectorizerOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto xTy = dyn_cast<RankedTensorType>(adaptor.getX().getType());
    RankedTensorType resTy = resultTypeOf(*this, op);
    if (!xTy || !resTy || !resTy.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "needs ranked input and a f32 "
                                             "ranked result");
    Type elem = xTy.getElementType();
    if (!elem.isInteger(32) && !elem.isInteger(64))
      return rewriter.notifyMatchFailure(
          op, "only int32 and int64 tokens (pool_int64s) are supported; "
              "string tensors are not");
    if (op.getPoolStrings() || !op.getPoolInt64s())
      return rewriter.notifyMatchFailure(
          op, "pool_strings needs string tensors, which are not supported");
    int64_t rank = xTy.getRank();
    if ((rank != 1 && rank != 2) || resTy.getRank() != rank)
      return rewriter.notifyMatchFailure(op, "input must be [C] or [N, C]");
    StringRef mode = op.getMode();
    if (mode != "TF" && mode != "IDF" && mode != "TFIDF")
      return rewriter.notifyMatchFailure(op, "mode must be TF, IDF or TFIDF");

    SmallVector<int64_t> indexes = toInts(op.getNgramIndexes());
    if (indexes.empty())
      return rewriter.notifyMatchFailure(op, "ngram_indexes is empty");
    int64_t columns = *llvm::max_element(indexes) + 1;
    if (*llvm::min_element(indexes) < 0 ||
        (!resTy.isDynamicDim(rank - 1) &&
         resTy.getDimSize(rank - 1) != columns))
      return rewriter.notifyMatchFailure(
          op, "ngram_indexes do not match the output width");
    int64_t maxSkip = op.getMaxSkipCount();
    int64_t minLength = op.getMinGramLength(),
            maxLength = op.getMaxGramLength();
    if (maxSkip < 0 || minLength < 1 || maxLength < minLength)
      return rewriter.notifyMatchFailure(
          op, "needs max_skip_count >= 0 and 1 <= min_gram_length <= "
              "max_gram_length");
    std::string why;
    FailureOr<NgramTable> table =
        buildTable(toInts(op.getPoolInt64s()), toInts(op.getNgramCounts()),
                   indexes, minLength, maxLength, why);
    if (failed(table))
      return rewriter.notifyMatchFailure(op, why);
    FailureOr<SmallVector<float>> weights = entryWeights(op, *table, why);
    if (failed(weights))
      return rewriter.notifyMatchFailure(op, why);

    Value x = adaptor.getX();
    SmallVector<OpFoldResult> sizes;
    if (rank == 2)
      sizes.push_back(dimOf(rewriter, loc, x, 0));
    sizes.push_back(rewriter.getIndexAttr(columns));
    Value result = createFilled(
        rewriter, loc,
        RankedTensorType::get(staticSizes(sizes), rewriter.getF32Type()), sizes,
        scalarConstant(rewriter, loc, rewriter.getF32Type(), 0));
    if (table->size() > 0)
      result = countNgrams(rewriter, loc, x, result, *table, *weights, mode,
                           maxSkip);
    rewriter.replaceOp(op, castTo(rewriter, loc, result, resTy));
    return success();
  }

private:
  /// The weight of each table entry: weights[its pool number], or 1.
  static FailureOr<SmallVector<float>> entryWeights(OnnxTfIdfVectorizerOp op,
                                                    const NgramTable &table,
                                                    std::string &why) {
    SmallVector<float> out(table.size(), 1.0f);
    std::optional<ArrayAttr> given = op.getWeights();
    if (given && !given->empty()) {
      for (int64_t e = 0; e < table.size(); ++e) {
        int64_t n = table.numbers[e];
        if (n >= static_cast<int64_t>(given->size())) {
          why = "weights has no entry for n-gram " + std::to_string(n);
          return failure();
        }
        out[e] = cast<FloatAttr>((*given)[n]).getValueAsDouble();
      }
    }
    if (op.getMode() == "IDF") {
      llvm::SmallDenseSet<int64_t> seen;
      for (int64_t column : table.columns)
        if (!seen.insert(column).second) {
          why = "IDF mode with several n-grams in output column " +
                std::to_string(column) +
                " (ONNX Runtime keeps the weight of the last one found)";
          return failure();
        }
    }
    return out;
  }

  /// Adds to `result` ([rows,] columns, f32) the contribution of every
  /// table entry in every row of `x`.
  static Value countNgrams(OpBuilder &b, Location loc, Value x, Value result,
                           const NgramTable &table, ArrayRef<float> weights,
                           StringRef mode, int64_t maxSkip) {
    auto xTy = cast<RankedTensorType>(x.getType());
    int64_t rank = xTy.getRank();
    Value zero = cIdx(b, loc, 0), one = cIdx(b, loc, 1);
    Value rows = rank == 2 ? val(b, loc, dimOf(b, loc, x, 0)) : one;
    Value width = val(b, loc, dimOf(b, loc, x, rank - 1));
    Value tokens =
        i64Table(b, loc, {table.size(), table.maxLength}, table.tokens);
    Value lengths = i64Table(b, loc, {table.size()}, table.lengths);
    Value columns = i64Table(b, loc, {table.size()}, table.columns);
    Value weightTable = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(
            RankedTensorType::get({table.size()}, b.getF32Type()), weights));
    Value entries = cIdx(b, loc, table.size());
    Value distances = cIdx(b, loc, maxSkip + 1);
    Value i64Zero = scalarConstant(b, loc, b.getI64Type(), 0);

    auto rowLoop = scf::ForOp::create(
        b, loc, zero, rows, one, ValueRange{result},
        [&](OpBuilder &rb, Location rl, Value row, ValueRange rowIt) {
          auto at = [&](Value column) {
            return rank == 2 ? SmallVector<Value>{row, column}
                             : SmallVector<Value>{column};
          };
          auto entryLoop = scf::ForOp::create(
              rb, rl, zero, entries, one, ValueRange{rowIt[0]},
              [&](OpBuilder &eb, Location el, Value e, ValueRange entryIt) {
                Value length = toIndex(
                    eb, el, tensor::ExtractOp::create(eb, el, lengths, e));
                Value column = toIndex(
                    eb, el, tensor::ExtractOp::create(eb, el, columns, e));
                // Unigrams read the same tokens at every distance.
                Value unigram = arith::CmpIOp::create(
                    eb, el, arith::CmpIPredicate::eq, length, one);
                Value lastDistance =
                    arith::SelectOp::create(eb, el, unigram, one, distances);
                auto distanceLoop = scf::ForOp::create(
                    eb, el, one, addIdx(eb, el, lastDistance, one), one,
                    ValueRange{i64Zero},
                    [&](OpBuilder &db, Location dl, Value d,
                        ValueRange distanceIt) {
                      Value found = countAtDistance(db, dl, x, row, width,
                                                    tokens, e, length, d);
                      scf::YieldOp::create(db, dl,
                                           ValueRange{arith::AddIOp::create(
                                               db, dl, distanceIt[0], found)});
                    });
                Value weight =
                    tensor::ExtractOp::create(eb, el, weightTable, e);
                Value added = contribution(eb, el, mode,
                                           distanceLoop.getResult(0), weight);
                Value old =
                    tensor::ExtractOp::create(eb, el, entryIt[0], at(column));
                Value sum = arith::AddFOp::create(eb, el, old, added);
                scf::YieldOp::create(eb, el,
                                     ValueRange{tensor::InsertOp::create(
                                         eb, el, sum, entryIt[0], at(column))});
              });
          scf::YieldOp::create(rb, rl, entryLoop.getResults());
        });
    return rowLoop.getResult(0);
  }

  /// The number of starts s in `row` where entry `e` (of `length` tokens)
  /// matches tokens s, s + d, ... (i64).
  static Value countAtDistance(OpBuilder &b, Location loc, Value x, Value row,
                               Value width, Value tokens, Value e, Value length,
                               Value d) {
    int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
    Value zero = cIdx(b, loc, 0), one = cIdx(b, loc, 1);
    // The last token of an n-gram starting at s is at s + (length - 1) d,
    // which must lie in the row.
    Value span = mulIdx(b, loc, arith::SubIOp::create(b, loc, length, one), d);
    Value starts = arith::MaxSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, width, span), zero);
    Value i64Zero = scalarConstant(b, loc, b.getI64Type(), 0);
    auto startLoop = scf::ForOp::create(
        b, loc, zero, starts, one, ValueRange{i64Zero},
        [&](OpBuilder &sb, Location sl, Value s, ValueRange startIt) {
          Value matchesAll = arith::ConstantIntOp::create(sb, sl, 1, 1);
          auto tokenLoop = scf::ForOp::create(
              sb, sl, zero, length, one, ValueRange{matchesAll},
              [&](OpBuilder &kb, Location kl, Value k, ValueRange tokenIt) {
                Value pos = addIdx(kb, kl, s, mulIdx(kb, kl, k, d));
                SmallVector<Value> at = rank == 2 ? SmallVector<Value>{row, pos}
                                                  : SmallVector<Value>{pos};
                Value token = tensor::ExtractOp::create(kb, kl, x, at);
                if (!token.getType().isInteger(64))
                  token =
                      arith::ExtSIOp::create(kb, kl, kb.getI64Type(), token);
                Value wanted =
                    tensor::ExtractOp::create(kb, kl, tokens, ValueRange{e, k});
                Value same = arith::CmpIOp::create(
                    kb, kl, arith::CmpIPredicate::eq, token, wanted);
                scf::YieldOp::create(kb, kl,
                                     ValueRange{arith::AndIOp::create(
                                         kb, kl, tokenIt[0], same)});
              });
          Value hit = arith::ExtUIOp::create(sb, sl, sb.getI64Type(),
                                             tokenLoop.getResult(0));
          scf::YieldOp::create(
              sb, sl,
              ValueRange{arith::AddIOp::create(sb, sl, startIt[0], hit)});
        });
    return startLoop.getResult(0);
  }

  /// What an entry found `count` (i64) times adds to its column.
  static Value contribution(OpBuilder &b, Location loc, StringRef mode,
                            Value count, Value weight) {
    Type f32 = b.getF32Type();
    if (mode == "IDF") {
      Value found =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, count,
                                scalarConstant(b, loc, b.getI64Type(), 0));
      return arith::SelectOp::create(b, loc, found, weight,
                                     scalarConstant(b, loc, f32, 0));
    }
    Value asFloat = arith::SIToFPOp::create(b, loc, f32, count);
    if (mode == "TF")
      return asFloat;
    return arith::MulFOp::create(b, loc, weight, asFloat);
  }
};

} // namespace

void kiln::populateTextOpsPatterns(TypeConverter &tc,
                                   RewritePatternSet &patterns) {
  patterns.add<TfIdfVectorizerLowering>(tc, patterns.getContext());
}
