// RUN: kiln-opt %s --split-input-file --kiln-gemm-ukernel --kiln-conv-ukernel --kiln-depthwise-ukernel -cse | FileCheck %s

// The ukernel passes hand the residual Add and activation that follow a
// matmul or convolution to its kernel: the call's last four arguments are
// the activation (kiln_epilogue.h), its alpha and beta as float bit
// patterns and the residual's address, and the generic goes.

// Relu in place after a matmul: activation 1, no parameters, no residual.

// CHECK-LABEL: func.func @matmul_relu(
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK:         call @kiln_sgemm_avx2({{.*}}, %[[C1]], %[[C0]], %[[C0]], %[[C0]])
// CHECK-NOT:     linalg.generic
#id2 = affine_map<(m, n) -> (m, n)>
func.func @matmul_relu(%a: memref<?x8xf32>, %b: memref<8x?xf32>, %c: memref<?x?xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>}
    ins(%a, %b : memref<?x8xf32>, memref<8x?xf32>) outs(%c : memref<?x?xf32>)
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<?x?xf32>) outs(%c : memref<?x?xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  }
  return
}

// -----

// Clip(0, 6) after a convolution, through the init's element: activation 2
// with the bounds' bits (6.0f is 0x40C00000).

// CHECK-LABEL: func.func @conv_clip(
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[CLIP:.*]] = arith.constant 2 : index
// CHECK-DAG:     %[[SIX:.*]] = arith.constant 1086324736 : index
// CHECK:         call @kiln_sconv2d_avx512({{.*}}, %[[CLIP]], %[[C0]], %[[SIX]], %[[C0]])
// CHECK-NOT:     linalg.generic
#id4 = affine_map<(n, c, h, w) -> (n, c, h, w)>
func.func @conv_clip(%x: memref<1x4x8x8xf32>, %w: memref<6x4x3x3xf32>, %y: memref<1x6x6x6xf32>) {
  %lo = arith.constant 0.0 : f32
  %hi = arith.constant 6.0 : f32
  linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                           kiln.lowering_config = #kiln.lowering_config<conv_ukernel, avx512>}
    ins(%x, %w : memref<1x4x8x8xf32>, memref<6x4x3x3xf32>) outs(%y : memref<1x6x6x6xf32>)
  linalg.generic {indexing_maps = [#id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      outs(%y : memref<1x6x6x6xf32>) {
  ^bb0(%out: f32):
    %0 = arith.maximumf %out, %lo : f32
    %1 = arith.minimumf %0, %hi : f32
    linalg.yield %1 : f32
  }
  return
}

// -----

// A residual Add, then HardSwish, after a depthwise convolution: activation
// 5 and the residual's address.

// CHECK-LABEL: func.func @depthwise_residual_hardswish(
// CHECK-SAME:      %[[R:[a-z0-9]*]]: memref<1x4x6x6xf32>)
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[HSWISH:.*]] = arith.constant 5 : index
// CHECK:         %[[RBASE:.*]] = memref.extract_aligned_pointer_as_index %[[R]]
// CHECK:         %[[RADDR:.*]] = arith.addi %[[RBASE]], %{{.*}}
// CHECK:         call @kiln_dwconv2d_avx512({{.*}}, %[[HSWISH]], %[[C0]], %[[C0]], %[[RADDR]])
// CHECK-NOT:     linalg.generic
#id4 = affine_map<(n, c, h, w) -> (n, c, h, w)>
func.func @depthwise_residual_hardswish(%x: memref<1x4x8x8xf32>, %w: memref<4x3x3xf32>, %y: memref<1x4x6x6xf32>, %r: memref<1x4x6x6xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %sixth = arith.constant 0.166666672 : f32
  %half = arith.constant 0.5 : f32
  linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
                                    kiln.lowering_config = #kiln.lowering_config<depthwise_ukernel, avx512>}
    ins(%x, %w : memref<1x4x8x8xf32>, memref<4x3x3xf32>) outs(%y : memref<1x4x6x6xf32>)
  linalg.generic {indexing_maps = [#id4, #id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%y, %r : memref<1x4x6x6xf32>, memref<1x4x6x6xf32>) outs(%y : memref<1x4x6x6xf32>) {
  ^bb0(%in: f32, %res: f32, %out: f32):
    %s = arith.addf %res, %in : f32
    %0 = arith.mulf %s, %sixth : f32
    %1 = arith.addf %0, %half : f32
    %2 = arith.minimumf %1, %one : f32
    %3 = arith.maximumf %2, %zero : f32
    %4 = arith.mulf %s, %3 : f32
    linalg.yield %4 : f32
  }
  return
}

// -----

// Out of place, into a fresh buffer, with the output dead after it: the
// output takes the fresh buffer's place (its readers and deallocation), and
// its own deallocation goes. SiLU is activation 7.

// CHECK-LABEL: func.func @matmul_silu_out_of_place(
// CHECK:         %[[C:.*]] = memref.alloc() : memref<4x16xf32>
// CHECK-DAG:     %[[SILU:.*]] = arith.constant 7 : index
// CHECK:         call @kiln_sgemm_avx2({{.*}}, %[[SILU]], %{{.*}}, %{{.*}}, %{{.*}})
// CHECK-NOT:     linalg.generic
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     memref.dealloc
// CHECK:         return %[[C]]
#id2 = affine_map<(m, n) -> (m, n)>
func.func @matmul_silu_out_of_place(%a: memref<4x8xf32>, %b: memref<8x16xf32>) -> memref<4x16xf32> {
  %one = arith.constant 1.0 : f32
  %c = memref.alloc() : memref<4x16xf32>
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>}
    ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  %d = memref.alloc() : memref<4x16xf32>
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<4x16xf32>) outs(%d : memref<4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.negf %in : f32
    %e = math.exp %n : f32
    %s = arith.addf %e, %one : f32
    %g = arith.divf %one, %s : f32
    %r = arith.mulf %in, %g : f32
    linalg.yield %r : f32
  }
  memref.dealloc %c : memref<4x16xf32>
  return %d : memref<4x16xf32>
}

