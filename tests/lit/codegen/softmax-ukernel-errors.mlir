// RUN: kiln-opt %s --split-input-file --kiln-softmax-ukernel -verify-diagnostics

// A configuration the kernel cannot follow is an error: not the last dim,
// f64, tensors.

func.func @not_last(%x: memref<3x5xf32>, %y: memref<3x5xf32>) {
  // expected-error @below {{has the softmax_ukernel strategy but does not reduce its last dim}}
  linalg.softmax {kiln.lowering_config = #kiln.lowering_config<softmax_ukernel, sse>} dimension(0)
    ins(%x : memref<3x5xf32>) outs(%y : memref<3x5xf32>)
  return
}

// -----

func.func @f64(%x: memref<3x5xf64>, %y: memref<3x5xf64>) {
  // expected-error @below {{has the softmax_ukernel strategy but is not a linalg.softmax on f32 buffers}}
  linalg.softmax {kiln.lowering_config = #kiln.lowering_config<softmax_ukernel, sse>} dimension(1)
    ins(%x : memref<3x5xf64>) outs(%y : memref<3x5xf64>)
  return
}

// -----

func.func @tensors(%x: tensor<3x5xf32>, %y: tensor<3x5xf32>) -> tensor<3x5xf32> {
  // expected-error @below {{has the softmax_ukernel strategy but is not a linalg.softmax on f32 buffers}}
  %r = linalg.softmax {kiln.lowering_config = #kiln.lowering_config<softmax_ukernel, sse>} dimension(1)
    ins(%x : tensor<3x5xf32>) outs(%y : tensor<3x5xf32>) -> tensor<3x5xf32>
  return %r : tensor<3x5xf32>
}
