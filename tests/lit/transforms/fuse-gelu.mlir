// RUN: kiln-opt %s --kiln-fuse-gelu -split-input-file | FileCheck %s
// RUN: kiln-opt %s --kiln-fuse-gelu=tanh-form=false -split-input-file | FileCheck %s --check-prefix=ERFONLY

// PyTorch's erf GELU: x * (1 + erf(x / sqrt2)) * 0.5 (approximate = "none",
// the default, is not printed).
// CHECK-LABEL: func.func @gelu_erf
// CHECK-NEXT: %[[G:.*]] = onnx.Gelu(%arg0) : (tensor<2x8xf32>) -> tensor<2x8xf32>
// CHECK-NEXT: return %[[G]]
// ERFONLY-LABEL: func.func @gelu_erf
// ERFONLY: onnx.Gelu
func.func @gelu_erf(%x: tensor<2x8xf32>) -> tensor<2x8xf32> {
  %sqrt2 = onnx.Constant() {value = dense<1.41421354> : tensor<f32>} : () -> tensor<f32>
  %one = onnx.Constant() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %half = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.Div(%x, %sqrt2) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %1 = onnx.Erf(%0) : (tensor<2x8xf32>) -> tensor<2x8xf32>
  %2 = onnx.Add(%1, %one) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  %3 = onnx.Mul(%x, %2) : (tensor<2x8xf32>, tensor<2x8xf32>) -> tensor<2x8xf32>
  %4 = onnx.Mul(%3, %half) : (tensor<2x8xf32>, tensor<f32>) -> tensor<2x8xf32>
  return %4 : tensor<2x8xf32>
}

// -----

// Other association and constants on the left: (0.5 * x) * (1 + erf(x * 1/sqrt2)).
// CHECK-LABEL: func.func @gelu_erf_mul
// CHECK: onnx.Gelu(%arg0) : (tensor<8xf32>)
// CHECK-NOT: onnx.Erf
func.func @gelu_erf_mul(%x: tensor<8xf32>) -> tensor<8xf32> {
  %inv = onnx.Constant() {value = dense<0.707106769> : tensor<1xf32>} : () -> tensor<1xf32>
  %one = onnx.Constant() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %half = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.Mul(%inv, %x) : (tensor<1xf32>, tensor<8xf32>) -> tensor<8xf32>
  %1 = onnx.Erf(%0) : (tensor<8xf32>) -> tensor<8xf32>
  %2 = onnx.Add(%one, %1) : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %3 = onnx.Mul(%half, %x) : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %4 = onnx.Mul(%3, %2) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %4 : tensor<8xf32>
}

// -----

// HuggingFace's NewGELU: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))).
// CHECK-LABEL: func.func @gelu_tanh
// CHECK-NEXT: %[[G:.*]] = onnx.Gelu(%arg0) {approximate = "tanh"}
// CHECK-NEXT: return %[[G]]
// ERFONLY-LABEL: func.func @gelu_tanh
// ERFONLY-NOT: onnx.Gelu
// ERFONLY: onnx.Tanh
func.func @gelu_tanh(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %three = onnx.Constant() {value = dense<3.0> : tensor<f32>} : () -> tensor<f32>
  %c = onnx.Constant() {value = dense<0.044715> : tensor<f32>} : () -> tensor<f32>
  %k = onnx.Constant() {value = dense<0.797884583> : tensor<f32>} : () -> tensor<f32>
  %one = onnx.Constant() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %half = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.Pow(%x, %three) : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %1 = onnx.Mul(%c, %0) : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %2 = onnx.Add(%x, %1) : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %3 = onnx.Mul(%k, %2) : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = onnx.Tanh(%3) : (tensor<4x8xf32>) -> tensor<4x8xf32>
  %5 = onnx.Add(%4, %one) : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %6 = onnx.Mul(%half, %x) : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %7 = onnx.Mul(%6, %5) : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %7 : tensor<4x8xf32>
}

// -----

// The cube as products works too.
// CHECK-LABEL: func.func @gelu_tanh_products
// CHECK: onnx.Gelu(%arg0) {approximate = "tanh"}
func.func @gelu_tanh_products(%x: tensor<8xf32>) -> tensor<8xf32> {
  %c = onnx.Constant() {value = dense<0.044715> : tensor<f32>} : () -> tensor<f32>
  %k = onnx.Constant() {value = dense<0.797884583> : tensor<f32>} : () -> tensor<f32>
  %one = onnx.Constant() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %half = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %sq = onnx.Mul(%x, %x) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %0 = onnx.Mul(%sq, %x) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %1 = onnx.Mul(%0, %c) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %2 = onnx.Add(%1, %x) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %3 = onnx.Mul(%2, %k) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %4 = onnx.Tanh(%3) : (tensor<8xf32>) -> tensor<8xf32>
  %5 = onnx.Add(%one, %4) : (tensor<f32>, tensor<8xf32>) -> tensor<8xf32>
  %6 = onnx.Mul(%x, %5) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %7 = onnx.Mul(%6, %half) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %7 : tensor<8xf32>
}

// -----

// Not GELU: a wrong constant (0.6 instead of 0.5), a divisor other than sqrt2,
// and an intermediate value with another user.
// CHECK-LABEL: func.func @not_gelu
// CHECK-NOT: onnx.Gelu
// CHECK-COUNT-3: onnx.Erf
func.func @not_gelu(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %sqrt2 = onnx.Constant() {value = dense<1.41421354> : tensor<f32>} : () -> tensor<f32>
  %two = onnx.Constant() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
  %one = onnx.Constant() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %half = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %wrong = onnx.Constant() {value = dense<0.6> : tensor<f32>} : () -> tensor<f32>
  %a0 = onnx.Div(%x, %sqrt2) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %a1 = onnx.Erf(%a0) : (tensor<8xf32>) -> tensor<8xf32>
  %a2 = onnx.Add(%a1, %one) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %a3 = onnx.Mul(%x, %a2) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %a4 = onnx.Mul(%a3, %wrong) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %b0 = onnx.Div(%x, %two) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %b1 = onnx.Erf(%b0) : (tensor<8xf32>) -> tensor<8xf32>
  %b2 = onnx.Add(%b1, %one) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %b3 = onnx.Mul(%x, %b2) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %b4 = onnx.Mul(%b3, %half) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %c0 = onnx.Div(%x, %sqrt2) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %c1 = onnx.Erf(%c0) : (tensor<8xf32>) -> tensor<8xf32>
  %c2 = onnx.Add(%c1, %one) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  %c3 = onnx.Mul(%x, %c2) : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %c4 = onnx.Mul(%c3, %half) : (tensor<8xf32>, tensor<f32>) -> tensor<8xf32>
  return %a4, %b4, %c4, %c2 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}
