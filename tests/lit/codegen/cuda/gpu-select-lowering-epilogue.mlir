// RUN: kiln-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-gpu-select-lowering{sm=80}))" | FileCheck %s
// RUN: kiln-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-gpu-select-lowering{sm=80 fuse-epilogues=0}))" | FileCheck %s --check-prefix=OFF

// An op a strategy takes whose elementwise consumer its kernel can apply
// is marked kiln.gpu_fused_epilogue: a Relu in place after a matmul on the
// tensor cores, a bias (broadcast along the rows) and Relu into a fresh
// buffer after one in shared-memory tiles, a mean's division after a block
// reduction. fuse-epilogues=0 marks nothing.
// CHECK-LABEL: func.func @fused
// CHECK: linalg.matmul {kiln.gpu_fused_epilogue, kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>}
// CHECK: linalg.matmul {kiln.gpu_fused_epilogue, kiln.gpu_lowering_config = #kiln.gpu_lowering_config<shared_memory_tiles, threads = 256>}
// CHECK: linalg.generic {{.*}}kiln.gpu_fused_epilogue, kiln.gpu_lowering_config = #kiln.gpu_lowering_config<block_reduction
// OFF-LABEL: func.func @fused
// OFF-NOT: kiln.gpu_fused_epilogue
func.func @fused(%a: memref<32x64xf16>, %b: memref<64x32xf16>, %c: memref<32x32xf16>,
                 %d: memref<32x64xf32>, %e: memref<64x32xf32>, %bias: memref<32xf32>, %g: memref<32x32xf32>,
                 %x: memref<4x256xf32>, %r: memref<4xf32>) {
  linalg.matmul ins(%a, %b : memref<32x64xf16>, memref<64x32xf16>) outs(%c : memref<32x32xf16>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      outs(%c : memref<32x32xf16>) {
  ^bb0(%o: f16):
    %zero = arith.constant 0.0 : f16
    %m = arith.maximumf %o, %zero : f16
    linalg.yield %m : f16
  }
  %f = memref.alloc() : memref<32x32xf32>
  linalg.matmul ins(%d, %e : memref<32x64xf32>, memref<64x32xf32>) outs(%f : memref<32x32xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%f, %bias : memref<32x32xf32>, memref<32xf32>) outs(%g : memref<32x32xf32>) {
  ^bb0(%y: f32, %s: f32, %o: f32):
    %zero = arith.constant 0.0 : f32
    %t = arith.addf %y, %s : f32
    %m = arith.maximumf %t, %zero : f32
    linalg.yield %m : f32
  }
  memref.dealloc %f : memref<32x32xf32>
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x256xf32>) outs(%r : memref<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %v, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>], iterator_types = ["parallel"]} outs(%r : memref<4xf32>) {
  ^bb0(%o: f32):
    %n = arith.constant 256.0 : f32
    %q = arith.divf %o, %n : f32
    linalg.yield %q : f32
  }
  return
}

// -----

// What is not fused: a consumer that reads the output transposed (element
// (i, j) needs the op's (j, i), which another block computes); one after
// an op that writes memory; one into a fresh buffer while the output is
// read again later; one that writes a buffer it also reads. Each op keeps
// its strategy and its consumer stays a kernel of its own.
// CHECK-LABEL: func.func @not_fused
// CHECK-NOT: kiln.gpu_fused_epilogue
// CHECK: return
func.func @not_fused(%a: memref<32x32xf32>, %b: memref<32x32xf32>, %c: memref<32x32xf32>,
                     %t: memref<32x32xf32>, %u: memref<32x32xf32>) {
  %cst = arith.constant 0.0 : f32
  linalg.matmul ins(%a, %b : memref<32x32xf32>, memref<32x32xf32>) outs(%c : memref<32x32xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (j, i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<32x32xf32>) outs(%t : memref<32x32xf32>) {
  ^bb0(%y: f32, %o: f32):
    linalg.yield %y : f32
  }
  linalg.matmul ins(%a, %b : memref<32x32xf32>, memref<32x32xf32>) outs(%c : memref<32x32xf32>)
  linalg.fill ins(%cst : f32) outs(%u : memref<32x32xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      outs(%c : memref<32x32xf32>) {
  ^bb0(%o: f32):
    %m = arith.maximumf %o, %cst : f32
    linalg.yield %m : f32
  }
  %f = memref.alloc() : memref<32x32xf32>
  linalg.matmul ins(%a, %b : memref<32x32xf32>, memref<32x32xf32>) outs(%f : memref<32x32xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%f : memref<32x32xf32>) outs(%t : memref<32x32xf32>) {
  ^bb0(%y: f32, %o: f32):
    %m = arith.maximumf %y, %cst : f32
    linalg.yield %m : f32
  }
  memref.copy %f, %u : memref<32x32xf32> to memref<32x32xf32>
  memref.dealloc %f : memref<32x32xf32>
  linalg.matmul ins(%a, %b : memref<32x32xf32>, memref<32x32xf32>) outs(%c : memref<32x32xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j, i)>, affine_map<(i, j) -> (i, j)>],
                  iterator_types = ["parallel", "parallel"]}
      ins(%c, %t : memref<32x32xf32>, memref<32x32xf32>) outs(%t : memref<32x32xf32>) {
  ^bb0(%y: f32, %s: f32, %o: f32):
    %m = arith.addf %y, %s : f32
    linalg.yield %m : f32
  }
  return
}
