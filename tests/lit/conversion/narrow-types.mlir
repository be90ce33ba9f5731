// RUN: kiln-opt %s --convert-onnx-to-linalg | FileCheck %s
// The float8/float4 and 4-/2-bit types are one byte per element once
// converted (docs/architecture.md, "Narrow element types"): float bits,
// sign- or zero-extended integers. Data movement is unchanged; Cast and
// Quantize/DequantizeLinear decode and encode with integer arithmetic.

// CHECK-LABEL: func.func @cast_to_float8(
// CHECK-SAME: %{{.*}}: tensor<4xf32>) -> tensor<4xi8>
// CHECK: linalg.generic
// CHECK: arith.bitcast %{{.*}} : f32 to i32
// Round to nearest even at the value's quantum, never below the subnormals'.
// CHECK: %[[EMIN:.*]] = arith.constant -6 : i32
// CHECK: arith.maxsi %{{.*}}, %[[EMIN]] : i32
// CHECK: math.roundeven
// Beyond 448 (bits 126) saturate=0 gives E4M3FN's NaN, 127.
// CHECK: %[[MAX:.*]] = arith.constant 126 : i32
// CHECK: %[[OVER:.*]] = arith.cmpi ugt, %{{.*}}, %[[MAX]] : i32
// CHECK: %[[NAN:.*]] = arith.constant 127 : i32
// CHECK: arith.select %[[OVER]], %[[NAN]], %{{.*}} : i32
// CHECK: arith.trunci %{{.*}} : i32 to i8
func.func @cast_to_float8(%x: tensor<4xf32>) -> tensor<4xf8E4M3FN> {
  %0 = onnx.Cast(%x) {to = 17 : i64, saturate = 0 : i64} : (tensor<4xf32>) -> tensor<4xf8E4M3FN>
  return %0 : tensor<4xf8E4M3FN>
}

// Saturating, the overflow value is the largest finite one.
// CHECK-LABEL: func.func @cast_to_float8_saturate(
// CHECK: %[[MAX:.*]] = arith.constant 126 : i32
// CHECK: %[[OVER:.*]] = arith.cmpi ugt, %{{.*}}, %[[MAX]] : i32
// CHECK: %[[SAT:.*]] = arith.constant 126 : i32
// CHECK: arith.select %[[OVER]], %[[SAT]], %{{.*}} : i32
func.func @cast_to_float8_saturate(%x: tensor<4xf32>) -> tensor<4xf8E4M3FN> {
  %0 = onnx.Cast(%x) {to = 17 : i64} : (tensor<4xf32>) -> tensor<4xf8E4M3FN>
  return %0 : tensor<4xf8E4M3FN>
}

