// Elementwise kernel: y[i] = exp(x[i]) * 2 + b[i], i < n  (N = 1<<20 static).
// Written directly as gpu.module / gpu.func. math.exp lowers to a call to
// libdevice's __nv_expf (convert-gpu-to-nvvm), so libdevice must be linked.
// Kernel ABI with use-bare-ptr-memref-call-conv=1:
//   ew_exp(float *x, float *b, float *y, int64 n)
module attributes {gpu.container_module} {
  gpu.module @ew_module {
    gpu.func @ew_exp(%x: memref<1048576xf32>, %b: memref<1048576xf32>,
                     %y: memref<1048576xf32>, %n: index) kernel {
      %bid = gpu.block_id x
      %bdim = gpu.block_dim x
      %tid = gpu.thread_id x
      %base = arith.muli %bid, %bdim : index
      %i = arith.addi %base, %tid : index
      %inb = arith.cmpi ult, %i, %n : index
      scf.if %inb {
        %two = arith.constant 2.0 : f32
        %xv = memref.load %x[%i] : memref<1048576xf32>
        %bv = memref.load %b[%i] : memref<1048576xf32>
        %e = math.exp %xv : f32
        %m = arith.mulf %e, %two : f32
        %r = arith.addf %m, %bv : f32
        memref.store %r, %y[%i] : memref<1048576xf32>
      }
      gpu.return
    }
  }
}
