// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// Run-time sequences are the address of a kiln_run_sequence_t in a
// tensor<i64>. An insertion checks its position, copies the tensor into
// the run's memory (its buffer passed as an unranked memref) and makes a
// new sequence one longer; SequenceAt checks the position and the element's
// rank and copies the element out into a new buffer of its run-time shape.
// CHECK-LABEL: func.func @insert_at
// CHECK-SAME: (%[[S:.*]]: tensor<i64>, %[[X:.*]]: tensor<3xf32>, %[[P:.*]]: tensor<i64>) -> tensor<?xf32>
// CHECK: %[[SA:.*]] = tensor.extract %[[S]][] : tensor<i64>
// CHECK: %[[N:.*]] = call @kiln_seq_length(%[[SA]])
// CHECK: arith.cmpi sle, %{{.*}}, %[[N]] : i64
// CHECK: scf.if
// CHECK:   func.call @kiln_check_failed
// CHECK: %[[B:.*]] = bufferization.to_buffer %[[X]] read_only : tensor<3xf32> to memref<3xf32, strided<[?], offset: ?>>
// CHECK: %[[U:.*]] = memref.cast %[[B]] : memref<3xf32, strided<[?], offset: ?>> to memref<*xf32>
// CHECK: %[[TB:.*]] = call @kiln_seq_tensor_bytes_f32(%{{.*}}, %[[U]])
// CHECK: %[[TP:.*]] = llvm.call @_mlir_memref_to_llvm_alloc(%[[TB]])
// CHECK: %[[T:.*]] = call @kiln_seq_tensor_store_f32(%{{.*}}, %{{.*}}, %{{.*}}, %[[U]])
// CHECK: %[[SB:.*]] = call @kiln_seq_bytes
// CHECK: %[[NEW:.*]] = call @kiln_seq_insert(%{{.*}}, %[[SA]], %{{.*}}, %[[T]])
// CHECK: %[[H:.*]] = tensor.from_elements %[[NEW]] : tensor<i64>
// CHECK: %[[E:.*]] = call @kiln_seq_at
// CHECK: call @kiln_seq_tensor_rank(%[[E]])
// CHECK: %[[D:.*]] = call @kiln_seq_tensor_dim(%[[E]], %{{.*}})
// CHECK: %[[DI:.*]] = arith.index_cast %[[D]] : i64 to index
// CHECK: %[[BUF:.*]] = memref.alloc(%[[DI]]) : memref<?xf32>
// CHECK: %[[BU:.*]] = memref.cast %[[BUF]] : memref<?xf32> to memref<*xf32>
// CHECK: call @kiln_seq_tensor_load_f32(%[[E]], %{{.*}}, %[[BU]])
// CHECK: %[[R:.*]] = bufferization.to_tensor %[[BUF]] restrict writable
// CHECK: return %[[R]]
func.func @insert_at(%s: !onnx.Seq<tensor<?xf32>>, %x: tensor<3xf32>, %p: tensor<i64>) -> tensor<?xf32> {
  %t = onnx.SequenceInsert(%s, %x, %p) : (!onnx.Seq<tensor<?xf32>>, tensor<3xf32>, tensor<i64>) -> !onnx.Seq<tensor<?xf32>>
  %a = onnx.SequenceAt(%t, %p) : (!onnx.Seq<tensor<?xf32>>, tensor<i64>) -> tensor<?xf32>
  return %a : tensor<?xf32>
}

// -----

// A Loop carrying a run-time sequence is an scf.while carrying its address.
// CHECK-LABEL: func.func @loop_appends
// CHECK: %[[E:.*]] = call @kiln_seq_init
// CHECK: %[[H:.*]] = tensor.from_elements %[[E]] : tensor<i64>
// CHECK: scf.while (%{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}, %[[C:.*]] = %{{.*}}) : (i64, i1, tensor<i64>)
// CHECK: } do {
// CHECK: ^bb0(%{{.*}}: i64, %{{.*}}: i1, %[[S:.*]]: tensor<i64>):
// CHECK:   tensor.extract %[[S]][] : tensor<i64>
// CHECK:   call @kiln_seq_insert
// CHECK:   scf.yield
// CHECK: return %{{.*}} : tensor<i64>
func.func @loop_appends(%m: tensor<i64>, %c: tensor<i1>, %x: tensor<2xf32>) -> !onnx.Seq<tensor<2xf32>> {
  %s = onnx.SequenceEmpty() {dtype = 1 : i64} : () -> !onnx.Seq<tensor<2xf32>>
  %r = "onnx.Loop"(%m, %c, %s) ({
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %si: !onnx.Seq<tensor<2xf32>>):
    %none = onnx.NoValue
    %t = onnx.SequenceInsert(%si, %x, %none) : (!onnx.Seq<tensor<2xf32>>, tensor<2xf32>, none) -> !onnx.Seq<tensor<2xf32>>
    onnx.Yield %ci, %t : tensor<i1>, !onnx.Seq<tensor<2xf32>>
  }) : (tensor<i64>, tensor<i1>, !onnx.Seq<tensor<2xf32>>) -> !onnx.Seq<tensor<2xf32>>
  return %r : !onnx.Seq<tensor<2xf32>>
}

