//===- ConversionUtils.cpp - Helpers shared by the op families ------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "dialects/onnx/OnnxDialect.h"

#include "compiler/conversion/ShapeHelpers.h"
#include "compiler/conversion/StringSupport.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include "llvm/ADT/MapVector.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace mlir;
using kiln::shape_helpers::dimOf;
using kiln::shape_helpers::staticSizes;

namespace kiln {

Type signlessType(Type t) {
  if (onnx_ir::isByteStoredType(t))
    return IntegerType::get(t.getContext(), 8);
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
    // Dims of one source are equal: the first stands for them all (and
    // keeps the result's dim traceable to that source, see dimSource).
    Value size;
    std::optional<std::pair<Value, int64_t>> source;
    for (Value in : inputs) {
      auto t = cast<RankedTensorType>(in.getType());
      int64_t id = d - (rank - t.getRank());
      if (id < 0 || t.getDimSize(id) == 1)
        continue;
      if (size && t.isDynamicDim(id) && source &&
          dimSource(in, id) == *source)
        continue;
      Value dim = tensor::DimOp::create(b, loc, in, id);
      if (!size && t.isDynamicDim(id))
        source = dimSource(in, id);
      else
        source.reset();
      size = size ? arith::MaxUIOp::create(b, loc, size, dim).getResult() : dim;
    }
    sizes.push_back(size ? OpFoldResult(size) : b.getIndexAttr(1));
  }
  return sizes;
}

/// The first dim of the function's inputs that shares `arg`'s dim `d`'s
/// dim_param (the importer's `kiln.dim_params`), or (arg, d). The runtime
/// rejects a run whose inputs give one name two values
/// (checkSymbolicDims), so such dims are one: BERT's input_ids and
/// attention_mask are both [B, S], and the mask's B reaches the attention
/// scores that input_ids' B reaches too.
/// The dim_param of input `i`'s dim `axis` (the importer's
/// `kiln.dim_params`), or "" where the dim is static or has none.
static StringRef dimParamOf(func::FuncOp func, unsigned i, int64_t axis) {
  auto t = dyn_cast<RankedTensorType>(func.getArgument(i).getType());
  auto params = func.getArgAttrOfType<ArrayAttr>(i, "kiln.dim_params");
  if (!t || !params || axis < 0 || axis >= int64_t(params.size()) ||
      axis >= t.getRank() || !t.isDynamicDim(axis))
    return {};
  auto name = dyn_cast<StringAttr>(params[axis]);
  return name ? name.getValue() : StringRef();
}

static std::pair<Value, int64_t> namedDimSource(Value v, int64_t d) {
  auto arg = dyn_cast<BlockArgument>(v);
  auto func = arg ? dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp())
                  : nullptr;
  if (!func || arg.getOwner() != &func.getBody().front())
    return {v, d};
  StringRef name = dimParamOf(func, arg.getArgNumber(), d);
  if (name.empty())
    return {v, d};
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto t = dyn_cast<RankedTensorType>(func.getArgument(i).getType());
    for (int64_t axis = 0; t && axis < t.getRank(); ++axis)
      if (dimParamOf(func, i, axis) == name)
        return {func.getArgument(i), axis};
  }
  return {v, d};
}

/// The address of a run-time failure's message: `text` after its error
/// code's byte (kiln_abi.h, `fail`), NUL-terminated.
static Value failureMessage(OpBuilder &b, Location loc, const std::string &text,
                            int errorCode) {
  SmallVector<char> bytes{static_cast<char>(errorCode)};
  bytes.append(text.begin(), text.end());
  bytes.push_back(0);
  return constantBytesAddress(b, loc, bytes);
}

