// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// f32 Softmax stays one op for code generation (a kernel, or the generics
// kiln-decompose-aggregates makes): linalg.softmax along the axis into a
// tensor.empty of the input's sizes.
// CHECK-LABEL: func.func @softmax
// CHECK-SAME: (%[[X:.+]]: tensor<2x?x4xf32>)
// CHECK: %[[DIM:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<2x?x4xf32>
// CHECK: %[[OUT:.+]] = tensor.empty(%[[DIM]]) : tensor<2x?x4xf32>
// CHECK: %[[Y:.+]] = linalg.softmax dimension(1) ins(%[[X]] : tensor<2x?x4xf32>) outs(%[[OUT]] : tensor<2x?x4xf32>) -> tensor<2x?x4xf32>
// CHECK: return %[[Y]]
func.func @softmax(%x: tensor<2x?x4xf32>) -> tensor<2x?x4xf32> {
  %0 = onnx.Softmax(%x) {axis = 1 : i64} : (tensor<2x?x4xf32>) -> tensor<2x?x4xf32>
  return %0 : tensor<2x?x4xf32>
}

// -----

// LogSoftmax = (x - max) - log(sum); the default axis is the last one.
// CHECK-DAG: #[[KEPT:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @log_softmax
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: ^bb0(%[[A:.+]]: f32, %[[M:.+]]: f32, %[[S:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[D:.+]] = arith.subf %[[A]], %[[M]] : f32
// CHECK-NEXT: %[[L:.+]] = math.log %[[S]] : f32
// CHECK-NEXT: %[[R:.+]] = arith.subf %[[D]], %[[L]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
func.func @log_softmax(%x: tensor<3x5xf32>) -> tensor<3x5xf32> {
  %0 = onnx.LogSoftmax(%x) : (tensor<3x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// Half-precision softmax: max in f16, exp and sum in f32, one rounding.
// CHECK-LABEL: func.func @softmax_f16
// CHECK: arith.maximumf %{{.+}}, %{{.+}} : f16
// CHECK: ^bb0(%[[A:.+]]: f16, %[[M:.+]]: f16, %[[ACC:.+]]: f32):
// CHECK-DAG: %[[AE:.+]] = arith.extf %[[A]] : f16 to f32
// CHECK-DAG: %[[ME:.+]] = arith.extf %[[M]] : f16 to f32
// CHECK: arith.subf %[[AE]], %[[ME]] : f32
// CHECK: arith.truncf %{{.+}} : f32 to f16
func.func @softmax_f16(%x: tensor<3x5xf16>) -> tensor<3x5xf16> {
  %0 = onnx.Softmax(%x) : (tensor<3x5xf16>) -> tensor<3x5xf16>
  return %0 : tensor<3x5xf16>
}

// -----

// Hardmax: arg max (first index) along the axis, then 1 where the iteration
// index equals it.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[KEPT:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @hardmax
// CHECK: %[[ARG:.+]]:2 = linalg.generic {indexing_maps = [#[[ID]], #[[KEPT]], #[[KEPT]]], iterator_types = ["parallel", "reduction"]}
// CHECK: arith.cmpf ogt
// CHECK: linalg.generic {indexing_maps = [#[[KEPT]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%[[ARG]]#1 : tensor<3xi64>)
// CHECK: ^bb0(%[[BEST:.+]]: i64, %{{.+}}: f32):
// CHECK: %[[I:.+]] = linalg.index 1 : index
// CHECK: %[[I64:.+]] = arith.index_cast %[[I]] : index to i64
// CHECK: %[[HIT:.+]] = arith.cmpi eq, %[[I64]], %[[BEST]] : i64
// CHECK-DAG: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: arith.select %[[HIT]], %[[ONE]], %[[ZERO]] : f32
func.func @hardmax(%x: tensor<3x5xf32>) -> tensor<3x5xf32> {
  %0 = onnx.Hardmax(%x) {axis = -1 : i64} : (tensor<3x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// Inference BatchNormalization: per-channel parameters read through (d1);
// the unused running mean/var results are dropped.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[CH:.+]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @batchnorm
// CHECK-SAME: (%[[X:.+]]: tensor<?x3x4x4xf32>, %[[S:.+]]: tensor<3xf32>, %[[B:.+]]: tensor<3xf32>, %[[M:.+]]: tensor<3xf32>, %[[V:.+]]: tensor<3xf32>)
// CHECK: %[[N:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x3x4x4xf32>
// CHECK: %[[E:.+]] = tensor.empty(%[[N]]) : tensor<?x3x4x4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[CH]], #[[CH]], #[[CH]], #[[CH]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]], %[[S]], %[[B]], %[[M]], %[[V]] : {{.+}}) outs(%[[E]] : tensor<?x3x4x4xf32>)
// CHECK: ^bb0(%[[XV:.+]]: f32, %[[SV:.+]]: f32, %[[BV:.+]]: f32, %[[MV:.+]]: f32, %[[VV:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[EPS:.+]] = arith.constant 1.000000e-03 : f32
// CHECK: %[[VE:.+]] = arith.addf %[[VV]], %[[EPS]] : f32
// CHECK: %[[SD:.+]] = math.sqrt %[[VE]] : f32
// CHECK: %[[F:.+]] = arith.divf %[[SV]], %[[SD]] : f32
// CHECK: %[[C:.+]] = arith.subf %[[XV]], %[[MV]] : f32
// CHECK: %[[P:.+]] = arith.mulf %[[C]], %[[F]] : f32
// CHECK: %[[Y:.+]] = arith.addf %[[P]], %[[BV]] : f32
// CHECK: linalg.yield %[[Y]] : f32
func.func @batchnorm(%x: tensor<?x3x4x4xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> tensor<?x3x4x4xf32> {
  %0, %1, %2 = onnx.BatchNormalization(%x, %s, %b, %m, %v) {epsilon = 1.0e-3 : f32} : (tensor<?x3x4x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<?x3x4x4xf32>, none, none)
  return %0 : tensor<?x3x4x4xf32>
}

// -----

// LayerNormalization over the last dim of an f16 input: statistics in f32
// (stash_type 1), two passes (mean, then squared deviations), Scale and B
// broadcast over the normalized dims; InvStdDev keeps a unit dim.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[KEPT:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[ID2:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[LAST:.+]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @layernorm
// CHECK-SAME: (%[[X:.+]]: tensor<?x3x8xf16>, %[[S:.+]]: tensor<8xf16>, %[[B:.+]]: tensor<8xf16>)
// CHECK-DAG: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-DAG: %[[CNT:.+]] = arith.constant 8.000000e+00 : f32
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[KEPT]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: arith.extf %{{.+}} : f16 to f32
// CHECK: %[[MEAN:.+]] = linalg.generic {indexing_maps = [#[[ID2]], #[[ID2]]], iterator_types = ["parallel", "parallel"]} ins(%[[SUM]] : tensor<?x3xf32>)
// CHECK: arith.divf %{{.+}}, %[[CNT]] : f32
// CHECK: %[[SQ:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[KEPT]], #[[KEPT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[MEAN]] : tensor<?x3x8xf16>, tensor<?x3xf32>)
// CHECK: ^bb0(%[[A:.+]]: f16, %[[MU:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT: %[[AE:.+]] = arith.extf %[[A]] : f16 to f32
// CHECK-NEXT: %[[D:.+]] = arith.subf %[[AE]], %[[MU]] : f32
// CHECK-NEXT: %[[D2:.+]] = arith.mulf %[[D]], %[[D]] : f32
// CHECK-NEXT: arith.addf %[[D2]], %[[ACC]] : f32
// CHECK: %[[INV:.+]] = linalg.generic {indexing_maps = [#[[ID2]], #[[ID2]]], iterator_types = ["parallel", "parallel"]} ins(%[[SQ]] : tensor<?x3xf32>)
// CHECK: %[[VAR:.+]] = arith.divf %{{.+}}, %[[CNT]] : f32
// CHECK: %[[EPS:.+]] = arith.constant 1.000000e-03 : f32
// CHECK: %[[VE:.+]] = arith.addf %[[VAR]], %[[EPS]] : f32
// CHECK: %[[SD:.+]] = math.sqrt %[[VE]] : f32
// CHECK: arith.divf %{{.+}}, %[[SD]] : f32
// CHECK: %[[Y:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[KEPT]], #[[KEPT]], #[[LAST]], #[[LAST]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]], %[[MEAN]], %[[INV]], %[[S]], %[[B]] : {{.+}})
// CHECK: arith.truncf %{{.+}} : f32 to f16
// CHECK: %[[IE:.+]] = tensor.expand_shape %[[INV]] {{\[}}[0], [1, 2]] output_shape [%{{.+}}, 3, 1] : tensor<?x3xf32> into tensor<?x3x1xf32>
// CHECK: return %[[Y]], %[[IE]]
func.func @layernorm(%x: tensor<?x3x8xf16>, %s: tensor<8xf16>, %b: tensor<8xf16>) -> (tensor<?x3x8xf16>, tensor<?x3x1xf32>) {
  %0, %1, %2 = onnx.LayerNormalization(%x, %s, %b) {epsilon = 1.0e-3 : f32} : (tensor<?x3x8xf16>, tensor<8xf16>, tensor<8xf16>) -> (tensor<?x3x8xf16>, tensor<?x3x1xf32>, tensor<?x3x1xf32>)
  return %0, %2 : tensor<?x3x8xf16>, tensor<?x3x1xf32>
}

// -----

// axis=1 normalizes dims 1 and 2; the count of dynamic dims is computed at
// run time.
// CHECK-DAG: #[[KEPT:.+]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-DAG: #[[NORM:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @layernorm_axis1
// CHECK-SAME: (%[[X:.+]]: tensor<2x?x4xf32>
// CHECK: %[[D:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<2x?x4xf32>
// CHECK: %[[C4:.+]] = arith.constant 4 : index
// CHECK: %[[N:.+]] = arith.muli %[[D]], %[[C4]] : index
// CHECK: iterator_types = ["parallel", "reduction", "reduction"]
// CHECK: iterator_types = ["parallel", "reduction", "reduction"]
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #[[KEPT]], #[[KEPT]], #[[NORM]], #[[NORM]], #{{.+}}]
func.func @layernorm_axis1(%x: tensor<2x?x4xf32>, %s: tensor<?x4xf32>, %b: tensor<?x4xf32>) -> tensor<2x?x4xf32> {
  %0, %1, %2 = onnx.LayerNormalization(%x, %s, %b) {axis = 1 : i64} : (tensor<2x?x4xf32>, tensor<?x4xf32>, tensor<?x4xf32>) -> (tensor<2x?x4xf32>, none, none)
  return %0 : tensor<2x?x4xf32>
}

// -----

// InstanceNormalization: statistics over the spatial dims per (n, c);
// scale and B per channel.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG: #[[NC:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1)>
// CHECK-DAG: #[[CH:.+]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @instancenorm
// CHECK: %[[CNT:.+]] = arith.constant 2.000000e+01 : f32
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[NC]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[NC]], #[[NC]]], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
// CHECK: arith.constant 9.99999974E-6 : f32
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[NC]], #[[NC]], #[[CH]], #[[CH]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
// CHECK: ^bb0(%[[XV:.+]]: f32, %[[MV:.+]]: f32, %[[IV:.+]]: f32, %[[SV:.+]]: f32, %[[BV:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[D:.+]] = arith.subf %[[XV]], %[[MV]] : f32
// CHECK-NEXT: %[[N:.+]] = arith.mulf %[[D]], %[[IV]] : f32
// CHECK-NEXT: %[[SC:.+]] = arith.mulf %[[N]], %[[SV]] : f32
// CHECK-NEXT: %[[Y:.+]] = arith.addf %[[SC]], %[[BV]] : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
func.func @instancenorm(%x: tensor<2x3x4x5xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<2x3x4x5xf32> {
  %0 = onnx.InstanceNormalization(%x, %s, %b) : (tensor<2x3x4x5xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4x5xf32>
  return %0 : tensor<2x3x4x5xf32>
}

// -----

// LpNormalization p=2: sqrt of the sum of squares; an all-zero slice stays 0.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[KEPT:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @lpnorm
// CHECK: %[[SS:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[KEPT]]], iterator_types = ["reduction", "parallel"]}
// CHECK: ^bb0(%[[A:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT: %[[SQ:.+]] = arith.mulf %[[A]], %[[A]] : f32
// CHECK-NEXT: arith.addf %[[SQ]], %[[ACC]] : f32
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[KEPT]], #[[ID]]], iterator_types = ["parallel", "parallel"]} ins(%{{.+}}, %[[SS]] : tensor<3x4xf32>, tensor<4xf32>)
// CHECK: ^bb0(%[[X:.+]]: f32, %[[S:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[N:.+]] = math.sqrt %[[S]] : f32
// CHECK: %[[Z:.+]] = arith.cmpf oeq, %[[N]], %{{.+}} : f32
// CHECK: %[[Q:.+]] = arith.divf %[[X]], %[[N]] : f32
// CHECK: arith.select %[[Z]], %{{.+}}, %[[Q]] : f32
func.func @lpnorm(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %0 = onnx.LpNormalization(%x) {axis = 0 : i64} : (tensor<3x4xf32>) -> tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}

// -----

// LayerNormalization without B: no bias input, no add after the scale.
// CHECK-DAG: #[[LAST:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @layernorm_no_bias
// CHECK-SAME: (%[[X:.+]]: tensor<2x8xf32>, %[[S:.+]]: tensor<8xf32>)
// CHECK: linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}, #[[LAST]], #{{.+}}], iterator_types = ["parallel", "parallel"]} ins(%[[X]], %{{.+}}, %{{.+}}, %[[S]] : tensor<2x8xf32>, tensor<2xf32>, tensor<2xf32>, tensor<8xf32>)
// CHECK: ^bb0(%[[A:.+]]: f32, %[[M:.+]]: f32, %[[I:.+]]: f32, %[[SC:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[D:.+]] = arith.subf %[[A]], %[[M]] : f32
// CHECK-NEXT: %[[N:.+]] = arith.mulf %[[D]], %[[I]] : f32
// CHECK-NEXT: %[[Y:.+]] = arith.mulf %[[N]], %[[SC]] : f32
// CHECK-NEXT: linalg.yield %[[Y]] : f32
func.func @layernorm_no_bias(%x: tensor<2x8xf32>, %s: tensor<8xf32>) -> tensor<2x8xf32> {
  %n = onnx.NoValue
  %0, %1, %2 = onnx.LayerNormalization(%x, %s, %n) : (tensor<2x8xf32>, tensor<8xf32>, none) -> (tensor<2x8xf32>, none, none)
  return %0 : tensor<2x8xf32>
}

// -----

// LRN: squares zero-padded along C by (size-1)/2 before and size/2 after,
// summed over a window of `size` channels, then x / (bias + alpha/size *
// sum)^beta.
// CHECK-DAG: #[[WIN_IN:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1 + d4, d2, d3)>
// CHECK-DAG: #[[WIN:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d4)>
// CHECK-LABEL: func.func @lrn
// CHECK: %[[SQ:.+]] = linalg.generic
// CHECK: arith.mulf %[[IN:.+]], %[[IN]] : f32
// CHECK: %[[P:.+]] = tensor.pad %[[SQ]] low[0, 1, 0, 0] high[0, 1, 0, 0]
// CHECK: %[[W:.+]] = tensor.empty() : tensor<3xf32>
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[WIN_IN]], #[[WIN]], #{{.+}}], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%[[P]], %[[W]] : tensor<1x7x4x4xf32>
// CHECK-SAME: tensor<3xf32>
// CHECK: linalg.generic {{.+}} ins(%arg0, %[[SUM]]
// CHECK: math.powf
// CHECK: arith.divf
func.func @lrn(%x: tensor<1x5x4x4xf32>) -> tensor<1x5x4x4xf32> {
  %0 = onnx.LRN(%x) {size = 3 : i64, alpha = 2.0e-4 : f32, beta = 0.5 : f32, bias = 2.0 : f32} : (tensor<1x5x4x4xf32>) -> tensor<1x5x4x4xf32>
  return %0 : tensor<1x5x4x4xf32>
}

// -----

// Training-mode BatchNormalization: batch mean and variance over all dims
// but C, and running stats mixed with the momentum (0.9 by default).
// CHECK-DAG: #[[C:map[0-9]*]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @batchnorm_training
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#{{.+}}, #[[C]]], iterator_types = ["reduction", "parallel", "reduction"]}
// CHECK: %[[MEAN:.+]] = linalg.generic {{.+}} ins(%[[SUM]] : tensor<3xf32>)
// CHECK: %[[SQ:.+]] = linalg.generic {{.+}} iterator_types = ["reduction", "parallel", "reduction"]} ins(%arg0, %[[MEAN]]
// CHECK: %[[VAR:.+]] = linalg.generic {{.+}} ins(%[[SQ]] : tensor<3xf32>)
// CHECK: %[[Y:.+]] = linalg.generic {indexing_maps = [#{{.+}}, #[[C]], #[[C]], #[[C]], #[[C]], #{{.+}}], {{.+}} ins(%arg0, %[[MEAN]], %[[VAR]], %arg1, %arg2
// CHECK: math.sqrt
// CHECK: %[[RM:.+]] = linalg.generic {{.+}} ins(%arg3, %[[MEAN]] : tensor<3xf32>, tensor<3xf32>)
// CHECK: %[[RV:.+]] = linalg.generic {{.+}} ins(%arg4, %[[VAR]] : tensor<3xf32>, tensor<3xf32>)
// CHECK: return %[[Y]], %[[RM]], %[[RV]]
func.func @batchnorm_training(%x: tensor<2x3x4xf32>, %s: tensor<3xf32>, %b: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>) -> (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>) {
  %0, %1, %2 = onnx.BatchNormalization(%x, %s, %b, %m, %v) {training_mode = 1 : i64} : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>)
  return %0, %1, %2 : tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>
}
