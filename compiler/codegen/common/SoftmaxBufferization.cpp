//===- SoftmaxBufferization.cpp - linalg.softmax keeps its configuration --===//
//
// MLIR's bufferization model for linalg.softmax builds the buffer op anew
// and drops the op's discardable attributes, the strategy layer's lowering
// configuration among them, so a softmax given a kernel on tensors reached
// the kernel pass unconfigured. This model is the same but carries them
// over. It is registered before MLIR's (registerKilnDialects), and the
// first model registered for an op is the one it keeps.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/KilnCodegen.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;
using namespace mlir::bufferization;

namespace {

struct SoftmaxModel
    : DstBufferizableOpInterfaceExternalModel<SoftmaxModel,
                                              linalg::SoftmaxOp> {
  /// The output is only written.
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const AnalysisState &) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    auto softmax = cast<linalg::SoftmaxOp>(op);
    FailureOr<Value> input =
        getBuffer(rewriter, softmax.getInput(), options, state);
    if (failed(input))
      return failure();
    FailureOr<Value> output =
        getBuffer(rewriter, softmax.getOutput(), options, state);
    if (failed(output))
      return failure();
    auto replacement =
        linalg::SoftmaxOp::create(rewriter, softmax.getLoc(), TypeRange(),
                                  *input, *output, softmax.getDimension());
    replacement->setDiscardableAttrs(op->getDiscardableAttrDictionary());
    replaceOpWithBufferizedValues(rewriter, op, *output);
    return success();
  }
};

} // namespace

void kiln::codegen::registerSoftmaxBufferization(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, linalg::LinalgDialect *) {
    linalg::SoftmaxOp::attachInterface<SoftmaxModel>(*ctx);
  });
}
