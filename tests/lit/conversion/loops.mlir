// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// Trip count and condition: scf.while on (iteration, condition, carried
// values, stacks). A carried value that keeps its shape is updated in place
// (linalg.copy into the loop-carried buffer, which starts as a copy of the
// input); the scan output stack gets M rows up front and the rows written
// are taken at the end.
// CHECK-LABEL: func.func @loop_trip_and_cond
// CHECK: %[[M:.*]] = tensor.extract %arg0[] : tensor<i64>
// CHECK: %[[C:.*]] = tensor.extract %arg1[] : tensor<i1>
// CHECK: %[[Y0:.*]] = linalg.copy ins(%arg2 : tensor<1xf32>)
// CHECK: %[[MI:.*]] = arith.index_cast %[[M]] : i64 to index
// CHECK: %[[ROWS:.*]] = arith.maxsi %[[MI]]
// CHECK: %[[S0:.*]] = tensor.empty(%[[ROWS]]) : tensor<?x1xf32>
// CHECK: %[[W:.*]]:4 = scf.while (%[[I:.*]] = %{{.*}}, %[[CI:.*]] = %[[C]], %[[Y:.*]] = %[[Y0]], %[[S:.*]] = %[[S0]])
// CHECK:   %[[LT:.*]] = arith.cmpi slt, %[[I]], %[[M]] : i64
// CHECK:   %[[GO:.*]] = arith.andi %[[CI]], %[[LT]] : i1
// CHECK:   scf.condition(%[[GO]])
// CHECK: } do {
// CHECK: ^bb0(%[[I2:.*]]: i64, %[[C2:.*]]: i1, %[[Y2:.*]]: tensor<1xf32>, %[[S2:.*]]: tensor<?x1xf32>):
// CHECK:   %[[SUM:.*]] = linalg.generic
// CHECK:   %[[NEXTI:.*]] = arith.addi %[[I2]]
// CHECK:   %[[POS:.*]] = arith.index_cast %[[I2]] : i64 to index
// CHECK:   %[[ROW:.*]] = tensor.extract_slice %[[S2]][%[[POS]], 0] [1, 1] [1, 1] : tensor<?x1xf32> to tensor<1xf32>
// CHECK:   %[[R:.*]] = linalg.copy ins(%[[Y2]] : tensor<1xf32>) outs(%[[ROW]] : tensor<1xf32>)
// CHECK:   %[[S3:.*]] = tensor.insert_slice %[[R]] into %[[S2]][%[[POS]], 0] [1, 1] [1, 1]
// CHECK:   %[[Y3:.*]] = linalg.copy ins(%[[SUM]] : tensor<1xf32>) outs(%[[Y2]] : tensor<1xf32>)
// CHECK:   scf.yield %[[NEXTI]], %{{.*}}, %[[Y3]], %[[S3]]
// CHECK: %[[N:.*]] = arith.index_cast %[[W]]#0 : i64 to index
// CHECK: %[[OUT:.*]] = tensor.extract_slice %[[W]]#3[0, 0] [%[[N]], 1] [1, 1]
// CHECK-NOT: onnx.
// CHECK: return %[[W]]#2, %[[OUT]]
func.func @loop_trip_and_cond(%m: tensor<i64>, %c: tensor<i1>, %y: tensor<1xf32>) -> (tensor<1xf32>, tensor<?x1xf32>) {
  %0:2 = "onnx.Loop"(%m, %c, %y) ({
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %yi: tensor<1xf32>):
    %co = onnx.Identity(%ci) : (tensor<i1>) -> tensor<i1>
    %s = onnx.Add(%yi, %yi) : (tensor<1xf32>, tensor<1xf32>) -> tensor<1xf32>
    onnx.Yield %co, %s, %yi : tensor<i1>, tensor<1xf32>, tensor<1xf32>
  }) : (tensor<i64>, tensor<i1>, tensor<1xf32>) -> (tensor<1xf32>, tensor<?x1xf32>)
  return %0#0, %0#1 : tensor<1xf32>, tensor<?x1xf32>
}

// -----

// No trip count: the loop runs while the body's condition holds and the
// scan output stack grows (doubling) when full. The untyped loop-carried
// body argument takes the rank of the initial value and the body is
// re-typed from it.
// CHECK-LABEL: func.func @loop_cond_only_unranked
// CHECK: scf.while (%{{.*}} = %{{.*}}, %[[CI:.*]] = %{{.*}}, %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) : (i64, i1, tensor<f32>, tensor<?xf32>)
// CHECK:   scf.condition(%[[CI]])
// CHECK: } do {
// CHECK:   linalg.generic
// CHECK:     arith.addf
// CHECK:   %[[LESS:.*]] = linalg.generic
// CHECK:     arith.cmpf olt
// CHECK:   %[[NC:.*]] = tensor.extract %[[LESS]][] : tensor<i1>
// CHECK:   %[[FULL:.*]] = arith.cmpi uge
// CHECK:   %[[GROWN:.*]] = scf.if %[[FULL]] -> (tensor<?xf32>) {
// CHECK:     tensor.empty
// CHECK:     tensor.insert_slice
// CHECK:   } else {
// CHECK:   tensor.insert_slice %{{.*}} into %[[GROWN]]
// CHECK:   scf.yield %{{.*}}, %[[NC]],
// CHECK-NOT: onnx.
// CHECK: return
func.func @loop_cond_only_unranked(%c: tensor<i1>, %x: tensor<f32>) -> tensor<?xf32> {
  %n = onnx.NoValue
  %0:2 = "onnx.Loop"(%n, %c, %x) ({
  ^bb0(%i: tensor<i64>, %ci: tensor<i1>, %p: tensor<*xf32>):
    %a = onnx.Add(%p, %x) : (tensor<*xf32>, tensor<f32>) -> tensor<*xf32>
    %k = onnx.Constant() {value = dense<1.0> : tensor<f32>} : () -> tensor<f32>
    %co = onnx.Less(%a, %k) : (tensor<*xf32>, tensor<f32>) -> tensor<*xi1>
    onnx.Yield %co, %a, %p : tensor<*xi1>, tensor<*xf32>, tensor<*xf32>
  }) : (none, tensor<i1>, tensor<f32>) -> (tensor<*xf32>, tensor<?xf32>)
  return %0#1 : tensor<?xf32>
}

