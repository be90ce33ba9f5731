//===- KilnCodegen.td - Targets and lowering configurations --*- tablegen -*-===//
//
// The strategy layer's vocabulary: a target description the selection pass
// reads (`kiln.target` on the module) and the lowering configuration it
// attaches to every root op (`kiln.lowering_config`), which the rest of
// code generation follows. Target-independent: the CPU strategies live in
// codegen/cpu, a GPU target adds its own beside them.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_COMMON_KILNCODEGEN_TD
#define KILN_CODEGEN_COMMON_KILNCODEGEN_TD

include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/DialectBase.td"
include "mlir/IR/EnumAttr.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.td"

def Kiln_CodegenDialect : Dialect {
  let name = "kiln";
  let cppNamespace = "::kiln::codegen";
  let summary = "Kiln's code generation attributes and fused ops";
  let description = [{
    `#kiln.target<...>` describes the machine code is generated for,
    `#kiln.lowering_config<...>` says how one op is lowered, and
    `kiln.attention` is a fusion no upstream dialect has an op for.
  }];
  let useDefaultAttributePrinterParser = 1;
}

def Kiln_Isa : I32EnumAttr<"Isa", "vector instruction set of a CPU target", [
  I32EnumAttrCase<"sse", 0>,
  I32EnumAttrCase<"avx2", 1>,
  I32EnumAttrCase<"avx512", 2>,
]> {
  let cppNamespace = "::kiln::codegen";
  let genSpecializedAttr = 0;
}

def Kiln_Strategy : I32EnumAttr<"Strategy", "how a root op is lowered", [
  // The packed GEMM of the support library (kiln_sgemm_<isa>).
  I32EnumAttrCase<"gemm_ukernel", 0>,
  // A 2-D convolution as an implicit GEMM (kiln_sconv2d_<isa>).
  I32EnumAttrCase<"conv_ukernel", 1>,
  // A convolution rewritten into a contraction over im2col columns (none
  // for pointwise ones), which then takes the gemm_ukernel strategy.
  I32EnumAttrCase<"im2col_gemm", 2>,
  // A depthwise 2-D convolution kernel (kiln_dwconv2d_<isa>).
  I32EnumAttrCase<"depthwise_ukernel", 3>,
  // Register tiles of static shape vectorized by linalg::vectorize.
  I32EnumAttrCase<"tile_and_vectorize", 4>,
  // linalg.softmax along the last dim, a row at a time
  // (kiln_softmax_<isa>).
  I32EnumAttrCase<"softmax_ukernel", 5>,
  // im2col_gemm with the pixels as the GEMM's rows and the filters as its
  // columns (the vector lanes): for small images with many filters.
  I32EnumAttrCase<"im2col_gemm_pixels", 6>,
  // Max and sum pooling over NCHW / NCW planes (kiln_pool2d_<isa>).
  I32EnumAttrCase<"pool_ukernel", 7>,
  // An f32 linalg.transpose of rank up to 6 (kiln_transpose_<isa>): rows
  // copied whole, or 8 x 8 blocks transposed in registers.
  I32EnumAttrCase<"transpose_ukernel", 8>,
]> {
  let cppNamespace = "::kiln::codegen";
  let genSpecializedAttr = 0;
}

def Kiln_GpuStrategy : I32EnumAttr<"GpuStrategy",
                                    "how a root op is lowered on a GPU", [
  // A block of threads per output element: each thread reduces a strided
  // share of the reduction, each warp combines its threads' partials with
  // shuffles, the block its warps' through shared memory.
  I32EnumAttrCase<"block_reduction", 0>,
  // A contraction (one m, n and k dim, any batch dims) in output tiles of
  // T x T elements, a thread each: the block loads T x T tiles of both
  // operands into shared memory, waits, multiplies them, waits, T at a
  // time along k.
  I32EnumAttrCase<"shared_memory_tiles", 1>,
  // A multiply-accumulate contraction on the tensor cores (sm_80+): a
  // block of 4 warps per 32 x 32 output tile, operand tiles staged in
  // shared memory, each warp's 16 x 16 quarter two 16 x 8 accumulators of
  // mma.sync (f16 operands: m16n8k16; f32 operands: m16n8k8 in TF32, only
  // where the user allowed TF32), accumulating in f32.
  I32EnumAttrCase<"tensor_core_mma", 2>,
]> {
  let cppNamespace = "::kiln::codegen";
  let genSpecializedAttr = 0;
}

