// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

// Training mode computes per-channel statistics: the old spatial=0 form
// with [C, D] parameters is not supported there.
func.func @batchnorm_training_spatial_params(%x: tensor<2x3x4xf32>, %p: tensor<3x4xf32>) -> tensor<2x3x4xf32> {
  // expected-error @+2 {{cannot lower this op: training mode needs float scale/B/mean/var of shape [C]}}
  // expected-error @+1 {{failed to legalize operation 'onnx.BatchNormalization'}}
  %0, %1, %2 = onnx.BatchNormalization(%x, %p, %p, %p, %p) {training_mode = 1 : i64} : (tensor<2x3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) -> (tensor<2x3x4xf32>, none, none)
  return %0 : tensor<2x3x4xf32>
}

// -----

// Mean/var outputs used without training_mode (the opset < 14 training
// form) are not supported.
func.func @batchnorm_running_stats_used(%x: tensor<2x3x4xf32>, %p: tensor<3xf32>) -> (tensor<2x3x4xf32>, tensor<3xf32>) {
  // expected-error @+2 {{cannot lower this op: inference-mode BatchNormalization with mean/var outputs (the opset < 14 training outputs) is not supported}}
  // expected-error @+1 {{failed to legalize operation 'onnx.BatchNormalization'}}
  %0, %1, %2 = onnx.BatchNormalization(%x, %p, %p, %p, %p) : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>)
  return %0, %1 : tensor<2x3x4xf32>, tensor<3xf32>
}

// -----

func.func @lpnorm_p3(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{cannot lower this op: p must be 1 or 2}}
  // expected-error @+1 {{failed to legalize operation 'onnx.LpNormalization'}}
  %0 = onnx.LpNormalization(%x) {p = 3 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// stash_type must name a float type.
func.func @layernorm_bad_stash(%x: tensor<2x3xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{cannot lower this op: unsupported stash_type}}
  // expected-error @+1 {{failed to legalize operation 'onnx.LayerNormalization'}}
  %0, %1, %2 = onnx.LayerNormalization(%x, %s, %b) {stash_type = 7 : i64} : (tensor<2x3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3xf32>, none, none)
  return %0 : tensor<2x3xf32>
}

// -----

func.func @softmax_int(%x: tensor<2x3xi32>) -> tensor<2x3xi32> {
  // expected-error @+2 {{cannot lower this op: expected ranked float tensors}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Softmax'}}
  %0 = onnx.Softmax(%x) : (tensor<2x3xi32>) -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}
