// RUN: kiln-opt %s --split-input-file --kiln-check-alloc-sizes -verify-diagnostics

// A static shape whose byte count passes 2^62 (here it wraps 2^64): the
// LLVM lowering would ask for a wrapped, tiny buffer.

func.func @static_too_large() {
  // expected-error @+1 {{a tensor of type 'memref<2199023255552x2199023255552xf32>' needs more than 2^62 bytes; no run could allocate it}}
  %0 = memref.alloc() : memref<2199023255552x2199023255552xf32>
  memref.dealloc %0 : memref<2199023255552x2199023255552xf32>
  return
}

// -----

func.func @static_alloca_too_large() {
  // expected-error @+1 {{needs more than 2^62 bytes}}
  %0 = memref.alloca() : memref<4611686018427387904xf32>
  return
}

// -----

// Just under the limit is fine (no diagnostic): 2^60 floats are 2^62 bytes.
func.func @at_the_limit() {
  %0 = memref.alloc() : memref<1152921504606846976xf32>
  memref.dealloc %0 : memref<1152921504606846976xf32>
  return
}
