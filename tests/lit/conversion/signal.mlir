// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// A real DFT along axis 1 (opset 20 default -2): a table of the 8 twiddle
// factors (cos, -sin) of the forward transform, then the sums over k in two
// f64 accumulators, reading the table at (j k) mod n; a real sample has no
// imaginary terms. A second generic interleaves [re, im] and narrows to f32.
// CHECK-DAG: #[[TAB:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[K:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @dft_real
// CHECK-DAG: %[[N:.*]] = arith.constant 8 : index
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f64
// CHECK: %[[RE0:.*]] = linalg.fill ins(%[[ZERO]] : f64) outs(%{{.*}} : tensor<2x8xf64>)
// CHECK: %[[IM0:.*]] = linalg.fill ins(%[[ZERO]] : f64) outs(%{{.*}} : tensor<2x8xf64>)
// CHECK: %[[KS:.*]] = tensor.empty() : tensor<8xf64>
// CHECK: %[[TABLE:.*]] = linalg.generic {indexing_maps = [#[[TAB]]], iterator_types = ["parallel", "parallel"]} outs(%{{.*}} : tensor<8x2xf64>)
// CHECK: %[[S:.*]] = math.sin
// CHECK: %[[NS:.*]] = arith.negf %[[S]]
// CHECK: %[[C:.*]] = math.cos
// CHECK: arith.select %{{.*}}, %[[C]], %[[NS]]
// CHECK: %[[SUMS:.*]]:2 = linalg.generic {indexing_maps = [#[[K]], #[[OUT]], #[[OUT]]], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[KS]] : tensor<8xf64>) outs(%[[RE0]], %[[IM0]] : tensor<2x8xf64>, tensor<2x8xf64>)
// CHECK: %[[B:.*]] = linalg.index 0
// CHECK: %[[J:.*]] = linalg.index 1
// CHECK: %[[KI:.*]] = linalg.index 2
// CHECK: %[[JK:.*]] = arith.muli %[[J]], %[[KI]]
// CHECK: %[[P:.*]] = arith.remui %[[JK]], %[[N]]
// CHECK: %[[COS:.*]] = tensor.extract %[[TABLE]][%[[P]], %{{.*}}] : tensor<8x2xf64>
// CHECK: %[[SIN:.*]] = tensor.extract %[[TABLE]][%[[P]], %{{.*}}] : tensor<8x2xf64>
// CHECK: %[[X:.*]] = tensor.extract %{{.*}}[%[[B]], %[[KI]], %{{.*}}] : tensor<2x8x1xf32>
// CHECK: %[[XF:.*]] = arith.extf %[[X]] : f32 to f64
// CHECK: %[[R:.*]] = arith.mulf %[[XF]], %[[COS]]
// CHECK: %[[I:.*]] = arith.mulf %[[XF]], %[[SIN]]
// CHECK: %[[RA:.*]] = arith.addf %{{.*}}, %[[R]]
// CHECK: %[[IA:.*]] = arith.addf %{{.*}}, %[[I]]
// CHECK: linalg.yield %[[RA]], %[[IA]]
// CHECK: linalg.generic {indexing_maps = [#[[OUT]], #[[OUT]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[SUMS]]#0, %[[SUMS]]#1 : tensor<2x8xf64>, tensor<2x8xf64>) outs(%{{.*}} : tensor<2x8x2xf32>)
// CHECK: arith.select
// CHECK: arith.truncf %{{.*}} : f64 to f32
func.func @dft_real(%x: tensor<2x8x1xf32>) -> tensor<2x8x2xf32> {
  %none = onnx.NoValue
  %y = onnx.DFT(%x, %none, %none) : (tensor<2x8x1xf32>, none, none) -> tensor<2x8x2xf32>
  return %y : tensor<2x8x2xf32>
}

// -----

