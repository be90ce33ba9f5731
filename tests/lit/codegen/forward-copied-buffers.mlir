// RUN: kiln-opt %s --split-input-file \
// RUN:   --pass-pipeline="builtin.module(func.func(kiln-forward-copied-buffers))" \
// RUN:   | FileCheck %s

#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// A Concat of two computed inputs: each is computed into its slice of the
// result, and the copies go.
// CHECK-LABEL: func @concat
// CHECK:         %[[D:.*]] = memref.alloc(%{{.*}}) : memref<2x48x?xf32>
// CHECK:         %[[A:.*]] = memref.subview %[[D]][0, 0, 0] [2, 16, %{{.*}}] [1, 1, 1]
// CHECK:         linalg.generic {{.*}} outs(%[[A]] : memref<2x16x?xf32, strided<[?, ?, 1]>>)
// CHECK:         %[[B:.*]] = memref.subview %[[D]][0, 16, 0] [2, 32, %{{.*}}] [1, 1, 1]
// CHECK:         linalg.generic {{.*}} outs(%[[B]] : memref<2x32x?xf32, strided<[?, ?, 1], offset: ?>>)
// CHECK-NOT:     memref.copy
// CHECK:         return %[[D]]
func.func @concat(%x: memref<2x16x?xf32>, %y: memref<2x32x?xf32>, %n: index)
    -> memref<2x48x?xf32> {
  %a = memref.alloc(%n) : memref<2x16x?xf32>
  linalg.generic {indexing_maps = [#id, #id],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : memref<2x16x?xf32>) outs(%a : memref<2x16x?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.negf %in : f32
    linalg.yield %r : f32
  }
  %b = memref.alloc(%n) : memref<2x32x?xf32>
  linalg.generic {indexing_maps = [#id, #id],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%y : memref<2x32x?xf32>) outs(%b : memref<2x32x?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  }
  %d = memref.alloc(%n) : memref<2x48x?xf32>
  %d0 = memref.subview %d[0, 0, 0] [2, 16, %n] [1, 1, 1]
      : memref<2x48x?xf32> to memref<2x16x?xf32, strided<[?, ?, 1]>>
  memref.copy %a, %d0 : memref<2x16x?xf32> to memref<2x16x?xf32, strided<[?, ?, 1]>>
  %d1 = memref.subview %d[0, 16, 0] [2, 32, %n] [1, 1, 1]
      : memref<2x48x?xf32> to memref<2x32x?xf32, strided<[?, ?, 1], offset: ?>>
  memref.copy %b, %d1 : memref<2x32x?xf32> to memref<2x32x?xf32, strided<[?, ?, 1], offset: ?>>
  return %d : memref<2x48x?xf32>
}

// -----

#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// The halves of a Split copied side by side (a C2f block) land at one
// offset: the buffer they split becomes that slice, read there afterwards
// too. The Concat's buffer is allocated before it.
// CHECK-LABEL: func @split_halves
// CHECK:         %[[D:.*]] = memref.alloc() : memref<1x24x8xf32>
// CHECK:         %[[S:.*]] = memref.subview %[[D]][0, 8, 0] [1, 16, 8] [1, 1, 1]
// CHECK:         linalg.generic {{.*}} outs(%[[S]] :
// CHECK:         %[[H1:.*]] = memref.subview %[[S]][0, 8, 0] [1, 8, 8] [1, 1, 1]
// CHECK:         linalg.generic {{.*}} ins(%[[H1]] :
// CHECK-NOT:     memref.copy
// CHECK:         return %[[D]]
func.func @split_halves(%x: memref<1x16x8xf32>) -> memref<1x24x8xf32> {
  %s = memref.alloc() : memref<1x16x8xf32>
  linalg.generic {indexing_maps = [#id, #id],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : memref<1x16x8xf32>) outs(%s : memref<1x16x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.negf %in : f32
    linalg.yield %r : f32
  }
  %h0 = memref.subview %s[0, 0, 0] [1, 8, 8] [1, 1, 1]
      : memref<1x16x8xf32> to memref<1x8x8xf32, strided<[128, 8, 1]>>
  %h1 = memref.subview %s[0, 8, 0] [1, 8, 8] [1, 1, 1]
      : memref<1x16x8xf32> to memref<1x8x8xf32, strided<[128, 8, 1], offset: 64>>
  %t = memref.alloc() : memref<1x8x8xf32>
  linalg.generic {indexing_maps = [#id, #id],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%h1 : memref<1x8x8xf32, strided<[128, 8, 1], offset: 64>>)
      outs(%t : memref<1x8x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  }
  %d = memref.alloc() : memref<1x24x8xf32>
  %d0 = memref.subview %d[0, 8, 0] [1, 8, 8] [1, 1, 1]
      : memref<1x24x8xf32> to memref<1x8x8xf32, strided<[192, 8, 1], offset: 64>>
  memref.copy %h0, %d0 : memref<1x8x8xf32, strided<[128, 8, 1]>>
      to memref<1x8x8xf32, strided<[192, 8, 1], offset: 64>>
  %d1 = memref.subview %d[0, 16, 0] [1, 8, 8] [1, 1, 1]
      : memref<1x24x8xf32> to memref<1x8x8xf32, strided<[192, 8, 1], offset: 128>>
  memref.copy %h1, %d1 : memref<1x8x8xf32, strided<[128, 8, 1], offset: 64>>
      to memref<1x8x8xf32, strided<[192, 8, 1], offset: 128>>
  %d2 = memref.subview %d[0, 0, 0] [1, 8, 8] [1, 1, 1]
      : memref<1x24x8xf32> to memref<1x8x8xf32, strided<[192, 8, 1]>>
  memref.copy %t, %d2 : memref<1x8x8xf32> to memref<1x8x8xf32, strided<[192, 8, 1]>>
  return %d : memref<1x24x8xf32>
}

// -----

#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// A kernel's output R and its activation into S, which is copied: the
// activation is made to run in place on R, and R lands in the Concat, so
// the kernel can take the activation over (kiln-gemm-ukernel).
// CHECK-LABEL: func @activation_in_place
// CHECK:         %[[D:.*]] = memref.alloc() : memref<1x32x8xf32>
// CHECK:         %[[R:.*]] = memref.subview %[[D]][0, 0, 0] [1, 16, 8] [1, 1, 1]
// CHECK:         linalg.matmul ins(%{{.*}}, %{{.*}} : memref<16x4xf32>, memref<4x8xf32>) outs(%[[C:.*]] :
// CHECK:         linalg.generic {{.*}} ins(%[[C]] : {{.*}}) outs(%[[C]] :
// CHECK-NOT:     memref.copy {{.*}} strided<[256, 8, 1]>>
// CHECK:         memref.copy %{{.*}}, %{{.*}} : memref<1x16x8xf32> to memref<1x16x8xf32, strided<[256, 8, 1], offset: 128>>
func.func @activation_in_place(%w: memref<16x4xf32>, %x: memref<4x8xf32>,
                               %z: memref<1x16x8xf32>) -> memref<1x32x8xf32> {
  %r = memref.alloc() : memref<1x16x8xf32>
  %s = memref.alloc() : memref<1x16x8xf32>
  %rc = memref.collapse_shape %r [[0, 1], [2]]
      : memref<1x16x8xf32> into memref<16x8xf32>
  linalg.matmul ins(%w, %x : memref<16x4xf32>, memref<4x8xf32>)
      outs(%rc : memref<16x8xf32>)
  %sc = memref.collapse_shape %s [[0, 1], [2]]
      : memref<1x16x8xf32> into memref<16x8xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>,
                                   affine_map<(d0, d1) -> (d0, d1)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%rc : memref<16x8xf32>) outs(%sc : memref<16x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %in : f32
    linalg.yield %m : f32
  }
  %d = memref.alloc() : memref<1x32x8xf32>
  %d0 = memref.subview %d[0, 0, 0] [1, 16, 8] [1, 1, 1]
      : memref<1x32x8xf32> to memref<1x16x8xf32, strided<[256, 8, 1]>>
  memref.copy %s, %d0 : memref<1x16x8xf32> to memref<1x16x8xf32, strided<[256, 8, 1]>>
  %d1 = memref.subview %d[0, 16, 0] [1, 16, 8] [1, 1, 1]
      : memref<1x32x8xf32> to memref<1x16x8xf32, strided<[256, 8, 1], offset: 128>>
  memref.copy %z, %d1 : memref<1x16x8xf32> to memref<1x16x8xf32, strided<[256, 8, 1], offset: 128>>
  return %d : memref<1x32x8xf32>
}

// -----

#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// Not taken: S is written after the copy read it (the Concat holds the
// value before), D's slice is written by something else first (a padded
// input's fill), or read before the copy.
// CHECK-LABEL: func @written_after_copy
// CHECK:         memref.copy
// CHECK-LABEL: func @slice_filled
// CHECK:         memref.copy
// CHECK-LABEL: func @slice_read_before
// CHECK:         memref.copy
func.func @written_after_copy(%x: memref<1x8x8xf32>) -> memref<1x16x8xf32> {
  %s = memref.alloc() : memref<1x8x8xf32>
  linalg.copy ins(%x : memref<1x8x8xf32>) outs(%s : memref<1x8x8xf32>)
  %d = memref.alloc() : memref<1x16x8xf32>
  %d0 = memref.subview %d[0, 0, 0] [1, 8, 8] [1, 1, 1]
      : memref<1x16x8xf32> to memref<1x8x8xf32, strided<[128, 8, 1]>>
  memref.copy %s, %d0 : memref<1x8x8xf32> to memref<1x8x8xf32, strided<[128, 8, 1]>>
  %c = arith.constant 0.0 : f32
  linalg.fill ins(%c : f32) outs(%s : memref<1x8x8xf32>)
  %d1 = memref.subview %d[0, 8, 0] [1, 8, 8] [1, 1, 1]
      : memref<1x16x8xf32> to memref<1x8x8xf32, strided<[128, 8, 1], offset: 64>>
  memref.copy %s, %d1 : memref<1x8x8xf32> to memref<1x8x8xf32, strided<[128, 8, 1], offset: 64>>
  return %d : memref<1x16x8xf32>
}

func.func @slice_filled(%x: memref<1x8x8xf32>) -> memref<1x8x10xf32> {
  %s = memref.alloc() : memref<1x8x8xf32>
  linalg.copy ins(%x : memref<1x8x8xf32>) outs(%s : memref<1x8x8xf32>)
  %d = memref.alloc() : memref<1x8x10xf32>
  %c = arith.constant 0.0 : f32
  linalg.fill ins(%c : f32) outs(%d : memref<1x8x10xf32>)
  %d0 = memref.subview %d[0, 0, 1] [1, 8, 8] [1, 1, 1]
      : memref<1x8x10xf32> to memref<1x8x8xf32, strided<[80, 10, 1], offset: 1>>
  memref.copy %s, %d0 : memref<1x8x8xf32> to memref<1x8x8xf32, strided<[80, 10, 1], offset: 1>>
  return %d : memref<1x8x10xf32>
}

func.func @slice_read_before(%x: memref<1x8x8xf32>, %y: memref<1x16x8xf32>)
    -> memref<1x16x8xf32> {
  %s = memref.alloc() : memref<1x8x8xf32>
  linalg.copy ins(%x : memref<1x8x8xf32>) outs(%s : memref<1x8x8xf32>)
  %d = memref.alloc() : memref<1x16x8xf32>
  linalg.copy ins(%d : memref<1x16x8xf32>) outs(%y : memref<1x16x8xf32>)
  %d0 = memref.subview %d[0, 0, 0] [1, 8, 8] [1, 1, 1]
      : memref<1x16x8xf32> to memref<1x8x8xf32, strided<[128, 8, 1]>>
  memref.copy %s, %d0 : memref<1x8x8xf32> to memref<1x8x8xf32, strided<[128, 8, 1]>>
  return %d : memref<1x16x8xf32>
}

// -----

// Not taken: S is returned (its layout is the function's), or S is seen
// collapsed across the Concat's axis, which a slice does not keep
// contiguous. S copied to two places (Concat(x, x)) becomes the first
// slice, which the second copy then reads.
// CHECK-LABEL: func @returned
// CHECK:         memref.copy
// CHECK-LABEL: func @copied_twice
// CHECK:         %[[D:.*]] = memref.alloc() : memref<1x16x8xf32>
// CHECK:         %[[S:.*]] = memref.subview %[[D]][0, 0, 0] [1, 8, 8]
// CHECK:         linalg.copy ins(%{{.*}} : memref<1x8x8xf32>) outs(%[[S]] :
// CHECK:         %[[D1:.*]] = memref.subview %[[D]][0, 8, 0] [1, 8, 8]
// CHECK:         memref.copy %[[S]], %[[D1]]
// CHECK-NOT:     memref.copy
// CHECK-LABEL: func @collapsed_across_slice
// CHECK:         memref.copy
func.func @returned(%x: memref<1x8x8xf32>)
    -> (memref<1x8x8xf32>, memref<1x16x8xf32>) {
  %s = memref.alloc() : memref<1x8x8xf32>
  linalg.copy ins(%x : memref<1x8x8xf32>) outs(%s : memref<1x8x8xf32>)
  %d = memref.alloc() : memref<1x16x8xf32>
  %d0 = memref.subview %d[0, 0, 0] [1, 8, 8] [1, 1, 1]
      : memref<1x16x8xf32> to memref<1x8x8xf32, strided<[128, 8, 1]>>
  memref.copy %s, %d0 : memref<1x8x8xf32> to memref<1x8x8xf32, strided<[128, 8, 1]>>
  return %s, %d : memref<1x8x8xf32>, memref<1x16x8xf32>
}

func.func @copied_twice(%x: memref<1x8x8xf32>) -> memref<1x16x8xf32> {
  %s = memref.alloc() : memref<1x8x8xf32>
  linalg.copy ins(%x : memref<1x8x8xf32>) outs(%s : memref<1x8x8xf32>)
  %d = memref.alloc() : memref<1x16x8xf32>
  %d0 = memref.subview %d[0, 0, 0] [1, 8, 8] [1, 1, 1]
      : memref<1x16x8xf32> to memref<1x8x8xf32, strided<[128, 8, 1]>>
  memref.copy %s, %d0 : memref<1x8x8xf32> to memref<1x8x8xf32, strided<[128, 8, 1]>>
  %d1 = memref.subview %d[0, 8, 0] [1, 8, 8] [1, 1, 1]
      : memref<1x16x8xf32> to memref<1x8x8xf32, strided<[128, 8, 1], offset: 64>>
  memref.copy %s, %d1 : memref<1x8x8xf32> to memref<1x8x8xf32, strided<[128, 8, 1], offset: 64>>
  return %d : memref<1x16x8xf32>
}

func.func @collapsed_across_slice(%x: memref<64xf32>) -> memref<2x8x8xf32> {
  %s = memref.alloc() : memref<2x4x8xf32>
  %c = memref.collapse_shape %s [[0, 1, 2]] : memref<2x4x8xf32> into memref<64xf32>
  linalg.copy ins(%x : memref<64xf32>) outs(%c : memref<64xf32>)
  %d = memref.alloc() : memref<2x8x8xf32>
  %d0 = memref.subview %d[0, 0, 0] [2, 4, 8] [1, 1, 1]
      : memref<2x8x8xf32> to memref<2x4x8xf32, strided<[64, 8, 1]>>
  memref.copy %s, %d0 : memref<2x4x8xf32> to memref<2x4x8xf32, strided<[64, 8, 1]>>
  return %d : memref<2x8x8xf32>
}

// -----

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>

// A detection head: each scale's map [1, 8, h, w] is reshaped to rows of
// anchors [1, 8, h * w] and concatenated along that dynamic axis. Each map
// becomes its slice of the result, expanded back to [1, 8, h, w]; the
// slices are apart because each starts where the sum of the sizes before
// it ends. The result's buffer moves up to the first map's, its length
// computed there from the maps' sizes.
// CHECK-LABEL: func @anchors
// CHECK-DAG:     %[[H0:.*]] = memref.dim %arg0, %c2
// CHECK-DAG:     %[[W0:.*]] = memref.dim %arg0, %c3
// CHECK-DAG:     %[[H1:.*]] = memref.dim %arg1, %c2
// CHECK-DAG:     %[[W1:.*]] = memref.dim %arg1, %c3
// CHECK-DAG:     %[[N0:.*]] = arith.muli %[[H0]], %[[W0]]
// CHECK-DAG:     %[[N1:.*]] = arith.muli %[[H1]], %[[W1]]
// CHECK:         %[[N:.*]] = arith.addi %[[N0]], %[[N1]]
// CHECK:         %[[D:.*]] = memref.alloc(%[[N]]) : memref<1x8x?xf32>
// CHECK:         %[[A:.*]] = memref.subview %[[D]][0, 0, 0] [1, 8, %[[N0]]]
// CHECK:         %[[A4:.*]] = memref.expand_shape %[[A]] {{\[}}[0], [1], [2, 3]] output_shape [1, 8, %[[H0]], %[[W0]]]
// CHECK:         linalg.generic {{.*}} outs(%[[A4]] :
// CHECK:         %[[B:.*]] = memref.subview %[[D]][0, 0, %[[N0]]] [1, 8, %[[N1]]]
// CHECK:         %[[B4:.*]] = memref.expand_shape %[[B]] {{\[}}[0], [1], [2, 3]] output_shape [1, 8, %[[H1]], %[[W1]]]
// CHECK:         linalg.generic {{.*}} outs(%[[B4]] :
// CHECK-NOT:     memref.copy
// CHECK:         return %[[D]]
func.func @anchors(%x: memref<1x8x?x?xf32>, %y: memref<1x8x?x?xf32>)
    -> memref<1x8x?xf32> {
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %h0 = memref.dim %x, %c2 : memref<1x8x?x?xf32>
  %w0 = memref.dim %x, %c3 : memref<1x8x?x?xf32>
  %a = memref.alloc(%h0, %w0) : memref<1x8x?x?xf32>
  linalg.generic {indexing_maps = [#id4, #id4],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : memref<1x8x?x?xf32>) outs(%a : memref<1x8x?x?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.negf %in : f32
    linalg.yield %r : f32
  }
  %ca = memref.collapse_shape %a [[0], [1], [2, 3]]
      : memref<1x8x?x?xf32> into memref<1x8x?xf32>
  %h1 = memref.dim %y, %c2 : memref<1x8x?x?xf32>
  %w1 = memref.dim %y, %c3 : memref<1x8x?x?xf32>
  %b = memref.alloc(%h1, %w1) : memref<1x8x?x?xf32>
  linalg.generic {indexing_maps = [#id4, #id4],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : memref<1x8x?x?xf32>) outs(%b : memref<1x8x?x?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  }
  %cb = memref.collapse_shape %b [[0], [1], [2, 3]]
      : memref<1x8x?x?xf32> into memref<1x8x?xf32>
  %na = memref.dim %ca, %c2 : memref<1x8x?xf32>
  %nb = memref.dim %cb, %c2 : memref<1x8x?xf32>
  %n = arith.addi %na, %nb : index
  %d = memref.alloc(%n) : memref<1x8x?xf32>
  %da = memref.subview %d[0, 0, 0] [1, 8, %na] [1, 1, 1]
      : memref<1x8x?xf32> to memref<1x8x?xf32, strided<[?, ?, 1]>>
  memref.copy %ca, %da : memref<1x8x?xf32> to memref<1x8x?xf32, strided<[?, ?, 1]>>
  %db = memref.subview %d[0, 0, %na] [1, 8, %nb] [1, 1, 1]
      : memref<1x8x?xf32> to memref<1x8x?xf32, strided<[?, ?, 1], offset: ?>>
  memref.copy %cb, %db : memref<1x8x?xf32> to memref<1x8x?xf32, strided<[?, ?, 1], offset: ?>>
  return %d : memref<1x8x?xf32>
}

// -----

#id = affine_map<(d0, d1, d2) -> (d0, d1, d2)>

// Not taken: slices at offsets nothing relates (a function argument, and
// a size that may be more than it) may overlap, and the first is filled
// after S is computed.
// CHECK-LABEL: func @offsets_unrelated
// CHECK:         linalg.generic {{.*}} outs(%[[S:.*]] : memref<1x8x?xf32>)
// CHECK:         linalg.fill
// CHECK:         memref.copy %[[S]],
func.func @offsets_unrelated(%x: memref<1x8x?xf32>, %o: index, %m: index)
    -> memref<1x8x?xf32> {
  %c2 = arith.constant 2 : index
  %n = memref.dim %x, %c2 : memref<1x8x?xf32>
  %s = memref.alloc(%n) : memref<1x8x?xf32>
  linalg.generic {indexing_maps = [#id, #id],
                  iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : memref<1x8x?xf32>) outs(%s : memref<1x8x?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.negf %in : f32
    linalg.yield %r : f32
  }
  %t = arith.addi %o, %n : index
  %d = memref.alloc(%t) : memref<1x8x?xf32>
  %zero = arith.constant 0.0 : f32
  %d0 = memref.subview %d[0, 0, 0] [1, 8, %m] [1, 1, 1]
      : memref<1x8x?xf32> to memref<1x8x?xf32, strided<[?, ?, 1]>>
  linalg.fill ins(%zero : f32) outs(%d0 : memref<1x8x?xf32, strided<[?, ?, 1]>>)
  %d1 = memref.subview %d[0, 0, %o] [1, 8, %n] [1, 1, 1]
      : memref<1x8x?xf32> to memref<1x8x?xf32, strided<[?, ?, 1], offset: ?>>
  memref.copy %s, %d1 : memref<1x8x?xf32> to memref<1x8x?xf32, strided<[?, ?, 1], offset: ?>>
  return %d : memref<1x8x?xf32>
}

// -----

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>

// The same with static sizes: the maps are copied through collapse_shapes
// at constant offsets.
// CHECK-LABEL: func @anchors_static
// CHECK:         %[[D:.*]] = memref.alloc() : memref<1x8x20xf32>
// CHECK:         %[[A:.*]] = memref.subview %[[D]][0, 0, 0] [1, 8, 16] [1, 1, 1]
// CHECK:         %[[A4:.*]] = memref.expand_shape %[[A]] {{\[}}[0], [1], [2, 3]] output_shape [1, 8, 4, 4]
// CHECK-SAME:      into memref<1x8x4x4xf32, strided<[160, 20, 4, 1]>>
// CHECK:         linalg.generic {{.*}} outs(%[[A4]] :
// CHECK:         %[[B:.*]] = memref.subview %[[D]][0, 0, 16] [1, 8, 4] [1, 1, 1]
// CHECK:         %[[B4:.*]] = memref.expand_shape %[[B]] {{\[}}[0], [1], [2, 3]] output_shape [1, 8, 2, 2]
// CHECK:         linalg.generic {{.*}} outs(%[[B4]] :
// CHECK-NOT:     memref.copy
func.func @anchors_static(%x: memref<1x8x4x4xf32>, %y: memref<1x8x2x2xf32>)
    -> memref<1x8x20xf32> {
  %a = memref.alloc() : memref<1x8x4x4xf32>
  linalg.generic {indexing_maps = [#id4, #id4],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : memref<1x8x4x4xf32>) outs(%a : memref<1x8x4x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.negf %in : f32
    linalg.yield %r : f32
  }
  %ca = memref.collapse_shape %a [[0], [1], [2, 3]]
      : memref<1x8x4x4xf32> into memref<1x8x16xf32>
  %b = memref.alloc() : memref<1x8x2x2xf32>
  linalg.generic {indexing_maps = [#id4, #id4],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y : memref<1x8x2x2xf32>) outs(%b : memref<1x8x2x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  }
  %cb = memref.collapse_shape %b [[0], [1], [2, 3]]
      : memref<1x8x2x2xf32> into memref<1x8x4xf32>
  %d = memref.alloc() : memref<1x8x20xf32>
  %da = memref.subview %d[0, 0, 0] [1, 8, 16] [1, 1, 1]
      : memref<1x8x20xf32> to memref<1x8x16xf32, strided<[160, 20, 1]>>
  memref.copy %ca, %da : memref<1x8x16xf32> to memref<1x8x16xf32, strided<[160, 20, 1]>>
  %db = memref.subview %d[0, 0, 16] [1, 8, 4] [1, 1, 1]
      : memref<1x8x20xf32> to memref<1x8x4xf32, strided<[160, 20, 1], offset: 16>>
  memref.copy %cb, %db : memref<1x8x4xf32> to memref<1x8x4xf32, strided<[160, 20, 1], offset: 16>>
  return %d : memref<1x8x20xf32>
}
