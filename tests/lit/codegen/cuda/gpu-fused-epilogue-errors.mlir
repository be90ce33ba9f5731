// RUN: kiln-opt %s --split-input-file --verify-diagnostics --pass-pipeline="builtin.module(func.func(kiln-gpu-block-reduction,kiln-gpu-shared-memory-tiles,kiln-gpu-tensor-core-mma))"

// A fused epilogue written by hand must be there to fuse.
func.func @none(%a: memref<32x32xf32>, %b: memref<32x32xf32>, %c: memref<32x32xf32>) {
  // expected-error @below {{'linalg.matmul' op cannot fuse its consumer: no op after it reads its output}}
  linalg.matmul {kiln.gpu_fused_epilogue, kiln.gpu_lowering_config = #kiln.gpu_lowering_config<shared_memory_tiles, threads = 256>}
      ins(%a, %b : memref<32x32xf32>, memref<32x32xf32>) outs(%c : memref<32x32xf32>)
  return
}

// -----

// Element (i, j) of a transposed consumer needs the op's (j, i), which
// another block computes.
func.func @transposed(%a: memref<32x32xf16>, %b: memref<32x32xf16>, %c: memref<32x32xf16>, %t: memref<32x32xf16>) {
  // expected-error @below {{cannot fuse its consumer: its consumer reads its output through another map}}
  linalg.matmul {kiln.gpu_fused_epilogue, kiln.gpu_lowering_config = #kiln.gpu_lowering_config<tensor_core_mma, threads = 128>}
      ins(%a, %b : memref<32x32xf16>, memref<32x32xf16>) outs(%c : memref<32x32xf16>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (j, i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<32x32xf16>) outs(%t : memref<32x32xf16>) {
  ^bb0(%y: f16, %o: f16):
    linalg.yield %y : f16
  }
  return
}

// -----

// The kernel would run before the fill that the consumer's residual needs.
func.func @written_between(%x: memref<4x256xf32>, %r: memref<4xf32>, %s: memref<4xf32>) {
  %one = arith.constant 1.0 : f32
  // expected-error @below {{cannot fuse its consumer: an op with memory effects comes before its consumer}}
  linalg.generic {indexing_maps = [affine_map<(i, k) -> (i, k)>, affine_map<(i, k) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x256xf32>) outs(%r : memref<4xf32>)
      attrs = {kiln.gpu_fused_epilogue, kiln.gpu_lowering_config = #kiln.gpu_lowering_config<block_reduction, threads = 64>} {
  ^bb0(%v: f32, %o: f32):
    %t = arith.addf %v, %o : f32
    linalg.yield %t : f32
  }
  linalg.fill ins(%one : f32) outs(%s : memref<4xf32>)
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%s : memref<4xf32>) outs(%r : memref<4xf32>) {
  ^bb0(%y: f32, %o: f32):
    %q = arith.addf %o, %y : f32
    linalg.yield %q : f32
  }
  return
}

// -----

// Into a fresh buffer, the output must have no reader left: the kernel no
// longer writes it.
func.func @read_after(%a: memref<32x32xf32>, %b: memref<32x32xf32>, %g: memref<32x32xf32>, %u: memref<32x32xf32>) {
  %f = memref.alloc() : memref<32x32xf32>
  // expected-error @below {{cannot fuse its consumer: its output is read after its consumer}}
  linalg.matmul {kiln.gpu_fused_epilogue, kiln.gpu_lowering_config = #kiln.gpu_lowering_config<shared_memory_tiles, threads = 256>}
      ins(%a, %b : memref<32x32xf32>, memref<32x32xf32>) outs(%f : memref<32x32xf32>)
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%f : memref<32x32xf32>) outs(%g : memref<32x32xf32>) {
  ^bb0(%y: f32, %o: f32):
    %n = arith.negf %y : f32
    linalg.yield %n : f32
  }
  memref.copy %f, %u : memref<32x32xf32> to memref<32x32xf32>
  memref.dealloc %f : memref<32x32xf32>
  return
}
