// RUN: kiln-opt %s --kiln-gpu-launch-to-runtime | FileCheck %s

// Launches become calls of the run context's launch hook with their
// parameters as 8-byte words (a memref: allocated, aligned, offset, sizes,
// strides; an index; a float's bits), in one buffer on the stack; the host
// waits for its kernels before it touches memory; the PTX moves into
// kiln.device_kernels, lowest chip first, and the globals are listed as
// device constants.

// CHECK: module attributes {kiln.device_constants = ["__constant_3xf32"], kiln.device_kernels = [{codes = {{\[}}["sm_80", "ptx of k0 for sm_80"], ["sm_90", "ptx of k0 for sm_90"]], function = "main_kernel", module = "k0", params = "ippiiiiippiiippiiiii"}, {codes = {{\[}}["sm_80", "ptx of k1"]], function = "k", module = "k1", params = "fppiiiii"}]}
// CHECK-NOT: gpu.binary
// CHECK: func.func private @kiln_gpu_sync()
// CHECK: func.func private @kiln_gpu_launch(i32, index, index, index, index, index, index, i32, i64)
module attributes {gpu.container_module} {
  memref.global "private" constant @__constant_3xf32 : memref<3xf32> = dense<[1.0, 2.0, 3.0]>
  // A mutable global is no device constant.
  memref.global "private" @scratch : memref<2xf32> = uninitialized
  gpu.binary @k0 [#gpu.object<#nvvm.target<chip = "sm_90", features = "+ptx78">, assembly = "ptx of k0 for sm_90">,
                  #gpu.object<#nvvm.target<chip = "sm_80", features = "+ptx70">, assembly = "ptx of k0 for sm_80">]
  gpu.binary @k1 [#gpu.object<#nvvm.target<chip = "sm_80", features = "+ptx70">, assembly = "ptx of k1">]

  // CHECK-LABEL: func.func @main
  // CHECK-SAME: (%[[X:.*]]: memref<?x3xf32>, %[[N:.*]]: index, %[[F:.*]]: f32)
  func.func @main(%x: memref<?x3xf32>, %n: index, %f: f32) -> memref<?x3xf32> {
    // One buffer for the words of every launch: 20 for the largest.
    // CHECK: %[[WORDS:.*]] = memref.alloca() : memref<20xi64>
    // CHECK: %[[BASE:.*]] = memref.extract_aligned_pointer_as_index %[[WORDS]]
    // CHECK: %[[ADDRESS:.*]] = arith.index_cast %[[BASE]] : index to i64
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    %cst = memref.get_global @__constant_3xf32 : memref<3xf32>
    %out = memref.alloc(%n) : memref<?x3xf32>
    // CHECK: %[[W0:.*]] = arith.index_cast %[[N]] : index to i64
    // CHECK: memref.store %[[W0]], %[[WORDS]][%c0{{.*}}]
    // CHECK: %[[D:.*]] = builtin.unrealized_conversion_cast %[[X]] : memref<?x3xf32> to !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
    // CHECK: %[[P0:.*]] = llvm.extractvalue %[[D]][0]
    // CHECK: %[[A0:.*]] = llvm.ptrtoint %[[P0]] : !llvm.ptr to i64
    // CHECK: %[[P1:.*]] = llvm.extractvalue %[[D]][1]
    // CHECK: %[[A1:.*]] = llvm.ptrtoint %[[P1]] : !llvm.ptr to i64
    // CHECK: %[[OFF:.*]] = llvm.extractvalue %[[D]][2]
    // CHECK: %[[S0:.*]] = llvm.extractvalue %[[D]][3, 0]
    // CHECK: %[[S1:.*]] = llvm.extractvalue %[[D]][3, 1]
    // CHECK: %[[T0:.*]] = llvm.extractvalue %[[D]][4, 0]
    // CHECK: %[[T1:.*]] = llvm.extractvalue %[[D]][4, 1]
    // CHECK: memref.store %[[A0]], %[[WORDS]][%c1{{.*}}]
    // CHECK: memref.store %[[A1]], %[[WORDS]]
    // CHECK: memref.store %[[OFF]], %[[WORDS]]
    // CHECK: memref.store %[[S0]], %[[WORDS]]
    // CHECK: memref.store %[[S1]], %[[WORDS]]
    // CHECK: memref.store %[[T0]], %[[WORDS]]
    // CHECK: memref.store %[[T1]], %[[WORDS]]
    // The constant: a rank-1 memref.
    // CHECK: builtin.unrealized_conversion_cast %{{.*}} : memref<3xf32> to !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
    // CHECK: %[[SHARED:.*]] = arith.constant 0 : i32
    // CHECK: %[[K0:.*]] = arith.constant 0 : i32
    // CHECK: call @kiln_gpu_launch(%[[K0]], %[[N]], %c1, %c1, %c256, %c1, %c1, %[[SHARED]], %[[ADDRESS]])
    // CHECK-NOT: gpu.launch_func
    gpu.launch_func @k0::@main_kernel blocks in (%n, %c1, %c1) threads in (%c256, %c1, %c1)
        args(%n : index, %x : memref<?x3xf32>, %cst : memref<3xf32>, %out : memref<?x3xf32>)
    // A host read after a launch waits for it; the next read does not.
    // CHECK: call @kiln_gpu_sync()
    // CHECK-NEXT: memref.load
    // CHECK-NEXT: memref.load
    %v = memref.load %out[%c0, %c0] : memref<?x3xf32>
    %w = memref.load %out[%c1, %c0] : memref<?x3xf32>
    // A float's bits in the low bytes of its word.
    // CHECK: %[[BITS:.*]] = arith.bitcast %[[F]] : f32 to i32
    // CHECK: %[[FW:.*]] = arith.extsi %[[BITS]] : i32 to i64
    // CHECK: memref.store %[[FW]], %[[WORDS]][%c0{{.*}}]
    // CHECK: %[[K1:.*]] = arith.constant 1 : i32
    // CHECK: call @kiln_gpu_launch(%[[K1]],
    gpu.launch_func @k1::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
        args(%f : f32, %out : memref<?x3xf32>)
    // A loop that touches memory after a launch waits once before its body
    // (kernels launched before it may still run), ...
    // CHECK: scf.for
    // CHECK-NEXT: call @kiln_gpu_sync()
    // CHECK-NEXT: memref.store
    // CHECK-NEXT: memref.store
    scf.for %i = %c0 to %n step %c1 {
      memref.store %v, %out[%i, %c0] : memref<?x3xf32>
      memref.store %w, %out[%i, %c1] : memref<?x3xf32>
    }
    // ... and so does the body of a loop that launches, on every
    // iteration. The launch of a later iteration may still run when the
    // load after the loop reads.
    // CHECK: scf.for
    // CHECK-NEXT: call @kiln_gpu_sync()
    // CHECK-NEXT: memref.store
    // CHECK: call @kiln_gpu_launch
    // CHECK: }
    // CHECK-NEXT: call @kiln_gpu_sync()
    // CHECK-NEXT: memref.load
    scf.for %i = %c0 to %n step %c1 {
      memref.store %v, %out[%i, %c0] : memref<?x3xf32>
      gpu.launch_func @k1::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
          args(%f : f32, %out : memref<?x3xf32>)
    }
    %z = memref.load %out[%c0, %c0] : memref<?x3xf32>
    // Allocation and deallocation touch no element: no wait.
    // CHECK-NEXT: memref.alloc
    // CHECK-NEXT: memref.dealloc
    %tmp = memref.alloc() : memref<4xf32>
    memref.dealloc %tmp : memref<4xf32>
    return %out : memref<?x3xf32>
  }
}
