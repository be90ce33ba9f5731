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

// Left alone: a transpose (the dims are not in the same order in both
// maps), a reduction, and an op that reads its loop indices.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: memref.collapse_shape
#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#tr = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
#red = affine_map<(d0, d1, d2) -> (d0, d1)>
func.func @left_alone(%x: memref<4x5x6xf32>, %y: memref<4x6x5xf32>, %r: memref<4x5xf32>, %i: memref<4x5x6xi64>) {
  linalg.generic {indexing_maps = [#id, #tr], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : memref<4x5x6xf32>) outs(%y : memref<4x6x5xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  linalg.generic {indexing_maps = [#id, #red], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : memref<4x5x6xf32>) outs(%r : memref<4x5xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
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
