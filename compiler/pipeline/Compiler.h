//===- Compiler.h - Session options to a compiled artifact ------*- C++ -*-===//

#ifndef KILN_COMPILER_PIPELINE_COMPILER_H
#define KILN_COMPILER_PIPELINE_COMPILER_H

#include "compiler/codegen/cuda/Passes.h"
#include "compiler/frontend/ModelLoader.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/PassManager.h"

#include <string>
#include <vector>

namespace kiln {

/// What the compiler stops at and writes out.
/// StaticLibrary: an archive of one relocatable object (code, weights, the
/// support members it calls) exporting only `<modelName>_kiln_artifact`,
/// for linking into a program.
enum class EmitKind {
  Onnx,
  Linalg,
  Mlir,
  Llvm,
  Object,
  SharedObject,
  StaticLibrary,
  /// The CUDA provider's kernels as PTX files and its host schedule, in a
  /// directory (codegen/cuda/PtxEmission.h).
  Ptx
};

/// Which execution provider the code is generated for.
enum class Provider { Cpu, Cuda };

struct CompileOptions {
  /// 0 DISABLE_ALL, 1 BASIC, 2 EXTENDED, 3 ALL (ONNX Runtime's levels).
  int optLevel = 3;
  /// Target CPU for x86-64 code; empty or "native" means this machine.
  /// LLVM's names, including the levels x86-64-v2, x86-64-v3, x86-64-v4.
  std::string mcpu;
  /// Features added to or removed from the CPU's ("+avx2,-avx512f").
  std::string mattr;
  ShapeOptions shapes;
  EmitKind emit = EmitKind::SharedObject;
  /// Print the IR after every pass to stderr (debugging).
  bool printIRAfterAll = false;
  /// Call the run context's kernel_begin/kernel_end around every kernel and
  /// list the kernel names in the artifact (session profiling).
  bool profile = false;
  /// Print to stderr where the compile time went: per stage (import, graph
  /// passes and conversion, code generation, LLVM IR, LLVM optimization and
  /// instruction selection, linking) and per MLIR pass.
  bool timeReport = false;
  /// Stride-1 3x3 convolutions of constant weights by Winograd F(4x4, 3x3)
  /// where they are large enough (kiln-conv-ukernel's `winograd`).
  bool winograd = true;
  /// Compute a 1x1 convolution and the depthwise convolution reading it
  /// as one kernel (kiln-pointwise-depthwise-ukernel).
  bool fusePointwiseDepthwise = true;
  /// The C identifier of the model in a static library's descriptor symbol
  /// and in the generated C interface (`<modelName>_run`).
  std::string modelName;
  /// When set, where to write the model's generated C header and C source
  /// (ModelInterface.h) once the artifact is written.
  std::string cHeaderPath, cSourcePath;
  Provider provider = Provider::Cpu;
  /// CUDA architectures to make PTX for (sm_80, sm_90), one object each.
  std::vector<std::string> cudaChips = {"sm_80"};
  /// The CUDA toolkit whose libdevice is linked into kernels; empty: the
  /// one found when Kiln was built.
  std::string cudaToolkit;
  /// With the CUDA provider: a CPU artifact that runs the GPU schedule's
  /// launches as loops (kiln-cuda-emulation), to check its numerics
  /// without a GPU.
  bool cudaEmulate = false;
  /// With the CUDA provider: the artifact also carries a host copy of
  /// every kernel, which the tests' fake CUDA driver runs (a CUDA artifact
  /// checked by the numbers on a machine without a GPU).
  bool cudaHostKernels = false;
  /// With the CUDA provider at O1+: reductions of at least this many
  /// elements per output are split across a block (block_reduction); 0
  /// keeps every reduction serial in its thread.
  int64_t cudaBlockReductionMin = 64;
  /// With the CUDA provider at O1+: contractions whose m, n and k are each
  /// at least this are computed in shared-memory tiles; 0: never.
  int64_t cudaTileMin = 16;
  /// With the CUDA provider at O1+ and every chip sm_80 or newer: f32
  /// contractions may run on the tensor cores in TF32 (10 mantissa bits);
  /// off unless asked, as the f32 products then round differently.
  bool cudaTf32 = false;
  /// With the CUDA provider: the artifact also carries the model compiled
  /// for the CPU (with these options otherwise), which the runtime opens
  /// when the device cannot be used and the session allows the CPU
  /// (kiln-compile --provider=cuda,cpu).
  bool cudaCpuFallback = false;
};

/// Graph passes on the onnx dialect for an optimization level.
/// `cpu`: the CPU provider, which alone has a kernel for kiln.attention.
void buildGraphPipeline(mlir::OpPassManager &pm, int optLevel, bool cpu);

/// The whole pipeline from the onnx dialect to the LLVM dialect.
void buildCpuPipeline(mlir::OpPassManager &pm, int optLevel);

/// Whether `options` name CUDA architectures Kiln knows and (beyond
/// --emit=linalg) a toolkit with libdevice; else the reason in `error`.
bool checkCudaOptions(const CompileOptions &options, std::string &error);

/// The CUDA provider's --emit=linalg, mlir and ptx, from linalg on tensors
/// (CudaCompile.cpp).
bool compileCudaModule(mlir::ModuleOp module, const CompileOptions &options,
                       const std::string &outPath, std::string &error,
                       int &code);

/// The CUDA code generation options of `options`.
CudaCodegenOptions cudaCodegenOptions(const CompileOptions &options);

/// Compiles an ONNX model (a path, or serialized `bytes` when `modelPath`
/// is empty) into `outPath`. On failure returns false with a message in
/// `error` (every diagnostic, with the node it concerns) and an ONNX Runtime
/// status code in `code`.
bool compileModel(const std::string &modelPath, const std::string &bytes,
                  const CompileOptions &options, const std::string &outPath,
                  std::string &error, int &code);

} // namespace kiln

#endif