// Inverse DFT of a complex signal along the constant axis 0: positive sine,
// both components read, the result scaled by 1 / n.
// CHECK-LABEL: func.func @dft_inverse_complex
// CHECK: math.sin
// CHECK-NOT: arith.negf
// CHECK: math.cos
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<3xf64>) outs(%{{.*}}, %{{.*}} : tensor<3x4xf64>, tensor<3x4xf64>)
// CHECK: %[[K:.*]] = linalg.index 2
// CHECK: tensor.extract %{{.*}}[%[[K]], %{{.*}}, %{{.*}}] : tensor<3x4x2xf32>
// CHECK: tensor.extract %{{.*}}[%[[K]], %{{.*}}, %{{.*}}] : tensor<3x4x2xf32>
// CHECK: arith.subf
// CHECK: arith.addf
// CHECK: linalg.yield
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f64
// CHECK: %[[SCALE:.*]] = arith.divf %[[ONE]], %{{.*}} : f64
// CHECK: linalg.generic
// CHECK: arith.mulf %{{.*}}, %[[SCALE]] : f64
// CHECK: arith.truncf
func.func @dft_inverse_complex(%x: tensor<3x4x2xf32>) -> tensor<3x4x2xf32> {
  %none = onnx.NoValue
  %axis = onnx.Constant() {value = dense<0> : tensor<i64>} : () -> tensor<i64>
  %y = onnx.DFT(%x, %none, %axis) {inverse = 1 : i64} : (tensor<3x4x2xf32>, none, tensor<i64>) -> tensor<3x4x2xf32>
  return %y : tensor<3x4x2xf32>
}

// -----

// Opset 17 (axis attribute, passed by the importer as a constant operand)
// with a constant dft_length shorter than the axis: 6 of the 9 samples
// summed, one sided: 6 / 2 + 1 = 4 bins.
// CHECK-LABEL: func.func @dft_onesided_truncated
// CHECK: %[[N:.*]] = arith.constant 6 : index
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<6xf64>) outs(%{{.*}}, %{{.*}} : tensor<2x4x3xf64>, tensor<2x4x3xf64>)
// CHECK: arith.remui %{{.*}}, %[[N]]
// CHECK: } -> tensor<2x4x3x2xf32>
module attributes {kiln.opset = 17 : i64} {
  func.func @dft_onesided_truncated(%x: tensor<2x9x3x1xf32>) -> tensor<2x4x3x2xf32> {
    %n = onnx.Constant() {value = dense<6> : tensor<i64>} : () -> tensor<i64>
    %axis = onnx.Constant() {value = dense<1> : tensor<i64>} : () -> tensor<i64>
    %y = onnx.DFT(%x, %n, %axis) {onesided = 1 : i64} : (tensor<2x9x3x1xf32>, tensor<i64>, tensor<i64>) -> tensor<2x4x3x2xf32>
    return %y : tensor<2x4x3x2xf32>
  }
}

// -----

// A run-time dft_length and a last dim known only at run time: the sizes
// come from the length (n / 2 + 1 bins, min(len, n) samples) and the
// imaginary part is read at dim - 1 and kept only when the dim is 2.
// CHECK-LABEL: func.func @dft_runtime
// CHECK-DAG: %[[LEN:.*]] = tensor.dim %{{.*}}, %c1 : tensor<2x?x?xf32>
// CHECK-DAG: %[[NI:.*]] = tensor.extract %{{.*}}[] : tensor<i64>
// CHECK: %[[N:.*]] = arith.index_cast %[[NI]] : i64 to index
// CHECK: %[[HALF:.*]] = arith.floordivsi %[[N]], %c2
// CHECK: %[[BINS:.*]] = arith.addi %[[HALF]], %c1
// CHECK: %[[KLEN:.*]] = arith.minsi %[[LEN]], %[[N]] : index
// CHECK: %[[LAST:.*]] = tensor.dim %{{.*}}, %c2{{.*}} : tensor<2x?x?xf32>
// CHECK: %[[IPOS:.*]] = arith.subi %[[LAST]], %c1
// CHECK: %[[CPLX:.*]] = arith.cmpi eq, %[[LAST]], %c2
// CHECK: tensor.empty(%[[BINS]]) : tensor<2x?xf64>
// CHECK: tensor.empty(%[[KLEN]]) : tensor<?xf64>
// CHECK: linalg.generic
// CHECK: arith.remui %{{.*}}, %[[N]] : index
// CHECK: %[[IM:.*]] = tensor.extract %{{.*}}[%{{.*}}, %{{.*}}, %[[IPOS]]] : tensor<2x?x?xf32>
// CHECK: %[[IMF:.*]] = arith.extf %[[IM]]
// CHECK: arith.select %[[CPLX]], %[[IMF]], %{{.*}} : f64
// CHECK: tensor.empty(%[[BINS]]) : tensor<2x?x2xf32>
func.func @dft_runtime(%x: tensor<2x?x?xf32>, %n: tensor<i64>) -> tensor<2x?x2xf32> {
  %none = onnx.NoValue
  %y = onnx.DFT(%x, %n, %none) {onesided = 1 : i64} : (tensor<2x?x?xf32>, tensor<i64>, none) -> tensor<2x?x2xf32>
  return %y : tensor<2x?x2xf32>
}

