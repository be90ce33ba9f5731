//===- SlidingWindow.h - Conv/pooling window geometry -----------*- C++ -*-===//
//
// ONNX Conv, ConvTranspose and the pooling ops share one description of a
// sliding window along each spatial dim (kernel, strides, dilations, pads,
// auto_pad, ceil_mode). These helpers compute pad amounts and output sizes
// exactly as the ONNX spec does, folding to constants for static dims and
// emitting arith on index values for dynamic ones.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CONVERSION_SLIDINGWINDOW_H
#define KILN_COMPILER_CONVERSION_SLIDINGWINDOW_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Support/LLVM.h"

namespace kiln {

/// Index arithmetic on OpFoldResults: folds when the operands are constant,
/// emits arith ops on `index` otherwise. Divisions assume non-negative
/// numerators (they lower to plain signed division, no arith-expand needed).
struct IndexMath {
  mlir::OpBuilder &b;
  mlir::Location loc;

  mlir::OpFoldResult c(int64_t v);
  mlir::Value value(mlir::OpFoldResult v);
  mlir::OpFoldResult add(mlir::OpFoldResult x, mlir::OpFoldResult y);
  mlir::OpFoldResult sub(mlir::OpFoldResult x, mlir::OpFoldResult y);
  mlir::OpFoldResult mul(mlir::OpFoldResult x, mlir::OpFoldResult y);
  /// x / y for x >= 0.
  mlir::OpFoldResult div(mlir::OpFoldResult x, mlir::OpFoldResult y);
  /// ceil(x / y) for x >= 0.
  mlir::OpFoldResult ceilDiv(mlir::OpFoldResult x, mlir::OpFoldResult y);
  mlir::OpFoldResult max(mlir::OpFoldResult x, mlir::OpFoldResult y);
  mlir::OpFoldResult min(mlir::OpFoldResult x, mlir::OpFoldResult y);
  /// x >= y ? t : f.
  mlir::OpFoldResult selectGE(mlir::OpFoldResult x, mlir::OpFoldResult y,
                              mlir::OpFoldResult t, mlir::OpFoldResult f);
};

/// One spatial dim of a sliding window.
struct WindowDim {
  int64_t kernel = 1, stride = 1, dilation = 1;
  mlir::OpFoldResult in;       // input size
  mlir::OpFoldResult padBegin; // ONNX pads (explicit or from auto_pad)
  mlir::OpFoldResult padEnd;
  /// Extra high padding beyond padEnd so the last ceil_mode window stays in
  /// bounds of the padded tensor (it reads only padding values there).
  mlir::OpFoldResult extraEnd;
  mlir::OpFoldResult out; // output size

  /// Dilated kernel extent: dilation * (kernel - 1) + 1.
  int64_t extent() const { return dilation * (kernel - 1) + 1; }
};

/// Attributes of a Conv/pooling op, already defaulted (one entry per spatial
/// dim; pads has 2 entries per dim: all begins, then all ends).
struct WindowAttrs {
  llvm::SmallVector<int64_t> kernel, strides, dilations, pads;
  llvm::StringRef autoPad = "NOTSET";
  bool ceilMode = false;
};

/// Fills in defaults and checks the attribute sizes for `spatialRank` dims.
/// Returns a reason on failure.
std::optional<std::string> normalizeWindowAttrs(WindowAttrs &attrs,
                                                int64_t spatialRank);

/// Computes the window geometry of each spatial dim of `input` (N, C,
/// spatial...) with ONNX semantics:
///   NOTSET: explicit pads;  VALID: no pads;
///   SAME_UPPER/SAME_LOWER: out = ceil(in / stride), total pad =
///     max(0, (out - 1) * stride + extent - in), the odd pad at the end
///     (UPPER) or at the beginning (LOWER);
///   out = floor((in + pads - extent) / stride) + 1, or with ceil_mode the
///     ceiling, minus one when the last window would start in the end
///     padding (as the ONNX spec and onnxruntime do).
llvm::SmallVector<WindowDim> computeWindows(mlir::OpBuilder &b,
                                            mlir::Location loc,
                                            mlir::Value input,
                                            const WindowAttrs &attrs);

/// Pads the spatial dims of `input` (N, C, spatial...) by padBegin and
/// padEnd + extraEnd with `padValue`; returns `input` when nothing is padded.
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::Value input, llvm::ArrayRef<WindowDim> windows,
                       mlir::Value padValue);

/// Static shape of the output: N and C as given, spatial dims from
/// `windows` (dynamic where the output size is only known at run time).
llvm::SmallVector<int64_t> windowOutputShape(int64_t n, int64_t c,
                                             llvm::ArrayRef<WindowDim> windows);

/// Dense i64 tensor attribute of `values` (the strides/dilations form the
/// linalg convolution and pooling ops expect).
mlir::DenseIntElementsAttr i64TensorAttr(mlir::OpBuilder &b,
                                         llvm::ArrayRef<int64_t> values);

/// `v` as a tensor of type `want` (a tensor.cast when only the static
/// information differs). The caller checks compatibility first.
mlir::Value castToResultType(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::Value v, mlir::Type want);

/// True when a tensor of static shape `shape` can be cast to `want`.
bool isShapeCastCompatible(llvm::ArrayRef<int64_t> shape, mlir::Type want);

} // namespace kiln

#endif
