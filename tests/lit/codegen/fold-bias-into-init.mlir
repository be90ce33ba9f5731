// RUN: kiln-opt %s --split-input-file --pass-pipeline="builtin.module(func.func(kiln-fold-bias-into-init))" | FileCheck %s

// Conv + bias + ReLU (fused by elementwise fusion): the accumulator starts
// at the bias broadcast along the channels, the consumer keeps its ReLU.

// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-LABEL: func.func @conv_bias_relu(
// CHECK-NOT:     linalg.fill
// CHECK:         %[[START:.*]] = linalg.generic {indexing_maps = [#[[CH]], #[[ID]]]{{.*}} ins(%arg2 : tensor<8xf32>)
// CHECK-NEXT:    ^bb0(%[[IN:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT:      linalg.yield %[[IN]]
// CHECK:         %[[CONV:.*]] = linalg.conv_2d_nchw_fchw {{.*}} outs(%[[START]] : tensor<1x8x7x7xf32>)
// CHECK:         linalg.generic {indexing_maps = [#[[ID]], #[[ID]]]{{.*}} ins(%[[CONV]] : tensor<1x8x7x7xf32>)
// CHECK-NOT:       arith.addf
// CHECK:           arith.maximumf
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @conv_bias_relu(%x: tensor<1x3x9x9xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<8xf32>) -> tensor<1x8x7x7xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x7x7xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x7x7xf32>) -> tensor<1x8x7x7xf32>
  %c = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x3x9x9xf32>, tensor<8x3x3x3xf32>) outs(%acc : tensor<1x8x7x7xf32>) -> tensor<1x8x7x7xf32>
  %e2 = tensor.empty() : tensor<1x8x7x7xf32>
  %y = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%c, %b : tensor<1x8x7x7xf32>, tensor<8xf32>) outs(%e2 : tensor<1x8x7x7xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<1x8x7x7xf32>
  return %y : tensor<1x8x7x7xf32>
}

// -----

// MatMul + bias (bias on the left of the add): the consumer only added, so
// the matmul's result replaces it.

