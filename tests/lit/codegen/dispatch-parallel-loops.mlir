// RUN: kiln-opt %s --split-input-file --kiln-dispatch-parallel-loops | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-dispatch-parallel-loops="min-work=1000000000" | FileCheck %s --check-prefix=SERIAL

// A 2-D elementwise loop: the rows are dispatched, each chunk loops over its
// rows and keeps the columns as an inner loop. Memrefs travel as LLVM
// descriptors in a struct on the caller's stack; constants are cloned.

// CHECK-LABEL: func.func private @kiln_parallel_for(i64, i64, i64, !llvm.ptr, !llvm.ptr)
// CHECK-LABEL: func.func private @add_parallel_0(
// CHECK-SAME:      %[[CAP:.*]]: !llvm.ptr, %[[B:.*]]: i64, %[[E:.*]]: i64) attributes {kiln.parallel_body}
// CHECK:         %[[S:.*]] = llvm.load %[[CAP]] : !llvm.ptr -> !llvm.struct<(struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>, struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>, struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>)>
// CHECK:         %[[A:.*]] = builtin.unrealized_conversion_cast %{{.*}} to memref<256x1024xf32>
// CHECK:         %[[LB:.*]] = arith.index_cast %[[B]] : i64 to index
// CHECK:         %[[UB:.*]] = arith.index_cast %[[E]] : i64 to index
// CHECK:         scf.for %[[R:.*]] = %[[LB]] to %[[UB]]
// CHECK:           scf.parallel (%[[J:.*]]) =
// CHECK:             memref.load %[[A]][%{{.*}}, %[[J]]]
// CHECK:             arith.addf
// CHECK-LABEL: func.func @add(
// CHECK:         %[[SLOT:.*]] = llvm.alloca %{{.*}} x !llvm.struct<
// CHECK:         llvm.store %{{.*}}, %[[SLOT]]
// CHECK:         %[[N:.*]] = arith.index_cast %{{.*}} : index to i64
// Grain: 1024 columns x 5 ops per row, 32768 ops per chunk -> 7 rows.
// CHECK:         %[[GRAIN:.*]] = llvm.mlir.constant(7 : i64) : i64
// CHECK:         %[[F:.*]] = constant @add_parallel_0
// CHECK:         %[[FP:.*]] = builtin.unrealized_conversion_cast %[[F]] {{.*}} to !llvm.ptr
// CHECK:         call @kiln_parallel_for(%{{.*}}, %[[N]], %[[GRAIN]], %[[FP]], %[[SLOT]])
// CHECK-NOT:     scf.parallel

// SERIAL-LABEL: func.func @add(
// SERIAL:         scf.parallel
// SERIAL-NOT:     kiln_parallel_for
// SERIAL:         return
func.func @add(%a: memref<256x1024xf32>, %b: memref<1024xf32>, %c: memref<256x1024xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c256 = arith.constant 256 : index
  %c1024 = arith.constant 1024 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c256, %c1024) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<256x1024xf32>
    %y = memref.load %b[%j] : memref<1024xf32>
    %z = arith.addf %x, %y : f32
    memref.store %z, %c[%i, %j] : memref<256x1024xf32>
  }
  return
}

// -----

// Too little work to be worth a thread: left alone.
// CHECK-LABEL: func.func @small(
// CHECK:         scf.parallel
// CHECK-NOT:     kiln_parallel_for
// CHECK:         return
func.func @small(%a: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %f, %a[%i] : memref<4xf32>
  }
  return
}

// -----

// A dynamic size: dispatched with a run-time range; index captures cross
// as i64. The leading dim of one static iteration is linearized with the
// next, which needs no division.
// CHECK-LABEL: func.func private @dyn_parallel_0(
// CHECK:         %[[N:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK:         scf.for
// CHECK-NOT:       arith.remui
// CHECK:           memref.store
// CHECK-LABEL: func.func @dyn(
// CHECK:         llvm.insertvalue
// CHECK:         call @kiln_parallel_for
func.func @dyn(%a: memref<1x?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c1, %n) step (%c1, %c1) {
    memref.store %f, %a[%i, %j] : memref<1x?xf32>
  }
  return
}

// -----

