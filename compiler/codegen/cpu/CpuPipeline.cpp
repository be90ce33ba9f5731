//===- CpuPipeline.cpp - linalg on tensors to the LLVM dialect ------------===//
//
// Spelled as textual pipelines of registered passes on purpose: every step
// can be replayed alone with kiln-opt.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cpu/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace kiln {

static void addPipeline(OpPassManager &pm, StringRef text) {
  if (failed(parsePassPipeline(text, pm, llvm::errs())))
    llvm::report_fatal_error("kiln: invalid built-in pass pipeline");
}

void buildCpuCodegenPipeline(OpPassManager &pm,
                             const CpuCodegenOptions &options) {
  addPipeline(pm, "canonicalize,cse");
  if (options.optLevel >= 1)
    addPipeline(pm, "func.func(linalg-fuse-elementwise-ops),canonicalize,cse");
  // Function boundaries use identity layouts: the runtime passes and
  // receives plain strided buffers.
  addPipeline(pm,
              "one-shot-bufferize{bufferize-function-boundaries=1 "
              "function-boundary-type-conversion=identity-layout-map},"
              "canonicalize,"
              "buffer-deallocation-pipeline,"
              "func.func(kiln-strided-copy-to-linalg,convert-linalg-to-loops),"
              "kiln-externalize-weights,"
              "lower-affine,convert-scf-to-cf,canonicalize,"
              "func.func(kiln-lower-dynamic-expand-shape),"
              "expand-strided-metadata,lower-affine,"
              "finalize-memref-to-llvm{use-generic-functions=1},"
              "convert-math-to-llvm,convert-math-to-libm,"
              "convert-arith-to-llvm,convert-index-to-llvm,"
              "convert-func-to-llvm,convert-cf-to-llvm,"
              "reconcile-unrealized-casts,canonicalize");
}

void registerCpuCodegenPipeline() {
  PassPipelineRegistration<>(
      "kiln-cpu-codegen",
      "Lower linalg on tensors to the LLVM dialect for the CPU (O3)",
      [](OpPassManager &pm) { buildCpuCodegenPipeline(pm, {}); });
}

} // namespace kiln
