//===- GemmUkernel.cpp - fp32 contractions as calls to the GEMM kernel ----===//
//
// Every fp32 matmul-shaped linalg op on buffers (linalg.matmul and
// batch_matmul with any transposing or broadcasting indexing maps, and
// generics that are contractions of the same shape) becomes one call to the
// packed GEMM of the support library, kiln_sgemm_<isa>
// (compiler/artifact/support/gemm). The kernel reads every operand through
// per-dim element strides, so transposes and broadcast batch dims cost no
// copies, and symbolic sizes take the same path as static ones. A constant
// B (a weight, a global shared by every batch) is packed here, at compile
// time, into the kernel's panel layout: kiln_sgemm_packed_<isa> reads it
// in place and packs only A at run time. Otherwise a constant A (the
// weights of a 1x1 convolution, C = W X) is packed into panels of the
// register tile's rows for kiln_sgemm_apacked_<isa>.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/KilnCodegen.h"
#include "compiler/codegen/common/AbsorbedOperands.h"
#include "compiler/codegen/cpu/Passes.h"
#include "compiler/codegen/cpu/UkernelCall.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"

#include "llvm/ADT/SetVector.h"

#include <cstring>
#include <map>
#include <tuple>

namespace kiln {
#define GEN_PASS_DEF_GEMMUKERNEL
#include "compiler/codegen/cpu/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::codegen;

namespace {

/// Columns per panel of packed B: two vector registers of f32 (KG_NR of
/// the support library's kernel for the ISA).
int64_t panelWidth(Isa isa) { return 2 * vectorBits(isa) / 32; }

/// Rows per panel of packed A: the rows of the kernel's register tile for
/// the ISA (KG_MR: 12 with AVX-512's 32 vector registers, 6 with 16).
int64_t panelHeight(Isa isa) { return isa == Isa::avx512 ? 12 : 6; }

struct GemmUkernelPass : kiln::impl::GemmUkernelBase<GemmUkernelPass> {
  using Base::Base;

  /// Packed copies made so far, by source global, which of its dims is k,
  /// ISA and operand (0: A, 1: B).
  std::map<std::tuple<Operation *, unsigned, Isa, unsigned>, memref::GlobalOp>
      packed;
  /// The globals packed copies were made from: erased at the end when
  /// nothing reads them any more.
  llvm::SetVector<memref::GlobalOp> packedSources;

