// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// MaxPool 2-D with explicit pads: pad with -inf, fill the accumulator with
// -inf, linalg.pooling_nchw_max with the strides and dilations.
// (7 + 1 + 1 - 3) / 2 + 1 = 4 rows, (6 + 1 + 1 - 3) / 2 + 1 = 3 columns.
// CHECK-LABEL: func.func @maxpool_2d
// CHECK: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[P:.*]] = tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %[[NEG]] : f32
// CHECK: } : tensor<1x3x7x6xf32> to tensor<1x3x9x8xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%[[NEG]] : f32) outs(%{{.*}} : tensor<1x3x4x3xf32>)
// CHECK: %[[W:.*]] = tensor.empty() : tensor<3x3xf32>
// CHECK: linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%[[P]], %[[W]] : tensor<1x3x9x8xf32>, tensor<3x3xf32>) outs(%[[F]] : tensor<1x3x4x3xf32>)
func.func @maxpool_2d(%x: tensor<1x3x7x6xf32>) -> tensor<1x3x4x3xf32> {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]} : (tensor<1x3x7x6xf32>) -> (tensor<1x3x4x3xf32>, none)
  return %y : tensor<1x3x4x3xf32>
}

// -----

// ceil_mode with dilations [2, 1]: H extent 3, ceil((7 - 3) / 2) + 1 = 3
// windows ending at 2 * 2 + 3 = 7; W: ceil((6 - 2) / 2) + 1 = 3 windows
// ending at 6. Both fit the input exactly: no padding at all.
// CHECK-LABEL: func.func @maxpool_ceil_dilation
// CHECK-NOT: tensor.pad
// CHECK: linalg.pooling_nchw_max {dilations = dense<[2, 1]> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%{{.*}}, %{{.*}} : tensor<1x1x7x6xf32>, tensor<2x2xf32>) outs(%{{.*}} : tensor<1x1x3x3xf32>)
func.func @maxpool_ceil_dilation(%x: tensor<1x1x7x6xf32>) -> tensor<1x1x3x3xf32> {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = [2, 2], strides = [2, 2], dilations = [2, 1], ceil_mode = 1 : i64} : (tensor<1x1x7x6xf32>) -> (tensor<1x1x3x3xf32>, none)
  return %y : tensor<1x1x3x3xf32>
}

// -----

// ceil_mode drops a window that would start in the end padding:
// in = 4, k = 2, s = 2, pads = [0, 1]: ceil(3 / 2) + 1 = 3, but the third
// window starts at 4 >= 4 + 0, so there are 2 outputs.
// CHECK-LABEL: func.func @maxpool_ceil_drop
// CHECK: tensor.pad %{{.*}} low[0, 0, 0] high[0, 0, 1]
// CHECK: linalg.pooling_ncw_max {dilations = dense<1> : tensor<1xi64>, strides = dense<2> : tensor<1xi64>} ins(%{{.*}}, %{{.*}} : tensor<1x1x5xf32>, tensor<2xf32>) outs(%{{.*}} : tensor<1x1x2xf32>)
func.func @maxpool_ceil_drop(%x: tensor<1x1x4xf32>) -> tensor<1x1x2xf32> {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = [2], strides = [2], pads = [0, 1], ceil_mode = 1 : i64} : (tensor<1x1x4xf32>) -> (tensor<1x1x2xf32>, none)
  return %y : tensor<1x1x2xf32>
}

// -----

// ceil_mode with an extra end pad beyond the ONNX pads: in = 5, k = 2, s = 2:
// ceil(3 / 2) + 1 = 3 windows need 6 elements, one more than the input.
// CHECK-LABEL: func.func @maxpool_ceil_extra
// CHECK: tensor.pad %{{.*}} low[0, 0, 0] high[0, 0, 1]
// CHECK: } : tensor<2x3x5xf32> to tensor<2x3x6xf32>
// CHECK: linalg.pooling_ncw_max {{.*}} outs(%{{.*}} : tensor<2x3x3xf32>)
func.func @maxpool_ceil_extra(%x: tensor<2x3x5xf32>) -> tensor<2x3x3xf32> {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = [2], strides = [2], ceil_mode = 1 : i64} : (tensor<2x3x5xf32>) -> (tensor<2x3x3xf32>, none)
  return %y : tensor<2x3x3xf32>
}

// -----

// SAME_UPPER: out = ceil(in / s); total pad (out - 1) * s + k - in, the odd
// element at the end. H: out 4, pad 3*2+4-7 = 3 -> [1, 2]; W: out 3, pad
// 2*2+4-6 = 2 -> [1, 1].
// CHECK-LABEL: func.func @maxpool_same_upper
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 2, 1]
// CHECK: linalg.pooling_nchw_max {{.*}} outs(%{{.*}} : tensor<1x1x4x3xf32>)
func.func @maxpool_same_upper(%x: tensor<1x1x7x6xf32>) -> tensor<1x1x4x3xf32> {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = [4, 4], strides = [2, 2], auto_pad = "SAME_UPPER"} : (tensor<1x1x7x6xf32>) -> (tensor<1x1x4x3xf32>, none)
  return %y : tensor<1x1x4x3xf32>
}