// -----

// An If choosing between no value and one: scf.if yields 0 or the address
// of a sequence of the one tensor; OptionalHasElement compares with 0.
// CHECK-LABEL: func.func @if_optional
// CHECK: %[[O:.*]] = scf.if %{{.*}} -> (tensor<i64>)
// CHECK-DAG:   call @kiln_seq_tensor_store_f32
// CHECK-DAG:   call @kiln_seq_insert
// CHECK-DAG:   %[[Z:.*]] = arith.constant 0 : i64
// CHECK-DAG:   tensor.from_elements %[[Z]] : tensor<i64>
// CHECK: %[[A:.*]] = tensor.extract %[[O]][] : tensor<i64>
// CHECK: arith.cmpi ne, %[[A]], %{{.*}} : i64
func.func @if_optional(%c: tensor<i1>, %x: tensor<2xf32>) -> tensor<i1> {
  %o = "onnx.If"(%c) ({
    %none = onnx.NoValue
    %e = onnx.Optional(%none) {type_proto = tensor<2xf32>} : (none) -> !onnx.Opt<tensor<2xf32>>
    onnx.Yield %e : !onnx.Opt<tensor<2xf32>>
  }, {
    %t = onnx.Optional(%x) : (tensor<2xf32>) -> !onnx.Opt<tensor<2xf32>>
    onnx.Yield %t : !onnx.Opt<tensor<2xf32>>
  }) : (tensor<i1>) -> !onnx.Opt<tensor<2xf32>>
  %h = onnx.OptionalHasElement(%o) : (!onnx.Opt<tensor<2xf32>>) -> tensor<i1>
  return %h : tensor<i1>
}

// -----

// SplitToSequence by a run-time list of sizes: a sequence of the list's
// length, filled by a loop that checks each size and cuts the next piece
// (its buffer copied into the run's memory); the sum is checked after.
// CHECK-LABEL: func.func @split_by_sizes
// CHECK-SAME: (%[[X:.*]]: tensor<3x?xf32>, %[[S:.*]]: tensor<?xi64>) -> tensor<i64>
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %c1
// CHECK: %[[N:.*]] = tensor.dim %[[S]], %c0
// CHECK: call @kiln_seq_bytes
// CHECK: %[[Q:.*]] = call @kiln_seq_init(%{{.*}}, %{{.*}}, %{{.*}})
// CHECK: %[[END:.*]] = scf.for %[[I:.*]] = %c0 to %[[N]] step %{{.*}} iter_args(%[[AT:.*]] = %c0) -> (index)
// CHECK:   tensor.extract %[[S]][%[[I]]]
// CHECK:   func.call @kiln_check_failed
// CHECK:   %[[P:.*]] = tensor.extract_slice %[[X]][0, %[[AT]]] [3, %{{.*}}] [1, 1]
// CHECK:   call @kiln_seq_tensor_store_f32
// CHECK:   call @kiln_seq_set(%[[Q]], %{{.*}}, %{{.*}})
// CHECK: arith.cmpi eq, %[[END]], %[[D]]
// CHECK: tensor.from_elements %[[Q]] : tensor<i64>
func.func @split_by_sizes(%x: tensor<3x?xf32>, %s: tensor<?xi64>) -> !onnx.Seq<tensor<3x?xf32>> {
  %q = onnx.SplitToSequence(%x, %s) {axis = 1 : i64} : (tensor<3x?xf32>, tensor<?xi64>) -> !onnx.Seq<tensor<3x?xf32>>
  return %q : !onnx.Seq<tensor<3x?xf32>>
}

// -----

// Without split and keepdims = 0: ceil(dim / 1) pieces of one row each,
// squeezed by a rank-reducing slice.
// CHECK-LABEL: func.func @split_rows
// CHECK: arith.ceildivsi
// CHECK: scf.for
// CHECK:   tensor.extract_slice %{{.*}}[%{{.*}}, 0] [1, 4] [1, 1] : tensor<?x4xi64> to tensor<4xi64>
// CHECK:   call @kiln_seq_tensor_store_i64
func.func @split_rows(%x: tensor<?x4xi64>) -> !onnx.Seq<tensor<4xi64>> {
  %none = onnx.NoValue
  %q = onnx.SplitToSequence(%x, %none) {axis = 0 : i64, keepdims = 0 : i64} : (tensor<?x4xi64>, none) -> !onnx.Seq<tensor<4xi64>>
  return %q : !onnx.Seq<tensor<4xi64>>
}
