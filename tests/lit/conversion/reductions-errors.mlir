// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

// With run-time axes and keepdims=1 the result keeps the input rank.
func.func @reduce_runtime_axes_bad_rank(%x: tensor<2x3xf32>, %axes: tensor<1xi64>) -> tensor<?xf32> {
  // expected-error @+2 {{cannot lower this op: result rank does not match}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ReduceSum'}}
  %0 = onnx.ReduceSum(%x, %axes) : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// ReduceLogSumExp is defined in terms of Exp/Log: floats only.
func.func @reduce_log_sum_exp_int(%x: tensor<2x3xi32>) -> tensor<2x1xi32> {
  %axes = arith.constant dense<[1]> : tensor<1xi64>
  // expected-error @+2 {{cannot lower this op: ReduceLogSumExp of integers is not supported}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ReduceLogSumExp'}}
  %0 = onnx.ReduceLogSumExp(%x, %axes) : (tensor<2x3xi32>, tensor<1xi64>) -> tensor<2x1xi32>
  return %0 : tensor<2x1xi32>
}

// -----

func.func @reduce_axis_out_of_range(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %axes = arith.constant dense<[2]> : tensor<1xi64>
  // expected-error @+2 {{cannot lower this op: axis out of range}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ReduceMax'}}
  %0 = onnx.ReduceMax(%x, %axes) : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @argmax_axis_out_of_range(%x: tensor<2x3xf32>) -> tensor<2x1xi64> {
  // expected-error @+2 {{cannot lower this op: axis out of range}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ArgMax'}}
  %0 = onnx.ArgMax(%x) {axis = -3 : i64} : (tensor<2x3xf32>) -> tensor<2x1xi64>
  return %0 : tensor<2x1xi64>
}
