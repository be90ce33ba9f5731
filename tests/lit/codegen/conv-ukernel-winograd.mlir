// RUN: kiln-opt %s --split-input-file --kiln-conv-ukernel -cse | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-conv-ukernel=winograd=0 -cse | FileCheck %s --check-prefix=OFF

// A stride-1, undilated 3x3 convolution of constant weights with at least
// 32 channels and filters and symbolic sizes goes to Winograd F(4x4, 3x3):
// its weights transformed into [3 panels of 12 filters, 36 points, C, 12]
// (the third panel 8 filters and 4 zero ones), and a call with N, F, C, H,
// W, OH, OW, the padding (none), x and its four strides, the transformed
// weights, the original ones with their f and k strides (the kernel falls
// back to the direct convolution where Winograd does not pay, which only
// the run knows here: in the filters-in-lanes layout [1, K, F], f stride 1
// and k stride F, and the original global goes), no bias (0, 0: y
// accumulated into), y and its four
// strides, no epilogue. Every weight 1: point (0, 0) of G g G^T is the sum
// of G's first row (1/4, 0, 0) squared, 1/16 (0x3D800000), for the first
// panel's 32 x 12 weights; point (0, 1) follows, the product of the sums
// of G's first two rows, 1/4 x -1/2 = -1/8 (0xBE000000); the third panel's
// rows end in four zeros.

// CHECK:       memref.global "private" constant @w_chanvec : memref<1x288x32xf32>
// CHECK-LABEL: func.func private @kiln_swino3x3_avx2(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// CHECK-DAG:   memref.global "private" constant @w_winograd : memref<3x36x32x12xf32> = dense_resource<w_winograd> {alignment = 64 : i64}
// CHECK-NOT:   memref.global "private" constant @w :
// CHECK-NOT:   kiln_sconv2d_avx2
// CHECK-LABEL: func.func @winograd(
// CHECK-SAME:      %[[X:.*]]: memref<?x32x?x?xf32>, %[[Y:.*]]: memref<?x32x?x?xf32>
// CHECK-DAG:     %[[U:.*]] = memref.get_global @w_winograd : memref<3x36x32x12xf32>
// CHECK-DAG:     %[[WO:.*]] = memref.get_global @w_chanvec : memref<1x288x32xf32>
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG:     %[[N:.*]] = memref.dim %[[X]], %[[C0]]
// CHECK-DAG:     %[[H:.*]] = memref.dim %[[X]], %[[C2]]
// CHECK-DAG:     %[[W:.*]] = memref.dim %[[X]], %[[C3]]
// CHECK-DAG:     %[[OH:.*]] = memref.dim %[[Y]], %[[C2]]
// CHECK-DAG:     %[[OW:.*]] = memref.dim %[[Y]], %[[C3]]
// CHECK-DAG:     %{{.*}}, %{{.*}}, %{{.*}}:4, %[[SX:.*]]:4 = memref.extract_strided_metadata %[[X]]
// CHECK-DAG:     %{{.*}}, %{{.*}}, %{{.*}}:4, %[[SY:.*]]:4 = memref.extract_strided_metadata %[[Y]]
// CHECK-DAG:     %{{.*}}, %{{.*}}, %{{.*}}:3, %[[SW:.*]]:3 = memref.extract_strided_metadata %[[WO]]
// CHECK:         call @kiln_swino3x3_avx2(%[[N]], %[[C32]], %[[C32]], %[[H]], %[[W]], %[[OH]], %[[OW]], %[[C0]], %[[C0]], %{{.*}}, %[[SX]]#0, %[[SX]]#1, %[[SX]]#2, %[[SX]]#3, %{{.*}}, %{{.*}}, %[[C1]], %[[SW]]#1, %[[C0]], %[[C0]], %{{.*}}, %[[SY]]#0, %[[SY]]#1, %[[SY]]#2, %[[SY]]#3, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT:     linalg.conv_2d_nchw_fchw
// CHECK:       w_winograd: "0x40000000{{(0000803D)+}}000000BE
// CHECK-SAME:  0000803D0000803D0000803D0000803D0000803D0000803D0000803D0000803D00000000000000000000000000000000