  /// A packed copy of input `index` of `op` (0: A, 1: B) when it is a
  /// whole constant global with a static shape that every batch shares,
  /// 2-D or collapsed to 2-D (a 1x1 convolution's weights): (k, p) or (p, k)
  /// dims with p the loop dim `pDim` (m for A, n for B), identity layout.
  /// The layout is the kernel's: panels of `width` along p (the last
  /// zero-padded), all K of a panel in turn, `width` floats per k:
  ///
  ///   packed[(p / width * K + k) * width + p % width] = X[p, k]
  ///
  /// or for an i16 operand (the int16 GEMM, `pairs`) the same by pairs of
  /// k, the two of a pair side by side (K rounded up to even, zeros):
  ///
  ///   packed[((p / width * K2 + k / 2) * width + p % width) * 2 + k % 2]
  memref::GlobalOp getPacked(linalg::LinalgOp op, unsigned index,
                             int64_t pDim, int64_t kLoop, int64_t width,
                             Isa isa, bool pairs = false) {
    OpOperand *operand = op.getDpsInputOperand(index);
    Value source = operand->get();
    if (auto collapse = source.getDefiningOp<memref::CollapseShapeOp>())
      source = collapse.getSrc();
    auto get = source.getDefiningOp<memref::GetGlobalOp>();
    auto type = cast<MemRefType>(operand->get().getType());
    if (!get || type.getRank() != 2 || !type.hasStaticShape() ||
        !type.getLayout().isIdentity() ||
        !cast<MemRefType>(source.getType()).getLayout().isIdentity())
      return nullptr;
    AffineMap map = op.getMatchingIndexingMap(operand);
    // Which memref dim holds k (the other holds p).
    unsigned kDim = map.getDimPosition(0) == kLoop ? 0 : 1;
    if (map.getDimPosition(kDim) != kLoop ||
        map.getDimPosition(1 - kDim) != pDim)
      return nullptr;
    auto module = op->getParentOfType<ModuleOp>();
    memref::GlobalOp global = kiln::globalOf(get);
    if (!global)
      return nullptr;
    auto key = std::make_tuple(global.getOperation(), kDim, isa, index);
    if (auto it = packed.find(key); it != packed.end()) {
      packedSources.insert(global);
      return it->second;
    }
    Type elem = type.getElementType();
    if (pairs != elem.isInteger(16))
      return nullptr;
    std::optional<SmallVector<char>> values = kiln::readGlobalBytes(global);
    if (!values)
      return nullptr;
    size_t size = elem.getIntOrFloatBitWidth() / 8;
    int64_t K = type.getDimSize(kDim), P = type.getDimSize(1 - kDim);
    int64_t panels = (P + width - 1) / width;
    // Steps of K per panel: K, or pairs of it.
    int64_t steps = pairs ? (K + 1) / 2 * 2 : K;
    SmallVector<char> layout(panels * steps * width * size, 0);
    for (int64_t k = 0; k < K; ++k)
      for (int64_t p = 0; p < P; ++p) {
        int64_t at = pairs ? ((p / width * steps / 2 + k / 2) * width +
                              p % width) * 2 + k % 2
                           : (p / width * K + k) * width + p % width;
        std::memcpy(layout.data() + at * size,
                    values->data() + (kDim == 0 ? k * P + p : p * K + k) *
                                         size,
                    size);
      }
    // "_t": stored transposed, A as (k, m) or B as (n, k).
    bool transposed = index == 0 ? kDim == 0 : kDim == 1;
    std::string name = (global.getSymName() + "_packed_" + isaSuffix(isa) +
                        (index == 0 ? "_a" : "") + (transposed ? "_t" : ""))
                           .str();
    memref::GlobalOp result = kiln::createConstantGlobal(
        module, global.getLoc(), name,
        MemRefType::get({panels * steps * width}, elem), layout);
    packed[key] = result;
    packedSources.insert(global);
    return result;
  }

  /// C's buffer (under a collapse of C) and the bias broadcast into it
  /// before `op` along the buffer's dim that loop `loopDim` indexes (one
  /// dim of the buffer, not a collapsed group), if any.
  static std::pair<Value, std::optional<kiln::AbsorbedBias>>
  matchBiasAlong(linalg::LinalgOp op, int64_t loopDim) {
    OpOperand *c = op.getDpsInitOperand(0);
    AffineMap map = op.getMatchingIndexingMap(c);
    Value y = c->get();
    // A slice of a Concat's buffer is collapsed, then cast to its strides.
    while (auto cast = y.getDefiningOp<memref::CastOp>())
      y = cast.getSource();
    auto collapse = y.getDefiningOp<memref::CollapseShapeOp>();
    if (collapse)
      y = collapse.getSrc();
    for (unsigned r = 0; r < map.getNumResults(); ++r) {
      if (map.getDimPosition(r) != loopDim)
        continue;
      ReassociationIndices group = collapse
                                       ? collapse.getReassociationIndices()[r]
                                       : ReassociationIndices{r};
      if (group.size() == 1)
        return {y, kiln::matchBiasInit(op, y, {(unsigned)group[0]})};
    }
    return {y, std::nullopt};
  }

  /// What C starts from instead of its contents, which the kernel then
  /// does not read: a bias broadcast along C's rows (a convolution turned
  /// into a contraction by kiln-conv-to-gemm: C is a collapsed view of the
  /// output the bias was broadcast into), or zero (the fill before every
  /// matmul: a memset of the output, 11% of a batched matmul's time). The
  /// broadcast or fill goes.
  std::optional<kiln::AbsorbedBias>
  matchRowStart(linalg::LinalgOp op, std::array<int64_t, 4> loopDims) {
    auto [y, bias] = matchBiasAlong(op, loopDims[1]);
    return bias ? bias : kiln::matchZeroInit(op, y);
  }

