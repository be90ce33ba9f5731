// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

func.func @nms_center_point_box(%b: tensor<1x6x4xf32>, %s: tensor<1x1x6xf32>, %m: tensor<1xi64>) -> tensor<?x3xi64> {
  %n = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: center_point_box must be 0 or 1}}
  // expected-error @+1 {{failed to legalize operation 'onnx.NonMaxSuppression'}}
  %0 = onnx.NonMaxSuppression(%b, %s, %m, %n, %n) {center_point_box = 2 : i64} : (tensor<1x6x4xf32>, tensor<1x1x6xf32>, tensor<1xi64>, none, none) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}

// -----

func.func @nms_int_boxes(%b: tensor<1x6x4xi32>, %s: tensor<1x1x6xi32>, %m: tensor<1xi64>) -> tensor<?x3xi64> {
  %n = onnx.NoValue
  // expected-error @+2 {{cannot lower this op: boxes and scores must have the same float type}}
  // expected-error @+1 {{failed to legalize operation 'onnx.NonMaxSuppression'}}
  %0 = onnx.NonMaxSuppression(%b, %s, %m, %n, %n) : (tensor<1x6x4xi32>, tensor<1x1x6xi32>, tensor<1xi64>, none, none) -> tensor<?x3xi64>
  return %0 : tensor<?x3xi64>
}

// -----

func.func @top_k_axis(%x: tensor<3x4xf32>, %k: tensor<1xi64>) -> (tensor<3x?xf32>, tensor<3x?xi64>) {
  // expected-error @+2 {{cannot lower this op: axis out of range}}
  // expected-error @+1 {{failed to legalize operation 'onnx.TopK'}}
  %v, %i = onnx.TopK(%x, %k) {axis = 2 : i64} : (tensor<3x4xf32>, tensor<1xi64>) -> (tensor<3x?xf32>, tensor<3x?xi64>)
  return %v, %i : tensor<3x?xf32>, tensor<3x?xi64>
}

// -----

func.func @unique_axis(%x: tensor<3x4xf32>) -> tensor<3x?xf32> {
  // expected-error @+2 {{cannot lower this op: axis out of range}}
  // expected-error @+1 {{failed to legalize operation 'onnx.Unique'}}
  %y, %i, %inv, %c = onnx.Unique(%x) {axis = -3 : i64} : (tensor<3x4xf32>) -> (tensor<3x?xf32>, tensor<?xi64>, tensor<4xi64>, tensor<?xi64>)
  return %y : tensor<3x?xf32>
}
