//===- Registration.cpp - Everything kiln-opt can parse and run -----------===//

#include "compiler/pipeline/Registration.h"
#include "compiler/codegen/common/KilnCodegen.h"
#include "compiler/codegen/common/Passes.h"
#include "compiler/codegen/cpu/Passes.h"
#include "compiler/codegen/cuda/Passes.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/pipeline/Compiler.h"
#include "compiler/transforms/Passes.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"

void kiln::registerKilnDialects(mlir::DialectRegistry &registry) {
  registry.insert<kiln::onnx_ir::OnnxDialect,
                  kiln::codegen::KilnCodegenDialect>();
  // Before MLIR's models: the first registered for an op is kept.
  kiln::codegen::registerSoftmaxBufferization(registry);
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR in kiln-opt too.
  kiln::registerCudaCodegenDialects(registry);
}

void kiln::registerKilnPasses() {
  mlir::registerAllPasses();
  kiln::registerKilnConversionPasses();
  kiln::registerKilnTransformsPasses();
  kiln::registerKilnCodegenCommonPasses();
  kiln::registerKilnCpuCodegenPasses();
  kiln::registerCpuCodegenPipeline();
  kiln::registerCudaCodegenPasses();
  mlir::PassPipelineRegistration<>(
      "kiln-cpu-pipeline",
      "The whole CPU pipeline, onnx dialect to LLVM dialect (level ALL)",
      [](mlir::OpPassManager &pm) { kiln::buildCpuPipeline(pm, 3); });
}
