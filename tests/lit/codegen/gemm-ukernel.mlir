// RUN: kiln-opt %s --split-input-file --kiln-gemm-ukernel | FileCheck %s --check-prefix=PACK
// RUN: kiln-opt %s --split-input-file --kiln-gemm-ukernel="pack-constants=0" | FileCheck %s --check-prefix=NOPACK
// RUN: kiln-opt %s --split-input-file --kiln-gemm-ukernel -cse | FileCheck %s

// The pass lowers the ops whose lowering configuration is gemm_ukernel, to
// the kernel of the configuration's ISA.

// A plain matmul with a symbolic M: the sizes come from the buffers at run
// time, the strides from their layouts, the pointers from the buffers'
// aligned pointers plus their offsets in bytes. The kernel runs its tasks
// through kiln_parallel_for, which the pass declares for the artifact.

// CHECK-LABEL: func.func private @kiln_sgemm_avx2(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// CHECK-LABEL: func.func private @kiln_parallel_for(i64, i64, i64, !llvm.ptr, !llvm.ptr)
// CHECK-LABEL: func.func @matmul(
// CHECK-SAME:      %[[A:.*]]: memref<?x384xf32>, %[[B:.*]]: memref<384x1536xf32>, %[[C:.*]]: memref<?x1536xf32>
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[ONE:.*]] = arith.constant 1 : index
// CHECK-DAG:     %[[N:.*]] = arith.constant 1536 : index
// CHECK-DAG:     %[[K:.*]] = arith.constant 384 : index
// CHECK-DAG:     %[[M:.*]] = memref.dim %[[A]], %[[ZERO]]
// CHECK:         %{{.*}}, %[[OA:.*]], %{{.*}}:2, %[[STA:.*]]:2 = memref.extract_strided_metadata %[[A]]
// CHECK:         %[[PA:.*]] = memref.extract_aligned_pointer_as_index %[[A]]
// CHECK:         %[[FOUR:.*]] = arith.constant 4 : index
// CHECK:         %[[BYTES:.*]] = arith.muli %[[OA]], %[[FOUR]]
// CHECK:         %[[PTRA:.*]] = arith.addi %[[PA]], %[[BYTES]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:2, %[[STB:.*]]:2 = memref.extract_strided_metadata %[[B]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:2, %[[STC:.*]]:2 = memref.extract_strided_metadata %[[C]]
// CHECK:         call @kiln_sgemm_avx2(%[[ONE]], %[[M]], %[[N]], %[[K]], %[[PTRA]], %[[ZERO]], %[[STA]]#0, %[[STA]]#1, %{{.*}}, %[[ZERO]], %[[STB]]#0, %[[STB]]#1, %{{.*}}, %[[ZERO]], %[[STC]]#0, %[[STC]]#1, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT:     linalg.matmul
func.func @matmul(%a: memref<?x384xf32>, %b: memref<384x1536xf32>, %c: memref<?x1536xf32>) {
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>} ins(%a, %b : memref<?x384xf32>, memref<384x1536xf32>) outs(%c : memref<?x1536xf32>)
  return
}

// -----

// Gemm transB: B is read through (n, k), so its k stride is its dim-1
// stride and its n stride its dim-0 stride; no copy. Configured for
// AVX-512, it calls that kernel.

// CHECK-LABEL: func.func private @kiln_sgemm_avx512(
// CHECK-LABEL: func.func @transposed_b(
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:2, %[[STB:.*]]:2 = memref.extract_strided_metadata %arg1
// CHECK:         call @kiln_sgemm_avx512({{.*}}, %[[STB]]#1, %[[STB]]#0, {{.*}})
func.func @transposed_b(%a: memref<64x256xf32>, %b: memref<1024x256xf32>, %c: memref<64x1024xf32>) {
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx512>}
    ins(%a, %b : memref<64x256xf32>, memref<1024x256xf32>) outs(%c : memref<64x1024xf32>)
  return
}

// -----

// A batch matmul whose A is shared by every batch (inferred as a second n
// dim; C's outermost dim is the batch): A's batch stride is 0.

