// RUN: kiln-opt %s --split-input-file --kiln-conv-ukernel -cse | FileCheck %s

// The pass lowers the convolutions whose lowering configuration is
// conv_ukernel, to the kernel of the configuration's ISA.

// A dilated 2-D convolution with symbolic batch and sizes: N from x, one
// group, F and C from w, H and W from x, OH and OW from y, KH and KW from
// w, strides, dilations and no padding as constants, then x with its n,
// (no) g, c, h and w strides, w with its (no) g and f strides, no bias
// (0, 0, 0) and y with its n, (no) g and f strides.

// CHECK-LABEL: func.func private @kiln_sconv2d_avx512(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// CHECK-LABEL: func.func private @kiln_parallel_for(i64, i64, i64, !llvm.ptr, !llvm.ptr)
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
// CHECK-DAG:     %[[H:.*]] = memref.dim %[[X]], %[[C2]]
// CHECK-DAG:     %[[IW:.*]] = memref.dim %[[X]], %[[C3]]
// CHECK-DAG:     %[[OH:.*]] = memref.dim %[[Y]], %[[C2]]
// CHECK-DAG:     %[[OW:.*]] = memref.dim %[[Y]], %[[C3]]
// CHECK-DAG:     %[[KH:.*]] = memref.dim %[[W]], %[[C2]]
// CHECK-DAG:     %[[KW:.*]] = memref.dim %[[W]], %[[C3]]
// CHECK:         call @kiln_sconv2d_avx512(%[[N]], %[[C1]], %[[F]], %[[C]], %[[H]], %[[IW]], %[[OH]], %[[OW]], %[[KH]], %[[KW]], %[[C1]], %[[C1]], %[[C2]], %[[C1]], %[[C0]], %[[C0]], %{{.*}}, %[[SX]]#0, %[[C0]], %[[SX]]#1, %[[SX]]#2, %[[SX]]#3, %{{.*}}, %[[C0]], %[[SW]]#0, %[[C1]], %[[C0]], %[[C0]], %[[C0]], %{{.*}}, %[[SY]]#0, %[[C0]], %[[SY]]#1, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT:     linalg.conv_2d_nchw_fchw
func.func @conv(%x: memref<?x16x?x?xf32>, %w: memref<32x16x3x3xf32>, %y: memref<?x32x?x?xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<[2, 1]> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x, %w : memref<?x16x?x?xf32>, memref<32x16x3x3xf32>) outs(%y : memref<?x32x?x?xf32>)
  return
}

// -----

// The input may be any strided view (a slice of a larger buffer); an output
// whose pixels are not contiguous (here, a view that skips columns) is
// computed in a contiguous copy: copied in (the kernel accumulates), then
// back, then freed.

// CHECK-LABEL: func.func private @kiln_sconv2d_avx2(
// CHECK-LABEL: func.func @strided_output(
// CHECK-SAME:      %[[X:.*]]: memref<1x8x10x10xf32, strided<[1600, 100, 10, 1], offset: 5>>, %[[W:.*]]: memref<4x8x3x3xf32>, %[[Y:.*]]: memref<1x4x8x8xf32, strided<[512, 128, 16, 2]>>
// CHECK:         %[[COPY:.*]] = memref.alloc() : memref<1x4x8x8xf32>
// CHECK:         memref.copy %[[Y]], %[[COPY]]
// CHECK:         memref.extract_strided_metadata %[[X]]
// CHECK:         call @kiln_sconv2d_avx2(
// CHECK:         memref.copy %[[COPY]], %[[Y]]
// CHECK:         memref.dealloc %[[COPY]]
// CHECK-NOT:     linalg.conv_2d_nchw_fchw
func.func @strided_output(%x: memref<1x8x10x10xf32, strided<[1600, 100, 10, 1], offset: 5>>, %w: memref<4x8x3x3xf32>, %y: memref<1x4x8x8xf32, strided<[512, 128, 16, 2]>>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx2>}
    ins(%x, %w : memref<1x8x10x10xf32, strided<[1600, 100, 10, 1], offset: 5>>, memref<4x8x3x3xf32>) outs(%y : memref<1x4x8x8xf32, strided<[512, 128, 16, 2]>>)
  return
}

// -----

// A zero-padded input and a bias-initialized output, as bufferization
// leaves them: the kernel reads the unpadded input with padding (2, 1) and
// starts from the bias; the padded buffer, its fill and copy and the
// broadcast are gone.

