// Absent optional inputs (onnx.NoValue) of Gemm, Conv and MatMulInteger.
// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// Gemm without C: alpha scales the product, no C input.
// CHECK-LABEL: func.func @gemm_no_c
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK: linalg.generic {{.*}} ins(%[[MM]] : tensor<3x5xf32>)
// CHECK: arith.mulf
// CHECK-NOT: arith.addf
func.func @gemm_no_c(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  %n = onnx.NoValue
  %0 = onnx.Gemm(%a, %b, %n) {alpha = 2.000000e+00 : f32} : (tensor<3x4xf32>, tensor<4x5xf32>, none) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// Gemm without C and alpha = 1: the matmul result is the result.
// CHECK-LABEL: func.func @gemm_plain
// CHECK: %[[MM:.*]] = linalg.matmul
// CHECK-NOT: linalg.generic
// CHECK: return %[[MM]]
func.func @gemm_plain(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  %n = onnx.NoValue
  %0 = onnx.Gemm(%a, %b, %n) : (tensor<3x4xf32>, tensor<4x5xf32>, none) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// Conv without bias: the conv result is the result.
// CHECK-LABEL: func.func @conv_no_bias
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw
// CHECK-NOT: linalg.generic
// CHECK: return %[[C]]
func.func @conv_no_bias(%x: tensor<1x2x5x5xf32>, %w: tensor<3x2x3x3xf32>) -> tensor<1x3x3x3xf32> {
  %n = onnx.NoValue
  %0 = onnx.Conv(%x, %w, %n) : (tensor<1x2x5x5xf32>, tensor<3x2x3x3xf32>, none) -> tensor<1x3x3x3xf32>
  return %0 : tensor<1x3x3x3xf32>
}

// -----

// MatMulInteger without zero points: plain widening (to i16).
// CHECK-LABEL: func.func @matmul_integer_no_zp
// CHECK: arith.extui %{{.*}} : i8 to i16
// CHECK-NOT: arith.subi
// CHECK: linalg.matmul {{.*}} outs(%{{.*}} : tensor<3x5xi32>)
func.func @matmul_integer_no_zp(%a: tensor<3x4xui8>, %b: tensor<4x5xui8>) -> tensor<3x5xi32> {
  %n = onnx.NoValue
  %0 = onnx.MatMulInteger(%a, %b, %n, %n) : (tensor<3x4xui8>, tensor<4x5xui8>, none, none) -> tensor<3x5xi32>
  return %0 : tensor<3x5xi32>
}
