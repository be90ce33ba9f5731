// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// Per-axis QuantizeLinear (axis 1 of a rank-3 x): the 1-D scale and zero
// point become [3, 1] so numpy broadcasting puts them on dim 1. ui8: the
// zero point widens unsigned, the result saturates to [0, 255] after
// rounding half to even.
// CHECK-DAG: #[[AX:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-LABEL: func.func @quantize_axis
// CHECK: %[[S:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [3, 1] : tensor<3xf32> into tensor<3x1xf32>
// CHECK: %[[Z:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [3, 1] : tensor<3xi8> into tensor<3x1xi8>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[AX]], #[[AX]], #{{.*}}]{{.*}} ins(%{{.*}}, %[[S]], %[[Z]] :
// CHECK: %[[ZF:.*]] = arith.uitofp %{{.*}} : i8 to f32
// CHECK: %[[D:.*]] = arith.divf
// CHECK: %[[R:.*]] = math.roundeven %[[D]] : f32
// CHECK: %[[A:.*]] = arith.addf %[[R]], %[[ZF]] : f32
// CHECK: arith.maximumf %[[A]]
// CHECK: arith.minimumf
// CHECK: arith.fptoui %{{.*}} : f32 to i8
func.func @quantize_axis(%x: tensor<1x3x2xf32>, %s: tensor<3xf32>, %z: tensor<3xui8>) -> tensor<1x3x2xui8> {
  %0 = onnx.QuantizeLinear(%x, %s, %z) : (tensor<1x3x2xf32>, tensor<3xf32>, tensor<3xui8>) -> tensor<1x3x2xui8>
  return %0 : tensor<1x3x2xui8>
}

// -----

