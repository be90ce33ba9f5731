// RUN: kiln-opt %s --split-input-file -verify-diagnostics

// kiln.attention's verifier: layouts, shapes, masks, tensors or buffers.

func.func @feature_not_last(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{needs query_dims to be a permutation of [0, 4) ending in 3}}
  %y = kiln.attention %q, %q, %q {query_dims = array<i64: 0, 1, 3, 2>, key_dims = array<i64: 0, 1, 2, 3>, value_dims = array<i64: 0, 1, 2, 3>, result_dims = array<i64: 0, 1, 2, 3>, scale = 1.0 : f32} : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %y : tensor<1x2x8x4xf32>
}

// -----

func.func @features(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x5xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{needs the query's and the key's feature dims equal}}
  %y = kiln.attention %q, %k, %q {query_dims = array<i64: 0, 1, 2, 3>, key_dims = array<i64: 0, 1, 2, 3>, value_dims = array<i64: 0, 1, 2, 3>, result_dims = array<i64: 0, 1, 2, 3>, scale = 1.0 : f32} : tensor<1x2x8x4xf32>, tensor<1x2x8x5xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %y : tensor<1x2x8x4xf32>
}

// -----

func.func @bool_without_fill(%q: tensor<1x2x8x4xf32>, %m: tensor<8x8xi1>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{needs mask_fill exactly when the mask is i1}}
  %y = kiln.attention %q, %q, %q mask(%m : tensor<8x8xi1>) {query_dims = array<i64: 0, 1, 2, 3>, key_dims = array<i64: 0, 1, 2, 3>, value_dims = array<i64: 0, 1, 2, 3>, result_dims = array<i64: 0, 1, 2, 3>, scale = 1.0 : f32} : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %y : tensor<1x2x8x4xf32>
}

// -----

func.func @zeroed_rows_without_mask(%q: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{has zero_masked_rows but no mask}}
  %y = kiln.attention %q, %q, %q {query_dims = array<i64: 0, 1, 2, 3>, key_dims = array<i64: 0, 1, 2, 3>, value_dims = array<i64: 0, 1, 2, 3>, result_dims = array<i64: 0, 1, 2, 3>, scale = 1.0 : f32, zero_masked_rows} : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %y : tensor<1x2x8x4xf32>
}

// -----

func.func @mask_shape(%q: tensor<1x2x8x4xf32>, %m: tensor<1x3x8x8xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{has a mask that does not broadcast to [batch, heads, queries, keys]}}
  %y = kiln.attention %q, %q, %q mask(%m : tensor<1x3x8x8xf32>) {query_dims = array<i64: 0, 1, 2, 3>, key_dims = array<i64: 0, 1, 2, 3>, value_dims = array<i64: 0, 1, 2, 3>, result_dims = array<i64: 0, 1, 2, 3>, scale = 1.0 : f32} : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %y : tensor<1x2x8x4xf32>
}

// -----

func.func @both(%q: memref<1x2x8x4xf32>) {
  // expected-error @+1 {{needs a result on tensors or an output buffer, not both}}
  kiln.attention %q, %q, %q {query_dims = array<i64: 0, 1, 2, 3>, key_dims = array<i64: 0, 1, 2, 3>, value_dims = array<i64: 0, 1, 2, 3>, result_dims = array<i64: 0, 1, 2, 3>, scale = 1.0 : f32} : memref<1x2x8x4xf32>, memref<1x2x8x4xf32>, memref<1x2x8x4xf32>
  return
}

// -----

func.func @mixed(%q: memref<1x2x8x4xf32>, %t: tensor<1x2x8x4xf32>) {
  // expected-error @+1 {{mixes tensors and buffers}}
  kiln.attention %q, %t, %q outs(%q : memref<1x2x8x4xf32>) {query_dims = array<i64: 0, 1, 2, 3>, key_dims = array<i64: 0, 1, 2, 3>, value_dims = array<i64: 0, 1, 2, 3>, result_dims = array<i64: 0, 1, 2, 3>, scale = 1.0 : f32} : memref<1x2x8x4xf32>, tensor<1x2x8x4xf32>, memref<1x2x8x4xf32>
  return
}

// -----

func.func @kv_heads(%q: tensor<1x6x8x4xf32>, %k: tensor<1x4x8x4xf32>) -> tensor<1x6x8x4xf32> {
  // expected-error @+1 {{has key heads that do not divide the result's}}
  %y = kiln.attention %q, %k, %k {query_dims = array<i64: 0, 1, 2, 3>, key_dims = array<i64: 0, 1, 2, 3>, value_dims = array<i64: 0, 1, 2, 3>, result_dims = array<i64: 0, 1, 2, 3>, scale = 1.0 : f32} : tensor<1x6x8x4xf32>, tensor<1x4x8x4xf32>, tensor<1x4x8x4xf32> -> tensor<1x6x8x4xf32>
  return %y : tensor<1x6x8x4xf32>
}
