// f32 matmul C = A * B, 256x256x256, row-major, written with gpu.launch on the
// host side and outlined into a gpu.module by --gpu-kernel-outlining.
// Two kernels:
//   matmul_naive : one thread per C element, 16x16 thread blocks, 16x16 grid.
//   matmul_tiled : same geometry, 16x16 tiles of A and B staged through shared
//                  memory (memref.alloca in address space 3 / workgroup
//                  attributions after outlining) with gpu.barrier.
// Kernel ABI with use-bare-ptr-memref-call-conv=1: (float *A, float *B, float *C)
module attributes {gpu.container_module} {
  func.func @matmul_naive(%A: memref<256x256xf32>, %B: memref<256x256xf32>,
                          %C: memref<256x256xf32>) {
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c16, %gy = %c16, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c16, %sy = %c16, %sz = %c1) {
      %c0 = arith.constant 0 : index
      %one = arith.constant 1 : index
      %k256 = arith.constant 256 : index
      %t16 = arith.constant 16 : index
      %zero = arith.constant 0.0 : f32
      %rb = arith.muli %by, %t16 : index
      %row = arith.addi %rb, %ty : index
      %cb = arith.muli %bx, %t16 : index
      %col = arith.addi %cb, %tx : index
      %acc = scf.for %k = %c0 to %k256 step %one iter_args(%a = %zero) -> (f32) {
        %av = memref.load %A[%row, %k] : memref<256x256xf32>
        %bv = memref.load %B[%k, %col] : memref<256x256xf32>
        %p = arith.mulf %av, %bv : f32
        %s = arith.addf %a, %p : f32
        scf.yield %s : f32
      }
      memref.store %acc, %C[%row, %col] : memref<256x256xf32>
      gpu.terminator
    }
    return
  }

  func.func @matmul_tiled(%A: memref<256x256xf32>, %B: memref<256x256xf32>,
                          %C: memref<256x256xf32>) {
    %c1 = arith.constant 1 : index
    %c16 = arith.constant 16 : index
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c16, %gy = %c16, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c16, %sy = %c16, %sz = %c1)
               workgroup(%As : memref<16x16xf32, #gpu.address_space<workgroup>>,
                         %Bs : memref<16x16xf32, #gpu.address_space<workgroup>>) {
      %c0 = arith.constant 0 : index
      %k256 = arith.constant 256 : index
      %t16 = arith.constant 16 : index
      %zero = arith.constant 0.0 : f32
      %rb = arith.muli %by, %t16 : index
      %row = arith.addi %rb, %ty : index
      %cb = arith.muli %bx, %t16 : index
      %col = arith.addi %cb, %tx : index
      %acc = scf.for %kt = %c0 to %k256 step %t16 iter_args(%a = %zero) -> (f32) {
        %ak = arith.addi %kt, %tx : index
        %av = memref.load %A[%row, %ak] : memref<256x256xf32>
        memref.store %av, %As[%ty, %tx] : memref<16x16xf32, #gpu.address_space<workgroup>>
        %bk = arith.addi %kt, %ty : index
        %bv = memref.load %B[%bk, %col] : memref<256x256xf32>
        memref.store %bv, %Bs[%ty, %tx] : memref<16x16xf32, #gpu.address_space<workgroup>>
        gpu.barrier
        %one = arith.constant 1 : index
        %part = scf.for %k = %c0 to %t16 step %one iter_args(%x = %a) -> (f32) {
          %a2 = memref.load %As[%ty, %k] : memref<16x16xf32, #gpu.address_space<workgroup>>
          %b2 = memref.load %Bs[%k, %tx] : memref<16x16xf32, #gpu.address_space<workgroup>>
          %p = arith.mulf %a2, %b2 : f32
          %s = arith.addf %x, %p : f32
          scf.yield %s : f32
        }
        gpu.barrier
        scf.yield %part : f32
      }
      memref.store %acc, %C[%row, %col] : memref<256x256xf32>
      gpu.terminator
    }
    return
  }
}
