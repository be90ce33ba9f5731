//===- UkernelCall.cpp - Calls into the support library's kernels ---------===//

#include "compiler/codegen/cpu/UkernelCall.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/ValueBoundsOpInterface.h"

#include <cstring>

using namespace mlir;

namespace kiln {

/// The loop dims (batch or -1, m, n, k) of a contraction whose operands
/// have the element types `types` (A, B, C) and projected-permutation maps.
static std::optional<std::array<int64_t, 4>>
matchContraction(linalg::LinalgOp op, std::array<Type, 3> types) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  for (auto [operand, elem] : llvm::zip(op->getOpOperands(), types)) {
    auto type = dyn_cast<ShapedType>(operand.get().getType());
    if (!type || type.getElementType() != elem)
      return std::nullopt;
    if (!op.getMatchingIndexingMap(&operand).isProjectedPermutation())
      return std::nullopt;
  }
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims))
    return std::nullopt;
  // A batch dim that only one operand indexes (an A or B shared by every
  // batch) is inferred as a second m or n dim; it is the batch when it is
  // C's outermost dim, and the operand without it moves by 0 per batch.
  unsigned outer =
      op.getMatchingIndexingMap(op.getDpsInitOperand(0)).getDimPosition(0);
  for (SmallVector<unsigned, 2> *group : {&dims->m, &dims->n})
    if (group->size() == 2 && dims->batch.empty() &&
        llvm::is_contained(*group, outer)) {
      dims->batch.push_back(outer);
      llvm::erase(*group, outer);
    }
  if (dims->m.size() != 1 || dims->n.size() != 1 || dims->k.size() != 1 ||
      dims->batch.size() > 1)
    return std::nullopt;
  // The dims are unsigned: no batch is -1 only as an int64_t.
  int64_t batch =
      dims->batch.empty() ? int64_t{-1} : static_cast<int64_t>(dims->batch[0]);
  return std::array<int64_t, 4>{batch, dims->m[0], dims->n[0], dims->k[0]};
}

std::optional<std::array<int64_t, 4>> matchF32Contraction(linalg::LinalgOp op) {
  Type f32 = Float32Type::get(op.getContext());
  return matchContraction(op, {f32, f32, f32});
}

std::optional<std::array<int64_t, 4>> matchI16Contraction(linalg::LinalgOp op) {
  // Named ops whose i16 operands are sign-extended (the default cast).
  auto signedCast = [](auto named) {
    return named.getCast() == linalg::TypeFn::cast_signed;
  };
  bool isSigned = false;
  if (auto mm = dyn_cast<linalg::MatmulOp>(op.getOperation()))
    isSigned = signedCast(mm);
  else if (auto bmm = dyn_cast<linalg::BatchMatmulOp>(op.getOperation()))
    isSigned = signedCast(bmm);
  if (!isSigned)
    return std::nullopt;
  MLIRContext *ctx = op.getContext();
  Type i16 = IntegerType::get(ctx, 16), i32 = IntegerType::get(ctx, 32);
  return matchContraction(op, {i16, i16, i32});
}

void declareParallelFor(ModuleOp module) {
  if (module.lookupSymbol("kiln_parallel_for"))
    return;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  auto i64 = b.getI64Type();
  func::FuncOp::create(b, module.getLoc(), "kiln_parallel_for",
                       b.getFunctionType({i64, i64, i64, ptr, ptr}, {}))
      .setPrivate();
}

/// `func.func private @kiln_out_of_memory(i64)`, declared once per module:
/// the artifact's entry into the run's allocation-failure path, which the
/// kernels call when their scratch cannot be allocated (the artifact defines
/// it only when the module declares it).
void declareOutOfMemory(ModuleOp module) {
  if (module.lookupSymbol("kiln_out_of_memory"))
    return;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  func::FuncOp::create(b, module.getLoc(), "kiln_out_of_memory",
                       b.getFunctionType({b.getI64Type()}, {}))
      .setPrivate();
}

/// `func.func private @kiln_num_threads() -> i64`, declared once per
/// module: the run's thread count, which the kernels cut their work by (the
/// artifact defines it only when the module declares it).
static void declareNumThreads(ModuleOp module) {
  if (module.lookupSymbol("kiln_num_threads"))
    return;
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  func::FuncOp::create(b, module.getLoc(), "kiln_num_threads",
                       b.getFunctionType({}, {b.getI64Type()}))
      .setPrivate();
}

