//===- ConvUkernel.cpp - f32 2-D convolutions as implicit-GEMM calls ------===//
//
// linalg.conv_2d_nchw_fchw, the grouped conv_2d_ngchw_gfchw and
// conv_1d_ncw_fcw (a 2-D one of height 1) on f32 buffers become one call
// to kiln_sconv2d_<isa> of the support library: the packed GEMM with the
// weights as A and the input as B, read per tap from a copy of the rows
// each task needs (split by the strides into phase planes) or packed
// from the input, so no im2col buffer is written and read back. The input may have any strided
// layout (a slice of a larger tensor); the kernel needs the weights
// contiguous over (c, kh, kw) and the output over (oh, ow), which buffers
// with identity layouts are. Others (an output written in place into a
// slice of a concatenation) go through a contiguous copy. Like the
// depthwise kernel, it takes over the zero padding of the input and a bias
// the output starts from (AbsorbedOperands.h).
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/AbsorbedOperands.h"
#include "compiler/codegen/cpu/Passes.h"
#include "compiler/codegen/cpu/UkernelCall.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace kiln {
#define GEN_PASS_DEF_CONVUKERNEL
#include "compiler/codegen/cpu/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Whether the innermost `dims` dims of `v` are contiguous (row-major with
/// unit stride), as far as its type says.
bool innerDimsContiguous(Value v, unsigned dims) {
  auto type = cast<MemRefType>(v.getType());
  if (type.getLayout().isIdentity())
    return true;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  int64_t expected = 1;
  for (unsigned i = 0; i < dims; ++i) {
    unsigned d = type.getRank() - 1 - i;
    if (strides[d] != expected)
      return false;
    if (i + 1 < dims) {
      if (ShapedType::isDynamic(type.getDimSize(d)))
        return false;
      expected *= type.getDimSize(d);
    }
  }
  return true;
}

/// `v` itself when its inner `dims` dims are contiguous, else a fresh
/// contiguous copy of it (copied back to `v` by the caller where written).
Value contiguousBuffer(OpBuilder &b, Location loc, Value v, unsigned dims) {
  if (innerDimsContiguous(v, dims))
    return v;
  auto type = cast<MemRefType>(v.getType());
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(memref::DimOp::create(b, loc, v, d));
  auto copyType = MemRefType::get(type.getShape(), type.getElementType());
  Value copy = memref::AllocOp::create(b, loc, copyType, dynamicSizes);
  memref::CopyOp::create(b, loc, v, copy);
  return copy;
}

struct ConvUkernelPass : kiln::impl::ConvUkernelBase<ConvUkernelPass> {
  using Base::Base;

