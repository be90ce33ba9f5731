// RUN: kiln-opt %s --kiln-instrument-kernels | FileCheck %s

// A top-level scf.if (an ONNX If) is one kernel: the work of its branches
// is inside the bracket, not left out of the profile. Ops nested in it get
// no brackets of their own.
// CHECK-LABEL: func.func @main
// CHECK: %[[K:.*]] = arith.constant 0 : i32
// CHECK-NEXT: call @kiln_kernel_begin(%[[K]]) {kiln.kernel_op = "scf.if"} : (i32) -> ()
// CHECK-NEXT: scf.if
// CHECK-NOT: kiln_kernel_begin
// CHECK: linalg.generic
// CHECK: } else {
// CHECK: call @kiln_kernel_end(%[[K]])
// CHECK-NOT: kiln_kernel_begin
// CHECK: return
#id = affine_map<(d0) -> (d0)>
func.func @main(%c: i1, %x: tensor<4xf32>) -> tensor<4xf32> {
  %r = scf.if %c -> (tensor<4xf32>) {
    %e = tensor.empty() : tensor<4xf32>
    %g = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]} ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %n = arith.negf %in : f32
      linalg.yield %n : f32
    } -> tensor<4xf32>
    scf.yield %g : tensor<4xf32>
  } else {
    scf.yield %x : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}
