//===- ConversionUtils.cpp - Helpers shared by the op families ------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "dialects/onnx/OnnxDialect.h"

#include "compiler/conversion/ShapeHelpers.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include <cstring>

using namespace mlir;
using kiln::shape_helpers::dimOf;
using kiln::shape_helpers::staticSizes;

namespace kiln {

Type signlessType(Type t) {
  if (auto i = dyn_cast<IntegerType>(t); i && !i.isSignless())
    return IntegerType::get(t.getContext(), i.getWidth());
  return t;
}

int64_t normalizeAxis(int64_t axis, int64_t rank) {
  return axis < 0 ? axis + rank : axis;
}

SmallVector<int64_t> toInts(std::optional<ArrayAttr> attr,
                            ArrayRef<int64_t> fallback) {
  if (!attr)
    return SmallVector<int64_t>(fallback);
  SmallVector<int64_t> out;
  for (Attribute a : *attr)
    out.push_back(cast<IntegerAttr>(a).getInt());
  return out;
}

Value toIndex(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isIndex())
    return v;
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), v);
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (auto f = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(f, value));
  if (type.isIndex())
    return arith::ConstantIndexOp::create(b, loc, static_cast<int64_t>(value));
  return arith::ConstantOp::create(
      b, loc,
      b.getIntegerAttr(signlessType(type), static_cast<int64_t>(value)));
}

/// The elements attribute behind `v` when `v` is a constant (arith.constant,
/// onnx.Constant with `value`, or anything constant-like).
static mlir::ElementsAttr constantElements(mlir::Value v) {
  if (!v)
    return {};
  mlir::Operation *def = v.getDefiningOp();
  if (auto c = llvm::dyn_cast_or_null<kiln::onnx_ir::OnnxConstantOp>(def))
    return c.getValueAttr();
  // The pattern sees converted operands, which may sit behind a cast that
  // the conversion driver inserted for unsigned element types.
  if (auto cast = llvm::dyn_cast_or_null<mlir::UnrealizedConversionCastOp>(def))
    if (cast->getNumOperands() == 1)
      return constantElements(cast->getOperand(0));
  mlir::Attribute attr;
  if (def && mlir::matchPattern(v, mlir::m_Constant(&attr)))
    return llvm::dyn_cast<mlir::ElementsAttr>(attr);
  return {};
}

/// Integer values of a constant integer tensor (dense or resource-backed),
/// sign-extended.
Value resourceConstant(OpBuilder &b, Location loc, RankedTensorType type,
                       StringRef name, ArrayRef<char> bytes) {
  auto attr = DenseResourceElementsAttr::get(
      type, name,
      HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, /*align=*/64));
  return arith::ConstantOp::create(b, loc, type, attr).getResult();
}

std::optional<SmallVector<int64_t>> getConstantInts(Value v) {
  mlir::ElementsAttr attr = constantElements(v);
  if (!attr)
    return std::nullopt;
  auto intTy = llvm::dyn_cast<mlir::IntegerType>(attr.getElementType());
  if (!intTy)
    return std::nullopt;
  llvm::SmallVector<int64_t> out;
  if (auto dense = llvm::dyn_cast<mlir::DenseIntElementsAttr>(attr)) {
    for (const llvm::APInt &i : dense.getValues<llvm::APInt>())
      out.push_back(intTy.isUnsigned() ? (int64_t)i.getZExtValue()
                                       : i.getSExtValue());
    return out;
  }
  if (auto res = llvm::dyn_cast<mlir::DenseResourceElementsAttr>(attr)) {
    unsigned width = intTy.getWidth();
    if (width != 8 && width != 16 && width != 32 && width != 64)
      return std::nullopt;
    llvm::ArrayRef<char> data = res.getData();
    int64_t n = attr.getNumElements();
    if ((int64_t)data.size() < n * (width / 8))
      return std::nullopt; // Blob not loaded.
    for (int64_t i = 0; i < n; ++i) {
      const char *p = data.data() + i * (width / 8);
      int64_t val = 0;
      switch (width) {
      case 8: {
        int8_t x;
        std::memcpy(&x, p, 1);
        val = intTy.isUnsigned() ? (uint8_t)x : x;
        break;
      }
      case 16: {
        int16_t x;
        std::memcpy(&x, p, 2);
        val = intTy.isUnsigned() ? (uint16_t)x : x;
        break;
      }
      case 32: {
        int32_t x;
        std::memcpy(&x, p, 4);
        val = intTy.isUnsigned() ? (uint32_t)x : x;
        break;
      }
      default:
        std::memcpy(&val, p, 8);
        break;
      }
      out.push_back(val);
    }
    return out;
  }
  return std::nullopt;
}

