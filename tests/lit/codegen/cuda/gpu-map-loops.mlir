// RUN: kiln-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-gpu-map-loops{block-size=128}))" | FileCheck %s

// A 3-D loop of static size 2 x 100 x 7 = 1400: one grid of 11 blocks of
// 128 threads, the linear index guarded and delinearized with the last dim
// varying fastest.
// CHECK-LABEL: func.func @static_3d
// CHECK-DAG: %[[C1400:.*]] = arith.constant 1400 : index
// CHECK-DAG: %[[C11:.*]] = arith.constant 11 : index
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK: scf.if %true
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C11]], %{{.*}} = %c1{{.*}}, %{{.*}} = %c1{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%[[BDX:.*]] = %[[C128]],
// CHECK:   %[[MUL:.*]] = arith.muli %[[BX]], %[[BDX]]
// CHECK:   %[[LIN:.*]] = arith.addi %[[MUL]], %[[TX]]
// CHECK:   %[[IN:.*]] = arith.cmpi ult, %[[LIN]], %[[C1400]]
// CHECK:   scf.if %[[IN]]
// CHECK:     arith.remui %[[LIN]], %c7
// CHECK:     arith.divui %[[LIN]], %c7
// CHECK:     memref.store
// CHECK-NOT: scf.parallel
// CHECK:   gpu.terminator
func.func @static_3d(%y: memref<2x100x7xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c7 = arith.constant 7 : index
  %c100 = arith.constant 100 : index
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c2, %c100, %c7) step (%c1, %c1, %c1) {
    memref.store %v, %y[%i, %j, %k] : memref<2x100x7xf32>
    scf.reduce
  }
  return
}

// -----

// Fewer iterations than a block: one block of whole warps (20 -> 32).
// CHECK-LABEL: func.func @small
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}}) threads({{.*}}) in ({{.*}} = %c32{{.*}},
func.func @small(%y: memref<20xf32>, %v: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c20 = arith.constant 20 : index
  scf.parallel (%i) = (%c0) to (%c20) step (%c1) {
    memref.store %v, %y[%i] : memref<20xf32>
    scf.reduce
  }
  return
}

// -----

// A symbolic size: the block count is computed on the host, and an empty
// loop launches nothing (CUDA refuses a grid of no blocks). The reduction
// loop stays serial in the thread.
// CHECK-LABEL: func.func @dynamic_reduction
// CHECK: %[[N:.*]] = memref.dim %{{.*}}, %c0
// CHECK: %[[COUNT:.*]] = arith.maxsi %[[N]], %c0
// CHECK: %[[BLOCKS:.*]] = arith.ceildivui %[[COUNT]], %c128
// CHECK: %[[ANY:.*]] = arith.cmpi sgt, %[[COUNT]], %c0
// CHECK: scf.if %[[ANY]]
// CHECK:   gpu.launch blocks({{.*}}) in ({{.*}} = %[[BLOCKS]],
// CHECK:     %[[I:.*]] = arith.addi
// CHECK:     arith.cmpi ult, %[[I]], %[[COUNT]]
// CHECK:     scf.for
// CHECK:       memref.load %{{.*}}[%[[I]], %{{.*}}]
// CHECK:       arith.addf
func.func @dynamic_reduction(%x: memref<?x16xf32>, %y: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %n = memref.dim %x, %c0 : memref<?x16xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %k = %c0 to %c16 step %c1 {
      %a = memref.load %x[%i, %k] : memref<?x16xf32>
      %b = memref.load %y[%i] : memref<?xf32>
      %s = arith.addf %a, %b : f32
      memref.store %s, %y[%i] : memref<?xf32>
    }
    scf.reduce
  }
  return
}

// -----

// A parallel loop nested in a parallel loop's body (after a reduction
// loop) runs serially in the outer loop's thread.
// CHECK-LABEL: func.func @nested
// CHECK: gpu.launch
// CHECK:   scf.for
// CHECK:     scf.for
// CHECK-NOT: scf.parallel
func.func @nested(%x: memref<3x4x5xf32>, %y: memref<3x5xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  scf.parallel (%i) = (%c0) to (%c3) step (%c1) {
    scf.for %k = %c0 to %c4 step %c1 {
      scf.parallel (%j) = (%c0) to (%c5) step (%c1) {
        %a = memref.load %x[%i, %k, %j] : memref<3x4x5xf32>
        memref.store %a, %y[%i, %j] : memref<3x5xf32>
        scf.reduce
      }
    }
    scf.reduce
  }
  return
}

// -----

// Serial work that writes memory (a full reduction to a scalar, a store)
// runs in one launch of one thread; reads of scalars and the run-time
// checks that call the host stay on the host.
// CHECK-LABEL: func.func @serial
// CHECK: memref.load %{{.*}}[%c0] : memref<2xi64>
// CHECK: func.call @kiln_check_failed
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}})
// CHECK-NEXT: memref.store
// CHECK-NEXT: scf.for
// CHECK: gpu.terminator
// CHECK-NOT: gpu.launch
func.func private @kiln_check_failed(i64)
func.func @serial(%shape: memref<2xi64>, %x: memref<64xf32>, %y: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  %s = memref.load %shape[%c0] : memref<2xi64>
  %bad = arith.cmpi slt, %s, %s : i64
  scf.if %bad {
    func.call @kiln_check_failed(%s) : (i64) -> ()
  }
  memref.store %zero, %y[] : memref<f32>
  scf.for %i = %c0 to %c64 step %c1 {
    %a = memref.load %x[%i] : memref<64xf32>
    %b = memref.load %y[] : memref<f32>
    %t = arith.addf %a, %b : f32
    memref.store %t, %y[] : memref<f32>
  }
  return
}

// -----

// A host loop around kernels (an ONNX Loop's body) stays on the host and
// launches its parallel loops at every iteration.
// CHECK-LABEL: func.func @host_loop
// CHECK: scf.for
// CHECK:   gpu.launch
func.func @host_loop(%y: memref<8xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %t = %c0 to %n step %c1 {
    scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
      %a = memref.load %y[%i] : memref<8xf32>
      %b = arith.addf %a, %a : f32
      memref.store %b, %y[%i] : memref<8xf32>
      scf.reduce
    }
  }
  return
}

// -----

// A parallel loop calling a host function (a string helper) has no device
// version: it stays a loop on the host, marked as such.
// CHECK-LABEL: func.func @string_helper
// CHECK-NOT: gpu.launch
// CHECK: scf.parallel
// CHECK: func.call @kiln_str_to_f32
// CHECK: } {kiln.host_loop}
func.func private @kiln_str_to_f32(i64) -> f32
func.func @string_helper(%x: memref<4xi64>, %y: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %s = memref.load %x[%i] : memref<4xi64>
    %f = func.call @kiln_str_to_f32(%s) : (i64) -> f32
    memref.store %f, %y[%i] : memref<4xf32>
    scf.reduce
  }
  return
}
