// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

// A pattern RE2 refuses is a compile error with RE2's reason.
func.func @regex_bad_repetition(%x: tensor<2x!onnx.String>) -> tensor<2xi1> {
  // expected-error @+2 {{cannot lower this op: invalid pattern 'a**': bad repetition operator: *}}
  // expected-error @+1 {{failed to legalize operation 'onnx.RegexFullMatch'}}
  %y = onnx.RegexFullMatch(%x) {pattern = "a**"} : (tensor<2x!onnx.String>) -> tensor<2xi1>
  return %y : tensor<2xi1>
}

// -----

// RE2 has no backreferences or lookaround (Python's re has both).
func.func @regex_lookahead(%x: tensor<2x!onnx.String>) -> tensor<2xi1> {
  // expected-error @+2 {{cannot lower this op: invalid pattern 'a(?=b)': lookaround assertions are not supported in RE2 syntax}}
  // expected-error @+1 {{failed to legalize operation 'onnx.RegexFullMatch'}}
  %y = onnx.RegexFullMatch(%x) {pattern = "a(?=b)"} : (tensor<2x!onnx.String>) -> tensor<2xi1>
  return %y : tensor<2xi1>
}

// -----

// Unicode classes need RE2's tables, which Kiln does not have.
func.func @regex_unicode_class(%x: tensor<2x!onnx.String>) -> tensor<2xi1> {
  // expected-error @+2 {{cannot lower this op: invalid pattern '\pL+': Unicode character classes (\p) are not supported by Kiln's regular expressions}}
  // expected-error @+1 {{failed to legalize operation 'onnx.RegexFullMatch'}}
  %y = onnx.RegexFullMatch(%x) {pattern = "\\pL+"} : (tensor<2x!onnx.String>) -> tensor<2xi1>
  return %y : tensor<2xi1>
}

// -----

func.func @regex_no_pattern(%x: tensor<2x!onnx.String>) -> tensor<2xi1> {
  // expected-error @+2 {{cannot lower this op: RegexFullMatch needs a pattern}}
  // expected-error @+1 {{failed to legalize operation 'onnx.RegexFullMatch'}}
  %y = onnx.RegexFullMatch(%x) : (tensor<2x!onnx.String>) -> tensor<2xi1>
  return %y : tensor<2xi1>
}

// -----

// The substrings have one more dim than the input.
func.func @split_bad_rank(%x: tensor<2x!onnx.String>) -> (tensor<2x!onnx.String>, tensor<2xi64>) {
  // expected-error @+2 {{cannot lower this op: substrings must have rank of X + 1 and length X's shape}}
  // expected-error @+1 {{failed to legalize operation 'onnx.StringSplit'}}
  %y, %z = onnx.StringSplit(%x) : (tensor<2x!onnx.String>) -> (tensor<2x!onnx.String>, tensor<2xi64>)
  return %y, %z : tensor<2x!onnx.String>, tensor<2xi64>
}