// -----

// Not epilogues: a broadcast Add (per channel), a residual written between
// the op and the generic, an output read in between, an output read after
// an out-of-place generic, and a body that is no activation.

// CHECK-LABEL: func.func @not_epilogues(
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK:         call @kiln_sgemm_avx2({{.*}}, %[[C0]], %[[C0]], %[[C0]], %[[C0]])
// CHECK-NEXT:    linalg.generic
// CHECK:         call @kiln_sgemm_avx2({{.*}}, %[[C0]], %[[C0]], %[[C0]], %[[C0]])
// CHECK-NEXT:    memref.copy
// CHECK-NEXT:    linalg.generic
// CHECK:         call @kiln_sgemm_avx2({{.*}}, %[[C0]], %[[C0]], %[[C0]], %[[C0]])
// CHECK-NEXT:    memref.copy
// CHECK-NEXT:    linalg.generic
// CHECK:         call @kiln_sgemm_avx2({{.*}}, %[[C0]], %[[C0]], %[[C0]], %[[C0]])
// CHECK-NEXT:    memref.alloc
// CHECK-NEXT:    linalg.generic
// CHECK:         call @kiln_sgemm_avx2({{.*}}, %[[C0]], %[[C0]], %[[C0]], %[[C0]])
// CHECK-NEXT:    linalg.generic
#id2 = affine_map<(m, n) -> (m, n)>
#row = affine_map<(m, n) -> (n)>
func.func @not_epilogues(%a: memref<4x8xf32>, %b: memref<8x16xf32>, %c: memref<4x16xf32>,
                         %bias: memref<16xf32>, %r: memref<4x16xf32>, %s: memref<4x16xf32>,
                         %t: memref<4x16xf32>) -> memref<4x16xf32> {
  %zero = arith.constant 0.0 : f32
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>}
    ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.generic {indexing_maps = [#id2, #row, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%c, %bias : memref<4x16xf32>, memref<16xf32>) outs(%c : memref<4x16xf32>) {
  ^bb0(%in: f32, %v: f32, %out: f32):
    %0 = arith.addf %in, %v : f32
    linalg.yield %0 : f32
  }
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>}
    ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  memref.copy %s, %r : memref<4x16xf32> to memref<4x16xf32>
  linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%c, %r : memref<4x16xf32>, memref<4x16xf32>) outs(%c : memref<4x16xf32>) {
  ^bb0(%in: f32, %v: f32, %out: f32):
    %0 = arith.addf %in, %v : f32
    linalg.yield %0 : f32
  }
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>}
    ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  memref.copy %c, %s : memref<4x16xf32> to memref<4x16xf32>
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<4x16xf32>) outs(%c : memref<4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %zero : f32
    linalg.yield %0 : f32
  }
  %fresh = memref.alloc() : memref<4x16xf32>
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>}
    ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%fresh : memref<4x16xf32>)
  %dst = memref.alloc() : memref<4x16xf32>
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%fresh : memref<4x16xf32>) outs(%dst : memref<4x16xf32>) {
  ^bb0(%in: f32, %o: f32):
    %0 = arith.maximumf %in, %zero : f32
    linalg.yield %0 : f32
  }
  memref.copy %fresh, %t : memref<4x16xf32> to memref<4x16xf32>
  linalg.matmul {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>}
    ins(%a, %b : memref<4x8xf32>, memref<8x16xf32>) outs(%c : memref<4x16xf32>)
  linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<4x16xf32>) outs(%c : memref<4x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = math.exp %in : f32
    linalg.yield %0 : f32
  }
  return %dst : memref<4x16xf32>
}

