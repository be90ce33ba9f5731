// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// RegexFullMatch: the pattern becomes a Thompson NFA program when the model
// is compiled (kiln_regex.h: magic "KRX1", 5 instructions, no ranges:
// CHAR a, SPLIT back to it or on (a+), SPLIT into b? or past it, CHAR b,
// MATCH), an i32 constant read through its address. The matcher's scratch
// ((6 * 5 + 1) * 4 bytes) is allocated once for the run, and the elements
// are matched in order by an scf.for nest, not a parallel generic.
// CHECK-DAG: func.func private @kiln_regex_full_match(i64, i64, i64) -> i32
// CHECK-LABEL: func.func @regex
// CHECK-SAME: (%[[X:.*]]: tensor<?x2xi64>) -> tensor<?x2xi1>
// CHECK: %[[PROG:.*]] = arith.constant dense<[827871819, 5, 0, 1, 97, 0, 5, 0, 2, 5, 3, 4, 1, 98, 0, 8, 0, 0]> : tensor<18xi32>
// CHECK: %[[BUF:.*]] = bufferization.to_buffer %[[PROG]] read_only
// CHECK: %[[P:.*]] = memref.extract_aligned_pointer_as_index %[[BUF]]
// CHECK: %[[PA:.*]] = arith.index_cast %[[P]] : index to i64
// CHECK: %[[SCRATCH_BYTES:.*]] = arith.constant 124 : i64
// CHECK: %[[RAW:.*]] = llvm.call @_mlir_memref_to_llvm_alloc(%[[SCRATCH_BYTES]])
// CHECK: %[[SCRATCH:.*]] = llvm.ptrtoint %[[RAW]]
// CHECK: scf.for
// CHECK: scf.for
// CHECK: %[[S:.*]] = tensor.extract %[[X]]
// CHECK: %[[HIT:.*]] = func.call @kiln_regex_full_match(%[[PA]], %[[S]], %[[SCRATCH]])
// CHECK: %[[BIT:.*]] = arith.cmpi ne, %[[HIT]]
// CHECK: tensor.insert %[[BIT]]
func.func @regex(%x: tensor<?x2x!onnx.String>) -> tensor<?x2xi1> {
  %y = onnx.RegexFullMatch(%x) {pattern = "a+b?"} : (tensor<?x2x!onnx.String>) -> tensor<?x2xi1>
  return %y : tensor<?x2xi1>
}

// -----

// StringSplit: a counting pass (pieces per element: the length output; the
// most pieces; a bound on their bytes; all pieces), one run allocation for
// the bytes and the empty string of the padding, one for the pieces'
// addresses, the substrings filled with the empty string, then a writing
// pass pointing each element's row at its pieces. The delimiter is a
// NUL-terminated constant; maxsplit is passed as is.
// CHECK-DAG: func.func private @kiln_str_split_count(i64, i64, i64) -> i64
// CHECK-DAG: func.func private @kiln_str_split_write(i64, i64, i64, i64, i64) -> i64
// CHECK-DAG: func.func private @kiln_str_split_piece(i64, i64) -> i64
// CHECK-LABEL: func.func @split
// CHECK-SAME: (%[[X:.*]]: tensor<3xi64>) -> (tensor<3x?xi64>, tensor<3xi64>)
// CHECK: %[[DELIM_BYTES:.*]] = arith.constant dense<[45, 0]> : tensor<2xi8>
// CHECK: %[[MAXSPLIT:.*]] = arith.constant 2 : i64
// CHECK: %[[COUNT:.*]]:4 = scf.for
// CHECK: %[[N:.*]] = func.call @kiln_str_split_count(%{{.*}}, %[[DELIM:.*]], %[[MAXSPLIT]])
// CHECK: arith.maxsi
// CHECK: tensor.insert %[[N]]
// CHECK: %[[BYTES:.*]] = llvm.call @_mlir_memref_to_llvm_alloc
// CHECK: %[[BASE:.*]] = llvm.ptrtoint %[[BYTES]]
// CHECK: %[[END:.*]] = arith.addi %[[BASE]], %[[COUNT]]#1
// CHECK: %[[EMPTY:.*]] = call @kiln_str_empty(%[[END]])
// CHECK: %[[MOST:.*]] = arith.index_cast %[[COUNT]]#0 : i64 to index
// CHECK: %[[INIT:.*]] = tensor.empty(%[[MOST]]) : tensor<3x?xi64>
// CHECK: %[[FILLED:.*]] = linalg.fill ins(%[[EMPTY]] : i64)
// CHECK: %[[OUT:.*]]:3 = scf.for {{.*}} iter_args({{.*}}, {{.*}}, %{{.*}} = %[[FILLED]])
// CHECK: func.call @kiln_str_split_write(%{{.*}}, %[[DELIM]], %[[MAXSPLIT]]
// CHECK: scf.for
// CHECK: func.call @kiln_str_split_piece
// CHECK: return %[[OUT]]#2, %[[COUNT]]#3
func.func @split(%x: tensor<3x!onnx.String>) -> (tensor<3x?x!onnx.String>, tensor<3xi64>) {
  %y, %z = onnx.StringSplit(%x) {delimiter = "-", maxsplit = 2 : i64} : (tensor<3x!onnx.String>) -> (tensor<3x?x!onnx.String>, tensor<3xi64>)
  return %y, %z : tensor<3x?x!onnx.String>, tensor<3xi64>
}

// -----

// Without a delimiter (runs of whitespace) the delimiter address is null,
// without maxsplit the limit is -1; a static last dim of the substrings is
// checked at run time against the most pieces.
// CHECK-LABEL: func.func @split_whitespace
// CHECK-DAG: %[[NULL:.*]] = arith.constant 0 : i64
// CHECK-DAG: %[[NOLIMIT:.*]] = arith.constant -1 : i64
// CHECK: func.call @kiln_str_split_count(%{{.*}}, %[[NULL]], %[[NOLIMIT]])
// CHECK: %[[C3:.*]] = arith.constant 3 : i64
// CHECK: %[[OK:.*]] = arith.cmpi eq, %{{.*}}#0, %[[C3]]
// CHECK: scf.if
// CHECK: func.call @kiln_check_failed
func.func @split_whitespace(%x: tensor<2x!onnx.String>) -> (tensor<2x3x!onnx.String>, tensor<2xi64>) {
  %y, %z = onnx.StringSplit(%x) : (tensor<2x!onnx.String>) -> (tensor<2x3x!onnx.String>, tensor<2xi64>)
  return %y, %z : tensor<2x3x!onnx.String>, tensor<2xi64>
}
