// RUN: kiln-opt %s --split-input-file --kiln-gemm-ukernel -verify-diagnostics

// A configuration the kernel cannot follow is an error, not a silent
// fallback: an f64 matmul, a matmul on tensors.

func.func @f64(%a: memref<4x4xf64>, %b: memref<4x4xf64>, %c: memref<4x4xf64>) {
  // expected-error @below {{has the gemm_ukernel strategy but is not an f32 contraction (or an i16 x i16 -> i32 matmul) on buffers}}
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>} ins(%a, %b : memref<4x4xf64>, memref<4x4xf64>) outs(%c : memref<4x4xf64>)
  return
}

// -----

func.func @tensors(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>, %c: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error @below {{has the gemm_ukernel strategy but is not an f32 contraction (or an i16 x i16 -> i32 matmul) on buffers}}
  %r = linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>} ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%c : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// -----

func.func @bad_isa(%a: memref<4x4xf32>, %c: memref<4x4xf32>) {
  // expected-error @below {{expected ::kiln::codegen::Isa to be one of: sse, avx2, avx512}}
  // expected-error @below {{failed to parse Kiln_LoweringConfigAttr parameter 'isa'}}
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx3>} ins(%a, %a : memref<4x4xf32>, memref<4x4xf32>) outs(%c : memref<4x4xf32>)
  return
}

// -----

func.func @tiles(%a: memref<4x4xf32>, %c: memref<4x4xf32>) {
  // expected-error @below {{kiln.lowering_config: gemm_ukernel takes no tile sizes (its kernel has its own)}}
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2, parallel = [8, 32, 0]>} ins(%a, %a : memref<4x4xf32>, memref<4x4xf32>) outs(%c : memref<4x4xf32>)
  return
}

// -----

// An i16 matmul whose operands are zero-extended is not the int16 kernel's
// (it sign-extends).

func.func @unsigned_i16(%a: memref<4x4xi16>, %b: memref<4x4xi16>, %c: memref<4x4xi32>) {
  // expected-error @below {{has the gemm_ukernel strategy but is not an f32 contraction (or an i16 x i16 -> i32 matmul) on buffers}}
  linalg.matmul {cast = #linalg.type_fn<cast_unsigned>, kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>} ins(%a, %b : memref<4x4xi16>, memref<4x4xi16>) outs(%c : memref<4x4xi32>)
  return
}
