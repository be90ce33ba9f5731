// RUN: kiln-opt %s --kiln-gemm-ukernel="isa=avx3" -verify-diagnostics

// expected-error @below {{kiln-gemm-ukernel: unknown isa 'avx3' (expected avx512, avx2 or sse)}}
module {
  func.func @f() {
    return
  }
}
