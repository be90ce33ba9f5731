// RUN: kiln-opt %s --kiln-gpu-attach-targets="chips=sm_80,sm_90,sm_90a" | FileCheck %s

// One target per chip, each with the PTX version ptxas needs for it.
// CHECK: gpu.module @k [#nvvm.target<O = 3, chip = "sm_80", features = "+ptx70">, #nvvm.target<O = 3, chip = "sm_90", features = "+ptx78">, #nvvm.target<O = 3, chip = "sm_90a", features = "+ptx80">]
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @f() kernel {
      gpu.return
    }
  }
}
