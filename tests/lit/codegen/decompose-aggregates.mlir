// RUN: kiln-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-decompose-aggregates))" | FileCheck %s

// A linalg.softmax no strategy took becomes generics: max, exp(x - max),
// sum, divide. One with a lowering configuration stays for its kernel.

// CHECK-LABEL: func.func @softmax(
// CHECK-NOT:     linalg.softmax dimension(0)
// CHECK:         linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]
// CHECK:           arith.maxnumf
// CHECK:         linalg.generic
// CHECK:           math.exp
// CHECK:         linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]
// CHECK:           arith.addf
// CHECK:         linalg.generic
// CHECK:           arith.divf
// CHECK:         linalg.softmax {kiln.lowering_config = #kiln.lowering_config<softmax_ukernel, sse>} dimension(1)
func.func @softmax(%x: tensor<3x5xf32>) -> (tensor<3x5xf32>, tensor<3x5xf32>) {
  %e = tensor.empty() : tensor<3x5xf32>
  %a = linalg.softmax dimension(0) ins(%x : tensor<3x5xf32>) outs(%e : tensor<3x5xf32>) -> tensor<3x5xf32>
  %b = linalg.softmax {kiln.lowering_config = #kiln.lowering_config<softmax_ukernel, sse>} dimension(1) ins(%x : tensor<3x5xf32>) outs(%e : tensor<3x5xf32>) -> tensor<3x5xf32>
  return %a, %b : tensor<3x5xf32>, tensor<3x5xf32>
}