def Kiln_GpuLoweringConfigAttr
    : AttrDef<Kiln_CodegenDialect, "GpuLoweringConfig"> {
  let mnemonic = "gpu_lowering_config";
  let summary = "the strategy and block size one op is lowered with on a GPU";
  let description = [{
    `#kiln.gpu_lowering_config<block_reduction, threads = 256>`: the GPU
    strategy layer's choice for one linalg op on buffers, and the threads
    of each block it launches (whole warps, at most 1024).
  }];
  let parameters = (ins EnumParameter<Kiln_GpuStrategy>:$strategy,
                        "int64_t":$threads);
  let assemblyFormat = "`<` $strategy `,` `threads` `=` $threads `>`";
  let genVerifyDecl = 1;
}

def Kiln_TargetAttr : AttrDef<Kiln_CodegenDialect, "Target"> {
  let mnemonic = "target";
  let summary = "the CPU code is generated for";
  let parameters = (ins EnumParameter<Kiln_Isa>:$isa,
                        "int64_t":$vector_bits,
                        "int64_t":$vector_registers,
                        "int64_t":$l1_bytes,
                        "int64_t":$l2_bytes);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Kiln_LoweringConfigAttr : AttrDef<Kiln_CodegenDialect, "LoweringConfig"> {
  let mnemonic = "lowering_config";
  let summary = "the strategy and tile sizes one root op is lowered with";
  let description = [{
    `#kiln.lowering_config<gemm_ukernel, avx512>`,
    `#kiln.lowering_config<tile_and_vectorize, avx2, parallel = [4, 16, 0],
    reduction = [0, 0, 8]>`: `parallel` and `reduction` give a tile size per loop of the
    op (0: not tiled at that level), for strategies that tile; the kernels
    of the ukernel strategies have their own blocking, for `isa`.
  }];
  let parameters = (ins EnumParameter<Kiln_Strategy>:$strategy,
                        EnumParameter<Kiln_Isa>:$isa,
                        OptionalArrayRefParameter<"int64_t">:$parallel_tiles,
                        OptionalArrayRefParameter<"int64_t">:$reduction_tiles);
  let assemblyFormat = [{
    `<` $strategy `,` $isa
        (`,` `parallel` `=` `[` $parallel_tiles^ `]`)?
        (`,` `reduction` `=` `[` $reduction_tiles^ `]`)? `>`
  }];
  let genVerifyDecl = 1;
}

def Kiln_AttentionOp : Op<Kiln_CodegenDialect, "attention", [
    AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<BufferizableOpInterface, [
      "bufferizesToAllocation", "getBufferType", "bufferize",
      "bufferizesToMemoryRead", "bufferizesToMemoryWrite",
      "getAliasingValues"]>]> {
  let summary = "softmax(mask(scale * Q K^T)) V per batch and head, fused";
  let description = [{
    Scaled dot-product attention as one op (kiln-fuse-attention builds it
    from the exporters' MatMul, scale, mask, Softmax, MatMul), lowered on
    the CPU to one kernel with an online softmax (kiln-attention-ukernel):
    the Sq x Skv scores are never stored.

    Every operand and the result has rank 4; `query_dims`, `key_dims`,
    `value_dims` and `result_dims` name the operand dim holding each logical
    dim (batch, head, sequence, feature), so the heads' transposes of a
    [B, S, H, D] projection are read in place; the feature dim is the last
    one. Batch and head dims of size 1 broadcast, and the key's and the
    value's heads may divide the query's: each is shared by a group of
    query heads (grouped-query attention). The mask is optional and
    broadcasts to [B, H, Sq, Skv] from the right: f32 values are added to
    the scaled scores; i1 values select the score (true) or `mask_fill`
    (false), as Where(mask, scores, fill). With `zero_masked_rows`, a row
    the mask removes entirely (every f32 value -inf, every i1 false) is 0,
    as ONNX's Attention makes it; without, it is NaN, as a Softmax of -inf
    scores.

    On tensors the op returns its result; on buffers it writes `output`.
  }];
  let arguments = (ins AnyShaped:$query, AnyShaped:$key, AnyShaped:$value,
                       Optional<AnyShaped>:$mask,
                       Optional<AnyMemRef>:$output,
                       F32Attr:$scale,
                       OptionalAttr<F32Attr>:$mask_fill,
                       DenseI64ArrayAttr:$query_dims,
                       DenseI64ArrayAttr:$key_dims,
                       DenseI64ArrayAttr:$value_dims,
                       DenseI64ArrayAttr:$result_dims,
                       UnitAttr:$zero_masked_rows);
  let results = (outs Optional<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    $query `,` $key `,` $value (`mask` `(` $mask^ `:` type($mask) `)`)?
    (`outs` `(` $output^ `:` type($output) `)`)? attr-dict `:`
    type($query) `,` type($key) `,` type($value) (`->` type($result)^)?
  }];
  let hasVerifier = 1;
}

#endif
