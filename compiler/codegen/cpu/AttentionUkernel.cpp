//===- AttentionUkernel.cpp - kiln.attention as a fused kernel call -------===//
//
// kiln.attention on buffers becomes one call to kiln_attention_<isa> of the
// support library (kiln_attention_impl.h): per block of query rows the
// scores, the mask, an online softmax and the product with the values in
// registers and L1-sized scratch. The decomposed form ran five kernels a
// layer (QK^T, the mask, softmax, P.V and the heads' transposes) through
// two Sq x Skv tensors.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cpu/Passes.h"
#include "compiler/codegen/cpu/UkernelCall.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace kiln {
#define GEN_PASS_DEF_ATTENTIONUKERNEL
#include "compiler/codegen/cpu/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using kiln::codegen::AttentionOp;

namespace {

/// The kernel's arguments: 6 sizes, q/k/v as an address and 3 strides
/// (k and v with their head groups), the mask as an address, 4 strides,
/// kind, fill and scale, y likewise.
constexpr unsigned kNumArgs = 6 + 3 * 4 + 2 + 8 + 4;

/// The index holding the bits of the f32 `value`.
Value floatBits(OpBuilder &b, Location loc, float value) {
  return arith::ConstantIndexOp::create(
      b, loc, llvm::APFloat(value).bitcastToAPInt().getZExtValue());
}

struct AttentionUkernelPass
    : kiln::impl::AttentionUkernelBase<AttentionUkernelPass> {
  void lower(AttentionOp op, func::FuncOp kernel) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    kiln::UkernelArgs args(b, loc);
    Value zero = args.index(0);
    SmallVector<Value> copies;
    // An operand whose feature dim is not contiguous goes through a copy.
    auto prepare = [&](Value buffer, bool read) {
      if (kiln::innerDimsContiguous(buffer, 1))
        return buffer;
      copies.push_back(kiln::allocIdentityCopy(b, loc, buffer, read));
      return copies.back();
    };
    Value q = prepare(op.getQuery(), true), k = prepare(op.getKey(), true),
          v = prepare(op.getValue(), true);
    Value y = prepare(op.getOutput(), false);
    ArrayRef<int64_t> qDims = op.getQueryDims(), kDims = op.getKeyDims(),
                      vDims = op.getValueDims(), yDims = op.getResultDims();
    // Sizes: batch and heads of the result (their broadcast), rows of the
    // queries, keys and features. Shapes that disagree at run time (an
    // invalid model input) read in bounds, as the elementwise lowering's
    // clamped broadcasts do: the fewer keys of K and V, the fewer features
    // of Q and K, and below a dim that is not the result's read as if it
    // broadcast.
    auto minimum = [&](Value x, Value y) -> Value {
      return arith::MinSIOp::create(b, loc, x, y);
    };
    Value batch = args.dim(y, yDims[0]), heads = args.dim(y, yDims[1]),
          rows = args.dim(q, qDims[2]),
          keys = minimum(args.dim(k, kDims[2]), args.dim(v, vDims[2]));
    args.values = {batch, heads, rows, keys,
                   minimum(args.dim(q, qDims[3]), args.dim(k, kDims[3])),
                   args.dim(v, vDims[3])};
    // Stride 0 where a dim is not the full size: 1, broadcast.
    auto broadcastStride = [&](Value buffer, int64_t d, Value full,
                               Value stride) {
      Value same = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                         args.dim(buffer, d), full);
      return arith::SelectOp::create(b, loc, same, stride, zero).getResult();
    };
    Value full[4] = {batch, heads, rows, keys};
    // Query heads per key or value head (grouped-query attention): heads /
    // its heads where they divide, else all heads read its first.
    auto group = [&](Value buffer, int64_t d) -> Value {
      Value own = arith::MaxSIOp::create(b, loc, args.dim(buffer, d),
                                         args.index(1));
      Value rem = arith::RemUIOp::create(b, loc, heads, own);
      Value divides = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                            rem, zero);
      return arith::SelectOp::create(
          b, loc, divides, arith::DivUIOp::create(b, loc, heads, own), heads);
    };
    enum class Role { Query, KeyValue, Result };
    auto append = [&](Value buffer, ArrayRef<int64_t> dims, Role role) {
      kiln::BufferArg arg = kiln::getBufferArg(b, loc, buffer);
      args.values.push_back(arg.address);
      for (int logical = 0; logical < 3; ++logical) {
        Value stride = arg.strides[dims[logical]];
        bool broadcast = (role == Role::Query && logical < 2) ||
                         (role == Role::KeyValue && logical == 0);
        args.values.push_back(broadcast ? broadcastStride(buffer, dims[logical],
                                                          full[logical], stride)
                                        : stride);
      }
      if (role == Role::KeyValue)
        args.values.push_back(group(buffer, dims[1]));
    };
    append(q, qDims, Role::Query);
    append(k, kDims, Role::KeyValue);
    append(v, vDims, Role::KeyValue);
    int64_t kind = 0;
    if (Value mask = op.getMask()) {
      auto type = cast<MemRefType>(mask.getType());
      kind = type.getElementType().isInteger(1) ? 2 : 1;
      // The kernel's flag for rows the mask removes entirely: 0, not NaN.
      if (op.getZeroMaskedRows())
        kind |= 4;
      kiln::BufferArg arg = kiln::getBufferArg(b, loc, mask);
      args.values.push_back(arg.address);
      // Right-aligned to (batch, head, query, key).
      int64_t missing = 4 - type.getRank();
      for (int64_t logical = 0; logical < 4; ++logical)
        args.values.push_back(
            logical < missing
                ? zero
                : broadcastStride(mask, logical - missing, full[logical],
                                  arg.strides[logical - missing]));
    } else {
      args.values.append(5, zero);
    }
    args.values.push_back(args.index(kind));
    args.values.push_back(
        floatBits(b, loc, op.getMaskFill() ? op.getMaskFill()->convertToFloat()
                                           : 0.0f));
    args.values.push_back(floatBits(b, loc, op.getScale().convertToFloat()));
    append(y, yDims, Role::Result);
    func::CallOp::create(b, loc, kernel, args.values);
    if (y != op.getOutput())
      memref::CopyOp::create(b, loc, y, op.getOutput());
    for (Value copy : copies)
      memref::DeallocOp::create(b, loc, copy);
    op->erase();
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<AttentionOp> ops;
    module.walk([&](AttentionOp op) { ops.push_back(op); });
    if (ops.empty())
      return;
    kiln::codegen::TargetAttr target = kiln::codegen::getTarget(module);
    if (!target) {
      ops.front().emitOpError("needs the module's kiln.target to choose its "
                              "kernel");
      return signalPassFailure();
    }
    for (AttentionOp op : ops)
      if (!op.getOutput()) {
        op.emitOpError("must be bufferized before kiln-attention-ukernel");
        return signalPassFailure();
      }
    func::FuncOp kernel = kiln::declareUkernel(
        module,
        ("kiln_attention_" + kiln::codegen::isaSuffix(target.getIsa())).str(),
        kNumArgs);
    for (AttentionOp op : ops)
      lower(op, kernel);
  }
};

} // namespace
