// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

// A child id that names no node of the tree is refused, not read past.
func.func @missing_child(%x: tensor<?x3xf32>) -> tensor<?x1xf32> {
  // expected-error @+2 {{cannot lower this op: node 0 of tree 0 has no child node 7}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ml.TreeEnsembleRegressor'}}
  %r = onnx.ml.TreeEnsembleRegressor(%x) {n_targets = 1 : i64, nodes_falsenodeids = [2, 0, 0], nodes_featureids = [1, 0, 0], nodes_modes = ["BRANCH_LEQ", "LEAF", "LEAF"], nodes_nodeids = [0, 1, 2], nodes_treeids = [0, 0, 0], nodes_truenodeids = [7, 0, 0], nodes_values = [5.000000e-01 : f32, 0.0 : f32, 0.0 : f32], target_ids = [0, 0], target_nodeids = [1, 2], target_treeids = [0, 0], target_weights = [-1.0 : f32, 1.0 : f32]} : (tensor<?x3xf32>) -> tensor<?x1xf32>
  return %r : tensor<?x1xf32>
}

// -----

// A tree whose nodes form a cycle (node 2's false child is node 0) would
// be walked forever: refused.
func.func @cyclic_tree(%x: tensor<?x3xf32>) -> tensor<?x1xf32> {
  // expected-error @+2 {{cannot lower this op: the nodes of a tree form a cycle (branch node 0 is its own descendant): walking it would never end}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ml.TreeEnsembleRegressor'}}
  %r = onnx.ml.TreeEnsembleRegressor(%x) {n_targets = 1 : i64, nodes_falsenodeids = [2, 0, 0, 0], nodes_featureids = [1, 0, 2, 0], nodes_modes = ["BRANCH_LEQ", "LEAF", "BRANCH_LEQ", "LEAF"], nodes_nodeids = [0, 1, 2, 3], nodes_treeids = [0, 0, 0, 0], nodes_truenodeids = [1, 0, 3, 0], nodes_values = [5.000000e-01 : f32, 0.0 : f32, 1.0 : f32, 0.0 : f32], target_ids = [0, 0], target_nodeids = [1, 3], target_treeids = [0, 0], target_weights = [-1.0 : f32, 1.0 : f32]} : (tensor<?x3xf32>) -> tensor<?x1xf32>
  return %r : tensor<?x1xf32>
}

// -----

// A feature past the input's columns.
func.func @feature_out_of_range(%x: tensor<?x3xf32>) -> tensor<?x1xf32> {
  // expected-error @+2 {{cannot lower this op: a node reads feature 5 of an input with 3}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ml.TreeEnsembleRegressor'}}
  %r = onnx.ml.TreeEnsembleRegressor(%x) {n_targets = 1 : i64, nodes_falsenodeids = [2, 0, 0], nodes_featureids = [5, 0, 0], nodes_modes = ["BRANCH_LEQ", "LEAF", "LEAF"], nodes_nodeids = [0, 1, 2], nodes_treeids = [0, 0, 0], nodes_truenodeids = [1, 0, 0], nodes_values = [5.000000e-01 : f32, 0.0 : f32, 0.0 : f32], target_ids = [0, 0], target_nodeids = [1, 2], target_treeids = [0, 0], target_weights = [-1.0 : f32, 1.0 : f32]} : (tensor<?x3xf32>) -> tensor<?x1xf32>
  return %r : tensor<?x1xf32>
}

// -----

// Coefficients that do not split into one row per class.
func.func @linear_ragged(%x: tensor<?x3xf32>) -> (tensor<?xi64>, tensor<?x2xf32>) {
  // expected-error @+2 {{cannot lower this op: coefficients must hold one row of features per target}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ml.LinearClassifier'}}
  %y, %z = onnx.ml.LinearClassifier(%x) {classlabels_ints = [0, 1], coefficients = [1.0 : f32, 2.0 : f32, 3.0 : f32], intercepts = [0.0 : f32, 0.0 : f32]} : (tensor<?x3xf32>) -> (tensor<?xi64>, tensor<?x2xf32>)
  return %y, %z : tensor<?xi64>, tensor<?x2xf32>
}

// -----

func.func @normalizer_norm(%x: tensor<?x3xf32>) -> tensor<?x3xf32> {
  // expected-error @+2 {{cannot lower this op: norm must be MAX, L1 or L2}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ml.Normalizer'}}
  %y = onnx.ml.Normalizer(%x) {norm = "L3"} : (tensor<?x3xf32>) -> tensor<?x3xf32>
  return %y : tensor<?x3xf32>
}

// -----

// ZipMap (maps of class scores) has no lowering; the error names its domain.
// The loader refuses it in models before ONNX's inference; this is the
// conversion's own check, for IR that reaches it.
func.func @zipmap(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  // expected-error @+1 {{unsupported ONNX operator 'ZipMap' (domain ai.onnx.ml) in node '': Kiln has no lowering for it}}
  %z = onnx.ml.ZipMap(%x) {classlabels_int64s = [0, 1]} : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %z : tensor<?x2xf32>
}

// -----

// libsvm's layout needs one vectors_per_class entry per class.
func.func @svm_vectors_per_class(%x: tensor<?x2xf32>) -> (tensor<?xi64>, tensor<?x3xf32>) {
  // expected-error @+2 {{cannot lower this op: expected one vectors_per_class entry per class}}
  // expected-error @+1 {{failed to legalize operation 'onnx.ml.SVMClassifier'}}
  %y, %z = onnx.ml.SVMClassifier(%x) {classlabels_ints = [0, 1, 2], coefficients = [1.0 : f32, 1.0 : f32, 1.0 : f32, 1.0 : f32], rho = [0.0 : f32, 0.0 : f32, 0.0 : f32], support_vectors = [0.0 : f32, 1.0 : f32, 1.0 : f32, 0.0 : f32], vectors_per_class = [1, 1], kernel_type = "RBF", kernel_params = [0.5 : f32, 0.0 : f32, 3.0 : f32]} : (tensor<?x2xf32>) -> (tensor<?xi64>, tensor<?x3xf32>)
  return %y, %z : tensor<?xi64>, tensor<?x3xf32>
}
