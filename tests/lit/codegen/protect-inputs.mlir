// RUN: kiln-opt %s --kiln-protect-inputs | FileCheck %s
// RUN: kiln-opt %s --kiln-protect-inputs --one-shot-bufferize="bufferize-function-boundaries=1 function-boundary-type-conversion=identity-layout-map" | FileCheck %s --check-prefix=BUF
// The graph inputs belong to the caller: marked read-only, an in-place write
// into one becomes a write into a copy.

// CHECK-LABEL: func.func @main
// CHECK-SAME:    %{{.*}}: tensor<4xf32> {bufferization.writable = false}
// CHECK-SAME:    %{{.*}}: f32)
// BUF-LABEL:   func.func @main
// BUF-SAME:      (%[[D:.*]]: memref<4xf32>
// BUF:           %[[COPY:.*]] = memref.alloc() {{.*}} : memref<4xf32>
// BUF:           memref.copy %[[D]], %[[COPY]]
// BUF:           memref.store %{{.*}}, %[[COPY]]
// BUF-NOT:       memref.store %{{.*}}, %[[D]]
func.func @main(%d: tensor<4xf32>, %v: f32) -> tensor<4xf32> {
  %c1 = arith.constant 1 : index
  %0 = tensor.insert %v into %d[%c1] : tensor<4xf32>
  return %0 : tensor<4xf32>
}

// CHECK-LABEL: func.func private @helper
// CHECK-NOT:     bufferization.writable
func.func private @helper(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
