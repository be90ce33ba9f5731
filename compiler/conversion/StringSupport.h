//===- StringSupport.h - Calls into the string support library --*- C++ -*-===//
//
// String tensors are tensors of i64 addresses of NUL-terminated UTF-8
// (docs/architecture.md, "String tensors"); the work inside strings is done
// by the kiln_str_* functions of compiler/artifact/support/kiln_strings.c.
// Used by StringOps.cpp and the ai.onnx.ml lowerings (LabelEncoder,
// CategoryMapper).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CONVERSION_STRINGSUPPORT_H
#define KILN_COMPILER_CONVERSION_STRINGSUPPORT_H

#include "mlir/IR/Builders.h"

namespace kiln {

/// Declares the support library function `name` privately in the module of
/// `anchor` (once), so that calls built inside regions under construction
/// can refer to it.
void declareSupport(mlir::OpBuilder &b, mlir::Operation *anchor,
                    llvm::StringRef name, mlir::TypeRange args,
                    mlir::Type result);

/// Calls the support library function `name` (see declareSupport).
mlir::Value callSupport(mlir::OpBuilder &b, mlir::Location loc,
                        llvm::StringRef name, mlir::Type result,
                        mlir::ValueRange args);

/// `bytes` (i64) of memory that lives until the run ends (the run's arena,
/// never freed by the generated code), as an address (i64): new strings and
/// run-time sequences, which the runtime reads after the code returns.
mlir::Value allocRunBytes(mlir::OpBuilder &b, mlir::Operation *anchor,
                          mlir::Value bytes);

/// The address (i64) of the bytes of a constant i8 tensor (its global after
/// bufferization, which is never freed): string constants and the strings
/// a lowering selects from live as long as the artifact.
mlir::Value constantBytesAddress(mlir::OpBuilder &b, mlir::Location loc,
                                 llvm::ArrayRef<char> bytes);

} // namespace kiln

#endif