// Tile loops marked by kiln-tile-and-vectorize (scf.for without results)
// become scf.parallel; the outer ones have fewer than 8 iterations, so the
// innermost marked loop is the one dispatched, once per outer iteration.
// CHECK-LABEL: func.func private @tiles_parallel_0(
// CHECK:         scf.for
// CHECK:           memref.store
// CHECK-LABEL: func.func @tiles(
// CHECK:         scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step
// CHECK:           scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step
// CHECK:             call @kiln_parallel_for
func.func @tiles(%a: memref<4x4096x64xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c64 = arith.constant 64 : index
  %c4096 = arith.constant 4096 : index
  %f = arith.constant 1.0 : f32
  scf.for %k = %c0 to %c1 step %c1 {
    scf.for %i = %c0 to %c4 step %c1 {
      scf.for %j = %c0 to %c4096 step %c8 {
        scf.for %r = %c0 to %c8 step %c1 {
          %row = arith.addi %j, %r : index
          scf.for %col = %c0 to %c64 step %c1 {
            memref.store %f, %a[%i, %row, %col] : memref<4x4096x64xf32>
          }
        }
      } {kiln.parallel}
    } {kiln.parallel}
  } {kiln.parallel}
  return
}

// -----

// A symbolic batch (1 more often than not) is dispatched together with the
// static channels after it, so the threads share N x 144 planes, not N
// images; the symbolic rows and columns stay an inner loop.
// CHECK-LABEL: func.func private @batch_parallel_0(
// CHECK:         scf.for
// CHECK:           arith.remui
// CHECK:           arith.divui
// CHECK:           scf.parallel (%{{.*}}, %{{.*}}) =
// CHECK:             memref.store
// CHECK-LABEL: func.func @batch(
// CHECK:         call @kiln_parallel_for
func.func @batch(%a: memref<?x144x?x?xf32>, %n: index, %h: index, %w: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c144 = arith.constant 144 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j, %k, %l) = (%c0, %c0, %c0, %c0) to (%n, %c144, %h, %w) step (%c1, %c1, %c1, %c1) {
    memref.store %f, %a[%i, %j, %k, %l] : memref<?x144x?x?xf32>
  }
  return
}

// -----

// Every dim dispatched ([B, S, 1024], B and S symbolic): the innermost one
// goes in blocks of 256 iterations, each a plain loop, so an iteration
// divides to find its row once per block, not once per element. The
// runtime splits B x S x 4 blocks.
// CHECK-LABEL: func.func private @rows_parallel_0(
// CHECK:         scf.for %[[IT:.*]] = %{{.*}} to %{{.*}}
// CHECK:           %[[BLK:.*]] = arith.remui %[[IT]], %{{.*}}
// CHECK:           %[[LO:.*]] = arith.addi %{{.*}}, %{{.*}}
// CHECK:           %[[HI:.*]] = arith.minsi %{{.*}}, %{{.*}}
// CHECK:           scf.for %[[J:.*]] = %[[LO]] to %[[HI]]
// CHECK-NOT:         arith.remui
// CHECK:             memref.store %{{.*}}, %{{.*}}[%{{.*}}, %{{.*}}, %[[J]]]
// CHECK-LABEL: func.func @rows(
// CHECK:         %[[C256:.*]] = arith.constant 256 : index
// CHECK:         arith.ceildivui %{{.*}}, %[[C256]]
// CHECK:         call @kiln_parallel_for
func.func @rows(%a: memref<?x?x1024xf32>, %b: index, %s: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c1024 = arith.constant 1024 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%b, %s, %c1024) step (%c1, %c1, %c1) {
    memref.store %f, %a[%i, %j, %k] : memref<?x?x1024xf32>
  }
  return
}

// -----

// A while loop counts as many trips as its `kiln.trip_estimate` says (a
// tree walk's depth: 8 here), else as 32: the walk of 100 trees per row is
// worth ~3.5k operations, so a chunk takes 10 rows, and a batch of up to
// 10 rows stays on the calling thread. Without the estimate the guess of 32
// steps would give 3.
// CHECK-LABEL: func.func @tree_walk(
// CHECK:         %[[GRAIN:.*]] = llvm.mlir.constant(10 : i64) : i64
// CHECK:         call @kiln_parallel_for(%{{.*}}, %{{.*}}, %[[GRAIN]],
// CHECK-LABEL: func.func @unknown_trips(
// CHECK:         %[[GRAIN:.*]] = llvm.mlir.constant(3 : i64) : i64
// CHECK:         call @kiln_parallel_for(%{{.*}}, %{{.*}}, %[[GRAIN]],
func.func @tree_walk(%a: memref<?x100xi32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  %z = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %t = %c0 to %c100 step %c1 {
      %r = scf.while (%v = %one) : (i32) -> i32 {
        %c = arith.cmpi sge, %v, %z : i32
        scf.condition(%c) %v : i32
      } do {
      ^bb0(%v: i32):
        %w = arith.subi %v, %one : i32
        scf.yield %w : i32
      } attributes {kiln.trip_estimate = 8 : i64}
      memref.store %r, %a[%i, %t] : memref<?x100xi32>
    }
  }
  return
}
func.func @unknown_trips(%a: memref<?x100xi32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c100 = arith.constant 100 : index
  %z = arith.constant 0 : i32
  %one = arith.constant 1 : i32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %t = %c0 to %c100 step %c1 {
      %r = scf.while (%v = %one) : (i32) -> i32 {
        %c = arith.cmpi sge, %v, %z : i32
        scf.condition(%c) %v : i32
      } do {
      ^bb0(%v: i32):
        %w = arith.subi %v, %one : i32
        scf.yield %w : i32
      }
      memref.store %r, %a[%i, %t] : memref<?x100xi32>
    }
  }
  return
}

