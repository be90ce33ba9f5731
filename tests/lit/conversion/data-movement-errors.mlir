// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

// Starts, ends, axes and steps are 1-D, even when read at run time.
func.func @slice_runtime_2d_steps(%a: tensor<10xf32>, %s: tensor<1x1xi64>) -> tensor<?xf32> {
  %b = onnx.Constant() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = onnx.Constant() {value = dense<[10]> : tensor<1xi64>} : () -> tensor<1xi64>
  // expected-error @+2 {{cannot lower this op: starts/ends/axes/steps must be 1-D tensors}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Slice'}}
  %0 = onnx.Slice(%a, %b, %e, %b, %s) : (tensor<10xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1x1xi64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

func.func @pad_unknown_mode(%a: tensor<4xf32>) -> tensor<6xf32> {
  %p = onnx.Constant() {value = dense<[1, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %n = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: unsupported pad mode}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Pad'}}
  %0 = onnx.Pad(%a, %p, %n, %n) {mode = "mirror"} : (tensor<4xf32>, tensor<2xi64>, none, none) -> tensor<6xf32>
  return %0 : tensor<6xf32>
}

// -----

func.func @resize_linear_int(%a: tensor<2xi32>) -> tensor<4xi32> {
  %sc = onnx.Constant() {value = dense<[2.0]> : tensor<1xf32>} : () -> tensor<1xf32>
  %n = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: linear resize needs float data}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Resize'}}
  %0 = onnx.Resize(%a, %n, %sc, %n) {mode = "linear"} : (tensor<2xi32>, none, tensor<1xf32>, none) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @scatter_bool_add(%a: tensor<4xi1>, %i: tensor<1xi64>, %u: tensor<1xi1>) -> tensor<4xi1> {
  // expected-error @+2 {{cannot lower this op: unsupported reduction}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ScatterElements'}}
  %0 = onnx.ScatterElements(%a, %i, %u) {reduction = "add"} : (tensor<4xi1>, tensor<1xi64>, tensor<1xi1>) -> tensor<4xi1>
  return %0 : tensor<4xi1>
}

// -----

// Nothing gives GatherElements a rank.
func.func @gather_elements_no_rank(%a: tensor<*xf32>, %i: tensor<*xi64>) -> tensor<*xf32> {
  // expected-error @+2 {{cannot lower this op: data and indices of unknown rank}}
  // expected-error @+1 {{failed to legalize operation 'onnx.GatherElements'}}
  %0 = onnx.GatherElements(%a, %i) : (tensor<*xf32>, tensor<*xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @pad_axes_of_unknown_count(%x: tensor<1x3x4x5xf32>, %pads: tensor<4xi64>, %axes: tensor<?xi64>) -> tensor<?x?x?x?xf32> {
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: axes must be a constant or a 1-D tensor of static length}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Pad'}}
  %0 = onnx.Pad(%x, %pads, %none, %axes) {mode = "constant"} : (tensor<1x3x4x5xf32>, tensor<4xi64>, none, tensor<?xi64>) -> tensor<?x?x?x?xf32>
  return %0 : tensor<?x?x?x?xf32>
}

// -----

// Run-time axes are a 1-D tensor.
func.func @pad_axes_matrix(%x: tensor<2x3xf32>, %pads: tensor<?xi64>, %axes: tensor<1x?xi64>) -> tensor<?x?xf32> {
  %v = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: axes must be a 1-D tensor}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Pad'}}
  %y = onnx.Pad(%x, %pads, %v, %axes) {mode = "constant"} : (tensor<2x3xf32>, tensor<?xi64>, none, tensor<1x?xi64>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}