// -----

// Inverse of a one-sided spectrum (irfft): 2 * (5 - 1) = 8 real samples;
// bins other than 0 and n / 2 count twice; a real result (last dim 1).
// CHECK-LABEL: func.func @dft_irfft
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<5xf64>) outs(%{{.*}}, %{{.*}} : tensor<3x8xf64>, tensor<3x8xf64>)
// CHECK: arith.cmpi eq
// CHECK: arith.addi
// CHECK: arith.cmpi eq
// CHECK: arith.ori
// CHECK: arith.select %{{.*}}, %{{.*}}, %{{.*}} : f64
// CHECK: linalg.yield
// CHECK: } -> tensor<3x8x1xf32>
func.func @dft_irfft(%x: tensor<3x5x2xf32>) -> tensor<3x8x1xf32> {
  %none = onnx.NoValue
  %y = onnx.DFT(%x, %none, %none) {inverse = 1 : i64, onesided = 1 : i64} : (tensor<3x5x2xf32>, none, none) -> tensor<3x8x1xf32>
  return %y : tensor<3x8x1xf32>
}

// -----

// STFT with a run-time frame_step and a window: frame f reads sample
// f * step + k (zero past the end of the signal), weighted by window[k].
// CHECK-LABEL: func.func @stft
// CHECK-SAME: %[[SIG:[^:]*]]: tensor<1x128x1xf32>, %[[STEP:[^:]*]]: tensor<i64>, %[[WIN:[^:]*]]: tensor<16xf32>
// CHECK: %[[S:.*]] = tensor.extract %[[STEP]][] : tensor<i64>
// CHECK: %[[STEPI:.*]] = arith.index_cast %[[S]] : i64 to index
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%{{.*}} : tensor<16xf64>) outs(%{{.*}}, %{{.*}} : tensor<1x15x9xf64>, tensor<1x15x9xf64>)
// CHECK: %[[B:.*]] = linalg.index 0
// CHECK: %[[F:.*]] = linalg.index 1
// CHECK: %[[K:.*]] = linalg.index 3
// CHECK: %[[FS:.*]] = arith.muli %[[F]], %[[STEPI]]
// CHECK: %[[POS:.*]] = arith.addi %[[FS]], %[[K]]
// CHECK: %[[IN:.*]] = arith.cmpi ult, %[[POS]], %c128
// CHECK: %[[SAFE:.*]] = arith.select %[[IN]], %[[POS]]
// CHECK: tensor.extract %[[SIG]][%[[B]], %[[SAFE]], %{{.*}}] : tensor<1x128x1xf32>
// CHECK: tensor.extract %[[WIN]][%[[K]]] : tensor<16xf32>
// CHECK: } -> tensor<1x15x9x2xf32>
func.func @stft(%s: tensor<1x128x1xf32>, %step: tensor<i64>, %w: tensor<16xf32>) -> tensor<1x15x9x2xf32> {
  %none = onnx.NoValue
  %y = onnx.STFT(%s, %step, %w, %none) : (tensor<1x128x1xf32>, tensor<i64>, tensor<16xf32>, none) -> tensor<1x15x9x2xf32>
  return %y : tensor<1x15x9x2xf32>
}

// -----

