//===- Passes.td - CPU code generation passes --------------*- tablegen -*-===//

#ifndef KILN_CODEGEN_CPU_PASSES_TD
#define KILN_CODEGEN_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def SelectLowering : Pass<"kiln-select-lowering", "mlir::ModuleOp"> {
  let summary = "Attach a lowering configuration to every root op";
  let description = [{
    The CPU strategy layer. Reads the target description on the module
    (`kiln.target = #kiln.target<isa = ..., vector_bits = ...,
    vector_registers = ..., l1_bytes = ..., l2_bytes = ...>`; without one,
    an error) and gives every heavy linalg op on tensors a
    `kiln.lowering_config`: the first registered CPU strategy that takes
    the op, in this order:

      depthwise_ukernel   f32 depthwise_conv_2d_nchw_chw
      im2col_gemm_pixels  f32 conv_2d_nchw_fchw with static output sizes of
                          at most 64 pixels, at least 128 filters and
                          C * KH * KW >= 512 (filters in the vector lanes)
      conv_ukernel        f32 conv_2d_nchw_fchw with unit W stride that is
                          not pointwise, f32 conv_2d_ngchw_gfchw (implicit
                          GEMM per image and group)
      im2col_gemm         other f32 conv_1d/2d/3d with static channel and
                          kernel sizes (strided along W, pointwise)
      gemm_ukernel        f32 contractions with one m, n, k, at most one
                          batch dim (matmul, batch_matmul, generics)
      tile_and_vectorize  other matmul, batch_matmul, conv_2d_nchw_fchw,
                          with register tiles sized from vector_bits and
                          vector_registers (only with `vectorize`)

    and every f32 linalg.softmax along its last dim softmax_ukernel.

    Ops no strategy takes (and ops that already have a configuration: a
    test or a user may write one) are left alone; the passes after it
    follow the configurations and nothing else.
  }];
  let options = [
    Option<"vectorize", "vectorize", "bool", /*default=*/"true",
           "Offer tile_and_vectorize (the O3 pipeline)">,
  ];
  let dependentDialects = ["kiln::codegen::KilnCodegenDialect"];
}

def TileAndVectorize : Pass<"kiln-tile-and-vectorize", "mlir::func::FuncOp"> {
  let summary = "Tile, fuse and vectorize matmul/batch_matmul/conv on tensors";
  let description = [{
    Runs on linalg on tensors, before bufferization. Every linalg.matmul,
    linalg.batch_matmul and linalg.conv_2d_nchw_fchw whose lowering
    configuration is tile_and_vectorize (other ops with it are an error)
    becomes a register tile computed inside scf.for loops:

    1. The op (or its single elementwise consumer, so bias/activation are
       computed while the tile is in registers) is tiled along its parallel
       dims with scf::tileConsumerAndFuseProducersUsingSCF; the heavy op and
       the linalg.fill initialising its accumulator are fused into the tile.
    2. The reduction dims of the fused heavy op are tiled with
       scf::tileUsingSCF (convolutions: kh and kw to 1, so the tile
       decomposes into a 1-D convolution).
    3. Loops whose trip count is dynamic or not a multiple of the tile size
       are peeled: the main loop gets static tiles, the remainder keeps
       dynamic ones.
    4. Every static tile is vectorized with linalg::vectorize; dynamic
       remainder tiles stay linalg ops and later become scalar loops.
    5. The accumulator's transfer_read/transfer_write pair is hoisted out of
       the reduction loop, and vector.contract is lowered to outer products
       and vector.fma, which the LLVM backend turns into FMA instructions.

    The tile sizes are the configuration's parallel and reduction sizes,
    one per loop of the op (kiln-select-lowering sizes them for the
    target's vector registers).
  }];
  let options = [
    Option<"lowerVectors", "lower-vectors", "bool", /*default=*/"true",
           "Lower vector.contract to outer products and FMAs">,
  ];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::affine::AffineDialect",
                           "mlir::arith::ArithDialect"];
}

