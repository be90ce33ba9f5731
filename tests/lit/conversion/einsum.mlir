// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// Batch matmul: b, i, k are parallel loops, the summed j is a reduction; the
// product accumulates into a zero-filled init.
// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[Y:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[Z:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @batch_matmul
// CHECK: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f64
// CHECK: %[[INIT:.+]] = linalg.fill ins(%[[ZERO]] : f64) outs(%{{.+}} : tensor<5x2x4xf64>)
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[Y]], #[[Z]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// CHECK-SAME: outs(%[[INIT]] : tensor<5x2x4xf64>)
// CHECK: ^bb0(%[[A:.+]]: f64, %[[B:.+]]: f64, %[[ACC:.+]]: f64):
// CHECK-NEXT: %[[P:.+]] = arith.mulf %[[A]], %[[B]] : f64
// CHECK-NEXT: %[[S:.+]] = arith.addf %[[ACC]], %[[P]] : f64
// CHECK-NEXT: linalg.yield %[[S]] : f64
func.func @batch_matmul(%x: tensor<5x2x3xf64>, %y: tensor<5x3x4xf64>) -> tensor<5x2x4xf64> {
  %0 = onnx.Einsum(%x, %y) {equation = "bij, bjk -> bik"} : (tensor<5x2x3xf64>, tensor<5x3x4xf64>) -> tensor<5x2x4xf64>
  return %0 : tensor<5x2x4xf64>
}

// -----

// A repeated label reads the diagonal; the ellipsis keeps its dynamic size.
// CHECK-DAG: #[[IN:.+]] = affine_map<(d0, d1) -> (d0, d1, d1)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @batch_diagonal
// CHECK: %[[DIM:.+]] = tensor.dim %{{.+}}, %{{.+}} : tensor<?x5x5xf32>
// CHECK: tensor.empty(%[[DIM]]) : tensor<?x5xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "parallel"]}
func.func @batch_diagonal(%x: tensor<?x5x5xf32>) -> tensor<?x5xf32> {
  %0 = onnx.Einsum(%x) {equation = "...ii ->...i"} : (tensor<?x5x5xf32>) -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}

// -----

// Implicit output: the labels used once, in alphabetical order (ik).
// CHECK-DAG: #[[X:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[Y:.+]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[Z:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @implicit
// CHECK: linalg.generic {indexing_maps = [#[[X]], #[[Y]], #[[Z]]], iterator_types = ["parallel", "parallel", "reduction"]}
func.func @implicit(%x: tensor<3x4xf32>, %y: tensor<4x2xf32>) -> tensor<2x3xf32> {
  %0 = onnx.Einsum(%x, %y) {equation = "kj,ji"} : (tensor<3x4xf32>, tensor<4x2xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Inner product of integers: a rank-0 result, one reduction loop.
// CHECK-DAG: #[[IN:.+]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @inner_prod
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[IN]], #[[OUT]]], iterator_types = ["reduction"]}
// CHECK: arith.muli
// CHECK: arith.addi
func.func @inner_prod(%x: tensor<5xi32>, %y: tensor<5xi32>) -> tensor<i32> {
  %0 = onnx.Einsum(%x, %y) {equation = "i,i"} : (tensor<5xi32>, tensor<5xi32>) -> tensor<i32>
  return %0 : tensor<i32>
}
