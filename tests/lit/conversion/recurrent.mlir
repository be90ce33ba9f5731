// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// RNN with a dynamic sequence length: W and R are transposed once, X * W^T
// is one matmul over every step ([T * batch, input] rows) before the loop,
// then an scf.for over tensor.dim(X, 0) carries H; per step H * R^T is a
// matmul next to the step's rows of X * W^T, the gate a generic, and H is
// yielded in its own buffer.
// CHECK-LABEL: func.func @rnn
// CHECK-SAME: (%[[X:.+]]: tensor<?x2x3xf32>
// CHECK: %[[T:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x2x3xf32>
// CHECK: %[[WT:.+]] = linalg.transpose ins(%{{.+}} : tensor<4x3xf32>) outs(%{{.+}} : tensor<3x4xf32>) permutation = [1, 0]
// CHECK: %[[RT:.+]] = linalg.transpose ins(%{{.+}} : tensor<4x4xf32>) outs(%{{.+}} : tensor<4x4xf32>) permutation = [1, 0]
// CHECK: %[[H0:.+]] = linalg.fill
// CHECK: %[[X2:.+]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<?x2x3xf32> into tensor<?x3xf32>
// CHECK: %[[XW:.+]] = linalg.matmul ins(%[[X2]], %[[WT]] : tensor<?x3xf32>, tensor<3x4xf32>)
// CHECK: %[[XW3:.+]] = tensor.expand_shape %[[XW]] {{\[\[}}0, 1], [2]] output_shape [%{{.+}}, 2, 4] : tensor<?x4xf32> into tensor<?x2x4xf32>
// CHECK: %[[LOOP:.+]] = scf.for %[[I:[^ ]+]] = %{{.+}} to %[[T]] step %{{.+}} iter_args(%[[H:[^ ]+]] = %[[H0]]) -> (tensor<2x4xf32>)
// CHECK: tensor.extract_slice %[[XW3]][%[[I]], 0, 0] [1, 2, 4] [1, 1, 1] : tensor<?x2x4xf32> to tensor<2x4xf32>
// CHECK-NOT: linalg.matmul ins(%{{.+}}, %[[WT]]
// CHECK: linalg.matmul ins(%[[H]], %[[RT]] : tensor<2x4xf32>, tensor<4x4xf32>)
// CHECK: %[[G:.+]] = linalg.generic
// CHECK: math.tanh
// CHECK: %[[NEXT:.+]] = bufferization.materialize_in_destination %[[G]] in %[[H]]
// CHECK: scf.yield %[[NEXT]] : tensor<2x4xf32>
// CHECK: linalg.generic {{.+}} ins(%[[LOOP]] : tensor<2x4xf32>) outs(%{{.+}} : tensor<1x2x4xf32>)
func.func @rnn(%x: tensor<?x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>) -> tensor<1x2x4xf32> {
  %none = onnx.NoValue
  %y, %yh = onnx.RNN(%x, %w, %r, %none, %none, %none) {hidden_size = 4 : i64} : (tensor<?x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>, none, none, none) -> (none, tensor<1x2x4xf32>)
  return %yh : tensor<1x2x4xf32>
}

// -----

