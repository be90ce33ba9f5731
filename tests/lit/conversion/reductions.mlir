// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// The reduced dim becomes a reduction iterator; the output map keeps the
// other dims and keepdims=1 puts the unit dim back with expand_shape.
// CHECK-DAG: #[[IN:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @reduce_sum_keepdims
// CHECK-SAME: (%[[X:.+]]: tensor<2x3x4xf32>)
// CHECK: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[E:.+]] = tensor.empty() : tensor<2x4xf32>
// CHECK: %[[F:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<2x4xf32>)
// CHECK: %[[R:.+]] = linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME: ins(%[[X]] : tensor<2x3x4xf32>) outs(%[[F]] : tensor<2x4xf32>)
// CHECK: ^bb0(%[[A:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT: %[[S:.+]] = arith.addf %[[A]], %[[ACC]] : f32
// CHECK-NEXT: linalg.yield %[[S]] : f32
// CHECK: %[[EX:.+]] = tensor.expand_shape %[[R]] {{\[}}[0, 1], [2]] output_shape [2, 1, 4] : tensor<2x4xf32> into tensor<2x1x4xf32>
// CHECK: return %[[EX]]
func.func @reduce_sum_keepdims(%x: tensor<2x3x4xf32>) -> tensor<2x1x4xf32> {
  %axes = arith.constant dense<[1]> : tensor<1xi64>
  %0 = onnx.ReduceSum(%x, %axes) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<2x1x4xf32>
  return %0 : tensor<2x1x4xf32>
}

// -----

// Axes from an onnx.Constant, negative and unsorted; keepdims=0.
// CHECK-DAG: #[[IN:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1, d2) -> (d1)>
// CHECK-LABEL: func.func @reduce_max_int
// CHECK: %[[LOW:.+]] = arith.constant -2147483648 : i32
// CHECK: linalg.fill ins(%[[LOW]] : i32)
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["reduction", "parallel", "reduction"]}
// CHECK: arith.maxsi %{{.+}}, %{{.+}} : i32
// CHECK-NOT: tensor.expand_shape
// CHECK: return %{{.+}} : tensor<3xi32>
func.func @reduce_max_int(%x: tensor<2x3x4xi32>) -> tensor<3xi32> {
  %axes = onnx.Constant() {value = dense<[-1, 0]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.ReduceMax(%x, %axes) {keepdims = 0 : i64} : (tensor<2x3x4xi32>, tensor<2xi64>) -> tensor<3xi32>
  return %0 : tensor<3xi32>
}

// -----

// Unsigned min starts from the largest unsigned value (all ones) and
// compares unsigned.
// CHECK-LABEL: func.func @reduce_min_unsigned
// CHECK: %[[HIGH:.+]] = arith.constant -1 : i8
// CHECK: linalg.fill ins(%[[HIGH]] : i8)
// CHECK: arith.minui %{{.+}}, %{{.+}} : i8
func.func @reduce_min_unsigned(%x: tensor<5xui8>) -> tensor<1xui8> {
  %axes = arith.constant dense<[0]> : tensor<1xi64>
  %0 = onnx.ReduceMin(%x, %axes) : (tensor<5xui8>, tensor<1xi64>) -> tensor<1xui8>
  return %0 : tensor<1xui8>
}

// -----

// Float max starts from -inf and propagates NaN (maximumf).
// CHECK-LABEL: func.func @reduce_max_float
// CHECK: %[[NINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins(%[[NINF]] : f32)
// CHECK: arith.maximumf %{{.+}}, %{{.+}} : f32
func.func @reduce_max_float(%x: tensor<5xf32>) -> tensor<1xf32> {
  %axes = arith.constant dense<[0]> : tensor<1xi64>
  %0 = onnx.ReduceMax(%x, %axes) : (tensor<5xf32>, tensor<1xi64>) -> tensor<1xf32>
  return %0 : tensor<1xf32>
}

// -----

// Mean divides by the element count, computed at run time for dynamic
// reduced dims.
// CHECK-DAG: #[[IN:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-DAG: #[[ID1:.+]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @reduce_mean_dynamic
// CHECK-SAME: (%[[X:.+]]: tensor<?x?x4xf32>)
// CHECK: %[[D0:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x?x4xf32>
// CHECK: %[[E:.+]] = tensor.empty(%[[D0]]) : tensor<?xf32>
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "reduction", "reduction"]}
// CHECK: arith.addf
// CHECK: %[[D1:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x?x4xf32>
// CHECK: %[[C4:.+]] = arith.constant 4 : index
// CHECK: %[[N:.+]] = arith.muli %[[D1]], %[[C4]] : index
// CHECK: %[[NI:.+]] = arith.index_cast %[[N]] : index to i64
// CHECK: %[[NF:.+]] = arith.sitofp %[[NI]] : i64 to f32
// CHECK: linalg.generic {indexing_maps = [#[[ID1]], #[[ID1]]], iterator_types = ["parallel"]} ins(%[[SUM]] : tensor<?xf32>)
// CHECK: ^bb0(%[[S:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[M:.+]] = arith.divf %[[S]], %[[NF]] : f32
// CHECK-NEXT: linalg.yield %[[M]] : f32
// CHECK: tensor.expand_shape %{{.+}} {{\[}}[0, 1, 2]] output_shape [%{{.+}}, 1, 1] : tensor<?xf32> into tensor<?x1x1xf32>
func.func @reduce_mean_dynamic(%x: tensor<?x?x4xf32>) -> tensor<?x1x1xf32> {
  %axes = arith.constant dense<[1, 2]> : tensor<2xi64>
  %0 = onnx.ReduceMean(%x, %axes) : (tensor<?x?x4xf32>, tensor<2xi64>) -> tensor<?x1x1xf32>
  return %0 : tensor<?x1x1xf32>
}

