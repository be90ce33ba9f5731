// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

func.func @uniform_int() -> tensor<2xi32> {
  // expected-error @+2 {{cannot lower this op: a ranked float tensor result expected}}
  // expected-error @+1 {{failed to legalize operation 'onnx.RandomUniform'}}
  %0 = onnx.RandomUniform() {shape = [2], dtype = 6 : i64} : () -> tensor<2xi32>
  return %0 : tensor<2xi32>
}

// -----

func.func @bernoulli_int(%p: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+2 {{cannot lower this op: a ranked float tensor of probabilities expected}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Bernoulli'}}
  %0 = onnx.Bernoulli(%p) : (tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @multinomial_rank3(%x: tensor<1x2x3xf32>) -> tensor<2x5xi32> {
  // expected-error @+2 {{cannot lower this op: 2-D float input and 2-D integer output expected}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Multinomial'}}
  %0 = onnx.Multinomial(%x) {sample_size = 5 : i64} : (tensor<1x2x3xf32>) -> tensor<2x5xi32>
  return %0 : tensor<2x5xi32>
}

// -----

func.func @dropout_int(%x: tensor<4xi32>, %t: tensor<i1>) -> tensor<4xi32> {
  %n = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: a ranked float input expected}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Dropout'}}
  %0, %1 = onnx.Dropout(%x, %n, %t) : (tensor<4xi32>, none, tensor<i1>) -> (tensor<4xi32>, none)
  return %0 : tensor<4xi32>
}
