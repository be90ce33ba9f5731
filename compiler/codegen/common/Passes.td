//===- Passes.td - Target-independent code generation passes -*- tablegen -*-===//
//
// Passes every target's pipeline can use: rewrites of linalg on tensors
// and buffers that do not depend on the machine. CPU-specific passes are in
// codegen/cpu/Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_COMMON_PASSES_TD
#define KILN_CODEGEN_COMMON_PASSES_TD

include "mlir/Pass/PassBase.td"

def ExternalizeWeights : Pass<"kiln-externalize-weights", "mlir::ModuleOp"> {
  let summary = "Move resource-backed constant globals into one weight blob";
  let description = [{
    Every `memref.global` initialised from a dense_resource blob is replaced
    by a `memref.view` into one external byte buffer, `__kiln_weights`, at a
    64-byte aligned offset. The blobs are listed in the module attribute
    `kiln.weights` so the artifact writer emits their bytes straight into
    the object's read-only data; they never become LLVM IR constants element
    by element, so compile time and memory stay linear in the model size.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def CheckAllocSizes : Pass<"kiln-check-alloc-sizes", "mlir::func::FuncOp"> {
  let summary = "Make allocations whose byte size overflows fail";
  let description = [{
    The LLVM lowering of memref.alloc multiplies the sizes into a byte
    count that wraps modulo 2^64: an Expand to [2^31, 2^31] floats asks for
    0 bytes and then writes 2^64 of them. Before every memref.alloc with
    dynamic sizes this pass computes the byte count with
    arith.mului_extended; when it overflows, or passes 2^62 (more than any
    system can map), the allocation's dynamic sizes are replaced (selects)
    by ones that ask for just over 2^62 bytes without wrapping, which the
    runtime refuses, so the run ends with an allocation error instead of a
    crash. A memref.alloc or memref.alloca with a static shape that large
    (a Tile of a constant by [2^40, 2^40]) is an error.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def LowerDynamicExpandShape
    : Pass<"kiln-lower-dynamic-expand-shape", "mlir::func::FuncOp"> {
  let summary = "Lower memref.expand_shape with several dynamic sizes per group";
  let description = [{
    MLIR 22's expand-strided-metadata crashes on a memref.expand_shape whose
    reassociation group has more than one dynamic size (it cannot derive
    them from the source). Such ops are rewritten here into
    extract_strided_metadata + reinterpret_cast, taking the sizes from the
    op's output_shape operands and the strides as suffix products of them.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def ShrinkBufferLifetimes
    : Pass<"kiln-shrink-buffer-lifetimes", "mlir::func::FuncOp"> {
  let summary = "Allocate each buffer at its first use, free it after its last";
  let description = [{
    Ownership-based buffer deallocation frees every buffer at the end of
    the block that allocated it, and bufferization leaves the allocations
    where the tensor.empty ops were: in a model's body that is every
    intermediate allocated up front and freed when the run ends. The
    runtime's arena then never hands a freed block out again within a run,
    so a run touches the sum of all its intermediates (MobileNetV2: about
    30 MB) and every layer writes into memory that is not in any cache.

    Run once the heavy ops have become kernel calls, this moves, within
    each block, a `memref.alloc` down to right before the first op that
    uses it, and its `memref.dealloc` up to right after the last op that
    uses it or anything derived from it (views, extracted pointers and the
    index arithmetic on them, results of ops that take it). A buffer whose
    derived values are stored to memory, yielded or returned keeps its
    deallocation where it is. A use after the deallocation is an error.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def ForwardCopiedBuffers
    : Pass<"kiln-forward-copied-buffers", "mlir::func::FuncOp"> {
  let summary = "Let a buffer copied into a slice of another be that slice";
  let description = [{
    Bufferized, a Concat is a buffer for its result and a memref.copy of
    each input into its slice: every input is computed into a buffer of its
    own, then copied (a detector's C2f blocks copy the halves of a Split
    back next to the bottlenecks' outputs). Run after One-Shot Bufferize and
    before deallocation, this replaces an allocation S whose copies land in
    a box of another allocation D, all at one offset, by a subview of D
    there (strided), rebuilding S's views on it, and erases the copies, which
    would then copy memory onto itself. Taken only where no op can tell:
    S is not written after the first copy reads it, nothing but those
    copies writes D's box, nothing reads it before the last copy, S does
    not escape, and every use of S takes a strided layout (views, linalg
    ops, copies, loads and stores). D's allocation moves up to S's where
    its sizes allow. Reshapes that bufferization leaves in pairs (an
    expand_shape of a collapse_shape) are seen through; a collapse of the
    new view is taken only where its groups span D. Where S is computed
    by an elementwise generic from an allocation R of its type that dies
    there (a kernel's output and its activation), the generic first runs
    in place on R, which replaces S: the kernel then still takes the
    activation over as an epilogue.

    S copied whole, as it is or through a collapse_shape, becomes the box
    its copy writes at any offset, expanded back to S's shape where it was
    collapsed: a detection head's maps [N, C, h, w] reshaped to rows of
    anchors and concatenated along that dynamic axis are computed into
    their rows of the result. Boxes at symbolic offsets are apart where one
    ends (a sum of values) at most where the other starts, what the start
    has more being sizes (dims, allocation sizes, their sums and products);
    D's sizes, and the box, are computed again before S where they were
    read off the inputs' buffers after it.
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def ProtectInputs : Pass<"kiln-protect-inputs", "mlir::ModuleOp"> {
  let summary = "Mark the tensor arguments of public functions read-only";
  let description = [{
    The runtime passes the caller's input buffers to the model without
    copying them. Every tensor argument of a public function gets
    `bufferization.writable = false`, so one-shot bufferization copies an
    input before writing into it in place (a scatter that starts from its
    data input, a loop carrying an input) instead of overwriting the
    caller's data. Private functions are left alone.
  }];
  let dependentDialects = ["mlir::bufferization::BufferizationDialect"];
}

def UntieEmptyTensors : Pass<"kiln-untie-empty-tensors", "mlir::ModuleOp"> {
  let summary = "Give every user of a tensor.empty one of its own";
  let description = [{
    CSE merges the tensor.empty ops of one shape, so unrelated ops (every
    convolution with a 32 x 112 x 112 output) start from one value, and
    one-shot bufferization then writes their results into one allocation
    whenever the earlier result is dead. Correct, but it makes an op's
    output the buffer its own input was read from: a depthwise convolution
    wrote into the buffer its padded input was copied from, so its kernel
    could not read the input unpadded, and every such layer paid a
    zero-fill and a copy of its input. Run right before bufferization, this
    clones the tensor.empty for each use after the first, so each op gets
    an allocation of its own (freed after its last use as before). A
    collapse_shape or expand_shape of an empty that CSE shared is cloned
    per use first: shared, it put the SiLUs after a detector's pointwise
    convolutions into one buffer, which kept them out of the GEMM's
    epilogue. A linalg.fill of such an empty (the zero start of a GEMM's
    C) is cloned per use as well: two GEMMs accumulating into one shared
    fill made bufferization copy it for the second.
  }];
  let dependentDialects = ["mlir::tensor::TensorDialect",
                           "mlir::linalg::LinalgDialect"];
}

def DecomposeAggregates
    : Pass<"kiln-decompose-aggregates", "mlir::func::FuncOp"> {
  let summary = "Decompose the aggregate linalg ops no strategy took";
  let description = [{
    The frontend lowers ONNX Softmax on f32 to `linalg.softmax`, which a
    target's strategy layer may give a kernel of its own (on the CPU,
    softmax_ukernel along the last dim). Every `linalg.softmax` on tensors
    without a lowering configuration is decomposed here into the linalg
    generics of its AggregatedOpInterface (max, exp, sum, divide), which
    lower to loops like any other.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::tensor::TensorDialect"];
}

def ReductionAccumulators
    : Pass<"kiln-reduction-accumulators", "mlir::func::FuncOp"> {
  let summary = "Innermost reductions with their accumulator in a register";
  let description = [{
    A linalg.generic on buffers whose last loop is its only reduction keeps
    its parallel dims; its body runs the reduction as an scf.for whose
    iteration argument is the accumulator, loading the inputs itself, and
    the combining op (addf, mulf, maximumf, minimumf) gets `reassoc` so
    LLVM vectorizes the loop. Without it the accumulator went through the
    output buffer on every iteration and the sum stayed sequential: a
    softmax ran ten times slower than ONNX Runtime's.
  }];
  let dependentDialects = ["mlir::scf::SCFDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::arith::ArithDialect"];
}

def StridedCopyToLinalg
    : Pass<"kiln-strided-copy-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Turn memref.copy of non-contiguous buffers into linalg.copy";
  let description = [{
    The LLVM lowering turns a memref.copy between strided (non-identity)
    layouts into a call to `memrefCopy` from MLIR's C runner utilities,
    which an artifact cannot depend on. As linalg.copy the copy becomes
    plain loops (or vector code) instead. Contiguous copies stay memcpy.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def ByteBools : Pass<"kiln-byte-bools", "mlir::ModuleOp"> {
  let summary = "Load and store scalar i1 values as the bytes that hold them";
  let description = [{
    A bool tensor holds one byte per element; the LLVM lowering of memref
    loads and stores of i1 accesses them as `load i1`, a type whose size in
    memory (8 bits) is not its width, and LLVM's loop vectorizer leaves
    every loop with such an access scalar (a Where over a causal mask,
    comparisons, And/Or). As `load i8` + `icmp ne 0` and `zext` +
    `store i8` the loops vectorize; a byte other than 0 reads as true, as
    in C. Vector accesses are left alone.
  }];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def CollapseContiguousDims
    : Pass<"kiln-collapse-contiguous-dims", "mlir::func::FuncOp"> {
  let summary = "Merge the loops of generics over contiguous buffers";
  let description = [{
    A linalg.generic or linalg.copy on buffers becomes one loop per dim, so
    its innermost loop is the innermost dim: 40 iterations on a
    [1, 192, 40, 40] activation, where LLVM's vectorizer picks 8-float
    vectors (no remainder) and pays the loop overhead every 40 floats. This
    pass merges every run of consecutive loops of one kind (parallel or
    reduction) that each operand reads or writes contiguously (identity
    layouts, or strides that prove it) and whose dims appear together in
    every indexing map, collapsing the buffers with memref.collapse_shape:
    the op above becomes one loop over 307200 floats, a bias add over
    [N, C, H*W], a global average pool's sum over [N, C, H*W] with one
    reduction (which kiln-reduction-accumulators then keeps in a
    register). Dims whose strides are only known at run time are left as
    they are.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::memref::MemRefDialect",
                           "mlir::affine::AffineDialect"];
}

def InterchangeWindowLoops
    : Pass<"kiln-interchange-window-loops", "mlir::func::FuncOp"> {
  let summary = "Walk the output innermost in pooling and strided reductions";
  let description = [{
    A pooling op (linalg.pooling_*) or a generic with parallel loops
    followed by reduction loops, whose last parallel dim is the last dim of
    its output and of every input it reads, lowers to loops whose innermost
    one is a reduction over a few window taps (5 for a 5 x 5 max pool): a
    scalar loop carrying its accumulator through memory. This pass moves
    the last parallel loop inside the reductions, so the innermost loop
    walks the output and the input with unit stride (or the pool's stride)
    and LLVM vectorizes it: out[ow] = max(out[ow], in[ow * s + kw]).
    Named pooling ops are generalized first.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def FoldExpandIntoEpilogue
    : Pass<"kiln-fold-expand-into-epilogue", "mlir::func::FuncOp"> {
  let summary = "Collapse an elementwise op to the shape of the contraction it follows";
  let description = [{
    An elementwise linalg.generic that reads a contraction's or
    convolution's result through a tensor.expand_shape (a batched MatMul
    runs on [B * S, K] and its bias Add on [B, S, N]; a pointwise
    convolution made a GEMM by kiln-conv-to-gemm computes [N, F, H * W] and
    its activation runs on [N, F, H, W]) is collapsed to the result's shape
    and the expand moves after it (upstream's fold-by-collapsing patterns,
    with that one case allowed). The op then reads the result directly:
    kiln-fold-bias-into-init starts the accumulator at its bias, and the
    kernels take the rest as their epilogue instead of a separate pass over
    the output. tensor.dim of an expand_shape folds to the size its
    output_shape names, so an expand left only to size the op's init goes
    away. Run after kiln-fuse-elementwise (whose expansion patterns would
    undo it) and after kiln-conv-to-gemm.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect"];
}

def FuseElementwise : Pass<"kiln-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Elementwise fusion that leaves contractions and convolutions named";
  let description = [{
    linalg-fuse-elementwise-ops with one difference: a reshape is not
    propagated through an op with reduction loops. Upstream, a collapse of
    batch dims before a linalg.batch_matmul (or an expand of its result) is
    folded by expanding the op into a higher-rank linalg.generic, which
    then fuses its transposed operands in: attention's QK^T and PV become
    5-D generics, and a projection whose K came from merged heads one with
    two reduction loops. None of those is a contraction the strategy layer
    recognizes any more, so they ran as scalar loops. Here contractions and
    convolutions keep their named form (and their strided operands, which
    the GEMM kernel reads in place); elementwise ops still fuse with each
    other and reshapes still move through them.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::affine::AffineDialect"];
}

def FoldBiasIntoInit : Pass<"kiln-fold-bias-into-init", "mlir::func::FuncOp"> {
  let summary = "Start a matmul's or convolution's accumulator at its bias";
  let description = [{
    Runs on linalg on tensors, after elementwise fusion. Where a contraction
    or convolution accumulates into a zero linalg.fill, and its only user is
    an all-parallel linalg.generic whose body adds another input (the bias,
    broadcast by its indexing map) to the heavy op's element and uses
    neither elsewhere, the fill becomes a broadcast of the bias and the add
    leaves the consumer: a consumer left forwarding the heavy result is
    replaced by it; one with more work (a fused activation) keeps the rest
    of its body without the bias operand.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def ConvToGemm : Pass<"kiln-conv-to-gemm", "mlir::func::FuncOp"> {
  let summary = "f32 convolutions as im2col + a contraction for the GEMM";
  let description = [{
    Runs on linalg on tensors. Every conv_1d_ncw_fcw, conv_2d_nchw_fchw and
    conv_3d_ncdhw_fcdhw whose lowering configuration is im2col_gemm (f32,
    static channel and kernel sizes; anything else is an error) becomes

      col[n, c, k..., o...] = x[n, c, o * stride + k * dilation ...]
      y[n, f, p] += w[f, (c, k...)] * col[n, (c, k...), p]

    (collapse_shapes around a linalg.generic contraction over (n, f, p, k)),
    which kiln-gemm-ukernel turns into one packed GEMM with the weights
    shared by every image: the contraction gets the gemm_ukernel strategy.
    With im2col_gemm_pixels the columns are written [N, P, (c, k...)] and
    are the contraction's first operand, the weights its second, into the
    output transposed to [N, P, F] (and back): the pixels are the GEMM's
    rows, the filters its columns.
    A pointwise convolution (kernel and strides all 1) reads x as
    [N, C, pixels] without a col. Batch and spatial sizes may be symbolic.
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect",
                           "mlir::tensor::TensorDialect",
                           "mlir::arith::ArithDialect",
                           "kiln::codegen::KilnCodegenDialect"];
}

def ApproximateMath : Pass<"kiln-approximate-math", "mlir::ModuleOp"> {
  let summary = "f32 exp, log, tanh and erf as polynomials instead of libm calls";
  let description = [{
    Rewrites math.exp, expm1, log, log1p, log2, tanh and erf on f32 (scalars
    and vectors) into MLIR's polynomial approximations (a few ulp; ONNX
    Runtime's MLAS kernels are approximations too), so that the loops of
    softmax, sigmoid, SiLU, GELU and friends contain no calls and LLVM
    vectorizes them. Other element types and other functions keep their
    libm calls.
  }];
  let options = [
    ListOption<"ops", "ops", "std::string",
               "The math ops to approximate, without the dialect prefix "
               "(default: exp, expm1, log, log1p, log2, tanh, erf)">,
  ];
  let dependentDialects = ["mlir::arith::ArithDialect",
                           "mlir::math::MathDialect",
                           "mlir::vector::VectorDialect"];
}

#endif
