// RUN: kiln-opt %s --kiln-externalize-weights | FileCheck %s

// Resource-backed globals become views into one 64-byte aligned blob; the
// module lists each blob with its offset for the artifact writer. Inline
// (dense) constants are left alone.

// CHECK: module attributes {kiln.weights = {{\[}}[0, dense_resource<w0> : tensor<4xf32>], [64, dense_resource<w1> : tensor<2x2xf32>]]}
// CHECK: memref.global "public" @__kiln_weights : memref<80xi8> {alignment = 64 : i64}
// CHECK-NOT: memref.global "private" constant @a
// CHECK: memref.global "private" constant @small : memref<2xf32> = dense<[1.000000e+00, 2.000000e+00]>
// CHECK-LABEL: func.func @f
// CHECK: %[[B0:.*]] = memref.get_global @__kiln_weights : memref<80xi8>
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: memref.view %[[B0]][%[[C0]]][] : memref<80xi8> to memref<4xf32>
// CHECK: %[[B1:.*]] = memref.get_global @__kiln_weights : memref<80xi8>
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: memref.view %[[B1]][%[[C64]]][] : memref<80xi8> to memref<2x2xf32>
// CHECK: memref.get_global @small
memref.global "private" constant @a : memref<4xf32> = dense_resource<w0>
memref.global "private" constant @b : memref<2x2xf32> = dense_resource<w1>
memref.global "private" constant @small : memref<2xf32> = dense<[1.0, 2.0]>
func.func @f() -> (memref<4xf32>, memref<2x2xf32>, memref<2xf32>) {
  %0 = memref.get_global @a : memref<4xf32>
  %1 = memref.get_global @b : memref<2x2xf32>
  %2 = memref.get_global @small : memref<2xf32>
  return %0, %1, %2 : memref<4xf32>, memref<2x2xf32>, memref<2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w0: "0x0400000000000000000000000000000000000000",
      w1: "0x040000000000803F000000400000404000008040"
    }
  }
#-}
