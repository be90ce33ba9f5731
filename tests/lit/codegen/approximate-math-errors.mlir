// RUN: kiln-opt %s --kiln-approximate-math="ops=exp,cbrt" -verify-diagnostics

// expected-error @below {{kiln-approximate-math: no approximation for 'cbrt'}}
module {
  func.func @f() {
    return
  }
}