// STFT of a complex signal without a window, all sizes at run time:
// (len - frame_length) / step + 1 frames of frame_length bins (two-sided).
// CHECK-LABEL: func.func @stft_runtime
// CHECK-DAG: %[[LEN:.*]] = tensor.dim %{{.*}}, %c1 : tensor<?x?x2xf32>
// CHECK-DAG: %[[STEP:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK-DAG: %[[FL:.*]] = arith.index_cast %{{.*}} : i64 to index
// CHECK: %[[D:.*]] = arith.subi %[[LEN]], %[[FL]]
// CHECK: %[[Q:.*]] = arith.floordivsi %[[D]], %[[STEP]]
// CHECK: %[[FRAMES:.*]] = arith.addi %[[Q]], %c1
// CHECK: tensor.empty(%{{.*}}, %[[FRAMES]], %[[FL]]) : tensor<?x?x?xf64>
// CHECK: tensor.empty(%[[FL]]) : tensor<?xf64>
// CHECK: linalg.generic
// CHECK: tensor.extract %{{.*}} : tensor<?x?x2xf32>
// CHECK: tensor.extract %{{.*}} : tensor<?x?x2xf32>
// CHECK: } -> tensor<?x?x?x2xf32>
func.func @stft_runtime(%s: tensor<?x?x2xf32>, %step: tensor<i64>, %fl: tensor<i64>) -> tensor<?x?x?x2xf32> {
  %none = onnx.NoValue
  %y = onnx.STFT(%s, %step, %none, %fl) {onesided = 0 : i64} : (tensor<?x?x2xf32>, tensor<i64>, none, tensor<i64>) -> tensor<?x?x?x2xf32>
  return %y : tensor<?x?x?x2xf32>
}

// -----

// MelWeightMatrix: [dft_length / 2 + 1, num_mel_bins] from run-time
// scalars; each element finds the FFT bins of mel points i, i + 1, i + 2
// (floor((n + 1) * hz / rate)) and takes its value on triangle i.
// CHECK-LABEL: func.func @mel
// CHECK: %[[NB:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK: %[[DL:.*]] = arith.index_cast %{{.*}} : i32 to index
// CHECK: math.log1p %{{.*}} : f32
// CHECK: math.log1p %{{.*}} : f32
// CHECK: %[[H:.*]] = arith.floordivsi %[[DL]], %c2
// CHECK: %[[ROWS:.*]] = arith.addi %[[H]], %c1
// CHECK: tensor.empty(%[[ROWS]], %[[NB]]) : tensor<?x?xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK-COUNT-3: math.floor
// CHECK: arith.truncf %{{.*}} : f64 to f32
func.func @mel(%a: tensor<i32>, %b: tensor<i32>, %c: tensor<i32>, %d: tensor<f32>, %e: tensor<f32>) -> tensor<?x?xf32> {
  %y = onnx.MelWeightMatrix(%a, %b, %c, %d, %e) : (tensor<i32>, tensor<i32>, tensor<i32>, tensor<f32>, tensor<f32>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

// -----

// An axis known only at run time (opset 20's input): checked to be one of
// the dims before the complex one, then one DFT per dim it may name, the
// run choosing with an scf.if chain; each branch's twiddle table has the
// length of its own axis (1, 4, 6).
// CHECK-LABEL: func.func @dft_runtime_axis
// CHECK: %[[NEG:.*]] = arith.cmpi slt
// CHECK: %[[AXIS:.*]] = arith.select %[[NEG]]
// CHECK: func.call @kiln_check_failed
// CHECK: %[[IS0:.*]] = arith.cmpi eq, %[[AXIS]], %{{.*}} : index
// CHECK: scf.if %[[IS0]] -> (tensor<?x?x?x2xf32>)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2xf64>)
// CHECK: } else {
// CHECK: %[[IS1:.*]] = arith.cmpi eq, %[[AXIS]], %{{.*}} : index
// CHECK: scf.if %[[IS1]] -> (tensor<?x?x?x2xf32>)
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<4x2xf64>)
// CHECK: } else {
// CHECK: linalg.generic {{.*}} outs(%{{.*}} : tensor<6x2xf64>)
func.func @dft_runtime_axis(%x: tensor<1x4x6x1xf32>, %axis: tensor<i64>) -> tensor<?x?x?x2xf32> {
  %none = onnx.NoValue
  %y = onnx.DFT(%x, %none, %axis) : (tensor<1x4x6x1xf32>, none, tensor<i64>) -> tensor<?x?x?x2xf32>
  return %y : tensor<?x?x?x2xf32>
}
