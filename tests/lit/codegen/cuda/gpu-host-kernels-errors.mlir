// RUN: kiln-opt %s --split-input-file --verify-diagnostics --kiln-gpu-host-kernels

// Reductions across threads reach the harness as shuffles and barriers
// (their lowering), not as gpu.all_reduce.
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @k(%y: memref<1xf32>) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %y[%c0] : memref<1xf32>
      // expected-error @below {{'gpu.all_reduce' op has no host copy: reductions across threads must be shuffles and barriers, shared memory attributions}}
      %s = gpu.all_reduce add %v uniform {} : (f32) -> (f32)
      memref.store %s, %y[%c0] : memref<1xf32>
      gpu.return
    }
  }
}

// -----

// Private memory would need a copy per fiber.
module attributes {gpu.container_module} {
  gpu.module @k {
    // expected-error @below {{'gpu.func' op with private attributions or several blocks has no host copy}}
    gpu.func @k() private(%p : memref<4xf32, #gpu.address_space<private>>) kernel {
      gpu.return
    }
  }
}

// -----

// More workgroup memory than a block may have statically (48 KiB, the
// size of the driver's buffer).
module attributes {gpu.container_module} {
  gpu.module @k {
    // expected-error @below {{'gpu.func' op needs 49168 bytes of workgroup memory, more than a block's 49152}}
    gpu.func @k() workgroup(%a : memref<12288xf32, #gpu.address_space<workgroup>>, %b : memref<4xf32, #gpu.address_space<workgroup>>) kernel {
      gpu.barrier
      gpu.return
    }
  }
}

// -----

// The driver moves one scalar word per lane.
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @k(%v: vector<2xf32>) kernel {
      %c1 = arith.constant 1 : i32
      %c32 = arith.constant 32 : i32
      // expected-error @below {{'gpu.shuffle' op of a value that is not a scalar of at most 64 bits has no host copy}}
      %s, %ok = gpu.shuffle xor %v, %c1, %c32 : vector<2xf32>
      gpu.return
    }
  }
}

// -----

// The fake driver computes the two mma.sync shapes the tensor-core
// strategy issues, not others (here f16 m16n8k8).
module attributes {gpu.container_module} {
  gpu.module @mma {
    gpu.func @mma(%y: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %a = arith.constant dense<1.0> : vector<2x2xf16>
      %b = arith.constant dense<1.0> : vector<1x2xf16>
      %c = arith.constant dense<0.0> : vector<2x2xf32>
      // expected-error @below {{'nvgpu.mma.sync' op has no host copy: the fake driver computes m16n8k8 TF32 and m16n8k16 f16 with f32 accumulators}}
      %d = nvgpu.mma.sync (%a, %b, %c) {mmaShape = [16, 8, 8]} : (vector<2x2xf16>, vector<1x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
      %r = vector.extract %d[1, 1] : f32 from vector<2x2xf32>
      memref.store %r, %y[%c0] : memref<4xf32>
      gpu.return
    }
  }
}