// Bidirectional LSTM with peepholes: the two directions are the two
// iterations of an scf.forall, cases of an scf.index_switch on its index,
// so that threads run them side by side. Each computes X * W^T for every
// step before its loop, which carries H, C and the direction's Y; the
// reverse loop reads and writes step T-1-t. The directions' results go
// into [2, ...] shared outputs; Y and Y_c pick their direction from slices
// of them with a select on the direction index.
// CHECK-LABEL: func.func @lstm_bidirectional
// CHECK: %[[ALL:.+]]:3 = scf.forall (%[[D:.+]]) in (2) shared_outs(%[[YS:.+]] = %{{.+}}, %[[HS:.+]] = %{{.+}}, %[[CS:.+]] = %{{.+}}) -> (tensor<2x5x2x4xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>)
// CHECK: %[[DIR:.+]]:3 = scf.index_switch %[[D]] -> tensor<5x2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
// CHECK: case 0 {
// CHECK: linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<10x3xf32>, tensor<3x16xf32>)
// CHECK: %[[FWD:.+]]:3 = scf.for %[[I:[^ ]+]] = {{.+}} iter_args(%[[H:[^ ]+]] = %{{.+}}, %[[C:[^ ]+]] = %{{.+}}, %[[Y:[^ ]+]] = %{{.+}}) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<5x2x4xf32>)
// CHECK: linalg.matmul ins(%[[H]], %{{.+}} : tensor<2x4xf32>, tensor<4x16xf32>)
// CHECK: bufferization.materialize_in_destination %{{.+}} in %[[H]]
// CHECK: bufferization.materialize_in_destination %{{.+}} in %[[C]]
// CHECK: tensor.insert %{{.+}} into %{{.+}}[%[[I]], %{{.+}}, %{{.+}}] : tensor<5x2x4xf32>
// CHECK: scf.yield %[[FWD]]#2, %[[FWD]]#0, %[[FWD]]#1
// CHECK: default {
// CHECK: linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<10x3xf32>, tensor<3x16xf32>)
// CHECK: %[[BWD:.+]]:3 = scf.for %[[J:[^ ]+]] = {{.+}} -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<5x2x4xf32>)
// CHECK: %[[LAST:.+]] = arith.subi %{{.+}}, %{{.+}} : index
// CHECK: %[[POS:.+]] = arith.subi %[[LAST]], %[[J]] : index
// CHECK: tensor.extract_slice %{{.+}}[%[[POS]], 0, 0] [1, 2, 16]
// CHECK: %[[LAST2:.+]] = arith.subi %{{.+}}, %{{.+}} : index
// CHECK: %[[POS2:.+]] = arith.subi %[[LAST2]], %[[J]] : index
// CHECK: tensor.insert %{{.+}} into %{{.+}}[%[[POS2]], %{{.+}}, %{{.+}}] : tensor<5x2x4xf32>
// CHECK: scf.yield %[[BWD]]#2, %[[BWD]]#0, %[[BWD]]#1
// CHECK: scf.forall.in_parallel
// CHECK: tensor.parallel_insert_slice %[[DIR]]#0 into %[[YS]][%[[D]], 0, 0, 0] [1, 5, 2, 4]
// CHECK: tensor.parallel_insert_slice %[[DIR]]#1 into %[[HS]][%[[D]], 0, 0] [1, 2, 4]
// CHECK: tensor.parallel_insert_slice %[[DIR]]#2 into %[[CS]][%[[D]], 0, 0] [1, 2, 4]
// CHECK: %[[YF:.+]] = tensor.extract_slice %[[ALL]]#0[0, 0, 0, 0] [1, 5, 2, 4]
// CHECK: %[[YB:.+]] = tensor.extract_slice %[[ALL]]#0[1, 0, 0, 0] [1, 5, 2, 4]
// CHECK: linalg.generic {{.+}} ins(%[[YF]], %[[YB]] : tensor<5x2x4xf32>, tensor<5x2x4xf32>) outs(%{{.+}} : tensor<5x2x2x4xf32>)
// CHECK: arith.select
// CHECK: linalg.generic {{.+}} ins(%{{.+}}, %{{.+}} : tensor<2x4xf32>, tensor<2x4xf32>) outs(%{{.+}} : tensor<2x2x4xf32>)
func.func @lstm_bidirectional(%x: tensor<5x2x3xf32>, %w: tensor<2x16x3xf32>, %r: tensor<2x16x4xf32>, %b: tensor<2x32xf32>, %p: tensor<2x12xf32>) -> (tensor<5x2x2x4xf32>, tensor<2x2x4xf32>) {
  %none = onnx.NoValue
  %y, %yh, %yc = onnx.LSTM(%x, %w, %r, %b, %none, %none, %none, %p) {hidden_size = 4 : i64, direction = "bidirectional"} : (tensor<5x2x3xf32>, tensor<2x16x3xf32>, tensor<2x16x4xf32>, tensor<2x32xf32>, none, none, none, tensor<2x12xf32>) -> (tensor<5x2x2x4xf32>, none, tensor<2x2x4xf32>)
  return %y, %yc : tensor<5x2x2x4xf32>, tensor<2x2x4xf32>
}

// -----