// -----

// SAME_LOWER puts the odd element at the beginning.
// CHECK-LABEL: func.func @maxpool_same_lower
// CHECK: tensor.pad %{{.*}} low[0, 0, 2, 1] high[0, 0, 1, 1]
func.func @maxpool_same_lower(%x: tensor<1x1x7x6xf32>) -> tensor<1x1x4x3xf32> {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = [4, 4], strides = [2, 2], auto_pad = "SAME_LOWER"} : (tensor<1x1x7x6xf32>) -> (tensor<1x1x4x3xf32>, none)
  return %y : tensor<1x1x4x3xf32>
}

// -----

// Dynamic N/H/W: pads and output sizes are computed at run time. SAME_UPPER
// with s = 2, k = 3: out = (in + 1) / 2, total = max(0, (out - 1) * 2 + 3 -
// in), begin = total / 2, end = total - begin.
// CHECK-LABEL: func.func @maxpool_dynamic_same
// CHECK-SAME: (%[[X:.*]]: tensor<?x3x?x?xf32>)
// CHECK: %[[H:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x3x?x?xf32>
// CHECK: %[[H1:.*]] = arith.addi %[[H]], %{{.*}} : index
// CHECK: %[[OUT:.*]] = arith.divsi %[[H1]], %{{.*}} : index
// CHECK: %[[OM1:.*]] = arith.subi %[[OUT]], %{{.*}} : index
// CHECK: %[[SPAN:.*]] = arith.muli %[[OM1]], %{{.*}} : index
// CHECK: %[[NEED:.*]] = arith.addi %[[SPAN]], %{{.*}} : index
// CHECK: %[[DIFF:.*]] = arith.subi %[[NEED]], %[[H]] : index
// CHECK: %[[TOTAL:.*]] = arith.maxsi %{{.*}}, %[[DIFF]] : index
// CHECK: %[[BEGIN:.*]] = arith.divsi %[[TOTAL]], %{{.*}} : index
// CHECK: %[[END:.*]] = arith.subi %[[TOTAL]], %[[BEGIN]] : index
// CHECK: tensor.pad %[[X]] low[0, 0, %[[BEGIN]], %{{.*}}] high[0, 0, %[[END]], %{{.*}}]
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x3x?x?xf32>
// CHECK: tensor.empty(%[[N]], %{{.*}}, %{{.*}}) : tensor<?x3x?x?xf32>
// CHECK: linalg.pooling_nchw_max {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
func.func @maxpool_dynamic_same(%x: tensor<?x3x?x?xf32>) -> tensor<?x3x?x?xf32> {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = [3, 3], strides = [2, 2], auto_pad = "SAME_UPPER"} : (tensor<?x3x?x?xf32>) -> (tensor<?x3x?x?xf32>, none)
  return %y : tensor<?x3x?x?xf32>
}

// -----

// Dynamic ceil_mode: the drop-the-last-window rule is a cmpi + select.
// CHECK-LABEL: func.func @maxpool_dynamic_ceil
// CHECK: arith.cmpi sge
// CHECK: arith.select
// CHECK: tensor.pad
// CHECK: linalg.pooling_ncw_max
func.func @maxpool_dynamic_ceil(%x: tensor<?x3x?xf32>) -> tensor<?x3x?xf32> {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = [3], strides = [2], pads = [1, 1], ceil_mode = 1 : i64} : (tensor<?x3x?xf32>) -> (tensor<?x3x?xf32>, none)
  return %y : tensor<?x3x?xf32>
}

// -----

// 3-D has no NC-first named op: a linalg.generic with the window dims as
// reduction loops and the input read at o * stride + k * dilation.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2 * 2 + d5, d3 + d6 * 2, d4 + d7)>
// CHECK-DAG: #[[WIN:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d5, d6, d7)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2, d3, d4, d5, d6, d7) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func.func @maxpool_3d
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[WIN]], #[[OUT]]], iterator_types = ["parallel", "parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]}
// CHECK: arith.maximumf
func.func @maxpool_3d(%x: tensor<1x2x6x6x4xf32>) -> tensor<1x2x3x4x2xf32> {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = [2, 2, 3], strides = [2, 1, 1], dilations = [1, 2, 1]} : (tensor<1x2x6x6x4xf32>) -> (tensor<1x2x3x4x2xf32>, none)
  return %y : tensor<1x2x3x4x2xf32>
}

