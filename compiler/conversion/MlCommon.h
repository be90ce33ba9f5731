//===- MlCommon.h - Helpers shared by the ai.onnx.ml lowerings --*- C++ -*-===//
//
// The classifiers and regressors of the ai.onnx.ml domain (linear, SVM, tree
// ensembles) end alike: per row, a few raw scores become the output scores
// through a post transform, and a label is picked. ONNX leaves much of that
// to the implementation; these helpers follow ONNX Runtime's kernels
// (onnxruntime/core/providers/cpu/ml/ml_common.h), whose results the users
// of these models compare with.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CONVERSION_MLCOMMON_H
#define KILN_COMPILER_CONVERSION_MLCOMMON_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>

namespace kiln::ml {

enum class PostTransform { None, Logistic, Softmax, SoftmaxZero, Probit };

/// The post_transform attribute's value (the string of opsets 1-3 or the
/// integer of TreeEnsemble-5), if it is one of ONNX's.
std::optional<PostTransform> parsePostTransform(llvm::StringRef s);
std::optional<PostTransform> postTransformFromInt(int64_t v);

/// Whether a classifier's results are [N] labels and [N, C] scores of a
/// known C, the form every classifier lowering builds.
inline bool isClassifierResult(mlir::RankedTensorType labels,
                               mlir::RankedTensorType scores) {
  return labels && scores && labels.getRank() == 1 && scores.getRank() == 2 &&
         !scores.isDynamicDim(1);
}

/// 1 / (1 + exp(-x)), computed as ONNX Runtime does (from -|x|).
mlir::Value logistic(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// sqrt(2) * erfinv(2x - 1) with ONNX Runtime's approximation of erfinv.
mlir::Value probit(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

/// ONNX Runtime's write_scores: the post transform of one row's scores.
/// A single score becomes two (the complementary class first) according to
/// `addSecondClass` (0/1: 1 - s, s; 2/3: -s, s or their logistics; -1:
/// stays one score).
llvm::SmallVector<mlir::Value> transformScores(mlir::OpBuilder &b,
                                               mlir::Location loc,
                                               llvm::ArrayRef<mlir::Value> s,
                                               PostTransform transform,
                                               int addSecondClass);

/// values[index] (index: an index value) as a chain of selects; the last
/// value for indices past the end.
mlir::Value pick(mlir::OpBuilder &b, mlir::Location loc,
                 llvm::ArrayRef<mlir::Value> values, mlir::Value index);

/// Computes row `row` of a result from the rows' scalars.
using RowFn = llvm::function_ref<llvm::SmallVector<mlir::Value>(
    mlir::OpBuilder &, mlir::Location, mlir::Value row)>;

/// A tensor of `type`, [rows] or [rows, K] (K static), whose row r holds
/// the scalars rowFn(r) (one for a 1-D result). Each element evaluates the
/// row function and keeps its own column: rows are a handful of scores.
mlir::Value buildRows(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::RankedTensorType type, mlir::OpFoldResult rows,
                      RowFn rowFn);

/// A constant tensor of `elem` (8- to 64-bit integers, f32 or f64) holding
/// `values` (1-D, or of `shape`), as a resource blob named `name` (kept out
/// of the IR text).
mlir::Value constantVector(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type elem, llvm::ArrayRef<double> values,
                           llvm::StringRef name,
                           llvm::ArrayRef<int64_t> shape = {});

/// The floats of a FLOATS attribute, or of a TENSOR one (the *_as_tensor
/// forms, which win when present); empty when neither is set.
llvm::SmallVector<double> floatsOf(mlir::Attribute floats,
                                   mlir::Attribute tensor = {});
/// The integers of an INTS attribute; empty when it is not set.
llvm::SmallVector<int64_t> intsOf(mlir::Attribute ints);
/// The strings of a STRINGS attribute; empty when it is not set.
llvm::SmallVector<std::string> stringsOf(mlir::Attribute strings);

/// A classifier's class labels (classlabels_ints/_int64s or
/// classlabels_strings), as the label output holds them: an index i < size()
/// is labels[i]; ONNX Runtime's literal labels of some binary cases, 0 and 1
/// ("0" and "1" for strings), are the indices negative() and positive().
class LabelTable {
public:
  LabelTable(llvm::ArrayRef<int64_t> ints, llvm::ArrayRef<std::string> strings)
      : ints(ints), strings(strings) {}
  size_t size() const { return strings.empty() ? ints.size() : strings.size(); }
  int64_t negative() const { return size(); }
  int64_t positive() const { return size() + 1; }
  /// Builds the constants (before the label's generic, at `b`'s insertion
  /// point).
  void materialize(mlir::OpBuilder &b, mlir::Location loc);
  /// The label (i64, or a string's address) of index `idx` (i64).
  mlir::Value at(mlir::OpBuilder &b, mlir::Location loc, mlir::Value idx) const;

private:
  llvm::SmallVector<int64_t> ints;
  llvm::SmallVector<std::string> strings;
  mlir::Value table, base;
};

/// `x` (rank 1 or 2) as a 2-D [N, C] tensor: a 1-D input is one row, as in
/// ONNX Runtime. Null for other ranks.
mlir::Value asRows(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

} // namespace kiln::ml

#endif
