// RUN: kiln-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-gpu-block-reduction,kiln-gpu-shared-memory-tiles,kiln-gpu-tensor-core-mma))" | FileCheck %s

// A matmul in shared-memory tiles whose bias and Relu go into a fresh
// buffer: each thread's sum is not stored into the output but goes
// through the consumer's body (its bias element loaded at the column,
// through the consumer's map) into the consumer's buffer; the consumer is
// gone.
// CHECK-LABEL: func.func @tiles
// CHECK-SAME: (%[[A:.*]]: memref<32x64xf32>, %[[B:.*]]: memref<64x32xf32>, %[[BIAS:.*]]: memref<32xf32>, %[[G:.*]]: memref<32x32xf32>)
// CHECK: %[[F:.*]] = memref.alloc
// CHECK: gpu.launch
// CHECK: %[[SUM:.*]] = scf.for
// CHECK: gpu.barrier
// CHECK: scf.if
// CHECK-NEXT: %[[S:.*]] = memref.load %[[BIAS]][%[[J:.*]]]
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[T:.*]] = arith.addf %[[SUM]], %[[S]]
// CHECK-NEXT: %[[R:.*]] = arith.maximumf %[[T]], %[[ZERO]]
// CHECK-NEXT: memref.store %[[R]], %[[G]][%{{.*}}, %[[J]]]
// CHECK-NOT: memref.store %{{.*}}, %[[F]]
// CHECK-NOT: linalg.generic
// CHECK: memref.dealloc %[[F]]
func.func @tiles(%a: memref<32x64xf32>, %b: memref<64x32xf32>, %bias: memref<32xf32>, %g: memref<32x32xf32>) {
  %f = memref.alloc() : memref<32x32xf32>
  linalg.matmul {kiln.gpu_fused_epilogue, kiln.gpu_lowering_config = #kiln.gpu_lowering_config<shared_memory_tiles, threads = 256>}
      ins(%a, %b : memref<32x64xf32>, memref<64x32xf32>) outs(%f : memref<32x32xf32>)
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
  return
}

// -----

// On the tensor cores with an f16 output: each accumulator is rounded to
// f16, then the in-place Relu applies to it (as the consumer saw the f16
// output), then it is stored once.
// CHECK-LABEL: func.func @mma
// CHECK-SAME: %[[C:arg[0-9]+]]: memref<32x32xf16>)
// CHECK: nvgpu.mma.sync
// CHECK: gpu.barrier
// CHECK: scf.if
// CHECK: %[[D:.*]] = vector.extract
// CHECK-NEXT: %[[H:.*]] = arith.truncf %[[D]] : f32 to f16
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f16
// CHECK-NEXT: %[[R:.*]] = arith.maximumf %[[H]], %[[ZERO]] : f16
// CHECK-NEXT: memref.store %[[R]], %[[C]]
// CHECK-COUNT-7: arith.maximumf
// CHECK-NOT: linalg.generic
func.func @mma(%a: memref<32x64xf16>, %b: memref<64x32xf16>, %c: memref<32x32xf16>) {
  linalg.matmul {kiln.gpu_fused_epilogue, kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>}
      ins(%a, %b : memref<32x64xf16>, memref<64x32xf16>) outs(%c : memref<32x32xf16>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      outs(%c : memref<32x32xf16>) {
  ^bb0(%o: f16):
    %zero = arith.constant 0.0 : f16
    %m = arith.maximumf %o, %zero : f16
    linalg.yield %m : f16
  }
  return
}

// -----

// A block reduction's mean: lane 0 of the first warp divides its sum, as
// the consumer did, before the store.
// CHECK-LABEL: func.func @mean
// CHECK-SAME: %[[R:arg[0-9]+]]: memref<4xf32>)
// CHECK: gpu.barrier
// CHECK: %[[START:.*]] = memref.load %[[R]][%[[I:.*]]]
// CHECK-NEXT: %[[SUM:.*]] = arith.addf %[[START]], %{{.*}}
// CHECK-NEXT: %[[N:.*]] = arith.constant 2.560000e+02 : f32
// CHECK-NEXT: %[[Q:.*]] = arith.divf %[[SUM]], %[[N]]
// CHECK-NEXT: memref.store %[[Q]], %[[R]][%[[I]]]
// CHECK-NOT: linalg.generic
func.func @mean(%x: memref<4x256xf32>, %r: memref<4xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x256xf32>) outs(%r : memref<4xf32>)
      attrs = {kiln.gpu_fused_epilogue, kiln.gpu_lowering_config = #kiln.gpu_lowering_config<block_reduction, threads = 64>} {
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

// Bufferization allocates the consumer's buffer between the two (here an
// f16 MatMul's f32 accumulators rounded to f16, then a Relu): the
// allocation moves before the kernel, which stores into it.
// CHECK-LABEL: func.func @allocated_between
// CHECK: %[[H:.*]] = memref.alloc() : memref<32x32xf16>
// CHECK: gpu.launch
// CHECK: nvgpu.mma.sync
// CHECK: %[[D:.*]] = vector.extract
// CHECK-NEXT: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f16
// CHECK-NEXT: %[[T:.*]] = arith.truncf %[[D]] : f32 to f16
// CHECK-NEXT: %[[R:.*]] = arith.maximumf %[[T]], %[[ZERO]] : f16
// CHECK-NEXT: memref.store %[[R]], %[[H]]
// CHECK-NOT: linalg.generic
// CHECK: return %[[H]]
func.func @allocated_between(%a: memref<32x64xf16>, %b: memref<64x32xf16>, %c: memref<32x32xf32>) -> memref<32x32xf16> {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<32x64xf16>, memref<64x32xf16>) outs(%c : memref<32x32xf32>)
      attrs = {kiln.gpu_fused_epilogue, kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>} {
  ^bb0(%x: f16, %y: f16, %o: f32):
    %xe = arith.extf %x : f16 to f32
    %ye = arith.extf %y : f16 to f32
    %p = arith.mulf %xe, %ye : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  %h = memref.alloc() : memref<32x32xf16>
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<32x32xf32>) outs(%h : memref<32x32xf16>) {
  ^bb0(%y: f32, %o: f16):
    %zero = arith.constant 0.0 : f16
    %t = arith.truncf %y : f32 to f16
    %m = arith.maximumf %t, %zero : f16
    linalg.yield %m : f16
  }
  return %h : memref<32x32xf16>
}
