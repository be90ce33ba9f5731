// RUN: kiln-opt %s --split-input-file --kiln-select-lowering | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-select-lowering=vectorize=0 | FileCheck %s --check-prefix=NOVEC

// The CPU strategy layer on an AVX-512 target: the ukernels for f32
// depthwise and 1-D and 2-D convolutions (any strides; pointwise ones with
// unit strides go to im2col_gemm, which makes them a GEMM), im2col for 3-D
// ones, the GEMM kernel for contractions;
// register tiles for the rest (8x32 for 32 zmm registers); a configuration
// already there is kept. Without vectorize, no tile_and_vectorize.

// CHECK-LABEL: func.func @ops(
// CHECK:         linalg.depthwise_conv_2d_nchw_chw {{.*}}kiln.lowering_config = #kiln.lowering_config<depthwise_ukernel, avx512>
// CHECK:         linalg.conv_2d_nchw_fchw {{.*}}kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>
// CHECK:         linalg.conv_2d_nchw_fchw {{.*}}kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>
// CHECK:         linalg.conv_2d_nchw_fchw {{.*}}kiln.lowering_config = #kiln.lowering_config<im2col_gemm, avx512>
// CHECK:         linalg.conv_1d_ncw_fcw {{.*}}kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>
// CHECK:         linalg.conv_3d_ncdhw_fcdhw {{.*}}kiln.lowering_config = #kiln.lowering_config<im2col_gemm, avx512>
// CHECK:         linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx512>}
// CHECK:         linalg.batch_matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx512>}
// CHECK:         linalg.matmul {kiln.lowering_config = #kiln.lowering_config<tile_and_vectorize, avx512, parallel = [8, 32, 0], reduction = [0, 0, 16]>}
// CHECK:         linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, sse>}
// CHECK:         linalg.generic
// CHECK-NOT:       kiln.lowering_config
// CHECK:         return
// NOVEC-LABEL: func.func @ops(
// NOVEC:         linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx512>}
// NOVEC:         linalg.batch_matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx512>}
// NOVEC:         linalg.matmul ins
module attributes {kiln.target = #kiln.target<isa = avx512, vector_bits = 512, vector_registers = 32, l1_bytes = 49152, l2_bytes = 1048576>} {
  func.func @ops(%x: tensor<1x8x10x10xf32>, %dw: tensor<8x3x3xf32>, %ydw: tensor<1x8x8x8xf32>,
                 %w: tensor<4x8x3x3xf32>, %y: tensor<1x4x8x8xf32>, %y2: tensor<1x4x4x4xf32>,
                 %w1: tensor<4x8x1x1xf32>, %y1: tensor<1x4x10x10xf32>,
                 %x1d: tensor<1x1x100xf32>, %w1d: tensor<3x1x10xf32>, %y1d: tensor<1x3x10xf32>,
                 %x3d: tensor<1x2x4x4x4xf32>, %w3d: tensor<3x2x3x3x3xf32>, %y3d: tensor<1x3x2x2x2xf32>,
                 %a: tensor<?x16xf32>, %b: tensor<16x32xf32>, %c: tensor<?x32xf32>,
                 %ba: tensor<2x4x16xf32>, %bb: tensor<2x16x8xf32>, %bc: tensor<2x4x8xf32>,
                 %h: tensor<4x16xf16>, %hb: tensor<16x32xf16>, %hc: tensor<4x32xf16>) {
    %0 = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %dw : tensor<1x8x10x10xf32>, tensor<8x3x3xf32>) outs(%ydw : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    %1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x8x10x10xf32>, tensor<4x8x3x3xf32>) outs(%y : tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
    %2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<1x8x10x10xf32>, tensor<4x8x3x3xf32>) outs(%y2 : tensor<1x4x4x4xf32>) -> tensor<1x4x4x4xf32>
    %3 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w1 : tensor<1x8x10x10xf32>, tensor<4x8x1x1xf32>) outs(%y1 : tensor<1x4x10x10xf32>) -> tensor<1x4x10x10xf32>
    %4 = linalg.conv_1d_ncw_fcw {dilations = dense<1> : tensor<1xi64>, strides = dense<10> : tensor<1xi64>}
      ins(%x1d, %w1d : tensor<1x1x100xf32>, tensor<3x1x10xf32>) outs(%y1d : tensor<1x3x10xf32>) -> tensor<1x3x10xf32>
    %c3d = linalg.conv_3d_ncdhw_fcdhw {dilations = dense<1> : tensor<3xi64>, strides = dense<1> : tensor<3xi64>}
      ins(%x3d, %w3d : tensor<1x2x4x4x4xf32>, tensor<3x2x3x3x3xf32>) outs(%y3d : tensor<1x3x2x2x2xf32>) -> tensor<1x3x2x2x2xf32>
    %5 = linalg.matmul ins(%a, %b : tensor<?x16xf32>, tensor<16x32xf32>) outs(%c : tensor<?x32xf32>) -> tensor<?x32xf32>
    %6 = linalg.batch_matmul ins(%ba, %bb : tensor<2x4x16xf32>, tensor<2x16x8xf32>) outs(%bc : tensor<2x4x8xf32>) -> tensor<2x4x8xf32>
    %7 = linalg.matmul ins(%h, %hb : tensor<4x16xf16>, tensor<16x32xf16>) outs(%hc : tensor<4x32xf16>) -> tensor<4x32xf16>
    %8 = linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, sse>} ins(%a, %b : tensor<?x16xf32>, tensor<16x32xf32>) outs(%c : tensor<?x32xf32>) -> tensor<?x32xf32>
    %9 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} outs(%c : tensor<?x32xf32>) {
    ^bb0(%out: f32):
      linalg.yield %out : f32
    } -> tensor<?x32xf32>
    return
  }
}

