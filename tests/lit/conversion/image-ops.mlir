// RUN: kiln-opt %s --convert-onnx-to-linalg -split-input-file | FileCheck %s

// Bilinear GridSample with zero padding (opset 16 defaults): the grid point
// (x, y) is read per output pixel and denormalized with align_corners = 0,
// ((g + 1) * len - 1) / 2; four taps outside the image read 0.
// CHECK-LABEL: func.func @gridsample_bilinear_zeros
// CHECK: %[[E:.*]] = tensor.empty() : tensor<1x2x4x5xf32>
// CHECK: linalg.generic {{.*}} outs(%[[E]] : tensor<1x2x4x5xf32>)
// CHECK: %[[GX:.*]] = tensor.extract %arg1[%{{.*}}, %{{.*}}, %{{.*}}, %c0{{.*}}] : tensor<1x4x5x2xf32>
// CHECK: tensor.extract %arg1[%{{.*}}, %{{.*}}, %{{.*}}, %c1{{.*}}] : tensor<1x4x5x2xf32>
// CHECK: math.floor
// CHECK: math.floor
// CHECK-COUNT-4: arith.select %{{.*}}, %{{.*}}, %cst{{.*}} : f32
// CHECK: linalg.yield
func.func @gridsample_bilinear_zeros(%x: tensor<1x2x3x3xf32>, %g: tensor<1x4x5x2xf32>) -> tensor<1x2x4x5xf32> {
  %0 = onnx.GridSample(%x, %g) {mode = "bilinear"} : (tensor<1x2x3x3xf32>, tensor<1x4x5x2xf32>) -> tensor<1x2x4x5xf32>
  return %0 : tensor<1x2x4x5xf32>
}

// -----

