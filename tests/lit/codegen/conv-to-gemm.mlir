// RUN: kiln-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-conv-to-gemm),canonicalize,cse)" | FileCheck %s

// The pass rewrites the convolutions whose lowering configuration is
// im2col_gemm; the contraction it makes takes the gemm_ukernel strategy
// for the same ISA.

// A strided 3x3 convolution with symbolic batch and image sizes: an im2col
// generic reading x at o * 2 + k, then one contraction over (n, f, p, k)
// with the weights shared by every image, expanded back to NCHW.

// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4 * 2 + d2, d5 * 2 + d3)>
// CHECK-DAG: #[[W:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-DAG: #[[X:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[Y:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @strided(
// CHECK:         %[[EMPTY:.*]] = tensor.empty(%{{.*}}, %{{.*}}, %{{.*}}) : tensor<?x3x3x3x?x?xf32>
// CHECK:         %[[COLS:.*]] = linalg.generic {indexing_maps = [#[[COL]], {{.*}}]{{.*}} ins(%arg0 : tensor<?x3x?x?xf32>) outs(%[[EMPTY]]
// CHECK:         %[[C2:.*]] = tensor.collapse_shape %[[COLS]] {{\[}}[0], [1, 2, 3], [4, 5]] : tensor<?x3x3x3x?x?xf32> into tensor<?x27x?xf32>
// CHECK:         %[[W2:.*]] = tensor.collapse_shape %arg1 {{\[}}[0], [1, 2, 3]] : tensor<8x3x3x3xf32> into tensor<8x27xf32>
// CHECK:         %[[Y3:.*]] = tensor.collapse_shape %arg2 {{\[}}[0], [1], [2, 3]] : tensor<?x8x?x?xf32> into tensor<?x8x?xf32>
// CHECK:         %[[P:.*]] = linalg.generic {indexing_maps = [#[[W]], #[[X]], #[[Y]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[W2]], %[[C2]] : tensor<8x27xf32>, tensor<?x27x?xf32>) outs(%[[Y3]] : tensor<?x8x?xf32>)
// CHECK-SAME:        attrs = {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>}
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK:         tensor.expand_shape %[[P]] {{\[}}[0], [1], [2, 3]]
// CHECK-NOT:     linalg.conv_2d
func.func @strided(%x: tensor<?x3x?x?xf32>, %w: tensor<8x3x3x3xf32>, %y: tensor<?x8x?x?xf32>) -> tensor<?x8x?x?xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>,
                                kiln.lowering_config = #kiln.lowering_config<im2col_gemm, avx2>}
    ins(%x, %w : tensor<?x3x?x?xf32>, tensor<8x3x3x3xf32>) outs(%y : tensor<?x8x?x?xf32>) -> tensor<?x8x?x?xf32>
  return %r : tensor<?x8x?x?xf32>
}

// -----

// Pointwise: no columns, x is read as [N, C, pixels].

// CHECK-LABEL: func.func @pointwise(
// CHECK-NOT:     tensor.empty
// CHECK:         %[[X3:.*]] = tensor.collapse_shape %arg0 {{\[}}[0], [1], [2, 3]] : tensor<1x128x28x28xf32> into tensor<1x128x784xf32>
// CHECK:         %[[W2:.*]] = tensor.collapse_shape %arg1 {{\[}}[0], [1, 2, 3]] : tensor<256x128x1x1xf32> into tensor<256x128xf32>
// CHECK:         linalg.generic {{.*}} ins(%[[W2]], %[[X3]] : tensor<256x128xf32>, tensor<1x128x784xf32>)
func.func @pointwise(%x: tensor<1x128x28x28xf32>, %w: tensor<256x128x1x1xf32>, %y: tensor<1x256x28x28xf32>) -> tensor<1x256x28x28xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                kiln.lowering_config = #kiln.lowering_config<im2col_gemm, avx512>}
    ins(%x, %w : tensor<1x128x28x28xf32>, tensor<256x128x1x1xf32>) outs(%y : tensor<1x256x28x28xf32>) -> tensor<1x256x28x28xf32>
  return %r : tensor<1x256x28x28xf32>
}

// -----

// 1-D with a long kernel and a dilation: columns [N, C*K, OW].

