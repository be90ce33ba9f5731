//===- DepthwiseUkernel.cpp - f32 depthwise convolutions as kernel calls --===//
//
// linalg.depthwise_conv_2d_nchw_chw on f32 buffers becomes one call to
// kiln_dwconv2d_<isa> of the support library, which computes each
// (image, channel) plane with vector rows of the output in registers and
// runs the planes on the session's thread pool. Without it the op lowers to
// scalar loops: a depthwise convolution has no reduction over channels for
// tiling to vectorize. The kernel also takes over the zero padding of the
// input (it skips taps outside the unpadded input) and a bias the output
// starts from, so neither a padded copy nor a broadcast pass is made.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/AbsorbedOperands.h"
#include "compiler/codegen/cpu/Passes.h"
#include "compiler/codegen/cpu/UkernelCall.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace kiln {
#define GEN_PASS_DEF_DEPTHWISEUKERNEL
#include "compiler/codegen/cpu/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct DepthwiseUkernelPass
    : kiln::impl::DepthwiseUkernelBase<DepthwiseUkernelPass> {
  using Base::Base;

  void lower(linalg::DepthwiseConv2DNchwChwOp op, func::FuncOp kernel) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value x = op.getInputs()[0], w = op.getInputs()[1];
    Value y = op.getOutputs()[0];
    kiln::UkernelArgs call(b, loc);
    std::optional<kiln::AbsorbedPadding> padding =
        kiln::matchZeroPaddedInput(op, x, /*firstSpatialDim=*/2);
    // The output starts from the bias or from zero without being read.
    std::optional<kiln::AbsorbedBias> bias =
        kiln::matchStart(op, y, /*channelDims=*/{1});
    Value source = padding ? padding->source : x;
    SmallVector<int64_t> strides(op.getStrides().getValues<int64_t>());
    SmallVector<int64_t> dilations(op.getDilations().getValues<int64_t>());
    // N, C, H, W, OH, OW, KH, KW, sh, sw, dh, dw, padT, padL, then x, w,
    // bias (or 0 and 0) and y, each an address and element strides.
    call.values = {call.dim(source, 0),
                   call.dim(source, 1),
                   call.dim(source, 2),
                   call.dim(source, 3),
                   call.dim(y, 2),
                   call.dim(y, 3),
                   call.dim(w, 1),
                   call.dim(w, 2),
                   call.index(strides[0]),
                   call.index(strides[1]),
                   call.index(dilations[0]),
                   call.index(dilations[1]),
                   call.index(padding ? padding->low[0] : 0),
                   call.index(padding ? padding->low[1] : 0)};
    call.appendBuffer(source);
    call.appendBuffer(w);
    kiln::BufferArg biasArg = kiln::getBiasArg(b, loc, bias, /*rank=*/1);
    call.values.append({biasArg.address, biasArg.strides[0]});
    call.appendBuffer(y);
    std::optional<kiln::AbsorbedEpilogue> epilogue =
        kiln::matchEpilogue(op, y);
    kiln::appendEpilogueArgs(b, loc, epilogue, call.values);
    func::CallOp::create(b, loc, kernel, call.values);
    op->erase();
    kiln::eraseAbsorbed(bias, padding);
    kiln::eraseAbsorbed(epilogue);
  }

  void runOnOperation() override {
    if (failed(kiln::lowerConfiguredOps<linalg::DepthwiseConv2DNchwChwOp>(
            getOperation(), kiln::codegen::Strategy::depthwise_ukernel,
            "a linalg.depthwise_conv_2d_nchw_chw", "kiln_dwconv2d_",
            /*numArgs=*/34, [&](Operation *op, func::FuncOp kernel) {
              lower(cast<linalg::DepthwiseConv2DNchwChwOp>(op), kernel);
            })))
      return signalPassFailure();
  }
};

} // namespace
