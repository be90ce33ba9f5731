// RUN: kiln-opt %s --split-input-file --kiln-pointwise-depthwise-ukernel -cse | FileCheck %s

// An inverted residual block's expansion and depthwise layers as
// bufferization leaves them: a 1x1 convolution as a gemm from a bias into
// a collapsed view, ReLU6 into a fresh buffer, that buffer copied into a
// zero-padded one, the depthwise convolution from its bias, then ReLU6.
// All of it becomes one kiln_pwdw call: x's sizes, F = 24, the 3x3
// window with stride 2 and padding 1, x, the pointwise weights with
// filters in lanes, its bias, ReLU6 (activation 2, alpha 0.0, beta 6.0 as
// bit patterns), the depthwise weights and bias, y and no epilogue. The
// expanded tensor, its padded copy and the bias broadcasts are not made.

// CHECK-DAG:   memref.global "private" constant @w1_pw_lanes{{.*}} : memref<256xf32>
// CHECK-DAG:   memref.global "private" constant @w2_dw_lanes{{.*}} : memref<288xf32>
// CHECK-DAG:   func.func private @kiln_pwdw_avx512(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// CHECK-LABEL: func.func @block(
// CHECK-SAME:      %[[X:.*]]: memref<1x8x16x16xf32>
// CHECK-NOT:     linalg.
// CHECK-NOT:     memref.copy
// CHECK:         %[[Y:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1x24x8x8xf32>
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[C3:.*]] = arith.constant 3 : index
// CHECK-DAG:     %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG:     %[[C24:.*]] = arith.constant 24 : index
// CHECK-DAG:     %[[RELU6:.*]] = arith.constant 1086324736 : index
// CHECK-DAG:     %[[W1:.*]] = memref.get_global @w1_pw_lanes
// CHECK-DAG:     %[[W2:.*]] = memref.get_global @w2_dw_lanes
// CHECK:         call @kiln_pwdw_avx512(%{{.*}}, %[[C8]], %{{.*}}, %{{.*}}, %[[C24]], %{{.*}}, %{{.*}}, %[[C3]], %[[C3]], %[[C2]], %[[C2]], %[[C1]], %[[C1]], %[[C1]], %[[C1]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C2]], %{{.*}}, %[[RELU6]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[C2]], %{{.*}}, %[[RELU6]], %{{.*}})
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     linalg.
// CHECK:         return %[[Y]]
#bias = affine_map<(d0, d1, d2, d3) -> (d1)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#a = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
#b = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
#c = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
module attributes {kiln.target = #kiln.target<isa = avx512, vector_bits = 512, vector_registers = 32, l1_bytes = 49152, l2_bytes = 2097152>} {
  memref.global "private" constant @w1 : memref<24x8x1x1xf32> = dense<0.5>
  memref.global "private" constant @b1 : memref<24xf32> = dense<0.25>
  memref.global "private" constant @w2 : memref<24x3x3xf32> = dense<-0.5>
  memref.global "private" constant @b2 : memref<24xf32> = dense<0.125>
  func.func @block(%x: memref<1x8x16x16xf32>) -> memref<1x24x8x8xf32> {
    %zero = arith.constant 0.000000e+00 : f32
    %six = arith.constant 6.000000e+00 : f32
    %w1 = memref.get_global @w1 : memref<24x8x1x1xf32>
    %b1 = memref.get_global @b1 : memref<24xf32>
    %w2 = memref.get_global @w2 : memref<24x3x3xf32>
    %b2 = memref.get_global @b2 : memref<24xf32>
    %z = memref.alloc() {alignment = 64 : i64} : memref<1x24x16x16xf32>
    %z1 = memref.alloc() {alignment = 64 : i64} : memref<1x24x16x16xf32>
    linalg.generic {indexing_maps = [#bias, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%b1 : memref<24xf32>) outs(%z1 : memref<1x24x16x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    }
    %xc = memref.collapse_shape %x [[0], [1], [2, 3]] : memref<1x8x16x16xf32> into memref<1x8x256xf32>
    %w1c = memref.collapse_shape %w1 [[0], [1, 2, 3]] : memref<24x8x1x1xf32> into memref<24x8xf32>
    %z1c = memref.collapse_shape %z1 [[0], [1], [2, 3]] : memref<1x24x16x16xf32> into memref<1x24x256xf32>
    linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%w1c, %xc : memref<24x8xf32>, memref<1x8x256xf32>) outs(%z1c : memref<1x24x256xf32>)
        attrs = {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx512>} {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %m = arith.mulf %in, %in_0 : f32
      %s = arith.addf %out, %m : f32
      linalg.yield %s : f32
    }
    %zc = memref.collapse_shape %z [[0], [1], [2, 3]] : memref<1x24x16x16xf32> into memref<1x24x256xf32>
    linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
        ins(%z1c : memref<1x24x256xf32>) outs(%zc : memref<1x24x256xf32>) {
    ^bb0(%in: f32, %out: f32):
      %lo = arith.maximumf %in, %zero : f32
      %hi = arith.minimumf %lo, %six : f32
      linalg.yield %hi : f32
    }
    %p = memref.alloc() {alignment = 64 : i64} : memref<1x24x18x18xf32>
    linalg.map outs(%p : memref<1x24x18x18xf32>)
      (%init: f32) {
        linalg.yield %zero : f32
      }
    %inner = memref.subview %p[0, 0, 1, 1] [1, 24, 16, 16] [1, 1, 1, 1] : memref<1x24x18x18xf32> to memref<1x24x16x16xf32, strided<[7776, 324, 18, 1], offset: 19>>
    memref.copy %z, %inner : memref<1x24x16x16xf32> to memref<1x24x16x16xf32, strided<[7776, 324, 18, 1], offset: 19>>
    %y = memref.alloc() {alignment = 64 : i64} : memref<1x24x8x8xf32>
    %y1 = memref.alloc() {alignment = 64 : i64} : memref<1x24x8x8xf32>
    linalg.generic {indexing_maps = [#bias, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%b2 : memref<24xf32>) outs(%y1 : memref<1x24x8x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    }
    linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>,
                                       kiln.lowering_config = #kiln.lowering_config<depthwise_ukernel, avx512>}
        ins(%p, %w2 : memref<1x24x18x18xf32>, memref<24x3x3xf32>) outs(%y1 : memref<1x24x8x8xf32>)
    linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%y1 : memref<1x24x8x8xf32>) outs(%y : memref<1x24x8x8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %lo = arith.maximumf %in, %zero : f32
      %hi = arith.minimumf %lo, %six : f32
      linalg.yield %hi : f32
    }
    memref.dealloc %z : memref<1x24x16x16xf32>
    memref.dealloc %z1 : memref<1x24x16x16xf32>
    memref.dealloc %p : memref<1x24x18x18xf32>
    memref.dealloc %y1 : memref<1x24x8x8xf32>
    return %y : memref<1x24x8x8xf32>
  }
}

// -----

// The expanded tensor is also returned: both layers stay for the other
// ukernel passes.

// CHECK-LABEL: func.func @expanded_returned(
// CHECK-NOT:     call @kiln_pwdw
// CHECK:         linalg.generic
// CHECK:         linalg.depthwise_conv_2d_nchw_chw
#bias = affine_map<(d0, d1, d2, d3) -> (d1)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#a = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
#b = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
#c = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
module attributes {kiln.target = #kiln.target<isa = avx512, vector_bits = 512, vector_registers = 32, l1_bytes = 49152, l2_bytes = 2097152>} {
  memref.global "private" constant @w1 : memref<24x8xf32> = dense<0.5>
  memref.global "private" constant @w2 : memref<24x3x3xf32> = dense<-0.5>
  memref.global "private" constant @b : memref<24xf32> = dense<0.125>
  func.func @expanded_returned(%x: memref<1x8x16x16xf32>) -> (memref<1x24x16x16xf32>, memref<1x24x14x14xf32>) {
    %w1 = memref.get_global @w1 : memref<24x8xf32>
    %w2 = memref.get_global @w2 : memref<24x3x3xf32>
    %b = memref.get_global @b : memref<24xf32>
    %z = memref.alloc() {alignment = 64 : i64} : memref<1x24x16x16xf32>
    linalg.generic {indexing_maps = [#bias, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%b : memref<24xf32>) outs(%z : memref<1x24x16x16xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    }
    %xc = memref.collapse_shape %x [[0], [1], [2, 3]] : memref<1x8x16x16xf32> into memref<1x8x256xf32>
    %zc = memref.collapse_shape %z [[0], [1], [2, 3]] : memref<1x24x16x16xf32> into memref<1x24x256xf32>
    linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%w1, %xc : memref<24x8xf32>, memref<1x8x256xf32>) outs(%zc : memref<1x24x256xf32>)
        attrs = {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx512>} {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %m = arith.mulf %in, %in_0 : f32
      %s = arith.addf %out, %m : f32
      linalg.yield %s : f32
    }
    %y = memref.alloc() {alignment = 64 : i64} : memref<1x24x14x14xf32>
    linalg.generic {indexing_maps = [#bias, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
        ins(%b : memref<24xf32>) outs(%y : memref<1x24x14x14xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    }
    linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                       kiln.lowering_config = #kiln.lowering_config<depthwise_ukernel, avx512>}
        ins(%z, %w2 : memref<1x24x16x16xf32>, memref<24x3x3xf32>) outs(%y : memref<1x24x14x14xf32>)
    return %z, %y : memref<1x24x16x16xf32>, memref<1x24x14x14xf32>
  }
}

// -----

// Weights that are not constants (function arguments) are not stored in
// the kernel's layout: the layers stay apart.

// CHECK-LABEL: func.func @weights_fed(
// CHECK-NOT:     call @kiln_pwdw
// CHECK:         linalg.depthwise_conv_2d_nchw_chw
#bias = affine_map<(d0, d1, d2, d3) -> (d1)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#a = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
#b = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
#c = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
module attributes {kiln.target = #kiln.target<isa = avx512, vector_bits = 512, vector_registers = 32, l1_bytes = 49152, l2_bytes = 2097152>} {
  func.func @weights_fed(%x: memref<1x8x16x16xf32>, %w1: memref<24x8xf32>, %w2: memref<24x3x3xf32>) -> memref<1x24x14x14xf32> {
    %zero = arith.constant 0.000000e+00 : f32
    %z = memref.alloc() {alignment = 64 : i64} : memref<1x24x16x16xf32>
    linalg.fill ins(%zero : f32) outs(%z : memref<1x24x16x16xf32>)
    %xc = memref.collapse_shape %x [[0], [1], [2, 3]] : memref<1x8x16x16xf32> into memref<1x8x256xf32>
    %zc = memref.collapse_shape %z [[0], [1], [2, 3]] : memref<1x24x16x16xf32> into memref<1x24x256xf32>
    linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%w1, %xc : memref<24x8xf32>, memref<1x8x256xf32>) outs(%zc : memref<1x24x256xf32>)
        attrs = {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx512>} {
    ^bb0(%in: f32, %in_0: f32, %out: f32):
      %m = arith.mulf %in, %in_0 : f32
      %s = arith.addf %out, %m : f32
      linalg.yield %s : f32
    }
    %y = memref.alloc() {alignment = 64 : i64} : memref<1x24x14x14xf32>
    linalg.fill ins(%zero : f32) outs(%y : memref<1x24x14x14xf32>)
    linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                       kiln.lowering_config = #kiln.lowering_config<depthwise_ukernel, avx512>}
        ins(%z, %w2 : memref<1x24x16x16xf32>, memref<24x3x3xf32>) outs(%y : memref<1x24x14x14xf32>)
    memref.dealloc %z : memref<1x24x16x16xf32>
    return %y : memref<1x24x14x14xf32>
  }
}
