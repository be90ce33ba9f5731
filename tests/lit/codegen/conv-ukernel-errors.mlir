// RUN: kiln-opt %s --kiln-conv-ukernel="isa=avx10" -verify-diagnostics

// expected-error @below {{kiln-conv-ukernel: unknown isa 'avx10' (expected avx512, avx2 or sse)}}
module {
  func.func @f() {
    return
  }
}
