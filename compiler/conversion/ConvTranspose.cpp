//===- ConvTranspose.cpp - onnx to linalg: ConvTranspose ------------------===//
//
// ConvTranspose (the gradient of Conv) becomes a regular convolution:
//
//   Y[o] = sum_k Z[o + padBegin - k * d] W[k],  Z = X with stride - 1 zeros
//                                                   between its elements
//
// With k' = K - 1 - k (the kernel flipped) this is a stride-1 convolution of
// Zp[j] = Z[j - P], P = (K - 1) * d - padBegin, of length
// out + (K - 1) * d, with the flipped kernel at dilation d. Zp (the
// zero-inserted, padded or cropped input) is one index-driven generic, so
// any padding (also larger than the kernel, which crops) and dynamic kernel
// sizes work. W [C, M/group, k...] becomes the Conv filter
// [M, C/group, k...] by swapping its channel dims within each group and
// flipping its spatial dims. The convolution itself is the shared core of
// Conv (Convolution.h).
//
// With strides above 1 most of that convolution's products are with the
// inserted zeros (three quarters at stride 2). When the kernel sizes and
// padBegin are static and there is no dilation, it is computed by phases
// instead: the outputs o = u * s + phi of one phase phi in [0, s) (per
// spatial dim) read only the kernel taps k = rho + s * j with
// rho = (phi + padBegin) mod s,
//
//   Y[u * s + phi] = sum_j X[u + delta - j] W[rho + s * j],
//   delta = floor((phi + padBegin) / s),
//
// a stride-1 convolution of X itself (padded by K_rho - 1 - delta before)
// with the sub-kernel of K_rho = ceil((K - rho) / s) taps, flipped. Each
// phase is one Conv on the shared core (the convolution kernel of the
// CPU), its bias added there, and its result inserted into Y with stride s.
//
// Output sizes and pads follow the ONNX reference implementation:
//   output_shape given (NOTSET, VALID): out = output_shape; pads are
//     ignored: total = stride * (in - 1) + output_padding + extent - out,
//     padBegin = total - floor(total / 2);
//   explicit pads (NOTSET, VALID: none): out =
//     stride * (in - 1) + output_padding + extent - padBegin - padEnd;
//   SAME_UPPER/SAME_LOWER: out = output_shape if given, else in * stride;
//     total = stride * (in - 1) + output_padding + extent - out,
//     padBegin = floor(total / 2) (UPPER) or total - floor(total / 2).
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/Convolution.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "compiler/conversion/ShapeHelpers.h"
#include "compiler/conversion/SlidingWindow.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;
using kiln::shape_helpers::staticSizes;