void checkNamedDims(func::FuncOp func) {
  if (func.isExternal())
    return;
  // The first dim of each name, and the others that must equal it.
  llvm::MapVector<StringRef, SmallVector<std::pair<unsigned, int64_t>>> named;
  for (unsigned i = 0; i < func.getNumArguments(); ++i) {
    auto t = dyn_cast<RankedTensorType>(func.getArgument(i).getType());
    for (int64_t axis = 0; t && axis < t.getRank(); ++axis) {
      StringRef name = dimParamOf(func, i, axis);
      if (!name.empty())
        named[name].push_back({i, axis});
    }
  }
  OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
  Location loc = func.getLoc();
  for (auto &[name, dims] : named) {
    if (dims.size() < 2)
      continue;
    Value first = tensor::DimOp::create(
        b, loc, func.getArgument(dims[0].first), dims[0].second);
    Value ok;
    for (auto [i, axis] : llvm::drop_begin(dims)) {
      Value dim = tensor::DimOp::create(b, loc, func.getArgument(i), axis);
      Value eq =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, first, dim);
      ok = ok ? arith::AndIOp::create(b, loc, ok, eq).getResult() : eq;
    }
    // INVALID_ARGUMENT, as the runtime's own check says it.
    check(b, loc, func, ok,
          failureMessage(b, loc,
                         "Inconsistent values for symbolic dimension '" +
                             name.str() +
                             "' among the inputs: the compiled model "
                             "relies on inputs that share a dim_param "
                             "agreeing on it",
                         /*INVALID_ARGUMENT*/ 2));
  }
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
  return namedDimSource(v, d);
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

