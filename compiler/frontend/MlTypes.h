//===- MlTypes.h - Result types of ai.onnx.ml operators ---------*- C++ -*-===//
//
// ONNX's shape inference gives the classifiers and regressors of the
// ai.onnx.ml domain no (or only partial) result types: SVMClassifier has no
// inference function, TreeEnsembleClassifier types only its labels. What
// follows them (an Identity, a Cast) then has no type either.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_FRONTEND_MLTYPES_H
#define KILN_COMPILER_FRONTEND_MLTYPES_H

namespace onnx {
class ModelProto;
} // namespace onnx

namespace kiln {

/// Adds a value_info for every untyped output of an ai.onnx.ml classifier
/// or regressor of the main graph whose input type is known, from the
/// operator's definition ([N] labels, [N, C] scores). Returns whether it
/// added any, so that inference runs again to type what follows them.
bool typeMlOutputs(onnx::ModelProto &model);

} // namespace kiln

#endif