// -----

// Two iterations that are the cases of an scf.index_switch on the induction
// variable (a bidirectional recurrence's directions, after
// scf-forall-to-parallel) are dispatched although they are fewer than 8;
// the parallel loop inside each case stays in the outlined body, and
// without the switch the inner loop is the one dispatched (@two_halves).
// CHECK-LABEL: func.func private @directions_parallel_0(
// CHECK:         scf.index_switch
// CHECK:           scf.parallel
// CHECK-NOT:       call @kiln_parallel_for
// CHECK-LABEL: func.func @directions(
// CHECK-NOT:     scf.index_switch
// CHECK:         call @kiln_parallel_for
// CHECK-NOT:     scf.index_switch
// CHECK-LABEL: func.func private @two_halves_parallel_0(
// CHECK-LABEL: func.func @two_halves(
// CHECK:         scf.parallel (%{{.*}}) = (%{{.*}}) to (%{{.*}}) step
// CHECK:           call @kiln_parallel_for
func.func @directions(%a: memref<2x100000xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c100000 = arith.constant 100000 : index
  %f = arith.constant 1.0 : f32
  %g = arith.constant 2.0 : f32
  scf.parallel (%d) = (%c0) to (%c2) step (%c1) {
    scf.index_switch %d
    case 0 {
      scf.parallel (%i) = (%c0) to (%c100000) step (%c1) {
        memref.store %f, %a[%d, %i] : memref<2x100000xf32>
      }
      scf.yield
    }
    default {
      scf.parallel (%i) = (%c0) to (%c100000) step (%c1) {
        memref.store %g, %a[%d, %i] : memref<2x100000xf32>
      }
      scf.yield
    }
  }
  return
}
func.func @two_halves(%a: memref<2x100000xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c100000 = arith.constant 100000 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%d) = (%c0) to (%c2) step (%c1) {
    scf.parallel (%i) = (%c0) to (%c100000) step (%c1) {
      memref.store %f, %a[%d, %i] : memref<2x100000xf32>
    }
  }
  return
}

// -----

// An inner dim known only at run time (a decoder step's cache copied by
// Concat: batch and heads dispatched, each iteration a row of the cache):
// the grain is min-work over the work of an iteration at this run's sizes,
// not at the 32 iterations assumed for an unknown dim, which kept a copy
// of four rows of 32704 floats on one thread.
// CHECK-LABEL: func.func @symbolic_inner(
// CHECK-SAME:      %[[A:.*]]: memref<?x4x?xf32>, %[[B:.*]]: memref<?x4x?xf32>, %[[N:.*]]: index, %[[L:.*]]: index)
// CHECK:         %[[EMPTY:.*]] = arith.cmpi sle, %[[L]], %{{.*}} : index
// CHECK:         %[[TRIPS:.*]] = arith.select %[[EMPTY]]
// A load and a store and the loop's own op: 3 ops per element of the row.
// CHECK:         %[[WORK:.*]] = arith.muli %c3, %[[TRIPS]] : index
// CHECK:         %[[SOME:.*]] = arith.maxui %[[WORK]], %{{.*}} : index
// CHECK:         %[[G:.*]] = arith.ceildivui %c32768, %[[SOME]] : index
// CHECK:         %[[GRAIN:.*]] = arith.index_cast %[[G]] : index to i64
// CHECK:         call @kiln_parallel_for(%{{.*}}, %{{.*}}, %[[GRAIN]],
func.func @symbolic_inner(%a: memref<?x4x?xf32>, %b: memref<?x4x?xf32>,
                          %n: index, %l: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  scf.parallel (%i, %h, %j) = (%c0, %c0, %c0) to (%n, %c4, %l)
      step (%c1, %c1, %c1) {
    %x = memref.load %a[%i, %h, %j] : memref<?x4x?xf32>
    memref.store %x, %b[%i, %h, %j] : memref<?x4x?xf32>
  }
  return
}
