// RUN: kiln-opt %s --split-input-file --kiln-fold-expand-into-epilogue | FileCheck %s

// A MatMul of [B, S, K] by [K, N] runs on the collapsed [B * S, K] and its
// result is expanded back; the bias Add on [B, S, N] is collapsed to the
// matmul's shape instead, so that it reads the matmul's result directly
// (kiln-fold-bias-into-init then starts the accumulator at the bias), and
// the expand moves after it. The sizes the expand named stay the output's.
// CHECK-LABEL: func.func @bias_after_batched_matmul
// CHECK:         %[[MM:.*]] = linalg.matmul
// CHECK:         %[[ADD:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]{{.*}} ins(%[[MM]], %{{.*}} : tensor<?x256xf32>, tensor<256xf32>)
// CHECK:         %[[OUT:.*]] = tensor.expand_shape %[[ADD]] {{\[}}[0, 1], [2]] output_shape [%{{.*}}, %{{.*}}, 256]
// CHECK:         return %[[OUT]]
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#bias = affine_map<(d0, d1, d2) -> (d2)>
func.func @bias_after_batched_matmul(%x: tensor<?x?x256xf32>, %w: tensor<256x256xf32>, %b: tensor<256xf32>) -> tensor<?x?x256xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %d0 = tensor.dim %x, %c0 : tensor<?x?x256xf32>
  %d1 = tensor.dim %x, %c1 : tensor<?x?x256xf32>
  %rows = arith.muli %d0, %d1 : index
  %xc = tensor.collapse_shape %x [[0, 1], [2]] : tensor<?x?x256xf32> into tensor<?x256xf32>
  %e = tensor.empty(%rows) : tensor<?x256xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x256xf32>) -> tensor<?x256xf32>
  %mm = linalg.matmul ins(%xc, %w : tensor<?x256xf32>, tensor<256x256xf32>) outs(%acc : tensor<?x256xf32>) -> tensor<?x256xf32>
  %ex = tensor.expand_shape %mm [[0, 1], [2]] output_shape [%d0, %d1, 256] : tensor<?x256xf32> into tensor<?x?x256xf32>
  %s0 = tensor.dim %ex, %c0 : tensor<?x?x256xf32>
  %s1 = tensor.dim %ex, %c1 : tensor<?x?x256xf32>
  %o = tensor.empty(%s0, %s1) : tensor<?x?x256xf32>
  %y = linalg.generic {indexing_maps = [#id, #bias, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ex, %b : tensor<?x?x256xf32>, tensor<256xf32>) outs(%o : tensor<?x?x256xf32>) {
  ^bb0(%a: f32, %c: f32, %out: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<?x?x256xf32>
  return %y : tensor<?x?x256xf32>
}

// -----

// A pointwise convolution as kiln-conv-to-gemm leaves it (a generic with a
// reduction over channels on [N, F, H * W]) followed by a SiLU on
// [N, F, H, W]: the SiLU is collapsed to [N, F, H * W].
// CHECK-LABEL: func.func @silu_after_conv_gemm
// CHECK:         %[[G:.*]] = linalg.generic {{.*}}"reduction"
// CHECK:         %[[S:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]{{.*}} ins(%[[G]] : tensor<1x8x?xf32>)
// CHECK:         tensor.expand_shape %[[S]] {{\[}}[0], [1], [2, 3]]
#w = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
#x = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
#y = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @silu_after_conv_gemm(%wt: tensor<8x4xf32>, %x: tensor<1x4x?xf32>, %acc: tensor<1x8x?xf32>, %h: index, %wd: index) -> tensor<1x8x?x?xf32> {
  %g = linalg.generic {indexing_maps = [#w, #x, #y], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%wt, %x : tensor<8x4xf32>, tensor<1x4x?xf32>) outs(%acc : tensor<1x8x?xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x8x?xf32>
  %ex = tensor.expand_shape %g [[0], [1], [2, 3]] output_shape [1, 8, %h, %wd] : tensor<1x8x?xf32> into tensor<1x8x?x?xf32>
  %e = tensor.empty(%h, %wd) : tensor<1x8x?x?xf32>
  %y = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%ex : tensor<1x8x?x?xf32>) outs(%e : tensor<1x8x?x?xf32>) {
  ^bb0(%v: f32, %o: f32):
    %n = arith.negf %v : f32
    %ex2 = math.exp %n : f32
    %one = arith.constant 1.0 : f32
    %d = arith.addf %ex2, %one : f32
    %r = arith.divf %v, %d : f32
    linalg.yield %r : f32
  } -> tensor<1x8x?x?xf32>
  return %y : tensor<1x8x?x?xf32>
}

// -----

// Left alone: an expand of an elementwise op's result (no contraction).
// CHECK-LABEL: func.func @no_contraction
// CHECK:         tensor.expand_shape
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @no_contraction(%x: tensor<6x5xf32>) -> tensor<2x3x5xf32> {
  %ex = tensor.expand_shape %x [[0, 1], [2]] output_shape [2, 3, 5] : tensor<6x5xf32> into tensor<2x3x5xf32>
  %e3 = tensor.empty() : tensor<2x3x5xf32>
  %y = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ex : tensor<2x3x5xf32>) outs(%e3 : tensor<2x3x5xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.exp %a : f32
    linalg.yield %r : f32
  } -> tensor<2x3x5xf32>
  return %y : tensor<2x3x5xf32>
}
