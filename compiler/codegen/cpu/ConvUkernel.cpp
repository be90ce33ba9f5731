//===- ConvUkernel.cpp - f32 2-D convolutions as implicit-GEMM calls ------===//
//
// linalg.conv_2d_nchw_fchw, the grouped conv_2d_ngchw_gfchw and
// conv_1d_ncw_fcw (a 2-D one of height 1) on f32 buffers become one call
// to kiln_sconv2d_<isa> of the support library: the packed GEMM with the
// weights as A and the input as B, read per tap from a copy of the rows
// each task needs (split by the strides into phase planes) or packed
// from the input, so no im2col buffer is written and read back. The input may have any strided
// layout (a slice of a larger tensor); the kernel needs the weights
// contiguous over (c, kh, kw) and the output over (oh, ow), which buffers
// with identity layouts are. Others (an output written in place into a
// slice of a concatenation) go through a contiguous copy. Like the
// depthwise kernel, it takes over the zero padding of the input and a bias
// the output starts from (AbsorbedOperands.h).
//
// With AVX-512, constant weights of layers with enough filters and steps
// of K are stored transposed here, (g, (c, kh, kw), f) with f padded to
// whole vectors: the kernel then puts output channels in its vector lanes
// (kiln_sgemm_chanvec.h), reading each step's weights as whole vectors.
// AVX2 too, in narrower panels (chanVecShape).
//
//===----------------------------------------------------------------------===//

#include "compiler/artifact/support/gemm/kiln_winograd_rule.h"
#include "compiler/codegen/common/AbsorbedOperands.h"
#include "compiler/codegen/cpu/Passes.h"
#include "compiler/codegen/cpu/UkernelCall.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"

#include <algorithm>
#include <cstring>
#include <map>

