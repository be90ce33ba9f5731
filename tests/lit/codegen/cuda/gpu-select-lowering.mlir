// RUN: kiln-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-gpu-select-lowering))" | FileCheck %s
// RUN: kiln-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-gpu-select-lowering{block-reduction-min=1024}))" | FileCheck %s --check-prefix=MIN

// A row sum of 300 elements: a block of 96 threads (about four elements
// each, whole warps); below block-reduction-min it stays serial.
// CHECK-LABEL: func.func @row_sum
// CHECK: linalg.generic
// CHECK-SAME: kiln.gpu_lowering_config = #kiln.gpu_lowering_config<block_reduction, threads = 96>
// MIN-LABEL: func.func @row_sum
// MIN-NOT: kiln.gpu_lowering_config
func.func @row_sum(%x: memref<4x300xf32>, %y: memref<4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x300xf32>) outs(%y : memref<4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A run-time length takes 256 threads, a long one at most 256; a max over
// two axes counts both.
// CHECK-LABEL: func.func @dynamic_and_long
// CHECK: linalg.generic
// CHECK-SAME: #kiln.gpu_lowering_config<block_reduction, threads = 256>
// CHECK: linalg.generic
// CHECK-SAME: #kiln.gpu_lowering_config<block_reduction, threads = 256>
// CHECK: linalg.generic
// CHECK-SAME: #kiln.gpu_lowering_config<block_reduction, threads = 32>
// A run-time length is taken whatever the minimum.
// MIN-LABEL: func.func @dynamic_and_long
// MIN: #kiln.gpu_lowering_config<block_reduction, threads = 256>
// MIN: #kiln.gpu_lowering_config<block_reduction, threads = 256>
// MIN-NOT: kiln.gpu_lowering_config
func.func @dynamic_and_long(%x: memref<2x?xf32>, %y: memref<2xf32>, %z: memref<2x100000xi32>, %w: memref<2xi32>, %v: memref<2x8x8xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<2x?xf32>) outs(%y : memref<2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%z : memref<2x100000xi32>) outs(%w : memref<2xi32>) {
  ^bb0(%a: i32, %o: i32):
    %s = arith.maxsi %a, %o : i32
    linalg.yield %s : i32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0)>], iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%v : memref<2x8x8xf32>) outs(%y : memref<2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.maximumf %a, %o : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Not taken: a matmul (it wants tiles), an f64 sum (shuffles move 32
// bits), an argmax-like body whose accumulator goes through two ops, a
// short reduction, an elementwise op.
// CHECK-LABEL: func.func @not_taken
// CHECK-NOT: kiln.gpu_lowering_config
func.func @not_taken(%a: memref<4x128xf32>, %b: memref<128x4xf32>, %c: memref<4x4xf32>,
                     %d: memref<4x128xf64>, %e: memref<4xf64>, %f: memref<4x16xf32>, %g: memref<4xf32>) {
  linalg.matmul ins(%a, %b : memref<4x128xf32>, memref<128x4xf32>) outs(%c : memref<4x4xf32>)
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d2, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<4x128xf32>, memref<128x4xf32>) outs(%c : memref<4x4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %m = arith.mulf %x, %y : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%d : memref<4x128xf64>) outs(%e : memref<4xf64>) {
  ^bb0(%x: f64, %o: f64):
    %s = arith.addf %x, %o : f64
    linalg.yield %s : f64
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%a : memref<4x128xf32>) outs(%g : memref<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %gt = arith.cmpf ogt, %x, %o : f32
    %s = arith.select %gt, %x, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%f : memref<4x16xf32>) outs(%g : memref<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %x, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      ins(%a : memref<4x128xf32>) outs(%a : memref<4x128xf32>) {
  ^bb0(%x: f32, %o: f32):
    %s = arith.addf %x, %x : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Matmuls whose m, n and k are each 16 or more (or known at run time
// only) are computed in 16 x 16 shared-memory tiles; a matrix-vector
// product keeps a thread per output.
// CHECK-LABEL: func.func @matmuls
// MIN-LABEL: func.func @matmuls
// MIN: shared_memory_tiles
// CHECK: linalg.matmul {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<shared_memory_tiles, threads = 256>}
// CHECK: linalg.matmul {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<shared_memory_tiles, threads = 256>}
// CHECK: linalg.matmul ins
// CHECK-NOT: kiln.gpu_lowering_config
func.func @matmuls(%a: memref<32x64xf32>, %b: memref<64x32xf32>, %c: memref<32x32xf32>,
                   %d: memref<?x?xf32>, %e: memref<?x?xf32>, %f: memref<?x?xf32>,
                   %g: memref<1x64xf32>, %h: memref<1x32xf32>) {
  linalg.matmul ins(%a, %b : memref<32x64xf32>, memref<64x32xf32>) outs(%c : memref<32x32xf32>)
  linalg.matmul ins(%d, %e : memref<?x?xf32>, memref<?x?xf32>) outs(%f : memref<?x?xf32>)
  linalg.matmul ins(%g, %b : memref<1x64xf32>, memref<64x32xf32>) outs(%h : memref<1x32xf32>)
  return
}
