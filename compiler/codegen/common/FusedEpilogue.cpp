//===- FusedEpilogue.cpp - The Add and activation a kernel takes over -----===//
//
// The activations are recognized in the form the ONNX lowering gives them
// (compiler/conversion/Elementwise.cpp), with commutative operands in
// either order: a body that computes the same thing another way is left as
// it is, which costs a pass over the output and nothing else.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/FusedEpilogue.h"
#include "compiler/codegen/common/AbsorbedOperands.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include <cmath>
#include <functional>
#include <limits>

using namespace mlir;

namespace kiln {
namespace {

/// Matches the scalar body of an epilogue generic against the activations
/// of kiln_epilogue.h. `pre` is the value the activation applies to: the
/// op's output element, or it plus the residual's.
class ActivationMatcher {
public:
  explicit ActivationMatcher(Value pre) : pre(pre) {}

  std::optional<AbsorbedEpilogue> match(Value v) {
    AbsorbedEpilogue e;
    auto with = [&](kiln_activation act, float alpha = 0, float beta = 0) {
      e.act = act;
      e.alpha = alpha;
      e.beta = beta;
      return e;
    };
    if (v == pre)
      return with(KILN_ACT_NONE);
    float lo, hi, alpha, beta;
    if (binary<arith::MaximumFOp>(v, isPre, constant(0.0f)))
      return with(KILN_ACT_RELU);
    if (binary<arith::MinimumFOp>(v, maxOfPre(lo), anyConstant(hi)))
      return with(KILN_ACT_CLIP, lo, hi);
    if (binary<arith::MaximumFOp>(v, isPre, anyConstant(lo)))
      return with(KILN_ACT_CLIP, lo, std::numeric_limits<float>::infinity());
    if (binary<arith::MinimumFOp>(v, isPre, anyConstant(hi)))
      return with(KILN_ACT_CLIP, -std::numeric_limits<float>::infinity(), hi);
    if (leakyRelu(v, alpha))
      return with(KILN_ACT_LEAKY_RELU, alpha);
    if (hardSigmoid(v, alpha, beta))
      return with(KILN_ACT_HARD_SIGMOID, alpha, beta);
    if (binary<arith::MulFOp>(v, isPre, [&](Value s) {
          return hardSigmoid(s, alpha, beta) && alpha == 1.0f / 6 &&
                 beta == 0.5f;
        }))
      return with(KILN_ACT_HARD_SWISH);
    if (sigmoid(v))
      return with(KILN_ACT_SIGMOID);
    if (binary<arith::MulFOp>(v, isPre, [&](Value s) { return sigmoid(s); }))
      return with(KILN_ACT_SILU);
    if (auto tanh = v.getDefiningOp<math::TanhOp>();
        tanh && tanh.getOperand() == pre)
      return with(KILN_ACT_TANH);
    if (gelu(v))
      return with(KILN_ACT_GELU);
    if (geluTanh(v))
      return with(KILN_ACT_GELU_TANH);
    return std::nullopt;
  }

private:
  using Pred = std::function<bool(Value)>;
  Value pre;
  Pred isPre = [this](Value v) { return v == pre; };

  /// `v` is OpTy(a, b) with its operands matching the predicates in either
  /// order.
  template <typename OpTy>
  static bool binary(Value v, const Pred &a, const Pred &b) {
    auto op = v.getDefiningOp<OpTy>();
    if (!op)
      return false;
    Value x = op->getOperand(0), y = op->getOperand(1);
    return (a(x) && b(y)) || (a(y) && b(x));
  }

  static Pred anyConstant(float &out) {
    return [&out](Value v) {
      FloatAttr attr;
      if (!matchPattern(v, m_Constant(&attr)))
        return false;
      out = static_cast<float>(attr.getValueAsDouble());
      return true;
    };
  }

  static Pred constant(float expected) {
    return [expected](Value v) {
      float value;
      return anyConstant(value)(v) && value == expected;
    };
  }

  Pred maxOfPre(float &lo) {
    return [this, &lo](Value v) {
      return binary<arith::MaximumFOp>(v, isPre, anyConstant(lo));
    };
  }

