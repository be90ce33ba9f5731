// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

func.func @einsum_bad_char(%x: tensor<3x4xf32>) -> tensor<3xf32> {
  // expected-error @+2 {{cannot lower this op: malformed equation}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Einsum'}}
  %0 = onnx.Einsum(%x) {equation = "i1->i"} : (tensor<3x4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @einsum_rank_mismatch(%x: tensor<3x4xf32>) -> tensor<3xf32> {
  // expected-error @+2 {{cannot lower this op: equation term does not match its operand's rank}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Einsum'}}
  %0 = onnx.Einsum(%x) {equation = "ijk->i"} : (tensor<3x4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @einsum_unknown_output_label(%x: tensor<3x4xf32>) -> tensor<3xf32> {
  // expected-error @+2 {{cannot lower this op: output label missing from the inputs or repeated}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Einsum'}}
  %0 = onnx.Einsum(%x) {equation = "ij->k"} : (tensor<3x4xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
