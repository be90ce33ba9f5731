//===- SelectLowering.cpp - The CPU strategy layer ------------------------===//
//
// Chooses how every heavy op is lowered, once, from the target description,
// and records it as a typed attribute on the op. The passes after it
// (kiln-conv-to-gemm, kiln-tile-and-vectorize, the ukernel passes) act on
// the ops configured for them and on nothing else, so a configuration
// written by hand in a test replays exactly, and a strategy for a new op
// class is one more entry in the table below.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/KilnCodegen.h"
#include "compiler/codegen/cpu/Passes.h"
#include "compiler/codegen/cpu/UkernelCall.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace kiln {
#define GEN_PASS_DEF_SELECTLOWERING
#include "compiler/codegen/cpu/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::codegen;

namespace {

bool allF32(Operation *op) {
  return llvm::all_of(op->getOperandTypes(), [](Type t) {
    auto shaped = dyn_cast<RankedTensorType>(t);
    return shaped && shaped.getElementType().isF32();
  });
}

/// What a strategy sees of the op and the target.
struct Candidate {
  linalg::LinalgOp op;
  TargetAttr target;
  bool vectorize;
};

/// A CPU strategy: whether it takes the op, and then its tile sizes (one
/// per loop, parallel and reduction; empty for kernels with their own).
struct CpuStrategy {
  Strategy strategy;
  bool (*takes)(Candidate c, SmallVector<int64_t> &parallel,
                SmallVector<int64_t> &reduction);
};

/// Static channel and kernel sizes of a convolution's weights.
bool staticKernel(linalg::LinalgOp op) {
  auto w = cast<RankedTensorType>(op.getDpsInputs()[1].getType());
  return llvm::none_of(w.getShape().drop_front(1), ShapedType::isDynamic);
}

bool takesDepthwise(Candidate c, SmallVector<int64_t> &,
                    SmallVector<int64_t> &) {
  return isa<linalg::DepthwiseConv2DNchwChwOp>(c.op) && allF32(c.op);
}

/// Max and sum pooling of f32 (the 1-D and 2-D named pooling ops; the
/// 3-D and unsigned pools are generics and stay loops).
bool takesPool(Candidate c, SmallVector<int64_t> &, SmallVector<int64_t> &) {
  return isa<linalg::PoolingNchwMaxOp, linalg::PoolingNchwSumOp,
             linalg::PoolingNcwMaxOp, linalg::PoolingNcwSumOp>(c.op) &&
         allF32(c.op);
}

/// f32 transposes of rank up to 6 (the kernel's), not the identity (which
/// canonicalization leaves to a copy).
bool takesTranspose(Candidate c, SmallVector<int64_t> &,
                    SmallVector<int64_t> &) {
  auto transpose = dyn_cast<linalg::TransposeOp>(c.op.getOperation());
  if (!transpose || !allF32(c.op))
    return false;
  ArrayRef<int64_t> perm = transpose.getPermutation();
  return perm.size() <= 6 && !llvm::equal(perm, llvm::seq<int64_t>(
                                                    0, (int64_t)perm.size()));
}

bool isPointwise(linalg::Conv2DNchwFchwOp conv) {
  auto w = cast<RankedTensorType>(conv.getInputs()[1].getType());
  return w.getDimSize(2) == 1 && w.getDimSize(3) == 1 &&
         llvm::all_of(conv.getStrides().getValues<int64_t>(),
                      [](int64_t s) { return s == 1; });
}

/// With AVX-512, pointwise layers on images of at most 64 pixels whose
/// filters fill the convolution kernel's panels of 64 (or are many) put
/// the filters in the lanes (7 pixels x 64 filters a tile, the bias on the
/// tile): 320 -> 1280 on 7x7 0.42 -> 0.37 ms, 160 -> 960 0.167 -> 0.145.
/// With a half-used last panel (960 -> 160: 0.148 -> 0.158) and on 14x14
/// images (384 -> 64: 0.105 -> 0.116) the pixel-row GEMM stays ahead.
bool chanVecPointwise(Candidate c, linalg::Conv2DNchwFchwOp conv) {
  auto w = cast<RankedTensorType>(conv.getInputs()[1].getType());
  auto y = cast<RankedTensorType>(conv.getOutputs()[0].getType());
  if (c.target.getIsa() != Isa::avx512 || !isPointwise(conv) ||
      w.isDynamicDim(0) || w.isDynamicDim(1) || y.isDynamicDim(2) ||
      y.isDynamicDim(3))
    return false;
  int64_t filters = w.getDimSize(0), k = w.getDimSize(1);
  return (filters % 64 == 0 || filters > 256) && k >= 64 &&
         y.getDimSize(2) * y.getDimSize(3) <= 64;
}

/// The convolution kernel copies the input rows a task needs once, split
/// into phase planes by the strides, and its register tile reads every
/// tap's pixels as one contiguous run of that copy: no im2col buffer, any
/// strides and dilations, grouped or not. Unit-stride pointwise ones are
/// plain GEMMs and need no copy at all, except chanVecPointwise ones.
bool takesConvUkernel(Candidate c, SmallVector<int64_t> &,
                      SmallVector<int64_t> &) {
  if (isa<linalg::Conv2DNgchwGfchwOp, linalg::Conv1DNcwFcwOp>(c.op))
    return allF32(c.op);
  auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(c.op.getOperation());
  return conv && allF32(conv) &&
         (!isPointwise(conv) || chanVecPointwise(c, conv));
}

/// Small images with many filters and a deep reduction (ResNet's last
/// stage: 7x7 pixels, 512 filters, K = 9 C): im2col with the pixels as the
/// GEMM's rows, so the filters fill the vector lanes and the weights are
/// packed at compile time. The direct convolution used 49 of 64 lanes (a
/// 3x3 512-channel layer: 3.2 ms, 60% of peak; this way 2.5 ms, ORT 2.0);
/// on 14x14 (196 of 224 lanes) the two are even, and the direct one needs
/// no im2col. Static output sizes only: the choice depends on them. With
/// AVX-512 the convolution kernel puts the filters in the lanes itself
/// (kiln_sgemm_chanvec.h: 2.15 ms, no im2col, no transposed output), so
/// only pointwise layers come here.
bool takesIm2colGemmPixels(Candidate c, SmallVector<int64_t> &,
                           SmallVector<int64_t> &) {
  auto conv = dyn_cast<linalg::Conv2DNchwFchwOp>(c.op.getOperation());
  if (!conv || !allF32(conv) || !staticKernel(conv))
    return false;
  auto y = cast<RankedTensorType>(conv.getOutputs()[0].getType());
  auto w = cast<RankedTensorType>(conv.getInputs()[1].getType());
  if (y.isDynamicDim(2) || y.isDynamicDim(3) || w.isDynamicDim(0))
    return false;
  int64_t pixels = y.getDimSize(2) * y.getDimSize(3);
  int64_t k = w.getDimSize(1) * w.getDimSize(2) * w.getDimSize(3);
  // AVX-512 stores the transposed tiles 16 filters at a time from 12-row
  // tiles (pointwise 320 -> 1280 on 7x7: 0.46 -> 0.42 ms); AVX2's 6-row
  // tiles gain only from deeper reductions.
  if (c.target.getIsa() == Isa::avx512)
    return isPointwise(conv) && pixels <= 64 && w.getDimSize(0) >= 64 &&
           k >= 64 && !chanVecPointwise(c, conv);
  return pixels <= 64 && w.getDimSize(0) >= 128 && k >= 512;
}

bool takesIm2colGemm(Candidate c, SmallVector<int64_t> &,
                     SmallVector<int64_t> &) {
  return isa<linalg::Conv1DNcwFcwOp, linalg::Conv2DNchwFchwOp,
             linalg::Conv3DNcdhwFcdhwOp>(c.op) &&
         allF32(c.op) && staticKernel(c.op);
}

/// f32 contractions, and MatMulInteger's i16 x i16 -> i32 ones (the int16
/// kernel).
bool takesGemmUkernel(Candidate c, SmallVector<int64_t> &,
                      SmallVector<int64_t> &) {
  return (allF32(c.op) && kiln::matchF32Contraction(c.op).has_value()) ||
         kiln::matchI16Contraction(c.op).has_value();
}

/// Register tiles: N two vectors wide, M a quarter of the registers (so
/// M x 2 accumulators, the A broadcasts and the B vectors fit), K 16; for
/// convolutions half the registers of output channels by half a vector
/// of pixels, 8 input channels per step.
bool takesTileAndVectorize(Candidate c, SmallVector<int64_t> &parallel,
                           SmallVector<int64_t> &reduction) {
  if (!c.vectorize)
    return false;
  int64_t lanes = c.target.getVectorBits() / 32;
  int64_t regs = c.target.getVectorRegisters();
  if (isa<linalg::MatmulOp>(c.op)) {
    parallel = {regs / 4, 2 * lanes, 0};
    reduction = {0, 0, 16};
    return true;
  }
  // Batched 16-bit floats (f16 operands, an f32 accumulator) leave 3-D
  // vectors the lowering does not unroll: those run as loops.
  if (isa<linalg::BatchMatmulOp>(c.op) && allF32(c.op)) {
    parallel = {1, regs / 4, 2 * lanes, 0};
    reduction = {0, 0, 0, 16};
    return true;
  }
  if (isa<linalg::Conv2DNchwFchwOp>(c.op)) {
    // (n, f, oh, ow, c, kh, kw): oh and kh go to 1 so that the tile is a
    // 1-D convolution, the only rank linalg::vectorize handles.
    parallel = {1, regs / 2, 1, lanes / 2, 0, 0, 0};
    reduction = {0, 0, 0, 0, 8, 1, 1};
    return true;
  }
  return false;
}

/// The CPU strategies, in order of preference.
const CpuStrategy kCpuStrategies[] = {
    {Strategy::depthwise_ukernel, takesDepthwise},
    {Strategy::pool_ukernel, takesPool},
    {Strategy::transpose_ukernel, takesTranspose},
    {Strategy::im2col_gemm_pixels, takesIm2colGemmPixels},
    {Strategy::conv_ukernel, takesConvUkernel},
    {Strategy::im2col_gemm, takesIm2colGemm},
    {Strategy::gemm_ukernel, takesGemmUkernel},
    {Strategy::tile_and_vectorize, takesTileAndVectorize},
};

struct SelectLoweringPass : kiln::impl::SelectLoweringBase<SelectLoweringPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    TargetAttr target = getTarget(module);
    if (!target) {
      module.emitError() << "kiln-select-lowering: the module has no "
                         << kTargetAttrName << " (#kiln.target<...>)";
      return signalPassFailure();
    }
    // Softmax along the last dim of f32 rows: the row kernel (exp once per
    // element, no divisions). Other dims are decomposed into generics by
    // kiln-decompose-aggregates.
    module.walk([&](linalg::SoftmaxOp op) {
      auto type = dyn_cast<RankedTensorType>(op.getInput().getType());
      if (!op.hasPureTensorSemantics() || getLoweringConfig(op) || !type ||
          !allF32(op) || (int64_t)op.getDimension() != type.getRank() - 1)
        return;
      setLoweringConfig(op, LoweringConfigAttr::get(
                                &getContext(), Strategy::softmax_ukernel,
                                target.getIsa(), {}, {}));
    });
    module.walk([&](linalg::LinalgOp op) {
      if (!op.hasPureTensorSemantics() || getLoweringConfig(op))
        return;
      Candidate candidate{op, target, vectorize};
      for (const CpuStrategy &strategy : kCpuStrategies) {
        SmallVector<int64_t> parallel, reduction;
        if (!strategy.takes(candidate, parallel, reduction))
          continue;
        setLoweringConfig(
            op, LoweringConfigAttr::get(&getContext(), strategy.strategy,
                                        target.getIsa(), parallel, reduction));
        return;
      }
    });
  }
};

} // namespace
