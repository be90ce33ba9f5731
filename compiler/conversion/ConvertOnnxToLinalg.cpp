//===- ConvertOnnxToLinalg.cpp - The onnx to linalg conversion pass -------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/StringSet.h"

namespace kiln {
#define GEN_PASS_DEF_CONVERTONNXTOLINALG
#include "compiler/conversion/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

OnnxTypeConverter::OnnxTypeConverter() {
  addConversion([](Type t) { return t; });
  // Signless; the 4- and 2-bit integers take a byte each, sign- or
  // zero-extended, and the float8/float4 types their bits in a byte: LLVM
  // has no such floats, and sub-byte integers in memory have no defined
  // layout (docs/architecture.md, "Narrow element types").
  addConversion([](IntegerType t) -> Type {
    return IntegerType::get(t.getContext(),
                            isByteStoredType(t) ? 8 : t.getWidth());
  });
  addConversion([](FloatType t) -> Type {
    return isMiniFloatType(t) ? IntegerType::get(t.getContext(), 8) : Type(t);
  });
  // A string is a pointer to NUL-terminated UTF-8 (docs/architecture.md).
  addConversion([](StringType t) -> Type {
    return IntegerType::get(t.getContext(), 64);
  });
  // A run-time sequence or optional is the address of its value
  // (SequenceOps.cpp, docs/architecture.md).
  addConversion([](SeqType t) -> Type {
    return RankedTensorType::get({}, IntegerType::get(t.getContext(), 64));
  });
  addConversion([](OptType t) -> Type {
    return RankedTensorType::get({}, IntegerType::get(t.getContext(), 64));
  });
  addConversion([this](RankedTensorType t) -> Type {
    return RankedTensorType::get(t.getShape(), convertType(t.getElementType()));
  });
  auto cast = [](OpBuilder &b, Type type, ValueRange inputs,
                 Location loc) -> Value {
    return UnrealizedConversionCastOp::create(b, loc, type, inputs)
        .getResult(0);
  };
  addSourceMaterialization(cast);
  addTargetMaterialization(cast);
}

namespace {
/// Absent optional inputs are consumed by the patterns of their users.
struct EraseNoValue : OpConversionPattern<OnnxNoValueOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxNoValueOp op, OpAdaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!op->use_empty())
      return failure();
    rewriter.eraseOp(op);
    return success();
  }
};


/// Records the reasons patterns give for not matching, once per location.
struct ReasonCollector {
  void add(Location loc, std::string why) {
    for (auto &[l, w] : reasons)
      if (l == loc && w == why)
        return;
    // Generic driver messages say nothing a user can act on.
    if (StringRef(why).contains("pattern failed to match") ||
        StringRef(why).contains("no matched legalization pattern"))
      return;
    reasons.emplace_back(loc, why);
  }
  SmallVector<std::pair<Location, std::string>> reasons;
};

/// Intercepts notifyMatchFailure and forwards everything else to the
/// conversion rewriter's own listener.
struct ReasonListener : public RewriterBase::ForwardingListener {
  ReasonListener(OpBuilder::Listener *inner, ReasonCollector &reasons)
      : ForwardingListener(inner), reasons(reasons) {}
  void
  notifyMatchFailure(Location loc,
                     function_ref<void(Diagnostic &)> reasonCallback) override {
    Diagnostic d(loc, DiagnosticSeverity::Remark);
    reasonCallback(d);
    reasons.add(loc, d.str());
    ForwardingListener::notifyMatchFailure(loc, reasonCallback);
  }
  ReasonCollector &reasons;
};

/// Runs a conversion pattern with a ReasonListener installed: in release
/// builds the conversion driver drops the reasons patterns give.
struct ReasonRecordingPattern : public RewritePattern {
  ReasonRecordingPattern(std::unique_ptr<RewritePattern> inner,
                         ReasonCollector &reasons)
      : RewritePattern(inner->getRootKind()->getStringRef(),
                       inner->getBenefit(), inner->getContext()),
        inner(std::move(inner)), reasons(reasons) {
    setHasBoundedRewriteRecursion(this->inner->hasBoundedRewriteRecursion());
  }
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    OpBuilder::Listener *previous = rewriter.getListener();
    ReasonListener listener(previous, reasons);
    rewriter.setListener(&listener);
    LogicalResult result = inner->matchAndRewrite(op, rewriter);
    rewriter.setListener(previous);
    return result;
  }
  std::unique_ptr<RewritePattern> inner;
  ReasonCollector &reasons;
};

} // namespace

