// RUN: kiln-opt %s --split-input-file --kiln-interchange-window-loops | FileCheck %s

// A 5 x 5 max pool of stride 1: ow (d3) moves inside the window loops, so
// the innermost loop walks a row of the output.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2 + d3, d4 + d5)>
// CHECK-DAG: #[[WIN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d3, d4)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d5)>
// CHECK-LABEL: func.func @max_pool
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[WIN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction", "parallel"]}
// CHECK: arith.maximumf
func.func @max_pool(%x: memref<1x8x14x14xf32>, %y: memref<1x8x10x10xf32>) {
  %w = memref.alloc() : memref<5x5xf32>
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : memref<1x8x14x14xf32>, memref<5x5xf32>) outs(%y : memref<1x8x10x10xf32>)
  return
}

// -----

// A reduction over a middle axis (ReduceSum over C of [N, C, HW]): the
// output's last dim walks both buffers' last dims, so it goes innermost.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @middle_axis
// CHECK: iterator_types = ["parallel", "reduction", "parallel"]
#in = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
#out = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @middle_axis(%x: memref<2x16x100xf32>, %y: memref<2x100xf32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : memref<2x16x100xf32>) outs(%y : memref<2x100xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Left alone: a pool of stride 2 (its inner loop would read every other
// float), a reduction over the last axis (already innermost and
// contiguous), and an all-parallel op.
// CHECK-LABEL: func.func @left_alone
// CHECK: linalg.pooling_nchw_max
// CHECK: iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: iterator_types = ["parallel", "parallel"]
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#red = affine_map<(d0, d1, d2) -> (d0, d1)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @left_alone(%x: memref<1x8x14x14xf32>, %y: memref<1x8x6x6xf32>, %a: memref<2x3x4xf32>, %r: memref<2x3xf32>) {
  %w = memref.alloc() : memref<3x3xf32>
  linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : memref<1x8x14x14xf32>, memref<3x3xf32>) outs(%y : memref<1x8x6x6xf32>)
  linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a : memref<2x3x4xf32>) outs(%r : memref<2x3xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %v, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%r : memref<2x3xf32>) outs(%r : memref<2x3xf32>) {
  ^bb0(%v: f32, %o: f32):
    linalg.yield %v : f32
  }
  return
}
