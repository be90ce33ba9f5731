//===- GpuHostKernels.cpp - Kernels as host functions, for the tests ------===//
//
// A machine without a GPU cannot run a CUDA artifact's kernels, but the
// tests' fake driver can run their host copies: with these, a compiled
// model runs through the real runtime path (inputs copied to "device"
// memory, constants translated, parameters marshaled, waits, outputs copied
// back) and its outputs are compared with the references, as the
// emulation (kiln-gpu-launch-to-loops) compares the schedule's.
//
// Kernels whose threads wait for each other (gpu.barrier, gpu.shuffle) or
// share workgroup memory run too: the driver runs a block's threads as
// fibers, and their host copy calls into it at every barrier and shuffle
// through the block it is given (HostBlock below), reading its workgroup
// memory from a buffer the driver allocates per block.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/cuda/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

namespace kiln {
#define GEN_PASS_DEF_GPUHOSTKERNELS
#include "compiler/codegen/cuda/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The leading arguments of every host copy: block id, thread id, grid and
/// block sizes, x, y, z each.
constexpr unsigned kNumIds = 12;

/// What the fake driver gives a host copy whose threads wait for each
/// other, at ids[12] (fake_cuda_driver.c defines the same struct):
///   struct HostBlock {
///     void (*barrier)(HostBlock *);                 // byte 0
///     uint64_t (*shuffle)(HostBlock *, uint64_t value, int32_t offset,
///                         int32_t width, int32_t mode);  // byte 8
///     int32_t valid;                                // byte 16
///   };
///     void (*mma)(HostBlock *, int32_t kind, const void *a, const void *b,
///                 const void *c, void *d);      // byte 24
///   };
/// `shuffle` takes the value's bits in the low bytes of a word, gpu.shuffle's
/// mode as ShuffleMode numbers it (xor 0, down 1, up 2, idx 3), and leaves
/// whether the source lane was in range in `valid`, which the copy reads
/// before it calls the driver again (fibers switch only inside calls).
/// `mma` is a warp's nvgpu.mma.sync: each lane passes its fragments of A,
/// B and C (the vectors' elements in row-major order, as the PTX ISA
/// numbers them) and receives its fragment of D; the driver computes D
/// from the whole warp's fragments.
constexpr int64_t kBarrierOffset = 0, kShuffleOffset = 8, kValidOffset = 16,
                  kMmaOffset = 24;

/// The mma.sync shapes the driver computes, as `mma`'s kind argument.
enum HostMmaKind : int32_t {
  /// m16n8k8, TF32 A (4 f32) and B (2 f32), f32 C and D (4 each).
  kHostMmaTf32 = 0,
  /// m16n8k16, f16 A (8) and B (4), f32 C and D (4 each).
  kHostMmaF16 = 1,
};

/// The driver's kind for `mma`, or nullopt when it computes no such shape.
std::optional<HostMmaKind> hostMmaKind(nvgpu::MmaSyncOp mma) {
  std::array<int64_t, 3> shape = mma.getMmaShapeAsArray();
  Type a = mma.getMatrixA().getType().getElementType();
  Type c = mma.getMatrixC().getType().getElementType();
  if (!c.isF32() || shape[0] != 16 || shape[1] != 8)
    return std::nullopt;
  if (a.isF32() && shape[2] == 8 && mma.getTf32Enabled())
    return kHostMmaTf32;
  if (a.isF16() && shape[2] == 16)
    return kHostMmaF16;
  return std::nullopt;
}

/// Static shared memory a CUDA block may have: a kernel asking for more
/// does not assemble, and the driver's per-block buffer is this size.
constexpr int64_t kMaxWorkgroupBytes = 48 * 1024;

/// The index of `dim` among x, y, z.
unsigned dimIndex(gpu::Dimension dim) { return static_cast<unsigned>(dim); }

bool threadsWait(gpu::GPUFuncOp kernel) {
  return !kernel.getWorkgroupAttributions().empty() ||
         kernel
             .walk([](Operation *op) {
               return isa<gpu::BarrierOp, gpu::ShuffleOp, nvgpu::MmaSyncOp>(op)
                          ? WalkResult::interrupt()
                          : WalkResult::advance();
             })
             .wasInterrupted();
}

/// What the harness cannot run, at the op that is the reason.
LogicalResult checkRunnable(gpu::GPUFuncOp kernel) {
  WalkResult result = kernel.walk([](Operation *op) {
    if (isa<gpu::AllReduceOp, gpu::SubgroupReduceOp,
            gpu::DynamicSharedMemoryOp>(op)) {
      op->emitOpError("has no host copy: reductions across threads must be "
                      "shuffles and barriers, shared memory attributions");
      return WalkResult::interrupt();
    }
    if (auto mma = dyn_cast<nvgpu::MmaSyncOp>(op); mma && !hostMmaKind(mma)) {
      op->emitOpError("has no host copy: the fake driver computes m16n8k8 "
                      "TF32 and m16n8k16 f16 with f32 accumulators");
      return WalkResult::interrupt();
    }
    if (isa<nvgpu::NVGPUDialect>(op->getDialect()) &&
        !isa<nvgpu::MmaSyncOp>(op)) {
      op->emitOpError("has no host copy");
      return WalkResult::interrupt();
    }
    if (auto shuffle = dyn_cast<gpu::ShuffleOp>(op);
        shuffle && (!shuffle.getValue().getType().isIntOrFloat() ||
                    shuffle.getValue().getType().getIntOrFloatBitWidth() > 64)) {
      op->emitOpError("of a value that is not a scalar of at most 64 bits "
                      "has no host copy");
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (result.wasInterrupted())
    return failure();
  if (!kernel.getPrivateAttributions().empty() ||
      !kernel.getBody().hasOneBlock())
    return kernel.emitOpError("with private attributions or several blocks "
                              "has no host copy");
  return success();
}

/// Byte offsets of the workgroup attributions in the block's buffer, each
/// aligned to 16 bytes, or failure when one is not a static memref of
/// scalars or they do not fit.
FailureOr<SmallVector<int64_t>> workgroupLayout(gpu::GPUFuncOp kernel) {
  SmallVector<int64_t> offsets;
  int64_t end = 0;
  for (BlockArgument arg : kernel.getWorkgroupAttributions()) {
    auto type = dyn_cast<MemRefType>(arg.getType());
    if (!type || !type.hasStaticShape() || !type.getLayout().isIdentity() ||
        !type.getElementType().isIntOrFloat())
      return kernel.emitOpError("has a workgroup attribution that is not a "
                                "static memref of scalars: ")
             << arg.getType();
    int64_t bytes = type.getNumElements() *
                    llvm::divideCeil(type.getElementTypeBitWidth(), 8);
    offsets.push_back(llvm::alignTo(end, 16));
    end = offsets.back() + bytes;
  }
  if (end > kMaxWorkgroupBytes)
    return kernel.emitOpError("needs ")
           << end << " bytes of workgroup memory, more than a block's "
           << kMaxWorkgroupBytes;
  return offsets;
}

/// The type of a value on the host: memory in the GPU's address spaces is
/// plain memory there.
Type hostType(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  if (!memref || !isa_and_nonnull<gpu::AddressSpaceAttr>(
                     memref.getMemorySpace()))
    return type;
  return MemRefType::get(memref.getShape(), memref.getElementType(),
                         memref.getLayout());
}

void stripAddressSpaces(func::FuncOp host) {
  host.walk([](Operation *op) {
    for (Value result : op->getResults())
      result.setType(hostType(result.getType()));
    for (Region &region : op->getRegions())
      for (BlockArgument arg : region.getArguments())
        arg.setType(hostType(arg.getType()));
  });
}

/// The driver's function at `offset` in the block `block` points to.
Value loadField(OpBuilder &b, Location loc, Value block, int64_t offset,
                Type type) {
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  Value at = LLVM::GEPOp::create(b, loc, ptr, b.getI8Type(), block,
                                 ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(offset)});
  return LLVM::LoadOp::create(b, loc, type, at);
}

/// The address of `buffer`'s first element, as an LLVM pointer.
Value bufferAddress(OpBuilder &b, Location loc, Value buffer) {
  Value address =
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
  address = arith::IndexCastOp::create(b, loc, b.getI64Type(), address);
  return LLVM::IntToPtrOp::create(
      b, loc, LLVM::LLVMPointerType::get(b.getContext()), address);
}

/// `mma` as a call of the block's `mma`: the lane's fragments written to
/// buffers of the function's entry (one per element type and operand, reused
/// by every call: a loop must not grow the fiber's stack), D read back.
void lowerMma(nvgpu::MmaSyncOp mma, Value block,
              DenseMap<std::pair<Type, int64_t>, Value> &buffers) {
  OpBuilder b(mma);
  Location loc = mma.getLoc();
  MLIRContext *ctx = b.getContext();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto voidType = LLVM::LLVMVoidType::get(ctx);
  Block &entry = mma->getParentOfType<func::FuncOp>().getBody().front();
  auto position = [](VectorType type, int64_t i) {
    return SmallVector<int64_t>{i / type.getDimSize(1), i % type.getDimSize(1)};
  };
  auto buffer = [&](VectorType type, unsigned slot) {
    // One shape per element type and operand: f32 and f16 fragments
    // differ in type.
    Value &found = buffers[{type.getElementType(), slot}];
    if (!found) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&entry);
      found = memref::AllocaOp::create(
          b, loc,
          MemRefType::get({type.getNumElements()}, type.getElementType()));
    }
    return found;
  };
  auto spill = [&](Value vector, unsigned slot) {
    auto type = cast<VectorType>(vector.getType());
    Value memory = buffer(type, slot);
    for (int64_t i = 0; i < type.getNumElements(); ++i)
      memref::StoreOp::create(
          b, loc, vector::ExtractOp::create(b, loc, vector, position(type, i)),
          memory, ValueRange{arith::ConstantIndexOp::create(b, loc, i)});
    return bufferAddress(b, loc, memory);
  };
  Value a = spill(mma.getMatrixA(), 0), bFragment = spill(mma.getMatrixB(), 1);
  Value c = spill(mma.getMatrixC(), 2);
  VectorType dType = mma.getRes().getType();
  Value dMemory = buffer(dType, 3);
  Value kind =
      arith::ConstantIntOp::create(b, loc, b.getI32Type(), *hostMmaKind(mma));
  Value function = loadField(b, loc, block, kMmaOffset, ptr);
  LLVM::CallOp::create(b, loc,
                       LLVM::LLVMFunctionType::get(
                           voidType, {ptr, b.getI32Type(), ptr, ptr, ptr, ptr}),
                       ValueRange{function, block, kind, a, bFragment, c,
                                  bufferAddress(b, loc, dMemory)});
  Value d = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(dType, b.getZeroAttr(dType.getElementType())));
  for (int64_t i = 0; i < dType.getNumElements(); ++i)
    d = vector::InsertOp::create(
        b, loc,
        memref::LoadOp::create(
            b, loc, dMemory,
            ValueRange{arith::ConstantIndexOp::create(b, loc, i)}),
        d, position(dType, i));
  mma.replaceAllUsesWith(d);
  mma.erase();
}