// OFF-LABEL: func.func @winograd(
// OFF:         memref.get_global @w_chanvec : memref<1x288x32xf32>
// OFF:         call @kiln_sconv2d_avx2(
// OFF-NOT:     kiln_swino3x3
memref.global "private" constant @w : memref<32x32x3x3xf32> = dense<1.0>
func.func @winograd(%x: memref<?x32x?x?xf32>, %y: memref<?x32x?x?xf32>) {
  %w = memref.get_global @w : memref<32x32x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx2>}
    ins(%x, %w : memref<?x32x?x?xf32>, memref<32x32x3x3xf32>) outs(%y : memref<?x32x?x?xf32>)
  return
}

// -----

// The output may be any strided view (here every other column of a wider
// buffer): the kernel writes through its strides, no contiguous copy. Two
// layers of one global share its transformed copy (6 panels of 12 filters
// for 64), and the global read by both goes. Static sizes: no fallback
// weights (0, 0, 0).

// CHECK-NOT:   memref.global "private" constant @w64 :
// CHECK-LABEL: func.func @strided_output_shared(
// CHECK-SAME:      %[[Y:[a-z0-9]+]]: memref<1x64x28x28xf32, strided<[100352, 1568, 56, 2]>>
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     memref.copy
// CHECK:         %[[U:.*]] = memref.get_global @w64_winograd : memref<6x36x64x12xf32>
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:4, %{{.*}}:4 = memref.extract_strided_metadata %[[U]]
// CHECK:         %[[UP:.*]] = arith.addi
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:4, %[[SY:.*]]:4 = memref.extract_strided_metadata %[[Y]]
// CHECK:         call @kiln_swino3x3_avx512({{.*}}, %[[UP]], %[[Z:[a-z0-9_]+]], %[[Z]], %[[Z]], %{{.*}}, %{{.*}}, %{{.*}}, %[[SY]]#0, %[[SY]]#1, %[[SY]]#2, %[[SY]]#3, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT:     memref.get_global
// CHECK:         call @kiln_swino3x3_avx512({{.*}}, %[[UP]], 
// CHECK-NOT:     memref.copy
memref.global "private" constant @w64 : memref<64x64x3x3xf32> = dense<0.5>
func.func @strided_output_shared(%x: memref<1x64x30x30xf32>, %y: memref<1x64x28x28xf32, strided<[100352, 1568, 56, 2]>>, %y2: memref<1x64x28x28xf32>) {
  %w = memref.get_global @w64 : memref<64x64x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x, %w : memref<1x64x30x30xf32>, memref<64x64x3x3xf32>) outs(%y : memref<1x64x28x28xf32, strided<[100352, 1568, 56, 2]>>)
  %w2 = memref.get_global @w64 : memref<64x64x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x, %w2 : memref<1x64x30x30xf32>, memref<64x64x3x3xf32>) outs(%y2 : memref<1x64x28x28xf32>)
  return
}

// -----

// Direct, not Winograd: a stride, a dilation, a 5x5 kernel, 16 channels,
// a 7 x 7 output (4 tiles), 10 x 10 (9 tiles), and weights that are not a
// constant.

// CHECK-LABEL: func.func @not_winograd(
// CHECK-NOT:     kiln_swino3x3
// CHECK-NOT:     _winograd
memref.global "private" constant @wk : memref<32x32x3x3xf32> = dense<0.5>
memref.global "private" constant @w5 : memref<32x32x5x5xf32> = dense<0.5>
memref.global "private" constant @w16 : memref<32x16x3x3xf32> = dense<0.5>
func.func @not_winograd(%x: memref<1x32x?x?xf32>, %x16: memref<1x16x?x?xf32>, %y: memref<1x32x?x?xf32>,
                        %x9: memref<1x32x9x9xf32>, %y7: memref<1x32x7x7xf32>,
                        %x12: memref<1x32x12x12xf32>, %y10: memref<1x32x10x10xf32>, %wv: memref<32x32x3x3xf32>) {
  %w = memref.get_global @wk : memref<32x32x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x, %w : memref<1x32x?x?xf32>, memref<32x32x3x3xf32>) outs(%y : memref<1x32x?x?xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<[1, 2]> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x, %w : memref<1x32x?x?xf32>, memref<32x32x3x3xf32>) outs(%y : memref<1x32x?x?xf32>)
  %w5 = memref.get_global @w5 : memref<32x32x5x5xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x, %w5 : memref<1x32x?x?xf32>, memref<32x32x5x5xf32>) outs(%y : memref<1x32x?x?xf32>)
  %w16 = memref.get_global @w16 : memref<32x16x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x16, %w16 : memref<1x16x?x?xf32>, memref<32x16x3x3xf32>) outs(%y : memref<1x32x?x?xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x9, %w : memref<1x32x9x9xf32>, memref<32x32x3x3xf32>) outs(%y7 : memref<1x32x7x7xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x12, %w : memref<1x32x12x12xf32>, memref<32x32x3x3xf32>) outs(%y10 : memref<1x32x10x10xf32>)
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x, %wv : memref<1x32x?x?xf32>, memref<32x32x3x3xf32>) outs(%y : memref<1x32x?x?xf32>)
  return
}

