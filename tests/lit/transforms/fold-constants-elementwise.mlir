// RUN: kiln-opt %s --kiln-fold-constants -split-input-file | FileCheck %s

// ONNX's Attention computes its scale as Sqrt(1 / Sqrt(head size)), each
// step rounded to f32: one constant (sqrt(0.125) = 0.353553385).
// CHECK-LABEL: func.func @attention_scale
// CHECK: %[[C:.*]] = onnx.Constant() {value = dense<0.353553385> : tensor<1xf32>}
// CHECK-NOT: onnx.Sqrt
// CHECK: onnx.Mul(%arg0, %[[C]])
func.func @attention_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  %d = onnx.Constant() {value = dense<64.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %one = onnx.Constant() {value = dense<1.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %s = onnx.Sqrt(%d) : (tensor<1xf32>) -> tensor<1xf32>
  %r = onnx.Div(%one, %s) : (tensor<1xf32>, tensor<1xf32>) -> tensor<1xf32>
  %c = onnx.Sqrt(%r) : (tensor<1xf32>) -> tensor<1xf32>
  %y = onnx.Mul(%x, %c) : (tensor<4xf32>, tensor<1xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

// -----

// Its grouped heads' count: Where(And(Not(true), true), 1, 1), a Concat
// of constants into Expand's shape.
// CHECK-LABEL: func.func @group_count
// CHECK: %[[S:.*]] = onnx.Constant() {value = dense<[1, 4, 1, 8]> : tensor<4xi64>}
// CHECK-NOT: onnx.Where
// CHECK-NOT: onnx.Not
// CHECK: onnx.Expand(%arg0, %[[S]])
func.func @group_count(%x: tensor<1x4x1x8xf32>) -> tensor<1x4x?x8xf32> {
  %t = onnx.Constant() {value = dense<true> : tensor<1xi1>} : () -> tensor<1xi1>
  %one = onnx.Constant() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %four = onnx.Constant() {value = dense<4> : tensor<1xi64>} : () -> tensor<1xi64>
  %eight = onnx.Constant() {value = dense<8> : tensor<1xi64>} : () -> tensor<1xi64>
  %n = onnx.Not(%t) : (tensor<1xi1>) -> tensor<1xi1>
  %a = onnx.And(%n, %t) : (tensor<1xi1>, tensor<1xi1>) -> tensor<1xi1>
  %g = onnx.Where(%a, %four, %one) : (tensor<1xi1>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %shape = onnx.Concat(%one, %four, %g, %eight) {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %y = onnx.Expand(%x, %shape) : (tensor<1x4x1x8xf32>, tensor<4xi64>) -> tensor<1x4x?x8xf32>
  return %y : tensor<1x4x?x8xf32>
}

// -----

// Comparisons, logic and the other one-input ops, element by element;
// a Where broadcasting a scalar.
// CHECK-LABEL: func.func @elementwise
// CHECK-DAG: onnx.Constant() {value = dense<[true, false, false]> : tensor<3xi1>}
// CHECK-DAG: onnx.Constant() {value = dense<[false, true, true]> : tensor<3xi1>}
// CHECK-DAG: onnx.Constant() {value = dense<[true, true, false]> : tensor<3xi1>}
// CHECK-DAG: onnx.Constant() {value = dense<[-1.000000e+00, 2.000000e+00, -3.000000e+00]> : tensor<3xf32>}
// CHECK-DAG: onnx.Constant() {value = dense<[1.000000e+00, 5.000000e-01, 2.500000e-01]> : tensor<3xf32>}
// CHECK-DAG: onnx.Constant() {value = dense<[7.000000e+00, 7.000000e+00, 1.000000e+00]> : tensor<3xf32>}
// CHECK-NOT: onnx.Less
// CHECK-NOT: onnx.Or
// CHECK-NOT: onnx.Where
func.func @elementwise() -> (tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) {
  %a = onnx.Constant() {value = dense<[1.0, -2.0, 3.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %b = onnx.Constant() {value = dense<[2.0, -2.0, 1.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %p = onnx.Constant() {value = dense<[1.0, 2.0, 4.0]> : tensor<3xf32>} : () -> tensor<3xf32>
  %seven = onnx.Constant() {value = dense<7.0> : tensor<f32>} : () -> tensor<f32>
  %lt = onnx.Less(%a, %b) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  %ge = onnx.GreaterOrEqual(%a, %b) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  %le = onnx.LessOrEqual(%a, %b) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  %or = onnx.Or(%lt, %le) : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  %neg = onnx.Neg(%a) : (tensor<3xf32>) -> tensor<3xf32>
  %rec = onnx.Reciprocal(%p) : (tensor<3xf32>) -> tensor<3xf32>
  %w = onnx.Where(%or, %seven, %b) : (tensor<3xi1>, tensor<f32>, tensor<3xf32>) -> tensor<3xf32>
  return %lt, %ge, %or, %neg, %rec, %w : tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>
}
