// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// The pool becomes a table sorted by n-gram: tokens (zero padded), lengths,
// output columns and weights by pool number (3 is n-gram 1, so weights[1]
// and column ngram_indexes[1] = 0; [5, 6] is n-gram 2; 7 is n-gram 0).
// Loops: rows (run-time count), entries, skip distances (only distance 1
// for unigrams), starts that leave room for the n-gram, its tokens. TFIDF
// adds weight * count to the entry's column.
// CHECK-LABEL: func.func @tfidf_batch
// CHECK:     %[[ROWS0:.*]] = tensor.dim %arg0, %{{.*}} : tensor<?x6xi32>
// CHECK:     %[[EMPTY:.*]] = tensor.empty(%[[ROWS0]]) : tensor<?x3xf32>
// CHECK:     %[[ZEROS:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[EMPTY]] : tensor<?x3xf32>)
// CHECK:     %[[ROWS:.*]] = tensor.dim %arg0
// CHECK-DAG: %[[TOKENS:.*]] = arith.constant dense<{{\[\[}}3, 0], [5, 6], [7, 0]]> : tensor<3x2xi64>
// CHECK-DAG: %[[LENGTHS:.*]] = arith.constant dense<[1, 2, 1]> : tensor<3xi64>
// CHECK-DAG: %[[COLUMNS:.*]] = arith.constant dense<[0, 1, 2]> : tensor<3xi64>
// CHECK-DAG: %[[WEIGHTS:.*]] = arith.constant dense<[2.000000e+00, 4.000000e+00, 5.000000e-01]> : tensor<3xf32>
// CHECK-DAG: %[[DISTANCES:.*]] = arith.constant 2 : index
// CHECK:     %[[RES:.*]] = scf.for %[[ROW:.*]] = %{{.*}} to %[[ROWS]] step %{{.*}} iter_args(%{{.*}} = %[[ZEROS]]) -> (tensor<?x3xf32>)
// CHECK:       scf.for %[[E:.*]] = %{{.*}} to %c3 step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<?x3xf32>)
// CHECK:         %[[LEN64:.*]] = tensor.extract %[[LENGTHS]][%[[E]]]
// CHECK:         %[[LEN:.*]] = arith.index_cast %[[LEN64]]
// CHECK:         %[[COL64:.*]] = tensor.extract %[[COLUMNS]][%[[E]]]
// CHECK:         %[[COL:.*]] = arith.index_cast %[[COL64]]
// CHECK:         %[[UNI:.*]] = arith.cmpi eq, %[[LEN]], %c1
// CHECK:         %[[LAST:.*]] = arith.select %[[UNI]], %c1, %[[DISTANCES]]
// CHECK:         %[[END:.*]] = arith.addi %[[LAST]], %c1
// CHECK:         %[[COUNT:.*]] = scf.for %[[D:.*]] = %c1 to %[[END]] {{.*}} -> (i64)
// CHECK:           %[[LM1:.*]] = arith.subi %[[LEN]], %{{.*}}
// CHECK:           %[[SPAN:.*]] = arith.muli %[[LM1]], %[[D]]
// CHECK:           %[[ROOM:.*]] = arith.subi %c6, %[[SPAN]]
// CHECK:           %[[STARTS:.*]] = arith.maxsi %[[ROOM]]
// CHECK:           scf.for %[[S:.*]] = %{{.*}} to %[[STARTS]] {{.*}} -> (i64)
// CHECK:             scf.for %[[K:.*]] = %{{.*}} to %[[LEN]] {{.*}} -> (i1)
// CHECK:               %[[KD:.*]] = arith.muli %[[K]], %[[D]]
// CHECK:               %[[POS:.*]] = arith.addi %[[S]], %[[KD]]
// CHECK:               %[[TOK:.*]] = tensor.extract %arg0[%[[ROW]], %[[POS]]] : tensor<?x6xi32>
// CHECK:               %[[TOK64:.*]] = arith.extsi %[[TOK]] : i32 to i64
// CHECK:               %[[WANT:.*]] = tensor.extract %[[TOKENS]][%[[E]], %[[K]]]
// CHECK:               arith.cmpi eq, %[[TOK64]], %[[WANT]] : i64
// CHECK:         %[[W:.*]] = tensor.extract %[[WEIGHTS]][%[[E]]]
// CHECK:         %[[CF:.*]] = arith.sitofp %[[COUNT]] : i64 to f32
// CHECK:         %[[ADD:.*]] = arith.mulf %[[W]], %[[CF]]
// CHECK:         %[[OLD:.*]] = tensor.extract %[[ACC]][%[[ROW]], %[[COL]]]
// CHECK:         %[[NEW:.*]] = arith.addf %[[OLD]], %[[ADD]]
// CHECK:         tensor.insert %[[NEW]] into %[[ACC]][%[[ROW]], %[[COL]]]
// CHECK:     return %[[RES]]
func.func @tfidf_batch(%x: tensor<?x6xi32>) -> tensor<?x3xf32> {
  %0 = onnx.TfIdfVectorizer(%x) {max_gram_length = 2 : i64, max_skip_count = 1 : i64, min_gram_length = 1 : i64, mode = "TFIDF", ngram_counts = [0, 2], ngram_indexes = [2, 0, 1], pool_int64s = [7, 3, 5, 6], weights = [5.000000e-01 : f32, 2.000000e+00 : f32, 4.000000e+00 : f32]} : (tensor<?x6xi32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// 1-D input: one row, indexed by position only. Lengths outside
// [min_gram_length, max_gram_length] stay out of the table (the unigrams
// here) but keep their numbers: bigram [4, 5] is n-gram 2, in column 0.
// IDF without weights adds 1 where the count is positive.
// CHECK-LABEL: func.func @idf_1d
// CHECK-DAG: arith.constant dense<{{\[\[}}4, 5]]> : tensor<1x2xi64>
// CHECK-DAG: arith.constant dense<2> : tensor<1xi64>
// CHECK-DAG: arith.constant dense<0> : tensor<1xi64>
// CHECK-DAG: arith.constant dense<1.000000e+00> : tensor<1xf32>
// CHECK:     scf.for %{{.*}} = %{{.*}} to %c1{{.*}} iter_args(%{{.*}} = %{{.*}}) -> (tensor<4xf32>)
// CHECK:     tensor.extract %arg0[%{{.*}}] : tensor<?xi64>
// CHECK-NOT: arith.extsi
// CHECK:     %[[FOUND:.*]] = arith.cmpi sgt, %{{.*}}, %c0_i64{{.*}} : i64
// CHECK:     %[[ADD:.*]] = arith.select %[[FOUND]], %{{.*}}, %{{.*}} : f32
// CHECK:     %[[NEW:.*]] = arith.addf %{{.*}}, %[[ADD]]
// CHECK:     tensor.insert %[[NEW]] into %{{.*}}[%{{.*}}] : tensor<4xf32>
func.func @idf_1d(%x: tensor<?xi64>) -> tensor<4xf32> {
  %0 = onnx.TfIdfVectorizer(%x) {max_gram_length = 2 : i64, max_skip_count = 0 : i64, min_gram_length = 2 : i64, mode = "IDF", ngram_counts = [0, 2], ngram_indexes = [1, 3, 0], pool_int64s = [1, 2, 4, 5]} : (tensor<?xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// TF with no n-gram of a counted length: zeros, no loops.
// CHECK-LABEL: func.func @tf_nothing_counted
// CHECK:     %[[Z:.*]] = linalg.fill
// CHECK-NOT: scf.for
// CHECK:     return %[[Z]]
func.func @tf_nothing_counted(%x: tensor<5xi32>) -> tensor<2xf32> {
  %0 = onnx.TfIdfVectorizer(%x) {max_gram_length = 3 : i64, max_skip_count = 0 : i64, min_gram_length = 3 : i64, mode = "TF", ngram_counts = [0], ngram_indexes = [0, 1], pool_int64s = [1, 2]} : (tensor<5xi32>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}
