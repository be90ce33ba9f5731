//===- ObjectEmitter.cpp - LLVM IR to an x86-64 object, in process --------===//

#include "compiler/artifact/Artifact.h"

#include "mlir/ExecutionEngine/OptUtils.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Host.h"

namespace kiln {

std::unique_ptr<llvm::TargetMachine>
createCpuTargetMachine(const std::string &cpu, int optLevel,
                       std::string &error) {
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

} // namespace kiln
