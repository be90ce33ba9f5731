// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// Operators of opsets 18-28: bitwise ops, signed BitShift (BitShift-28),
// Mod of floats without fmod (Mod-26), BitCast-26, CumProd-26, LpPool.

// CHECK-LABEL: func.func @bitwise
// CHECK: linalg.generic
// CHECK: arith.andi
// CHECK: arith.ori
// CHECK: arith.xori
// CHECK: %[[ONES:.*]] = arith.constant -1 : i16
// CHECK: arith.xori %{{.*}}, %[[ONES]] : i16
func.func @bitwise(%a: tensor<4xi16>, %b: tensor<4xi16>) -> (tensor<4xi16>, tensor<4xi16>, tensor<4xi16>, tensor<4xi16>) {
  %0 = onnx.BitwiseAnd(%a, %b) : (tensor<4xi16>, tensor<4xi16>) -> tensor<4xi16>
  %1 = onnx.BitwiseOr(%a, %b) : (tensor<4xi16>, tensor<4xi16>) -> tensor<4xi16>
  %2 = onnx.BitwiseXor(%a, %b) : (tensor<4xi16>, tensor<4xi16>) -> tensor<4xi16>
  %3 = onnx.BitwiseNot(%a) : (tensor<4xi16>) -> tensor<4xi16>
  return %0, %1, %2, %3 : tensor<4xi16>, tensor<4xi16>, tensor<4xi16>, tensor<4xi16>
}

// -----

// A signed right shift is arithmetic; shifting by the width or more (or by
// a negative amount: one unsigned compare) gives the sign fill.
// CHECK-LABEL: func.func @bitshift_signed
// CHECK: %[[SHR:.*]] = arith.shrsi %[[X:.*]], %[[Y:.*]] : i32
// CHECK: %[[FAR:.*]] = arith.cmpi uge, %[[Y]], %{{.*}} : i32
// CHECK: %[[FILL:.*]] = arith.shrsi %[[X]], %{{.*}} : i32
// CHECK: arith.select %[[FAR]], %[[FILL]], %[[SHR]] : i32
func.func @bitshift_signed(%x: tensor<4xi32>, %y: tensor<4xi32>) -> tensor<4xi32> {
  %0 = onnx.BitShift(%x, %y) {direction = "RIGHT"} : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// numpy's mod: the remainder takes the divisor's sign.
// CHECK-LABEL: func.func @mod_float
// CHECK: %[[R:.*]] = arith.remf
// CHECK: math.copysign
// CHECK: arith.addf %[[R]]
func.func @mod_float(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Mod(%x, %y) : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @bitcast
// CHECK: arith.bitcast %{{.*}} : f32 to i32
// CHECK: arith.extui %{{.*}} : i1 to i8
func.func @bitcast(%x: tensor<3xf32>, %b: tensor<3xi1>) -> (tensor<3xi32>, tensor<3xui8>) {
  %0 = onnx.BitCast(%x) {to = 6 : i64} : (tensor<3xf32>) -> tensor<3xi32>
  %1 = onnx.BitCast(%b) {to = 2 : i64} : (tensor<3xi1>) -> tensor<3xui8>
  return %0, %1 : tensor<3xi32>, tensor<3xui8>
}

// -----

// CumProd: a running product (starting at 1) carried over the axis.
// CHECK-LABEL: func.func @cumprod
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: linalg.fill ins(%[[ONE]] : f32)
// CHECK: scf.for
// CHECK: arith.mulf
func.func @cumprod(%x: tensor<2x5xf32>) -> tensor<2x5xf32> {
  %axis = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %0 = onnx.CumProd(%x, %axis) : (tensor<2x5xf32>, tensor<i64>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

// LpPool (p = 3): |x|^3 summed over the window, then the cube root.
// CHECK-LABEL: func.func @lppool
// CHECK: math.absf
// CHECK: math.powf
// CHECK: linalg.pooling_nchw_sum
// CHECK: %[[THIRD:.*]] = arith.constant 0.3333
// CHECK: math.powf %{{.*}}, %[[THIRD]]
func.func @lppool(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x4x4xf32> {
  %0 = onnx.LpPool(%x) {kernel_shape = [2, 2], p = 3 : i64} : (tensor<1x2x5x5xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}
