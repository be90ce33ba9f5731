// RUN: kiln-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-gpu-tensor-core-mma))" | FileCheck %s

// An f32 [?, 40] x [40, 24] matmul on the tensor cores in TF32: a block of
// 4 warps per 32 x 32 output tile (m tiles x n tiles, n fastest). Each
// lane's accumulators start from its output elements (zero past an edge).
// Along k, 16 at a time, every thread stages elements thread and
// thread + 128, + 256, + 384 of a 32 x 16 tile of A (k fastest) and a
// 16 x 32 tile of B (n fastest), zero past an edge and rounded to TF32
// (half an ulp of 10 mantissa bits added, 13 bits cleared, NaN kept); a
// barrier; each warp builds its A fragment (lane g = lane / 4, t = lane %
// 4: a0 at row g, col t; a1 at row g + 8; a2 at col t + 4) and, per
// 8-column strip, its B fragment (b0 at row t, col g; b1 at row t + 4),
// and issues m16n8k8 mma.sync twice per k8 step; a barrier. The
// accumulators inside the output are stored.
// CHECK-LABEL: func.func @tf32
// CHECK-SAME: (%[[A:.*]]: memref<?x40xf32>, %[[B:.*]]: memref<40x24xf32>, %[[C:.*]]: memref<?x24xf32>)
// CHECK: %[[M:.*]] = memref.dim %[[A]], %{{.*}}
// CHECK: %[[MT:.*]] = arith.ceildivui %[[M]], %c32
// CHECK: scf.if
// CHECK: gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[MT]], %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c128{{.*}}, %{{.*}}) workgroup(%[[AT:.*]] : memref<32x16xf32, #gpu.address_space<workgroup>>, %[[BT:.*]] : memref<16x32xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[WARP:.*]] = arith.divui %[[TX]], %c32
// CHECK: %[[LANE:.*]] = arith.remui %[[TX]], %c32
// CHECK: %[[G:.*]] = arith.divui %[[LANE]], %c4
// CHECK: %[[T:.*]] = arith.remui %[[LANE]], %c4
// CHECK: %[[T2:.*]] = arith.muli %[[T]], %c2
// CHECK: %[[WROW:.*]] = arith.muli %{{.*}}, %c16
// CHECK: %[[WCOL:.*]] = arith.muli %{{.*}}, %c16
// CHECK: %[[LROW:.*]] = arith.addi %[[WROW]], %[[G]]
// CHECK: %[[LCOL:.*]] = arith.addi %[[WCOL]], %[[T2]]
// CHECK: %[[BCOL:.*]] = arith.addi %[[WCOL]], %[[G]]
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<2x2xf32>
// CHECK: scf.if %{{.*}} -> (f32) {
// CHECK: memref.load %[[C]]
// CHECK: vector.insert %{{.*}}, %[[ZERO]] [0, 0] : f32 into vector<2x2xf32>
// CHECK: %[[ACCS:.*]]:2 = scf.for %[[K0:.*]] = %{{.*}} to %c40{{.*}} step %c16{{.*}} iter_args(%[[ACC0:.*]] = %{{.*}}, %[[ACC1:.*]] = %{{.*}}) -> (vector<2x2xf32>, vector<2x2xf32>)
// CHECK: memref.load %[[A]]
// CHECK: %[[BITS:.*]] = arith.bitcast %[[X:.*]] : f32 to i32
// CHECK: %[[UP:.*]] = arith.addi %[[BITS]], %c4096_i32
// CHECK: %[[CLEARED:.*]] = arith.andi %[[UP]], %c-8192_i32
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %[[X]], %[[X]]
// CHECK: %[[ROUNDED:.*]] = arith.bitcast %[[CLEARED]] : i32 to f32
// CHECK: %[[STAGED:.*]] = arith.select %[[NAN]], %[[X]], %[[ROUNDED]]
// CHECK: memref.store %[[STAGED]], %[[AT]]
// CHECK: memref.load %[[B]]
// CHECK: memref.store %{{.*}}, %[[BT]]
// CHECK-COUNT-3: memref.store %{{.*}}, %[[AT]]
// CHECK: gpu.barrier
// CHECK: %[[A0:.*]] = memref.load %[[AT]][%[[LROW]], %[[T]]]
// CHECK: vector.insert %[[A0]], %{{.*}} [0, 0] : f32 into vector<4x1xf32>
// CHECK: %[[ROW8:.*]] = arith.addi %[[LROW]], %c8
// CHECK: memref.load %[[AT]][%[[ROW8]], %[[T]]]
// CHECK: %[[COL4:.*]] = arith.addi %[[T]], %c4
// CHECK: memref.load %[[AT]][%[[LROW]], %[[COL4]]]
// CHECK: %[[AF:.*]] = vector.insert %{{.*}} [3, 0] : f32 into vector<4x1xf32>
// CHECK: memref.load %[[BT]][%[[T]], %[[BCOL]]]
// CHECK: %[[BROW4:.*]] = arith.addi %[[T]], %c4
// CHECK: memref.load %[[BT]][%[[BROW4]], %[[BCOL]]]
// CHECK: %[[BF:.*]] = vector.insert %{{.*}} [1, 0] : f32 into vector<2x1xf32>
// CHECK: %[[D0:.*]] = nvgpu.mma.sync(%[[AF]], %[[BF]], %[[ACC0]]) {mmaShape = [16, 8, 8], tf32Enabled} : (vector<4x1xf32>, vector<2x1xf32>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK: %[[BCOL8:.*]] = arith.addi %[[BCOL]], %c8
// CHECK: memref.load %[[BT]][%[[T]], %[[BCOL8]]]
// CHECK: nvgpu.mma.sync(%[[AF]], %{{.*}}, %[[ACC1]]) {mmaShape = [16, 8, 8], tf32Enabled}
// CHECK: nvgpu.mma.sync(%{{.*}}, %{{.*}}, %[[D0]]) {mmaShape = [16, 8, 8], tf32Enabled}
// CHECK: nvgpu.mma.sync
// CHECK-NOT: nvgpu.mma.sync
// CHECK: gpu.barrier
// CHECK: scf.yield
// CHECK: %[[I:.*]] = arith.addi %{{.*}}, %[[LROW]]
// CHECK: %[[J:.*]] = arith.addi %{{.*}}, %[[LCOL]]
// CHECK: scf.if
// CHECK: %[[D:.*]] = vector.extract %[[ACCS]]#0[0, 0] : f32 from vector<2x2xf32>
// CHECK: memref.store %[[D]], %[[C]][%[[I]], %[[J]]]
// CHECK-COUNT-7: memref.store %{{.*}}, %[[C]]
// CHECK-NOT: linalg.matmul
func.func @tf32(%a: memref<?x40xf32>, %b: memref<40x24xf32>, %c: memref<?x24xf32>) {
  linalg.matmul {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>}
      ins(%a, %b : memref<?x40xf32>, memref<40x24xf32>) outs(%c : memref<?x24xf32>)
  return
}

