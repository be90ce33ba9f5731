// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// ConvTranspose 2-D: the input is zero-inserted (stride 3, 2) and padded by
// (K - 1) * dilation - padBegin = 1 (H) and 2 (W) in one index-driven
// generic, the kernel is flipped with its channel dims swapped, then a
// stride-1 conv_2d_nchw_fchw and the bias.
// H: 3 * (4 - 1) + 1 + 3 - 1 - 1 = 11; W: 2 * (5 - 1) + 1 + 3 - 0 - 1 = 11.
// CHECK-LABEL: func.func @convtranspose2d
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x4x5xf32>, %[[W:.*]]: tensor<3x2x3x3xf32>, %[[B:.*]]: tensor<2xf32>)
// CHECK: %[[Z:.*]] = linalg.generic
// CHECK: arith.remsi
// CHECK: arith.divsi
// CHECK: tensor.extract %[[X]]
// CHECK: } -> tensor<1x3x13x13xf32>
// CHECK: %[[F:.*]] = linalg.generic
// CHECK: %[[K0:.*]] = linalg.index 0
// CHECK: %[[K1:.*]] = linalg.index 1
// CHECK: tensor.extract %[[W]][%[[K1]], %[[K0]], %{{.*}}, %{{.*}}] : tensor<3x2x3x3xf32>
// CHECK: } -> tensor<2x3x3x3xf32>
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[Z]], %[[F]] : tensor<1x3x13x13xf32>, tensor<2x3x3x3xf32>) outs(%{{.*}} : tensor<1x2x11x11xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[C]], %[[B]] : tensor<1x2x11x11xf32>, tensor<2xf32>)
// CHECK: arith.addf
func.func @convtranspose2d(%x: tensor<1x3x4x5xf32>, %w: tensor<3x2x3x3xf32>, %b: tensor<2xf32>) -> tensor<1x2x11x11xf32> {
  %0 = onnx.ConvTranspose(%x, %w, %b) {strides = [3, 2], pads = [1, 0, 1, 1], output_padding = [1, 1]} : (tensor<1x3x4x5xf32>, tensor<3x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x11x11xf32>
  return %0 : tensor<1x2x11x11xf32>
}

// -----

// Groups: W [C = 4, M/G = 3, k] becomes the Conv filter [M = 6, C/G = 2, k]
// (output channel m = g * 3 + f reads W[g * 2 + c, f]); 1-D grouped Conv is
// a generic of the conv_2d_ngchw_gfchw layout.
// CHECK-LABEL: func.func @convtranspose1d_groups
// CHECK: } -> tensor<1x4x11xf32>
// CHECK: arith.divui
// CHECK: arith.remui
// CHECK: } -> tensor<6x2x2xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2], [3]] output_shape [1, 2, 2, 11]
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] output_shape [2, 3, 2, 2]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK: tensor.collapse_shape %{{.*}} : tensor<1x2x3x10xf32> into tensor<1x6x10xf32>
func.func @convtranspose1d_groups(%x: tensor<1x4x5xf32>, %w: tensor<4x3x2xf32>) -> tensor<1x6x10xf32> {
  %none = onnx.NoValue
  %0 = onnx.ConvTranspose(%x, %w, %none) {group = 2 : i64, strides = [2]} : (tensor<1x4x5xf32>, tensor<4x3x2xf32>, none) -> tensor<1x6x10xf32>
  return %0 : tensor<1x6x10xf32>
}

// -----

// Everything dynamic, also the kernel: SAME_UPPER gives out = in * stride
// and padBegin = floor(total / 2) (an arithmetic shift, total may be
// negative); the kernel size is read from W.
// CHECK-LABEL: func.func @convtranspose_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x?x?x?xf32>, %[[W:.*]]: tensor<?x?x?x?xf32>)
// CHECK: %[[H:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x?x?x?xf32>
// CHECK: %[[KH:.*]] = tensor.dim %[[W]], %{{.*}} : tensor<?x?x?x?xf32>
// CHECK: %[[OH:.*]] = arith.muli %[[H]], %{{.*}} : index
// CHECK: arith.shrsi
// CHECK: linalg.generic
// CHECK: tensor.extract %[[X]]
// CHECK: linalg.generic
// CHECK: tensor.extract %[[W]]
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}, %{{.*}}, %[[OH]], %{{.*}}) : tensor<?x?x?x?xf32>
// CHECK: linalg.fill {{.*}} outs(%[[E]]
// CHECK: linalg.conv_2d_nchw_fchw
func.func @convtranspose_dynamic(%x: tensor<?x?x?x?xf32>, %w: tensor<?x?x?x?xf32>) -> tensor<?x?x?x?xf32> {
  %none = onnx.NoValue
  %0 = onnx.ConvTranspose(%x, %w, %none) {auto_pad = "SAME_UPPER", strides = [2, 2]} : (tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, none) -> tensor<?x?x?x?xf32>
  return %0 : tensor<?x?x?x?xf32>
}
