// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// 2-D x 2-D is one linalg.matmul into a zero-filled accumulator.
// CHECK-LABEL: func.func @matmul_2d
// CHECK-SAME: (%[[A:.*]]: tensor<3x4xf32>, %[[B:.*]]: tensor<4x5xf32>)
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[E:.*]] = tensor.empty() : tensor<3x5xf32>
// CHECK: %[[F:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<3x5xf32>)
// CHECK: %[[R:.*]] = linalg.matmul ins(%[[A]], %[[B]] : tensor<3x4xf32>, tensor<4x5xf32>) outs(%[[F]] : tensor<3x5xf32>)
// CHECK: return %[[R]]
func.func @matmul_2d(%a: tensor<3x4xf32>, %b: tensor<4x5xf32>) -> tensor<3x5xf32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<3x4xf32>, tensor<4x5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// Dynamic M and N come from tensor.dim of the operands.
// CHECK-LABEL: func.func @matmul_dynamic
// CHECK-SAME: (%[[A:.*]]: tensor<?x4xf32>, %[[B:.*]]: tensor<4x?xf32>)
// CHECK-DAG: %[[M:.*]] = tensor.dim %[[A]], %{{.*}} : tensor<?x4xf32>
// CHECK-DAG: %[[N:.*]] = tensor.dim %[[B]], %{{.*}} : tensor<4x?xf32>
// CHECK: tensor.empty(%[[M]], %[[N]]) : tensor<?x?xf32>
// CHECK: linalg.matmul ins(%[[A]], %[[B]] : tensor<?x4xf32>, tensor<4x?xf32>) outs(%{{.*}} : tensor<?x?xf32>)
func.func @matmul_dynamic(%a: tensor<?x4xf32>, %b: tensor<4x?xf32>) -> tensor<?x?xf32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<?x4xf32>, tensor<4x?xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// A 1-D A is a row [1, K]; the 1 is removed from the result.
// CHECK-LABEL: func.func @matmul_vec_mat
// CHECK: %[[A2:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [1, 4] : tensor<4xf32> into tensor<1x4xf32>
// CHECK: %[[R:.*]] = linalg.matmul ins(%[[A2]], %{{.*}} : tensor<1x4xf32>, tensor<4x5xf32>) outs(%{{.*}} : tensor<1x5xf32>)
// CHECK: tensor.collapse_shape %[[R]] {{\[\[}}0, 1]] : tensor<1x5xf32> into tensor<5xf32>
func.func @matmul_vec_mat(%a: tensor<4xf32>, %b: tensor<4x5xf32>) -> tensor<5xf32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<4xf32>, tensor<4x5xf32>) -> tensor<5xf32>
  return %0 : tensor<5xf32>
}

// -----

// 1-D x 1-D is a dot product: [1, K] x [K, 1] collapsed to a scalar.
// CHECK-LABEL: func.func @matmul_dot
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [1, %{{.*}}] : tensor<?xf32> into tensor<1x?xf32>
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [%{{.*}}, 1] : tensor<?xf32> into tensor<?x1xf32>
// CHECK: %[[R:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<1x?xf32>, tensor<?x1xf32>) outs(%{{.*}} : tensor<1x1xf32>)
// CHECK: tensor.collapse_shape %[[R]] [] : tensor<1x1xf32> into tensor<f32>
func.func @matmul_dot(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<f32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<?xf32>, tensor<?xf32>) -> tensor<f32>
  return %0 : tensor<f32>
}

// -----

// Batch dims only on A fold into the rows of one linalg.matmul.
// CHECK-LABEL: func.func @matmul_batch_a
// CHECK: %[[A2:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2]] : tensor<2x3x4xf32> into tensor<6x4xf32>
// CHECK: %[[R:.*]] = linalg.matmul ins(%[[A2]], %{{.*}} : tensor<6x4xf32>, tensor<4x5xf32>) outs(%{{.*}} : tensor<6x5xf32>)
// CHECK: tensor.expand_shape %[[R]] {{\[\[}}0, 1], [2]] output_shape [2, 3, 5] : tensor<6x5xf32> into tensor<2x3x5xf32>
func.func @matmul_batch_a(%a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>) -> tensor<2x3x5xf32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x3x5xf32>
  return %0 : tensor<2x3x5xf32>
}

// -----