  /// A bias broadcast along C's columns into C before `op` (a Linear
  /// layer's, which the ONNX lowering adds by starting the MatMul from it):
  /// the kernel can start each row from it (kiln_sgemm_packed_cbias) and
  /// the broadcast, a pass over C, goes.
  std::optional<kiln::AbsorbedBias>
  matchColumnStart(linalg::LinalgOp op, std::array<int64_t, 4> loopDims) {
    return matchBiasAlong(op, loopDims[2]).second;
  }

  /// The call to `kernel` replacing `op`: sizes, then A, B and C as
  /// addresses with their strides per (batch, row, column) dim; with
  /// `bPacked`, B is that packed global's address alone
  /// (kiln_sgemm_packed_<isa>); with `bias` (or packed A or B, which
  /// always take one), the bias's address and stride last (see
  /// getBiasArg).
  void lower(linalg::LinalgOp op, std::array<int64_t, 4> loopDims,
             func::FuncOp kernel, memref::GlobalOp bPacked = nullptr,
             std::optional<kiln::AbsorbedBias> bias = std::nullopt,
             memref::GlobalOp aPacked = nullptr, bool epilogueArgs = true) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    SmallVector<Range, 4> ranges = op.createLoopRanges(b, loc);
    auto size = [&](int64_t dim) -> Value {
      if (dim < 0)
        return arith::ConstantIndexOp::create(b, loc, 1);
      return getValueOrCreateConstantIndexOp(b, loc, ranges[dim].size);
    };
    SmallVector<Value> args = {size(loopDims[0]), size(loopDims[1]),
                               size(loopDims[2]), size(loopDims[3])};
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    // Operand dims in the order the kernel takes their strides.
    std::array<std::array<int64_t, 3>, 3> strideDims = {{
        {loopDims[0], loopDims[1], loopDims[3]}, // A: b, m, k
        {loopDims[0], loopDims[3], loopDims[2]}, // B: b, k, n
        {loopDims[0], loopDims[1], loopDims[2]}, // C: b, m, n
    }};
    for (auto [index, operand] : llvm::enumerate(op->getOpOperands())) {
      memref::GlobalOp packedCopy =
          index == 0 ? aPacked : index == 1 ? bPacked : nullptr;
      if (packedCopy) {
        Value packed = memref::GetGlobalOp::create(
            b, loc, packedCopy.getType(), packedCopy.getSymName());
        args.push_back(kiln::getBufferArg(b, loc, packed).address);
        continue;
      }
      kiln::BufferArg buffer = kiln::getBufferArg(b, loc, operand.get());
      args.push_back(buffer.address);
      AffineMap map = op.getMatchingIndexingMap(&operand);
      for (int64_t dim : strideDims[index]) {
        // A loop dim the operand does not index (a broadcast batch) moves
        // by 0 elements.
        Value stride = zero;
        for (unsigned r = 0; r < map.getNumResults(); ++r)
          if (dim >= 0 && map.getDimPosition(r) == dim)
            stride = buffer.strides[r];
        args.push_back(stride);
      }
    }
    // The f32 kernels' start (the int16 kernel has none).
    if ((bias || aPacked || bPacked) && epilogueArgs) {
      kiln::BufferArg ba = kiln::getBiasArg(b, loc, bias, /*rank=*/1);
      args.append({ba.address, ba.strides[0]});
    }
    std::optional<kiln::AbsorbedEpilogue> epilogue;
    if (epilogueArgs) {
      epilogue = kiln::matchEpilogue(op, op.getDpsInitOperand(0)->get());
      kiln::appendEpilogueArgs(b, loc, epilogue, args);
    }
    func::CallOp::create(b, loc, kernel, args);
    op->erase();
    kiln::eraseAbsorbed(bias, std::nullopt);
    kiln::eraseAbsorbed(epilogue);
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    packed.clear();
    packedSources.clear();
    SmallVector<std::tuple<linalg::LinalgOp, std::array<int64_t, 4>, Isa>>
        gemms, i16Gemms;
    WalkResult walk = module.walk([&](linalg::LinalgOp op) {
      LoweringConfigAttr config = getLoweringConfig(op, Strategy::gemm_ukernel);
      if (!config)
        return WalkResult::advance();
      std::optional<std::array<int64_t, 4>> dims, i16Dims;
      if (op.hasPureBufferSemantics()) {
        dims = kiln::matchF32Contraction(op);
        i16Dims = kiln::matchI16Contraction(op);
      }
      if (i16Dims) {
        i16Gemms.push_back({op, *i16Dims, config.getIsa()});
        return WalkResult::advance();
      }
      if (!dims) {
        op->emitOpError("has the gemm_ukernel strategy but is not an f32 "
                        "contraction (or an i16 x i16 -> i32 matmul) on "
                        "buffers with one m, n and k dim, at most one batch "
                        "dim and projected-permutation maps");
        return WalkResult::interrupt();
      }
      gemms.push_back({op, *dims, config.getIsa()});
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    // MatMulInteger's products: C accumulates (its fill stays), no
    // epilogue; a constant B (a weight widened at compile time) is packed
    // now in the kernel's pairs of K.
    for (auto [op, dims, isa] : i16Gemms) {
      memref::GlobalOp bPacked =
          packConstants ? getPacked(op, 1, dims[2], dims[3], panelWidth(isa),
                                    isa, /*pairs=*/true)
                        : nullptr;
      Operation *get = op.getDpsInputOperand(1)->get().getDefiningOp();
      std::string name = (bPacked ? "kiln_igemm16_packed_" : "kiln_igemm16_") +
                         isaSuffix(isa).str();
      lower(op, dims,
            kiln::declareUkernel(module, name, bPacked ? 13 : 16), bPacked,
            std::nullopt, nullptr, /*epilogueArgs=*/false);
      if (bPacked)
        kiln::eraseUnusedGlobalRead(get);
    }
    for (auto [op, dims, isa] : gemms) {
      // Each kernel is declared once, when first called.
      memref::GlobalOp bPacked =
          packConstants ? getPacked(op, 1, dims[2], dims[3], panelWidth(isa),
                                    isa)
                        : nullptr;
      // A constant A (the weights of a 1x1 convolution) packed in panels
      // of the register tile's rows, with or without a bias.
      memref::GlobalOp aPacked =
          packConstants && !bPacked
              ? getPacked(op, 0, dims[1], dims[3], panelHeight(isa), isa)
              : nullptr;
      if (aPacked) {
        Operation *get = op.getDpsInputOperand(0)->get().getDefiningOp();
        lower(op, dims,
              kiln::declareUkernel(
                  module, ("kiln_sgemm_apacked_" + isaSuffix(isa)).str(),
                  /*numArgs=*/19),
              nullptr, matchRowStart(op, dims), aPacked);
        kiln::eraseUnusedGlobalRead(get);
        continue;
      }
      if (!bPacked) {
        if (std::optional<kiln::AbsorbedBias> bias = matchRowStart(op, dims)) {
          lower(op, dims,
                kiln::declareUkernel(
                    module, ("kiln_sgemm_bias_" + isaSuffix(isa)).str(),
                    /*numArgs=*/22),
                nullptr, bias);
          continue;
        }
        lower(op, dims,
              kiln::declareUkernel(module,
                                   ("kiln_sgemm_" + isaSuffix(isa)).str(),
                                   /*numArgs=*/20));
        continue;
      }
      Operation *get = op.getDpsInputOperand(1)->get().getDefiningOp();
      std::optional<kiln::AbsorbedBias> start = matchRowStart(op, dims);
      if (!start)
        if (std::optional<kiln::AbsorbedBias> columns =
                matchColumnStart(op, dims)) {
          lower(op, dims,
                kiln::declareUkernel(
                    module,
                    ("kiln_sgemm_packed_cbias_" + isaSuffix(isa)).str(),
                    /*numArgs=*/19),
                bPacked, columns);
          kiln::eraseUnusedGlobalRead(get);
          continue;
        }
      lower(op, dims,
            kiln::declareUkernel(module,
                                 ("kiln_sgemm_packed_" + isaSuffix(isa)).str(),
                                 /*numArgs=*/19),
            bPacked, start);
      kiln::eraseUnusedGlobalRead(get);
    }
    // A weight read only packed is not kept twice.
    for (memref::GlobalOp global : packedSources)
      if (SymbolTable::symbolKnownUseEmpty(global, module))
        global.erase();
  }
};

} // namespace