// DequantizeLinear of int8 with per-tensor parameters: (x - zp) * scale.
// CHECK-LABEL: func.func @dequantize
// CHECK: linalg.generic
// CHECK: %[[X:.*]] = arith.sitofp %{{.*}} : i8 to f32
// CHECK: %[[Z:.*]] = arith.sitofp %{{.*}} : i8 to f32
// CHECK: %[[D:.*]] = arith.subf %[[X]], %[[Z]] : f32
// CHECK: arith.mulf %[[D]], %{{.*}} : f32
func.func @dequantize(%x: tensor<4xi8>, %s: tensor<f32>, %z: tensor<i8>) -> tensor<4xf32> {
  %0 = onnx.DequantizeLinear(%x, %s, %z) : (tensor<4xi8>, tensor<f32>, tensor<i8>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// ConvInteger: x and w widen to i32 minus their zero points (w's one per
// output channel: [2] -> [2, 1, 1, 1]), the padding is zeros after the
// subtraction, and the convolution runs on i32.
// CHECK-LABEL: func.func @convinteger
// CHECK: %[[WZ:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1, 2, 3]] output_shape [2, 1, 1, 1]
// CHECK: %[[X:.*]] = linalg.generic
// CHECK: arith.extui
// CHECK: arith.subi
// CHECK: } -> tensor<1x1x3x3xi32>
// CHECK: %[[W:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[WZ]] :
// CHECK: } -> tensor<2x1x2x2xi32>
// CHECK: %[[P:.*]] = tensor.pad %[[X]] low[0, 0, 1, 1] high[0, 0, 1, 1]
// CHECK: linalg.conv_2d_nchw_fchw {{.*}} ins(%[[P]], %[[W]] : tensor<1x1x5x5xi32>, tensor<2x1x2x2xi32>) outs(%{{.*}} : tensor<1x2x4x4xi32>)
func.func @convinteger(%x: tensor<1x1x3x3xui8>, %w: tensor<2x1x2x2xui8>, %xz: tensor<ui8>, %wz: tensor<2xui8>) -> tensor<1x2x4x4xi32> {
  %0 = onnx.ConvInteger(%x, %w, %xz, %wz) {pads = [1, 1, 1, 1]} : (tensor<1x1x3x3xui8>, tensor<2x1x2x2xui8>, tensor<ui8>, tensor<2xui8>) -> tensor<1x2x4x4xi32>
  return %0 : tensor<1x2x4x4xi32>
}

// -----

// QLinearMatMul: a linalg.matmul of the operands widened to i16 (8-bit
// values minus their zero points are exact there) into i32, then one
// generic requantizing with a_scale * b_scale / y_scale.
// CHECK-LABEL: func.func @qlinearmatmul
// CHECK: %[[MM:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<2x4xi16>, tensor<4x3xi16>) outs(%{{.*}} : tensor<2x3xi32>)
// CHECK: linalg.generic {{.*}} ins(%[[MM]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x3xi32>, tensor<f32>, tensor<f32>, tensor<f32>, tensor<i8>)
// CHECK: %[[ACC:.*]] = arith.sitofp %{{.*}} : i32 to f32
// CHECK: %[[AB:.*]] = arith.mulf
// CHECK: %[[M:.*]] = arith.divf %[[AB]]
// CHECK: %[[V:.*]] = arith.mulf %[[ACC]], %[[M]] : f32
// CHECK: math.roundeven %[[V]]
// CHECK: arith.fptoui %{{.*}} : f32 to i8
func.func @qlinearmatmul(%a: tensor<2x4xui8>, %as: tensor<f32>, %az: tensor<ui8>, %b: tensor<4x3xui8>, %bs: tensor<f32>, %bz: tensor<ui8>, %ys: tensor<f32>, %yz: tensor<ui8>) -> tensor<2x3xui8> {
  %0 = onnx.QLinearMatMul(%a, %as, %az, %b, %bs, %bz, %ys, %yz) : (tensor<2x4xui8>, tensor<f32>, tensor<ui8>, tensor<4x3xui8>, tensor<f32>, tensor<ui8>, tensor<f32>, tensor<ui8>) -> tensor<2x3xui8>
  return %0 : tensor<2x3xui8>
}

// -----

// QLinearConv with an i32 bias and a per-output-channel w_scale, both put
// on the channel dim ([2] -> [2, 1, 1]); int8 saturates with fptosi.
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, 0, 0)>
// CHECK-LABEL: func.func @qlinearconv
// CHECK: %[[C:.*]] = linalg.conv_2d_nchw_fchw {{.*}} outs(%{{.*}} : tensor<1x2x3x3xi32>)
// CHECK: %[[B:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1, 2]] output_shape [2, 1, 1] : tensor<2xi32> into tensor<2x1x1xi32>
// CHECK: %[[CB:.*]] = linalg.generic {{.*}} ins(%[[C]], %[[B]] :
// CHECK: arith.addi
// CHECK: %[[WS:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1, 2]] output_shape [2, 1, 1] : tensor<2xf32> into tensor<2x1x1xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[CH]], #{{.*}}, #{{.*}}, #{{.*}}]{{.*}} ins(%[[CB]], %{{.*}}, %[[WS]], %{{.*}}, %{{.*}} :
// CHECK: math.roundeven
// CHECK: arith.fptosi %{{.*}} : f32 to i8
func.func @qlinearconv(%x: tensor<1x1x5x5xi8>, %xs: tensor<f32>, %xz: tensor<i8>, %w: tensor<2x1x3x3xi8>, %ws: tensor<2xf32>, %wz: tensor<2xi8>, %ys: tensor<f32>, %yz: tensor<i8>, %b: tensor<2xi32>) -> tensor<1x2x3x3xi8> {
  %0 = onnx.QLinearConv(%x, %xs, %xz, %w, %ws, %wz, %ys, %yz, %b) : (tensor<1x1x5x5xi8>, tensor<f32>, tensor<i8>, tensor<2x1x3x3xi8>, tensor<2xf32>, tensor<2xi8>, tensor<f32>, tensor<i8>, tensor<2xi32>) -> tensor<1x2x3x3xi8>
  return %0 : tensor<1x2x3x3xi8>
}
