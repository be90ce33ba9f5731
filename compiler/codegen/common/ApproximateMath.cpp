//===- ApproximateMath.cpp - Transcendentals without libm calls -----------===//
//
// A scalar libm call in a loop body keeps LLVM from vectorizing the loop:
// a softmax or a sigmoid then costs one expf call per element. MLIR has
// polynomial approximations for the common functions but exposes them only
// as patterns; this pass applies them to the selected ops alone (and to
// what their rewrites create), not greedily to the whole module.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"

namespace kiln {
#define GEN_PASS_DEF_APPROXIMATEMATH
#include "compiler/codegen/common/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// What MLIR 22 can approximate, and what the pass does by default: the
/// functions of activations and normalizations. sin, cos and atan have
/// approximations too, but appear in position encodings, not hot loops,
/// where libm's accuracy is worth more.
constexpr llvm::StringLiteral kApproximable[] = {
    "exp", "expm1", "log",   "log1p", "log2", "tanh",
    "erf", "atan",  "atan2", "sin",   "cos"};
constexpr llvm::StringLiteral kDefault[] = {"exp",  "expm1", "log", "log1p",
                                            "log2", "tanh",  "erf"};

struct ApproximateMathPass
    : kiln::impl::ApproximateMathBase<ApproximateMathPass> {
  using Base::Base;

  void runOnOperation() override {
    llvm::StringSet<> selected;
    if (ops.empty()) {
      for (llvm::StringLiteral name : kDefault)
        selected.insert(name);
    }
    for (const std::string &name : ops) {
      if (!llvm::is_contained(kApproximable, name)) {
        getOperation().emitError()
            << "kiln-approximate-math: no approximation for '" << name
            << "' (expected one of "
            << llvm::join(std::begin(kApproximable), std::end(kApproximable),
                          ", ")
            << ")";
        return signalPassFailure();
      }
      selected.insert(name);
    }
    auto isSelected = [&](StringRef name) {
      name.consume_front("math.");
      return selected.contains(name);
    };
    SmallVector<Operation *> targets;
    getOperation()->walk([&](Operation *op) {
      if (isa<math::MathDialect>(op->getDialect()) &&
          isSelected(op->getName().getStringRef()))
        targets.push_back(op);
    });
    if (targets.empty())
      return;
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, isSelected);
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    config.enableFolding(false);
    if (failed(applyOpPatternsGreedily(targets, std::move(patterns), config)))
      return signalPassFailure();
  }
};

} // namespace
