// RUN: kiln-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-gpu-shared-memory-tiles))" | FileCheck %s

// A [?, 40] x [40, 24] matmul in 8 x 8 tiles (64 threads): a block per
// tile (m tiles x n tiles, n fastest), a thread per output element (row =
// thread / 8, column = thread % 8); along k, 8 at a time, each thread
// stages one element of each operand's tile in workgroup memory (zero
// past an edge), a barrier, the body over the thread's row and column up
// to the last k, a barrier; the thread starts from its output element and
// stores its result when it is inside the output.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[A:.*]]: memref<?x40xf32>, %[[B:.*]]: memref<40x24xf32>, %[[C:.*]]: memref<?x24xf32>)
// CHECK: %[[M:.*]] = memref.dim %[[A]], %{{.*}}
// CHECK: %[[MT:.*]] = arith.ceildivui %[[M]], %[[T:.*]] : index
// CHECK: %[[BLOCKS:.*]] = arith.muli %[[MT]], %{{.*}} : index
// CHECK: scf.if
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[BLOCKS]], %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c64, %{{.*}}) workgroup(%[[AT:.*]] : memref<8x8xf32, #gpu.address_space<workgroup>>, %[[BT:.*]] : memref<8x8xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[NB:.*]] = arith.remui %[[BX]], %c3
// CHECK: %[[MB:.*]] = arith.divui %[[BX]], %c3
// CHECK: %[[ROW:.*]] = arith.divui %[[TX]], %[[T]]
// CHECK: %[[COL:.*]] = arith.remui %[[TX]], %[[T]]
// CHECK: %[[M0:.*]] = arith.muli %[[MB]], %[[T]]
// CHECK: %[[N0:.*]] = arith.muli %[[NB]], %[[T]]
// CHECK: %[[I:.*]] = arith.addi %[[M0]], %[[ROW]]
// CHECK: %[[J:.*]] = arith.addi %[[N0]], %[[COL]]
// CHECK: %[[IN:.*]] = arith.andi
// CHECK: %[[START:.*]] = scf.if %[[IN]] -> (f32) {
// CHECK: memref.load %[[C]][%[[I]], %[[J]]]
// CHECK: %[[SUM:.*]] = scf.for %[[K0:.*]] = %{{.*}} to %c40{{.*}} step %[[T]] iter_args(%[[ACC:.*]] = %[[START]]) -> (f32)
// CHECK: %[[KA:.*]] = arith.addi %[[K0]], %[[COL]]
// CHECK: %[[AV:.*]] = scf.if
// CHECK: memref.load %[[A]][%[[I]], %[[KA]]]
// CHECK: memref.store %[[AV]], %[[AT]][%[[ROW]], %[[COL]]]
// CHECK: %[[KB:.*]] = arith.addi %[[K0]], %[[ROW]]
// CHECK: %[[BV:.*]] = scf.if
// CHECK: memref.load %[[B]][%[[KB]], %[[J]]]
// CHECK: memref.store %[[BV]], %[[BT]][%[[ROW]], %[[COL]]]
// CHECK: gpu.barrier
// CHECK: %[[LEFT:.*]] = arith.subi %c40{{.*}}, %[[K0]]
// CHECK: %[[COUNT:.*]] = arith.minui %[[T]], %[[LEFT]]
// CHECK: %[[P:.*]] = scf.for %[[KK:.*]] = %{{.*}} to %[[COUNT]] step %{{.*}} iter_args(%[[PACC:.*]] = %[[ACC]])
// CHECK: %[[X:.*]] = memref.load %[[AT]][%[[ROW]], %[[KK]]]
// CHECK: %[[Y:.*]] = memref.load %[[BT]][%[[KK]], %[[COL]]]
// CHECK: %[[XY:.*]] = arith.mulf %[[X]], %[[Y]]
// CHECK: arith.addf %[[PACC]], %[[XY]]
// CHECK: gpu.barrier
// CHECK: scf.yield %[[P]]
// CHECK: scf.if %[[IN]] {
// CHECK-NEXT: memref.store %[[SUM]], %[[C]][%[[I]], %[[J]]]
// CHECK-NOT: linalg.matmul
func.func @matmul(%a: memref<?x40xf32>, %b: memref<40x24xf32>, %c: memref<?x24xf32>) {
  linalg.matmul {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<shared_memory_tiles, threads = 64>}
      ins(%a, %b : memref<?x40xf32>, memref<40x24xf32>) outs(%c : memref<?x24xf32>)
  return
}

// -----

// A batch matmul with a transposed B: the batch dim leads the grid, B's
// tile element is read through its map, the body's casts come along.
// CHECK-LABEL: func.func @batch_transposed
// CHECK: gpu.launch
// CHECK-SAME: workgroup(%{{.*}} : memref<16x16xi8, #gpu.address_space<workgroup>>, %{{.*}} : memref<16x16xi8, #gpu.address_space<workgroup>>)
// CHECK: %[[NB:.*]] = arith.remui %{{.*}}, %c2
// CHECK: %[[REST:.*]] = arith.divui %{{.*}}, %c2
// CHECK: %[[MB:.*]] = arith.remui %[[REST]], %c2
// CHECK: %[[BATCH:.*]] = arith.divui %[[REST]], %c2
// CHECK: memref.load %{{.*}}[%[[BATCH]], %{{.*}}, %{{.*}}] : memref<3x32x64xi8>
// CHECK: memref.load %{{.*}}[%[[BATCH]], %{{.*}}, %{{.*}}] : memref<3x32x64xi8>
// CHECK: arith.extsi %{{.*}} : i8 to i32
// CHECK: arith.extsi %{{.*}} : i8 to i32
// CHECK: arith.muli
// CHECK: arith.addi
func.func @batch_transposed(%a: memref<3x32x64xi8>, %b: memref<3x32x64xi8>, %c: memref<3x32x32xi32>) {
  linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, n, k)>, affine_map<(b, m, n, k) -> (b, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<3x32x64xi8>, memref<3x32x64xi8>) outs(%c : memref<3x32x32xi32>)
      attrs = {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<shared_memory_tiles, threads = 256>} {
  ^bb0(%x: i8, %y: i8, %o: i32):
    %xi = arith.extsi %x : i8 to i32
    %yi = arith.extsi %y : i8 to i32
    %p = arith.muli %xi, %yi : i32
    %s = arith.addi %o, %p : i32
    linalg.yield %s : i32
  }
  return
}

