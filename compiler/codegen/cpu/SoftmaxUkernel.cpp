//===- SoftmaxUkernel.cpp - f32 softmax along rows as kernel calls --------===//
//
// linalg.softmax along the last dim of f32 buffers becomes one call to
// kiln_softmax_<isa> of the support library: per row a max pass, an
// exp-and-sum pass that stores the exponentials and a scaling pass, in
// vector registers with a polynomial exp. Its decomposition into generics
// computed exp twice per element, divided every element and reduced each
// short row through a long horizontal NaN-checking max: 1.7x ORT's time on
// attention-sized rows.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cpu/Passes.h"
#include "compiler/codegen/cpu/UkernelCall.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace kiln {
#define GEN_PASS_DEF_SOFTMAXUKERNEL
#include "compiler/codegen/cpu/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The kernel takes up to three leading dims besides the row.
constexpr int64_t kMaxRank = 4;

/// `v` with its leading dims collapsed so that at most kMaxRank remain;
/// through an identity-layout buffer when its layout cannot be collapsed
/// (holding v's values when `read`: an input). `copied` is set to that
/// buffer, which the caller frees (and, for an output, copies back).
Value collapseLeading(OpBuilder &b, Location loc, Value v, bool read,
                      Value &copied) {
  auto type = cast<MemRefType>(v.getType());
  int64_t rank = type.getRank();
  if (rank <= kMaxRank)
    return v;
  SmallVector<ReassociationIndices> groups(1);
  for (int64_t d = 0; d <= rank - kMaxRank; ++d)
    groups[0].push_back(d);
  for (int64_t d = rank - kMaxRank + 1; d < rank; ++d)
    groups.push_back({d});
  if (!memref::CollapseShapeOp::isGuaranteedCollapsible(type, groups)) {
    copied = kiln::allocIdentityCopy(b, loc, v, /*copyIn=*/read);
    v = copied;
  }
  return memref::CollapseShapeOp::create(b, loc, v, groups);
}

struct SoftmaxUkernelPass
    : kiln::impl::SoftmaxUkernelBase<SoftmaxUkernelPass> {
  using Base::Base;

  void lower(linalg::SoftmaxOp op, func::FuncOp kernel) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value xCopy, yCopy;
    Value x = collapseLeading(b, loc, op.getInput(), /*read=*/true, xCopy);
    Value y = collapseLeading(b, loc, op.getOutput(), /*read=*/false, yCopy);
    int64_t rank = cast<MemRefType>(x.getType()).getRank();
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    kiln::BufferArg xa = kiln::getBufferArg(b, loc, x);
    kiln::BufferArg ya = kiln::getBufferArg(b, loc, y);
    // d0, d1, d2 (leading dims, 1 where missing) and n, then x and y with
    // a stride per dim (0 for the missing ones).
    int64_t missing = kMaxRank - rank;
    SmallVector<Value> args;
    for (int64_t d = 0; d < kMaxRank; ++d)
      args.push_back(d < missing ? one
                                 : Value(memref::DimOp::create(
                                       b, loc, x, d - missing)));
    for (kiln::BufferArg *arg : {&xa, &ya}) {
      args.push_back(arg->address);
      for (int64_t d = 0; d < kMaxRank; ++d)
        args.push_back(d < missing ? zero : arg->strides[d - missing]);
    }
    func::CallOp::create(b, loc, kernel, args);
    if (yCopy) {
      memref::CopyOp::create(b, loc, yCopy, op.getOutput());
      memref::DeallocOp::create(b, loc, yCopy);
    }
    if (xCopy)
      memref::DeallocOp::create(b, loc, xCopy);
    op->erase();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto ops = kiln::collectConfiguredOps<linalg::SoftmaxOp>(
        module, kiln::codegen::Strategy::softmax_ukernel,
        "a linalg.softmax");
    if (failed(ops))
      return signalPassFailure();
    for (auto [op, isa] : *ops) {
      auto softmax = cast<linalg::SoftmaxOp>(op);
      int64_t rank = softmax.getInputOperandType().getRank();
      if (rank == 0 || (int64_t)softmax.getDimension() != rank - 1) {
        softmax.emitOpError("has the softmax_ukernel strategy but does not "
                            "reduce its last dim");
        return signalPassFailure();
      }
    }
    for (auto [op, isa] : *ops)
      lower(cast<linalg::SoftmaxOp>(op),
            kiln::declareUkernel(
                module,
                ("kiln_softmax_" + kiln::codegen::isaSuffix(isa)).str(),
                /*numArgs=*/14));
  }
};

} // namespace
