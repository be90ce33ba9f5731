// RUN: kiln-opt %s --split-input-file --kiln-conv-ukernel="isa=avx512" -cse | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-conv-ukernel="isa=avx2" | FileCheck %s --check-prefix=AVX2

// A dilated 2-D convolution with symbolic batch and sizes: N from x, F and
// C from w, OH and OW from y, KH and KW from w, strides and dilations as
// constants, then x with its four strides, w with its F stride and y with
// its N and F strides.

// CHECK-LABEL: func.func private @kiln_sconv2d_avx512(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// CHECK-LABEL: func.func private @kiln_parallel_for(i64, i64, i64, !llvm.ptr, !llvm.ptr)
// AVX2-LABEL: func.func private @kiln_sconv2d_avx2(
// CHECK-LABEL: func.func @conv(
// CHECK-SAME:      %[[X:.*]]: memref<?x16x?x?xf32>, %[[W:.*]]: memref<32x16x3x3xf32>, %[[Y:.*]]: memref<?x32x?x?xf32>
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:4, %[[SX:.*]]:4 = memref.extract_strided_metadata %[[X]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:4, %[[SW:.*]]:4 = memref.extract_strided_metadata %[[W]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:4, %[[SY:.*]]:4 = memref.extract_strided_metadata %[[Y]]
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[N:.*]] = memref.dim %[[X]], %[[C0]]
// CHECK-DAG:     %[[F:.*]] = memref.dim %[[W]], %[[C0]]
// CHECK-DAG:     %[[C:.*]] = memref.dim %[[W]], %[[C1]]
// CHECK-DAG:     %[[OH:.*]] = memref.dim %[[Y]], %[[C2]]
// CHECK-DAG:     %[[OW:.*]] = memref.dim %[[Y]], %[[C3]]
// CHECK-DAG:     %[[KH:.*]] = memref.dim %[[W]], %[[C2]]
// CHECK-DAG:     %[[KW:.*]] = memref.dim %[[W]], %[[C3]]
// CHECK:         call @kiln_sconv2d_avx512(%[[N]], %[[F]], %[[C]], %[[OH]], %[[OW]], %[[KH]], %[[KW]], %[[C1]], %[[C1]], %[[C2]], %[[C1]], %{{.*}}, %[[SX]]#0, %[[SX]]#1, %[[SX]]#2, %[[SX]]#3, %{{.*}}, %[[SW]]#0, %{{.*}}, %[[SY]]#0, %[[SY]]#1)
// CHECK-NOT:     linalg.conv_2d_nchw_fchw
// AVX2:          call @kiln_sconv2d_avx2(
func.func @conv(%x: memref<?x16x?x?xf32>, %w: memref<32x16x3x3xf32>, %y: memref<?x32x?x?xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<[2, 1]> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<?x16x?x?xf32>, memref<32x16x3x3xf32>) outs(%y : memref<?x32x?x?xf32>)
  return
}

// -----

// The input may be any strided view (a slice of a larger buffer); an output
// whose pixels are not contiguous (here, a view that skips columns) is
// computed in a contiguous copy: copied in (the kernel accumulates), then
// back, then freed.

// CHECK-LABEL: func.func @strided_output(
// CHECK-SAME:      %[[X:.*]]: memref<1x8x10x10xf32, strided<[1600, 100, 10, 1], offset: 5>>, %[[W:.*]]: memref<4x8x3x3xf32>, %[[Y:.*]]: memref<1x4x8x8xf32, strided<[512, 128, 16, 2]>>
// CHECK:         %[[COPY:.*]] = memref.alloc() : memref<1x4x8x8xf32>
// CHECK:         memref.copy %[[Y]], %[[COPY]]
// CHECK:         memref.extract_strided_metadata %[[X]]
// CHECK:         call @kiln_sconv2d_avx512(
// CHECK:         memref.copy %[[COPY]], %[[Y]]
// CHECK:         memref.dealloc %[[COPY]]
// CHECK-NOT:     linalg.conv_2d_nchw_fchw
func.func @strided_output(%x: memref<1x8x10x10xf32, strided<[1600, 100, 10, 1], offset: 5>>, %w: memref<4x8x3x3xf32>, %y: memref<1x4x8x8xf32, strided<[512, 128, 16, 2]>>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x8x10x10xf32, strided<[1600, 100, 10, 1], offset: 5>>, memref<4x8x3x3xf32>) outs(%y : memref<1x4x8x8xf32, strided<[512, 128, 16, 2]>>)
  return
}

// -----

// f64 and tensors are left alone, and no kernel is declared.

// CHECK-LABEL: func.func @f64(
// CHECK-NOT:     kiln_sconv2d
// CHECK:         linalg.conv_2d_nchw_fchw
// CHECK-LABEL: func.func @tensor(
// CHECK:         linalg.conv_2d_nchw_fchw
func.func @f64(%x: memref<1x2x5x5xf64>, %w: memref<3x2x3x3xf64>, %y: memref<1x3x3x3xf64>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x2x5x5xf64>, memref<3x2x3x3xf64>) outs(%y : memref<1x3x3x3xf64>)
  return
}
func.func @tensor(%x: tensor<1x2x5x5xf32>, %w: tensor<3x2x3x3xf32>, %y: tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x2x5x5xf32>, tensor<3x2x3x3xf32>) outs(%y : tensor<1x3x3x3xf32>) -> tensor<1x3x3x3xf32>
  return %r : tensor<1x3x3x3xf32>
}
