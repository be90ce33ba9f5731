// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// A 4x4 stride-2 ConvTranspose (pads 1) by phases: each of the 2 x 2
// output phases is a stride-1 convolution of X itself with a 2x2 sub-kernel
// of the flipped, channel-swapped W (taps rho + 2 j), X padded by
// taps - 1 - delta before (phase 0: 1, phase 1: 0), its bias added, and the
// result inserted into Y at offset phi with stride 2.
// CHECK-LABEL: func.func @convtranspose2d_phases
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x5x5xf32>, %[[W:.*]]: tensor<3x2x4x4xf32>, %[[B:.*]]: tensor<2xf32>)
// CHECK: %[[Y0:.*]] = tensor.empty() : tensor<1x2x10x10xf32>
// CHECK: tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 0, 0]
// CHECK: %[[F:.*]] = linalg.generic
// CHECK: tensor.extract %[[W]]
// CHECK: } -> tensor<2x3x2x2xf32>
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%{{.*}}, %[[F]] : tensor<1x3x6x6xf32>, tensor<2x3x2x2xf32>) outs(%{{.*}} : tensor<1x2x5x5xf32>)
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%[[C]], %[[B]] : tensor<1x2x5x5xf32>, tensor<2xf32>)
// CHECK: %[[Y1:.*]] = tensor.insert_slice %[[P]] into %[[Y0]][0, 0, 0, 0] [1, 2, 5, 5] [1, 1, 2, 2]
// CHECK: tensor.pad %[[X]] low[0, 0, 0, 1] high[0, 0, 1, 0]
// CHECK: %[[Y2:.*]] = tensor.insert_slice %{{.*}} into %[[Y1]][0, 0, 1, 0] [1, 2, 5, 5] [1, 1, 2, 2]
// CHECK: tensor.pad %[[X]] low[0, 0, 1, 0] high[0, 0, 0, 1]
// CHECK: %[[Y3:.*]] = tensor.insert_slice %{{.*}} into %[[Y2]][0, 0, 0, 1] [1, 2, 5, 5] [1, 1, 2, 2]
// CHECK: tensor.pad %[[X]] low[0, 0, 0, 0] high[0, 0, 1, 1]
// CHECK: %[[Y4:.*]] = tensor.insert_slice %{{.*}} into %[[Y3]][0, 0, 1, 1] [1, 2, 5, 5] [1, 1, 2, 2]
// CHECK: return %[[Y4]]
func.func @convtranspose2d_phases(%x: tensor<1x3x5x5xf32>, %w: tensor<3x2x4x4xf32>, %b: tensor<2xf32>) -> tensor<1x2x10x10xf32> {
  %0 = onnx.ConvTranspose(%x, %w, %b) {strides = [2, 2], pads = [1, 1, 1, 1]} : (tensor<1x3x5x5xf32>, tensor<3x2x4x4xf32>, tensor<2xf32>) -> tensor<1x2x10x10xf32>
  return %0 : tensor<1x2x10x10xf32>
}

// -----

// A kernel smaller than the stride: the odd outputs have no tap and are
// the bias alone (a zero fill plus the bias), the even ones a 1-tap
// convolution.
// CHECK-LABEL: func.func @convtranspose_sparse_phase
// CHECK: linalg.conv_1d_ncw_fcw
// CHECK: tensor.insert_slice %{{.*}}[0, 0, 0] [1, 2, 4] [1, 1, 2]
// CHECK: linalg.fill
// CHECK: arith.addf
// CHECK: tensor.insert_slice %{{.*}}[0, 0, 1] [1, 2, 3] [1, 1, 2]
func.func @convtranspose_sparse_phase(%x: tensor<1x3x4xf32>, %w: tensor<3x2x1xf32>, %b: tensor<2xf32>) -> tensor<1x2x7xf32> {
  %0 = onnx.ConvTranspose(%x, %w, %b) {strides = [2]} : (tensor<1x3x4xf32>, tensor<3x2x1xf32>, tensor<2xf32>) -> tensor<1x2x7xf32>
  return %0 : tensor<1x2x7xf32>
}

// -----

