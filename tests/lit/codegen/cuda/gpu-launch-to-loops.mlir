// RUN: kiln-opt %s --split-input-file --kiln-gpu-launch-to-loops | FileCheck %s

// A launch becomes loops over blocks (z, y, x) then threads (z, y, x), its
// body run with the ids of the iteration and the launch's sizes.
// CHECK-LABEL: func.func @launch
// CHECK-SAME: (%[[Y:.*]]: memref<?xf32>, %[[N:.*]]: index, %[[B:.*]]: index)
// CHECK: scf.for %{{.*}} = %c0 to %c1
// CHECK:   scf.for %{{.*}} = %c0 to %c1
// CHECK:     scf.for %[[BX:.*]] = %c0 to %[[B]]
// CHECK:       scf.for %{{.*}} = %c0 to %c1
// CHECK:         scf.for %{{.*}} = %c0 to %c1
// CHECK:           scf.for %[[TX:.*]] = %c0 to %c128
// CHECK:             %[[M:.*]] = arith.muli %[[BX]], %c128
// CHECK:             %[[I:.*]] = arith.addi %[[M]], %[[TX]]
// CHECK:             %[[IN:.*]] = arith.cmpi ult, %[[I]], %[[N]]
// CHECK:             scf.if %[[IN]]
// CHECK:               memref.store %{{.*}}, %[[Y]][%[[I]]]
// CHECK-NOT: gpu.
func.func @launch(%y: memref<?xf32>, %n: index, %blocks: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %v = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %blocks, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %m = arith.muli %bx, %sx : index
    %i = arith.addi %m, %tx : index
    %in = arith.cmpi ult, %i, %n : index
    scf.if %in {
      memref.store %v, %y[%i] : memref<?xf32>
    }
    gpu.terminator
  }
  return
}
