//===- ObjectEmitter.cpp - LLVM IR to an x86-64 object, in process --------===//

#include "compiler/artifact/Artifact.h"
#include "kiln/kiln_cpu_features.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/Bitcode/BitcodeWriter.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Transforms/Utils/SplitModule.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

#include <thread>

namespace kiln {

std::unique_ptr<llvm::TargetMachine>
createCpuTargetMachine(const std::string &cpu, const std::string &extra,
                       int optLevel, std::string &error) {
  static bool initialized = [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    return true;
  }();
  (void)initialized;
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  const llvm::Target *target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return nullptr;
  std::string cpuName = cpu.empty() || cpu == "native"
                            ? llvm::sys::getHostCPUName().str()
                            : cpu;
  std::string features;
  if (cpu.empty() || cpu == "native") {
    for (auto &f : llvm::sys::getHostCPUFeatures())
      features += (f.second ? "+" : "-") + f.first().str() + ",";
  }
  if (!extra.empty()) {
    // LLVM only warns about a feature it does not know, and ignores it.
    std::unique_ptr<llvm::MCSubtargetInfo> info(
        target->createMCSubtargetInfo(triple, "generic", ""));
    llvm::SmallVector<llvm::StringRef> parts;
    llvm::StringRef(extra).split(parts, ',', -1, /*KeepEmpty=*/false);
    for (llvm::StringRef part : parts) {
      part = part.trim();
      llvm::StringRef name = part.drop_front(
          part.starts_with("+") || part.starts_with("-") ? 1 : 0);
      if (!part.starts_with("+") && !part.starts_with("-")) {
        error = "--mattr: '" + part.str() +
                "' is not +feature or -feature (e.g. +avx2,-avx512f)";
        return nullptr;
      }
      if (!llvm::any_of(info->getAllProcessorFeatures(),
                        [&](const llvm::SubtargetFeatureKV &kv) {
                          return name == kv.Key;
                        })) {
        error = "--mattr: unknown CPU feature '" + name.str() + "' for " +
                triple.str();
        return nullptr;
      }
      features += part.str() + ",";
    }
  }
  // LLVM tunes the Intel cores with AVX-512 (Skylake-SP to Sapphire Rapids,
  // Rocket Lake) to prefer 256-bit vectors, so its vectorizers filled half
  // a register in every loop of the generated code (elementwise chains,
  // reductions, pooling) while the GEMM and convolution kernels keep the
  // core at its AVX-512 clock anyway: a SiLU over 307K floats took 159 us,
  // 127 with whole registers. Gathers and scatters then become the
  // vectorizers' choice for strided loops (a pool's padded copy: 16-lane
  // scatters of -inf, 2x slower than scalar stores): they are slower than
  // the scalar accesses they replace on these cores.
  {
    std::unique_ptr<llvm::MCSubtargetInfo> info(
        target->createMCSubtargetInfo(triple, cpuName, features));
    if (info && info->checkFeatures("+avx512f"))
      features += "-prefer-256-bit,+prefer-no-gather,+prefer-no-scatter,";
  }
  llvm::TargetOptions options;
  llvm::CodeGenOptLevel level = optLevel >= 2 ? llvm::CodeGenOptLevel::Aggressive
                                : optLevel == 1 ? llvm::CodeGenOptLevel::Default
                                                : llvm::CodeGenOptLevel::None;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpuName, features, options, llvm::Reloc::PIC_, std::nullopt,
      level));
  if (!tm)
    error = "cannot create a target machine for " + triple.str() + " (" +
            cpuName + ")";
  else if (!target->createMCSubtargetInfo(triple, cpuName, "")
                ->isCPUStringValid(cpuName))
    error = "unknown CPU '" + cpuName + "' for --mcpu", tm.reset();
  return tm;
}

std::string requiredCpuFeatures(const llvm::TargetMachine &tm) {
  const llvm::MCSubtargetInfo *info = tm.getMCSubtargetInfo();
  std::string out;
  for (const kiln_cpu_feature_t &feature : kiln_cpu_feature_table)
    if (info->checkFeatures(std::string("+") + feature.name))
      out += (out.empty() ? "" : ",") + std::string(feature.name);
  return out;
}