// Batch dims only on B: linalg.batch_matmul reads A through a broadcasting
// map; the batch dims of B are collapsed into one.
// CHECK-DAG: #[[MA:.*]] = affine_map<(d0, d1, d2, d3) -> (d1, d3)>
// CHECK-DAG: #[[MB:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[MC:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @matmul_batch_b
// CHECK: %[[B3:.*]] = tensor.collapse_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] : tensor<2x?x5x3xf32> into tensor<?x5x3xf32>
// CHECK: %[[R:.*]] = linalg.batch_matmul indexing_maps = [#[[MA]], #[[MB]], #[[MC]]] ins(%{{.*}}, %[[B3]] : tensor<4x5xf32>, tensor<?x5x3xf32>) outs(%{{.*}} : tensor<?x4x3xf32>)
// CHECK: tensor.expand_shape %[[R]] {{\[\[}}0, 1], [2], [3]] output_shape [2, %{{.*}}, 4, 3] : tensor<?x4x3xf32> into tensor<2x?x4x3xf32>
func.func @matmul_batch_b(%a: tensor<4x5xf32>, %b: tensor<2x?x5x3xf32>) -> tensor<2x?x4x3xf32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<4x5xf32>, tensor<2x?x5x3xf32>) -> tensor<2x?x4x3xf32>
  return %0 : tensor<2x?x4x3xf32>
}

// -----

// Equal batch dims on both sides: linalg.batch_matmul with default maps.
// CHECK-LABEL: func.func @matmul_batch_both
// CHECK-NOT: linalg.generic
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<8x3x4xf32>, tensor<8x4x5xf32>) outs(%{{.*}} : tensor<8x3x5xf32>)
func.func @matmul_batch_both(%a: tensor<8x3x4xf32>, %b: tensor<8x4x5xf32>) -> tensor<8x3x5xf32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<8x3x4xf32>, tensor<8x4x5xf32>) -> tensor<8x3x5xf32>
  return %0 : tensor<8x3x5xf32>
}

// -----

// A dynamic batch dim against a static 1 is the result dim: no copy.
// CHECK-LABEL: func.func @matmul_batch_dyn_vs_unit
// CHECK-NOT: linalg.generic
// CHECK: linalg.batch_matmul indexing_maps
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<3x4xf32>, tensor<?x4x5xf32>)
func.func @matmul_batch_dyn_vs_unit(%a: tensor<1x3x4xf32>, %b: tensor<?x4x5xf32>) -> tensor<?x3x5xf32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<1x3x4xf32>, tensor<?x4x5xf32>) -> tensor<?x3x5xf32>
  return %0 : tensor<?x3x5xf32>
}

// -----

// A static 1 batch dim broadcast against 6: A is materialized at [6, 2, 3, 4]
// reading index 0 of its unit dim, then both batches collapse to 12.
// CHECK-DAG: #[[BC:.*]] = affine_map<(d0, d1, d2, d3) -> (0, d1, d2, d3)>
// CHECK-LABEL: func.func @matmul_batch_broadcast
// CHECK: linalg.generic {indexing_maps = [#[[BC]], #{{.*}}]
// CHECK-SAME: ins(%{{.*}} : tensor<1x2x3x4xf32>) outs(%{{.*}} : tensor<6x2x3x4xf32>)
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<12x3x4xf32>, tensor<12x4x5xf32>)
func.func @matmul_batch_broadcast(%a: tensor<1x2x3x4xf32>, %b: tensor<6x2x4x5xf32>) -> tensor<6x2x3x5xf32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<1x2x3x4xf32>, tensor<6x2x4x5xf32>) -> tensor<6x2x3x5xf32>
  return %0 : tensor<6x2x3x5xf32>
}

// -----

// Two dynamic batch dims may each be 1 at run time: both operands are
// materialized at the broadcast batch size (max of the two) with clamped
// indices, so the result is right for every shape.
// CHECK-LABEL: func.func @matmul_batch_runtime_broadcast
// CHECK: %[[DA:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x3x4xf32>
// CHECK: %[[DB:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x4x5xf32>
// CHECK: %[[P:.*]] = arith.maxui %[[DA]], %[[DB]] : index
// CHECK: linalg.generic
// CHECK: arith.cmpi eq
// CHECK: arith.select
// CHECK: tensor.extract
// CHECK: linalg.generic
// CHECK: linalg.batch_matmul ins(%{{.*}}, %{{.*}} : tensor<?x3x4xf32>, tensor<?x4x5xf32>)
func.func @matmul_batch_runtime_broadcast(%a: tensor<?x3x4xf32>, %b: tensor<?x4x5xf32>) -> tensor<?x3x5xf32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<?x3x4xf32>, tensor<?x4x5xf32>) -> tensor<?x3x5xf32>
  return %0 : tensor<?x3x5xf32>
}