// GRU with sequence_lens: the new state is selected against t < len[b].
// Without linear_before_reset, (r * H) is multiplied by R_h^T separately.
// CHECK-LABEL: func.func @gru_seq_lens
// CHECK: linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<6x3xf32>, tensor<3x15xf32>)
// CHECK: scf.for %[[I:[^ ]+]] = {{.+}} -> (tensor<2x5xf32>)
// CHECK: linalg.matmul
// CHECK: arith.mulf
// CHECK: linalg.matmul
// CHECK: math.tanh
// CHECK: %[[LEN:.+]] = tensor.extract %{{.+}}[%{{.+}}] : tensor<2xi32>
// CHECK: %[[LENI:.+]] = arith.index_cast %[[LEN]] : i32 to index
// CHECK: %[[VALID:.+]] = arith.cmpi slt, %[[I]], %[[LENI]] : index
// CHECK: arith.select %[[VALID]]
// CHECK: bufferization.materialize_in_destination
func.func @gru_seq_lens(%x: tensor<3x2x3xf32>, %w: tensor<1x15x3xf32>, %r: tensor<1x15x5xf32>, %sl: tensor<2xi32>) -> tensor<1x2x5xf32> {
  %none = onnx.NoValue
  %y, %yh = onnx.GRU(%x, %w, %r, %none, %sl, %none) {hidden_size = 5 : i64} : (tensor<3x2x3xf32>, tensor<1x15x3xf32>, tensor<1x15x5xf32>, none, tensor<2xi32>, none) -> (none, tensor<1x2x5xf32>)
  return %yh : tensor<1x2x5xf32>
}

// -----

// Reverse with sequence_lens: each entry starts at its own last step, so X
// is gathered per step and X_t * W^T stays in the loop.
// CHECK-LABEL: func.func @rnn_reverse_seq_lens
// CHECK-NOT: linalg.matmul
// CHECK: scf.for
// CHECK: linalg.generic
// CHECK: linalg.matmul ins(%{{.+}}, %{{.+}} : tensor<2x3xf32>, tensor<3x4xf32>)
func.func @rnn_reverse_seq_lens(%x: tensor<3x2x3xf32>, %w: tensor<1x4x3xf32>, %r: tensor<1x4x4xf32>, %sl: tensor<2xi32>) -> tensor<1x2x4xf32> {
  %none = onnx.NoValue
  %y, %yh = onnx.RNN(%x, %w, %r, %none, %sl, %none) {hidden_size = 4 : i64, direction = "reverse"} : (tensor<3x2x3xf32>, tensor<1x4x3xf32>, tensor<1x4x4xf32>, none, tensor<2xi32>, none) -> (none, tensor<1x2x4xf32>)
  return %yh : tensor<1x2x4xf32>
}

// -----

// Constant weights are transposed at compile time, per direction: W^T
// [3, 2] and R^T [2, 2] constant blobs (W = [[1, 2, 3], [4, 5, 6]] gives
// W^T = [[1, 4], [2, 5], [3, 6]]), no linalg.transpose; the step's matmul
// reads R^T directly.
// CHECK-LABEL: func.func @rnn_const_weights
// CHECK-NOT: linalg.transpose
// CHECK-DAG: %[[WT:.*]] = arith.constant dense_resource<recurrent_weight_t{{.*}}> : tensor<3x2xf32>
// CHECK-DAG: %[[RT:.*]] = arith.constant dense_resource<recurrent_weight_t{{.*}}> : tensor<2x2xf32>
// CHECK: linalg.matmul ins(%{{.*}}, %[[WT]] : tensor<?x3xf32>, tensor<3x2xf32>)
// CHECK: scf.for
// CHECK: linalg.matmul ins(%{{.*}}, %[[RT]] : tensor<1x2xf32>, tensor<2x2xf32>)
// CHECK: recurrent_weight_t{{.*}}: "0x400000000000803F000080400000004000
func.func @rnn_const_weights(%x: tensor<?x1x3xf32>) -> tensor<1x1x2xf32> {
  %none = onnx.NoValue
  %w = onnx.Constant() {value = dense<[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]]> : tensor<1x2x3xf32>} : () -> tensor<1x2x3xf32>
  %r = onnx.Constant() {value = dense<[[[0.5, -0.5], [0.25, 1.0]]]> : tensor<1x2x2xf32>} : () -> tensor<1x2x2xf32>
  %y, %yh = onnx.RNN(%x, %w, %r, %none, %none, %none) {hidden_size = 2 : i64} : (tensor<?x1x3xf32>, tensor<1x2x3xf32>, tensor<1x2x2xf32>, none, none, none) -> (none, tensor<1x1x2xf32>)
  return %yh : tensor<1x1x2xf32>
}
