// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

// Blocked quantization (opset 21 block_size): x's 4 columns in blocks of 3
// need 2 scales per row, not 1.
func.func @quantize_blocked(%x: tensor<2x4xf32>, %s: tensor<2x1xf32>, %z: tensor<2x1xui8>) -> tensor<2x4xui8> {
  // expected-error @+2 {{cannot lower this op: blocked y_scale and y_zero_point must have x's dims, dim axis being ceil(x's / block_size)}}
  // expected-error @+1 {{failed to legalize operation 'onnx.QuantizeLinear'}}
  %0 = onnx.QuantizeLinear(%x, %s, %z) {block_size = 3 : i64} : (tensor<2x4xf32>, tensor<2x1xf32>, tensor<2x1xui8>) -> tensor<2x4xui8>
  return %0 : tensor<2x4xui8>
}

// -----

// A 16-bit float is no quantized type (float8 and float4 are).
func.func @quantize_float16(%x: tensor<4xf32>, %s: tensor<f32>, %z: tensor<f16>) -> tensor<4xf16> {
  // expected-error @+2 {{cannot lower this op: only 2-, 4-, 8- and 16-bit integer, float8 and float4 outputs}}
  // expected-error @+1 {{failed to legalize operation 'onnx.QuantizeLinear'}}
  %0 = onnx.QuantizeLinear(%x, %s, %z) : (tensor<4xf32>, tensor<f32>, tensor<f16>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}

// -----

// Cast's round_mode (float8e8m0) is one of three words.
func.func @cast_round_mode(%x: tensor<4xf32>) -> tensor<4xf8E8M0FNU> {
  // expected-error @+2 {{cannot lower this op: round_mode must be up, down or nearest}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Cast'}}
  %0 = onnx.Cast(%x) {to = 24 : i64, round_mode = "sideways"} : (tensor<4xf32>) -> tensor<4xf8E8M0FNU>
  return %0 : tensor<4xf8E8M0FNU>
}

// -----

// x_zero_point of ConvInteger is per tensor.
func.func @convinteger_zp(%x: tensor<1x1x3x3xui8>, %w: tensor<1x1x2x2xui8>, %xz: tensor<1x1xui8>) -> tensor<1x1x2x2xi32> {
  %none = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: x_zero_point must be a scalar}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ConvInteger'}}
  %0 = onnx.ConvInteger(%x, %w, %xz, %none) : (tensor<1x1x3x3xui8>, tensor<1x1x2x2xui8>, tensor<1x1xui8>, none) -> tensor<1x1x2x2xi32>
  return %0 : tensor<1x1x2x2xi32>
}

// -----

// A 2-D y_scale of QLinearMatMul is neither per tensor nor per column.
func.func @qlinearmatmul_scale(%a: tensor<2x4xui8>, %as: tensor<f32>, %az: tensor<ui8>, %b: tensor<4x3xui8>, %bs: tensor<f32>, %bz: tensor<ui8>, %ys: tensor<2x3xf32>, %yz: tensor<ui8>) -> tensor<2x3xui8> {
  // expected-error @+2 {{cannot lower this op: scales and zero points must be scalars, per row of a or per column of b}}
  // expected-error @+1 {{failed to legalize operation 'onnx.QLinearMatMul'}}
  %0 = onnx.QLinearMatMul(%a, %as, %az, %b, %bs, %bz, %ys, %yz) : (tensor<2x4xui8>, tensor<f32>, tensor<ui8>, tensor<4x3xui8>, tensor<f32>, tensor<ui8>, tensor<2x3xf32>, tensor<ui8>) -> tensor<2x3xui8>
  return %0 : tensor<2x3xui8>
}