namespace kiln {
#define GEN_PASS_DEF_CONVUKERNEL
#include "compiler/codegen/cpu/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// `v` itself when its inner `dims` dims are contiguous, else a fresh
/// contiguous copy of it (copied back to `v` by the caller where written).
Value contiguousBuffer(OpBuilder &b, Location loc, Value v, unsigned dims) {
  if (kiln::innerDimsContiguous(v, dims))
    return v;
  return kiln::allocIdentityCopy(b, loc, v, /*copyIn=*/true);
}

/// The least filters (per group) and steps of K (c, kh, kw) for which
/// the weights go transposed to the channel-vector path: with fewer
/// filters a tile has too few vectors of them to keep the FMA units busy
/// against its broadcasts, with fewer steps the transposed stores of the
/// tile cost too much of it.
constexpr int64_t kChanVecMinFilters = 32;
constexpr int64_t kChanVecMinSteps = 64;
/// Output channels per vector of the channel-vector path (the ISA's
/// floats), and per panel of its transposed weights (its register tile's
/// filters: KG_CV_LANES of kiln_sgemm_chanvec.h): AVX-512 16 and 64, AVX2
/// 8 and 16.
struct ChanVecShape {
  int64_t lanes, panel;
};
ChanVecShape chanVecShape(kiln::codegen::Isa isa) {
  if (isa == kiln::codegen::Isa::avx512)
    return {16, 64};
  return {8, 16};
}

/// The weights [G, F, K] at `values` for the channel-vector path: per group,
/// panels of `panel` filters (the last narrower) of Fp = F rounded up
/// to whole vectors (zeros), each K rows of its width in turn.
SmallVector<char> transposeForChanVec(const float *values, int64_t G,
                                      int64_t F, int64_t K, int64_t Fp,
                                      int64_t panel) {
  SmallVector<char> bytes(G * K * Fp * sizeof(float), 0);
  auto *out = reinterpret_cast<float *>(bytes.data());
  for (int64_t g = 0; g < G; ++g)
    for (int64_t f = 0; f < F; ++f) {
      int64_t first = f / panel * panel;
      int64_t width = std::min(panel, Fp - first);
      for (int64_t k = 0; k < K; ++k)
        out[g * K * Fp + first * K + k * width + f - first] =
            values[(g * F + f) * K + k];
    }
  return bytes;
}

/// Winograd F(4x4, 3x3) (kiln_swino_impl.h): points of a transformed
/// tile and filters per panel of the transformed weights, as the kernel
/// reads them (kiln_winograd_rule.h), and the least channels and filters
/// of a layer it takes: with fewer, the transforms of input and output
/// cost more than the products they save (32 x 32 on 28 x 28 pixels: 0.121
/// ms against 0.110 direct).
constexpr int64_t kWinogradPoints = KG_WN_POINTS;
constexpr int64_t kWinogradPanel = KG_WN_PANEL;
constexpr int64_t kWinogradMinChannels = 32;

/// Whether Winograd pays for a stride-1, undilated 3x3 convolution of C
/// channels and F filters with output `yType`: kiln_winograd_pays, the
/// rule the kernel applies at run time to sizes that were symbolic here
/// (kiln_winograd_rule.h says which layers set its bounds). Symbolic sizes
/// count as paying here; the kernel decides at run time.
bool winogradPays(MemRefType yType, int64_t C, int64_t F) {
  int64_t OH = yType.getDimSize(2), OW = yType.getDimSize(3);
  if (ShapedType::isDynamic(OH) || ShapedType::isDynamic(OW))
    return true;
  return kiln_winograd_pays(OH, OW, C, F);
}

/// The weights [F, C, 3, 3] of the tile g at `values` transformed for
/// Winograd F(4x4, 3x3), U = G g G^T, in kiln_swino_impl.h's layout [P,
/// 36, C, 12]: panels of 12 filters (the last padded with zero filters),
/// per point C rows of the panel's 12 weights. Computed in double.
SmallVector<char> transformForWinograd(const float *values, int64_t F,
                                       int64_t C) {
  static constexpr double g[6][3] = {{1.0 / 4, 0, 0},
                                     {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                     {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                     {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                     {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                     {0, 0, 1}};
  int64_t P = (F + kWinogradPanel - 1) / kWinogradPanel;
  SmallVector<char> bytes(kWinogradPoints * P * C * kWinogradPanel *
                              sizeof(float),
                          0);
  auto *u = reinterpret_cast<float *>(bytes.data());
  for (int64_t f = 0; f < F; ++f)
    for (int64_t c = 0; c < C; ++c) {
      const float *k = values + (f * C + c) * 9;
      double t[6][3];
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 3; ++j)
          t[i][j] = g[i][0] * k[j] + g[i][1] * k[3 + j] + g[i][2] * k[6 + j];
      for (int i = 0; i < 6; ++i)
        for (int j = 0; j < 6; ++j) {
          double v = t[i][0] * g[j][0] + t[i][1] * g[j][1] + t[i][2] * g[j][2];
          int64_t point = i * 6 + j;
          u[((f / kWinogradPanel * kWinogradPoints + point) * C + c) *
                kWinogradPanel +
            f % kWinogradPanel] = static_cast<float>(v);
        }
    }
  return bytes;
}

struct ConvUkernelPass : kiln::impl::ConvUkernelBase<ConvUkernelPass> {
  using Base::Base;

  /// Transposed and Winograd-transformed copies made so far, by source
  /// global.
  std::map<Operation *, memref::GlobalOp> transposed, winograd;

  /// `global`'s f32 values rewritten by `transform` as a constant global
  /// `<global><suffix>` of `type`, made once per source global (`cache`);
  /// null when the global's bytes cannot be read.
  memref::GlobalOp
  derivedGlobal(std::map<Operation *, memref::GlobalOp> &cache,
                memref::GlobalOp global, StringRef suffix, MemRefType type,
                llvm::function_ref<SmallVector<char>(const float *)> transform) {
    if (auto it = cache.find(global); it != cache.end())
      return it->second;
    std::optional<SmallVector<char>> bytes = kiln::readGlobalBytes(global);
    if (!bytes)
      return nullptr;
    memref::GlobalOp result = kiln::createConstantGlobal(
        global->getParentOfType<ModuleOp>(), global.getLoc(),
        (global.getSymName() + suffix).str(), type,
        transform(reinterpret_cast<const float *>(bytes->data())));
    cache[global] = result;
    return result;
  }

  /// The weights `w` of a convolution ([G,] F, C, [KH,] KW) transposed for
  /// the channel-vector path as a constant global [G, K, Fp], K = C * KH *
  /// KW and Fp = F rounded up to whole vectors (zeros), laid out per group
  /// in panels of filters (chanVecShape; the last one narrower), each K
  /// rows of its width in turn, when `w` is a
  /// whole constant f32 global with a static shape (or a reshape of one: a
  /// grouped convolution's [G, F, ...] view), the ISA AVX-512 or AVX2 and
  /// the layer large enough (kChanVecMin*); otherwise null.
  memref::GlobalOp getTransposed(Value w, bool grouped,
                                 kiln::codegen::Isa isa) {
    Value source = w;
    if (auto expand = w.getDefiningOp<memref::ExpandShapeOp>())
      source = expand.getSrc();
    else if (auto collapse = w.getDefiningOp<memref::CollapseShapeOp>())
      source = collapse.getSrc();
    auto get = source.getDefiningOp<memref::GetGlobalOp>();
    auto type = cast<MemRefType>(w.getType());
    if (isa == kiln::codegen::Isa::sse || !get ||
        !type.hasStaticShape() || !type.getLayout().isIdentity() ||
        !cast<MemRefType>(source.getType()).getLayout().isIdentity())
      return nullptr;
    ArrayRef<int64_t> shape = type.getShape();
    unsigned lead = grouped ? 1 : 0;
    int64_t G = grouped ? shape[0] : 1, F = shape[lead];
    int64_t K = type.getNumElements() / (G * F);
    if (F < kChanVecMinFilters || K < kChanVecMinSteps)
      return nullptr;
    memref::GlobalOp global = kiln::globalOf(get);
    if (!global)
      return nullptr;
    ChanVecShape vecs = chanVecShape(isa);
    int64_t Fp = (F + vecs.lanes - 1) / vecs.lanes * vecs.lanes;
    return derivedGlobal(
        transposed, global, "_chanvec",
        MemRefType::get({G, K, Fp}, type.getElementType()),
        [&](const float *values) {
          return transposeForChanVec(values, G, F, K, Fp, vecs.panel);
        });
  }

  /// The weights of `op` transformed for Winograd F(4x4, 3x3)
  /// (transformForWinograd) as a constant global, when `op` is an
  /// ungrouped 2-D convolution with stride 1, no dilation and constant
  /// static f32 weights [F, C, 3, 3] enough for it (kWinogradMinChannels,
  /// winogradPays on `target`'s vectors); otherwise null.
  memref::GlobalOp getWinograd(linalg::LinalgOp op, kiln::codegen::Isa target) {
    if (!winogradOption || !isa<linalg::Conv2DNchwFchwOp>(op))
      return nullptr;
    auto all1 = [&](StringRef name) {
      auto attr = op->getAttrOfType<DenseIntElementsAttr>(name);
      return attr && llvm::all_of(attr.getValues<int64_t>(),
                                  [](int64_t v) { return v == 1; });
    };
    Value w = op.getDpsInputs()[1];
    auto get = w.getDefiningOp<memref::GetGlobalOp>();
    auto type = cast<MemRefType>(w.getType());
    if (!all1("strides") || !all1("dilations") || !get ||
        !type.hasStaticShape() || !type.getLayout().isIdentity() ||
        type.getDimSize(2) != 3 || type.getDimSize(3) != 3)
      return nullptr;
    int64_t F = type.getDimSize(0), C = type.getDimSize(1);
    if (F < kWinogradMinChannels || C < kWinogradMinChannels ||
        !winogradPays(cast<MemRefType>(op.getDpsInits()[0].getType()), C, F))
      return nullptr;
    memref::GlobalOp global = kiln::globalOf(get);
    if (!global)
      return nullptr;
    int64_t P = (F + kWinogradPanel - 1) / kWinogradPanel;
    return derivedGlobal(
        winograd, global, "_winograd",
        MemRefType::get({P, kWinogradPoints, C, kWinogradPanel},
                        type.getElementType()),
        [&](const float *values) {
          return transformForWinograd(values, F, C);
        });
  }

  /// Erases the read of weights `w` a kernel no longer takes, and their
  /// global once nothing reads it.
  void eraseWeightsRead(Value w) {
    memref::GlobalOp global = kiln::eraseUnusedGlobalRead(w.getDefiningOp());
    if (!global ||
        !SymbolTable::symbolKnownUseEmpty(global,
                                          global->getParentOfType<ModuleOp>()))
      return;
    transposed.erase(global);
    winograd.erase(global);
    global.erase();
  }

  /// Replaces `op`, a stride-1 3x3 conv_2d_nchw_fchw, by a call to
  /// kiln_swino3x3_<isa> with its weights transformed (`u`). y may have
  /// any strides: the kernel writes each tile's rows through them.
  void lowerWinograd(linalg::LinalgOp op, memref::GlobalOp u,
                     kiln::codegen::Isa isa) {
    OpBuilder b(op);
    Location loc = op.getLoc();
    auto module = op->getParentOfType<ModuleOp>();
    func::FuncOp kernel = kiln::declareUkernel(
        module, ("kiln_swino3x3_" + kiln::codegen::isaSuffix(isa)).str(),
        /*numArgs=*/29);
    Value x = op.getDpsInputs()[0], w = op.getDpsInputs()[1];
    Value y = op.getDpsInits()[0];
    std::optional<kiln::AbsorbedPadding> padding =
        kiln::matchZeroPaddedInput(op, x, /*firstSpatialDim=*/2);
    std::optional<kiln::AbsorbedBias> bias = kiln::matchStart(op, y, {1});
    std::optional<kiln::AbsorbedEpilogue> epilogue =
        kiln::matchEpilogue(op, y);
    Value source = padding ? padding->source : x;
    Value uValue =
        memref::GetGlobalOp::create(b, loc, u.getType(), u.getSymName());
    kiln::UkernelArgs call(b, loc);
    auto wType = cast<MemRefType>(w.getType());
    kiln::BufferArg xa = kiln::getBufferArg(b, loc, source);
    kiln::BufferArg ua = kiln::getBufferArg(b, loc, uValue);
    kiln::BufferArg ya = kiln::getBufferArg(b, loc, y);
    kiln::BufferArg ba = kiln::getBiasArg(b, loc, bias, 1);
    // Symbolic image sizes: the kernel decides by the tiles it finds
    // (wnPays) and then needs the weights as the direct
    // convolution takes them (transposed for the filters-in-lanes path
    // where there is one): on a detector's 10 x 10 maps, with weights four
    // times the layer's, Winograd took twice ONNX Runtime's time. Static
    // sizes were decided here: no fallback (0).
    auto yType = cast<MemRefType>(y.getType());
    bool decideAtRunTime = yType.isDynamicDim(2) || yType.isDynamicDim(3);
    memref::GlobalOp wTransposed =
        decideAtRunTime ? getTransposed(w, /*grouped=*/false, isa) : nullptr;
    Value fallback = call.index(0), fallbackF = call.index(0),
          fallbackK = call.index(0);
    if (decideAtRunTime) {
      Value wf = wTransposed ? memref::GetGlobalOp::create(
                                   b, loc, wTransposed.getType(),
                                   wTransposed.getSymName())
                                   .getResult()
                             : w;
      kiln::BufferArg fa = kiln::getBufferArg(b, loc, wf);
      fallback = fa.address;
      // Transposed: (g, (c, kh, kw), f); original: (f, c, kh, kw).
      fallbackF = wTransposed ? call.index(1) : fa.strides[0];
      fallbackK = wTransposed ? fa.strides[1] : call.index(1);
    }
    // N, F, C, H, W, OH, OW, padT, padL; x and its n, c, h, w strides; u;
    // the fallback weights and their f and k strides (or 0, 0, 0); the
    // bias and its stride (or 0, 0); y and its n, f, h, w strides.
    SmallVector<Value> args = {call.dim(source, 0),
                               call.index(wType.getDimSize(0)),
                               call.index(wType.getDimSize(1)),
                               call.dim(source, 2),
                               call.dim(source, 3),
                               call.dim(y, 2),
                               call.dim(y, 3),
                               call.index(padding ? padding->low[0] : 0),
                               call.index(padding ? padding->low[1] : 0),
                               xa.address};
    args.append(xa.strides.begin(), xa.strides.end());
    args.append({ua.address, fallback, fallbackF, fallbackK, ba.address,
                 ba.strides[0], ya.address});
    args.append(ya.strides.begin(), ya.strides.end());
    kiln::appendEpilogueArgs(b, loc, epilogue, args);
    func::CallOp::create(b, loc, kernel, args);
    op->erase();
    // The original weights stay when they are the fallback's.
    if (!decideAtRunTime || wTransposed)
      eraseWeightsRead(w);
    kiln::eraseAbsorbed(bias, padding);
    kiln::eraseAbsorbed(epilogue);
  }

  /// Replaces `op`, a conv_2d_nchw_fchw, (grouped) conv_2d_ngchw_gfchw or
  /// conv_1d_ncw_fcw, by a call to `kernel`.
  void lower(linalg::LinalgOp op, func::FuncOp kernel) {
    bool grouped = isa<linalg::Conv2DNgchwGfchwOp>(op);
    bool oneD = isa<linalg::Conv1DNcwFcwOp>(op);
    kiln::codegen::Isa isa =
        kiln::codegen::getLoweringConfig(op,
                                         kiln::codegen::Strategy::conv_ukernel)
            .getIsa();
    if (memref::GlobalOp u = getWinograd(op, isa))
      return lowerWinograd(op, u, isa);
    // Dims of x and y: (n, [g,] c or f, [h,] w); of w: ([g,] f, c, [kh,]
    // kw). A 1-D convolution is a 2-D one with H = OH = KH = 1.
    unsigned lead = grouped ? 1 : 0;
    OpBuilder b(op);
    Location loc = op.getLoc();
    Value x = op.getDpsInputs()[0], wOriginal = op.getDpsInputs()[1];
    std::optional<kiln::AbsorbedPadding> padding =
        kiln::matchZeroPaddedInput(op, x, /*firstSpatialDim=*/2 + lead);
    Value yOriginal = op.getDpsInits()[0];
    // A bias (or a start at zero) goes with an output computed in place; a
    // copied output is accumulated into (it holds the bias already). A
    // grouped convolution's bias is [G, F], along y's dims 1 and 2.
    std::optional<kiln::AbsorbedBias> bias;
    if (kiln::innerDimsContiguous(yOriginal, 2))
      bias = grouped ? kiln::matchStart(op, yOriginal, {1, 2})
                     : kiln::matchStart(op, yOriginal, {1});
    Value source = padding ? padding->source : x;
    memref::GlobalOp wTransposed = getTransposed(wOriginal, grouped, isa);
    Value w = wTransposed
                  ? memref::GetGlobalOp::create(b, loc, wTransposed.getType(),
                                                wTransposed.getSymName())
                        .getResult()
                  : contiguousBuffer(b, loc, wOriginal, oneD ? 2 : 3);
    Value y = contiguousBuffer(b, loc, yOriginal, oneD ? 1 : 2);
    kiln::UkernelArgs call(b, loc);
    kiln::WindowGeometry geometry = kiln::getWindowGeometry(
        op, oneD,
        padding ? ArrayRef<int64_t>(padding->low) : ArrayRef<int64_t>());
    ArrayRef<int64_t> strides = geometry.strides,
                      dilations = geometry.dilations,
                      padLow = geometry.padLow;
    kiln::BufferArg xa = kiln::getBufferArg(b, loc, source);
    kiln::BufferArg wa = kiln::getBufferArg(b, loc, w);
    kiln::BufferArg ya = kiln::getBufferArg(b, loc, y);
    Value zero = call.index(0);
    // x and y are (n, g, ...): their group dim is dim 1.
    auto groupStride = [&](kiln::BufferArg &arg) {
      return grouped ? arg.strides[1] : zero;
    };
    // N, G, F, C, H, W, OH, OW, KH, KW, sh, sw, dh, dw, padT, padL; x and
    // its strides (n, g, c, h, w); w and its g, f and k strides; the bias and
    // its g and f strides (or 0, 0, 0); y and its n, g and f strides. An
    // ungrouped convolution has G = 1 and group strides 0.
    // The size of spatial dim `d` (0: h, 1: w) of v from its dim `first`
    // on: 1 for the height of a 1-D convolution.
    auto spatial = [&](Value v, unsigned first, unsigned d) -> Value {
      if (oneD)
        return d == 0 ? call.index(1) : call.dim(v, first);
      return call.dim(v, first + d);
    };
    // The weights' sizes as the layer has them (static when transposed).
    auto wDim = [&](int64_t d) -> Value {
      if (!wTransposed)
        return call.dim(w, d);
      return call.index(cast<MemRefType>(wOriginal.getType()).getDimSize(d));
    };
    auto wSpatial = [&](unsigned d) -> Value {
      if (oneD)
        return d == 0 ? call.index(1) : wDim(lead + 2);
      return wDim(lead + 2 + d);
    };
    SmallVector<Value> args = {call.dim(source, 0),
                               grouped ? wDim(0) : call.index(1),
                               wDim(lead),
                               wDim(lead + 1),
                               spatial(source, lead + 2, 0),
                               spatial(source, lead + 2, 1),
                               spatial(y, lead + 2, 0),
                               spatial(y, lead + 2, 1),
                               wSpatial(0),
                               wSpatial(1),
                               call.index(strides[0]),
                               call.index(strides[1]),
                               call.index(dilations[0]),
                               call.index(dilations[1]),
                               call.index(padLow[0]),
                               call.index(padLow[1]),
                               xa.address,
                               xa.strides[0],
                               groupStride(xa)};
    // x's c, h and w strides (h: 0 for a 1-D convolution).
    args.push_back(xa.strides[lead + 1]);
    if (oneD)
      args.push_back(zero);
    args.append(xa.strides.begin() + 2 + lead, xa.strides.end());
    // w is (g, f, c, kh, kw): its group dim leads, (c, kh, kw) is
    // contiguous. Transposed, it is (g, (c, kh, kw), f).
    if (wTransposed)
      args.append({wa.address, wa.strides[0], call.index(1), wa.strides[1]});
    else
      args.append({wa.address, grouped ? wa.strides[0] : zero, wa.strides[lead],
                   call.index(1)});
    kiln::BufferArg ba = kiln::getBiasArg(b, loc, bias, grouped ? 2 : 1);
    args.append({ba.address, grouped ? ba.strides[0] : zero,
                 ba.strides[grouped ? 1 : 0]});
    args.append(
        {ya.address, ya.strides[0], groupStride(ya), ya.strides[lead + 1]});
    // An epilogue goes with an output computed in place, like a bias.
    std::optional<kiln::AbsorbedEpilogue> epilogue;
    if (y == yOriginal)
      epilogue = kiln::matchEpilogue(op, y);
    kiln::appendEpilogueArgs(b, loc, epilogue, args);
    func::CallOp::create(b, loc, kernel, args);
    if (y != yOriginal) {
      memref::CopyOp::create(b, loc, y, yOriginal);
      memref::DeallocOp::create(b, loc, y);
    }
    if (w != wOriginal && !wTransposed)
      memref::DeallocOp::create(b, loc, w);
    op->erase();
    // A weight read only transposed is not kept twice.
    if (wTransposed)
      eraseWeightsRead(wOriginal);
    kiln::eraseAbsorbed(bias, padding);
    kiln::eraseAbsorbed(epilogue);
  }

  void runOnOperation() override {
    if (failed(kiln::lowerConfiguredOps<linalg::Conv2DNchwFchwOp,
                                        linalg::Conv2DNgchwGfchwOp,
                                        linalg::Conv1DNcwFcwOp>(
            getOperation(), kiln::codegen::Strategy::conv_ukernel,
            "a linalg.conv_2d_nchw_fchw, conv_2d_ngchw_gfchw or "
            "conv_1d_ncw_fcw",
            "kiln_sconv2d_", /*numArgs=*/37,
            [&](Operation *op, func::FuncOp kernel) {
              lower(cast<linalg::LinalgOp>(op), kernel);
            })))
      return signalPassFailure();
    // The implicit-GEMM kernels declared for layers that all went to
    // Winograd.
    ModuleOp module = getOperation();
    for (func::FuncOp f :
         llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
      if (f.isDeclaration() && f.getSymName().starts_with("kiln_sconv2d_") &&
          SymbolTable::symbolKnownUseEmpty(f, module))
        f.erase();
  }
};

} // namespace
