// RUN: kiln-opt %s --split-input-file --kiln-pool-ukernel -cse | FileCheck %s

// The pass lowers the pooling ops whose lowering configuration is
// pool_ukernel to the kernel of the configuration's ISA.

// A strided, dilated max pool with symbolic sizes: kind 0, N, C, H and W
// from x, OH and OW from y, KH and KW from the window, strides,
// dilations and no padding, then x and y as addresses and element strides.

// CHECK-LABEL: func.func private @kiln_pool2d_avx512(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// CHECK-LABEL: func.func @max_pool(
// CHECK-SAME:      %[[X:.*]]: memref<?x8x?x?xf32>, %[[WIN:.*]]: memref<3x2xf32>, %[[Y:.*]]: memref<?x8x?x?xf32>
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[N:.*]] = memref.dim %[[X]], %[[C0]]
// CHECK-DAG:     %[[C:.*]] = memref.dim %[[X]], %[[C1]]
// CHECK-DAG:     %[[H:.*]] = memref.dim %[[X]], %[[C2]]
// CHECK-DAG:     %[[W:.*]] = memref.dim %[[X]], %[[C3]]
// CHECK-DAG:     %[[OH:.*]] = memref.dim %[[Y]], %[[C2]]
// CHECK-DAG:     %[[OW:.*]] = memref.dim %[[Y]], %[[C3]]
// CHECK-DAG:     %[[KH:.*]] = memref.dim %[[WIN]], %[[C0]]
// CHECK-DAG:     %[[KW:.*]] = memref.dim %[[WIN]], %[[C1]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:4, %[[SX:.*]]:4 = memref.extract_strided_metadata %[[X]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:4, %[[SY:.*]]:4 = memref.extract_strided_metadata %[[Y]]
// CHECK:         call @kiln_pool2d_avx512(%[[C0]], %[[N]], %[[C]], %[[H]], %[[W]], %[[OH]], %[[OW]], %[[KH]], %[[KW]], %[[C2]], %[[C1]], %[[C1]], %[[C3]], %[[C0]], %[[C0]], %{{.*}}, %[[SX]]#0, %[[SX]]#1, %[[SX]]#2, %[[SX]]#3, %{{.*}}, %[[SY]]#0, %[[SY]]#1, %[[SY]]#2, %[[SY]]#3)
// CHECK-NOT:     linalg.pooling_nchw_max
func.func @max_pool(%x: memref<?x8x?x?xf32>, %w: memref<3x2xf32>, %y: memref<?x8x?x?xf32>) {
  linalg.pooling_nchw_max {dilations = dense<[1, 3]> : tensor<2xi64>, strides = dense<[2, 1]> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<pool_ukernel, avx512>}
    ins(%x, %w : memref<?x8x?x?xf32>, memref<3x2xf32>) outs(%y : memref<?x8x?x?xf32>)
  return
}

// -----

// What bufferization makes of a max pool's tensor.pad: a buffer filled
// with -inf and the input copied into its interior. The kernel skips the
// taps outside the unpadded input (padding 1 on top, 2 on the left), which
// is what -inf would do to a max: the fill, the copy and the padded buffer
// are gone.

