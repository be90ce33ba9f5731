//===- FuseGelu.cpp - Exporters' GELU subgraphs into onnx.Gelu ------------===//
//
// EXTENDED level. PyTorch and TensorFlow export GELU (before opset 20) as
// five to nine elementwise nodes; as one onnx.Gelu it is one loop with one
// read and one write per element, and the lowering uses the same formula.
//
//   erf form:  x * 0.5 * (1 + erf(x / sqrt(2)))             -> approximate=none
//   tanh form: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
//                                                           -> approximate=tanh
//
// The root is the last Mul; its three factors (x, 0.5 and the 1 + f(.) term)
// may come in any order and association. Every value inside the pattern
// except x must have no other user, or fusing would compute it twice.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/GraphUtils.h"
#include "compiler/transforms/Passes.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace kiln {
#define GEN_PASS_DEF_ONNXFUSEGELUPASS
#include "compiler/transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

/// Calls `match(lhs, rhs)` with a binary op's operands in both orders.
bool eitherOrder(Operation *op, llvm::function_ref<bool(Value, Value)> match) {
  return op && op->getNumOperands() == 2 &&
         (match(op->getOperand(0), op->getOperand(1)) ||
          match(op->getOperand(1), op->getOperand(0)));
}

/// The factors of a product tree rooted at `v`, looking through single-use
/// Muls only (so nothing outside the pattern loses a value).
void collectFactors(Value v, bool isRoot, SmallVectorImpl<Value> &factors) {
  auto mul =
      isRoot ? v.getDefiningOp<OnnxMulOp>() : getSingleUseDef<OnnxMulOp>(v);
  if (!mul || factors.size() > 3) {
    factors.push_back(v);
    return;
  }
  collectFactors(mul.getA(), false, factors);
  collectFactors(mul.getB(), false, factors);
}

struct FuseGelu : OpRewritePattern<OnnxMulOp> {
  FuseGelu(MLIRContext *ctx, bool tanhForm, double tol)
      : OpRewritePattern(ctx), tanhForm(tanhForm), tol(tol) {}

  /// True when `v` is a splat constant close to `expected`.
  bool isConst(Value v, double expected) const {
    return isSplatFloat(v, expected, tol);
  }

  /// Matches `1 + f(arg)` (either order) with f the op UnaryTy; returns arg.
  template <typename UnaryTy> Value matchOnePlus(Value v) const {
    Value arg;
    auto add = getSingleUseDef<OnnxAddOp>(v);
    eitherOrder(add, [&](Value a, Value b) {
      auto f = getSingleUseDef<UnaryTy>(a);
      if (!f || !isConst(b, 1.0))
        return false;
      arg = f->getOperand(0);
      return true;
    });
    return arg;
  }

  /// x / sqrt(2) or x * (1 / sqrt(2)).
  bool isErfArgument(Value v, Value x) const {
    if (auto div = getSingleUseDef<OnnxDivOp>(v))
      return div.getA() == x && isConst(div.getB(), std::sqrt(2.0));
    return eitherOrder(getSingleUseDef<OnnxMulOp>(v), [&](Value a, Value b) {
      return a == x && isConst(b, 1.0 / std::sqrt(2.0));
    });
  }

  /// x^3 as Pow(x, 3), x * (x * x) or (x * x) * x.
  bool isCube(Value v, Value x) const {
    if (auto pow = getSingleUseDef<OnnxPowOp>(v))
      return pow.getX() == x && isConst(pow.getY(), 3.0);
    return eitherOrder(getSingleUseDef<OnnxMulOp>(v), [&](Value a, Value b) {
      auto square = getSingleUseDef<OnnxMulOp>(b);
      return a == x && square && square.getA() == x && square.getB() == x;
    });
  }

  /// sqrt(2/pi) * (x + 0.044715 * x^3), products and sum in any order.
  bool isTanhArgument(Value v, Value x) const {
    return eitherOrder(getSingleUseDef<OnnxMulOp>(v), [&](Value a, Value b) {
      if (!isConst(a, std::sqrt(2.0 / M_PI)))
        return false;
      return eitherOrder(getSingleUseDef<OnnxAddOp>(b), [&](Value s, Value t) {
        return s == x && eitherOrder(getSingleUseDef<OnnxMulOp>(t),
                                     [&](Value c, Value p) {
                                       return isConst(c, 0.044715) &&
                                              isCube(p, x);
                                     });
      });
    });
  }

  LogicalResult matchAndRewrite(OnnxMulOp root,
                                PatternRewriter &rewriter) const override {
    SmallVector<Value> factors;
    collectFactors(root.getC(), /*isRoot=*/true, factors);
    if (factors.size() != 3)
      return rewriter.notifyMatchFailure(root, "not a product of 3 factors");
    // Try every assignment of the factors to (0.5, x, 1 + f(.)).
    std::array<int, 3> order = {0, 1, 2};
    do {
      Value half = factors[order[0]], x = factors[order[1]],
            onePlus = factors[order[2]];
      if (!isConst(half, 0.5) || x.getType() != root.getC().getType())
        continue;
      StringRef approximate;
      if (Value arg = matchOnePlus<OnnxErfOp>(onePlus);
          arg && isErfArgument(arg, x))
        approximate = "none";
      else if (Value arg = matchOnePlus<OnnxTanhOp>(onePlus);
               tanhForm && arg && isTanhArgument(arg, x))
        approximate = "tanh";
      else
        continue;
      rewriter.replaceOpWithNewOp<OnnxGeluOp>(
          root, root.getC().getType(), x, rewriter.getStringAttr(approximate));
      return success();
    } while (std::next_permutation(order.begin(), order.end()));
    return rewriter.notifyMatchFailure(root, "not a GELU pattern");
  }

  bool tanhForm;
  double tol;
};

struct OnnxFuseGeluPass : kiln::impl::OnnxFuseGeluPassBase<OnnxFuseGeluPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseGelu>(&getContext(), tanhForm, tolerance);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
