//===- Artifact.h - Packing code, weights and signature into a .so -*- C++ -*-//

#ifndef KILN_COMPILER_ARTIFACT_ARTIFACT_H
#define KILN_COMPILER_ARTIFACT_ARTIFACT_H

#include "mlir/Support/Timing.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/IR/Module.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>
#include <string>
#include <vector>

namespace kiln {

/// One graph input or output as the runtime will see it.
struct TensorSignature {
  std::string name;
  int32_t elemType = 0;      // ONNX TensorProto.DataType
  std::vector<int64_t> dims; // -1 for dynamic
  std::vector<std::string> dimParams;
};

/// One graph input or output over the slots above (kiln_value_info_t).
struct ValueSignature {
  std::string name, type; // type: ONNX Runtime's string
  uint32_t kind = 0, flags = 0, firstSlot = 0, numSlots = 0;
};

struct Signature {
  std::vector<TensorSignature> inputs, outputs;
  /// Empty when every graph value is one tensor slot.
  std::vector<ValueSignature> inputValues, outputValues;
  std::vector<std::pair<std::string, std::string>> metadata;
};

/// Reads the signature from `func.func @main`'s kiln.* argument and result
/// attributes (set by the importer) and its types.
mlir::FailureOr<Signature> extractSignature(mlir::ModuleOp module);

/// A target machine for the host (or `cpu` when not empty), PIC, for
/// emitting shared objects. `features` ("+avx2,-avx512f", LLVM's names) are
/// added to the CPU's own (the host's for "native"); an unknown CPU or
/// feature is an error.
std::unique_ptr<llvm::TargetMachine>
createCpuTargetMachine(const std::string &cpu, const std::string &features,
                       int optLevel, std::string &error);

/// The features of kiln_cpu_features.h that `tm`'s code may use,
/// comma-separated: what the artifact records and the runtime checks.
std::string requiredCpuFeatures(const llvm::TargetMachine &tm);

/// Adds to the translated `llvm` module everything the runtime relies on:
/// the `kiln_artifact` descriptor, the functions through which the generated
/// allocation and parallel_for calls reach the run context, the `entry`
/// wrapper around `_mlir_ciface_main`, the weight bytes listed in
/// `mlirModule`'s kiln.weights attribute, and the target (`cpuName`,
/// `cpuFeatures`: requiredCpuFeatures) the runtime checks before it runs the
/// code, and for a CUDA artifact `cpuFallback`, the bytes of the same model's
/// CPU artifact, if any. Everything but `kiln_artifact` gets internal
/// linkage.
mlir::LogicalResult finalizeArtifactModule(llvm::Module &llvm,
                                           mlir::ModuleOp mlirModule,
                                           const Signature &signature,
                                           uint32_t provider,
                                           const std::string &cpuName,
                                           const std::string &cpuFeatures,
                                           std::string &error,
                                           llvm::StringRef cpuFallback = {});

/// Runs LLVM's optimization pipeline and emits an object file.
mlir::LogicalResult emitObject(llvm::Module &module, llvm::TargetMachine &tm,
                               int optLevel,
                               llvm::SmallVectorImpl<char> &object,
                               std::string &error,
                               mlir::TimingScope *timing = nullptr);

/// Optimizes and emits `module` as `parts` objects, each a partition of its
/// functions and globals (llvm::SplitModule) optimized and compiled on its
/// own thread in its own LLVM context, with a target machine of `tm`'s CPU
/// and features; one part is emitObject with `tm` on the calling thread. Functions are optimized
/// apart from those of other parts: the artifact's kernels call each other
/// only through the run context, so nothing is lost that inlining across
/// them would have found.
mlir::LogicalResult
emitObjects(std::unique_ptr<llvm::Module> module, llvm::TargetMachine &tm,
            int optLevel, unsigned parts,
            std::vector<llvm::SmallVector<char, 0>> &objects,
            std::string &error, mlir::TimingScope *timing = nullptr);

/// Links `objects` into the shared object `outPath` with lld, in process.
mlir::LogicalResult
linkSharedObject(llvm::ArrayRef<llvm::SmallVector<char, 0>> objects,
                 const std::string &outPath, std::string &error);

/// Links `objects` and the support members they call into one relocatable
/// object whose only global definition is the descriptor, renamed
/// `entrySymbol`, and writes it as the static library `outPath` (an ar
/// archive of that one member): a model to link into a program, opened with
/// kiln_session_create_from_artifact.
mlir::LogicalResult
linkStaticLibrary(llvm::ArrayRef<llvm::SmallVector<char, 0>> objects,
                  const std::string &entrySymbol, const std::string &outPath,
                  std::string &error);

} // namespace kiln

#endif
