// RUN: kiln-opt %s --split-input-file --kiln-softmax-ukernel -cse | FileCheck %s

// A softmax along the last dim of a rank-3 buffer: d0 = 1 (missing), d1,
// d2 and n from the buffer, x and y with stride 0 for the missing dim then
// their own strides.

// CHECK-LABEL: func.func private @kiln_softmax_avx512(index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// CHECK-LABEL: func.func @rows(
// CHECK-SAME:      %[[X:.*]]: memref<12x?x128xf32>, %[[Y:.*]]: memref<12x?x128xf32>
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:3, %[[SX:.*]]:3 = memref.extract_strided_metadata %[[X]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:3, %[[SY:.*]]:3 = memref.extract_strided_metadata %[[Y]]
// CHECK:         %[[S:.*]] = memref.dim %[[X]], %[[C1]]
// CHECK:         call @kiln_softmax_avx512(%[[C1]], %{{.*}}, %[[S]], %{{.*}}, %{{.*}}, %[[C0]], %[[SX]]#0, %[[SX]]#1, %[[SX]]#2, %{{.*}}, %[[C0]], %[[SY]]#0, %[[SY]]#1, %[[SY]]#2)
// CHECK-NOT:     linalg.softmax
func.func @rows(%x: memref<12x?x128xf32>, %y: memref<12x?x128xf32>) {
  linalg.softmax {kiln.lowering_config = #kiln.lowering_config<softmax_ukernel, avx512>} dimension(2)
    ins(%x : memref<12x?x128xf32>) outs(%y : memref<12x?x128xf32>)
  return
}

// -----

// Rank 5: the two leading dims are collapsed into one (the layout allows
// it); a strided output that cannot be collapsed is computed into a new
// buffer (its old values are not read) and copied back.

// CHECK-LABEL: func.func @rank5(
// CHECK:         %[[XC:.*]] = memref.collapse_shape %arg0 {{\[}}[0, 1], [2], [3], [4]]
// CHECK:         %[[T:.*]] = memref.alloc() : memref<2x3x4x5x6xf32>
// CHECK-NOT:     memref.copy %arg1
// CHECK:         %[[YC:.*]] = memref.collapse_shape %[[T]] {{\[}}[0, 1], [2], [3], [4]]
// CHECK:         call @kiln_softmax_sse(
// CHECK:         memref.copy %[[T]], %arg1
// CHECK:         memref.dealloc %[[T]]
func.func @rank5(%x: memref<2x3x4x5x6xf32>, %y: memref<2x3x4x5x6xf32, strided<[1000, 300, 30, 6, 1]>>) {
  linalg.softmax {kiln.lowering_config = #kiln.lowering_config<softmax_ukernel, sse>} dimension(4)
    ins(%x : memref<2x3x4x5x6xf32>) outs(%y : memref<2x3x4x5x6xf32, strided<[1000, 300, 30, 6, 1]>>)
  return
}

// -----

// A softmax without the softmax_ukernel strategy is left alone.

// CHECK-LABEL: func.func @unconfigured(
// CHECK-NOT:     kiln_softmax
// CHECK:         linalg.softmax
func.func @unconfigured(%x: memref<3x5xf32>, %y: memref<3x5xf32>) {
  linalg.softmax dimension(1) ins(%x : memref<3x5xf32>) outs(%y : memref<3x5xf32>)
  return
}
