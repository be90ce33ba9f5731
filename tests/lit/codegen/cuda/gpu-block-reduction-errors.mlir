// RUN: kiln-opt %s --split-input-file --verify-diagnostics --pass-pipeline="builtin.module(func.func(kiln-gpu-block-reduction))"

// A configuration the strategy cannot follow is an error, not a silent
// fallback: an f64 accumulator (shuffles move 32 bits).
func.func @f64(%x: memref<4x128xf64>, %y: memref<4xf64>) {
  // expected-error @below {{'linalg.generic' op cannot be lowered as a block reduction: its accumulator is not of a 32-bit type}}
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x128xf64>) outs(%y : memref<4xf64>)
      attrs = {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<block_reduction, threads = 64>} {
  ^bb0(%a: f64, %o: f64):
    %s = arith.addf %a, %o : f64
    linalg.yield %s : f64
  }
  return
}

// -----

// A reduction before a parallel loop (kiln-gpu-parallel-dims-outer orders
// them first).
func.func @order(%x: memref<128x4xf32>, %y: memref<4xf32>) {
  // expected-error @below {{cannot be lowered as a block reduction: its parallel loops are not all outside its reductions}}
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>], iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<128x4xf32>) outs(%y : memref<4xf32>)
      attrs = {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<block_reduction, threads = 64>} {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A combiner without a neutral element.
func.func @select(%x: memref<4x128xf32>, %y: memref<4xf32>) {
  // expected-error @below {{cannot be lowered as a block reduction: its accumulator does not go through one combining op}}
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x128xf32>) outs(%y : memref<4xf32>)
      attrs = {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<block_reduction, threads = 64>} {
  ^bb0(%a: f32, %o: f32):
    %gt = arith.cmpf ogt, %a, %o : f32
    %s = arith.select %gt, %a, %o : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Not a linalg.generic.
func.func @named(%x: memref<4x128xf32>, %y: memref<4xf32>) {
  // expected-error @below {{'linalg.reduce' op is configured for block_reduction but is not a linalg.generic}}
  linalg.reduce ins(%x : memref<4x128xf32>) outs(%y : memref<4xf32>) dimensions = [1]
      {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<block_reduction, threads = 64>}
  (%a: f32, %o: f32) {
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Threads in whole warps, at most 1024.
func.func @threads(%x: memref<4x128xf32>, %y: memref<4xf32>) {
  // expected-error @+3 {{kiln.gpu_lowering_config: threads must be whole warps of 32, at most 1024, not 48}}
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<4x128xf32>) outs(%y : memref<4xf32>)
      attrs = {kiln.gpu_lowering_config = #kiln.gpu_lowering_config<block_reduction, threads = 48>} {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  }
  return
}
