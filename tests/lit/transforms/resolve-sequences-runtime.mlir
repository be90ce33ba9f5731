// RUN: kiln-opt %s --kiln-resolve-sequences -split-input-file | FileCheck %s

// What only the run decides keeps its sequence ops; a sequence known at
// compile time that flows into them is rebuilt (SequenceConstruct of its
// tensors) right before its user.

// A run-time position: the insertion stays, over the rebuilt sequence;
// the SequenceAt at a constant position of a known sequence still
// resolves.
// CHECK-LABEL: func.func @runtime_position
// CHECK-SAME: (%[[X:.*]]: tensor<2xf32>, %[[Y:.*]]: tensor<3xf32>, %[[P:.*]]: tensor<i64>)
// CHECK: %[[S:.*]] = onnx.SequenceConstruct(%[[X]], %[[X]])
// CHECK: %[[T:.*]] = onnx.SequenceInsert(%[[S]], %[[X]], %[[P]])
// CHECK: %[[A:.*]] = onnx.SequenceAt(%[[T]], %[[P]])
// CHECK: return %[[A]], %[[X]]
func.func @runtime_position(%x: tensor<2xf32>, %y: tensor<3xf32>, %p: tensor<i64>) -> (tensor<2xf32>, tensor<2xf32>) {
  %s = onnx.SequenceConstruct(%x, %x) : (tensor<2xf32>, tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>>
  %t = onnx.SequenceInsert(%s, %x, %p) : (!onnx.Seq<tensor<2xf32>>, tensor<2xf32>, tensor<i64>) -> !onnx.Seq<tensor<2xf32>>
  %a = onnx.SequenceAt(%t, %p) : (!onnx.Seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
  %zero = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %b = onnx.SequenceAt(%s, %zero) : (!onnx.Seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
  return %a, %b : tensor<2xf32>, tensor<2xf32>
}

// -----

// A Loop of run-time trip count carrying a sequence stays a Loop: its
// initial empty sequence is rebuilt, its body keeps the insertion.
// CHECK-LABEL: func.func @through_loop
// CHECK: %[[E:.*]] = onnx.SequenceEmpty()
// CHECK: %[[R:.*]] = "onnx.Loop"(%{{.*}}, %{{.*}}, %[[E]])
// CHECK: onnx.SequenceInsert
// CHECK: onnx.Yield
// CHECK: onnx.SequenceLength(%[[R]])
func.func @through_loop(%m: tensor<i64>, %c: tensor<i1>, %x: tensor<2xf32>) -> tensor<i64> {
  %s = onnx.SequenceEmpty() {dtype = 1 : i64} : () -> !onnx.Seq<tensor<2xf32>>
  %r = "onnx.Loop"(%m, %c, %s) ({
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %si: !onnx.Seq<tensor<2xf32>>):
    %none = onnx.NoValue
    %t = onnx.SequenceInsert(%si, %x, %none) : (!onnx.Seq<tensor<2xf32>>, tensor<2xf32>, none) -> !onnx.Seq<tensor<2xf32>>
    onnx.Yield %ci, %t : tensor<i1>, !onnx.Seq<tensor<2xf32>>
  }) : (tensor<i64>, tensor<i1>, !onnx.Seq<tensor<2xf32>>) -> !onnx.Seq<tensor<2xf32>>
  %n = onnx.SequenceLength(%r) : (!onnx.Seq<tensor<2xf32>>) -> tensor<i64>
  return %n : tensor<i64>
}

// -----

// Branches of different lengths: the If keeps its sequence result, each
// branch yields its sequence rebuilt.
// CHECK-LABEL: func.func @through_if
// CHECK: %[[R:.*]] = "onnx.If"
// CHECK: %[[A:.*]] = onnx.SequenceConstruct(%{{.*}}) : (tensor<2xf32>)
// CHECK: onnx.Yield %[[A]]
// CHECK: %[[B:.*]] = onnx.SequenceConstruct(%{{.*}}, %{{.*}}) : (tensor<2xf32>, tensor<2xf32>)
// CHECK: onnx.Yield %[[B]]
// CHECK: onnx.SequenceLength(%[[R]])
func.func @through_if(%c: tensor<i1>, %x: tensor<2xf32>) -> tensor<i64> {
  %r = "onnx.If"(%c) ({
    %s = onnx.SequenceConstruct(%x) : (tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>>
    onnx.Yield %s : !onnx.Seq<tensor<2xf32>>
  }, {
    %s = onnx.SequenceConstruct(%x, %x) : (tensor<2xf32>, tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>>
    onnx.Yield %s : !onnx.Seq<tensor<2xf32>>
  }) : (tensor<i1>) -> !onnx.Seq<tensor<2xf32>>
  %n = onnx.SequenceLength(%r) : (!onnx.Seq<tensor<2xf32>>) -> tensor<i64>
  return %n : tensor<i64>
}

// -----

// An optional present in one branch only: the If keeps its optional
// result; the empty one is rebuilt as Optional of nothing.
// CHECK-LABEL: func.func @if_optional_presence
// CHECK: %[[O:.*]] = "onnx.If"
// CHECK: %[[E:.*]] = onnx.Optional(%{{.*}}) : (none)
// CHECK: onnx.Yield %[[E]]
// CHECK: %[[T:.*]] = onnx.Optional(%{{.*}}) : (tensor<2xf32>)
// CHECK: onnx.Yield %[[T]]
// CHECK: onnx.OptionalHasElement(%[[O]])
func.func @if_optional_presence(%c: tensor<i1>, %x: tensor<2xf32>) -> tensor<i1> {
  %o = "onnx.If"(%c) ({
    %none = onnx.NoValue
    %e = onnx.Optional(%none) {type_proto = tensor<2xf32>} : (none) -> !onnx.Opt<tensor<2xf32>>
    onnx.Yield %e : !onnx.Opt<tensor<2xf32>>
  }, {
    %t = onnx.Optional(%x) : (tensor<2xf32>) -> !onnx.Opt<tensor<2xf32>>
    onnx.Yield %t : !onnx.Opt<tensor<2xf32>>
  }) : (tensor<i1>) -> !onnx.Opt<tensor<2xf32>>
  %h = onnx.OptionalHasElement(%o) : (!onnx.Opt<tensor<2xf32>>) -> tensor<i1>
  return %h : tensor<i1>
}

// -----

// A graph output of run-time length: one int64 slot with the value's
// address (kiln_abi.h's KILN_VALUE_FLAG_RUNTIME, 4, added to the flags).
// CHECK-LABEL: func.func @runtime_output
// CHECK-SAME: -> (!onnx.Seq<tensor<2xf32>> {kiln.elem_type = 7 : i32, kiln.name = "s"})
// CHECK-SAME: kiln.output_values = [{count = 1 : i64, flags = 4 : i32, kind = 1 : i32, name = "s"
// CHECK: %[[S:.*]] = onnx.SequenceConstruct
// CHECK: %[[T:.*]] = onnx.SequenceInsert(%[[S]]
// CHECK: return %[[T]]
func.func @runtime_output(%x: tensor<2xf32>, %p: tensor<i64>) -> (!onnx.Seq<tensor<2xf32>> {kiln.elem_type = 1 : i32, kiln.name = "s"}) attributes {kiln.output_values = [{count = 1 : i64, flags = 0 : i32, kind = 1 : i32, name = "s", type = "seq(tensor(float))"}]} {
  %s = onnx.SequenceConstruct(%x) : (tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>>
  %t = onnx.SequenceInsert(%s, %x, %p) : (!onnx.Seq<tensor<2xf32>>, tensor<2xf32>, tensor<i64>) -> !onnx.Seq<tensor<2xf32>>
  return %t : !onnx.Seq<tensor<2xf32>>
}

// -----

// The elements of a run-time sequence take the types of the tensors that
// flow into it (here through a Loop, whose carried sequence ONNX left of
// unknown rank), so SequenceAt reads a tensor of known rank.
// CHECK-LABEL: func.func @refined_elements
// CHECK: onnx.SequenceEmpty() {dtype = 1 : i64} : () -> !onnx.Seq<tensor<*xf32>>
// CHECK: ^bb0(%{{.*}}: tensor<i64>, %{{.*}}: tensor<i1>, %{{.*}}: !onnx.Seq<tensor<?x3xf32>>):
// CHECK: onnx.SequenceInsert({{.*}}) : (!onnx.Seq<tensor<?x3xf32>>, tensor<?x3xf32>, none) -> !onnx.Seq<tensor<?x3xf32>>
// CHECK: }) : (tensor<i64>, tensor<i1>, !onnx.Seq<tensor<*xf32>>) -> !onnx.Seq<tensor<?x3xf32>>
// CHECK: onnx.SequenceAt(%{{.*}}, %{{.*}}) : (!onnx.Seq<tensor<?x3xf32>>, tensor<i64>) -> tensor<?x3xf32>
func.func @refined_elements(%m: tensor<i64>, %c: tensor<i1>, %x: tensor<?x3xf32>, %p: tensor<i64>) -> tensor<*xf32> {
  %s = onnx.SequenceEmpty() {dtype = 1 : i64} : () -> !onnx.Seq<tensor<*xf32>>
  %r = "onnx.Loop"(%m, %c, %s) ({
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %si: !onnx.Seq<tensor<*xf32>>):
    %none = onnx.NoValue
    %t = onnx.SequenceInsert(%si, %x, %none) : (!onnx.Seq<tensor<*xf32>>, tensor<?x3xf32>, none) -> !onnx.Seq<tensor<*xf32>>
    onnx.Yield %ci, %t : tensor<i1>, !onnx.Seq<tensor<*xf32>>
  }) : (tensor<i64>, tensor<i1>, !onnx.Seq<tensor<*xf32>>) -> !onnx.Seq<tensor<*xf32>>
  %a = onnx.SequenceAt(%r, %p) : (!onnx.Seq<tensor<*xf32>>, tensor<i64>) -> tensor<*xf32>
  return %a : tensor<*xf32>
}

// -----

// A split into a number of pieces only the run knows, erased from: the
// split itself is kept for the run right before its user.
// CHECK-LABEL: func.func @runtime_count_erase
// CHECK: %[[S:.*]] = onnx.SplitToSequence(%arg0, %{{.*}})
// CHECK: %[[T:.*]] = onnx.SequenceErase(%[[S]], %{{.*}})
// CHECK: onnx.SequenceLength(%[[T]])
func.func @runtime_count_erase(%x: tensor<?x3xf32>) -> tensor<i64> {
  %none = onnx.NoValue
  %s = onnx.SplitToSequence(%x, %none) {axis = 0 : i64, keepdims = 1 : i64} : (tensor<?x3xf32>, none) -> !onnx.Seq<tensor<1x3xf32>>
  %t = onnx.SequenceErase(%s, %none) : (!onnx.Seq<tensor<1x3xf32>>, none) -> !onnx.Seq<tensor<1x3xf32>>
  %n = onnx.SequenceLength(%t) : (!onnx.Seq<tensor<1x3xf32>>) -> tensor<i64>
  return %n : tensor<i64>
}

// -----

// Chunks of 2 whose count only the run knows: the first one is a Slice, the
// last one (a negative position) is read from the run's sequence.
// CHECK-LABEL: func.func @runtime_count_chunks
// CHECK: onnx.Slice(%arg0,
// CHECK: %[[S:.*]] = onnx.SplitToSequence(%arg0, %{{.*}})
// CHECK: onnx.SequenceAt(%[[S]], %{{.*}})
func.func @runtime_count_chunks(%x: tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>) {
  %two = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %first = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %last = onnx.Constant() {value = dense<-1> : tensor<i64>} : () -> tensor<i64>
  %s = onnx.SplitToSequence(%x, %two) {axis = 0 : i64} : (tensor<?xf32>, tensor<i64>) -> !onnx.Seq<tensor<?xf32>>
  %a = onnx.SequenceAt(%s, %first) : (!onnx.Seq<tensor<?xf32>>, tensor<i64>) -> tensor<?xf32>
  %b = onnx.SequenceAt(%s, %last) : (!onnx.Seq<tensor<?xf32>>, tensor<i64>) -> tensor<?xf32>
  return %a, %b : tensor<?xf32>, tensor<?xf32>
}

// -----

// A scalar split only the run knows: the split stays, and so does every
// reader of its sequence.
// CHECK-LABEL: func.func @runtime_chunk
// CHECK: %[[S:.*]] = onnx.SplitToSequence(%arg0, %arg1) {axis = 1 : i64}
// CHECK: onnx.SequenceLength(%[[S]])
func.func @runtime_chunk(%x: tensor<3x6xf32>, %split: tensor<i64>) -> tensor<i64> {
  %s = onnx.SplitToSequence(%x, %split) {axis = 1 : i64} : (tensor<3x6xf32>, tensor<i64>) -> !onnx.Seq<tensor<3x?xf32>>
  %n = onnx.SequenceLength(%s) : (!onnx.Seq<tensor<3x?xf32>>) -> tensor<i64>
  return %n : tensor<i64>
}

// -----

// The pieces of a split whose count only the run knows, carried by a Loop:
// the split runs before the Loop, which carries its sequence.
// CHECK-LABEL: func.func @runtime_split_into_loop
// CHECK: %[[S:.*]] = onnx.SplitToSequence(%arg0, %{{.*}})
// CHECK: "onnx.Loop"(%arg1, %arg2, %[[S]])
func.func @runtime_split_into_loop(%x: tensor<?x3xf32>, %m: tensor<i64>, %c: tensor<i1>) -> tensor<i64> {
  %none = onnx.NoValue
  %s = onnx.SplitToSequence(%x, %none) {axis = 0 : i64, keepdims = 1 : i64} : (tensor<?x3xf32>, none) -> !onnx.Seq<tensor<1x3xf32>>
  %r = "onnx.Loop"(%m, %c, %s) ({
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %si: !onnx.Seq<tensor<1x3xf32>>):
    onnx.Yield %ci, %si : tensor<i1>, !onnx.Seq<tensor<1x3xf32>>
  }) : (tensor<i64>, tensor<i1>, !onnx.Seq<tensor<1x3xf32>>) -> !onnx.Seq<tensor<1x3xf32>>
  %n = onnx.SequenceLength(%r) : (!onnx.Seq<tensor<1x3xf32>>) -> tensor<i64>
  return %n : tensor<i64>
}