// -----

// AVX2 (16 ymm registers of 8 floats): the same ukernels, 4x16 tiles; a
// grouped convolution, even strided, takes the implicit GEMM.

// CHECK-LABEL: func.func @avx2(
// CHECK:         linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>}
// CHECK:         linalg.matmul {kiln.lowering_config = #kiln.lowering_config<tile_and_vectorize, avx2, parallel = [4, 16, 0], reduction = [0, 0, 16]>}
// CHECK:         linalg.conv_2d_nchw_fchw {{.*}}kiln.lowering_config = #kiln.lowering_config<tile_and_vectorize, avx2, parallel = [1, 8, 1, 4, 0, 0, 0], reduction = [0, 0, 0, 0, 8, 1, 1]>
// CHECK:         linalg.conv_2d_ngchw_gfchw {{.*}}kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx2>
module attributes {kiln.target = #kiln.target<isa = avx2, vector_bits = 256, vector_registers = 16, l1_bytes = 32768, l2_bytes = 524288>} {
  func.func @avx2(%a: tensor<?x16xf32>, %b: tensor<16x32xf32>, %c: tensor<?x32xf32>,
                  %h: tensor<4x16xf16>, %hb: tensor<16x32xf16>, %hc: tensor<4x32xf16>,
                  %x: tensor<1x8x10x10xf16>, %w: tensor<4x8x3x3xf16>, %y: tensor<1x4x8x8xf16>,
                  %gx: tensor<1x2x4x9x9xf32>, %gw: tensor<2x3x4x3x3xf32>, %gy: tensor<1x2x3x4x4xf32>) {
    %0 = linalg.matmul ins(%a, %b : tensor<?x16xf32>, tensor<16x32xf32>) outs(%c : tensor<?x32xf32>) -> tensor<?x32xf32>
    %1 = linalg.matmul ins(%h, %hb : tensor<4x16xf16>, tensor<16x32xf16>) outs(%hc : tensor<4x32xf16>) -> tensor<4x32xf16>
    %2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x8x10x10xf16>, tensor<4x8x3x3xf16>) outs(%y : tensor<1x4x8x8xf16>) -> tensor<1x4x8x8xf16>
    %3 = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%gx, %gw : tensor<1x2x4x9x9xf32>, tensor<2x3x4x3x3xf32>) outs(%gy : tensor<1x2x3x4x4xf32>) -> tensor<1x2x3x4x4xf32>
    return
  }
}

// -----

// Baseline x86-64 (SSE2: 16 xmm registers of 4 floats).

