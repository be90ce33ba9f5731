// RUN: kiln-opt %s --split-input-file --kiln-depthwise-ukernel -cse | FileCheck %s

// The pass lowers the depthwise convolutions whose lowering configuration
// is depthwise_ukernel, to the kernel of the configuration's ISA.

// A strided, dilated depthwise convolution with symbolic batch and sizes:
// N, C, H and W from x, OH and OW from y, KH and KW from w, strides,
// dilations and no padding, then x, w, no bias (0, 0) and y as addresses
// and element strides.

// CHECK-LABEL: func.func private @kiln_dwconv2d_avx512(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// CHECK-LABEL: func.func private @kiln_parallel_for(i64, i64, i64, !llvm.ptr, !llvm.ptr)
// CHECK-LABEL: func.func @depthwise(
// CHECK-SAME:      %[[X:.*]]: memref<?x144x?x?xf32>, %[[W:.*]]: memref<144x3x3xf32>, %[[Y:.*]]: memref<?x144x?x?xf32>
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[N:.*]] = memref.dim %[[X]], %[[C0]]
// CHECK-DAG:     %[[C:.*]] = memref.dim %[[X]], %[[C1]]
// CHECK-DAG:     %[[H:.*]] = memref.dim %[[X]], %[[C2]]
// CHECK-DAG:     %[[IW:.*]] = memref.dim %[[X]], %[[C3]]
// CHECK-DAG:     %[[OH:.*]] = memref.dim %[[Y]], %[[C2]]
// CHECK-DAG:     %[[OW:.*]] = memref.dim %[[Y]], %[[C3]]
// CHECK-DAG:     %[[KH:.*]] = memref.dim %[[W]], %[[C1]]
// CHECK-DAG:     %[[KW:.*]] = memref.dim %[[W]], %[[C2]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:4, %[[SX:.*]]:4 = memref.extract_strided_metadata %[[X]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:3, %[[SW:.*]]:3 = memref.extract_strided_metadata %[[W]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:4, %[[SY:.*]]:4 = memref.extract_strided_metadata %[[Y]]
// CHECK:         call @kiln_dwconv2d_avx512(%[[N]], %[[C]], %[[H]], %[[IW]], %[[OH]], %[[OW]], %[[KH]], %[[KW]], %[[C2]], %[[C2]], %[[C1]], %[[C3]], %[[C0]], %[[C0]], %{{.*}}, %[[SX]]#0, %[[SX]]#1, %[[SX]]#2, %[[SX]]#3, %{{.*}}, %[[SW]]#0, %[[SW]]#1, %[[SW]]#2, %[[C0]], %[[C0]], %{{.*}}, %[[SY]]#0, %[[SY]]#1, %[[SY]]#2, %[[SY]]#3, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT:     linalg.depthwise_conv_2d_nchw_chw
func.func @depthwise(%x: memref<?x144x?x?xf32>, %w: memref<144x3x3xf32>, %y: memref<?x144x?x?xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<[1, 3]> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>,
                                     kiln.lowering_config = #kiln.lowering_config<depthwise_ukernel, avx512>}
    ins(%x, %w : memref<?x144x?x?xf32>, memref<144x3x3xf32>) outs(%y : memref<?x144x?x?xf32>)
  return
}

// -----

// What bufferization makes of tensor.pad and of kiln-fold-bias-into-init:
// a zero-filled buffer with the input copied into its interior, and the
// output initialized with the bias. The kernel reads the unpadded input
// (padding 1 on top, 2 on the left) and starts from the bias: the copy,
// the fill, the broadcast and the padded buffer are gone.

