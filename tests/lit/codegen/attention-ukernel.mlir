// RUN: kiln-opt %s --split-input-file --one-shot-bufferize="bufferize-function-boundaries=1 function-boundary-type-conversion=identity-layout-map" --kiln-attention-ukernel -cse | FileCheck %s

// kiln.attention on tensors bufferizes into a new buffer of the merged
// layout (its batch the broadcast of Q's, K's and V's), then one call to
// the target's kernel: sizes (B, H, Sq, Skv, D, Dv), q, k and v as an
// address and the strides of their (batch, head, row) dims (0 where a dim
// of size 1 broadcasts), the f32 mask's address and four strides (none
// for its missing head and query dims), kind 1, fill 0, the scale's bits
// (0.125 = 0x3E000000), and y.
// CHECK-LABEL: func.func @bert
// CHECK: %[[Y:.*]] = memref.alloc({{.*}}) {{.*}} : memref<?x?x4x16xf32>
// CHECK: call @kiln_attention_avx512(
// CHECK-SAME: %c1, %c0, %c1040187392, %{{[^,]*}}, %strides{{.*}}#0, %strides{{.*}}#2, %strides{{.*}}#1)
// CHECK: return %[[Y]]
module attributes {kiln.target = #kiln.target<isa = avx512, vector_bits = 512, vector_registers = 32, l1_bytes = 49152, l2_bytes = 2097152>} {
  func.func @bert(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x4x16xf32>, %v: tensor<?x?x4x16xf32>, %mask: tensor<?x1x1x?xf32>) -> tensor<?x?x4x16xf32> {
    %y = kiln.attention %q, %k, %v mask(%mask : tensor<?x1x1x?xf32>) {query_dims = array<i64: 0, 2, 1, 3>, key_dims = array<i64: 0, 2, 1, 3>, value_dims = array<i64: 0, 2, 1, 3>, result_dims = array<i64: 0, 2, 1, 3>, scale = 0.125 : f32} : tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32>, tensor<?x?x4x16xf32> -> tensor<?x?x4x16xf32>
    return %y : tensor<?x?x4x16xf32>
  }
}

// -----

// An i1 mask is kind 2 with its fill's bits (-1e9 = 0xCE6E6B28); AVX2's
// kernel for an AVX2 target.
// CHECK-LABEL: func.func @causal
// CHECK: call @kiln_attention_avx2(
// CHECK-SAME: %c2, %c3463342888, %c1065353216,
module attributes {kiln.target = #kiln.target<isa = avx2, vector_bits = 256, vector_registers = 16, l1_bytes = 32768, l2_bytes = 1048576>} {
  func.func @causal(%q: memref<2x3x8x4xf32>, %k: memref<2x3x8x4xf32>, %v: memref<2x3x8x4xf32>, %mask: memref<1x1x8x8xi1>, %y: memref<2x3x8x4xf32>) {
    kiln.attention %q, %k, %v mask(%mask : memref<1x1x8x8xi1>) outs(%y : memref<2x3x8x4xf32>) {query_dims = array<i64: 0, 1, 2, 3>, key_dims = array<i64: 0, 1, 2, 3>, value_dims = array<i64: 0, 1, 2, 3>, result_dims = array<i64: 0, 1, 2, 3>, scale = 1.0 : f32, mask_fill = -1.0e9 : f32} : memref<2x3x8x4xf32>, memref<2x3x8x4xf32>, memref<2x3x8x4xf32>
    return
  }
}

// -----

// zero_masked_rows adds 4 to the kind: an f32 mask's rows whose values
// are all -inf are 0 (ONNX's Attention), kind 1 | 4.
// CHECK-LABEL: func.func @zeroed_rows
// CHECK: call @kiln_attention_avx2(
// CHECK-SAME: %c5, %c0, %c1065353216,
module attributes {kiln.target = #kiln.target<isa = avx2, vector_bits = 256, vector_registers = 16, l1_bytes = 32768, l2_bytes = 1048576>} {
  func.func @zeroed_rows(%q: memref<2x3x8x4xf32>, %mask: memref<8x8xf32>, %y: memref<2x3x8x4xf32>) {
    kiln.attention %q, %q, %q mask(%mask : memref<8x8xf32>) outs(%y : memref<2x3x8x4xf32>) {query_dims = array<i64: 0, 1, 2, 3>, key_dims = array<i64: 0, 1, 2, 3>, value_dims = array<i64: 0, 1, 2, 3>, result_dims = array<i64: 0, 1, 2, 3>, scale = 1.0 : f32, zero_masked_rows} : memref<2x3x8x4xf32>, memref<2x3x8x4xf32>, memref<2x3x8x4xf32>
    return
  }
}