namespace {

/// floor(x / 2) for any sign of x (an arithmetic shift at run time).
OpFoldResult floorHalf(IndexMath &m, OpFoldResult x) {
  if (auto c = getConstantIntValue(x))
    return m.c(*c >= 0 ? *c / 2 : -((-*c + 1) / 2));
  return arith::ShRSIOp::create(m.b, m.loc, m.value(x), m.value(m.c(1)))
      .getResult();
}

/// Geometry of one spatial dim of a ConvTranspose.
struct TransposedDim {
  OpFoldResult in, kernel, out;
  /// Left offset of the zero-inserted input in the convolution input:
  /// (K - 1) * dilation - padBegin (negative crops).
  OpFoldResult offset;
  /// Length of the convolution input: out + (K - 1) * dilation.
  OpFoldResult length;
  OpFoldResult padBegin;
  int64_t stride, dilation;
};

/// floor(a / b) for b > 0 and any sign of a.
int64_t floorDiv(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/// One spatial dim of one phase of a phased ConvTranspose (see the file
/// header): taps k = rho + stride * j for j < taps, outputs phi + u *
/// stride for u < count, reading X from index lowPad before its start.
struct PhaseDim {
  int64_t phi, rho, taps, lowPad;
  OpFoldResult count;
};

struct ConvTransposeLowering : OpConversionPattern<OnnxConvTransposeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(OnnxConvTransposeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX(), w = adaptor.getW(), bias = adaptor.getB();
    auto xT = dyn_cast<RankedTensorType>(x.getType());
    auto wT = dyn_cast<RankedTensorType>(w.getType());
    auto resT = resultTypeOf(*this, op);
    if (!xT || !wT || !resT)
      return rewriter.notifyMatchFailure(op, "X, W and Y must be ranked");
    int64_t rank = xT.getRank() - 2;
    if (rank < 1 || rank > 3 || wT.getRank() != xT.getRank())
      return rewriter.notifyMatchFailure(
          op, "only 1-D, 2-D and 3-D ConvTranspose (X and W of rank 3 to 5)");
    Type elem = xT.getElementType();
    if (!isa<FloatType>(elem) || wT.getElementType() != elem ||
        resT.getElementType() != elem)
      return rewriter.notifyMatchFailure(
          op, "ConvTranspose needs X, W and Y of one float type");
    bool hasBias = !isNoValue(op.getB());
    if (hasBias) {
      auto bT = dyn_cast<RankedTensorType>(bias.getType());
      if (!bT || bT.getRank() != 1 || bT.getElementType() != elem)
        return rewriter.notifyMatchFailure(op, "B must be a 1-D tensor");
    }
    int64_t group = op.getGroup();
    if (group < 1)
      return rewriter.notifyMatchFailure(op, "group must be positive");
    int64_t C = xT.getDimSize(1), WC = wT.getDimSize(0);
    if (!ShapedType::isDynamic(C) && !ShapedType::isDynamic(WC) && C != WC)
      return rewriter.notifyMatchFailure(
          op, "W's first dim must equal X's channels");
    if (!ShapedType::isDynamic(C) && C % group != 0)
      return rewriter.notifyMatchFailure(
          op, "X's channels are not a multiple of group");

    FailureOr<SmallVector<TransposedDim>> dims =
        computeDims(rewriter, loc, op, x, w, rank);
    if (failed(dims))
      return failure();

    // Output: [N, M = W.dim(1) * group, out...].
    IndexMath m{rewriter, loc};
    SmallVector<OpFoldResult> outSizes = {
        tensor::getMixedSize(rewriter, loc, x, 0),
        m.mul(tensor::getMixedSize(rewriter, loc, w, 1), m.c(group))};
    for (const TransposedDim &d : *dims)
      outSizes.push_back(d.out);
    SmallVector<int64_t> outShape = staticSizes(outSizes);
    if (!isShapeCastCompatible(outShape, resT))
      return rewriter.notifyMatchFailure(
          op, "the declared result shape disagrees with the ONNX output size "
              "formula");

    if (Value y = buildPhased(rewriter, loc, x, w, hasBias ? bias : Value(),
                              group, *dims, outSizes, elem)) {
      rewriter.replaceOp(op, castTo(rewriter, loc, y, resT));
      return success();
    }
    Value input = buildConvInput(rewriter, loc, x, *dims);
    Value filter = buildConvFilter(rewriter, loc, w, group, *dims);
    SmallVector<int64_t> ones(rank, 1), dilations;
    for (const TransposedDim &d : *dims)
      dilations.push_back(d.dilation);
    Value conv =
        buildConvolution(rewriter, loc, input, filter, group, ones, dilations,
                         outShape, outSizes, accumulatorType(elem));
    Value y = addChannelBias(rewriter, loc, conv, hasBias ? bias : Value(),
                             elem, outSizes);
    rewriter.replaceOp(op, castTo(rewriter, loc, y, resT));
    return success();
  }

private:
  /// Sizes, pads and offsets of every spatial dim (see the file header).
  FailureOr<SmallVector<TransposedDim>>
  computeDims(ConversionPatternRewriter &rewriter, Location loc,
              OnnxConvTransposeOp op, Value x, Value w, int64_t rank) const {
    auto wT = cast<RankedTensorType>(w.getType());
    auto n = static_cast<size_t>(rank);
    SmallVector<int64_t> kernel = toInts(op.getKernelShape());
    SmallVector<int64_t> strides = toInts(op.getStrides());
    SmallVector<int64_t> dilations = toInts(op.getDilations());
    SmallVector<int64_t> pads = toInts(op.getPads());
    SmallVector<int64_t> outPad = toInts(op.getOutputPadding());
    SmallVector<int64_t> outShape = toInts(op.getOutputShape());
    // Older exporters give output_shape with the N and C dims.
    if (outShape.size() == n + 2)
      outShape.erase(outShape.begin(), outShape.begin() + 2);
    if (strides.empty())
      strides.assign(n, 1);
    if (dilations.empty())
      dilations.assign(n, 1);
    if (pads.empty())
      pads.assign(2 * n, 0);
    if (outPad.empty())
      outPad.assign(n, 0);
    if ((!kernel.empty() && kernel.size() != n) || strides.size() != n ||
        dilations.size() != n || pads.size() != 2 * n || outPad.size() != n ||
        (!outShape.empty() && outShape.size() != n))
      return rewriter.notifyMatchFailure(
          op, "kernel_shape, strides, dilations, pads, output_padding or "
              "output_shape have the wrong number of entries");
    for (size_t i = 0; i < n; ++i)
      if (strides[i] < 1 || dilations[i] < 1)
        return rewriter.notifyMatchFailure(
            op, "strides and dilations must be positive");
    StringRef autoPad = op.getAutoPad();
    bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
    if (!same && autoPad != "NOTSET" && autoPad != "VALID")
      return rewriter.notifyMatchFailure(op, "unknown auto_pad value");

    IndexMath m{rewriter, loc};
    SmallVector<TransposedDim> dims;
    for (size_t i = 0; i < n; ++i) {
      TransposedDim d;
      d.stride = strides[i];
      d.dilation = dilations[i];
      d.in = tensor::getMixedSize(rewriter, loc, x, 2 + i);
      int64_t k = wT.getDimSize(2 + i);
      if (!kernel.empty()) {
        if (!ShapedType::isDynamic(k) && k != kernel[i])
          return rewriter.notifyMatchFailure(
              op, "kernel_shape disagrees with the shape of W");
        if (kernel[i] < 1)
          return rewriter.notifyMatchFailure(op,
                                             "kernel sizes must be positive");
        d.kernel = m.c(kernel[i]);
      } else {
        d.kernel = tensor::getMixedSize(rewriter, loc, w, 2 + i);
      }
      OpFoldResult s = m.c(d.stride);
      OpFoldResult span = m.mul(m.sub(d.kernel, m.c(1)), m.c(d.dilation));
      // stride * (in - 1) + output_padding + extent.
      OpFoldResult full =
          m.add(m.add(m.mul(m.sub(d.in, m.c(1)), s), m.c(outPad[i])),
                m.add(span, m.c(1)));
      OpFoldResult padBegin;
      if (same) {
        d.out = outShape.empty() ? m.mul(d.in, s) : m.c(outShape[i]);
        OpFoldResult total = m.sub(full, d.out);
        OpFoldResult half = floorHalf(m, total);
        padBegin = autoPad == "SAME_UPPER" ? half : m.sub(total, half);
      } else if (!outShape.empty()) {
        // output_shape overrides pads: the total padding is split with
        // the larger half first (the reference's total - total // 2).
        d.out = m.c(outShape[i]);
        OpFoldResult total = m.sub(full, d.out);
        padBegin = m.sub(total, floorHalf(m, total));
      } else {
        bool valid = autoPad == "VALID";
        padBegin = m.c(valid ? 0 : pads[i]);
        OpFoldResult padEnd = m.c(valid ? 0 : pads[n + i]);
        d.out = m.sub(m.sub(full, padBegin), padEnd);
      }
      if (auto out = getConstantIntValue(d.out); out && *out < 0)
        return rewriter.notifyMatchFailure(op, "negative output size");
      d.offset = m.sub(span, padBegin);
      d.padBegin = padBegin;
      d.length = m.add(d.out, span);
      dims.push_back(d);
    }
    return dims;
  }

  /// Y by phases (see the file header), or null where the geometry does
  /// not allow them: no stride above 1, a dilation, a dynamic kernel size
  /// or padBegin.
  static Value buildPhased(OpBuilder &b, Location loc, Value x, Value w,
                           Value bias, int64_t group,
                           ArrayRef<TransposedDim> dims,
                           ArrayRef<OpFoldResult> outSizes, Type elem) {
    bool strided = false;
    for (const TransposedDim &d : dims) {
      if (d.dilation != 1 || !getConstantIntValue(d.kernel) ||
          !getConstantIntValue(d.padBegin))
        return Value();
      strided |= d.stride > 1;
    }
    if (!strided)
      return Value();
    IndexMath m{b, loc};
    Type acc = accumulatorType(elem);
    Value y = createEmpty(
        b, loc, RankedTensorType::get(staticSizes(outSizes), elem), outSizes);
    // Every phase: a mixed-radix count over the strides.
    SmallVector<int64_t> phi(dims.size(), 0);
    while (true) {
      SmallVector<PhaseDim> phase;
      for (auto [i, d] : llvm::enumerate(dims)) {
        int64_t s = d.stride, k = *getConstantIntValue(d.kernel);
        int64_t t = phi[i] + *getConstantIntValue(d.padBegin);
        PhaseDim p;
        p.phi = phi[i];
        p.rho = t - floorDiv(t, s) * s;
        p.taps = p.rho < k ? (k - p.rho + s - 1) / s : 0;
        p.lowPad = p.taps - 1 - floorDiv(t, s);
        // ceil((out - phi) / s): out - phi + s - 1 >= 0.
        p.count = m.div(m.add(d.out, m.c(s - 1 - phi[i])), m.c(s));
        phase.push_back(p);
      }
      y = insertPhase(b, loc, y, buildPhase(b, loc, x, w, bias, group, dims,
                                            phase, outSizes, elem, acc),
                      dims, phase, outSizes);
      // Next phase.
      size_t i = 0;
      for (; i < dims.size(); ++i) {
        if (++phi[i] < dims[i].stride)
          break;
        phi[i] = 0;
      }
      if (i == dims.size())
        break;
    }
    return y;
  }

  /// One phase's outputs [N, M, count...] in `elem`, bias added.
  static Value buildPhase(OpBuilder &b, Location loc, Value x, Value w,
                          Value bias, int64_t group,
                          ArrayRef<TransposedDim> dims,
                          ArrayRef<PhaseDim> phase,
                          ArrayRef<OpFoldResult> outSizes, Type elem,
                          Type acc) {
    IndexMath m{b, loc};
    SmallVector<OpFoldResult> sizes = {outSizes[0], outSizes[1]};
    for (const PhaseDim &p : phase)
      sizes.push_back(p.count);
    SmallVector<int64_t> shape = staticSizes(sizes);
    if (llvm::any_of(phase, [](const PhaseDim &p) { return p.taps == 0; })) {
      // No tap reaches these outputs: the bias alone.
      Value zeros = linalg::FillOp::create(
                        b, loc, scalarConstant(b, loc, acc, 0.0),
                        createEmpty(b, loc, RankedTensorType::get(shape, acc),
                                    sizes))
                        .getResult(0);
      return addChannelBias(b, loc, zeros, bias, elem, sizes);
    }
    // X padded by lowPad before (cropped where negative) and, after, to
    // the count + taps - 1 the convolution reads.
    auto xT = cast<RankedTensorType>(x.getType());
    SmallVector<OpFoldResult> offsets(xT.getRank(), m.c(0)),
        cropSizes = tensor::getMixedSizes(b, loc, x),
        steps(xT.getRank(), m.c(1));
    SmallVector<OpFoldResult> low(xT.getRank(), m.c(0)),
        high(xT.getRank(), m.c(0));
    bool crop = false;
    for (auto [i, p] : llvm::enumerate(phase)) {
      int64_t start = p.lowPad < 0 ? -p.lowPad : 0;
      if (start) {
        crop = true;
        offsets[2 + i] = m.c(start);
        cropSizes[2 + i] = m.max(m.sub(cropSizes[2 + i], m.c(start)), m.c(0));
      }
      low[2 + i] = m.c(std::max<int64_t>(p.lowPad, 0));
      OpFoldResult need = m.add(p.count, m.c(p.taps - 1 - std::max<int64_t>(
                                                              p.lowPad, 0)));
      high[2 + i] = m.max(m.sub(need, cropSizes[2 + i]), m.c(0));
    }
    Value input = x;
    if (crop)
      input = tensor::ExtractSliceOp::create(b, loc, input, offsets,
                                             cropSizes, steps);
    input = tensor::PadOp::create(
        b, loc, Type(), input, low, high,
        scalarConstant(b, loc, xT.getElementType(), 0.0));
    // Exactly count + taps - 1 along each spatial dim: the convolution's
    // shapes must agree where they are static.
    SmallVector<OpFoldResult> exact = tensor::getMixedSizes(b, loc, input);
    for (auto [i, p] : llvm::enumerate(phase))
      exact[2 + i] = m.add(p.count, m.c(p.taps - 1));
    input = tensor::ExtractSliceOp::create(
        b, loc, input, SmallVector<OpFoldResult>(xT.getRank(), m.c(0)), exact,
        steps);
    Value filter = buildPhaseFilter(b, loc, w, group, dims, phase);
    SmallVector<int64_t> ones(phase.size(), 1);
    Value conv = buildConvolution(b, loc, input, filter, group, ones, ones,
                                  shape, sizes, acc);
    return addChannelBias(b, loc, conv, bias, elem, sizes);
  }

  /// The phase's Conv filter [M, C/group, taps...] of W [C, M/group, K...]:
  /// F[g * Mg + f, c, j] = W[g * Cg + c, f, rho + s * (taps - 1 - j)].
  static Value buildPhaseFilter(OpBuilder &b, Location loc, Value w,
                                int64_t group, ArrayRef<TransposedDim> dims,
                                ArrayRef<PhaseDim> phase) {
    IndexMath m{b, loc};
    SmallVector<OpFoldResult> taps;
    for (const PhaseDim &p : phase)
      taps.push_back(m.c(p.taps));
    return buildFilter(
        b, loc, w, group, taps,
        [&](OpBuilder &nb, Location nl, size_t i, Value j) -> Value {
          // rho + s * (taps - 1) - s * j.
          int64_t s = dims[i].stride;
          Value sj = arith::MulIOp::create(nb, nl, j, cIdx(nb, nl, s));
          return arith::SubIOp::create(
              nb, nl, cIdx(nb, nl, phase[i].rho + s * (phase[i].taps - 1)),
              sj);
        });
  }

  /// `y` with `phaseY` at offsets phi and strides s of the spatial dims.
  static Value insertPhase(OpBuilder &b, Location loc, Value y, Value phaseY,
                           ArrayRef<TransposedDim> dims,
                           ArrayRef<PhaseDim> phase,
                           ArrayRef<OpFoldResult> outSizes) {
    IndexMath m{b, loc};
    SmallVector<OpFoldResult> offsets = {m.c(0), m.c(0)},
                              sizes = {outSizes[0], outSizes[1]},
                              strides = {m.c(1), m.c(1)};
    for (auto [i, p] : llvm::enumerate(phase)) {
      offsets.push_back(m.c(p.phi));
      sizes.push_back(p.count);
      strides.push_back(m.c(dims[i].stride));
    }
    return tensor::InsertSliceOp::create(b, loc, phaseY, y, offsets, sizes,
                                         strides);
  }

  /// The convolution input [N, C, length...]: X's elements at offset +
  /// i * stride, zeros elsewhere.
  static Value buildConvInput(OpBuilder &b, Location loc, Value x,
                              ArrayRef<TransposedDim> dims) {
    auto xT = cast<RankedTensorType>(x.getType());
    Type elem = xT.getElementType();
    SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, x, 0),
                                       tensor::getMixedSize(b, loc, x, 1)};
    for (const TransposedDim &d : dims)
      sizes.push_back(d.length);
    IndexMath m{b, loc};
    SmallVector<Value> offsets, ins;
    for (const TransposedDim &d : dims) {
      offsets.push_back(m.value(d.offset));
      ins.push_back(m.value(d.in));
    }
    auto resTy = RankedTensorType::get(staticSizes(sizes), elem);
    return generateTensor(
        b, loc, resTy, sizes, {}, {},
        [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange) -> Value {
          Value zero = cIdx(nb, nl, 0);
          Value valid;
          SmallVector<Value> idx = {ivs[0], ivs[1]};
          for (auto [i, d] : llvm::enumerate(dims)) {
            // t = j - offset must be a non-negative multiple of the stride
            // below in * stride.
            Value t = arith::SubIOp::create(nb, nl, ivs[2 + i], offsets[i]);
            Value ok = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge,
                                             t, zero);
            Value src = t;
            if (d.stride != 1) {
              Value s = cIdx(nb, nl, d.stride);
              Value rem = arith::RemSIOp::create(nb, nl, t, s);
              ok = arith::AndIOp::create(
                  nb, nl, ok,
                  arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, rem,
                                        zero));
              src = arith::DivSIOp::create(nb, nl, t, s);
            }
            ok = arith::AndIOp::create(
                nb, nl, ok,
                arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, src,
                                      ins[i]));
            valid = valid ? arith::AndIOp::create(nb, nl, valid, ok) : ok;
            idx.push_back(arith::SelectOp::create(nb, nl, ok, src, zero));
          }
          // Reading index 0 of an empty dim would be out of bounds, but then
          // the output is empty too and the body never runs.
          Value v = tensor::ExtractOp::create(nb, nl, x, idx);
          return arith::SelectOp::create(nb, nl, valid, v,
                                         scalarConstant(nb, nl, elem, 0.0));
        });
  }

  /// The Conv filter [M, C/group, K...] of W [C, M/group, K...]:
  /// F[g * Mg + f, c, k] = W[g * Cg + c, f, K - 1 - k].
  static Value buildConvFilter(OpBuilder &b, Location loc, Value w,
                               int64_t group, ArrayRef<TransposedDim> dims) {
    IndexMath m{b, loc};
    SmallVector<OpFoldResult> kernel;
    SmallVector<Value> lasts;
    for (const TransposedDim &d : dims) {
      kernel.push_back(d.kernel);
      lasts.push_back(m.value(m.sub(d.kernel, m.c(1))));
    }
    return buildFilter(
        b, loc, w, group, kernel,
        [&](OpBuilder &nb, Location nl, size_t i, Value k) -> Value {
          return arith::SubIOp::create(nb, nl, lasts[i], k);
        });
  }

  /// A Conv filter [M, C/group, sizes...] of W [C, M/group, K...] with its
  /// channel dims swapped within each group: F[g * Mg + f, c, j] =
  /// W[g * Cg + c, f, tap(i, j_i)...], where tap gives W's index along
  /// spatial dim i for the filter's index j_i.
  static Value buildFilter(
      OpBuilder &b, Location loc, Value w, int64_t group,
      ArrayRef<OpFoldResult> spatialSizes,
      function_ref<Value(OpBuilder &, Location, size_t, Value)> tap) {
    auto wT = cast<RankedTensorType>(w.getType());
    IndexMath m{b, loc};
    OpFoldResult mg = tensor::getMixedSize(b, loc, w, 1);
    OpFoldResult cg = m.div(tensor::getMixedSize(b, loc, w, 0), m.c(group));
    SmallVector<OpFoldResult> sizes = {m.mul(mg, m.c(group)), cg};
    llvm::append_range(sizes, spatialSizes);
    Value mgV = m.value(mg), cgV = m.value(cg);
    auto resTy = RankedTensorType::get(staticSizes(sizes), wT.getElementType());
    return generateTensor(
        b, loc, resTy, sizes, {}, {},
        [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange) -> Value {
          Value c = ivs[1], f = ivs[0];
          if (group != 1) {
            Value g = arith::DivUIOp::create(nb, nl, ivs[0], mgV);
            f = arith::RemUIOp::create(nb, nl, ivs[0], mgV);
            c = arith::AddIOp::create(nb, nl,
                                      arith::MulIOp::create(nb, nl, g, cgV), c);
          }
          SmallVector<Value> idx = {c, f};
          for (size_t i = 0; i < spatialSizes.size(); ++i)
            idx.push_back(tap(nb, nl, i, ivs[2 + i]));
          return tensor::ExtractOp::create(nb, nl, w, idx);
        });
  }
};

} // namespace

void kiln::populateConvTransposePatterns(TypeConverter &tc,
                                         RewritePatternSet &patterns) {
  patterns.add<ConvTransposeLowering>(tc, patterns.getContext());
}
