//===- Einsum.cpp - onnx to linalg: Einsum --------------------------------===//
//
// Einsum: the equation becomes one linalg.generic. Every distinct label is
// one loop: the output's labels are the parallel loops (in output order),
// the labels that appear only in inputs are reduction loops. Each operand is
// read through the map of its labels, so a label repeated in one operand
// reads its diagonal. The product of the operands accumulates into a
// zero-filled init.
//
// '...' stands for the same leading-or-inner run of dims in every operand,
// aligned to the right like numpy broadcasting; an ellipsis dim that is a
// static 1 in one operand and not in another is read at index 0.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <map>

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

/// Labels are letters; the ellipsis dims get the labels kEllipsis + i, where
/// i counts the ellipsis dims from the left of the widest ellipsis.
constexpr int kEllipsis = 1000;

/// One operand's (or the output's) labels, with the ellipsis still marked
/// by -1 until the operand ranks are known.
using Term = SmallVector<int>;

struct Equation {
  SmallVector<Term> inputs;
  Term output;
  bool explicitOutput = false;
};

/// Parses one term ("ab...c"). Fails on anything but letters and one '...'.
FailureOr<Term> parseTerm(StringRef s) {
  Term t;
  bool sawEllipsis = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.substr(i).starts_with("...")) {
      if (sawEllipsis)
        return failure();
      sawEllipsis = true;
      t.push_back(-1);
      i += 2;
      continue;
    }
    if (!llvm::isAlpha(s[i]))
      return failure();
    t.push_back(static_cast<unsigned char>(s[i]));
  }
  return t;
}

FailureOr<Equation> parseEquation(StringRef eq) {
  std::string compact;
  for (char c : eq)
    if (!llvm::isSpace(c))
      compact.push_back(c);
  StringRef s(compact);
  Equation out;
  auto [lhs, rhs] = s.split("->");
  out.explicitOutput = s.contains("->");
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  for (StringRef t : terms) {
    FailureOr<Term> term = parseTerm(t);
    if (failed(term))
      return failure();
    out.inputs.push_back(*term);
  }
  if (out.explicitOutput) {
    FailureOr<Term> term = parseTerm(rhs);
    if (failed(term))
      return failure();
    out.output = *term;
  }
  return out;
}

/// Replaces the ellipsis of `t` (an operand of rank `rank`) by the labels of
/// its dims, right-aligned in a widest ellipsis of `width` dims.
Term expandEllipsis(const Term &t, int64_t rank, int64_t width) {
  Term out;
  int64_t letters = llvm::count_if(t, [](int l) { return l >= 0; });
  int64_t n = rank - letters;
  for (int l : t) {
    if (l >= 0) {
      out.push_back(l);
      continue;
    }
    for (int64_t i = 0; i < n; ++i)
      out.push_back(kEllipsis + (width - n) + i);
  }
  return out;
}

