// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

// The Indices output flattens row-major (0) or column-major (1) only.
func.func @maxpool_indices_storage_order(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xi64> {
  // expected-error @+2 {{cannot lower this op: storage_order must be 0 or 1}}
  // expected-error @+1 {{failed to legalize operation 'onnx.MaxPool'}}
  %y, %i = onnx.MaxPool(%x) {kernel_shape = [2, 2], storage_order = 2 : i64, strides = [2, 2]} : (tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>)
  return %i : tensor<1x1x2x2xi64>
}

// -----

// 4 spatial dims: no lowering.
func.func @maxpool_4d(%x: tensor<1x1x4x4x4x4xf32>) -> tensor<1x1x2x2x2x2xf32> {
  // expected-error @+2 {{cannot lower this op: only 1-D, 2-D and 3-D pooling (input rank 3 to 5) is supported}}
  // expected-error @+1 {{failed to legalize operation 'onnx.MaxPool'}}
  %y, %i = onnx.MaxPool(%x) {kernel_shape = [2, 2, 2, 2], strides = [2, 2, 2, 2]} : (tensor<1x1x4x4x4x4xf32>) -> (tensor<1x1x2x2x2x2xf32>, none)
  return %y : tensor<1x1x2x2x2x2xf32>
}

// -----

// A declared result shape that contradicts the ONNX output size formula
// (ceil_mode drops the window starting in the end padding: 2, not 3).
func.func @maxpool_bad_shape(%x: tensor<1x1x4xf32>) -> tensor<1x1x3xf32> {
  // expected-error @+2 {{cannot lower this op: the declared result shape disagrees with the ONNX output size formula}}
  // expected-error @+1 {{failed to legalize operation 'onnx.MaxPool'}}
  %y, %i = onnx.MaxPool(%x) {kernel_shape = [2], strides = [2], pads = [0, 1], ceil_mode = 1 : i64} : (tensor<1x1x4xf32>) -> (tensor<1x1x3xf32>, none)
  return %y : tensor<1x1x3xf32>
}

// -----

// A kernel size known only at run time cannot split SAME padding.
func.func @conv_dynamic_kernel_same(%x: tensor<1x2x8x8xf32>, %w: tensor<3x2x?x?xf32>, %b: tensor<3xf32>) -> tensor<1x3x?x?xf32> {
  // expected-error @+2 {{cannot lower this op: auto_pad SAME needs a static kernel size (from W or kernel_shape)}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Conv'}}
  %0 = onnx.Conv(%x, %w, %b) {auto_pad = "SAME_UPPER"} : (tensor<1x2x8x8xf32>, tensor<3x2x?x?xf32>, tensor<3xf32>) -> tensor<1x3x?x?xf32>
  return %0 : tensor<1x3x?x?xf32>
}

// -----

// kernel_shape contradicting W.
func.func @conv_kernel_mismatch(%x: tensor<1x2x8x8xf32>, %w: tensor<3x2x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x3x7x7xf32> {
  // expected-error @+2 {{cannot lower this op: kernel_shape disagrees with the shape of W}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Conv'}}
  %0 = onnx.Conv(%x, %w, %b) {kernel_shape = [2, 2]} : (tensor<1x2x8x8xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x7x7xf32>
  return %0 : tensor<1x3x7x7xf32>
}

// -----

// Integer Gemm with a fractional alpha.
func.func @gemm_int_alpha(%a: tensor<2x3xi32>, %b: tensor<3x4xi32>, %c: tensor<2x4xi32>) -> tensor<2x4xi32> {
  // expected-error @+2 {{cannot lower this op: non-integral alpha or beta with an integer Gemm}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Gemm'}}
  %0 = onnx.Gemm(%a, %b, %c) {alpha = 5.000000e-01 : f32} : (tensor<2x3xi32>, tensor<3x4xi32>, tensor<2x4xi32>) -> tensor<2x4xi32>
  return %0 : tensor<2x4xi32>
}
