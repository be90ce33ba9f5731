//===- GpuLaunchToRuntime.cpp - Launches through the run context ---------===//
//
// The host schedule of a CUDA artifact is compiled for the CPU like any
// other host code: this pass removes what only a GPU runtime would
// understand. Launches become calls that the artifact forwards to the run
// context's `launch` hook with their parameters marshaled as 8-byte words;
// the host waits for its kernels (`sync`) before it touches memory they may
// use; the PTX moves into module attributes that the artifact embeds
// (kiln_abi.h, kiln_device_kernel_t). Debian's MLIR has no CUDA runtime
// wrappers, and upstream's launch lowering would load the modules from a
// global constructor of the artifact: the runtime is to load them once per
// session, for the architecture of the device it finds.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cuda/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/StringExtras.h"

#include <map>

namespace kiln {
#define GEN_PASS_DEF_GPULAUNCHTORUNTIME
#include "compiler/codegen/cuda/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kLaunch = "kiln_gpu_launch";
constexpr llvm::StringLiteral kSync = "kiln_gpu_sync";

/// The number after "sm_" (80 for sm_80, sm_80a): the order of the codes.
unsigned chipNumber(StringRef chip) {
  unsigned n = 0;
  chip.consume_front("sm_");
  (void)chip.take_while([](char c) { return llvm::isDigit(c); })
      .getAsInteger(10, n);
  return n;
}

/// The parameter letters of one kernel operand (kiln_device_kernel_t), or
/// failure for a type the launch cannot pass.
FailureOr<std::string> paramLetters(Type type) {
  if (auto memref = dyn_cast<MemRefType>(type)) {
    if (memref.getMemorySpace())
      return failure();
    return "pp" + std::string(1 + 2 * memref.getRank(), 'i');
  }
  if (type.isIndex())
    return std::string("i");
  if (auto integer = dyn_cast<IntegerType>(type)) {
    if (integer.getWidth() > 64)
      return failure();
    return std::string("i");
  }
  if (isa<Float16Type, BFloat16Type, Float32Type, Float64Type>(type))
    return std::string("f");
  return failure();
}

/// The LLVM struct a memref of `type` lowers to: { ptr, ptr, i64,
/// [rank x i64], [rank x i64] } (the rank-0 form without the arrays).
Type descriptorType(MemRefType type) {
  MLIRContext *ctx = type.getContext();
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  Type i64 = IntegerType::get(ctx, 64);
  SmallVector<Type> fields{ptr, ptr, i64};
  if (type.getRank() > 0) {
    Type array = LLVM::LLVMArrayType::get(i64, type.getRank());
    fields.append({array, array});
  }
  return LLVM::LLVMStructType::getLiteral(ctx, fields);
}

/// The words of `value` (a kernel operand) in launch order.
SmallVector<Value> paramWords(OpBuilder &b, Location loc, Value value) {
  Type i64 = b.getI64Type();
  SmallVector<Value> words;
  Type type = value.getType();
  if (auto memref = dyn_cast<MemRefType>(type)) {
    // The descriptor itself: the memref lowering resolves the cast, and
    // every field is exactly what the kernel's convention expects.
    Value desc = UnrealizedConversionCastOp::create(
                     b, loc, descriptorType(memref), value)
                     .getResult(0);
    for (int64_t field : {0, 1}) {
      Value ptr = LLVM::ExtractValueOp::create(b, loc, desc, field);
      words.push_back(LLVM::PtrToIntOp::create(b, loc, i64, ptr));
    }
    words.push_back(LLVM::ExtractValueOp::create(b, loc, desc, 2));
    for (int64_t field : {3, 4})
      for (int64_t d = 0; d < memref.getRank(); ++d)
        words.push_back(LLVM::ExtractValueOp::create(
            b, loc, desc, ArrayRef<int64_t>{field, d}));
    return words;
  }
  if (type.isIndex())
    return {arith::IndexCastOp::create(b, loc, i64, value)};
  if (auto floatType = dyn_cast<FloatType>(type)) {
    // The value's bits in the low bytes, as the kernel reads them.
    Type bits = b.getIntegerType(floatType.getWidth());
    value = arith::BitcastOp::create(b, loc, bits, value);
    type = bits;
  }
  auto integer = cast<IntegerType>(type);
  if (integer.getWidth() == 64)
    return {value};
  if (integer.getWidth() == 1)
    return {arith::ExtUIOp::create(b, loc, i64, value)};
  return {arith::ExtSIOp::create(b, loc, i64, value)};
}

/// One kernel of the artifact's table.
struct Kernel {
  std::string module, function, params;
};

class LaunchRewriter {
public:
  explicit LaunchRewriter(ModuleOp module) : module(module) {}