// -----

// Scan along axis 1 in reverse; the output is stacked along axis 0 and
// then transposed to its axis (-1).
// CHECK-LABEL: func.func @scan_reverse_axes
// CHECK: %[[T:.*]] = tensor.dim %arg1, %c1 : tensor<2x3xf32>
// CHECK: %[[R:.*]]:2 = scf.for %[[IV:.*]] = %{{.*}} to %[[T]]
// CHECK:   %[[LAST:.*]] = arith.subi %[[T]], %{{.*}}
// CHECK:   %[[BACK:.*]] = arith.subi %[[LAST]], %[[IV]]
// CHECK:   tensor.extract_slice %arg1[0, %[[BACK]]] [2, 1] [1, 1] : tensor<2x3xf32> to tensor<2xf32>
// CHECK:   linalg.generic
// CHECK:   tensor.insert_slice %{{.*}} into %{{.*}}[%[[IV]], 0] [1, 2] [1, 1]
// CHECK: %[[TR:.*]] = linalg.transpose ins(%[[R]]#1 : tensor<?x2xf32>) {{.*}} permutation = [1, 0]
// CHECK: %[[C:.*]] = tensor.cast %[[TR]] : tensor<2x?xf32> to tensor<2x3xf32>
// CHECK: return %[[R]]#0, %[[C]]
func.func @scan_reverse_axes(%s: tensor<2xf32>, %x: tensor<2x3xf32>) -> (tensor<2xf32>, tensor<2x3xf32>) {
  %0:2 = "onnx.Scan"(%s, %x) <{num_scan_inputs = 1 : i64, scan_input_axes = [1], scan_input_directions = [1], scan_output_axes = [-1]}> ({
  ^bb0(%a: tensor<2xf32>, %b: tensor<2xf32>):
    %r = onnx.Add(%a, %b) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %r, %r : tensor<2xf32>, tensor<2xf32>
  }) : (tensor<2xf32>, tensor<2x3xf32>) -> (tensor<2xf32>, tensor<2x3xf32>)
  return %0#0, %0#1 : tensor<2xf32>, tensor<2x3xf32>
}

// -----

// Scan-8: an outer loop over the batch dim runs the scan of each entry and
// stacks its final states and outputs.
// CHECK-LABEL: func.func @scan8_batched
// CHECK: %[[B:.*]] = tensor.dim %arg0, %c0 : tensor<4x2xf32>
// CHECK: %[[T:.*]] = tensor.dim %arg1, %c1 : tensor<4x3x2xf32>
// CHECK: %[[S0:.*]] = tensor.empty(%[[B]]) : tensor<?x2xf32>
// CHECK: %[[Z0:.*]] = tensor.empty(%[[B]], %[[T]]) : tensor<?x?x2xf32>
// CHECK: %[[R:.*]]:2 = scf.for %[[BI:.*]] = %{{.*}} to %[[B]] {{.*}} iter_args(%[[S:.*]] = %[[S0]], %[[Z:.*]] = %[[Z0]])
// CHECK:   %[[X:.*]] = tensor.extract_slice %arg1[%[[BI]], 0, 0] [1, 3, 2] [1, 1, 1] : tensor<4x3x2xf32> to tensor<3x2xf32>
// CHECK:   %[[IN:.*]]:2 = scf.for
// CHECK:     tensor.extract_slice %[[X]]
// CHECK:     linalg.generic
// CHECK:     scf.yield
// CHECK:   tensor.insert_slice %{{.*}} into %[[S]][%[[BI]], 0] [1, 2] [1, 1]
// CHECK:   tensor.insert_slice %{{.*}} into %[[Z]][%[[BI]], 0, 0]
// CHECK: tensor.cast %[[R]]#0 : tensor<?x2xf32> to tensor<4x2xf32>
// CHECK: tensor.cast %[[R]]#1 : tensor<?x?x2xf32> to tensor<4x3x2xf32>
module attributes {kiln.opset = 8 : i64} {
func.func @scan8_batched(%s: tensor<4x2xf32>, %x: tensor<4x3x2xf32>) -> (tensor<4x2xf32>, tensor<4x3x2xf32>) {
  %n = onnx.NoValue
  %0:2 = "onnx.Scan"(%n, %s, %x) <{num_scan_inputs = 1 : i64}> ({
  ^bb0(%a: tensor<2xf32>, %b: tensor<2xf32>):
    %r = onnx.Add(%a, %b) : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
    onnx.Yield %r, %r : tensor<2xf32>, tensor<2xf32>
  }) : (none, tensor<4x2xf32>, tensor<4x3x2xf32>) -> (tensor<4x2xf32>, tensor<4x3x2xf32>)
  return %0#0, %0#1 : tensor<4x2xf32>, tensor<4x3x2xf32>
}
}
