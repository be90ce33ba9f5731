// RUN: kiln-opt %s --split-input-file --kiln-check-alloc-sizes | FileCheck %s

// The byte count of an allocation with dynamic sizes (4 x 4 bytes static
// times %a times %b) is computed with overflow detection; on overflow, or
// above 2^62, the sizes become (2^62 / 16 + 1, 1): just over 2^62 bytes,
// which the runtime refuses, instead of a product that wraps.

// CHECK-LABEL: func.func @dynamic(
// CHECK-SAME:      %[[A:.*]]: index, %[[B:.*]]: index
// CHECK-DAG:     %[[C16:.*]] = arith.constant 16 : i64
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK:         %[[AI:.*]] = arith.index_castui %[[A]] : index to i64
// CHECK:         %[[LO1:.*]], %[[HI1:.*]] = arith.mului_extended %[[C16]], %[[AI]] : i64
// CHECK:         %[[O1:.*]] = arith.cmpi ne, %[[HI1]], %[[ZERO]] : i64
// CHECK:         %[[BI:.*]] = arith.index_castui %[[B]] : index to i64
// CHECK:         %[[LO2:.*]], %[[HI2:.*]] = arith.mului_extended %[[LO1]], %[[BI]] : i64
// CHECK:         %[[O2:.*]] = arith.cmpi ne, %[[HI2]], %[[ZERO]] : i64
// CHECK:         %[[LIMIT:.*]] = arith.constant 4611686018427387904 : i64
// CHECK:         %[[BIG:.*]] = arith.cmpi ugt, %[[LO2]], %[[LIMIT]] : i64
// CHECK:         %[[OVF:.*]] = arith.ori {{.*}}, %[[BIG]] : i1
// CHECK:         %[[HUGE:.*]] = arith.constant 288230376151711745 : index
// CHECK:         %[[D0:.*]] = arith.select %[[OVF]], %[[HUGE]], %[[A]] : index
// CHECK:         %[[ONE:.*]] = arith.constant 1 : index
// CHECK:         %[[D1:.*]] = arith.select %[[OVF]], %[[ONE]], %[[B]] : index
// CHECK:         memref.alloc(%[[D0]], %[[D1]]) : memref<?x4x?xf32>
func.func @dynamic(%a: index, %b: index) -> memref<?x4x?xf32> {
  %m = memref.alloc(%a, %b) : memref<?x4x?xf32>
  return %m : memref<?x4x?xf32>
}

// -----

// Static allocations (whose sizes the compiler checked) and elements that
// are not plain numbers are left alone.

// CHECK-LABEL: func.func @untouched(
// CHECK-NOT:     arith.mului_extended
// CHECK-NOT:     arith.select
// CHECK:         memref.alloc() : memref<8xf32>
// CHECK:         memref.alloc(%{{.*}}) : memref<?xcomplex<f32>>
func.func @untouched(%n: index) {
  %s = memref.alloc() : memref<8xf32>
  %c = memref.alloc(%n) : memref<?xcomplex<f32>>
  memref.dealloc %s : memref<8xf32>
  memref.dealloc %c : memref<?xcomplex<f32>>
  return
}
