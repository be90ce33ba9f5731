// RUN: kiln-opt %s --kiln-unify-if-ranks -split-input-file -verify-diagnostics

// The generic form lists an If's regions as ODS declares them: else_branch
// first, then_branch second.

// A graph output has one rank in the signature; unifying the branches would
// give the run that takes the scalar branch a [1] output where ONNX gives a
// scalar.
func.func @graph_output(%c: tensor<i1>, %s: tensor<f32>, %v: tensor<1xf32>) -> tensor<*xf32> {
  // expected-error @+1 {{result #0 is graph output #0, but the then branch returns rank 1 and the else branch rank 0: the output's rank would depend on the run-time condition, and Kiln fixes ranks at compile time}}
  %if = "onnx.If"(%c) ({
    onnx.Yield %s : tensor<f32>
  }, {
    onnx.Yield %v : tensor<1xf32>
  }) : (tensor<i1>) -> tensor<*xf32>
  return %if : tensor<*xf32>
}

// -----

// Also when another user would absorb the unit dims.
func.func @graph_output_and_broadcast(%c: tensor<i1>, %s: tensor<f32>, %v: tensor<1xf32>, %x: tensor<4xf32>) -> (tensor<*xf32>, tensor<*xf32>) {
  // expected-error @+1 {{result #1 is graph output #1, but the then branch returns rank 0 and the else branch rank 1}}
  %if:2 = "onnx.If"(%c) ({
    onnx.Yield %s, %v : tensor<f32>, tensor<1xf32>
  }, {
    onnx.Yield %s, %s : tensor<f32>, tensor<f32>
  }) : (tensor<i1>) -> (tensor<f32>, tensor<*xf32>)
  %m = onnx.Mul(%x, %if#1) : (tensor<4xf32>, tensor<*xf32>) -> tensor<*xf32>
  return %m, %if#1 : tensor<*xf32>, tensor<*xf32>
}