// CHECK-LABEL: func.func @shared_a(
// CHECK-DAG:     %[[ZERO:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[BATCH:.*]] = memref.dim %arg1, %[[ZERO]]
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:2, %[[STA:.*]]:2 = memref.extract_strided_metadata %arg0
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:3, %[[STB:.*]]:3 = memref.extract_strided_metadata %arg1
// CHECK:         call @kiln_sgemm_avx2(%[[BATCH]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ZERO]], %[[STA]]#0, %[[STA]]#1, %{{.*}}, %[[STB]]#0, %[[STB]]#1, %[[STB]]#2,
func.func @shared_a(%a: memref<8x16xf32>, %b: memref<?x16x32xf32>, %c: memref<?x8x32xf32>) {
  linalg.batch_matmul indexing_maps = [affine_map<(b, m, n, k) -> (m, k)>, affine_map<(b, m, n, k) -> (b, k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>]
    {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>}
    ins(%a, %b : memref<8x16xf32>, memref<?x16x32xf32>) outs(%c : memref<?x8x32xf32>)
  return
}

// -----

// Ops without the gemm_ukernel strategy are left alone, even f32 ones.

// CHECK-LABEL: func.func @unconfigured(
// CHECK:         linalg.matmul
// CHECK-NOT:     call @kiln_sgemm
func.func @unconfigured(%a: memref<4x4xf32>, %b: memref<4x4xf32>, %c: memref<4x4xf32>) {
  linalg.matmul ins(%a, %b : memref<4x4xf32>, memref<4x4xf32>) outs(%c : memref<4x4xf32>)
  return
}

// CHECK-LABEL: func.func @tensors(
// CHECK:         linalg.matmul
func.func @tensors(%a: tensor<4x4xf32>, %b: tensor<4x4xf32>, %c: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<4x4xf32>, tensor<4x4xf32>) outs(%c : tensor<4x4xf32>) -> tensor<4x4xf32>
  return %r : tensor<4x4xf32>
}

// -----

// A constant B (a weight global, shared by the batch) is packed at compile
// time: the 20x3 weight, read transposed (n, k), becomes three panels of 8
// columns (SSE: two 4-float registers) by 3 rows, the last zero-padded
// (four ones, four zeros per row), in a new global; the call passes only
// its address, and the original global, read by nothing else, is gone.
// It always takes a start (here none: C accumulates).

// PACK-LABEL: func.func private @kiln_sgemm_packed_sse(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// PACK-NOT:   func.func private @kiln_sgemm_sse(
// PACK:       memref.global "private" constant @w_packed_sse_t : memref<72xf32> = dense_resource<w_packed_sse_t> {alignment = 64 : i64}
// PACK-NOT:   memref.global "private" constant @w :
// PACK-LABEL: func.func @packed(
// PACK-SAME:      %[[A:.*]]: memref<?x3xf32>, %[[C:.*]]: memref<?x20xf32>
// PACK:         memref.extract_strided_metadata %[[A]]
// PACK:         %[[P:.*]] = memref.get_global @w_packed_sse_t : memref<72xf32>
// PACK:         memref.extract_aligned_pointer_as_index %[[P]]
// PACK:         call @kiln_sgemm_packed_sse(
// PACK-NOT:     linalg.matmul
// PACK:       w_packed_sse_t: "0x400000000000803F
// PACK-SAME:  0000803F0000803F0000803F0000803F00000000000000000000000000000000"
// NOPACK-LABEL: func.func @packed(
// NOPACK:         call @kiln_sgemm_sse(
memref.global "private" constant @w : memref<20x3xf32> = dense<1.0> {alignment = 64 : i64}
func.func @packed(%a: memref<?x3xf32>, %c: memref<?x20xf32>) {
  %w = memref.get_global @w : memref<20x3xf32>
  linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
    {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, sse>}
    ins(%a, %w : memref<?x3xf32>, memref<20x3xf32>) outs(%c : memref<?x20xf32>)
  return
}

// -----

// A constant A (a 1x1 convolution's weights [8, 3, 1, 1] collapsed to
// [8, 3]) with B not constant is packed at compile time in panels of the
// register tile's rows (SSE: 6), the last zero-padded: two panels by 3
// columns of 6 floats, 36 in all. kiln_sgemm_apacked takes its address
// alone and always a bias (here none: 0, 0), then the epilogue.