// -----

// Dynamic batch dims of one source are equal (attention: Q and K^T of one
// input, through a transpose and a reshape): nothing is materialized, the
// batch size is the first operand's.
// CHECK-LABEL: func.func @matmul_batch_same_source
// CHECK-SAME: (%[[X:.*]]: tensor<?x8x16xf32>)
// CHECK: %[[T:.*]] = linalg.transpose ins(%[[X]] : tensor<?x8x16xf32>)
// CHECK-NOT: arith.maxui
// CHECK-NOT: tensor.extract
// CHECK: linalg.batch_matmul ins(%[[X]], %[[T]] : tensor<?x8x16xf32>, tensor<?x16x8xf32>)
func.func @matmul_batch_same_source(%x: tensor<?x8x16xf32>) -> tensor<?x8x8xf32> {
  %t = onnx.Transpose(%x) {perm = [0, 2, 1]} : (tensor<?x8x16xf32>) -> tensor<?x16x8xf32>
  %0 = onnx.MatMul(%x, %t) : (tensor<?x8x16xf32>, tensor<?x16x8xf32>) -> tensor<?x8x8xf32>
  return %0 : tensor<?x8x8xf32>
}

// -----

// f16 accumulates in f32 and is narrowed after the matmul.
// CHECK-LABEL: func.func @matmul_f16
// CHECK: %[[R:.*]] = linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<3x4xf16>, tensor<4x5xf16>) outs(%{{.*}} : tensor<3x5xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[R]] : tensor<3x5xf32>) outs(%{{.*}} : tensor<3x5xf16>)
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @matmul_f16(%a: tensor<3x4xf16>, %b: tensor<4x5xf16>) -> tensor<3x5xf16> {
  %0 = onnx.MatMul(%a, %b) : (tensor<3x4xf16>, tensor<4x5xf16>) -> tensor<3x5xf16>
  return %0 : tensor<3x5xf16>
}

// -----

// Integer MatMul keeps its element type (ui32 becomes signless i32).
// CHECK-LABEL: func.func @matmul_u32
// CHECK: %[[Z:.*]] = arith.constant 0 : i32
// CHECK: linalg.fill ins(%[[Z]] : i32)
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<3x4xi32>, tensor<4x5xi32>) outs(%{{.*}} : tensor<3x5xi32>)
func.func @matmul_u32(%a: tensor<3x4xui32>, %b: tensor<4x5xui32>) -> tensor<3x5xui32> {
  %0 = onnx.MatMul(%a, %b) : (tensor<3x4xui32>, tensor<4x5xui32>) -> tensor<3x5xui32>
  return %0 : tensor<3x5xui32>
}

// -----

// Gemm: the transposes are matmul indexing maps; alpha * AB + beta * C is
// one generic where C [N] broadcasts along the rows.
// CHECK-DAG: #[[TA:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[TB:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[MN:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @gemm_trans
// CHECK-SAME: (%[[A:.*]]: tensor<4x3xf32>, %[[B:.*]]: tensor<5x4xf32>, %[[C:.*]]: tensor<5xf32>)
// CHECK: %[[MM:.*]] = linalg.matmul indexing_maps = [#[[TA]], #[[TB]], #[[MN]]] ins(%[[A]], %[[B]] : tensor<4x3xf32>, tensor<5x4xf32>) outs(%{{.*}} : tensor<3x5xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], {{.*}}} ins(%[[MM]], %[[C]] : tensor<3x5xf32>, tensor<5xf32>)
// CHECK: ^bb0(%[[AB:.*]]: f32, %[[CV:.*]]: f32, %{{.*}}: f32):
// CHECK: %[[ALPHA:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[S:.*]] = arith.mulf %[[AB]], %[[ALPHA]]
// CHECK: %[[BETA:.*]] = arith.constant 2.000000e+00 : f32
// CHECK: %[[SC:.*]] = arith.mulf %[[CV]], %[[BETA]]
// CHECK: %[[SUM:.*]] = arith.addf %[[S]], %[[SC]]
// CHECK: linalg.yield %[[SUM]]
func.func @gemm_trans(%a: tensor<4x3xf32>, %b: tensor<5x4xf32>, %c: tensor<5xf32>) -> tensor<3x5xf32> {
  %0 = onnx.Gemm(%a, %b, %c) {alpha = 5.000000e-01 : f32, beta = 2.000000e+00 : f32, transA = 1 : i64, transB = 1 : i64} : (tensor<4x3xf32>, tensor<5x4xf32>, tensor<5xf32>) -> tensor<3x5xf32>
  return %0 : tensor<3x5xf32>
}