// CHECK-LABEL: func.func @matmul_bias(
// CHECK:         %[[START:.*]] = linalg.generic {{.*}} ins(%arg2 : tensor<16xf32>)
// CHECK:         %[[MM:.*]] = linalg.matmul {{.*}} outs(%[[START]] : tensor<?x16xf32>)
// CHECK-NEXT:    return %[[MM]]
#row = affine_map<(d0, d1) -> (d1)>
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @matmul_bias(%a: tensor<?x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<?x16xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %m = tensor.dim %a, %c0 : tensor<?x8xf32>
  %e = tensor.empty(%m) : tensor<?x16xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x16xf32>) -> tensor<?x16xf32>
  %mm = linalg.matmul ins(%a, %w : tensor<?x8xf32>, tensor<8x16xf32>) outs(%acc : tensor<?x16xf32>) -> tensor<?x16xf32>
  %y = linalg.generic {indexing_maps = [#row, #id2, #id2], iterator_types = ["parallel", "parallel"]}
    ins(%b, %mm : tensor<16xf32>, tensor<?x16xf32>) outs(%e : tensor<?x16xf32>) {
  ^bb0(%bias: f32, %in: f32, %out: f32):
    %s = arith.addf %bias, %in : f32
    linalg.yield %s : f32
  } -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Left alone: a non-zero start, and a result that is also returned.

// CHECK-LABEL: func.func @not_zero(
// CHECK:         linalg.fill
// CHECK:         arith.addf
func.func @not_zero(%a: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<4x16xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %acc = linalg.fill ins(%one : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %mm = linalg.matmul ins(%a, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%acc : tensor<4x16xf32>) -> tensor<4x16xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
    ins(%mm, %b : tensor<4x16xf32>, tensor<16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  return %y : tensor<4x16xf32>
}

// CHECK-LABEL: func.func @two_uses(
// CHECK:         linalg.fill
// CHECK:         arith.addf
func.func @two_uses(%a: tensor<4x8xf32>, %w: tensor<8x16xf32>, %b: tensor<16xf32>) -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x16xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<4x16xf32>) -> tensor<4x16xf32>
  %mm = linalg.matmul ins(%a, %w : tensor<4x8xf32>, tensor<8x16xf32>) outs(%acc : tensor<4x16xf32>) -> tensor<4x16xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
    ins(%mm, %b : tensor<4x16xf32>, tensor<16xf32>) outs(%e : tensor<4x16xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    linalg.yield %s : f32
  } -> tensor<4x16xf32>
  return %y, %mm : tensor<4x16xf32>, tensor<4x16xf32>
}

// -----

// Two convolutions of one output shape whose zero starts CSE merged: each
// gets its own bias start, and the shared fill stays for whatever else
// reads it (here a third convolution without a bias).

// CHECK-LABEL: func.func @shared_fill(
// CHECK:         %[[FILL:.*]] = linalg.fill
// CHECK:         %[[START1:.*]] = linalg.generic {{.*}} ins(%arg2 : tensor<8xf32>)
// CHECK:         %[[C1:.*]] = linalg.conv_2d_nchw_fchw {{.*}} outs(%[[START1]] : tensor<1x8x7x7xf32>)
// CHECK:         %[[START2:.*]] = linalg.generic {{.*}} ins(%arg3 : tensor<8xf32>)
// CHECK:         %[[C2:.*]] = linalg.conv_2d_nchw_fchw {{.*}} outs(%[[START2]] : tensor<1x8x7x7xf32>)
// CHECK:         %[[C3:.*]] = linalg.conv_2d_nchw_fchw {{.*}} outs(%[[FILL]] : tensor<1x8x7x7xf32>)
// CHECK-NOT:     arith.addf
// CHECK:         return %[[C1]], %[[C2]], %[[C3]]
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @shared_fill(%x: tensor<1x3x9x9xf32>, %w: tensor<8x3x3x3xf32>, %b1: tensor<8xf32>, %b2: tensor<8xf32>)
    -> (tensor<1x8x7x7xf32>, tensor<1x8x7x7xf32>, tensor<1x8x7x7xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x8x7x7xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1x8x7x7xf32>) -> tensor<1x8x7x7xf32>
  %c1 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x3x9x9xf32>, tensor<8x3x3x3xf32>) outs(%acc : tensor<1x8x7x7xf32>) -> tensor<1x8x7x7xf32>
  %y1 = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%c1, %b1 : tensor<1x8x7x7xf32>, tensor<8xf32>) outs(%e : tensor<1x8x7x7xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    linalg.yield %s : f32
  } -> tensor<1x8x7x7xf32>
  %c2 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x3x9x9xf32>, tensor<8x3x3x3xf32>) outs(%acc : tensor<1x8x7x7xf32>) -> tensor<1x8x7x7xf32>
  %y2 = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%c2, %b2 : tensor<1x8x7x7xf32>, tensor<8xf32>) outs(%e : tensor<1x8x7x7xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %bias, %in : f32
    linalg.yield %s : f32
  } -> tensor<1x8x7x7xf32>
  %c3 = linalg.conv_2d_nchw_fchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x3x9x9xf32>, tensor<8x3x3x3xf32>) outs(%acc : tensor<1x8x7x7xf32>) -> tensor<1x8x7x7xf32>
  return %y1, %y2, %c3 : tensor<1x8x7x7xf32>, tensor<1x8x7x7xf32>, tensor<1x8x7x7xf32>
}

// -----

// A grouped convolution's result (n, g, f, h, w) reaches the bias Add
// collapsed to (n, g * f, h, w): the bias is expanded to (g, f) and
// broadcast along both dims, and the consumer (a plain Add) becomes the
// collapse.

