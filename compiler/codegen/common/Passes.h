//===- Passes.h - Target-independent code generation -------------*- C++
//-*-===//

#ifndef KILN_COMPILER_CODEGEN_COMMON_PASSES_H
#define KILN_COMPILER_CODEGEN_COMMON_PASSES_H

#include "compiler/codegen/common/KilnCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Pass/Pass.h"

namespace kiln {
#define GEN_PASS_DECL
#include "compiler/codegen/common/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/codegen/common/Passes.h.inc"

/// Name of the byte buffer holding every weight (kiln-externalize-weights).
constexpr const char *kWeightsSymbol = "__kiln_weights";
/// Module attribute listing the weights: an array of
/// `[offset : i64, dense_resource value]` pairs.
constexpr const char *kWeightsAttr = "kiln.weights";

} // namespace kiln

#endif
