// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

// Variants the elementwise lowerings reject instead of guessing.

func.func @gelu_bad_approximation(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+2 {{cannot lower this op: Gelu approximate must be 'none' or 'tanh'}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Gelu'}}
  %0 = onnx.Gelu(%a) {approximate = "sigmoid"} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Cast to COMPLEX64 (14).
func.func @cast_to_complex(%a: tensor<4xf32>) -> tensor<4xcomplex<f32>> {
  // expected-error @+2 {{cannot lower this op: unsupported element type}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Cast'}}
  %0 = onnx.Cast(%a) {to = 14 : i64} : (tensor<4xf32>) -> tensor<4xcomplex<f32>>
  return %0 : tensor<4xcomplex<f32>>
}

// -----

// Float-only ops reject integer inputs.
func.func @exp_int(%a: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+2 {{cannot lower this op: unsupported element type}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Exp'}}
  %0 = onnx.Exp(%a) : (tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// Opset < 7 broadcasting along an explicit axis is not numpy broadcasting.
func.func @legacy_broadcast_axis(%a: tensor<2x3xf32>, %b: tensor<2xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{cannot lower this op: legacy (opset < 7) broadcast with an axis is not supported}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Add'}}
  %0 = onnx.Add(%a, %b) {axis = 0 : i64, broadcast = 1 : i64} : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// BitShift is defined on integers, not bools.
func.func @bitshift_bool(%a: tensor<4xi1>) -> tensor<4xi1> {
  // expected-error @+2 {{cannot lower this op: unsupported element type}}
  // expected-error @+1 {{failed to legalize operation 'onnx.BitShift'}}
  %0 = onnx.BitShift(%a, %a) {direction = "LEFT"} : (tensor<4xi1>, tensor<4xi1>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// BitCast-26 needs types of one size.
func.func @bitcast_sizes(%x: tensor<3xf32>) -> tensor<3xi64> {
  // expected-error @+2 {{cannot lower this op: BitCast needs element types of the same size, in whole bytes}}
  // expected-error @+1 {{failed to legalize operation 'onnx.BitCast'}}
  %0 = onnx.BitCast(%x) {to = 7 : i64} : (tensor<3xf32>) -> tensor<3xi64>
  return %0 : tensor<3xi64>
}
