// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// CHECK-LABEL: func.func @transpose
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c1 : tensor<2x?x4xf32>
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<4x2x?xf32>
// CHECK: linalg.transpose ins(%arg0 : tensor<2x?x4xf32>) outs(%[[E]] : tensor<4x2x?xf32>) permutation = [2, 0, 1]
func.func @transpose(%a: tensor<2x?x4xf32>) -> tensor<4x2x?xf32> {
  %0 = onnx.Transpose(%a) {perm = [2, 0, 1]} : (tensor<2x?x4xf32>) -> tensor<4x2x?xf32>
  return %0 : tensor<4x2x?xf32>
}

// -----

// No perm reverses the dims.
// CHECK-LABEL: func.func @transpose_default
// CHECK: linalg.transpose ins(%arg0 : tensor<2x3x4xf32>) outs(%{{.*}} : tensor<4x3x2xf32>) permutation = [2, 1, 0]
func.func @transpose_default(%a: tensor<2x3x4xf32>) -> tensor<4x3x2xf32> {
  %0 = onnx.Transpose(%a) : (tensor<2x3x4xf32>) -> tensor<4x3x2xf32>
  return %0 : tensor<4x3x2xf32>
}

// -----

// A result type more static than the input's (an exporter's value_info that
// Kiln's inference cannot prove): the input is cast to agree with it.
// CHECK-LABEL: func.func @transpose_declared_result
// CHECK: %[[C:.*]] = tensor.cast %arg0 : tensor<?x?x?xf32> to tensor<?x?x16xf32>
// CHECK: linalg.transpose ins(%[[C]] : tensor<?x?x16xf32>) outs(%{{.*}} : tensor<?x?x16xf32>) permutation = [1, 0, 2]
func.func @transpose_declared_result(%a: tensor<?x?x?xf32>) -> tensor<?x?x16xf32> {
  %0 = onnx.Transpose(%a) {perm = [1, 0, 2]} : (tensor<?x?x?xf32>) -> tensor<?x?x16xf32>
  return %0 : tensor<?x?x16xf32>
}

// -----

// The second input lands at the run-time width of the first.
// CHECK-LABEL: func.func @concat
// CHECK: %[[W:.*]] = arith.addi %{{.*}}, %c3
// CHECK: %[[E:.*]] = tensor.empty(%[[W]]) : tensor<2x?xf32>
// CHECK: %[[D2:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[I0:.*]] = tensor.insert_slice %arg0 into %[[E]][0, 0] [2, %[[D2]]] [1, 1]
// CHECK: tensor.insert_slice %arg1 into %[[I0]][0, %[[D2]]] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<2x?xf32>
func.func @concat(%a: tensor<2x?xf32>, %b: tensor<2x3xf32>) -> tensor<2x?xf32> {
  %0 = onnx.Concat(%a, %b) {axis = -1 : i64} : (tensor<2x?xf32>, tensor<2x3xf32>) -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}

// -----

