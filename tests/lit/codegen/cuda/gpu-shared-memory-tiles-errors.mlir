// RUN: kiln-opt %s --split-input-file --verify-diagnostics --pass-pipeline="builtin.module(func.func(kiln-gpu-shared-memory-tiles))"

// Square tiles only.
func.func @threads(%a: memref<32x32xf32>, %b: memref<32x32xf32>, %c: memref<32x32xf32>) {
  // expected-error @below {{'linalg.matmul' op shared_memory_tiles takes 64, 256 or 1024 threads (square tiles), not 128}}
  linalg.matmul {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<shared_memory_tiles, threads = 128>}
      ins(%a, %b : memref<32x32xf32>, memref<32x32xf32>) outs(%c : memref<32x32xf32>)
  return
}

// -----

// Not a contraction.
func.func @reduction(%x: memref<4x128xf32>, %y: memref<4xf32>) {
  // expected-error @below {{'linalg.generic' op cannot be lowered in shared-memory tiles: it is not a contraction of two operands}}
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x128xf32>) outs(%y : memref<4xf32>)
      attrs = {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<shared_memory_tiles, threads = 256>} {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A reduction loop that indexes one operand only (a sum over B's rows
// times A) is no k dim: the tiles stage both operands along k.
func.func @reduction_of_one(%a: memref<16x16xf32>, %b: memref<16x16x16xf32>, %c: memref<16x16xf32>) {
  // expected-error @below {{cannot be lowered in shared-memory tiles: a reduction does not index both operands alone}}
  linalg.generic {indexing_maps = [affine_map<(m, n, k, r) -> (m, k)>, affine_map<(m, n, k, r) -> (k, n, r)>, affine_map<(m, n, k, r) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%a, %b : memref<16x16xf32>, memref<16x16x16xf32>) outs(%c : memref<16x16xf32>)
      attrs = {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<shared_memory_tiles, threads = 256>} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A parallel loop only the output has (a broadcast) is neither m nor n.
func.func @broadcast(%a: memref<16x16xf32>, %b: memref<16x16xf32>, %c: memref<4x16x16xf32>) {
  // expected-error @below {{cannot be lowered in shared-memory tiles: a parallel loop indexes the output alone}}
  linalg.generic {indexing_maps = [affine_map<(r, m, n, k) -> (m, k)>, affine_map<(r, m, n, k) -> (k, n)>, affine_map<(r, m, n, k) -> (r, m, n)>],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : memref<16x16xf32>, memref<16x16xf32>) outs(%c : memref<4x16x16xf32>)
      attrs = {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<shared_memory_tiles, threads = 256>} {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  return
}