func::FuncOp declareUkernel(ModuleOp module, llvm::StringRef name,
                            unsigned numArgs) {
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  // A kernel whose scratch cannot be allocated fails the run through it.
  declareOutOfMemory(module);
  // The kernels run their tasks through the session's thread pool.
  declareParallelFor(module);
  declareNumThreads(module);
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  SmallVector<Type> args(numArgs, b.getIndexType());
  auto f = func::FuncOp::create(b, module.getLoc(), name,
                                b.getFunctionType(args, {}));
  f.setPrivate();
  return f;
}

WindowGeometry getWindowGeometry(Operation *op, bool oneD,
                                 ArrayRef<int64_t> padLow) {
  auto values = [&](StringRef name) {
    return SmallVector<int64_t, 2>(
        op->getAttrOfType<DenseIntElementsAttr>(name).getValues<int64_t>());
  };
  WindowGeometry g{values("strides"), values("dilations"), {0, 0}};
  llvm::copy(padLow, g.padLow.begin() + (oneD ? 1 : 0));
  if (oneD) {
    g.strides.insert(g.strides.begin(), 1);
    g.dilations.insert(g.dilations.begin(), 1);
  }
  return g;
}

BufferArg getBufferArg(OpBuilder &b, Location loc, Value buffer) {
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, buffer);
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
  // i1 elements are bytes in memory (kiln-byte-bools).
  unsigned bytes = std::max(1u, cast<MemRefType>(buffer.getType())
                                        .getElementType()
                                        .getIntOrFloatBitWidth() /
                                    8);
  Value size = arith::ConstantIndexOp::create(b, loc, bytes);
  Value offset = arith::MulIOp::create(b, loc, meta.getOffset(), size);
  BufferArg arg;
  arg.address = arith::AddIOp::create(b, loc, base, offset);
  arg.strides.append(meta.getStrides().begin(), meta.getStrides().end());
  return arg;
}

/// Whether the innermost `dims` dims of `v` are contiguous by its type.
static bool innerDimsContiguousByType(MemRefType type, unsigned dims) {
  if (type.getLayout().isIdentity())
    return true;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return false;
  int64_t expected = 1;
  for (unsigned i = 0; i < dims; ++i) {
    unsigned d = type.getRank() - 1 - i;
    if (strides[d] != expected)
      return false;
    if (i + 1 < dims) {
      if (ShapedType::isDynamic(type.getDimSize(d)))
        return false;
      expected *= type.getDimSize(d);
    }
  }
  return true;
}

bool innerDimsContiguous(Value v, unsigned dims) {
  auto type = cast<MemRefType>(v.getType());
  if (innerDimsContiguousByType(type, dims))
    return true;
  // A slice of a buffer with those dims contiguous (a Concat's, where
  // kiln-forward-copied-buffers put an output of symbolic size) that spans
  // it along all of them but the outermost: the type cannot say so.
  if (auto cast = v.getDefiningOp<memref::CastOp>())
    return innerDimsContiguous(cast.getSource(), dims);
  auto view = v.getDefiningOp<memref::SubViewOp>();
  if (!view || view.getSourceType().getRank() != type.getRank() ||
      !llvm::all_of(view.getMixedStrides(),
                    [](OpFoldResult s) { return isConstantIntValue(s, 1); }))
    return false;
  for (unsigned i = 0; i + 1 < dims; ++i) {
    int64_t d = type.getRank() - 1 - i;
    if (!isConstantIntValue(view.getMixedOffsets()[d], 0))
      return false;
    FailureOr<bool> full = ValueBoundsConstraintSet::areEqual(
        ValueBoundsConstraintSet::Variable(view.getMixedSizes()[d]),
        ValueBoundsConstraintSet::Variable(view.getSource(), d));
    if (failed(full) || !*full)
      return false;
  }
  return innerDimsContiguous(view.getSource(), dims);
}

Value allocIdentityCopy(OpBuilder &b, Location loc, Value v, bool copyIn) {
  auto type = cast<MemRefType>(v.getType());
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(memref::DimOp::create(b, loc, v, d));
  Value copy = memref::AllocOp::create(
      b, loc, MemRefType::get(type.getShape(), type.getElementType()),
      dynamicSizes);
  if (copyIn)
    memref::CopyOp::create(b, loc, v, copy);
  return copy;
}

Value UkernelArgs::dim(Value buffer, int64_t d) const {
  return memref::DimOp::create(b, loc, buffer, d);
}

Value UkernelArgs::index(int64_t v) const {
  return arith::ConstantIndexOp::create(b, loc, v);
}

