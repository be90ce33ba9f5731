//===- Compiler.cpp - Session options to a compiled artifact --------------===//

#include "compiler/pipeline/Compiler.h"
#include "compiler/artifact/Artifact.h"
#include "compiler/artifact/ModelInterface.h"
#include "compiler/codegen/cpu/Passes.h"
#include "compiler/codegen/cuda/Passes.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/frontend/OnnxImporter.h"
#include "compiler/pipeline/Registration.h"
#include "compiler/transforms/Passes.h"
#include "kiln/kiln_abi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/Timing.h"
#include "mlir/Transforms/Passes.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"

#include <algorithm>
#include <mutex>
#include <thread>
#include <unistd.h>

using namespace mlir;

namespace kiln {

void buildGraphPipeline(OpPassManager &pm, int optLevel, bool cpu) {
  pm.addNestedPass<func::FuncOp>(createOnnxShapeInferencePass());
  // Even DISABLE_ALL evaluates the small integer shape arithmetic exporters
  // emit: without it some tensors have no rank and cannot be compiled.
  OnnxConstantFoldingPassOptions folding;
  folding.integerOnly = optLevel == 0;
  pm.addNestedPass<func::FuncOp>(createOnnxConstantFoldingPass(folding));
  // After folding, which inlines the Ifs of constant conditions around the
  // ones of run-time conditions (function bodies nest them).
  pm.addNestedPass<func::FuncOp>(createOnnxUnifyIfRanksPass());
  pm.addNestedPass<func::FuncOp>(createOnnxResolveSequencesPass());
  if (optLevel >= 1) {
    // BASIC: redundant node elimination and exact-enough folds into Conv
    // and of scalar factors into constant weights
    // (and, in codegen, elementwise fusion).
    pm.addNestedPass<func::FuncOp>(createOnnxSimplifyGraphPass());
    pm.addNestedPass<func::FuncOp>(createOnnxFoldIntoConvPass());
    pm.addNestedPass<func::FuncOp>(createOnnxFoldScalePass());
    pm.addPass(createCSEPass());
    pm.addPass(createCanonicalizerPass());
  }
  if (optLevel >= 2) {
    // EXTENDED: fusions into bigger ONNX ops. After CSE, so a duplicated
    // subexpression does not hide a pattern.
    pm.addNestedPass<func::FuncOp>(createOnnxFuseGeluPass());
    pm.addNestedPass<func::FuncOp>(createOnnxFuseLayerNormPass());
    pm.addNestedPass<func::FuncOp>(createOnnxFuseGemmPass());
    // kiln.attention has a CPU kernel only.
    if (cpu)
      pm.addNestedPass<func::FuncOp>(createOnnxFuseAttentionPass());
  }
  // ALL (O3) adds tile-and-vectorize in the CPU codegen.
}

void buildCpuPipeline(OpPassManager &pm, int optLevel) {
  buildGraphPipeline(pm, optLevel, /*cpu=*/true);
  pm.addPass(createConvertOnnxToLinalg());
  buildCpuCodegenPipeline(pm, CpuCodegenOptions{optLevel});
}

namespace {

/// Below this many function definitions a module is compiled as one part:
/// splitting and reading back costs more than the threads save.
constexpr unsigned kMinFunctionsToSplit = 24;

/// "file: " for locations that name one; node names are in the messages.
std::string describeLocation(Location loc) {
  std::string out;
  loc->walk([&](Location l) {
    if (auto f = dyn_cast<FileLineColLoc>(l)) {
      out = f.getFilename().str() +
            (f.getLine() ? ":" + std::to_string(f.getLine()) : "") + ": ";
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return out;
}

/// Collects every error diagnostic as "location: message" lines.
struct DiagnosticCollector {
  DiagnosticCollector(MLIRContext &ctx)
      : handler(&ctx, [this](Diagnostic &d) {
          if (d.getSeverity() != DiagnosticSeverity::Error)
            return success();
          std::string line;
          llvm::raw_string_ostream os(line);
          os << describeLocation(d.getLocation()) << "error: " << d;
          for (Diagnostic &note : d.getNotes())
            if (getenv("KILN_DEBUG_DIAGNOSTICS") || !StringRef(note.str()).starts_with("see current operation"))
              os << "\n  note: " << note;
          messages += (messages.empty() ? "" : "\n") + line;
          return success();
        }) {}
  ScopedDiagnosticHandler handler;
  std::string messages;
};

bool writeText(const std::string &path, llvm::function_ref<void(
                                             llvm::raw_ostream &)> print,
               std::string &error) {
  if (path == "-") {
    print(llvm::outs());
    return true;
  }
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec) {
    error = "cannot write " + path + ": " + ec.message();
    return false;
  }
  print(os);
  return true;
}

/// The model compiled for the CPU with `options` otherwise, as the bytes of
/// its shared object: the copy a CUDA artifact carries for the runtime's
/// fallback to the CPU.
bool compileCpuCopy(const std::string &modelPath, const std::string &bytes,
                    const CompileOptions &options, std::string &copy,
                    std::string &error, int &code) {
  CompileOptions cpu = options;
  cpu.provider = Provider::Cpu;
  cpu.cudaCpuFallback = cpu.cudaHostKernels = cpu.cudaEmulate = false;
  cpu.emit = EmitKind::SharedObject;
  cpu.cHeaderPath.clear();
  cpu.cSourcePath.clear();
  cpu.printIRAfterAll = cpu.timeReport = false;
  llvm::SmallString<128> path;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("kiln-cpu-copy", "so", path)) {
    code = 1;
    error = "cannot create a file for the CPU copy: " + ec.message();
    return false;
  }
  llvm::FileRemover remove(path);
  if (!compileModel(modelPath, bytes, cpu, std::string(path), error, code)) {
    error = "compiling the CPU copy: " + error;
    return false;
  }
  auto buffer = llvm::MemoryBuffer::getFile(path);
  if (!buffer) {
    code = 1;
    error = "cannot read the CPU copy: " + buffer.getError().message();
    return false;
  }
  copy = (*buffer)->getBuffer().str();
  return true;
}

} // namespace

bool compileModel(const std::string &modelPath, const std::string &bytes,
                  const CompileOptions &options, const std::string &outPath,
                  std::string &error, int &code) {
  // Pipelines are spelled as textual pass pipelines: register the passes.
  static std::once_flag registered;
  std::call_once(registered, registerKilnPasses);
  DialectRegistry registry;
  registerKilnDialects(registry);
  registerAllToLLVMIRTranslations(registry);
  MLIRContext ctx(registry, MLIRContext::Threading::DISABLED);
  DiagnosticCollector diags(ctx);
  // --time-report: one tree of timers, printed to stderr when the compile
  // ends (also on failure), the MLIR pass managers' timings nested in it.
  DefaultTimingManager timing;
  timing.setEnabled(options.timeReport);
  timing.setDisplayMode(DefaultTimingManager::DisplayMode::Tree);
  TimingScope rootTimer = timing.getRootScope();
  TimingScope stageTimer = rootTimer.nest("import (ONNX to the onnx dialect)");

  // Function ops Kiln has no pattern for are imported as their bodies.
  llvm::StringSet<> lowered = onnxOpsWithLowering(&ctx);
  OwningOpRef<ModuleOp> module =
      importOnnxModel(&ctx, modelPath, bytes, options.shapes, &code, &lowered);
  auto fail = [&](int c, const std::string &what) {
    code = c;
    error = what.empty() ? diags.messages
                         : (diags.messages.empty() ? what
                                                   : what + "\n" +
                                                         diags.messages);
    return false;
  };
  if (!module)
    return fail(code ? code : 10, "");
  // The importer builds ops generically; the pass manager verifies only
  // after each pass, and the first (shape inference) read a Cast's missing
  // `to` or a Concat's missing `axis` as null attributes (SIGSEGV, found by
  // the mutation driver).
  if (failed(mlir::verify(*module)))
    return fail(10, "");

  stageTimer.stop();
  stageTimer = rootTimer.nest("graph passes and conversion to linalg");
  PassManager pm(&ctx);
  pm.enableTiming(stageTimer);
  if (options.printIRAfterAll) {
    ctx.disableMultithreading();
    pm.enableIRPrinting();
  }
  buildGraphPipeline(pm, options.optLevel,
                     options.provider == Provider::Cpu);
  if (options.emit != EmitKind::Onnx)
    pm.addPass(createConvertOnnxToLinalg());
  // The signature is read before lowering erases the kiln.* attributes.
  if (failed(pm.run(*module)))
    return fail(9, "");
  FailureOr<Signature> sig = extractSignature(*module);
  if (failed(sig))
    return fail(10, "");
  if (options.emit == EmitKind::Onnx)
    return writeText(outPath, [&](llvm::raw_ostream &os) { module->print(os); },
                     error) || fail(1, error);
  const bool cudaArtifact =
      options.provider == Provider::Cuda && !options.cudaEmulate;
  if (cudaArtifact &&
      (options.emit == EmitKind::Linalg || options.emit == EmitKind::Mlir ||
       options.emit == EmitKind::Ptx)) {
    stageTimer.stop();
    stageTimer = rootTimer.nest("CUDA code generation and PTX");
    return compileCudaModule(*module, options, outPath, error, code) ||
           fail(code, error);
  }
  if (options.emit == EmitKind::Ptx)
    return fail(2, "--emit=ptx needs --provider=cuda");
  if (std::string bad; cudaArtifact && !checkCudaOptions(options, bad))
    return fail(2, bad);
  if (options.cudaCpuFallback && !cudaArtifact)
    return fail(2, "a CPU copy of the model is carried only by a CUDA "
                   "artifact (--provider=cuda,cpu without --cuda-emulate)");
  // Compiled before the CUDA code, whose module stays in memory meanwhile.
  std::string cpuCopy;
  if (options.cudaCpuFallback) {
    TimingScope copyTimer = rootTimer.nest("the CPU copy (a whole compile)");
    if (!compileCpuCopy(modelPath, bytes, options, cpuCopy, error, code))
      return false;
  }

  // The target machine first: code generation picks kernels by its
  // features. The target description the strategy layer reads is the ISA
  // from those features and the caches of this host when compiling for it
  // (typical sizes otherwise); --emit=linalg writes it too, so that
  // `kiln-opt --kiln-cpu-codegen="select-lowering=1"` replays the rest.
  std::string err;
  bool wantsInterface =
      !options.cHeaderPath.empty() || !options.cSourcePath.empty();
  if ((options.emit == EmitKind::StaticLibrary || wantsInterface) &&
      !isValidModelName(options.modelName))
    return fail(2, "the model name '" + options.modelName +
                       "' is not a C identifier");
  if (wantsInterface && options.emit != EmitKind::SharedObject &&
      options.emit != EmitKind::StaticLibrary)
    return fail(2, "a C interface is generated only with a shared object or "
                   "a static library");
  auto tm = createCpuTargetMachine(options.mcpu, options.mattr,
                                   options.optLevel, err);
  if (!tm)
    return fail(2, err);
  const llvm::MCSubtargetInfo *subtarget = tm->getMCSubtargetInfo();
  ctx.getOrLoadDialect<codegen::KilnCodegenDialect>();
  int64_t l1 = 32 * 1024, l2 = 1024 * 1024;
  if (options.mcpu.empty() || options.mcpu == "native") {
    if (long size = sysconf(_SC_LEVEL1_DCACHE_SIZE); size > 0)
      l1 = size;
    if (long size = sysconf(_SC_LEVEL2_CACHE_SIZE); size >= l1)
      l2 = size;
  }
  (*module)->setAttr(codegen::kTargetAttrName,
                     describeCpuTarget(
                         &ctx,
                         [&](llvm::StringRef feature) {
                           return subtarget->checkFeatures(
                               ("+" + feature).str());
                         },
                         l1, l2));
  if (options.emit == EmitKind::Linalg)
    return writeText(outPath, [&](llvm::raw_ostream &os) { module->print(os); },
                     error) || fail(1, error);

  module->lookupSymbol<func::FuncOp>("main")->setAttr(
      "llvm.emit_c_interface", UnitAttr::get(&ctx));
  CpuCodegenOptions codegenOptions{options.optLevel, options.profile};
  codegenOptions.selectLowering = true;
  codegenOptions.winograd = options.winograd;
  codegenOptions.fusePointwiseDepthwise = options.fusePointwiseDepthwise;
  stageTimer.stop();
  stageTimer = rootTimer.nest("code generation (linalg to the LLVM dialect)");
  PassManager codegen(&ctx);
  codegen.enableTiming(stageTimer);
  if (options.printIRAfterAll)
    codegen.enableIRPrinting();
  if (cudaArtifact)
    buildCudaArtifactPipeline(codegen, cudaCodegenOptions(options));
  else if (options.provider == Provider::Cuda)
    buildCudaEmulationPipeline(codegen, cudaCodegenOptions(options));
  else
    buildCpuCodegenPipeline(codegen, codegenOptions);
  if (failed(codegen.run(*module)))
    return fail(5, "code generation failed");
  if (options.emit == EmitKind::Mlir)
    return writeText(outPath, [&](llvm::raw_ostream &os) { module->print(os); },
                     error) || fail(1, error);

  stageTimer.stop();
  stageTimer = rootTimer.nest("translation to LLVM IR and artifact globals");
  llvm::LLVMContext llvmCtx;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmCtx, "kiln_model");
  if (!llvmModule)
    return fail(5, "translation to LLVM IR failed");
  if (failed(finalizeArtifactModule(*llvmModule, *module, *sig,
                                    cudaArtifact ? KILN_PROVIDER_CUDA
                                                 : KILN_PROVIDER_CPU,
                                    tm->getTargetCPU().str(),
                                    requiredCpuFeatures(*tm), err, cpuCopy)))
    return fail(5, err);
  if (options.emit == EmitKind::Llvm) {
    llvmModule->setDataLayout(tm->createDataLayout());
    llvmModule->setTargetTriple(tm->getTargetTriple());
    return writeText(outPath,
                     [&](llvm::raw_ostream &os) { llvmModule->print(os, nullptr); },
                     error) || fail(1, error);
  }
  stageTimer.stop();
  stageTimer = rootTimer.nest("LLVM");
  // LLVM optimizes and selects instructions on one thread per module: a
  // model of many kernels is split into a part per hardware thread (up to
  // 4), compiled in parallel and linked together. An object file asked for
  // on its own stays one part.
  unsigned definitions = 0;
  for (llvm::Function &f : *llvmModule)
    definitions += !f.isDeclaration();
  unsigned parts = 1;
  if (options.emit != EmitKind::Object && definitions >= kMinFunctionsToSplit)
    parts = std::clamp(std::thread::hardware_concurrency(), 1u, 4u);
  // The weights are in the LLVM module now: release the MLIR copy before
  // LLVM makes more (bitcode of the parts, the objects).
  module = nullptr;
  std::vector<llvm::SmallVector<char, 0>> objects;
  if (failed(emitObjects(std::move(llvmModule), *tm, options.optLevel, parts,
                         objects, err, &stageTimer)))
    return fail(5, err);
  if (options.emit == EmitKind::Object)
    return writeText(outPath,
                     [&](llvm::raw_ostream &os) {
                       os.write(objects[0].data(), objects[0].size());
                     },
                     error) || fail(1, error);
  stageTimer.stop();
  stageTimer = rootTimer.nest("linking");
  if (options.emit == EmitKind::StaticLibrary) {
    if (failed(linkStaticLibrary(objects,
                                 linkedInDescriptorSymbol(options.modelName),
                                 outPath, err)))
      return fail(1, err);
  } else if (failed(linkSharedObject(objects, outPath, err))) {
    return fail(1, err);
  }
  if (wantsInterface) {
    ModelInterfaceOptions iface;
    iface.name = options.modelName;
    iface.headerPath = options.cHeaderPath;
    iface.sourcePath = options.cSourcePath;
    iface.linkedIn = options.emit == EmitKind::StaticLibrary;
    iface.modelPath = modelPath;
    llvm::SmallString<256> absolute(outPath);
    llvm::sys::fs::make_absolute(absolute);
    iface.artifactPath = std::string(absolute);
    if (failed(writeModelInterface(*sig, iface, err)))
      return fail(1, err);
  }
  return true;
}

} // namespace kiln
