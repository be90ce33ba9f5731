// RUN: kiln-opt %s --kiln-resolve-sequences -split-input-file -verify-diagnostics


func.func @out_of_range(%x: tensor<2xf32>) -> tensor<2xf32> {
  %p = onnx.Constant() {value = dense<-3> : tensor<i64>} : () -> tensor<i64>
  %s = onnx.SequenceConstruct(%x, %x) : (tensor<2xf32>, tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>>
  // expected-error @+1 {{position -3 is out of range [-2, 1] for a sequence of 2 tensors}}
  %a = onnx.SequenceAt(%s, %p) : (!onnx.Seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
  return %a : tensor<2xf32>
}

// -----

func.func @insert_out_of_range(%x: tensor<2xf32>) -> tensor<i64> {
  %p = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %s = onnx.SequenceConstruct(%x) : (tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>>
  // expected-error @+1 {{position 2 is out of range [-1, 1]}}
  %t = onnx.SequenceInsert(%s, %x, %p) : (!onnx.Seq<tensor<2xf32>>, tensor<2xf32>, tensor<i64>) -> !onnx.Seq<tensor<2xf32>>
  %n = onnx.SequenceLength(%t) : (!onnx.Seq<tensor<2xf32>>) -> tensor<i64>
  return %n : tensor<i64>
}

// -----

func.func @concat_empty() -> tensor<*xf32> {
  %s = onnx.SequenceEmpty() {dtype = 1 : i64} : () -> !onnx.Seq<tensor<*xf32>>
  // expected-error @+1 {{concatenates an empty sequence}}
  %c = onnx.ConcatFromSequence(%s) {axis = 0 : i64} : (!onnx.Seq<tensor<*xf32>>) -> tensor<*xf32>
  return %c : tensor<*xf32>
}

// -----

func.func @empty_optional() -> tensor<2xf32> {
  %none = onnx.NoValue
  %e = onnx.Optional(%none) {type_proto = tensor<2xf32>} : (none) -> !onnx.Opt<tensor<2xf32>>
  // expected-error @+1 {{the optional is empty}}
  %v = onnx.OptionalGetElement(%e) : (!onnx.Opt<tensor<2xf32>>) -> tensor<2xf32>
  return %v : tensor<2xf32>
}

// -----

func.func @other_user(%x: tensor<2xf32>) -> tensor<2xf32> {
  %s = onnx.SequenceConstruct(%x) : (tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>>
  // expected-error @+1 {{takes or returns a sequence or optional value}}
  %a = onnx.Relu(%s) : (!onnx.Seq<tensor<2xf32>>) -> tensor<2xf32>
  return %a : tensor<2xf32>
}

// -----

// expected-error @+1 {{optional element type must be a tensor or a sequence, got 'f32'}}
func.func @bad_type(%s: !onnx.Opt<f32>) {
  return
}

// -----

func.func @sequence_map_lengths(%x: tensor<2xf32>) -> tensor<2xf32> {
  %p0 = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %s = onnx.SequenceConstruct(%x, %x) : (tensor<2xf32>, tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>>
  %t = onnx.SequenceConstruct(%x) : (tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>>
  // expected-error @+1 {{SequenceMap: its sequences differ in length (2 and 1)}}
  %m = "onnx.SequenceMap"(%s, %t) ({
  ^bb0(%a: tensor<2xf32>, %b: tensor<2xf32>):
    "onnx.Yield"(%a) : (tensor<2xf32>) -> ()
  }) : (!onnx.Seq<tensor<2xf32>>, !onnx.Seq<tensor<2xf32>>) -> !onnx.Seq<tensor<2xf32>>
  %r = onnx.SequenceAt(%m, %p0) : (!onnx.Seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

// A sequence whose length only the run decides cannot be concatenated yet.
func.func @concat_runtime(%x: tensor<2xf32>, %p: tensor<i64>) -> tensor<*xf32> {
  %s = onnx.SequenceConstruct(%x) : (tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>>
  %t = onnx.SequenceInsert(%s, %x, %p) : (!onnx.Seq<tensor<2xf32>>, tensor<2xf32>, tensor<i64>) -> !onnx.Seq<tensor<2xf32>>
  // expected-error @+1 {{ConcatFromSequence: concatenates a sequence whose length only the run decides, which Kiln does not support}}
  %c = onnx.ConcatFromSequence(%t) {axis = 0 : i64} : (!onnx.Seq<tensor<2xf32>>) -> tensor<*xf32>
  return %c : tensor<*xf32>
}

// -----

// SequenceMap is unrolled per element: it needs a length known here.
func.func @sequence_map_runtime(%x: tensor<2xf32>, %p: tensor<i64>) -> tensor<i64> {
  %s = onnx.SequenceConstruct(%x) : (tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>>
  %t = onnx.SequenceInsert(%s, %x, %p) : (!onnx.Seq<tensor<2xf32>>, tensor<2xf32>, tensor<i64>) -> !onnx.Seq<tensor<2xf32>>
  // expected-error @+1 {{SequenceMap: its sequence's length is only known at run time}}
  %m = "onnx.SequenceMap"(%t) ({
  ^bb0(%a: tensor<2xf32>):
    "onnx.Yield"(%a) : (tensor<2xf32>) -> ()
  }) : (!onnx.Seq<tensor<2xf32>>) -> !onnx.Seq<tensor<2xf32>>
  %n = onnx.SequenceLength(%m) : (!onnx.Seq<tensor<2xf32>>) -> tensor<i64>
  return %n : tensor<i64>
}

// -----

func.func @split_unranked(%x: tensor<4xf32>, %split: tensor<*xi64>) -> tensor<i64> {
  // expected-error @+1 {{split needs a known rank (a scalar or a 1-D tensor)}}
  %s = onnx.SplitToSequence(%x, %split) {axis = 0 : i64} : (tensor<4xf32>, tensor<*xi64>) -> !onnx.Seq<tensor<?xf32>>
  %n = onnx.SequenceLength(%s) : (!onnx.Seq<tensor<?xf32>>) -> tensor<i64>
  return %n : tensor<i64>
}
