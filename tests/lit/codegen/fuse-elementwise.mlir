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

// -----

// A producer read broadcast is fused only when it is cheap: an index table
// computed with a division and a rounding per entry stays its own [W]
// generic (fused, it ran once per output element of the [C, W] gather),
// while a one-op broadcast bias still fuses.
// CHECK-LABEL: func.func @costly_broadcast_stays
// CHECK:         %[[TABLE:.*]] = linalg.generic
// CHECK-SAME:      outs(%{{.*}} : tensor<?xindex>)
// CHECK:           arith.divf
// CHECK:         linalg.generic
// CHECK-SAME:      ins(%[[TABLE]] : tensor<?xindex>)
// CHECK-NOT:       arith.divf
// CHECK:         return
// CHECK-LABEL: func.func @cheap_broadcast_fuses
// CHECK-COUNT-1: linalg.generic
// CHECK-NOT:     linalg.generic
#row = affine_map<(d0) -> (d0)>
#col = affine_map<(d0, d1) -> (d1)>
#chan = affine_map<(d0, d1) -> (d0)>
#all = affine_map<(d0, d1) -> (d0, d1)>
func.func @costly_broadcast_stays(%x: tensor<8x?xf32>, %w: index) -> tensor<8x?xf32> {
  %half = arith.constant 0.5 : f32
  %two = arith.constant 2.0 : f32
  %et = tensor.empty(%w) : tensor<?xindex>
  %table = linalg.generic {indexing_maps = [#row], iterator_types = ["parallel"]}
      outs(%et : tensor<?xindex>) {
  ^bb0(%o: index):
    %i = linalg.index 0 : index
    %ii = arith.index_cast %i : index to i64
    %f = arith.sitofp %ii : i64 to f32
    %a = arith.addf %f, %half : f32
    %d = arith.divf %a, %two : f32
    %c = math.ceil %d : f32
    %r = arith.fptosi %c : f32 to i64
    %ri = arith.index_cast %r : i64 to index
    linalg.yield %ri : index
  } -> tensor<?xindex>
  %ey = tensor.empty(%w) : tensor<8x?xf32>
  %y = linalg.generic {indexing_maps = [#col, #all], iterator_types = ["parallel", "parallel"]}
      ins(%table : tensor<?xindex>) outs(%ey : tensor<8x?xf32>) {
  ^bb0(%t: index, %o: f32):
    %c0 = linalg.index 0 : index
    %v = tensor.extract %x[%c0, %t] : tensor<8x?xf32>
    linalg.yield %v : f32
  } -> tensor<8x?xf32>
  return %y : tensor<8x?xf32>
}
func.func @cheap_broadcast_fuses(%x: tensor<8x16xf32>, %b: tensor<8xf32>) -> tensor<8x16xf32> {
  %eb = tensor.empty() : tensor<8xf32>
  %nb = linalg.generic {indexing_maps = [#row, #row], iterator_types = ["parallel"]}
      ins(%b : tensor<8xf32>) outs(%eb : tensor<8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.negf %a : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %ey = tensor.empty() : tensor<8x16xf32>
  %y = linalg.generic {indexing_maps = [#all, #chan, #all], iterator_types = ["parallel", "parallel"]}
      ins(%x, %nb : tensor<8x16xf32>, tensor<8xf32>) outs(%ey : tensor<8x16xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

// A rank-0 linalg.copy of a constant (a Loop counter's start) is left to
// canonicalization: upstream's constant folding of linalg ops crashed on
// ops without loops.
// CHECK-LABEL: func.func @rank0_copy_of_constant
// CHECK:         linalg.copy
func.func @rank0_copy_of_constant() -> tensor<i64> {
  %c = arith.constant dense<10> : tensor<i64>
  %e = tensor.empty() : tensor<i64>
  %r = linalg.copy ins(%c : tensor<i64>) outs(%e : tensor<i64>) -> tensor<i64>
  return %r : tensor<i64>
}
