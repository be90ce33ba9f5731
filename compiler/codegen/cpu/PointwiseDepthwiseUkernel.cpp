//===- PointwiseDepthwiseUkernel.cpp - 1x1 conv fused into a depthwise one -===//
//
// An inverted residual block expands its input with a 1x1 convolution
// (often six times the channels), activates it and convolves it depthwise.
// Lowered apart, the expansion writes the block's largest tensor and the
// depthwise kernel reads it back, both through DRAM once it outgrows L2
// (96 x 112 x 112 floats: 4.8 MB). Here such a pair becomes one call to
// kiln_pwdw_<isa> (kiln_pwdw_impl.h), which convolves bands of the expanded
// rows while they are in L2 and never writes the tensor: its buffers, the
// padded copy the depthwise layer read and the bias broadcasts all go.
//
// The pair, on buffers, as kiln-conv-to-gemm and bufferization leave it:
//
//   Z1 = bias or 0; gemm(W1 [F, C], X [N, C, H*W]) accumulated into Z1
//   Z  = act(Z1)                  (optional; no residual)
//   P  = zero padding of Z        (optional)
//   Y  = bias or 0; depthwise_conv_2d_nchw_chw(P, W2 [F, KH, KW]) into Y
//   Y  = act(Y + R)               (optional)
//
// with constant weights (stored here with filters in vector lanes), Z read
// by nothing else, and X unchanged between the two layers. Runs before
// kiln-gemm-ukernel and kiln-depthwise-ukernel, which lower what it leaves.
//
//===----------------------------------------------------------------------===//

#include "compiler/codegen/common/AbsorbedOperands.h"
#include "compiler/codegen/cpu/Passes.h"
#include "compiler/codegen/cpu/UkernelCall.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"

#include <cstring>