// CHECK-LABEL: func.func @sse(
// CHECK:         linalg.depthwise_conv_2d_nchw_chw {{.*}}kiln.lowering_config = #kiln.lowering_config<depthwise_ukernel, sse>
// CHECK:         linalg.matmul {kiln.lowering_config = #kiln.lowering_config<tile_and_vectorize, sse, parallel = [4, 8, 0], reduction = [0, 0, 16]>}
module attributes {kiln.target = #kiln.target<isa = sse, vector_bits = 128, vector_registers = 16, l1_bytes = 32768, l2_bytes = 262144>} {
  func.func @sse(%x: tensor<1x8x10x10xf32>, %dw: tensor<8x3x3xf32>, %ydw: tensor<1x8x8x8xf32>,
                 %h: tensor<4x16xf16>, %hb: tensor<16x32xf16>, %hc: tensor<4x32xf16>) {
    %0 = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %dw : tensor<1x8x10x10xf32>, tensor<8x3x3xf32>) outs(%ydw : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    %1 = linalg.matmul ins(%h, %hb : tensor<4x16xf16>, tensor<16x32xf16>) outs(%hc : tensor<4x32xf16>) -> tensor<4x32xf16>
    return
  }
}

// -----

// A batched matmul of 16-bit floats gets no configuration (its vectors
// would be 3-D): it runs as loops.

// CHECK-LABEL: func.func @batch_f16(
// CHECK:         linalg.batch_matmul ins
// CHECK-NOT:     kiln.lowering_config
module attributes {kiln.target = #kiln.target<isa = avx512, vector_bits = 512, vector_registers = 32, l1_bytes = 49152, l2_bytes = 1048576>} {
  func.func @batch_f16(%a: tensor<1x4x8xf16>, %b: tensor<1x8x6xf16>, %c: tensor<1x4x6xf16>) -> tensor<1x4x6xf16> {
    %0 = linalg.batch_matmul ins(%a, %b : tensor<1x4x8xf16>, tensor<1x8x6xf16>) outs(%c : tensor<1x4x6xf16>) -> tensor<1x4x6xf16>
    return %0 : tensor<1x4x6xf16>
  }
}

// -----

// Softmax: f32 along the last dim takes the row kernel; along another dim,
// or on f64, it is left for kiln-decompose-aggregates.

