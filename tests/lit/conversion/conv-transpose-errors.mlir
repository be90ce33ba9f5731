// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

// A declared result shape that contradicts the ONNX output size formula
// (3 * (4 - 1) + 3 = 12 rows, not 10).
func.func @convtranspose_bad_shape(%x: tensor<1x1x4x4xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x10x12xf32> {
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: the declared result shape disagrees with the ONNX output size formula}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ConvTranspose'}}
  %0 = onnx.ConvTranspose(%x, %w, %none) {strides = [3, 3]} : (tensor<1x1x4x4xf32>, tensor<1x1x3x3xf32>, none) -> tensor<1x1x10x12xf32>
  return %0 : tensor<1x1x10x12xf32>
}

// -----

// 4 spatial dims: no lowering.
func.func @convtranspose_4d(%x: tensor<1x1x2x2x2x2xf32>, %w: tensor<1x1x1x1x1x1xf32>) -> tensor<1x1x2x2x2x2xf32> {
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: only 1-D, 2-D and 3-D ConvTranspose (X and W of rank 3 to 5)}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ConvTranspose'}}
  %0 = onnx.ConvTranspose(%x, %w, %none) : (tensor<1x1x2x2x2x2xf32>, tensor<1x1x1x1x1x1xf32>, none) -> tensor<1x1x2x2x2x2xf32>
  return %0 : tensor<1x1x2x2x2x2xf32>
}

// -----

// W's first dim is X's channel count.
func.func @convtranspose_channels(%x: tensor<1x2x4xf32>, %w: tensor<3x1x3xf32>) -> tensor<1x1x6xf32> {
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: W's first dim must equal X's channels}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ConvTranspose'}}
  %0 = onnx.ConvTranspose(%x, %w, %none) : (tensor<1x2x4xf32>, tensor<3x1x3xf32>, none) -> tensor<1x1x6xf32>
  return %0 : tensor<1x1x6xf32>
}
