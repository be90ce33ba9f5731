//===- InstrumentKernels.cpp - Profiling calls around every kernel --------===//
//
// Profiling in two steps, because neither end of the pipeline alone sees a
// kernel whole:
//
// - kiln-instrument-kernels, on linalg on tensors, brackets each top-level
//   linalg op or loop of @main with kiln_kernel_begin/kiln_kernel_end calls.
//   There every kernel is still one op; later, tiling and vectorization turn
//   small kernels into straight-line vector code with no op to wrap.
// - kiln-name-kernels, after bufferization, numbers the brackets that still
//   hold code and names each after the ONNX nodes of everything inside it.
//   Fusion keeps only the consumer's location on a fused op, but the ops it
//   cloned from the producer keep theirs, so the walk over the bracket finds
//   every node a kernel covers.
//
// The artifact forwards the calls to the run context's profiling hooks.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/KilnCodegen.h"
#include "compiler/codegen/cpu/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"

namespace kiln {
#define GEN_PASS_DEF_INSTRUMENTKERNELS
#define GEN_PASS_DEF_NAMEKERNELS
#include "compiler/codegen/cpu/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

using kiln::codegen::kKernelBeginSymbol;
using kiln::codegen::kKernelEndSymbol;
/// Module attributes: the name of each kernel, and the op doing its work.
constexpr const char *kKernelsAttr = "kiln.kernels";
constexpr const char *kKernelOpsAttr = "kiln.kernel_ops";
/// On a begin call: the op the bracket was made for, which names the
/// kernel's kind better than the vector code it may have become.
constexpr const char *kKernelOpAttr = "kiln.kernel_op";

/// Work at the top level of main. An scf.if (an ONNX If) is one too: its
/// branches' ops are not at the top level.
bool isKernel(Operation &op) {
  return isa<linalg::LinalgOp, linalg::SoftmaxOp, kiln::codegen::AttentionOp,
             scf::ForOp, scf::ParallelOp, scf::ForallOp, scf::WhileOp,
             scf::IfOp>(op);
}

void declare(OpBuilder &b, ModuleOp module, StringRef name) {
  if (module.lookupSymbol<func::FuncOp>(name))
    return;
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto decl =
      func::FuncOp::create(b, module.getLoc(), name,
                           b.getFunctionType({b.getI32Type()}, TypeRange{}));
  decl.setPrivate();
}

func::CallOp asHookCall(Operation &op, StringRef symbol) {
  auto call = dyn_cast<func::CallOp>(op);
  if (call && call.getCallee() == symbol && call.getNumOperands() == 1)
    return call;
  return nullptr;
}

struct InstrumentKernelsPass
    : kiln::impl::InstrumentKernelsBase<InstrumentKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main || main.isDeclaration())
      return;
    SmallVector<Operation *> kernels;
    for (Block &block : main.getBody())
      for (Operation &op : block)
        if (isKernel(op))
          kernels.push_back(&op);
    if (kernels.empty())
      return;

    OpBuilder b(module.getContext());
    declare(b, module, kKernelBeginSymbol);
    declare(b, module, kKernelEndSymbol);
    // Provisional ids; kiln-name-kernels renumbers the brackets it keeps.
    for (auto [id, op] : llvm::enumerate(kernels)) {
      Location loc = op->getLoc();
      b.setInsertionPoint(op);
      Value idValue = arith::ConstantIntOp::create(b, loc, id, 32);
      auto begin = func::CallOp::create(b, loc, kKernelBeginSymbol, TypeRange{},
                                        ValueRange{idValue});
      begin->setAttr(kKernelOpAttr,
                     b.getStringAttr(op->getName().getStringRef()));
      b.setInsertionPointAfter(op);
      func::CallOp::create(b, loc, kKernelEndSymbol, TypeRange{},
                           ValueRange{idValue});
    }
  }
};

/// Ops that are not work of their own: their locations may name other
/// nodes (a constant shared by several) and they do not name a kernel.
bool isBookkeeping(Operation &op) {
  return matchPattern(&op, m_Constant()) ||
         isa<memref::AllocOp, memref::AllocaOp, memref::DeallocOp,
             memref::GetGlobalOp>(op) ||
         isa<ViewLikeOpInterface>(op);
}

/// What one bracket [begin, end] holds.
struct Kernel {
  func::CallOp begin, end;
  std::string name;
  std::string opName;
};

/// Names the kernel from the ops strictly between its calls; false when
/// there is nothing there but bookkeeping.
bool describe(Kernel &k) {
  llvm::SetVector<StringRef> names;
  Operation *first = nullptr;
  for (Operation *op = k.begin->getNextNode(); op != k.end.getOperation();
       op = op->getNextNode()) {
    if (isBookkeeping(*op))
      continue;
    if (!first)
      first = op;
    op->walk([&](Operation *nested) {
      if (isBookkeeping(*nested))
        return;
      nested->getLoc()->walk([&](Location loc) {
        if (auto name = dyn_cast<NameLoc>(loc))
          names.insert(name.getName().getValue());
        return WalkResult::advance();
      });
    });
  }
  if (!first)
    return false;
  auto kind = k.begin->getAttrOfType<StringAttr>(kKernelOpAttr);
  k.opName = kind ? kind.str() : first->getName().getStringRef().str();
  k.name = names.empty() ? k.opName : llvm::join(names.getArrayRef(), "+");
  return true;
}

struct NameKernelsPass : kiln::impl::NameKernelsBase<NameKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto main = module.lookupSymbol<func::FuncOp>("main");
    if (!main || main.isDeclaration())
      return;
    SmallVector<Kernel> kept;
    SmallVector<Operation *> dead;
    for (Block &block : main.getBody()) {
      func::CallOp open;
      for (Operation &op : block) {
        if (func::CallOp begin = asHookCall(op, kKernelBeginSymbol)) {
          // A begin without its end (not expected) is dropped.
          if (open)
            dead.push_back(open);
          open = begin;
          continue;
        }
        func::CallOp end = asHookCall(op, kKernelEndSymbol);
        if (!end)
          continue;
        if (!open || open.getOperand(0) != end.getOperand(0)) {
          dead.push_back(end);
          continue;
        }
        Kernel k{open, end, "", ""};
        open = nullptr;
        if (describe(k)) {
          kept.push_back(k);
        } else {
          dead.push_back(k.begin);
          dead.push_back(k.end);
        }
      }
      if (open)
        dead.push_back(open);
    }
    for (Operation *op : dead)
      op->erase();

    OpBuilder b(module.getContext());
    SmallVector<Attribute> names, ops;
    for (auto [id, k] : llvm::enumerate(kept)) {
      b.setInsertionPoint(k.begin);
      Value idValue = arith::ConstantIntOp::create(b, k.begin.getLoc(), id, 32);
      k.begin->setOperand(0, idValue);
      k.end->setOperand(0, idValue);
      names.push_back(b.getStringAttr(k.name));
      ops.push_back(b.getStringAttr(k.opName));
    }
    if (kept.empty())
      return;
    module->setAttr(kKernelsAttr, b.getArrayAttr(names));
    module->setAttr(kKernelOpsAttr, b.getArrayAttr(ops));
  }
};

} // namespace