// CHECK-LABEL: func.func @softmax(
// CHECK:         linalg.softmax {kiln.lowering_config = #kiln.lowering_config<softmax_ukernel, avx2>} dimension(2)
// CHECK:         linalg.softmax dimension(1)
// CHECK:         linalg.softmax dimension(1)
module attributes {kiln.target = #kiln.target<isa = avx2, vector_bits = 256, vector_registers = 16, l1_bytes = 32768, l2_bytes = 1048576>} {
  func.func @softmax(%x: tensor<2x3x4xf32>, %d: tensor<2x3xf64>) -> (tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3xf64>) {
    %e = tensor.empty() : tensor<2x3x4xf32>
    %a = linalg.softmax dimension(2) ins(%x : tensor<2x3x4xf32>) outs(%e : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
    %b = linalg.softmax dimension(1) ins(%x : tensor<2x3x4xf32>) outs(%e : tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
    %e2 = tensor.empty() : tensor<2x3xf64>
    %c = linalg.softmax dimension(1) ins(%d : tensor<2x3xf64>) outs(%e2 : tensor<2x3xf64>) -> tensor<2x3xf64>
    return %a, %b, %c : tensor<2x3x4xf32>, tensor<2x3x4xf32>, tensor<2x3xf64>
  }
}

// -----

// An i16 x i16 -> i32 matmul (MatMulInteger's) takes the GEMM kernel when
// its operands are sign-extended; zero-extended ones get register tiles.

// CHECK-LABEL: func.func @int16(
// CHECK:         linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>}
// CHECK:         linalg.matmul {cast = #linalg.type_fn<cast_unsigned>, kiln.lowering_config = #kiln.lowering_config<tile_and_vectorize, avx2
module attributes {kiln.target = #kiln.target<isa = avx2, vector_bits = 256, vector_registers = 16, l1_bytes = 32768, l2_bytes = 1048576>} {
  func.func @int16(%a: tensor<4x8xi16>, %b: tensor<8x5xi16>, %c: tensor<4x5xi32>) -> (tensor<4x5xi32>, tensor<4x5xi32>) {
    %r = linalg.matmul ins(%a, %b : tensor<4x8xi16>, tensor<8x5xi16>) outs(%c : tensor<4x5xi32>) -> tensor<4x5xi32>
    %u = linalg.matmul {cast = #linalg.type_fn<cast_unsigned>} ins(%a, %b : tensor<4x8xi16>, tensor<8x5xi16>) outs(%c : tensor<4x5xi32>) -> tensor<4x5xi32>
    return %r, %u : tensor<4x5xi32>, tensor<4x5xi32>
  }
}

// -----

// A 3x3 convolution with at most 64 output pixels, 128 or more filters and
// K = C * 9 of 512 or more takes im2col with the pixels as rows (AVX2); a
// 14x14 output (196 pixels) and a symbolic one stay on the convolution
// kernel. With AVX-512 all three do: it has the filters in the lanes.

// CHECK-LABEL: func.func @pixel_rows(
// CHECK:         linalg.conv_2d_nchw_fchw {{.*}}kiln.lowering_config = #kiln.lowering_config<im2col_gemm_pixels, avx2>
// CHECK:         linalg.conv_2d_nchw_fchw {{.*}}kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx2>
// CHECK:         linalg.conv_2d_nchw_fchw {{.*}}kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx2>
module attributes {kiln.target = #kiln.target<isa = avx2, vector_bits = 256, vector_registers = 16, l1_bytes = 49152, l2_bytes = 1048576>} {
  func.func @pixel_rows(%x7: tensor<1x64x9x9xf32>, %x14: tensor<1x64x16x16xf32>, %xd: tensor<1x64x?x?xf32>, %w: tensor<128x64x3x3xf32>,
                        %y7: tensor<1x128x7x7xf32>, %y14: tensor<1x128x14x14xf32>, %yd: tensor<1x128x?x?xf32>)
      -> (tensor<1x128x7x7xf32>, tensor<1x128x14x14xf32>, tensor<1x128x?x?xf32>) {
    %a = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x7, %w : tensor<1x64x9x9xf32>, tensor<128x64x3x3xf32>) outs(%y7 : tensor<1x128x7x7xf32>) -> tensor<1x128x7x7xf32>
    %b = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x14, %w : tensor<1x64x16x16xf32>, tensor<128x64x3x3xf32>) outs(%y14 : tensor<1x128x14x14xf32>) -> tensor<1x128x14x14xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%xd, %w : tensor<1x64x?x?xf32>, tensor<128x64x3x3xf32>) outs(%yd : tensor<1x128x?x?xf32>) -> tensor<1x128x?x?xf32>
    return %a, %b, %c : tensor<1x128x7x7xf32>, tensor<1x128x14x14xf32>, tensor<1x128x?x?xf32>
  }
}

// -----

// CHECK-LABEL: func.func @pixel_rows_avx512(
// CHECK:         linalg.conv_2d_nchw_fchw {{.*}}kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>
// CHECK:         linalg.conv_2d_nchw_fchw {{.*}}kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>
// CHECK:         linalg.conv_2d_nchw_fchw {{.*}}kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>
module attributes {kiln.target = #kiln.target<isa = avx512, vector_bits = 512, vector_registers = 32, l1_bytes = 49152, l2_bytes = 1048576>} {
  func.func @pixel_rows_avx512(%x7: tensor<1x64x9x9xf32>, %x14: tensor<1x64x16x16xf32>, %xd: tensor<1x64x?x?xf32>, %w: tensor<128x64x3x3xf32>,
                        %y7: tensor<1x128x7x7xf32>, %y14: tensor<1x128x14x14xf32>, %yd: tensor<1x128x?x?xf32>)
      -> (tensor<1x128x7x7xf32>, tensor<1x128x14x14xf32>, tensor<1x128x?x?xf32>) {
    %a = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x7, %w : tensor<1x64x9x9xf32>, tensor<128x64x3x3xf32>) outs(%y7 : tensor<1x128x7x7xf32>) -> tensor<1x128x7x7xf32>
    %b = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x14, %w : tensor<1x64x16x16xf32>, tensor<128x64x3x3xf32>) outs(%y14 : tensor<1x128x14x14xf32>) -> tensor<1x128x14x14xf32>
    %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%xd, %w : tensor<1x64x?x?xf32>, tensor<128x64x3x3xf32>) outs(%yd : tensor<1x128x?x?xf32>) -> tensor<1x128x?x?xf32>
    return %a, %b, %c : tensor<1x128x7x7xf32>, tensor<1x128x14x14xf32>, tensor<1x128x?x?xf32>
  }
}