/// Float values of a constant float tensor (dense or resource-backed f32/f64).
std::optional<SmallVector<double>> getConstantFloats(Value v) {
  mlir::ElementsAttr attr = constantElements(v);
  if (!attr || !llvm::isa<mlir::FloatType>(attr.getElementType()))
    return std::nullopt;
  llvm::SmallVector<double> out;
  if (auto dense = llvm::dyn_cast<mlir::DenseFPElementsAttr>(attr)) {
    for (const llvm::APFloat &f : dense.getValues<llvm::APFloat>()) {
      llvm::APFloat d = f;
      bool lost;
      d.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven,
                &lost);
      out.push_back(d.convertToDouble());
    }
    return out;
  }
  if (auto res = llvm::dyn_cast<mlir::DenseResourceElementsAttr>(attr)) {
    unsigned width = attr.getElementType().getIntOrFloatBitWidth();
    llvm::ArrayRef<char> data = res.getData();
    int64_t n = attr.getNumElements();
    if ((width != 32 && width != 64) || (int64_t)data.size() < n * (width / 8))
      return std::nullopt;
    for (int64_t i = 0; i < n; ++i) {
      if (width == 32) {
        float f;
        std::memcpy(&f, data.data() + i * 4, 4);
        out.push_back(f);
      } else {
        double d;
        std::memcpy(&d, data.data() + i * 8, 8);
        out.push_back(d);
      }
    }
    return out;
  }
  return std::nullopt;
}

Value createEmpty(OpBuilder &b, Location loc, RankedTensorType type,
                  ArrayRef<OpFoldResult> sizes) {
  SmallVector<Value> dyn;
  for (auto [i, s] : llvm::enumerate(sizes))
    if (type.isDynamicDim(i))
      dyn.push_back(getValueOrCreateConstantIndexOp(b, loc, s));
  return tensor::EmptyOp::create(b, loc, type, dyn);
}

Value createFilled(OpBuilder &b, Location loc, RankedTensorType type,
                   ArrayRef<OpFoldResult> sizes, Value value) {
  Value empty = createEmpty(b, loc, type, sizes);
  return linalg::FillOp::create(b, loc, value, empty).getResult(0);
}

SmallVector<OpFoldResult> broadcastSizes(OpBuilder &b, Location loc,
                                         RankedTensorType resultType,
                                         ValueRange inputs) {
  int64_t rank = resultType.getRank();
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < rank; ++d) {
    if (!resultType.isDynamicDim(d)) {
      sizes.push_back(b.getIndexAttr(resultType.getDimSize(d)));
      continue;
    }
    // Each input's dim is 1 or the result dim, so the max is the result.
    Value size;
    for (Value in : inputs) {
      auto t = cast<RankedTensorType>(in.getType());
      int64_t id = d - (rank - t.getRank());
      if (id < 0 || t.getDimSize(id) == 1)
        continue;
      Value dim = tensor::DimOp::create(b, loc, in, id);
      size = size ? arith::MaxUIOp::create(b, loc, size, dim).getResult() : dim;
    }
    sizes.push_back(size ? OpFoldResult(size) : b.getIndexAttr(1));
  }
  return sizes;
}