  /// select(pre < 0, pre * alpha, pre).
  bool leakyRelu(Value v, float &alpha) {
    auto select = v.getDefiningOp<arith::SelectOp>();
    if (!select || select.getFalseValue() != pre)
      return false;
    auto cmp = select.getCondition().getDefiningOp<arith::CmpFOp>();
    return cmp && cmp.getPredicate() == arith::CmpFPredicate::OLT &&
           cmp.getLhs() == pre && constant(0.0f)(cmp.getRhs()) &&
           binary<arith::MulFOp>(select.getTrueValue(), isPre,
                                 anyConstant(alpha));
  }

  /// max(0, min(1, pre * alpha + beta)).
  bool hardSigmoid(Value v, float &alpha, float &beta) {
    return binary<arith::MaximumFOp>(v, constant(0.0f), [&](Value m) {
      return binary<arith::MinimumFOp>(m, constant(1.0f), [&](Value a) {
        return binary<arith::AddFOp>(
            a,
            [&](Value p) {
              return binary<arith::MulFOp>(p, isPre, anyConstant(alpha));
            },
            anyConstant(beta));
      });
    });
  }

  /// 1 / (1 + exp(-pre)).
  bool sigmoid(Value v) {
    auto div = v.getDefiningOp<arith::DivFOp>();
    return div && constant(1.0f)(div.getLhs()) &&
           binary<arith::AddFOp>(div.getRhs(), constant(1.0f), [&](Value e) {
             auto exp = e.getDefiningOp<math::ExpOp>();
             auto neg = exp ? exp.getOperand().getDefiningOp<arith::NegFOp>()
                            : nullptr;
             return neg && neg.getOperand() == pre;
           });
  }

  /// (0.5 * pre) * (1 + erf(pre * 1/sqrt(2))).
  bool gelu(Value v) {
    Pred half = [&](Value h) {
      return binary<arith::MulFOp>(h, isPre, constant(0.5f));
    };
    Pred onePlusErf = [&](Value s) {
      return binary<arith::AddFOp>(s, constant(1.0f), [&](Value e) {
        auto erf = e.getDefiningOp<math::ErfOp>();
        return erf &&
               binary<arith::MulFOp>(erf.getOperand(), isPre,
                                     constant(static_cast<float>(
                                         1.0 / std::sqrt(2.0))));
      });
    };
    return binary<arith::MulFOp>(v, half, onePlusErf);
  }

