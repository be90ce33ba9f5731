// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

func.func @trilu_rank1(%a: tensor<4xf32>) -> tensor<4xf32> {
  %n = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: input must have rank >= 2}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Trilu'}}
  %0 = onnx.Trilu(%a, %n) : (tensor<4xf32>, none) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @cumsum_bool(%a: tensor<4xi1>, %ax: tensor<i64>) -> tensor<4xi1> {
  // expected-error @+2 {{cannot lower this op: bool input is not supported}}
  // expected-error @+1 {{failed to legalize operation 'onnx.CumSum'}}
  %0 = onnx.CumSum(%a, %ax) : (tensor<4xi1>, tensor<i64>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// A symbolic index depth is taken from the result rank, which must leave
// a depth >= 0.
func.func @gathernd_dynamic_depth_bad_rank(%d: tensor<2x3xf32>, %i: tensor<2x?xi64>) -> tensor<?x?x?x?xf32> {
  // expected-error @+2 {{cannot lower this op: result rank exceeds what indices and data allow}}
  // expected-error @+1 {{failed to legalize operation 'onnx.GatherND'}}
  %0 = onnx.GatherND(%d, %i) : (tensor<2x3xf32>, tensor<2x?xi64>) -> tensor<?x?x?x?xf32>
  return %0 : tensor<?x?x?x?xf32>
}

// -----

func.func @gathernd_depth_too_big(%d: tensor<2x3xf32>, %i: tensor<2x3xi64>) -> tensor<2xf32> {
  // expected-error @+2 {{cannot lower this op: batch_dims + index depth exceed the data rank}}
  // expected-error @+1 {{failed to legalize operation 'onnx.GatherND'}}
  %0 = onnx.GatherND(%d, %i) : (tensor<2x3xf32>, tensor<2x3xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @reverse_sequence_axes(%x: tensor<2x3x4xf32>, %l: tensor<3xi64>) -> tensor<2x3x4xf32> {
  // expected-error @+2 {{cannot lower this op: batch_axis and time_axis must be 0 and 1 in some order}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ReverseSequence'}}
  %0 = onnx.ReverseSequence(%x, %l) {batch_axis = 1 : i64, time_axis = 1 : i64} : (tensor<2x3x4xf32>, tensor<3xi64>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

func.func @depth_to_space_mode(%x: tensor<1x8x2x3xf32>) -> tensor<1x2x4x6xf32> {
  // expected-error @+2 {{cannot lower this op: mode must be DCR or CRD}}
  // expected-error @+1 {{failed to legalize operation 'onnx.DepthToSpace'}}
  %0 = onnx.DepthToSpace(%x) {blocksize = 2 : i64, mode = "XYZ"} : (tensor<1x8x2x3xf32>) -> tensor<1x2x4x6xf32>
  return %0 : tensor<1x2x4x6xf32>
}

// -----

func.func @space_to_depth_rank(%x: tensor<2x6xf32>) -> tensor<8x3xf32> {
  // expected-error @+2 {{cannot lower this op: 4-D NCHW input expected}}
  // expected-error @+1 {{failed to legalize operation 'onnx.SpaceToDepth'}}
  %0 = onnx.SpaceToDepth(%x) {blocksize = 2 : i64} : (tensor<2x6xf32>) -> tensor<8x3xf32>
  return %0 : tensor<8x3xf32>
}

// -----

func.func @max_unpool_kernel(%x: tensor<1x1x2x2xf32>, %i: tensor<1x1x2x2xi64>) -> tensor<1x1x4x4xf32> {
  %n = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: kernel_shape/strides/pads do not match the spatial rank}}
  // expected-error @+1 {{failed to legalize operation 'onnx.MaxUnpool'}}
  %0 = onnx.MaxUnpool(%x, %i, %n) {kernel_shape = [2]} : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>, none) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

func.func @compress_scalar(%x: tensor<f32>, %c: tensor<1xi1>) -> tensor<?xf32> {
  // expected-error @+2 {{cannot lower this op: rank-0 input needs an axis}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Compress'}}
  %0 = onnx.Compress(%x, %c) : (tensor<f32>, tensor<1xi1>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @nonzero_scalar(%x: tensor<f32>) -> tensor<0x?xi64> {
  // expected-error @+2 {{cannot lower this op: rank-0 input is not supported}}
  // expected-error @+1 {{failed to legalize operation 'onnx.NonZero'}}
  %0 = onnx.NonZero(%x) : (tensor<f32>) -> tensor<0x?xi64>
  return %0 : tensor<0x?xi64>
}

// -----

func.func @space_to_depth_mode(%x: tensor<1x2x4x6xf32>) -> tensor<1x8x2x3xf32> {
  // expected-error @+2 {{cannot lower this op: mode must be DCR or CRD}}
  // expected-error @+1 {{failed to legalize operation 'onnx.SpaceToDepth'}}
  %0 = onnx.SpaceToDepth(%x) {blocksize = 2 : i64, mode = "XYZ"} : (tensor<1x2x4x6xf32>) -> tensor<1x8x2x3xf32>
  return %0 : tensor<1x8x2x3xf32>
}

// -----

func.func @tensor_scatter_batch_axis(%past: tensor<2x8xf32>, %upd: tensor<2x1xf32>, %w: tensor<2xi64>) -> tensor<2x8xf32> {
  // expected-error @+2 {{cannot lower this op: axis must name a dim after the batch dim}}
  // expected-error @+1 {{failed to legalize operation 'onnx.TensorScatter'}}
  %0 = onnx.TensorScatter(%past, %upd, %w) {axis = 0 : i64} : (tensor<2x8xf32>, tensor<2x1xf32>, tensor<2xi64>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @col2im_shape_length(%x: tensor<1x5x25xf32>, %img: tensor<3xi64>, %blk: tensor<3xi64>) -> tensor<1x1x5x5xf32> {
  // expected-error @+2 {{cannot lower this op: image_shape and block_shape must be 1-D with one entry per image dim}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Col2Im'}}
  %0 = onnx.Col2Im(%x, %img, %blk) : (tensor<1x5x25xf32>, tensor<3xi64>, tensor<3xi64>) -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}
