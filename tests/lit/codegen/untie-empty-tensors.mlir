// RUN: kiln-opt %s --kiln-untie-empty-tensors | FileCheck %s

// Each user of a tensor.empty that CSE shared gets one of its own, with
// the same sizes, so bufferization allocates one buffer per op.

// CHECK-LABEL: func.func @shared(
// CHECK-SAME:      %[[N:.*]]: index
// CHECK-DAG:     %[[E0:.*]] = tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK-DAG:     %[[E1:.*]] = tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK-DAG:     %[[E2:.*]] = tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK-DAG:     linalg.fill ins(%{{.*}} : f32) outs(%[[E0]] : tensor<?x4xf32>)
// CHECK-DAG:     linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<?x4xf32>)
// CHECK-DAG:     linalg.fill ins(%{{.*}} : f32) outs(%[[E2]] : tensor<?x4xf32>)
func.func @shared(%n: index) -> (tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %two = arith.constant 2.0 : f32
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %a = linalg.fill ins(%zero : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  %b = linalg.fill ins(%one : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  %c = linalg.fill ins(%two : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %a, %b, %c : tensor<?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>
}

// CHECK-LABEL: func.func @single(
// CHECK-COUNT-1: tensor.empty
// CHECK-NOT:     tensor.empty
func.func @single() -> tensor<4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %a = linalg.fill ins(%zero : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %a : tensor<4xf32>
}

// A reshape of an empty shared by two ops is untied too: each op writes a
// view of an empty of its own.
// CHECK-LABEL: func.func @shared_reshape(
// CHECK-DAG:     %[[E0:.*]] = tensor.empty() : tensor<2x3x4xf32>
// CHECK-DAG:     %[[E1:.*]] = tensor.empty() : tensor<2x3x4xf32>
// CHECK-DAG:     %[[C0:.*]] = tensor.collapse_shape %[[E0]]
// CHECK-DAG:     %[[C1:.*]] = tensor.collapse_shape %[[E1]]
// CHECK-DAG:     linalg.fill ins(%{{.*}} : f32) outs(%[[C0]] : tensor<6x4xf32>)
// CHECK-DAG:     linalg.fill ins(%{{.*}} : f32) outs(%[[C1]] : tensor<6x4xf32>)
func.func @shared_reshape() -> (tensor<6x4xf32>, tensor<6x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<2x3x4xf32>
  %c = tensor.collapse_shape %e [[0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
  %a = linalg.fill ins(%zero : f32) outs(%c : tensor<6x4xf32>) -> tensor<6x4xf32>
  %b = linalg.fill ins(%one : f32) outs(%c : tensor<6x4xf32>) -> tensor<6x4xf32>
  return %a, %b : tensor<6x4xf32>, tensor<6x4xf32>
}

// A zero fill CSE shared between two GEMMs: each gets its own fill of its
// own empty, so neither accumulates into a copy of the other's start.
// CHECK-LABEL: func.func @shared_fill(
// CHECK-DAG:     %[[E0:.*]] = tensor.empty() : tensor<4x5xf32>
// CHECK-DAG:     %[[E1:.*]] = tensor.empty() : tensor<4x5xf32>
// CHECK-DAG:     %[[F0:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E0]] : tensor<4x5xf32>)
// CHECK-DAG:     %[[F1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E1]] : tensor<4x5xf32>)
// CHECK-DAG:     linalg.matmul ins(%arg0, %arg1 : tensor<4x3xf32>, tensor<3x5xf32>) outs(%[[F0]] : tensor<4x5xf32>)
// CHECK-DAG:     linalg.matmul ins(%arg2, %arg1 : tensor<4x3xf32>, tensor<3x5xf32>) outs(%[[F1]] : tensor<4x5xf32>)
func.func @shared_fill(%a: tensor<4x3xf32>, %b: tensor<3x5xf32>, %c: tensor<4x3xf32>) -> (tensor<4x5xf32>, tensor<4x5xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x5xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<4x5xf32>) -> tensor<4x5xf32>
  %x = linalg.matmul ins(%a, %b : tensor<4x3xf32>, tensor<3x5xf32>) outs(%f : tensor<4x5xf32>) -> tensor<4x5xf32>
  %y = linalg.matmul ins(%c, %b : tensor<4x3xf32>, tensor<3x5xf32>) outs(%f : tensor<4x5xf32>) -> tensor<4x5xf32>
  return %x, %y : tensor<4x5xf32>, tensor<4x5xf32>
}
