// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

// Det needs square matrices.
func.func @det_not_square(%x: tensor<2x3xf32>) -> tensor<f32> {
  // expected-error @+2 {{cannot lower this op: X's matrices must be square}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Det'}}
  %0 = onnx.Det(%x) : (tensor<2x3xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Det of integers is not an ONNX type combination Kiln lowers.
func.func @det_int(%x: tensor<2x2xi32>) -> tensor<i32> {
  // expected-error @+2 {{cannot lower this op: X and Y must be one float type}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Det'}}
  %0 = onnx.Det(%x) : (tensor<2x2xi32>) -> tensor<i32>
  return %0 : tensor<i32>
}

// -----

// MatMulInteger always produces i32.
func.func @matmulinteger_result(%a: tensor<2x3xui8>, %b: tensor<3x2xui8>) -> tensor<2x2xi64> {
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: operands must be ranked and the result i32}}
  // expected-error @+1 {{failed to legalize operation 'onnx.MatMulInteger'}}
  %0 = onnx.MatMulInteger(%a, %b, %none, %none) : (tensor<2x3xui8>, tensor<3x2xui8>, none, none) -> tensor<2x2xi64>
  return %0 : tensor<2x2xi64>
}
