// RUN: kiln-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-gpu-block-reduction))" | FileCheck %s

// A max over the last two axes of a [?, 8, 16] input with 64 threads: a
// block per output element (the run-time count of rows, launched only when
// there is one), each thread's strided share of the 128 elements from -inf
// (maximumf's neutral element) delinearized over (8, 16), the warp's lanes
// combined with five xor shuffles, lane 0 of each warp writing its result
// into workgroup memory (two warps), a barrier, then the first warp
// combining them (lanes past the second take -inf) and its lane 0 the
// output's start.
// CHECK-LABEL: func.func @max
// CHECK-SAME: (%[[X:.*]]: memref<?x8x16xf32>, %[[Y:.*]]: memref<?xf32>)
// CHECK: %[[N:.*]] = memref.dim %[[X]], %{{.*}}
// CHECK: %[[ANY:.*]] = arith.cmpi sgt, %[[N]], %{{.*}}
// CHECK: scf.if %[[ANY]]
// CHECK: %[[C64:.*]] = arith.constant 64 : index
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[N]], %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C64]], %{{.*}}) workgroup(%[[WG:.*]] : memref<2xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[SHARE:.*]] = scf.for %[[K:.*]] = %[[TX]] to %c128 step %{{.*}} iter_args(%[[ACC:.*]] = %[[NEG]]) -> (f32)
// CHECK: %[[J:.*]] = arith.remui %[[K]], %{{.*}}
// CHECK: %[[I:.*]] = arith.divui %[[K]], %{{.*}}
// CHECK: %[[V:.*]] = memref.load %[[X]][%[[BX]], %[[I]], %[[J]]]
// CHECK: %[[M:.*]] = arith.maximumf %[[V]], %[[ACC]]
// CHECK: scf.yield %[[M]]
// CHECK: %[[S16:.*]], %{{.*}} = gpu.shuffle xor %[[SHARE]], %{{.*}}, %{{.*}} : f32
// CHECK: %[[W16:.*]] = arith.maximumf %[[SHARE]], %[[S16]]
// CHECK-COUNT-4: gpu.shuffle xor
// CHECK: %[[LANE:.*]] = arith.remui %[[TX]], %{{.*}}
// CHECK: %[[WARP:.*]] = arith.divui %[[TX]], %{{.*}}
// CHECK: %[[FIRSTLANE:.*]] = arith.cmpi eq, %[[LANE]], %[[C0:.*]] : index
// CHECK: scf.if %[[FIRSTLANE]] {
// CHECK-NEXT: memref.store %{{.*}}, %[[WG]][%[[WARP]]]
// CHECK: gpu.barrier
// CHECK: %[[FIRSTWARP:.*]] = arith.cmpi eq, %[[WARP]], %[[C0]]
// CHECK: scf.if %[[FIRSTWARP]] {
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[LANE]], %{{.*}}
// CHECK: %[[SLOT:.*]] = arith.select %[[IN]], %[[LANE]], %[[C0]]
// CHECK: %[[P:.*]] = memref.load %[[WG]][%[[SLOT]]]
// CHECK: arith.select %[[IN]], %[[P]], %[[NEG]]
// CHECK-COUNT-5: gpu.shuffle xor
// CHECK: scf.if %[[FIRSTLANE]] {
// CHECK-NEXT: %[[START:.*]] = memref.load %[[Y]][%[[BX]]]
// CHECK-NEXT: %[[R:.*]] = arith.maximumf %[[START]], %{{.*}}
// CHECK-NEXT: memref.store %[[R]], %[[Y]][%[[BX]]]
// CHECK-NOT: linalg.generic
func.func @max(%x: memref<?x8x16xf32>, %y: memref<?xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0)>], iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%x : memref<?x8x16xf32>) outs(%y : memref<?xf32>)
      attrs = {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<block_reduction, threads = 64>} {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %o : f32
    linalg.yield %m : f32
  }
  return
}

// -----

// Softmax's sum with its exp(x - max) fused in: the broadcast max is read
// at the row, the body before the combiner runs per element, an index op
// is the element's index; the output's two parallel dims come from the
// block id (the last fastest).
// CHECK-LABEL: func.func @fused_sum
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c6
// CHECK: %[[COL:.*]] = arith.remui %[[BX]], %c3
// CHECK: %[[ROW:.*]] = arith.divui %[[BX]], %c3
// CHECK: scf.for %[[K:.*]] = %{{.*}} to %c100{{.*}} step %c32{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (f32)
// CHECK: %[[X:.*]] = memref.load %{{.*}}[%[[ROW]], %[[COL]], %[[K]]]
// CHECK: %[[M:.*]] = memref.load %{{.*}}[%[[ROW]], %[[COL]]]
// CHECK: %[[D:.*]] = arith.subf %[[X]], %[[M]]
// CHECK: %[[E:.*]] = math.exp %[[D]]
// CHECK: %[[KI:.*]] = arith.index_cast %[[K]] : index to i32
// CHECK: %[[KF:.*]] = arith.sitofp %[[KI]]
// CHECK: %[[W:.*]] = arith.mulf %[[E]], %[[KF]]
// CHECK: arith.addf %[[W]], %[[ACC]]
func.func @fused_sum(%x: memref<2x3x100xf32>, %m: memref<2x3xf32>, %y: memref<2x3xf32>) {
  linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>, affine_map<(d0, d1, d2) -> (d0, d1)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %m : memref<2x3x100xf32>, memref<2x3xf32>) outs(%y : memref<2x3xf32>)
      attrs = {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<block_reduction, threads = 32>} {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %e = math.exp %d : f32
    %k = linalg.index 2 : index
    %ki = arith.index_cast %k : index to i32
    %kf = arith.sitofp %ki : i32 to f32
    %w = arith.mulf %e, %kf : f32
    %s = arith.addf %w, %o : f32
    linalg.yield %s : f32
  }
  return
}