// CHECK-DAG: #[[GF:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d1, d2)>
// CHECK-DAG: #[[ID5:.*]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3, d4)>
// CHECK-LABEL: func.func @grouped_bias(
// CHECK:         %[[B:.*]] = tensor.expand_shape %arg2 {{\[}}[0, 1]] output_shape [2, 4] : tensor<8xf32> into tensor<2x4xf32>
// CHECK:         %[[START:.*]] = linalg.generic {indexing_maps = [#[[GF]], #[[ID5]]]{{.*}} ins(%[[B]] : tensor<2x4xf32>)
// CHECK:         %[[CONV:.*]] = linalg.conv_2d_ngchw_gfchw {{.*}} outs(%[[START]] : tensor<1x2x4x5x5xf32>)
// CHECK:         %[[Y:.*]] = tensor.collapse_shape %[[CONV]]
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[Y]]
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#ch4 = affine_map<(d0, d1, d2, d3) -> (d1)>
func.func @grouped_bias(%x: tensor<1x2x3x7x7xf32>, %w: tensor<2x4x3x3x3xf32>, %b: tensor<8xf32>) -> tensor<1x8x5x5xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2x4x5x5xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2x4x5x5xf32>) -> tensor<1x2x4x5x5xf32>
  %c = linalg.conv_2d_ngchw_gfchw {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
    ins(%x, %w : tensor<1x2x3x7x7xf32>, tensor<2x4x3x3x3xf32>) outs(%acc : tensor<1x2x4x5x5xf32>) -> tensor<1x2x4x5x5xf32>
  %flat = tensor.collapse_shape %c [[0], [1, 2], [3], [4]] : tensor<1x2x4x5x5xf32> into tensor<1x8x5x5xf32>
  %e2 = tensor.empty() : tensor<1x8x5x5xf32>
  %y = linalg.generic {indexing_maps = [#id4, #ch4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
    ins(%flat, %b : tensor<1x8x5x5xf32>, tensor<8xf32>) outs(%e2 : tensor<1x8x5x5xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %s = arith.addf %in, %bias : f32
    linalg.yield %s : f32
  } -> tensor<1x8x5x5xf32>
  return %y : tensor<1x8x5x5xf32>
}

// -----

// A collapsed result whose bias runs along a group with a dynamic dim
// cannot be expanded: nothing changes.

// CHECK-LABEL: func.func @collapsed_dynamic_bias(
// CHECK:         linalg.fill
// CHECK:         linalg.batch_matmul
// CHECK:         linalg.generic
// CHECK:           arith.addf
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row2 = affine_map<(d0, d1) -> (d0)>
func.func @collapsed_dynamic_bias(%a: tensor<?x3x5xf32>, %b: tensor<?x5x6xf32>, %bias: tensor<?xf32>) -> tensor<?x6xf32> {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %n = tensor.dim %a, %c0 : tensor<?x3x5xf32>
  %e = tensor.empty(%n) : tensor<?x3x6xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<?x3x6xf32>) -> tensor<?x3x6xf32>
  %m = linalg.batch_matmul ins(%a, %b : tensor<?x3x5xf32>, tensor<?x5x6xf32>) outs(%acc : tensor<?x3x6xf32>) -> tensor<?x3x6xf32>
  %flat = tensor.collapse_shape %m [[0, 1], [2]] : tensor<?x3x6xf32> into tensor<?x6xf32>
  %c0b = arith.constant 0 : index
  %rows = tensor.dim %flat, %c0b : tensor<?x6xf32>
  %e2 = tensor.empty(%rows) : tensor<?x6xf32>
  %y = linalg.generic {indexing_maps = [#id2, #row2, #id2], iterator_types = ["parallel", "parallel"]}
    ins(%flat, %bias : tensor<?x6xf32>, tensor<?xf32>) outs(%e2 : tensor<?x6xf32>) {
  ^bb0(%in: f32, %bb: f32, %out: f32):
    %s = arith.addf %in, %bb : f32
    linalg.yield %s : f32
  } -> tensor<?x6xf32>
  return %y : tensor<?x6xf32>
}