// An int4 is its sign-extended byte.
// CHECK-LABEL: func.func @cast_int4(
// CHECK-SAME: %{{.*}}: tensor<3xi8>) -> tensor<3xf32>
// CHECK: arith.sitofp %{{.*}} : i8 to f32
func.func @cast_int4(%x: tensor<3xi4>) -> tensor<3xf32> {
  %0 = onnx.Cast(%x) {to = 1 : i64} : (tensor<3xi4>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// To uint4 from float: toward zero, 0 when out of [0, 15] (ml_dtypes).
// CHECK-LABEL: func.func @cast_to_uint4(
// CHECK-DAG: %[[LO:.*]] = arith.constant -1.000000e+00 : f32
// CHECK-DAG: %[[HI:.*]] = arith.constant 1.600000e+01 : f32
// CHECK-DAG: arith.cmpf ogt, %{{.*}}, %[[LO]] : f32
// CHECK-DAG: arith.cmpf olt, %{{.*}}, %[[HI]] : f32
// CHECK: arith.fptosi %{{.*}} : f32 to i8
func.func @cast_to_uint4(%x: tensor<3xf32>) -> tensor<3xui4> {
  %0 = onnx.Cast(%x) {to = 21 : i64} : (tensor<3xf32>) -> tensor<3xui4>
  return %0 : tensor<3xui4>
}

// CHECK-LABEL: func.func @constants(
// CHECK-DAG: arith.constant dense<[-2, 1, 7]> : tensor<3xi8>
// CHECK-DAG: arith.constant dense<[12, 3]> : tensor<2xi8>
// CHECK-DAG: arith.constant dense<[60, -2]> : tensor<2xi8>
func.func @constants() -> (tensor<3xi4>, tensor<2xf4E2M1FN>, tensor<2xf8E4M3FN>) {
  %0 = onnx.Constant() {value = dense<[-2, 1, 7]> : tensor<3xi4>} : () -> tensor<3xi4>
  %1 = onnx.Constant() {value = dense<[-2.0, 1.5]> : tensor<2xf4E2M1FN>} : () -> tensor<2xf4E2M1FN>
  %2 = onnx.Constant() {value = dense<[1.5, -448.0]> : tensor<2xf8E4M3FN>} : () -> tensor<2xf8E4M3FN>
  return %0, %1, %2 : tensor<3xi4>, tensor<2xf4E2M1FN>, tensor<2xf8E4M3FN>
}

// CHECK-LABEL: func.func @transpose_uint4(
// CHECK-SAME: %[[X:.*]]: tensor<2x3xi8>) -> tensor<3x2xi8>
// CHECK: linalg.transpose ins(%[[X]] : tensor<2x3xi8>)
func.func @transpose_uint4(%x: tensor<2x3xui4>) -> tensor<3x2xui4> {
  %0 = onnx.Transpose(%x) {perm = [1, 0]} : (tensor<2x3xui4>) -> tensor<3x2xui4>
  return %0 : tensor<3x2xui4>
}

// E5M2's all-ones exponent decodes to inf or NaN.
// CHECK-LABEL: func.func @dequantize_float8(
// CHECK-DAG: arith.constant 0x7F800000 : f32
// CHECK-DAG: arith.constant 0xFF800000 : f32
// CHECK-DAG: arith.constant 0x7FC00000 : f32
// CHECK: arith.mulf
func.func @dequantize_float8(%x: tensor<4xf8E5M2>, %s: tensor<f32>) -> tensor<4xf32> {
  %n = onnx.NoValue
  %0 = onnx.DequantizeLinear(%x, %s, %n) : (tensor<4xf8E5M2>, tensor<f32>, none) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// Quantizing to int4 clamps to [-8, 7].
// CHECK-LABEL: func.func @quantize_int4(
// CHECK: math.roundeven
// CHECK: arith.constant -8.000000e+00 : f32
// CHECK: arith.constant 7.000000e+00 : f32
// CHECK: -> tensor<4xi8>
func.func @quantize_int4(%x: tensor<4xf32>, %s: tensor<f32>, %z: tensor<i4>) -> tensor<4xi4> {
  %0 = onnx.QuantizeLinear(%x, %s, %z) : (tensor<4xf32>, tensor<f32>, tensor<i4>) -> tensor<4xi4>
  return %0 : tensor<4xi4>
}

// Blocked (block_size 2 along axis 1) int4 dequantization: the scale and
// zero point are read at column j / 2, clamped into their dims.
// CHECK-LABEL: func.func @dequantize_blocked_int4(
// CHECK: linalg.generic
// CHECK: %[[J:.*]] = linalg.index 1 : index
// CHECK: %[[B:.*]] = arith.divui %[[J]], %c2{{.*}} : index
// CHECK: %[[C:.*]] = arith.minui %[[B]], %{{.*}} : index
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %[[C]]] : tensor<2x2xf32>
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<2x2xi8>
// CHECK: arith.sitofp %{{.*}} : i8 to f32
func.func @dequantize_blocked_int4(%x: tensor<2x4xi4>, %s: tensor<2x2xf32>, %z: tensor<2x2xi4>) -> tensor<2x4xf32> {
  %0 = onnx.DequantizeLinear(%x, %s, %z) {axis = 1 : i64, block_size = 2 : i64} : (tensor<2x4xi4>, tensor<2x2xf32>, tensor<2x2xi4>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
