// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// Conv 2-D, group 1, explicit asymmetric pads, strides and dilations; the
// bias broadcasts over the channel dim in one generic after the conv.
// H: (9 + 1 + 2 - 3) / 2 + 1 = 5; W: (8 + 0 + 1 - 2 * (2 - 1) - 1) / 1 + 1 = 7.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @conv2d
// CHECK-SAME: (%[[X:.*]]: tensor<2x4x9x8xf32>, %[[W:.*]]: tensor<5x4x3x2xf32>, %[[B:.*]]: tensor<5xf32>)
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 0, 1, 0] high[0, 0, 2, 1]
// CHECK: } : tensor<2x4x9x8xf32> to tensor<2x4x12x9xf32>
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[F:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%{{.*}} : tensor<2x5x5x7xf32>)
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {dilations = dense<[1, 2]> : tensor<2xi64>, strides = dense<[2, 1]> : tensor<2xi64>} ins(%[[P]], %[[W]] : tensor<2x4x12x9xf32>, tensor<5x4x3x2xf32>) outs(%[[F]] : tensor<2x5x5x7xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[CH]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[C]], %[[B]] : tensor<2x5x5x7xf32>, tensor<5xf32>)
// CHECK: arith.addf
func.func @conv2d(%x: tensor<2x4x9x8xf32>, %w: tensor<5x4x3x2xf32>, %b: tensor<5xf32>) -> tensor<2x5x5x7xf32> {
  %0 = onnx.Conv(%x, %w, %b) {strides = [2, 1], pads = [1, 0, 2, 1], dilations = [1, 2]} : (tensor<2x4x9x8xf32>, tensor<5x4x3x2xf32>, tensor<5xf32>) -> tensor<2x5x5x7xf32>
  return %0 : tensor<2x5x5x7xf32>
}

// -----

// Without pads there is no tensor.pad; kernel_shape agreeing with W is fine.
// CHECK-LABEL: func.func @conv2d_valid
// CHECK-NOT: tensor.pad
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<[2, 3]> : tensor<2xi64>} ins(%{{.*}}, %{{.*}} : tensor<1x4x9x8xf32>, tensor<3x4x2x2xf32>) outs(%{{.*}} : tensor<1x3x4x3xf32>)
func.func @conv2d_valid(%x: tensor<1x4x9x8xf32>, %w: tensor<3x4x2x2xf32>, %b: tensor<3xf32>) -> tensor<1x3x4x3xf32> {
  %0 = onnx.Conv(%x, %w, %b) {auto_pad = "VALID", strides = [2, 3], kernel_shape = [2, 2]} : (tensor<1x4x9x8xf32>, tensor<3x4x2x2xf32>, tensor<3xf32>) -> tensor<1x3x4x3xf32>
  return %0 : tensor<1x3x4x3xf32>
}

// -----

// Dynamic N/H/W: explicit pads stay constants, the output size
// (in + 2 - 3) / 1 + 1 is computed from tensor.dim.
// CHECK-LABEL: func.func @conv2d_dynamic
// CHECK-SAME: (%[[X:.*]]: tensor<?x4x?x?xf32>
// CHECK: %[[H:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4x?x?xf32>
// CHECK: %[[HP:.*]] = arith.addi %[[H]], %{{.*}} : index
// CHECK: %[[HP2:.*]] = arith.addi %[[HP]], %{{.*}} : index
// CHECK: %[[SPAN:.*]] = arith.subi %[[HP2]], %{{.*}} : index
// CHECK: %[[OH:.*]] = arith.addi %[[SPAN]], %{{.*}} : index
// CHECK: %[[WD:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4x?x?xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x4x?x?xf32>
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.empty(%[[N]], %[[OH]], %{{.*}}) : tensor<?x5x?x?xf32>
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins(%[[P]], %{{.*}} : tensor<?x4x?x?xf32>, tensor<5x4x3x3xf32>) outs(%{{.*}} : tensor<?x5x?x?xf32>)
func.func @conv2d_dynamic(%x: tensor<?x4x?x?xf32>, %w: tensor<5x4x3x3xf32>, %b: tensor<5xf32>) -> tensor<?x5x?x?xf32> {
  %0 = onnx.Conv(%x, %w, %b) {pads = [1, 1, 1, 1]} : (tensor<?x4x?x?xf32>, tensor<5x4x3x3xf32>, tensor<5xf32>) -> tensor<?x5x?x?xf32>
  return %0 : tensor<?x5x?x?xf32>
}

