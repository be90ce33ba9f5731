// RUN: kiln-opt %s --kiln-simplify-graph -split-input-file | FileCheck %s
// RUN: kiln-opt %s --kiln-simplify-graph=remove-dropout=false -split-input-file | FileCheck %s --check-prefix=KEEP

// Identity and inference Dropout forward their input.
// CHECK-LABEL: func.func @identity_dropout
// CHECK-NEXT: %[[R:.*]] = onnx.Relu(%arg0)
// CHECK-NEXT: return %[[R]]
// KEEP-LABEL: func.func @identity_dropout
// KEEP: onnx.Dropout
func.func @identity_dropout(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %none = onnx.NoValue
  %0 = onnx.Identity(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1, %mask = onnx.Dropout(%0, %none, %none) : (tensor<2x3xf32>, none, none) -> (tensor<2x3xf32>, none)
  %2 = onnx.Relu(%1) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %3 = onnx.Identity(%2) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %3 : tensor<2x3xf32>
}

// -----

// A constant false training_mode is inference too.
// CHECK-LABEL: func.func @dropout_false
// CHECK-NOT: onnx.Dropout
func.func @dropout_false(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = onnx.Constant() {value = dense<5.000000e-01> : tensor<f32>} : () -> tensor<f32>
  %t = onnx.Constant() {value = dense<false> : tensor<i1>} : () -> tensor<i1>
  %0, %mask = onnx.Dropout(%x, %r, %t) : (tensor<4xf32>, tensor<f32>, tensor<i1>) -> (tensor<4xf32>, tensor<4xi1>)
  return %0 : tensor<4xf32>
}

// -----

// Training mode, an unknown mode or a used mask keep the Dropout.
// CHECK-LABEL: func.func @dropout_kept
// CHECK-COUNT-3: onnx.Dropout
func.func @dropout_kept(%x: tensor<4xf32>, %mode: tensor<i1>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xi1>) {
  %none = onnx.NoValue
  %t = onnx.Constant() {value = dense<true> : tensor<i1>} : () -> tensor<i1>
  %0, %m0 = onnx.Dropout(%x, %none, %t) : (tensor<4xf32>, none, tensor<i1>) -> (tensor<4xf32>, tensor<4xi1>)
  %1, %m1 = onnx.Dropout(%x, %none, %mode) : (tensor<4xf32>, none, tensor<i1>) -> (tensor<4xf32>, tensor<4xi1>)
  %2, %m2 = onnx.Dropout(%x, %none, %none) : (tensor<4xf32>, none, none) -> (tensor<4xf32>, tensor<4xi1>)
  return %0, %1, %m2 : tensor<4xf32>, tensor<4xf32>, tensor<4xi1>
}

// -----

// Reshape of Reshape (or Flatten) reads the original input; a Reshape to the
// input's own type disappears.
// CHECK-LABEL: func.func @reshape_chain
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>
// CHECK: %[[S:.*]] = onnx.Constant() {value = dense<[4, 6]>
// CHECK-NEXT: %[[R:.*]] = onnx.Reshape(%[[X]], %[[S]])
// CHECK-NEXT: %[[F:.*]] = onnx.Reshape(%[[X]], %[[S]])
// CHECK-NEXT: return %[[R]], %[[F]], %[[X]]
func.func @reshape_chain(%x: tensor<2x3x4xf32>) -> (tensor<4x6xf32>, tensor<4x6xf32>, tensor<2x3x4xf32>) {
  %s1 = onnx.Constant() {value = dense<[6, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %s2 = onnx.Constant() {value = dense<[4, 6]> : tensor<2xi64>} : () -> tensor<2xi64>
  %s3 = onnx.Constant() {value = dense<[2, 3, 4]> : tensor<3xi64>} : () -> tensor<3xi64>
  %0 = onnx.Reshape(%x, %s1) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  %1 = onnx.Reshape(%0, %s2) : (tensor<6x4xf32>, tensor<2xi64>) -> tensor<4x6xf32>
  %2 = onnx.Flatten(%x) {axis = 2 : i64} : (tensor<2x3x4xf32>) -> tensor<6x4xf32>
  %3 = onnx.Reshape(%2, %s2) : (tensor<6x4xf32>, tensor<2xi64>) -> tensor<4x6xf32>
  %4 = onnx.Reshape(%x, %s3) : (tensor<2x3x4xf32>, tensor<3xi64>) -> tensor<2x3x4xf32>
  return %1, %3, %4 : tensor<4x6xf32>, tensor<4x6xf32>, tensor<2x3x4xf32>
}

// -----

// A 0 in the outer shape copies a dim of the inner Reshape's result: kept.
// CHECK-LABEL: func.func @reshape_copy_zero
// CHECK: %[[A:.*]] = onnx.Reshape(%arg0,
// CHECK-NEXT: onnx.Reshape(%[[A]],
func.func @reshape_copy_zero(%x: tensor<2x3x4xf32>) -> tensor<6x2x2xf32> {
  %s1 = onnx.Constant() {value = dense<[6, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %s2 = onnx.Constant() {value = dense<[0, 2, -1]> : tensor<3xi64>} : () -> tensor<3xi64>
  %0 = onnx.Reshape(%x, %s1) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  %1 = onnx.Reshape(%0, %s2) : (tensor<6x4xf32>, tensor<3xi64>) -> tensor<6x2x2xf32>
  return %1 : tensor<6x2x2xf32>
}

// -----

// Transposes compose; an identity composition disappears.
// CHECK-LABEL: func.func @transpose_chain
// CHECK-SAME: (%[[X:.*]]: tensor<2x3x4xf32>
// CHECK: %[[T:.*]] = onnx.Transpose(%[[X]]) {perm = [2, 1, 0]} : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
// CHECK-NEXT: return %[[T]], %[[X]]
func.func @transpose_chain(%x: tensor<2x3x4xf32>) -> (tensor<4x3x2xf32>, tensor<2x3x4xf32>) {
  %0 = onnx.Transpose(%x) {perm = [1, 0, 2]} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %1 = onnx.Transpose(%0) {perm = [2, 0, 1]} : (tensor<3x2x4xf32>) -> tensor<4x3x2xf32>
  %2 = onnx.Transpose(%x) : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  %3 = onnx.Transpose(%2) : (tensor<4x3x2xf32>) -> tensor<2x3x4xf32>
  return %1, %3 : tensor<4x3x2xf32>, tensor<2x3x4xf32>
}

// -----

// A Cast to the type its input has forwards it; one that changes the
// element type (or only refines the shape) stays.
// CHECK-LABEL: func.func @noop_cast
// CHECK-NEXT: %[[C:.*]] = onnx.Cast(%arg0) {to = 7 : i64} : (tensor<2x3xf32>) -> tensor<2x3xi64>
// CHECK-NEXT: %[[R:.*]] = onnx.Cast(%arg1) {to = 1 : i64} : (tensor<?x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT: return %arg0, %[[C]], %[[R]]
func.func @noop_cast(%x: tensor<2x3xf32>, %y: tensor<?x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>) {
  %0 = onnx.Cast(%x) {to = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %1 = onnx.Cast(%0) {to = 1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = onnx.Cast(%x) {to = 7 : i64} : (tensor<2x3xf32>) -> tensor<2x3xi64>
  %3 = onnx.Cast(%y) {to = 1 : i64} : (tensor<?x3xf32>) -> tensor<2x3xf32>
  return %1, %2, %3 : tensor<2x3xf32>, tensor<2x3xi64>, tensor<2x3xf32>
}