  /// Checks every launch and fills the kernel table. Failure when a
  /// launch cannot go through the run context.
  LogicalResult collect() {
    WalkResult result = module.walk([&](gpu::LaunchFuncOp launch) {
      if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty() ||
          launch.getAsyncObject()) {
        launch.emitOpError("is asynchronous: the run context launches on "
                           "the run's stream, in order");
        return WalkResult::interrupt();
      }
      if (launch.hasClusterSize()) {
        launch.emitOpError("has a cluster size, which the run context's "
                           "launch does not take");
        return WalkResult::interrupt();
      }
      std::string params;
      for (Value operand : launch.getKernelOperands()) {
        FailureOr<std::string> letters = paramLetters(operand.getType());
        if (failed(letters)) {
          launch.emitOpError("passes a kernel operand of type ")
              << operand.getType()
              << ", which the run context's launch cannot pass (memrefs "
                 "in the default memory space, indices, integers up to 64 "
                 "bits, f16, bf16, f32, f64)";
          return WalkResult::interrupt();
        }
        params += *letters;
      }
      std::string moduleName = launch.getKernelModuleName().str();
      std::string function = launch.getKernelName().str();
      auto key = std::make_pair(moduleName, function);
      auto [it, inserted] = indexOf.try_emplace(key, kernels.size());
      if (inserted) {
        kernels.push_back({moduleName, function, params});
      } else if (kernels[it->second].params != params) {
        launch.emitOpError("launches @")
            << moduleName << "::@" << function
            << " with other operand types than an earlier launch";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    return failure(result.wasInterrupted());
  }

  /// The kernel table with each kernel's PTX per chip, as
  /// kiln.device_kernels; erases the gpu.binary and gpu.module ops.
  LogicalResult moveKernelsToAttribute() {
    Builder b(module.getContext());
    llvm::StringMap<gpu::BinaryOp> binaries;
    for (auto binary : module.getOps<gpu::BinaryOp>())
      binaries[binary.getSymName()] = binary;
    SmallVector<Attribute> entries;
    for (const Kernel &kernel : kernels) {
      auto binary = binaries.lookup(kernel.module);
      if (!binary)
        return module.emitError("no gpu.binary @")
               << kernel.module << " holds the PTX of a launched kernel";
      SmallVector<std::pair<unsigned, Attribute>> codes;
      for (Attribute attr : binary.getObjects()) {
        auto object = cast<gpu::ObjectAttr>(attr);
        auto target = dyn_cast<NVVM::NVVMTargetAttr>(object.getTarget());
        if (!target || object.getFormat() != gpu::CompilationTarget::Assembly)
          return binary.emitOpError("holds an object that is not NVVM "
                                    "assembly (PTX)");
        codes.emplace_back(chipNumber(target.getChip()),
                           b.getArrayAttr({b.getStringAttr(target.getChip()),
                                           object.getObject()}));
      }
      if (codes.empty())
        return binary.emitOpError("holds no PTX");
      llvm::stable_sort(codes, llvm::less_first());
      SmallVector<Attribute> codeAttrs;
      for (auto &code : codes)
        codeAttrs.push_back(code.second);
      entries.push_back(b.getDictionaryAttr(
          {b.getNamedAttr("module", b.getStringAttr(kernel.module)),
           b.getNamedAttr("function", b.getStringAttr(kernel.function)),
           b.getNamedAttr("params", b.getStringAttr(kernel.params)),
           b.getNamedAttr("codes", b.getArrayAttr(codeAttrs))}));
    }
    module->setAttr("kiln.device_kernels", b.getArrayAttr(entries));
    for (Operation &op : llvm::make_early_inc_range(module.getOps()))
      if (isa<gpu::BinaryOp, gpu::GPUModuleOp>(op))
        op.erase();
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());

    // Only constants: a kernel's writes to a device copy would never reach
    // the host's, so a mutable global stays a host address, which a kernel
    // cannot use (the launch fails loudly instead of losing its writes).
    SmallVector<Attribute> constants;
    for (auto global : module.getOps<memref::GlobalOp>())
      if (global.getConstant())
        constants.push_back(b.getStringAttr(global.getSymName()));
    module->setAttr("kiln.device_constants", b.getArrayAttr(constants));
    return success();
  }

  /// Replaces the launches of `func` by calls of kiln_gpu_launch.
  void rewriteLaunches(func::FuncOp func) {
    SmallVector<gpu::LaunchFuncOp> launches;
    func.walk([&](gpu::LaunchFuncOp launch) { launches.push_back(launch); });
    if (launches.empty())
      return;
    size_t maxWords = 1;
    for (gpu::LaunchFuncOp launch : launches)
      maxWords = std::max(maxWords, kernelOf(launch).params.size());
    // One buffer for every launch of the function: the driver copies the
    // parameters when the launch is queued.
    OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
    Location loc = func.getLoc();
    Value words = memref::AllocaOp::create(
        b, loc, MemRefType::get({int64_t(maxWords)}, b.getI64Type()));
    Value wordsAddress = arith::IndexCastOp::create(
        b, loc, b.getI64Type(),
        memref::ExtractAlignedPointerAsIndexOp::create(b, loc, words));

    for (gpu::LaunchFuncOp launch : launches) {
      b.setInsertionPoint(launch);
      Location at = launch.getLoc();
      int64_t slot = 0;
      for (Value operand : launch.getKernelOperands())
        for (Value word : paramWords(b, at, operand))
          memref::StoreOp::create(
              b, at, word, words,
              ValueRange{arith::ConstantIndexOp::create(b, at, slot++)});
      Value shared = launch.getDynamicSharedMemorySize();
      if (!shared)
        shared = arith::ConstantIntOp::create(b, at, 0, 32);
      gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
      gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
      Value kernel = arith::ConstantIntOp::create(b, at, indexOfLaunch(launch),
                                                  32);
      func::CallOp::create(b, at, kLaunch, TypeRange(),
                           ValueRange{kernel, grid.x, grid.y, grid.z, block.x,
                                      block.y, block.z, shared, wordsAddress});
      launch.erase();
    }
  }

  unsigned indexOfLaunch(gpu::LaunchFuncOp launch) const {
    return indexOf.at(
        {launch.getKernelModuleName().str(), launch.getKernelName().str()});
  }
  const Kernel &kernelOf(gpu::LaunchFuncOp launch) const {
    return kernels[indexOfLaunch(launch)];
  }

  ModuleOp module;
  std::vector<Kernel> kernels;
  std::map<std::pair<std::string, std::string>, unsigned> indexOf;
};

bool containsLaunch(Operation *op) {
  return op
      ->walk([](gpu::LaunchFuncOp) { return WalkResult::interrupt(); })
      .wasInterrupted();
}

/// Whether the host operation `op` (without regions) may read or write
/// memory: a call, an op of unknown effects, a load, a store.
bool touchesMemory(Operation *op) {
  if (isa<func::CallOp>(op))
    return true;
  auto iface = dyn_cast<MemoryEffectOpInterface>(op);
  if (!iface)
    return true;
  SmallVector<MemoryEffects::EffectInstance> effects;
  iface.getEffects(effects);
  return llvm::any_of(effects, [](const MemoryEffects::EffectInstance &e) {
    return isa<MemoryEffects::Read, MemoryEffects::Write>(e.getEffect());
  });
}

/// Collects the operations of `block` before which the host must wait for
/// its kernels, given whether a kernel may be running on entry (`dirty`).
/// Conservative: a region that contains a launch is entered, and left,
/// with kernels possibly running.
void findSyncPoints(Block &block, bool dirty,
                    SmallVectorImpl<Operation *> &points) {
  for (Operation &op : block) {
    if (isa<gpu::LaunchFuncOp>(op)) {
      dirty = true;
      continue;
    }
    if (op.getNumRegions()) {
      bool launches = containsLaunch(&op);
      for (Region &region : op.getRegions())
        for (Block &inner : region)
          findSyncPoints(inner, dirty || launches, points);
      dirty = dirty || launches;
      continue;
    }
    if (dirty && touchesMemory(&op)) {
      points.push_back(&op);
      dirty = false;
    }
  }
}

void declare(ModuleOp module, StringRef name, FunctionType type) {
  if (module.lookupSymbol(name))
    return;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  func::FuncOp::create(b, module.getLoc(), name, type).setPrivate();
}

struct GpuLaunchToRuntimePass
    : kiln::impl::GpuLaunchToRuntimeBase<GpuLaunchToRuntimePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    LaunchRewriter rewriter(module);
    if (failed(rewriter.collect()))
      return signalPassFailure();
    if (failed(rewriter.moveKernelsToAttribute()))
      return signalPassFailure();
    if (rewriter.kernels.empty())
      return;

    MLIRContext *ctx = module.getContext();
    Type i32 = IntegerType::get(ctx, 32), i64 = IntegerType::get(ctx, 64);
    Type index = IndexType::get(ctx);
    declare(module, kLaunch,
            FunctionType::get(
                ctx, {i32, index, index, index, index, index, index, i32, i64},
                {}));
    declare(module, kSync, FunctionType::get(ctx, {}, {}));
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      // The run starts with no kernel running.
      SmallVector<Operation *> points;
      for (Block &block : func.getBody())
        findSyncPoints(block, /*dirty=*/!block.isEntryBlock(), points);
      for (Operation *point : points) {
        OpBuilder b(point);
        func::CallOp::create(b, point->getLoc(), kSync, TypeRange(),
                             ValueRange());
      }
      rewriter.rewriteLaunches(func);
    }
  }
};

} // namespace