namespace {

/// How a float8 or float4 format encodes its values (bit layout as in
/// APFloat; ONNX's types are MLIR's builtin ones).
struct MiniFloat {
  unsigned expBits, manBits;
  int bias;
  enum Kind {
    IEEE, // E5M2: all-ones exponent is inf (mantissa 0) or NaN
    FN,   // E4M3FN: only S.1111.111 is NaN, no inf
    FNUZ, // 0x80 is the only NaN, no inf, no -0
    E8M0, // no sign, no mantissa, 0xFF is NaN
    None, // E2M1: neither inf nor NaN
  } kind;
  unsigned signShift() const { return expBits + manBits; }
  /// Largest finite value's bits (without sign).
  uint32_t maxFiniteBits() const {
    switch (kind) {
    case IEEE: return ((1u << expBits) - 2) << manBits | ((1u << manBits) - 1);
    case FN: return (1u << signShift()) - 2;
    case E8M0: return 0xFE;
    default: return (1u << signShift()) - 1;
    }
  }
};

MiniFloat miniFloatOf(Type t) {
  if (isa<Float8E4M3FNType>(t)) return {4, 3, 7, MiniFloat::FN};
  if (isa<Float8E4M3FNUZType>(t)) return {4, 3, 8, MiniFloat::FNUZ};
  if (isa<Float8E5M2Type>(t)) return {5, 2, 15, MiniFloat::IEEE};
  if (isa<Float8E5M2FNUZType>(t)) return {5, 2, 16, MiniFloat::FNUZ};
  if (isa<Float8E8M0FNUType>(t)) return {8, 0, 127, MiniFloat::E8M0};
  assert(isa<Float4E2M1FNType>(t) && "not a float8/float4 type");
  return {2, 1, 1, MiniFloat::None};
}

Value i32c(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
}

Value f32c(OpBuilder &b, Location loc, float v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
}

Value bitsToF32(OpBuilder &b, Location loc, Value i) {
  return arith::BitcastOp::create(b, loc, b.getF32Type(), i);
}

/// The f32 value of the float8/float4 `fmtType` whose bits are the byte
/// `bits` (i8). Exact: every such value is an f32.
Value decodeMiniFloat(OpBuilder &b, Location loc, Value bits, Type fmtType) {
  MiniFloat f = miniFloatOf(fmtType);
  using namespace arith;
  Value u = ExtUIOp::create(b, loc, b.getI32Type(), bits);
  u = AndIOp::create(b, loc, u, i32c(b, loc, (1 << (f.signShift() + (f.kind == MiniFloat::E8M0 ? 0 : 1))) - 1));
  Value nan = f32c(b, loc, std::numeric_limits<float>::quiet_NaN());
  if (f.kind == MiniFloat::E8M0) {
    // 2^(e - 127); e = 0 is 2^-127, an f32 subnormal.
    Value isZeroExp = CmpIOp::create(b, loc, CmpIPredicate::eq, u, i32c(b, loc, 0));
    Value normal = bitsToF32(b, loc, ShLIOp::create(b, loc, u, i32c(b, loc, 23)));
    Value r = SelectOp::create(b, loc, isZeroExp,
                               bitsToF32(b, loc, i32c(b, loc, 0x00400000)), normal);
    Value isNan = CmpIOp::create(b, loc, CmpIPredicate::eq, u, i32c(b, loc, 0xFF));
    return SelectOp::create(b, loc, isNan, nan, r);
  }
  Value sign = ShRUIOp::create(b, loc, u, i32c(b, loc, f.signShift()));
  Value exp = AndIOp::create(
      b, loc, ShRUIOp::create(b, loc, u, i32c(b, loc, f.manBits)),
      i32c(b, loc, (1 << f.expBits) - 1));
  Value man = AndIOp::create(b, loc, u, i32c(b, loc, (1 << f.manBits) - 1));
  // Normal: rebias the exponent and widen the mantissa into f32's fields.
  Value e32 = AddIOp::create(b, loc, exp, i32c(b, loc, 127 - f.bias));
  Value normalBits = OrIOp::create(
      b, loc, ShLIOp::create(b, loc, e32, i32c(b, loc, 23)),
      ShLIOp::create(b, loc, man, i32c(b, loc, 23 - f.manBits)));
  // Subnormal: man * 2^(1 - bias - manBits), exactly.
  Value sub = MulFOp::create(
      b, loc, UIToFPOp::create(b, loc, b.getF32Type(), man),
      f32c(b, loc, std::ldexp(1.0f, 1 - f.bias - static_cast<int>(f.manBits))));
  Value isSub = CmpIOp::create(b, loc, CmpIPredicate::eq, exp, i32c(b, loc, 0));
  Value mag = SelectOp::create(b, loc, isSub, sub, bitsToF32(b, loc, normalBits));
  Value neg = CmpIOp::create(b, loc, CmpIPredicate::ne, sign, i32c(b, loc, 0));
  Value r = SelectOp::create(b, loc, neg, NegFOp::create(b, loc, mag), mag);
  uint32_t expAllOnes = (1u << f.expBits) - 1;
  uint32_t manAllOnes = (1u << f.manBits) - 1;
  switch (f.kind) {
  case MiniFloat::IEEE: {
    Value special = CmpIOp::create(b, loc, CmpIPredicate::eq, exp,
                                   i32c(b, loc, expAllOnes));
    Value manZero = CmpIOp::create(b, loc, CmpIPredicate::eq, man, i32c(b, loc, 0));
    Value inf = SelectOp::create(b, loc, neg,
                                 f32c(b, loc, -std::numeric_limits<float>::infinity()),
                                 f32c(b, loc, std::numeric_limits<float>::infinity()));
    Value s = SelectOp::create(b, loc, manZero, inf, nan);
    return SelectOp::create(b, loc, special, s, r);
  }
  case MiniFloat::FN: {
    Value isNan = CmpIOp::create(
        b, loc, CmpIPredicate::eq,
        AndIOp::create(b, loc, u, i32c(b, loc, (1u << f.signShift()) - 1)),
        i32c(b, loc, expAllOnes << f.manBits | manAllOnes));
    return SelectOp::create(b, loc, isNan, nan, r);
  }
  case MiniFloat::FNUZ: {
    Value isNan = CmpIOp::create(b, loc, CmpIPredicate::eq, u,
                                 i32c(b, loc, 1u << f.signShift()));
    return SelectOp::create(b, loc, isNan, nan, r);
  }
  default:
    return r;
  }
}

/// The bits (i8) of the float8/float4 `fmtType` nearest to the f32 `x`
/// (round to nearest even). `saturate`: values beyond the largest finite
/// one (infinities included) become it, as ONNX's Cast and QuantizeLinear
/// with saturate=1; otherwise they become inf where the format has one, else
/// NaN (float4, which has neither, always saturates). `roundMode` is for
/// E8M0 only ("up", "down", "nearest").
Value encodeMiniFloat(OpBuilder &b, Location loc, Value x, Type fmtType,
                      bool saturate, StringRef roundMode) {
  MiniFloat f = miniFloatOf(fmtType);
  using namespace arith;
  Type i32 = b.getI32Type(), i8 = b.getI8Type();
  Value u = BitcastOp::create(b, loc, i32, x);
  auto c = [&](int64_t v) { return i32c(b, loc, v); };
  auto eq = [&](Value a, Value v) {
    return CmpIOp::create(b, loc, CmpIPredicate::eq, a, v);
  };
  auto sel = [&](Value cond, Value t, Value e) {
    return SelectOp::create(b, loc, cond, t, e).getResult();
  };
  if (f.kind == MiniFloat::E8M0) {
    // onnx.numpy_helper.to_float8e8m0: the f32 exponent, rounded by the
    // dropped mantissa; the sign is ignored, inf and NaN become 0xFF.
    Value exp = AndIOp::create(b, loc, ShRUIOp::create(b, loc, u, c(23)), c(0xFF));
    Value roundUp;
    if (roundMode == "up") {
      roundUp = CmpIOp::create(b, loc, CmpIPredicate::ne,
                               AndIOp::create(b, loc, u, c(0x7FFFFF)), c(0));
    } else if (roundMode == "nearest") {
      auto bit = [&](int64_t mask) {
        return CmpIOp::create(b, loc, CmpIPredicate::ne,
                              AndIOp::create(b, loc, u, c(mask)), c(0));
      };
      Value lsb = CmpIOp::create(b, loc, CmpIPredicate::ne, exp, c(0));
      roundUp = AndIOp::create(
          b, loc, bit(0x400000),
          OrIOp::create(b, loc, OrIOp::create(b, loc, bit(0x200000), bit(0x1FFFFF)),
                        lsb));
    } else {
      roundUp = ConstantOp::create(b, loc, b.getBoolAttr(false));
    }
    if (saturate)
      roundUp = AndIOp::create(
          b, loc, roundUp,
          CmpIOp::create(b, loc, CmpIPredicate::ne, exp, c(0xFE)));
    Value r = AddIOp::create(b, loc, exp, ExtUIOp::create(b, loc, i32, roundUp));
    r = sel(eq(exp, c(0xFF)), c(0xFF), r);
    return TruncIOp::create(b, loc, i8, r);
  }
  Value sign = AndIOp::create(b, loc, ShRUIOp::create(b, loc, u, c(31)), c(1));
  Value a = AndIOp::create(b, loc, u, c(0x7FFFFFFF));
  Value isNan = CmpIOp::create(b, loc, CmpIPredicate::ugt, a, c(0x7F800000));
  // Values from 2^(emax + 2) on overflow whatever the rounding; clamping
  // them first keeps the arithmetic below in range.
  int emin = 1 - f.bias, m = static_cast<int>(f.manBits);
  int emax = static_cast<int>(f.maxFiniteBits() >> f.manBits) - f.bias;
  Value overflowAt = c(static_cast<int64_t>(emax + 2 + 127) << 23);
  Value big = CmpIOp::create(b, loc, CmpIPredicate::uge, a, overflowAt);
  Value ac = sel(big, overflowAt, a);
  // The exponent E of the quantum 2^(E - m) at x's magnitude, never below
  // the subnormals' emin; k = x / 2^(E - m) rounded to even is the
  // significand, and ((E - emin) << m) + k the bits (a carry into the
  // exponent and the subnormal/normal boundary come out right by
  // themselves).
  Value e = SubIOp::create(b, loc, ShRUIOp::create(b, loc, ac, c(23)), c(127));
  e = MaxSIOp::create(b, loc, e, c(emin));
  Value invQuantum = bitsToF32(
      b, loc, ShLIOp::create(b, loc, SubIOp::create(b, loc, c(127 + m), e), c(23)));
  Value scaled = MulFOp::create(b, loc, bitsToF32(b, loc, ac), invQuantum);
  Value k = FPToSIOp::create(b, loc, i32,
                             math::RoundEvenOp::create(b, loc, scaled));
  Value mag = AddIOp::create(
      b, loc, ShLIOp::create(b, loc, SubIOp::create(b, loc, e, c(emin)), c(m)), k);
  Value over = CmpIOp::create(b, loc, CmpIPredicate::ugt, mag,
                              c(f.maxFiniteBits()));
  uint32_t signBit = 1u << f.signShift();
  Value overValue;
  if (saturate || f.kind == MiniFloat::None)
    overValue = c(f.maxFiniteBits());
  else if (f.kind == MiniFloat::IEEE)
    overValue = c(((1u << f.expBits) - 1) << f.manBits); // inf
  else if (f.kind == MiniFloat::FN)
    overValue = c(signBit - 1); // S.1111.111, NaN
  else
    overValue = c(signBit); // FNUZ: 0x80, NaN
  mag = sel(over, overValue, mag);
  Value signed_ = OrIOp::create(b, loc, mag,
                                ShLIOp::create(b, loc, sign, c(f.signShift())));
  Value r = signed_;
  switch (f.kind) {
  case MiniFloat::IEEE:
    r = sel(isNan, OrIOp::create(b, loc, c(0x7E), ShLIOp::create(b, loc, sign, c(7))), r);
    break;
  case MiniFloat::FN:
    r = sel(isNan, OrIOp::create(b, loc, c(0x7F), ShLIOp::create(b, loc, sign, c(7))), r);
    break;
  case MiniFloat::FNUZ:
    // No negative zero; 0x80 is NaN (also the non-saturated overflow).
    r = sel(eq(mag, c(0)), c(0), r);
    r = sel(eq(mag, c(signBit)), c(signBit), r);
    r = sel(isNan, c(signBit), r);
    break;
  default:
    // float4 has no NaN: ml_dtypes (ONNX's reference) gives 0x8 (-0).
    r = sel(isNan, c(0x8), r);
    break;
  }
  return TruncIOp::create(b, loc, i8, r);
}

/// An ONNX int4/int2/uint4/uint2 value stored in the byte `v` (i8, as the
/// conversion stores them) made of the low bits of `v`: sign- or
/// zero-extended from its width.
Value narrowIntToStorage(OpBuilder &b, Location loc, Value v, IntegerType t) {
  unsigned shift = 8 - t.getWidth();
  Value s = arith::ConstantOp::create(b, loc, b.getI8IntegerAttr(shift));
  Value up = arith::ShLIOp::create(b, loc, v, s);
  if (t.isUnsigned())
    return arith::ShRUIOp::create(b, loc, up, s);
  return arith::ShRSIOp::create(b, loc, up, s);
}

} // namespace

