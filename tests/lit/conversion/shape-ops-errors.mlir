// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

// Run-time axes: the result rank must be the input rank plus their count.
func.func @unsqueeze_runtime_axes_bad_rank(%a: tensor<3xf32>, %ax: tensor<2xi64>) -> tensor<1x3xf32> {
  // expected-error @+2 {{cannot lower this op: result rank != input rank + number of axes}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Unsqueeze'}}
  %0 = onnx.Unsqueeze(%a, %ax) : (tensor<3xf32>, tensor<2xi64>) -> tensor<1x3xf32>
  return %0 : tensor<1x3xf32>
}

// -----

func.func @squeeze_runtime_axes_bad_rank(%a: tensor<1x3x1xf32>, %ax: tensor<1xi64>) -> tensor<3xf32> {
  // expected-error @+2 {{cannot lower this op: result rank != input rank - number of axes}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Squeeze'}}
  %0 = onnx.Squeeze(%a, %ax) : (tensor<1x3x1xf32>, tensor<1xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Without axes, the result type says the dynamic dim is squeezed too, but
// which dims are 1 is only known at run time: not supported.
func.func @squeeze_all_dynamic(%a: tensor<1x?xf32>) -> tensor<f32> {
  %n = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: Squeeze without axes on dynamic dims that may be 1}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Squeeze'}}
  %0 = onnx.Squeeze(%a, %n) : (tensor<1x?xf32>, none) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

func.func @reshape_wrong_count(%x: tensor<2x2xf32>) -> tensor<3x2xf32> {
  %s = onnx.Constant() {value = dense<[3, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  // expected-error @+2 {{cannot lower this op: the shape holds 6 elements, the input 4}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Reshape'}}
  %0 = onnx.Reshape(%x, %s) : (tensor<2x2xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}
