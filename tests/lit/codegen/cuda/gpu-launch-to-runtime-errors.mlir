// RUN: kiln-opt %s --split-input-file --verify-diagnostics --kiln-gpu-launch-to-runtime

// The run context launches on the run's stream, in order: no tokens.
module attributes {gpu.container_module} {
  gpu.binary @k [#gpu.object<#nvvm.target<chip = "sm_80">, assembly = "ptx">]
  func.func @async(%n: index) {
    %c1 = arith.constant 1 : index
    // expected-error @below {{'gpu.launch_func' op is asynchronous: the run context launches on the run's stream, in order}}
    %t = gpu.launch_func async @k::@k blocks in (%n, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
}

// -----

// A vector has no word of its own in the launch's parameters.
module attributes {gpu.container_module} {
  gpu.binary @k [#gpu.object<#nvvm.target<chip = "sm_80">, assembly = "ptx">]
  func.func @vector(%v: vector<4xf32>) {
    %c1 = arith.constant 1 : index
    // expected-error @below {{'gpu.launch_func' op passes a kernel operand of type 'vector<4xf32>', which the run context's launch cannot pass}}
    gpu.launch_func @k::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%v : vector<4xf32>)
    return
  }
}

// -----

// Thread block clusters are not among the launch hook's arguments.
module attributes {gpu.container_module} {
  gpu.binary @k [#gpu.object<#nvvm.target<chip = "sm_90">, assembly = "ptx">]
  func.func @cluster(%n: index) {
    %c1 = arith.constant 1 : index
    // expected-error @below {{'gpu.launch_func' op has a cluster size, which the run context's launch does not take}}
    gpu.launch_func @k::@k clusters in (%c1, %c1, %c1) blocks in (%n, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
}

// -----

// Kernels compiled to something other than PTX.
module attributes {gpu.container_module} {
  // expected-error @below {{'gpu.binary' op holds an object that is not NVVM assembly (PTX)}}
  gpu.binary @k [#gpu.object<#nvvm.target<chip = "sm_80">, bin = "cubin">]
  func.func @cubin(%n: index) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @k::@k blocks in (%n, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
}
