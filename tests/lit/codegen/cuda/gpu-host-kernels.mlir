// RUN: kiln-opt %s --split-input-file --kiln-gpu-host-kernels | FileCheck %s

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

// -----

// Threads that wait for each other: two more leading arguments, the block
// the driver runs them in (an address) and its workgroup memory; each
// workgroup attribution is a view of that memory at its 16-byte aligned
// offset, without the GPU's address space; a shuffle calls the block's
// function at byte 8 with the value's bits and the mode (xor: 0) and reads
// `valid` at byte 16; a barrier calls the function at byte 0.
// CHECK-LABEL: module attributes {gpu.container_module}
// CHECK: func.func @kiln_host_kernel_s(%{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %[[TX:[^:]*]]: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %{{.*}}: index, %[[H:[^:]*]]: index, %[[WG:[^:]*]]: memref<?xi8>, %[[Y:[^:]*]]: memref<1xf32>)
// CHECK: %[[HI:.*]] = arith.index_cast %[[H]] : index to i64
// CHECK: %[[BLOCK:.*]] = llvm.inttoptr %[[HI]] : i64 to !llvm.ptr
// CHECK: %[[O0:.*]] = arith.constant 0 : index
// CHECK: %[[A:.*]] = memref.view %[[WG]][%[[O0]]][] : memref<?xi8> to memref<3xf32>
// CHECK: %[[O16:.*]] = arith.constant 16 : index
// CHECK: %[[B:.*]] = memref.view %[[WG]][%[[O16]]][] : memref<?xi8> to memref<32xi32>
// CHECK: %[[BITS:.*]] = arith.bitcast %{{.*}} : f32 to i32
// CHECK: %[[WORD:.*]] = arith.extui %[[BITS]] : i32 to i64
// CHECK: %[[MODE:.*]] = arith.constant 0 : i32
// CHECK: %[[SF:.*]] = llvm.getelementptr %[[BLOCK]][8] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[SHUFFLE:.*]] = llvm.load %[[SF]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[R:.*]] = llvm.call %[[SHUFFLE]](%[[BLOCK]], %[[WORD]], %{{.*}}, %{{.*}}, %[[MODE]]) : !llvm.ptr, (!llvm.ptr, i64, i32, i32, i32) -> i64
// CHECK: %[[RT:.*]] = arith.trunci %[[R]] : i64 to i32
// CHECK: %[[RF:.*]] = arith.bitcast %[[RT]] : i32 to f32
// CHECK: %[[VF:.*]] = llvm.getelementptr %[[BLOCK]][16] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[V:.*]] = llvm.load %[[VF]] : !llvm.ptr -> i32
// CHECK: %[[OK:.*]] = arith.cmpi ne, %[[V]], %{{.*}} : i32
// CHECK: %[[OKI:.*]] = arith.extui %[[OK]] : i1 to i32
// CHECK: memref.store %[[OKI]], %[[B]][%[[TX]]] : memref<32xi32>
// CHECK: scf.if
// CHECK: memref.store %[[RF]], %[[A]][%{{.*}}] : memref<3xf32>
// CHECK: %[[BF:.*]] = llvm.getelementptr %[[BLOCK]][0] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[BARRIER:.*]] = llvm.load %[[BF]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.call %[[BARRIER]](%[[BLOCK]]) : !llvm.ptr, (!llvm.ptr) -> ()
// CHECK: memref.load %[[A]]
// CHECK-NOT: gpu.
// CHECK: return
module attributes {gpu.container_module} {
  gpu.module @s {
    gpu.func @s(%y: memref<1xf32>) workgroup(%a : memref<3xf32, #gpu.address_space<workgroup>>, %b : memref<32xi32, #gpu.address_space<workgroup>>) kernel {
      %tx = gpu.thread_id x
      %c0 = arith.constant 0 : index
      %c32 = arith.constant 32 : index
      %one = arith.constant 1 : i32
      %width = arith.constant 32 : i32
      %i = arith.index_cast %tx : index to i32
      %v = arith.sitofp %i : i32 to f32
      %s, %ok = gpu.shuffle xor %v, %one, %width : f32
      %oki = arith.extui %ok : i1 to i32
      memref.store %oki, %b[%tx] : memref<32xi32, #gpu.address_space<workgroup>>
      %lane = arith.remui %tx, %c32 : index
      %first = arith.cmpi eq, %lane, %c0 : index
      scf.if %first {
        %w = arith.divui %tx, %c32 : index
        memref.store %s, %a[%w] : memref<3xf32, #gpu.address_space<workgroup>>
      }
      gpu.barrier
      %r = memref.load %a[%c0] : memref<3xf32, #gpu.address_space<workgroup>>
      memref.store %r, %y[%c0] : memref<1xf32>
      gpu.return
    }
  }
}

