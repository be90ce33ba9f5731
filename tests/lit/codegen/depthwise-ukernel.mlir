// RUN: kiln-opt %s --split-input-file --kiln-depthwise-ukernel="isa=avx512" -cse | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-depthwise-ukernel="isa=sse" | FileCheck %s --check-prefix=SSE

// A strided, dilated depthwise convolution with symbolic batch and sizes:
// N and C from x, OH and OW from y, KH and KW from w, then the buffers as
// addresses and element strides.

// CHECK-LABEL: func.func private @kiln_dwconv2d_avx512(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// CHECK-LABEL: func.func private @kiln_parallel_for(i64, i64, i64, !llvm.ptr, !llvm.ptr)
// SSE-LABEL: func.func private @kiln_dwconv2d_sse(
// CHECK-LABEL: func.func @depthwise(
// CHECK-SAME:      %[[X:.*]]: memref<?x144x?x?xf32>, %[[W:.*]]: memref<144x3x3xf32>, %[[Y:.*]]: memref<?x144x?x?xf32>
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[N:.*]] = memref.dim %[[X]], %[[C0]]
// CHECK-DAG:     %[[C:.*]] = memref.dim %[[X]], %[[C1]]
// CHECK-DAG:     %[[OH:.*]] = memref.dim %[[Y]], %[[C2]]
// CHECK-DAG:     %[[OW:.*]] = memref.dim %[[Y]], %[[C3]]
// CHECK-DAG:     %[[KH:.*]] = memref.dim %[[W]], %[[C1]]
// CHECK-DAG:     %[[KW:.*]] = memref.dim %[[W]], %[[C2]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:4, %[[SX:.*]]:4 = memref.extract_strided_metadata %[[X]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:3, %[[SW:.*]]:3 = memref.extract_strided_metadata %[[W]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:4, %[[SY:.*]]:4 = memref.extract_strided_metadata %[[Y]]
// CHECK:         call @kiln_dwconv2d_avx512(%[[N]], %[[C]], %[[OH]], %[[OW]], %[[KH]], %[[KW]], %[[C2]], %[[C2]], %[[C1]], %[[C3]], %{{.*}}, %[[SX]]#0, %[[SX]]#1, %[[SX]]#2, %[[SX]]#3, %{{.*}}, %[[SW]]#0, %[[SW]]#1, %[[SW]]#2, %{{.*}}, %[[SY]]#0, %[[SY]]#1, %[[SY]]#2, %[[SY]]#3)
// CHECK-NOT:     linalg.depthwise_conv_2d_nchw_chw
// SSE:           call @kiln_dwconv2d_sse(
func.func @depthwise(%x: memref<?x144x?x?xf32>, %w: memref<144x3x3xf32>, %y: memref<?x144x?x?xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<[1, 3]> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
    ins(%x, %w : memref<?x144x?x?xf32>, memref<144x3x3xf32>) outs(%y : memref<?x144x?x?xf32>)
  return
}

// -----

// f64 and tensors are left alone.

// CHECK-LABEL: func.func @f64(
// CHECK:         linalg.depthwise_conv_2d_nchw_chw
// CHECK-NOT:     call @kiln_dwconv2d
func.func @f64(%x: memref<1x2x5x5xf64>, %w: memref<2x3x3xf64>, %y: memref<1x2x3x3xf64>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x2x5x5xf64>, memref<2x3x3xf64>) outs(%y : memref<1x2x3x3xf64>)
  return
}

// CHECK-LABEL: func.func @tensors(
// CHECK:         linalg.depthwise_conv_2d_nchw_chw
func.func @tensors(%x: tensor<1x2x5x5xf32>, %w: tensor<2x3x3xf32>, %y: tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32> {
  %r = linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x2x5x5xf32>, tensor<2x3x3xf32>) outs(%y : tensor<1x2x3x3xf32>) -> tensor<1x2x3x3xf32>
  return %r : tensor<1x2x3x3xf32>
}
