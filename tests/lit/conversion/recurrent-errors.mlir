// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

func.func @rnn_unknown_activation(%x: tensor<2x1x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) -> tensor<1x1x4xf32> {
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: unsupported activation 'gelu'}}
  // expected-error @+1 {{failed to legalize operation 'onnx.RNN'}}
  %y, %yh = onnx.RNN(%x, %w, %r, %none, %none, %none) {hidden_size = 4 : i64, activations = ["Gelu"]} : (tensor<2x1x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>, none, none, none) -> (none, tensor<1x1x4xf32>)
  return %yh : tensor<1x1x4xf32>
}

// -----

func.func @lstm_activation_count(%x: tensor<2x1x3xf32>, %w: tensor<1x16x3xf32>, %r: tensor<1x16x4xf32>) -> tensor<1x1x4xf32> {
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: expected 3 activations}}
  // expected-error @+1 {{failed to legalize operation 'onnx.LSTM'}}
  %y, %yh, %yc = onnx.LSTM(%x, %w, %r, %none, %none, %none, %none, %none) {hidden_size = 4 : i64, activations = ["Sigmoid", "Tanh"]} : (tensor<2x1x3xf32>, tensor<1x16x3xf32>, tensor<1x16x4xf32>, none, none, none, none, none) -> (none, tensor<1x1x4xf32>, none)
  return %yh : tensor<1x1x4xf32>
}

// -----

func.func @gru_bad_direction(%x: tensor<2x1x3xf32>, %w: tensor<1x15x3xf32>, %r: tensor<1x15x5xf32>) -> tensor<1x1x5xf32> {
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: unknown direction 'sideways'}}
  // expected-error @+1 {{failed to legalize operation 'onnx.GRU'}}
  %y, %yh = onnx.GRU(%x, %w, %r, %none, %none, %none) {hidden_size = 5 : i64, direction = "sideways"} : (tensor<2x1x3xf32>, tensor<1x15x3xf32>, tensor<1x15x5xf32>, none, none, none) -> (none, tensor<1x1x5xf32>)
  return %yh : tensor<1x1x5xf32>
}

// -----

func.func @rnn_integer(%x: tensor<2x1x3xi32>, %w: tensor<1x4x3xi32>, %r: tensor<1x4x4xi32>) -> tensor<1x1x4xi32> {
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: X must be a rank-3 float tensor}}
  // expected-error @+1 {{failed to legalize operation 'onnx.RNN'}}
  %y, %yh = onnx.RNN(%x, %w, %r, %none, %none, %none) {hidden_size = 4 : i64} : (tensor<2x1x3xi32>, tensor<1x4x3xi32>, tensor<1x4x4xi32>, none, none, none) -> (none, tensor<1x1x4xi32>)
  return %yh : tensor<1x1x4xi32>
}