/// Every barrier, shuffle and mma.sync of `host` a call into the driver.
void lowerSynchronization(func::FuncOp host, Value block) {
  MLIRContext *ctx = host.getContext();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  Type i32 = IntegerType::get(ctx, 32), i64 = IntegerType::get(ctx, 64);
  auto voidType = LLVM::LLVMVoidType::get(ctx);
  SmallVector<Operation *> ops;
  host.walk([&](Operation *op) {
    if (isa<gpu::BarrierOp, gpu::ShuffleOp, nvgpu::MmaSyncOp>(op))
      ops.push_back(op);
  });
  DenseMap<std::pair<Type, int64_t>, Value> mmaBuffers;
  for (Operation *op : ops) {
    if (auto mma = dyn_cast<nvgpu::MmaSyncOp>(op)) {
      lowerMma(mma, block, mmaBuffers);
      continue;
    }
    OpBuilder b(op);
    Location loc = op->getLoc();
    if (isa<gpu::BarrierOp>(op)) {
      Value barrier = loadField(b, loc, block, kBarrierOffset, ptr);
      LLVM::CallOp::create(b, loc, LLVM::LLVMFunctionType::get(voidType, {ptr}),
                           ValueRange{barrier, block});
      op->erase();
      continue;
    }
    auto shuffle = cast<gpu::ShuffleOp>(op);
    Type type = shuffle.getValue().getType();
    unsigned bits = type.getIntOrFloatBitWidth();
    Type bitsType = IntegerType::get(ctx, bits);
    Value value = shuffle.getValue();
    if (type != bitsType)
      value = arith::BitcastOp::create(b, loc, bitsType, value);
    if (bits < 64)
      value = arith::ExtUIOp::create(b, loc, i64, value);
    Value mode = arith::ConstantIntOp::create(
        b, loc, i32, static_cast<int64_t>(shuffle.getMode()));
    Value function = loadField(b, loc, block, kShuffleOffset, ptr);
    Value result =
        LLVM::CallOp::create(
            b, loc, LLVM::LLVMFunctionType::get(i64, {ptr, i64, i32, i32, i32}),
            ValueRange{function, block, value, shuffle.getOffset(),
                       shuffle.getWidth(), mode})
            .getResult();
    if (bits < 64)
      result = arith::TruncIOp::create(b, loc, bitsType, result);
    if (type != bitsType)
      result = arith::BitcastOp::create(b, loc, type, result);
    Value valid = loadField(b, loc, block, kValidOffset, i32);
    Value zero = arith::ConstantIntOp::create(b, loc, i32, 0);
    valid = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, valid, zero);
    shuffle.replaceAllUsesWith(ValueRange{result, valid});
    shuffle.erase();
  }
}

