// RUN: kiln-opt %s --kiln-fold-scale -split-input-file | FileCheck %s

// Attention's scale of its scores, Div(Q Kt, 8) with Q from a projection
// through the heads' Reshape and Transpose: the factor goes into the
// key projection's constants (the MatMul's constant side is tried first;
// Kt reaches Wk and bk): Wk / 8 and bk / 8, and the Div is gone.
// CHECK-LABEL: func.func @attention_scale
// CHECK-DAG: %[[WK:.*]] = onnx.Constant() {value = dense<{{\[\[}}2.500000e-01, 5.000000e-01], [7.500000e-01, 1.000000e+00]]> : tensor<2x2xf32>}
// CHECK-DAG: %[[BK:.*]] = onnx.Constant() {value = dense<[1.250000e-01, -1.250000e-01]> : tensor<2xf32>}
// CHECK-DAG: onnx.MatMul(%arg0, %[[WK]])
// CHECK-DAG: onnx.Add(%{{.*}}, %[[BK]])
// CHECK-NOT: onnx.Div
func.func @attention_scale(%x: tensor<3x2xf32>, %q: tensor<1x3x2xf32>) -> tensor<1x3x3xf32> {
  %wk = onnx.Constant() {value = dense<[[2.0, 4.0], [6.0, 8.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %bk = onnx.Constant() {value = dense<[1.0, -1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %shape = onnx.Constant() {value = dense<[1, 3, 2]> : tensor<3xi64>} : () -> tensor<3xi64>
  %c = onnx.Constant() {value = dense<8.0> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.MatMul(%x, %wk) : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %1 = onnx.Add(%0, %bk) : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3x2xf32>
  %2 = onnx.Reshape(%1, %shape) : (tensor<3x2xf32>, tensor<3xi64>) -> tensor<1x3x2xf32>
  %3 = onnx.Transpose(%2) {perm = [0, 2, 1]} : (tensor<1x3x2xf32>) -> tensor<1x2x3xf32>
  %4 = onnx.MatMul(%q, %3) : (tensor<1x3x2xf32>, tensor<1x2x3xf32>) -> tensor<1x3x3xf32>
  %5 = onnx.Div(%4, %c) : (tensor<1x3x3xf32>, tensor<f32>) -> tensor<1x3x3xf32>
  return %5 : tensor<1x3x3xf32>
}

// -----

// A factor on the left of a Mul, into a Gemm: alpha and beta take it
// (alpha 2 * 0.5 is the default 1 again).
// CHECK-LABEL: func.func @gemm_factor
// CHECK: %[[G:.*]] = onnx.Gemm(%arg0, %arg1, %arg2) {beta = 5.000000e-01 : f32}
// CHECK-NOT: onnx.Mul
// CHECK: return %[[G]]
func.func @gemm_factor(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>, %c: tensor<4xf32>) -> tensor<2x4xf32> {
  %s = onnx.Constant() {value = dense<0.5> : tensor<1xf32>} : () -> tensor<1xf32>
  %0 = onnx.Gemm(%a, %b, %c) {alpha = 2.0 : f32} : (tensor<2x3xf32>, tensor<3x4xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  %1 = onnx.Mul(%s, %0) : (tensor<1xf32>, tensor<2x4xf32>) -> tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

// The projection's result has a second user, which must see it unscaled:
// nothing folds.
// CHECK-LABEL: func.func @shared_projection
// CHECK: onnx.Div
func.func @shared_projection(%x: tensor<3x2xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %w = onnx.Constant() {value = dense<[[2.0, 4.0], [6.0, 8.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %c = onnx.Constant() {value = dense<8.0> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.MatMul(%x, %w) : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32>
  %1 = onnx.Div(%0, %c) : (tensor<3x2xf32>, tensor<f32>) -> tensor<3x2xf32>
  return %1, %0 : tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

// A small constant with another user is copied: the Sub keeps the
// original, the MatMul gets W * 3.
// CHECK-LABEL: func.func @shared_constant
// CHECK-DAG: %[[W:.*]] = onnx.Constant() {value = dense<{{\[\[}}1.000000e+00, 2.000000e+00]]> : tensor<1x2xf32>}
// CHECK-DAG: %[[W3:.*]] = onnx.Constant() {value = dense<{{\[\[}}3.000000e+00, 6.000000e+00]]> : tensor<1x2xf32>}
// CHECK-DAG: onnx.MatMul(%arg0, %[[W3]])
// CHECK-DAG: onnx.Sub(%arg1, %[[W]])
// CHECK-NOT: onnx.Mul
func.func @shared_constant(%x: tensor<2x1xf32>, %y: tensor<1x2xf32>) -> (tensor<2x2xf32>, tensor<1x2xf32>) {
  %w = onnx.Constant() {value = dense<[[1.0, 2.0]]> : tensor<1x2xf32>} : () -> tensor<1x2xf32>
  %c = onnx.Constant() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.MatMul(%x, %w) : (tensor<2x1xf32>, tensor<1x2xf32>) -> tensor<2x2xf32>
  %1 = onnx.Mul(%0, %c) : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xf32>
  %2 = onnx.Sub(%y, %w) : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  return %1, %2 : tensor<2x2xf32>, tensor<1x2xf32>
}

// -----

// No constant to take the factor (a product of two inputs), a divisor on
// the left, a factor of zero, a tensor that is not a scalar, and f16
// weights (their product would round again): all stay.
// CHECK-LABEL: func.func @not_folded
// CHECK: onnx.Div
// CHECK: onnx.Div
// CHECK: onnx.Mul
// CHECK: onnx.Mul
// CHECK: onnx.Mul
func.func @not_folded(%x: tensor<2x2xf32>, %y: tensor<2x2xf32>, %h: tensor<2x2xf16>) -> (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf16>) {
  %w = onnx.Constant() {value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>} : () -> tensor<2x2xf32>
  %wh = onnx.Constant() {value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf16>} : () -> tensor<2x2xf16>
  %c = onnx.Constant() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %z = onnx.Constant() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %v = onnx.Constant() {value = dense<[2.0, 3.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %ch = onnx.Constant() {value = dense<2.0> : tensor<f16>} : () -> tensor<f16>
  %0 = onnx.MatMul(%x, %y) : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %1 = onnx.Div(%0, %c) : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xf32>
  %2 = onnx.MatMul(%x, %w) : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %3 = onnx.Div(%c, %2) : (tensor<f32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %4 = onnx.MatMul(%y, %w) : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %5 = onnx.Mul(%4, %z) : (tensor<2x2xf32>, tensor<f32>) -> tensor<2x2xf32>
  %6 = onnx.MatMul(%x, %w) : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xf32>
  %7 = onnx.Mul(%6, %v) : (tensor<2x2xf32>, tensor<2xf32>) -> tensor<2x2xf32>
  %8 = onnx.MatMul(%h, %wh) : (tensor<2x2xf16>, tensor<2x2xf16>) -> tensor<2x2xf16>
  %9 = onnx.Mul(%8, %ch) : (tensor<2x2xf16>, tensor<f16>) -> tensor<2x2xf16>
  return %1, %3, %5, %7, %9 : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf16>
}
