// RUN: kiln-opt %s --split-input-file --kiln-fuse-elementwise | FileCheck %s

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
