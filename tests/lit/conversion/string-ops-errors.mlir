// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

// StringNormalizer takes [C] or [1, C] only.
func.func @normalize_rows(%x: tensor<2x3x!onnx.String>) -> tensor<2x3x!onnx.String> {
  // expected-error @+2 {{cannot lower this op: input must be [C] or [1, C] (ONNX's StringNormalizer)}}
  // expected-error @+1 {{failed to legalize operation 'onnx.StringNormalizer'}}
  %y = onnx.StringNormalizer(%x) : (tensor<2x3x!onnx.String>) -> tensor<2x3x!onnx.String>
  return %y : tensor<2x3x!onnx.String>
}

// -----

func.func @normalize_title(%x: tensor<3x!onnx.String>) -> tensor<3x!onnx.String> {
  // expected-error @+2 {{cannot lower this op: unknown case_change_action 'TITLE'}}
  // expected-error @+1 {{failed to legalize operation 'onnx.StringNormalizer'}}
  %y = onnx.StringNormalizer(%x) {case_change_action = "TITLE"} : (tensor<3x!onnx.String>) -> tensor<3x!onnx.String>
  return %y : tensor<3x!onnx.String>
}

// -----

// Bool to string has no formatting yet.
func.func @bool_to_string(%x: tensor<3xi1>) -> tensor<3x!onnx.String> {
  // expected-error @+3 {{cannot lower this op: Cast from bool to string is not supported}}
  // expected-error @+2 {{cannot lower this op: unsupported element type}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Cast'}}
  %y = onnx.Cast(%x) {to = 8 : i64} : (tensor<3xi1>) -> tensor<3x!onnx.String>
  return %y : tensor<3x!onnx.String>
}

// -----

// A string compared with a number is no string Equal.
func.func @equal_string_number(%a: tensor<2x!onnx.String>, %b: tensor<2xi64>) -> tensor<2xi1> {
  // expected-error @+2 {{cannot lower this op}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Equal'}}
  %0 = onnx.Equal(%a, %b) : (tensor<2x!onnx.String>, tensor<2xi64>) -> tensor<2xi1>
  return %0 : tensor<2xi1>
}

// -----

func.func @string_concat_unranked(%a: tensor<*x!onnx.String>, %b: tensor<3x!onnx.String>) -> tensor<*x!onnx.String> {
  // expected-error @+2 {{cannot lower this op: a ranked result expected}}
  // expected-error @+1 {{failed to legalize operation 'onnx.StringConcat'}}
  %0 = onnx.StringConcat(%a, %b) : (tensor<*x!onnx.String>, tensor<3x!onnx.String>) -> tensor<*x!onnx.String>
  return %0 : tensor<*x!onnx.String>
}
