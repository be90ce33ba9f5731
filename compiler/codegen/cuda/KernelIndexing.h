//===- KernelIndexing.h - Index arithmetic of the GPU strategies -*- C++ -*-===//
//
// What the strategies that build their own launches share: linearized
// iteration spaces, their indices, and a linalg operand's element at them.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CODEGEN_CUDA_KERNELINDEXING_H
#define KILN_COMPILER_CODEGEN_CUDA_KERNELINDEXING_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"

namespace kiln {

/// An index constant.
mlir::Value indexConstant(mlir::OpBuilder &b, mlir::Location loc, int64_t v);

/// The product of `sizes` (folded when they are constants).
mlir::Value product(mlir::OpBuilder &b, mlir::Location loc,
                    mlir::ValueRange sizes);

/// The indices of `linear` in a row-major space of `sizes` (the last
/// fastest, so that neighbouring threads touch neighbouring elements),
/// written into `ivs`.
void delinearize(mlir::OpBuilder &b, mlir::Location loc, mlir::Value linear,
                 mlir::ValueRange sizes, llvm::MutableArrayRef<mlir::Value> ivs);

/// The indices `map` gives at the loop indices `ivs`, as arith ops.
llvm::SmallVector<mlir::Value> applyIndexingMap(mlir::OpBuilder &b,
                                                mlir::Location loc,
                                                mlir::AffineMap map,
                                                mlir::ValueRange ivs);

} // namespace kiln

#endif
