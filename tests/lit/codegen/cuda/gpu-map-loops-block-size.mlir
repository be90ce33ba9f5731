// RUN: kiln-opt %s --verify-diagnostics --pass-pipeline="builtin.module(func.func(kiln-gpu-map-loops{block-size=100}))"

// expected-error @below {{block-size must be a multiple of 32 up to 1024, got 100}}
func.func @f() {
  return
}
