//===- CudaCompile.cpp - The CUDA provider's half of compileModel ---------===//
//
// What the CUDA provider writes besides artifacts: the linalg input of its
// pipeline, the module after code generation, and the PTX directory
// (--emit=linalg, mlir, ptx). Artifacts (--emit=so, lib, obj, llvm) take
// compileModel's path with buildCudaArtifactPipeline as their code
// generation (docs/architecture.md, "The CUDA provider").
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cuda/Passes.h"
#include "compiler/codegen/cuda/PtxEmission.h"
#include "compiler/pipeline/Compiler.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

kiln::CudaCodegenOptions
kiln::cudaCodegenOptions(const CompileOptions &options) {
  CudaCodegenOptions codegen;
  codegen.optLevel = options.optLevel;
  codegen.chips = options.cudaChips;
  codegen.hostKernels = options.cudaHostKernels;
  codegen.blockReductionMin = options.cudaBlockReductionMin;
  codegen.tileMin = options.cudaTileMin;
  codegen.tf32 = options.cudaTf32;
  codegen.toolkit = options.cudaToolkit.empty() ? defaultCudaToolkit().str()
                                                : options.cudaToolkit;
  return codegen;
}

bool kiln::checkCudaOptions(const CompileOptions &options,
                            std::string &error) {
  for (const std::string &chip : options.cudaChips)
    if (!ptxFeaturesForChip(chip)) {
      error = "unknown CUDA architecture '" + chip +
              "' (expected sm_50 to sm_121, e.g. sm_80, sm_90)";
      return false;
    }
  if (options.emit == EmitKind::Linalg)
    return true;
  // Math in kernels calls libdevice's __nv_* functions: without it the PTX
  // keeps them as unresolved externs that ptxas and the driver refuse.
  std::string toolkit = cudaCodegenOptions(options).toolkit;
  llvm::SmallString<256> libdevice(toolkit);
  llvm::sys::path::append(libdevice, "nvvm", "libdevice", "libdevice.10.bc");
  if (toolkit.empty() || !llvm::sys::fs::exists(libdevice)) {
    error = "the CUDA provider needs a CUDA toolkit with libdevice: none at "
            "'" +
            toolkit + "' (--cuda-toolkit=PATH)";
    return false;
  }
  return true;
}

bool kiln::compileCudaModule(ModuleOp module, const CompileOptions &options,
                             const std::string &outPath, std::string &error,
                             int &code) {
  auto fail = [&](int c, std::string what) {
    code = c;
    error = std::move(what);
    return false;
  };
  auto print = [&]() {
    if (outPath == "-") {
      module.print(llvm::outs());
      return true;
    }
    std::error_code ec;
    llvm::raw_fd_ostream os(outPath, ec);
    if (ec)
      return fail(1, "cannot write " + outPath + ": " + ec.message());
    module.print(os);
    return true;
  };
  if (!checkCudaOptions(options, error)) {
    code = 2;
    return false;
  }
  if (options.emit == EmitKind::Linalg)
    return print();

  CudaCodegenOptions codegen = cudaCodegenOptions(options);

  PassManager pm(module.getContext());
  if (options.printIRAfterAll)
    pm.enableIRPrinting();
  buildCudaCodegenPipeline(pm, codegen);
  if (failed(pm.run(module)))
    return fail(5, "CUDA code generation failed");
  if (options.emit == EmitKind::Mlir)
    return print();
  if (outPath == "-")
    return fail(2, "--emit=ptx writes a directory: give it with -o DIR");
  if (failed(writePtxDirectory(module, outPath, error)))
    return fail(1, error);
  return true;
}
