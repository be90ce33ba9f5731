// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// Trilu keeps element (i, j) when j - i >= k (upper), k read at run time.
// CHECK-LABEL: func.func @trilu_upper
// CHECK: %[[K:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: linalg.generic {{.*}} ins(%arg0 : tensor<?x4xf32>)
// CHECK: %[[I:.*]] = linalg.index 0
// CHECK: %[[J:.*]] = linalg.index 1
// CHECK: %[[D:.*]] = arith.subi %[[J]], %[[I]]
// CHECK: %[[KEEP:.*]] = arith.cmpi sge, %[[D]], %[[K]]
// CHECK: arith.select %[[KEEP]], %{{.*}}, %{{.*}} : f32
func.func @trilu_upper(%a: tensor<?x4xf32>, %k: tensor<i64>) -> tensor<?x4xf32> {
  %0 = onnx.Trilu(%a, %k) : (tensor<?x4xf32>, tensor<i64>) -> tensor<?x4xf32>
  return %0 : tensor<?x4xf32>
}

// -----

// Without k the main diagonal is the bound.
// CHECK-LABEL: func.func @trilu_lower_no_k
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: linalg.generic
// CHECK: arith.cmpi sle, %{{.*}}, %[[C0]] : index
func.func @trilu_lower_no_k(%a: tensor<3x4xi32>) -> tensor<3x4xi32> {
  %n = onnx.NoValue
  %0 = onnx.Trilu(%a, %n) {upper = 0 : i64} : (tensor<3x4xi32>, none) -> tensor<3x4xi32>
  return %0 : tensor<3x4xi32>
}

// -----

// A scan over the axis carrying the result and the running sum (one slice
// wide, updated in place); exclusive writes the sum before adding, reverse
// walks from the end.
// CHECK-LABEL: func.func @cumsum_const_axis
// CHECK: %[[N:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[ACC:.*]] = linalg.fill {{.*}} -> tensor<2x1xf32>
// CHECK: scf.for %[[T:.*]] = %{{.*}} to %[[N]] step %{{.*}} iter_args(%[[OUT:.*]] = %{{.*}}, %[[ACCV:.*]] = %[[ACC]])
// CHECK: %[[LAST:.*]] = arith.subi %[[N]], %{{.*}}
// CHECK: %[[P:.*]] = arith.subi %[[LAST]], %[[T]]
// CHECK: %[[X:.*]] = tensor.extract_slice %arg0[0, %[[P]]] [2, 1] [1, 1]
// CHECK: %[[W:.*]] = tensor.insert_slice %[[ACCV]] into %[[OUT]][0, %[[P]]]
// CHECK: %[[S:.*]] = linalg.generic {{.*}} ins(%[[X]] : tensor<2x1xf32>) outs(%[[ACCV]] : tensor<2x1xf32>)
// CHECK: arith.addf
// CHECK: scf.yield %[[W]], %[[S]]
func.func @cumsum_const_axis(%a: tensor<2x?xf32>) -> tensor<2x?xf32> {
  %ax = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
  %0 = onnx.CumSum(%a, %ax) {exclusive = 1 : i64, reverse = 1 : i64} : (tensor<2x?xf32>, tensor<i64>) -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}

// -----

// A run-time axis picks one scan per possible axis.
// CHECK-LABEL: func.func @cumsum_runtime_axis
// CHECK: %[[A:.*]] = arith.select %{{.*}}, %{{.*}}, %{{.*}} : index
// CHECK: %[[IS0:.*]] = arith.cmpi eq, %[[A]], %c0
// CHECK: scf.if %[[IS0]] -> (tensor<2x3xi64>)
// CHECK: tensor.extract_slice %arg0[%{{.*}}, 0] [1, 3] [1, 1]
// CHECK: arith.addi %{{.*}}, %{{.*}} : i64
// CHECK: } else {
// CHECK: tensor.extract_slice %arg0[0, %{{.*}}] [2, 1] [1, 1]
func.func @cumsum_runtime_axis(%a: tensor<2x3xi64>, %ax: tensor<i32>) -> tensor<2x3xi64> {
  %0 = onnx.CumSum(%a, %ax) : (tensor<2x3xi64>, tensor<i32>) -> tensor<2x3xi64>
  return %0 : tensor<2x3xi64>
}

// -----

