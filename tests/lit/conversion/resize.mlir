// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// Cubic on the two resampled axes: per axis, four taps floor(x) - 1 ..
// floor(x) + 2 clamped to the edge with Keys weights of coefficient
// cubic_coeff_a (-0.5 here: 8a = -4, -4a = 2), 16 reads in all; N and C
// (scale 1) read their own index.
// CHECK-LABEL: func.func @resize_cubic
// CHECK: linalg.generic
// CHECK: %[[N:.*]] = linalg.index 0 : index
// CHECK: %[[C:.*]] = linalg.index 1 : index
// CHECK: math.floor
// CHECK-DAG: arith.constant -4.000000e+00 : f32
// CHECK-DAG: arith.constant 2.000000e+00 : f32
// CHECK: math.floor
// CHECK-COUNT-16: tensor.extract %arg0[%[[N]], %[[C]], %{{.*}}, %{{.*}}] : tensor<1x1x4x4xf32>
// CHECK: -> tensor<1x1x8x8xf32>
func.func @resize_cubic(%a: tensor<1x1x4x4xf32>) -> tensor<1x1x8x8xf32> {
  %sc = onnx.Constant() {value = dense<[1.0, 1.0, 2.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %n = onnx.NoValue
  %0 = onnx.Resize(%a, %n, %sc, %n) {mode = "cubic", cubic_coeff_a = -5.000000e-01 : f32} : (tensor<1x1x4x4xf32>, none, tensor<4xf32>, none) -> tensor<1x1x8x8xf32>
  return %0 : tensor<1x1x8x8xf32>
}

// -----

// exclude_outside: a tap outside the input gets weight 0 and the four
// weights are divided by their sum.
// CHECK-LABEL: func.func @resize_cubic_exclude_outside
// CHECK: linalg.generic
// CHECK-COUNT-4: arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK-COUNT-4: arith.divf
// CHECK-COUNT-4: tensor.extract %arg0
func.func @resize_cubic_exclude_outside(%a: tensor<4xf32>) -> tensor<2xf32> {
  %sc = onnx.Constant() {value = dense<[0.5]> : tensor<1xf32>} : () -> tensor<1xf32>
  %n = onnx.NoValue
  %0 = onnx.Resize(%a, %n, %sc, %n) {mode = "cubic", exclude_outside = 1 : i64} : (tensor<4xf32>, none, tensor<1xf32>, none) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// align_corners with scales maps onto the unrounded length in * scale
// (4 * 0.6 = 2.4, not the 2 output elements): x * (in - 1) / (in * s - 1).
// CHECK-LABEL: func.func @resize_align_corners_scales
// CHECK: %[[S:.*]] = arith.constant 6.000000e-01 : f32
// CHECK: %[[LEN:.*]] = arith.mulf %{{.*}}, %[[S]] : f32
// CHECK: linalg.generic
// CHECK: arith.subf %[[LEN]], %{{.*}} : f32
// CHECK: -> tensor<2xf32>
func.func @resize_align_corners_scales(%a: tensor<4xf32>) -> tensor<2xf32> {
  %sc = onnx.Constant() {value = dense<[0.6]> : tensor<1xf32>} : () -> tensor<1xf32>
  %n = onnx.NoValue
  %0 = onnx.Resize(%a, %n, %sc, %n) {mode = "linear", coordinate_transformation_mode = "align_corners"} : (tensor<4xf32>, none, tensor<1xf32>, none) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// tf_crop_and_resize with a run-time roi: starts and ends are read from
// roi[d] and roi[rank + d] before the generic; an element whose coordinate
// leaves [0, in - 1] on any axis is extrapolation_value (10).
// CHECK-LABEL: func.func @resize_tf_crop
// CHECK-DAG: tensor.extract %arg1[%c0{{.*}}] : tensor<4xf32>
// CHECK-DAG: tensor.extract %arg1[%c2{{.*}}] : tensor<4xf32>
// CHECK-DAG: tensor.extract %arg1[%c1{{.*}}] : tensor<4xf32>
// CHECK-DAG: tensor.extract %arg1[%c3{{.*}}] : tensor<4xf32>
// CHECK: linalg.generic
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf ogt
// CHECK: arith.ori
// CHECK-COUNT-4: tensor.extract %arg0
// CHECK: %[[EX:.*]] = arith.constant 1.000000e+01 : f32
// CHECK: arith.select %{{.*}}, %[[EX]], %{{.*}} : f32
// CHECK: -> tensor<3x3xf32>
func.func @resize_tf_crop(%a: tensor<4x4xf32>, %roi: tensor<4xf32>) -> tensor<3x3xf32> {
  %sz = onnx.Constant() {value = dense<[3, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %n = onnx.NoValue
  %0 = onnx.Resize(%a, %roi, %n, %sz) {mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize", extrapolation_value = 1.000000e+01 : f32} : (tensor<4x4xf32>, tensor<4xf32>, none, tensor<2xi64>) -> tensor<3x3xf32>
  return %0 : tensor<3x3xf32>
}

// -----

// A constant roi of [0, 1] on an axis of unchanged length leaves it alone.
// CHECK-LABEL: func.func @resize_tf_crop_const_roi
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK-COUNT-2: tensor.extract %arg0[%[[I]], %{{.*}}] : tensor<2x4xf32>
// CHECK-NOT: tensor.extract
func.func @resize_tf_crop_const_roi(%a: tensor<2x4xf32>) -> tensor<2x3xf32> {
  %roi = onnx.Constant() {value = dense<[0.0, 0.25, 1.0, 0.75]> : tensor<4xf32>} : () -> tensor<4xf32>
  %sz = onnx.Constant() {value = dense<[2, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %n = onnx.NoValue
  %0 = onnx.Resize(%a, %roi, %n, %sz) {mode = "linear", coordinate_transformation_mode = "tf_crop_and_resize"} : (tensor<2x4xf32>, tensor<4xf32>, none, tensor<2xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Scales of run-time length (a graph input with all dims symbolic): one
// scale per dim is read, and the output sizes are floor(in * scale).
// CHECK-LABEL: func.func @resize_dynamic_length_scales
// CHECK: tensor.extract %arg1[%c0{{.*}}] : tensor<?xf32>
// CHECK: tensor.extract %arg1[%c1{{.*}}] : tensor<?xf32>
// CHECK: math.floor
// CHECK: math.floor
// CHECK: tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?xf32>
// CHECK: linalg.generic
func.func @resize_dynamic_length_scales(%a: tensor<?x?xf32>, %sc: tensor<?xf32>) -> tensor<?x?xf32> {
  %n = onnx.NoValue
  %0 = onnx.Resize(%a, %n, %sc, %n) {mode = "cubic"} : (tensor<?x?xf32>, none, tensor<?xf32>, none) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Antialiased linear downsampling (scale 0.6): one resampling generic per
// resized axis, H first into an intermediate [1, 1, 2, 4], then W. Each
// output sums the taps of the widened tent (scale' = min(scale, 1), start =
// floor(-1 / scale') + 1, 2 - 2 * start taps from ceil(c) + start - 1) in
// an scf.for, weights max(0, 1 - |scale' * (i - c)|), edge-clamped reads,
// normalized by the weights' sum.
// CHECK-LABEL: func.func @resize_linear_antialias
// CHECK: %[[S:.*]] = arith.minimumf
// CHECK: %[[Q:.*]] = arith.divf %{{.*}}, %[[S]] : f32
// CHECK: math.floor %[[Q]]
// CHECK: %[[TAPS:.*]] = arith.subi
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x2x4xf32>)
// CHECK: math.ceil
// CHECK: %[[SUMS:.*]]:2 = scf.for %{{.*}} = %{{.*}} to %[[TAPS]]
// CHECK: math.absf
// CHECK: arith.maximumf
// CHECK: tensor.extract %{{.*}} : tensor<1x1x4x4xf32>
// CHECK: scf.yield
// CHECK: arith.divf %[[SUMS]]#0
// CHECK: } -> tensor<1x1x2x4xf32>
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x1x2x2xf32>)
// CHECK: scf.for
// CHECK: tensor.extract %{{.*}} : tensor<1x1x2x4xf32>
func.func @resize_linear_antialias(%a: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  %sc = onnx.Constant() {value = dense<[1.0, 1.0, 0.6, 0.6]> : tensor<4xf32>} : () -> tensor<4xf32>
  %n = onnx.NoValue
  %0 = onnx.Resize(%a, %n, %sc, %n) {mode = "linear", antialias = 1 : i64} : (tensor<1x1x4x4xf32>, none, tensor<4xf32>, none) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

// keep_aspect_ratio_policy with sizes known only at run time: the one scale
// is the smallest sizes[i] / in[i] (not_larger), and each resized dim
// round(scale * in), all computed by the run.
// CHECK-LABEL: func.func @resize_not_larger_runtime
// CHECK: %[[H:.*]] = tensor.extract %{{.*}}[%{{.*}}] : tensor<2xi64>
// CHECK: %[[W:.*]] = tensor.extract %{{.*}}[%{{.*}}] : tensor<2xi64>
// CHECK: %[[RH:.*]] = arith.divf
// CHECK: %[[RW:.*]] = arith.divf
// CHECK: %[[SCALE:.*]] = arith.minimumf %[[RH]], %[[RW]] : f32
// CHECK: %[[LEN:.*]] = arith.mulf %[[SCALE]]
// CHECK: %[[ROUND:.*]] = arith.addf %[[LEN]]
// CHECK: math.floor %[[ROUND]]
// CHECK: tensor.empty(%{{.*}}, %{{.*}}) : tensor<1x1x?x?xf32>
func.func @resize_not_larger_runtime(%a: tensor<1x1x4x4xf32>, %sizes: tensor<2xi64>) -> tensor<1x1x?x?xf32> {
  %n = onnx.NoValue
  %0 = onnx.Resize(%a, %n, %n, %sizes) {mode = "nearest", axes = [2, 3], keep_aspect_ratio_policy = "not_larger"} : (tensor<1x1x4x4xf32>, none, none, tensor<2xi64>) -> tensor<1x1x?x?xf32>
  return %0 : tensor<1x1x?x?xf32>
}