// -----

// A warp's mma.sync: the lane's A, B and C fragments are written to
// buffers the copy allocates once on entry (row-major, as the PTX ISA
// numbers fragment elements), their addresses passed with the shape's kind
// (0: m16n8k8 TF32) through the block's function at byte 24, and D read
// back from its buffer into the vector.
// CHECK-LABEL: func.func @kiln_host_kernel_mma
// CHECK-SAME: memref<?xi8>, %{{.*}}: memref<4xf32>)
// CHECK-COUNT-4: memref.alloca()
// CHECK: %[[A3:.*]] = vector.extract %{{.*}}[3, 0] : f32 from vector<4x1xf32>
// CHECK: memref.store %[[A3]], %[[ABUF:.*]][%c3{{.*}}] : memref<4xf32>
// CHECK: memref.extract_aligned_pointer_as_index %[[ABUF]]
// CHECK: vector.extract %{{.*}}[1, 0] : f32 from vector<2x1xf32>
// CHECK: memref.extract_aligned_pointer_as_index
// CHECK: vector.extract %{{.*}}[1, 1] : f32 from vector<2x2xf32>
// CHECK: memref.extract_aligned_pointer_as_index
// CHECK: %[[KIND:.*]] = arith.constant 0 : i32
// CHECK: %[[MF:.*]] = llvm.getelementptr %[[BLOCK:.*]][24] : (!llvm.ptr) -> !llvm.ptr, i8
// CHECK: %[[MMA:.*]] = llvm.load %[[MF]] : !llvm.ptr -> !llvm.ptr
// CHECK: memref.extract_aligned_pointer_as_index %[[DBUF:[^ ]*]] : memref<4xf32>
// CHECK: llvm.call %[[MMA]](%[[BLOCK]], %[[KIND]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) : !llvm.ptr, (!llvm.ptr, i32, !llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr) -> ()
// CHECK: memref.load %[[DBUF]][%c0{{.*}}] : memref<4xf32>
// CHECK: %[[D:.*]] = vector.insert %{{.*}} [1, 1] : f32 into vector<2x2xf32>
// CHECK: vector.extract %[[D]][1, 1]
// CHECK-NOT: nvgpu.
// CHECK: return
module attributes {gpu.container_module} {
  gpu.module @mma {
    gpu.func @mma(%y: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %x = memref.load %y[%c0] : memref<4xf32>
      %za = arith.constant dense<0.0> : vector<4x1xf32>
      %a = vector.insert %x, %za [3, 0] : f32 into vector<4x1xf32>
      %b = arith.constant dense<1.0> : vector<2x1xf32>
      %c = arith.constant dense<0.0> : vector<2x2xf32>
      %d = nvgpu.mma.sync (%a, %b, %c) {mmaShape = [16, 8, 8], tf32Enabled} : (vector<4x1xf32>, vector<2x1xf32>, vector<2x2xf32>) -> vector<2x2xf32>
      %r = vector.extract %d[1, 1] : f32 from vector<2x2xf32>
      memref.store %r, %y[%c0] : memref<4xf32>
      gpu.return
    }
  }
}