mlir::LogicalResult emitObject(llvm::Module &module, llvm::TargetMachine &tm,
                               int optLevel,
                               llvm::SmallVectorImpl<char> &object,
                               std::string &error, mlir::TimingScope *timing) {
  mlir::TimingScope optTimer =
      timing ? timing->nest("LLVM optimization") : mlir::TimingScope();
  module.setDataLayout(tm.createDataLayout());
  module.setTargetTriple(tm.getTargetTriple());
  auto optimize = mlir::makeOptimizingTransformer(
      std::min(optLevel, 3), /*sizeLevel=*/0, &tm);
  if (llvm::Error e = optimize(&module)) {
    error = "LLVM optimization failed: " + llvm::toString(std::move(e));
    return mlir::failure();
  }
  optTimer.stop();
  mlir::TimingScope codegenTimer =
      timing ? timing->nest("instruction selection and object emission")
             : mlir::TimingScope();
  llvm::raw_svector_ostream os(object);
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr,
                             llvm::CodeGenFileType::ObjectFile)) {
    error = "the target cannot emit object files";
    return mlir::failure();
  }
  pm.run(module);
  return mlir::success();
}

mlir::LogicalResult
emitObjects(std::unique_ptr<llvm::Module> module, llvm::TargetMachine &tm,
            int optLevel, unsigned parts,
            std::vector<llvm::SmallVector<char, 0>> &objects,
            std::string &error, mlir::TimingScope *timing) {
  objects.clear();
  if (parts <= 1) {
    objects.emplace_back();
    return emitObject(*module, tm, optLevel, objects.back(), error, timing);
  }
  mlir::TimingScope splitTimer =
      timing ? timing->nest("splitting into parts") : mlir::TimingScope();
  module->setDataLayout(tm.createDataLayout());
  module->setTargetTriple(tm.getTargetTriple());
  // An LLVM context is not thread-safe: each part crosses to its thread's
  // own context as bitcode.
  std::vector<llvm::SmallVector<char, 0>> bitcode;
  llvm::SplitModule(*module, parts, [&](std::unique_ptr<llvm::Module> part) {
    bitcode.emplace_back();
    llvm::raw_svector_ostream os(bitcode.back());
    llvm::WriteBitcodeToFile(*part, os);
  });
  module.reset();
  splitTimer.stop();
  mlir::TimingScope partsTimer =
      timing ? timing->nest("optimization and instruction selection of " +
                            std::to_string(bitcode.size()) +
                            " parts in parallel")
             : mlir::TimingScope();
  objects.resize(bitcode.size());
  std::vector<std::string> errors(bitcode.size());
  auto compilePart = [&](size_t i) {
    llvm::LLVMContext ctx;
    llvm::Expected<std::unique_ptr<llvm::Module>> part =
        llvm::parseBitcodeFile(
            llvm::MemoryBufferRef(
                llvm::StringRef(bitcode[i].data(), bitcode[i].size()),
                "part"),
            ctx);
    if (!part) {
      errors[i] = "cannot read back part " + std::to_string(i) + ": " +
                  llvm::toString(part.takeError());
      return;
    }
    // Read in full: the bytes (weights included) are not needed again.
    llvm::SmallVector<char, 0>().swap(bitcode[i]);
    // A target machine is not shared between threads: one per part, like
    // `tm` (which made LLVM's targets ready before any thread started).
    std::unique_ptr<llvm::TargetMachine> partTm = createCpuTargetMachine(
        tm.getTargetCPU().str(), tm.getTargetFeatureString().str(), optLevel,
        errors[i]);
    if (partTm)
      (void)emitObject(**part, *partTm, optLevel, objects[i], errors[i]);
  };
  std::vector<std::thread> threads;
  for (size_t i = 1; i < bitcode.size(); ++i)
    threads.emplace_back(compilePart, i);
  compilePart(0);
  for (std::thread &t : threads)
    t.join();
  for (std::string &e : errors)
    if (!e.empty()) {
      error = e;
      return mlir::failure();
    }
  return mlir::success();
}

} // namespace kiln
