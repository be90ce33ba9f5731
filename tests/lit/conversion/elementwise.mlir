// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// Numpy broadcasting: the rank-1 operand is read through a map that drops
// the leading dim.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @add_broadcast
// CHECK-SAME: (%[[A:.+]]: tensor<2x3xf32>, %[[B:.+]]: tensor<3xf32>)
// CHECK: %[[E:.+]] = tensor.empty() : tensor<2x3xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]] : tensor<2x3xf32>, tensor<3xf32>) outs(%[[E]] : tensor<2x3xf32>)
// CHECK: ^bb0(%[[X:.+]]: f32, %[[Y:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[R:.+]] = arith.addf %[[X]], %[[Y]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %0 = onnx.Add(%a, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// A dynamic dim gets its size from the input at run time; a static 1
// broadcasts through a constant index.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[BC:.+]] = affine_map<(d0, d1) -> (0, d1)>
// CHECK-LABEL: func.func @sub_dynamic
// CHECK-SAME: (%[[A:.+]]: tensor<?x3xi32>, %[[B:.+]]: tensor<1x3xi32>)
// CHECK: %[[C0:.+]] = arith.constant 0 : index
// CHECK: %[[D:.+]] = tensor.dim %[[A]], %[[C0]] : tensor<?x3xi32>
// CHECK: %[[E:.+]] = tensor.empty(%[[D]]) : tensor<?x3xi32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[BC]], #[[ID]]]
// CHECK: arith.subi
func.func @sub_dynamic(%a: tensor<?x3xi32>, %b: tensor<1x3xi32>) -> tensor<?x3xi32> {
  %0 = onnx.Sub(%a, %b) : (tensor<?x3xi32>, tensor<1x3xi32>) -> tensor<?x3xi32>
  return %0 : tensor<?x3xi32>
}

// -----

// Signed division truncates (divsi); unsigned types become signless and use
// divui.
// CHECK-LABEL: func.func @div_signed
// CHECK: arith.divsi %{{.+}}, %{{.+}} : i64
func.func @div_signed(%a: tensor<4xi64>, %b: tensor<4xi64>) -> tensor<4xi64> {
  %0 = onnx.Div(%a, %b) : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}
// CHECK-LABEL: func.func @div_unsigned
// CHECK-SAME: (%{{.+}}: tensor<4xi8>, %{{.+}}: tensor<4xi8>) -> tensor<4xi8>
// CHECK: arith.divui %{{.+}}, %{{.+}} : i8
func.func @div_unsigned(%a: tensor<4xui8>, %b: tensor<4xui8>) -> tensor<4xui8> {
  %0 = onnx.Div(%a, %b) : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}
// CHECK-LABEL: func.func @mul_f64
// CHECK: arith.mulf %{{.+}}, %{{.+}} : f64
func.func @mul_f64(%a: tensor<4xf64>, %b: tensor<f64>) -> tensor<4xf64> {
  %0 = onnx.Mul(%a, %b) : (tensor<4xf64>, tensor<f64>) -> tensor<4xf64>
  return %0 : tensor<4xf64>
}

// -----

