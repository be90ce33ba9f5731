// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

func.func @resize_both_unknown(%a: tensor<?x?xf32>, %sc: tensor<?xf32>, %sz: tensor<?xi64>) -> tensor<?x?xf32> {
  %n = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: cannot tell whether scales or sizes is used: both are given with unknown lengths}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Resize'}}
  %0 = onnx.Resize(%a, %n, %sc, %sz) : (tensor<?x?xf32>, none, tensor<?xf32>, tensor<?xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @resize_crop_without_roi(%a: tensor<4xf32>) -> tensor<2xf32> {
  %sz = onnx.Constant() {value = dense<[2]> : tensor<1xi64>} : () -> tensor<1xi64>
  %n = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: tf_crop_and_resize needs a non-empty roi}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Resize'}}
  %0 = onnx.Resize(%a, %n, %n, %sz) {mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize"} : (tensor<4xf32>, none, none, tensor<1xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @resize_cubic_int(%a: tensor<4xi32>) -> tensor<8xi32> {
  %sc = onnx.Constant() {value = dense<[2.0]> : tensor<1xf32>} : () -> tensor<1xf32>
  %n = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: cubic resize needs float data}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Resize'}}
  %0 = onnx.Resize(%a, %n, %sc, %n) {mode = "cubic"} : (tensor<4xi32>, none, tensor<1xf32>, none) -> tensor<8xi32>
  return %0 : tensor<8xi32>
}

// -----

// The antialias filter averages: integer data has no such resampling.
func.func @resize_cubic_antialias_int(%a: tensor<8xi32>) -> tensor<4xi32> {
  %sc = onnx.Constant() {value = dense<[0.5]> : tensor<1xf32>} : () -> tensor<1xf32>
  %n = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: cubic resize needs float data}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Resize'}}
  %0 = onnx.Resize(%a, %n, %sc, %n) {mode = "cubic", antialias = 1 : i64} : (tensor<8xi32>, none, tensor<1xf32>, none) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

func.func @resize_roi_length(%a: tensor<4xf32>, %roi: tensor<3xf32>) -> tensor<2xf32> {
  %sz = onnx.Constant() {value = dense<[2]> : tensor<1xi64>} : () -> tensor<1xi64>
  %n = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: roi length mismatch}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Resize'}}
  %0 = onnx.Resize(%a, %roi, %n, %sz) {mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize"} : (tensor<4xf32>, tensor<3xf32>, none, tensor<1xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
