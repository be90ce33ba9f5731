// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// Unsigned constants keep their bits with a signless type.
// CHECK-LABEL: func.func @constant_ui8
// CHECK: arith.constant dense<[1, -1]> : tensor<2xi8>
func.func @constant_ui8() -> tensor<2xui8> {
  %0 = onnx.Constant() {value = dense<[1, 255]> : tensor<2xui8>} : () -> tensor<2xui8>
  return %0 : tensor<2xui8>
}

// -----

// Resource-backed weights keep their blob; only the type becomes signless.
// CHECK-LABEL: func.func @constant_resource_ui8
// CHECK: arith.constant dense_resource<w0> : tensor<2xi8>
func.func @constant_resource_ui8() -> tensor<2xui8> {
  %0 = onnx.Constant() {value = dense_resource<w0> : tensor<2xui8>} : () -> tensor<2xui8>
  return %0 : tensor<2xui8>
}
{-#
  dialect_resources: {
    builtin: {
      w0: "0x010000000102"
    }
  }
#-}

// -----

// CHECK-LABEL: func.func @constant_value_ints
// CHECK: arith.constant dense<[1, -2, 3]> : tensor<3xi64>
func.func @constant_value_ints() -> tensor<3xi64> {
  %0 = onnx.Constant() {value_ints = [1, -2, 3]} : () -> tensor<3xi64>
  return %0 : tensor<3xi64>
}

// -----

// CHECK-LABEL: func.func @constant_value_float
// CHECK: arith.constant dense<2.500000e+00> : tensor<f32>
func.func @constant_value_float() -> tensor<f32> {
  %0 = onnx.Constant() {value_float = 2.5 : f32} : () -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// -1 is inferred (24 / 4 = 6): a pure collapse.
// CHECK-LABEL: func.func @reshape_infer
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK-NOT: tensor.expand_shape
func.func @reshape_infer(%a: tensor<2x3x4xf32>) -> tensor<6x4xf32> {
  %s = onnx.Constant() {value = dense<[-1, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.Reshape(%a, %s) : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  return %0 : tensor<6x4xf32>
}

// -----

// 0 copies the dynamic batch dim, so the grouping stays [[0], [1, 2]].
// CHECK-LABEL: func.func @reshape_zero_copies_dyn
// CHECK: tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2]] : tensor<?x3x4xf32> into tensor<?x12xf32>
func.func @reshape_zero_copies_dyn(%a: tensor<?x3x4xf32>) -> tensor<?x12xf32> {
  %s = onnx.Constant() {value = dense<[0, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.Reshape(%a, %s) : (tensor<?x3x4xf32>, tensor<2xi64>) -> tensor<?x12xf32>
  return %0 : tensor<?x12xf32>
}

// -----

// The inferred dim is the dynamic one: ? * 12 / 12.
// CHECK-LABEL: func.func @reshape_expand_dyn
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[N:.*]] = arith.muli %[[D]], %c12
// CHECK: %[[I:.*]] = arith.floordivsi %[[N]], %c12
// CHECK: tensor.expand_shape %arg0 {{\[\[}}0], [1, 2]] output_shape [%[[I]], 3, 4] : tensor<?x12xf32> into tensor<?x3x4xf32>
func.func @reshape_expand_dyn(%a: tensor<?x12xf32>) -> tensor<?x3x4xf32> {
  %s = onnx.Constant() {value = dense<[-1, 3, 4]> : tensor<3xi64>} : () -> tensor<3xi64>
  %0 = onnx.Reshape(%a, %s) : (tensor<?x12xf32>, tensor<3xi64>) -> tensor<?x3x4xf32>
  return %0 : tensor<?x3x4xf32>
}

// -----

// 2x3 -> 3x2 is no reassociation: collapse to 1-D, then expand.
// CHECK-LABEL: func.func @reshape_regroup
// CHECK: %[[C:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1]] : tensor<2x3xf32> into tensor<6xf32>
// CHECK: tensor.expand_shape %[[C]] {{\[\[}}0, 1]] output_shape [3, 2] : tensor<6xf32> into tensor<3x2xf32>
func.func @reshape_regroup(%a: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %s = onnx.Constant() {value = dense<[3, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.Reshape(%a, %s) : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// With allowzero, 0 is a real (empty) dim: no data to move.
// CHECK-LABEL: func.func @reshape_allowzero
// CHECK: %[[E:.*]] = tensor.empty() : tensor<3x0xf32>
// CHECK: return %[[E]]
func.func @reshape_allowzero(%a: tensor<0x3xf32>) -> tensor<3x0xf32> {
  %s = onnx.Constant() {value = dense<[3, 0]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.Reshape(%a, %s) {allowzero = 1 : i64} : (tensor<0x3xf32>, tensor<2xi64>) -> tensor<3x0xf32>
  return %0 : tensor<3x0xf32>
}

// -----

// A dynamic input reshaped to a static shape: the flat size is static.
// CHECK-LABEL: func.func @reshape_dyn_to_static
// CHECK: %[[C:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1]] : tensor<?x?xf32> into tensor<?xf32>
// CHECK: %[[S:.*]] = tensor.cast %[[C]] : tensor<?xf32> to tensor<24xf32>
// CHECK: tensor.expand_shape %[[S]] {{\[\[}}0, 1]] output_shape [6, 4] : tensor<24xf32> into tensor<6x4xf32>
func.func @reshape_dyn_to_static(%a: tensor<?x?xf32>) -> tensor<6x4xf32> {
  %s = onnx.Constant() {value = dense<[6, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.Reshape(%a, %s) : (tensor<?x?xf32>, tensor<2xi64>) -> tensor<6x4xf32>
  return %0 : tensor<6x4xf32>
}

// -----

// Run-time shape: 0 selects the input dim, -1 is total / product(others)
// (divided by at least 1: a 0 among the others must not trap); several
// dynamic dims in one group go through tensor.reshape.
// CHECK-LABEL: func.func @reshape_runtime
// CHECK-DAG: %[[D0:.*]] = tensor.dim %arg0, %c0
// CHECK-DAG: %[[D1:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[TOTAL:.*]] = arith.muli %[[D0]], %[[D1]]
// CHECK: %[[E0:.*]] = tensor.extract %arg1[%{{.*}}] : tensor<2xi64>
// CHECK: %[[I0:.*]] = arith.index_cast %[[E0]] : i64 to index
// CHECK: %[[Z0:.*]] = arith.cmpi eq, %[[I0]], %{{.*}} : index
// CHECK: %[[S0:.*]] = arith.select %[[Z0]], %[[D0]], %[[I0]] : index
// CHECK: %[[DIV:.*]] = arith.maxui %{{.*}}, %c1
// CHECK: arith.divui %[[TOTAL]], %[[DIV]]
// CHECK: %[[SH:.*]] = tensor.from_elements %{{.*}}, %{{.*}} : tensor<2xi64>
// CHECK: tensor.reshape %arg0(%[[SH]]) : (tensor<?x?xf32>, tensor<2xi64>) -> tensor<?x?xf32>
func.func @reshape_runtime(%a: tensor<?x?xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = onnx.Reshape(%a, %s) : (tensor<?x?xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// CHECK-LABEL: func.func @squeeze
// CHECK: tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2, 3]] : tensor<1x?x1x4xf32> into tensor<?x4xf32>
func.func @squeeze(%a: tensor<1x?x1x4xf32>) -> tensor<?x4xf32> {
  %ax = onnx.Constant() {value = dense<[0, -2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.Squeeze(%a, %ax) : (tensor<1x?x1x4xf32>, tensor<2xi64>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// A squeezed dynamic dim is 1 by definition: cast, then collapse.
// CHECK-LABEL: func.func @squeeze_dyn_axis
// CHECK: %[[C:.*]] = tensor.cast %arg0 : tensor<?x3xf32> to tensor<1x3xf32>
// CHECK: tensor.collapse_shape %[[C]] {{\[\[}}0, 1]] : tensor<1x3xf32> into tensor<3xf32>
func.func @squeeze_dyn_axis(%a: tensor<?x3xf32>) -> tensor<3xf32> {
  %ax = onnx.Constant() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = onnx.Squeeze(%a, %ax) : (tensor<?x3xf32>, tensor<1xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// No axes: all static unit dims go.
// CHECK-LABEL: func.func @squeeze_all
// CHECK: tensor.collapse_shape %arg0 {{\[\[}}0, 1, 2]] : tensor<1x3x1xf32> into tensor<3xf32>
func.func @squeeze_all(%a: tensor<1x3x1xf32>) -> tensor<3xf32> {
  %n = onnx.NoValue
  %0 = onnx.Squeeze(%a, %n) : (tensor<1x3x1xf32>, none) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Negative axes count in the output rank.
// CHECK-LABEL: func.func @unsqueeze
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c0
// CHECK: tensor.expand_shape %arg0 {{\[\[}}0, 1], [2, 3]] output_shape [1, %[[D]], 4, 1] : tensor<?x4xf32> into tensor<1x?x4x1xf32>
func.func @unsqueeze(%a: tensor<?x4xf32>) -> tensor<1x?x4x1xf32> {
  %ax = onnx.Constant() {value = dense<[0, -1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.Unsqueeze(%a, %ax) : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<1x?x4x1xf32>
  return %0 : tensor<1x?x4x1xf32>
}

// -----

// CHECK-LABEL: func.func @unsqueeze_scalar
// CHECK: tensor.expand_shape %arg0 [] output_shape [1] : tensor<f32> into tensor<1xf32>
func.func @unsqueeze_scalar(%a: tensor<f32>) -> tensor<1xf32> {
  %ax = onnx.Constant() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = onnx.Unsqueeze(%a, %ax) : (tensor<f32>, tensor<1xi64>) -> tensor<1xf32>
  return %0 : tensor<1xf32>
}

// -----

// start = -2 selects the last two dims; one is dynamic.
// CHECK-LABEL: func.func @shape_dyn
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c1 : tensor<2x?x4xf32>
// CHECK: %[[D64:.*]] = arith.index_cast %[[D]] : index to i64
// CHECK: %[[F:.*]] = arith.index_cast %c4 : index to i64
// CHECK: tensor.from_elements %[[D64]], %[[F]] : tensor<2xi64>
func.func @shape_dyn(%a: tensor<2x?x4xf32>) -> tensor<2xi64> {
  %0 = onnx.Shape(%a) {start = -2 : i64} : (tensor<2x?x4xf32>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// Static part of the shape folds to a constant.
// CHECK-LABEL: func.func @shape_static
// CHECK: arith.constant dense<2> : tensor<1xi64>
// CHECK-NOT: tensor.dim
func.func @shape_static(%a: tensor<2x?x4xf32>) -> tensor<1xi64> {
  %0 = onnx.Shape(%a) {end = 1 : i64} : (tensor<2x?x4xf32>) -> tensor<1xi64>
  return %0 : tensor<1xi64>
}

// -----

// An out-of-range end clamps to the rank, start > end gives an empty shape.
// CHECK-LABEL: func.func @shape_clamped
// CHECK: arith.constant dense<> : tensor<0xi64>
func.func @shape_clamped(%a: tensor<2x3xf32>) -> tensor<0xi64> {
  %0 = onnx.Shape(%a) {start = 5 : i64, end = 10 : i64} : (tensor<2x3xf32>) -> tensor<0xi64>
  return %0 : tensor<0xi64>
}

// -----

// CHECK-LABEL: func.func @size
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[N:.*]] = arith.muli %c2, %[[D]]
// CHECK: %[[N64:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK: tensor.from_elements %[[N64]] : tensor<i64>
func.func @size(%a: tensor<2x?xf32>) -> tensor<i64> {
  %0 = onnx.Size(%a) : (tensor<2x?xf32>) -> tensor<i64>
  return %0 : tensor<i64>
}

// -----

// CHECK-LABEL: func.func @identity
// CHECK-SAME: (%[[A:.*]]: tensor<2xi8>)
// CHECK-NEXT: return %[[A]] : tensor<2xi8>
func.func @identity(%a: tensor<2xui8>) -> tensor<2xui8> {
  %0 = onnx.Identity(%a) : (tensor<2xui8>) -> tensor<2xui8>
  return %0 : tensor<2xui8>
}

// -----

// Bidirectional broadcast: [3,1] with shape [2,1,4] gives [2,3,4].
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @expand
// CHECK: linalg.generic {indexing_maps = [#[[IN]], {{.*}}, #[[ID]]]
// CHECK-SAME: ins(%arg0, %{{.*}} : tensor<3x1xf32>, tensor<2x1x4xi1>)
// CHECK: linalg.yield %{{.*}} : f32
// CHECK: } -> tensor<2x3x4xf32>
func.func @expand(%a: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
  %s = onnx.Constant() {value = dense<[2, 1, 4]> : tensor<3xi64>} : () -> tensor<3xi64>
  %0 = onnx.Expand(%a, %s) : (tensor<3x1xf32>, tensor<3xi64>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Run-time shape: the result dim is max(input dim, requested dim), and a
// dynamic input dim that may be 1 is read with a clamped index.
// CHECK-LABEL: func.func @expand_runtime
// CHECK: %[[S0:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[S1:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[SHAPE:.*]] = tensor.empty(%[[S0]], %[[S1]]) : tensor<?x?xi1>
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[R0:.*]] = arith.maxui %[[D]], %{{.*}}
// CHECK: tensor.empty(%[[R0]], %{{.*}}) : tensor<?x?xf32>
// CHECK: linalg.generic
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: tensor.extract %arg0
func.func @expand_runtime(%a: tensor<?x1xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = onnx.Expand(%a, %s) : (tensor<?x1xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// A shape of run-time length is read aligned to the result rank: entry i is
// shape[len - 3 + i] (clamped read) where that index is >= 0, else 1.
// CHECK-LABEL: func.func @expand_runtime_length
// CHECK: %[[LEN:.*]] = tensor.dim %arg1, %c0
// CHECK: %[[OFF:.*]] = arith.subi %[[LEN]], %c3
// CHECK: %[[K0:.*]] = arith.addi %[[OFF]], %c0
// CHECK: %[[IN0:.*]] = arith.cmpi sge, %[[K0]]
// CHECK: %[[SAFE0:.*]] = arith.maxsi %[[K0]]
// CHECK: %[[E0:.*]] = tensor.extract %arg1[%[[SAFE0]]]
// CHECK: %[[V0:.*]] = arith.index_cast %[[E0]]
// CHECK: %[[S0:.*]] = arith.select %[[IN0]], %[[V0]], %c1
// CHECK: %[[S1:.*]] = arith.select
// CHECK: %[[S2:.*]] = arith.select
// CHECK: tensor.empty(%[[S0]], %[[S1]], %[[S2]]) : tensor<?x?x?xi1>
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.*}} : tensor<?x?x?xf32>)
func.func @expand_runtime_length(%a: tensor<?x?xf32>, %s: tensor<?xi64>) -> tensor<?x?x?xf32> {
  %0 = onnx.Expand(%a, %s) : (tensor<?x?xf32>, tensor<?xi64>) -> tensor<?x?x?xf32>
  return %0 : tensor<?x?x?xf32>
}

// -----

// CHECK-LABEL: func.func @constant_of_shape_runtime
// CHECK: %[[A:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[B:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[V:.*]] = arith.constant 7 : i8
// CHECK: %[[E:.*]] = tensor.empty(%[[A]], %[[B]]) : tensor<?x?xi8>
// CHECK: linalg.fill ins(%[[V]] : i8) outs(%[[E]] : tensor<?x?xi8>)
func.func @constant_of_shape_runtime(%s: tensor<2xi64>) -> tensor<?x?xui8> {
  %0 = onnx.ConstantOfShape(%s) {value = dense<7> : tensor<1xui8>} : (tensor<2xi64>) -> tensor<?x?xui8>
  return %0 : tensor<?x?xui8>
}

// -----

// Without `value` the fill is f32 zero.
// CHECK-LABEL: func.func @constant_of_shape_default
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: linalg.fill ins(%[[Z]] : f32) outs(%{{.*}} : tensor<2x3xf32>)
func.func @constant_of_shape_default() -> tensor<2x3xf32> {
  %s = onnx.Constant() {value = dense<[2, 3]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.ConstantOfShape(%s) : (tensor<2xi64>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// n = ceil(|limit - start| / |delta|) in unsigned arithmetic when the step
// goes towards the limit, else 0; a zero delta and a count of 2^62 or more
// fail the run; out[i] = start + i * delta.
// CHECK-LABEL: func.func @range_int
// CHECK: %[[S:.*]] = tensor.extract %arg0[] : tensor<i64>
// CHECK: %[[L:.*]] = tensor.extract %arg1[] : tensor<i64>
// CHECK: %[[D:.*]] = tensor.extract %arg2[] : tensor<i64>
// CHECK: arith.divui
// CHECK: %[[FITS:.*]] = arith.cmpi ult, %{{.*}}, %c4611686018427387904_i64
// CHECK: arith.cmpi ne, %[[D]], %c0_i64
// CHECK: func.call @kiln_check_failed
// CHECK: arith.xori %[[FITS]]
// CHECK: func.call @kiln_check_failed
// CHECK: %[[N:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: tensor.empty(%[[N]]) : tensor<?xi64>
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0 : index
// CHECK: %[[II:.*]] = arith.index_cast %[[I]] : index to i64
// CHECK: %[[M:.*]] = arith.muli %[[II]], %[[D]] : i64
// CHECK: arith.addi %[[S]], %[[M]] : i64
func.func @range_int(%a: tensor<i64>, %b: tensor<i64>, %c: tensor<i64>) -> tensor<?xi64> {
  %0 = onnx.Range(%a, %b, %c) : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

// CHECK-LABEL: func.func @range_float
// CHECK: arith.subf
// CHECK: arith.divf
// CHECK: math.ceil
// CHECK: arith.fptosi
// CHECK: linalg.generic
// CHECK: arith.sitofp
// CHECK: arith.mulf
// CHECK: arith.addf
func.func @range_float(%a: tensor<f32>, %b: tensor<f32>, %c: tensor<f32>) -> tensor<?xf32> {
  %0 = onnx.Range(%a, %b, %c) : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}

// -----

// Ones where j - i == k.
// CHECK-LABEL: func.func @eyelike
// CHECK: linalg.generic
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: %[[J:.*]] = linalg.index 1
// CHECK: %[[D:.*]] = arith.subi %[[J]], %[[I]]
// CHECK: %[[K:.*]] = arith.constant -1 : index
// CHECK: %[[ON:.*]] = arith.cmpi eq, %[[D]], %[[K]]
// CHECK: arith.select %[[ON]], %{{.*}}, %{{.*}} : i32
// CHECK: -> tensor<3x4xi32>
func.func @eyelike(%a: tensor<3x4xf32>) -> tensor<3x4xi32> {
  %0 = onnx.EyeLike(%a) {k = -1 : i64, dtype = 6 : i64} : (tensor<3x4xf32>) -> tensor<3x4xi32>
  return %0 : tensor<3x4xi32>
}

// -----

// CHECK-LABEL: func.func @flatten_neg_axis
// CHECK: tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2, 3]] : tensor<2x?x4x5xf32> into tensor<?x20xf32>
func.func @flatten_neg_axis(%a: tensor<2x?x4x5xf32>) -> tensor<?x20xf32> {
  %0 = onnx.Flatten(%a) {axis = -2 : i64} : (tensor<2x?x4x5xf32>) -> tensor<?x20xf32>
  return %0 : tensor<?x20xf32>
}

// -----

// axis = 0 gives [1, numel].
// CHECK-LABEL: func.func @flatten_axis0
// CHECK: %[[C:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0, 1]] : tensor<2x3xf32> into tensor<6xf32>
// CHECK: tensor.expand_shape %[[C]] {{\[\[}}0, 1]] output_shape [1, 6] : tensor<6xf32> into tensor<1x6xf32>
func.func @flatten_axis0(%a: tensor<2x3xf32>) -> tensor<1x6xf32> {
  %0 = onnx.Flatten(%a) {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<1x6xf32>
  return %0 : tensor<1x6xf32>
}

// -----

// Default axis = 1.
// CHECK-LABEL: func.func @flatten_default
// CHECK: tensor.collapse_shape %arg0 {{\[\[}}0], [1, 2]] : tensor<?x3x4xf32> into tensor<?x12xf32>
func.func @flatten_default(%a: tensor<?x3x4xf32>) -> tensor<?x12xf32> {
  %0 = onnx.Flatten(%a) : (tensor<?x3x4xf32>) -> tensor<?x12xf32>
  return %0 : tensor<?x12xf32>
}

// -----

// Run-time axes: one flag per input dim from an scf.for over the axes, the
// result sizes built from them, then tensor.reshape.
// CHECK-LABEL: func.func @squeeze_runtime_axes
// CHECK: %[[F:.+]]:3 = scf.for {{.+}} iter_args({{.+}}) -> (i1, i1, i1)
// CHECK: tensor.extract %arg1[%{{.+}}] : tensor<1xi64>
// CHECK: arith.ori
// CHECK: scf.yield
// CHECK: %[[DIM:.+]] = tensor.dim %arg0, %{{.+}} : tensor<1x3x?xf32>
// CHECK: %[[SHAPE:.+]] = tensor.from_elements %{{.+}}, %{{.+}} : tensor<2xi64>
// CHECK: %[[R:.+]] = tensor.reshape %arg0(%[[SHAPE]]) : (tensor<1x3x?xf32>, tensor<2xi64>) -> tensor<3x?xf32>
// CHECK: return %[[R]]
func.func @squeeze_runtime_axes(%a: tensor<1x3x?xf32>, %ax: tensor<1xi64>) -> tensor<3x?xf32> {
  %0 = onnx.Squeeze(%a, %ax) : (tensor<1x3x?xf32>, tensor<1xi64>) -> tensor<3x?xf32>
  return %0 : tensor<3x?xf32>
}

// -----

// Unsqueeze with run-time axes: flags per result dim (rank 2 + 1).
// CHECK-LABEL: func.func @unsqueeze_runtime_axes
// CHECK: scf.for {{.+}} -> (i1, i1, i1)
// CHECK: %[[SHAPE:.+]] = tensor.from_elements %{{.+}}, %{{.+}}, %{{.+}} : tensor<3xi64>
// CHECK: tensor.reshape %arg0(%[[SHAPE]]) : (tensor<3x?xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
func.func @unsqueeze_runtime_axes(%a: tensor<3x?xf32>, %ax: tensor<1xi64>) -> tensor<?x?x?xf32> {
  %0 = onnx.Unsqueeze(%a, %ax) : (tensor<3x?xf32>, tensor<1xi64>) -> tensor<?x?x?xf32>
  return %0 : tensor<?x?x?xf32>
}

// -----

// A shape read at run time: the element count is checked before the
// reshape (the run fails instead of reading past the input).
// CHECK-LABEL: func.func @reshape_checked
// CHECK: arith.cmpi eq
// CHECK: scf.if
// CHECK: func.call @kiln_check_failed
// CHECK: tensor.reshape
func.func @reshape_checked(%x: tensor<2x2xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = onnx.Reshape(%x, %s) : (tensor<2x2xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