// -----

// Default Gemm with C [1, N] and dynamic M: plain matmul maps; C broadcasts
// along the rows; alpha = beta = 1 need no multiply.
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func.func @gemm_dynamic
// CHECK: %[[M:.*]] = tensor.dim %{{.*}}, %{{.*}} : tensor<?x4xf32>
// CHECK: tensor.empty(%[[M]]) : tensor<?x5xf32>
// CHECK: %[[MM:.*]] = linalg.matmul ins(
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[COL]], #{{.*}}]
// CHECK-NOT: arith.mulf
// CHECK: arith.addf
func.func @gemm_dynamic(%a: tensor<?x4xf32>, %b: tensor<4x5xf32>, %c: tensor<1x5xf32>) -> tensor<?x5xf32> {
  %0 = onnx.Gemm(%a, %b, %c) : (tensor<?x4xf32>, tensor<4x5xf32>, tensor<1x5xf32>) -> tensor<?x5xf32>
  return %0 : tensor<?x5xf32>
}

// -----

// f16 Gemm: f32 accumulator, C widened, result narrowed in the same generic.
// CHECK-LABEL: func.func @gemm_f16
// CHECK: linalg.matmul ins(%{{.*}}, %{{.*}} : tensor<3x4xf16>, tensor<4x5xf16>) outs(%{{.*}} : tensor<3x5xf32>)
// CHECK: linalg.generic
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.addf %{{.*}} : f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
func.func @gemm_f16(%a: tensor<3x4xf16>, %b: tensor<4x5xf16>, %c: tensor<3x5xf16>) -> tensor<3x5xf16> {
  %0 = onnx.Gemm(%a, %b, %c) : (tensor<3x4xf16>, tensor<4x5xf16>, tensor<3x5xf16>) -> tensor<3x5xf16>
  return %0 : tensor<3x5xf16>
}

// -----

// MatMulInteger: each operand widened to i16 minus its zero point (ui8
// zero-extends, i8 sign-extends; A's per-row zero point becomes [M, 1];
// exact in 16 bits), then a linalg.matmul of i16 into i32 (sign-extending),
// the int16 GEMM kernel's form.
// CHECK-DAG: #[[PERROW:.*]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @matmul_integer
// CHECK: %[[AZP:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [3, 1] : tensor<3xi8> into tensor<3x1xi8>
// CHECK: %[[A16:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[PERROW]], #{{.*}}]{{.*}} ins(%{{.*}}, %[[AZP]] : tensor<3x4xi8>, tensor<3x1xi8>) outs(%{{.*}} : tensor<3x4xi16>)
// CHECK: arith.extui %{{.*}} : i8 to i16
// CHECK: arith.extui %{{.*}} : i8 to i16
// CHECK: arith.subi
// CHECK: %[[B16:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #[[SCALAR]], #{{.*}}]{{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x5xi8>, tensor<i8>) outs(%{{.*}} : tensor<4x5xi16>)
// CHECK: arith.extsi %{{.*}} : i8 to i16
// CHECK: arith.extsi %{{.*}} : i8 to i16
// CHECK: arith.subi
// CHECK: linalg.matmul ins(%[[A16]], %[[B16]] : tensor<3x4xi16>, tensor<4x5xi16>) outs(%{{.*}} : tensor<3x5xi32>)
func.func @matmul_integer(%a: tensor<3x4xui8>, %b: tensor<4x5xi8>, %azp: tensor<3xui8>, %bzp: tensor<i8>) -> tensor<3x5xi32> {
  %0 = onnx.MatMulInteger(%a, %b, %azp, %bzp) : (tensor<3x4xui8>, tensor<4x5xi8>, tensor<3xui8>, tensor<i8>) -> tensor<3x5xi32>
  return %0 : tensor<3x5xi32>
}

