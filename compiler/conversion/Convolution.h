//===- Convolution.h - Convolution building blocks --------------*- C++ -*-===//
//
// Conv, ConvTranspose, ConvInteger and QLinearConv share one convolution
// core: the window geometry of the Conv-like attributes, a grouped
// convolution on linalg named ops (or a generic of their layout) and the
// epilogue adding a per-channel bias.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CONVERSION_CONVOLUTION_H
#define KILN_COMPILER_CONVERSION_CONVOLUTION_H

#include "compiler/conversion/SlidingWindow.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include <optional>
#include <string>

namespace kiln {

/// Element type the products of `t` values accumulate in: f32 for 16-bit
/// floats, `t` otherwise.
mlir::Type convAccumulatorType(mlir::Type t);

/// The output geometry of a Conv-like op.
struct ConvGeometry {
  WindowAttrs attrs;
  llvm::SmallVector<WindowDim> windows;
  /// N, M, spatial...: static where known.
  llvm::SmallVector<int64_t> outShape;
  llvm::SmallVector<mlir::OpFoldResult> outSizes;
};

/// Checks X [N, C, s...] and W [M, C/group, k...] against the Conv
/// attributes and computes the output geometry. The kernel size comes from W
/// or kernel_shape; it may be dynamic only with explicit pads (auto_pad
/// NOTSET or VALID). Returns the reason on failure.
std::optional<std::string>
analyzeConv(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
            mlir::Value w, int64_t group,
            std::optional<mlir::ArrayAttr> kernelShape,
            std::optional<mlir::ArrayAttr> strides,
            std::optional<mlir::ArrayAttr> dilations,
            std::optional<mlir::ArrayAttr> pads, llvm::StringRef autoPad,
            mlir::RankedTensorType resT, ConvGeometry &geo);

/// Convolves `padded` [N, C, s...] (already padded) with `w`
/// [M, C/group, k...] into a zero-filled tensor of `outShape`/`outSizes` with
/// element type `acc`. Float operands narrower than `acc` are extended;
/// integer operands must already have type `acc`.
mlir::Value buildConvolution(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value padded, mlir::Value w, int64_t group,
                             llvm::ArrayRef<int64_t> strides,
                             llvm::ArrayRef<int64_t> dilations,
                             llvm::ArrayRef<int64_t> outShape,
                             llvm::ArrayRef<mlir::OpFoldResult> outSizes,
                             mlir::Type acc);

/// Adds `bias` (1-D over dim 1, or null) to the float tensor `conv` and
/// narrows the result to `elem`; returns `conv` when there is nothing to do.
mlir::Value addChannelBias(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Value conv, mlir::Value bias, mlir::Type elem,
                           llvm::ArrayRef<mlir::OpFoldResult> outSizes);

} // namespace kiln

#endif