// -----

// Integer means divide like ONNX Runtime (truncating).
// CHECK-LABEL: func.func @reduce_mean_int
// CHECK: arith.addi
// CHECK: %[[N:.+]] = arith.constant 3 : i32
// CHECK: arith.divsi %{{.+}}, %[[N]] : i32
func.func @reduce_mean_int(%x: tensor<2x3xi32>) -> tensor<2x1xi32> {
  %axes = arith.constant dense<[1]> : tensor<1xi64>
  %0 = onnx.ReduceMean(%x, %axes) : (tensor<2x3xi32>, tensor<1xi64>) -> tensor<2x1xi32>
  return %0 : tensor<2x1xi32>
}

// -----

// Empty axes reduce everything (keepdims=1 gives all unit dims).
// CHECK-DAG: #[[IN:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @reduce_prod_all
// CHECK: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: linalg.fill ins(%[[ONE]] : f32) outs(%{{.+}} : tensor<f32>)
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["reduction", "reduction"]}
// CHECK: arith.mulf
// CHECK: tensor.expand_shape %{{.+}} [] output_shape [1, 1] : tensor<f32> into tensor<1x1xf32>
func.func @reduce_prod_all(%x: tensor<2x3xf32>) -> tensor<1x1xf32> {
  %axes = arith.constant dense<> : tensor<0xi64>
  %0 = onnx.ReduceProd(%x, %axes) : (tensor<2x3xf32>, tensor<0xi64>) -> tensor<1x1xf32>
  return %0 : tensor<1x1xf32>
}

// -----

