//===- ConvertOnnxToLinalg.cpp - The onnx to linalg conversion pass -------===//

#include "compiler/conversion/OnnxToLinalg.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
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
  addConversion([](IntegerType t) -> Type {
    return IntegerType::get(t.getContext(), t.getWidth());
  });
  addConversion([this](RankedTensorType t) -> Type {
    return RankedTensorType::get(t.getShape(),
                                 convertType(t.getElementType()));
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

/// The opset of the default domain, recorded by the importer.
int64_t opsetOf(Operation *op) {
  auto module = op->getParentOfType<ModuleOp>();
  if (auto a = module ? module->getAttrOfType<IntegerAttr>("kiln.opset")
                      : IntegerAttr())
    return a.getInt();
  return -1;
}

/// Name of the ONNX node an op came from (the importer puts it in the loc).
std::string nodeNameOf(Operation *op) {
  Location loc = op->getLoc();
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location l : fused.getLocations())
      if (auto n = dyn_cast<NameLoc>(l))
        return n.getName().str();
  if (auto n = dyn_cast<NameLoc>(loc))
    return n.getName().str();
  return "";
}

struct ConvertOnnxToLinalgPass
    : kiln::impl::ConvertOnnxToLinalgBase<ConvertOnnxToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    ModuleOp module = getOperation();
    OnnxTypeConverter tc;
    RewritePatternSet patterns(ctx);
    patterns.add<EraseNoValue>(tc, ctx);
    populateElementwisePatterns(tc, patterns);
    populateLinearAlgebraPatterns(tc, patterns);
    populateConvolutionPatterns(tc, patterns);
    populatePoolingPatterns(tc, patterns);
    populateReductionPatterns(tc, patterns);
    populateNormalizationPatterns(tc, patterns);
    populateShapeOpPatterns(tc, patterns);
    populateDataMovementPatterns(tc, patterns);
    populateControlFlowPatterns(tc, patterns);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns,
                                                                   tc);
    populateReturnOpTypeConversionPattern(patterns, tc);

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
        op->emitError() << "unsupported ONNX operator '"
                        << op->getName().stripDialect()
                        << "' (domain ai.onnx, opset " << opsetOf(op)
                        << ") in node '" << nodeNameOf(op)
                        << "': Kiln has no lowering for it";
        unsupported = true;
      }
    });
    if (unsupported)
      return signalPassFailure();

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
    if (failed(applyPartialConversion(module, target, std::move(patterns))))
      return signalPassFailure();
    module.walk([](OnnxNoValueOp op) {
      if (op->use_empty())
        op->erase();
    });
  }
};
} // namespace
