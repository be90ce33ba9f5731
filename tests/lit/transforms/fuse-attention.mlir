// RUN: kiln-opt %s --kiln-fuse-attention -split-input-file | FileCheck %s

// BERT's form: Q, K, V split into heads by Reshape and Transpose (K^T by
// perm [0, 2, 3, 1]), the scores divided by a constant, a padding mask
// added, the heads merged by a Transpose: one kiln.attention reading the
// [B, S, H, D] projections in place and writing the merged layout.
// CHECK-LABEL: func.func @bert
// CHECK: %[[Y:.*]] = kiln.attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<?x1x1x?xf32>)
// CHECK-SAME: key_dims = array<i64: 0, 2, 1, 3>
// CHECK-SAME: query_dims = array<i64: 0, 2, 1, 3>
// CHECK-SAME: result_dims = array<i64: 0, 2, 1, 3>
// CHECK-SAME: scale = 1.250000e-01 : f32
// CHECK-SAME: value_dims = array<i64: 0, 2, 1, 3>
// CHECK-SAME: -> tensor<?x?x4x16xf32>
// CHECK-NOT: onnx.Softmax
// CHECK-NOT: onnx.MatMul
// CHECK: return %[[Y]]
func.func @bert(%q: tensor<?x?x4x16xf32>, %k: tensor<?x?x4x16xf32>, %v: tensor<?x?x4x16xf32>, %mask: tensor<?x1x1x?xf32>) -> tensor<?x?x4x16xf32> {
  %c = onnx.Constant() {value = dense<8.0> : tensor<f32>} : () -> tensor<f32>
  %qt = onnx.Transpose(%q) {perm = [0, 2, 1, 3]} : (tensor<?x?x4x16xf32>) -> tensor<?x4x?x16xf32>
  %kt = onnx.Transpose(%k) {perm = [0, 2, 3, 1]} : (tensor<?x?x4x16xf32>) -> tensor<?x4x16x?xf32>
  %vt = onnx.Transpose(%v) {perm = [0, 2, 1, 3]} : (tensor<?x?x4x16xf32>) -> tensor<?x4x?x16xf32>
  %s = onnx.MatMul(%qt, %kt) : (tensor<?x4x?x16xf32>, tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32>
  %d = onnx.Div(%s, %c) : (tensor<?x4x?x?xf32>, tensor<f32>) -> tensor<?x4x?x?xf32>
  %m = onnx.Add(%d, %mask) : (tensor<?x4x?x?xf32>, tensor<?x1x1x?xf32>) -> tensor<?x4x?x?xf32>
  %p = onnx.Softmax(%m) {axis = -1 : i64} : (tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
  %o = onnx.MatMul(%p, %vt) : (tensor<?x4x?x?xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  %y = onnx.Transpose(%o) {perm = [0, 2, 1, 3]} : (tensor<?x4x?x16xf32>) -> tensor<?x?x4x16xf32>
  return %y : tensor<?x?x4x16xf32>
}

// -----

// GPT's causal mask as Where(mask, scores, -1e9) with the scale as a Mul
// on the left: an i1 mask and its fill. K^T given directly (no Transpose
// to read through) is transposed once so its features are last; no merge.
// CHECK-LABEL: func.func @causal_where
// CHECK: %[[K:.*]] = onnx.Transpose(%arg1) {perm = [0, 1, 3, 2]}
// CHECK: kiln.attention %arg0, %[[K]], %arg2 mask(%arg3 : tensor<1x1x8x8xi1>)
// CHECK-SAME: key_dims = array<i64: 0, 1, 2, 3>
// CHECK-SAME: mask_fill = -1.000000e+09 : f32
// CHECK-SAME: result_dims = array<i64: 0, 1, 2, 3>
// CHECK-SAME: scale = 5.000000e-01 : f32
// CHECK-NOT: onnx.Where
func.func @causal_where(%q: tensor<2x3x8x4xf32>, %kt: tensor<2x3x4x8xf32>, %v: tensor<2x3x8x4xf32>, %mask: tensor<1x1x8x8xi1>) -> tensor<2x3x8x4xf32> {
  %c = onnx.Constant() {value = dense<0.5> : tensor<f32>} : () -> tensor<f32>
  %fill = onnx.Constant() {value = dense<-1.0e9> : tensor<f32>} : () -> tensor<f32>
  %s = onnx.MatMul(%q, %kt) : (tensor<2x3x8x4xf32>, tensor<2x3x4x8xf32>) -> tensor<2x3x8x8xf32>
  %m = onnx.Mul(%c, %s) : (tensor<f32>, tensor<2x3x8x8xf32>) -> tensor<2x3x8x8xf32>
  %w = onnx.Where(%mask, %m, %fill) : (tensor<1x1x8x8xi1>, tensor<2x3x8x8xf32>, tensor<f32>) -> tensor<2x3x8x8xf32>
  %p = onnx.Softmax(%w) {axis = 3 : i64} : (tensor<2x3x8x8xf32>) -> tensor<2x3x8x8xf32>
  %o = onnx.MatMul(%p, %v) : (tensor<2x3x8x8xf32>, tensor<2x3x8x4xf32>) -> tensor<2x3x8x4xf32>
  return %o : tensor<2x3x8x4xf32>
}

// -----

// Not fused: the scores have another user (returned), the Softmax is not
// along the keys, the tensors are f16.
// CHECK-LABEL: func.func @scores_used
// CHECK-NOT: kiln.attention
// CHECK: onnx.Softmax
func.func @scores_used(%q: tensor<1x2x8x4xf32>, %kt: tensor<1x2x4x8xf32>, %v: tensor<1x2x8x4xf32>) -> (tensor<1x2x8x4xf32>, tensor<1x2x8x8xf32>) {
  %s = onnx.MatMul(%q, %kt) : (tensor<1x2x8x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x8x8xf32>
  %p = onnx.Softmax(%s) {axis = -1 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = onnx.MatMul(%p, %v) : (tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %o, %s : tensor<1x2x8x4xf32>, tensor<1x2x8x8xf32>
}

// -----

// CHECK-LABEL: func.func @softmax_axis
// CHECK-NOT: kiln.attention
func.func @softmax_axis(%q: tensor<1x2x8x4xf32>, %kt: tensor<1x2x4x8xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %s = onnx.MatMul(%q, %kt) : (tensor<1x2x8x4xf32>, tensor<1x2x4x8xf32>) -> tensor<1x2x8x8xf32>
  %p = onnx.Softmax(%s) {axis = 2 : i64} : (tensor<1x2x8x8xf32>) -> tensor<1x2x8x8xf32>
  %o = onnx.MatMul(%p, %v) : (tensor<1x2x8x8xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %o : tensor<1x2x8x4xf32>
}

// -----

// CHECK-LABEL: func.func @f16
// CHECK-NOT: kiln.attention
func.func @f16(%q: tensor<1x2x8x4xf16>, %kt: tensor<1x2x4x8xf16>, %v: tensor<1x2x8x4xf16>) -> tensor<1x2x8x4xf16> {
  %s = onnx.MatMul(%q, %kt) : (tensor<1x2x8x4xf16>, tensor<1x2x4x8xf16>) -> tensor<1x2x8x8xf16>
  %p = onnx.Softmax(%s) {axis = -1 : i64} : (tensor<1x2x8x8xf16>) -> tensor<1x2x8x8xf16>
  %o = onnx.MatMul(%p, %v) : (tensor<1x2x8x8xf16>, tensor<1x2x8x4xf16>) -> tensor<1x2x8x4xf16>
  return %o : tensor<1x2x8x4xf16>
}

// -----

// Heads folded into the batch (rank 3), K^T a Transpose of K, Q and K^T
// each scaled by 0.5 (ONNX's Attention function scales both by
// scale^1/2): a batch of 1 by Unsqueeze, the scales' product, K read in
// place, the result squeezed back.
// CHECK-LABEL: func.func @rank3
// CHECK-DAG: %[[Q:.*]] = onnx.Unsqueeze(%arg0, %{{.*}}) : (tensor<6x8x4xf32>, tensor<1xi64>) -> tensor<1x6x8x4xf32>
// CHECK-DAG: %[[K:.*]] = onnx.Unsqueeze(%arg1, %{{.*}}) : (tensor<6x10x4xf32>, tensor<1xi64>) -> tensor<1x6x10x4xf32>
// CHECK-DAG: %[[V:.*]] = onnx.Unsqueeze(%arg2, %{{.*}}) : (tensor<6x10x4xf32>, tensor<1xi64>) -> tensor<1x6x10x4xf32>
// CHECK: %[[A:.*]] = kiln.attention %[[Q]], %[[K]], %[[V]] {key_dims = array<i64: 0, 1, 2, 3>, query_dims = array<i64: 0, 1, 2, 3>, result_dims = array<i64: 0, 1, 2, 3>, scale = 2.500000e-01 : f32, value_dims = array<i64: 0, 1, 2, 3>}
// CHECK: %[[Y:.*]] = onnx.Squeeze(%[[A]], %{{.*}}) : (tensor<1x6x8x4xf32>, tensor<1xi64>) -> tensor<6x8x4xf32>
// CHECK: return %[[Y]]
func.func @rank3(%q: tensor<6x8x4xf32>, %k: tensor<6x10x4xf32>, %v: tensor<6x10x4xf32>) -> tensor<6x8x4xf32> {
  %c = onnx.Constant() {value = dense<0.5> : tensor<1xf32>} : () -> tensor<1xf32>
  %kt = onnx.Transpose(%k) {perm = [0, 2, 1]} : (tensor<6x10x4xf32>) -> tensor<6x4x10xf32>
  %qs = onnx.Mul(%q, %c) : (tensor<6x8x4xf32>, tensor<1xf32>) -> tensor<6x8x4xf32>
  %ks = onnx.Mul(%kt, %c) : (tensor<6x4x10xf32>, tensor<1xf32>) -> tensor<6x4x10xf32>
  %s = onnx.MatMul(%qs, %ks) : (tensor<6x8x4xf32>, tensor<6x4x10xf32>) -> tensor<6x8x10xf32>
  %p = onnx.Softmax(%s) {axis = 2 : i64} : (tensor<6x8x10xf32>) -> tensor<6x8x10xf32>
  %o = onnx.MatMul(%p, %v) : (tensor<6x8x10xf32>, tensor<6x10x4xf32>) -> tensor<6x8x4xf32>
  return %o : tensor<6x8x4xf32>
}

// -----

// Grouped-query attention as repeat_kv exports it: K and V [1, 2, 10, 4]
// repeated to 6 heads by Unsqueeze, Expand and Reshape (K then
// transposed): kiln.attention reads the two heads in place, each shared by
// three query heads.
// CHECK-LABEL: func.func @repeat_kv
// CHECK: kiln.attention %arg0, %arg1, %arg2 {key_dims = array<i64: 0, 1, 2, 3>
// CHECK-SAME: tensor<1x6x8x4xf32>, tensor<1x2x10x4xf32>, tensor<1x2x10x4xf32> -> tensor<1x6x8x4xf32>
// CHECK-NOT: onnx.Expand
func.func @repeat_kv(%q: tensor<1x6x8x4xf32>, %k: tensor<1x2x10x4xf32>, %v: tensor<1x2x10x4xf32>) -> tensor<1x6x8x4xf32> {
  %axes = onnx.Constant() {value = dense<2> : tensor<1xi64>} : () -> tensor<1xi64>
  %shape5 = onnx.Constant() {value = dense<[1, 2, 3, 10, 4]> : tensor<5xi64>} : () -> tensor<5xi64>
  %shape4 = onnx.Constant() {value = dense<[1, 6, 10, 4]> : tensor<4xi64>} : () -> tensor<4xi64>
  %ku = onnx.Unsqueeze(%k, %axes) : (tensor<1x2x10x4xf32>, tensor<1xi64>) -> tensor<1x2x1x10x4xf32>
  %ke = onnx.Expand(%ku, %shape5) : (tensor<1x2x1x10x4xf32>, tensor<5xi64>) -> tensor<1x2x3x10x4xf32>
  %kr = onnx.Reshape(%ke, %shape4) : (tensor<1x2x3x10x4xf32>, tensor<4xi64>) -> tensor<1x6x10x4xf32>
  %vu = onnx.Unsqueeze(%v, %axes) : (tensor<1x2x10x4xf32>, tensor<1xi64>) -> tensor<1x2x1x10x4xf32>
  %ve = onnx.Expand(%vu, %shape5) : (tensor<1x2x1x10x4xf32>, tensor<5xi64>) -> tensor<1x2x3x10x4xf32>
  %vr = onnx.Reshape(%ve, %shape4) : (tensor<1x2x3x10x4xf32>, tensor<4xi64>) -> tensor<1x6x10x4xf32>
  %kt = onnx.Transpose(%kr) {perm = [0, 1, 3, 2]} : (tensor<1x6x10x4xf32>) -> tensor<1x6x4x10xf32>
  %s = onnx.MatMul(%q, %kt) : (tensor<1x6x8x4xf32>, tensor<1x6x4x10xf32>) -> tensor<1x6x8x10xf32>
  %p = onnx.Softmax(%s) {axis = -1 : i64} : (tensor<1x6x8x10xf32>) -> tensor<1x6x8x10xf32>
  %o = onnx.MatMul(%p, %vr) : (tensor<1x6x8x10xf32>, tensor<1x6x10x4xf32>) -> tensor<1x6x8x4xf32>
  return %o : tensor<1x6x8x4xf32>
}

// -----

// ONNX's Attention (opset 23) as its function body imports, once folded:
// Q and K^T each times scale^1/2, the mask added, and after the Softmax
// the rows the mask removes entirely (ReduceMax -inf) set to 0: one
// kiln.attention with zero_masked_rows.
// CHECK-LABEL: func.func @onnx_attention_float_mask
// CHECK: %[[Y:.*]] = kiln.attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<1x1x16x16xf32>)
// CHECK-SAME: zero_masked_rows
// CHECK-NOT: onnx.Softmax
// CHECK-NOT: onnx.Where
// CHECK: return %[[Y]]
func.func @onnx_attention_float_mask(%q: tensor<1x4x16x8xf32>, %k: tensor<1x4x16x8xf32>, %v: tensor<1x4x16x8xf32>, %m: tensor<1x1x16x16xf32>) -> tensor<1x4x16x8xf32> {
  %c = onnx.Constant() {value = dense<0.594603539> : tensor<1xf32>} : () -> tensor<1xf32>
  %axes = onnx.Constant() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %ninf = onnx.Constant() {value = dense<0xFF800000> : tensor<1xf32>} : () -> tensor<1xf32>
  %zero = onnx.Constant() {value = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %kt = onnx.Transpose(%k) {perm = [0, 1, 3, 2]} : (tensor<1x4x16x8xf32>) -> tensor<1x4x8x16xf32>
  %qs = onnx.Mul(%q, %c) : (tensor<1x4x16x8xf32>, tensor<1xf32>) -> tensor<1x4x16x8xf32>
  %ks = onnx.Mul(%kt, %c) : (tensor<1x4x8x16xf32>, tensor<1xf32>) -> tensor<1x4x8x16xf32>
  %s = onnx.MatMul(%qs, %ks) : (tensor<1x4x16x8xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x16x16xf32>
  %a = onnx.Add(%s, %m) : (tensor<1x4x16x16xf32>, tensor<1x1x16x16xf32>) -> tensor<1x4x16x16xf32>
  %p = onnx.Softmax(%a) : (tensor<1x4x16x16xf32>) -> tensor<1x4x16x16xf32>
  %r = onnx.ReduceMax(%m, %axes) : (tensor<1x1x16x16xf32>, tensor<1xi64>) -> tensor<1x1x16x1xf32>
  %e = onnx.Equal(%r, %ninf) : (tensor<1x1x16x1xf32>, tensor<1xf32>) -> tensor<1x1x16x1xi1>
  %w = onnx.Where(%e, %zero, %p) : (tensor<1x1x16x1xi1>, tensor<1xf32>, tensor<1x4x16x16xf32>) -> tensor<1x4x16x16xf32>
  %y = onnx.MatMul(%w, %v) : (tensor<1x4x16x16xf32>, tensor<1x4x16x8xf32>) -> tensor<1x4x16x8xf32>
  return %y : tensor<1x4x16x8xf32>
}

// -----

// Its bool mask made additive, Where(keep, 0, -inf): read back as the
// bool mask with fill -inf (the kernel then skips the keys a tile drops).
// CHECK-LABEL: func.func @onnx_attention_bool_mask
// CHECK: kiln.attention %arg0, %arg1, %arg2 mask(%arg3 : tensor<16x16xi1>)
// CHECK-SAME: mask_fill = 0xFF800000 : f32
// CHECK-SAME: zero_masked_rows
// CHECK-NOT: onnx.Softmax
func.func @onnx_attention_bool_mask(%q: tensor<1x4x16x8xf32>, %k: tensor<1x4x16x8xf32>, %v: tensor<1x4x16x8xf32>, %keep: tensor<16x16xi1>) -> tensor<1x4x16x8xf32> {
  %c = onnx.Constant() {value = dense<0.594603539> : tensor<1xf32>} : () -> tensor<1xf32>
  %axes = onnx.Constant() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %ninf = onnx.Constant() {value = dense<0xFF800000> : tensor<1xf32>} : () -> tensor<1xf32>
  %zero = onnx.Constant() {value = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %m = onnx.Where(%keep, %zero, %ninf) : (tensor<16x16xi1>, tensor<1xf32>, tensor<1xf32>) -> tensor<16x16xf32>
  %kt = onnx.Transpose(%k) {perm = [0, 1, 3, 2]} : (tensor<1x4x16x8xf32>) -> tensor<1x4x8x16xf32>
  %qs = onnx.Mul(%q, %c) : (tensor<1x4x16x8xf32>, tensor<1xf32>) -> tensor<1x4x16x8xf32>
  %ks = onnx.Mul(%kt, %c) : (tensor<1x4x8x16xf32>, tensor<1xf32>) -> tensor<1x4x8x16xf32>
  %s = onnx.MatMul(%qs, %ks) : (tensor<1x4x16x8xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x16x16xf32>
  %a = onnx.Add(%s, %m) : (tensor<1x4x16x16xf32>, tensor<16x16xf32>) -> tensor<1x4x16x16xf32>
  %p = onnx.Softmax(%a) : (tensor<1x4x16x16xf32>) -> tensor<1x4x16x16xf32>
  %r = onnx.ReduceMax(%m, %axes) : (tensor<16x16xf32>, tensor<1xi64>) -> tensor<16x1xf32>
  %e = onnx.Equal(%r, %ninf) : (tensor<16x1xf32>, tensor<1xf32>) -> tensor<16x1xi1>
  %w = onnx.Where(%e, %zero, %p) : (tensor<16x1xi1>, tensor<1xf32>, tensor<1x4x16x16xf32>) -> tensor<1x4x16x16xf32>
  %y = onnx.MatMul(%w, %v) : (tensor<1x4x16x16xf32>, tensor<1x4x16x8xf32>) -> tensor<1x4x16x8xf32>
  return %y : tensor<1x4x16x8xf32>
}

// -----

// is_causal: zeros (ConstantOfShape) plus Where(Less(row, key), -inf, 0):
// the bool mask Not(Less); no zeroing Where here (opset 23 always has
// one; the kernel's flag is set only when it is there).
// CHECK-LABEL: func.func @onnx_attention_causal
// CHECK: %[[KEEP:.*]] = onnx.Not(%arg3)
// CHECK: kiln.attention %arg0, %arg1, %arg2 mask(%[[KEEP]] : tensor<16x16xi1>)
// CHECK-SAME: mask_fill = 0xFF800000 : f32
// CHECK-NOT: zero_masked_rows
func.func @onnx_attention_causal(%q: tensor<1x4x16x8xf32>, %k: tensor<1x4x16x8xf32>, %v: tensor<1x4x16x8xf32>, %later: tensor<16x16xi1>) -> tensor<1x4x16x8xf32> {
  %c = onnx.Constant() {value = dense<0.353553385> : tensor<1xf32>} : () -> tensor<1xf32>
  %shape = onnx.Constant() {value = dense<16> : tensor<2xi64>} : () -> tensor<2xi64>
  %ninf = onnx.Constant() {value = dense<0xFF800000> : tensor<1xf32>} : () -> tensor<1xf32>
  %zero = onnx.Constant() {value = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %zeros = onnx.ConstantOfShape(%shape) : (tensor<2xi64>) -> tensor<16x16xf32>
  %tri = onnx.Where(%later, %ninf, %zero) : (tensor<16x16xi1>, tensor<1xf32>, tensor<1xf32>) -> tensor<16x16xf32>
  %m = onnx.Add(%zeros, %tri) : (tensor<16x16xf32>, tensor<16x16xf32>) -> tensor<16x16xf32>
  %kt = onnx.Transpose(%k) {perm = [0, 1, 3, 2]} : (tensor<1x4x16x8xf32>) -> tensor<1x4x8x16xf32>
  %s = onnx.MatMul(%q, %kt) : (tensor<1x4x16x8xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x16x16xf32>
  %ss = onnx.Mul(%s, %c) : (tensor<1x4x16x16xf32>, tensor<1xf32>) -> tensor<1x4x16x16xf32>
  %a = onnx.Add(%ss, %m) : (tensor<1x4x16x16xf32>, tensor<16x16xf32>) -> tensor<1x4x16x16xf32>
  %p = onnx.Softmax(%a) : (tensor<1x4x16x16xf32>) -> tensor<1x4x16x16xf32>
  %y = onnx.MatMul(%p, %v) : (tensor<1x4x16x16xf32>, tensor<1x4x16x8xf32>) -> tensor<1x4x16x8xf32>
  return %y : tensor<1x4x16x8xf32>
}

// -----

// No mask: the zeros it adds are dropped, and so is the zeroing Where
// (zeros remove no row).
// CHECK-LABEL: func.func @onnx_attention_no_mask
// CHECK: kiln.attention %arg0, %arg1, %arg2 {
// CHECK-NOT: zero_masked_rows
// CHECK-NOT: onnx.Where
func.func @onnx_attention_no_mask(%q: tensor<1x4x16x8xf32>, %k: tensor<1x4x16x8xf32>, %v: tensor<1x4x16x8xf32>) -> tensor<1x4x16x8xf32> {
  %c = onnx.Constant() {value = dense<0.594603539> : tensor<1xf32>} : () -> tensor<1xf32>
  %shape = onnx.Constant() {value = dense<16> : tensor<2xi64>} : () -> tensor<2xi64>
  %axes = onnx.Constant() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %ninf = onnx.Constant() {value = dense<0xFF800000> : tensor<1xf32>} : () -> tensor<1xf32>
  %zero = onnx.Constant() {value = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %m = onnx.ConstantOfShape(%shape) : (tensor<2xi64>) -> tensor<16x16xf32>
  %kt = onnx.Transpose(%k) {perm = [0, 1, 3, 2]} : (tensor<1x4x16x8xf32>) -> tensor<1x4x8x16xf32>
  %qs = onnx.Mul(%q, %c) : (tensor<1x4x16x8xf32>, tensor<1xf32>) -> tensor<1x4x16x8xf32>
  %ks = onnx.Mul(%kt, %c) : (tensor<1x4x8x16xf32>, tensor<1xf32>) -> tensor<1x4x8x16xf32>
  %s = onnx.MatMul(%qs, %ks) : (tensor<1x4x16x8xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x16x16xf32>
  %a = onnx.Add(%s, %m) : (tensor<1x4x16x16xf32>, tensor<16x16xf32>) -> tensor<1x4x16x16xf32>
  %p = onnx.Softmax(%a) : (tensor<1x4x16x16xf32>) -> tensor<1x4x16x16xf32>
  %r = onnx.ReduceMax(%m, %axes) : (tensor<16x16xf32>, tensor<1xi64>) -> tensor<16x1xf32>
  %e = onnx.Equal(%r, %ninf) : (tensor<16x1xf32>, tensor<1xf32>) -> tensor<16x1xi1>
  %w = onnx.Where(%e, %zero, %p) : (tensor<16x1xi1>, tensor<1xf32>, tensor<1x4x16x16xf32>) -> tensor<1x4x16x16xf32>
  %y = onnx.MatMul(%w, %v) : (tensor<1x4x16x16xf32>, tensor<1x4x16x8xf32>) -> tensor<1x4x16x8xf32>
  return %y : tensor<1x4x16x8xf32>
}

// -----

// Rows zeroed after the Softmax by a mask other than the one added: not
// ONNX's Attention, left alone.
// CHECK-LABEL: func.func @zeroed_by_another_mask
// CHECK-NOT: kiln.attention
// CHECK: onnx.Softmax
func.func @zeroed_by_another_mask(%q: tensor<1x4x16x8xf32>, %kt: tensor<1x4x8x16xf32>, %v: tensor<1x4x16x8xf32>, %m: tensor<16x16xf32>, %other: tensor<16x16xf32>) -> tensor<1x4x16x8xf32> {
  %axes = onnx.Constant() {value = dense<-1> : tensor<1xi64>} : () -> tensor<1xi64>
  %ninf = onnx.Constant() {value = dense<0xFF800000> : tensor<1xf32>} : () -> tensor<1xf32>
  %zero = onnx.Constant() {value = dense<0.0> : tensor<1xf32>} : () -> tensor<1xf32>
  %s = onnx.MatMul(%q, %kt) : (tensor<1x4x16x8xf32>, tensor<1x4x8x16xf32>) -> tensor<1x4x16x16xf32>
  %a = onnx.Add(%s, %m) : (tensor<1x4x16x16xf32>, tensor<16x16xf32>) -> tensor<1x4x16x16xf32>
  %p = onnx.Softmax(%a) : (tensor<1x4x16x16xf32>) -> tensor<1x4x16x16xf32>
  %r = onnx.ReduceMax(%other, %axes) : (tensor<16x16xf32>, tensor<1xi64>) -> tensor<16x1xf32>
  %e = onnx.Equal(%r, %ninf) : (tensor<16x1xf32>, tensor<1xf32>) -> tensor<16x1xi1>
  %w = onnx.Where(%e, %zero, %p) : (tensor<16x1xi1>, tensor<1xf32>, tensor<1x4x16x16xf32>) -> tensor<1x4x16x16xf32>
  %y = onnx.MatMul(%w, %v) : (tensor<1x4x16x16xf32>, tensor<1x4x16x8xf32>) -> tensor<1x4x16x8xf32>
  return %y : tensor<1x4x16x8xf32>
}