// CHECK-LABEL: func.func @padded_with_bias(
// CHECK-SAME:      %[[X:.*]]: memref<2x3x9x9xf32>, %[[W:.*]]: memref<5x3x3x3xf32>, %[[B:.*]]: memref<5xf32>
// CHECK:         %[[Y:.*]] = memref.alloc() : memref<2x5x11x9xf32>
// CHECK-NOT:     memref.copy
// CHECK-NOT:     linalg.
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}, %[[SB:.*]] = memref.extract_strided_metadata %[[B]]
// CHECK:         call @kiln_sconv2d_avx512(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C2]], %[[C1]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[SB]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT:     linalg.
// CHECK:         return %[[Y]]
func.func @padded_with_bias(%x: memref<2x3x9x9xf32>, %w: memref<5x3x3x3xf32>, %b: memref<5xf32>) -> memref<2x5x11x9xf32> {
  %zero = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<2x3x13x11xf32>
  linalg.fill ins(%zero : f32) outs(%p : memref<2x3x13x11xf32>)
  %interior = memref.subview %p[0, 0, 2, 1] [2, 3, 9, 9] [1, 1, 1, 1] : memref<2x3x13x11xf32> to memref<2x3x9x9xf32, strided<[429, 143, 11, 1], offset: 23>>
  memref.copy %x, %interior : memref<2x3x9x9xf32> to memref<2x3x9x9xf32, strided<[429, 143, 11, 1], offset: 23>>
  %y = memref.alloc() : memref<2x5x11x9xf32>
  linalg.generic {indexing_maps = [affine_map<(n, c, h, w) -> (c)>, affine_map<(n, c, h, w) -> (n, c, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%b : memref<5xf32>) outs(%y : memref<2x5x11x9xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%p, %w : memref<2x3x13x11xf32>, memref<5x3x3x3xf32>) outs(%y : memref<2x5x11x9xf32>)
  memref.dealloc %p : memref<2x3x13x11xf32>
  return %y : memref<2x5x11x9xf32>
}

// -----

// A grouped convolution (x [N, G, C, H, W], w [G, F, C, KH, KW], y
// [N, G, F, OH, OW]): G from w's dim 0, the group strides of x and y from
// their dim 1 and of w from its dim 0; its 2-D padding is absorbed.

// CHECK-LABEL: func.func @grouped(
// CHECK-SAME:      %[[X:.*]]: memref<1x4x8x10x10xf32>, %[[W:.*]]: memref<4x16x8x3x3xf32>, %[[Y:.*]]: memref<1x4x16x10x10xf32>
// CHECK-NOT:     memref.copy
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:5, %[[SX:.*]]:5 = memref.extract_strided_metadata %[[X]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:5, %[[SW:.*]]:5 = memref.extract_strided_metadata %[[W]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:5, %[[SY:.*]]:5 = memref.extract_strided_metadata %[[Y]]
// CHECK:         %[[G:.*]] = memref.dim %[[W]], %{{.*}} : memref<4x16x8x3x3xf32>
// CHECK:         call @kiln_sconv2d_avx512(%{{.*}}, %[[G]], {{.*}}, %[[SX]]#0, %[[SX]]#1, %[[SX]]#2, %[[SX]]#3, %[[SX]]#4, %{{.*}}, %[[SW]]#0, %[[SW]]#1, {{.*}}, %[[SY]]#0, %[[SY]]#1, %[[SY]]#2, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT:     linalg.
func.func @grouped(%x: memref<1x4x8x10x10xf32>, %w: memref<4x16x8x3x3xf32>, %y: memref<1x4x16x10x10xf32>) {
  %zero = arith.constant 0.0 : f32
  %p = memref.alloc() : memref<1x4x8x12x12xf32>
  linalg.fill ins(%zero : f32) outs(%p : memref<1x4x8x12x12xf32>)
  %interior = memref.subview %p[0, 0, 0, 1, 1] [1, 4, 8, 10, 10] [1, 1, 1, 1, 1] : memref<1x4x8x12x12xf32> to memref<1x4x8x10x10xf32, strided<[4608, 1152, 144, 12, 1], offset: 13>>
  memref.copy %x, %interior : memref<1x4x8x10x10xf32> to memref<1x4x8x10x10xf32, strided<[4608, 1152, 144, 12, 1], offset: 13>>
  linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                             kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%p, %w : memref<1x4x8x12x12xf32>, memref<4x16x8x3x3xf32>) outs(%y : memref<1x4x16x10x10xf32>)
  memref.dealloc %p : memref<1x4x8x12x12xf32>
  return
}

// -----

// A grouped convolution's bias [G, F], broadcast along y's dims 1 and 2:
// the kernel starts from it with its group and filter strides.

// CHECK-LABEL: func.func @grouped_with_bias(
// CHECK-SAME:      %[[X:.*]]: memref<1x2x3x7x7xf32>, %[[W:.*]]: memref<2x4x3x3x3xf32>, %[[B:.*]]: memref<2x4xf32>
// CHECK:         %[[Y:.*]] = memref.alloc() : memref<1x2x4x5x5xf32>
// CHECK-NOT:     linalg.
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:2, %[[SB:.*]]:2 = memref.extract_strided_metadata %[[B]]
// CHECK:         call @kiln_sconv2d_avx512({{.*}}, %[[SB]]#0, %[[SB]]#1, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT:     linalg.
// CHECK:         return %[[Y]]
func.func @grouped_with_bias(%x: memref<1x2x3x7x7xf32>, %w: memref<2x4x3x3x3xf32>, %b: memref<2x4xf32>) -> memref<1x2x4x5x5xf32> {
  %y = memref.alloc() : memref<1x2x4x5x5xf32>
  linalg.generic {indexing_maps = [affine_map<(n, g, f, h, w) -> (g, f)>, affine_map<(n, g, f, h, w) -> (n, g, f, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
    ins(%b : memref<2x4xf32>) outs(%y : memref<1x2x4x5x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                             kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x, %w : memref<1x2x3x7x7xf32>, memref<2x4x3x3x3xf32>) outs(%y : memref<1x2x4x5x5xf32>)
  return %y : memref<1x2x4x5x5xf32>
}

// -----

// A grouped convolution whose bias runs along the filters only (the same
// for every group) is not the [G, F] form: y starts from its broadcast.

// CHECK-LABEL: func.func @grouped_filter_bias(
// CHECK:         linalg.generic
// CHECK:         call @kiln_sconv2d_avx512
func.func @grouped_filter_bias(%x: memref<1x2x3x7x7xf32>, %w: memref<2x4x3x3x3xf32>, %b: memref<4xf32>) -> memref<1x2x4x5x5xf32> {
  %y = memref.alloc() : memref<1x2x4x5x5xf32>
  linalg.generic {indexing_maps = [affine_map<(n, g, f, h, w) -> (f)>, affine_map<(n, g, f, h, w) -> (n, g, f, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel"]}
    ins(%b : memref<4xf32>) outs(%y : memref<1x2x4x5x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                             kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x, %w : memref<1x2x3x7x7xf32>, memref<2x4x3x3x3xf32>) outs(%y : memref<1x2x4x5x5xf32>)
  return %y : memref<1x2x4x5x5xf32>
}

// -----

// A convolution without the conv_ukernel strategy is left alone, and no
// kernel is declared.

// CHECK-LABEL: func.func @unconfigured(
// CHECK-NOT:     kiln_sconv2d
// CHECK:         linalg.conv_2d_nchw_fchw
func.func @unconfigured(%x: memref<1x2x5x5xf32>, %w: memref<3x2x3x3xf32>, %y: memref<1x3x3x3xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : memref<1x2x5x5xf32>, memref<3x2x3x3xf32>) outs(%y : memref<1x3x3x3xf32>)
  return
}

// -----

// A 1-D convolution is a 2-D one of height 1: H, OH and KH are 1, the
// height stride, dilation and padding 1, 1 and 0, and x's height stride 0.

// CHECK-LABEL: func.func @conv1d(
// CHECK-SAME:      %[[X:.*]]: memref<?x2x?xf32>, %[[W:.*]]: memref<5x2x7xf32>, %[[Y:.*]]: memref<?x5x?xf32>
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:3, %[[SX:.*]]:3 = memref.extract_strided_metadata %[[X]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:3, %[[SW:.*]]:3 = memref.extract_strided_metadata %[[W]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:3, %[[SY:.*]]:3 = memref.extract_strided_metadata %[[Y]]
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[N:.*]] = memref.dim %[[X]], %[[C0]]
// CHECK-DAG:     %[[F:.*]] = memref.dim %[[W]], %[[C0]]
// CHECK-DAG:     %[[C:.*]] = memref.dim %[[W]], %[[C1]]
// CHECK-DAG:     %[[IW:.*]] = memref.dim %[[X]], %[[C2]]
// CHECK-DAG:     %[[OW:.*]] = memref.dim %[[Y]], %[[C2]]
// CHECK-DAG:     %[[KW:.*]] = memref.dim %[[W]], %[[C2]]
// CHECK:         call @kiln_sconv2d_avx2(%[[N]], %[[C1]], %[[F]], %[[C]], %[[C1]], %[[IW]], %[[C1]], %[[OW]], %[[C1]], %[[KW]], %[[C1]], %[[C3]], %[[C1]], %[[C2]], %[[C0]], %[[C0]], %{{.*}}, %[[SX]]#0, %[[C0]], %[[SX]]#1, %[[C0]], %[[SX]]#2, %{{.*}}, %[[C0]], %[[SW]]#0, %[[C1]], %[[C0]], %[[C0]], %[[C0]], %{{.*}}, %[[SY]]#0, %[[C0]], %[[SY]]#1, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT:     linalg.conv_1d_ncw_fcw
func.func @conv1d(%x: memref<?x2x?xf32>, %w: memref<5x2x7xf32>, %y: memref<?x5x?xf32>) {
  linalg.conv_1d_ncw_fcw {dilations = dense<2> : tensor<1xi64>, strides = dense<3> : tensor<1xi64>,
                         kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx2>}
    ins(%x, %w : memref<?x2x?xf32>, memref<5x2x7xf32>) outs(%y : memref<?x5x?xf32>)
  return
}

// -----

// With AVX-512, constant weights of a layer with at least 32 filters and
// 64 steps of K are stored transposed at compile time, (g, (c, kh, kw), f)
// with f padded to whole vectors of 16 (40 -> 48), for the channel-vector
// path: w moves by 1 per filter and 48 per step (filter 40 .. 47 zeros).
// The original global goes; the sizes are the layer's.

// CHECK:       memref.global "private" constant @w40_chanvec : memref<1x72x48xf32> = dense_resource<w40_chanvec> {alignment = 64 : i64}
// CHECK-NOT:   memref.global "private" constant @w40 :
// CHECK-LABEL: func.func @chanvec(
// CHECK:         %[[WT:.*]] = memref.get_global @w40_chanvec : memref<1x72x48xf32>
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:3, %[[SWT:.*]]:3 = memref.extract_strided_metadata %[[WT]]
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C40:.*]] = arith.constant 40 : index
// CHECK-DAG:     %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK:         call @kiln_sconv2d_avx512(%{{.*}}, %[[C1]], %[[C40]], %[[C8]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C3]], %[[C3]], {{.*}}, %[[SWT]]#0, %[[C1]], %[[SWT]]#1, %{{.*}}, %{{.*}}, %{{.*}},
// CHECK:       w40_chanvec: "0x40000000{{(0000003F)+}}0000000000000000000000000000000000000000000000000000000000000000{{(0000003F)+}}0000000000000000000000000000000000000000000000000000000000000000
memref.global "private" constant @w40 : memref<40x8x3x3xf32> = dense<0.5>
func.func @chanvec(%x: memref<1x8x9x9xf32>, %y: memref<1x40x7x7xf32>) {
  %w = memref.get_global @w40 : memref<40x8x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x, %w : memref<1x8x9x9xf32>, memref<40x8x3x3xf32>) outs(%y : memref<1x40x7x7xf32>)
  return
}

// -----

// A grouped convolution's weights, a [G, F, ...] view of the global, are
// transposed per group: [2, 72, 32]; the reshape and the global go.

// CHECK:       memref.global "private" constant @wg_chanvec : memref<2x72x32xf32>
// CHECK-LABEL: func.func @chanvec_grouped(
// CHECK-NOT:     memref.expand_shape
// CHECK:         %[[WT:.*]] = memref.get_global @wg_chanvec
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:3, %[[SWT:.*]]:3 = memref.extract_strided_metadata %[[WT]]
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK:         call @kiln_sconv2d_avx512(%{{.*}}, %[[C2]], %[[C32]], {{.*}}, %[[SWT]]#0, %[[C1]], %[[SWT]]#1, %{{.*}}, %{{.*}}, %{{.*}},
memref.global "private" constant @wg : memref<64x8x3x3xf32> = dense<0.25>
func.func @chanvec_grouped(%x: memref<1x2x8x9x9xf32>, %y: memref<1x2x32x7x7xf32>) {
  %w = memref.get_global @wg : memref<64x8x3x3xf32>
  %v = memref.expand_shape %w [[0, 1], [2], [3], [4]] output_shape [2, 32, 8, 3, 3] : memref<64x8x3x3xf32> into memref<2x32x8x3x3xf32>
  linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                             kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x, %v : memref<1x2x8x9x9xf32>, memref<2x32x8x3x3xf32>) outs(%y : memref<1x2x32x7x7xf32>)
  return
}

// -----

// With AVX2: f padded to whole vectors of 8 (36 -> 40),
// in panels of 16 filters, each 72 steps of its width in turn: two panels
// of 16 halves, then one of 8 whose last 4 are zeros.

// CHECK:       memref.global "private" constant @w36_chanvec : memref<1x72x40xf32> = dense_resource<w36_chanvec> {alignment = 64 : i64}
// CHECK-NOT:   memref.global "private" constant @w36 :
// CHECK-LABEL: func.func @chanvec_avx2(
// CHECK:         %[[WT:.*]] = memref.get_global @w36_chanvec : memref<1x72x40xf32>
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:3, %[[SWT:.*]]:3 = memref.extract_strided_metadata %[[WT]]
// CHECK:         call @kiln_sconv2d_avx2({{.*}}, %[[SWT]]#0, %{{.*}}, %[[SWT]]#1, %{{.*}}, %{{.*}}, %{{.*}},
// CHECK:       w36_chanvec: "0x40000000{{(0000003F)+}}{{(0000003F0000003F0000003F0000003F00000000000000000000000000000000)+}}"
memref.global "private" constant @w36 : memref<36x8x3x3xf32> = dense<0.5>
func.func @chanvec_avx2(%x: memref<1x8x9x9xf32>, %y: memref<1x36x4x4xf32>) {
  %w = memref.get_global @w36 : memref<36x8x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx2>}
    ins(%x, %w : memref<1x8x9x9xf32>, memref<36x8x3x3xf32>) outs(%y : memref<1x36x4x4xf32>)
  return
}

// -----

// Not transposed: for SSE (no channel-vector path), with fewer than 32
// filters, or with fewer than 64 steps of K; the weights stay as they are
// (k stride 1).

// CHECK-LABEL: func.func @not_chanvec(
// CHECK:         %[[W1:.*]] = memref.get_global @wa :
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:4, %[[SW1:.*]]:4 = memref.extract_strided_metadata %[[W1]]
// CHECK:         %[[C1:.*]] = arith.constant 1 : index
// CHECK:         call @kiln_sconv2d_sse({{.*}}, %[[SW1]]#0, %[[C1]], %{{.*}}, %{{.*}}, %{{.*}},
// CHECK-NOT:     _chanvec
// CHECK:         memref.get_global @wb :
// CHECK-NOT:     _chanvec
// CHECK:         call @kiln_sconv2d_avx512(
// CHECK-NOT:     _chanvec
// CHECK:         memref.get_global @wc :
// CHECK-NOT:     _chanvec
// CHECK:         call @kiln_sconv2d_avx512(
// CHECK-NOT:     _chanvec
memref.global "private" constant @wa : memref<40x8x3x3xf32> = dense<0.5>
memref.global "private" constant @wb : memref<16x8x3x3xf32> = dense<0.5>
memref.global "private" constant @wc : memref<40x7x3x3xf32> = dense<0.5>
func.func @not_chanvec(%x: memref<1x8x9x9xf32>, %x7: memref<1x7x9x9xf32>, %y: memref<1x40x7x7xf32>, %y16: memref<1x16x7x7xf32>) {
  %wa = memref.get_global @wa : memref<40x8x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, sse>}
    ins(%x, %wa : memref<1x8x9x9xf32>, memref<40x8x3x3xf32>) outs(%y : memref<1x40x7x7xf32>)
  %wb = memref.get_global @wb : memref<16x8x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x, %wb : memref<1x8x9x9xf32>, memref<16x8x3x3xf32>) outs(%y16 : memref<1x16x7x7xf32>)
  %wc = memref.get_global @wc : memref<40x7x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x7, %wc : memref<1x7x9x9xf32>, memref<40x7x3x3xf32>) outs(%y : memref<1x40x7x7xf32>)
  return
}
