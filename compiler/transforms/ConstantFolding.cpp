//===- ConstantFolding.cpp - Evaluate small constant subgraphs ------------===//
//
// Exporters wrap every Reshape/Expand/Slice in shape arithmetic:
// Shape -> Gather -> Unsqueeze -> Concat -> Reshape. With static (or pinned)
// shapes that arithmetic is constant; folding it turns dynamic reshapes into
// static ones, which lower to cheap collapse/expand_shape instead of run-time
// shape tensors. Only small tensors (kInlineLimit elements) are evaluated, so
// compile time stays linear; weights are never touched.
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/Passes.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

namespace kiln {
#define GEN_PASS_DEF_ONNXCONSTANTFOLDINGPASS
#include "compiler/transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::onnx_ir;

namespace {

constexpr int64_t kInlineLimit = 1024;

/// A small constant tensor held as doubles (exact for the int64 values
/// shapes use, and for every float type) plus its type.
struct Const {
  RankedTensorType type;
  SmallVector<double> values;
  bool isInt() const { return isa<IntegerType>(type.getElementType()); }
};

std::optional<Const> getConst(Value v) {
  auto c = v.getDefiningOp<OnnxConstantOp>();
  if (!c || !c.getValueAttr())
    return std::nullopt;
  auto dense = dyn_cast<DenseElementsAttr>(c.getValueAttr());
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!dense || !type || dense.getNumElements() > kInlineLimit)
    return std::nullopt;
  Const out{type, {}};
  Type elem = type.getElementType();
  if (isa<FloatType>(elem)) {
    for (APFloat f : dense.getValues<APFloat>())
      out.values.push_back(f.convertToDouble());
  } else if (auto i = dyn_cast<IntegerType>(elem)) {
    for (APInt a : dense.getValues<APInt>())
      out.values.push_back(i.isUnsigned() || i.getWidth() == 1
                               ? (double)a.getZExtValue()
                               : (double)a.getSExtValue());
  } else {
    return std::nullopt;
  }
  return out;
}

DenseElementsAttr toAttr(RankedTensorType type, ArrayRef<double> values) {
  Type elem = type.getElementType();
  if (auto f = dyn_cast<FloatType>(elem)) {
    SmallVector<APFloat> v;
    for (double d : values) {
      APFloat a(d);
      bool lost;
      a.convert(f.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      v.push_back(a);
    }
    return DenseElementsAttr::get(type, v);
  }
  auto i = cast<IntegerType>(elem);
  SmallVector<APInt> v;
  for (double d : values)
    v.push_back(APInt(i.getWidth(), (uint64_t)(int64_t)d, !i.isUnsigned()));
  return DenseElementsAttr::get(type, v);
}

/// Result type of `op` if it is a static ranked tensor small enough to fold.
RankedTensorType foldableResult(Operation *op, unsigned idx = 0) {
  auto t = dyn_cast<RankedTensorType>(op->getResult(idx).getType());
  if (!t || !t.hasStaticShape() || t.getNumElements() > kInlineLimit)
    return {};
  if (!isa<FloatType, IntegerType>(t.getElementType()))
    return {};
  return t;
}

/// Evaluates `op` if it is a foldable op whose inputs are constants.
std::optional<SmallVector<double>> evaluate(Operation *op,
                                            RankedTensorType resultType) {
  MLIRContext *ctx = op->getContext();
  (void)ctx;
  // Ops that only need their input's type.
  if (auto shape = dyn_cast<OnnxShapeOp>(op)) {
    auto in = dyn_cast<RankedTensorType>(shape.getData().getType());
    if (!in)
      return std::nullopt;
    int64_t rank = in.getRank();
    auto clampIdx = [&](int64_t i) {
      return std::clamp<int64_t>(i < 0 ? i + rank : i, 0, rank);
    };
    int64_t start = clampIdx(shape.getStart());
    int64_t end = clampIdx(shape.getEnd() ? *shape.getEnd() : rank);
    SmallVector<double> out;
    for (int64_t i = start; i < end; ++i) {
      if (in.isDynamicDim(i))
        return std::nullopt;
      out.push_back(in.getDimSize(i));
    }
    return out;
  }
  if (auto size = dyn_cast<OnnxSizeOp>(op)) {
    auto in = dyn_cast<RankedTensorType>(size.getData().getType());
    if (!in || !in.hasStaticShape())
      return std::nullopt;
    return SmallVector<double>{(double)in.getNumElements()};
  }

  SmallVector<Const> args;
  for (Value v : op->getOperands()) {
    if (isNoValue(v)) {
      args.push_back(Const{});
      continue;
    }
    auto c = getConst(v);
    if (!c)
      return std::nullopt;
    args.push_back(*c);
  }
  if (args.empty())
    return std::nullopt;

  // Shape-preserving or reshaping ops: values are unchanged.
  if (isa<OnnxIdentityOp, OnnxReshapeOp, OnnxSqueezeOp, OnnxUnsqueezeOp,
          OnnxFlattenOp>(op))
    return args[0].values;
  if (auto cast = dyn_cast<OnnxCastOp>(op)) {
    // To or from float8/float4/int4/int2 the conversion's codecs decide
    // (saturation, out-of-range values): APFloat and APInt would not agree.
    if (isByteStoredType(resultType.getElementType()) ||
        isByteStoredType(args[0].type.getElementType()))
      return std::nullopt;
    SmallVector<double> out;
    bool toInt = isa<IntegerType>(resultType.getElementType());
    for (double d : args[0].values)
      out.push_back(resultType.getElementType().isInteger(1) ? (d != 0)
                    : toInt                                  ? std::trunc(d)
                                                             : d);
    return out;
  }
  if (auto concat = dyn_cast<OnnxConcatOp>(op)) {
    if (resultType.getRank() != 1)
      return std::nullopt;
    SmallVector<double> out;
    for (const Const &c : args)
      out.append(c.values.begin(), c.values.end());
    return out;
  }
  if (auto gather = dyn_cast<OnnxGatherOp>(op)) {
    if (args[0].type.getRank() != 1)
      return std::nullopt;
    int64_t n = args[0].values.size();
    SmallVector<double> out;
    for (double idx : args[1].values) {
      int64_t i = (int64_t)idx < 0 ? (int64_t)idx + n : (int64_t)idx;
      if (i < 0 || i >= n)
        return std::nullopt;
      out.push_back(args[0].values[i]);
    }
    return out;
  }
  if (auto slice = dyn_cast<OnnxSliceOp>(op)) {
    if (args[0].type.getRank() != 1 || (args.size() > 3 && args[3].type &&
                                        args[3].values != SmallVector<double>{0}))
      return std::nullopt;
    int64_t n = args[0].values.size();
    int64_t start = args[1].values[0], end = args[2].values[0];
    int64_t step = args.size() > 4 && args[4].type ? args[4].values[0] : 1;
    if (step != 1)
      return std::nullopt;
    start = std::clamp<int64_t>(start < 0 ? start + n : start, 0, n);
    end = std::clamp<int64_t>(end < 0 ? end + n : end, 0, n);
    return SmallVector<double>(args[0].values.begin() + start,
                               args[0].values.begin() +
                                   std::max(start, end));
  }
  if (auto cos = dyn_cast<OnnxConstantOfShapeOp>(op)) {
    double fill = 0;
    if (auto v = cos.getValueAttr()) {
      auto dense = dyn_cast<DenseElementsAttr>(v);
      if (!dense || dense.getNumElements() != 1)
        return std::nullopt;
      Type elem = dense.getElementType();
      fill = isa<FloatType>(elem)
                 ? (*dense.getValues<APFloat>().begin()).convertToDouble()
                 : (double)(*dense.getValues<APInt>().begin()).getSExtValue();
    }
    return SmallVector<double>(resultType.getNumElements(), fill);
  }
  if (auto range = dyn_cast<OnnxRangeOp>(op)) {
    double start = args[0].values[0], limit = args[1].values[0],
           delta = args[2].values[0];
    SmallVector<double> out;
    for (int64_t i = 0; i < resultType.getNumElements(); ++i)
      out.push_back(start + i * delta);
    (void)limit;
    return out;
  }
  // Elementwise ops of one input. Float results are rounded to their type
  // when the constant is made (sqrt rounded from double is sqrt rounded):
  // ONNX's Attention computes its scale as Sqrt(1 / Sqrt(head size)).
  if (isa<OnnxSqrtOp, OnnxNegOp, OnnxReciprocalOp, OnnxNotOp>(op)) {
    if (isa<OnnxSqrtOp, OnnxReciprocalOp>(op) && args[0].isInt())
      return std::nullopt;
    SmallVector<double> out;
    for (double x : args[0].values)
      out.push_back(isa<OnnxSqrtOp>(op)         ? std::sqrt(x)
                    : isa<OnnxNegOp>(op)        ? -x
                    : isa<OnnxReciprocalOp>(op) ? 1.0 / x
                                                : (double)(x == 0));
    return out;
  }
  // Where with numpy broadcasting of a scalar or equal shapes.
  if (isa<OnnxWhereOp>(op)) {
    size_t n = resultType.getNumElements();
    for (const Const &c : args)
      if (c.values.size() != n && c.values.size() != 1)
        return std::nullopt;
    auto at = [](const Const &c, size_t i) {
      return c.values[c.values.size() == 1 ? 0 : i];
    };
    SmallVector<double> out;
    for (size_t i = 0; i < n; ++i)
      out.push_back(at(args[0], i) != 0 ? at(args[1], i) : at(args[2], i));
    return out;
  }
  // Binary arithmetic, comparisons and logic with numpy broadcasting of a
  // scalar or equal shapes.
  if (isa<OnnxAddOp, OnnxSubOp, OnnxMulOp, OnnxDivOp, OnnxEqualOp, OnnxModOp,
          OnnxLessOp, OnnxLessOrEqualOp, OnnxGreaterOp, OnnxGreaterOrEqualOp,
          OnnxAndOp, OnnxOrOp, OnnxXorOp>(op)) {
    const Const &a = args[0], &b = args[1];
    size_t n = resultType.getNumElements();
    if ((a.values.size() != n && a.values.size() != 1) ||
        (b.values.size() != n && b.values.size() != 1))
      return std::nullopt;
    bool integer = a.isInt();
    SmallVector<double> out;
    for (size_t i = 0; i < n; ++i) {
      double x = a.values[a.values.size() == 1 ? 0 : i];
      double y = b.values[b.values.size() == 1 ? 0 : i];
      if (isa<OnnxAddOp>(op))
        out.push_back(x + y);
      else if (isa<OnnxSubOp>(op))
        out.push_back(x - y);
      else if (isa<OnnxMulOp>(op))
        out.push_back(x * y);
      else if (isa<OnnxEqualOp>(op))
        out.push_back(x == y);
      else if (isa<OnnxLessOp>(op))
        out.push_back(x < y);
      else if (isa<OnnxLessOrEqualOp>(op))
        out.push_back(x <= y);
      else if (isa<OnnxGreaterOp>(op))
        out.push_back(x > y);
      else if (isa<OnnxGreaterOrEqualOp>(op))
        out.push_back(x >= y);
      else if (isa<OnnxAndOp>(op))
        out.push_back(x != 0 && y != 0);
      else if (isa<OnnxOrOp>(op))
        out.push_back(x != 0 || y != 0);
      else if (isa<OnnxXorOp>(op))
        out.push_back((x != 0) != (y != 0));
      else if (isa<OnnxModOp>(op)) {
        // Integer Mod without fmod takes the divisor's sign (like Python).
        if (!integer || y == 0 || cast<OnnxModOp>(op).getFmod())
          return std::nullopt;
        double r = std::fmod(x, y);
        out.push_back(r != 0 && ((r < 0) != (y < 0)) ? r + y : r);
      }
      else if (integer && y == 0)
        return std::nullopt; // Division by zero is left to run time.
      else
        out.push_back(integer ? std::trunc(x / y) : x / y);
    }
    return out;
  }
  return std::nullopt;
}

/// Replaces an If whose condition is a constant by the branch it takes. The
/// other branch may not even type-check for these shapes (AffineGrid's body
/// splits a 4-element size in its 2-D branch and a 5-element one in its 3-D
/// branch), and the If's results, unranked when the branches differ, get the
/// taken branch's types.
bool inlineConstantIf(OnnxIfOp op) {
  std::optional<Const> cond = getConst(op.getCond());
  if (!cond || cond->values.size() != 1)
    return false;
  Region &taken = cond->values[0] != 0 ? op.getThenBranch() : op.getElseBranch();
  if (!taken.hasOneBlock() || taken.front().getNumArguments() != 0)
    return false;
  Block &block = taken.front();
  Operation *yield = block.getTerminator();
  if (yield->getNumOperands() != op->getNumResults())
    return false;
  SmallVector<Value> values(yield->getOperands());
  yield->erase();
  op->getBlock()->getOperations().splice(Block::iterator(op),
                                         block.getOperations());
  op->replaceAllUsesWith(values);
  op->erase();
  return true;
}

struct OnnxConstantFoldingPass
    : kiln::impl::OnnxConstantFoldingPassBase<OnnxConstantFoldingPass> {
  using Base::Base;

  /// One pass over the function: refines types, evaluates what is constant,
  /// inlines Ifs with a constant condition. True when an If was inlined.
  bool foldOnce() {
    // Ops are visited in order, so a folded producer is a constant by the
    // time its users are visited. The walk is post-order: a branch's ops
    // come before their If, so erasing the branch not taken never leaves a
    // visited op dangling.
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (isa_and_nonnull<OnnxDialect>(op->getDialect()) &&
          !isa<OnnxConstantOp>(op))
        ops.push_back(op);
    });
    bool inlined = false;
    for (Operation *op : ops) {
      if (auto ifOp = dyn_cast<OnnxIfOp>(op)) {
        inlined |= inlineConstantIf(ifOp);
        continue;
      }
      // Refine first: a folded producer can make this op's type static.
      if (auto si = dyn_cast<OnnxShapeInference>(op))
        (void)si.inferShapes();
      if (op->getNumResults() != 1 || op->getNumRegions() != 0)
        continue;
      RankedTensorType type = foldableResult(op);
      if (!type || (integerOnly && !isa<IntegerType>(type.getElementType())))
        continue;
      std::optional<SmallVector<double>> values = evaluate(op, type);
      if (!values || (int64_t)values->size() != type.getNumElements())
        continue;
      OpBuilder b(op);
      OperationState state(op->getLoc(), "onnx.Constant");
      state.addTypes(type);
      state.addAttribute("value", toAttr(type, *values));
      Operation *c = b.create(state);
      op->getResult(0).replaceAllUsesWith(c->getResult(0));
      op->erase();
    }
    return inlined;
  }

  void runOnOperation() override {
    // Inlining an If gives its users (and the ops of the branch, which were
    // visited inside it) new types and maybe constant inputs: go again,
    // a bounded number of times (nested Ifs each need a round).
    constexpr int kMaxRounds = 8;
    for (int round = 0; round < kMaxRounds && foldOnce(); ++round) {
    }
    // Drop constants and absent-input markers nothing uses any more.
    getOperation().walk([](Operation *op) {
      if (isa<OnnxConstantOp, OnnxNoValueOp>(op) && op->use_empty())
        op->erase();
    });
    func::FuncOp func = getOperation();
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    func.setFunctionType(FunctionType::get(
        &getContext(), func.getArgumentTypes(), ret.getOperandTypes()));
  }
};

} // namespace
