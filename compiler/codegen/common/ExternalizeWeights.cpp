//===- ExternalizeWeights.cpp - One blob for all weights ------------------===//

#include "compiler/codegen/common/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_EXTERNALIZEWEIGHTS
#include "compiler/codegen/common/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct ExternalizeWeightsPass
    : kiln::impl::ExternalizeWeightsBase<ExternalizeWeightsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    OpBuilder b(module.getContext());

    llvm::StringMap<int64_t> offsets;
    SmallVector<Attribute> entries;
    SmallVector<memref::GlobalOp> weights;
    int64_t total = 0;
    for (auto global : module.getOps<memref::GlobalOp>()) {
      auto init = dyn_cast_or_null<DenseResourceElementsAttr>(
          global.getInitialValueAttr());
      if (!init || !global.getType().getLayout().isIdentity())
        continue;
      auto blob = init.getRawHandle().getBlob();
      if (!blob)
        continue;
      total = llvm::alignTo(total, 64);
      offsets[global.getSymName()] = total;
      entries.push_back(b.getArrayAttr({b.getI64IntegerAttr(total), init}));
      total += blob->getData().size();
      weights.push_back(global);
    }
    if (weights.empty())
      return;

    auto blobType = MemRefType::get({total}, b.getI8Type());
    b.setInsertionPointToStart(module.getBody());
    memref::GlobalOp::create(b, module.getLoc(), kiln::kWeightsSymbol,
                             b.getStringAttr("public"), blobType,
                             /*initial_value=*/Attribute(), /*constant=*/false,
                             /*alignment=*/b.getI64IntegerAttr(64));

    module.walk([&](memref::GetGlobalOp get) {
      auto it = offsets.find(get.getName());
      if (it == offsets.end())
        return;
      b.setInsertionPoint(get);
      Location loc = get.getLoc();
      Value base = memref::GetGlobalOp::create(b, loc, blobType,
                                               kiln::kWeightsSymbol);
      Value offset = arith::ConstantIndexOp::create(b, loc, it->second);
      Value view = memref::ViewOp::create(b, loc, get.getType(), base, offset,
                                          ValueRange{});
      get.replaceAllUsesWith(view);
      get.erase();
    });
    for (auto global : weights)
      global.erase();
    module->setAttr(kiln::kWeightsAttr, b.getArrayAttr(entries));
  }
};
} // namespace
