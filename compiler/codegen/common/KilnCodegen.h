//===- KilnCodegen.h - Targets and lowering configurations ------*- C++ -*-===//

#ifndef KILN_COMPILER_CODEGEN_COMMON_KILNCODEGEN_H
#define KILN_COMPILER_CODEGEN_COMMON_KILNCODEGEN_H

#include "mlir/IR/Attributes.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/DialectImplementation.h"

#include "compiler/codegen/common/KilnCodegenDialect.h.inc"
#include "compiler/codegen/common/KilnCodegenEnums.h.inc"

#define GET_ATTRDEF_CLASSES
#include "compiler/codegen/common/KilnCodegenAttrs.h.inc"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "compiler/codegen/common/KilnCodegenOps.h.inc"

namespace kiln::codegen {

/// The discardable attributes the strategy layer uses.
inline constexpr llvm::StringLiteral kTargetAttrName = "kiln.target";
inline constexpr llvm::StringLiteral kLoweringConfigAttrName =
    "kiln.lowering_config";

/// The lowering configuration of `op`, or null.
LoweringConfigAttr getLoweringConfig(mlir::Operation *op);
void setLoweringConfig(mlir::Operation *op, LoweringConfigAttr config);

/// The configuration of `op` when its strategy is `strategy`, or null.
LoweringConfigAttr getLoweringConfig(mlir::Operation *op, Strategy strategy);

/// The GPU strategy layer's configuration of `op`, or null.
inline constexpr llvm::StringLiteral kGpuLoweringConfigAttrName =
    "kiln.gpu_lowering_config";
GpuLoweringConfigAttr getGpuLoweringConfig(mlir::Operation *op);
void setGpuLoweringConfig(mlir::Operation *op, GpuLoweringConfigAttr config);

/// Registers a bufferization model for linalg.softmax that keeps the op's
/// lowering configuration (MLIR's drops it); call before MLIR's models are
/// registered (registerAllDialects), since an op keeps its first model.
void registerSoftmaxBufferization(mlir::DialectRegistry &registry);

/// The target description on `module`, or null.
TargetAttr getTarget(mlir::ModuleOp module);

/// The width of `isa`'s vector registers in bits (512, 256, 128).
int64_t vectorBits(Isa isa);

/// The support-library name suffix of `isa`: the kernels are
/// kiln_sgemm_avx512, kiln_sgemm_avx2, kiln_sgemm_sse, ...
llvm::StringRef isaSuffix(Isa isa);

/// Whether `op` is a linalg op with a reduction loop (a contraction, a
/// convolution, a reduction).
bool hasReductionLoop(mlir::Operation *op);

/// The profiling hooks kiln-instrument-kernels brackets each kernel with:
/// func.calls taking the kernel's i32 id.
inline constexpr llvm::StringLiteral kKernelBeginSymbol = "kiln_kernel_begin";
inline constexpr llvm::StringLiteral kKernelEndSymbol = "kiln_kernel_end";

/// Whether `op` is a call to a profiling hook. Such a call reads and writes
/// no buffer of the model: passes that look for what happens between two
/// ops skip it, so a profiled artifact runs the code an unprofiled one does.
bool isProfilingHook(mlir::Operation *op);

} // namespace kiln::codegen

#endif