namespace kiln {
#define GEN_PASS_DEF_POINTWISEDEPTHWISEUKERNEL
#include "compiler/codegen/cpu/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::codegen;

namespace {

/// Everything the fused call takes over from the two layers.
struct PointwiseDepthwise {
  linalg::LinalgOp gemm;
  Value input;                        ///< X, [N, C, H, W]
  memref::GetGlobalOp pointwiseWeights; ///< [F, C] (or [F, C, 1, 1])
  std::optional<kiln::AbsorbedBias> pointwiseStart;
  std::optional<kiln::AbsorbedEpilogue> pointwiseEpilogue;
  Value expanded; ///< the buffer written by the gemm (Z1)
  linalg::DepthwiseConv2DNchwChwOp depthwise;
  memref::GetGlobalOp depthwiseWeights; ///< [F, KH, KW]
  std::optional<kiln::AbsorbedPadding> padding;
  std::optional<kiln::AbsorbedBias> depthwiseStart;
  std::optional<kiln::AbsorbedEpilogue> depthwiseEpilogue;
};

/// `v` as the 4-D buffer it was collapsed from by [[0], [1], [2, 3]].
Value uncollapsedImage(Value v) {
  auto collapse = v.getDefiningOp<memref::CollapseShapeOp>();
  if (!collapse || collapse.getSrcType().getRank() != 4)
    return nullptr;
  SmallVector<ReassociationIndices> groups =
      collapse.getReassociationIndices();
  if (groups.size() != 3 || groups[0] != ReassociationIndices{0} ||
      groups[1] != ReassociationIndices{1} ||
      groups[2] != ReassociationIndices{2, 3})
    return nullptr;
  return collapse.getSrc();
}

/// Whether every use of `root`, through views, is by an op of `allowed` or
/// a deallocation.
bool onlyUsedBy(Value root, const llvm::DenseSet<Operation *> &allowed) {
  for (Operation *user : root.getUsers()) {
    if (allowed.contains(user) || isa<memref::DeallocOp>(user))
      continue;
    auto view = dyn_cast<ViewLikeOpInterface>(user);
    if (!view || view.getViewSource() != root)
      return false;
    for (Value result : user->getResults())
      if (!onlyUsedBy(result, allowed))
        return false;
  }
  return true;
}

/// Erases `root`, an allocation nothing reads any more, with its views and
/// deallocations.
void eraseDeadBuffer(Value root) {
  llvm::SetVector<Operation *> users(root.user_begin(), root.user_end());
  for (Operation *user : users) {
    for (Value result : user->getResults())
      eraseDeadBuffer(result);
    user->erase();
  }
  if (Operation *def = root.getDefiningOp())
    if (def->use_empty() && isa<memref::AllocOp>(def))
      def->erase();
}

/// Replaces `memref.dim`s of allocations and expand_shapes by the sizes
/// those were made with, as canonicalization would: the shape reads of a
/// buffer (the padded copy's sizes) then do not keep it alive.
void foldShapeReads(ModuleOp module) {
  module.walk([](memref::DimOp dim) {
    std::optional<int64_t> d = dim.getConstantIndex();
    auto type = dyn_cast<MemRefType>(dim.getSource().getType());
    if (!d || !type || *d < 0 || *d >= type.getRank())
      return;
    OpFoldResult size;
    if (!type.isDynamicDim(*d))
      size = OpBuilder(dim).getIndexAttr(type.getDimSize(*d));
    else if (auto alloc = dim.getSource().getDefiningOp<memref::AllocOp>())
      size = alloc.getDynamicSizes()[type.getDynamicDimIndex(*d)];
    else if (auto expand =
                 dim.getSource().getDefiningOp<memref::ExpandShapeOp>())
      size = expand.getMixedOutputShape()[*d];
    else
      return;
    OpBuilder b(dim);
    dim.replaceAllUsesWith(
        getValueOrCreateConstantIndexOp(b, dim.getLoc(), size));
    dim.erase();
  });
}

/// The constant global `v` reads (through one collapse_shape), with the
/// static shape `shape` once collapsed, or null.
memref::GetGlobalOp constantWeights(Value v, ArrayRef<int64_t> shape) {
  auto type = cast<MemRefType>(v.getType());
  if (type.getShape() != shape || !type.getLayout().isIdentity())
    return nullptr;
  if (auto collapse = v.getDefiningOp<memref::CollapseShapeOp>())
    v = collapse.getSrc();
  auto get = v.getDefiningOp<memref::GetGlobalOp>();
  if (!get || !cast<MemRefType>(v.getType()).getLayout().isIdentity())
    return nullptr;
  memref::GlobalOp global = kiln::globalOf(get);
  if (!global || !global.getConstant())
    return nullptr;
  return get;
}

struct PointwiseDepthwiseUkernelPass
    : kiln::impl::PointwiseDepthwiseUkernelBase<
          PointwiseDepthwiseUkernelPass> {
  using Base::Base;

  /// The gemm of a 1x1 convolution: W [F, C] x X [N, C, H*W] into
  /// Z [N, F, H*W], each operand as the loop dims (batch, m, n, k) say.
  static bool isPointwise(linalg::LinalgOp op, Value &input, Value &output) {
    std::optional<std::array<int64_t, 4>> dims =
        kiln::matchF32Contraction(op);
    if (!dims || (*dims)[0] < 0)
      return false;
    auto [batch, m, n, k] = *dims;
    auto indexes = [&](unsigned operand, ArrayRef<int64_t> loops) {
      AffineMap map = op.getIndexingMapsArray()[operand];
      if (map.getNumResults() != loops.size())
        return false;
      for (auto [r, loop] : llvm::enumerate(loops)) {
        auto d = dyn_cast<AffineDimExpr>(map.getResult(r));
        if (!d || d.getPosition() != static_cast<unsigned>(loop))
          return false;
      }
      return true;
    };
    if (op->getNumOperands() != 3 || !indexes(0, {m, k}) ||
        !indexes(1, {batch, k, n}) || !indexes(2, {batch, m, n}))
      return false;
    input = uncollapsedImage(op.getDpsInputOperand(1)->get());
    output = uncollapsedImage(op.getDpsInitOperand(0)->get());
    return input && output && isa<memref::AllocOp>(output.getDefiningOp());
  }

  /// The pair ending in `dw`, when there is one the fused kernel computes.
  std::optional<PointwiseDepthwise>
  match(linalg::DepthwiseConv2DNchwChwOp dw, Isa isa) {
    PointwiseDepthwise pair;
    pair.depthwise = dw;
    Value x = dw.getInputs()[0], y = dw.getOutputs()[0];
    pair.padding = kiln::matchZeroPaddedInput(dw, x, /*firstSpatialDim=*/2);
    Value z = pair.padding ? pair.padding->source : x;
    auto zType = cast<MemRefType>(z.getType());
    if (zType.getRank() != 4 || !zType.getLayout().isIdentity())
      return std::nullopt;
    int64_t F = zType.getDimSize(1);
    auto wType = cast<MemRefType>(dw.getInputs()[1].getType());
    if (ShapedType::isDynamic(F) || !wType.hasStaticShape())
      return std::nullopt;
    pair.depthwiseWeights = constantWeights(dw.getInputs()[1],
                                            wType.getShape());
    if (!pair.depthwiseWeights)
      return std::nullopt;

    // The gemm that wrote z, directly or through its epilogue's buffer.
    Value zRoot = kiln::rootBuffer(z);
    for (Operation *op = dw->getPrevNode(); op && !pair.gemm;
         op = op->getPrevNode()) {
      auto gemm = dyn_cast<linalg::LinalgOp>(op);
      LoweringConfigAttr config =
          getLoweringConfig(op, Strategy::gemm_ukernel);
      Value input, expanded;
      if (!gemm || !config || config.getIsa() != isa ||
          !isPointwise(gemm, input, expanded))
        continue;
      std::optional<kiln::AbsorbedEpilogue> epilogue =
          kiln::matchEpilogue(gemm, gemm.getDpsInitOperand(0)->get());
      Value written = epilogue && epilogue->replaced ? epilogue->replaced
                                                     : expanded;
      if (kiln::rootBuffer(written) != zRoot)
        continue;
      if (epilogue && epilogue->residual)
        return std::nullopt;
      pair.gemm = gemm;
      pair.input = input;
      pair.expanded = expanded;
      pair.pointwiseEpilogue = epilogue;
    }
    if (!pair.gemm)
      return std::nullopt;
    // The weights' [F, C] (x's C may be symbolic; it is C at run time).
    auto w1Type =
        cast<MemRefType>(pair.gemm.getDpsInputOperand(0)->get().getType());
    if (!w1Type.hasStaticShape() || w1Type.getDimSize(0) != F)
      return std::nullopt;
    pair.pointwiseWeights = constantWeights(
        pair.gemm.getDpsInputOperand(0)->get(), w1Type.getShape());
    if (!pair.pointwiseWeights)
      return std::nullopt;
    pair.pointwiseStart =
        kiln::matchBiasInit(pair.gemm, pair.expanded, {1});
    if (!pair.pointwiseStart)
      pair.pointwiseStart = kiln::matchZeroInit(pair.gemm, pair.expanded);
    pair.depthwiseStart = kiln::matchStart(dw, y, /*channelDims=*/{1});
    if (!pair.pointwiseStart || !pair.depthwiseStart)
      return std::nullopt;
    // X (and a bias that is not a constant) is read at the depthwise
    // layer now.
    if (!kiln::keptBetween(pair.gemm, dw, kiln::rootBuffer(pair.input)))
      return std::nullopt;
    if (Value bias = pair.pointwiseStart->bias)
      if (!kiln::rootBuffer(bias).getDefiningOp<memref::GetGlobalOp>() &&
          !kiln::keptBetween(pair.gemm, dw, kiln::rootBuffer(bias)))
        return std::nullopt;
    // Nothing else reads the expanded tensor.
    llvm::DenseSet<Operation *> readers = {pair.gemm, dw};
    if (pair.pointwiseStart->init)
      readers.insert(pair.pointwiseStart->init);
    if (pair.pointwiseEpilogue)
      readers.insert(pair.pointwiseEpilogue->generic);
    if (pair.padding)
      readers.insert(pair.padding->deadOps.begin(),
                     pair.padding->deadOps.end());
    if (!onlyUsedBy(kiln::rootBuffer(pair.expanded), readers) ||
        !onlyUsedBy(zRoot, readers))
      return std::nullopt;
    pair.depthwiseEpilogue = kiln::matchEpilogue(dw, y);
    return pair;
  }

  /// `weights` ([F, K] row-major, f32) with filters in vector lanes, in
  /// groups of up to `group` vectors of `lanes` filters (the last vector
  /// zero-padded): group g, of vg vectors, is [K][vg * lanes] from
  /// g * group * lanes * K on (kiln_pwdw_impl.h's w1 with the kernel's
  /// KG_PD_VECS; its w2 is group 1).
  memref::GlobalOp filtersInLanes(ModuleOp module, memref::GetGlobalOp get,
                                  int64_t F, int64_t K, int64_t lanes,
                                  int64_t group, StringRef suffix) {
    memref::GlobalOp global = kiln::globalOf(get);
    std::optional<SmallVector<char>> bytes = kiln::readGlobalBytes(global);
    if (!bytes || bytes->size() != static_cast<size_t>(F * K * 4))
      return nullptr;
    int64_t vectors = (F + lanes - 1) / lanes;
    SmallVector<char> layout(vectors * K * lanes * 4, 0);
    for (int64_t f = 0; f < F; ++f) {
      int64_t g = f / (group * lanes);
      int64_t width = std::min(group, vectors - g * group) * lanes;
      for (int64_t k = 0; k < K; ++k)
        std::memcpy(layout.data() + (g * group * lanes * K + k * width +
                                     f - g * group * lanes) *
                                        4,
                    bytes->data() + (f * K + k) * 4, 4);
    }
    return kiln::createConstantGlobal(
        module, global.getLoc(), (global.getSymName() + suffix).str(),
        MemRefType::get({vectors * K * lanes},
                        Float32Type::get(&getContext())),
        layout);
  }

  LogicalResult lower(PointwiseDepthwise &pair, Isa isa) {
    ModuleOp module = getOperation();
    linalg::DepthwiseConv2DNchwChwOp dw = pair.depthwise;
    Value z = pair.padding ? pair.padding->source : dw.getInputs()[0];
    Value y = dw.getOutputs()[0];
    auto wType = cast<MemRefType>(dw.getInputs()[1].getType());
    int64_t F = wType.getDimSize(0), KH = wType.getDimSize(1),
            KW = wType.getDimSize(2);
    int64_t C = cast<MemRefType>(
                    pair.gemm.getDpsInputOperand(0)->get().getType())
                    .getDimSize(1);
    int64_t lanes = vectorBits(isa) / 32;
    // kiln_pwdw_impl.h's KG_PD_VECS: vectors of filters per task.
    int64_t group = isa == Isa::avx512 ? 4 : 2;
    memref::GlobalOp w1 = filtersInLanes(module, pair.pointwiseWeights, F, C,
                                         lanes, group, "_pw_lanes");
    memref::GlobalOp w2 =
        w1 ? filtersInLanes(module, pair.depthwiseWeights, F, KH * KW, lanes,
                            /*group=*/1, "_dw_lanes")
           : nullptr;
    if (!w1 || !w2) {
      if (w1)
        w1.erase();
      return failure();
    }

    OpBuilder b(dw);
    Location loc = dw.getLoc();
    kiln::UkernelArgs call(b, loc);
    kiln::WindowGeometry window = kiln::getWindowGeometry(
        dw, /*oneD=*/false,
        pair.padding ? ArrayRef<int64_t>(pair.padding->low)
                     : ArrayRef<int64_t>());
    call.values = {// z's sizes are x's (z goes).
                   call.dim(pair.input, 0),
                   call.index(C),
                   call.dim(pair.input, 2),
                   call.dim(pair.input, 3),
                   call.index(F),
                   call.dim(y, 2),
                   call.dim(y, 3),
                   call.index(KH),
                   call.index(KW),
                   call.index(window.strides[0]),
                   call.index(window.strides[1]),
                   call.index(window.dilations[0]),
                   call.index(window.dilations[1]),
                   call.index(window.padLow[0]),
                   call.index(window.padLow[1])};
    auto appendGlobal = [&](memref::GlobalOp global) {
      Value get = memref::GetGlobalOp::create(b, loc, global.getType(),
                                              global.getSymName());
      call.values.push_back(kiln::getBufferArg(b, loc, get).address);
    };
    auto appendBias = [&](const std::optional<kiln::AbsorbedBias> &start) {
      kiln::BufferArg bias = kiln::getBiasArg(b, loc, start, /*rank=*/1);
      call.values.append({bias.address, bias.strides[0]});
    };
    call.appendBuffer(pair.input);
    appendGlobal(w1);
    appendBias(pair.pointwiseStart);
    kiln::appendEpilogueArgs(b, loc, pair.pointwiseEpilogue, call.values);
    appendGlobal(w2);
    appendBias(pair.depthwiseStart);
    call.appendBuffer(y);
    kiln::appendEpilogueArgs(b, loc, pair.depthwiseEpilogue, call.values);
    func::FuncOp kernel = kiln::declareUkernel(
        module, ("kiln_pwdw_" + isaSuffix(isa)).str(), call.values.size());
    func::CallOp::create(b, loc, kernel, call.values);

    // The depthwise layer and what it absorbed, then the pointwise one.
    Operation *w1Read = pair.gemm.getDpsInputOperand(0)->get().getDefiningOp();
    Operation *w2Read = dw.getInputs()[1].getDefiningOp();
    Value zRoot = kiln::rootBuffer(z);
    dw->erase();
    kiln::eraseAbsorbed(pair.depthwiseStart, pair.padding);
    kiln::eraseAbsorbed(pair.depthwiseEpilogue);
    pair.gemm->erase();
    kiln::eraseAbsorbed(pair.pointwiseStart, std::nullopt);
    if (pair.pointwiseEpilogue && pair.pointwiseEpilogue->replaced)
      zRoot = nullptr; // replaced by the expanded buffer, erased below
    kiln::eraseAbsorbed(pair.pointwiseEpilogue);
    eraseDeadBuffer(pair.expanded);
    if (zRoot && zRoot != pair.expanded)
      eraseDeadBuffer(zRoot);
    for (Operation *read : {w1Read, w2Read})
      if (memref::GlobalOp global = kiln::eraseUnusedGlobalRead(read))
        if (SymbolTable::symbolKnownUseEmpty(global, module))
          global.erase();
    return success();
  }

  void runOnOperation() override {
    foldShapeReads(getOperation());
    SmallVector<std::pair<linalg::DepthwiseConv2DNchwChwOp, Isa>> candidates;
    getOperation().walk([&](linalg::DepthwiseConv2DNchwChwOp dw) {
      LoweringConfigAttr config =
          getLoweringConfig(dw, Strategy::depthwise_ukernel);
      auto isF32 = [](Type t) {
        auto memref = dyn_cast<MemRefType>(t);
        return memref && memref.getElementType().isF32();
      };
      if (config && llvm::all_of(dw->getOperandTypes(), isF32))
        candidates.push_back({dw, config.getIsa()});
    });
    for (auto [dw, isa] : candidates)
      if (std::optional<PointwiseDepthwise> pair = match(dw, isa))
        (void)lower(*pair, isa);
  }
};

} // namespace
