// RUN: kiln-opt %s --split-input-file --verify-diagnostics --pass-pipeline="builtin.module(func.func(kiln-gpu-tensor-core-mma))"

// Four warps, no other block size.
func.func @threads(%a: memref<32x32xf16>, %b: memref<32x32xf16>, %c: memref<32x32xf16>) {
  // expected-error @below {{'linalg.matmul' op tensor_core_mma takes 128 threads (4 warps), not 256}}
  linalg.matmul {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 256>}
      ins(%a, %b : memref<32x32xf16>, memref<32x32xf16>) outs(%c : memref<32x32xf16>)
  return
}

// -----

// The tensor cores multiply floats of these types only.
func.func @integers(%a: memref<32x32xi8>, %b: memref<32x32xi8>, %c: memref<32x32xi32>) {
  // expected-error @below {{cannot be lowered on the tensor cores: its element types are not f16 x f16 -> f16 or f32, nor f32 x f32 -> f32}}
  linalg.matmul {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>}
      ins(%a, %b : memref<32x32xi8>, memref<32x32xi8>) outs(%c : memref<32x32xi32>)
  return
}

// -----

// Anything besides out + a * b (here a scaled product) is refused.
func.func @scaled(%a: memref<32x32xf16>, %b: memref<32x32xf16>, %c: memref<32x32xf16>) {
  // expected-error @below {{cannot be lowered on the tensor cores: its body computes more than out + a * b}}
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<32x32xf16>, memref<32x32xf16>) outs(%c : memref<32x32xf16>)
      attrs = {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>} {
  ^bb0(%x: f16, %y: f16, %o: f16):
    %two = arith.constant 2.0 : f16
    %x2 = arith.mulf %x, %two : f16
    %p = arith.mulf %x, %y : f16
    %s = arith.addf %o, %p : f16
    linalg.yield %s : f16
  }
  return
}

// -----

// Not a contraction at all.
func.func @copy(%x: memref<32x32xf16>, %y: memref<32x32xf16>) {
  // expected-error @below {{'linalg.copy' op cannot be lowered on the tensor cores: it is not a contraction of two operands}}
  linalg.copy {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>}
      ins(%x : memref<32x32xf16>) outs(%y : memref<32x32xf16>)
  return
}

// -----

// A convolution is taken as an implicit GEMM, but only with out + a * b as
// its body: a max of products over the window is refused.
func.func @conv_max(%x: memref<1x8x10x10xf16>, %w: memref<16x8x3x3xf16>, %y: memref<1x16x8x8xf16>) {
  // expected-error @below {{cannot be lowered on the tensor cores: its body does not end in an addition}}
  linalg.generic {indexing_maps = [affine_map<(n, f, h, w, c, kh, kw) -> (n, c, h + kh, w + kw)>,
                                   affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>,
                                   affine_map<(n, f, h, w, c, kh, kw) -> (n, f, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : memref<1x8x10x10xf16>, memref<16x8x3x3xf16>) outs(%y : memref<1x16x8x8xf16>)
      attrs = {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>} {
  ^bb0(%a: f16, %b: f16, %o: f16):
    %p = arith.mulf %a, %b : f16
    %s = arith.maximumf %o, %p : f16
    linalg.yield %s : f16
  }
  return
}

// -----

// A depthwise convolution has no n loop (its channels index both operands).
func.func @depthwise(%x: memref<1x8x10x10xf16>, %w: memref<8x3x3xf16>, %y: memref<1x8x8x8xf16>) {
  // expected-error @below {{cannot be lowered on the tensor cores: it has no m, n or k dim}}
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                     kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>}
      ins(%x, %w : memref<1x8x10x10xf16>, memref<8x3x3xf16>) outs(%y : memref<1x8x8x8xf16>)
  return
}
