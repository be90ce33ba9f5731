//===- TrainingOps.h - Expands the ONNX training optimizers -----*- C++ -*-===//
//
// Adagrad, Adam and Momentum (domain ai.onnx.preview.training, opset 1) are
// elementwise formulas; they are rewritten into default-domain nodes before
// import, so the dialect and the lowering need nothing of their own.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_FRONTEND_TRAININGOPS_H
#define KILN_COMPILER_FRONTEND_TRAININGOPS_H

#include <string>

namespace onnx {
class ModelProto;
} // namespace onnx

namespace kiln {

/// Replaces every Adagrad, Adam and Momentum node of `model` (all graphs) by
/// default-domain nodes computing the formulas of the ONNX operator
/// documentation, adding a default-domain opset import when the model has
/// none. The element type of the optimized tensors must be known: run it
/// after ONNX shape inference, and infer again when `changed` is set.
bool expandTrainingOps(onnx::ModelProto &model, bool &changed,
                       std::string &error);

} // namespace kiln

#endif
