//===- SlidingWindow.cpp - Conv/pooling window geometry -------------------===//

#include "compiler/conversion/SlidingWindow.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

namespace kiln {

OpFoldResult IndexMath::c(int64_t v) { return b.getIndexAttr(v); }

Value IndexMath::value(OpFoldResult v) {
  return getValueOrCreateConstantIndexOp(b, loc, v);
}

OpFoldResult IndexMath::add(OpFoldResult x, OpFoldResult y) {
  auto cx = getConstantIntValue(x), cy = getConstantIntValue(y);
  if (cx && cy)
    return c(*cx + *cy);
  if (cx && *cx == 0)
    return y;
  if (cy && *cy == 0)
    return x;
  return arith::AddIOp::create(b, loc, value(x), value(y)).getResult();
}

OpFoldResult IndexMath::sub(OpFoldResult x, OpFoldResult y) {
  auto cx = getConstantIntValue(x), cy = getConstantIntValue(y);
  if (cx && cy)
    return c(*cx - *cy);
  if (cy && *cy == 0)
    return x;
  return arith::SubIOp::create(b, loc, value(x), value(y)).getResult();
}

OpFoldResult IndexMath::mul(OpFoldResult x, OpFoldResult y) {
  auto cx = getConstantIntValue(x), cy = getConstantIntValue(y);
  if (cx && cy)
    return c(*cx * *cy);
  if (cx && *cx == 1)
    return y;
  if (cy && *cy == 1)
    return x;
  return arith::MulIOp::create(b, loc, value(x), value(y)).getResult();
}

OpFoldResult IndexMath::div(OpFoldResult x, OpFoldResult y) {
  auto cx = getConstantIntValue(x), cy = getConstantIntValue(y);
  if (cx && cy)
    return c(*cx / *cy); // Non-negative: truncation is the floor.
  if (cy && *cy == 1)
    return x;
  return arith::DivSIOp::create(b, loc, value(x), value(y)).getResult();
}

OpFoldResult IndexMath::ceilDiv(OpFoldResult x, OpFoldResult y) {
  return div(add(x, sub(y, c(1))), y);
}

OpFoldResult IndexMath::max(OpFoldResult x, OpFoldResult y) {
  auto cx = getConstantIntValue(x), cy = getConstantIntValue(y);
  if (cx && cy)
    return c(std::max(*cx, *cy));
  return arith::MaxSIOp::create(b, loc, value(x), value(y)).getResult();
}

OpFoldResult IndexMath::min(OpFoldResult x, OpFoldResult y) {
  auto cx = getConstantIntValue(x), cy = getConstantIntValue(y);
  if (cx && cy)
    return c(std::min(*cx, *cy));
  return arith::MinSIOp::create(b, loc, value(x), value(y)).getResult();
}

OpFoldResult IndexMath::selectGE(OpFoldResult x, OpFoldResult y, OpFoldResult t,
                                 OpFoldResult f) {
  auto cx = getConstantIntValue(x), cy = getConstantIntValue(y);
  if (cx && cy)
    return *cx >= *cy ? t : f;
  Value cond = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge,
                                     value(x), value(y));
  return arith::SelectOp::create(b, loc, cond, value(t), value(f)).getResult();
}

std::optional<std::string> normalizeWindowAttrs(WindowAttrs &attrs,
                                                int64_t spatialRank) {
  auto n = static_cast<size_t>(spatialRank);
  if (attrs.kernel.size() != n)
    return "kernel_shape has " + std::to_string(attrs.kernel.size()) +
           " entries, expected " + std::to_string(n);
  if (attrs.strides.empty())
    attrs.strides.assign(n, 1);
  if (attrs.dilations.empty())
    attrs.dilations.assign(n, 1);
  if (attrs.pads.empty())
    attrs.pads.assign(2 * n, 0);
  if (attrs.strides.size() != n || attrs.dilations.size() != n ||
      attrs.pads.size() != 2 * n)
    return std::string("strides, dilations or pads have the wrong number of "
                       "entries for the input rank");
  for (int64_t k : attrs.kernel)
    if (k < 1)
      return std::string("kernel sizes must be positive");
  for (size_t i = 0; i < n; ++i)
    if (attrs.strides[i] < 1 || attrs.dilations[i] < 1)
      return std::string("strides and dilations must be positive");
  for (int64_t p : attrs.pads)
    if (p < 0)
      return std::string("negative pads are not supported");
  if (attrs.autoPad != "NOTSET" && attrs.autoPad != "VALID" &&
      attrs.autoPad != "SAME_UPPER" && attrs.autoPad != "SAME_LOWER")
    return "unknown auto_pad value '" + attrs.autoPad.str() + "'";
  return std::nullopt;
}

