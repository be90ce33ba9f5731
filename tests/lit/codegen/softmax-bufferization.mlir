// RUN: kiln-opt %s --one-shot-bufferize="bufferize-function-boundaries" | FileCheck %s

// Bufferization keeps a linalg.softmax's lowering configuration (MLIR's
// own model for the op drops its attributes): the output is written into
// a new buffer, the input is only read.

// CHECK-LABEL: func.func @softmax(
// CHECK:         %[[Y:.*]] = memref.alloc() {{.*}} : memref<3x5xf32>
// CHECK:         linalg.softmax {kiln.lowering_config = #kiln.lowering_config<softmax_ukernel, avx2>} dimension(1) ins(%arg0 : {{.*}}) outs(%[[Y]] : memref<3x5xf32>)
// CHECK:         return %[[Y]]
func.func @softmax(%x: tensor<3x5xf32>) -> tensor<3x5xf32> {
  %e = tensor.empty() : tensor<3x5xf32>
  %r = linalg.softmax {kiln.lowering_config = #kiln.lowering_config<softmax_ukernel, avx2>} dimension(1)
    ins(%x : tensor<3x5xf32>) outs(%e : tensor<3x5xf32>) -> tensor<3x5xf32>
  return %r : tensor<3x5xf32>
}