def GemmUkernel : Pass<"kiln-gemm-ukernel", "mlir::ModuleOp"> {
  let summary = "fp32 contractions on buffers as calls to the packed GEMM";
  let description = [{
    Runs after bufferization and buffer deallocation. Every linalg op whose
    lowering configuration is gemm_ukernel becomes a call to the kernel of
    the configuration's ISA. It must be a contraction on f32 buffers with
    one m, one n, one k and at most one batch dim, and indexing maps that
    are projected permutations (linalg.matmul and batch_matmul with
    transposing or broadcasting maps, equivalent generics); anything else
    is an error. The call is

      func.call @kiln_sgemm_<isa>(batch, M, N, K,
                                  a, a_stride_b, a_stride_m, a_stride_k,
                                  b, b_stride_b, b_stride_k, b_stride_n,
                                  c, c_stride_b, c_stride_m, c_stride_n)

    with pointers and strides as index values (a stride of 0 for a batch
    dim the operand does not index). The kernel, in the support library the
    artifact links (compiler/artifact/support/gemm), accumulates into C,
    except where C is a fresh buffer whose only writer before the op fills
    it with +0.0 or broadcasts a bias along its rows: that writer goes, and
    the kernel's bias entry starts C from the bias (for zero, a constant
    +0.0 global `__kiln_zero_f32` with stride 0) without reading it. Sizes may
    be symbolic: the kernel reads them at run time. The kernel splits big
    products into tasks it runs through `kiln_parallel_for` (the session's
    thread pool), which the pass declares for the artifact to define.

    With `pack-constants`, a B that is a whole constant global with a
    static 2-D shape (a weight, shared by every batch) is packed now into
    the kernel's panel layout (panels of two vector registers of columns,
    all K rows each, zero-padded), a new constant global
    `<name>_packed_<isa>`, and the call is

      func.call @kiln_sgemm_packed_<isa>(batch, M, N, K,
                                         a, a_stride_b, a_stride_m, a_stride_k,
                                         b_packed,
                                         c, c_stride_b, c_stride_m, c_stride_n,
                                         bias, bias_stride, <epilogue>)

    The original global goes when nothing else reads it. An i16 x i16 ->
    i32 matmul (MatMulInteger's) calls `kiln_igemm16_<isa>` with the same
    sizes and strides and no start or epilogue, or with a constant B packed
    in pairs of K `kiln_igemm16_packed_<isa>` (13 arguments).
  }];
  let options = [
    Option<"packConstants", "pack-constants", "bool", /*default=*/"true",
           "Pack constant B operands at compile time">,
  ];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::LLVM::LLVMDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def ConvUkernel : Pass<"kiln-conv-ukernel", "mlir::ModuleOp"> {
  let summary = "f32 2-D convolutions as calls to the implicit-GEMM kernel";
  let description = [{
    Runs after bufferization and buffer deallocation, beside
    kiln-gemm-ukernel. Every linalg.conv_2d_nchw_fchw and grouped
    linalg.conv_2d_ngchw_gfchw whose lowering configuration is conv_ukernel
    (f32 buffers; anything else is an error) becomes

      func.call @kiln_sconv2d_<isa>(N, G, F, C, H, W, OH, OW, KH, KW,
          stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left,
          x, x strides (n, g, c, h, w), w, w strides (g, f),
          bias, bias strides (g, f), y, y strides (n, g, f))

    (index values; G = 1 and group strides 0 without groups): the packed
    GEMM of the support library with the weights as A and im2col columns
    of x gathered while B is packed, one GEMM per image and group, so no
    column buffer is materialized. A zero-padded copy of the input and a
    bias broadcast into the output, as bufferization leaves them, are
    absorbed (x is then the unpadded input, bias the bias; otherwise the
    padding is 0, the bias and its strides 0, and y is accumulated into).
    Weights not contiguous over (c, kh, kw) and outputs not contiguous over
    (oh, ow) go through contiguous copies.

    Stride-1, undilated 3x3 convolutions of constant weights with at least
    32 channels and filters and enough pixels become instead

      func.call @kiln_swino3x3_<isa>(N, F, C, H, W, OH, OW, pad_top,
          pad_left, x, x strides (n, c, h, w), u, bias, bias stride,
          y, y strides (n, f, h, w), act, alpha, beta, residual)

    Winograd F(4x4, 3x3) with the weights transformed here into a new
    global u [36, P, C, 12] (kiln_swino_impl.h), unless `winograd` is off.
  }];
  let options = [
    Option<"winogradOption", "winograd", "bool", /*default=*/"true",
           "Lower stride-1 3x3 convolutions of constant weights that are "
           "large enough with Winograd F(4x4, 3x3)">
  ];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::LLVM::LLVMDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def PoolUkernel : Pass<"kiln-pool-ukernel", "mlir::ModuleOp"> {
  let summary = "f32 max and sum pooling as calls to a vector kernel";
  let description = [{
    Runs after bufferization, beside kiln-depthwise-ukernel. Every
    linalg.pooling_nchw_max / pooling_nchw_sum (and the 1-D ncw forms, as
    H = 1) whose lowering configuration is pool_ukernel (f32 buffers;
    anything else is an error) becomes

      func.call @kiln_pool2d_<isa>(kind, N, C, H, W, OH, OW, KH, KW,
          stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left,
          x, x strides (n, c, h, w), y, y strides (n, c, oh, ow))

    (index values; kind 0 is max, 1 sum). The kernel accumulates into y
    and reduces a row of output pixels at a time in vector lanes. It skips
    taps outside the input, so a padded copy of the input is absorbed when
    its padding is what the reduction would ignore: -inf for max, +0.0 for
    sum; and where y's only writer before is a fill with that identity,
    the fill is absorbed too (kind | 2: the kernel starts from the
    identity and does not read y).
  }];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::LLVM::LLVMDialect"];
}

def PointwiseDepthwiseUkernel
    : Pass<"kiln-pointwise-depthwise-ukernel", "mlir::ModuleOp"> {
  let summary = "A 1x1 convolution and the depthwise one reading it as one "
                "kernel call";
  let description = [{
    Runs after bufferization, before kiln-gemm-ukernel and
    kiln-depthwise-ukernel. A 1x1 convolution (a gemm_ukernel contraction
    of constant weights [F, C] with a collapsed image [N, C, H*W], from a
    bias or zero, with an optional activation and no residual) whose
    output only a depthwise_ukernel linalg.depthwise_conv_2d_nchw_chw reads
    (through an optional zero-padded copy), with constant weights, becomes

      func.call @kiln_pwdw_<isa>(N, C, H, W, F, OH, OW, KH, KW, stride_h,
          stride_w, dilation_h, dilation_w, pad_top, pad_left,
          x, x strides (n, c, h, w), w1, b1, b1 stride,
          act1, alpha1, beta1, 0, w2, b2, b2 stride,
          y, y strides (n, f, oh, ow), act2, alpha2, beta2, residual)

    (index values), the weights stored here with filters in vector lanes
    (`<global>_pw_lanes` [ceil(F / lanes), C, lanes], `<global>_dw_lanes`
    [ceil(F / lanes), KH * KW, lanes]). The kernel convolves bands of the
    expanded rows while they are in L2: the expanded tensor, its padded
    copy and its buffers are not made. Pairs that do not match are left
    to the other ukernel passes.
  }];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::LLVM::LLVMDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def DepthwiseUkernel : Pass<"kiln-depthwise-ukernel", "mlir::ModuleOp"> {
  let summary = "f32 depthwise 2-D convolutions as calls to a vector kernel";
  let description = [{
    Runs after bufferization and buffer deallocation, beside
    kiln-gemm-ukernel. Every linalg.depthwise_conv_2d_nchw_chw whose
    lowering configuration is depthwise_ukernel (f32 buffers; anything else
    is an error) becomes

      func.call @kiln_dwconv2d_<isa>(N, C, H, W, OH, OW, KH, KW, stride_h,
          stride_w, dilation_h, dilation_w, pad_top, pad_left,
          x, x strides (n, c, h, w), w, w strides (c, kh, kw),
          bias, bias stride, y, y strides (n, c, oh, ow))

    (index values), absorbing the zero padding of the input and a bias
    broadcast into the output as kiln-conv-ukernel does. The kernel
    computes rows of output in vector registers (two rows at a time for
    3x3), and runs the (image, channel) planes on the session's thread
    pool.
  }];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::LLVM::LLVMDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def SoftmaxUkernel : Pass<"kiln-softmax-ukernel", "mlir::ModuleOp"> {
  let summary = "f32 softmax along the last dim as calls to a row kernel";
  let description = [{
    Runs after bufferization, beside kiln-gemm-ukernel. Every linalg.softmax
    whose lowering configuration is softmax_ukernel (f32 buffers along the
    last dim; anything else is an error) becomes

      func.call @kiln_softmax_<isa>(d0, d1, d2, n, x, x strides (d0, d1,
          d2, n), y, y strides (d0, d1, d2, n))

    (index values): up to three leading dims (size 1 and stride 0 where the
    buffer has fewer), each row of n elements one max, one exp-and-sum and
    one scaling pass in vector registers; rows run on the session's thread
    pool. Buffers of rank above 4 are collapsed to rank 4 (copied first
    when their layout cannot be).
  }];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::LLVM::LLVMDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def AttentionUkernel : Pass<"kiln-attention-ukernel", "mlir::ModuleOp"> {
  let summary = "kiln.attention on buffers as calls to the fused kernel";
  let description = [{
    Runs after bufferization. Every kiln.attention on buffers becomes

      func.call @kiln_attention_<isa>(B, H, Sq, Skv, D, Dv,
          q, q strides (batch, head, row), k, ..., k's head group,
          v, ..., v's head group,
          mask, mask strides (batch, head, query, key), kind, fill, scale,
          y, y strides (batch, head, row))

    (index values; the ISA is the module's kiln.target's), the strides
    those of the logical dims the op's *_dims attributes name, 0 where a
    dim is not the full size (1: it broadcasts; anything else is an invalid
    input, read in bounds as the clamped elementwise broadcasts do); a
    head group is how many query heads share one of k's or v's heads (all
    of them where its heads do not divide the query's); kind 0
    no mask, 1 f32 added, 2 i1 selecting the score or fill (f32 bits, as
    scale). An operand whose feature dim is not contiguous is copied first.
  }];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::LLVM::LLVMDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def DispatchParallelLoops
    : Pass<"kiln-dispatch-parallel-loops", "mlir::ModuleOp"> {
  let summary = "Run the outermost parallel loops on the runtime's thread pool";
  let description = [{
    Runs on bufferized loops, before the LLVM lowering. Every outermost
    scf.parallel (and every scf.for marked `kiln.parallel` without
    loop-carried values) is outlined into a function
    `@<func>_parallel_<n>(!llvm.ptr captures, i64 begin, i64 end)` that runs
    iterations [begin, end) of its leading dims (linearized until there are
    enough of them to share), and replaced by a call to
    `kiln_parallel_for(begin, end, grain, body, captures)`, which the
    artifact forwards to the run context's `parallel_for` (kiln_abi.h).
    Values used from above travel in an LLVM struct (memrefs as descriptors,
    bridged by unrealized_conversion_cast); constants are cloned into the
    body. A loop of fewer than 8 static iterations hands the choice to the
    parallel loops nested in it.

    The grain is ceil(min-work / estimated ops per iteration), so the
    runtime keeps small ranges on the calling thread; loops whose static
    size is below min-work are left alone. Ops count 1 and nested loops
    multiply by their trip count: static bounds, else an scf.while's
    `kiln.trip_estimate` attribute (set by the lowering that knows it, as
    the tree ensembles' walk sets its depth), else 32. Where the loop's own
    inner (not dispatched) dims are known only at run time, the grain is
    computed at the call from their sizes.
  }];
  let options = [
    Option<"minWork", "min-work", "int64_t", /*default=*/"32768",
           "Estimated operations a chunk must have to be worth a thread">,
  ];
  let dependentDialects = ["mlir::LLVM::LLVMDialect",
                           "mlir::func::FuncDialect",
                           "mlir::scf::SCFDialect",
                           "mlir::arith::ArithDialect"];
}

def InstrumentKernels : Pass<"kiln-instrument-kernels", "mlir::ModuleOp"> {
  let summary = "Bracket every kernel of @main with profiling calls";
  let description = [{
    Runs first in the codegen pipeline, on linalg on tensors. Every
    top-level op of @main's body that will become a kernel (a linalg op or
    an scf loop) is wrapped in

      func.call @kiln_kernel_begin(%id) : (i32) -> ()
      <kernel>
      func.call @kiln_kernel_end(%id) : (i32) -> ()

    which the artifact forwards to the run context's kernel_begin/kernel_end
    hooks (kiln_abi.h); the begin call carries the op's name as
    `kiln.kernel_op`. The calls have side effects, so fusion, tiling and
    bufferization produce a kernel's code between its two calls; a bracket
    left empty (its op fused into another) is dropped by
    kiln-name-kernels, which also numbers and names the kernels.
  }];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::arith::ArithDialect"];
}

def NameKernels : Pass<"kiln-name-kernels", "mlir::ModuleOp"> {
  let summary = "Number and name the kernels kiln-instrument-kernels bracketed";
  let description = [{
    Runs after bufferization, while ops still carry their locations. Each
    kiln_kernel_begin/kiln_kernel_end pair in @main that encloses code is
    numbered 0..n-1 in program order; empty pairs are erased. The module
    attribute `kiln.kernels` gets the name of each kernel: the distinct ONNX
    node names (NameLocs, also inside FusedLocs) of the ops in the bracket,
    nested ones included, joined with '+' in order of appearance, or the op
    name of the first op when no location names a node. `kiln.kernel_ops`
    gets the op each bracket was made for (the `kiln.kernel_op` attribute
    of its begin call: "linalg.matmul", "scf.for"), else that first op.
  }];
}

def TransposeUkernel : Pass<"kiln-transpose-ukernel", "mlir::ModuleOp"> {
  let summary = "f32 transposes as calls to a blocked kernel";
  let description = [{
    Runs after bufferization, beside kiln-pool-ukernel. Every
    linalg.transpose whose lowering configuration is transpose_ukernel
    (f32 buffers of rank up to 6; anything else is an error) becomes

      func.call @kiln_transpose_<isa>(n0, ..., n5, x, x strides per y dim,
          y, y strides)

    (index values): y's dims in order, padded in front with dims of size
    1 (and stride 0) to six, and for each the element stride of the x dim
    the permutation maps to it. The kernel copies whole rows where y's
    innermost dim is contiguous in x, and otherwise transposes 8 x 8
    blocks in registers along the two dims contiguous in x and in y.
  }];
  let dependentDialects = ["mlir::func::FuncDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::LLVM::LLVMDialect"];
}

#endif // KILN_CODEGEN_CPU_PASSES_TD