// -----

// SAME_UPPER with dynamic H: out = ceil(H / 2), total pad max(0, (out - 1)
// * 2 + 3 - H), begin = total / 2, end = total - begin.
// CHECK-LABEL: func.func @conv2d_same_dynamic
// CHECK: %[[H:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<1x2x?x8xf32>
// CHECK: %[[O:.*]] = arith.divsi
// CHECK: %[[T:.*]] = arith.maxsi
// CHECK: %[[LO:.*]] = arith.divsi %[[T]], %{{.*}} : index
// CHECK: %[[HI:.*]] = arith.subi %[[T]], %[[LO]] : index
// CHECK: tensor.pad %{{.*}} low[0, 0, %[[LO]], 0] high[0, 0, %[[HI]], 1]
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} {{.*}} outs(%{{.*}} : tensor<1x3x?x4xf32>)
func.func @conv2d_same_dynamic(%x: tensor<1x2x?x8xf32>, %w: tensor<3x2x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x3x?x4xf32> {
  %0 = onnx.Conv(%x, %w, %b) {auto_pad = "SAME_UPPER", strides = [2, 2]} : (tensor<1x2x?x8xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x?x4xf32>
  return %0 : tensor<1x3x?x4xf32>
}

// -----

// SAME_LOWER puts the odd pad at the beginning: W total pad 1 -> [1, 0].
// CHECK-LABEL: func.func @conv2d_same_lower
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 0, 0]
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} outs(%{{.*}} : tensor<1x3x4x4xf32>)
func.func @conv2d_same_lower(%x: tensor<1x2x8x8xf32>, %w: tensor<3x2x3x3xf32>, %b: tensor<3xf32>) -> tensor<1x3x4x4xf32> {
  %0 = onnx.Conv(%x, %w, %b) {auto_pad = "SAME_LOWER", strides = [2, 2]} : (tensor<1x2x8x8xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  return %0 : tensor<1x3x4x4xf32>
}

// -----

// Conv 1-D and 3-D use the NC-first named ops.
// CHECK-LABEL: func.func @conv1d
// CHECK: tensor.pad %{{.*}} low[0, 0, 1] high[0, 0, 2]
// CHECK: linalg.conv_1d_ncw_fcw {dilations = dense<1> : tensor<1xi64>, strides = dense<2> : tensor<1xi64>} ins(%{{.*}}, %{{.*}} : tensor<2x4x14xf32>, tensor<5x4x3xf32>) outs(%{{.*}} : tensor<2x5x6xf32>)
func.func @conv1d(%x: tensor<2x4x11xf32>, %w: tensor<5x4x3xf32>, %b: tensor<5xf32>) -> tensor<2x5x6xf32> {
  %0 = onnx.Conv(%x, %w, %b) {strides = [2], pads = [1, 2]} : (tensor<2x4x11xf32>, tensor<5x4x3xf32>, tensor<5xf32>) -> tensor<2x5x6xf32>
  return %0 : tensor<2x5x6xf32>
}

// -----

// CHECK-LABEL: func.func @conv3d
// CHECK: linalg.conv_3d_ncdhw_fcdhw {dilations = dense<[2, 1, 1]> : tensor<3xi64>, strides = dense<[1, 2, 1]> : tensor<3xi64>} ins(%{{.*}}, %{{.*}} : tensor<1x4x5x6x4xf32>, tensor<3x4x2x3x2xf32>) outs(%{{.*}} : tensor<1x3x3x2x3xf32>)
func.func @conv3d(%x: tensor<1x4x5x6x4xf32>, %w: tensor<3x4x2x3x2xf32>, %b: tensor<3xf32>) -> tensor<1x3x3x2x3xf32> {
  %0 = onnx.Conv(%x, %w, %b) {strides = [1, 2, 1], dilations = [2, 1, 1]} : (tensor<1x4x5x6x4xf32>, tensor<3x4x2x3x2xf32>, tensor<3xf32>) -> tensor<1x3x3x2x3xf32>
  return %0 : tensor<1x3x3x2x3xf32>
}

// -----

// Depthwise (group == C == M): W [C, 1, kh, kw] collapses to [C, kh, kw].
// CHECK-LABEL: func.func @conv_depthwise
// CHECK: %[[W2:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : tensor<4x1x3x3xf32> into tensor<4x3x3xf32>
// CHECK: linalg.depthwise_conv_2d_nchw_chw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%{{.*}}, %[[W2]] : tensor<?x4x?x?xf32>, tensor<4x3x3xf32>) outs(%{{.*}} : tensor<?x4x?x?xf32>)
func.func @conv_depthwise(%x: tensor<?x4x?x?xf32>, %w: tensor<4x1x3x3xf32>, %b: tensor<4xf32>) -> tensor<?x4x?x?xf32> {
  %0 = onnx.Conv(%x, %w, %b) {group = 4 : i64, pads = [1, 1, 1, 1]} : (tensor<?x4x?x?xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>) -> tensor<?x4x?x?xf32>
  return %0 : tensor<?x4x?x?xf32>
}

// -----

// Grouped 2-D: channels split into (group, per group) on X, W and Y around
// linalg.conv_2d_ngchw_gfchw.
// CHECK-LABEL: func.func @conv_grouped
// CHECK: %[[X5:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2], [3], [4]] output_shape [%{{.*}}, 2, 2, 8, 8] : tensor<?x4x8x8xf32> into tensor<?x2x2x8x8xf32>
// CHECK: %[[W5:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2], [3], [4]] output_shape [2, 3, 2, 3, 3] : tensor<6x2x3x3xf32> into tensor<2x3x2x3x3xf32>
// CHECK: %[[Y5:.*]] = linalg.conv_2d_ngchw_gfchw {{.*}} ins(%[[X5]], %[[W5]] : tensor<?x2x2x8x8xf32>, tensor<2x3x2x3x3xf32>) outs(%{{.*}} : tensor<?x2x3x6x6xf32>)
// CHECK: tensor.collapse_shape %[[Y5]] {{\[\[}}0], [1, 2], [3], [4]] : tensor<?x2x3x6x6xf32> into tensor<?x6x6x6xf32>
func.func @conv_grouped(%x: tensor<?x4x8x8xf32>, %w: tensor<6x2x3x3xf32>, %b: tensor<6xf32>) -> tensor<?x6x6x6xf32> {
  %0 = onnx.Conv(%x, %w, %b) {group = 2 : i64} : (tensor<?x4x8x8xf32>, tensor<6x2x3x3xf32>, tensor<6xf32>) -> tensor<?x6x6x6xf32>
  return %0 : tensor<?x6x6x6xf32>
}

// -----

// Grouped with symbolic input channels and constant weights: X is cast to
// group x W's channels per group first (expand_shape needs a static
// collapsed dim when its group is all static).
// CHECK-LABEL: func.func @conv_grouped_dynamic_channels
// CHECK: %[[C:.*]] = tensor.cast %arg0 : tensor<?x?x5x5xf32> to tensor<?x4x5x5xf32>
// CHECK: %[[X5:.*]] = tensor.expand_shape %[[C]] {{\[\[}}0], [1, 2], [3], [4]] output_shape [%{{.*}}, 2, 2, 5, 5] : tensor<?x4x5x5xf32> into tensor<?x2x2x5x5xf32>
// CHECK: linalg.conv_2d_ngchw_gfchw {{.*}} ins(%[[X5]], %{{.*}} : tensor<?x2x2x5x5xf32>, tensor<2x3x2x3x3xf32>)
func.func @conv_grouped_dynamic_channels(%x: tensor<?x?x5x5xf32>, %w: tensor<6x2x3x3xf32>) -> tensor<?x6x3x3xf32> {
  %n = onnx.NoValue
  %0 = onnx.Conv(%x, %w, %n) {group = 2 : i64} : (tensor<?x?x5x5xf32>, tensor<6x2x3x3xf32>, none) -> tensor<?x6x3x3xf32>
  return %0 : tensor<?x6x3x3xf32>
}

// -----

// Grouped with run-time weights and static input channels: W's channels per
// group become C / group.
// CHECK-LABEL: func.func @conv_grouped_dynamic_weights
// CHECK: %[[WC:.*]] = tensor.cast %arg1 : tensor<?x?x3x3xf32> to tensor<?x2x3x3xf32>
// CHECK: tensor.expand_shape %[[WC]] {{\[\[}}0, 1], [2], [3], [4]] output_shape [2, %{{.*}}, 2, 3, 3] : tensor<?x2x3x3xf32> into tensor<2x?x2x3x3xf32>
func.func @conv_grouped_dynamic_weights(%x: tensor<?x4x5x5xf32>, %w: tensor<?x?x3x3xf32>) -> tensor<?x?x3x3xf32> {
  %n = onnx.NoValue
  %0 = onnx.Conv(%x, %w, %n) {group = 2 : i64} : (tensor<?x4x5x5xf32>, tensor<?x?x3x3xf32>, none) -> tensor<?x?x3x3xf32>
  return %0 : tensor<?x?x3x3xf32>
}

// -----

// Grouped 1-D has no named op: a generic in the ngc/gfc layout, reduction
// over the channels per group and the kernel.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d4, d3 * 2 + d5)>
// CHECK-DAG: #[[FI:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d1, d2, d4, d5)>
// CHECK-DAG: #[[OU:.*]] = affine_map<(d0, d1, d2, d3, d4, d5) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @conv1d_grouped
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[FI]], #[[OU]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]}
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @conv1d_grouped(%x: tensor<1x4x11xf32>, %w: tensor<6x2x3xf32>, %b: tensor<6xf32>) -> tensor<1x6x5xf32> {
  %0 = onnx.Conv(%x, %w, %b) {group = 2 : i64, strides = [2]} : (tensor<1x4x11xf32>, tensor<6x2x3xf32>, tensor<6xf32>) -> tensor<1x6x5xf32>
  return %0 : tensor<1x6x5xf32>
}

