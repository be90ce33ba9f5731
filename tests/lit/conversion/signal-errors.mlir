// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

// A run-time axis is one scalar.
func.func @dft_runtime_axis_vector(%x: tensor<2x8x1xf32>, %axis: tensor<2xi64>) -> tensor<2x8x2xf32> {
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: the axis must be an integer scalar}}
  // expected-error @+1 {{failed to legalize operation 'onnx.DFT'}}
  %y = onnx.DFT(%x, %none, %axis) : (tensor<2x8x1xf32>, none, tensor<2xi64>) -> tensor<2x8x2xf32>
  return %y : tensor<2x8x2xf32>
}

// -----

// The last dim holds the complex parts; it cannot be transformed.
func.func @dft_last_axis(%x: tensor<2x8x1xf32>) -> tensor<2x8x2xf32> {
  %none = onnx.NoValue
  %axis = onnx.Constant() {value = dense<-1> : tensor<i64>} : () -> tensor<i64>
  // expected-error @+2 {{cannot lower this op: axis cannot be the last dim (it holds the complex parts)}}
  // expected-error @+1 {{failed to legalize operation 'onnx.DFT'}}
  %y = onnx.DFT(%x, %none, %axis) : (tensor<2x8x1xf32>, none, tensor<i64>) -> tensor<2x8x2xf32>
  return %y : tensor<2x8x2xf32>
}

// -----

// A last dim of 3 is neither real nor complex.
func.func @dft_bad_components(%x: tensor<2x8x3xf32>) -> tensor<2x8x2xf32> {
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: the input's last dim must hold 1 (real) or 2 (complex) values}}
  // expected-error @+1 {{failed to legalize operation 'onnx.DFT'}}
  %y = onnx.DFT(%x, %none, %none) : (tensor<2x8x3xf32>, none, none) -> tensor<2x8x2xf32>
  return %y : tensor<2x8x2xf32>
}

// -----

// ONNX shape inference leaves the output untyped when its size depends on a
// run-time dft_length.
func.func @dft_unranked(%x: tensor<2x8x1xf32>, %n: tensor<i64>) -> tensor<*xf32> {
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: the output's rank is unknown (ONNX shape inference could not type it, its size depends on run-time inputs)}}
  // expected-error @+1 {{failed to legalize operation 'onnx.DFT'}}
  %y = onnx.DFT(%x, %n, %none) : (tensor<2x8x1xf32>, tensor<i64>, none) -> tensor<*xf32>
  return %y : tensor<*xf32>
}

// -----

// An inverse one-sided DFT (irfft) has a real result.
func.func @dft_irfft_complex_result(%x: tensor<2x5x2xf32>) -> tensor<2x8x2xf32> {
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: an inverse one-sided DFT has a real result (last dim 1)}}
  // expected-error @+1 {{failed to legalize operation 'onnx.DFT'}}
  %y = onnx.DFT(%x, %none, %none) {inverse = 1 : i64, onesided = 1 : i64} : (tensor<2x5x2xf32>, none, none) -> tensor<2x8x2xf32>
  return %y : tensor<2x8x2xf32>
}

// -----

// A declared shape that contradicts the formula: one-sided STFT of 8-sample
// frames has 8 / 2 + 1 = 5 bins, not 8 (ONNX's shape inference reads the
// onesided default as 0).
func.func @stft_bad_shape(%s: tensor<3x50x1xf32>, %w: tensor<8xf32>) -> tensor<3x15x8x2xf32> {
  %step = onnx.Constant() {value = dense<3> : tensor<i64>} : () -> tensor<i64>
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: the declared result shape [3, 15, 8, 2] disagrees with the STFT output size formula [3, 15, 5, ...]}}
  // expected-error @+1 {{failed to legalize operation 'onnx.STFT'}}
  %y = onnx.STFT(%s, %step, %w, %none) {onesided = 1 : i64} : (tensor<3x50x1xf32>, tensor<i64>, tensor<8xf32>, none) -> tensor<3x15x8x2xf32>
  return %y : tensor<3x15x8x2xf32>
}

// -----

// frame_step must be a positive integer.
func.func @stft_zero_step(%s: tensor<1x16x1xf32>) -> tensor<?x?x?x2xf32> {
  %step = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: frame_step must be positive}}
  // expected-error @+1 {{failed to legalize operation 'onnx.STFT'}}
  %y = onnx.STFT(%s, %step, %none, %none) : (tensor<1x16x1xf32>, tensor<i64>, none, none) -> tensor<?x?x?x2xf32>
  return %y : tensor<?x?x?x2xf32>
}

// -----

// MelWeightMatrix's result is [dft_length / 2 + 1, num_mel_bins].
func.func @mel_rank(%a: tensor<i64>, %b: tensor<i64>, %c: tensor<i64>, %d: tensor<f32>, %e: tensor<f32>) -> tensor<?xf32> {
  // expected-error @+2 {{cannot lower this op: the result must be a 2-D tensor}}
  // expected-error @+1 {{failed to legalize operation 'onnx.MelWeightMatrix'}}
  %y = onnx.MelWeightMatrix(%a, %b, %c, %d, %e) : (tensor<i64>, tensor<i64>, tensor<i64>, tensor<f32>, tensor<f32>) -> tensor<?xf32>
  return %y : tensor<?xf32>
}