// CHECK-LABEL: func.func @padded_max(
// CHECK-SAME:      %[[X:.*]]: memref<1x4x6x6xf32>
// CHECK-NOT:     memref.copy
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK:         call @kiln_pool2d_sse(%[[C0]], %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %[[C1]], %[[C2]], %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}}, %{{[a-z0-9_#]+}})
// CHECK-NOT:     memref.copy
func.func @padded_max(%x: memref<1x4x6x6xf32>, %y: memref<1x4x6x8xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %p = memref.alloc() : memref<1x4x8x10xf32>
  linalg.fill ins(%ninf : f32) outs(%p : memref<1x4x8x10xf32>)
  %v = memref.subview %p[0, 0, 1, 2] [1, 4, 6, 6] [1, 1, 1, 1] : memref<1x4x8x10xf32> to memref<1x4x6x6xf32, strided<[320, 80, 10, 1], offset: 12>>
  memref.copy %x, %v : memref<1x4x6x6xf32> to memref<1x4x6x6xf32, strided<[320, 80, 10, 1], offset: 12>>
  %w = memref.alloc() : memref<3x3xf32>
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<pool_ukernel, sse>}
    ins(%p, %w : memref<1x4x8x10xf32>, memref<3x3xf32>) outs(%y : memref<1x4x6x8xf32>)
  memref.dealloc %p : memref<1x4x8x10xf32>
  return
}

// -----

// A sum pool keeps a padding that is not zero (and a max pool one that is
// not -inf): the kernel reads the padded buffer, with no padding of its own.

// CHECK-LABEL: func.func @sum_keeps_nonzero_pad(
// CHECK:         memref.copy
// CHECK:         call @kiln_pool2d_avx2(
func.func @sum_keeps_nonzero_pad(%x: memref<1x4x6x6xf32>, %y: memref<1x4x6x8xf32>) {
  %one = arith.constant 1.0 : f32
  %p = memref.alloc() : memref<1x4x8x10xf32>
  linalg.fill ins(%one : f32) outs(%p : memref<1x4x8x10xf32>)
  %v = memref.subview %p[0, 0, 1, 2] [1, 4, 6, 6] [1, 1, 1, 1] : memref<1x4x8x10xf32> to memref<1x4x6x6xf32, strided<[320, 80, 10, 1], offset: 12>>
  memref.copy %x, %v : memref<1x4x6x6xf32> to memref<1x4x6x6xf32, strided<[320, 80, 10, 1], offset: 12>>
  %w = memref.alloc() : memref<3x3xf32>
  linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<pool_ukernel, avx2>}
    ins(%p, %w : memref<1x4x8x10xf32>, memref<3x3xf32>) outs(%y : memref<1x4x6x8xf32>)
  memref.dealloc %p : memref<1x4x8x10xf32>
  return
}

// -----

// A 1-D pool is a 2-D one with H = OH = KH = 1 and no h strides.

// CHECK-LABEL: func.func @ncw_sum(
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK:         call @kiln_pool2d_avx512(%[[C1]], %{{.*}}, %{{.*}}, %[[C1]], %{{.*}}, %[[C1]], %{{.*}}, %[[C1]], %{{.*}}, %[[C1]], %{{.*}}, %[[C1]], %[[C1]], %[[C0]], %[[C0]], %{{.*}}, %{{.*}}, %{{.*}}, %[[C0]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C0]], %{{.*}})
func.func @ncw_sum(%x: memref<2x3x20xf32>, %w: memref<4xf32>, %y: memref<2x3x9xf32>) {
  linalg.pooling_ncw_sum {dilations = dense<1> : tensor<1xi64>, strides = dense<2> : tensor<1xi64>,
                          kiln.lowering_config = #kiln.lowering_config<pool_ukernel, avx512>}
    ins(%x, %w : memref<2x3x20xf32>, memref<4xf32>) outs(%y : memref<2x3x9xf32>)
  return
}

// -----

// The output's fill with the reduction's identity (-inf for max, +0.0 for
// sum) is absorbed: the kernel starts from it itself (kind | 2) and does
// not read y. A max pool's output filled with +0.0 keeps its fill (that is
// not the identity), and so does a sum's filled with 1.

// CHECK-LABEL: func.func @identity_fills(
// CHECK-NOT:     linalg.fill
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-NOT:     linalg.fill
// CHECK:         call @kiln_pool2d_avx512(%[[C2]],
// CHECK-NOT:     linalg.fill
// CHECK:         call @kiln_pool2d_avx512(%[[C3]],
// CHECK:         linalg.fill
// CHECK:         call @kiln_pool2d_avx512(%[[C0]],
// CHECK:         linalg.fill
// CHECK:         call @kiln_pool2d_avx512(%[[C1]],
func.func @identity_fills(%x: memref<1x4x6x6xf32>, %w: memref<2x2xf32>) -> (memref<1x4x3x3xf32>, memref<1x4x3x3xf32>, memref<1x4x3x3xf32>, memref<1x4x3x3xf32>) {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %ymax = memref.alloc() : memref<1x4x3x3xf32>
  linalg.fill ins(%ninf : f32) outs(%ymax : memref<1x4x3x3xf32>)
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<pool_ukernel, avx512>}
    ins(%x, %w : memref<1x4x6x6xf32>, memref<2x2xf32>) outs(%ymax : memref<1x4x3x3xf32>)
  %ysum = memref.alloc() : memref<1x4x3x3xf32>
  linalg.fill ins(%zero : f32) outs(%ysum : memref<1x4x3x3xf32>)
  linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<pool_ukernel, avx512>}
    ins(%x, %w : memref<1x4x6x6xf32>, memref<2x2xf32>) outs(%ysum : memref<1x4x3x3xf32>)
  %yzero = memref.alloc() : memref<1x4x3x3xf32>
  linalg.fill ins(%zero : f32) outs(%yzero : memref<1x4x3x3xf32>)
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<pool_ukernel, avx512>}
    ins(%x, %w : memref<1x4x6x6xf32>, memref<2x2xf32>) outs(%yzero : memref<1x4x3x3xf32>)
  %yone = memref.alloc() : memref<1x4x3x3xf32>
  linalg.fill ins(%one : f32) outs(%yone : memref<1x4x3x3xf32>)
  linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<pool_ukernel, avx512>}
    ins(%x, %w : memref<1x4x6x6xf32>, memref<2x2xf32>) outs(%yone : memref<1x4x3x3xf32>)
  return %ymax, %ysum, %yzero, %yone : memref<1x4x3x3xf32>, memref<1x4x3x3xf32>, memref<1x4x3x3xf32>, memref<1x4x3x3xf32>
}