// -----

// f16: the conv accumulates into f32; bias add and narrowing are one generic.
// CHECK-LABEL: func.func @conv_f16
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x2x5x5xf16>, tensor<3x2x3x3xf16>) outs(%{{.*}} : tensor<1x3x3x3xf32>)
// CHECK: linalg.generic
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.addf
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @conv_f16(%x: tensor<1x2x5x5xf16>, %w: tensor<3x2x3x3xf16>, %b: tensor<3xf16>) -> tensor<1x3x3x3xf16> {
  %0 = onnx.Conv(%x, %w, %b) : (tensor<1x2x5x5xf16>, tensor<3x2x3x3xf16>, tensor<3xf16>) -> tensor<1x3x3x3xf16>
  return %0 : tensor<1x3x3x3xf16>
}

// -----

// A 1x1 convolution of stride 2 is a stride-1 one of the strided slice of
// the pixels it reads (a pointwise convolution, which becomes a GEMM), also
// with symbolic sizes.
// CHECK-LABEL: func.func @pointwise_stride2
// CHECK: %[[S:.*]] = tensor.extract_slice %arg0[0, 0, 0, 0] [1, 8, 14, 14] [1, 1, 2, 2] : tensor<1x8x28x28xf32> to tensor<1x8x14x14xf32>
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[S]], %{{.*}} : tensor<1x8x14x14xf32>, tensor<16x8x1x1xf32>)
// CHECK-LABEL: func.func @pointwise_stride2_symbolic
// CHECK: %[[S:.*]] = tensor.extract_slice %arg0[0, 0, 0, 0] [%{{.*}}, 8, %{{.*}}, %{{.*}}] [1, 1, 2, 3]
// CHECK: linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%[[S]], %{{.*}} : tensor<?x8x?x?xf32>, tensor<16x8x1x1xf32>)
func.func @pointwise_stride2(%x: tensor<1x8x28x28xf32>) -> tensor<1x16x14x14xf32> {
  %w = onnx.Constant() {value = dense<1.0> : tensor<16x8x1x1xf32>} : () -> tensor<16x8x1x1xf32>
  %n = onnx.NoValue
  %0 = onnx.Conv(%x, %w, %n) {kernel_shape = [1, 1], strides = [2, 2]} : (tensor<1x8x28x28xf32>, tensor<16x8x1x1xf32>, none) -> tensor<1x16x14x14xf32>
  return %0 : tensor<1x16x14x14xf32>
}
func.func @pointwise_stride2_symbolic(%x: tensor<?x8x?x?xf32>) -> tensor<?x16x?x?xf32> {
  %w = onnx.Constant() {value = dense<1.0> : tensor<16x8x1x1xf32>} : () -> tensor<16x8x1x1xf32>
  %n = onnx.NoValue
  %0 = onnx.Conv(%x, %w, %n) {kernel_shape = [1, 1], strides = [2, 3]} : (tensor<?x8x?x?xf32>, tensor<16x8x1x1xf32>, none) -> tensor<?x16x?x?xf32>
  return %0 : tensor<?x16x?x?xf32>
}
