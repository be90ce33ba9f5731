// RUN: kiln-opt %s --kiln-lower-dynamic-expand-shape -split-input-file | FileCheck %s

// Two dynamic sizes in one group: rewritten with strides from output_shape.
// CHECK-LABEL: func.func @two_dynamic
// CHECK-SAME: (%[[SRC:.*]]: memref<?x16xf32>, %[[D0:.*]]: index, %[[D1:.*]]: index)
// CHECK: %[[BASE:.*]], %[[OFF:.*]], %[[SIZES:.*]]:2, %[[STRIDES:.*]]:2 = memref.extract_strided_metadata %[[SRC]]
// CHECK: %[[S0:.*]] = arith.muli %[[STRIDES]]#0, %[[D1]]
// CHECK: memref.reinterpret_cast %[[BASE]] to offset: [0], sizes: [%[[D0]], %[[D1]], 16], strides: [%[[S0]], 16, 1]
// CHECK-NOT: memref.expand_shape
func.func @two_dynamic(%a: memref<?x16xf32>, %d0: index, %d1: index) -> memref<?x?x16xf32> {
  %e = memref.expand_shape %a [[0, 1], [2]] output_shape [%d0, %d1, 16] : memref<?x16xf32> into memref<?x?x16xf32>
  return %e : memref<?x?x16xf32>
}

// -----

// One dynamic size per group is left to expand-strided-metadata.
// CHECK-LABEL: func.func @one_dynamic
// CHECK: memref.expand_shape
func.func @one_dynamic(%a: memref<?x16xf32>, %d0: index) -> memref<?x4x16xf32> {
  %e = memref.expand_shape %a [[0, 1], [2]] output_shape [%d0, 4, 16] : memref<?x16xf32> into memref<?x4x16xf32>
  return %e : memref<?x4x16xf32>
}
