// RUN: kiln-opt %s --kiln-attention-ukernel -verify-diagnostics

// The kernel pass needs the target's ISA.
func.func @no_target(%q: memref<1x2x8x4xf32>, %y: memref<1x2x8x4xf32>) {
  // expected-error @+1 {{needs the module's kiln.target to choose its kernel}}
  kiln.attention %q, %q, %q outs(%y : memref<1x2x8x4xf32>) {query_dims = array<i64: 0, 1, 2, 3>, key_dims = array<i64: 0, 1, 2, 3>, value_dims = array<i64: 0, 1, 2, 3>, result_dims = array<i64: 0, 1, 2, 3>, scale = 1.0 : f32} : memref<1x2x8x4xf32>, memref<1x2x8x4xf32>, memref<1x2x8x4xf32>
  return
}
