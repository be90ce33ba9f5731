//===- ConvUkernel.cpp - f32 2-D convolutions as implicit-GEMM calls ------===//
//
// linalg.conv_2d_nchw_fchw on f32 buffers becomes one call to
// kiln_sconv2d_<isa> of the support library: the packed GEMM with the
// weights as A and the input read as im2col columns while B is packed, so
// no column buffer is written and read back. The input may have any strided
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

  void lower(linalg::Conv2DNchwFchwOp op, func::FuncOp kernel) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value x = op.getInputs()[0];
    std::optional<kiln::AbsorbedPadding> padding =
        kiln::matchZeroPaddedInput(op, x, /*firstSpatialDim=*/2);
    Value yOriginal = op.getOutputs()[0];
    bool yContiguous = innerDimsContiguous(yOriginal, 2);
    // A bias goes with an output computed in place; a copied output is
    // accumulated into (it holds the bias already).
    std::optional<kiln::AbsorbedBias> bias;
    if (yContiguous)
      bias = kiln::matchBiasInit(op, yOriginal, /*channelDim=*/1);
    Value source = padding ? padding->source : x;
    Value w = contiguousBuffer(b, loc, op.getInputs()[1], 3);
    Value y = contiguousBuffer(b, loc, yOriginal, 2);
    auto dim = [&](Value v, int64_t d) -> Value {
      return memref::DimOp::create(b, loc, v, d);
    };
    auto index = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    SmallVector<int64_t> strides(op.getStrides().getValues<int64_t>());
    SmallVector<int64_t> dilations(op.getDilations().getValues<int64_t>());
    kiln::BufferArg xa = kiln::getBufferArg(b, loc, source);
    kiln::BufferArg wa = kiln::getBufferArg(b, loc, w);
    kiln::BufferArg ya = kiln::getBufferArg(b, loc, y);
    // N, F, C, H, W, OH, OW, KH, KW, sh, sw, dh, dw, padT, padL, x and its
    // strides (n, c, h, w), w and its f stride, the bias and its stride (or
    // 0 and 0), y and its n and f strides.
    SmallVector<Value> args = {dim(source, 0),
                               dim(w, 0),
                               dim(w, 1),
                               dim(source, 2),
                               dim(source, 3),
                               dim(y, 2),
                               dim(y, 3),
                               dim(w, 2),
                               dim(w, 3),
                               index(strides[0]),
                               index(strides[1]),
                               index(dilations[0]),
                               index(dilations[1]),
                               index(padding ? padding->low[0] : 0),
                               index(padding ? padding->low[1] : 0),
                               xa.address};
    args.append(xa.strides.begin(), xa.strides.end());
    args.append({wa.address, wa.strides[0]});
    if (bias) {
      kiln::BufferArg ba = kiln::getBufferArg(b, loc, bias->bias);
      args.append({ba.address, ba.strides[0]});
    } else {
      args.append({index(0), index(0)});
    }
    args.append({ya.address, ya.strides[0], ya.strides[1]});
    func::CallOp::create(b, loc, kernel, args);
    if (y != yOriginal) {
      memref::CopyOp::create(b, loc, y, yOriginal);
      memref::DeallocOp::create(b, loc, y);
    }
    if (w != op.getInputs()[1])
      memref::DeallocOp::create(b, loc, w);
    op->erase();
    kiln::eraseAbsorbed(bias, padding);
  }

  void runOnOperation() override {
    if (failed(kiln::lowerConfiguredOps<linalg::Conv2DNchwFchwOp>(
            getOperation(), kiln::codegen::Strategy::conv_ukernel,
            "a linalg.conv_2d_nchw_fchw", "kiln_sconv2d_", /*numArgs=*/27,
            [&](linalg::Conv2DNchwFchwOp op, func::FuncOp kernel) {
              lower(op, kernel);
            })))
      return signalPassFailure();
  }
};

} // namespace