SmallVector<WindowDim> computeWindows(OpBuilder &b, Location loc, Value input,
                                      const WindowAttrs &attrs) {
  IndexMath m{b, loc};
  int64_t n = attrs.kernel.size();
  SmallVector<WindowDim> dims;
  for (int64_t i = 0; i < n; ++i) {
    WindowDim w;
    w.kernel = attrs.kernel[i];
    w.stride = attrs.strides[i];
    w.dilation = attrs.dilations[i];
    w.in = tensor::getMixedSize(b, loc, input, 2 + i);
    OpFoldResult s = m.c(w.stride), ext = m.c(w.extent());
    if (attrs.autoPad == "SAME_UPPER" || attrs.autoPad == "SAME_LOWER") {
      // Total padding so that out = ceil(in / stride).
      OpFoldResult target = m.ceilDiv(w.in, s);
      OpFoldResult total = m.max(
          m.c(0), m.sub(m.add(m.mul(m.sub(target, m.c(1)), s), ext), w.in));
      OpFoldResult small = m.div(total, m.c(2));
      OpFoldResult big = m.sub(total, small);
      bool upper = attrs.autoPad == "SAME_UPPER";
      w.padBegin = upper ? small : big;
      w.padEnd = upper ? big : small;
    } else if (attrs.autoPad == "VALID") {
      w.padBegin = w.padEnd = m.c(0);
    } else {
      w.padBegin = m.c(attrs.pads[i]);
      w.padEnd = m.c(attrs.pads[n + i]);
    }
    // Positions a window can start at, minus the first.
    OpFoldResult span = m.sub(m.add(m.add(w.in, w.padBegin), w.padEnd), ext);
    if (!attrs.ceilMode) {
      w.out = m.add(m.div(span, s), m.c(1));
      w.extraEnd = m.c(0);
    } else {
      OpFoldResult out = m.add(m.ceilDiv(span, s), m.c(1));
      // A window starting in the end padding is dropped.
      OpFoldResult lastStart = m.mul(m.sub(out, m.c(1)), s);
      out = m.selectGE(lastStart, m.add(w.in, w.padBegin), m.sub(out, m.c(1)),
                       out);
      w.out = out;
      // The padded input must hold (out - 1) * stride + extent elements.
      OpFoldResult needed = m.add(m.mul(m.sub(out, m.c(1)), s), ext);
      w.extraEnd = m.max(
          m.c(0), m.sub(needed, m.add(m.add(w.in, w.padBegin), w.padEnd)));
    }
    dims.push_back(w);
  }
  return dims;
}

Value padSpatial(OpBuilder &b, Location loc, Value input,
                 ArrayRef<WindowDim> windows, Value padValue) {
  IndexMath m{b, loc};
  SmallVector<OpFoldResult> low(2, m.c(0)), high(2, m.c(0));
  bool any = false;
  for (const WindowDim &w : windows) {
    low.push_back(w.padBegin);
    high.push_back(m.add(w.padEnd, w.extraEnd));
    for (OpFoldResult p : {low.back(), high.back()}) {
      auto cp = getConstantIntValue(p);
      any |= !cp || *cp != 0;
    }
  }
  if (!any)
    return input;
  return tensor::PadOp::create(b, loc, Type(), input, low, high, padValue)
      .getResult();
}

SmallVector<int64_t> windowOutputShape(int64_t n, int64_t c,
                                       ArrayRef<WindowDim> windows) {
  SmallVector<int64_t> shape = {n, c};
  for (const WindowDim &w : windows)
    shape.push_back(getConstantIntValue(w.out).value_or(ShapedType::kDynamic));
  return shape;
}

DenseIntElementsAttr i64TensorAttr(OpBuilder &b, ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    b.getI64Type());
  return DenseIntElementsAttr::get(type, values);
}

Value castToResultType(OpBuilder &b, Location loc, Value v, Type want) {
  if (v.getType() == want)
    return v;
  return tensor::CastOp::create(b, loc, want, v);
}

bool isShapeCastCompatible(ArrayRef<int64_t> shape, Type want) {
  auto t = dyn_cast<RankedTensorType>(want);
  return t && succeeded(verifyCompatibleShape(shape, t.getShape()));
}

} // namespace kiln
