// RUN: kiln-opt %s --split-input-file --kiln-collapse-contiguous-dims | FileCheck %s

// An elementwise op over identity layouts is one loop over all elements.
// CHECK-LABEL: func.func @silu
// CHECK-DAG: %[[X:.*]] = memref.collapse_shape %arg0 {{\[}}[0, 1, 2, 3]] : memref<1x192x40x40xf32> into memref<307200xf32>
// CHECK-DAG: %[[Y:.*]] = memref.collapse_shape %arg1 {{\[}}[0, 1, 2, 3]] : memref<1x192x?x?xf32> into memref<?xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel"]} ins(%[[X]] : memref<307200xf32>) outs(%[[Y]] : memref<?xf32>)
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @silu(%x: memref<1x192x40x40xf32>, %y: memref<1x192x?x?xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : memref<1x192x40x40xf32>) outs(%y : memref<1x192x?x?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    %e = math.exp %n : f32
    %one = arith.constant 1.0 : f32
    %d = arith.addf %e, %one : f32
    %r = arith.divf %a, %d : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A per-channel bias: the spatial dims merge, the channel stays.
// CHECK-LABEL: func.func @bias
// CHECK: memref.collapse_shape %arg0 {{\[}}[0], [1], [2, 3]] : memref<2x8x5x7xf32> into memref<2x8x35xf32>
// CHECK: iterator_types = ["parallel", "parallel", "parallel"]
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#chan = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @bias(%x: memref<2x8x5x7xf32>, %b: memref<8xf32>, %y: memref<2x8x5x7xf32>) {
  linalg.generic {indexing_maps = [#id, #chan, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %b : memref<2x8x5x7xf32>, memref<8xf32>) outs(%y : memref<2x8x5x7xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %r = arith.addf %a, %c : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A view into a wider buffer (a Concat's slice): its rows are 10 floats of
// 14, so only the dims its strides prove contiguous merge (channels with
// nothing, rows with nothing), and dims whose strides are dynamic stay.
// CHECK-LABEL: func.func @strided
// CHECK-NOT: memref.collapse_shape
// CHECK: iterator_types = ["parallel", "parallel", "parallel"]
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @strided(%x: memref<4x10x10xf32, strided<[196, 14, 1], offset: 30>>, %y: memref<4x10x10xf32>, %z: memref<4x10x10xf32, strided<[?, ?, 1]>>) {
  linalg.copy ins(%x : memref<4x10x10xf32, strided<[196, 14, 1], offset: 30>>) outs(%y : memref<4x10x10xf32>)
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%y : memref<4x10x10xf32>) outs(%z : memref<4x10x10xf32, strided<[?, ?, 1]>>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  return
}

// -----

// A strided slice whose strides prove contiguity (a channel slice of a
// whole batch-1 image): merged.
// CHECK-LABEL: func.func @channel_slice
// CHECK: memref.collapse_shape %arg0 {{\[}}[0, 1, 2]] : memref<4x10x10xf32, strided<[100, 10, 1], offset: 400>> into memref<400xf32, strided<[1], offset: 400>>
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @channel_slice(%x: memref<4x10x10xf32, strided<[100, 10, 1], offset: 400>>, %y: memref<4x10x10xf32>) {
  linalg.copy ins(%x : memref<4x10x10xf32, strided<[100, 10, 1], offset: 400>>) outs(%y : memref<4x10x10xf32>)
  return
}

// -----

// A global average pool's sum (with the bias and ReLU6 fused into it):
// H and W, both reductions and contiguous, become one reduction, the
// innermost (which kiln-reduction-accumulators keeps in a register).
// CHECK-LABEL: func.func @global_pool
// CHECK: %[[X:.*]] = memref.collapse_shape %arg0 {{\[}}[0], [1], [2, 3]] : memref<1x1280x7x7xf32> into memref<1x1280x49xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %arg1 : memref<1x1280x49xf32>, memref<1280xf32>) outs(%arg2 : memref<1x1280xf32>)
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#chan = affine_map<(d0, d1, d2, d3) -> (d1)>
#pooled = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
func.func @global_pool(%x: memref<1x1280x7x7xf32>, %b: memref<1280xf32>, %y: memref<1x1280xf32>) {
  linalg.generic {indexing_maps = [#id4, #chan, #pooled], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %b : memref<1x1280x7x7xf32>, memref<1280xf32>) outs(%y : memref<1x1280xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %zero = arith.constant 0.0 : f32
    %six = arith.constant 6.0 : f32
    %s = arith.addf %a, %c : f32
    %lo = arith.maximumf %s, %zero : f32
    %hi = arith.minimumf %lo, %six : f32
    %r = arith.addf %o, %hi : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// A reduction over the last dim: its parallel dims merge.
// CHECK-LABEL: func.func @row_sums
// CHECK-DAG: %[[X:.*]] = memref.collapse_shape %arg0 {{\[}}[0, 1], [2]] : memref<4x5x6xf32> into memref<20x6xf32>
// CHECK-DAG: %[[R:.*]] = memref.collapse_shape %arg1 {{\[}}[0, 1]] : memref<4x5xf32> into memref<20xf32>
// CHECK: iterator_types = ["parallel", "reduction"]} ins(%[[X]] : memref<20x6xf32>) outs(%[[R]] : memref<20xf32>)
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#red = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @row_sums(%x: memref<4x5x6xf32>, %r: memref<4x5xf32>) {
  linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : memref<4x5x6xf32>) outs(%r : memref<4x5xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Loops of different kinds never merge (the output indexes only the
// parallel ones), though contiguous: a reduction over the middle dim
// between two parallel ones. Nor do reductions over dims that are not
// contiguous: a sum over H and W of a view whose rows of 7 are 9 apart.
// CHECK-LABEL: func.func @kinds_and_strides
// CHECK-NOT: memref.collapse_shape
// CHECK: iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: iterator_types = ["parallel", "reduction", "reduction"]
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#mid = affine_map<(d0, d1, d2) -> (d0, d2)>
#first = affine_map<(d0, d1, d2) -> (d0)>
func.func @kinds_and_strides(%x: memref<4x5x6xf32>, %m: memref<4x6xf32>, %v: memref<3x7x7xf32, strided<[63, 9, 1]>>, %s: memref<3xf32>) {
  linalg.generic {indexing_maps = [#id, #mid], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x : memref<4x5x6xf32>) outs(%m : memref<4x6xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  }
  linalg.generic {indexing_maps = [#id, #first], iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%v : memref<3x7x7xf32, strided<[63, 9, 1]>>) outs(%s : memref<3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.addf %a, %o : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Left alone: a transpose (the dims are not in the same order in both
// maps) and an op that reads its loop indices.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: memref.collapse_shape
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#tr = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
func.func @left_alone(%x: memref<4x5x6xf32>, %y: memref<4x6x5xf32>, %i: memref<4x5x6xi64>) {
  linalg.generic {indexing_maps = [#id, #tr], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : memref<4x5x6xf32>) outs(%y : memref<4x6x5xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel", "parallel"]}
      outs(%i : memref<4x5x6xi64>) {
  ^bb0(%o: i64):
    %k = linalg.index 2 : index
    %c = arith.index_cast %k : index to i64
    linalg.yield %c : i64
  }
  return
}

// -----

// Left alone: a size-1 dim read as a constant 0 (a reduction's kept dim),
// and a diagonal.
// CHECK-LABEL: func.func @not_permutations
// CHECK-NOT: memref.collapse_shape
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#bcast = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#diag = affine_map<(d0, d1) -> (d0, d1, d1)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @not_permutations(%x: memref<3x4x5xf32>, %m: memref<3x4x1xf32>, %y: memref<3x4x5xf32>, %sq: memref<3x4x4xf32>, %d: memref<3x4xf32>) {
  linalg.generic {indexing_maps = [#id, #bcast, #id], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %m : memref<3x4x5xf32>, memref<3x4x1xf32>) outs(%y : memref<3x4x5xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.subf %a, %b : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#diag, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%sq : memref<3x4x4xf32>) outs(%d : memref<3x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  return
}
