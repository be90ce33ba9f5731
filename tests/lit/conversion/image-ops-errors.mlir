// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

func.func @gridsample_3d_cubic(%x: tensor<1x1x2x2x2xf32>, %g: tensor<1x2x2x2x3xf32>) -> tensor<1x1x2x2x2xf32> {
  // expected-error @+2 {{cannot lower this op: cubic sampling is defined for 2-D inputs only}}
  // expected-error @+1 {{failed to legalize operation 'onnx.GridSample'}}
  %0 = onnx.GridSample(%x, %g) {mode = "cubic"} : (tensor<1x1x2x2x2xf32>, tensor<1x2x2x2x3xf32>) -> tensor<1x1x2x2x2xf32>
  return %0 : tensor<1x1x2x2x2xf32>
}

// -----

func.func @gridsample_coordinates(%x: tensor<1x1x2x2x2xf32>, %g: tensor<1x2x2x2x2xf32>) -> tensor<1x1x2x2x2xf32> {
  // expected-error @+2 {{cannot lower this op: 2-D or 3-D sampling expected: a 4-D or 5-D input and a grid of the same rank whose last dim holds the coordinates}}
  // expected-error @+1 {{failed to legalize operation 'onnx.GridSample'}}
  %0 = onnx.GridSample(%x, %g) : (tensor<1x1x2x2x2xf32>, tensor<1x2x2x2x2xf32>) -> tensor<1x1x2x2x2xf32>
  return %0 : tensor<1x1x2x2x2xf32>
}

// -----

func.func @gridsample_bad_padding(%x: tensor<1x1x2x2xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32> {
  // expected-error @+2 {{cannot lower this op: unknown padding_mode}}
  // expected-error @+1 {{failed to legalize operation 'onnx.GridSample'}}
  %0 = onnx.GridSample(%x, %g) {padding_mode = "wrap"} : (tensor<1x1x2x2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

func.func @roialign_bad_mode(%x: tensor<1x1x4x4xf32>, %r: tensor<1x4xf32>, %b: tensor<1xi64>) -> tensor<1x1x1x1xf32> {
  // expected-error @+2 {{cannot lower this op: unknown mode}}
  // expected-error @+1 {{failed to legalize operation 'onnx.RoiAlign'}}
  %0 = onnx.RoiAlign(%x, %r, %b) {mode = "sum"} : (tensor<1x1x4x4xf32>, tensor<1x4xf32>, tensor<1xi64>) -> tensor<1x1x1x1xf32>
  return %0 : tensor<1x1x1x1xf32>
}

// -----

func.func @roialign_bad_coord(%x: tensor<1x1x4x4xf32>, %r: tensor<1x4xf32>, %b: tensor<1xi64>) -> tensor<1x1x1x1xf32> {
  // expected-error @+2 {{cannot lower this op: unknown coordinate_transformation_mode}}
  // expected-error @+1 {{failed to legalize operation 'onnx.RoiAlign'}}
  %0 = onnx.RoiAlign(%x, %r, %b) {coordinate_transformation_mode = "align_corners"} : (tensor<1x1x4x4xf32>, tensor<1x4xf32>, tensor<1xi64>) -> tensor<1x1x1x1xf32>
  return %0 : tensor<1x1x1x1xf32>
}

// -----

func.func @affine_grid_rank(%theta: tensor<2x2x3xf32>, %size: tensor<3xi64>) -> tensor<2x?x2xf32> {
  // expected-error @+2 {{cannot lower this op: a ranked 2-D or 3-D grid of floats from a [N, r, r+1] theta expected}}
  // expected-error @+1 {{failed to legalize operation 'onnx.AffineGrid'}}
  %0 = onnx.AffineGrid(%theta, %size) : (tensor<2x2x3xf32>, tensor<3xi64>) -> tensor<2x?x2xf32>
  return %0 : tensor<2x?x2xf32>
}

// -----

func.func @deform_conv_groups(%x: tensor<1x3x5x5xf32>, %w: tensor<4x1x2x2xf32>, %off: tensor<1x16x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: the channels do not divide into group and offset_group}}
  // expected-error @+1 {{failed to legalize operation 'onnx.DeformConv'}}
  %0 = onnx.DeformConv(%x, %w, %off, %none, %none) {group = 2 : i64, offset_group = 2 : i64} : (tensor<1x3x5x5xf32>, tensor<4x1x2x2xf32>, tensor<1x16x4x4xf32>, none, none) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}
