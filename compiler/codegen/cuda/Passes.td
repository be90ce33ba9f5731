//===- Passes.td - CUDA code generation passes -------------*- tablegen -*-===//

#ifndef KILN_CODEGEN_CUDA_PASSES_TD
#define KILN_CODEGEN_CUDA_PASSES_TD

include "mlir/Pass/PassBase.td"

def GpuParallelDimsOuter
    : Pass<"kiln-gpu-parallel-dims-outer", "mlir::func::FuncOp"> {
  let summary = "Order every linalg op's loops parallel first, reductions "
                "after";
  let description = [{
    On buffers, before `convert-linalg-to-parallel-loops`. A generic
    reducing a middle axis (softmax's sum along axis 1, a ReduceMean over
    H) lowers to `scf.parallel { scf.for { scf.parallel } }`: the inner
    parallel loop would run serially inside a kernel, or each step of the
    reduction would be a launch. With every parallel loop first, each op
    becomes one `scf.parallel` over its output elements around `scf.for`
    reductions, which `kiln-gpu-map-loops` maps to one kernel in which a
    thread computes one output element. Named ops are generalized first.
    Every `memref.copy` becomes a `linalg.copy`, so that copies are grids
    too rather than a memcpy in one thread.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def GpuSelectLowering
    : Pass<"kiln-gpu-select-lowering", "mlir::func::FuncOp"> {
  let summary = "The CUDA strategy layer: a lowering configuration for the "
                "ops a faster strategy takes";
  let description = [{
    On buffers, after `kiln-gpu-parallel-dims-outer`. Gives every op that a
    GPU strategy takes a `kiln.gpu_lowering_config`: `tensor_core_mma`
    (`kiln-gpu-tensor-core-mma`, 128 threads) for a contraction that
    `matchTensorCoreMma` accepts (f16 operands; f32 ones only with `tf32`)
    whose m, n and k are each at least `tile-min`, when every architecture
    has mma.sync (`sm` 80 or more); else `shared_memory_tiles`
    (`kiln-gpu-shared-memory-tiles`, 256 threads: 16 x 16 tiles) for a
    contraction that `matchSharedMemoryTiles` accepts whose m, n and k are
    each at least `tile-min` (or known at run time only); `block_reduction`
    (`kiln-gpu-block-reduction`) for a reduction of at least
    `block-reduction-min` elements per output (or a run-time number) that
    `matchBlockReduction` accepts, with about four elements a thread (32 to
    256 threads). Ops that have a configuration keep it; the others stay
    with the first strategy (`kiln-gpu-map-loops`). With `fuse-epilogues`,
    an op given a strategy whose elementwise consumer `GpuEpilogue::match`
    accepts (a Relu, a residual Add, a mean's division) is also marked
    `kiln.gpu_fused_epilogue`: the strategy's kernel applies that consumer
    to each element before storing it, and the consumer is erased.
  }];
  let options = [
    Option<"blockReductionMin", "block-reduction-min", "int64_t",
           /*default=*/"64",
           "Reductions of at least this many elements per output (static "
           "sizes) are split across a block">,
    Option<"tileMin", "tile-min", "int64_t", /*default=*/"16",
           "Contractions whose m, n and k are each at least this (static "
           "sizes) are computed in shared-memory tiles (0: none)">,
    Option<"sm", "sm", "int64_t", /*default=*/"0",
           "The lowest architecture the kernels are compiled for (80 for "
           "sm_80): tensor_core_mma needs 80 or more (0: unknown, none)">,
    Option<"tf32", "tf32", "bool", /*default=*/"false",
           "f32 contractions may run on the tensor cores in TF32 (their "
           "operands rounded to 10 mantissa bits)">,
    Option<"fuseEpilogues", "fuse-epilogues", "bool", /*default=*/"true",
           "The strategies' kernels apply the elementwise consumers they "
           "can to each output element before storing it">,
  ];
  let dependentDialects = ["kiln::codegen::KilnCodegenDialect"];
}

def GpuBlockReduction
    : Pass<"kiln-gpu-block-reduction", "mlir::func::FuncOp"> {
  let summary = "Reductions configured block_reduction to a block of threads "
                "per output element";
  let description = [{
    Every linalg.generic with `#kiln.gpu_lowering_config<block_reduction,
    threads = T>` becomes a `gpu.launch` of one block of T threads per
    output element (the parallel loops linearized into the grid, the last
    fastest). Each thread combines the elements thread, thread + T, ... of
    the linearized reduction, starting from the combiner's neutral
    element; each warp combines its lanes with `gpu.shuffle xor`; lane 0
    of every warp writes its warp's result into workgroup memory; after a
    `gpu.barrier` the first warp combines those and its lane 0 combines
    them with the output's initial value and stores it. A configured op
    the strategy cannot follow (see matchBlockReduction) is an error.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect"];
}

def GpuSharedMemoryTiles
    : Pass<"kiln-gpu-shared-memory-tiles", "mlir::func::FuncOp"> {
  let summary = "Contractions configured shared_memory_tiles to blocks of "
                "output tiles staged through shared memory";
  let description = [{
    Every linalg op with `#kiln.gpu_lowering_config<shared_memory_tiles,
    threads = T * T>` (T = 8, 16 or 32) becomes a `gpu.launch` of one
    block of T * T threads per T x T tile of the output (batch dims, then
    m tiles, then n tiles linearized into the grid), a thread per output
    element. m, n and k may each be several loops, linearized (a
    convolution's output pixels, its channels and window: an implicit
    GEMM). Along k, T elements at a time, each thread loads one element
    of each operand's tile into workgroup memory (nothing past an edge),
    the block waits at a `gpu.barrier`, each thread runs the op's body over
    its row of the first tile and column of the second (up to the last k),
    and the block waits again. Threads inside the output start from its
    element and store their result. A configured op the strategy cannot
    follow (see matchSharedMemoryTiles) is an error.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect"];
}

def GpuTensorCoreMma
    : Pass<"kiln-gpu-tensor-core-mma", "mlir::func::FuncOp"> {
  let summary = "Contractions configured tensor_core_mma to warp-level "
                "mma.sync on the tensor cores";
  let description = [{
    Every linalg op with `#kiln.gpu_lowering_config<tensor_core_mma,
    threads = 128>` becomes a `gpu.launch` of one block of 4 warps per
    32 x 32 tile of the output (batch dims, then m tiles, then n tiles
    linearized into the grid). Along k, 16 at a time, the block stages a
    32 x 16 tile of the first operand and a 16 x 32 tile of the second in
    workgroup memory (zero past an edge; f32 elements rounded to TF32),
    waits at a `gpu.barrier`, and each warp loads its lanes' fragments of
    its 16 x 16 quarter as the PTX ISA lays them out and issues two
    `nvgpu.mma.sync` per k8 (TF32, m16n8k8) or k16 (f16, m16n8k16) step,
    accumulating in f32 vectors that start from the output's elements;
    the block waits again; at the end each lane stores its accumulators
    that lie inside the output (rounded to f16 for an f16 output). A
    configured op the strategy cannot follow (see matchTensorCoreMma) is
    an error; the configuration allows TF32 for f32 operands.
  }];
  let dependentDialects = ["mlir::gpu::GPUDialect",
                           "mlir::nvgpu::NVGPUDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect"];
}

def GpuDeviceChecks : Pass<"kiln-gpu-device-checks", "mlir::func::FuncOp"> {
  let summary = "Run-time checks in kernels report through a failure word";
  let description = [{
    Before `kiln-gpu-map-loops`. A run-time check (a Gather index out of
    range) calls `kiln_check_failed(message)` on the host, which leaves
    the run; a kernel cannot call the host. In every host-level
    `scf.parallel` the call becomes a store of the message (the address of
    its text, never 0) into a one-word buffer the function allocates and
    zeroes on entry, and the host reads the word after the loop and makes
    the call when it is set. The lowerings clamp what they check (indices
    stay in bounds), so the kernel finishes harmlessly before the run
    fails; when several threads fail, one of their messages is reported.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect"];
}

def GpuMapLoops : Pass<"kiln-gpu-map-loops", "mlir::func::FuncOp"> {
  let summary = "Map the loops on buffers to gpu.launch grids";
  let description = [{
    Every `scf.parallel` of host code (outside other parallel loops and
    launches) becomes a `gpu.launch`: its iteration space is linearized
    into one dim of `block-size` threads per block and
    ceil(elements / block-size) blocks, each thread delinearizes its index
    and runs one iteration, guarded against the last block's overhang;
    parallel loops nested in its body run serially in the thread. A
    launch of no iterations is skipped on the host (CUDA refuses empty
    grids).

    Other host code that writes memory (a loop with no parallel loop in
    it, a store) runs in a launch of one thread, so that no host code
    writes device memory; host code only reads scalars (shape values) and
    allocates. A reduction that no parallel dim splits (a ReduceSum to a
    scalar) is such a loop: right, and slow.

    A parallel loop that calls a function (Kiln's string helpers) has no
    device version and stays on the host, marked `kiln.host_loop`, as ONNX
    Runtime's CUDA provider leaves string ops to the CPU. Fails on
    `scf.parallel` with reductions, which no Kiln pass makes.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block of the grids of parallel loops">,
  ];
  let dependentDialects = ["mlir::gpu::GPUDialect", "mlir::arith::ArithDialect",
                           "mlir::scf::SCFDialect"];
}

def GpuLaunchToLoops : Pass<"kiln-gpu-launch-to-loops", "mlir::func::FuncOp"> {
  let summary = "Run every gpu.launch as loops on the CPU (emulation)";
  let description = [{
    The numerics of the GPU schedule checked without a GPU: every
    `gpu.launch` becomes a loop nest over its grid's blocks and each
    block's threads (z, y, x order, x innermost) running the body with the
    block and thread ids of that iteration, so the CPU pipeline's lowering
    then runs exactly the thread mapping, guards and delinearization that
    the kernels do. Threads of one block run one after the other: this
    checks tiling, fusion and indexing, not barriers, shared memory or
    warp operations, which it refuses.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect"];
}

def GpuAttachTargets : Pass<"kiln-gpu-attach-targets", "mlir::ModuleOp"> {
  let summary = "Attach an #nvvm.target per CUDA architecture to every "
                "gpu.module";
  let description = [{
    One target per chip in `chips` (sm_80, sm_90, ...), so that
    `gpu-module-to-binary` makes one PTX object per architecture in one
    compile. Each gets the PTX ISA version its chip needs (LLVM's default
    for sm_90 is too old for ptxas). Math functions are linked from the
    toolkit's libdevice by `gpu-module-to-binary{toolkit=...}`.
  }];
  let options = [
    ListOption<"chips", "chips", "std::string",
               "CUDA architectures: sm_80, sm_90, ...">,
    Option<"optLevel", "O", "unsigned", /*default=*/"3",
           "NVPTX optimization level">,
  ];
  let dependentDialects = ["mlir::NVVM::NVVMDialect"];
}

def GpuLaunchToRuntime : Pass<"kiln-gpu-launch-to-runtime", "mlir::ModuleOp"> {
  let summary = "Launches as calls of the run context, kernels' PTX as "
                "artifact data";
  let description = [{
    After `gpu-module-to-binary`, before the host code is lowered as the
    CPU pipeline ends: the host schedule of a CUDA artifact. Each
    `gpu.launch_func` becomes a call of `kiln_gpu_launch(kernel, grid x,
    y, z, block x, y, z, shared bytes, params)`, where `kernel` indexes the
    artifact's kernel table and `params` is the address of one 8-byte word
    per kernel parameter (a memref of rank r: allocated, aligned, offset,
    sizes[r], strides[r]; an index or integer; a float's bits), in a
    buffer the function allocates once on its stack. Before every host
    operation that may read or write memory while a launched kernel may
    still run (a scalar read of a shape, the failure word of a run-time
    check, a host loop, a call) it calls `kiln_gpu_sync()`; the artifact
    defines both over the run context's `launch` and `sync` hooks.

    The kernels leave the IR: every `gpu.binary` becomes an entry of the
    module's `kiln.device_kernels` (module, function, one letter per
    parameter: 'p' pointer, 'i' integer, 'f' float, and the PTX per chip),
    and `kiln.device_constants` lists the constant `memref.global`s, which
    the runtime copies to the device once per session. Fails on asynchronous
    launches, clusters and kernel operands of other types.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::func::FuncDialect"];
}

def GpuHostKernels : Pass<"kiln-gpu-host-kernels", "mlir::ModuleOp"> {
  let summary = "A host function per kernel, for running CUDA artifacts "
                "without a GPU (tests)";
  let description = [{
    After `gpu-kernel-outlining`, for the tests' fake CUDA driver
    (`kiln-compile --cuda-host-kernels`): every kernel `@F` of a
    `gpu.module @M` gets a copy `func.func @kiln_host_kernel_M` taking
    the block id, thread id, grid and block sizes (x, y, z each, as
    indices) before the kernel's own arguments, with the GPU's id and size
    ops replaced by those arguments. Lowered as host code, its parameters
    after the leading words are the kernel's, so the fake driver runs a
    launch by calling it for every block and thread with the launch's
    parameter words. Symbols the kernel module holds (constants cloned by
    outlining) are copied to the top module when it lacks them.

    A kernel whose threads wait for each other (`gpu.barrier`,
    `gpu.shuffle`) or share workgroup memory takes two more leading
    arguments: the address of the block the driver runs its threads in
    (as fibers) and that block's workgroup memory (`memref<?xi8>`, 48 KiB).
    Every barrier and shuffle becomes a call through the block's function
    pointers (the layout is in GpuHostKernels.cpp and the fake driver),
    every workgroup attribution a `memref.view` of the memory, and the
    GPU's address spaces are dropped from the copy's types. An
    `nvgpu.mma.sync` (m16n8k8 TF32 or m16n8k16 f16, f32 accumulators)
    becomes a call through the block too: the lane's fragments go to the
    driver, which computes the warp's product from all of its lanes'
    fragments as the PTX ISA lays them out. Fails on other nvgpu ops,
    `gpu.all_reduce`, `gpu.subgroup_reduce`, dynamic shared memory,
    private attributions and shuffles of vectors.
  }];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::LLVM::LLVMDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::arith::ArithDialect"];
}

#endif
