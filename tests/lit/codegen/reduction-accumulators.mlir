// RUN: kiln-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-reduction-accumulators))" | FileCheck %s

// A sum along the innermost loop: the generic keeps the parallel dim, its
// body sums in an scf.for whose iteration argument is the accumulator
// (starting at the output's element), loading the input itself, and the
// add may reassociate.

// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @row_sum(
// CHECK-SAME:      %[[X:.*]]: memref<?x?xf32>, %[[Y:.*]]: memref<?xf32>
// CHECK:         %[[C1:.*]] = arith.constant 1 : index
// CHECK:         %[[K:.*]] = memref.dim %[[X]], %[[C1]]
// CHECK:         linalg.generic {indexing_maps = [#[[ROW]]], iterator_types = ["parallel"]} outs(%[[Y]] : memref<?xf32>)
// CHECK-NEXT:    ^bb0(%[[OUT:.*]]: f32):
// CHECK:           %[[I:.*]] = linalg.index 0 : index
// CHECK:           %[[S:.*]] = scf.for %[[K2:.*]] = %{{.*}} to %[[K]] step %{{.*}} iter_args(%[[ACC:.*]] = %[[OUT]]) -> (f32) {
// CHECK:             %[[V:.*]] = memref.load %[[X]][%[[I]], %[[K2]]]
// CHECK:             %[[E:.*]] = math.exp %[[V]]
// CHECK:             %[[A:.*]] = arith.addf %[[E]], %[[ACC]] fastmath<reassoc> : f32
// CHECK:             scf.yield %[[A]]
// CHECK:           linalg.yield %[[S]]
func.func @row_sum(%x: memref<?x?xf32>, %y: memref<?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x?xf32>) outs(%y : memref<?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %e = math.exp %in : f32
    %s = arith.addf %e, %out : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Left alone: a reduction that is not the innermost loop, and one with two
// outputs (ArgMax's value and index).

// CHECK-LABEL: func.func @not_innermost(
// CHECK-NOT:     scf.for
// CHECK:         linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-NOT:     scf.for
func.func @not_innermost(%x: memref<4x8xf32>, %y: memref<8xf32>, %v: memref<4xf32>, %i: memref<4xi64>) {
  linalg.generic {indexing_maps = [affine_map<(k, j) -> (k, j)>, affine_map<(k, j) -> (j)>],
                  iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<4x8xf32>) outs(%y : memref<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>, affine_map<(i, k) -> (i)>],
                  iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x8xf32>) outs(%v, %i : memref<4xf32>, memref<4xi64>) {
  ^bb0(%in: f32, %out: f32, %idx: i64):
    %k = linalg.index 1 : index
    %k64 = arith.index_cast %k : index to i64
    %gt = arith.cmpf ogt, %in, %out : f32
    %m = arith.select %gt, %in, %out : f32
    %n = arith.select %gt, %k64, %idx : i64
    linalg.yield %m, %n : f32, i64
  }
  return
}