struct EinsumLowering : OpConversionPattern<OnnxEinsumOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxEinsumOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    FailureOr<Equation> eq = parseEquation(op.getEquation());
    if (failed(eq))
      return rewriter.notifyMatchFailure(op, "malformed equation");
    ValueRange inputs = adaptor.getInputs();
    if (inputs.empty() || eq->inputs.size() != inputs.size())
      return rewriter.notifyMatchFailure(op,
                                         "equation and operand count disagree");
    auto resTy = resultTypeOf(*this, op);
    if (!resTy)
      return rewriter.notifyMatchFailure(op, "result must be ranked");
    Type elem = resTy.getElementType();
    if (!isa<FloatType, IntegerType>(elem) || elem.isInteger(1))
      return rewriter.notifyMatchFailure(op, "unsupported element type");

    // Labels of every operand dim, ellipses expanded.
    SmallVector<RankedTensorType> types;
    int64_t width = 0;
    for (auto [v, term] : llvm::zip(inputs, eq->inputs)) {
      auto t = dyn_cast<RankedTensorType>(v.getType());
      if (!t || t.getElementType() != elem)
        return rewriter.notifyMatchFailure(
            op, "operands must be ranked tensors of the result's type");
      int64_t letters = llvm::count_if(term, [](int l) { return l >= 0; });
      bool ell = llvm::is_contained(term, -1);
      if (ell ? t.getRank() < letters : t.getRank() != letters)
        return rewriter.notifyMatchFailure(
            op, "equation term does not match its operand's rank");
      width = std::max(width, t.getRank() - letters);
      types.push_back(t);
    }
    SmallVector<Term> labels;
    for (auto [t, term] : llvm::zip(types, eq->inputs))
      labels.push_back(expandEllipsis(term, t.getRank(), width));

    // Size of each label: the first operand dim that is not a broadcast 1.
    std::map<int, std::pair<int64_t, int64_t>> where; // label -> (op, dim)
    for (auto [i, ls] : llvm::enumerate(labels))
      for (auto [d, l] : llvm::enumerate(ls)) {
        auto it = where.find(l);
        if (it == where.end() ||
            types[it->second.first].getDimSize(it->second.second) == 1)
          where[l] = {i, d};
      }

    Term out;
    if (eq->explicitOutput) {
      // Ellipsis dims left out of an explicit output are summed over.
      int64_t letters =
          llvm::count_if(eq->output, [](int l) { return l >= 0; });
      out = expandEllipsis(eq->output, width + letters, width);
    } else {
      // Implicit output: the ellipsis, then the labels used once, sorted.
      for (int64_t i = 0; i < width; ++i)
        out.push_back(kEllipsis + i);
      std::map<int, int> uses;
      for (const Term &ls : labels)
        for (int l : ls)
          if (l < kEllipsis)
            ++uses[l];
      for (auto [l, n] : uses)
        if (n == 1)
          out.push_back(l);
    }
    for (int l : out)
      if (!where.count(l) || llvm::count(out, l) != 1)
        return rewriter.notifyMatchFailure(
            op, "output label missing from the inputs or repeated");
    if (resTy.getRank() != static_cast<int64_t>(out.size()))
      return rewriter.notifyMatchFailure(op, "result rank mismatch");

    // Loops: output labels, then the summed ones in order of appearance.
    SmallVector<int> loops(out);
    for (const Term &ls : labels)
      for (int l : ls)
        if (!llvm::is_contained(loops, l))
          loops.push_back(l);
    auto loopOf = [&](int l) {
      return getAffineDimExpr(llvm::find(loops, l) - loops.begin(), ctx);
    };
    SmallVector<AffineMap> maps;
    for (auto [t, ls] : llvm::zip(types, labels)) {
      SmallVector<AffineExpr> exprs;
      for (auto [d, l] : llvm::enumerate(ls)) {
        auto [oi, od] = where[l];
        bool broadcast = t.getDimSize(d) == 1 && types[oi].getDimSize(od) != 1;
        exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx) : loopOf(l));
      }
      maps.push_back(AffineMap::get(loops.size(), 0, exprs, ctx));
    }
    SmallVector<AffineExpr> outExprs;
    SmallVector<int64_t> shape;
    SmallVector<OpFoldResult> sizes;
    for (int l : out) {
      outExprs.push_back(loopOf(l));
      auto [oi, od] = where[l];
      shape.push_back(types[oi].getDimSize(od));
      sizes.push_back(tensor::getMixedSize(rewriter, loc, inputs[oi], od));
    }
    maps.push_back(AffineMap::get(loops.size(), 0, outExprs, ctx));
    SmallVector<utils::IteratorType> iters(loops.size(),
                                           utils::IteratorType::reduction);
    for (size_t i = 0; i < out.size(); ++i)
      iters[i] = utils::IteratorType::parallel;

    auto initTy = RankedTensorType::get(shape, elem);
    Value init = createFilled(rewriter, loc, initTy, sizes,
                              scalarConstant(rewriter, loc, elem, 0.0));
    bool isFloat = isa<FloatType>(elem);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{initTy}, inputs, ValueRange{init}, maps, iters,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value p = args[0];
          for (Value a : args.drop_front().drop_back())
            p = isFloat ? arith::MulFOp::create(b, l, p, a).getResult()
                        : arith::MulIOp::create(b, l, p, a).getResult();
          Value acc = args.back();
          Value s = isFloat ? arith::AddFOp::create(b, l, acc, p).getResult()
                            : arith::AddIOp::create(b, l, acc, p).getResult();
          linalg::YieldOp::create(b, l, s);
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, generic.getResult(0), resTy));
    return success();
  }
};

} // namespace

void kiln::populateEinsumPatterns(TypeConverter &tc,
                                  RewritePatternSet &patterns) {
  patterns.add<EinsumLowering>(tc, patterns.getContext());
}
