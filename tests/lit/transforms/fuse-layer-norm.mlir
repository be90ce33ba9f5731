// RUN: kiln-opt %s --kiln-fuse-layer-norm -split-input-file | FileCheck %s

// The decomposition PyTorch exports before opset 17 (epsilon 1e-5 is the
// default, so it is not printed).
// CHECK-LABEL: func.func @layer_norm
// CHECK-SAME: (%[[X:.*]]: tensor<2x5x8xf32>, %[[G:.*]]: tensor<8xf32>, %[[B:.*]]: tensor<8xf32>)
// CHECK-NEXT: %[[Y:.*]], %{{.*}}, %{{.*}} = onnx.LayerNormalization(%[[X]], %[[G]], %[[B]]) {axis = 2 : i64} : (tensor<2x5x8xf32>, tensor<8xf32>, tensor<8xf32>) -> (tensor<2x5x8xf32>, tensor<2x5x1xf32>, tensor<2x5x1xf32>)
// CHECK-NEXT: return %[[Y]]
func.func @layer_norm(%x: tensor<2x5x8xf32>, %g: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<2x5x8xf32> {
  %axes = onnx.Constant() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %two = onnx.Constant() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %eps = onnx.Constant() {value = dense<1.0e-5> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.ReduceMean(%x, %axes) : (tensor<2x5x8xf32>, tensor<1xi64>) -> tensor<2x5x1xf32>
  %1 = onnx.Sub(%x, %0) : (tensor<2x5x8xf32>, tensor<2x5x1xf32>) -> tensor<2x5x8xf32>
  %2 = onnx.Pow(%1, %two) : (tensor<2x5x8xf32>, tensor<f32>) -> tensor<2x5x8xf32>
  %3 = onnx.ReduceMean(%2, %axes) : (tensor<2x5x8xf32>, tensor<1xi64>) -> tensor<2x5x1xf32>
  %4 = onnx.Add(%3, %eps) : (tensor<2x5x1xf32>, tensor<f32>) -> tensor<2x5x1xf32>
  %5 = onnx.Sqrt(%4) : (tensor<2x5x1xf32>) -> tensor<2x5x1xf32>
  %6 = onnx.Div(%1, %5) : (tensor<2x5x8xf32>, tensor<2x5x1xf32>) -> tensor<2x5x8xf32>
  %7 = onnx.Mul(%6, %g) : (tensor<2x5x8xf32>, tensor<8xf32>) -> tensor<2x5x8xf32>
  %8 = onnx.Add(%b, %7) : (tensor<8xf32>, tensor<2x5x8xf32>) -> tensor<2x5x8xf32>
  return %8 : tensor<2x5x8xf32>
}

// -----

// Two trailing axes, the square as a product, no scale or bias: the scale
// becomes ones over the normalized dims and the bias is absent.
// CHECK-LABEL: func.func @no_affine
// CHECK: %[[ONES:.*]] = onnx.Constant() {value = dense<1.000000e+00> : tensor<3x4xf32>}
// CHECK: %[[NONE:.*]] = onnx.NoValue
// CHECK: onnx.LayerNormalization(%arg0, %[[ONES]], %[[NONE]]) {axis = 1 : i64, epsilon = 1.000000e-03 : f32}
// CHECK-NOT: onnx.ReduceMean
func.func @no_affine(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  %axes = onnx.Constant() {value = dense<[2, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %eps = onnx.Constant() {value = dense<1.0e-3> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.ReduceMean(%x, %axes) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x1x1xf32>
  %1 = onnx.Sub(%x, %0) : (tensor<2x3x4xf32>, tensor<2x1x1xf32>) -> tensor<2x3x4xf32>
  %2 = onnx.Mul(%1, %1) : (tensor<2x3x4xf32>, tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  %3 = onnx.ReduceMean(%2, %axes) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<2x1x1xf32>
  %4 = onnx.Add(%eps, %3) : (tensor<f32>, tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %5 = onnx.Sqrt(%4) : (tensor<2x1x1xf32>) -> tensor<2x1x1xf32>
  %6 = onnx.Div(%1, %5) : (tensor<2x3x4xf32>, tensor<2x1x1xf32>) -> tensor<2x3x4xf32>
  return %6 : tensor<2x3x4xf32>
}

// -----

// Not layer norm: reductions over a leading axis, different axes for mean and
// variance, a scale that varies along an unnormalized axis (fused without it),
// and a Pow other than 2.
// CHECK-LABEL: func.func @not_layer_norm
// CHECK-COUNT-2: onnx.ReduceMean
// CHECK: onnx.LayerNormalization
// CHECK-SAME: axis = 1 : i64
// CHECK-NEXT: onnx.Mul
// CHECK-COUNT-2: onnx.ReduceMean
// CHECK-NOT: onnx.LayerNormalization
func.func @not_layer_norm(%x: tensor<4x8xf32>, %g: tensor<4x1xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %a0 = onnx.Constant() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %a1 = onnx.Constant() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %two = onnx.Constant() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %three = onnx.Constant() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %eps = onnx.Constant() {value = dense<1.0e-5> : tensor<f32>} : () -> tensor<f32>
  // Leading axis.
  %0 = onnx.ReduceMean(%x, %a0) : (tensor<4x8xf32>, tensor<1xi64>) -> tensor<1x8xf32>
  %1 = onnx.Sub(%x, %0) : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  %2 = onnx.Pow(%1, %two) : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = onnx.ReduceMean(%2, %a0) : (tensor<4x8xf32>, tensor<1xi64>) -> tensor<1x8xf32>
  %4 = onnx.Add(%3, %eps) : (tensor<1x8xf32>, tensor<f32>) -> tensor<1x8xf32>
  %5 = onnx.Sqrt(%4) : (tensor<1x8xf32>) -> tensor<1x8xf32>
  %6 = onnx.Div(%1, %5) : (tensor<4x8xf32>, tensor<1x8xf32>) -> tensor<4x8xf32>
  // Scale along the batch axis: the normalization fuses, the Mul stays.
  %10 = onnx.ReduceMean(%x, %a1) : (tensor<4x8xf32>, tensor<1xi64>) -> tensor<4x1xf32>
  %11 = onnx.Sub(%x, %10) : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %12 = onnx.Pow(%11, %two) : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %13 = onnx.ReduceMean(%12, %a1) : (tensor<4x8xf32>, tensor<1xi64>) -> tensor<4x1xf32>
  %14 = onnx.Add(%13, %eps) : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %15 = onnx.Sqrt(%14) : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %16 = onnx.Div(%11, %15) : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %17 = onnx.Mul(%16, %g) : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  // Pow 3.
  %20 = onnx.ReduceMean(%x, %a1) : (tensor<4x8xf32>, tensor<1xi64>) -> tensor<4x1xf32>
  %21 = onnx.Sub(%x, %20) : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  %22 = onnx.Pow(%21, %three) : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %23 = onnx.ReduceMean(%22, %a1) : (tensor<4x8xf32>, tensor<1xi64>) -> tensor<4x1xf32>
  %24 = onnx.Add(%23, %eps) : (tensor<4x1xf32>, tensor<f32>) -> tensor<4x1xf32>
  %25 = onnx.Sqrt(%24) : (tensor<4x1xf32>) -> tensor<4x1xf32>
  %26 = onnx.Div(%21, %25) : (tensor<4x8xf32>, tensor<4x1xf32>) -> tensor<4x8xf32>
  return %6, %17, %26 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}