// A dilated ConvTranspose: the input is zero-inserted (stride 3, 2) and
// padded by (K - 1) * dilation - padBegin = 3 (H) and 2 (W) in one
// index-driven generic, the kernel is flipped with its channel dims
// swapped, then a stride-1 conv_2d_nchw_fchw dilated (2, 1) and the bias.
// H: 3 * (4 - 1) + 1 + 5 - 1 - 1 = 13; W: 2 * (5 - 1) + 1 + 3 - 0 - 1 = 11.
// CHECK-LABEL: func.func @convtranspose2d
// CHECK-SAME: (%[[X:.*]]: tensor<1x3x4x5xf32>, %[[W:.*]]: tensor<3x2x3x3xf32>, %[[B:.*]]: tensor<2xf32>)
// CHECK: %[[Z:.*]] = linalg.generic
// CHECK: arith.remsi
// CHECK: arith.divsi
// CHECK: tensor.extract %[[X]]
// CHECK: } -> tensor<1x3x17x13xf32>
// CHECK: %[[F:.*]] = linalg.generic
// CHECK: %[[K0:.*]] = linalg.index 0
// CHECK: %[[K1:.*]] = linalg.index 1
// CHECK: tensor.extract %[[W]][%[[K1]], %[[K0]], %{{.*}}, %{{.*}}] : tensor<3x2x3x3xf32>
// CHECK: } -> tensor<2x3x3x3xf32>
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<[2, 1]> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[Z]], %[[F]] : tensor<1x3x17x13xf32>, tensor<2x3x3x3xf32>) outs(%{{.*}} : tensor<1x2x13x11xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[C]], %[[B]] : tensor<1x2x13x11xf32>, tensor<2xf32>)
// CHECK: arith.addf
func.func @convtranspose2d(%x: tensor<1x3x4x5xf32>, %w: tensor<3x2x3x3xf32>, %b: tensor<2xf32>) -> tensor<1x2x13x11xf32> {
  %0 = onnx.ConvTranspose(%x, %w, %b) {strides = [3, 2], dilations = [2, 1], pads = [1, 0, 1, 1], output_padding = [1, 1]} : (tensor<1x3x4x5xf32>, tensor<3x2x3x3xf32>, tensor<2xf32>) -> tensor<1x2x13x11xf32>
  return %0 : tensor<1x2x13x11xf32>
}

// -----

// Groups: W [C = 4, M/G = 3, k] becomes each phase's Conv filter
// [M = 6, C/G = 2, taps = 1] (output channel m = g * 3 + f reads
// W[g * 2 + c, f]); 1-D grouped Conv is a generic of the
// conv_2d_ngchw_gfchw layout; the two phases fill the even and odd outputs.
// CHECK-LABEL: func.func @convtranspose1d_groups
// CHECK: arith.divui
// CHECK: arith.remui
// CHECK: } -> tensor<6x2x1xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2], [3]] output_shape [1, 2, 2, 5]
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] output_shape [2, 3, 2, 1]
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]
// CHECK: tensor.collapse_shape %{{.*}} : tensor<1x2x3x5xf32> into tensor<1x6x5xf32>
// CHECK: tensor.insert_slice %{{.*}}[0, 0, 0] [1, 6, 5] [1, 1, 2]
// CHECK: tensor.insert_slice %{{.*}}[0, 0, 1] [1, 6, 5] [1, 1, 2]
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

// -----

// output_shape overrides pads: total padding = 2 * (5 - 1) + 3 - 10 = 1
// along H goes before (padBegin 1: the first phase reads one tap, X not
// padded), 0 along W (two taps, X padded by one column).
// CHECK-LABEL: func.func @convtranspose_output_shape
// CHECK: tensor.pad %{{.*}} low[0, 0, 0, 1] high[0, 0, 0, 1]
// CHECK: } -> tensor<1x1x1x2xf32>
func.func @convtranspose_output_shape(%x: tensor<1x1x5x5xf32>, %w: tensor<1x1x3x3xf32>) -> tensor<1x1x10x11xf32> {
  %none = onnx.NoValue
  %0 = onnx.ConvTranspose(%x, %w, %none) {strides = [2, 2], pads = [3, 3, 3, 3], output_shape = [10, 11]} : (tensor<1x1x5x5xf32>, tensor<1x1x3x3xf32>, none) -> tensor<1x1x10x11xf32>
  return %0 : tensor<1x1x10x11xf32>
}