Value castScalar(OpBuilder &b, Location loc, Value v, Type from, Type to,
                 bool saturate, StringRef roundMode) {
  Type dst = signlessType(to);
  if (from == to)
    return v;
  // The byte-stored types (docs/architecture.md): through f32 or a byte.
  Type f32 = b.getF32Type();
  if (onnx_ir::isMiniFloatType(from)) {
    Value x = decodeMiniFloat(b, loc, v, from);
    return castScalar(b, loc, x, f32, to, saturate, roundMode);
  }
  if (onnx_ir::isByteStoredType(from)) {
    // Already sign- or zero-extended into its byte.
    auto byte = IntegerType::get(b.getContext(), 8,
                                 from.isUnsignedInteger()
                                     ? IntegerType::Unsigned
                                     : IntegerType::Signless);
    return castScalar(b, loc, v, byte, to, saturate, roundMode);
  }
  if (onnx_ir::isMiniFloatType(to))
    return encodeMiniFloat(b, loc, castScalar(b, loc, v, from, f32), to,
                           saturate, roundMode);
  if (onnx_ir::isByteStoredType(to)) {
    auto it = cast<IntegerType>(to);
    unsigned w = it.getWidth();
    if (isa<FloatType>(from)) {
      // As ml_dtypes (ONNX's reference) converts: toward zero, and 0 when
      // that is out of range (or NaN).
      double lo = it.isUnsigned() ? 0.0 : -std::ldexp(1.0, w - 1);
      double hi = it.isUnsigned() ? std::ldexp(1.0, w) - 1
                                  : std::ldexp(1.0, w - 1) - 1;
      Value x = castScalar(b, loc, v, from, f32);
      Value inRange = arith::AndIOp::create(
          b, loc,
          arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                f32c(b, loc, lo - 1)),
          arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, x,
                                f32c(b, loc, hi + 1)));
      x = arith::SelectOp::create(b, loc, inRange, x, f32c(b, loc, 0));
      return arith::FPToSIOp::create(b, loc, b.getI8Type(), x);
    }
    // Integers wrap, keeping the low bits.
    Value byte = castScalar(b, loc, v, from, b.getI8Type());
    return narrowIntToStorage(b, loc, byte, it);
  }
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

