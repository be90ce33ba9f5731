//===- FuseGemm.cpp - MatMul + Add into Gemm, Transposes into Gemm --------===//
//
// EXTENDED level, as ONNX Runtime's MatMulAddFusion and
// GemmTransposeFusion. Gemm adds its bias in the matmul's epilogue instead
// of in a second loop nest over the product, and its transA/transB read the
// operand through a transposed indexing map instead of materializing a
// transposed copy (for a weight, a copy of the whole weight on every run).
//
//===----------------------------------------------------------------------===//

#include "compiler/transforms/GraphUtils.h"
#include "compiler/transforms/Passes.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_ONNXFUSEGEMMPASS
#include "compiler/transforms/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

bool isFloatMatrix(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getRank() == 2 && isa<FloatType>(t.getElementType());
}

/// The input of a 2-D Transpose that swaps the two dims, or null.
Value transposedInput(Value v) {
  auto tr = v.getDefiningOp<OnnxTransposeOp>();
  if (!tr || !isFloatMatrix(tr.getData()))
    return {};
  if (std::optional<ArrayAttr> perm = tr.getPerm())
    if (cast<IntegerAttr>((*perm)[0]).getInt() != 1)
      return {};
  return tr.getData();
}

Value noValue(PatternRewriter &rewriter, Location loc) {
  return OnnxNoValueOp::create(rewriter, loc, rewriter.getNoneType());
}

/// Add(MatMul(A, B), C) -> Gemm(A, B, C) for 2-D A and B and a C that
/// broadcasts to the product (the sum keeps the product's type). A Gemm
/// without C takes the bias the same way.
struct MatMulAddToGemm : OpRewritePattern<OnnxAddOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxAddOp add,
                                PatternRewriter &rewriter) const override {
    for (unsigned i = 0; i < 2; ++i) {
      Value product = add->getOperand(i), c = add->getOperand(1 - i);
      auto cType = dyn_cast<RankedTensorType>(c.getType());
      if (!product.hasOneUse() || !cType || cType.getRank() > 2 ||
          product.getType() != add.getC().getType())
        continue;
      if (auto mm = product.getDefiningOp<OnnxMatMulOp>();
          mm && isFloatMatrix(mm.getA()) && isFloatMatrix(mm.getB())) {
        rewriter.replaceOpWithNewOp<OnnxGemmOp>(
            add, TypeRange{add.getC().getType()},
            ValueRange{mm.getA(), mm.getB(), c});
        return success();
      }
      if (auto gemm = product.getDefiningOp<OnnxGemmOp>();
          gemm && isNoValue(gemm.getC())) {
        // alpha * A * B + 1 * C: the Gemm's other attributes carry over.
        rewriter.setInsertionPoint(add);
        auto fused = cast<OnnxGemmOp>(rewriter.clone(*gemm));
        fused.getCMutable().assign(c);
        fused.setBetaAttr(rewriter.getF32FloatAttr(1.0f));
        rewriter.replaceOp(add, fused.getY());
        return success();
      }
    }
    return rewriter.notifyMatchFailure(add, "not a 2-D MatMul plus a bias");
  }
};

/// Gemm(Transpose(A), ...) -> Gemm(A, ...) with transA flipped; same for B.
struct TransposeIntoGemm : OpRewritePattern<OnnxGemmOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxGemmOp gemm,
                                PatternRewriter &rewriter) const override {
    Value a = transposedInput(gemm.getA()), b = transposedInput(gemm.getB());
    if (!a && !b)
      return rewriter.notifyMatchFailure(gemm, "no 2-D Transpose operand");
    rewriter.modifyOpInPlace(gemm, [&] {
      if (a) {
        gemm.getAMutable().assign(a);
        gemm.setTransAAttr(rewriter.getI64IntegerAttr(!gemm.getTransA()));
      }
      if (b) {
        gemm.getBMutable().assign(b);
        gemm.setTransBAttr(rewriter.getI64IntegerAttr(!gemm.getTransB()));
      }
    });
    return success();
  }
};

/// Gemm(A, W, C) with transB and a constant W -> Gemm(A, Wt, C) with Wt =
/// transpose(W) computed here: the GEMM kernel packs B from rows of N, and
/// a transposed weight (what exporters write for Linear layers) would be
/// packed from columns on every run instead of once at compile time.
struct PretransposeConstantB : OpRewritePattern<OnnxGemmOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxGemmOp gemm,
                                PatternRewriter &rewriter) const override {
    if (!gemm.getTransB())
      return rewriter.notifyMatchFailure(gemm, "B is not transposed");
    std::optional<FloatConstant> w = readFloatConstant(gemm.getB());
    if (!w || w->type.getRank() != 2)
      return rewriter.notifyMatchFailure(gemm, "B is not a constant matrix");
    int64_t n = w->type.getDimSize(0), k = w->type.getDimSize(1);
    SmallVector<double> transposed(w->values.size());
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < k; ++j)
        transposed[j * n + i] = w->values[i * k + j];
    auto type = RankedTensorType::get({k, n}, w->type.getElementType());
    Value b = createFloatConstant(rewriter, gemm.getLoc(), type, transposed,
                                  "pretransposed_gemm_b");
    rewriter.modifyOpInPlace(gemm, [&] {
      gemm.getBMutable().assign(b);
      gemm.setTransBAttr(rewriter.getI64IntegerAttr(0));
    });
    return success();
  }
};

/// MatMul(Transpose(A), B) or MatMul(A, Transpose(B)), 2-D -> Gemm with
/// transA/transB and no bias.
struct TransposedMatMulToGemm : OpRewritePattern<OnnxMatMulOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxMatMulOp mm,
                                PatternRewriter &rewriter) const override {
    if (!isFloatMatrix(mm.getA()) || !isFloatMatrix(mm.getB()))
      return rewriter.notifyMatchFailure(mm, "not a 2-D float MatMul");
    if (!transposedInput(mm.getA()) && !transposedInput(mm.getB()))
      return rewriter.notifyMatchFailure(mm, "no 2-D Transpose operand");
    // The new Gemm takes the Transposes as operands; TransposeIntoGemm
    // folds them.
    rewriter.replaceOpWithNewOp<OnnxGemmOp>(
        mm, TypeRange{mm.getY().getType()},
        ValueRange{mm.getA(), mm.getB(), noValue(rewriter, mm.getLoc())});
    return success();
  }
};

struct OnnxFuseGemmPass : kiln::impl::OnnxFuseGemmPassBase<OnnxFuseGemmPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<MatMulAddToGemm, PretransposeConstantB>(&getContext());
    if (foldTranspose)
      patterns.add<TransposeIntoGemm, TransposedMatMulToGemm>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