  /// (0.5 * pre) * (1 + tanh(sqrt(2/pi) * (pre + 0.044715 * pre^3))), the
  /// tanh approximation as the ONNX lowering writes it (pre^3 as
  /// (pre * pre) * pre).
  bool geluTanh(Value v) {
    Pred half = [&](Value h) {
      return binary<arith::MulFOp>(h, isPre, constant(0.5f));
    };
    Pred cube = [&](Value c) {
      return binary<arith::MulFOp>(c, isPre, [&](Value sq) {
        auto mul = sq.getDefiningOp<arith::MulFOp>();
        return mul && mul.getLhs() == pre && mul.getRhs() == pre;
      });
    };
    Pred inner = [&](Value i) {
      return binary<arith::MulFOp>(
          i, constant(static_cast<float>(0.7978845608028654)), [&](Value s) {
            return binary<arith::AddFOp>(s, isPre, [&](Value t) {
              return binary<arith::MulFOp>(t, constant(0.044715f), cube);
            });
          });
    };
    Pred onePlusTanh = [&](Value s) {
      return binary<arith::AddFOp>(s, constant(1.0f), [&](Value t) {
        auto tanh = t.getDefiningOp<math::TanhOp>();
        return tanh && inner(tanh.getOperand());
      });
    };
    return binary<arith::MulFOp>(v, half, onePlusTanh);
  }
};

/// The buffer `view` reshapes (through collapse_shape and expand_shape, which
/// keep every element's offset, and casts), or `view` itself.
Value reshapeSource(Value view) {
  while (Operation *def = view.getDefiningOp()) {
    if (!isa<memref::CollapseShapeOp, memref::ExpandShapeOp, memref::CastOp>(
            def))
      break;
    view = def->getOperand(0);
  }
  return view;
}

/// Whether `root`, written by an op before `generic`, can stand for
/// `fresh`, the buffer `generic` writes: `fresh` is an allocation of the
/// same type that nothing touches before `generic`, and nothing but
/// deallocations touches `root` after it.
/// `fresh` may also have another shape when the generic writes it through
/// `view`, one collapse of it to root's type, and root is allocated before
/// it (the output then replaces it expanded back: see eraseAbsorbed).
bool canTakeOver(Value root, Value fresh, linalg::GenericOp generic,
                 Value view) {
  auto collapse = view.getDefiningOp<memref::CollapseShapeOp>();
  bool reshaped = fresh.getType() != root.getType();
  if ((reshaped && (!collapse || collapse.getSrc() != fresh ||
                    view.getType() != root.getType() ||
                    !DominanceInfo().properlyDominates(
                        root, fresh.getDefiningOp()))) ||
      !fresh.getDefiningOp<memref::AllocOp>() ||
      !root.getDefiningOp<memref::AllocOp>())
    return false;
  Block *block = generic->getBlock();
  // Reshapes of `fresh` made before the generic (the view it writes) touch
  // no memory: what matters is where the views are used.
  SmallVector<Value> freshViews = {fresh};
  for (size_t i = 0; i < freshViews.size(); ++i)
    for (Operation *user : freshViews[i].getUsers()) {
      if (isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(user)) {
        freshViews.push_back(user->getResult(0));
        continue;
      }
      Operation *ancestor = block->findAncestorOpInBlock(*user);
      if (!ancestor ||
          (ancestor != generic && ancestor->isBeforeInBlock(generic)))
        return false;
    }
  SmallVector<Value> views = {root};
  for (size_t i = 0; i < views.size(); ++i)
    for (Operation *user : views[i].getUsers()) {
      if (isa<memref::DeallocOp>(user) && views[i] == root)
        continue;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user);
          view && view.getViewSource() == views[i]) {
        views.push_back(user->getResult(0));
        continue;
      }
      Operation *ancestor = block->findAncestorOpInBlock(*user);
      if (!ancestor ||
          (ancestor != generic && generic->isBeforeInBlock(ancestor)))
        return false;
    }
  return true;
}

} // namespace

