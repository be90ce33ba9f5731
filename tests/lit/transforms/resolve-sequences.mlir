// RUN: kiln-opt %s --kiln-resolve-sequences -split-input-file | FileCheck %s

// Insert without a position appends, negative positions count from the
// back; SequenceAt becomes the element it names and no sequence remains.
// CHECK-LABEL: func.func @insert_erase_at
// CHECK-SAME: (%[[X:.*]]: tensor<2xf32>, %[[Y:.*]]: tensor<2xf32>, %[[Z:.*]]: tensor<2xf32>)
// CHECK-NOT: onnx.Sequence
// CHECK: return %[[Z]], %[[X]] : tensor<2xf32>, tensor<2xf32>
func.func @insert_erase_at(%x: tensor<2xf32>, %y: tensor<2xf32>, %z: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %m3 = onnx.Constant() {value = dense<-3> : tensor<i64>} : () -> tensor<i64>
  %m1 = onnx.Constant() {value = dense<-1> : tensor<i64>} : () -> tensor<i64>
  %p0 = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %none = onnx.NoValue
  // [x, y, z] -> erase -3 -> [y, z] -> insert x at -1 -> [y, x, z]
  %s0 = onnx.SequenceConstruct(%x, %y, %z) : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>>
  %s1 = onnx.SequenceErase(%s0, %m3) : (!onnx.Seq<tensor<2xf32>>, tensor<i64>) -> !onnx.Seq<tensor<2xf32>>
  %s2 = onnx.SequenceInsert(%s1, %x, %m1) : (!onnx.Seq<tensor<2xf32>>, tensor<2xf32>, tensor<i64>) -> !onnx.Seq<tensor<2xf32>>
  %a = onnx.SequenceAt(%s2, %m1) : (!onnx.Seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
  // Empty, append y then x, erase the last: [y]; insert x at 0: [x, y].
  %e0 = onnx.SequenceEmpty() {dtype = 1 : i64} : () -> !onnx.Seq<tensor<*xf32>>
  %e1 = onnx.SequenceInsert(%e0, %y, %none) : (!onnx.Seq<tensor<*xf32>>, tensor<2xf32>, none) -> !onnx.Seq<tensor<*xf32>>
  %e2 = onnx.SequenceInsert(%e1, %x, %none) : (!onnx.Seq<tensor<*xf32>>, tensor<2xf32>, none) -> !onnx.Seq<tensor<*xf32>>
  %e3 = onnx.SequenceErase(%e2, %none) : (!onnx.Seq<tensor<*xf32>>, none) -> !onnx.Seq<tensor<*xf32>>
  %e4 = onnx.SequenceInsert(%e3, %x, %p0) : (!onnx.Seq<tensor<*xf32>>, tensor<2xf32>, tensor<i64>) -> !onnx.Seq<tensor<*xf32>>
  %b = onnx.SequenceAt(%e4, %p0) : (!onnx.Seq<tensor<*xf32>>, tensor<i64>) -> tensor<2xf32>
  %c = onnx.SequenceAt(%s2, %m1) : (!onnx.Seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
  return %c, %b : tensor<2xf32>, tensor<2xf32>
}

// -----

// An element more precise than the sequence's merged type replaces the
// result, and shape inference carries the precise type to the function's
// results.
// CHECK-LABEL: func.func @refined
// CHECK-SAME: -> tensor<3x3x4xf32>
// CHECK: %[[R:.*]] = onnx.Relu(%arg2) : (tensor<3x3x4xf32>) -> tensor<3x3x4xf32>
// CHECK: return %[[R]]
func.func @refined(%x: tensor<2x3x4xf32>, %y: tensor<1x3x4xf32>, %z: tensor<3x3x4xf32>) -> tensor<?x3x4xf32> {
  %p = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %s = onnx.SequenceConstruct(%x, %y, %z) : (tensor<2x3x4xf32>, tensor<1x3x4xf32>, tensor<3x3x4xf32>) -> !onnx.Seq<tensor<?x3x4xf32>>
  %a = onnx.SequenceAt(%s, %p) : (!onnx.Seq<tensor<?x3x4xf32>>, tensor<i64>) -> tensor<?x3x4xf32>
  %r = onnx.Relu(%a) : (tensor<?x3x4xf32>) -> tensor<?x3x4xf32>
  return %r : tensor<?x3x4xf32>
}

// -----

// An element less precise than the declared result keeps the declared type
// through a tensor.cast.
// CHECK-LABEL: func.func @cast
// CHECK: %[[C:.*]] = tensor.cast %arg0 : tensor<?x4xf32> to tensor<2x4xf32>
// CHECK: return %[[C]] : tensor<2x4xf32>
func.func @cast(%x: tensor<?x4xf32>) -> tensor<2x4xf32> {
  %p = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %s = onnx.SequenceConstruct(%x) : (tensor<?x4xf32>) -> !onnx.Seq<tensor<?x4xf32>>
  %a = onnx.SequenceAt(%s, %p) : (!onnx.Seq<tensor<?x4xf32>>, tensor<i64>) -> tensor<2x4xf32>
  return %a : tensor<2x4xf32>
}

// -----

// No split: pieces of size 1 along the axis, squeezed for keepdims = 0;
// SequenceLength is the number of pieces.
// CHECK-LABEL: func.func @split_keepdims0
// CHECK: %[[ONES:.*]] = onnx.Constant() {value = dense<1> : tensor<2xi64>}
// CHECK: %[[P:.*]]:2 = onnx.Split(%arg0, %[[ONES]]) : (tensor<2x3xf64>, tensor<2xi64>) -> (tensor<1x3xf64>, tensor<1x3xf64>)
// CHECK: %[[AX:.*]] = onnx.Constant() {value = dense<0> : tensor<1xi64>}
// CHECK-NOT: onnx.Squeeze(%[[P]]#0
// CHECK: %[[Q:.*]] = onnx.Squeeze(%[[P]]#1, %[[AX]]) : (tensor<1x3xf64>, tensor<1xi64>) -> tensor<3xf64>
// CHECK: %[[N:.*]] = onnx.Constant() {value = dense<2> : tensor<i64>}
// CHECK: return %[[Q]], %[[N]] : tensor<3xf64>, tensor<i64>
func.func @split_keepdims0(%x: tensor<2x3xf64>) -> (tensor<3xf64>, tensor<i64>) {
  %none = onnx.NoValue
  %p = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %s = onnx.SplitToSequence(%x, %none) {axis = 0 : i64, keepdims = 0 : i64} : (tensor<2x3xf64>, none) -> !onnx.Seq<tensor<3xf64>>
  %a = onnx.SequenceAt(%s, %p) : (!onnx.Seq<tensor<3xf64>>, tensor<i64>) -> tensor<3xf64>
  %n = onnx.SequenceLength(%s) : (!onnx.Seq<tensor<3xf64>>) -> tensor<i64>
  return %a, %n : tensor<3xf64>, tensor<i64>
}

// -----

// A scalar split: chunks of that size, the last one smaller; keepdims is
// ignored.
// CHECK-LABEL: func.func @split_scalar
// CHECK: %[[S:.*]] = onnx.Constant() {value = dense<[2, 2, 1]> : tensor<3xi64>}
// CHECK: %[[P:.*]]:3 = onnx.Split(%arg0, %[[S]]) {axis = 1 : i64} : (tensor<4x5xf32>, tensor<3xi64>) -> (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4x1xf32>)
// CHECK: return %[[P]]#2 : tensor<4x1xf32>
func.func @split_scalar(%x: tensor<4x5xf32>) -> tensor<4x?xf32> {
  %two = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %last = onnx.Constant() {value = dense<-1> : tensor<i64>} : () -> tensor<i64>
  %s = onnx.SplitToSequence(%x, %two) {axis = -1 : i64, keepdims = 0 : i64} : (tensor<4x5xf32>, tensor<i64>) -> !onnx.Seq<tensor<4x?xf32>>
  %a = onnx.SequenceAt(%s, %last) : (!onnx.Seq<tensor<4x?xf32>>, tensor<i64>) -> tensor<4x?xf32>
  return %a : tensor<4x?xf32>
}

// -----

// A 1-D split known only at run time still has a static number of pieces:
// the length is a constant and the unused Split disappears.
// CHECK-LABEL: func.func @split_runtime_length
// CHECK-NOT: onnx.Split
// CHECK: %[[N:.*]] = onnx.Constant() {value = dense<3> : tensor<i64>}
// CHECK-NOT: onnx.Split
// CHECK: return %[[N]]
func.func @split_runtime_length(%x: tensor<?xf32>, %split: tensor<3xi64>) -> tensor<i64> {
  %s = onnx.SplitToSequence(%x, %split) {axis = 0 : i64, keepdims = 1 : i64} : (tensor<?xf32>, tensor<3xi64>) -> !onnx.Seq<tensor<?xf32>>
  %n = onnx.SequenceLength(%s) : (!onnx.Seq<tensor<?xf32>>) -> tensor<i64>
  return %n : tensor<i64>
}

// -----

// ConcatFromSequence is a Concat, with an Unsqueeze of every element first
// for new_axis = 1 (negative axes counted in the output's rank).
// CHECK-LABEL: func.func @concat
// CHECK: %[[AX:.*]] = onnx.Constant() {value = dense<-1> : tensor<1xi64>}
// CHECK: %[[U0:.*]] = onnx.Unsqueeze(%arg0, %[[AX]]) : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2x3x1xf32>
// CHECK: %[[U1:.*]] = onnx.Unsqueeze(%arg1, %[[AX]]) : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2x3x1xf32>
// CHECK: %[[S:.*]] = onnx.Concat(%[[U0]], %[[U1]]) {axis = -1 : i64} : (tensor<2x3x1xf32>, tensor<2x3x1xf32>) -> tensor<2x3x2xf32>
// CHECK: %[[C:.*]] = onnx.Concat(%arg0, %arg1) {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x6xf32>
// CHECK: return %[[S]], %[[C]] : tensor<2x3x2xf32>, tensor<2x6xf32>
func.func @concat(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> (tensor<2x3x2xf32>, tensor<2x?xf32>) {
  %s = onnx.SequenceConstruct(%x, %y) : (tensor<2x3xf32>, tensor<2x3xf32>) -> !onnx.Seq<tensor<2x3xf32>>
  %a = onnx.ConcatFromSequence(%s) {axis = -1 : i64, new_axis = 1 : i64} : (!onnx.Seq<tensor<2x3xf32>>) -> tensor<2x3x2xf32>
  %b = onnx.ConcatFromSequence(%s) {axis = 1 : i64} : (!onnx.Seq<tensor<2x3xf32>>) -> tensor<2x?xf32>
  return %a, %b : tensor<2x3x2xf32>, tensor<2x?xf32>
}

// -----

// Optionals built in the model: HasElement is a constant, GetElement the
// value (a sequence inside an optional stays a list of tensors).
// CHECK-LABEL: func.func @optionals
// CHECK-DAG: %[[T:.*]] = onnx.Constant() {value = dense<true> : tensor<i1>}
// CHECK-DAG: %[[F:.*]] = onnx.Constant() {value = dense<false> : tensor<i1>}
// CHECK-NOT: onnx.Optional
// CHECK: return %arg0, %[[T]], %[[F]], %arg0 : tensor<2xf32>, tensor<i1>, tensor<i1>, tensor<2xf32>
func.func @optionals(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<i1>, tensor<i1>, tensor<2xf32>) {
  %none = onnx.NoValue
  %p = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %o = onnx.Optional(%x) : (tensor<2xf32>) -> !onnx.Opt<tensor<2xf32>>
  %e = onnx.Optional(%none) {type_proto = tensor<2xf32>} : (none) -> !onnx.Opt<tensor<2xf32>>
  %v = onnx.OptionalGetElement(%o) : (!onnx.Opt<tensor<2xf32>>) -> tensor<2xf32>
  %h = onnx.OptionalHasElement(%o) : (!onnx.Opt<tensor<2xf32>>) -> tensor<i1>
  %g = onnx.OptionalHasElement(%e) : (!onnx.Opt<tensor<2xf32>>) -> tensor<i1>
  %s = onnx.SequenceConstruct(%x) : (tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>>
  %os = onnx.Optional(%s) : (!onnx.Seq<tensor<2xf32>>) -> !onnx.Opt<!onnx.Seq<tensor<2xf32>>>
  %gs = onnx.OptionalGetElement(%os) : (!onnx.Opt<!onnx.Seq<tensor<2xf32>>>) -> !onnx.Seq<tensor<2xf32>>
  %a = onnx.SequenceAt(%gs, %p) : (!onnx.Seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
  return %v, %h, %g, %a : tensor<2xf32>, tensor<i1>, tensor<i1>, tensor<2xf32>
}

// -----

// A sequence built outside a subgraph can be read inside it.
// CHECK-LABEL: func.func @read_in_subgraph
// CHECK: onnx.If
// CHECK-NEXT: onnx.Yield %arg2 : tensor<2xf32>
// CHECK-NOT: onnx.Sequence
func.func @read_in_subgraph(%c: tensor<i1>, %x: tensor<2xf32>, %y: tensor<2xf32>) -> tensor<2xf32> {
  %p = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %s = onnx.SequenceConstruct(%x, %y) : (tensor<2xf32>, tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>>
  %r = "onnx.If"(%c) ({
    %a = onnx.SequenceAt(%s, %p) : (!onnx.Seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
    onnx.Yield %a : tensor<2xf32>
  }, {
    onnx.Yield %x : tensor<2xf32>
  }) : (tensor<i1>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}

// -----

// A split dim known only at run time: the length is read from the shape
// (ceil(dim / chunk) for chunks) and a piece at a constant position is a
// Slice (squeezed for keepdims = 0; -1 slices to the end).
// CHECK-LABEL: func.func @runtime_count
// CHECK: %[[SH:.*]] = onnx.Shape(%arg0) : (tensor<2x?xf32>) -> tensor<2xi64>
// CHECK: %[[D:.*]] = onnx.Gather(%[[SH]], %{{.*}}) : (tensor<2xi64>, tensor<i64>) -> tensor<i64>
// CHECK: %[[P:.*]] = onnx.Slice(%arg0, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (tensor<2x?xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, none) -> tensor<2x1xf32>
// CHECK: %[[Q:.*]] = onnx.Squeeze(%[[P]], %{{.*}}) : (tensor<2x1xf32>, tensor<1xi64>) -> tensor<2xf32>
// CHECK: %[[SH2:.*]] = onnx.Shape(%arg0)
// CHECK: %[[D2:.*]] = onnx.Gather(%[[SH2]], %{{.*}})
// CHECK: %[[UP:.*]] = onnx.Add(%[[D2]], %{{.*}}) : (tensor<i64>, tensor<i64>) -> tensor<i64>
// CHECK: %[[N:.*]] = onnx.Div(%[[UP]], %{{.*}}) : (tensor<i64>, tensor<i64>) -> tensor<i64>
// CHECK: %[[C:.*]] = onnx.Slice(%arg0, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : (tensor<2x?xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, none) -> tensor<2x?xf32>
// CHECK: %[[SL:.*]] = onnx.Shape(%arg1) : (tensor<?xi64>) -> tensor<1xi64>
// CHECK: %[[L:.*]] = onnx.Gather(%[[SL]], %{{.*}})
// CHECK: return %[[D]], %[[Q]], %[[N]], %[[C]], %[[L]]
func.func @runtime_count(%x: tensor<2x?xf32>, %split: tensor<?xi64>) -> (tensor<i64>, tensor<2xf32>, tensor<i64>, tensor<2x?xf32>, tensor<i64>) {
  %none = onnx.NoValue
  %last = onnx.Constant() {value = dense<-1> : tensor<i64>} : () -> tensor<i64>
  %one = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %three = onnx.Constant() {value = dense<3> : tensor<i64>} : () -> tensor<i64>
  %s = onnx.SplitToSequence(%x, %none) {axis = -1 : i64, keepdims = 0 : i64} : (tensor<2x?xf32>, none) -> !onnx.Seq<tensor<2xf32>>
  %n = onnx.SequenceLength(%s) : (!onnx.Seq<tensor<2xf32>>) -> tensor<i64>
  %a = onnx.SequenceAt(%s, %last) : (!onnx.Seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
  %c = onnx.SplitToSequence(%x, %three) {axis = 1 : i64} : (tensor<2x?xf32>, tensor<i64>) -> !onnx.Seq<tensor<2x?xf32>>
  %cn = onnx.SequenceLength(%c) : (!onnx.Seq<tensor<2x?xf32>>) -> tensor<i64>
  %c1 = onnx.SequenceAt(%c, %one) : (!onnx.Seq<tensor<2x?xf32>>, tensor<i64>) -> tensor<2x?xf32>
  %r = onnx.SplitToSequence(%x, %split) {axis = 1 : i64} : (tensor<2x?xf32>, tensor<?xi64>) -> !onnx.Seq<tensor<2x?xf32>>
  %rn = onnx.SequenceLength(%r) : (!onnx.Seq<tensor<2x?xf32>>) -> tensor<i64>
  return %n, %a, %cn, %c1, %rn : tensor<i64>, tensor<2xf32>, tensor<i64>, tensor<2x?xf32>, tensor<i64>
}

// -----

// Opset 18: OptionalHasElement of a tensor is true, of nothing false;
// OptionalGetElement of a tensor is the tensor.
// CHECK-LABEL: func.func @optional_ops_on_tensors
// CHECK-DAG: %[[T:.*]] = onnx.Constant() {value = dense<true> : tensor<i1>}
// CHECK-DAG: %[[F:.*]] = onnx.Constant() {value = dense<false> : tensor<i1>}
// CHECK-NOT: onnx.Optional
// CHECK: return %[[T]], %[[F]], %arg0
func.func @optional_ops_on_tensors(%x: tensor<2xf32>) -> (tensor<i1>, tensor<i1>, tensor<2xf32>) {
  %none = onnx.NoValue
  %h = onnx.OptionalHasElement(%x) : (tensor<2xf32>) -> tensor<i1>
  %e = onnx.OptionalHasElement(%none) : (none) -> tensor<i1>
  %v = onnx.OptionalGetElement(%x) : (tensor<2xf32>) -> tensor<2xf32>
  return %h, %e, %v : tensor<i1>, tensor<i1>, tensor<2xf32>
}

// -----

// SequenceMap: one copy of its body per element, reading element i of each
// sequence and the tensor operand as it is; sequences built inside the body
// are resolved too.
// CHECK-LABEL: func.func @sequence_map
// CHECK-SAME: (%[[X:.*]]: tensor<2xf32>, %[[Y:.*]]: tensor<2xf32>, %[[T:.*]]: tensor<2xf32>)
// CHECK-NOT: onnx.Sequence
// CHECK: %[[A0:.*]] = onnx.Add(%[[X]], %[[T]])
// CHECK: %[[A1:.*]] = onnx.Add(%[[Y]], %[[T]])
// CHECK: return %[[A1]], %[[X]]
func.func @sequence_map(%x: tensor<2xf32>, %y: tensor<2xf32>, %t: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %p0 = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %p1 = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %s = onnx.SequenceConstruct(%x, %y) : (tensor<2xf32>, tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>>
  %m:2 = "onnx.SequenceMap"(%s, %t) ({
  ^bb0(%e: tensor<2xf32>, %u: tensor<2xf32>):
    %a = onnx.Add(%e, %u) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    %inner = onnx.SequenceConstruct(%e, %a) : (tensor<2xf32>, tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>>
    %first = onnx.SequenceAt(%inner, %p0) : (!onnx.Seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
    "onnx.Yield"(%a, %first) : (tensor<2xf32>, tensor<2xf32>) -> ()
  }) : (!onnx.Seq<tensor<2xf32>>, tensor<2xf32>) -> (!onnx.Seq<tensor<2xf32>>, !onnx.Seq<tensor<2xf32>>)
  %r0 = onnx.SequenceAt(%m#0, %p1) : (!onnx.Seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
  %r1 = onnx.SequenceAt(%m#1, %p0) : (!onnx.Seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
  return %r0, %r1 : tensor<2xf32>, tensor<2xf32>
}

// -----

// A Loop that carries a sequence and runs a constant number of times is
// unrolled: each copy of the body reads its iteration number as a
// constant; the scan output stacks each iteration's value.
// CHECK-LABEL: func.func @unrolled_loop
// CHECK-SAME: (%[[X:.*]]: tensor<2xf32>, %[[Y:.*]]: tensor<2xf32>)
// CHECK-NOT: onnx.Loop
// CHECK-NOT: onnx.Sequence
// CHECK: %[[R0:.*]] = onnx.Relu(%[[X]])
// CHECK: %[[R1:.*]] = onnx.Relu(%[[Y]])
// CHECK: %[[U0:.*]] = onnx.Unsqueeze(%[[X]],
// CHECK: %[[U1:.*]] = onnx.Unsqueeze(%[[Y]],
// CHECK: %[[STACK:.*]] = onnx.Concat(%[[U0]], %[[U1]]) {axis = 0 : i64} : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<2x2xf32>
// CHECK: return %[[R1]], %[[STACK]]
func.func @unrolled_loop(%x: tensor<2xf32>, %y: tensor<2xf32>) -> (tensor<2xf32>, tensor<?x2xf32>) {
  %s = onnx.SequenceConstruct(%x, %y) : (tensor<2xf32>, tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>>
  %n = onnx.SequenceLength(%s) : (!onnx.Seq<tensor<2xf32>>) -> tensor<i64>
  %true = onnx.Constant() {value = dense<true> : tensor<i1>} : () -> tensor<i1>
  %empty = onnx.SequenceEmpty() {dtype = 1 : i64} : () -> !onnx.Seq<tensor<2xf32>>
  %out:2 = "onnx.Loop"(%n, %true, %empty) ({
  ^bb0(%i: tensor<i64>, %c: tensor<i1>, %acc: !onnx.Seq<tensor<2xf32>>):
    %c2 = onnx.Identity(%c) : (tensor<i1>) -> tensor<i1>
    %e = onnx.SequenceAt(%s, %i) : (!onnx.Seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
    %r = onnx.Relu(%e) : (tensor<2xf32>) -> tensor<2xf32>
    %none = onnx.NoValue
    %acc2 = onnx.SequenceInsert(%acc, %r, %none) : (!onnx.Seq<tensor<2xf32>>, tensor<2xf32>, none) -> !onnx.Seq<tensor<2xf32>>
    "onnx.Yield"(%c2, %acc2, %e) : (tensor<i1>, !onnx.Seq<tensor<2xf32>>, tensor<2xf32>) -> ()
  }) : (tensor<i64>, tensor<i1>, !onnx.Seq<tensor<2xf32>>) -> (!onnx.Seq<tensor<2xf32>>, tensor<?x2xf32>)
  %p1 = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %last = onnx.SequenceAt(%out#0, %p1) : (!onnx.Seq<tensor<2xf32>>, tensor<i64>) -> tensor<2xf32>
  return %last, %out#1 : tensor<2xf32>, tensor<?x2xf32>
}

// -----

// An If whose branches make sequences of one length becomes an If over
// their elements (a dim the branches disagree on turns dynamic); the
// condition stays a run-time value.
// CHECK-LABEL: func.func @if_of_sequences
// CHECK-NOT: onnx.Sequence
// CHECK: %[[R:.*]]:2 = "onnx.If"(%arg0) ({
// CHECK: %[[E:.*]] = tensor.cast %arg2 : tensor<3xf32> to tensor<?xf32>
// CHECK: onnx.Yield %arg1, %[[E]] : tensor<2xf32>, tensor<?xf32>
// CHECK: }, {
// CHECK: %[[T:.*]] = tensor.cast %arg1 : tensor<2xf32> to tensor<?xf32>
// CHECK: onnx.Yield %arg1, %[[T]] : tensor<2xf32>, tensor<?xf32>
// CHECK: }) : (tensor<i1>) -> (tensor<2xf32>, tensor<?xf32>)
// CHECK: return %[[R]]#1
func.func @if_of_sequences(%c: tensor<i1>, %x: tensor<2xf32>, %y: tensor<3xf32>) -> tensor<?xf32> {
  %p1 = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %s = "onnx.If"(%c) ({
    %e = onnx.SequenceConstruct(%x, %y) : (tensor<2xf32>, tensor<3xf32>) -> !onnx.Seq<tensor<?xf32>>
    onnx.Yield %e : !onnx.Seq<tensor<?xf32>>
  }, {
    %t = onnx.SequenceConstruct(%x, %x) : (tensor<2xf32>, tensor<2xf32>) -> !onnx.Seq<tensor<?xf32>>
    onnx.Yield %t : !onnx.Seq<tensor<?xf32>>
  }) : (tensor<i1>) -> !onnx.Seq<tensor<?xf32>>
  %r = onnx.SequenceAt(%s, %p1) : (!onnx.Seq<tensor<?xf32>>, tensor<i64>) -> tensor<?xf32>
  return %r : tensor<?xf32>
}