// CHECK-LABEL: func.func @padded_with_bias(
// CHECK-SAME:      %[[X:.*]]: memref<1x8x10x12xf32>, %[[W:.*]]: memref<8x3x3xf32>, %[[B:.*]]: memref<8xf32>
// CHECK:         %[[Y:.*]] = memref.alloc() : memref<1x8x10x14xf32>
// CHECK-NOT:     memref.copy
// CHECK-NOT:     linalg.
// CHECK:         %[[C1:.*]] = arith.constant 1 : index
// CHECK:         %[[C2:.*]] = arith.constant 2 : index
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:4, %[[SX:.*]]:4 = memref.extract_strided_metadata %[[X]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:3, %[[SW:.*]]:3 = memref.extract_strided_metadata %[[W]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}, %[[SB:.*]] = memref.extract_strided_metadata %[[B]]
// CHECK:         call @kiln_dwconv2d_avx512(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C1]], %[[C1]], %[[C1]], %[[C1]], %[[C1]], %[[C2]], %{{.*}}, %[[SX]]#0, %[[SX]]#1, %[[SX]]#2, %[[SX]]#3, %{{.*}}, %[[SW]]#0, %[[SW]]#1, %[[SW]]#2, %{{.*}}, %[[SB]], %{{.*}}
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     linalg.
// CHECK:         return %[[Y]]
func.func @padded_with_bias(%x: memref<1x8x10x12xf32>, %w: memref<8x3x3xf32>, %b: memref<8xf32>) -> memref<1x8x10x14xf32> {
  %zero = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<1x8x12x16xf32>
  linalg.map outs(%p : memref<1x8x12x16xf32>)
    (%init: f32) {
      linalg.yield %zero : f32
    }
  %interior = memref.subview %p[0, 0, 1, 2] [1, 8, 10, 12] [1, 1, 1, 1] : memref<1x8x12x16xf32> to memref<1x8x10x12xf32, strided<[1536, 192, 16, 1], offset: 18>>
  memref.copy %x, %interior : memref<1x8x10x12xf32> to memref<1x8x10x12xf32, strided<[1536, 192, 16, 1], offset: 18>>
  %y = memref.alloc() : memref<1x8x10x14xf32>
  linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (c)>, affine_map<(n, c, h, w) -> (n, c, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%b : memref<8xf32>) outs(%y : memref<1x8x10x14xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                     kiln.lowering_config = #kiln.lowering_config<depthwise_ukernel, avx512>}
    ins(%p, %w : memref<1x8x12x16xf32>, memref<8x3x3xf32>) outs(%y : memref<1x8x10x14xf32>)
  memref.dealloc %p : memref<1x8x12x16xf32>
  return %y : memref<1x8x10x14xf32>
}

// -----

// Not absorbed: a fill of 1.0 (not zero padding), a source written between
// the copy and the convolution, and padding along channels. The padded
// buffers stay and the kernel reads them with no padding.

// CHECK-LABEL: func.func @not_absorbed(
// CHECK:         linalg.map
// CHECK:         memref.copy
// CHECK:         call @kiln_dwconv2d_avx512(
// CHECK:         linalg.fill
// CHECK:         memref.copy
// CHECK:         linalg.fill
// CHECK:         call @kiln_dwconv2d_avx512(
// CHECK:         linalg.fill
// CHECK:         memref.copy
// CHECK:         call @kiln_dwconv2d_avx512(
func.func @not_absorbed(%x: memref<1x8x10x12xf32>, %w: memref<8x3x3xf32>, %w2: memref<9x3x3xf32>, %y: memref<1x8x10x14xf32>, %y2: memref<1x9x10x14xf32>) {
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<1x8x12x16xf32>
  linalg.map outs(%p : memref<1x8x12x16xf32>)
    (%init: f32) {
      linalg.yield %one : f32
    }
  %i = memref.subview %p[0, 0, 1, 2] [1, 8, 10, 12] [1, 1, 1, 1] : memref<1x8x12x16xf32> to memref<1x8x10x12xf32, strided<[1536, 192, 16, 1], offset: 18>>
  memref.copy %x, %i : memref<1x8x10x12xf32> to memref<1x8x10x12xf32, strided<[1536, 192, 16, 1], offset: 18>>
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                     kiln.lowering_config = #kiln.lowering_config<depthwise_ukernel, avx512>}
    ins(%p, %w : memref<1x8x12x16xf32>, memref<8x3x3xf32>) outs(%y : memref<1x8x10x14xf32>)

  %q = memref.alloc() : memref<1x8x12x16xf32>
  linalg.fill ins(%zero : f32) outs(%q : memref<1x8x12x16xf32>)
  %j = memref.subview %q[0, 0, 1, 2] [1, 8, 10, 12] [1, 1, 1, 1] : memref<1x8x12x16xf32> to memref<1x8x10x12xf32, strided<[1536, 192, 16, 1], offset: 18>>
  memref.copy %x, %j : memref<1x8x10x12xf32> to memref<1x8x10x12xf32, strided<[1536, 192, 16, 1], offset: 18>>
  linalg.fill ins(%one : f32) outs(%x : memref<1x8x10x12xf32>)
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                     kiln.lowering_config = #kiln.lowering_config<depthwise_ukernel, avx512>}
    ins(%q, %w : memref<1x8x12x16xf32>, memref<8x3x3xf32>) outs(%y : memref<1x8x10x14xf32>)

  %r = memref.alloc() : memref<1x9x12x16xf32>
  linalg.fill ins(%zero : f32) outs(%r : memref<1x9x12x16xf32>)
  %k = memref.subview %r[0, 1, 1, 2] [1, 8, 10, 12] [1, 1, 1, 1] : memref<1x9x12x16xf32> to memref<1x8x10x12xf32, strided<[1728, 192, 16, 1], offset: 210>>
  memref.copy %x, %k : memref<1x8x10x12xf32> to memref<1x8x10x12xf32, strided<[1728, 192, 16, 1], offset: 210>>
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                     kiln.lowering_config = #kiln.lowering_config<depthwise_ukernel, avx512>}
    ins(%r, %w2 : memref<1x9x12x16xf32>, memref<9x3x3xf32>) outs(%y2 : memref<1x9x10x14xf32>)
  return
}

// -----

// Without the depthwise_ukernel strategy: left alone.

// CHECK-LABEL: func.func @unconfigured(
// CHECK:         linalg.depthwise_conv_2d_nchw_chw
// CHECK-NOT:     call @kiln_dwconv2d
func.func @unconfigured(%x: memref<1x2x5x5xf32>, %w: memref<2x3x3xf32>, %y: memref<1x2x3x3xf32>) {
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x2x5x5xf32>, memref<2x3x3xf32>) outs(%y : memref<1x2x3x3xf32>)
  return
}

// -----

// A profiled build (kiln-instrument-kernels) has the profiling hooks
// between the padding copy, the bias and the convolution: they touch no
// buffer, so the padding and the bias are absorbed as without them (the
// hooks had kept a profiled MobileNetV2's 7 x 7 depthwise layers on a
// padded copy, 3.5 times slower than the artifact being profiled).

// CHECK-LABEL: func.func @absorbed_between_hooks(
// CHECK-NOT:     memref.copy
// CHECK-NOT:     linalg.
// CHECK:         call @kiln_kernel_begin
// CHECK:         call @kiln_dwconv2d_avx512(
// CHECK:         call @kiln_kernel_end
// CHECK-NOT:     linalg.
func.func private @kiln_kernel_begin(i32)
func.func private @kiln_kernel_end(i32)
func.func @absorbed_between_hooks(%x: memref<1x8x10x12xf32>, %w: memref<8x3x3xf32>, %b: memref<8xf32>) -> memref<1x8x10x14xf32> {
  %zero = arith.constant 0.0 : f32
  %k0 = arith.constant 0 : i32
  %k1 = arith.constant 1 : i32
  %k2 = arith.constant 2 : i32
  call @kiln_kernel_begin(%k0) : (i32) -> ()
  %p = memref.alloc() : memref<1x8x12x16xf32>
  linalg.map outs(%p : memref<1x8x12x16xf32>)
    (%init: f32) {
      linalg.yield %zero : f32
    }
  %interior = memref.subview %p[0, 0, 1, 2] [1, 8, 10, 12] [1, 1, 1, 1] : memref<1x8x12x16xf32> to memref<1x8x10x12xf32, strided<[1536, 192, 16, 1], offset: 18>>
  memref.copy %x, %interior : memref<1x8x10x12xf32> to memref<1x8x10x12xf32, strided<[1536, 192, 16, 1], offset: 18>>
  call @kiln_kernel_end(%k0) : (i32) -> ()
  call @kiln_kernel_begin(%k1) : (i32) -> ()
  %y = memref.alloc() : memref<1x8x10x14xf32>
  linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (c)>, affine_map<(n, c, h, w) -> (n, c, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%b : memref<8xf32>) outs(%y : memref<1x8x10x14xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  call @kiln_kernel_end(%k1) : (i32) -> ()
  call @kiln_kernel_begin(%k2) : (i32) -> ()
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                     kiln.lowering_config = #kiln.lowering_config<depthwise_ukernel, avx512>}
    ins(%p, %w : memref<1x8x12x16xf32>, memref<8x3x3xf32>) outs(%y : memref<1x8x10x14xf32>)
  call @kiln_kernel_end(%k2) : (i32) -> ()
  memref.dealloc %p : memref<1x8x12x16xf32>
  return %y : memref<1x8x10x14xf32>
}
