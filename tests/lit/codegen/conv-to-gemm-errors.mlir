// RUN: kiln-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-conv-to-gemm))" -verify-diagnostics

// An im2col_gemm configuration the rewrite cannot follow is an error: f64,
// dynamic kernel sizes, an op that is not a convolution.

func.func @f64(%x: tensor<1x2x5x5xf64>, %w: tensor<2x2x3x3xf64>, %y: tensor<1x2x3x3xf64>) -> tensor<1x2x3x3xf64> {
  // expected-error @below {{im2col_gemm needs f32 operands}}
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                kiln.lowering_config = #kiln.lowering_config<im2col_gemm, avx2>}
    ins(%x, %w : tensor<1x2x5x5xf64>, tensor<2x2x3x3xf64>) outs(%y : tensor<1x2x3x3xf64>) -> tensor<1x2x3x3xf64>
  return %r : tensor<1x2x3x3xf64>
}

// -----

func.func @dynamic_kernel(%x: tensor<1x2x5x5xf32>, %w: tensor<2x2x?x?xf32>, %y: tensor<1x2x?x?xf32>) -> tensor<1x2x?x?xf32> {
  // expected-error @below {{im2col_gemm needs static channel and kernel sizes}}
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                kiln.lowering_config = #kiln.lowering_config<im2col_gemm, avx2>}
    ins(%x, %w : tensor<1x2x5x5xf32>, tensor<2x2x?x?xf32>) outs(%y : tensor<1x2x?x?xf32>) -> tensor<1x2x?x?xf32>
  return %r : tensor<1x2x?x?xf32>
}

// -----

func.func @matmul(%a: tensor<4x4xf32>, %c: tensor<4x4xf32>) -> tensor<4x4xf32> {
  // expected-error @below {{has the im2col_gemm strategy but is not a conv_1d_ncw_fcw, conv_2d_nchw_fchw or conv_3d_ncdhw_fcdhw}}
  %r = linalg.matmul {kiln.lowering_config = #kiln.lowering_config<im2col_gemm, avx2>} ins(%a, %a : tensor<4x4xf32>, tensor<4x4xf32>) outs(%c : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}
