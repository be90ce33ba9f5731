// RUN: kiln-opt %s --kiln-instrument-kernels | FileCheck %s --check-prefix=BRACKET
// RUN: kiln-opt %s --kiln-instrument-kernels --linalg-fuse-elementwise-ops --canonicalize --one-shot-bufferize="bufferize-function-boundaries=1" --kiln-name-kernels --canonicalize | FileCheck %s --check-prefix=NAME

// Every top-level linalg op of @main gets its own bracket; other ops
// (tensor.empty, constants) and other functions are left alone.
// BRACKET-DAG: func.func private @kiln_kernel_begin(i32)
// BRACKET-DAG: func.func private @kiln_kernel_end(i32)
// BRACKET-LABEL: func.func @main
// BRACKET: tensor.empty
// BRACKET: %[[A:.*]] = arith.constant 0 : i32
// BRACKET-NEXT: call @kiln_kernel_begin(%[[A]]) {kiln.kernel_op = "linalg.generic"} : (i32) -> ()
// BRACKET-NEXT: linalg.generic
// BRACKET: call @kiln_kernel_end(%[[A]])
// BRACKET: %[[B:.*]] = arith.constant 1 : i32
// BRACKET-NEXT: call @kiln_kernel_begin(%[[B]]) {kiln.kernel_op = "linalg.generic"} : (i32) -> ()
// BRACKET-NEXT: linalg.generic
// BRACKET: call @kiln_kernel_end(%[[B]])
// BRACKET: %[[C:.*]] = arith.constant 2 : i32
// BRACKET-NEXT: call @kiln_kernel_begin(%[[C]]) {kiln.kernel_op = "linalg.fill"} : (i32) -> ()
// BRACKET-NEXT: linalg.fill
// BRACKET-NEXT: call @kiln_kernel_end(%[[C]])
// BRACKET: call @kiln_kernel_begin({{.*}}) {kiln.kernel_op = "linalg.matmul"} : (i32) -> ()
// BRACKET-NEXT: linalg.matmul
// BRACKET-NEXT: call @kiln_kernel_end
// BRACKET-LABEL: func.func @helper
// BRACKET-NOT: kiln_kernel
// BRACKET: return

// Add and Relu fuse into one kernel whose body still carries both node
// names; the empty bracket Add leaves behind is dropped and the rest are
// renumbered densely. The unnamed fill is named after its op.
// NAME: module attributes {kiln.kernel_ops = ["linalg.generic", "linalg.fill", "linalg.matmul"], kiln.kernels = ["Add_a+Relu_b", "linalg.fill", "MatMul_y"]}
// NAME-LABEL: func.func @main
// NAME-DAG: %[[A:.*]] = arith.constant 0 : i32
// NAME-DAG: %[[B:.*]] = arith.constant 1 : i32
// NAME-DAG: %[[C:.*]] = arith.constant 2 : i32
// NAME: call @kiln_kernel_begin(%[[A]]) {{.*}} : (i32) -> ()
// NAME-NEXT: linalg.generic
// NAME: call @kiln_kernel_end(%[[A]])
// NAME: call @kiln_kernel_begin(%[[B]]) {{.*}} : (i32) -> ()
// NAME-NEXT: linalg.fill
// NAME-NEXT: call @kiln_kernel_end(%[[B]])
// NAME-NEXT: call @kiln_kernel_begin(%[[C]]) {{.*}} : (i32) -> ()
// NAME-NEXT: linalg.matmul
// NAME-NEXT: call @kiln_kernel_end(%[[C]])
// NAME-NOT: kiln_kernel_begin
// NAME: return
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @main(%x: tensor<4x8xf32>, %w: tensor<8x16xf32>) -> tensor<4x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %a = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %in : f32 loc("Add_a")
    linalg.yield %s : f32
  } -> tensor<4x8xf32> loc("Add_a")
  %b = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %zero : f32 loc("Relu_b")
    linalg.yield %r : f32
  } -> tensor<4x8xf32> loc("Relu_b")
  %e2 = tensor.empty() : tensor<4x16xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x16xf32>) -> tensor<4x16xf32>
  %y = linalg.matmul ins(%b, %w : tensor<4x8xf32>, tensor<8x16xf32>)
      outs(%f : tensor<4x16xf32>) -> tensor<4x16xf32> loc(fused["MatMul_y", "model.onnx":0:0])
  return %y : tensor<4x16xf32>
}

func.func @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%x : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}
