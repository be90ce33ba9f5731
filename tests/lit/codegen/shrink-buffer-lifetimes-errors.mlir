// RUN: kiln-opt %s -pass-pipeline='builtin.module(func.func(kiln-shrink-buffer-lifetimes))' -verify-diagnostics

// A buffer read after it was freed is a bug of an earlier pass; moving the
// deallocation would hide it, so the pass reports it.
func.func @use_after_free(%x: memref<16xf32>, %y: memref<16xf32>) {
  %a = memref.alloc() : memref<16xf32>
  memref.copy %x, %a : memref<16xf32> to memref<16xf32>
  // expected-error @below {{buffer used after its deallocation}}
  memref.dealloc %a : memref<16xf32>
  // expected-note @below {{used here}}
  memref.copy %a, %y : memref<16xf32> to memref<16xf32>
  return
}