// depth (a float here) is truncated; the indices are read at every dim but
// the one-hot axis and wrapped when negative.
// CHECK-DAG: #[[IDX:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @onehot
// CHECK: %[[DF:.*]] = arith.fptosi %{{.*}} : f32 to i64
// CHECK: %[[DEPTH:.*]] = arith.index_cast %[[DF]]
// CHECK: %[[OFF:.*]] = tensor.extract %arg2[%{{.*}}]
// CHECK: %[[ON:.*]] = tensor.extract %arg2[%{{.*}}]
// CHECK: %[[E:.*]] = tensor.empty(%[[DEPTH]], %{{.*}}) : tensor<?x?xf32>
// CHECK: linalg.generic {indexing_maps = [#[[IDX]], {{.*}}]{{.*}} ins(%arg0 : tensor<?xi64>) outs(%[[E]]
// CHECK: %[[J:.*]] = linalg.index 0
// CHECK: %[[W:.*]] = arith.select
// CHECK: %[[HIT:.*]] = arith.cmpi eq, %[[W]], %[[J]]
// CHECK: arith.select %[[HIT]], %[[ON]], %[[OFF]]
func.func @onehot(%i: tensor<?xi64>, %d: tensor<f32>, %v: tensor<2xf32>) -> tensor<?x?xf32> {
  %0 = onnx.OneHot(%i, %d, %v) {axis = 0 : i64} : (tensor<?xi64>, tensor<f32>, tensor<2xf32>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Batch dims index data directly, then one index per depth entry.
// CHECK-LABEL: func.func @gathernd
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x4xf32>)
// CHECK: %[[B:.*]] = linalg.index 0
// CHECK: %[[R:.*]] = linalg.index 1
// CHECK: tensor.extract %arg1[%[[B]], %{{.*}}] : tensor<2x1xi64>
// CHECK: arith.select
// CHECK: func.call @kiln_check_failed
// CHECK: %[[I:.*]] = arith.minsi
// CHECK: tensor.extract %arg0[%[[B]], %[[I]], %[[R]]] : tensor<2x3x4xf32>
func.func @gathernd(%d: tensor<2x3x4xf32>, %i: tensor<2x1xi64>) -> tensor<2x4xf32> {
  %0 = onnx.GatherND(%d, %i) {batch_dims = 1 : i64} : (tensor<2x3x4xf32>, tensor<2x1xi64>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// A symbolic index depth follows from the result rank: (2 - 1) + (3 - 1 - k)
// = 2 gives k = 1, so one index is read and the last data dim is copied.
// CHECK-LABEL: func.func @gathernd_dynamic_depth
// CHECK: %[[N:.*]] = tensor.dim %arg1, %c0
// CHECK: %[[L:.*]] = tensor.dim %arg0, %c2
// CHECK: tensor.empty(%[[N]], %[[L]]) : tensor<?x?xf32>
// CHECK: linalg.generic
// CHECK: %[[B:.*]] = linalg.index 0
// CHECK: %[[R:.*]] = linalg.index 1
// CHECK: tensor.extract %arg1[%[[B]], %c0{{.*}}] : tensor<?x?xi64>
// CHECK-NOT: tensor.extract %arg1
// CHECK: arith.select
// CHECK: func.call @kiln_check_failed
// CHECK: %[[I:.*]] = arith.minsi
// CHECK: tensor.extract %arg0[%[[B]], %[[I]], %[[R]]] : tensor<?x?x?xf32>
func.func @gathernd_dynamic_depth(%d: tensor<?x?x?xf32>, %i: tensor<?x?xi64>) -> tensor<?x?xf32> {
  %0 = onnx.GatherND(%d, %i) {batch_dims = 1 : i64} : (tensor<?x?x?xf32>, tensor<?x?xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// CHECK-LABEL: func.func @reverse_sequence
// CHECK: linalg.generic
// CHECK: %[[B:.*]] = linalg.index 0
// CHECK: %[[T:.*]] = linalg.index 1
// CHECK: tensor.extract %arg1[%[[B]]] : tensor<4xi64>
// CHECK: %[[LEN:.*]] = arith.minsi
// CHECK: %[[IN:.*]] = arith.cmpi slt, %[[T]], %[[LEN]]
// CHECK: %[[SRC:.*]] = arith.select %[[IN]], %{{.*}}, %[[T]]
// CHECK: tensor.extract %arg0[%[[B]], %[[SRC]]] : tensor<4x?xf32>
func.func @reverse_sequence(%x: tensor<4x?xf32>, %l: tensor<4xi64>) -> tensor<4x?xf32> {
  %0 = onnx.ReverseSequence(%x, %l) {batch_axis = 0 : i64, time_axis = 1 : i64} : (tensor<4x?xf32>, tensor<4xi64>) -> tensor<4x?xf32>
  return %0 : tensor<4x?xf32>
}

// -----

// CRD: input channel c * bs^2 + (h % bs) * bs + w % bs.
// CHECK-LABEL: func.func @depth_to_space
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x4x6xf32>)
// CHECK: %[[C:.*]] = linalg.index 1
// CHECK: %[[BH:.*]] = arith.remui
// CHECK: %[[BW:.*]] = arith.remui
// CHECK: %[[H:.*]] = arith.divui
// CHECK: %[[W:.*]] = arith.divui
// CHECK: %[[BHS:.*]] = arith.muli %[[BH]]
// CHECK: %[[BLK:.*]] = arith.addi %[[BHS]], %[[BW]]
// CHECK: %[[CS:.*]] = arith.muli %[[C]], %c4
// CHECK: %[[IC:.*]] = arith.addi %[[CS]], %[[BLK]]
// CHECK: tensor.extract %arg0[%{{.*}}, %[[IC]], %[[H]], %[[W]]]
func.func @depth_to_space(%x: tensor<1x8x2x3xf32>) -> tensor<1x2x4x6xf32> {
  %0 = onnx.DepthToSpace(%x) {blocksize = 2 : i64, mode = "CRD"} : (tensor<1x8x2x3xf32>) -> tensor<1x2x4x6xf32>
  return %0 : tensor<1x2x4x6xf32>
}

// -----

// CHECK-LABEL: func.func @space_to_depth
// CHECK: %[[H:.*]] = tensor.dim %arg0, %c2
// CHECK: %[[OH:.*]] = arith.floordivsi %[[H]], %{{.*}}
// CHECK: tensor.empty(%[[OH]]) : tensor<1x8x?x3xf32>
// CHECK: linalg.generic
// CHECK: tensor.extract %arg0[{{.*}}] : tensor<1x2x?x6xf32>
func.func @space_to_depth(%x: tensor<1x2x?x6xf32>) -> tensor<1x8x?x3xf32> {
  %0 = onnx.SpaceToDepth(%x) {blocksize = 2 : i64} : (tensor<1x2x?x6xf32>) -> tensor<1x8x?x3xf32>
  return %0 : tensor<1x8x?x3xf32>
}

// -----

// CRD mode (opset 25): output channel c * 4 + block, read from channel
// oc / 4; DCR reads channel oc mod C.
// CHECK-LABEL: func.func @space_to_depth_crd
// CHECK: linalg.generic
// CHECK: %[[OC:.*]] = linalg.index 1
// CHECK: %[[C:.*]] = arith.divui %[[OC]], %c4
// CHECK: %[[BLOCK:.*]] = arith.remui %[[OC]], %c4
// CHECK: tensor.extract %arg0[%{{.*}}, %[[C]], %{{.*}}, %{{.*}}]
func.func @space_to_depth_crd(%x: tensor<1x2x4x6xf32>) -> tensor<1x8x2x3xf32> {
  %0 = onnx.SpaceToDepth(%x) {blocksize = 2 : i64, mode = "CRD"} : (tensor<1x2x4x6xf32>) -> tensor<1x8x2x3xf32>
  return %0 : tensor<1x8x2x3xf32>
}

// -----

// Each input element is written at its flat index into a zero tensor.
// CHECK-LABEL: func.func @max_unpool
// CHECK: %[[Z:.*]] = linalg.fill {{.*}} -> tensor<1x1x4x4xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[Z]])
// CHECK: scf.for
// CHECK: scf.for
// CHECK: scf.for {{.*}} iter_args(%[[ACC:.*]] = %{{.*}})
// CHECK: tensor.extract %arg1
// CHECK: %[[V:.*]] = tensor.extract %arg0
// CHECK: tensor.insert %[[V]] into %[[ACC]]
func.func @max_unpool(%x: tensor<1x1x2x2xf32>, %i: tensor<1x1x2x2xi64>) -> tensor<1x1x4x4xf32> {
  %n = onnx.NoValue
  %0 = onnx.MaxUnpool(%x, %i, %n) {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>, none) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// Count the selected rows, allocate, then copy them in order.
// CHECK-LABEL: func.func @compress
// CHECK: %[[N:.*]] = arith.minsi
// CHECK: %[[CNT:.*]] = scf.for {{.*}} to %[[N]] {{.*}} -> (index)
// CHECK: %[[E:.*]] = tensor.empty(%[[CNT]]) : tensor<?x2xf32>
// CHECK: scf.for %[[J:.*]] = {{.*}} iter_args(%[[OUT:.*]] = %[[E]], %[[POS:.*]] = %{{.*}})
// CHECK: scf.if
// CHECK: %[[ROW:.*]] = tensor.extract_slice %arg0[%[[J]], 0] [1, 2]
// CHECK: tensor.insert_slice %[[ROW]] into %[[OUT]][%[[POS]], 0] [1, 2]
func.func @compress(%x: tensor<3x2xf32>, %c: tensor<?xi1>) -> tensor<?x2xf32> {
  %0 = onnx.Compress(%x, %c) {axis = 0 : i64} : (tensor<3x2xf32>, tensor<?xi1>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}

// -----

// CHECK-LABEL: func.func @nonzero
// CHECK: %[[CNT:.*]] = scf.for {{.*}} -> (index)
// CHECK: arith.cmpf une
// CHECK: %[[E:.*]] = tensor.empty(%[[CNT]]) : tensor<2x?xi64>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %[[E]], %{{.*}} = %{{.*}})
// CHECK: scf.if
// CHECK: tensor.insert %{{.*}} into %{{.*}}[%{{.*}}, %{{.*}}] : tensor<2x?xi64>
func.func @nonzero(%x: tensor<2x?xf32>) -> tensor<2x?xi64> {
  %0 = onnx.NonZero(%x) : (tensor<2x?xf32>) -> tensor<2x?xi64>
  return %0 : tensor<2x?xi64>
}

// -----

// TensorScatter reads as a gather: position p of the cache takes update
// row p - write[b] (circular: modulo the cache length) when that lies in
// [0, seq), the past cache elsewhere.
// CHECK-LABEL: func.func @tensor_scatter_circular
// CHECK: linalg.generic
// CHECK: %[[B:.*]] = linalg.index 0
// CHECK: %[[P:.*]] = linalg.index 2
// CHECK: %[[W:.*]] = tensor.extract %arg2[%[[B]]] : tensor<2xi64>
// CHECK: %[[WI:.*]] = arith.index_cast %[[W]]
// CHECK: %[[S:.*]] = arith.subi %[[P]], %[[WI]]
// CHECK: arith.remsi %[[S]], %c8
// CHECK: %[[MOD:.*]] = arith.remsi %{{.*}}, %c8
// CHECK: %[[LO:.*]] = arith.cmpi sge, %[[MOD]], %c0
// CHECK: %[[HI:.*]] = arith.cmpi slt, %[[MOD]], %{{.*}}
// CHECK: %[[IN:.*]] = arith.andi %[[LO]], %[[HI]]
// CHECK: scf.if %[[IN]]
// CHECK: tensor.extract %arg1[%{{.*}}, %{{.*}}, %[[MOD]], %{{.*}}] : tensor<2x3x?x4xf32>
func.func @tensor_scatter_circular(%past: tensor<2x3x8x4xf32>, %upd: tensor<2x3x?x4xf32>, %w: tensor<2xi64>) -> tensor<2x3x8x4xf32> {
  %0 = onnx.TensorScatter(%past, %upd, %w) {mode = "circular"} : (tensor<2x3x8x4xf32>, tensor<2x3x?x4xf32>, tensor<2xi64>) -> tensor<2x3x8x4xf32>
  return %0 : tensor<2x3x8x4xf32>
}

// -----

// Col2Im as a gather: the kernel offsets are reduction dims (over a tensor
// of the block's shape, read at run time from block_shape); a column
// contributes where y + pad - k * dilation is a multiple of the stride
// inside the blocks.
// CHECK-LABEL: func.func @col2im
// CHECK: %[[IMG0:.*]] = tensor.extract %arg1[%c0]
// CHECK: %[[BLK0:.*]] = tensor.extract %arg2[%c0]
// CHECK: %[[WIN:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?xf32>
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction"]} ins(%[[WIN]] : tensor<?x?xf32>)
// CHECK: arith.remsi
// CHECK: arith.select
// CHECK: tensor.extract %arg0[
// CHECK: arith.addf
func.func @col2im(%x: tensor<1x5x25xf32>, %img: tensor<2xi64>, %blk: tensor<2xi64>) -> tensor<1x1x5x5xf32> {
  %0 = onnx.Col2Im(%x, %img, %blk) {pads = [1, 1, 1, 1], strides = [1, 1]} : (tensor<1x5x25xf32>, tensor<2xi64>, tensor<2xi64>) -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}
