// RUN: kiln-opt %s --split-input-file --kiln-select-lowering -verify-diagnostics

// No target description: an error, not a guess.

// expected-error @below {{kiln-select-lowering: the module has no kiln.target (#kiln.target<...>)}}
module {
  func.func @f() {
    return
  }
}

// -----

// A target description that contradicts itself.

// expected-error @below {{kiln.target: avx2 has 256-bit vectors, not 512}}
module attributes {kiln.target = #kiln.target<isa = avx2, vector_bits = 512, vector_registers = 16, l1_bytes = 32768, l2_bytes = 524288>} {
}