LogicalResult copyKernel(ModuleOp top, gpu::GPUModuleOp module,
                         gpu::GPUFuncOp kernel) {
  if (failed(checkRunnable(kernel)))
    return failure();
  FailureOr<SmallVector<int64_t>> offsets = workgroupLayout(kernel);
  if (failed(offsets))
    return failure();
  bool waits = threadsWait(kernel);

  MLIRContext *ctx = top.getContext();
  Type index = IndexType::get(ctx);
  SmallVector<Type> inputs(kNumIds, index);
  // Threads that wait for each other: their block (HostBlock *, as an
  // integer) and its workgroup memory.
  if (waits) {
    inputs.push_back(index);
    inputs.push_back(MemRefType::get({ShapedType::kDynamic},
                                     IntegerType::get(ctx, 8)));
  }
  unsigned numLeading = inputs.size();
  llvm::append_range(inputs, kernel.getArgumentTypes());
  OpBuilder b = OpBuilder::atBlockEnd(top.getBody());
  auto host = func::FuncOp::create(
      b, kernel.getLoc(), ("kiln_host_kernel_" + module.getName()).str(),
      FunctionType::get(ctx, inputs, {}));
  Block *entry = host.addEntryBlock();
  IRMapping map;
  for (auto [from, to] :
       llvm::zip(kernel.getArguments().take_front(kernel.getNumArguments()),
                 entry->getArguments().drop_front(numLeading)))
    map.map(from, to);
  b.setInsertionPointToStart(entry);
  Location loc = kernel.getLoc();
  Value block;
  if (waits) {
    Value address = arith::IndexCastOp::create(
        b, loc, IntegerType::get(ctx, 64), entry->getArgument(kNumIds));
    block = LLVM::IntToPtrOp::create(b, loc, LLVM::LLVMPointerType::get(ctx),
                                     address);
    Value workgroup = entry->getArgument(kNumIds + 1);
    for (auto [arg, offset] :
         llvm::zip(kernel.getWorkgroupAttributions(), *offsets)) {
      Value shift = arith::ConstantIndexOp::create(b, loc, offset);
      map.map(arg, memref::ViewOp::create(
                       b, loc, cast<MemRefType>(hostType(arg.getType())),
                       workgroup, shift, ValueRange{}));
    }
  }
  for (Operation &op : kernel.getBody().front()) {
    auto ids = [&](unsigned group, gpu::Dimension dim) {
      return entry->getArgument(3 * group + dimIndex(dim));
    };
    if (auto id = dyn_cast<gpu::BlockIdOp>(op)) {
      map.map(id.getResult(), ids(0, id.getDimension()));
    } else if (auto id = dyn_cast<gpu::ThreadIdOp>(op)) {
      map.map(id.getResult(), ids(1, id.getDimension()));
    } else if (auto dim = dyn_cast<gpu::GridDimOp>(op)) {
      map.map(dim.getResult(), ids(2, dim.getDimension()));
    } else if (auto dim = dyn_cast<gpu::BlockDimOp>(op)) {
      map.map(dim.getResult(), ids(3, dim.getDimension()));
    } else if (isa<gpu::ReturnOp>(op)) {
      func::ReturnOp::create(b, op.getLoc());
    } else {
      b.clone(op, map);
    }
  }
  // Id ops nested in regions (a guard's body) refer to the same values.
  WalkResult nested = host.walk([&](Operation *op) {
    if (isa<gpu::BlockIdOp, gpu::ThreadIdOp, gpu::GridDimOp,
            gpu::BlockDimOp>(op)) {
      op->emitOpError("inside a region of the kernel: not mapped to the "
                      "host copy's arguments");
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (nested.wasInterrupted())
    return failure();
  stripAddressSpaces(host);
  if (waits)
    lowerSynchronization(host, block);

  // Constants outlining cloned into the kernel module.
  SymbolTable symbols(top);
  for (Operation &op : module.getBody()->without_terminator()) {
    auto symbol = dyn_cast<SymbolOpInterface>(op);
    if (!symbol || &op == kernel.getOperation() ||
        symbols.lookup(symbol.getName()))
      continue;
    b.setInsertionPointToStart(top.getBody());
    symbols.insert(b.clone(op));
  }
  return success();
}

struct GpuHostKernelsPass
    : kiln::impl::GpuHostKernelsBase<GpuHostKernelsPass> {
  void runOnOperation() override {
    ModuleOp top = getOperation();
    SmallVector<std::pair<gpu::GPUModuleOp, gpu::GPUFuncOp>> kernels;
    for (auto module : top.getOps<gpu::GPUModuleOp>())
      for (auto func : module.getOps<gpu::GPUFuncOp>())
        if (func.isKernel())
          kernels.emplace_back(module, func);
    for (auto [module, kernel] : kernels)
      if (failed(copyKernel(top, module, kernel)))
        return signalPassFailure();
  }
};

} // namespace
