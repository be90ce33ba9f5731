//===- YieldedValues.h - Values leaving a region being converted -*- C++
//-*-===//
//
// If, Loop and Scan move their ONNX bodies into scf regions unchanged and
// only rewrite the terminators; the conversion driver lowers the body ops
// later. A value a terminator yields may therefore still be unconverted (with
// an unsigned ONNX element type) or an outer value that was converted already,
// and its static dims may differ from the scf op's type. These helpers turn
// such a value into one the scf terminator can yield.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CONVERSION_YIELDEDVALUES_H
#define KILN_COMPILER_CONVERSION_YIELDEDVALUES_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln {

/// `v` as a value of type `to`, which may differ from v's type in static
/// dims and in signedness (body values keep their ONNX unsigned types until
/// the driver converts their producers; the unrealized cast is kept next to
/// the unsigned side so that it pairs with the driver's own bridge, and
/// reconcile-unrealized-casts folds the pair).
mlir::Value adapt(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                  mlir::RankedTensorType to);

/// A yielded value as seen from the new body `newBody`: the replacement of
/// an argument of the old body block `oldBody` (from `argReplacements`), the
/// converted value of an outer value, or a body value (still unconverted: the
/// driver bridges it when its producer is lowered).
mlir::Value resolveYielded(mlir::ConversionPatternRewriter &rewriter,
                           mlir::Value v, mlir::Region &newBody,
                           mlir::Block &oldBody,
                           llvm::ArrayRef<mlir::Value> argReplacements);

} // namespace kiln

#endif
