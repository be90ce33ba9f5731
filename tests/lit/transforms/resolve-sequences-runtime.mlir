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