// noop_with_empty_axes with empty axes reduces nothing: the op is its
// elementwise part only (here the square of ReduceSumSquare).
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @reduce_noop
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK: ^bb0(%[[A:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT: %[[SQ:.+]] = arith.mulf %[[A]], %[[A]] : f32
// CHECK-NEXT: arith.addf %[[SQ]], %[[ACC]] : f32
// CHECK-NOT: tensor.expand_shape
func.func @reduce_noop(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %axes = arith.constant dense<> : tensor<0xi64>
  %0 = onnx.ReduceSumSquare(%x, %axes) {noop_with_empty_axes = 1 : i64} : (tensor<2x3xf32>, tensor<0xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// CHECK-LABEL: func.func @reduce_l1
// CHECK: ^bb0(%[[A:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT: %[[ABS:.+]] = math.absf %[[A]] : f32
// CHECK-NEXT: arith.addf %[[ABS]], %[[ACC]] : f32
func.func @reduce_l1(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %axes = arith.constant dense<[1]> : tensor<1xi64>
  %0 = onnx.ReduceL1(%x, %axes) {keepdims = 0 : i64} : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
// CHECK-LABEL: func.func @reduce_l2
// CHECK: ^bb0(%[[A:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK-NEXT: %[[SQ:.+]] = arith.mulf %[[A]], %[[A]] : f32
// CHECK-NEXT: arith.addf %[[SQ]], %[[ACC]] : f32
// CHECK: ^bb0(%[[S:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[R:.+]] = math.sqrt %[[S]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
func.func @reduce_l2(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %axes = arith.constant dense<[1]> : tensor<1xi64>
  %0 = onnx.ReduceL2(%x, %axes) {keepdims = 0 : i64} : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
// CHECK-LABEL: func.func @reduce_log_sum
// CHECK: arith.addf
// CHECK: ^bb0(%[[S:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[R:.+]] = math.log %[[S]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
func.func @reduce_log_sum(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %axes = arith.constant dense<[1]> : tensor<1xi64>
  %0 = onnx.ReduceLogSum(%x, %axes) {keepdims = 0 : i64} : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// LogSumExp: a max pass, then sum(exp(x - max)) reading the max through the
// kept-dims map, then log(sum) + max. An infinite max shifts by 0 instead.
// CHECK-DAG: #[[IN:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[ID1:.+]] = affine_map<(d0) -> (d0)>
// CHECK-LABEL: func.func @reduce_log_sum_exp
// CHECK: %[[MAX:.+]] = linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "reduction"]}
// CHECK: arith.maximumf
// CHECK: %[[SUM:.+]] = linalg.generic {indexing_maps = [#[[IN]], #[[OUT]], #[[OUT]]], iterator_types = ["parallel", "reduction"]}
// CHECK-SAME: ins(%{{.+}}, %[[MAX]] : tensor<2x3xf32>, tensor<2xf32>)
// CHECK: ^bb0(%[[A:.+]]: f32, %[[M:.+]]: f32, %[[ACC:.+]]: f32):
// CHECK: math.absf %[[M]]
// CHECK: %[[SH:.+]] = arith.select
// CHECK: %[[D:.+]] = arith.subf %[[A]], %[[SH]] : f32
// CHECK: %[[E:.+]] = math.exp %[[D]] : f32
// CHECK: arith.addf %[[E]], %[[ACC]] : f32
// CHECK: linalg.generic {indexing_maps = [#[[ID1]], #[[ID1]], #[[ID1]]], iterator_types = ["parallel"]} ins(%[[SUM]], %[[MAX]] : tensor<2xf32>, tensor<2xf32>)
// CHECK: math.log
// CHECK: arith.addf
func.func @reduce_log_sum_exp(%x: tensor<2x3xf32>) -> tensor<2xf32> {
  %axes = arith.constant dense<[1]> : tensor<1xi64>
  %0 = onnx.ReduceLogSumExp(%x, %axes) {keepdims = 0 : i64} : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Half-precision sums accumulate in f32 and round once at the end.
// CHECK-LABEL: func.func @reduce_sum_f16
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<2xf32>)
// CHECK: ^bb0(%[[A:.+]]: f16, %[[ACC:.+]]: f32):
// CHECK-NEXT: %[[E:.+]] = arith.extf %[[A]] : f16 to f32
// CHECK-NEXT: arith.addf %[[E]], %[[ACC]] : f32
// CHECK: arith.truncf %{{.+}} : f32 to f16
func.func @reduce_sum_f16(%x: tensor<2x3xf16>) -> tensor<2xf16> {
  %axes = arith.constant dense<[1]> : tensor<1xi64>
  %0 = onnx.ReduceSum(%x, %axes) {keepdims = 0 : i64} : (tensor<2x3xf16>, tensor<1xi64>) -> tensor<2xf16>
  return %0 : tensor<2xf16>
}

// -----

// ArgMax: one generic with two outputs (value, index); a strict comparison
// keeps the first maximum.
// CHECK-DAG: #[[IN:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @argmax
// CHECK-SAME: (%[[X:.+]]: tensor<2x?x4xf32>)
// CHECK-DAG: %[[NINF:.+]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[Z:.+]] = arith.constant 0 : i64
// CHECK: %[[V:.+]] = linalg.fill ins(%[[NINF]] : f32) outs(%{{.+}} : tensor<2x4xf32>)
// CHECK: %[[I:.+]] = linalg.fill ins(%[[Z]] : i64) outs(%{{.+}} : tensor<2x4xi64>)
// CHECK: %[[R:.+]]:2 = linalg.generic {indexing_maps = [#[[IN]], #[[OUT]], #[[OUT]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME: ins(%[[X]] : tensor<2x?x4xf32>) outs(%[[V]], %[[I]] : tensor<2x4xf32>, tensor<2x4xi64>)
// CHECK: ^bb0(%[[A:.+]]: f32, %[[BEST:.+]]: f32, %[[BI:.+]]: i64):
// CHECK-NEXT: %[[GT:.+]] = arith.cmpf ogt, %[[A]], %[[BEST]] : f32
// CHECK-NEXT: %[[IDX:.+]] = linalg.index 1 : index
// CHECK-NEXT: %[[IDX64:.+]] = arith.index_cast %[[IDX]] : index to i64
// CHECK-NEXT: %[[NV:.+]] = arith.select %[[GT]], %[[A]], %[[BEST]] : f32
// CHECK-NEXT: %[[NI:.+]] = arith.select %[[GT]], %[[IDX64]], %[[BI]] : i64
// CHECK-NEXT: linalg.yield %[[NV]], %[[NI]] : f32, i64
// CHECK: tensor.expand_shape %[[R]]#1 {{\[}}[0, 1], [2]] output_shape [2, 1, 4] : tensor<2x4xi64> into tensor<2x1x4xi64>
func.func @argmax(%x: tensor<2x?x4xf32>) -> tensor<2x1x4xi64> {
  %0 = onnx.ArgMax(%x) {axis = 1 : i64} : (tensor<2x?x4xf32>) -> tensor<2x1x4xi64>
  return %0 : tensor<2x1x4xi64>
}

// -----

// select_last_index uses a non-strict comparison; unsigned data compares
// unsigned and starts from the largest value for ArgMin.
// CHECK-LABEL: func.func @argmin_last_unsigned
// CHECK: %[[HIGH:.+]] = arith.constant -1 : i8
// CHECK: linalg.fill ins(%[[HIGH]] : i8)
// CHECK: arith.cmpi ule, %{{.+}}, %{{.+}} : i8
// CHECK: linalg.index 0 : index
// CHECK: return %{{.+}} : tensor<4xi64>
func.func @argmin_last_unsigned(%x: tensor<3x4xui8>) -> tensor<4xi64> {
  %0 = onnx.ArgMin(%x) {axis = 0 : i64, keepdims = 0 : i64, select_last_index = 1 : i64} : (tensor<3x4xui8>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// Absent axes reduce every dim.
// CHECK-DAG: #[[IN:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[OUT:.+]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @reduce_sum_no_axes
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["reduction", "reduction"]}
// CHECK: arith.addi %{{.+}}, %{{.+}} : i64
// CHECK: return %{{.+}} : tensor<i64>
func.func @reduce_sum_no_axes(%x: tensor<2x?xi64>) -> tensor<i64> {
  %n = onnx.NoValue
  %0 = onnx.ReduceSum(%x, %n) {keepdims = 0 : i64} : (tensor<2x?xi64>, none) -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

// ... unless noop_with_empty_axes is set: then nothing is reduced.
// CHECK-LABEL: func.func @reduce_mean_noop
// CHECK: iterator_types = ["parallel", "parallel"]
// CHECK: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: arith.divf %{{.+}}, %[[ONE]] : f32
func.func @reduce_mean_noop(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %n = onnx.NoValue
  %0 = onnx.ReduceMean(%x, %n) {noop_with_empty_axes = 1 : i64} : (tensor<2x3xf32>, none) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Run-time axes (any count): a flag per dim (all dims when the axes are
// empty), each dim reduced to a unit dim under an scf.if on its flag, and
// for keepdims=0 a reshape to the sizes of the unflagged dims.
// CHECK-LABEL: func.func @reduce_sum_runtime_axes
// CHECK: %[[N:.+]] = tensor.dim %arg1, %{{.+}} : tensor<?xi64>
// CHECK: %[[EMPTY:.+]] = arith.cmpi eq, %[[N]], %{{.+}} : index
// CHECK: %[[F:.+]]:2 = scf.for {{.+}} iter_args(%{{.+}} = %[[EMPTY]], %{{.+}} = %[[EMPTY]]) -> (i1, i1)
// CHECK: %[[R0:.+]] = scf.if %[[F]]#0 -> (tensor<?x3xf32>)
// CHECK: linalg.generic {{.+}} iterator_types = ["reduction", "parallel"]} ins(%arg0 : tensor<2x3xf32>)
// CHECK: tensor.expand_shape
// CHECK: } else {
// CHECK: tensor.cast %arg0 : tensor<2x3xf32> to tensor<?x3xf32>
// CHECK: %[[R1:.+]] = scf.if %[[F]]#1 -> (tensor<?x?xf32>)
// CHECK: iterator_types = ["parallel", "reduction"]
// CHECK: %[[SHAPE:.+]] = tensor.from_elements %{{.+}} : tensor<1xi64>
// CHECK: tensor.reshape %[[R1]](%[[SHAPE]]) : (tensor<?x?xf32>, tensor<1xi64>) -> tensor<?xf32>
func.func @reduce_sum_runtime_axes(%x: tensor<2x3xf32>, %axes: tensor<?xi64>) -> tensor<?xf32> {
  %0 = onnx.ReduceSum(%x, %axes) {keepdims = 0 : i64} : (tensor<2x3xf32>, tensor<?xi64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// With noop_with_empty_axes, empty run-time axes reduce nothing; the mean
// divides by the product of the flagged dims.
// CHECK-LABEL: func.func @reduce_mean_runtime_axes_noop
// CHECK: %[[FALSE:.+]] = arith.constant false
// CHECK: %[[F:.+]]:2 = scf.for {{.+}} iter_args(%{{.+}} = %[[FALSE]], %{{.+}} = %[[FALSE]]) -> (i1, i1)
// CHECK: scf.if %[[F]]#0
// CHECK: scf.if %[[F]]#1
// CHECK: arith.select %[[F]]#0
// CHECK: arith.select %[[F]]#1
// CHECK: arith.divf
func.func @reduce_mean_runtime_axes_noop(%x: tensor<2x?xf32>, %axes: tensor<1xi64>) -> tensor<?x?xf32> {
  %0 = onnx.ReduceMean(%x, %axes) {noop_with_empty_axes = 1 : i64} : (tensor<2x?xf32>, tensor<1xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// ReduceLogSumExp with axes known only at run time: one pass whose running
// total is logaddexp(acc, x), starting at -inf (the log of an empty sum).
// CHECK-LABEL: func.func @log_sum_exp_runtime_axes
// CHECK: %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK: linalg.fill ins(%[[NEGINF]] : f32)
// CHECK: arith.maximumf
// CHECK: arith.minimumf
// CHECK: math.exp
// CHECK: math.log1p
// CHECK: arith.select
func.func @log_sum_exp_runtime_axes(%x: tensor<3x4xf32>, %axes: tensor<1xi64>) -> tensor<?x?xf32> {
  %0 = onnx.ReduceLogSumExp(%x, %axes) : (tensor<3x4xf32>, tensor<1xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
