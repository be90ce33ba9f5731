// RUN: kiln-opt %s --kiln-fold-constants -split-input-file | FileCheck %s

// An If whose condition folds to a constant becomes the branch it takes; the
// branch not taken (here one that Splits a 3-element vector in 4) is gone,
// and the If's unranked result takes the branch's type.
// CHECK-LABEL: func.func @constant_if
// CHECK-NOT: onnx.If
// CHECK-NOT: num_outputs = 4
// CHECK: %[[R:.*]] = onnx.Relu(%arg0) : (tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK: return %[[R]] : tensor<2x3xf32>
func.func @constant_if(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %s = onnx.Shape(%x) : (tensor<2x3xf32>) -> tensor<2xi64>
  %n = onnx.Size(%s) : (tensor<2xi64>) -> tensor<i64>
  %two = onnx.Constant() {value = dense<2> : tensor<i64>} : () -> tensor<i64>
  %c = onnx.Equal(%n, %two) : (tensor<i64>, tensor<i64>) -> tensor<i1>
  %r = "onnx.If"(%c) ({
    %nv = onnx.NoValue
    %p:4 = onnx.Split(%s, %nv) {num_outputs = 4 : i64} : (tensor<2xi64>, none) -> (tensor<*xi64>, tensor<*xi64>, tensor<*xi64>, tensor<*xi64>)
    %f = onnx.Cast(%p#0) {to = 1 : i64} : (tensor<*xi64>) -> tensor<*xf32>
    "onnx.Yield"(%f) : (tensor<*xf32>) -> ()
  }, {
    %y = onnx.Relu(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    "onnx.Yield"(%y) : (tensor<2x3xf32>) -> ()
  }) : (tensor<i1>) -> tensor<*xf32>
  return %r : tensor<*xf32>
}

// -----

// A condition known only at run time keeps the If.
// CHECK-LABEL: func.func @runtime_if
// CHECK: onnx.If
func.func @runtime_if(%c: tensor<i1>, %x: tensor<2xf32>) -> tensor<2xf32> {
  %r = "onnx.If"(%c) ({
    "onnx.Yield"(%x) : (tensor<2xf32>) -> ()
  }, {
    %y = onnx.Neg(%x) : (tensor<2xf32>) -> tensor<2xf32>
    "onnx.Yield"(%y) : (tensor<2xf32>) -> ()
  }) : (tensor<i1>) -> tensor<2xf32>
  return %r : tensor<2xf32>
}
