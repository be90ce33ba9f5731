//===- ConvUkernel.cpp - f32 2-D convolutions as implicit-GEMM calls ------===//
//
// linalg.conv_2d_nchw_fchw on f32 buffers becomes one call to
// kiln_sconv2d_<isa> of the support library: the packed GEMM with the
// weights as A and the input read as im2col columns while B is packed, so
// no column buffer is written and read back. The input may have any strided
// layout (a slice of a larger tensor); the kernel needs the weights
// contiguous over (c, kh, kw) and the output over (oh, ow), which buffers
// with identity layouts are. Others (an output written in place into a
// slice of a concatenation) go through a contiguous copy.
//
//===----------------------------------------------------------------------===//

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

bool isF32Buffer(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.getElementType().isF32();
}

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
    Value w = contiguousBuffer(b, loc, op.getInputs()[1], 3);
    Value yOriginal = op.getOutputs()[0];
    Value y = contiguousBuffer(b, loc, yOriginal, 2);
    auto dim = [&](Value v, int64_t d) -> Value {
      return memref::DimOp::create(b, loc, v, d);
    };
    auto index = [&](int64_t v) -> Value {
      return arith::ConstantIndexOp::create(b, loc, v);
    };
    SmallVector<int64_t> strides(op.getStrides().getValues<int64_t>());
    SmallVector<int64_t> dilations(op.getDilations().getValues<int64_t>());
    kiln::BufferArg xa = kiln::getBufferArg(b, loc, x);
    kiln::BufferArg wa = kiln::getBufferArg(b, loc, w);
    kiln::BufferArg ya = kiln::getBufferArg(b, loc, y);
    // N, F, C, OH, OW, KH, KW, sh, sw, dh, dw, x and its strides (n, c, h,
    // w), w and its f stride, y and its n and f strides.
    SmallVector<Value> args = {dim(x, 0),          dim(w, 0),
                               dim(w, 1),          dim(y, 2),
                               dim(y, 3),          dim(w, 2),
                               dim(w, 3),          index(strides[0]),
                               index(strides[1]),  index(dilations[0]),
                               index(dilations[1]), xa.address};
    args.append(xa.strides.begin(), xa.strides.end());
    args.append({wa.address, wa.strides[0], ya.address, ya.strides[0],
                 ya.strides[1]});
    func::CallOp::create(b, loc, kernel, args);
    if (y != yOriginal) {
      memref::CopyOp::create(b, loc, y, yOriginal);
      memref::DeallocOp::create(b, loc, y);
    }
    if (w != op.getInputs()[1])
      memref::DeallocOp::create(b, loc, w);
    op->erase();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (failed(kiln::verifyUkernelIsa(module, "kiln-conv-ukernel", isa)))
      return signalPassFailure();
    SmallVector<linalg::Conv2DNchwFchwOp> convs;
    module.walk([&](linalg::Conv2DNchwFchwOp op) {
      if (op.hasPureBufferSemantics() &&
          llvm::all_of(op->getOperands(), isF32Buffer))
        convs.push_back(op);
    });
    if (convs.empty())
      return;
    func::FuncOp kernel =
        kiln::declareUkernel(module, "kiln_sconv2d_" + isa, /*numArgs=*/21);
    for (linalg::Conv2DNchwFchwOp op : convs)
      lower(op, kernel);
  }
};

} // namespace
