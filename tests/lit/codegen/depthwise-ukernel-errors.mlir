// RUN: kiln-opt %s --kiln-depthwise-ukernel="isa=neon" -verify-diagnostics

// expected-error @below {{kiln-depthwise-ukernel: unknown isa 'neon' (expected avx512, avx2 or sse)}}
module {
  func.func @f() {
    return
  }
}