// -----

// A convolution is an implicit GEMM: its image and output pixels are the
// m loops (2 x 10 x 10 = 200 rows, 13 tiles), its output channels the n
// loop (8, one tile), its input channels and 3 x 3 window the k loops
// (27, two steps). A thread's row of the tile delinearizes into (image,
// row, column) of the output, its k index into (channel, window row,
// window column), and the input element is read through the op's map.
// CHECK-LABEL: func.func @conv
// CHECK-SAME: (%[[X:.*]]: memref<2x3x12x12xf32>, %[[W:.*]]: memref<8x3x3x3xf32>, %[[Y:.*]]: memref<2x8x10x10xf32>)
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c13{{.*}}, %{{.*}}) threads
// CHECK: %[[ROW:.*]] = arith.divui %{{.*}}, %c16
// CHECK: %[[COL:.*]] = arith.remui %{{.*}}, %c16
// CHECK: %[[I:.*]] = arith.addi %{{.*}}, %[[ROW]]
// CHECK: %[[F:.*]] = arith.addi %{{.*}}, %[[COL]]
// CHECK: %[[OW:.*]] = arith.remui %[[I]], %c10{{.*}}
// CHECK: %[[I1:.*]] = arith.divui %[[I]], %c10{{.*}}
// CHECK: %[[OH:.*]] = arith.remui %[[I1]], %c10
// CHECK: %[[N:.*]] = arith.divui %[[I1]], %c10
// CHECK: arith.cmpi ult, %[[F]], %c8
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[I]], %c200
// CHECK: memref.load %[[Y]][%[[N]], %[[F]], %[[OH]], %[[OW]]]
// CHECK: scf.for %[[K0:.*]] = %{{.*}} to %c27{{.*}} step %c16
// CHECK: %[[KA:.*]] = arith.addi %[[K0]], %[[COL]]
// CHECK: %[[KW:.*]] = arith.remui %[[KA]], %c3{{.*}}
// CHECK: %[[KA1:.*]] = arith.divui %[[KA]], %c3{{.*}}
// CHECK: %[[KH:.*]] = arith.remui %[[KA1]], %c3{{.*}}
// CHECK: %[[C:.*]] = arith.divui %[[KA1]], %c3{{.*}}
// CHECK: arith.cmpi ult, %[[KA]], %c27
// CHECK: %[[H:.*]] = arith.addi %[[OH]], %[[KH]]
// CHECK: %[[V:.*]] = arith.addi %[[OW]], %[[KW]]
// CHECK: memref.load %[[X]][%[[N]], %[[C]], %[[H]], %[[V]]]
// CHECK: memref.load %[[W]][%[[F]], %{{.*}}, %{{.*}}, %{{.*}}]
// CHECK: gpu.barrier
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK: gpu.barrier
// CHECK: memref.store %{{.*}}, %[[Y]][%[[N]], %[[F]], %[[OH]], %[[OW]]]
func.func @conv(%x: memref<2x3x12x12xf32>, %w: memref<8x3x3x3xf32>, %y: memref<2x8x10x10xf32>) {
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                            kiln.gpu_lowering_config = #kiln.gpu_lowering_config<shared_memory_tiles, threads = 256>}
      ins(%x, %w : memref<2x3x12x12xf32>, memref<8x3x3x3xf32>) outs(%y : memref<2x8x10x10xf32>)
  return
}
