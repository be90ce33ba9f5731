// RUN: kiln-opt %s --kiln-tile-and-vectorize=lower-vectors=0 | FileCheck %s
// RUN: kiln-opt %s --kiln-tile-and-vectorize | FileCheck %s --check-prefix=FMA

// The pass tiles the ops whose lowering configuration is
// tile_and_vectorize, with the configuration's tile sizes.

// The matmul, its fill and its elementwise consumer share 8x32 register
// tiles; the K loop carries the accumulator as a vector.
// CHECK-LABEL: func.func @matmul_relu
// CHECK: scf.for %{{.*}} = %c0 to %c64 step %c8
// CHECK:   scf.for %{{.*}} = %c0 to %c64 step %c32
// CHECK:     scf.for %{{.*}} = %c0 to %c128 step %c16 iter_args({{.*}}) -> (tensor<8x32xf32>, vector<8x32xf32>)
// CHECK:       vector.transfer_read {{.*}} vector<8x16xf32>
// CHECK:       vector.transfer_read {{.*}} vector<16x32xf32>
// CHECK:       vector.contract {{.*}} vector<8x16xf32>, vector<16x32xf32> into vector<8x32xf32>
// CHECK:     arith.maximumf {{.*}} : vector<8x32xf32>
// CHECK-NOT: linalg.
// FMA-LABEL: func.func @matmul_relu
// FMA-NOT: vector.contract
// FMA: vector.fma {{.*}} : vector<32xf32>
func.func @matmul_relu(%a: tensor<64x128xf32>, %b: tensor<128x64xf32>) -> tensor<64x64xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x64xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<64x64xf32>) -> tensor<64x64xf32>
  %m = linalg.matmul {kiln.lowering_config = #kiln.lowering_config<tile_and_vectorize, avx512, parallel = [8, 32, 0], reduction = [0, 0, 16]>} ins(%a, %b : tensor<64x128xf32>, tensor<128x64xf32>) outs(%f : tensor<64x64xf32>) -> tensor<64x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%m : tensor<64x64xf32>) outs(%e : tensor<64x64xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.maximumf %in, %cst : f32
    linalg.yield %0 : f32
  } -> tensor<64x64xf32>
  return %r : tensor<64x64xf32>
}

// A dynamic M is tiled and peeled: the main loop has static, vectorized
// tiles, the remainder keeps a dynamic linalg.matmul (scalar loops later).
// CHECK-LABEL: func.func @matmul_dyn
// CHECK: scf.for
// CHECK:   scf.for
// CHECK:     scf.for
// CHECK:       vector.contract {{.*}} into vector<8x32xf32>
// CHECK: scf.for
// CHECK:   scf.for
// CHECK:     linalg.fill {{.*}} -> tensor<?x32xf32>
// CHECK:     scf.for
// CHECK:       linalg.matmul {{.*}} -> tensor<?x32xf32>
func.func @matmul_dyn(%a: tensor<?x64xf32>, %b: tensor<64x64xf32>) -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %cst = arith.constant 0.0 : f32
  %d = tensor.dim %a, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%d) : tensor<?x64xf32>
  %f = linalg.fill ins(%cst : f32) outs(%e : tensor<?x64xf32>) -> tensor<?x64xf32>
  %m = linalg.matmul {kiln.lowering_config = #kiln.lowering_config<tile_and_vectorize, avx512, parallel = [8, 32, 0], reduction = [0, 0, 16]>} ins(%a, %b : tensor<?x64xf32>, tensor<64x64xf32>) outs(%f : tensor<?x64xf32>) -> tensor<?x64xf32>
  return %m : tensor<?x64xf32>
}

// CHECK-LABEL: func.func @batch_matmul
// CHECK: vector.contract {{.*}} vector<1x8x16xf32>, vector<1x16x32xf32> into vector<1x8x32xf32>
func.func @batch_matmul(%a: tensor<2x16x32xf32>, %b: tensor<2x32x64xf32>, %c: tensor<2x16x64xf32>) -> tensor<2x16x64xf32> {
  %m = linalg.batch_matmul {kiln.lowering_config = #kiln.lowering_config<tile_and_vectorize, avx512, parallel = [1, 8, 32, 0], reduction = [0, 0, 0, 16]>} ins(%a, %b : tensor<2x16x32xf32>, tensor<2x32x64xf32>) outs(%c : tensor<2x16x64xf32>) -> tensor<2x16x64xf32>
  return %m : tensor<2x16x64xf32>
}

// Conv tiles have unit oh/kh/kw and vectorize as 1-D convolutions.
// CHECK-LABEL: func.func @conv
// CHECK: scf.for
// CHECK: vector.contract
// CHECK-NOT: linalg.conv
// CHECK: return
func.func @conv(%x: tensor<1x8x10x18xf32>, %w: tensor<16x8x3x3xf32>, %o: tensor<1x16x8x16xf32>) -> tensor<1x16x8x16xf32> {
  %r = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>,
    kiln.lowering_config = #kiln.lowering_config<tile_and_vectorize, avx512, parallel = [1, 16, 1, 8, 0, 0, 0], reduction = [0, 0, 0, 0, 8, 1, 1]>} ins(%x, %w : tensor<1x8x10x18xf32>, tensor<16x8x3x3xf32>) outs(%o : tensor<1x16x8x16xf32>) -> tensor<1x16x8x16xf32>
  return %r : tensor<1x16x8x16xf32>
}

// AVX2-sized tiles (16 registers of 8 floats): 4x16, K by 16.
// CHECK-LABEL: func.func @matmul_avx2
// CHECK: vector.contract {{.*}} vector<4x16xf32>, vector<16x16xf32> into vector<4x16xf32>
func.func @matmul_avx2(%a: tensor<8x32xf32>, %b: tensor<32x32xf32>, %c: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %m = linalg.matmul {kiln.lowering_config = #kiln.lowering_config<tile_and_vectorize, avx2, parallel = [4, 16, 0], reduction = [0, 0, 16]>} ins(%a, %b : tensor<8x32xf32>, tensor<32x32xf32>) outs(%c : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %m : tensor<8x32xf32>
}

// Without the strategy, a matmul is left alone.
// CHECK-LABEL: func.func @unconfigured
// CHECK: linalg.matmul
// CHECK-NOT: vector.contract
func.func @unconfigured(%a: tensor<8x32xf32>, %b: tensor<32x32xf32>, %c: tensor<8x32xf32>) -> tensor<8x32xf32> {
  %m = linalg.matmul ins(%a, %b : tensor<8x32xf32>, tensor<32x32xf32>) outs(%c : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %m : tensor<8x32xf32>
}
