// RUN: kiln-opt %s --split-input-file --kiln-approximate-math | FileCheck %s
// RUN: kiln-opt %s --split-input-file --kiln-approximate-math="ops=tanh" | FileCheck %s --check-prefix=TANH

// f32 exp, scalar and vector, becomes arithmetic (no math.exp, so no expf
// call after lowering); f64 keeps its libm call; sin is not approximated by
// default. With ops=tanh only tanh is.

// CHECK-LABEL: func.func @f(
// CHECK-NOT:     math.exp
// CHECK-NOT:     math.tanh
// CHECK:         math.fma
// CHECK:         math.exp %{{.*}} : f64
// CHECK:         math.sin %{{.*}} : f32
// CHECK-NOT:     math.exp {{.*}} f32
// TANH-LABEL: func.func @f(
// TANH:         math.exp %{{.*}} : f32
// TANH:         math.exp %{{.*}} : vector<8xf32>
// TANH-NOT:     math.tanh
// TANH:         math.exp %{{.*}} : f64
func.func @f(%a: f32, %v: vector<8xf32>, %d: f64, %t: f32) -> (f32, vector<8xf32>, f64, f32, f32) {
  %0 = math.exp %a : f32
  %1 = math.exp %v : vector<8xf32>
  %2 = math.tanh %t : f32
  %3 = math.exp %d : f64
  %4 = math.sin %a : f32
  return %0, %1, %3, %2, %4 : f32, vector<8xf32>, f64, f32, f32
}
