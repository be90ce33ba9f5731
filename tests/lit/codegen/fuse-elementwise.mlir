// RUN: kiln-opt %s --split-input-file --kiln-fuse-elementwise | FileCheck %s

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

// The other direction stays closed for contractions: a collapse feeding a
// matmul is not folded by turning the matmul into a 3-D generic, and an
// elementwise op after an expand of an elementwise op's result is fused
// through it (one generic).
// CHECK-LABEL: func.func @matmul_stays_named
// CHECK:         tensor.collapse_shape
// CHECK:         linalg.matmul
// CHECK-LABEL: func.func @elementwise_through_expand
// CHECK-COUNT-1: linalg.generic
// CHECK-NOT:     linalg.generic
func.func @matmul_stays_named(%x: tensor<2x3x4xf32>, %w: tensor<4x5xf32>) -> tensor<6x5xf32> {
  %zero = arith.constant 0.0 : f32
  %xc = tensor.collapse_shape %x [[0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
  %e = tensor.empty() : tensor<6x5xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<6x5xf32>) -> tensor<6x5xf32>
  %mm = linalg.matmul ins(%xc, %w : tensor<6x4xf32>, tensor<4x5xf32>) outs(%acc : tensor<6x5xf32>) -> tensor<6x5xf32>
  return %mm : tensor<6x5xf32>
}
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @elementwise_through_expand(%x: tensor<6x5xf32>) -> tensor<2x3x5xf32> {
  %e = tensor.empty() : tensor<6x5xf32>
  %n = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<6x5xf32>) outs(%e : tensor<6x5xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  } -> tensor<6x5xf32>
  %ex = tensor.expand_shape %n [[0, 1], [2]] output_shape [2, 3, 5] : tensor<6x5xf32> into tensor<2x3x5xf32>
  %e3 = tensor.empty() : tensor<2x3x5xf32>
  %y = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ex : tensor<2x3x5xf32>) outs(%e3 : tensor<2x3x5xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.exp %a : f32
    linalg.yield %r : f32
  } -> tensor<2x3x5xf32>
  return %y : tensor<2x3x5xf32>
}