std::pair<Value, int64_t> dimSource(Value v, int64_t d) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto empty = dyn_cast<tensor::EmptyOp>(def)) {
      if (!empty.getType().isDynamicDim(d))
        break;
      Value size = empty.getDynamicSize(d);
      auto dim = size.getDefiningOp<tensor::DimOp>();
      std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
      if (!index)
        return {size, -1};
      v = dim.getSource();
      d = *index;
      continue;
    }
    if (auto dps = dyn_cast<DestinationStyleOpInterface>(def)) {
      OpOperand *init = dps.getTiedOpOperand(cast<OpResult>(v));
      if (!init || !isa<RankedTensorType>(init->get().getType()))
        break;
      v = init->get();
      continue;
    }
    if (auto pad = dyn_cast<tensor::PadOp>(def)) {
      if (getConstantIntValue(pad.getMixedLowPad()[d]) != 0 ||
          getConstantIntValue(pad.getMixedHighPad()[d]) != 0)
        break;
      v = pad.getSource();
      continue;
    }
    if (auto castOp = dyn_cast<tensor::CastOp>(def)) {
      v = castOp.getSource();
      continue;
    }
    // A reshape keeps a dim it does not merge or split; an expanded dim's
    // size may be a tensor.dim of another tensor.
    if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(def)) {
      ReassociationIndices group = collapse.getReassociationIndices()[d];
      if (group.size() != 1)
        break;
      v = collapse.getSrc();
      d = group[0];
      continue;
    }
    if (auto expand = dyn_cast<tensor::ExpandShapeOp>(def)) {
      auto size = dyn_cast<Value>(expand.getMixedOutputShape()[d]);
      auto dim = size ? size.getDefiningOp<tensor::DimOp>() : nullptr;
      std::optional<int64_t> index = dim ? dim.getConstantIndex() : std::nullopt;
      if (!index)
        return size ? std::make_pair(size, int64_t(-1)) : std::make_pair(v, d);
      v = dim.getSource();
      d = *index;
      continue;
    }
    break;
  }
  return {v, d};
}

Value buildElementwise(OpBuilder &b, Location loc, RankedTensorType resultType,
                       ValueRange inputs, ScalarBodyFn body) {
  int64_t rank = resultType.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<OpFoldResult> sizes = broadcastSizes(b, loc, resultType, inputs);

  // An input dim is "ambiguous" when it is dynamic and another input has a
  // dim at the same position that is not a static 1: whether it broadcasts
  // is only known at run time.
  SmallVector<bool> ambiguous(inputs.size(), false);
  for (int64_t d = 0; d < rank; ++d) {
    SmallVector<unsigned> nonUnit;
    bool anyDynamic = false;
    for (auto [i, in] : llvm::enumerate(inputs)) {
      auto t = cast<RankedTensorType>(in.getType());
      int64_t id = d - (rank - t.getRank());
      if (id < 0 || t.getDimSize(id) == 1)
        continue;
      nonUnit.push_back(i);
      anyDynamic |= t.isDynamicDim(id);
    }
    bool resultFixedNonUnit =
        !resultType.isDynamicDim(d) && resultType.getDimSize(d) != 1;
    // Dynamic dims of one source are equal: nothing broadcasts there.
    auto source = [&](unsigned i) -> std::optional<std::pair<Value, int64_t>> {
      auto t = cast<RankedTensorType>(inputs[i].getType());
      int64_t id = d - (rank - t.getRank());
      if (!t.isDynamicDim(id))
        return std::nullopt;
      return dimSource(inputs[i], id);
    };
    if (nonUnit.size() > 1 && source(nonUnit[0]) &&
        llvm::all_of(nonUnit, [&](unsigned i) {
          return source(i) == source(nonUnit[0]);
        }))
      continue;
    if ((nonUnit.size() > 1 && anyDynamic) ||
        (nonUnit.size() == 1 && resultFixedNonUnit && anyDynamic))
      for (unsigned i : nonUnit) {
        auto t = cast<RankedTensorType>(inputs[i].getType());
        if (t.isDynamicDim(d - (rank - t.getRank())))
          ambiguous[i] = true;
      }
  }

  SmallVector<Value> genericInputs;
  SmallVector<AffineMap> maps;
  SmallVector<int> slot(inputs.size(), -1);
  for (auto [i, in] : llvm::enumerate(inputs)) {
    if (ambiguous[i])
      continue;
    auto t = cast<RankedTensorType>(in.getType());
    SmallVector<AffineExpr> exprs;
    int64_t lead = rank - t.getRank();
    for (int64_t id = 0; id < t.getRank(); ++id) {
      bool broadcast =
          t.getDimSize(id) == 1 && resultType.getDimSize(lead + id) != 1;
      exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                                : getAffineDimExpr(lead + id, ctx));
    }
    slot[i] = genericInputs.size();
    genericInputs.push_back(in);
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
  Value init = createEmpty(b, loc, resultType, sizes);
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);

  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{resultType}, genericInputs, ValueRange{init}, maps,
      iters, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        SmallVector<Value> scalars;
        for (auto [i, in] : llvm::enumerate(inputs)) {
          if (slot[i] >= 0) {
            scalars.push_back(args[slot[i]]);
            continue;
          }
          // Clamp each index to the input's extent: a dim of size 1
          // broadcasts, any other size equals the result dim.
          auto t = cast<RankedTensorType>(in.getType());
          int64_t lead = rank - t.getRank();
          SmallVector<Value> idx;
          Value zero = arith::ConstantIndexOp::create(nb, nloc, 0);
          Value one = arith::ConstantIndexOp::create(nb, nloc, 1);
          for (int64_t id = 0; id < t.getRank(); ++id) {
            Value iv = linalg::IndexOp::create(nb, nloc, lead + id);
            if (t.getDimSize(id) == 1) {
              idx.push_back(zero);
              continue;
            }
            if (!t.isDynamicDim(id)) {
              idx.push_back(iv);
              continue;
            }
            Value dim = tensor::DimOp::create(nb, nloc, in, id);
            Value isUnit = arith::CmpIOp::create(
                nb, nloc, arith::CmpIPredicate::eq, dim, one);
            idx.push_back(arith::SelectOp::create(nb, nloc, isUnit, zero, iv));
          }
          scalars.push_back(tensor::ExtractOp::create(nb, nloc, in, idx));
        }
        Value r = body(nb, nloc, scalars);
        linalg::YieldOp::create(nb, nloc, r);
      });
  return generic.getResult(0);
}