// -----

// Symbolic sizes on AVX-512: the fallback weights are the filters-in-lanes
// layout [1, K, F] (f stride 1, k stride F), and the original global goes.

// CHECK-DAG:   memref.global "private" constant @wd_winograd : memref<6x36x64x12xf32>
// CHECK-DAG:   memref.global "private" constant @wd_chanvec : memref<1x576x64xf32>
// CHECK-NOT:   memref.global "private" constant @wd :
// CHECK-LABEL: func.func @symbolic_avx512(
// CHECK-DAG:     %[[T:.*]] = memref.get_global @wd_chanvec : memref<1x576x64xf32>
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %{{.*}}, %{{.*}}, %{{.*}}:3, %[[ST:.*]]:3 = memref.extract_strided_metadata %[[T]]
// CHECK:         call @kiln_swino3x3_avx512({{.*}}, %[[C1]], %[[ST]]#1, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
memref.global "private" constant @wd : memref<64x64x3x3xf32> = dense<0.25>
func.func @symbolic_avx512(%x: memref<1x64x?x?xf32>, %y: memref<1x64x?x?xf32>) {
  %w = memref.get_global @wd : memref<64x64x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x, %w : memref<1x64x?x?xf32>, memref<64x64x3x3xf32>) outs(%y : memref<1x64x?x?xf32>)
  return
}

// -----

// Between 16 and 40 tiles Winograd takes a layer whose weights are at most
// 256 x 256: 14 x 14 (16 tiles) of 256 channels and 20 x 20 (25 tiles in 32
// lanes) of 32, not 14 x 14 of 256 channels and 512 filters (transformed
// weights of 18.9 MB, streamed once per block of 16 tiles).

// CHECK-LABEL: func.func @sixteen_tiles(
// CHECK:         call @kiln_swino3x3_avx512(
// CHECK:         call @kiln_swino3x3_avx512(
// CHECK:         call @kiln_sconv2d_avx512(
// CHECK-NOT:     kiln_swino3x3
memref.global "private" constant @w32 : memref<32x32x3x3xf32> = dense<0.5>
memref.global "private" constant @w256 : memref<256x256x3x3xf32> = dense<0.5>
memref.global "private" constant @w512 : memref<512x256x3x3xf32> = dense<0.5>
func.func @sixteen_tiles(%x: memref<1x32x22x22xf32>, %y: memref<1x32x20x20xf32>,
                         %x2: memref<1x256x16x16xf32>, %y2: memref<1x256x14x14xf32>,
                         %y3: memref<1x512x14x14xf32>) {
  %w = memref.get_global @w32 : memref<32x32x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x, %w : memref<1x32x22x22xf32>, memref<32x32x3x3xf32>) outs(%y : memref<1x32x20x20xf32>)
  %w2 = memref.get_global @w256 : memref<256x256x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x2, %w2 : memref<1x256x16x16xf32>, memref<256x256x3x3xf32>) outs(%y2 : memref<1x256x14x14xf32>)
  %w3 = memref.get_global @w512 : memref<512x256x3x3xf32>
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x2, %w3 : memref<1x256x16x16xf32>, memref<512x256x3x3xf32>) outs(%y3 : memref<1x512x14x14xf32>)
  return
}
