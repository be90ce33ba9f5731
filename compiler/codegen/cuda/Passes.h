//===- Passes.h - CUDA code generation --------------------------*- C++ -*-===//

#ifndef KILN_COMPILER_CODEGEN_CUDA_PASSES_H
#define KILN_COMPILER_CODEGEN_CUDA_PASSES_H

#include "compiler/codegen/common/KilnCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"

#include <optional>
#include <string>
#include <vector>

namespace kiln {
#define GEN_PASS_DECL
#include "compiler/codegen/cuda/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "compiler/codegen/cuda/Passes.h.inc"

struct CudaCodegenOptions {
  /// 0: straight lowering; 1+: elementwise fusion on tensors.
  int optLevel = 3;
  /// The architectures to make PTX for, one object each.
  std::vector<std::string> chips = {"sm_80"};
  /// The CUDA toolkit whose libdevice is linked for math functions.
  std::string toolkit;
  /// Threads per block of the grids of parallel loops.
  int64_t blockSize = 256;
  /// O1+: reductions of at least this many elements per output are split
  /// across a block (kiln-gpu-select-lowering's block-reduction-min); 0
  /// keeps every reduction serial in its thread (the emulation does: its
  /// loops cannot run threads that wait for each other).
  int64_t blockReductionMin = 64;
  /// O1+: contractions whose m, n and k are each at least this are
  /// computed in shared-memory tiles (kiln-gpu-select-lowering's
  /// tile-min); 0: a dot product per thread (the emulation's).
  int64_t tileMin = 16;
  /// O1+, with every chip sm_80 or newer: f32 contractions that the
  /// tensor-core strategy takes are computed in TF32 (kiln-compile
  /// --cuda-tf32). Off by default: TF32 keeps 10 of f32's 23 mantissa
  /// bits. f16 contractions take the tensor cores regardless.
  bool tf32 = false;
  /// Artifacts only: a host copy of every kernel (kiln-gpu-host-kernels),
  /// which the tests' fake CUDA driver runs.
  bool hostKernels = false;
};

/// linalg on tensors -> host functions launching kernels (gpu.launch_func)
/// and one gpu.binary per kernel holding its PTX for every chip.
/// With `hostKernels`, also a host copy of every kernel
/// (kiln-gpu-host-kernels).
void buildCudaCodegenPipeline(mlir::OpPassManager &pm,
                              const CudaCodegenOptions &options,
                              bool hostKernels = false);

/// buildCudaCodegenPipeline, then the host code of a CUDA artifact: its
/// launches calls of the run context (kiln-gpu-launch-to-runtime, the PTX
/// in kiln.device_kernels) and everything lowered to the LLVM dialect as
/// the CPU pipeline ends.
void buildCudaArtifactPipeline(mlir::OpPassManager &pm,
                               const CudaCodegenOptions &options);

/// The same GPU schedule with every launch run as loops on the CPU, lowered
/// as the CPU pipeline ends (an artifact for the CPU runtime): the numerics
/// of the schedule checked without a GPU.
void buildCudaEmulationPipeline(mlir::OpPassManager &pm,
                                const CudaCodegenOptions &options);

/// Registers the `kiln-cuda-codegen` and `kiln-cuda-emulation` pipelines
/// and the CUDA passes.
void registerCudaCodegenPasses();

/// Registers the translations gpu-module-to-binary needs (LLVM, GPU and
/// NVVM dialects to LLVM IR) in `registry`.
void registerCudaCodegenDialects(mlir::DialectRegistry &registry);

/// The PTX ISA version feature ("+ptx78") that `chip` (sm_80, sm_90a)
/// needs, or nothing when it is not a CUDA architecture Kiln knows.
std::optional<std::string> ptxFeaturesForChip(llvm::StringRef chip);

/// The toolkit path configured at build time (empty when CMake found none).
llvm::StringRef defaultCudaToolkit();

} // namespace kiln

#endif
