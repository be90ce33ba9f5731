//===- Registration.cpp - Everything kiln-opt can parse and run -----------===//

#include "compiler/pipeline/Registration.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"

void kiln::registerKilnDialects(mlir::DialectRegistry &registry) {
  registry.insert<kiln::onnx_ir::OnnxDialect>();
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
}

void kiln::registerKilnPasses() {
  mlir::registerAllPasses();
  kiln::registerKilnConversionPasses();
}
