// RUN: kiln-opt %s --split-input-file --kiln-gpu-device-checks | FileCheck %s

// A Gather's index check inside the loop that becomes a kernel: the call
// becomes a store of the message into a zeroed failure word, which the host
// reads after the loop; the word is freed at the return.
// CHECK-LABEL: func.func @gather
// CHECK-DAG: %[[WORD:.*]] = memref.alloc() : memref<i64>
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: memref.store %[[ZERO]], %[[WORD]][] : memref<i64>
// CHECK: scf.parallel
// CHECK:   scf.if
// CHECK-NEXT: memref.store %[[MSG:.*]], %[[WORD]][] : memref<i64>
// CHECK-NOT: func.call
// CHECK: scf.reduce
// CHECK: %[[GOT:.*]] = memref.load %[[WORD]][] : memref<i64>
// CHECK: %[[BAD:.*]] = arith.cmpi ne, %[[GOT]], %{{.*}} : i64
// CHECK: scf.if %[[BAD]] {
// CHECK-NEXT: func.call @kiln_check_failed(%[[GOT]]) : (i64) -> ()
// CHECK: memref.dealloc %[[WORD]] : memref<i64>
// CHECK-NEXT: return
func.func private @kiln_check_failed(i64)
func.func @gather(%idx: memref<4xi64>, %x: memref<8xf32>, %y: memref<4xf32>, %msg: i64) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %j = memref.load %idx[%i] : memref<4xi64>
    %k = arith.index_cast %j : i64 to index
    %bad = arith.cmpi uge, %k, %c8 : index
    scf.if %bad {
      func.call @kiln_check_failed(%msg) : (i64) -> ()
    }
    %c = arith.minui %k, %c8 : index
    %v = memref.load %x[%c] : memref<8xf32>
    memref.store %v, %y[%i] : memref<4xf32>
    scf.reduce
  }
  return
}

// -----

// Checks on the host (outside parallel loops) stay calls; without checks in
// parallel loops nothing changes.
// CHECK-LABEL: func.func @host_check
// CHECK-NOT: memref.alloc
// CHECK: func.call @kiln_check_failed
func.func private @kiln_check_failed(i64)
func.func @host_check(%n: i64, %msg: i64) {
  %c0 = arith.constant 0 : i64
  %bad = arith.cmpi slt, %n, %c0 : i64
  scf.if %bad {
    func.call @kiln_check_failed(%msg) : (i64) -> ()
  }
  return
}
