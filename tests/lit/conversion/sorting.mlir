// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// One selection per row: a loop over the rows, k picks, each a scan of the
// axis; the picks land in the results with tensor.insert.
// CHECK-LABEL: func.func @top_k
// CHECK: %[[K:.*]] = tensor.extract %arg1[%{{.*}}] : tensor<1xi64>
// CHECK: %[[KI:.*]] = arith.index_cast %[[K]] : i64 to index
// CHECK: %[[V:.*]] = tensor.empty(%[[KI]]) : tensor<3x?xf32>
// CHECK: %[[I:.*]] = tensor.empty(%[[KI]]) : tensor<3x?xi64>
// CHECK: scf.for %[[ROW:.*]] = %{{.*}} to %c3{{.*}} iter_args(%{{.*}} = %[[V]], %{{.*}} = %[[I]])
// CHECK: scf.for %[[J:.*]] = %{{.*}} to %[[KI]]
// CHECK: scf.for %[[E:.*]] = %{{.*}} to %c4
// CHECK: tensor.extract %arg0[%[[ROW]], %[[E]]] : tensor<3x4xf32>
// CHECK: arith.cmpf olt
// CHECK: tensor.insert %{{.*}} into %{{.*}}[%[[ROW]], %[[J]]] : tensor<3x?xf32>
// CHECK: tensor.insert %{{.*}} into %{{.*}}[%[[ROW]], %[[J]]] : tensor<3x?xi64>
func.func @top_k(%x: tensor<3x4xf32>, %k: tensor<1xi64>) -> (tensor<3x?xf32>, tensor<3x?xi64>) {
  %v, %i = onnx.TopK(%x, %k) {axis = -1 : i64} : (tensor<3x4xf32>, tensor<1xi64>) -> (tensor<3x?xf32>, tensor<3x?xi64>)
  return %v, %i : tensor<3x?xf32>, tensor<3x?xi64>
}

// -----

// Unsigned values compare unsigned.
// CHECK-LABEL: func.func @top_k_unsigned_smallest
// CHECK: scf.for
// CHECK: arith.cmpi ult
// CHECK-NOT: arith.cmpi slt
func.func @top_k_unsigned_smallest(%x: tensor<?xui8>, %k: tensor<1xi64>) -> (tensor<?xui8>, tensor<?xi64>) {
  %v, %i = onnx.TopK(%x, %k) {axis = 0 : i64, largest = 0 : i64} : (tensor<?xui8>, tensor<1xi64>) -> (tensor<?xui8>, tensor<?xi64>)
  return %v, %i : tensor<?xui8>, tensor<?xi64>
}

// -----

// The slices along the axis are compared through the flattened input; the
// count of first occurrences sizes the outputs at run time, and Y gathers
// the unique slices.
// CHECK-LABEL: func.func @unique_axis
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1]] : tensor<3x4xf32> into tensor<12xf32>
// CHECK: %[[FIRST:.*]] = linalg.generic
// CHECK: tensor.extract %[[FLAT]]
// CHECK: %[[U:.*]] = scf.for %{{.*}} = %c0 to %c3 step %c1 iter_args(%{{.*}} = %c0{{.*}}) -> (index)
// CHECK: %[[AT:.*]] = tensor.empty(%[[U]]) : tensor<?xindex>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[AT]])
// CHECK: scf.if
// CHECK: tensor.insert
// CHECK: tensor.empty(%[[U]]) : tensor<?x4xf32>
// CHECK: linalg.generic
// CHECK: tensor.extract %arg0
// CHECK: tensor.empty(%[[U]]) : tensor<?xi64>
// CHECK: tensor.empty() : tensor<3xi64>
// CHECK: tensor.empty(%[[U]]) : tensor<?xi64>
func.func @unique_axis(%x: tensor<3x4xf32>) -> (tensor<?x4xf32>, tensor<?xi64>, tensor<3xi64>, tensor<?xi64>) {
  %y, %i, %inv, %c = onnx.Unique(%x) {axis = 0 : i64, sorted = 1 : i64} : (tensor<3x4xf32>) -> (tensor<?x4xf32>, tensor<?xi64>, tensor<3xi64>, tensor<?xi64>)
  return %y, %i, %inv, %c : tensor<?x4xf32>, tensor<?xi64>, tensor<3xi64>, tensor<?xi64>
}

// -----

// Unused outputs are not computed; a static result type is trusted.
// CHECK-LABEL: func.func @unique_flat_y_only
// CHECK-NOT: tensor.collapse_shape
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4xi32>
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} outs(%[[E]] : tensor<4xi32>)
// CHECK-NOT: tensor<?xi64>
// CHECK: return %[[Y]]
func.func @unique_flat_y_only(%x: tensor<6xi32>) -> tensor<4xi32> {
  %y, %i, %inv, %c = onnx.Unique(%x) {sorted = 0 : i64} : (tensor<6xi32>) -> (tensor<4xi32>, tensor<4xi64>, tensor<6xi64>, tensor<4xi64>)
  return %y : tensor<4xi32>
}

// -----

// Rows go into a worst-case buffer (batches * classes * min(max, boxes));
// the result is a copy of its used rows.
// CHECK-LABEL: func.func @nms
// CHECK: %[[M:.*]] = tensor.extract %arg2
// CHECK: arith.maxsi
// CHECK: %[[CAP:.*]] = arith.maxsi %{{.*}}, %c1
// CHECK: %[[BUF:.*]] = tensor.empty(%[[CAP]]) : tensor<?x3xi64>
// CHECK: %[[R:.*]]:2 = scf.for {{.*}} iter_args(%{{.*}} = %[[BUF]], %{{.*}} = %{{.*}})
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.cmpf ogt
// CHECK: arith.divf
// CHECK: %[[E:.*]] = tensor.empty(%[[R]]#1) : tensor<?x3xi64>
// CHECK: %[[S:.*]] = linalg.generic {{.*}} outs(%[[E]] : tensor<?x3xi64>)
// CHECK: tensor.extract %[[R]]#0
// CHECK: return %[[S]]
func.func @nms(%b: tensor<2x6x4xf32>, %s: tensor<2x3x6xf32>, %m: tensor<1xi64>, %iou: tensor<1xf32>, %st: tensor<1xf32>) -> tensor<?x3xi64> {
  %0 = onnx.NonMaxSuppression(%b, %s, %m, %iou, %st) {center_point_box = 1 : i64} : (tensor<2x6x4xf32>, tensor<2x3x6xf32>, tensor<1xi64>, tensor<1xf32>, tensor<1xf32>) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}

// -----

// Without max_output_boxes_per_class nothing is selected: the per-class
// loop never finds room.
// CHECK-LABEL: func.func @nms_defaults
// CHECK: %[[CAP:.*]] = arith.maxsi %{{.*}}, %c1
// CHECK: tensor.empty(%[[CAP]]) : tensor<?x3xi64>
// CHECK: arith.cmpi slt, %{{.*}}, %c0
// CHECK: linalg.generic
func.func @nms_defaults(%b: tensor<1x6x4xf32>, %s: tensor<1x1x6xf32>) -> tensor<?x3xi64> {
  %n = onnx.NoValue
  %0 = onnx.NonMaxSuppression(%b, %s, %n, %n, %n) : (tensor<1x6x4xf32>, tensor<1x1x6xf32>, none, none, none) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}
