//===- Registration.h - Everything kiln-opt can parse and run ---*- C++ -*-===//

#ifndef KILN_COMPILER_PIPELINE_REGISTRATION_H
#define KILN_COMPILER_PIPELINE_REGISTRATION_H

#include "mlir/IR/DialectRegistry.h"

namespace kiln {

/// The onnx dialect plus every upstream dialect and interface model the
/// pipelines produce.
void registerKilnDialects(mlir::DialectRegistry &registry);

/// Kiln's passes and pipelines, plus the upstream passes they are made of,
/// so `kiln-opt` can run each step alone.
void registerKilnPasses();

} // namespace kiln

#endif
