// RUN: kiln-opt %s --split-input-file --kiln-transpose-ukernel -cse | FileCheck %s

// The pass lowers the transposes whose lowering configuration is
// transpose_ukernel to the kernel of the configuration's ISA: y's six
// sizes (leading ones of size 1), x and its stride for each y dim (y dim d
// reads x dim perm[d]; 0 for the padding dims), y and its strides.

// A BERT encoder's K^T with symbolic batch and sequence: y = [B, 4, 64, S]
// reads x = [B, S, 4, 64] with x's strides (b, h, d, s) permuted.

// CHECK-LABEL: func.func private @kiln_transpose_avx512(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// CHECK-LABEL: func.func @k_transposed(
// CHECK-SAME:      %[[X:.*]]: memref<?x?x4x64xf32>, %[[Y:.*]]: memref<?x4x64x?xf32>
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[B:.*]] = memref.dim %[[Y]], %[[C0]]
// CHECK-DAG:     %[[H:.*]] = memref.dim %[[Y]], %[[C1]]
// CHECK-DAG:     %[[D:.*]] = memref.dim %[[Y]], %[[C2]]
// CHECK-DAG:     %[[S:.*]] = memref.dim %[[Y]], %[[C3]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:4, %[[SX:.*]]:4 = memref.extract_strided_metadata %[[X]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:4, %[[SY:.*]]:4 = memref.extract_strided_metadata %[[Y]]
// CHECK:         call @kiln_transpose_avx512(%[[C1]], %[[C1]], %[[B]], %[[H]], %[[D]], %[[S]], %{{.*}}, %[[C0]], %[[C0]], %[[SX]]#0, %[[SX]]#2, %[[SX]]#3, %[[SX]]#1, %{{.*}}, %[[C0]], %[[C0]], %[[SY]]#0, %[[SY]]#1, %[[SY]]#2, %[[SY]]#3)
// CHECK-NOT:     linalg.transpose
func.func @k_transposed(%x: memref<?x?x4x64xf32>, %y: memref<?x4x64x?xf32>) {
  linalg.transpose ins(%x : memref<?x?x4x64xf32>) outs(%y : memref<?x4x64x?xf32>) permutation = [0, 2, 3, 1]
    {kiln.lowering_config = #kiln.lowering_config<transpose_ukernel, avx512>}
  return
}

// -----

// A transpose without the configuration stays.

// CHECK-LABEL: func.func @unconfigured(
// CHECK:         linalg.transpose
// CHECK-NOT:     call
func.func @unconfigured(%x: memref<3x5xf32>, %y: memref<5x3xf32>) {
  linalg.transpose ins(%x : memref<3x5xf32>) outs(%y : memref<5x3xf32>) permutation = [1, 0]
  return
}