// -----

// f16 operands and output: m16n8k16, one mma.sync per strip and k step,
// no rounding to TF32; the f16 output elements are extended to the f32
// accumulators and the sums rounded to f16 once, when they are stored. A
// lane's A fragment: a0, a1 at row g, cols 2t and 2t + 1; a2, a3 at row
// g + 8; a4 .. a7 the same 8 columns on. Its B fragment: b0, b1 at rows
// 2t, 2t + 1, b2, b3 at rows 2t + 8, 2t + 9.
// CHECK-LABEL: func.func @f16
// CHECK: workgroup(%[[AT:.*]] : memref<32x16xf16, #gpu.address_space<workgroup>>, %[[BT:.*]] : memref<16x32xf16, #gpu.address_space<workgroup>>)
// CHECK: %[[LANE:.*]] = arith.remui %{{.*}}, %c32
// CHECK: %[[G:.*]] = arith.divui %[[LANE]], %c4
// CHECK: %[[T:.*]] = arith.remui %[[LANE]], %c4
// CHECK: %[[T2:.*]] = arith.muli %[[T]], %c2
// CHECK: %[[LROW:.*]] = arith.addi %{{.*}}, %[[G]]
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: scf.for
// CHECK-NOT: arith.bitcast
// CHECK: gpu.barrier
// CHECK: memref.load %[[AT]][%[[LROW]], %[[T2]]]
// CHECK: %[[C1:.*]] = arith.addi %[[T2]], %c1
// CHECK: memref.load %[[AT]][%[[LROW]], %[[C1]]]
// CHECK: vector.insert %{{.*}} [0, 1] : f16 into vector<4x2xf16>
// CHECK: %[[R8:.*]] = arith.addi %[[LROW]], %c8
// CHECK: memref.load %[[AT]][%[[R8]], %[[T2]]]
// CHECK: vector.insert %{{.*}} [1, 1] : f16 into vector<4x2xf16>
// CHECK: %[[C8:.*]] = arith.addi %[[T2]], %c8
// CHECK: memref.load %[[AT]][%[[LROW]], %[[C8]]]
// CHECK: vector.insert %{{.*}} [2, 0] : f16 into vector<4x2xf16>
// CHECK: vector.insert %{{.*}} [3, 1] : f16 into vector<4x2xf16>
// CHECK: memref.load %[[BT]][%[[T2]], %[[BCOL:.*]]]
// CHECK: vector.insert %{{.*}} [0, 0] : f16 into vector<2x2xf16>
// CHECK: %[[BR1:.*]] = arith.addi %[[T2]], %c1
// CHECK: memref.load %[[BT]][%[[BR1]], %[[BCOL]]]
// CHECK: %[[BR8:.*]] = arith.addi %[[T2]], %c8
// CHECK: memref.load %[[BT]][%[[BR8]], %[[BCOL]]]
// CHECK: vector.insert %{{.*}} [1, 1] : f16 into vector<2x2xf16>
// CHECK: nvgpu.mma.sync(%{{.*}}, %{{.*}}, %{{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK: nvgpu.mma.sync(%{{.*}}, %{{.*}}, %{{.*}}) {mmaShape = [16, 8, 16]}
// CHECK-NOT: nvgpu.mma.sync
// CHECK: gpu.barrier
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @f16(%a: memref<64x48xf16>, %b: memref<48x40xf16>, %c: memref<64x40xf16>) {
  linalg.matmul {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>}
      ins(%a, %b : memref<64x48xf16>, memref<48x40xf16>) outs(%c : memref<64x40xf16>)
  return
}