// -----

// Pointwise on a small image: with AVX-512, filters in whole panels of 64
// (or more than 256) and K of 64 or more take the convolution kernel
// (filters in the lanes); other counts of 64 or more filters with K of 64
// or more take pixel rows (the GEMM stores C^T tiles transposed in
// registers); with AVX2 only K of 512 or more (here 320: a plain GEMM).

// CHECK-LABEL: func.func @pointwise_pixel_rows(
// CHECK:         linalg.conv_2d_nchw_fchw {{.*}}kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>
// CHECK:         linalg.conv_2d_nchw_fchw {{.*}}kiln.lowering_config = #kiln.lowering_config<im2col_gemm_pixels, avx512>
// CHECK-LABEL: func.func @pointwise_pixel_rows_avx2(
// CHECK:         linalg.conv_2d_nchw_fchw {{.*}}kiln.lowering_config = #kiln.lowering_config<im2col_gemm, avx2>
module attributes {kiln.target = #kiln.target<isa = avx512, vector_bits = 512, vector_registers = 32, l1_bytes = 49152, l2_bytes = 1048576>} {
  func.func @pointwise_pixel_rows(%x: tensor<1x320x7x7xf32>, %w: tensor<1280x320x1x1xf32>, %y: tensor<1x1280x7x7xf32>,
                                  %x2: tensor<1x960x7x7xf32>, %w2: tensor<160x960x1x1xf32>, %y2: tensor<1x160x7x7xf32>)
      -> (tensor<1x1280x7x7xf32>, tensor<1x160x7x7xf32>) {
    %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x320x7x7xf32>, tensor<1280x320x1x1xf32>) outs(%y : tensor<1x1280x7x7xf32>) -> tensor<1x1280x7x7xf32>
    %r2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x2, %w2 : tensor<1x960x7x7xf32>, tensor<160x960x1x1xf32>) outs(%y2 : tensor<1x160x7x7xf32>) -> tensor<1x160x7x7xf32>
    return %r, %r2 : tensor<1x1280x7x7xf32>, tensor<1x160x7x7xf32>
  }
}

// -----

module attributes {kiln.target = #kiln.target<isa = avx2, vector_bits = 256, vector_registers = 16, l1_bytes = 49152, l2_bytes = 1048576>} {
  func.func @pointwise_pixel_rows_avx2(%x: tensor<1x320x7x7xf32>, %w: tensor<1280x320x1x1xf32>, %y: tensor<1x1280x7x7xf32>) -> tensor<1x1280x7x7xf32> {
    %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x320x7x7xf32>, tensor<1280x320x1x1xf32>) outs(%y : tensor<1x1280x7x7xf32>) -> tensor<1x1280x7x7xf32>
    return %r : tensor<1x1280x7x7xf32>
  }
}

// -----

// f32 max and sum pools, 2-D and 1-D, take the pooling kernel; an f64 one
// stays a loop nest.

