// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

func.func @causal_conv_activation(%x: tensor<2x4x8xf32>, %w: tensor<4x1x3xf32>) -> (tensor<2x4x8xf32>, tensor<2x4x2xf32>) {
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: activation must be none, silu or swish}}
  // expected-error @+1 {{failed to legalize operation 'onnx.CausalConvWithState'}}
  %0:2 = onnx.CausalConvWithState(%x, %w, %none, %none) {activation = "gelu"} : (tensor<2x4x8xf32>, tensor<4x1x3xf32>, none, none) -> (tensor<2x4x8xf32>, tensor<2x4x2xf32>)
  return %0#0, %0#1 : tensor<2x4x8xf32>, tensor<2x4x2xf32>
}
