// RUN: kiln-opt %s --kiln-fold-into-conv -split-input-file | FileCheck %s
// RUN: kiln-opt %s --kiln-fold-into-conv=fold-elementwise=false -split-input-file | FileCheck %s --check-prefix=BNONLY

// BatchNormalization after a constant Conv: s = scale / sqrt(var + eps),
// W' = W * s per output channel, B' = (B - mean) * s + beta.
// s = [2 / sqrt(4), 3 / sqrt(1)] = [1, 3]; B' = [(1 - 1) * 1 + 0.5, (2 - 0) * 3 - 1].
// CHECK-LABEL: func.func @conv_bn
// CHECK-DAG: %[[W:.*]] = onnx.Constant() {value = dense<{{.*}}1.000000e+00{{.*}}2.000000e+00{{.*}}9.000000e+00{{.*}}1.200000e+01{{.*}}> : tensor<2x2x1x1xf32>}
// CHECK-DAG: %[[B:.*]] = onnx.Constant() {value = dense<[5.000000e-01, 5.000000e+00]> : tensor<2xf32>}
// CHECK: %[[C:.*]] = onnx.Conv(%arg0, %[[W]], %[[B]])
// CHECK-NOT: onnx.BatchNormalization
// CHECK: return %[[C]]
func.func @conv_bn(%x: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %w = onnx.Constant() {value = dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]]]> : tensor<2x2x1x1xf32>} : () -> tensor<2x2x1x1xf32>
  %b = onnx.Constant() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %scale = onnx.Constant() {value = dense<[2.0, 3.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %beta = onnx.Constant() {value = dense<[0.5, -1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %mean = onnx.Constant() {value = dense<[1.0, 0.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %var = onnx.Constant() {value = dense<[4.0, 1.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %0 = onnx.Conv(%x, %w, %b) : (tensor<1x2x3x3xf32>, tensor<2x2x1x1xf32>, tensor<2xf32>) -> tensor<1x2x3x3xf32>
  %1, %rm, %rv = onnx.BatchNormalization(%0, %scale, %beta, %mean, %var) {epsilon = 0.0 : f32} : (tensor<1x2x3x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x3x3xf32>, none, none)
  return %1 : tensor<1x2x3x3xf32>
}

// -----

// Conv without bias, then Mul by a per-channel constant, then Add of one:
// both fold (W * [2, 10], B = [0, 0] * [2, 10] + [1, 2]).
// CHECK-LABEL: func.func @conv_mul_add
// CHECK-DAG: onnx.Constant() {value = dense<{{.*}}2.000000e+00{{.*}}3.000000e+01{{.*}}> : tensor<2x1x1x1xf32>}
// CHECK-DAG: onnx.Constant() {value = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>}
// CHECK: onnx.Conv
// CHECK-NOT: onnx.Mul
// CHECK-NOT: onnx.Add
// BNONLY-LABEL: func.func @conv_mul_add
// BNONLY: onnx.Mul
// BNONLY: onnx.Add
func.func @conv_mul_add(%x: tensor<1x1x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %none = onnx.NoValue
  %w = onnx.Constant() {value = dense<[[[[1.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>} : () -> tensor<2x1x1x1xf32>
  %m = onnx.Constant() {value = dense<[[[2.0]], [[10.0]]]> : tensor<2x1x1xf32>} : () -> tensor<2x1x1xf32>
  %a = onnx.Constant() {value = dense<[[[[1.0]], [[2.0]]]]> : tensor<1x2x1x1xf32>} : () -> tensor<1x2x1x1xf32>
  %0 = onnx.Conv(%x, %w, %none) : (tensor<1x1x4x4xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  %1 = onnx.Mul(%m, %0) : (tensor<2x1x1xf32>, tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %2 = onnx.Add(%1, %a) : (tensor<1x2x4x4xf32>, tensor<1x2x1x1xf32>) -> tensor<1x2x4x4xf32>
  return %2 : tensor<1x2x4x4xf32>
}

// -----

// Not folded: a constant that varies along a spatial dim, a Conv whose result
// has another user, weights that are not constants, training BatchNorm.
// CHECK-LABEL: func.func @not_folded
// CHECK: onnx.Add
// CHECK: onnx.Mul
// CHECK: onnx.Add
// CHECK: onnx.BatchNormalization
func.func @not_folded(%x: tensor<1x1x2x2xf32>, %wv: tensor<1x1x1x1xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) {
  %none = onnx.NoValue
  %w = onnx.Constant() {value = dense<2.0> : tensor<1x1x1x1xf32>} : () -> tensor<1x1x1x1xf32>
  %spatial = onnx.Constant() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %p = onnx.Constant() {value = dense<1.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %0 = onnx.Conv(%x, %w, %none) : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>, none) -> tensor<1x1x2x2xf32>
  %1 = onnx.Add(%0, %spatial) : (tensor<1x1x2x2xf32>, tensor<2xf32>) -> tensor<1x1x2x2xf32>
  %2 = onnx.Conv(%x, %w, %none) : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>, none) -> tensor<1x1x2x2xf32>
  %3 = onnx.Mul(%2, %p) : (tensor<1x1x2x2xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  %4 = onnx.Add(%3, %2) : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>) -> tensor<1x1x2x2xf32>
  %5 = onnx.Conv(%x, %wv, %none) : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>, none) -> tensor<1x1x2x2xf32>
  %6 = onnx.Add(%5, %p) : (tensor<1x1x2x2xf32>, tensor<1xf32>) -> tensor<1x1x2x2xf32>
  %7 = onnx.Conv(%x, %w, %none) : (tensor<1x1x2x2xf32>, tensor<1x1x1x1xf32>, none) -> tensor<1x1x2x2xf32>
  %8, %rm, %rv = onnx.BatchNormalization(%7, %p, %p, %p, %p) {training_mode = 1 : i64} : (tensor<1x1x2x2xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>, tensor<1xf32>) -> (tensor<1x1x2x2xf32>, tensor<1xf32>, tensor<1xf32>)
  return %1, %4, %6, %8 : tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>, tensor<1x1x2x2xf32>
}
