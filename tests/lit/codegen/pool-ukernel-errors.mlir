// RUN: kiln-opt %s --split-input-file --kiln-pool-ukernel -verify-diagnostics

// A configuration the kernel cannot follow is an error: f64, tensors.

func.func @f64(%x: memref<1x2x5x5xf64>, %w: memref<3x3xf64>, %y: memref<1x2x3x3xf64>) {
  // expected-error @below {{has the pool_ukernel strategy but is not a linalg.pooling_nchw_max/sum or pooling_ncw_max/sum on f32 buffers}}
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<pool_ukernel, sse>}
    ins(%x, %w : memref<1x2x5x5xf64>, memref<3x3xf64>) outs(%y : memref<1x2x3x3xf64>)
  return
}

// -----

func.func @tensors(%x: tensor<1x2x5x5xf32>, %w: tensor<3x3xf32>, %y: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  // expected-error @below {{has the pool_ukernel strategy but is not a linalg.pooling_nchw_max/sum or pooling_ncw_max/sum on f32 buffers}}
  %r = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                kiln.lowering_config = #kiln.lowering_config<pool_ukernel, sse>}
    ins(%x, %w : tensor<1x2x5x5xf32>, tensor<3x3xf32>) outs(%y : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %r : tensor<1x2x3x3xf32>
}
