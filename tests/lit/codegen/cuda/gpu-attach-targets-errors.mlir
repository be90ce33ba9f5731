// RUN: kiln-opt %s --verify-diagnostics --kiln-gpu-attach-targets="chips=sm_80,gfx90a"

// expected-error @below {{unknown CUDA architecture 'gfx90a' (expected sm_50 to sm_121, e.g. sm_80, sm_90)}}
module attributes {gpu.container_module} {
  gpu.module @k {
  }
}