// -----

// Unsigned max compares unsigned (the named op would compare signed) and
// pads with 0, the lowest ui8.
// CHECK-LABEL: func.func @maxpool_u8
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i8
// CHECK: tensor.pad
// CHECK: tensor.yield %[[ZERO]] : i8
// CHECK: linalg.generic
// CHECK: arith.maxui
func.func @maxpool_u8(%x: tensor<1x1x5x5xui8>) -> tensor<1x1x3x3xui8> {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]} : (tensor<1x1x5x5xui8>) -> (tensor<1x1x3x3xui8>, none)
  return %y : tensor<1x1x3x3xui8>
}

// -----

// Signed int8 max pads with -128 and uses the named op.
// CHECK-LABEL: func.func @maxpool_i8
// CHECK: %[[MIN:.*]] = arith.constant -128 : i8
// CHECK: tensor.yield %[[MIN]] : i8
// CHECK: linalg.pooling_nchw_max
func.func @maxpool_i8(%x: tensor<1x1x5x5xi8>) -> tensor<1x1x3x3xi8> {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]} : (tensor<1x1x5x5xi8>) -> (tensor<1x1x3x3xi8>, none)
  return %y : tensor<1x1x3x3xi8>
}

// -----

// AveragePool without padding: sum pooling, then divide by the constant
// kernel size.
// CHECK-LABEL: func.func @avgpool_nopad
// CHECK-NOT: tensor.pad
// CHECK: %[[S:.*]] = linalg.pooling_nchw_sum {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%{{.*}}, %{{.*}} : tensor<1x3x8x8xf32>, tensor<2x2xf32>) outs(%{{.*}} : tensor<1x3x4x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[S]] : tensor<1x3x4x4xf32>)
// CHECK: %[[C:.*]] = arith.constant 4.000000e+00 : f32
// CHECK: arith.divf %{{.*}}, %[[C]] : f32
func.func @avgpool_nopad(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32> {
  %y = onnx.AveragePool(%x) {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  return %y : tensor<1x3x4x4xf32>
}

// -----

// count_include_pad = 1 without ceil_mode: every window lies in the padded
// input, the divisor is the kernel size.
// CHECK-LABEL: func.func @avgpool_count_pad
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: tensor.yield %{{.*}} : f32
// CHECK: linalg.pooling_nchw_sum
// CHECK: linalg.generic
// CHECK-NOT: linalg.index
// CHECK: %[[C:.*]] = arith.constant 9.000000e+00 : f32
// CHECK: arith.divf %{{.*}}, %[[C]] : f32
func.func @avgpool_count_pad(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32> {
  %y = onnx.AveragePool(%x) {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1], count_include_pad = 1 : i64} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  return %y : tensor<1x3x4x4xf32>
}

// -----

// count_include_pad = 0 with padding: the divisor counts the taps inside the
// input, from the output index: start = o * 2 - 1, first tap
// ceil(max(0, 1 - o * 2) / 1), last tap min(2, (8 + 1 - 1 - o * 2) / 1).
// CHECK-LABEL: func.func @avgpool_exclude_pad
// CHECK: tensor.pad %{{.*}} low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: %[[S:.*]] = linalg.pooling_nchw_sum
// CHECK: linalg.generic {{.*}} ins(%[[S]] : tensor<1x3x4x4xf32>)
// CHECK: %[[O:.*]] = linalg.index 2 : index
// CHECK: %[[OS:.*]] = arith.muli %[[O]], %{{.*}} : index
// CHECK: %[[BEFORE:.*]] = arith.subi %{{.*}}, %[[OS]] : index
// CHECK: arith.maxsi %{{.*}}, %[[BEFORE]] : index
// CHECK: arith.minsi
// CHECK: linalg.index 3 : index
// CHECK: arith.index_cast %{{.*}} : index to i64
// CHECK: %[[CNT:.*]] = arith.sitofp %{{.*}} : i64 to f32
// CHECK: arith.divf %{{.*}}, %[[CNT]] : f32
func.func @avgpool_exclude_pad(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32> {
  %y = onnx.AveragePool(%x) {kernel_shape = [3, 3], strides = [2, 2], pads = [1, 1, 1, 1]} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  return %y : tensor<1x3x4x4xf32>
}

// -----

// Only the dim with padding needs a per-window count (W has none).
// CHECK-LABEL: func.func @avgpool_one_padded_dim
// CHECK: linalg.pooling_nchw_sum
// CHECK: linalg.index 2 : index
// CHECK-NOT: linalg.index 3
// CHECK: arith.minsi
// CHECK: %[[K:.*]] = arith.constant 2 : index
// CHECK-NEXT: arith.muli %[[K]], %{{.*}} : index
// CHECK-NEXT: arith.index_cast
// CHECK-NOT: linalg.index 3
// CHECK: arith.divf
func.func @avgpool_one_padded_dim(%x: tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32> {
  %y = onnx.AveragePool(%x) {kernel_shape = [3, 2], strides = [2, 2], pads = [1, 0, 1, 0]} : (tensor<1x3x8x8xf32>) -> tensor<1x3x4x4xf32>
  return %y : tensor<1x3x4x4xf32>
}

// -----

// f16 sums in f32 (the named op widens the input) and narrows after the
// division; dynamic N/H/W.
// CHECK-LABEL: func.func @avgpool_f16_dynamic
// CHECK: linalg.pooling_nchw_sum {{.*}} ins(%{{.*}}, %{{.*}} : tensor<?x3x?x?xf16>, tensor<3x3xf32>) outs(%{{.*}} : tensor<?x3x?x?xf32>)
// CHECK: linalg.generic
// CHECK: arith.divf %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @avgpool_f16_dynamic(%x: tensor<?x3x?x?xf16>) -> tensor<?x3x?x?xf16> {
  %y = onnx.AveragePool(%x) {kernel_shape = [3, 3], strides = [1, 1], auto_pad = "SAME_UPPER"} : (tensor<?x3x?x?xf16>) -> tensor<?x3x?x?xf16>
  return %y : tensor<?x3x?x?xf16>
}

// -----

// GlobalAveragePool: one reduction over the spatial dims into N x C, a
// division by H * W (run-time when dynamic), expanded back to N x C x 1 x 1.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[NC:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-LABEL: func.func @global_avgpool
// CHECK: %[[R:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[NC]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]} ins(%{{.*}} : tensor<?x3x?x?xf32>) outs(%{{.*}} : tensor<?x3xf32>)
// CHECK: arith.addf
// CHECK: %[[H:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x3x?x?xf32>
// CHECK: %[[W:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x3x?x?xf32>
// CHECK: %[[HW:.*]] = arith.muli %[[H]], %[[W]] : index
// CHECK: %[[I:.*]] = arith.index_cast %[[HW]] : index to i64
// CHECK: %[[F:.*]] = arith.sitofp %[[I]] : i64 to f32
// CHECK: %[[A:.*]] = linalg.generic {{.*}} ins(%[[R]] : tensor<?x3xf32>)
// CHECK: arith.divf %{{.*}}, %[[F]] : f32
// CHECK: tensor.expand_shape %[[A]] {{\[\[}}0], [1, 2, 3]] output_shape [%{{.*}}, 3, 1, 1] : tensor<?x3xf32> into tensor<?x3x1x1xf32>
func.func @global_avgpool(%x: tensor<?x3x?x?xf32>) -> tensor<?x3x1x1xf32> {
  %y = onnx.GlobalAveragePool(%x) : (tensor<?x3x?x?xf32>) -> tensor<?x3x1x1xf32>
  return %y : tensor<?x3x1x1xf32>
}

// -----

// GlobalMaxPool 1-D: max reduction from -inf.
// CHECK-LABEL: func.func @global_maxpool
// CHECK: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins(%[[NEG]] : f32)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [2, 3, 1] : tensor<2x3xf32> into tensor<2x3x1xf32>
func.func @global_maxpool(%x: tensor<2x3x9xf32>) -> tensor<2x3x1xf32> {
  %y = onnx.GlobalMaxPool(%x) : (tensor<2x3x9xf32>) -> tensor<2x3x1xf32>
  return %y : tensor<2x3x1xf32>
}

// -----

// MaxPool with Indices: one generic with two outputs keeps the first
// maximum of each window and its flattened input index (storage_order=1:
// column-major over the spatial dims, h + w * H, plus (n * C + c) * H * W).
// CHECK-LABEL: func.func @maxpool_indices
// CHECK: %[[V:.+]] = linalg.fill {{.+}} -> tensor<1x1x2x2xf32>
// CHECK: %[[I:.+]] = linalg.fill {{.+}} -> tensor<1x1x2x2xi64>
// CHECK: %[[R:.+]]:2 = linalg.generic {{.+}} iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%arg0, %{{.+}} : tensor<1x1x4x4xf32>, tensor<2x2xf32>) outs(%[[V]], %[[I]] : tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>)
// CHECK: %[[GT:.+]] = arith.cmpf ogt
// CHECK: arith.index_cast %{{.+}} : index to i64
// CHECK: arith.select %[[GT]]
// CHECK: arith.select %[[GT]]
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @maxpool_indices(%x: tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>) {
  %y, %i = onnx.MaxPool(%x) {kernel_shape = [2, 2], storage_order = 1 : i64, strides = [2, 2]} : (tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>)
  return %y, %i : tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>
}
