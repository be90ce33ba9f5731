// RUN: kiln-opt %s --kiln-shape-inference -split-input-file -verify-diagnostics | FileCheck %s

// Ops that ONNX's shape inference may leave unranked get a ranked result
// where the rank is knowable.

// Convolutions: N from X, channels from W, spatial dims by ONNX's formulas
// where the sizes are static.
// CHECK-LABEL: func.func @conv
// CHECK: onnx.Conv({{.*}}) -> tensor<?x?x?xf32>
// CHECK: onnx.Conv({{.*}}) -> tensor<2x8x3xf32>
func.func @conv(%x: tensor<?x?x?xf32>, %w: tensor<?x?x?xf32>, %y: tensor<2x4x9xf32>, %v: tensor<8x2x3xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  %n = onnx.NoValue
  %0 = onnx.Conv(%x, %w, %n) {group = 4 : i64} : (tensor<?x?x?xf32>, tensor<?x?x?xf32>, none) -> tensor<*xf32>
  %1 = onnx.Conv(%y, %v, %n) {group = 2 : i64, auto_pad = "SAME_LOWER", strides = [3]} : (tensor<2x4x9xf32>, tensor<8x2x3xf32>, none) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// CHECK-LABEL: func.func @conv_integer
// CHECK: onnx.ConvInteger({{.*}}) -> tensor<?x8x3x?xi32>
// CHECK: onnx.QLinearConv({{.*}}) -> tensor<?x8x2x?xui8>
func.func @conv_integer(%x: tensor<?x4x5x?xui8>, %w: tensor<8x4x3x3xui8>, %xs: tensor<f32>, %xz: tensor<ui8>, %ws: tensor<f32>, %wz: tensor<ui8>, %ys: tensor<f32>, %yz: tensor<ui8>) -> (tensor<*xi32>, tensor<*xui8>) {
  %n = onnx.NoValue
  %0 = onnx.ConvInteger(%x, %w, %n, %n) : (tensor<?x4x5x?xui8>, tensor<8x4x3x3xui8>, none, none) -> tensor<*xi32>
  %1 = onnx.QLinearConv(%x, %xs, %xz, %w, %ws, %wz, %ys, %yz, %n) {pads = [1, 1, 1, 1], strides = [3, 1]} : (tensor<?x4x5x?xui8>, tensor<f32>, tensor<ui8>, tensor<8x4x3x3xui8>, tensor<f32>, tensor<ui8>, tensor<f32>, tensor<ui8>, none) -> tensor<*xui8>
  return %0, %1 : tensor<*xi32>, tensor<*xui8>
}

// -----

// ConvTranspose: channels are W[1] * group; stride * (in - 1) +
// output_padding + extent - pads, in * stride with SAME, or output_shape.
// CHECK-LABEL: func.func @conv_transpose
// CHECK: onnx.ConvTranspose({{.*}}) -> tensor<?x6x10x?xf32>
// CHECK: onnx.ConvTranspose({{.*}}) -> tensor<?x6x8x?xf32>
// CHECK: onnx.ConvTranspose({{.*}}) -> tensor<?x6x9x7xf32>
func.func @conv_transpose(%x: tensor<?x4x4x?xf32>, %w: tensor<4x3x3x3xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %n = onnx.NoValue
  %0 = onnx.ConvTranspose(%x, %w, %n) {group = 2 : i64, strides = [2, 2], output_padding = [1, 0]} : (tensor<?x4x4x?xf32>, tensor<4x3x3x3xf32>, none) -> tensor<*xf32>
  %1 = onnx.ConvTranspose(%x, %w, %n) {group = 2 : i64, strides = [2, 2], auto_pad = "SAME_UPPER"} : (tensor<?x4x4x?xf32>, tensor<4x3x3x3xf32>, none) -> tensor<*xf32>
  %2 = onnx.ConvTranspose(%x, %w, %n) {group = 2 : i64, output_shape = [9, 7]} : (tensor<?x4x4x?xf32>, tensor<4x3x3x3xf32>, none) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Compress keeps the rank with an axis and is 1-D without one.
// CHECK-LABEL: func.func @compress
// CHECK: onnx.Compress({{.*}}) {axis = -1 : i64} : ({{.*}}) -> tensor<3x?xf32>
// CHECK: onnx.Compress({{.*}}) : ({{.*}}) -> tensor<?xf32>
func.func @compress(%x: tensor<3x4xf32>, %c: tensor<?xi1>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = onnx.Compress(%x, %c) {axis = -1 : i64} : (tensor<3x4xf32>, tensor<?xi1>) -> tensor<*xf32>
  %1 = onnx.Compress(%x, %c) : (tensor<3x4xf32>, tensor<?xi1>) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// MaxUnpool: (in - 1) * stride + kernel - pads, or the constant
// output_shape; a run-time output_shape still gives the rank of X.
// CHECK-LABEL: func.func @max_unpool
// CHECK: onnx.MaxUnpool({{.*}}) -> tensor<1x3x4x?xf32>
// CHECK: onnx.MaxUnpool({{.*}}) -> tensor<1x3x5x5xf32>
// CHECK: onnx.MaxUnpool({{.*}}) -> tensor<?x?x?x?xf32>
func.func @max_unpool(%x: tensor<1x3x2x?xf32>, %i: tensor<1x3x2x?xi64>, %s: tensor<4xi64>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %n = onnx.NoValue
  %0 = onnx.MaxUnpool(%x, %i, %n) {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<1x3x2x?xf32>, tensor<1x3x2x?xi64>, none) -> tensor<*xf32>
  %c = onnx.Constant() {value = dense<[1, 3, 5, 5]> : tensor<4xi64>} : () -> tensor<4xi64>
  %1 = onnx.MaxUnpool(%x, %i, %c) {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<1x3x2x?xf32>, tensor<1x3x2x?xi64>, tensor<4xi64>) -> tensor<*xf32>
  %2 = onnx.MaxUnpool(%x, %i, %s) {kernel_shape = [2, 2], strides = [2, 2]} : (tensor<1x3x2x?xf32>, tensor<1x3x2x?xi64>, tensor<4xi64>) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// NonZero is [rank(X), ?] of i64.
// CHECK-LABEL: func.func @non_zero
// CHECK: onnx.NonZero({{.*}}) : (tensor<?x?x?xf32>) -> tensor<3x?xi64>
func.func @non_zero(%x: tensor<?x?x?xf32>) -> tensor<*xi64> {
  %0 = onnx.NonZero(%x) : (tensor<?x?x?xf32>) -> tensor<*xi64>
  return %0 : tensor<*xi64>
}

// -----

// GatherND with a static index depth: indices[:-1] + data[batch_dims + k:];
// a symbolic depth leaves the result as it is.
// CHECK-LABEL: func.func @gather_nd
// CHECK: onnx.GatherND({{.*}}) {batch_dims = 1 : i64} : ({{.*}}) -> tensor<2x?x5xf32>
// CHECK: onnx.GatherND({{.*}}) : ({{.*}}) -> tensor<*xf32>
func.func @gather_nd(%d: tensor<2x3x4x5xf32>, %i: tensor<2x?x2xi64>, %j: tensor<2x?xi64>) -> (tensor<*xf32>, tensor<*xf32>) {
  %0 = onnx.GatherND(%d, %i) {batch_dims = 1 : i64} : (tensor<2x3x4x5xf32>, tensor<2x?x2xi64>) -> tensor<*xf32>
  %1 = onnx.GatherND(%d, %j) : (tensor<2x3x4x5xf32>, tensor<2x?xi64>) -> tensor<*xf32>
  return %0, %1 : tensor<*xf32>, tensor<*xf32>
}

// -----

// GatherElements has the indices' shape, and data, indices and result share
// one rank, so one ranked operand ranks the result (legacy-exported BERT:
// `/m/embeddings/GatherElements` was left unranked by ONNX's inference).
// CHECK-LABEL: func.func @gather_elements
// CHECK: onnx.GatherElements({{.*}}) -> tensor<1x?xi64>
// CHECK: onnx.GatherElements({{.*}}) -> tensor<?x?xf32>
func.func @gather_elements(%d: tensor<?x64xi64>, %i: tensor<1x?xi64>, %u: tensor<*xi64>, %f: tensor<3x4xf32>) -> (tensor<*xi64>, tensor<*xf32>) {
  %0 = onnx.GatherElements(%d, %i) {axis = 1 : i64} : (tensor<?x64xi64>, tensor<1x?xi64>) -> tensor<*xi64>
  %1 = onnx.GatherElements(%f, %u) {axis = 0 : i64} : (tensor<3x4xf32>, tensor<*xi64>) -> tensor<*xf32>
  return %0, %1 : tensor<*xi64>, tensor<*xf32>
}

// -----

func.func @gather_elements_ranks_differ(%d: tensor<2x3xf32>, %i: tensor<4xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{data (rank 2) and indices (rank 1) must have the same rank}}
  %0 = onnx.GatherElements(%d, %i) : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

func.func @gather_nd_too_deep(%d: tensor<2x3xf32>, %i: tensor<4x3xi64>) -> tensor<*xf32> {
  // expected-error @+1 {{batch_dims + index depth exceed the data rank}}
  %0 = onnx.GatherND(%d, %i) : (tensor<2x3xf32>, tensor<4x3xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Expand: rank max(rank(x), len(shape)) even when the shape values are
// only known at run time.
// CHECK-LABEL: func.func @expand_rank
// CHECK: onnx.Expand({{.*}}) : (tensor<3x1xf32>, tensor<4xi64>) -> tensor<?x?x3x?xf32>
func.func @expand_rank(%x: tensor<3x1xf32>, %s: tensor<4xi64>) -> tensor<*xf32> {
  %0 = onnx.Expand(%x, %s) : (tensor<3x1xf32>, tensor<4xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Reductions: constant axes give the shape (keepdims or not, negative axes,
// no axes = all, noop_with_empty_axes = identity); run-time axes still give
// the rank with keepdims, and without it when their count is static; of a
// count known only at run time, not.
// CHECK-LABEL: func.func @reductions
// CHECK: onnx.ReduceMean({{.*}}) -> tensor<2x1x4xf32>
// CHECK: onnx.ReduceSum({{.*}}) -> tensor<2xf32>
// CHECK: onnx.ReduceMax({{.*}}) -> tensor<1x1x1xf32>
// CHECK: onnx.ReduceL2({{.*}}) -> tensor<2x3x4xf32>
// CHECK: onnx.ReduceProd({{.*}}) -> tensor<?x?x?xf32>
// CHECK: onnx.ReduceSum({{.*}}) -> tensor<?x?xf32>
// CHECK: onnx.ReduceMin({{.*}}) -> tensor<*xf32>
func.func @reductions(%x: tensor<2x3x4xf32>, %axes: tensor<1xi64>, %any: tensor<?xi64>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %n = onnx.NoValue
  %a1 = onnx.Constant() {value = dense<[-2]> : tensor<1xi64>} : () -> tensor<1xi64>
  %a2 = onnx.Constant() {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = onnx.ReduceMean(%x, %a1) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<*xf32>
  %1 = onnx.ReduceSum(%x, %a2) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<2xi64>) -> tensor<*xf32>
  %2 = onnx.ReduceMax(%x, %n) : (tensor<2x3x4xf32>, none) -> tensor<*xf32>
  %3 = onnx.ReduceL2(%x, %n) {noop_with_empty_axes = 1 : i64} : (tensor<2x3x4xf32>, none) -> tensor<*xf32>
  %4 = onnx.ReduceProd(%x, %axes) : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<*xf32>
  %5 = onnx.ReduceSum(%x, %axes) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<1xi64>) -> tensor<*xf32>
  %6 = onnx.ReduceMin(%x, %any) {keepdims = 0 : i64} : (tensor<2x3x4xf32>, tensor<?xi64>) -> tensor<*xf32>
  return %0, %1, %2, %3, %4, %5, %6 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// Range of integer constants has a known length; Split's parts come from a
// constant `split`, or from num_outputs (ceil(dim / n), the rest last).
// CHECK-LABEL: func.func @range_split
// CHECK: onnx.Range({{.*}}) -> tensor<4xi64>
// CHECK: onnx.Split({{.*}}) -> (tensor<2x3xf32>, tensor<5x3xf32>)
// CHECK: onnx.Split({{.*}}) -> (tensor<3x3xf32>, tensor<3x3xf32>, tensor<1x3xf32>)
func.func @range_split(%x: tensor<7x3xf32>) -> (tensor<?xi64>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %n = onnx.NoValue
  %s = onnx.Constant() {value = dense<7> : tensor<i64>} : () -> tensor<i64>
  %l = onnx.Constant() {value = dense<-1> : tensor<i64>} : () -> tensor<i64>
  %d = onnx.Constant() {value = dense<-2> : tensor<i64>} : () -> tensor<i64>
  %r = onnx.Range(%s, %l, %d) : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %sizes = onnx.Constant() {value = dense<[2, 5]> : tensor<2xi64>} : () -> tensor<2xi64>
  %a:2 = onnx.Split(%x, %sizes) : (tensor<7x3xf32>, tensor<2xi64>) -> (tensor<*xf32>, tensor<*xf32>)
  %b:3 = onnx.Split(%x, %n) {num_outputs = 3 : i64} : (tensor<7x3xf32>, none) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>)
  return %r, %a#0, %a#1, %b#0, %b#1, %b#2 : tensor<?xi64>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

func.func @reduce_bad_axis(%x: tensor<2x3xf32>) -> tensor<*xf32> {
  %a = onnx.Constant() {value = dense<[2]> : tensor<1xi64>} : () -> tensor<1xi64>
  // expected-error @+1 {{axis 2 is out of range for rank 2}}
  %0 = onnx.ReduceSum(%x, %a) : (tensor<2x3xf32>, tensor<1xi64>) -> tensor<*xf32>
  return %0 : tensor<*xf32>
}

// -----

// Scan: the final state has the body's yielded type; a scan output is the
// yielded type with the iteration count (the scan input's dim 0) in front.
// CHECK-LABEL: func.func @scan
// CHECK: }) : (tensor<2x3xf32>, tensor<5x2x3xf32>) -> (tensor<2x3xf32>, tensor<5x2x3xf32>)
func.func @scan(%s: tensor<2x3xf32>, %xs: tensor<5x2x3xf32>) -> (tensor<?x?xf32>, tensor<*xf32>) {
  %r:2 = "onnx.Scan"(%s, %xs) <{num_scan_inputs = 1 : i64}> ({
  ^bb0(%st: tensor<?x?xf32>, %x: tensor<2x3xf32>):
    %n = onnx.Add(%x, %x) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
    "onnx.Yield"(%n, %n) : (tensor<2x3xf32>, tensor<2x3xf32>) -> ()
  }) : (tensor<2x3xf32>, tensor<5x2x3xf32>) -> (tensor<?x?xf32>, tensor<*xf32>)
  return %r#0, %r#1 : tensor<?x?xf32>, tensor<*xf32>
}

// -----

// A reduction over run-time axes without keepdims has a rank only its
// users know: a Log and a Cast whose result has a declared rank give it
// back (an expanded ReduceLogSum of a graph output).
// CHECK-LABEL: func.func @rank_from_users
// CHECK: onnx.ReduceSum({{.*}}) {{.*}} -> tensor<?xf32>
// CHECK: onnx.Log({{.*}}) : (tensor<?xf32>) -> tensor<?xf32>
// CHECK: onnx.Cast({{.*}}) {{.*}} -> tensor<?xf64>
// CHECK: return {{.*}} : tensor<?xf64>
func.func @rank_from_users(%x: tensor<?x?x?xf32>, %axes: tensor<?xi64>) -> tensor<?xf64> {
  %s = onnx.ReduceSum(%x, %axes) {keepdims = 0 : i64} : (tensor<?x?x?xf32>, tensor<?xi64>) -> tensor<*xf32>
  %l = onnx.Log(%s) : (tensor<*xf32>) -> tensor<*xf32>
  %c = onnx.Cast(%l) {to = 11 : i64} : (tensor<*xf32>) -> tensor<?xf64>
  return %c : tensor<?xf64>
}