void UkernelArgs::appendBuffer(Value buffer) {
  BufferArg arg = getBufferArg(b, loc, buffer);
  values.push_back(arg.address);
  values.append(arg.strides.begin(), arg.strides.end());
}

std::optional<SmallVector<char>> readGlobalBytes(memref::GlobalOp global) {
  if (!global.getConstant() || !global.getInitialValue())
    return std::nullopt;
  Attribute init = *global.getInitialValue();
  Type elem = global.getType().getElementType();
  if (!elem.isF32() && !elem.isInteger(16))
    return std::nullopt;
  size_t count = global.getType().getNumElements();
  size_t bytes = count * elem.getIntOrFloatBitWidth() / 8;
  SmallVector<char> values(bytes);
  if (auto dense = dyn_cast<DenseElementsAttr>(init)) {
    if (dense.getElementType() != elem)
      return std::nullopt;
    if (elem.isF32()) {
      auto *out = reinterpret_cast<float *>(values.data());
      llvm::copy(dense.getValues<float>(), out);
    } else {
      auto *out = reinterpret_cast<int16_t *>(values.data());
      llvm::copy(dense.getValues<int16_t>(), out);
    }
    return values;
  }
  auto resource = dyn_cast<DenseResourceElementsAttr>(init);
  if (!resource || resource.getElementType() != elem)
    return std::nullopt;
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob || blob->getData().size() != bytes)
    return std::nullopt;
  std::memcpy(values.data(), blob->getData().data(), bytes);
  return values;
}

memref::GlobalOp globalOf(memref::GetGlobalOp get) {
  return SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      get, get.getNameAttr());
}

memref::GlobalOp eraseUnusedGlobalRead(Operation *op) {
  if (!op || !op->use_empty())
    return nullptr;
  if (auto get = dyn_cast<memref::GetGlobalOp>(op)) {
    memref::GlobalOp global = globalOf(get);
    get->erase();
    return global;
  }
  if (!isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(op))
    return nullptr;
  Operation *source = op->getOperand(0).getDefiningOp();
  op->erase();
  return eraseUnusedGlobalRead(source);
}

memref::GlobalOp createConstantGlobal(ModuleOp module, Location loc,
                                      StringRef name, MemRefType type,
                                      ArrayRef<char> bytes) {
  auto init = DenseResourceElementsAttr::get(
      RankedTensorType::get(type.getShape(), type.getElementType()), name,
      HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, 64));
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto global = memref::GlobalOp::create(
      b, loc, name, b.getStringAttr("private"), type, init,
      /*constant=*/true, b.getI64IntegerAttr(64));
  SymbolTable(module).insert(global);
  return global;
}

BufferArg getBiasArg(OpBuilder &b, Location loc,
                     const std::optional<AbsorbedBias> &start, unsigned rank) {
  if (start && start->bias)
    return getBufferArg(b, loc, start->bias);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  BufferArg arg;
  arg.strides.assign(rank, zero);
  if (!start) {
    arg.address = zero;
    return arg;
  }
  // One constant +0.0 per module, the bias of every output that starts
  // from zero.
  auto module = b.getInsertionBlock()->getParentOp()->getParentOfType<ModuleOp>();
  constexpr StringLiteral name = "__kiln_zero_f32";
  auto type = MemRefType::get({1}, b.getF32Type());
  if (!SymbolTable::lookupSymbolIn(module, name)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    memref::GlobalOp::create(
        b, loc, name, b.getStringAttr("private"), type,
        DenseElementsAttr::get(RankedTensorType::get({1}, b.getF32Type()),
                               b.getF32FloatAttr(0.0f).getValue()),
        /*constant=*/true, /*alignment=*/nullptr);
  }
  Value global = memref::GetGlobalOp::create(b, loc, type, name);
  arg.address = getBufferArg(b, loc, global).address;
  return arg;
}

void appendEpilogueArgs(OpBuilder &b, Location loc,
                        const std::optional<AbsorbedEpilogue> &epilogue,
                        SmallVectorImpl<Value> &args) {
  AbsorbedEpilogue none;
  const AbsorbedEpilogue &e = epilogue ? *epilogue : none;
  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  args.append({index(e.act), index(llvm::bit_cast<uint32_t>(e.alpha)),
               index(llvm::bit_cast<uint32_t>(e.beta))});
  args.push_back(e.residual ? getBufferArg(b, loc, e.residual).address
                            : index(0));
}

} // namespace kiln
