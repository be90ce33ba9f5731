//===- KilnCodegen.cpp - Targets and lowering configurations --------------===//

#include "compiler/codegen/common/KilnCodegen.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace kiln::codegen;

#include "compiler/codegen/common/KilnCodegenDialect.cpp.inc"
#include "compiler/codegen/common/KilnCodegenEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "compiler/codegen/common/KilnCodegenAttrs.cpp.inc"

#define GET_OP_CLASSES
#include "compiler/codegen/common/KilnCodegenOps.cpp.inc"

void KilnCodegenDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "compiler/codegen/common/KilnCodegenAttrs.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "compiler/codegen/common/KilnCodegenOps.cpp.inc"
      >();
}

LogicalResult TargetAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 Isa isa, int64_t vectorBits,
                                 int64_t vectorRegisters, int64_t l1Bytes,
                                 int64_t l2Bytes) {
  int64_t expectedBits = kiln::codegen::vectorBits(isa);
  if (vectorBits != expectedBits)
    return emitError() << "kiln.target: " << stringifyIsa(isa) << " has "
                       << expectedBits << "-bit vectors, not " << vectorBits;
  if (vectorRegisters != 16 && vectorRegisters != 32)
    return emitError() << "kiln.target: vector_registers must be 16 or 32, "
                          "not "
                       << vectorRegisters;
  if (l1Bytes <= 0 || l2Bytes < l1Bytes)
    return emitError() << "kiln.target: cache sizes must be positive with "
                          "l2 >= l1 (l1 "
                       << l1Bytes << ", l2 " << l2Bytes << ")";
  return success();
}

LogicalResult LoweringConfigAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, Strategy strategy, Isa isa,
    ArrayRef<int64_t> parallelTiles, ArrayRef<int64_t> reductionTiles) {
  bool tiles = !parallelTiles.empty() || !reductionTiles.empty();
  if (strategy == Strategy::tile_and_vectorize) {
    if (parallelTiles.size() != reductionTiles.size() || !tiles)
      return emitError() << "kiln.lowering_config: tile_and_vectorize needs "
                            "parallel_tiles and reduction_tiles, one size "
                            "per loop each";
  } else if (tiles) {
    return emitError() << "kiln.lowering_config: "
                       << stringifyStrategy(strategy)
                       << " takes no tile sizes (its kernel has its own)";
  }
  for (int64_t size :
       llvm::concat<const int64_t>(parallelTiles, reductionTiles))
    if (size < 0)
      return emitError() << "kiln.lowering_config: tile sizes must be >= 0";
  return success();
}

LogicalResult
GpuLoweringConfigAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                              GpuStrategy strategy, int64_t threads) {
  if (threads <= 0 || threads > 1024 || threads % 32)
    return emitError() << "kiln.gpu_lowering_config: threads must be whole "
                          "warps of 32, at most 1024, not "
                       << threads;
  return success();
}

namespace kiln::codegen {

GpuLoweringConfigAttr getGpuLoweringConfig(Operation *op) {
  return op->getAttrOfType<GpuLoweringConfigAttr>(kGpuLoweringConfigAttrName);
}

void setGpuLoweringConfig(Operation *op, GpuLoweringConfigAttr config) {
  op->setAttr(kGpuLoweringConfigAttrName, config);
}

LoweringConfigAttr getLoweringConfig(Operation *op) {
  return op->getAttrOfType<LoweringConfigAttr>(kLoweringConfigAttrName);
}

void setLoweringConfig(Operation *op, LoweringConfigAttr config) {
  op->setAttr(kLoweringConfigAttrName, config);
}

LoweringConfigAttr getLoweringConfig(Operation *op, Strategy strategy) {
  LoweringConfigAttr config = getLoweringConfig(op);
  return config && config.getStrategy() == strategy ? config : nullptr;
}

TargetAttr getTarget(ModuleOp module) {
  return module->getAttrOfType<TargetAttr>(kTargetAttrName);
}

int64_t vectorBits(Isa isa) {
  switch (isa) {
  case Isa::avx512:
    return 512;
  case Isa::avx2:
    return 256;
  case Isa::sse:
    return 128;
  }
  llvm_unreachable("unknown Isa");
}

llvm::StringRef isaSuffix(Isa isa) { return stringifyIsa(isa); }

bool hasReductionLoop(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.getNumReductionLoops() > 0;
}

bool isProfilingHook(Operation *op) {
  auto call = dyn_cast_or_null<func::CallOp>(op);
  return call && (call.getCallee() == kKernelBeginSymbol ||
                  call.getCallee() == kKernelEndSymbol);
}

} // namespace kiln::codegen
