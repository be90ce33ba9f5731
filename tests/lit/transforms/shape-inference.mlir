// RUN: kiln-opt %s --kiln-shape-inference -split-input-file -verify-diagnostics | FileCheck %s

// Fixed dims win over `?`, broadcasting follows numpy, and the function's
// result types follow.
// CHECK-LABEL: func.func @refine
// CHECK-SAME: -> tensor<8x4xf32>
// CHECK: onnx.Add(%{{.*}}, %{{.*}}) : (tensor<8x4xf32>, tensor<4xf32>) -> tensor<8x4xf32>
// CHECK: onnx.Relu(%{{.*}}) : (tensor<8x4xf32>) -> tensor<8x4xf32>
func.func @refine(%a: tensor<8x4xf32>, %b: tensor<4xf32>) -> tensor<?x?xf32> {
  %0 = onnx.Add(%a, %b) : (tensor<8x4xf32>, tensor<4xf32>) -> tensor<?x?xf32>
  %1 = onnx.Relu(%0) : (tensor<?x?xf32>) -> tensor<?x?xf32>
  return %1 : tensor<?x?xf32>
}

// -----

// A symbolic dim stays symbolic; MatMul, Transpose and comparison results.
// CHECK-LABEL: func.func @symbolic
// CHECK: onnx.MatMul(%{{.*}}, %{{.*}}) : (tensor<?x3x5xf32>, tensor<5x7xf32>) -> tensor<?x3x7xf32>
// CHECK: onnx.Transpose(%{{.*}}) {perm = [2, 0, 1]} : (tensor<?x3x7xf32>) -> tensor<7x?x3xf32>
// CHECK: onnx.Less(%{{.*}}, %{{.*}}) : (tensor<7x?x3xf32>, tensor<f32>) -> tensor<7x?x3xi1>
func.func @symbolic(%a: tensor<?x3x5xf32>, %b: tensor<5x7xf32>, %c: tensor<f32>) -> tensor<*xi1> {
  %0 = onnx.MatMul(%a, %b) : (tensor<?x3x5xf32>, tensor<5x7xf32>) -> tensor<*xf32>
  %1 = onnx.Transpose(%0) {perm = [2, 0, 1]} : (tensor<*xf32>) -> tensor<*xf32>
  %2 = onnx.Less(%1, %c) : (tensor<*xf32>, tensor<f32>) -> tensor<*xi1>
  return %2 : tensor<*xi1>
}

// -----

func.func @conflict(%a: tensor<2x4xf32>, %b: tensor<3x4xf32>) -> tensor<?x4xf32> {
  // expected-error @+1 {{operands are not broadcastable}}
  %0 = onnx.Add(%a, %b) : (tensor<2x4xf32>, tensor<3x4xf32>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// A Flatten axis outside [-rank, rank] on an input whose rank only
// inference learns: the shape is not sliced past its ends (UBSan, found by
// the importer fuzzer); the verifier then reports the axis.
func.func @flatten_bad_axis(%a: tensor<2x3xf32>) -> tensor<*xf32> {
  %u = onnx.Relu(%a) : (tensor<2x3xf32>) -> tensor<*xf32>
  // expected-error @+1 {{axis 5 is out of range for rank 2}}
  %0 = onnx.Flatten(%u) {axis = 5 : i64} : (tensor<*xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// A dims product that overflows int64 stays dynamic.
// CHECK-LABEL: func.func @flatten_huge
// CHECK: onnx.Flatten(%{{.*}}) {axis = 0 : i64} : (tensor<4294967296x4294967296x4xf32>) -> tensor<1x?xf32>
func.func @flatten_huge(%b: tensor<4294967296x4294967296x4xf32>) -> tensor<*xf32> {
  %0 = onnx.Flatten(%b) {axis = 0 : i64} : (tensor<4294967296x4294967296x4xf32>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Shape arithmetic as the dynamo exporter writes it around an LSTM's output:
// Reshape(y, [d0, d1, d2 * d3]) from Shape/Slice/Mul/Concat. The product
// of two fixed dims is fixed, the other dims stay symbolic.
// CHECK-LABEL: func.func @reshape_shape_arith
// CHECK: onnx.Reshape({{.*}}) -> tensor<?x?x16xf32>
// CHECK: onnx.Expand({{.*}}) -> tensor<?x4x?x16xf32>
func.func @reshape_shape_arith(%y: tensor<?x?x1x16xf32>, %x: tensor<?x4x1x1xf32>) -> (tensor<?x?x?xf32>, tensor<*xf32>) {
  %c0 = onnx.Constant() {value = dense<0> : tensor<1xi64>} : () -> tensor<1xi64>
  %c1 = onnx.Constant() {value = dense<1> : tensor<1xi64>} : () -> tensor<1xi64>
  %c2 = onnx.Constant() {value = dense<2> : tensor<1xi64>} : () -> tensor<1xi64>
  %c3 = onnx.Constant() {value = dense<3> : tensor<1xi64>} : () -> tensor<1xi64>
  %c4 = onnx.Constant() {value = dense<4> : tensor<1xi64>} : () -> tensor<1xi64>
  %s0 = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %n = onnx.NoValue
  %sh = onnx.Shape(%y) : (tensor<?x?x1x16xf32>) -> tensor<4xi64>
  %a = onnx.Slice(%sh, %c0, %c1, %n, %n) : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>, none, none) -> tensor<1xi64>
  %b = onnx.Slice(%sh, %c1, %c2, %n, %n) : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>, none, none) -> tensor<1xi64>
  %c = onnx.Slice(%sh, %c2, %c3, %n, %n) : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>, none, none) -> tensor<1xi64>
  %d = onnx.Slice(%sh, %c3, %c4, %n, %n) : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>, none, none) -> tensor<1xi64>
  %cd = onnx.Mul(%c, %d) : (tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %new = onnx.Concat(%a, %b, %cd) {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %r = onnx.Reshape(%y, %new) : (tensor<?x?x1x16xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  // [x.dim0, 4 via a scalar Gather and Unsqueeze, y.dim1, 16 via Cast]
  %xs = onnx.Shape(%x) : (tensor<?x4x1x1xf32>) -> tensor<4xi64>
  %g = onnx.Gather(%xs, %s0) : (tensor<4xi64>, tensor<i64>) -> tensor<i64>
  %gu = onnx.Unsqueeze(%g, %c0) : (tensor<i64>, tensor<1xi64>) -> tensor<1xi64>
  %x1 = onnx.Slice(%xs, %c1, %c2, %c0, %c1) : (tensor<4xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1xi64>
  %dc = onnx.Cast(%d) {to = 7 : i64} : (tensor<1xi64>) -> tensor<1xi64>
  %tgt = onnx.Concat(%gu, %x1, %b, %dc) {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<4xi64>
  %e = onnx.Expand(%x, %tgt) : (tensor<?x4x1x1xf32>, tensor<4xi64>) -> tensor<*xf32>
  return %r, %e : tensor<?x?x?xf32>, tensor<*xf32>
}