Value castScalar(OpBuilder &b, Location loc, Value v, Type from, Type to) {
  Type dst = signlessType(to);
  if (from == to)
    return v;
  bool fromFloat = isa<FloatType>(from), toFloat = isa<FloatType>(to);
  bool fromUnsigned = from.isUnsignedInteger() || from.isInteger(1);
  if (fromFloat && toFloat) {
    unsigned fw = from.getIntOrFloatBitWidth(), tw = to.getIntOrFloatBitWidth();
    if (fw == tw) // f16 <-> bf16 goes through f32.
      v = arith::ExtFOp::create(b, loc, b.getF32Type(), v), fw = 32;
    if (fw < tw)
      return arith::ExtFOp::create(b, loc, dst, v);
    if (fw > tw)
      return arith::TruncFOp::create(b, loc, dst, v);
    return v;
  }
  if (!fromFloat && toFloat)
    return fromUnsigned ? arith::UIToFPOp::create(b, loc, dst, v).getResult()
                        : arith::SIToFPOp::create(b, loc, dst, v).getResult();
  if (fromFloat && !toFloat) {
    if (to.isInteger(1)) {
      Value zero = scalarConstant(b, loc, from, 0.0);
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, v, zero);
    }
    return to.isUnsignedInteger()
               ? arith::FPToUIOp::create(b, loc, dst, v).getResult()
               : arith::FPToSIOp::create(b, loc, dst, v).getResult();
  }
  // Integer to integer.
  unsigned fw = from.getIntOrFloatBitWidth(), tw = to.getIntOrFloatBitWidth();
  if (to.isInteger(1)) {
    Value zero =
        arith::ConstantOp::create(b, loc, b.getIntegerAttr(v.getType(), 0));
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, v, zero);
  }
  if (fw < tw)
    return fromUnsigned ? arith::ExtUIOp::create(b, loc, dst, v).getResult()
                        : arith::ExtSIOp::create(b, loc, dst, v).getResult();
  if (fw > tw)
    return arith::TruncIOp::create(b, loc, dst, v);
  return v;
}

int64_t opsetOf(Operation *op) {
  auto module =
      isa<ModuleOp>(op) ? cast<ModuleOp>(op) : op->getParentOfType<ModuleOp>();
  if (auto a = module ? module->getAttrOfType<IntegerAttr>("kiln.opset")
                      : IntegerAttr())
    return a.getInt();
  return -1;
}

Value castTo(OpBuilder &b, Location loc, Value v, Type type) {
  if (v.getType() == type)
    return v;
  return tensor::CastOp::create(b, loc, type, v);
}

SmallVector<OpFoldResult> sizesOf(OpBuilder &b, Location loc, Value v) {
  SmallVector<OpFoldResult> out;
  for (int64_t d = 0; d < cast<RankedTensorType>(v.getType()).getRank(); ++d)
    out.push_back(dimOf(b, loc, v, d));
  return out;
}

