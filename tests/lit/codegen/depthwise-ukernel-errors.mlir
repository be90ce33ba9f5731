// RUN: kiln-opt %s --split-input-file --kiln-depthwise-ukernel -verify-diagnostics

// A configuration the kernel cannot follow is an error: f64, tensors.

func.func @f64(%x: memref<1x2x5x5xf64>, %w: memref<2x3x3xf64>, %y: memref<1x2x3x3xf64>) {
  // expected-error @below {{has the depthwise_ukernel strategy but is not a linalg.depthwise_conv_2d_nchw_chw on f32 buffers}}
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                     kiln.lowering_config = #kiln.lowering_config<depthwise_ukernel, sse>}
    ins(%x, %w : memref<1x2x5x5xf64>, memref<2x3x3xf64>) outs(%y : memref<1x2x3x3xf64>)
  return
}

// -----

func.func @tensors(%x: tensor<1x2x5x5xf32>, %w: tensor<2x3x3xf32>, %y: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  // expected-error @below {{has the depthwise_ukernel strategy but is not a linalg.depthwise_conv_2d_nchw_chw on f32 buffers}}
  %r = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                          kiln.lowering_config = #kiln.lowering_config<depthwise_ukernel, sse>}
    ins(%x, %w : tensor<1x2x5x5xf32>, tensor<2x3x3xf32>) outs(%y : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %r : tensor<1x2x3x3xf32>
}
