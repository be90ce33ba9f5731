// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// Strings become i64 addresses. StringNormalizer counts the kept strings and
// their bytes, allocates the bytes for the run (plus one for the empty
// string of an all-stopwords input), then copies the kept strings
// upper-cased and inserts their addresses. Stopwords are one NUL-separated
// constant ("monday\0\0") read through its address.
// CHECK-DAG: func.func private @kiln_str_keep(i64, i64, i32) -> i32
// CHECK-DAG: func.func private @kiln_str_size(i64) -> i64
// CHECK-DAG: func.func private @kiln_str_empty(i64) -> i64
// CHECK-DAG: func.func private @kiln_str_case_copy(i64, i64, i32) -> i64
// CHECK-DAG: llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr
// CHECK-LABEL: func.func @normalize_upper
// CHECK-SAME: (%[[X:.*]]: tensor<?xi64>) -> tensor<?xi64>
// CHECK: %[[WORDS:.*]] = arith.constant dense<[109, 111, 110, 100, 97, 121, 0, 0]> : tensor<8xi8>
// CHECK: %[[BUF:.*]] = bufferization.to_buffer %[[WORDS]] read_only
// CHECK: %[[PTR:.*]] = memref.extract_aligned_pointer_as_index %[[BUF]]
// CHECK: %[[W:.*]] = arith.index_cast %[[PTR]] : index to i64
// CHECK-DAG: %[[INSENSITIVE:.*]] = arith.constant 0 : i32
// CHECK-DAG: %[[UPPER:.*]] = arith.constant 2 : i32
// CHECK: %[[COUNT:.*]]:2 = scf.for
// CHECK: %[[S:.*]] = tensor.extract %[[X]]
// CHECK: func.call @kiln_str_keep(%[[S]], %[[W]], %[[INSENSITIVE]])
// CHECK: func.call @kiln_str_size(%[[S]])
// CHECK: scf.yield
// CHECK: %[[TOTAL:.*]] = arith.addi %[[COUNT]]#1, %{{.*}} : i64
// CHECK: %[[RAW:.*]] = llvm.call @_mlir_memref_to_llvm_alloc(%[[TOTAL]])
// CHECK: %[[BASE:.*]] = llvm.ptrtoint %[[RAW]] : !llvm.ptr to i64
// CHECK: %[[END:.*]] = arith.addi %[[BASE]], %[[COUNT]]#1 : i64
// CHECK: %[[EMPTY:.*]] = call @kiln_str_empty(%[[END]])
// CHECK: %[[LEN:.*]] = arith.maxui %[[COUNT]]#0, %{{.*}} : index
// CHECK: %[[INIT:.*]] = tensor.empty(%[[LEN]]) : tensor<?xi64>
// CHECK: %[[FILLED:.*]] = linalg.fill ins(%[[EMPTY]] : i64) outs(%[[INIT]] : tensor<?xi64>)
// CHECK: %[[OUT:.*]]:3 = scf.for {{.*}} iter_args(%[[K:.*]] = %{{.*}}, %[[OFF:.*]] = %{{.*}}, %[[ACC:.*]] = %[[FILLED]])
// CHECK: scf.if
// CHECK: %[[DST:.*]] = arith.addi %[[BASE]], %[[OFF]] : i64
// CHECK: func.call @kiln_str_case_copy(%{{.*}}, %[[DST]], %[[UPPER]])
// CHECK: tensor.insert %[[DST]] into %[[ACC]][%[[K]]]
// CHECK: return %[[OUT]]#2 : tensor<?xi64>
func.func @normalize_upper(%x: tensor<?x!onnx.String>) -> tensor<?x!onnx.String> {
  %y = onnx.StringNormalizer(%x) {case_change_action = "UPPER", is_case_sensitive = 0 : i64, stopwords = ["monday"]} : (tensor<?x!onnx.String>) -> tensor<?x!onnx.String>
  return %y : tensor<?x!onnx.String>
}

// -----