// -----

// A pointwise convolution's GEMM writes the [N, F, H * W] view of its
// output, and the activation after it reads that view and writes the same
// view of a fresh buffer (kiln-fold-expand-into-epilogue collapsed it to
// the GEMM's shape): reshapes of identity layouts keep every element's
// offset, so the fresh buffer's uses take the GEMM's output and the
// activation (Relu, 1) is the kernel's.

// CHECK-LABEL: func.func @conv_gemm_relu_views(
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG:     memref.alloc(%{{.*}}, %{{.*}}) : memref<1x4x?x?xf32>
// CHECK:         call @kiln_sgemm_bias_avx2({{.*}}, %[[C1]], %[[C0]], %[[C0]], %[[C0]])
// CHECK-NOT:     linalg.generic
// CHECK:         %[[OUT:.*]] = memref.expand_shape %{{.*}} {{\[}}[0], [1], [2, 3]]
// CHECK:         return %[[OUT]]
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
func.func @conv_gemm_relu_views(%w: memref<4x3xf32>, %x: memref<1x3x?xf32>, %h: index, %wd: index) -> memref<1x4x?x?xf32> {
  %zero = arith.constant 0.0 : f32
  %acc = memref.alloc(%h, %wd) : memref<1x4x?x?xf32>
  %out = memref.alloc(%h, %wd) : memref<1x4x?x?xf32>
  linalg.fill ins(%zero : f32) outs(%acc : memref<1x4x?x?xf32>)
  %c = memref.collapse_shape %acc [[0], [1], [2, 3]] : memref<1x4x?x?xf32> into memref<1x4x?xf32>
  linalg.generic {indexing_maps = [affine_map<(n, f, p, k) -> (f, k)>, affine_map<(n, f, p, k) -> (n, k, p)>, affine_map<(n, f, p, k) -> (n, f, p)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
    {kiln.lowering_config = #kiln.lowering_config<gemm_ukernel, avx2>}
    ins(%w, %x : memref<4x3xf32>, memref<1x3x?xf32>) outs(%c : memref<1x4x?xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  }
  %oc = memref.collapse_shape %out [[0], [1], [2, 3]] : memref<1x4x?x?xf32> into memref<1x4x?xf32>
  linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%c : memref<1x4x?xf32>) outs(%oc : memref<1x4x?xf32>) {
  ^bb0(%in: f32, %o: f32):
    %r = arith.maximumf %in, %zero : f32
    linalg.yield %r : f32
  }
  memref.dealloc %acc : memref<1x4x?x?xf32>
  %e = memref.expand_shape %oc [[0], [1], [2, 3]] output_shape [1, 4, %h, %wd] : memref<1x4x?xf32> into memref<1x4x?x?xf32>
  return %e : memref<1x4x?x?xf32>
}
