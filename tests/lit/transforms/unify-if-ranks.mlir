// RUN: kiln-opt %s --kiln-unify-if-ranks -split-input-file | FileCheck %s

// The generic form lists an If's regions as ODS declares them: else_branch
// first, then_branch second.

// AffineGrid's body: step_d is a scalar when D is 1 and a [1] tensor
// otherwise, and only a Mul by a 1-D range reads it. The scalar branch
// yields it as [1], the If and its users become ranked.
// CHECK-LABEL: func.func @scalar_or_one
// CHECK: %[[IF:.*]] = "onnx.If"
// CHECK: onnx.Yield %{{.*}} : tensor<1xf32>
// CHECK: %[[Z:.*]] = onnx.Constant() {value = dense<0.000000e+00> : tensor<f32>}
// CHECK: %[[AXES:.*]] = onnx.Constant() {value = dense<0> : tensor<1xi64>}
// CHECK: %[[U:.*]] = onnx.Unsqueeze(%[[Z]], %[[AXES]]) : (tensor<f32>, tensor<1xi64>) -> tensor<1xf32>
// CHECK: onnx.Yield %[[U]] : tensor<1xf32>
// CHECK: }) : (tensor<1xi1>) -> tensor<1xf32>
// CHECK: %[[M:.*]] = onnx.Mul(%arg1, %[[IF]]) : (tensor<?xf32>, tensor<1xf32>) -> tensor<?xf32>
// CHECK: onnx.Add(%{{.*}}, %[[M]]) : (tensor<f32>, tensor<?xf32>) -> tensor<?xf32>
// CHECK: return {{.*}} : tensor<?xf32>
func.func @scalar_or_one(%c: tensor<1xi1>, %r: tensor<?xf32>, %d: tensor<1xf32>) -> tensor<*xf32> {
  %if = "onnx.If"(%c) ({
    %two = onnx.Constant() {value = dense<2.0> : tensor<f32>} : () -> tensor<f32>
    %s = onnx.Div(%two, %d) : (tensor<f32>, tensor<1xf32>) -> tensor<1xf32>
    onnx.Yield %s : tensor<1xf32>
  }, {
    %z = onnx.Constant() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
    onnx.Yield %z : tensor<f32>
  }) : (tensor<1xi1>) -> tensor<*xf32>
  %m = onnx.Mul(%r, %if) : (tensor<?xf32>, tensor<*xf32>) -> tensor<*xf32>
  %one = onnx.Constant() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
  %a = onnx.Add(%one, %m) : (tensor<f32>, tensor<*xf32>) -> tensor<*xf32>
  return %a : tensor<*xf32>
}

// -----

// Two unit dims are added; the branch dims that differ become `?`; Where,
// CastLike's target_type and PRelu's slope absorb them too.
// CHECK-LABEL: func.func @two_dims
// CHECK: onnx.Constant() {value = dense<[0, 1]> : tensor<2xi64>}
// CHECK: onnx.Unsqueeze({{.*}}) : (tensor<3xf32>, tensor<2xi64>) -> tensor<1x1x3xf32>
// CHECK: }) : (tensor<i1>) -> tensor<?x?x3xf32>
// CHECK: onnx.Where({{.*}}) : (tensor<2x4x3xi1>, tensor<?x?x3xf32>, tensor<f32>) -> tensor<2x4x3xf32>
// CHECK: onnx.CastLike({{.*}}) : (tensor<2xi64>, tensor<?x?x3xf32>) -> tensor<2xf32>
// CHECK: onnx.PRelu({{.*}}) : (tensor<2x4x3xf32>, tensor<?x?x3xf32>) -> tensor<2x4x3xf32>
func.func @two_dims(%c: tensor<i1>, %a: tensor<3xf32>, %b: tensor<2x4x3xf32>, %w: tensor<2x4x3xi1>, %i: tensor<2xi64>, %x: tensor<2x4x3xf32>) -> (tensor<*xf32>, tensor<*xf32>, tensor<*xf32>) {
  %if = "onnx.If"(%c) ({
    onnx.Yield %a : tensor<3xf32>
  }, {
    onnx.Yield %b : tensor<2x4x3xf32>
  }) : (tensor<i1>) -> tensor<*xf32>
  %zero = onnx.Constant() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %0 = onnx.Where(%w, %if, %zero) : (tensor<2x4x3xi1>, tensor<*xf32>, tensor<f32>) -> tensor<*xf32>
  %1 = onnx.CastLike(%i, %if) : (tensor<2xi64>, tensor<*xf32>) -> tensor<*xf32>
  %2 = onnx.PRelu(%x, %if) : (tensor<2x4x3xf32>, tensor<*xf32>) -> tensor<*xf32>
  return %0, %1, %2 : tensor<*xf32>, tensor<*xf32>, tensor<*xf32>
}

