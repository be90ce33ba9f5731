// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// Binarizer: 1 where x > threshold, else 0, elementwise.
// CHECK-LABEL: func.func @binarizer
// CHECK: linalg.generic
// CHECK: %[[T:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[GT:.*]] = arith.cmpf ogt, %{{.*}}, %[[T]] : f32
// CHECK: arith.select %[[GT]]
func.func @binarizer(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  %y = onnx.ml.Binarizer(%x) {threshold = 0.5 : f32} : (tensor<?x3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// A tree ensemble: node arrays as resource constants, a (row, tree) walk to
// the leaf (~leaf < 0 ends it; one mode, so one compare and no mode array),
// a (row, target, tree) MAX reduction over the leaf weight table starting
// at -inf, and the finalization that counts a target no tree reached as 0.
// CHECK-LABEL: func.func @tree_max
// CHECK-DAG: %[[ROOTS:.*]] = arith.constant dense_resource<tree_roots> : tensor<1xi32>
// CHECK-DAG: %[[THR:.*]] = arith.constant dense_resource<tree_thresholds> : tensor<1xf32>
// CHECK-NOT: tree_modes
// CHECK: %[[LEAVES:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK: scf.while
// CHECK: arith.cmpi sge
// CHECK: scf.condition
// CHECK: arith.cmpf olt
// CHECK: scf.yield
// CHECK: } attributes {kiln.trip_estimate = 1 : i64}
// CHECK: arith.xori
// CHECK: dense_resource<leaf_weights> : tensor<2x1xf32>
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[LEAVES]] : tensor<?x1xi32>)
// CHECK: arith.maximumf
// CHECK: linalg.generic
// CHECK: math.absf
// CHECK: arith.cmpf oeq
func.func @tree_max(%x: tensor<?x3xf32>) -> tensor<?x1xf32> {
  %r = onnx.ml.TreeEnsembleRegressor(%x) {aggregate_function = "MAX", n_targets = 1 : i64, nodes_falsenodeids = [2, 0, 0], nodes_featureids = [1, 0, 0], nodes_modes = ["BRANCH_LT", "LEAF", "LEAF"], nodes_nodeids = [0, 1, 2], nodes_treeids = [0, 0, 0], nodes_truenodeids = [1, 0, 0], nodes_values = [5.000000e-01 : f32, 0.0 : f32, 0.0 : f32], target_ids = [0, 0], target_nodeids = [1, 2], target_treeids = [0, 0], target_weights = [-1.0 : f32, 1.0 : f32]} : (tensor<?x3xf32>) -> tensor<?x1xf32>
  return %r : tensor<?x1xf32>
}

// -----

// Mixed modes read a mode array; a node that tracks NaN to its true branch
// adds the missing-value test. The walk takes at most two steps (node 0,
// then node 2), which the parallel dispatch sizes its grain with.
// CHECK-LABEL: func.func @tree_modes
// CHECK: dense_resource<tree_modes> : tensor<2xi8>
// CHECK: dense_resource<tree_missing> : tensor<2xi8>
// CHECK: scf.while
// CHECK: arith.cmpf une
// CHECK: arith.cmpf oeq
// CHECK: arith.cmpf uno
// CHECK: } attributes {kiln.trip_estimate = 2 : i64}
func.func @tree_modes(%x: tensor<?x3xf32>) -> tensor<?x1xf32> {
  %r = onnx.ml.TreeEnsembleRegressor(%x) {n_targets = 1 : i64, nodes_falsenodeids = [2, 0, 4, 0, 0], nodes_featureids = [1, 0, 2, 0, 0], nodes_modes = ["BRANCH_EQ", "LEAF", "BRANCH_GTE", "LEAF", "LEAF"], nodes_nodeids = [0, 1, 2, 3, 4], nodes_treeids = [0, 0, 0, 0, 0], nodes_truenodeids = [1, 0, 3, 0, 0], nodes_values = [5.000000e-01 : f32, 0.0 : f32, 1.0 : f32, 0.0 : f32, 0.0 : f32], nodes_missing_value_tracks_true = [0, 0, 1, 0, 0], target_ids = [0, 0, 0], target_nodeids = [1, 3, 4], target_treeids = [0, 0, 0], target_weights = [-1.0 : f32, 1.0 : f32, 2.0 : f32]} : (tensor<?x3xf32>) -> tensor<?x1xf32>
  return %r : tensor<?x1xf32>
}

// -----

// An input with fewer features than the coefficients hold per target reads
// them as ONNX Runtime does, [T, F] with F the input's: the first T * F
// (1, 2, 3, 4 of 6 here), as ORT's own logreg_iris example needs.
// CHECK-LABEL: func.func @linear_regressor_fewer_features
// CHECK: arith.constant dense_resource<coefficients> : tensor<2x2xf32>
// CHECK: linalg.generic {{.*}} ins(%arg0, %{{.*}} : tensor<?x2xf32>, tensor<2x2xf32>)
// CHECK: coefficients: "0x400000000000803F000000400000404000008040"
func.func @linear_regressor_fewer_features(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %0 = onnx.ml.LinearRegressor(%x) {coefficients = [1.0 : f32, 2.0 : f32, 3.0 : f32, 4.0 : f32, 5.0 : f32, 6.0 : f32], intercepts = [0.5 : f32, -0.5 : f32], targets = 2 : i64} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %0 : tensor<?x2xf32>
}
