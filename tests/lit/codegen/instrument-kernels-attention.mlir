// RUN: kiln-opt %s --kiln-instrument-kernels | FileCheck %s

// kiln.attention is a kernel of its own: bracketed like the linalg ops
// (its time went unattributed in the node profile without it).
// CHECK-LABEL: func.func @main
// CHECK: call @kiln_kernel_begin(%{{.*}}) {kiln.kernel_op = "kiln.attention"}
// CHECK-NEXT: kiln.attention
// CHECK-NEXT: call @kiln_kernel_end
func.func @main(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %y = kiln.attention %q, %q, %q {query_dims = array<i64: 0, 1, 2, 3>, key_dims = array<i64: 0, 1, 2, 3>, value_dims = array<i64: 0, 1, 2, 3>, result_dims = array<i64: 0, 1, 2, 3>, scale = 1.0 : f32} : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %y : tensor<1x2x8x4xf32>
}
