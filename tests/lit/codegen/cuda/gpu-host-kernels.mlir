// RUN: kiln-opt %s --kiln-gpu-host-kernels | FileCheck %s

// A host copy of the kernel: the ids and sizes (block id, thread id, grid
// and block sizes; x, y, z each) come first, then the kernel's arguments;
// the constant outlining cloned into the kernel module is copied to the
// top module. The kernel itself stays.
// CHECK-LABEL: module attributes {gpu.container_module}
// CHECK: memref.global "private" constant @c : memref<4xf32>
// CHECK: gpu.module @k
// CHECK: gpu.func @k(
// CHECK: func.func @kiln_host_kernel_k(%[[BX:.*]]: index, %{{.*}}: index, %{{.*}}: index, %[[TX:.*]]: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %[[DX:.*]]: index, %{{.*}}: index, %{{.*}}: index, %[[N:.*]]: index, %[[Y:.*]]: memref<?xf32>)
// CHECK: %[[T:.*]] = arith.muli %[[BX]], %[[DX]]
// CHECK: %[[I:.*]] = arith.addi %[[T]], %[[TX]]
// CHECK: arith.cmpi slt, %[[I]], %[[N]]
// CHECK: memref.get_global @c
// CHECK: memref.store {{.*}}, %[[Y]][%[[I]]]
// CHECK: return
module attributes {gpu.container_module} {
  gpu.module @k {
    memref.global "private" constant @c : memref<4xf32> = dense<1.0>
    gpu.func @k(%n: index, %y: memref<?xf32>) kernel {
      %bx = gpu.block_id x
      %tx = gpu.thread_id x
      %dx = gpu.block_dim x
      %t = arith.muli %bx, %dx : index
      %i = arith.addi %t, %tx : index
      %in = arith.cmpi slt, %i, %n : index
      scf.if %in {
        %c0 = arith.constant 0 : index
        %g = memref.get_global @c : memref<4xf32>
        %v = memref.load %g[%c0] : memref<4xf32>
        memref.store %v, %y[%i] : memref<?xf32>
      }
      gpu.return
    }
  }
}
