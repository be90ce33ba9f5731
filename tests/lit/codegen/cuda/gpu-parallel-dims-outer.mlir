// RUN: kiln-opt %s --split-input-file --kiln-gpu-parallel-dims-outer | FileCheck %s

// A sum over the middle axis: the output's dims (d0, d2) become the two
// outer loops, the reduction the inner one.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @middle_axis
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]}
#in = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#out = affine_map<(d0, d1, d2) -> (d0, d2)>
func.func @middle_axis(%x: memref<2x16x100xf32>, %y: memref<2x100xf32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x : memref<2x16x100xf32>) outs(%y : memref<2x100xf32>) {
  ^bb0(%a: f32, %b: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A named op with a reduction before a parallel loop is generalized first;
// linalg.index follows its loop.
// CHECK-LABEL: func.func @named_and_index
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: linalg.index 1
#in2 = affine_map<(d0, d1) -> (d0, d1)>
#out2 = affine_map<(d0, d1) -> (d1)>
func.func @named_and_index(%x: memref<8x4xf32>, %y: memref<4xf32>) {
  linalg.generic {indexing_maps = [#in2, #out2], iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<8x4xf32>) outs(%y : memref<4xf32>) {
  ^bb0(%a: f32, %b: f32):
    %i = linalg.index 0 : index
    %c = arith.index_cast %i : index to i32
    %f = arith.sitofp %c : i32 to f32
    %m = arith.mulf %a, %f : f32
    %s = arith.addf %m, %b : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Already in order (matmul: m, n parallel, k reduction) and fully parallel
// ops are left as they are; every memref.copy becomes a linalg.copy.
// CHECK-LABEL: func.func @unchanged_and_copy
// CHECK: linalg.matmul
// CHECK-NOT: memref.copy
// CHECK: linalg.copy ins(%{{.*}} : memref<4x4xf32, strided<[8, 1]>>) outs(%{{.*}} : memref<4x4xf32>)
func.func @unchanged_and_copy(%a: memref<4x8xf32>, %b: memref<8x4xf32>, %c: memref<4x4xf32>, %d: memref<4x4xf32, strided<[8, 1]>>) {
  linalg.matmul ins(%a, %b : memref<4x8xf32>, memref<8x4xf32>) outs(%c : memref<4x4xf32>)
  memref.copy %d, %c : memref<4x4xf32, strided<[8, 1]>> to memref<4x4xf32>
  return
}
