// RUN: kiln-opt %s --split-input-file --kiln-transpose-ukernel -verify-diagnostics

// A configuration the kernel cannot follow is an error: i32, tensors, a
// rank above six.

func.func @i32(%x: memref<3x5xi32>, %y: memref<5x3xi32>) {
  // expected-error @below {{has the transpose_ukernel strategy but is not a linalg.transpose on f32 buffers}}
  linalg.transpose ins(%x : memref<3x5xi32>) outs(%y : memref<5x3xi32>) permutation = [1, 0]
    {kiln.lowering_config = #kiln.lowering_config<transpose_ukernel, sse>}
  return
}

// -----

func.func @tensors(%x: tensor<3x5xf32>, %y: tensor<5x3xf32>) -> tensor<5x3xf32> {
  // expected-error @below {{has the transpose_ukernel strategy but is not a linalg.transpose on f32 buffers}}
  %r = linalg.transpose ins(%x : tensor<3x5xf32>) outs(%y : tensor<5x3xf32>) permutation = [1, 0]
    {kiln.lowering_config = #kiln.lowering_config<transpose_ukernel, sse>}
  return %r : tensor<5x3xf32>
}

// -----

func.func @rank7(%x: memref<1x2x1x2x1x2x3xf32>, %y: memref<3x2x1x2x1x2x1xf32>) {
  // expected-error @below {{has the transpose_ukernel strategy but rank 7 (the kernel takes up to 6)}}
  linalg.transpose ins(%x : memref<1x2x1x2x1x2x3xf32>) outs(%y : memref<3x2x1x2x1x2x1xf32>) permutation = [6, 5, 4, 3, 2, 1, 0]
    {kiln.lowering_config = #kiln.lowering_config<transpose_ukernel, sse>}
  return
}
