// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

// An element read from a run-time sequence is copied into a buffer of the
// result's rank: it must be known.
func.func @at_unranked(%s: !onnx.Seq<tensor<*xf32>>, %p: tensor<i64>) -> tensor<*xf32> {
  // expected-error @+2 {{cannot lower this op: the element read from a run-time sequence needs a known rank}}
  // expected-error @+1 {{failed to legalize operation 'onnx.SequenceAt'}}
  %a = onnx.SequenceAt(%s, %p) : (!onnx.Seq<tensor<*xf32>>, tensor<i64>) -> tensor<*xf32>
  return %a : tensor<*xf32>
}

// -----

func.func @insert_unranked(%s: !onnx.Seq<tensor<*xf32>>, %x: tensor<*xf32>) -> !onnx.Seq<tensor<*xf32>> {
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: a tensor of a run-time sequence needs a known rank}}
  // expected-error @+1 {{failed to legalize operation 'onnx.SequenceInsert'}}
  %t = onnx.SequenceInsert(%s, %x, %none) : (!onnx.Seq<tensor<*xf32>>, tensor<*xf32>, none) -> !onnx.Seq<tensor<*xf32>>
  return %t : !onnx.Seq<tensor<*xf32>>
}
