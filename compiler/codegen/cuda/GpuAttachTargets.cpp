//===- GpuAttachTargets.cpp - One #nvvm.target per CUDA architecture ------===//
//
// nvvm-attach-target attaches one chip and leaves the PTX version to
// LLVM, whose default for sm_90 is older than ptxas accepts. Kiln compiles
// a model once for every architecture it is asked for: gpu-module-to-binary
// then makes one PTX object per target, and the runtime loads the one of
// the device it runs on.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cuda/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace kiln {
#define GEN_PASS_DEF_GPUATTACHTARGETS
#include "compiler/codegen/cuda/Passes.h.inc"
} // namespace kiln

using namespace mlir;

std::optional<std::string> kiln::ptxFeaturesForChip(llvm::StringRef chip) {
  unsigned sm;
  llvm::StringRef digits = chip;
  if (!digits.consume_front("sm_"))
    return std::nullopt;
  bool archSpecific = digits.consume_back("a");
  if (digits.getAsInteger(10, sm) || sm < 50 || sm > 121)
    return std::nullopt;
  // The first PTX ISA version of each architecture (PTX ISA manual, "Release
  // notes"); the `a` variants of sm_90 and sm_100+ need the next.
  unsigned ptx = sm < 86    ? 70
                 : sm < 87  ? 71
                 : sm < 89  ? 74
                 : sm < 90  ? 78
                 : sm < 100 ? (archSpecific ? 80 : 78)
                 : sm < 120 ? 86
                            : 87;
  return "+ptx" + std::to_string(ptx);
}

namespace {

struct GpuAttachTargetsPass
    : kiln::impl::GpuAttachTargetsBase<GpuAttachTargetsPass> {
  using GpuAttachTargetsBase::GpuAttachTargetsBase;

  void runOnOperation() override {
    if (chips.empty()) {
      getOperation().emitError("kiln-gpu-attach-targets needs at least one "
                               "chip (chips=sm_80,sm_90)");
      return signalPassFailure();
    }
    SmallVector<Attribute> targets;
    for (const std::string &chip : chips) {
      std::optional<std::string> features = kiln::ptxFeaturesForChip(chip);
      if (!features) {
        getOperation().emitError("unknown CUDA architecture '")
            << chip << "' (expected sm_50 to sm_121, e.g. sm_80, sm_90)";
        return signalPassFailure();
      }
      targets.push_back(NVVM::NVVMTargetAttr::get(
          &getContext(), optLevel, "nvptx64-nvidia-cuda", chip, *features));
    }
    for (auto module : getOperation().getOps<gpu::GPUModuleOp>())
      module.setTargetsAttr(ArrayAttr::get(&getContext(), targets));
  }
};

} // namespace
