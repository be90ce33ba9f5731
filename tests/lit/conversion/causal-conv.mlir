// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// CausalConvWithState with every size symbolic: the kernel sums read the
// past state below k - 1 and the input above (no concatenation), reducing
// over the weight's k; then bias and SiLU; the present state is the last
// k - 1 positions of the padded sequence.
// CHECK-LABEL: func.func @causal_conv_silu
// CHECK: %[[K:.*]] = tensor.dim %arg1, %c2
// CHECK: %[[LEAD:.*]] = arith.subi %[[K]], %c1
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%arg1 : tensor<?x1x?xf32>)
// CHECK: arith.cmpi sge, %{{.*}}, %[[LEAD]]
// CHECK: tensor.extract %arg0[
// CHECK: tensor.extract %arg3[
// CHECK: arith.select
// CHECK: linalg.generic
// CHECK: tensor.extract %arg2[
// CHECK: math.exp
// CHECK: arith.divf
// CHECK: linalg.generic
// CHECK: arith.addi %{{.*}}, %{{.*}} : index
// CHECK: tensor.extract %arg3[
func.func @causal_conv_silu(%x: tensor<?x?x?xf32>, %w: tensor<?x1x?xf32>, %b: tensor<?xf32>, %past: tensor<?x?x?xf32>) -> (tensor<?x?x?xf32>, tensor<?x?x?xf32>) {
  %0:2 = onnx.CausalConvWithState(%x, %w, %b, %past) {activation = "silu"} : (tensor<?x?x?xf32>, tensor<?x1x?xf32>, tensor<?xf32>, tensor<?x?x?xf32>) -> (tensor<?x?x?xf32>, tensor<?x?x?xf32>)
  return %0#0, %0#1 : tensor<?x?x?xf32>, tensor<?x?x?xf32>
}

// -----

// Without a past state the positions below k - 1 read zero; 16-bit floats
// accumulate in f32 and round once.
// CHECK-LABEL: func.func @causal_conv_fp16
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<2x4x8xf32>)
// CHECK: arith.extf
// CHECK: arith.truncf
func.func @causal_conv_fp16(%x: tensor<2x4x8xf16>, %w: tensor<4x1x3xf16>) -> (tensor<2x4x8xf16>, tensor<2x4x2xf16>) {
  %none = onnx.NoValue
  %0:2 = onnx.CausalConvWithState(%x, %w, %none, %none) : (tensor<2x4x8xf16>, tensor<4x1x3xf16>, none, none) -> (tensor<2x4x8xf16>, tensor<2x4x2xf16>)
  return %0#0, %0#1 : tensor<2x4x8xf16>, tensor<2x4x2xf16>
}
