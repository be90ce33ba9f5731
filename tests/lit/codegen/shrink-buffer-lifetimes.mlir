// RUN: kiln-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(kiln-shrink-buffer-lifetimes))' | FileCheck %s

// A chain of layers: each buffer is allocated right before the op that
// writes it and freed right after the op that last reads it, so the next
// allocation can take the block just freed.
// CHECK-LABEL: func.func @chain
// CHECK-NEXT: %[[A:.*]] = memref.alloc() : memref<16xf32>
// CHECK-NEXT: memref.copy %arg0, %[[A]]
// CHECK-NEXT: %[[B:.*]] = memref.alloc() : memref<16xf32>
// CHECK-NEXT: memref.copy %[[A]], %[[B]]
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: %[[C:.*]] = memref.alloc() : memref<16xf32>
// CHECK-NEXT: memref.copy %[[B]], %[[C]]
// CHECK-NEXT: memref.dealloc %[[B]]
// CHECK-NEXT: return %[[C]]
func.func @chain(%x: memref<16xf32>) -> memref<16xf32> {
  %a = memref.alloc() : memref<16xf32>
  %b = memref.alloc() : memref<16xf32>
  %c = memref.alloc() : memref<16xf32>
  memref.copy %x, %a : memref<16xf32> to memref<16xf32>
  memref.copy %a, %b : memref<16xf32> to memref<16xf32>
  memref.copy %b, %c : memref<16xf32> to memref<16xf32>
  memref.dealloc %a : memref<16xf32>
  memref.dealloc %b : memref<16xf32>
  return %c : memref<16xf32>
}

// -----

// A kernel call takes the buffer as an address computed from an extracted
// pointer: the buffer lives until the call, not until the extraction.
// Dynamic sizes stay defined before the allocation.
// CHECK-LABEL: func.func @kernel_call
// CHECK: %[[N:.*]] = memref.dim %arg0
// CHECK: %[[A:.*]] = memref.alloc(%[[N]])
// CHECK-NEXT: memref.copy
// CHECK-NEXT: %[[P:.*]] = memref.extract_aligned_pointer_as_index %[[A]]
// CHECK-NEXT: %[[Q:.*]] = arith.addi %[[P]]
// CHECK-NEXT: call @kernel(%[[Q]])
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: call @other()
func.func private @kernel(index)
func.func private @other()
func.func @kernel_call(%x: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c4 = arith.constant 4 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %a = memref.alloc(%n) : memref<?xf32>
  memref.copy %x, %a : memref<?xf32> to memref<?xf32>
  %p = memref.extract_aligned_pointer_as_index %a : memref<?xf32> -> index
  %q = arith.addi %p, %c4 : index
  call @kernel(%q) : (index) -> ()
  call @other() : () -> ()
  memref.dealloc %a : memref<?xf32>
  return
}

// -----

// A view used inside a loop keeps the buffer alive until the loop ends.
// CHECK-LABEL: func.func @loop_use
// CHECK: scf.for
// CHECK: memref.subview
// CHECK: }
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: call @other()
func.func private @other()
func.func @loop_use(%x: memref<16xf32>, %y: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %a = memref.alloc() : memref<16xf32>
  memref.copy %x, %a : memref<16xf32> to memref<16xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %off = arith.muli %i, %c4 : index
    %v = memref.subview %a[%off] [4] [1] : memref<16xf32> to memref<4xf32, strided<[1], offset: ?>>
    memref.copy %v, %y : memref<4xf32, strided<[1], offset: ?>> to memref<4xf32>
  }
  call @other() : () -> ()
  memref.dealloc %a : memref<16xf32>
  return
}

// -----

// The address is stored to memory: whoever loads it may use the buffer
// later, so its deallocation stays at the end.
// CHECK-LABEL: func.func @escapes
// CHECK: call @other()
// CHECK-NEXT: memref.dealloc
// CHECK-NEXT: return
func.func private @other()
func.func @escapes(%x: memref<16xf32>, %slot: memref<1xindex>) {
  %c0 = arith.constant 0 : index
  %a = memref.alloc() : memref<16xf32>
  memref.copy %x, %a : memref<16xf32> to memref<16xf32>
  %p = memref.extract_aligned_pointer_as_index %a : memref<16xf32> -> index
  memref.store %p, %slot[%c0] : memref<1xindex>
  call @other() : () -> ()
  memref.dealloc %a : memref<16xf32>
  return
}

// -----

// A buffer nothing uses is allocated right before it is freed.
// CHECK-LABEL: func.func @unused
// CHECK-NEXT: call @other()
// CHECK-NEXT: %[[A:.*]] = memref.alloc
// CHECK-NEXT: memref.dealloc %[[A]]
func.func private @other()
func.func @unused() {
  %a = memref.alloc() : memref<16xf32>
  call @other() : () -> ()
  memref.dealloc %a : memref<16xf32>
  return
}
