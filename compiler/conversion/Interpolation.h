//===- Interpolation.h - Scalar interpolation kernels ------------*- C++
//-*-===//
//
// Interpolation weights shared by the resampling lowerings (Resize,
// GridSample, RoiAlign), built as scalar arith ops inside a linalg body.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CONVERSION_INTERPOLATION_H
#define KILN_COMPILER_CONVERSION_INTERPOLATION_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/SmallVector.h"

namespace kiln {

/// Keys cubic convolution weights (coefficient `a`) of the four taps
/// floor(x) - 1 .. floor(x) + 2 at fractional offset `r` = x - floor(x), in
/// `r`'s float type. ONNX Resize and GridSample both use this form.
inline llvm::SmallVector<mlir::Value, 4>
cubicWeights(mlir::OpBuilder &b, mlir::Location l, mlir::Value r, double a) {
  using namespace mlir;
  Type t = r.getType();
  auto c = [&](double v) -> Value {
    return arith::ConstantOp::create(b, l, b.getFloatAttr(t, v));
  };
  auto mul = [&](Value x, Value y) -> Value {
    return arith::MulFOp::create(b, l, x, y);
  };
  auto add = [&](Value x, Value y) -> Value {
    return arith::AddFOp::create(b, l, x, y);
  };
  // |d| in [1, 2]: ((a d - 5a) d + 8a) d - 4a.
  auto outer = [&](Value d) {
    return add(mul(add(mul(add(mul(c(a), d), c(-5 * a)), d), c(8 * a)), d),
               c(-4 * a));
  };
  // |d| in [0, 1]: ((a + 2) d - (a + 3)) d d + 1.
  auto inner = [&](Value d) {
    return add(mul(mul(add(mul(c(a + 2), d), c(-(a + 3))), d), d), c(1.0));
  };
  Value oneMinusR = arith::SubFOp::create(b, l, c(1.0), r);
  return {outer(add(r, c(1.0))), inner(r), inner(oneMinusR),
          outer(add(oneMinusR, c(1.0)))};
}

} // namespace kiln

#endif