// Nearest with reflection padding and align_corners: the coordinate is
// rounded half to even, then reflected into [0, len - 1].
// CHECK-LABEL: func.func @gridsample_nearest_reflection
// CHECK: linalg.generic
// CHECK: math.roundeven
// CHECK: math.roundeven
// CHECK: arith.trunci %{{.*}} : i64 to i1
// CHECK: tensor.extract %arg0
// CHECK-NOT: tensor.extract %arg0
// CHECK: linalg.yield
func.func @gridsample_nearest_reflection(%x: tensor<1x1x3x4xf32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32> {
  %0 = onnx.GridSample(%x, %g) {mode = "nearest", padding_mode = "reflection", align_corners = 1 : i64} : (tensor<1x1x3x4xf32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

// Bicubic with border padding on dynamic shapes: 4x4 taps, the output
// sizes come from the input (N, C) and the grid (H_out, W_out).
// CHECK-LABEL: func.func @gridsample_bicubic_dynamic
// CHECK-DAG: %[[N:.*]] = tensor.dim %arg0, %c0
// CHECK-DAG: %[[C:.*]] = tensor.dim %arg0, %c1
// CHECK-DAG: %[[H:.*]] = tensor.dim %arg1, %c1
// CHECK-DAG: %[[W:.*]] = tensor.dim %arg1, %c2
// CHECK: tensor.empty(%[[N]], %[[C]], %[[H]], %[[W]]) : tensor<?x?x?x?xf32>
// CHECK: linalg.generic
// CHECK-COUNT-16: tensor.extract %arg0
// CHECK: linalg.yield
func.func @gridsample_bicubic_dynamic(%x: tensor<?x?x?x?xf32>, %g: tensor<?x?x?x2xf32>) -> tensor<?x?x?x?xf32> {
  %0 = onnx.GridSample(%x, %g) {mode = "bicubic", padding_mode = "border"} : (tensor<?x?x?x?xf32>, tensor<?x?x?x2xf32>) -> tensor<?x?x?x?xf32>
  return %0 : tensor<?x?x?x?xf32>
}

// -----

// RoiAlign, avg: one element per (roi, channel, bin); the bin's samples are
// an scf.for nest (sampling_ratio 2 fixes it at 2 x 2), averaged.
// CHECK-LABEL: func.func @roialign_avg
// CHECK: tensor.empty() : tensor<3x2x5x5xf32>
// CHECK: linalg.generic
// CHECK: tensor.extract %arg2[%{{.*}}] : tensor<3xi64>
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c2{{.*}} step %c1{{.*}} iter_args
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c2{{.*}} step %c1{{.*}} iter_args
// CHECK-COUNT-4: tensor.extract %arg0
// CHECK: scf.yield
// CHECK: scf.yield
// CHECK: arith.divf
// CHECK: linalg.yield
func.func @roialign_avg(%x: tensor<1x2x10x10xf32>, %r: tensor<3x4xf32>, %b: tensor<3xi64>) -> tensor<3x2x5x5xf32> {
  %0 = onnx.RoiAlign(%x, %r, %b) {output_height = 5 : i64, output_width = 5 : i64, sampling_ratio = 2 : i64, coordinate_transformation_mode = "output_half_pixel"} : (tensor<1x2x10x10xf32>, tensor<3x4xf32>, tensor<3xi64>) -> tensor<3x2x5x5xf32>
  return %0 : tensor<3x2x5x5xf32>
}

// -----

// RoiAlign, max with adaptive sampling (sampling_ratio 0): the number of
// samples per bin is ceil(bin size), computed per region at run time.
// CHECK-LABEL: func.func @roialign_max_adaptive
// CHECK: linalg.generic
// CHECK: %[[CH:.*]] = math.ceil
// CHECK: %[[GH:.*]] = arith.fptosi %[[CH]]
// CHECK: %[[CW:.*]] = math.ceil
// CHECK: scf.for
// CHECK: scf.for
// CHECK: arith.maximumf
// CHECK: scf.yield
func.func @roialign_max_adaptive(%x: tensor<?x?x?x?xf32>, %r: tensor<?x4xf32>, %b: tensor<?xi64>) -> tensor<?x?x2x3xf32> {
  %0 = onnx.RoiAlign(%x, %r, %b) {mode = "max", output_height = 2 : i64, output_width = 3 : i64} : (tensor<?x?x?x?xf32>, tensor<?x4xf32>, tensor<?xi64>) -> tensor<?x?x2x3xf32>
  return %0 : tensor<?x?x2x3xf32>
}

// -----

// AffineGrid: one generic over [N, H, W, 2]; H and W are read from `size`
// at run time; with align_corners the coordinate is -1 + 2i / (L - 1).
// CHECK-LABEL: func.func @affine_grid_align
// CHECK: %[[H:.*]] = tensor.extract %arg1[%c2]
// CHECK: %[[W:.*]] = tensor.extract %arg1[%c3]
// CHECK: linalg.generic
// CHECK: arith.cmpf ole
// CHECK: arith.select
// CHECK: %[[T:.*]] = tensor.extract %arg0[%{{.*}}, %{{.*}}, %c2{{.*}}]
// CHECK: tensor.extract %arg0[%{{.*}}, %{{.*}}, %c0]
// CHECK: arith.mulf
// CHECK: arith.addf %[[T]]
// CHECK: tensor.extract %arg0[%{{.*}}, %{{.*}}, %c1]
func.func @affine_grid_align(%theta: tensor<2x2x3xf32>, %size: tensor<4xi64>) -> tensor<2x?x?x2xf32> {
  %0 = onnx.AffineGrid(%theta, %size) {align_corners = 1 : i64} : (tensor<2x2x3xf32>, tensor<4xi64>) -> tensor<2x?x?x2xf32>
  return %0 : tensor<2x?x?x2xf32>
}

// -----

// Volumetric GridSample: the grid's (x, y, z) address W, H and D, and
// trilinear sampling sums 8 taps, the innermost (W) nested inside.
// CHECK-LABEL: func.func @gridsample_volumetric
// CHECK: linalg.generic
// CHECK: tensor.extract %arg1[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %c2]
// CHECK-COUNT-8: tensor.extract %arg0[
// CHECK: linalg.yield
func.func @gridsample_volumetric(%x: tensor<1x2x3x4x5xf32>, %g: tensor<1x2x3x4x3xf32>) -> tensor<1x2x2x3x4xf32> {
  %0 = onnx.GridSample(%x, %g) {mode = "linear"} : (tensor<1x2x3x4x5xf32>, tensor<1x2x3x4x3xf32>) -> tensor<1x2x2x3x4xf32>
  return %0 : tensor<1x2x2x3x4xf32>
}

// -----

// DeformConv: one generic over Y [N, oC, oH, oW], reducing over the group's
// channels and the kernel taps while reading W; each tap samples X
// bilinearly at its offset position (four neighbours, zero outside) and is
// scaled by the mask.
// CHECK-LABEL: func.func @deform_conv
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction", "reduction", "reduction"]} ins(%arg1 : tensor<4x1x2x2xf32>)
// CHECK: tensor.extract %arg2[
// CHECK: tensor.extract %arg2[
// CHECK: math.floor
// CHECK: math.floor
// CHECK-COUNT-4: tensor.extract %arg0[
// CHECK: tensor.extract %arg4[
// CHECK: linalg.yield
func.func @deform_conv(%x: tensor<1x2x5x5xf32>, %w: tensor<4x1x2x2xf32>, %off: tensor<1x16x4x4xf32>, %b: tensor<4xf32>, %m: tensor<1x8x4x4xf32>) -> tensor<1x4x4x4xf32> {
  %0 = onnx.DeformConv(%x, %w, %off, %b, %m) {group = 2 : i64, offset_group = 2 : i64, kernel_shape = [2, 2]} : (tensor<1x2x5x5xf32>, tensor<4x1x2x2xf32>, tensor<1x16x4x4xf32>, tensor<4xf32>, tensor<1x8x4x4xf32>) -> tensor<1x4x4x4xf32>
  return %0 : tensor<1x4x4x4xf32>
}