// CHECK-LABEL: func.func @pools(
// CHECK:         linalg.pooling_nchw_max {{.*}}kiln.lowering_config = #kiln.lowering_config<pool_ukernel, avx512>
// CHECK:         linalg.pooling_ncw_sum {{.*}}kiln.lowering_config = #kiln.lowering_config<pool_ukernel, avx512>
// CHECK:         linalg.pooling_nchw_max
// CHECK-NOT:       kiln.lowering_config
// CHECK:         return
module attributes {kiln.target = #kiln.target<isa = avx512, vector_bits = 512, vector_registers = 32, l1_bytes = 49152, l2_bytes = 1048576>} {
  func.func @pools(%x: tensor<1x8x10x10xf32>, %w: tensor<3x3xf32>, %y: tensor<1x8x8x8xf32>,
                   %x1: tensor<1x8x10xf32>, %w1: tensor<3xf32>, %y1: tensor<1x8x8xf32>,
                   %xd: tensor<1x8x10x10xf64>, %wd: tensor<3x3xf64>, %yd: tensor<1x8x8x8xf64>)
      -> (tensor<1x8x8x8xf32>, tensor<1x8x8xf32>, tensor<1x8x8x8xf64>) {
    %0 = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x8x10x10xf32>, tensor<3x3xf32>) outs(%y : tensor<1x8x8x8xf32>) -> tensor<1x8x8x8xf32>
    %1 = linalg.pooling_ncw_sum {dilations = dense<1> : tensor<1xi64>, strides = dense<1> : tensor<1xi64>}
      ins(%x1, %w1 : tensor<1x8x10xf32>, tensor<3xf32>) outs(%y1 : tensor<1x8x8xf32>) -> tensor<1x8x8xf32>
    %2 = linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%xd, %wd : tensor<1x8x10x10xf64>, tensor<3x3xf64>) outs(%yd : tensor<1x8x8x8xf64>) -> tensor<1x8x8x8xf64>
    return %0, %1, %2 : tensor<1x8x8x8xf32>, tensor<1x8x8xf32>, tensor<1x8x8x8xf64>
  }
}

// -----

// Transposes of f32 up to rank 6 take the transpose kernel; an i32 one and
// one of rank 7 stay loops.

// CHECK-LABEL: func.func @transposes(
// CHECK:         linalg.transpose {{.*}}permutation = [0, 2, 3, 1] {kiln.lowering_config = #kiln.lowering_config<transpose_ukernel, avx512>}
// CHECK:         linalg.transpose {{.*}}permutation = [1, 0] {kiln.lowering_config = #kiln.lowering_config<transpose_ukernel, avx512>}
// CHECK:         linalg.transpose
// CHECK-NOT:       kiln.lowering_config
// CHECK:         linalg.transpose
// CHECK-NOT:       kiln.lowering_config
// CHECK:         return
module attributes {kiln.target = #kiln.target<isa = avx512, vector_bits = 512, vector_registers = 32, l1_bytes = 49152, l2_bytes = 1048576>} {
  func.func @transposes(%k: tensor<?x?x4x64xf32>, %m: tensor<3x5xf32>, %i: tensor<3x5xi32>, %r7: tensor<1x2x1x2x1x2x3xf32>)
      -> (tensor<?x4x64x?xf32>, tensor<5x3xf32>, tensor<5x3xi32>, tensor<3x2x1x2x1x2x1xf32>) {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %b = tensor.dim %k, %c0 : tensor<?x?x4x64xf32>
    %s = tensor.dim %k, %c1 : tensor<?x?x4x64xf32>
    %e0 = tensor.empty(%b, %s) : tensor<?x4x64x?xf32>
    %t0 = linalg.transpose ins(%k : tensor<?x?x4x64xf32>) outs(%e0 : tensor<?x4x64x?xf32>) permutation = [0, 2, 3, 1]
    %e1 = tensor.empty() : tensor<5x3xf32>
    %t1 = linalg.transpose ins(%m : tensor<3x5xf32>) outs(%e1 : tensor<5x3xf32>) permutation = [1, 0]
    %e2 = tensor.empty() : tensor<5x3xi32>
    %t2 = linalg.transpose ins(%i : tensor<3x5xi32>) outs(%e2 : tensor<5x3xi32>) permutation = [1, 0]
    %e3 = tensor.empty() : tensor<3x2x1x2x1x2x1xf32>
    %t3 = linalg.transpose ins(%r7 : tensor<1x2x1x2x1x2x3xf32>) outs(%e3 : tensor<3x2x1x2x1x2x1xf32>) permutation = [6, 5, 4, 3, 2, 1, 0]
    return %t0, %t1, %t2, %t3 : tensor<?x4x64x?xf32>, tensor<5x3xf32>, tensor<5x3xi32>, tensor<3x2x1x2x1x2x1xf32>
  }
}