void kiln::populateOnnxToLinalgPatterns(TypeConverter &tc,
                                        RewritePatternSet &patterns) {
  patterns.add<EraseNoValue>(tc, patterns.getContext());
  populateElementwisePatterns(tc, patterns);
  populateLinearAlgebraPatterns(tc, patterns);
  populateConvolutionPatterns(tc, patterns);
  populatePoolingPatterns(tc, patterns);
  populateReductionPatterns(tc, patterns);
  populateNormalizationPatterns(tc, patterns);
  populateShapeOpPatterns(tc, patterns);
  populateDataMovementPatterns(tc, patterns);
  populateControlFlowPatterns(tc, patterns);
  populateLoopsPatterns(tc, patterns);
  populateImageOpsPatterns(tc, patterns);
  populateRandomPatterns(tc, patterns);
  populateIndexingOpsPatterns(tc, patterns);
  populateQuantizationPatterns(tc, patterns);
  populateConvTransposePatterns(tc, patterns);
  populateSortingPatterns(tc, patterns);
  populateEinsumPatterns(tc, patterns);
  populateRecurrentPatterns(tc, patterns);
  populateResizePatterns(tc, patterns);
  populateSignalPatterns(tc, patterns);
  populateTextOpsPatterns(tc, patterns);
  populateStringOpsPatterns(tc, patterns);
  populateStringSearchPatterns(tc, patterns);
  populateImageDecoderPatterns(tc, patterns);
  populateSequenceOpsPatterns(tc, patterns);
  populateMlPreprocessingPatterns(tc, patterns);
  populateMlLinearPatterns(tc, patterns);
  populateMlTreeEnsemblePatterns(tc, patterns);
  populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                 tc);
  populateReturnOpTypeConversionPattern(patterns, tc);
}

llvm::StringSet<> kiln::onnxOpsWithLowering(MLIRContext *ctx) {
  ctx->loadDialect<OnnxDialect>();
  OnnxTypeConverter tc;
  RewritePatternSet patterns(ctx);
  populateOnnxToLinalgPatterns(tc, patterns);
  llvm::StringSet<> names;
  for (auto &p : patterns.getNativePatterns())
    if (auto root = p->getRootKind())
      if (root->getStringRef().starts_with("onnx."))
        names.insert(root->getStringRef().drop_front(5));
  // Resolved before the conversion (kiln-resolve-sequences), each copy of
  // its body per element: simpler than the Loop of its function body.
  names.insert("SequenceMap");
  return names;
}

namespace {

struct ConvertOnnxToLinalgPass
    : kiln::impl::ConvertOnnxToLinalgBase<ConvertOnnxToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ModuleOp module = getOperation();
    OnnxTypeConverter tc;
    RewritePatternSet patterns(ctx);
    populateOnnxToLinalgPatterns(tc, patterns);

    // Name every op that no pattern handles before trying: the conversion
    // driver's own message would not say which node or opset it was.
    llvm::StringSet<llvm::MallocAllocator> lowered;
    for (auto &p : patterns.getNativePatterns())
      if (auto root = p->getRootKind())
        lowered.insert(root->getStringRef());
    bool unsupported = false;
    module.walk([&](Operation *op) {
      if (op->getDialect() && isa<OnnxDialect>(op->getDialect()) &&
          !isa<OnnxYieldOp>(op) &&
          !lowered.contains(op->getName().getStringRef())) {
        StringRef name = op->getName().stripDialect();
        InFlightDiagnostic d = op->emitError();
        // onnx.ml.X is operator X of ai.onnx.ml (whose opset the module does
        // not record).
        if (name.consume_front("ml."))
          d << "unsupported ONNX operator '" << name
            << "' (domain ai.onnx.ml)";
        else
          d << "unsupported ONNX operator '" << name
            << "' (domain ai.onnx, opset " << opsetOf(op) << ")";
        d << " in node '" << nodeNameOf(op) << "': Kiln has no lowering for it";
        unsupported = true;
      }
    });
    if (unsupported)
      return signalPassFailure();
    // dimSource takes inputs' dims of one dim_param as one.
    module.walk([](func::FuncOp f) { checkNamedDims(f); });

    ConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, scf::SCFDialect,
                           tensor::TensorDialect,
                           bufferization::BufferizationDialect>();
    target.addIllegalDialect<OnnxDialect>();
    // Yields are rewritten with their parent op; absent-input markers are
    // consumed by their users' patterns and erased below.
    target.addLegalOp<OnnxYieldOp, OnnxNoValueOp>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp f) {
      return tc.isSignatureLegal(f.getFunctionType());
    });
    target.addDynamicallyLegalOp<func::ReturnOp>(
        [&](func::ReturnOp r) { return tc.isLegal(r.getOperandTypes()); });
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    // Patterns explain why they decline an op variant (an attribute value,
    // a dtype); the driver would only say "failed to legalize", so the
    // reasons are kept and reported if the conversion fails.
    ReasonCollector reasons;
    RewritePatternSet wrapped(ctx);
    for (auto &p : patterns.getNativePatterns()) {
      if (p->getRootKind())
        wrapped.add(
            std::make_unique<ReasonRecordingPattern>(std::move(p), reasons));
      else
        wrapped.add(std::move(p));
    }
    if (failed(applyPartialConversion(module, target, std::move(wrapped)))) {
      for (auto &[loc, why] : reasons.reasons) {
        std::string node = nodeNameOf(loc);
        emitError(loc) << "cannot lower "
                       << (node.empty() ? "this op" : "node '" + node + "'")
                       << ": " << why;
      }
      return signalPassFailure();
    }
    module.walk([](OnnxNoValueOp op) {
      if (op->use_empty())
        op->erase();
    });
  }
};
} // namespace