std::string nodeNameOf(Location loc) {
  if (auto fused = dyn_cast<FusedLoc>(loc))
    for (Location l : fused.getLocations())
      if (auto n = dyn_cast<NameLoc>(l))
        return n.getName().str();
  if (auto n = dyn_cast<NameLoc>(loc))
    return n.getName().str();
  return "";
}

Value checkMessage(OpBuilder &b, Operation *op, StringRef what,
                   int errorCode) {
  // ONNX Runtime's words for a kernel that fails.
  StringRef opName = op->getName().getStringRef();
  opName.consume_front("onnx.");
  return failureMessage(b, op->getLoc(),
                        "Non-zero status code returned while running " +
                            opName.str() + " node. Name:'" + nodeNameOf(op) +
                            "' Status Message: " + what.str(),
                        errorCode);
}

void check(OpBuilder &b, Location loc, Operation *anchor, Value ok,
           Value message) {
  static constexpr StringLiteral kFailed = "kiln_check_failed";
  auto module = anchor->getParentOfType<ModuleOp>();
  if (!module.lookupSymbol<func::FuncOp>(kFailed)) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(module.getBody());
    func::FuncOp::create(b, loc, kFailed,
                         b.getFunctionType({b.getI64Type()}, {}))
        .setPrivate();
  }
  Value bad = arith::XOrIOp::create(
      b, loc, ok, arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1));
  scf::IfOp::create(b, loc, bad, [&](OpBuilder &tb, Location tl) {
    func::CallOp::create(tb, tl, kFailed, TypeRange{}, ValueRange{message});
    scf::YieldOp::create(tb, tl);
  });
}

void checkLength(OpBuilder &b, Operation *op, Value t, int64_t expected,
                 StringRef what) {
  auto ty = dyn_cast<RankedTensorType>(t.getType());
  if (!ty || ty.getRank() != 1 || !ty.isDynamicDim(0))
    return;
  Location loc = op->getLoc();
  Value n = tensor::DimOp::create(b, loc, t, 0);
  check(b, loc, op,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, n,
                              cIdx(b, loc, expected)),
        checkMessage(b, op,
                     what.str() + " must hold " + std::to_string(expected) +
                         " values",
                     /*INVALID_ARGUMENT*/ 2));
}

Value checkedIndex(OpBuilder &b, Location loc, Operation *anchor, Value i,
                   Value dim, Value message) {
  Value w = wrapIndex(b, loc, i, dim);
  Value lo =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, w,
                            cIdx(b, loc, 0));
  Value hi = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, w, dim);
  Value ok = arith::AndIOp::create(b, loc, lo, hi);
  check(b, loc, anchor, ok, message);
  // Should the run go on (it does not), the read stays in bounds.
  return clampIndex(b, loc, w, dim);
}

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