std::optional<AbsorbedEpilogue> matchEpilogue(Operation *op, Value output) {
  Value root = reshapeSource(output);
  auto type = dyn_cast<MemRefType>(root.getType());
  if (!type || !type.getElementType().isF32())
    return std::nullopt;
  // The output may be a slice of a larger buffer (a Concat's, where
  // kiln-forward-copied-buffers put it): computed in place only, without a
  // residual, which would have to share its strides.
  bool identity = type.getLayout().isIdentity();
  // The first op after `op` that touches the output (any part of the
  // buffer it is a slice of).
  auto generic = [&]() -> linalg::GenericOp {
    for (Operation *next = op->getNextNode(); next; next = next->getNextNode())
      if (!isMemoryEffectFree(next) && touches(next, rootBuffer(root)))
        return dyn_cast<linalg::GenericOp>(next);
    return nullptr;
  }();
  if (!generic || !generic.hasPureBufferSemantics() ||
      generic.getNumDpsInits() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return std::nullopt;
  // Out of place, into a fresh buffer of the same type: the output can
  // take its place when it is dead after the generic. The generic may see
  // both through one reshape (a pointwise convolution's GEMM writes [N, F,
  // H * W] of an [N, F, H, W] buffer, and its activation runs on the same
  // view of the next buffer): reshapes of identity layouts keep every
  // element's offset, so equal view types mean equal elements.
  Value init = generic.getDpsInits()[0];
  Value fresh = reshapeSource(init);
  Type viewType = init.getType();
  if (fresh != root && (!identity || !canTakeOver(root, fresh, generic, init)))
    return std::nullopt;
  Block *body = generic.getBlock();
  Value x, residual, residualArg;
  for (OpOperand &operand : generic->getOpOperands()) {
    BlockArgument arg = generic.getMatchingBlockArgument(&operand);
    bool identity = generic.getMatchingIndexingMap(&operand).isIdentity();
    if (generic.isDpsInit(&operand)) {
      if (!identity)
        return std::nullopt;
      // In place, the init's element is the output's.
      if (!arg.use_empty() && (x || fresh != root))
        return std::nullopt;
      if (!arg.use_empty())
        x = arg;
      continue;
    }
    if (arg.use_empty())
      continue;
    Value v = operand.get();
    Value vRoot = reshapeSource(v);
    if (!identity || v.getType() != viewType || vRoot.getType() != type)
      return std::nullopt;
    if (vRoot == root) {
      if (x)
        return std::nullopt;
      x = arg;
      continue;
    }
    // Another buffer: the residual, read by the kernel as it writes the
    // output, so it must be another buffer holding at the kernel what it
    // holds at the generic.
    Value residualRoot = rootBuffer(v);
    if (!identity || residual || residualRoot == root ||
        !DominanceInfo().properlyDominates(v, op) ||
        !keptBetween(op, generic, residualRoot))
      return std::nullopt;
    residual = v;
    residualArg = arg;
  }
  if (!x)
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  if (yield.getNumOperands() != 1)
    return std::nullopt;
  // The activation's argument: x, or x plus the residual.
  Value pre = x;
  if (residual) {
    pre = nullptr;
    for (Operation &inner : body->without_terminator())
      if (auto add = dyn_cast<arith::AddFOp>(inner);
          add && ((add.getLhs() == x && add.getRhs() == residualArg) ||
                  (add.getLhs() == residualArg && add.getRhs() == x)))
        pre = add;
    if (!pre)
      return std::nullopt;
  }
  std::optional<AbsorbedEpilogue> epilogue =
      ActivationMatcher(pre).match(yield.getOperand(0));
  if (!epilogue)
    return std::nullopt;
  epilogue->residual = residual;
  epilogue->generic = generic;
  epilogue->output = root;
  if (fresh != root) {
    epilogue->replaced = fresh;
    if (fresh.getType() != root.getType())
      epilogue->replacedView = init.getDefiningOp();
  }
  return epilogue;
}

void eraseAbsorbed(const std::optional<AbsorbedEpilogue> &epilogue) {
  if (!epilogue)
    return;
  epilogue->generic->erase();
  if (Value replaced = epilogue->replaced) {
    Value output = epilogue->output;
    // The output now holds what `replaced` held: its readers and its
    // deallocation take the output, whose own deallocation goes.
    for (Operation *user : llvm::make_early_inc_range(output.getUsers()))
      if (isa<memref::DeallocOp>(user))
        user->erase();
    auto alloc = cast<memref::AllocOp>(replaced.getDefiningOp());
    Value taken = output;
    if (auto collapse = dyn_cast_or_null<memref::CollapseShapeOp>(
            epilogue->replacedView)) {
      // The output seen in the shape `replaced` had (the sizes it was
      // allocated with), where it was allocated.
      OpBuilder b(alloc);
      auto type = cast<MemRefType>(replaced.getType());
      SmallVector<OpFoldResult> sizes;
      auto dynamic = alloc.getDynamicSizes().begin();
      for (int64_t size : type.getShape())
        sizes.push_back(ShapedType::isDynamic(size) ? OpFoldResult(*dynamic++)
                                                    : b.getIndexAttr(size));
      taken = memref::ExpandShapeOp::create(
          b, alloc.getLoc(), type, output,
          collapse.getReassociationIndices(), sizes);
      // Its deallocation frees the output itself, not a view.
      for (Operation *user : llvm::make_early_inc_range(replaced.getUsers()))
        if (isa<memref::DeallocOp>(user))
          user->setOperand(0, output);
    }
    replaced.replaceAllUsesWith(taken);
    alloc->erase();
  }
}

} // namespace kiln
