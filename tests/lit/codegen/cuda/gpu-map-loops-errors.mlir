// RUN: kiln-opt %s --split-input-file --verify-diagnostics --kiln-gpu-map-loops

// scf.parallel with reductions (not made by convert-linalg-to-parallel-loops).
func.func @parallel_reduction(%x: memref<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  // expected-error @below {{'scf.parallel' op with reductions is not mapped to the GPU}}
  %s = scf.parallel (%i) = (%c0) to (%c4) step (%c1) init (%zero) -> f32 {
    %a = memref.load %x[%i] : memref<4xf32>
    scf.reduce(%a : f32) {
    ^bb0(%l: f32, %r: f32):
      %t = arith.addf %l, %r : f32
      scf.reduce.return %t : f32
    }
  }
  return %s : f32
}