  /// Replaces `op`, a conv_2d_nchw_fchw, (grouped) conv_2d_ngchw_gfchw or
  /// conv_1d_ncw_fcw, by a call to `kernel`.
  void lower(linalg::LinalgOp op, func::FuncOp kernel) {
    bool grouped = isa<linalg::Conv2DNgchwGfchwOp>(op);
    bool oneD = isa<linalg::Conv1DNcwFcwOp>(op);
    // Dims of x and y: (n, [g,] c or f, [h,] w); of w: ([g,] f, c, [kh,]
    // kw). A 1-D convolution is a 2-D one with H = OH = KH = 1.
    unsigned lead = grouped ? 1 : 0;
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value x = op.getDpsInputs()[0], wOriginal = op.getDpsInputs()[1];
    std::optional<kiln::AbsorbedPadding> padding =
        kiln::matchZeroPaddedInput(op, x, /*firstSpatialDim=*/2 + lead);
    Value yOriginal = op.getDpsInits()[0];
    // A bias (or a start at zero) goes with an output computed in place; a
    // copied output is accumulated into (it holds the bias already). A
    // grouped convolution's bias is [G, F], along y's dims 1 and 2.
    std::optional<kiln::AbsorbedBias> bias;
    if (innerDimsContiguous(yOriginal, 2))
      bias = grouped ? kiln::matchStart(op, yOriginal, {1, 2})
                     : kiln::matchStart(op, yOriginal, {1});
    Value source = padding ? padding->source : x;
    Value w = contiguousBuffer(b, loc, wOriginal, oneD ? 2 : 3);
    Value y = contiguousBuffer(b, loc, yOriginal, oneD ? 1 : 2);
    auto dim = [&](Value v, int64_t d) -> Value {
      return memref::DimOp::create(b, loc, v, d);
    };
    auto index = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    auto attrValues = [&](StringRef name) {
      return SmallVector<int64_t>(
          op->getAttrOfType<DenseIntElementsAttr>(name).getValues<int64_t>());
    };
    SmallVector<int64_t> strides = attrValues("strides");
    SmallVector<int64_t> dilations = attrValues("dilations");
    SmallVector<int64_t> padLow(2, 0);
    if (padding)
      llvm::copy(padding->low, padLow.begin() + (oneD ? 1 : 0));
    if (oneD) {
      strides.insert(strides.begin(), 1);
      dilations.insert(dilations.begin(), 1);
    }
    kiln::BufferArg xa = kiln::getBufferArg(b, loc, source);
    kiln::BufferArg wa = kiln::getBufferArg(b, loc, w);
    kiln::BufferArg ya = kiln::getBufferArg(b, loc, y);
    Value zero = index(0);
    // x and y are (n, g, ...): their group dim is dim 1.
    auto groupStride = [&](kiln::BufferArg &arg) {
      return grouped ? arg.strides[1] : zero;
    };
    // N, G, F, C, H, W, OH, OW, KH, KW, sh, sw, dh, dw, padT, padL; x and
    // its strides (n, g, c, h, w); w and its g and f strides; the bias and
    // its g and f strides (or 0, 0, 0); y and its n, g and f strides. An
    // ungrouped convolution has G = 1 and group strides 0.
    // The size of spatial dim `d` (0: h, 1: w) of v from its dim `first`
    // on: 1 for the height of a 1-D convolution.
    auto spatial = [&](Value v, unsigned first, unsigned d) -> Value {
      if (oneD)
        return d == 0 ? index(1) : dim(v, first);
      return dim(v, first + d);
    };
    SmallVector<Value> args = {dim(source, 0),
                               grouped ? dim(w, 0) : index(1),
                               dim(w, lead),
                               dim(w, lead + 1),
                               spatial(source, lead + 2, 0),
                               spatial(source, lead + 2, 1),
                               spatial(y, lead + 2, 0),
                               spatial(y, lead + 2, 1),
                               spatial(w, lead + 2, 0),
                               spatial(w, lead + 2, 1),
                               index(strides[0]),
                               index(strides[1]),
                               index(dilations[0]),
                               index(dilations[1]),
                               index(padLow[0]),
                               index(padLow[1]),
                               xa.address,
                               xa.strides[0],
                               groupStride(xa)};
    // x's c, h and w strides (h: 0 for a 1-D convolution).
    args.push_back(xa.strides[lead + 1]);
    if (oneD)
      args.push_back(zero);
    args.append(xa.strides.begin() + 2 + lead, xa.strides.end());
    // w is (g, f, c, kh, kw): its group dim leads.
    args.append({wa.address, grouped ? wa.strides[0] : zero, wa.strides[lead]});
    kiln::BufferArg ba = kiln::getBiasArg(b, loc, bias, grouped ? 2 : 1);
    args.append({ba.address, grouped ? ba.strides[0] : zero,
                 ba.strides[grouped ? 1 : 0]});
    args.append(
        {ya.address, ya.strides[0], groupStride(ya), ya.strides[lead + 1]});
    // An epilogue goes with an output computed in place, like a bias.
    std::optional<kiln::AbsorbedEpilogue> epilogue;
    if (y == yOriginal)
      epilogue = kiln::matchEpilogue(op, y);
    kiln::appendEpilogueArgs(b, loc, epilogue, args);
    func::CallOp::create(b, loc, kernel, args);
    if (y != yOriginal) {
      memref::CopyOp::create(b, loc, y, yOriginal);
      memref::DeallocOp::create(b, loc, y);
    }
    if (w != wOriginal)
      memref::DeallocOp::create(b, loc, w);
    op->erase();
    kiln::eraseAbsorbed(bias, padding);
    kiln::eraseAbsorbed(epilogue);
  }

  void runOnOperation() override {
    if (failed(kiln::lowerConfiguredOps<linalg::Conv2DNchwFchwOp,
                                        linalg::Conv2DNgchwGfchwOp,
                                        linalg::Conv1DNcwFcwOp>(
            getOperation(), kiln::codegen::Strategy::conv_ukernel,
            "a linalg.conv_2d_nchw_fchw, conv_2d_ngchw_gfchw or "
            "conv_1d_ncw_fcw",
            "kiln_sconv2d_", /*numArgs=*/36,
            [&](Operation *op, func::FuncOp kernel) {
              lower(cast<linalg::LinalgOp>(op), kernel);
            })))
      return signalPassFailure();
  }
};

} // namespace
