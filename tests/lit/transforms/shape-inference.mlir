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