// -----

// A batch of f16 products into f32 (the operands extended in the body):
// the batch dim leads the grid (2 x 2 x 2 blocks); the accumulators take
// the f32 output as it is.
// CHECK-LABEL: func.func @batch_f16_to_f32
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c8{{.*}}, %{{.*}}) threads
// CHECK-NOT: arith.extf
// CHECK: nvgpu.mma.sync(%{{.*}}, %{{.*}}, %{{.*}}) {mmaShape = [16, 8, 16]}
// CHECK-NOT: arith.truncf
// CHECK: return
func.func @batch_f16_to_f32(%a: memref<2x64x16xf16>, %b: memref<2x16x33xf16>, %c: memref<2x64x33xf32>) {
  linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (b, m, k)>, affine_map<(b, m, n, k) -> (b, k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<2x64x16xf16>, memref<2x16x33xf16>) outs(%c : memref<2x64x33xf32>)
      attrs = {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>} {
  ^bb0(%x: f16, %y: f16, %o: f32):
    %xe = arith.extf %x : f16 to f32
    %ye = arith.extf %y : f16 to f32
    %p = arith.mulf %xe, %ye : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A convolution on the tensor cores is an implicit GEMM: its image and
// output pixels are m (2 x 10 x 10 = 200 rows: 7 tiles of 32), its output
// channels n (20: one tile with an edge), its input channels and 3 x 3
// window k (27: two steps, the last short). A staged element of the A tile
// delinearizes its row into (image, row, column) of the output and its k
// into (channel, window row, window column), is bounded by the linear
// sizes (200 rows, 27 k) and read from the image through the conv's map;
// one of the B tile delinearizes its k the same way. The accumulators
// start from, and are stored to, the output element of the lane's row and
// column, delinearized alike.
// CHECK-LABEL: func.func @conv
// CHECK-SAME: (%[[X:.*]]: memref<2x3x12x12xf16>, %[[W:.*]]: memref<20x3x3x3xf16>, %[[Y:.*]]: memref<2x20x10x10xf32>)
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %c7{{.*}}, %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %c128{{.*}}, %{{.*}}) workgroup(%[[AT:.*]] : memref<32x16xf16, #gpu.address_space<workgroup>>, %[[BT:.*]] : memref<16x32xf16, #gpu.address_space<workgroup>>)
// CHECK: %[[M0:.*]] = arith.muli %{{.*}}, %c32
// CHECK: %[[N0:.*]] = arith.muli %{{.*}}, %c32
// CHECK: %[[I:.*]] = arith.addi %[[M0]], %{{.*}}
// CHECK: %[[F:.*]] = arith.addi %[[N0]], %{{.*}}
// CHECK: %[[OW:.*]] = arith.remui %[[I]], %c10
// CHECK: %[[I1:.*]] = arith.divui %[[I]], %c10
// CHECK: %[[OH:.*]] = arith.remui %[[I1]], %c10
// CHECK: %[[N:.*]] = arith.divui %[[I1]], %c10
// CHECK: arith.cmpi ult, %[[F]], %c20
// CHECK: arith.cmpi ult, %[[I]], %c200
// CHECK: memref.load %[[Y]][%[[N]], %[[F]], %[[OH]], %[[OW]]]
// CHECK: scf.for %[[K0:.*]] = %{{.*}} to %c27{{.*}} step %c16
// CHECK: %[[AROW:.*]] = arith.divui %[[TX]], %c16
// CHECK: %[[ACOL:.*]] = arith.remui %[[TX]], %c16
// CHECK: %[[SI:.*]] = arith.addi %[[M0]], %[[AROW]]
// CHECK: %[[SK:.*]] = arith.addi %[[K0]], %[[ACOL]]
// CHECK: %[[SOW:.*]] = arith.remui %[[SI]], %c10
// CHECK: %[[SI1:.*]] = arith.divui %[[SI]], %c10
// CHECK: %[[SOH:.*]] = arith.remui %[[SI1]], %c10
// CHECK: %[[SN:.*]] = arith.divui %[[SI1]], %c10
// CHECK: %[[KW:.*]] = arith.remui %[[SK]], %c3
// CHECK: %[[SK1:.*]] = arith.divui %[[SK]], %c3
// CHECK: %[[KH:.*]] = arith.remui %[[SK1]], %c3
// CHECK: %[[C:.*]] = arith.divui %[[SK1]], %c3
// CHECK: arith.cmpi ult, %[[SK]], %c27
// CHECK: arith.cmpi ult, %[[SI]], %c200
// CHECK: %[[H:.*]] = arith.addi %[[SOH]], %[[KH]]
// CHECK: %[[V:.*]] = arith.addi %[[SOW]], %[[KW]]
// CHECK: memref.load %[[X]][%[[SN]], %[[C]], %[[H]], %[[V]]]
// CHECK: memref.store %{{.*}}, %[[AT]][%[[AROW]], %[[ACOL]]]
// CHECK: %[[BROW:.*]] = arith.divui %[[TX]], %c32
// CHECK: %[[BCOL:.*]] = arith.remui %[[TX]], %c32
// CHECK: %[[BK:.*]] = arith.addi %[[K0]], %[[BROW]]
// CHECK: %[[BF:.*]] = arith.addi %[[N0]], %[[BCOL]]
// CHECK: %[[BKW:.*]] = arith.remui %[[BK]], %c3
// CHECK: %[[BK1:.*]] = arith.divui %[[BK]], %c3
// CHECK: %[[BKH:.*]] = arith.remui %[[BK1]], %c3
// CHECK: %[[BC:.*]] = arith.divui %[[BK1]], %c3
// CHECK: arith.cmpi ult, %[[BF]], %c20
// CHECK: arith.cmpi ult, %[[BK]], %c27
// CHECK: memref.load %[[W]][%[[BF]], %[[BC]], %[[BKH]], %[[BKW]]]
// CHECK: memref.store %{{.*}}, %[[BT]][%[[BROW]], %[[BCOL]]]
// CHECK: gpu.barrier
// CHECK: nvgpu.mma.sync(%{{.*}}, %{{.*}}, %{{.*}}) {mmaShape = [16, 8, 16]}
// CHECK: nvgpu.mma.sync(%{{.*}}, %{{.*}}, %{{.*}}) {mmaShape = [16, 8, 16]}
// CHECK-NOT: nvgpu.mma.sync
// CHECK: gpu.barrier
// CHECK: arith.remui %{{.*}}, %c10
// CHECK: memref.store %{{.*}}, %[[Y]][%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}]
// CHECK-NOT: linalg.conv
func.func @conv(%x: memref<2x3x12x12xf16>, %w: memref<20x3x3x3xf16>, %y: memref<2x20x10x10xf32>) {
  linalg.generic {indexing_maps = [affine_map<(n, f, h, w, c, kh, kw) -> (n, c, h + kh, w + kw)>,
                                   affine_map<(n, f, h, w, c, kh, kw) -> (f, c, kh, kw)>,
                                   affine_map<(n, f, h, w, c, kh, kw) -> (n, f, h, w)>],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
      ins(%x, %w : memref<2x3x12x12xf16>, memref<20x3x3x3xf16>) outs(%y : memref<2x20x10x10xf32>)
      attrs = {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>} {
  ^bb0(%a: f16, %b: f16, %o: f32):
    %ae = arith.extf %a : f16 to f32
    %be = arith.extf %b : f16 to f32
    %p = arith.mulf %ae, %be : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  return
}
