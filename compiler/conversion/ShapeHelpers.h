//===- ShapeHelpers.h - Index math shared by shape/data movement -*- C++
//-*-===//
//
// Small helpers used by ShapeOps.cpp and DataMovement.cpp: reading constant
// shape-like inputs (dense or resource-backed) and index arithmetic on
// OpFoldResults that folds when both sides are known, so that static shapes
// stay static in the lowered IR.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CONVERSION_SHAPEHELPERS_H
#define KILN_COMPILER_CONVERSION_SHAPEHELPERS_H

#include "compiler/conversion/ConversionUtils.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

#include <cstring>

namespace kiln {
namespace shape_helpers {

/// Values of a constant tensor (dense or resource-backed, possibly behind
/// the casts the conversion driver inserts); see ConversionUtils.h.
inline std::optional<llvm::SmallVector<int64_t>> constInts(mlir::Value v) {
  return getConstantInts(v);
}
inline std::optional<llvm::SmallVector<double>> constFloats(mlir::Value v) {
  return getConstantFloats(v);
}

//===----------------------------------------------------------------------===//
// Folding index arithmetic on OpFoldResults (signed semantics).
//===----------------------------------------------------------------------===//

inline mlir::Value val(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::OpFoldResult x) {
  return mlir::getValueOrCreateConstantIndexOp(b, loc, x);
}

inline mlir::OpFoldResult idx(mlir::OpBuilder &b, int64_t v) {
  return b.getIndexAttr(v);
}

inline mlir::MLIRContext *ctxOf(mlir::OpFoldResult x) {
  if (auto v = llvm::dyn_cast<mlir::Value>(x))
    return v.getContext();
  return llvm::cast<mlir::Attribute>(x).getContext();
}

// x + 0, x - 0, x * 1, x / 1 are x and x * 0 is 0: no op is emitted.
using OptOfr = std::optional<mlir::OpFoldResult>;
inline OptOfr identityRight(std::optional<int64_t> cy, mlir::OpFoldResult x,
                            int64_t unit) {
  return cy == unit ? OptOfr(x) : std::nullopt;
}
inline OptOfr foldIdentityaddI(std::optional<int64_t> cx,
                               std::optional<int64_t> cy, mlir::OpFoldResult x,
                               mlir::OpFoldResult y) {
  return cx == 0 ? OptOfr(y) : identityRight(cy, x, 0);
}
inline OptOfr foldIdentitysubI(std::optional<int64_t>,
                               std::optional<int64_t> cy, mlir::OpFoldResult x,
                               mlir::OpFoldResult) {
  return identityRight(cy, x, 0);
}
inline OptOfr foldIdentitymulI(std::optional<int64_t> cx,
                               std::optional<int64_t> cy, mlir::OpFoldResult x,
                               mlir::OpFoldResult y) {
  if (cx == 0 || cy == 0)
    return OptOfr(mlir::Builder(ctxOf(x)).getIndexAttr(0));
  return cx == 1 ? OptOfr(y) : identityRight(cy, x, 1);
}
inline OptOfr foldIdentityfloorDivI(std::optional<int64_t>,
                                    std::optional<int64_t> cy,
                                    mlir::OpFoldResult x, mlir::OpFoldResult) {
  return identityRight(cy, x, 1);
}
inline OptOfr foldIdentityceilDivI(std::optional<int64_t>,
                                   std::optional<int64_t> cy,
                                   mlir::OpFoldResult x, mlir::OpFoldResult) {
  return identityRight(cy, x, 1);
}
inline OptOfr foldIdentityminI(std::optional<int64_t>, std::optional<int64_t>,
                               mlir::OpFoldResult, mlir::OpFoldResult) {
  return std::nullopt;
}
inline OptOfr foldIdentitymaxI(std::optional<int64_t>, std::optional<int64_t>,
                               mlir::OpFoldResult, mlir::OpFoldResult) {
  return std::nullopt;
}

#define KILN_FOLDING_BINOP(NAME, EXPR, OP)                                     \
  inline mlir::OpFoldResult NAME(mlir::OpBuilder &b, mlir::Location loc,       \
                                 mlir::OpFoldResult x, mlir::OpFoldResult y) { \
    auto cx = mlir::getConstantIntValue(x), cy = mlir::getConstantIntValue(y); \
    if (cx && cy) {                                                            \
      int64_t a = *cx, c = *cy;                                                \
      (void)a;                                                                 \
      (void)c;                                                                 \
      return b.getIndexAttr(EXPR);                                             \
    }                                                                          \
    if (auto r = foldIdentity##NAME(cx, cy, x, y))                             \
      return *r;                                                               \
    return mlir::arith::OP::create(b, loc, val(b, loc, x), val(b, loc, y))     \
        .getResult();                                                          \
  }
KILN_FOLDING_BINOP(addI, a + c, AddIOp)
KILN_FOLDING_BINOP(subI, a - c, SubIOp)
KILN_FOLDING_BINOP(mulI, a *c, MulIOp)
KILN_FOLDING_BINOP(minI, std::min(a, c), MinSIOp)
KILN_FOLDING_BINOP(maxI, std::max(a, c), MaxSIOp)
// Callers guarantee c > 0 where these fold.
KILN_FOLDING_BINOP(floorDivI, (a >= 0 ? a / c : -((-a + c - 1) / c)),
                   FloorDivSIOp)
KILN_FOLDING_BINOP(ceilDivI, (a >= 0 ? (a + c - 1) / c : -((-a) / c)),
                   CeilDivSIOp)
#undef KILN_FOLDING_BINOP

/// The size of `v` along `dim` as an OpFoldResult.
inline mlir::OpFoldResult dimOf(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::Value v, int64_t dim) {
  auto t = llvm::cast<mlir::RankedTensorType>(v.getType());
  if (!t.isDynamicDim(dim))
    return b.getIndexAttr(t.getDimSize(dim));
  return mlir::tensor::DimOp::create(b, loc, v, dim).getResult();
}

/// Static sizes of `sizes` (kDynamic where not constant).
inline llvm::SmallVector<int64_t>
staticSizes(llvm::ArrayRef<mlir::OpFoldResult> sizes) {
  llvm::SmallVector<int64_t> out;
  for (mlir::OpFoldResult s : sizes)
    out.push_back(
        mlir::getConstantIntValue(s).value_or(mlir::ShapedType::kDynamic));
  return out;
}

/// Element `i` of the 1-D integer tensor `t` as an index (run time).
inline mlir::Value extractIndex(mlir::OpBuilder &b, mlir::Location loc,
                                mlir::Value t, int64_t i) {
  mlir::Value pos = mlir::arith::ConstantIndexOp::create(b, loc, i);
  mlir::Value e = mlir::tensor::ExtractOp::create(b, loc, t, pos);
  return toIndex(b, loc, e);
}

/// Values of a 1-D integer tensor input: constants when known, extracted at
/// run time otherwise. Its length must be static, or given as `expected`
/// (e.g. the result rank for a shape input).
inline std::optional<llvm::SmallVector<mlir::OpFoldResult>>
intsOrRuntime(mlir::OpBuilder &b, mlir::Location loc, mlir::Value t,
              int64_t expected = -1) {
  llvm::SmallVector<mlir::OpFoldResult> out;
  if (auto c = constInts(t)) {
    for (int64_t v : *c)
      out.push_back(b.getIndexAttr(v));
    return out;
  }
  auto tt = llvm::dyn_cast<mlir::RankedTensorType>(t.getType());
  if (!tt || tt.getRank() > 1 ||
      (tt.getRank() == 1 && tt.isDynamicDim(0) && expected < 0))
    return std::nullopt;
  int64_t n = tt.getRank() == 0    ? 1
              : tt.isDynamicDim(0) ? expected
                                   : tt.getDimSize(0);
  for (int64_t i = 0; i < n; ++i) {
    if (tt.getRank() == 0)
      out.push_back(toIndex(
          b, loc,
          mlir::tensor::ExtractOp::create(b, loc, t, mlir::ValueRange{})));
    else
      out.push_back(extractIndex(b, loc, t, i));
  }
  return out;
}

} // namespace shape_helpers
} // namespace kiln

#endif
