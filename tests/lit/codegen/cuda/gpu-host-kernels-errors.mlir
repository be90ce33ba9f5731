// RUN: kiln-opt %s --split-input-file --verify-diagnostics --kiln-gpu-host-kernels

// Threads that wait for each other have no serial host copy.
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @k() kernel {
      // expected-error @below {{'gpu.barrier' op synchronizes threads: its kernel has no serial host copy}}
      gpu.barrier
      gpu.return
    }
  }
}

// -----

// Memory shared by a block's threads cannot be given to serial calls.
module attributes {gpu.container_module} {
  gpu.module @k {
    // expected-error @below {{'gpu.func' op with memory attributions or several blocks has no serial host copy}}
    gpu.func @k() workgroup(%w : memref<4xf32, #gpu.address_space<workgroup>>) kernel {
      gpu.return
    }
  }
}
