// RUN: kiln-opt %s --kiln-fuse-gemm -split-input-file | FileCheck %s
// RUN: kiln-opt %s --kiln-fuse-gemm=fold-transpose=false -split-input-file | FileCheck %s --check-prefix=NOTR

// MatMul + bias -> Gemm; the bias may be on either side.
// CHECK-LABEL: func.func @matmul_add
// CHECK-NEXT: %[[G:.*]] = onnx.Gemm(%arg0, %arg1, %arg2) : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
// CHECK-NEXT: return %[[G]]
func.func @matmul_add(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<16xf32>) -> tensor<4x16xf32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %1 = onnx.Add(%c, %0) : (tensor<16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %1 : tensor<4x16xf32>
}

// -----

// Transposed weights (as PyTorch's Linear exports them through MatMul):
// the Transpose becomes transB, with or without a bias.
// CHECK-LABEL: func.func @transposed
// CHECK: onnx.Gemm(%arg0, %arg1, %arg2) {{.*}}transB = 1 : i64} : (tensor<4x8xf32>, tensor<16x8xf32>, tensor<16xf32>) -> tensor<4x16xf32>
// CHECK: %[[N:.*]] = onnx.NoValue
// CHECK: onnx.Gemm(%arg0, %arg0, %[[N]]) {transA = 1 : i64} : (tensor<4x8xf32>, tensor<4x8xf32>, none) -> tensor<8x8xf32>
// CHECK-NOT: onnx.Transpose
// NOTR-LABEL: func.func @transposed
// NOTR: onnx.Gemm(%arg0, %{{.*}}, %arg2) : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<16xf32>)
// NOTR: onnx.MatMul
func.func @transposed(%a: tensor<4x8xf32>, %w: tensor<16x8xf32>, %c: tensor<16xf32>) -> (tensor<4x16xf32>, tensor<8x8xf32>) {
  %wt = onnx.Transpose(%w) {perm = [1, 0]} : (tensor<16x8xf32>) -> tensor<8x16xf32>
  %0 = onnx.MatMul(%a, %wt) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %1 = onnx.Add(%0, %c) : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %at = onnx.Transpose(%a) : (tensor<4x8xf32>) -> tensor<8x4xf32>
  %2 = onnx.MatMul(%at, %a) : (tensor<8x4xf32>, tensor<4x8xf32>) -> tensor<8x8xf32>
  return %1, %2 : tensor<4x16xf32>, tensor<8x8xf32>
}

// -----

// A Gemm already transposing B flips back; a bias Add joins a bias-less Gemm.
// CHECK-LABEL: func.func @gemm_flip
// CHECK-NEXT: onnx.Gemm(%arg0, %arg1, %arg2) {alpha = 2.000000e+00 : f32} : (tensor<4x8xf32>, tensor<8x16xf32>, tensor<4x16xf32>)
// CHECK-NEXT: return
func.func @gemm_flip(%a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c: tensor<4x16xf32>) -> tensor<4x16xf32> {
  %none = onnx.NoValue
  %bt = onnx.Transpose(%b) {perm = [1, 0]} : (tensor<8x16xf32>) -> tensor<16x8xf32>
  %0 = onnx.Gemm(%a, %bt, %none) {alpha = 2.0 : f32, transB = 1 : i64} : (tensor<4x8xf32>, tensor<16x8xf32>, none) -> tensor<4x16xf32>
  %1 = onnx.Add(%0, %c) : (tensor<4x16xf32>, tensor<4x16xf32>) -> tensor<4x16xf32>
  return %1 : tensor<4x16xf32>
}

// -----

// Not fused: a batched MatMul, a bias that broadcasts the product up, a
// product with another user, integer operands.
// CHECK-LABEL: func.func @not_gemm
// CHECK-NOT: onnx.Gemm
// CHECK-COUNT-4: onnx.MatMul
func.func @not_gemm(%a3: tensor<2x4x8xf32>, %a: tensor<4x8xf32>, %b: tensor<8x16xf32>, %c3: tensor<2x4x16xf32>, %c: tensor<16xf32>, %ai: tensor<4x8xi32>, %bi: tensor<8x16xi32>, %ci: tensor<16xi32>) -> (tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xi32>) {
  %0 = onnx.MatMul(%a3, %b) : (tensor<2x4x8xf32>, tensor<8x16xf32>) -> tensor<2x4x16xf32>
  %1 = onnx.Add(%0, %c) : (tensor<2x4x16xf32>, tensor<16xf32>) -> tensor<2x4x16xf32>
  %2 = onnx.MatMul(%a, %b) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %3 = onnx.Add(%2, %c3) : (tensor<4x16xf32>, tensor<2x4x16xf32>) -> tensor<2x4x16xf32>
  %4 = onnx.MatMul(%a, %b) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
  %5 = onnx.Add(%4, %c) : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
  %6 = onnx.MatMul(%ai, %bi) : (tensor<4x8xi32>, tensor<8x16xi32>) -> tensor<4x16xi32>
  %7 = onnx.Add(%6, %ci) : (tensor<4x16xi32>, tensor<16xi32>) -> tensor<4x16xi32>
  return %1, %3, %4, %5, %7 : tensor<2x4x16xf32>, tensor<2x4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xi32>
}

// -----

// A constant B read transposed is transposed once here: the Gemm reads a
// [K, N] constant without transB. A B that is not a constant keeps transB.
// CHECK-LABEL: func.func @constant_transB
// CHECK: %[[WT:.*]] = onnx.Constant() {value = dense<{{\[}}[1.000000e+00, 4.000000e+00], [2.000000e+00, 5.000000e+00], [3.000000e+00, 6.000000e+00]]> : tensor<3x2xf32>}
// CHECK: onnx.Gemm(%arg0, %[[WT]], %arg1) : (tensor<4x3xf32>, tensor<3x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
// CHECK: onnx.Gemm(%arg0, %arg2, %arg1) {transB = 1 : i64}
// NOTR-LABEL: func.func @constant_transB
// NOTR: onnx.Gemm(%arg0, %{{.*}}, %arg1) : (tensor<4x3xf32>, tensor<3x2xf32>, tensor<2xf32>)
func.func @constant_transB(%a: tensor<4x3xf32>, %c: tensor<2xf32>, %v: tensor<2x3xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>) {
  %w = onnx.Constant() {value = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>} : () -> tensor<2x3xf32>
  %0 = onnx.Gemm(%a, %w, %c) {transB = 1 : i64} : (tensor<4x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  %1 = onnx.Gemm(%a, %v, %c) {transB = 1 : i64} : (tensor<4x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  return %0, %1 : tensor<4x2xf32>, tensor<4x2xf32>
}
