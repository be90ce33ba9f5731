// RUN: kiln-opt %s --pass-pipeline="builtin.module(func.func(kiln-gpu-select-lowering{sm=80}))" | FileCheck %s
// RUN: kiln-opt %s --pass-pipeline="builtin.module(func.func(kiln-gpu-select-lowering{sm=80 tf32=1}))" | FileCheck %s --check-prefix=TF32
// RUN: kiln-opt %s --pass-pipeline="builtin.module(func.func(kiln-gpu-select-lowering{sm=75 tf32=1}))" | FileCheck %s --check-prefix=OLD
// RUN: kiln-opt %s --pass-pipeline="builtin.module(func.func(kiln-gpu-select-lowering{tf32=1}))" | FileCheck %s --check-prefix=OLD

// On sm_80 and later an f16 matmul takes the tensor cores; an f32 one only
// where TF32 is allowed (else shared-memory tiles); an integer one keeps
// shared-memory tiles, as does a max of products (the tiles run any body
// in the serial loop's k order); a matrix-vector product keeps a thread
// per output either way. Below sm_80
// (or with no architecture given) nothing takes the tensor cores.
// CHECK-LABEL: func.func @matmuls
// CHECK: linalg.matmul {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>}
// CHECK: linalg.matmul {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<shared_memory_tiles, threads = 256>}
// CHECK: linalg.matmul {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<shared_memory_tiles, threads = 256>}
// CHECK: linalg.generic
// CHECK-SAME: #kiln.gpu_lowering_config<shared_memory_tiles, threads = 256>
// CHECK: linalg.matmul ins
// CHECK-NOT: kiln.gpu_lowering_config
// TF32-LABEL: func.func @matmuls
// TF32: linalg.matmul {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>}
// TF32: linalg.matmul {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>}
// TF32: linalg.matmul {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<shared_memory_tiles, threads = 256>}
// TF32: linalg.generic
// TF32-SAME: #kiln.gpu_lowering_config<shared_memory_tiles, threads = 256>
// TF32: linalg.matmul ins
// TF32-NOT: kiln.gpu_lowering_config
// OLD-LABEL: func.func @matmuls
// OLD-NOT: tensor_core_mma
func.func @matmuls(%a: memref<32x64xf16>, %b: memref<64x32xf16>, %c: memref<32x32xf16>,
                   %d: memref<32x64xf32>, %e: memref<64x32xf32>, %f: memref<32x32xf32>,
                   %g: memref<32x64xi8>, %h: memref<64x32xi8>, %i: memref<32x32xi32>,
                   %v: memref<1x64xf16>, %w: memref<1x32xf16>) {
  linalg.matmul ins(%a, %b : memref<32x64xf16>, memref<64x32xf16>) outs(%c : memref<32x32xf16>)
  linalg.matmul ins(%d, %e : memref<32x64xf32>, memref<64x32xf32>) outs(%f : memref<32x32xf32>)
  linalg.matmul ins(%g, %h : memref<32x64xi8>, memref<64x32xi8>) outs(%i : memref<32x32xi32>)
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<32x64xf16>, memref<64x32xf16>) outs(%c : memref<32x32xf16>) {
  ^bb0(%x: f16, %y: f16, %o: f16):
    %p = arith.mulf %x, %y : f16
    %s = arith.maximumf %o, %p : f16
    linalg.yield %s : f16
  }
  linalg.matmul ins(%v, %b : memref<1x64xf16>, memref<64x32xf16>) outs(%w : memref<1x32xf16>)
  return
}

// Convolutions are implicit GEMMs of several m and k loops: an f16 one of
// 16 output channels takes the tensor cores, an f32 one only where TF32 is
// allowed; a depthwise one has no n loop and keeps a thread per output.
// CHECK-LABEL: func.func @convs
// CHECK: linalg.conv_2d_nchw_fchw {{.*}}kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>
// CHECK: linalg.conv_2d_nchw_fchw {{.*}}kiln.gpu_lowering_config = #kiln.gpu_lowering_config<shared_memory_tiles, threads = 256>
// CHECK: linalg.depthwise_conv_2d_nchw_chw
// CHECK-NOT: kiln.gpu_lowering_config
// CHECK-SAME: ins
// TF32-LABEL: func.func @convs
// TF32: linalg.conv_2d_nchw_fchw {{.*}}kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>
// TF32: linalg.conv_2d_nchw_fchw {{.*}}kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>
// OLD-LABEL: func.func @convs
// OLD-NOT: tensor_core_mma
func.func @convs(%x: memref<1x8x10x10xf16>, %w: memref<16x8x3x3xf16>, %y: memref<1x16x8x8xf16>,
                 %u: memref<1x8x10x10xf32>, %v: memref<16x8x3x3xf32>, %z: memref<1x16x8x8xf32>,
                 %d: memref<8x3x3xf16>, %e: memref<1x8x8x8xf16>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : memref<1x8x10x10xf16>, memref<16x8x3x3xf16>) outs(%y : memref<1x16x8x8xf16>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%u, %v : memref<1x8x10x10xf32>, memref<16x8x3x3xf32>) outs(%z : memref<1x16x8x8xf32>)
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %d : memref<1x8x10x10xf16>, memref<8x3x3xf16>) outs(%e : memref<1x8x8x8xf16>)
  return
}