// [1, C] with no stopwords: a null stopword list, case-sensitive, no case
// change; the result keeps its leading 1.
// CHECK-LABEL: func.func @normalize_row
// CHECK-DAG: %[[NONE:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[SENSITIVE:.*]] = arith.constant 1 : i32
// CHECK-DAG: %[[KEEP_CASE:.*]] = arith.constant 0 : i32
// CHECK: tensor.extract %{{.*}}[%{{.*}}, %{{.*}}] : tensor<1x4xi64>
// CHECK: func.call @kiln_str_keep(%{{.*}}, %[[NONE]], %[[SENSITIVE]])
// CHECK: tensor.empty(%{{.*}}) : tensor<1x?xi64>
// CHECK: func.call @kiln_str_case_copy(%{{.*}}, %{{.*}}, %[[KEEP_CASE]])
// CHECK: tensor.cast %{{.*}} : tensor<1x?xi64> to tensor<1x4xi64>
func.func @normalize_row(%x: tensor<1x4x!onnx.String>) -> tensor<1x4x!onnx.String> {
  %y = onnx.StringNormalizer(%x) {is_case_sensitive = 1 : i64} : (tensor<1x4x!onnx.String>) -> tensor<1x4x!onnx.String>
  return %y : tensor<1x4x!onnx.String>
}

// -----

// Cast to string: one buffer of 32 bytes per element; element (i, j) is
// formatted into slot i * 4 + j.
// CHECK-LABEL: func.func @float_to_string
// CHECK: %[[BYTES:.*]] = arith.muli %{{.*}}, %{{.*}} : i64
// CHECK: %[[RAW:.*]] = llvm.call @_mlir_memref_to_llvm_alloc(%[[BYTES]])
// CHECK: %[[BASE:.*]] = llvm.ptrtoint %[[RAW]]
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<3x4xf32>) outs(%{{.*}} : tensor<3x4xi64>)
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: i64):
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: %[[J:.*]] = linalg.index 1
// CHECK: %[[ROW:.*]] = arith.muli %[[I]], %{{.*}} : index
// CHECK: %[[LIN:.*]] = arith.addi %[[ROW]], %[[J]] : index
// CHECK: %[[L64:.*]] = arith.index_cast %[[LIN]] : index to i64
// CHECK: %[[SLOT:.*]] = arith.muli %[[L64]], %{{.*}} : i64
// CHECK: %[[DST:.*]] = arith.addi %[[BASE]], %[[SLOT]] : i64
// CHECK: %[[S:.*]] = func.call @kiln_str_from_f32(%[[IN]], %[[DST]]) : (f32, i64) -> i64
// CHECK: linalg.yield %[[S]] : i64
func.func @float_to_string(%x: tensor<3x4xf32>) -> tensor<3x4x!onnx.String> {
  %y = onnx.Cast(%x) {to = 8 : i64} : (tensor<3x4xf32>) -> tensor<3x4x!onnx.String>
  return %y : tensor<3x4x!onnx.String>
}

// -----

// Unsigned integers are formatted as u64, signed ones as i64.
// CHECK-LABEL: func.func @uint8_to_string
// CHECK: arith.extui %{{.*}} : i8 to i64
// CHECK: func.call @kiln_str_from_u64
func.func @uint8_to_string(%x: tensor<?xui8>) -> tensor<?x!onnx.String> {
  %y = onnx.Cast(%x) {to = 8 : i64} : (tensor<?xui8>) -> tensor<?x!onnx.String>
  return %y : tensor<?x!onnx.String>
}

// -----

// Cast from string parses each element; narrower integers are truncated.
// CHECK-LABEL: func.func @string_to_float
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<?xi64>) outs(%{{.*}} : tensor<?xf32>)
// CHECK: func.call @kiln_str_to_f32(%{{.*}}) : (i64) -> f32
func.func @string_to_float(%x: tensor<?x!onnx.String>) -> tensor<?xf32> {
  %y = onnx.Cast(%x) {to = 1 : i64} : (tensor<?x!onnx.String>) -> tensor<?xf32>
  return %y : tensor<?xf32>
}

