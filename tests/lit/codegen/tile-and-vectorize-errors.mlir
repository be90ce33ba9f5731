// RUN: kiln-opt %s --split-input-file --kiln-tile-and-vectorize -verify-diagnostics

// Configurations the pass cannot follow are errors: tile sizes for the
// wrong number of loops, an op it does not tile, a configuration without
// tile sizes.

func.func @wrong_rank(%a: tensor<8x32xf32>, %b: tensor<32x8xf32>, %c: tensor<8x8xf32>) -> tensor<8x8xf32> {
  // expected-error @below {{has tile sizes for 2 loops, but it has 3}}
  %m = linalg.matmul {kiln.lowering_config = #kiln.lowering_config<tile_and_vectorize, avx2, parallel = [4, 16], reduction = [0, 16]>} ins(%a, %b : tensor<8x32xf32>, tensor<32x8xf32>) outs(%c : tensor<8x8xf32>) -> tensor<8x8xf32>
  return %m : tensor<8x8xf32>
}

// -----

func.func @not_heavy(%a: tensor<8xf32>) -> tensor<8xf32> {
  // expected-error @below {{has the tile_and_vectorize strategy but is not a linalg.matmul, batch_matmul or conv_2d_nchw_fchw on tensors}}
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>], iterator_types = ["parallel"],
                       kiln.lowering_config = #kiln.lowering_config<tile_and_vectorize, avx2, parallel = [8], reduction = [0]>}
      outs(%a : tensor<8xf32>) {
  ^bb0(%out: f32):
    linalg.yield %out : f32
  } -> tensor<8xf32>
  return %r : tensor<8xf32>
}

// -----

func.func @no_tiles(%a: tensor<8x32xf32>, %b: tensor<32x8xf32>, %c: tensor<8x8xf32>) -> tensor<8x8xf32> {
  // expected-error @below {{kiln.lowering_config: tile_and_vectorize needs parallel_tiles and reduction_tiles}}
  %m = linalg.matmul {kiln.lowering_config = #kiln.lowering_config<tile_and_vectorize, avx2>} ins(%a, %b : tensor<8x32xf32>, tensor<32x8xf32>) outs(%c : tensor<8x8xf32>) -> tensor<8x8xf32>
  return %m : tensor<8x8xf32>
}
