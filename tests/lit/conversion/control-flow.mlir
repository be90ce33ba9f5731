// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// The generic form lists else_branch first, then then_branch. Both bodies
// are lowered in place; branch results that are more static than the op's
// result are cast to it.
// CHECK-LABEL: func.func @if_basic
// CHECK: %[[C:.*]] = tensor.extract %arg0[] : tensor<i1>
// CHECK: %[[R:.*]] = scf.if %[[C]] -> (tensor<?x3xf32>) {
// CHECK:   tensor.insert_slice
// CHECK:   %[[T:.*]] = tensor.insert_slice
// CHECK:   %[[TC:.*]] = tensor.cast %[[T]] : tensor<4x3xf32> to tensor<?x3xf32>
// CHECK:   scf.yield %[[TC]] : tensor<?x3xf32>
// CHECK: } else {
// CHECK:   %[[E:.*]] = tensor.extract_slice %arg1[0, 0] [1, 3] [1, 1]
// CHECK:   %[[EC:.*]] = tensor.cast %[[E]] : tensor<1x3xf32> to tensor<?x3xf32>
// CHECK-NOT: onnx.
// CHECK:   scf.yield %[[EC]] : tensor<?x3xf32>
// CHECK: }
// CHECK: return %[[R]]
func.func @if_basic(%c: tensor<i1>, %a: tensor<2x3xf32>) -> tensor<?x3xf32> {
  %e0 = onnx.Constant() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %e1 = onnx.Constant() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = "onnx.If"(%c) ({
    %u = onnx.Slice(%a, %e0, %e1, %e0, %e1) : (tensor<2x3xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x3xf32>
    onnx.Yield %u : tensor<1x3xf32>
  }, {
    %t = onnx.Concat(%a, %a) {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
    onnx.Yield %t : tensor<4x3xf32>
  }) : (tensor<i1>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// A [1] condition, several results, and a branch yielding an outer value
// of unsigned type (already converted: no cast).
// CHECK-LABEL: func.func @if_multi
// CHECK-SAME: (%[[COND:.*]]: tensor<1xi1>, %[[A:.*]]: tensor<2xi8>, %[[B:.*]]: tensor<2xf32>)
// CHECK: %[[C:.*]] = tensor.extract %[[COND]][%{{.*}}] : tensor<1xi1>
// CHECK: %[[R:.*]]:2 = scf.if %[[C]] -> (tensor<2xi8>, tensor<2xf32>) {
// CHECK:   scf.yield %[[A]], %[[B]] : tensor<2xi8>, tensor<2xf32>
// CHECK: } else {
// CHECK:   %[[Z:.*]] = arith.constant dense<0> : tensor<2xi8>
// CHECK:   %[[N:.*]] = linalg.transpose ins(%[[B]]
// CHECK:   scf.yield %{{.*}}, %[[N]] : tensor<2xi8>, tensor<2xf32>
// CHECK: }
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @if_multi(%c: tensor<1xi1>, %a: tensor<2xui8>, %b: tensor<2xf32>) -> (tensor<2xui8>, tensor<2xf32>) {
  %0, %1 = "onnx.If"(%c) ({
    %z = onnx.Constant() {value = dense<0> : tensor<2xui8>} : () -> tensor<2xui8>
    %t = onnx.Transpose(%b) : (tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %z, %t : tensor<2xui8>, tensor<2xf32>
  }, {
    onnx.Yield %a, %b : tensor<2xui8>, tensor<2xf32>
  }) : (tensor<1xi1>) -> (tensor<2xui8>, tensor<2xf32>)
  return %0, %1 : tensor<2xui8>, tensor<2xf32>
}

// -----

// Nested If: the inner one is lowered when the driver reaches it.
// CHECK-LABEL: func.func @if_nested
// CHECK: scf.if
// CHECK:   scf.if
// CHECK-NOT: onnx.If
func.func @if_nested(%c: tensor<i1>, %a: tensor<2xf32>) -> tensor<2xf32> {
  %0 = "onnx.If"(%c) ({
    onnx.Yield %a : tensor<2xf32>
  }, {
    %1 = "onnx.If"(%c) ({
      onnx.Yield %a : tensor<2xf32>
    }, {
      %t = onnx.Transpose(%a) : (tensor<2xf32>) -> tensor<2xf32>
      onnx.Yield %t : tensor<2xf32>
    }) : (tensor<i1>) -> tensor<2xf32>
    onnx.Yield %1 : tensor<2xf32>
  }) : (tensor<i1>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
