//===- ProtectInputs.cpp - Keep the caller's inputs unmodified ------------===//

#include "compiler/codegen/common/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace kiln {
#define GEN_PASS_DEF_PROTECTINPUTS
#include "compiler/codegen/common/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct ProtectInputsPass : kiln::impl::ProtectInputsBase<ProtectInputsPass> {
  void runOnOperation() override {
    BoolAttr readOnly = BoolAttr::get(&getContext(), false);
    getOperation().walk([&](func::FuncOp f) {
      if (f.isPrivate() || f.isExternal())
        return;
      for (unsigned i = 0; i < f.getNumArguments(); ++i)
        if (isa<TensorType>(f.getArgument(i).getType()))
          f.setArgAttr(i,
                       bufferization::BufferizationDialect::kWritableAttrName,
                       readOnly);
    });
  }
};
} // namespace
