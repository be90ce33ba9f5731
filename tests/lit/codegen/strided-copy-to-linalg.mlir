// RUN: kiln-opt %s --kiln-strided-copy-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @strided
// CHECK: linalg.copy ins(%{{.*}} : memref<4x2xf32, strided<[8, 1]>>) outs(%{{.*}} : memref<4x2xf32>)
// CHECK-NOT: memref.copy
func.func @strided(%a: memref<4x2xf32, strided<[8, 1]>>, %b: memref<4x2xf32>) {
  memref.copy %a, %b : memref<4x2xf32, strided<[8, 1]>> to memref<4x2xf32>
  return
}

// CHECK-LABEL: func.func @contiguous
// CHECK: memref.copy
// CHECK-NOT: linalg.copy
func.func @contiguous(%a: memref<4x2xf32>, %b: memref<4x2xf32>) {
  memref.copy %a, %b : memref<4x2xf32> to memref<4x2xf32>
  return
}
