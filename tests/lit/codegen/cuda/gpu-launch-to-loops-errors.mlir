// RUN: kiln-opt %s --split-input-file --verify-diagnostics --kiln-gpu-launch-to-loops

// Threads that wait for each other cannot run one after the other.
func.func @barrier(%y: memref<128xf32>) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    // expected-error @below {{'gpu.barrier' op synchronizes threads: the launch cannot run as serial loops}}
    gpu.barrier
    gpu.terminator
  }
  return
}
