// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file -verify-diagnostics

// ONNX Runtime rejects pools that repeat an n-gram.
func.func @repeated_ngram(%x: tensor<6xi64>) -> tensor<3xf32> {
  // expected-error @+2 {{cannot lower this op: the pool repeats n-gram 2 (ONNX Runtime rejects such pools)}}
  // expected-error @+1 {{failed to legalize operation 'onnx.TfIdfVectorizer'}}
  %0 = onnx.TfIdfVectorizer(%x) {max_gram_length = 1 : i64, max_skip_count = 0 : i64, min_gram_length = 1 : i64, mode = "TF", ngram_counts = [0], ngram_indexes = [0, 1, 2], pool_int64s = [4, 5, 4]} : (tensor<6xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// In IDF mode, ONNX Runtime gives a shared column the weight of whichever
// n-gram it found last in the row.
func.func @idf_shared_column(%x: tensor<6xi64>) -> tensor<2xf32> {
  // expected-error @+2 {{cannot lower this op: IDF mode with several n-grams in output column 0}}
  // expected-error @+1 {{failed to legalize operation 'onnx.TfIdfVectorizer'}}
  %0 = onnx.TfIdfVectorizer(%x) {max_gram_length = 1 : i64, max_skip_count = 0 : i64, min_gram_length = 1 : i64, mode = "IDF", ngram_counts = [0], ngram_indexes = [0, 0, 1], pool_int64s = [1, 2, 3]} : (tensor<6xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @few_weights(%x: tensor<6xi64>) -> tensor<3xf32> {
  // expected-error @+2 {{cannot lower this op: weights has no entry for n-gram 2}}
  // expected-error @+1 {{failed to legalize operation 'onnx.TfIdfVectorizer'}}
  %0 = onnx.TfIdfVectorizer(%x) {max_gram_length = 1 : i64, max_skip_count = 0 : i64, min_gram_length = 1 : i64, mode = "TFIDF", ngram_counts = [0], ngram_indexes = [0, 1, 2], pool_int64s = [1, 2, 3], weights = [1.000000e+00 : f32, 2.000000e+00 : f32]} : (tensor<6xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

func.func @bad_mode(%x: tensor<6xi64>) -> tensor<3xf32> {
  // expected-error @+2 {{cannot lower this op: mode must be TF, IDF or TFIDF}}
  // expected-error @+1 {{failed to legalize operation 'onnx.TfIdfVectorizer'}}
  %0 = onnx.TfIdfVectorizer(%x) {max_gram_length = 1 : i64, max_skip_count = 0 : i64, min_gram_length = 1 : i64, mode = "BM25", ngram_counts = [0], ngram_indexes = [0, 1, 2], pool_int64s = [1, 2, 3]} : (tensor<6xi64>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