// PACK-LABEL: func.func private @kiln_sgemm_apacked_sse(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// PACK:       memref.global "private" constant @cw_packed_sse_a : memref<36xf32> = dense_resource<cw_packed_sse_a> {alignment = 64 : i64}
// PACK-NOT:   memref.global "private" constant @cw :
// PACK-LABEL: func.func @packed_a(
// PACK:         %[[P:.*]] = memref.get_global @cw_packed_sse_a : memref<36xf32>
// PACK:         %[[PA:.*]] = memref.extract_aligned_pointer_as_index %[[P]]
// PACK:         %[[ADDR:.*]] = arith.addi %[[PA]], %{{.*}}
// PACK:         call @kiln_sgemm_apacked_sse(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[ADDR]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[Z:.*]], %[[Z]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// PACK-NOT:     linalg.generic
// PACK:       cw_packed_sse_a: "0x40000000
// PACK-SAME:  0000803F0000803F0000803F0000803F0000803F0000803F
// NOPACK-LABEL: func.func @packed_a(
// NOPACK:         call @kiln_sgemm_sse(
memref.global "private" constant @cw : memref<8x3x1x1xf32> = dense<1.0> {alignment = 64 : i64}
func.func @packed_a(%x: memref<1x3x36xf32>, %y: memref<1x8x36xf32>) {
  %w = memref.get_global @cw : memref<8x3x1x1xf32>
  %a = memref.collapse_shape %w [[0], [1, 2, 3]] : memref<8x3x1x1xf32> into memref<8x3xf32>
  linalg.generic {indexing_maps = [affine_map<(b, m, n, k) -> (m, k)>, affine_map<(b, m, n, k) -> (b, k, n)>, affine_map<(b, m, n, k) -> (b, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
    {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, sse>}
    ins(%a, %x : memref<8x3xf32>, memref<1x3x36xf32>) outs(%y : memref<1x8x36xf32>) {
  ^bb0(%in: f32, %in_0: f32, %out: f32):
    %m = arith.mulf %in, %in_0 : f32
    %s = arith.addf %out, %m : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A pointwise convolution as kiln-conv-to-gemm writes it: C is a collapsed
// view of an output the bias was broadcast into along the channels, which
// are C's rows. The kernel starts C from the bias (its address and stride
// last) and the broadcast goes. A broadcast along C's columns stays.

// CHECK-LABEL: func.func private @kiln_sgemm_bias_avx2(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// CHECK-LABEL: func.func @conv_bias(
// CHECK-SAME:      %[[W:.*]]: memref<4x3xf32>, %[[X:.*]]: memref<1x3x36xf32>, %[[B:.*]]: memref<4xf32>
// CHECK-NOT:     linalg.generic
// CHECK:         %[[Y:.*]] = memref.alloc() : memref<1x4x6x6xf32>
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}, %[[SB:.*]] = memref.extract_strided_metadata %[[B]]
// CHECK:         call @kiln_sgemm_bias_avx2({{.*}}, %{{.*}}, %[[SB]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[Y]]
#bcast = affine_map<(n, f, h, w) -> (f)>
#id4 = affine_map<(n, f, h, w) -> (n, f, h, w)>
func.func @conv_bias(%w: memref<4x3xf32>, %x: memref<1x3x36xf32>, %b: memref<4xf32>) -> memref<1x4x6x6xf32> {
  %y = memref.alloc() : memref<1x4x6x6xf32>
  linalg.generic {indexing_maps = [#bcast, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : memref<4xf32>) outs(%y : memref<1x4x6x6xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %c = memref.collapse_shape %y [[0], [1], [2, 3]] : memref<1x4x6x6xf32> into memref<1x4x36xf32>
  linalg.generic {indexing_maps = [affine_map<(n, f, p, k) -> (f, k)>, affine_map<(n, f, p, k) -> (n, k, p)>, affine_map<(n, f, p, k) -> (n, f, p)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"], kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>} ins(%w, %x : memref<4x3xf32>, memref<1x3x36xf32>) outs(%c : memref<1x4x36xf32>) {
  ^bb0(%a: f32, %bb: f32, %acc: f32):
    %m = arith.mulf %a, %bb : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return %y : memref<1x4x6x6xf32>
}

// -----

// A detection head's pointwise convolution computed into its slice of the
// Concat of the heads' anchors (kiln-forward-copied-buffers): C is the
// slice, and the bias was broadcast into it expanded back to the map's
// height and width. The kernel still starts C from the bias.
// CHECK-LABEL: func.func @conv_bias_in_slice(
// CHECK-NOT:     linalg.generic
// CHECK:         call @kiln_sgemm_bias_avx2(
// CHECK-NOT:     linalg.generic
#bcasts = affine_map<(n, f, h, w) -> (f)>
#id4s = affine_map<(n, f, h, w) -> (n, f, h, w)>
func.func @conv_bias_in_slice(%w: memref<4x3xf32>, %x: memref<1x3x36xf32>, %b: memref<4xf32>, %o: index, %t: index) -> memref<1x4x?xf32> {
  %d = memref.alloc(%t) : memref<1x4x?xf32>
  %c = memref.subview %d[0, 0, %o] [1, 4, 36] [1, 1, 1] : memref<1x4x?xf32> to memref<1x4x36xf32, strided<[?, ?, 1], offset: ?>>
  %y = memref.expand_shape %c [[0], [1], [2, 3]] output_shape [1, 4, 6, 6] : memref<1x4x36xf32, strided<[?, ?, 1], offset: ?>> into memref<1x4x6x6xf32, strided<[?, ?, 6, 1], offset: ?>>
  linalg.generic {indexing_maps = [#bcasts, #id4s], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : memref<4xf32>) outs(%y : memref<1x4x6x6xf32, strided<[?, ?, 6, 1], offset: ?>>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [affine_map<(n, f, p, k) -> (f, k)>, affine_map<(n, f, p, k) -> (n, k, p)>, affine_map<(n, f, p, k) -> (n, f, p)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"], kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>} ins(%w, %x : memref<4x3xf32>, memref<1x3x36xf32>) outs(%c : memref<1x4x36xf32, strided<[?, ?, 1], offset: ?>>) {
  ^bb0(%a: f32, %bb: f32, %acc: f32):
    %m = arith.mulf %a, %bb : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  return %d : memref<1x4x?xf32>
}

// -----

// CHECK-LABEL: func.func @col_bias(
// CHECK:         linalg.generic
// CHECK:         call @kiln_sgemm_avx2(
#cb = affine_map<(m, n) -> (n)>
#id2 = affine_map<(m, n) -> (m, n)>
func.func @col_bias(%a: memref<5x3xf32>, %x: memref<3x8xf32>, %b: memref<8xf32>) -> memref<5x8xf32> {
  %y = memref.alloc() : memref<5x8xf32>
  linalg.generic {indexing_maps = [#cb, #id2], iterator_types = ["parallel", "parallel"]} ins(%b : memref<8xf32>) outs(%y : memref<5x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>} ins(%a, %x : memref<5x3xf32>, memref<3x8xf32>) outs(%y : memref<5x8xf32>)
  return %y : memref<5x8xf32>
}

// -----

// With symbolic sizes the collapsed output is also expanded back after the
// GEMM (what the function returns): still the GEMM's view of the output,
// and the bias is taken over.
// CHECK-LABEL: func.func @conv_bias_dynamic(
// CHECK-NOT:     linalg.generic
// CHECK:         call @kiln_sgemm_bias_avx2(
// CHECK:         memref.expand_shape
#bcastd = affine_map<(n, f, h, w) -> (f)>
#id4d = affine_map<(n, f, h, w) -> (n, f, h, w)>
func.func @conv_bias_dynamic(%w: memref<4x3xf32>, %x: memref<?x3x?xf32>, %b: memref<4xf32>, %n: index, %h: index, %wd: index) -> memref<?x4x?x?xf32> {
  %y = memref.alloc(%n, %h, %wd) : memref<?x4x?x?xf32>
  linalg.generic {indexing_maps = [#bcastd, #id4d], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%b : memref<4xf32>) outs(%y : memref<?x4x?x?xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %c = memref.collapse_shape %y [[0], [1], [2, 3]] : memref<?x4x?x?xf32> into memref<?x4x?xf32>
  linalg.generic {indexing_maps = [affine_map<(n, f, p, k) -> (f, k)>, affine_map<(n, f, p, k) -> (n, k, p)>, affine_map<(n, f, p, k) -> (n, f, p)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"], kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>} ins(%w, %x : memref<4x3xf32>, memref<?x3x?xf32>) outs(%c : memref<?x4x?xf32>) {
  ^bb0(%a: f32, %bb: f32, %acc: f32):
    %m = arith.mulf %a, %bb : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  }
  %e = memref.expand_shape %c [[0], [1], [2, 3]] output_shape [%n, 4, %h, %wd] : memref<?x4x?xf32> into memref<?x4x?x?xf32>
  return %e : memref<?x4x?x?xf32>
}

// -----

// An output filled with +0.0 right before the matmul starts from zero in
// the kernel instead: the fill goes, and the bias operands are the
// address of one constant +0.0 per module with stride 0.

// CHECK:       memref.global "private" constant @__kiln_zero_f32 : memref<1xf32> = dense<0.000000e+00>
// CHECK-LABEL: func.func @zero_start(
// CHECK-NOT:     linalg.fill
// CHECK:         %[[Z:.*]] = memref.get_global @__kiln_zero_f32 : memref<1xf32>
// CHECK:         %[[ZP:.*]] = memref.extract_aligned_pointer_as_index %[[Z]]
// CHECK:         %[[ZA:.*]] = arith.addi %[[ZP]], %{{.*}}
// CHECK:         call @kiln_sgemm_bias_avx2({{.*}}, %[[ZA]], %[[ZERO:.*]], %[[ZERO]], %[[ZERO]], %[[ZERO]], %[[ZERO]])
// CHECK:         call @kiln_sgemm_bias_avx2(
// CHECK-NOT:     linalg.
func.func @zero_start(%a: memref<12x?x64xf32>, %b: memref<12x64x?xf32>) -> (memref<12x?x?xf32>, memref<12x?x?xf32>) {
  %zero = arith.constant 0.0 : f32
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %m = memref.dim %a, %c1 : memref<12x?x64xf32>
  %n = memref.dim %b, %c2 : memref<12x64x?xf32>
  %c = memref.alloc(%m, %n) : memref<12x?x?xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<12x?x?xf32>)
  linalg.batch_matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>} ins(%a, %b : memref<12x?x64xf32>, memref<12x64x?xf32>) outs(%c : memref<12x?x?xf32>)
  %d = memref.alloc(%m, %n) : memref<12x?x?xf32>
  linalg.fill ins(%zero : f32) outs(%d : memref<12x?x?xf32>)
  linalg.batch_matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>} ins(%a, %b : memref<12x?x64xf32>, memref<12x64x?xf32>) outs(%d : memref<12x?x?xf32>)
  return %c, %d : memref<12x?x?xf32>, memref<12x?x?xf32>
}

// -----

// A fill that is not +0.0, or an output read between its fill and the
// matmul, is C's value to accumulate into: both stay.

// CHECK-LABEL: func.func @kept_fills(
// CHECK:         linalg.fill
// CHECK:         call @kiln_sgemm_avx2(
// CHECK:         linalg.fill
// CHECK:         memref.copy
// CHECK:         call @kiln_sgemm_avx2(
func.func @kept_fills(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %e: memref<4x16xf32>) -> (memref<4x16xf32>, memref<4x16xf32>) {
  %one = arith.constant 1.0 : f32
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<4x16xf32>
  linalg.fill ins(%one : f32) outs(%c : memref<4x16xf32>)
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>} ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  %d = memref.alloc() : memref<4x16xf32>
  linalg.fill ins(%zero : f32) outs(%d : memref<4x16xf32>)
  memref.copy %d, %e : memref<4x16xf32> to memref<4x16xf32>
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>} ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%d : memref<4x16xf32>)
  return %c, %d : memref<4x16xf32>, memref<4x16xf32>
}

// -----

// MatMulInteger's i16 x i16 -> i32 matmul calls the int16 kernel: sizes,
// then A, B and C with their (batch, row, column) strides, 16 arguments,
// no start and no epilogue: C keeps its zero fill and accumulates.

// CHECK-LABEL: func.func private @kiln_igemm16_avx512(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// CHECK-LABEL: func.func @int16(
// CHECK:         linalg.fill
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}:2, %[[SA:.*]]:2 = memref.extract_strided_metadata %arg0
// CHECK:         call @kiln_igemm16_avx512(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %[[SA]]#0, %[[SA]]#1, {{.*}}) : (index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index) -> ()
// CHECK-NOT:     linalg.matmul
func.func @int16(%a: memref<?x768xi16>, %b: memref<768x768xi16>) -> memref<?x768xi32> {
  %zero = arith.constant 0 : i32
  %c0 = arith.constant 0 : index
  %m = memref.dim %a, %c0 : memref<?x768xi16>
  %c = memref.alloc(%m) : memref<?x768xi32>
  linalg.fill ins(%zero : i32) outs(%c : memref<?x768xi32>)
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx512>} ins(%a, %b : memref<?x768xi16>, memref<768x768xi16>) outs(%c : memref<?x768xi32>)
  return %c : memref<?x768xi32>
}

// -----

// A constant i16 B (MatMulInteger's weight, widened at compile time) is
// packed in pairs of K: the 3x2 weight [[1, 2], [3, 4], [5, 6]] becomes
// one SSE panel of 8 columns by 2 pairs, each column's pair side by side
// ((1, 3), (2, 4), zeros; then (5, 0), (6, 0), zeros), and the call passes
// its address alone (13 arguments); the original global goes.

// PACK-LABEL: func.func private @kiln_igemm16_packed_sse(index, index, index, index, index, index, index, index, index, index, index, index, index)
// PACK:       memref.global "private" constant @wi_packed_sse : memref<32xi16> = dense_resource<wi_packed_sse>
// PACK-NOT:   memref.global "private" constant @wi :
// PACK-LABEL: func.func @int16_packed(
// PACK:         call @kiln_igemm16_packed_sse(
// PACK:       wi_packed_sse: "0x4000000001000300020004000000000000000000000000000000000000000000000000000500000006000000000000000000000000000000000000000000000000000000"
// NOPACK-LABEL: func.func @int16_packed(
// NOPACK:         call @kiln_igemm16_sse(
memref.global "private" constant @wi : memref<3x2xi16> = dense<[[1, 2], [3, 4], [5, 6]]> {alignment = 64 : i64}
func.func @int16_packed(%a: memref<?x3xi16>, %c: memref<?x2xi32>) {
  %w = memref.get_global @wi : memref<3x2xi16>
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, sse>} ins(%a, %w : memref<?x3xi16>, memref<3x2xi16>) outs(%c : memref<?x2xi32>)
  return
}

// -----

// A Linear layer: its bias broadcast along C's columns before a MatMul by a
// constant (packed) B starts C instead (kiln_sgemm_packed_cbias, its address
// and stride last), the broadcast goes; the activation after it, written
// into a fresh [B, S, N] buffer through a collapse to C's shape, becomes the
// kernel's epilogue and C expanded back stands for that buffer.

// CHECK-LABEL: func.func private @kiln_sgemm_packed_cbias_avx2(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index)
// CHECK-LABEL: func.func @linear_relu(
// CHECK-SAME:      %[[A:.*]]: memref<?x3xf32>, %[[B:.*]]: memref<8xf32>, %[[S0:.*]]: index, %[[S1:.*]]: index
// CHECK:         %[[Y:.*]] = memref.alloc(%{{.*}}) : memref<?x8xf32>
// CHECK-NOT:     linalg.generic
// CHECK:         %{{.*}}, %{{.*}}, %{{.*}}, %[[SB:.*]] = memref.extract_strided_metadata %[[B]]
// CHECK:         call @kiln_sgemm_packed_cbias_avx2(%[[ONE:[^,]+]], {{.*}}, %[[SB]], %[[ONE]], %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NEXT:    %[[Z:.*]] = memref.expand_shape %[[Y]] {{\[}}[0, 1], [2]] output_shape [%[[S0]], %[[S1]], 8]
// CHECK-NOT:     linalg.generic
// CHECK-NOT:     memref.dealloc
// CHECK-NEXT:    return %[[Z]]
memref.global "private" constant @lw : memref<3x8xf32> = dense<1.0> {alignment = 64 : i64}
#lb = affine_map<(m, n) -> (n)>
#lid = affine_map<(m, n) -> (m, n)>
func.func @linear_relu(%a: memref<?x3xf32>, %b: memref<8xf32>, %s0: index, %s1: index) -> memref<?x?x8xf32> {
  %rows = arith.muli %s0, %s1 : index
  %y = memref.alloc(%rows) : memref<?x8xf32>
  linalg.generic {indexing_maps = [#lb, #lid], iterator_types = ["parallel", "parallel"]} ins(%b : memref<8xf32>) outs(%y : memref<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %w = memref.get_global @lw : memref<3x8xf32>
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>} ins(%a, %w : memref<?x3xf32>, memref<3x8xf32>) outs(%y : memref<?x8xf32>)
  %z = memref.alloc(%s0, %s1) : memref<?x?x8xf32>
  %zc = memref.collapse_shape %z [[0, 1], [2]] : memref<?x?x8xf32> into memref<?x8xf32>
  linalg.generic {indexing_maps = [#lid, #lid], iterator_types = ["parallel", "parallel"]} ins(%y : memref<?x8xf32>) outs(%zc : memref<?x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %zero = arith.constant 0.0 : f32
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  }
  memref.dealloc %y : memref<?x8xf32>
  return %z : memref<?x?x8xf32>
}

// -----

// The tanh GELU as the ONNX lowering writes it (GPT-2's) is the kernel's
// KILN_ACT_GELU_TANH (10); with one constant off (0.04 for 0.044715) it is
// no activation the kernels know and stays a generic.

// CHECK-LABEL: func.func @linear_gelu_tanh(
// CHECK-NOT:     linalg.generic
// CHECK:         %[[TEN:.*]] = arith.constant 10 : index
// CHECK:         call @kiln_sgemm_packed_cbias_avx2({{.*}}, %[[TEN]], %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT:     linalg.generic
// CHECK-LABEL: func.func @linear_gelu_tanh_off(
// CHECK:         call @kiln_sgemm_packed_cbias_avx2(
// CHECK:         linalg.generic
memref.global "private" constant @gw : memref<3x8xf32> = dense<1.0> {alignment = 64 : i64}
#gb = affine_map<(m, n) -> (n)>
#gid = affine_map<(m, n) -> (m, n)>
func.func @linear_gelu_tanh(%a: memref<5x3xf32>, %b: memref<8xf32>) -> memref<5x8xf32> {
  %y = memref.alloc() : memref<5x8xf32>
  linalg.generic {indexing_maps = [#gb, #gid], iterator_types = ["parallel", "parallel"]} ins(%b : memref<8xf32>) outs(%y : memref<5x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %w = memref.get_global @gw : memref<3x8xf32>
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>} ins(%a, %w : memref<5x3xf32>, memref<3x8xf32>) outs(%y : memref<5x8xf32>)
  linalg.generic {indexing_maps = [#gid], iterator_types = ["parallel", "parallel"]} outs(%y : memref<5x8xf32>) {
  ^bb0(%x: f32):
    %c = arith.constant 0.044715 : f32
    %k = arith.constant 0.797884583 : f32
    %half = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %x2 = arith.mulf %x, %x : f32
    %x3 = arith.mulf %x2, %x : f32
    %t = arith.mulf %c, %x3 : f32
    %s = arith.addf %x, %t : f32
    %i = arith.mulf %k, %s : f32
    %th = math.tanh %i : f32
    %h = arith.mulf %half, %x : f32
    %p = arith.addf %one, %th : f32
    %r = arith.mulf %h, %p : f32
    linalg.yield %r : f32
  }
  return %y : memref<5x8xf32>
}
func.func @linear_gelu_tanh_off(%a: memref<5x3xf32>, %b: memref<8xf32>) -> memref<5x8xf32> {
  %y = memref.alloc() : memref<5x8xf32>
  linalg.generic {indexing_maps = [#gb, #gid], iterator_types = ["parallel", "parallel"]} ins(%b : memref<8xf32>) outs(%y : memref<5x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  %w = memref.get_global @gw : memref<3x8xf32>
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>} ins(%a, %w : memref<5x3xf32>, memref<3x8xf32>) outs(%y : memref<5x8xf32>)
  linalg.generic {indexing_maps = [#gid], iterator_types = ["parallel", "parallel"]} outs(%y : memref<5x8xf32>) {
  ^bb0(%x: f32):
    %c = arith.constant 0.04 : f32
    %k = arith.constant 0.797884583 : f32
    %half = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %x2 = arith.mulf %x, %x : f32
    %x3 = arith.mulf %x2, %x : f32
    %t = arith.mulf %c, %x3 : f32
    %s = arith.addf %x, %t : f32
    %i = arith.mulf %k, %s : f32
    %th = math.tanh %i : f32
    %h = arith.mulf %half, %x : f32
    %p = arith.addf %one, %th : f32
    %r = arith.mulf %h, %p : f32
    linalg.yield %r : f32
  }
  return %y : memref<5x8xf32>
}
