// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

func.func @loop_forever(%y: tensor<1xf32>) -> tensor<1xf32> {
  %n = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: a Loop with neither trip count nor condition never ends}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Loop'}}
  %0 = "onnx.Loop"(%n, %n, %y) ({
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %yi: tensor<1xf32>):
    onnx.Yield %ci, %yi : tensor<i1>, tensor<1xf32>
  }) : (none, none, tensor<1xf32>) -> tensor<1xf32>
  return %0 : tensor<1xf32>
}

// -----

module attributes {kiln.opset = 8 : i64} {
func.func @scan8_sequence_lens(%l: tensor<1xi32>, %s: tensor<1x2xf32>, %x: tensor<1x3x2xf32>) -> tensor<1x2xf32> {
  // expected-error @+2 {{cannot lower this op: Scan-8 with sequence_lens is not supported}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Scan'}}
  %0 = "onnx.Scan"(%l, %s, %x) <{num_scan_inputs = 1 : i64}> ({
  ^bb0(%a: tensor<2xf32>, %b: tensor<2xf32>):
    %r = onnx.Add(%a, %b) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %r : tensor<2xf32>
  }) : (tensor<1xi32>, tensor<1x2xf32>, tensor<1x3x2xf32>) -> tensor<1x2xf32>
  return %0 : tensor<1x2xf32>
}
}

// -----

func.func @loop_rank_change(%m: tensor<i64>, %y: tensor<2xf32>) -> tensor<?x?xf32> {
  %n = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: a loop-carried value changes rank across iterations}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Loop'}}
  %0 = "onnx.Loop"(%m, %n, %y) ({
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %yi: tensor<?x?xf32>):
    onnx.Yield %ci, %yi : tensor<i1>, tensor<?x?xf32>
  }) : (tensor<i64>, none, tensor<2xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