// start -9 on a dim of 10 is 1; end 7, step 2 reads 1, 3, 5.
// CHECK-LABEL: func.func @slice_static
// CHECK: tensor.extract_slice %arg0[1, 0] [3, 8] [2, 1] : tensor<10x8xf32> to tensor<3x8xf32>
func.func @slice_static(%a: tensor<10x8xf32>) -> tensor<3x8xf32> {
  %s = onnx.Constant() {value = dense<[-9]> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = onnx.Constant() {value = dense<[7]> : tensor<1xi64>} : () -> tensor<1xi64>
  %ax = onnx.Constant() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %st = onnx.Constant() {value = dense<[2]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = onnx.Slice(%a, %s, %e, %ax, %st) : (tensor<10x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3x8xf32>
  return %0 : tensor<3x8xf32>
}

// -----

// INT64_MAX ends clamp to the dim; a negative axis counts from the back.
// CHECK-LABEL: func.func @slice_clamp
// CHECK: tensor.extract_slice %arg0[0, 3] [10, 5] [1, 1] : tensor<10x8xf32> to tensor<10x5xf32>
func.func @slice_clamp(%a: tensor<10x8xf32>) -> tensor<10x5xf32> {
  %s = onnx.Constant() {value = dense<[3]> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = onnx.Constant() {value = dense<[9223372036854775807]> : tensor<1xi64>} : () -> tensor<1xi64>
  %ax = onnx.Constant() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %st = onnx.Constant() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = onnx.Slice(%a, %s, %e, %ax, %st) : (tensor<10x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<10x5xf32>
  return %0 : tensor<10x5xf32>
}

// -----

// Absent axes/steps: the first n axes, step 1.
// CHECK-LABEL: func.func @slice_no_axes
// CHECK: tensor.extract_slice %arg0[1, 2, 0] [2, 2, 6] [1, 1, 1] : tensor<4x5x6xf32> to tensor<2x2x6xf32>
func.func @slice_no_axes(%a: tensor<4x5x6xf32>) -> tensor<2x2x6xf32> {
  %s = onnx.Constant() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %e = onnx.Constant() {value = dense<[3, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %n = onnx.NoValue
  %0 = onnx.Slice(%a, %s, %e, %n, %n) : (tensor<4x5x6xf32>, tensor<2xi64>, tensor<2xi64>, none, none) -> tensor<2x2x6xf32>
  return %0 : tensor<2x2x6xf32>
}

// -----

// Negative step: start -1 clamps to 9 and INT64_MIN end to -1, so the
// whole axis is read backwards: in[9 - i].
// CHECK-LABEL: func.func @slice_reverse
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[M:.*]] = arith.muli %[[I]], %c-1
// CHECK: %[[P:.*]] = arith.addi %c9, %[[M]]
// CHECK: tensor.extract %arg0[%[[P]]] : tensor<10xf32>
// CHECK: -> tensor<10xf32>
func.func @slice_reverse(%a: tensor<10xf32>) -> tensor<10xf32> {
  %s = onnx.Constant() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %e = onnx.Constant() {value = dense<[-9223372036854775808]> : tensor<1xi64>} : () -> tensor<1xi64>
  %ax = onnx.Constant() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %st = onnx.Constant() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = onnx.Slice(%a, %s, %e, %ax, %st) : (tensor<10xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<10xf32>
  return %0 : tensor<10xf32>
}

// -----

// Run-time starts/ends: wrap negatives by the dim, clamp to [0, dim],
// count = max(ceil((end - start) / step), 0).
// CHECK-LABEL: func.func @slice_runtime
// CHECK: %[[S:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[E:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[SN:.*]] = arith.cmpi slt, %[[S]], %[[Z:.*]] : index
// CHECK: %[[SW:.*]] = arith.addi %[[S]], %[[D]]
// CHECK: %[[S1:.*]] = arith.select %[[SN]], %[[SW]], %[[S]]
// CHECK: %[[EN:.*]] = arith.cmpi slt, %[[E]], %[[Z]]
// CHECK: %[[EW:.*]] = arith.addi %[[E]], %[[D]]
// CHECK: %[[E1:.*]] = arith.select %[[EN]], %[[EW]], %[[E]]
// CHECK: %[[S2:.*]] = arith.maxsi %[[S1]], %[[Z]]
// CHECK: %[[S3:.*]] = arith.minsi %[[S2]], %[[D]]
// CHECK: %[[E2:.*]] = arith.maxsi %[[E1]], %[[Z]]
// CHECK: %[[E3:.*]] = arith.minsi %[[E2]], %[[D]]
// CHECK: %[[L:.*]] = arith.subi %[[E3]], %[[S3]]
// CHECK: %[[Q:.*]] = arith.ceildivsi %[[L]], %c2
// CHECK: %[[N:.*]] = arith.maxsi %[[Q]], %[[Z]]
// CHECK: tensor.extract_slice %arg0[%[[S3]], 0] [%[[N]], 8] [2, 1] : tensor<?x8xf32> to tensor<?x8xf32>
func.func @slice_runtime(%a: tensor<?x8xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>) -> tensor<?x8xf32> {
  %ax = onnx.Constant() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %st = onnx.Constant() {value = dense<[2]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = onnx.Slice(%a, %s, %e, %ax, %st) : (tensor<?x8xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Output dims: data[:axis] + indices + data[axis+1:]; negative indices
// wrap by the (dynamic) axis dim.
// CHECK-DAG: #[[IDX:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @gather
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c1 : tensor<5x?xf32>
// Each index is checked once (an index outside [-s, s) fails the run
// through kiln_check_failed), then the gather reads in bounds.
// CHECK: scf.for
// CHECK: scf.for
// CHECK: tensor.extract %arg1
// CHECK: arith.cmpi sge
// CHECK: arith.cmpi slt
// CHECK: scf.if
// CHECK: func.call @kiln_check_failed
// CHECK: linalg.generic {indexing_maps = [#[[IDX]], #[[OUT]]]
// CHECK-SAME: ins(%arg1 : tensor<2x3xi64>)
// CHECK: ^bb0(%[[IN:.*]]: i64, %{{.*}}: f32):
// CHECK: %[[I0:.*]] = linalg.index 0
// CHECK: %[[X:.*]] = arith.index_cast %[[IN]] : i64 to index
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[X]], %{{.*}}
// CHECK: %[[W:.*]] = arith.addi %[[X]], %[[D]]
// CHECK: %[[SEL:.*]] = arith.select %[[NEG]], %[[W]], %[[X]]
// CHECK-NOT: kiln_check_failed
// CHECK: %[[LO:.*]] = arith.maxsi %[[SEL]]
// CHECK: %[[C:.*]] = arith.minsi %[[LO]]
// CHECK: tensor.extract %arg0[%[[I0]], %[[C]]] : tensor<5x?xf32>
func.func @gather(%a: tensor<5x?xf32>, %i: tensor<2x3xi64>) -> tensor<5x2x3xf32> {
  %0 = onnx.Gather(%a, %i) {axis = 1 : i64} : (tensor<5x?xf32>, tensor<2x3xi64>) -> tensor<5x2x3xf32>
  return %0 : tensor<5x2x3xf32>
}

// -----

// Whole rows of 16 floats or more (an embedding table's): one copy per
// gathered position in a forall, the index wrapped and clamped once per
// row; the indices are checked in a loop of their own before.
// CHECK-LABEL: func.func @gather_rows
// CHECK: scf.for
// CHECK: func.call @kiln_check_failed
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}) : tensor<2x3x?x16xf32>
// CHECK: scf.forall (%[[A:.*]], %[[I:.*]], %[[J:.*]]) in (2, 3, %{{.*}}) shared_outs(%[[O:.*]] = %[[E]])
// CHECK: %[[X:.*]] = tensor.extract %arg1[%[[I]], %[[J]]] : tensor<3x?xi32>
// CHECK: arith.index_cast %[[X]]
// CHECK: %[[C:.*]] = arith.minsi
// CHECK: %[[R:.*]] = tensor.extract_slice %arg0[%[[A]], %[[C]], 0] [1, 1, 16] [1, 1, 1] : tensor<2x50x16xf32> to tensor<16xf32>
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %[[R]] into %[[O]][%[[A]], %[[I]], %[[J]], 0] [1, 1, 1, 16] [1, 1, 1, 1] : tensor<16xf32> into tensor<2x3x?x16xf32>
// CHECK-NOT: linalg.generic
func.func @gather_rows(%a: tensor<2x50x16xf32>, %i: tensor<3x?xi32>) -> tensor<2x3x?x16xf32> {
  %0 = onnx.Gather(%a, %i) {axis = 1 : i64} : (tensor<2x50x16xf32>, tensor<3x?xi32>) -> tensor<2x3x?x16xf32>
  return %0 : tensor<2x3x?x16xf32>
}

// -----

// Rows short of a vector, or of a dynamic length, stay element-wise.
// CHECK-LABEL: func.func @gather_short_rows
// CHECK-NOT: scf.forall
// CHECK: linalg.generic
// CHECK-LABEL: func.func @gather_dynamic_rows
// CHECK-NOT: scf.forall
// CHECK: linalg.generic
func.func @gather_short_rows(%a: tensor<50x15xf32>, %i: tensor<4xi64>) -> tensor<4x15xf32> {
  %0 = onnx.Gather(%a, %i) {axis = 0 : i64} : (tensor<50x15xf32>, tensor<4xi64>) -> tensor<4x15xf32>
  return %0 : tensor<4x15xf32>
}
func.func @gather_dynamic_rows(%a: tensor<50x?xf32>, %i: tensor<4xi64>) -> tensor<4x?xf32> {
  %0 = onnx.Gather(%a, %i) {axis = 0 : i64} : (tensor<50x?xf32>, tensor<4xi64>) -> tensor<4x?xf32>
  return %0 : tensor<4x?xf32>
}

// -----

// A constant scalar index is a rank-reducing slice (-1 -> 2).
// CHECK-LABEL: func.func @gather_scalar_const
// CHECK: tensor.extract_slice %arg0[2] [1] [1] : tensor<3xi64> to tensor<i64>
func.func @gather_scalar_const(%a: tensor<3xi64>) -> tensor<i64> {
  %i = onnx.Constant() {value = dense<-1> : tensor<i64>} : () -> tensor<i64>
  %0 = onnx.Gather(%a, %i) {axis = 0 : i64} : (tensor<3xi64>, tensor<i64>) -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

// CHECK-LABEL: func.func @gather_elements
// CHECK: linalg.generic
// CHECK-SAME: ins(%arg1 : tensor<2x3xi32>)
// CHECK: ^bb0(%[[IN:.*]]: i32, %{{.*}}: f32):
// CHECK: %[[J:.*]] = linalg.index 1
// CHECK: %[[X:.*]] = arith.index_cast %[[IN]] : i32 to index
// CHECK: %[[W:.*]] = arith.addi %[[X]], %c3
// CHECK: %[[SEL:.*]] = arith.select %{{.*}}, %[[W]], %[[X]]
// CHECK: func.call @kiln_check_failed
// CHECK: %[[C:.*]] = arith.minsi
// CHECK: tensor.extract %arg0[%[[C]], %[[J]]] : tensor<3x3xf32>
func.func @gather_elements(%a: tensor<3x3xf32>, %i: tensor<2x3xi32>) -> tensor<2x3xf32> {
  %0 = onnx.GatherElements(%a, %i) {axis = 0 : i64} : (tensor<3x3xf32>, tensor<2x3xi32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Unranked data (shape arithmetic ONNX's inference could not follow) takes
// the indices' rank; an unranked result gets the ranked value cast back.
// CHECK-LABEL: func.func @gather_elements_unranked
// CHECK: %[[D:.*]] = tensor.cast %arg0 : tensor<*xi64> to tensor<?x?xi64>
// CHECK: linalg.generic
// CHECK: tensor.extract %[[D]]
// CHECK: tensor.cast %{{.*}} : tensor<1x?xi64> to tensor<*xi64>
func.func @gather_elements_unranked(%a: tensor<*xi64>, %i: tensor<1x?xi64>) -> tensor<*xi64> {
  %0 = onnx.GatherElements(%a, %i) {axis = 1 : i64} : (tensor<*xi64>, tensor<1x?xi64>) -> tensor<*xi64>
  return %0 : tensor<*xi64>
}

// -----

// CHECK-LABEL: func.func @split_sizes
// CHECK: tensor.extract_slice %arg0[0, 0] [2, 2] [1, 1] : tensor<2x6xf32> to tensor<2x2xf32>
// CHECK: tensor.extract_slice %arg0[0, 2] [2, 4] [1, 1] : tensor<2x6xf32> to tensor<2x4xf32>
func.func @split_sizes(%a: tensor<2x6xf32>) -> (tensor<2x2xf32>, tensor<2x4xf32>) {
  %s = onnx.Constant() {value = dense<[2, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0, %1 = onnx.Split(%a, %s) {axis = 1 : i64} : (tensor<2x6xf32>, tensor<2xi64>) -> (tensor<2x2xf32>, tensor<2x4xf32>)
  return %0, %1 : tensor<2x2xf32>, tensor<2x4xf32>
}

// -----

// num_outputs = 3 on 7 elements: ceil(7 / 3) = 3, so 3, 3, 1.
// CHECK-LABEL: func.func @split_uneven
// CHECK: tensor.extract_slice %arg0[0] [3] [1] : tensor<7xf32> to tensor<3xf32>
// CHECK: tensor.extract_slice %arg0[3] [3] [1] : tensor<7xf32> to tensor<3xf32>
// CHECK: tensor.extract_slice %arg0[6] [1] [1] : tensor<7xf32> to tensor<1xf32>
func.func @split_uneven(%a: tensor<7xf32>) -> (tensor<3xf32>, tensor<3xf32>, tensor<1xf32>) {
  %n = onnx.NoValue
  %0, %1, %2 = onnx.Split(%a, %n) {axis = 0 : i64, num_outputs = 3 : i64} : (tensor<7xf32>, none) -> (tensor<3xf32>, tensor<3xf32>, tensor<1xf32>)
  return %0, %1, %2 : tensor<3xf32>, tensor<3xf32>, tensor<1xf32>
}

// -----

// Equal split of a dynamic dim at run time.
// CHECK-LABEL: func.func @split_dynamic
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[C:.*]] = arith.ceildivsi %[[D]], %c2
// CHECK: %[[O0:.*]] = arith.minsi %c0{{.*}}, %[[D]]
// CHECK: %[[R0:.*]] = arith.subi %[[D]], %[[O0]]
// CHECK: %[[S0:.*]] = arith.minsi %[[C]], %[[R0]]
// CHECK: %[[O1:.*]] = arith.minsi %[[C]], %[[D]]
// CHECK: %[[R1:.*]] = arith.subi %[[D]], %[[O1]]
// CHECK: %[[S1:.*]] = arith.minsi %[[C]], %[[R1]]
// CHECK: tensor.extract_slice %arg0[%[[O0]]] [%[[S0]]] [1]
// CHECK: tensor.extract_slice %arg0[%[[O1]]] [%[[S1]]] [1]
func.func @split_dynamic(%a: tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>) {
  %n = onnx.NoValue
  %0, %1 = onnx.Split(%a, %n) {axis = 0 : i64} : (tensor<?xf32>, none) -> (tensor<?xf32>, tensor<?xf32>)
  return %0, %1 : tensor<?xf32>, tensor<?xf32>
}

// -----

// Negative pads crop before tensor.pad pads by the positive parts.
// CHECK-LABEL: func.func @pad_constant
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[V:.*]] = tensor.extract %{{.*}}[] : tensor<f32>
// CHECK: %[[S:.*]] = tensor.extract_slice %arg0[0, 1] [2, %{{.*}}] [1, 1]
// CHECK: tensor.pad %[[S]] low[1, 0] high[0, 2]
// CHECK: tensor.yield %[[V]] : f32
func.func @pad_constant(%a: tensor<2x?xf32>) -> tensor<3x?xf32> {
  %p = onnx.Constant() {value = dense<[1, -1, 0, 2]> : tensor<4xi64>} : () -> tensor<4xi64>
  %v = onnx.Constant() {value = dense<5.0> : tensor<f32>} : () -> tensor<f32>
  %n = onnx.NoValue
  %0 = onnx.Pad(%a, %p, %v, %n) {mode = "constant"} : (tensor<2x?xf32>, tensor<4xi64>, tensor<f32>, none) -> tensor<3x?xf32>
  return %0 : tensor<3x?xf32>
}

// -----

// Opset 18 axes: pads apply to the listed axes only; absent value is 0.
// CHECK-LABEL: func.func @pad_axes
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: tensor.pad %arg0 low[0, 0, 2] high[0, 0, 1]
// CHECK: tensor.yield %[[Z]] : f32
// CHECK: tensor<2x3x7xf32>
func.func @pad_axes(%a: tensor<2x3x4xf32>) -> tensor<2x3x7xf32> {
  %p = onnx.Constant() {value = dense<[2, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %ax = onnx.Constant() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %n = onnx.NoValue
  %0 = onnx.Pad(%a, %p, %n, %ax) {mode = "constant"} : (tensor<2x3x4xf32>, tensor<2xi64>, none, tensor<1xi64>) -> tensor<2x3x7xf32>
  return %0 : tensor<2x3x7xf32>
}

// -----

// Reflect: j = i - lo; -j before the start, 2 * (dim - 1) - j past the end.
// CHECK-LABEL: func.func @pad_reflect
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 1
// CHECK: %[[J:.*]] = arith.subi %[[I]], %c2
// CHECK: %[[LAST:.*]] = arith.subi %c5, %{{.*}}
// CHECK: %[[NEG:.*]] = arith.cmpi slt, %[[J]], %{{.*}}
// CHECK: %[[MJ:.*]] = arith.subi %{{.*}}, %[[J]]
// CHECK: %[[J1:.*]] = arith.select %[[NEG]], %[[MJ]], %[[J]]
// CHECK: %[[PAST:.*]] = arith.cmpi sgt, %[[J1]], %[[LAST]]
// CHECK: %[[TW:.*]] = arith.addi %[[LAST]], %[[LAST]]
// CHECK: %[[R:.*]] = arith.subi %[[TW]], %[[J1]]
// CHECK: arith.select %[[PAST]], %[[R]], %[[J1]]
// CHECK: tensor.extract %arg0
// CHECK: -> tensor<3x8xf32>
func.func @pad_reflect(%a: tensor<3x5xf32>) -> tensor<3x8xf32> {
  %p = onnx.Constant() {value = dense<[0, 2, 0, 1]> : tensor<4xi64>} : () -> tensor<4xi64>
  %n = onnx.NoValue
  %0 = onnx.Pad(%a, %p, %n, %n) {mode = "reflect"} : (tensor<3x5xf32>, tensor<4xi64>, none, none) -> tensor<3x8xf32>
  return %0 : tensor<3x8xf32>
}

// -----

// Edge clamps the shifted index into the input.
// CHECK-LABEL: func.func @pad_edge
// CHECK: linalg.generic
// CHECK: %[[J:.*]] = arith.subi %{{.*}}, %c1
// CHECK: %[[LAST:.*]] = arith.subi %c4, %{{.*}}
// CHECK: %[[A:.*]] = arith.maxsi %[[J]], %{{.*}}
// CHECK: arith.minsi %[[A]], %[[LAST]]
func.func @pad_edge(%a: tensor<4xf32>) -> tensor<7xf32> {
  %p = onnx.Constant() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %n = onnx.NoValue
  %0 = onnx.Pad(%a, %p, %n, %n) {mode = "edge"} : (tensor<4xf32>, tensor<2xi64>, none, none) -> tensor<7xf32>
  return %0 : tensor<7xf32>
}

// -----

// Wrap with a negative low pad wraps within the cropped window [1, 6).
// CHECK-LABEL: func.func @pad_wrap_crop
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: %[[J:.*]] = arith.subi %[[I]], %c0
// CHECK: %[[M:.*]] = arith.remsi %[[J]], %c5
// CHECK: %[[W:.*]] = arith.select %{{.*}}, %{{.*}}, %[[M]]
// CHECK: %[[P:.*]] = arith.addi %[[W]], %c1
// CHECK: tensor.extract %arg0[%[[P]]] : tensor<6xf32>
func.func @pad_wrap_crop(%a: tensor<6xf32>) -> tensor<7xf32> {
  %p = onnx.Constant() {value = dense<[-1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %n = onnx.NoValue
  %0 = onnx.Pad(%a, %p, %n, %n) {mode = "wrap"} : (tensor<6xf32>, tensor<2xi64>, none, none) -> tensor<7xf32>
  return %0 : tensor<7xf32>
}

// -----

// Tile broadcasts to [r0, d0, r1, d1] and merges each pair.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-LABEL: func.func @tile
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[E:.*]] = tensor.empty(%[[D]]) : tensor<3x2x2x?xf32>
// CHECK: %[[G:.*]] = linalg.generic {indexing_maps = [#[[IN]], {{.*}}]
// CHECK-SAME: ins(%arg0 : tensor<2x?xf32>) outs(%[[E]] : tensor<3x2x2x?xf32>)
// CHECK: tensor.collapse_shape %[[G]] {{\[\[}}0, 1], [2, 3]] : tensor<3x2x2x?xf32> into tensor<6x?xf32>
func.func @tile(%a: tensor<2x?xf32>) -> tensor<6x?xf32> {
  %r = onnx.Constant() {value = dense<[3, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.Tile(%a, %r) : (tensor<2x?xf32>, tensor<2xi64>) -> tensor<6x?xf32>
  return %0 : tensor<6x?xf32>
}

// -----

// Nearest, asymmetric, floor: in = floor(out / scale), clamped, computed
// once per resampled axis into an index table [out]; the resampling
// generic reads the tables, and unit-scale axes read the output index
// directly.
// CHECK-LABEL: func.func @resize_nearest_floor
// CHECK: %[[HT:.*]] = linalg.generic
// CHECK: %[[H:.*]] = linalg.index 0
// CHECK: %[[HI:.*]] = arith.index_cast %[[H]] : index to i64
// CHECK: %[[HF:.*]] = arith.sitofp %[[HI]] : i64 to f32
// CHECK: %[[X:.*]] = arith.divf %[[HF]], %{{.*}} : f32
// CHECK: %[[FL:.*]] = math.floor %[[X]] : f32
// CHECK: arith.fptosi %[[FL]] : f32 to i64
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: -> tensor<4xindex>
// CHECK: %[[WT:.*]] = linalg.generic
// CHECK: -> tensor<6xindex>
// CHECK: linalg.generic {{.*}} ins(%[[HT]], %[[WT]] : tensor<4xindex>, tensor<6xindex>)
// CHECK: ^bb0(%[[HS:.*]]: index, %[[WS:.*]]: index, %{{.*}}: f32):
// CHECK: %[[N:.*]] = linalg.index 0
// CHECK: %[[C:.*]] = linalg.index 1
// CHECK: tensor.extract %arg0[%[[N]], %[[C]], %[[HS]], %[[WS]]] : tensor<1x1x2x2xf32>
// CHECK: -> tensor<1x1x4x6xf32>
func.func @resize_nearest_floor(%a: tensor<1x1x2x2xf32>) -> tensor<1x1x4x6xf32> {
  %sc = onnx.Constant() {value = dense<[1.0, 1.0, 2.0, 3.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %n = onnx.NoValue
  %0 = onnx.Resize(%a, %n, %sc, %n) {mode = "nearest", coordinate_transformation_mode = "asymmetric", nearest_mode = "floor"} : (tensor<1x1x2x2xf32>, none, tensor<4xf32>, none) -> tensor<1x1x4x6xf32>
  return %0 : tensor<1x1x4x6xf32>
}

// -----

// Default nearest: half_pixel with round_prefer_floor = ceil(x - 0.5).
// CHECK-LABEL: func.func @resize_nearest_default
// CHECK: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[A:.*]] = arith.addf %{{.*}}, %[[HALF]] : f32
// CHECK: %[[B:.*]] = arith.divf %[[A]], %{{.*}} : f32
// CHECK: %[[X:.*]] = arith.subf %[[B]], %[[HALF]] : f32
// CHECK: %[[Y:.*]] = arith.subf %[[X]], %{{.*}} : f32
// CHECK: math.ceil %[[Y]] : f32
func.func @resize_nearest_default(%a: tensor<4xf32>) -> tensor<8xf32> {
  %sc = onnx.Constant() {value = dense<[2.0]> : tensor<1xf32>} : () -> tensor<1xf32>
  %n = onnx.NoValue
  %0 = onnx.Resize(%a, %n, %sc, %n) : (tensor<4xf32>, none, tensor<1xf32>, none) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// Bilinear from `sizes`: scale = out / in, the coordinate is clamped into
// the input, and four neighbours are blended.
// CHECK-LABEL: func.func @resize_linear_sizes
// CHECK: linalg.generic
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: math.floor
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: math.floor
// CHECK-COUNT-4: tensor.extract %arg0
// CHECK: -> tensor<1x1x5x3xf32>
func.func @resize_linear_sizes(%a: tensor<1x1x2x4xf32>) -> tensor<1x1x5x3xf32> {
  %sz = onnx.Constant() {value = dense<[1, 1, 5, 3]> : tensor<4xi64>} : () -> tensor<4xi64>
  %n = onnx.NoValue
  %0 = onnx.Resize(%a, %n, %n, %sz) {mode = "linear"} : (tensor<1x1x2x4xf32>, none, none, tensor<4xi64>) -> tensor<1x1x5x3xf32>
  return %0 : tensor<1x1x5x3xf32>
}

// -----

// Run-time scales with a dynamic input: out = floor(in * scale).
// CHECK-LABEL: func.func @resize_runtime_scales
// CHECK: %[[S:.*]] = tensor.extract %arg1[%{{.*}}] : tensor<2xf32>
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[P:.*]] = arith.mulf %{{.*}}, %{{.*}} : f32
// CHECK: %[[F:.*]] = math.floor %[[P]] : f32
// CHECK: arith.fptosi %[[F]] : f32 to i64
// CHECK: tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?xf32>
// CHECK: linalg.generic
func.func @resize_runtime_scales(%a: tensor<?x?xf32>, %sc: tensor<2xf32>) -> tensor<?x?xf32> {
  %n = onnx.NoValue
  %0 = onnx.Resize(%a, %n, %sc, %n) {mode = "nearest"} : (tensor<?x?xf32>, none, tensor<2xf32>, none) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Resize-10 (module opset 10): asymmetric, truncate when upsampling.
// CHECK-LABEL: func.func @resize_opset10
// CHECK: linalg.generic
// CHECK: %[[X:.*]] = arith.divf %{{.*}}, %{{.*}} : f32
// CHECK-DAG: %[[C:.*]] = math.ceil %[[X]] : f32
// CHECK-DAG: %[[F:.*]] = math.floor %[[X]] : f32
// CHECK: arith.select %{{.*}}, %[[C]], %[[F]] : f32
module attributes {kiln.opset = 10 : i64} {
  func.func @resize_opset10(%a: tensor<4xf32>) -> tensor<8xf32> {
    %sc = onnx.Constant() {value = dense<[2.0]> : tensor<1xf32>} : () -> tensor<1xf32>
    %n = onnx.NoValue
    %0 = onnx.Resize(%a, %n, %sc, %n) : (tensor<4xf32>, none, tensor<1xf32>, none) -> tensor<8xf32>
    return %0 : tensor<8xf32>
  }
}

// -----

// CHECK-LABEL: func.func @upsample_nearest
// CHECK: linalg.generic
// CHECK: arith.divf
// CHECK-DAG: math.ceil
// CHECK-DAG: math.floor
// CHECK: tensor.extract %arg0
// CHECK: -> tensor<1x1x4x6xf32>
func.func @upsample_nearest(%a: tensor<1x1x2x2xf32>) -> tensor<1x1x4x6xf32> {
  %sc = onnx.Constant() {value = dense<[1.0, 1.0, 2.0, 3.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %0 = onnx.Upsample(%a, %sc) {mode = "nearest"} : (tensor<1x1x2x2xf32>, tensor<4xf32>) -> tensor<1x1x4x6xf32>
  return %0 : tensor<1x1x4x6xf32>
}

// -----

// Sequential scatter: later updates win; negative indices wrap.
// CHECK-LABEL: func.func @scatter_elements_add
// CHECK: %[[R:.*]] = scf.for %[[I:.*]] = %c0{{.*}} to %c2{{.*}} step %c1{{.*}} iter_args(%[[A0:.*]] = %arg0)
// CHECK: scf.for %[[J:.*]] = %c0{{.*}} to %c3{{.*}} step %c1{{.*}} iter_args(%[[A1:.*]] = %[[A0]])
// CHECK: %[[IX:.*]] = tensor.extract %arg1[%[[I]], %[[J]]] : tensor<2x3xi64>
// CHECK: arith.select
// CHECK: func.call @kiln_check_failed
// CHECK: %[[W:.*]] = arith.minsi
// CHECK: %[[U:.*]] = tensor.extract %arg2[%[[I]], %[[J]]] : tensor<2x3xf32>
// CHECK: %[[OLD:.*]] = tensor.extract %[[A1]][%[[I]], %[[W]]]
// CHECK: %[[NEW:.*]] = arith.addf %[[OLD]], %[[U]] : f32
// CHECK: tensor.insert %[[NEW]] into %[[A1]][%[[I]], %[[W]]]
func.func @scatter_elements_add(%a: tensor<4x5xf32>, %i: tensor<2x3xi64>, %u: tensor<2x3xf32>) -> tensor<4x5xf32> {
  %0 = onnx.ScatterElements(%a, %i, %u) {axis = 1 : i64, reduction = "add"} : (tensor<4x5xf32>, tensor<2x3xi64>, tensor<2x3xf32>) -> tensor<4x5xf32>
  return %0 : tensor<4x5xf32>
}

// -----

// Unsigned max uses the unsigned compare.
// CHECK-LABEL: func.func @scatter_nd_max_unsigned
// CHECK: scf.for
// CHECK: scf.for
// CHECK: tensor.extract %arg1[%{{.*}}, %c0{{.*}}] : tensor<2x1xi64>
// CHECK: arith.maxui %{{.*}}, %{{.*}} : i8
// CHECK: tensor.insert
func.func @scatter_nd_max_unsigned(%a: tensor<4x5xui8>, %i: tensor<2x1xi64>, %u: tensor<2x5xui8>) -> tensor<4x5xui8> {
  %0 = onnx.ScatterND(%a, %i, %u) {reduction = "max"} : (tensor<4x5xui8>, tensor<2x1xi64>, tensor<2x5xui8>) -> tensor<4x5xui8>
  return %0 : tensor<4x5xui8>
}

// -----

// A symbolic index depth follows from the rank of updates: (2 - 1) + (2 - k)
// = 2 gives k = 1: one index row, then the loop over the last data dim.
// CHECK-LABEL: func.func @scatter_nd_dynamic_depth
// CHECK: %[[N:.*]] = tensor.dim %arg1, %c0
// CHECK: %[[C:.*]] = tensor.dim %arg0, %c1
// CHECK: scf.for %[[I:.*]] = %{{.*}} to %[[N]]
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %[[C]]
// CHECK: tensor.extract %arg1[%[[I]], %c0{{.*}}] : tensor<?x?xi64>
// CHECK-NOT: tensor.extract %arg1
// CHECK: arith.select
// CHECK: func.call @kiln_check_failed
// CHECK: %[[W:.*]] = arith.minsi
// CHECK: %[[U:.*]] = tensor.extract %arg2[%[[I]], %[[J]]]
// CHECK: tensor.insert %[[U]] into %{{.*}}[%[[W]], %[[J]]]
func.func @scatter_nd_dynamic_depth(%a: tensor<?x?xf32>, %i: tensor<?x?xi64>, %u: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %0 = onnx.ScatterND(%a, %i, %u) : (tensor<?x?xf32>, tensor<?x?xi64>, tensor<?x?xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// not_larger: one scale min(7/4, 7/6) = 7/6 for both axes, so the output is
// round(4 * 7/6) x round(6 * 7/6) = 5 x 7 and the transform divides by 7/6.
// CHECK-LABEL: func.func @resize_keep_aspect
// CHECK: %[[S0:.*]] = arith.constant 1.16666663 : f32
// CHECK: %[[S1:.*]] = arith.constant 1.16666663 : f32
// CHECK: tensor.empty() : tensor<5xindex>
// CHECK: arith.divf %{{.*}}, %[[S0]] : f32
// CHECK: tensor.empty() : tensor<7xindex>
// CHECK: arith.divf %{{.*}}, %[[S1]] : f32
// CHECK: tensor.empty() : tensor<1x1x5x7xf32>
// CHECK: -> tensor<1x1x5x7xf32>
func.func @resize_keep_aspect(%a: tensor<1x1x4x6xf32>) -> tensor<1x1x5x7xf32> {
  %sz = onnx.Constant() {value = dense<[7, 7]> : tensor<2xi64>} : () -> tensor<2xi64>
  %n = onnx.NoValue
  %0 = onnx.Resize(%a, %n, %n, %sz) {mode = "nearest", keep_aspect_ratio_policy = "not_larger", axes = [2, 3]} : (tensor<1x1x4x6xf32>, none, none, tensor<2xi64>) -> tensor<1x1x5x7xf32>
  return %0 : tensor<1x1x5x7xf32>
}

// -----

// Axes and steps read at run time (any number of entries): an scf.for
// computes every dim's start, count and step, and a gather reads
// out[i] = in[start + i * step].
// CHECK-LABEL: func.func @slice_runtime
// CHECK: %[[N:.+]] = tensor.dim %arg1, %{{.+}} : tensor<?xi64>
// CHECK: %[[B:.+]]:6 = scf.for %{{.+}} = %{{.+}} to %[[N]] step %{{.+}} iter_args({{.+}}) -> (index, index, index, index, index, index)
// CHECK: tensor.extract %arg3[%{{.+}}] : tensor<?xi64>
// CHECK: tensor.extract %arg4[%{{.+}}] : tensor<?xi64>
// CHECK: arith.ceildivsi
// CHECK: scf.yield
// CHECK: %[[E:.+]] = tensor.empty(%[[B]]#2, %[[B]]#3) : tensor<?x?xf32>
// CHECK: linalg.generic {{.+}} outs(%[[E]] : tensor<?x?xf32>)
// CHECK: arith.muli %{{.+}}, %[[B]]#4 : index
// CHECK: tensor.extract %arg0[%{{.+}}, %{{.+}}] : tensor<20x10xf32>
func.func @slice_runtime(%a: tensor<20x10xf32>, %s: tensor<?xi64>, %e: tensor<?xi64>, %ax: tensor<?xi64>, %st: tensor<?xi64>) -> tensor<?x?xf32> {
  %0 = onnx.Slice(%a, %s, %e, %ax, %st) : (tensor<20x10xf32>, tensor<?xi64>, tensor<?xi64>, tensor<?xi64>, tensor<?xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Empty Split parts are empty tensors (no extract_slice at the end of an
// empty axis).
// CHECK-LABEL: func.func @split_empty
// CHECK-NOT: tensor.extract_slice
// CHECK: %[[A:.+]] = tensor.empty() : tensor<0xf32>
// CHECK: %[[B:.+]] = tensor.empty() : tensor<0xf32>
// CHECK: return %[[A]], %[[B]]
func.func @split_empty(%a: tensor<0xf32>, %s: tensor<2xi64>) -> (tensor<0xf32>, tensor<0xf32>) {
  %0:2 = onnx.Split(%a, %s) : (tensor<0xf32>, tensor<2xi64>) -> (tensor<0xf32>, tensor<0xf32>)
  return %0#0, %0#1 : tensor<0xf32>, tensor<0xf32>
}

// -----

// Pad with axes read at run time (their count from the type): each dim
// takes the pads of the entry naming it (negative entries count from the
// back), selected at run time.
// CHECK-LABEL: func.func @pad_runtime_axes
// CHECK: tensor.extract %arg2[%c0{{.*}}]
// CHECK: arith.cmpi slt
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: tensor.pad
func.func @pad_runtime_axes(%x: tensor<1x3x4x5xf32>, %pads: tensor<4xi64>, %axes: tensor<2xi64>) -> tensor<?x?x?x?xf32> {
  %none = onnx.NoValue
  %0 = onnx.Pad(%x, %pads, %none, %axes) {mode = "constant"} : (tensor<1x3x4x5xf32>, tensor<4xi64>, none, tensor<2xi64>) -> tensor<?x?x?x?xf32>
  return %0 : tensor<?x?x?x?xf32>
}

// -----

// Pad by axes whose count only the run knows (all dims symbolic): pads is
// checked to hold two values per axis, then an scf.for over the axes gives
// each of the 4 dims the pads of the entry naming it (negative entries
// wrapped), 8 index values in all; the output sizes add them.
// CHECK-LABEL: func.func @pad_runtime_axes_count
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x4x5xf32>, %[[PADS:.*]]: tensor<?xi64>, %{{.*}}: tensor<f32>, %[[AXES:.*]]: tensor<?xi64>)
// CHECK: %[[K:.*]] = tensor.dim %[[AXES]]
// CHECK: %[[TWICE:.*]] = arith.muli %[[K]]
// CHECK: %[[NPADS:.*]] = tensor.dim %[[PADS]]
// CHECK: arith.cmpi eq, %[[NPADS]], %[[TWICE]]
// CHECK: func.call @kiln_check_failed
// CHECK: %[[PER_DIM:.*]]:8 = scf.for %[[I:.*]] = %{{.*}} to %[[K]]
// CHECK: tensor.extract %[[AXES]][%[[I]]]
// CHECK: tensor.extract %[[PADS]][%[[I]]]
// CHECK: %[[AFTER:.*]] = arith.addi %[[I]], %[[K]]
// CHECK: tensor.extract %[[PADS]][%[[AFTER]]]
// CHECK: scf.yield
// CHECK: arith.addi %{{.*}}, %[[PER_DIM]]#0
func.func @pad_runtime_axes_count(%x: tensor<1x3x4x5xf32>, %pads: tensor<?xi64>, %v: tensor<f32>, %axes: tensor<?xi64>) -> tensor<?x?x?x?xf32> {
  %y = onnx.Pad(%x, %pads, %v, %axes) {mode = "constant"} : (tensor<1x3x4x5xf32>, tensor<?xi64>, tensor<f32>, tensor<?xi64>) -> tensor<?x?x?x?xf32>
  return %y : tensor<?x?x?x?xf32>
}

// -----

// Repeats whose length the type leaves open are read at the positions the
// input's rank implies: a run-time check first that they hold that many
// values, so a short tensor fails the run instead of being read past its end.
// CHECK-LABEL: func.func @tile_runtime_repeats
// CHECK-SAME: (%{{.*}}: tensor<2x3xf32>, %[[R:.*]]: tensor<?xi64>)
// CHECK: %[[N:.*]] = tensor.dim %[[R]]
// CHECK: %[[C2:.*]] = arith.constant 2 : index
// CHECK: arith.cmpi eq, %[[N]], %[[C2]]
// CHECK: func.call @kiln_check_failed
// CHECK: tensor.extract %[[R]]
func.func @tile_runtime_repeats(%x: tensor<2x3xf32>, %r: tensor<?xi64>) -> tensor<?x?xf32> {
  %y = onnx.Tile(%x, %r) : (tensor<2x3xf32>, tensor<?xi64>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}