// CHECK-DAG: #[[COL1:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3 * 160 + d2 * 2)>
// CHECK-LABEL: func.func @conv1d(
// CHECK:         linalg.generic {indexing_maps = [#[[COL1]], {{.*}}]{{.*}} outs(%{{.*}} : tensor<?x1x512x?xf32>)
// CHECK:         tensor.collapse_shape %{{.*}} {{\[}}[0], [1, 2], [3]] : tensor<?x1x512x?xf32> into tensor<?x512x?xf32>
func.func @conv1d(%x: tensor<?x1x?xf32>, %w: tensor<257x1x512xf32>, %y: tensor<?x257x?xf32>) -> tensor<?x257x?xf32> {
  %r = linalg.conv_1d_ncw_fcw {dilations = dense<2> : tensor<1xi64>, strides = dense<160> : tensor<1xi64>,
                             kiln.lowering_config = #kiln.lowering_config<im2col_gemm, sse>}
    ins(%x, %w : tensor<?x1x?xf32>, tensor<257x1x512xf32>) outs(%y : tensor<?x257x?xf32>) -> tensor<?x257x?xf32>
  return %r : tensor<?x257x?xf32>
}

// -----

// A convolution without the im2col_gemm strategy keeps its op.

// CHECK-LABEL: func.func @unconfigured(
// CHECK:         linalg.conv_2d_nchw_fchw
func.func @unconfigured(%x: tensor<1x2x5x5xf32>, %w: tensor<2x2x3x3xf32>, %y: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x2x5x5xf32>, tensor<2x2x3x3xf32>) outs(%y : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %r : tensor<1x2x3x3xf32>
}

// -----

// im2col_gemm_pixels: the columns are written [N, P, C*K] (the generic's
// loops in that order, so it stores contiguously) and are the GEMM's A,
// the weights [F, C*K] its B; the product is written into y [N, F, P]
// through the map (n, f, p): the GEMM's C^T, no transposes.

// CHECK-DAG: #[[COLS:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d3, d1 * 2 + d4, d2 * 2 + d5)>
// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-DAG: #[[CT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @pixel_rows(
// CHECK:         %[[COL:.*]] = linalg.generic {indexing_maps = [#[[COLS]], #{{.*}}]{{.*}} ins(%arg0 : tensor<1x8x9x9xf32>) outs(%{{.*}} : tensor<1x4x4x8x3x3xf32>)
// CHECK:         %[[A2:.*]] = tensor.collapse_shape %[[COL]] {{\[}}[0], [1, 2], [3, 4, 5]] : tensor<1x4x4x8x3x3xf32> into tensor<1x16x72xf32>
// CHECK:         %[[W2:.*]] = tensor.collapse_shape %arg1 {{\[}}[0], [1, 2, 3]] : tensor<130x8x3x3xf32> into tensor<130x72xf32>
// CHECK:         %[[Y3:.*]] = tensor.collapse_shape %arg2 {{\[}}[0], [1], [2, 3]] : tensor<1x130x4x4xf32> into tensor<1x130x16xf32>
// CHECK-NOT:     linalg.transpose
// CHECK:         %[[P:.*]] = linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[CT]]]{{.*}} ins(%[[A2]], %[[W2]] : tensor<1x16x72xf32>, tensor<130x72xf32>) outs(%[[Y3]] : tensor<1x130x16xf32>) attrs = {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx512>}
// CHECK-NOT:     linalg.transpose
// CHECK:         tensor.expand_shape %[[P]]
func.func @pixel_rows(%x: tensor<1x8x9x9xf32>, %w: tensor<130x8x3x3xf32>, %y: tensor<1x130x4x4xf32>) -> tensor<1x130x4x4xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>,
                                 kiln.lowering_config = #kiln.lowering_config<im2col_gemm_pixels, avx512>}
    ins(%x, %w : tensor<1x8x9x9xf32>, tensor<130x8x3x3xf32>) outs(%y : tensor<1x130x4x4xf32>) -> tensor<1x130x4x4xf32>
  return %r : tensor<1x130x4x4xf32>
}

// -----

// im2col_gemm_pixels, pointwise: no columns either; the GEMM's A is x
// [N, C, P] read transposed (its map (n, k, p)), its C^T y [N, F, P].

// CHECK-DAG: #[[AT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[BW:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-DAG: #[[CT:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @pixel_rows_pointwise(
// CHECK-NOT:     linalg.generic {{.*}} ins(%arg0
// CHECK:         %[[X3:.*]] = tensor.collapse_shape %arg0 {{\[}}[0], [1], [2, 3]] : tensor<1x520x7x7xf32> into tensor<1x520x49xf32>
// CHECK:         %[[W2:.*]] = tensor.collapse_shape %arg1 {{\[}}[0], [1, 2, 3]] : tensor<160x520x1x1xf32> into tensor<160x520xf32>
// CHECK:         %[[Y3:.*]] = tensor.collapse_shape %arg2
// CHECK-NOT:     linalg.transpose
// CHECK:         linalg.generic {indexing_maps = [#[[AT]], #[[BW]], #[[CT]]]{{.*}} ins(%[[X3]], %[[W2]] : tensor<1x520x49xf32>, tensor<160x520xf32>) outs(%[[Y3]] : tensor<1x160x49xf32>)
// CHECK-NOT:     linalg.transpose
func.func @pixel_rows_pointwise(%x: tensor<1x520x7x7xf32>, %w: tensor<160x520x1x1xf32>, %y: tensor<1x160x7x7xf32>) -> tensor<1x160x7x7xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                 kiln.lowering_config = #kiln.lowering_config<im2col_gemm_pixels, avx512>}
    ins(%x, %w : tensor<1x520x7x7xf32>, tensor<160x520x1x1xf32>) outs(%y : tensor<1x160x7x7xf32>) -> tensor<1x160x7x7xf32>
  return %r : tensor<1x160x7x7xf32>
}
