//===- GpuDeviceChecks.cpp - Run-time checks that fail from a kernel ------===//
//
// The conversion's run-time checks (Gather, ScatterND indices, ...) call
// kiln_check_failed on the host. In a loop that becomes a kernel the call
// turns into a store of its message into a failure word, which the host
// reads after the loop: the run then fails with the same message as on the
// CPU, one launch later than the bad index.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cuda/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace kiln {
#define GEN_PASS_DEF_GPUDEVICECHECKS
#include "compiler/codegen/cuda/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kCheckFailed = "kiln_check_failed";

bool isCheckFailed(func::CallOp call) {
  return call.getCallee() == kCheckFailed && call.getNumOperands() == 1 &&
         call.getOperand(0).getType().isInteger(64);
}

/// The host-level parallel loops (outside other parallel loops) that make
/// run-time checks.
SmallVector<scf::ParallelOp> checkingLoops(func::FuncOp func) {
  SmallVector<scf::ParallelOp> loops;
  func.walk<WalkOrder::PreOrder>([&](scf::ParallelOp loop) {
    bool checks = loop->walk([](func::CallOp call) {
                        return isCheckFailed(call) ? WalkResult::interrupt()
                                                   : WalkResult::advance();
                      })
                      .wasInterrupted();
    if (checks)
      loops.push_back(loop);
    return WalkResult::skip();
  });
  return loops;
}

struct GpuDeviceChecksPass
    : kiln::impl::GpuDeviceChecksBase<GpuDeviceChecksPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<scf::ParallelOp> loops = checkingLoops(func);
    if (loops.empty())
      return;
    Location loc = func.getLoc();
    OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
    auto wordType = MemRefType::get({}, b.getI64Type());
    Value word = memref::AllocOp::create(b, loc, wordType);
    Value zero = arith::ConstantIntOp::create(b, loc, 0, 64);
    memref::StoreOp::create(b, loc, zero, word, ValueRange());

    for (scf::ParallelOp loop : loops) {
      SmallVector<func::CallOp> calls;
      loop->walk([&](func::CallOp call) {
        if (isCheckFailed(call))
          calls.push_back(call);
      });
      for (func::CallOp call : calls) {
        OpBuilder at(call);
        memref::StoreOp::create(at, call.getLoc(), call.getOperand(0), word,
                                ValueRange());
        call.erase();
      }
      // After the loop, on the host: the run fails with the message.
      b.setInsertionPointAfter(loop);
      Value message =
          memref::LoadOp::create(b, loop.getLoc(), word, ValueRange());
      Value failed = arith::CmpIOp::create(
          b, loop.getLoc(), arith::CmpIPredicate::ne, message,
          arith::ConstantIntOp::create(b, loop.getLoc(), 0, 64));
      auto ifFailed = scf::IfOp::create(b, loop.getLoc(), failed, false);
      b.setInsertionPointToStart(ifFailed.thenBlock());
      func::CallOp::create(b, loop.getLoc(), kCheckFailed, TypeRange(),
                           message);
    }
    func.walk([&](func::ReturnOp ret) {
      OpBuilder at(ret);
      memref::DeallocOp::create(at, ret.getLoc(), word);
    });
  }
};

} // namespace