// CHECK-LABEL: func.func @string_to_int32
// CHECK: %[[I:.*]] = func.call @kiln_str_to_i64(%{{.*}}) : (i64) -> i64
// CHECK: arith.trunci %[[I]] : i64 to i32
func.func @string_to_int32(%x: tensor<?x!onnx.String>) -> tensor<?xi32> {
  %y = onnx.Cast(%x) {to = 6 : i64} : (tensor<?x!onnx.String>) -> tensor<?xi32>
  return %y : tensor<?xi32>
}

// -----

// A string constant: its bytes ("ab\0c\0") and the offsets of its strings.
// CHECK-LABEL: func.func @string_constant
// CHECK: %[[BYTES:.*]] = arith.constant dense<[97, 98, 0, 99, 0]> : tensor<5xi8>
// CHECK: %[[BUF:.*]] = bufferization.to_buffer %[[BYTES]] read_only
// CHECK: %[[PTR:.*]] = memref.extract_aligned_pointer_as_index %[[BUF]]
// CHECK: %[[BASE:.*]] = arith.index_cast %[[PTR]] : index to i64
// CHECK: %[[OFFSETS:.*]] = arith.constant dense<[0, 3]> : tensor<2xi64>
// CHECK: linalg.generic {{.*}} ins(%[[OFFSETS]] : tensor<2xi64>)
// CHECK: arith.addi %[[BASE]], %{{.*}} : i64
func.func @string_constant() -> tensor<2x!onnx.String> {
  %c = onnx.Constant() {value = dense<["ab", "c"]> : tensor<2x!onnx.String>} : () -> tensor<2x!onnx.String>
  return %c : tensor<2x!onnx.String>
}

// -----

// Data movement needs nothing string-specific: a Transpose of strings moves
// i64 addresses.
// CHECK-LABEL: func.func @transpose_strings
// CHECK-SAME: (%{{.*}}: tensor<2x3xi64>) -> tensor<3x2xi64>
// CHECK: linalg.transpose
func.func @transpose_strings(%x: tensor<2x3x!onnx.String>) -> tensor<3x2x!onnx.String> {
  %y = onnx.Transpose(%x) {perm = [1, 0]} : (tensor<2x3x!onnx.String>) -> tensor<3x2x!onnx.String>
  return %y : tensor<3x2x!onnx.String>
}

// -----

// Equal on strings compares contents through kiln_str_equal, broadcasting
// like any Equal.
// CHECK-LABEL: func.func @equal_strings
// CHECK: linalg.generic
// CHECK-SAME: ins(%{{.*}}, %{{.*}} : tensor<2x3xi64>, tensor<3xi64>)
// CHECK: %[[SAME:.*]] = func.call @kiln_str_equal(%{{.*}}, %{{.*}}) : (i64, i64) -> i32
// CHECK: arith.cmpi ne, %[[SAME]], %c0_i32
func.func @equal_strings(%a: tensor<2x3x!onnx.String>, %b: tensor<3x!onnx.String>) -> tensor<2x3xi1> {
  %0 = onnx.Equal(%a, %b) : (tensor<2x3x!onnx.String>, tensor<3x!onnx.String>) -> tensor<2x3xi1>
  return %0 : tensor<2x3xi1>
}

// -----

// StringConcat: the broadcast operands' addresses, a loop nest summing the
// bytes (one NUL per result), one allocation for the run, then a loop nest
// writing each concatenation and pointing the result at it.
// CHECK-LABEL: func.func @string_concat
// CHECK-COUNT-2: linalg.generic
// CHECK: scf.for
// CHECK: scf.for
// CHECK: func.call @kiln_str_size
// CHECK: func.call @kiln_str_size
// CHECK: %[[BASE:.*]] = llvm.call @_mlir_memref_to_llvm_alloc
// CHECK: scf.for
// CHECK: scf.for
// CHECK: %[[N:.*]] = func.call @kiln_str_concat
// CHECK: tensor.insert
func.func @string_concat(%a: tensor<2x3x!onnx.String>, %b: tensor<3x!onnx.String>) -> tensor<2x3x!onnx.String> {
  %0 = onnx.StringConcat(%a, %b) : (tensor<2x3x!onnx.String>, tensor<3x!onnx.String>) -> tensor<2x3x!onnx.String>
  return %0 : tensor<2x3x!onnx.String>
}