// -----

// A constant B (a weight) with a per-column zero point is widened at
// compile time: B - zp as an i16 constant blob (64-byte aligned; [[-2,
// -3, -3], [3, -10, 6]]), no generic for it.
// CHECK-LABEL: func.func @matmul_integer_const_b
// CHECK: %[[B:.*]] = arith.constant dense_resource<matmulinteger_b{{.*}}> : tensor<2x3xi16>
// CHECK: linalg.matmul ins(%{{.*}}, %[[B]] : tensor<4x2xi16>, tensor<2x3xi16>) outs(%{{.*}} : tensor<4x3xi32>)
// CHECK: matmulinteger_b{{.*}}: "0x40000000FEFFFDFFFDFF0300F6FF0600"
func.func @matmul_integer_const_b(%a: tensor<4x2xui8>) -> tensor<4x3xi32> {
  %b = onnx.Constant() {value = dense<[[-1, 2, -3], [4, -5, 6]]> : tensor<2x3xi8>} : () -> tensor<2x3xi8>
  %bzp = onnx.Constant() {value = dense<[1, 5, 0]> : tensor<3xi8>} : () -> tensor<3xi8>
  %n = onnx.NoValue
  %0 = onnx.MatMulInteger(%a, %b, %n, %bzp) : (tensor<4x2xui8>, tensor<2x3xi8>, none, tensor<3xi8>) -> tensor<4x3xi32>
  return %0 : tensor<4x3xi32>
}

// -----

// Det of a batch: one scf.for per matrix, LU with partial pivoting in scf
// loops on a tensor copy of the matrix: the pivot search (largest |A[i,k]|),
// the row swap (negating the product when the pivot row moved), the product
// of the pivots and the elimination below the pivot (factor 0 for a zero
// pivot, so a singular matrix gives 0, not NaN).
// CHECK-LABEL: func.func @det
// CHECK-SAME: (%[[X:.*]]: tensor<3x2x2xf32>)
// CHECK: %[[E:.*]] = tensor.empty() : tensor<3xf32>
// CHECK: %[[R:.*]] = scf.for %[[B:.*]] = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[OUT:.*]] = %[[E]]) -> (tensor<3xf32>)
// CHECK: %[[M:.*]] = tensor.extract_slice %[[X]][%[[B]], 0, 0]
// CHECK: %[[LU:.*]]:2 = scf.for {{.*}} iter_args(%{{.*}} = %[[M]], %{{.*}} = %{{.*}}) -> (tensor<?x?xf32>, f32)
// CHECK: math.absf
// CHECK: scf.for {{.*}} -> (index, f32)
// CHECK: arith.cmpf ogt
// CHECK: scf.for {{.*}} -> (tensor<?x?xf32>)
// CHECK: tensor.insert
// CHECK: tensor.insert
// CHECK: arith.negf
// CHECK: arith.mulf
// CHECK: arith.cmpf oeq
// CHECK: scf.for {{.*}} -> (tensor<?x?xf32>)
// CHECK: arith.divf
// CHECK: scf.for {{.*}} -> (tensor<?x?xf32>)
// CHECK: arith.subf
// CHECK: tensor.insert %[[LU]]#1 into %[[OUT]][%[[B]]] : tensor<3xf32>
// CHECK: return %[[R]] : tensor<3xf32>
func.func @det(%x: tensor<3x2x2xf32>) -> tensor<3xf32> {
  %0 = onnx.Det(%x) : (tensor<3x2x2xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// A single dynamic f16 matrix: it gets a unit batch dim, is factored in f32
// and the rank-0 result drops the batch again.
// CHECK-LABEL: func.func @det_single
// CHECK: tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2]] output_shape [1, %{{.*}}, %{{.*}}] : tensor<?x?xf16> into tensor<1x?x?xf16>
// CHECK: arith.extf %{{.*}} : f16 to f32
// CHECK: arith.truncf %{{.*}} : f32 to f16
// CHECK: tensor.collapse_shape %{{.*}} [] : tensor<1xf16> into tensor<f16>
func.func @det_single(%x: tensor<?x?xf16>) -> tensor<f16> {
  %0 = onnx.Det(%x) : (tensor<?x?xf16>) -> tensor<f16>
  return %0 : tensor<f16>
}
