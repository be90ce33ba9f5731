// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// A seed gives a constant key; each element hashes key + (index + 1) *
// golden with splitmix64 and keeps the top 24 bits for f32.
// CHECK-LABEL: func.func @uniform_seeded
// CHECK: %[[KEY:.*]] = arith.constant {{.*}} : i64
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x3xf32>)
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: %[[J:.*]] = linalg.index 1
// CHECK: %[[R:.*]] = arith.muli %[[I]], %c3
// CHECK: %[[LIN:.*]] = arith.addi %[[R]], %[[J]]
// CHECK: %[[CTR:.*]] = arith.index_cast %[[LIN]] : index to i64
// CHECK: %[[C1:.*]] = arith.addi %[[CTR]], %{{.*}} : i64
// CHECK: %[[M:.*]] = arith.muli %[[C1]], %{{.*}} : i64
// CHECK: arith.addi %[[KEY]], %[[M]] : i64
// CHECK-COUNT-3: arith.shrui
// CHECK: %[[TOP:.*]] = arith.shrui %{{.*}}, %c40_i64
// CHECK: arith.uitofp %[[TOP]] : i64 to f64
// CHECK: arith.truncf %{{.*}} : f64 to f32
func.func @uniform_seeded() -> tensor<2x3xf32> {
  %0 = onnx.RandomUniform() {shape = [2, 3], low = -1.0 : f32, high = 1.0 : f32, seed = 5.0 : f32} : () -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Without a seed the key comes from a process-wide draw counter bumped
// atomically and the counter's address; normals use Box-Muller.
// CHECK: memref.global "private" @kiln_rng_draws : memref<i64> = dense<0>
// CHECK-LABEL: func.func @normal_like_unseeded
// CHECK: %[[G:.*]] = memref.get_global @kiln_rng_draws : memref<i64>
// CHECK: memref.atomic_rmw addi %{{.*}}, %[[G]][] : (i64, memref<i64>) -> i64
// CHECK: memref.extract_aligned_pointer_as_index %[[G]]
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<?x4xf64>)
// CHECK: math.log
// CHECK: math.sqrt
// CHECK: math.cos
func.func @normal_like_unseeded(%x: tensor<?x4xf64>) -> tensor<?x4xf64> {
  %0 = onnx.RandomNormalLike(%x) : (tensor<?x4xf64>) -> tensor<?x4xf64>
  return %0 : tensor<?x4xf64>
}

// -----

// CHECK-LABEL: func.func @bernoulli
// CHECK: linalg.generic {{.*}} ins(%arg0 : tensor<10xf32>)
// CHECK: ^bb0(%[[P:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[U:.*]] = arith.mulf %{{.*}}, %{{.*}} : f64
// CHECK: %[[PD:.*]] = arith.extf %[[P]] : f32 to f64
// CHECK: %[[ONE:.*]] = arith.cmpf olt, %[[U]], %[[PD]] : f64
// CHECK: arith.uitofp %[[ONE]] : i1 to f32
func.func @bernoulli(%p: tensor<10xf32>) -> tensor<10xf32> {
  %0 = onnx.Bernoulli(%p) {seed = 0.0 : f32} : (tensor<10xf32>) -> tensor<10xf32>
  return %0 : tensor<10xf32>
}

// -----

// Row maximum, total weight, then the first class whose running weight
// passes u * total.
// CHECK-LABEL: func.func @multinomial
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x5xi32>)
// CHECK: scf.for {{.*}} -> (f64)
// CHECK: arith.maximumf
// CHECK: scf.for {{.*}} -> (f64)
// CHECK: math.exp
// CHECK: %[[PICK:.*]]:3 = scf.for {{.*}} -> (f64, index, i1)
// CHECK: arith.index_cast %[[PICK]]#1 : index to i32
func.func @multinomial(%x: tensor<2x3xf32>) -> tensor<2x5xi32> {
  %0 = onnx.Multinomial(%x) {sample_size = 5 : i64, dtype = 6 : i64, seed = 1.0 : f32} : (tensor<2x3xf32>) -> tensor<2x5xi32>
  return %0 : tensor<2x5xi32>
}

// -----

// The mask keeps u >= ratio (everything when not training); kept elements
// are scaled by 1 / (1 - ratio) in training mode only.
// CHECK-LABEL: func.func @dropout_training
// CHECK: %[[RATIO:.*]] = arith.extf %{{.*}} : f32 to f64
// CHECK: %[[TRAIN:.*]] = tensor.extract %arg2[] : tensor<i1>
// CHECK: %[[MASK:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<3x?xi1>)
// CHECK: %[[KEPT:.*]] = arith.cmpf oge, %{{.*}}, %[[RATIO]] : f64
// CHECK: %[[INF:.*]] = arith.xori %[[TRAIN]], %{{.*}} : i1
// CHECK: arith.ori %[[KEPT]], %[[INF]] : i1
// CHECK: %[[KEEP:.*]] = arith.subf %{{.*}}, %[[RATIO]] : f64
// CHECK: %[[INV:.*]] = arith.divf %{{.*}}, %[[KEEP]] : f64
// CHECK: %[[S:.*]] = arith.select %[[TRAIN]], %[[INV]], %{{.*}} : f64
// CHECK: %[[SF:.*]] = arith.truncf %[[S]] : f64 to f32
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%arg0, %[[MASK]] : tensor<3x?xf32>, tensor<3x?xi1>)
// CHECK: ^bb0(%[[X:.*]]: f32, %[[M:.*]]: i1, %{{.*}}: f32):
// CHECK: %[[XS:.*]] = arith.mulf %[[X]], %[[SF]] : f32
// CHECK: arith.select %[[M]], %[[XS]], %{{.*}} : f32
// CHECK: return %[[Y]], %[[MASK]]
func.func @dropout_training(%x: tensor<3x?xf32>, %r: tensor<f32>, %t: tensor<i1>) -> (tensor<3x?xf32>, tensor<3x?xi1>) {
  %0, %1 = onnx.Dropout(%x, %r, %t) {seed = 0 : i64} : (tensor<3x?xf32>, tensor<f32>, tensor<i1>) -> (tensor<3x?xf32>, tensor<3x?xi1>)
  return %0, %1 : tensor<3x?xf32>, tensor<3x?xi1>
}

// -----

// Without a mask result only the output is produced.
// CHECK-LABEL: func.func @dropout_no_mask
// CHECK: %[[Y:.*]] = linalg.generic {{.*}} ins(%arg0, %{{.*}} : tensor<4xf32>, tensor<4xi1>)
// CHECK: return %[[Y]] : tensor<4xf32>
func.func @dropout_no_mask(%x: tensor<4xf32>, %t: tensor<i1>) -> tensor<4xf32> {
  %n = onnx.NoValue
  %0, %1 = onnx.Dropout(%x, %n, %t) : (tensor<4xf32>, none, tensor<i1>) -> (tensor<4xf32>, none)
  return %0 : tensor<4xf32>
}