/// Sizes for a result: static where `resTy` says so, `computed` elsewhere.
SmallVector<OpFoldResult> refineSizes(OpBuilder &b, RankedTensorType resTy,
                                      ArrayRef<OpFoldResult> computed) {
  SmallVector<OpFoldResult> out(computed);
  for (auto [i, s] : llvm::enumerate(out))
    if (!resTy.isDynamicDim(i))
      s = b.getIndexAttr(resTy.getDimSize(i));
  return out;
}

/// linalg.generic over a fresh tensor of `sizes` whose body builds each
/// element from the iteration indices (gathers and resampling).
Value generateTensor(OpBuilder &b, Location loc, RankedTensorType resTy,
                     ArrayRef<OpFoldResult> sizes, ValueRange inputs,
                     ArrayRef<AffineMap> inputMaps, IndexedBodyFn body) {
  int64_t rank = resTy.getRank();
  auto ty = RankedTensorType::get(staticSizes(sizes), resTy.getElementType());
  Value init = createEmpty(b, loc, ty, sizes);
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{ty}, inputs, ValueRange{init}, maps,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        SmallVector<Value> ivs;
        for (int64_t d = 0; d < rank; ++d)
          ivs.push_back(linalg::IndexOp::create(nb, nl, d));
        Value r = body(nb, nl, ivs, args.drop_back());
        linalg::YieldOp::create(nb, nl, r);
      });
  return castTo(b, loc, generic.getResult(0), resTy);
}

Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Scalar of a rank-0 or one-element tensor.
Value extractScalar(OpBuilder &b, Location loc, Value t) {
  auto ty = cast<RankedTensorType>(t.getType());
  SmallVector<Value> zeros(ty.getRank(), cIdx(b, loc, 0));
  return tensor::ExtractOp::create(b, loc, t, zeros);
}

/// An index read from a gather-style indices tensor: wrapped when negative.
Value wrapIndex(OpBuilder &b, Location loc, Value i, Value dim) {
  i = toIndex(b, loc, i);
  Value neg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i,
                                    cIdx(b, loc, 0));
  return arith::SelectOp::create(b, loc, neg,
                                 arith::AddIOp::create(b, loc, i, dim), i);
}

Value clampIndex(OpBuilder &b, Location loc, Value i, Value len) {
  Value last = arith::SubIOp::create(b, loc, len, cIdx(b, loc, 1));
  i = arith::MaxSIOp::create(b, loc, i, cIdx(b, loc, 0));
  return arith::MinSIOp::create(b, loc, i, last);
}

Value indexToFloat(OpBuilder &b, Location loc, Value i, Type floatType) {
  if (i.getType().isIndex())
    i = arith::IndexCastOp::create(b, loc, b.getI64Type(), i);
  return arith::SIToFPOp::create(b, loc, floatType, i);
}

Value floatToIndex(OpBuilder &b, Location loc, Value f) {
  return toIndex(b, loc, arith::FPToSIOp::create(b, loc, b.getI64Type(), f));
}

Value castFloat(OpBuilder &b, Location loc, Value v, Type to) {
  Type from = v.getType();
  if (from == to)
    return v;
  if (from.getIntOrFloatBitWidth() < to.getIntOrFloatBitWidth())
    return arith::ExtFOp::create(b, loc, to, v);
  return arith::TruncFOp::create(b, loc, to, v);
}

Type accumulatorType(Type t) {
  if (t.isF16() || t.isBF16())
    return Float32Type::get(t.getContext());
  return t;
}

FailureOr<Value> alongAxis(OpBuilder &b, Location loc, Value p, int64_t axis,
                           int64_t rank) {
  auto t = dyn_cast<RankedTensorType>(p.getType());
  if (!t)
    return failure();
  if (t.getRank() == 0)
    return p;
  if (t.getRank() != 1 || axis < 0 || axis >= rank)
    return failure();
  int64_t trailing = rank - axis - 1;
  if (trailing == 0)
    return p;
  SmallVector<int64_t> shape = {t.getDimSize(0)};
  SmallVector<OpFoldResult> sizes = {dimOf(b, loc, p, 0)};
  ReassociationIndices all = {0};
  for (int64_t i = 0; i < trailing; ++i) {
    shape.push_back(1);
    sizes.push_back(b.getIndexAttr(1));
    all.push_back(i + 1);
  }
  return tensor::ExpandShapeOp::create(
             b, loc, RankedTensorType::get(shape, t.getElementType()), p,
             ArrayRef<ReassociationIndices>{all}, sizes)
      .getResult();
}

} // namespace kiln
