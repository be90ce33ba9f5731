//===- OnnxImporter.h - ONNX protobuf to the onnx dialect -------*- C++ -*-===//

#ifndef KILN_COMPILER_FRONTEND_ONNXIMPORTER_H
#define KILN_COMPILER_FRONTEND_ONNXIMPORTER_H

#include "compiler/frontend/ModelLoader.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringSet.h"

namespace kiln {

/// Imports a model into a module holding `func.func @main`. Graph inputs and
/// outputs carry `kiln.name`, `kiln.elem_type` and `kiln.dim_params`
/// argument/result attributes; the module carries `kiln.opset` and
/// `kiln.metadata`. Initializers become onnx.Constant ops whose large values
/// are DenseResourceElementsAttr blobs (never expanded into attributes).
/// Errors are emitted as diagnostics on `ctx`; `errorCode` gets the ONNX
/// Runtime status code of the failure. Default-domain operators with an ONNX
/// function body that are not in `loweredOps` (the conversion's
/// onnxOpsWithLowering) are imported as their bodies.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxModel(mlir::MLIRContext *ctx, const std::string &path,
                const std::string &bytes, const ShapeOptions &shapes,
                int *errorCode = nullptr,
                const llvm::StringSet<> *loweredOps = nullptr);

} // namespace kiln

#endif
