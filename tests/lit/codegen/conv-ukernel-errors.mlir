// RUN: kiln-opt %s --split-input-file --kiln-conv-ukernel -verify-diagnostics

// A configuration the kernel cannot follow is an error: f64, tensors, an op
// that is not a 1-D or 2-D convolution.

func.func @f64(%x: memref<1x2x5x5xf64>, %w: memref<3x2x3x3xf64>, %y: memref<1x3x3x3xf64>) {
  // expected-error @below {{has the conv_ukernel strategy but is not a linalg.conv_2d_nchw_fchw, conv_2d_ngchw_gfchw or conv_1d_ncw_fcw on f32 buffers}}
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx2>}
    ins(%x, %w : memref<1x2x5x5xf64>, memref<3x2x3x3xf64>) outs(%y : memref<1x3x3x3xf64>)
  return
}

// -----

func.func @tensor(%x: tensor<1x2x5x5xf32>, %w: tensor<3x2x3x3xf32>, %y: tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32> {
  // expected-error @below {{has the conv_ukernel strategy but is not a linalg.conv_2d_nchw_fchw, conv_2d_ngchw_gfchw or conv_1d_ncw_fcw on f32 buffers}}
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx2>}
    ins(%x, %w : tensor<1x2x5x5xf32>, tensor<3x2x3x3xf32>) outs(%y : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  return %r : tensor<1x3x3x3xf32>
}

// -----

func.func @matmul(%a: memref<4x4xf32>, %c: memref<4x4xf32>) {
  // expected-error @below {{has the conv_ukernel strategy but is not a linalg.conv_2d_nchw_fchw, conv_2d_ngchw_gfchw or conv_1d_ncw_fcw on f32 buffers}}
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx2>} ins(%a, %a : memref<4x4xf32>, memref<4x4xf32>) outs(%c : memref<4x4xf32>)
  return
}
