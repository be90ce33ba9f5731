// REQUIRES: cuda-libdevice
// RUN: kiln-opt %s --kiln-cuda-codegen="chips=sm_80,sm_90" | FileCheck %s

// The whole CUDA pipeline on linalg on tensors: a fused exp(x) + b is one
// kernel, a row sum of 64 elements another (block_reduction: a block of 32
// threads per row, combined with warp shuffles and, across warps, shared
// memory behind a barrier); each kernel is a gpu.binary with one PTX
// object per chip, expf linked from libdevice (no extern __nv_expf left),
// and the host function launches them.
// CHECK-LABEL: func.func @main
// CHECK: memref.alloc
// CHECK: gpu.launch_func @main_kernel::@main_kernel blocks in (%{{.*}}, %c1, %c1) threads in (%c256, %c1, %c1) args(
// CHECK: gpu.launch_func @main_kernel_0::@main_kernel
// CHECK: gpu.launch_func @main_kernel_1::@main_kernel blocks in (%{{.*}}, %c1, %c1) threads in (%c32, %c1, %c1)
// CHECK-NOT: gpu.launch_func
// CHECK: gpu.binary @main_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx70">, properties = {{.*}}, assembly = "{{.*}}.target sm_80
// CHECK-SAME: #gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx78">, properties = {{.*}}, assembly = "{{.*}}.target sm_90
// CHECK: gpu.binary @main_kernel_0
// CHECK: gpu.binary @main_kernel_1 {{.*}}.shared {{.*}}__wg_main_kernel{{.*}}shfl.sync.bfly.b32{{.*}}bar.sync{{.*}}shfl.sync.bfly.b32
// CHECK-NOT: __nv_expf
#id = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
func.func @main(%x: tensor<?x64xf32>, %b: tensor<?x64xf32>) -> (tensor<?x64xf32>, tensor<?xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%n) : tensor<?x64xf32>
  %ex = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = math.exp %a : f32
    linalg.yield %t : f32
  } -> tensor<?x64xf32>
  %e2 = tensor.empty(%n) : tensor<?x64xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%ex, %b : tensor<?x64xf32>, tensor<?x64xf32>) outs(%e2 : tensor<?x64xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %t = arith.addf %a, %c : f32
    linalg.yield %t : f32
  } -> tensor<?x64xf32>
  %e3 = tensor.empty(%n) : tensor<?xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e3 : tensor<?xf32>) -> tensor<?xf32>
  %s = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%y : tensor<?x64xf32>) outs(%f : tensor<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %t = arith.addf %a, %o : f32
    linalg.yield %t : f32
  } -> tensor<?xf32>
  return %y, %s : tensor<?x64xf32>, tensor<?xf32>
}