// CHECK-LABEL: func.func @pow_float_int_exponent
// CHECK: ^bb0(%[[X:.+]]: f32, %[[Y:.+]]: i32, %{{.+}}: f32):
// CHECK: %[[YF:.+]] = arith.sitofp %[[Y]] : i32 to f32
// CHECK: math.powf %[[X]], %[[YF]] : f32
func.func @pow_float_int_exponent(%a: tensor<4xf32>, %b: tensor<4xi32>) -> tensor<4xf32> {
  %0 = onnx.Pow(%a, %b) : (tensor<4xf32>, tensor<4xi32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
// Integer bases go through f64 and truncate back.
// CHECK-LABEL: func.func @pow_int
// CHECK: ^bb0(%[[X:.+]]: i64, %[[Y:.+]]: i64, %{{.+}}: i64):
// CHECK: %[[XF:.+]] = arith.sitofp %[[X]] : i64 to f64
// CHECK: %[[YF:.+]] = arith.sitofp %[[Y]] : i64 to f64
// CHECK: %[[P:.+]] = math.powf %[[XF]], %[[YF]] : f64
// CHECK: arith.fptosi %[[P]] : f64 to i64
func.func @pow_int(%a: tensor<4xi64>, %b: tensor<4xi64>) -> tensor<4xi64> {
  %0 = onnx.Pow(%a, %b) : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

// CHECK-LABEL: func.func @neg_int
// CHECK: %[[Z:.+]] = arith.constant 0 : i16
// CHECK: arith.subi %[[Z]], %{{.+}} : i16
func.func @neg_int(%a: tensor<4xi16>) -> tensor<4xi16> {
  %0 = onnx.Neg(%a) : (tensor<4xi16>) -> tensor<4xi16>
  return %0 : tensor<4xi16>
}
// CHECK-LABEL: func.func @abs_int
// CHECK: math.absi %{{.+}} : i32
func.func @abs_int(%a: tensor<4xi32>) -> tensor<4xi32> {
  %0 = onnx.Abs(%a) : (tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}
// The absolute value of an unsigned integer is itself.
// CHECK-LABEL: func.func @abs_unsigned
// CHECK: ^bb0(%[[X:.+]]: i32, %{{.+}}: i32):
// CHECK-NEXT: linalg.yield %[[X]] : i32
func.func @abs_unsigned(%a: tensor<4xui32>) -> tensor<4xui32> {
  %0 = onnx.Abs(%a) : (tensor<4xui32>) -> tensor<4xui32>
  return %0 : tensor<4xui32>
}

// -----

// Half-precision math is computed in f32 and rounded once.
// CHECK-LABEL: func.func @sqrt_f16
// CHECK: ^bb0(%[[X:.+]]: f16, %{{.+}}: f16):
// CHECK-NEXT: %[[E:.+]] = arith.extf %[[X]] : f16 to f32
// CHECK-NEXT: %[[S:.+]] = math.sqrt %[[E]] : f32
// CHECK-NEXT: %[[T:.+]] = arith.truncf %[[S]] : f32 to f16
// CHECK-NEXT: linalg.yield %[[T]] : f16
func.func @sqrt_f16(%a: tensor<4xf16>) -> tensor<4xf16> {
  %0 = onnx.Sqrt(%a) : (tensor<4xf16>) -> tensor<4xf16>
  return %0 : tensor<4xf16>
}
// CHECK-LABEL: func.func @exp_bf16
// CHECK: arith.extf %{{.+}} : bf16 to f32
// CHECK: math.exp %{{.+}} : f32
// CHECK: arith.truncf %{{.+}} : f32 to bf16
func.func @exp_bf16(%a: tensor<4xbf16>) -> tensor<4xbf16> {
  %0 = onnx.Exp(%a) : (tensor<4xbf16>) -> tensor<4xbf16>
  return %0 : tensor<4xbf16>
}

// -----

// CHECK-LABEL: func.func @unary_math
// CHECK: math.log %{{.+}} : f32
// CHECK: math.tanh %{{.+}} : f32
// CHECK: math.erf %{{.+}} : f32
// CHECK: math.floor %{{.+}} : f32
// CHECK: math.ceil %{{.+}} : f32
// CHECK: math.roundeven %{{.+}} : f32
// CHECK: math.sin %{{.+}} : f32
// CHECK: math.cos %{{.+}} : f32
// CHECK: math.tan %{{.+}} : f32
// CHECK: math.asin %{{.+}} : f32
// CHECK: math.acos %{{.+}} : f32
// CHECK: math.atan %{{.+}} : f32
// CHECK: math.sinh %{{.+}} : f32
// CHECK: math.cosh %{{.+}} : f32
// CHECK: math.asinh %{{.+}} : f32
// CHECK: math.acosh %{{.+}} : f32
// CHECK: math.atanh %{{.+}} : f32
func.func @unary_math(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = onnx.Log(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = onnx.Tanh(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = onnx.Erf(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %3 = onnx.Floor(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %4 = onnx.Ceil(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %5 = onnx.Round(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %6 = onnx.Sin(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %7 = onnx.Cos(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %8 = onnx.Tan(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %9 = onnx.Asin(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %10 = onnx.Acos(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %11 = onnx.Atan(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %12 = onnx.Sinh(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %13 = onnx.Cosh(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %14 = onnx.Asinh(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %15 = onnx.Acosh(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %16 = onnx.Atanh(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// sigmoid(x) = 1 / (1 + exp(-x))
// CHECK-LABEL: func.func @sigmoid
// CHECK: ^bb0(%[[X:.+]]: f32, %{{.+}}: f32):
// CHECK-DAG: %[[N:.+]] = arith.negf %[[X]] : f32
// CHECK-DAG: %[[E:.+]] = math.exp %[[N]] : f32
// CHECK-DAG: arith.constant 1.000000e+00 : f32
// CHECK: %[[D:.+]] = arith.addf %{{.+}}, %[[E]] : f32
// CHECK: %[[R:.+]] = arith.divf %{{.+}}, %[[D]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
func.func @sigmoid(%a: tensor<2x?xf32>) -> tensor<2x?xf32> {
  %0 = onnx.Sigmoid(%a) : (tensor<2x?xf32>) -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}

// -----

// CHECK-LABEL: func.func @relu
// CHECK: %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: arith.maximumf %{{.+}}, %[[Z]] : f32
func.func @relu(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Relu(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
// CHECK-LABEL: func.func @relu_int
// CHECK: arith.maxsi %{{.+}}, %{{.+}} : i8
func.func @relu_int(%a: tensor<4xi8>) -> tensor<4xi8> {
  %0 = onnx.Relu(%a) : (tensor<4xi8>) -> tensor<4xi8>
  return %0 : tensor<4xi8>
}
// CHECK-LABEL: func.func @leaky_relu
// CHECK: ^bb0(%[[X:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[NEG:.+]] = arith.cmpf olt, %[[X]], %{{.+}} : f32
// CHECK: %[[A:.+]] = arith.constant 3.000000e-01 : f32
// CHECK: %[[M:.+]] = arith.mulf %[[X]], %[[A]] : f32
// CHECK: arith.select %[[NEG]], %[[M]], %[[X]] : f32
func.func @leaky_relu(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.LeakyRelu(%a) {alpha = 0.3 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
// -----

// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[SLOPE:.+]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-LABEL: func.func @prelu
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[SLOPE]], #[[ID]]]
// CHECK: ^bb0(%[[X:.+]]: f32, %[[S:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[NEG:.+]] = arith.cmpf olt, %[[X]], %{{.+}} : f32
// CHECK: %[[M:.+]] = arith.mulf %[[X]], %[[S]] : f32
// CHECK: arith.select %[[NEG]], %[[M]], %[[X]] : f32
func.func @prelu(%a: tensor<2x3x4xf32>, %s: tensor<3x1xf32>) -> tensor<2x3x4xf32> {
  %0 = onnx.PRelu(%a, %s) : (tensor<2x3x4xf32>, tensor<3x1xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Clip bounds are rank-0 tensors read through a map with no results;
// unsigned integers clamp with unsigned max/min.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[SCALAR:.+]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @clip_unsigned
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[SCALAR]], #[[SCALAR]], #[[ID]]]
// CHECK: ^bb0(%[[X:.+]]: i8, %[[LO:.+]]: i8, %[[HI:.+]]: i8, %{{.+}}: i8):
// CHECK-NEXT: %[[A:.+]] = arith.maxui %[[X]], %[[LO]] : i8
// CHECK-NEXT: %[[B:.+]] = arith.minui %[[A]], %[[HI]] : i8
// CHECK-NEXT: linalg.yield %[[B]] : i8
func.func @clip_unsigned(%a: tensor<4xui8>, %lo: tensor<ui8>, %hi: tensor<ui8>) -> tensor<4xui8> {
  %0 = onnx.Clip(%a, %lo, %hi) : (tensor<4xui8>, tensor<ui8>, tensor<ui8>) -> tensor<4xui8>
  return %0 : tensor<4xui8>
}
// CHECK-LABEL: func.func @clip_float
// CHECK: arith.maximumf
// CHECK: arith.minimumf
func.func @clip_float(%a: tensor<4xf32>, %lo: tensor<f32>, %hi: tensor<f32>) -> tensor<4xf32> {
  %0 = onnx.Clip(%a, %lo, %hi) : (tensor<4xf32>, tensor<f32>, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @hard_sigmoid
// CHECK: ^bb0(%[[X:.+]]: f32, %{{.+}}: f32):
// CHECK-DAG: %[[A:.+]] = arith.constant 2.500000e-01 : f32
// CHECK-DAG: %[[B:.+]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[M:.+]] = arith.mulf %[[X]], %[[A]] : f32
// CHECK-DAG: %[[Y:.+]] = arith.addf %[[M]], %[[B]] : f32
// CHECK: %[[MIN:.+]] = arith.minimumf %{{.+}}, %[[Y]] : f32
// CHECK: arith.maximumf %{{.+}}, %[[MIN]] : f32
func.func @hard_sigmoid(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.HardSigmoid(%a) {alpha = 0.25 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
// CHECK-LABEL: func.func @hard_swish
// CHECK: arith.minimumf
// CHECK: arith.maximumf
// CHECK: arith.mulf
func.func @hard_swish(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.HardSwish(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Variadic ops broadcast all their inputs together.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-DAG: #[[COL:.+]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-LABEL: func.func @max_variadic
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[COL]], #[[ID]]]
// CHECK: ^bb0(%[[A:.+]]: i8, %[[B:.+]]: i8, %[[C:.+]]: i8, %{{.+}}: i8):
// CHECK-NEXT: %[[M:.+]] = arith.maxui %[[A]], %[[B]] : i8
// CHECK-NEXT: %[[N:.+]] = arith.maxui %[[M]], %[[C]] : i8
// CHECK-NEXT: linalg.yield %[[N]] : i8
func.func @max_variadic(%a: tensor<2x3xui8>, %b: tensor<3xui8>, %c: tensor<2x1xui8>) -> tensor<2x3xui8> {
  %0 = onnx.Max(%a, %b, %c) : (tensor<2x3xui8>, tensor<3xui8>, tensor<2x1xui8>) -> tensor<2x3xui8>
  return %0 : tensor<2x3xui8>
}
// CHECK-LABEL: func.func @min_float
// CHECK: arith.minimumf
func.func @min_float(%a: tensor<3xf32>, %b: tensor<3xf32>) -> tensor<3xf32> {
  %0 = onnx.Min(%a, %b) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
// CHECK-LABEL: func.func @sum
// CHECK: arith.addf
// CHECK-NEXT: arith.addf
// CHECK-NEXT: linalg.yield
func.func @sum(%a: tensor<3xf32>, %b: tensor<3xf32>, %c: tensor<3xf32>) -> tensor<3xf32> {
  %0 = onnx.Sum(%a, %b, %c) : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}
// CHECK-LABEL: func.func @mean
// CHECK: %[[S1:.+]] = arith.addf
// CHECK-NEXT: %[[S2:.+]] = arith.addf %[[S1]]
// CHECK-NEXT: %[[N:.+]] = arith.constant 3.000000e+00 : f32
// CHECK-NEXT: arith.divf %[[S2]], %[[N]] : f32
func.func @mean(%a: tensor<3xf32>, %b: tensor<3xf32>, %c: tensor<3xf32>) -> tensor<3xf32> {
  %0 = onnx.Mean(%a, %b, %c) : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return %0 : tensor<3xf32>
}

// -----

// Comparisons produce i1; unsigned operands compare unsigned.
// CHECK-LABEL: func.func @compare
// CHECK: arith.cmpf oeq, %{{.+}}, %{{.+}} : f32
// CHECK: -> tensor<3xi1>
// CHECK: arith.cmpi ult, %{{.+}}, %{{.+}} : i32
// CHECK: arith.cmpi sgt, %{{.+}}, %{{.+}} : i64
// CHECK: arith.cmpf ole, %{{.+}}, %{{.+}} : f16
// CHECK: arith.cmpi uge, %{{.+}}, %{{.+}} : i16
// CHECK: arith.cmpi eq, %{{.+}}, %{{.+}} : i1
func.func @compare(%a: tensor<3xf32>, %b: tensor<3xui32>, %c: tensor<3xi64>, %d: tensor<3xf16>, %e: tensor<3xui16>, %f: tensor<3xi1>) -> (tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>) {
  %0 = onnx.Equal(%a, %a) : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xi1>
  %1 = onnx.Less(%b, %b) : (tensor<3xui32>, tensor<3xui32>) -> tensor<3xi1>
  %2 = onnx.Greater(%c, %c) : (tensor<3xi64>, tensor<3xi64>) -> tensor<3xi1>
  %3 = onnx.LessOrEqual(%d, %d) : (tensor<3xf16>, tensor<3xf16>) -> tensor<3xi1>
  %4 = onnx.GreaterOrEqual(%e, %e) : (tensor<3xui16>, tensor<3xui16>) -> tensor<3xi1>
  %5 = onnx.Equal(%f, %f) : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  return %0, %1, %2, %3, %4, %5 : tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>
}

// -----

// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[COL:.+]] = affine_map<(d0, d1) -> (d0, 0)>
// CHECK-DAG: #[[ROW:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func @where
// CHECK: linalg.generic {indexing_maps = [#[[COL]], #[[ID]], #[[ROW]], #[[ID]]]
// CHECK: ^bb0(%[[C:.+]]: i1, %[[X:.+]]: i32, %[[Y:.+]]: i32, %{{.+}}: i32):
// CHECK-NEXT: %[[R:.+]] = arith.select %[[C]], %[[X]], %[[Y]] : i32
func.func @where(%c: tensor<2x1xi1>, %x: tensor<2x3xi32>, %y: tensor<3xi32>) -> tensor<2x3xi32> {
  %0 = onnx.Where(%c, %x, %y) : (tensor<2x1xi1>, tensor<2x3xi32>, tensor<3xi32>) -> tensor<2x3xi32>
  return %0 : tensor<2x3xi32>
}

// -----

// Cast follows ONNX: float->int truncates, unsigned sources zero-extend,
// anything->bool is "!= 0".
// CHECK-LABEL: func.func @cast
// CHECK: arith.fptosi %{{.+}} : f32 to i32
// CHECK: arith.uitofp %{{.+}} : i8 to f32
// CHECK: arith.cmpf une, %{{.+}}, %{{.+}} : f32
// CHECK: arith.uitofp %{{.+}} : i1 to f16
// CHECK: arith.extui %{{.+}} : i16 to i64
// CHECK: arith.fptoui %{{.+}} : f64 to i8
func.func @cast(%a: tensor<3xf32>, %b: tensor<3xui8>, %c: tensor<3xi1>, %d: tensor<3xui16>, %e: tensor<3xf64>) -> (tensor<3xi32>, tensor<3xf32>, tensor<3xi1>, tensor<3xf16>, tensor<3xi64>, tensor<3xui8>) {
  %0 = onnx.Cast(%a) {to = 6 : i64} : (tensor<3xf32>) -> tensor<3xi32>
  %1 = onnx.Cast(%b) {to = 1 : i64} : (tensor<3xui8>) -> tensor<3xf32>
  %2 = onnx.Cast(%a) {to = 9 : i64} : (tensor<3xf32>) -> tensor<3xi1>
  %3 = onnx.Cast(%c) {to = 10 : i64} : (tensor<3xi1>) -> tensor<3xf16>
  %4 = onnx.Cast(%d) {to = 7 : i64} : (tensor<3xui16>) -> tensor<3xi64>
  %5 = onnx.Cast(%e) {to = 2 : i64} : (tensor<3xf64>) -> tensor<3xui8>
  return %0, %1, %2, %3, %4, %5 : tensor<3xi32>, tensor<3xf32>, tensor<3xi1>, tensor<3xf16>, tensor<3xi64>, tensor<3xui8>
}
// A cast to the same type and Identity forward their input.
// CHECK-LABEL: func.func @cast_same
// CHECK-SAME: (%[[A:.+]]: tensor<3xf32>)
// CHECK-NOT: linalg.generic
// CHECK: return %[[A]], %[[A]]
func.func @cast_same(%a: tensor<3xf32>) -> (tensor<3xf32>, tensor<3xf32>) {
  %0 = onnx.Cast(%a) {to = 1 : i64} : (tensor<3xf32>) -> tensor<3xf32>
  %1 = onnx.Identity(%a) : (tensor<3xf32>) -> tensor<3xf32>
  return %0, %1 : tensor<3xf32>, tensor<3xf32>
}

// -----

// CHECK-LABEL: func.func @logic
// CHECK: %[[T:.+]] = arith.constant true
// CHECK: arith.xori %{{.+}}, %[[T]] : i1
// CHECK: arith.andi %{{.+}}, %{{.+}} : i1
// CHECK: arith.ori %{{.+}}, %{{.+}} : i1
// CHECK: arith.xori %{{.+}}, %{{.+}} : i1
func.func @logic(%a: tensor<3xi1>, %b: tensor<3xi1>) -> (tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>) {
  %0 = onnx.Not(%a) : (tensor<3xi1>) -> tensor<3xi1>
  %1 = onnx.And(%a, %b) : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  %2 = onnx.Or(%a, %b) : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  %3 = onnx.Xor(%a, %b) : (tensor<3xi1>, tensor<3xi1>) -> tensor<3xi1>
  return %0, %1, %2, %3 : tensor<3xi1>, tensor<3xi1>, tensor<3xi1>, tensor<3xi1>
}

// -----

// Integer Mod with fmod=0 takes the sign of the divisor: a nonzero C
// remainder whose sign differs from the divisor's gets the divisor added.
// CHECK-LABEL: func.func @mod_int
// CHECK: ^bb0(%[[A:.+]]: i32, %[[B:.+]]: i32, %{{.+}}: i32):
// CHECK-NEXT: %[[R:.+]] = arith.remsi %[[A]], %[[B]] : i32
// CHECK-DAG: %[[Z:.+]] = arith.constant 0 : i32
// CHECK-DAG: %[[RN:.+]] = arith.cmpi slt, %[[R]], %[[Z]] : i32
// CHECK-DAG: %[[BN:.+]] = arith.cmpi slt, %[[B]], %[[Z]] : i32
// CHECK-DAG: %[[NZ:.+]] = arith.cmpi ne, %[[R]], %[[Z]] : i32
// CHECK-DAG: %[[DIFF:.+]] = arith.xori %[[RN]], %[[BN]] : i1
// CHECK-DAG: %[[FIX:.+]] = arith.andi %[[NZ]], %[[DIFF]] : i1
// CHECK-DAG: %[[S:.+]] = arith.addi %[[R]], %[[B]] : i32
// CHECK: %[[Y:.+]] = arith.select %[[FIX]], %[[S]], %[[R]] : i32
// CHECK-NEXT: linalg.yield %[[Y]] : i32
func.func @mod_int(%a: tensor<4xi32>, %b: tensor<4xi32>) -> tensor<4xi32> {
  %0 = onnx.Mod(%a, %b) : (tensor<4xi32>, tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}
// CHECK-LABEL: func.func @mod_fmod
// CHECK: arith.remf %{{.+}}, %{{.+}} : f32
// CHECK: arith.remsi %{{.+}}, %{{.+}} : i64
// CHECK-NEXT: linalg.yield
// CHECK: arith.remui %{{.+}}, %{{.+}} : i8
// CHECK-NEXT: linalg.yield
func.func @mod_fmod(%a: tensor<4xf32>, %b: tensor<4xi64>, %c: tensor<4xui8>) -> (tensor<4xf32>, tensor<4xi64>, tensor<4xui8>) {
  %0 = onnx.Mod(%a, %a) {fmod = 1 : i64} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %1 = onnx.Mod(%b, %b) {fmod = 1 : i64} : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  %2 = onnx.Mod(%c, %c) : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  return %0, %1, %2 : tensor<4xf32>, tensor<4xi64>, tensor<4xui8>
}

// -----

// Shifting by the bit width or more yields 0.
// CHECK-LABEL: func.func @bitshift
// CHECK: ^bb0(%[[X:.+]]: i8, %[[Y:.+]]: i8, %{{.+}}: i8):
// CHECK-NEXT: %[[S:.+]] = arith.shli %[[X]], %[[Y]] : i8
// CHECK-NEXT: %[[W:.+]] = arith.constant 8 : i8
// CHECK-NEXT: %[[FAR:.+]] = arith.cmpi uge, %[[Y]], %[[W]] : i8
// CHECK-NEXT: %[[Z:.+]] = arith.constant 0 : i8
// CHECK-NEXT: arith.select %[[FAR]], %[[Z]], %[[S]] : i8
// CHECK: arith.shrui %{{.+}}, %{{.+}} : i32
func.func @bitshift(%a: tensor<4xui8>, %b: tensor<4xui8>, %c: tensor<4xui32>) -> (tensor<4xui8>, tensor<4xui32>) {
  %0 = onnx.BitShift(%a, %b) {direction = "LEFT"} : (tensor<4xui8>, tensor<4xui8>) -> tensor<4xui8>
  %1 = onnx.BitShift(%c, %c) {direction = "RIGHT"} : (tensor<4xui32>, tensor<4xui32>) -> tensor<4xui32>
  return %0, %1 : tensor<4xui8>, tensor<4xui32>
}

// -----

// CHECK-LABEL: func.func @isnan_isinf
// CHECK: arith.cmpf uno, %[[X:.+]], %[[X]] : f32
// CHECK: -> tensor<4xi1>
// CHECK: %[[PINF:.+]] = arith.constant 0x7F800000 : f32
// CHECK: arith.cmpf oeq, %{{.+}}, %[[PINF]] : f32
// CHECK-NOT: 0xFF800000
// CHECK: return
func.func @isnan_isinf(%a: tensor<4xf32>) -> (tensor<4xi1>, tensor<4xi1>) {
  %0 = onnx.IsNaN(%a) : (tensor<4xf32>) -> tensor<4xi1>
  %1 = onnx.IsInf(%a) {detect_negative = 0 : i64} : (tensor<4xf32>) -> tensor<4xi1>
  return %0, %1 : tensor<4xi1>, tensor<4xi1>
}

// -----

// CHECK-LABEL: func.func @gelu
// CHECK: arith.constant 0.70710{{[0-9]+}} : f32
// CHECK: math.erf
// CHECK-NOT: math.tanh
// CHECK-LABEL: func.func @gelu_tanh
// CHECK: arith.constant 4.471500e-02 : f32
// CHECK: math.tanh
// CHECK-NOT: math.erf
func.func @gelu(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Gelu(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
func.func @gelu_tanh(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Gelu(%a) {approximate = "tanh"} : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// Softplus is computed without overflow: max(x, 0) + log1p(exp(-|x|)).
// CHECK-LABEL: func.func @softplus
// CHECK: ^bb0(%[[X:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[A:.+]] = math.absf %[[X]] : f32
// CHECK-NEXT: %[[N:.+]] = arith.negf %[[A]] : f32
// CHECK-NEXT: %[[E:.+]] = math.exp %[[N]] : f32
// CHECK-NEXT: %[[L:.+]] = math.log1p %[[E]] : f32
// CHECK-NEXT: %[[Z:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[M:.+]] = arith.maximumf %[[X]], %[[Z]] : f32
// CHECK-NEXT: arith.addf %[[M]], %[[L]] : f32
func.func @softplus(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Softplus(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
// CHECK-LABEL: func.func @mish
// CHECK: math.log1p
// CHECK: math.tanh
// CHECK: arith.mulf
func.func @mish(%a: tensor<4xf32>) -> tensor<4xf32> {
  %0 = onnx.Mish(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @activations
// Elu
// CHECK: math.exp
// CHECK: arith.cmpf olt
// CHECK: arith.select
// Selu
// CHECK: math.exp
// CHECK: arith.cmpf ogt
// CHECK: arith.select
// CHECK: arith.mulf
// Celu
// CHECK: arith.divf
// CHECK: math.exp
// CHECK-DAG: arith.maximumf
// CHECK-DAG: arith.minimumf
// CHECK: arith.addf
// Softsign
// CHECK: math.absf
// CHECK: arith.divf
// ThresholdedRelu
// CHECK: %[[ALPHA:.+]] = arith.constant 2.000000e+00 : f32
// CHECK: arith.cmpf ogt, %{{.+}}, %[[ALPHA]] : f32
// Reciprocal
// CHECK: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: arith.divf %[[ONE]], %{{.+}} : f32
func.func @activations(%a: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0 = onnx.Elu(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = onnx.Selu(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %2 = onnx.Celu(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %3 = onnx.Softsign(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %4 = onnx.ThresholdedRelu(%a) {alpha = 2.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  %5 = onnx.Reciprocal(%a) : (tensor<4xf32>) -> tensor<4xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}

// -----

// Sign maps zero and NaN to themselves for floats.
// CHECK-LABEL: func.func @sign
// CHECK: ^bb0(%[[X:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[P:.+]] = arith.cmpf ogt, %[[X]]
// CHECK: %[[N:.+]] = arith.cmpf olt, %[[X]]
// CHECK: %[[M:.+]] = arith.constant -1.000000e+00 : f32
// CHECK: %[[S:.+]] = arith.select %[[N]], %[[M]], %[[X]] : f32
// CHECK: arith.select %[[P]], %{{.+}}, %[[S]] : f32
// CHECK: arith.cmpi sgt
// CHECK: arith.cmpi slt
func.func @sign(%a: tensor<4xf32>, %b: tensor<4xi32>) -> (tensor<4xf32>, tensor<4xi32>) {
  %0 = onnx.Sign(%a) : (tensor<4xf32>) -> tensor<4xf32>
  %1 = onnx.Sign(%b) : (tensor<4xi32>) -> tensor<4xi32>
  return %0, %1 : tensor<4xf32>, tensor<4xi32>
}

// -----

// Integer Shrink compares and adds in f32 and truncates back.
// CHECK-LABEL: func.func @shrink_int
// CHECK: ^bb0(%[[X:.+]]: i32, %{{.+}}: i32):
// CHECK: %[[F:.+]] = arith.sitofp %[[X]] : i32 to f32
// CHECK: %[[L:.+]] = arith.constant -1.500000e+00 : f32
// CHECK: arith.cmpf olt, %[[F]], %[[L]] : f32
// CHECK: arith.fptosi %{{.+}} : f32 to i32
func.func @shrink_int(%a: tensor<4xi32>) -> tensor<4xi32> {
  %0 = onnx.Shrink(%a) {lambd = 1.5 : f32, bias = 1.0 : f32} : (tensor<4xi32>) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// An absent bound is simply not applied.
// CHECK-DAG: #[[ID:.+]] = affine_map<(d0) -> (d0)>
// CHECK-DAG: #[[SCALAR:.+]] = affine_map<(d0) -> ()>
// CHECK-LABEL: func.func @clip_max_only
// CHECK-SAME: (%[[X:.+]]: tensor<4xf32>, %[[HI:.+]]: tensor<f32>)
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[SCALAR]], #[[ID]]], iterator_types = ["parallel"]} ins(%[[X]], %[[HI]] : tensor<4xf32>, tensor<f32>)
// CHECK: ^bb0(%[[A:.+]]: f32, %[[H:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[R:.+]] = arith.minimumf %[[A]], %[[H]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : f32
func.func @clip_max_only(%x: tensor<4xf32>, %hi: tensor<f32>) -> tensor<4xf32> {
  %n = onnx.NoValue
  %0 = onnx.Clip(%x, %n, %hi) : (tensor<4xf32>, none, tensor<f32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

// CHECK-LABEL: func.func @clip_none
// CHECK: ^bb0(%[[A:.+]]: i32, %{{.+}}: i32):
// CHECK-NEXT: linalg.yield %[[A]] : i32
func.func @clip_none(%x: tensor<4xi32>) -> tensor<4xi32> {
  %n = onnx.NoValue
  %0 = onnx.Clip(%x, %n, %n) : (tensor<4xi32>, none, none) -> tensor<4xi32>
  return %0 : tensor<4xi32>
}

// -----

// Dynamic dims of one source do not broadcast: two values computed from
// one input (its symbolic batch reaches both through their inits) are
// added with identity maps, no per-element index clamping. Against an
// independent input, the batch dim may be 1 at run time: clamped loads.

// CHECK-DAG: #[[ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-LABEL: func.func @same_source_dims
// CHECK:         %[[R:.+]] = linalg.generic
// CHECK:         %[[S:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[ID]], #[[ID]]]
// CHECK-NOT:       tensor.extract
// CHECK:         linalg.generic
// CHECK:           tensor.extract
func.func @same_source_dims(%a: tensor<?x3xf32>, %b: tensor<?x3xf32>) -> (tensor<?x3xf32>, tensor<?x3xf32>) {
  %0 = onnx.Relu(%a) : (tensor<?x3xf32>) -> tensor<?x3xf32>
  %1 = onnx.Add(%0, %a) : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  %2 = onnx.Add(%1, %b) : (tensor<?x3xf32>, tensor<?x3xf32>) -> tensor<?x3xf32>
  return %1, %2 : tensor<?x3xf32>, tensor<?x3xf32>
}

// -----

// Inputs whose dims share a dim_param are equal (the runtime rejects a run
// that gives one name two values): BERT's attention mask [B, 1, 1, S] on
// scores computed from input_ids [B, S] adds with plain maps, and the
// result's B is input_ids' own dim, not a max of both. The function starts
// by checking that the inputs agree (the runtime's own check can be turned
// off). A dim of another name still broadcasts at run time.
// CHECK-DAG: #[[MASK:.+]] = affine_map<(d0, d1, d2) -> (d0, 0, d2)>
// CHECK-DAG: #[[ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-LABEL: func.func @named_dims
// CHECK:       %[[B0:.+]] = tensor.dim %arg0, %c0
// CHECK:       %[[B1:.+]] = tensor.dim %arg1, %c0
// CHECK:       arith.cmpi eq, %[[B0]], %[[B1]]
// CHECK:       func.call @kiln_check_failed
// CHECK-NOT:   arith.maxui
// CHECK:       linalg.generic {indexing_maps = [#[[ID3]], #[[MASK]], #[[ID3]]]
// CHECK-NOT:     tensor.extract
// CHECK:       linalg.yield
// CHECK-LABEL: func.func @other_names
// CHECK:       arith.maxui
// CHECK:       tensor.extract
func.func @named_dims(%s: tensor<?x8x?xf32> {kiln.dim_params = ["B", "", "S"]}, %mask: tensor<?x1x?xf32> {kiln.dim_params = ["B", "", "S"]}) -> tensor<?x8x?xf32> {
  %0 = onnx.Add(%s, %mask) : (tensor<?x8x?xf32>, tensor<?x1x?xf32>) -> tensor<?x8x?xf32>
  return %0 : tensor<?x8x?xf32>
}
func.func @other_names(%s: tensor<?x8x?xf32> {kiln.dim_params = ["B", "", "S"]}, %mask: tensor<?x1x?xf32> {kiln.dim_params = ["N", "", "S"]}) -> tensor<?x8x?xf32> {
  %0 = onnx.Add(%s, %mask) : (tensor<?x8x?xf32>, tensor<?x1x?xf32>) -> tensor<?x8x?xf32>
  return %0 : tensor<?x8x?xf32>
}