// -----

// A broadcasting user whose other operand has a lower rank than the higher
// branch would see its result rank change: the If stays as it is.
// CHECK-LABEL: func.func @rank_would_change
// CHECK-NOT: onnx.Unsqueeze
// CHECK: }) : (tensor<i1>) -> tensor<*xf32>
func.func @rank_would_change(%c: tensor<i1>, %s: tensor<f32>, %v: tensor<2xf32>, %x: tensor<f32>) -> tensor<*xf32> {
  %if = "onnx.If"(%c) ({
    onnx.Yield %s : tensor<f32>
  }, {
    onnx.Yield %v : tensor<2xf32>
  }) : (tensor<i1>) -> tensor<*xf32>
  %m = onnx.Mul(%x, %if) : (tensor<f32>, tensor<*xf32>) -> tensor<*xf32>
  return %m : tensor<*xf32>
}

// -----

// A user that reads the shape (here a Reshape's data, and PRelu's X) is
// not a broadcast: the If stays as it is.
// CHECK-LABEL: func.func @shape_reading_user
// CHECK-NOT: onnx.Unsqueeze
// CHECK: }) : (tensor<i1>) -> tensor<*xf32>
func.func @shape_reading_user(%c: tensor<i1>, %s: tensor<f32>, %v: tensor<1xf32>, %x: tensor<4xf32>, %shape: tensor<1xi64>) -> (tensor<*xf32>, tensor<*xf32>) {
  %if = "onnx.If"(%c) ({
    onnx.Yield %s : tensor<f32>
  }, {
    onnx.Yield %v : tensor<1xf32>
  }) : (tensor<i1>) -> tensor<*xf32>
  %r = onnx.Reshape(%if, %shape) : (tensor<*xf32>, tensor<1xi64>) -> tensor<*xf32>
  %p = onnx.PRelu(%if, %x) : (tensor<*xf32>, tensor<4xf32>) -> tensor<*xf32>
  return %r, %p : tensor<*xf32>, tensor<*xf32>
}

// -----

// A result declared at the lower rank keeps its type.
// CHECK-LABEL: func.func @declared_lower_rank
// CHECK-NOT: onnx.Unsqueeze
// CHECK: }) : (tensor<i1>) -> tensor<f32>
func.func @declared_lower_rank(%c: tensor<i1>, %s: tensor<f32>, %v: tensor<1xf32>, %x: tensor<4xf32>) -> tensor<*xf32> {
  %if = "onnx.If"(%c) ({
    onnx.Yield %s : tensor<f32>
  }, {
    onnx.Yield %v : tensor<1xf32>
  }) : (tensor<i1>) -> tensor<f32>
  %m = onnx.Mul(%x, %if) : (tensor<4xf32>, tensor<f32>) -> tensor<*xf32>
  return %m : tensor<*xf32>
}

// -----

// Ifs nest: the inner one is unified first, which ranks the yield of the
// outer If's branch; the outer one is unified in the next round.
// CHECK-LABEL: func.func @nested
// CHECK: onnx.Unsqueeze
// CHECK: }) : (tensor<i1>) -> tensor<1xf32>
// CHECK: onnx.Add({{.*}}) : (tensor<1xf32>, tensor<1xf32>) -> tensor<1xf32>
// CHECK: onnx.Unsqueeze
// CHECK: }) : (tensor<i1>) -> tensor<1xf32>
// CHECK: onnx.Mul({{.*}}) : (tensor<?xf32>, tensor<1xf32>) -> tensor<?xf32>
func.func @nested(%c: tensor<i1>, %d: tensor<i1>, %s: tensor<f32>, %v: tensor<1xf32>, %x: tensor<?xf32>) -> tensor<*xf32> {
  %outer = "onnx.If"(%c) ({
    %inner = "onnx.If"(%d) ({
      onnx.Yield %s : tensor<f32>
    }, {
      onnx.Yield %v : tensor<1xf32>
    }) : (tensor<i1>) -> tensor<*xf32>
    %n = onnx.Neg(%v) : (tensor<1xf32>) -> tensor<1xf32>
    %a = onnx.Add(%n, %inner) : (tensor<1xf32>, tensor<*xf32>) -> tensor<*xf32>
    onnx.Yield %a : tensor<*xf32>
  }, {
    onnx.Yield %s : tensor<f32>
  }) : (tensor<i1>) -> tensor<*xf32>
  %m = onnx.Mul(%x, %outer) : (tensor<?xf32>, tensor<*xf32>) -> tensor<*xf32>
  return %m : tensor<*xf32>
}
