//===- Recurrent.cpp - onnx to linalg: RNN, GRU, LSTM ---------------------===//
//
// Recurrent layers: each direction is one scf.for over the sequence that
// carries the hidden state (the cell state for LSTM) and, when Y is used,
// the per-direction output sequence [T, batch, hidden]. Per step, X_t * W^T
// and H * R^T are linalg.matmuls against weights transposed once before the
// loop; the gates are linalg.generics over [batch, hidden] reading column
// blocks of those products (the ONNX gate order: RNN i; GRU z, r, h;
// LSTM i, o, f, c). Activations (with their alpha/beta), clip on the gate
// pre-activations and LSTM's input_forget (f = 1 - i) follow ONNX Runtime.
//
// sequence_lens: a batch entry past its length keeps its state and gets 0 in
// Y. The reverse direction then starts at each entry's own last step, so X
// is gathered per entry and the step-ordered outputs are put back at their
// positions after the loop. Without sequence_lens, the reverse direction
// reads and writes step T-1-t directly.
//
// A bidirectional layer's two directions are the two iterations of an
// scf.forall (an scf.index_switch case each), so that two threads run them
// side by side (bothDirections).
//
// Layout 1 ([batch, seq, ...]) is handled by the slice offsets of X, the
// maps reading the initial states and those writing the results, so nothing
// is transposed but the weights.
//
//===----------------------------------------------------------------------===//

#include "compiler/conversion/ConversionUtils.h"
#include "compiler/conversion/OnnxToLinalg.h"
#include "dialects/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::onnx_ir;

namespace {

//===----------------------------------------------------------------------===//
// Activation functions
//===----------------------------------------------------------------------===//

/// One activation of the `activations` attribute, with its alpha/beta.
struct Activation {
  std::string name; // Lower case.
  double alpha = 0, beta = 0;

  Value apply(OpBuilder &b, Location loc, Value x) const {
    Type t = x.getType();
    auto c = [&](double v) { return scalarConstant(b, loc, t, v); };
    auto mul = [&](Value p, Value q) {
      return arith::MulFOp::create(b, loc, p, q).getResult();
    };
    auto add = [&](Value p, Value q) {
      return arith::AddFOp::create(b, loc, p, q).getResult();
    };
    auto lt0 = [&](Value v) {
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, v, c(0))
          .getResult();
    };
    if (name == "tanh")
      return math::TanhOp::create(b, loc, x);
    if (name == "sigmoid") {
      Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
      return arith::DivFOp::create(b, loc, c(1), add(c(1), e));
    }
    if (name == "relu")
      return arith::MaximumFOp::create(b, loc, x, c(0));
    if (name == "affine")
      return add(mul(c(alpha), x), c(beta));
    if (name == "leakyrelu")
      return arith::SelectOp::create(b, loc, lt0(x), mul(c(alpha), x), x);
    if (name == "thresholdedrelu") {
      Value gt =
          arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x, c(alpha));
      return arith::SelectOp::create(b, loc, gt, x, c(0));
    }
    if (name == "scaledtanh")
      return mul(c(alpha), math::TanhOp::create(b, loc, mul(c(beta), x)));
    if (name == "hardsigmoid") {
      Value v = add(mul(c(alpha), x), c(beta));
      v = arith::MinimumFOp::create(b, loc, v, c(1));
      return arith::MaximumFOp::create(b, loc, v, c(0));
    }
    if (name == "elu") {
      Value em1 =
          arith::SubFOp::create(b, loc, math::ExpOp::create(b, loc, x), c(1));
      return arith::SelectOp::create(b, loc, lt0(x), mul(c(alpha), em1), x);
    }
    if (name == "softsign")
      return arith::DivFOp::create(b, loc, x,
                                   add(c(1), math::AbsFOp::create(b, loc, x)));
    assert(name == "softplus" && "activation checked when parsed");
    return math::LogOp::create(b, loc,
                               add(math::ExpOp::create(b, loc, x), c(1)));
  }
};

/// Whether `name` takes alpha / beta, and their defaults (ONNX's operators
/// of the same name).
struct ActivationInfo {
  StringRef name;
  bool hasAlpha, hasBeta;
  double alpha, beta;
};
constexpr ActivationInfo kActivations[] = {
    {"relu", false, false, 0, 0},
    {"tanh", false, false, 0, 0},
    {"sigmoid", false, false, 0, 0},
    {"affine", true, true, 1.0, 0.0},
    {"leakyrelu", true, false, 0.01, 0},
    {"thresholdedrelu", true, false, 1.0, 0},
    {"scaledtanh", true, true, 1.0, 1.0},
    {"hardsigmoid", true, true, 0.2, 0.5},
    {"elu", true, false, 1.0, 0},
    {"softsign", false, false, 0, 0},
    {"softplus", false, false, 0, 0},
};

/// The activations of every direction, `perDirection` each, direction-major.
/// alpha/beta are consumed in order by the activations that take them.
FailureOr<SmallVector<Activation>>
parseActivations(std::optional<ArrayAttr> names,
                 std::optional<ArrayAttr> alphas,
                 std::optional<ArrayAttr> betas, ArrayRef<StringRef> defaults,
                 int64_t directions, std::string &why) {
  SmallVector<std::string> given;
  if (names)
    for (Attribute a : *names)
      given.push_back(StringRef(cast<StringAttr>(a).getValue()).lower());
  int64_t n = defaults.size();
  if (given.empty())
    for (int64_t d = 0; d < directions; ++d)
      for (StringRef s : defaults)
        given.push_back(s.str());
  else if (static_cast<int64_t>(given.size()) == n && directions == 2)
    given.append(SmallVector<std::string>(given)); // Same for both.
  else if (static_cast<int64_t>(given.size()) == 2 * n && directions == 1)
    given.resize(n); // RNN's schema default lists one per direction.
  if (static_cast<int64_t>(given.size()) != n * directions) {
    why = "expected " + std::to_string(n * directions) + " activations";
    return failure();
  }
  auto floats = [](std::optional<ArrayAttr> a) {
    SmallVector<double> out;
    if (a)
      for (Attribute x : *a)
        out.push_back(cast<FloatAttr>(x).getValueAsDouble());
    return out;
  };
  SmallVector<double> as = floats(alphas), bs = floats(betas);
  size_t ai = 0, bi = 0;
  SmallVector<Activation> out;
  for (const std::string &g : given) {
    const ActivationInfo *info = llvm::find_if(
        kActivations, [&](const ActivationInfo &i) { return i.name == g; });
    if (info == std::end(kActivations)) {
      why = "unsupported activation '" + g + "'";
      return failure();
    }
    Activation a{g, info->alpha, info->beta};
    if (info->hasAlpha && ai < as.size())
      a.alpha = as[ai++];
    if (info->hasBeta && bi < bs.size())
      a.beta = bs[bi++];
    out.push_back(a);
  }
  return out;
}

//===----------------------------------------------------------------------===//
// The layer
//===----------------------------------------------------------------------===//

enum class Cell { RNN, GRU, LSTM };

/// What the three ops have in common, read off the op.
struct Spec {
  Cell cell;
  int64_t gates; // Gate blocks in W and R: 1, 3 or 4.
  Value x, w, r, bias, seqLens, initH, initC, peep; // Null when absent.
  Value y, yh, yc; // Results, yc null but LSTM.
  std::optional<int64_t> hiddenSize;
  StringRef direction;
  bool layout1 = false, linearBeforeReset = false, inputForget = false;
  std::optional<double> clip;
  SmallVector<Activation> acts; // Per direction, direction-major.
  int64_t actsPerDirection;
};

int64_t staticOf(OpFoldResult s) {
  if (auto a = dyn_cast<Attribute>(s))
    return cast<IntegerAttr>(a).getInt();
  return ShapedType::kDynamic;
}

SmallVector<int64_t> staticsOf(ArrayRef<OpFoldResult> sizes) {
  return llvm::map_to_vector(sizes, staticOf);
}

/// Builds the lowering of one layer; sizes are OpFoldResults that are
/// attributes exactly when static, so slice result types match.
class LayerBuilder {
public:
  LayerBuilder(OpBuilder &b, Location loc, const Spec &s)
      : b(b), loc(loc), s(s) {
    elem = cast<RankedTensorType>(s.x.getType()).getElementType();
    int64_t tDim = s.layout1 ? 1 : 0, bDim = s.layout1 ? 0 : 1;
    seq = tensor::getMixedSize(b, loc, s.x, tDim);
    batch = tensor::getMixedSize(b, loc, s.x, bDim);
    input = tensor::getMixedSize(b, loc, s.x, 2);
    if (s.hiddenSize)
      hidden = b.getIndexAttr(*s.hiddenSize);
    else
      hidden = tensor::getMixedSize(b, loc, s.r, 2);
  }

  /// Runs every direction and returns Y, Y_h, Y_c (null where unused).
  SmallVector<Value> build() {
    SmallVector<Value> ys, hs, cs;
    if (s.direction == "bidirectional") {
      bothDirections(ys, hs, cs);
    } else {
      auto [y, h, c] = direction(0, s.direction == "reverse");
      ys.push_back(y);
      hs.push_back(h);
      cs.push_back(c);
    }
    Value y, yh, yc;
    if (useY())
      y = assembleY(ys);
    if (s.yh && !s.yh.use_empty())
      yh = assembleState(hs);
    if (s.yc && !s.yc.use_empty())
      yc = assembleState(cs);
    return {y, yh, yc};
  }

private:
  OpBuilder &b;
  Location loc;
  const Spec &s;
  Type elem;
  OpFoldResult seq, batch, input, hidden;

  bool useY() const { return s.y && !s.y.use_empty(); }
  OpFoldResult idx(int64_t v) { return b.getIndexAttr(v); }
  OpFoldResult times(int64_t k, OpFoldResult v) {
    if (auto c = staticOf(v); !ShapedType::isDynamic(c))
      return idx(k * c);
    if (k == 1)
      return v;
    return arith::MulIOp::create(b, loc, cast<Value>(v), cIdx(b, loc, k))
        .getResult();
  }
  RankedTensorType typeOf(ArrayRef<OpFoldResult> sizes) {
    return RankedTensorType::get(staticsOf(sizes), elem);
  }
  Value c(OpBuilder &nb, double v) { return scalarConstant(nb, loc, elem, v); }

  /// Rank-reducing slice of `src` at `offsets` with `sizes` (unit dims of
  /// `sizes` where `dropped` are removed).
  Value slice(Value src, ArrayRef<OpFoldResult> offsets,
              ArrayRef<OpFoldResult> sizes, ArrayRef<int64_t> dropped) {
    SmallVector<OpFoldResult> kept;
    for (auto [i, sz] : llvm::enumerate(sizes))
      if (!llvm::is_contained(dropped, static_cast<int64_t>(i)))
        kept.push_back(sz);
    SmallVector<OpFoldResult> ones(sizes.size(), idx(1));
    return tensor::ExtractSliceOp::create(b, loc, typeOf(kept), src, offsets,
                                          sizes, ones);
  }

  /// A linalg.generic copying `src`, read through `srcMap`, into `init`.
  Value copyInto(Value src, AffineMap srcMap, Value init) {
    int64_t rank = cast<RankedTensorType>(init.getType()).getRank();
    SmallVector<AffineMap> maps{
        srcMap, AffineMap::getMultiDimIdentityMap(rank, b.getContext())};
    return linalg::GenericOp::create(
               b, loc, TypeRange{init.getType()}, ValueRange{src},
               ValueRange{init}, maps,
               SmallVector<utils::IteratorType>(rank,
                                                utils::IteratorType::parallel),
               [](OpBuilder &nb, Location nl, ValueRange args) {
                 linalg::YieldOp::create(nb, nl, args[0]);
               })
        .getResult(0);
  }

  /// `y` [T, batch, hidden] with row `pos` set to `row` [batch, hidden],
  /// element by element: tensor.insert into the carried tensor bufferizes in
  /// place, where an insert_slice would become a memref.copy into a dynamic
  /// strided subview, which the CPU pipeline lowers to a call to memrefCopy.
  Value storeRow(Value row, Value y, OpFoldResult pos) {
    Value zero = cIdx(b, loc, 0), one = cIdx(b, loc, 1);
    Value p = getValueOrCreateConstantIndexOp(b, loc, pos);
    auto outer = scf::ForOp::create(
        b, loc, zero, getValueOrCreateConstantIndexOp(b, loc, batch), one,
        ValueRange{y}, [&](OpBuilder &, Location, Value bi, ValueRange yb) {
          auto inner = scf::ForOp::create(
              b, loc, zero, getValueOrCreateConstantIndexOp(b, loc, hidden),
              one, yb, [&](OpBuilder &, Location, Value hi, ValueRange yh) {
                Value v =
                    tensor::ExtractOp::create(b, loc, row, ValueRange{bi, hi});
                Value next = tensor::InsertOp::create(b, loc, v, yh[0],
                                                      ValueRange{p, bi, hi});
                scf::YieldOp::create(b, loc, next);
              });
          scf::YieldOp::create(b, loc, inner.getResult(0));
        });
    return outer.getResult(0);
  }

  /// A result of `sizes` built from one source per direction: source dim i
  /// is result dim srcDims[i], and result dim `dirDim` picks the source.
  Value assemble(ArrayRef<Value> sources, ArrayRef<OpFoldResult> sizes,
                 ArrayRef<unsigned> srcDims, unsigned dirDim) {
    MLIRContext *ctx = b.getContext();
    SmallVector<AffineExpr> exprs;
    for (unsigned d : srcDims)
      exprs.push_back(getAffineDimExpr(d, ctx));
    AffineMap map = AffineMap::get(sizes.size(), 0, exprs, ctx);
    SmallVector<AffineMap> maps(sources.size(), map);
    return generateTensor(
        b, loc, typeOf(sizes), sizes, sources, maps,
        [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange args) {
          if (args.size() == 1)
            return args[0];
          Value first = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                              ivs[dirDim], cIdx(nb, nl, 0));
          return arith::SelectOp::create(nb, nl, first, args[0], args[1])
              .getResult();
        });
  }

  /// Row `d` of a [D, rows, cols] weight, transposed to [cols, rows].
  Value transposedWeight(Value w, int64_t d, OpFoldResult rows,
                         OpFoldResult cols) {
    if (Value folded = constantTransposed(w, d))
      return folded;
    Value m = slice(w, {idx(d), idx(0), idx(0)}, {idx(1), rows, cols}, {0});
    Value init = createEmpty(b, loc, typeOf({cols, rows}), {cols, rows});
    return linalg::TransposeOp::create(b, loc, m, init, ArrayRef<int64_t>{1, 0})
        .getResult()[0];
  }

  /// Direction d of a constant f32 weight [D, rows, cols] transposed now,
  /// as a [cols, rows] constant blob, or null when `w` is not one: the
  /// GEMM kernel then packs it at compile time too, and the recurrent
  /// product of each step (one row against R^T) reads the packed panels
  /// straight, where it had read R^T transposed on every run.
  Value constantTransposed(Value w, int64_t d) {
    auto t = dyn_cast<RankedTensorType>(w.getType());
    if (!t || !t.hasStaticShape() || t.getRank() != 3 ||
        !t.getElementType().isF32())
      return nullptr;
    std::optional<SmallVector<double>> values = getConstantFloats(w);
    if (!values || (int64_t)values->size() != t.getNumElements())
      return nullptr;
    int64_t rows = t.getDimSize(1), cols = t.getDimSize(2);
    SmallVector<float> out(rows * cols);
    const double *m = values->data() + d * rows * cols;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        out[c * rows + r] = (float)m[r * cols + c];
    ArrayRef<char> bytes(reinterpret_cast<const char *>(out.data()),
                         out.size() * sizeof(float));
    return resourceConstant(
        b, loc, RankedTensorType::get({cols, rows}, t.getElementType()),
        "recurrent_weight_t", bytes);
  }

  /// Columns [from, from + n) * hidden of a [K, G*hidden] matrix.
  Value columns(Value m, int64_t from, int64_t n) {
    OpFoldResult rows = tensor::getMixedSize(b, loc, m, 0);
    return slice(m, {idx(0), times(from, hidden)}, {rows, times(n, hidden)},
                 {});
  }

  /// The [hidden] block `g` of row `d` of a [D, k * hidden] vector input.
  Value vectorBlock(Value v, int64_t d, int64_t g) {
    return slice(v, {idx(d), times(g, hidden)}, {idx(1), hidden}, {0});
  }

  /// X * W^T for every step at once: X's two leading dims (steps and
  /// batch, in the layout's order) collapsed into the rows of one
  /// linalg.matmul, expanded back to [X0, X1, G*hidden]. One GEMM over the
  /// sequence packs W^T once and fills every register tile, where one per
  /// step multiplies a handful of rows.
  Value projectAll(Value wT) {
    OpFoldResult d0 = tensor::getMixedSize(b, loc, s.x, 0);
    OpFoldResult d1 = tensor::getMixedSize(b, loc, s.x, 1);
    OpFoldResult n = tensor::getMixedSize(b, loc, wT, 1);
    OpFoldResult rows;
    int64_t s0 = staticOf(d0), s1 = staticOf(d1);
    if (!ShapedType::isDynamic(s0) && !ShapedType::isDynamic(s1))
      rows = idx(s0 * s1);
    else
      rows = arith::MulIOp::create(b, loc,
                                   getValueOrCreateConstantIndexOp(b, loc, d0),
                                   getValueOrCreateConstantIndexOp(b, loc, d1))
                 .getResult();
    SmallVector<ReassociationIndices> merge{{0, 1}, {2}};
    Value x2 = tensor::CollapseShapeOp::create(b, loc, s.x, merge);
    return tensor::ExpandShapeOp::create(b, loc, typeOf({d0, d1, n}),
                                         matmul(x2, wT, rows), merge,
                                         {d0, d1, n});
  }

  /// a [rows, K] x bT [K, N] as a [rows, N] linalg.matmul; rows defaults
  /// to the batch.
  Value matmul(Value a, Value bT, OpFoldResult rows) {
    OpFoldResult n = tensor::getMixedSize(b, loc, bT, 1);
    Value init = createFilled(b, loc, typeOf({rows, n}), {rows, n}, c(b, 0));
    return linalg::MatmulOp::create(b, loc, TypeRange{init.getType()},
                                    ValueRange{a, bT}, ValueRange{init})
        .getResult(0);
  }
  Value matmul(Value a, Value bT) { return matmul(a, bT, batch); }

  /// An elementwise generic over [batch, hidden]; rank-1 inputs ([hidden])
  /// broadcast over the batch.
  Value elementwise(ValueRange ins, ScalarBodyFn body) {
    MLIRContext *ctx = b.getContext();
    SmallVector<AffineMap> maps;
    for (Value v : ins)
      maps.push_back(cast<RankedTensorType>(v.getType()).getRank() == 2
                         ? AffineMap::getMultiDimIdentityMap(2, ctx)
                         : AffineMap::get(2, 0, getAffineDimExpr(1, ctx)));
    maps.push_back(AffineMap::getMultiDimIdentityMap(2, ctx));
    Value init = createEmpty(b, loc, typeOf({batch, hidden}), {batch, hidden});
    return linalg::GenericOp::create(
               b, loc, TypeRange{init.getType()}, ins, ValueRange{init}, maps,
               SmallVector<utils::IteratorType>(2,
                                                utils::IteratorType::parallel),
               [&](OpBuilder &nb, Location nl, ValueRange args) {
                 linalg::YieldOp::create(nb, nl,
                                         body(nb, nl, args.drop_back()));
               })
        .getResult(0);
  }

  /// act(clip(sum(addends) + sum(a * b for the products))). `act` null
  /// means neither clip nor activation (an intermediate sum).
  Value gate(ArrayRef<Value> addends, ArrayRef<std::pair<Value, Value>> prods,
             const Activation *act) {
    SmallVector<Value> ins(addends);
    for (auto [p, q] : prods)
      ins.append({p, q});
    size_t na = addends.size();
    return elementwise(ins, [&](OpBuilder &nb, Location nl, ValueRange a) {
      Value sum;
      auto acc = [&](Value v) {
        sum = sum ? arith::AddFOp::create(nb, nl, sum, v).getResult() : v;
      };
      for (size_t i = 0; i < na; ++i)
        acc(a[i]);
      for (size_t i = na; i < a.size(); i += 2)
        acc(arith::MulFOp::create(nb, nl, a[i], a[i + 1]));
      if (!act)
        return sum;
      if (s.clip) {
        sum = arith::MinimumFOp::create(nb, nl, sum, c(nb, *s.clip));
        sum = arith::MaximumFOp::create(nb, nl, sum, c(nb, -*s.clip));
      }
      return act->apply(nb, nl, sum);
    });
  }

  /// Initial state `v` ([D, batch, hidden], or [batch, D, hidden] in layout
  /// 1) of direction `d`, or zeros.
  Value initialState(Value v, int64_t d) {
    if (!v)
      return createFilled(b, loc, typeOf({batch, hidden}), {batch, hidden},
                          c(b, 0));
    // A fresh tensor rather than a slice of `v`: the loop writes its state
    // in place.
    MLIRContext *ctx = b.getContext();
    AffineExpr bi = getAffineDimExpr(0, ctx), hi = getAffineDimExpr(1, ctx),
               di = getAffineConstantExpr(d, ctx);
    AffineMap map = AffineMap::get(2, 0,
                                   s.layout1 ? ArrayRef<AffineExpr>{bi, di, hi}
                                             : ArrayRef<AffineExpr>{di, bi, hi},
                                   ctx);
    return copyInto(
        v, map, createEmpty(b, loc, typeOf({batch, hidden}), {batch, hidden}));
  }

  /// The per-direction weights, sliced and transposed before the loop.
  struct Weights {
    Value wT, rT, rTHead, rTTail; // rTHead/Tail: GRU's z,r and h blocks.
    SmallVector<Value> wb, rb, p; // [hidden] blocks; empty when absent.
  };

  Weights weights(int64_t d) {
    Weights w;
    OpFoldResult rows = times(s.gates, hidden);
    w.wT = transposedWeight(s.w, d, rows, input);
    w.rT = transposedWeight(s.r, d, rows, hidden);
    if (s.cell == Cell::GRU && !s.linearBeforeReset) {
      w.rTHead = columns(w.rT, 0, 2);
      w.rTTail = columns(w.rT, 2, 1);
    }
    if (s.bias)
      for (int64_t g = 0; g < s.gates; ++g) {
        w.wb.push_back(vectorBlock(s.bias, d, g));
        w.rb.push_back(vectorBlock(s.bias, d, s.gates + g));
      }
    if (s.peep)
      for (int64_t g = 0; g < 3; ++g)
        w.p.push_back(vectorBlock(s.peep, d, g));
    return w;
  }

  /// Gate g's [batch, hidden] block of a [batch, G*hidden] product, plus its
  /// biases when there are.
  SmallVector<Value> terms(const Weights &w, Value xw, Value hr, int64_t g) {
    SmallVector<Value> t{columns(xw, g, 1)};
    if (hr)
      t.push_back(columns(hr, g, 1));
    if (!w.wb.empty())
      t.append({w.wb[g], w.rb[g]});
    return t;
  }

  /// One step of the cell: the new hidden state (and cell state), from
  /// X_t * W^T computed before the loop (xwt) or, when that is null, here.
  std::pair<Value, Value> step(const Weights &w, ArrayRef<Activation> acts,
                               Value xt, Value xwt, Value h, Value cPrev) {
    Value xw = xwt ? xwt : matmul(xt, w.wT);
    switch (s.cell) {
    case Cell::RNN:
      return {gate(terms(w, xw, matmul(h, w.rT), 0), {}, &acts[0]), nullptr};
    case Cell::GRU: {
      Value hr = matmul(h, s.linearBeforeReset ? w.rT : w.rTHead);
      Value z = gate(terms(w, xw, hr, 0), {}, &acts[0]);
      Value r = gate(terms(w, xw, hr, 1), {}, &acts[0]);
      Value hh;
      SmallVector<Value> xh{columns(xw, 2, 1)};
      if (!w.wb.empty())
        xh.push_back(w.wb[2]);
      if (s.linearBeforeReset) {
        // r * (H R_h^T + Rb_h)
        SmallVector<Value> inner{columns(hr, 2, 1)};
        if (!w.rb.empty())
          inner.push_back(w.rb[2]);
        hh = gate(xh, {{r, gate(inner, {}, nullptr)}}, &acts[1]);
      } else {
        // (r * H) R_h^T + Rb_h
        Value rh = gate({}, {{r, h}}, nullptr);
        xh.push_back(matmul(rh, w.rTTail));
        if (!w.rb.empty())
          xh.push_back(w.rb[2]);
        hh = gate(xh, {}, &acts[1]);
      }
      // (1 - z) * hh + z * H
      Value hNew = elementwise(
          ValueRange{z, hh, h}, [&](OpBuilder &nb, Location nl, ValueRange a) {
            Value oneMinus = arith::SubFOp::create(nb, nl, c(nb, 1), a[0]);
            return arith::AddFOp::create(
                nb, nl, arith::MulFOp::create(nb, nl, oneMinus, a[1]),
                arith::MulFOp::create(nb, nl, a[0], a[2]));
          });
      return {hNew, nullptr};
    }
    case Cell::LSTM: {
      Value hr = matmul(h, w.rT);
      auto peephole = [&](int64_t k, Value state) {
        SmallVector<std::pair<Value, Value>> p;
        if (!w.p.empty())
          p.push_back({w.p[k], state});
        return p;
      };
      // Blocks: i 0, o 1, f 2, c 3; P: i 0, o 1, f 2.
      Value i = gate(terms(w, xw, hr, 0), peephole(0, cPrev), &acts[0]);
      Value f;
      if (s.inputForget)
        f = elementwise(
            ValueRange{i}, [&](OpBuilder &nb, Location nl, ValueRange a) {
              return arith::SubFOp::create(nb, nl, c(nb, 1), a[0]).getResult();
            });
      else
        f = gate(terms(w, xw, hr, 2), peephole(2, cPrev), &acts[0]);
      Value g = gate(terms(w, xw, hr, 3), {}, &acts[1]);
      Value cNew = gate({}, {{f, cPrev}, {i, g}}, nullptr);
      Value o = gate(terms(w, xw, hr, 1), peephole(1, cNew), &acts[0]);
      Value hNew = elementwise(
          ValueRange{o, cNew}, [&](OpBuilder &nb, Location nl, ValueRange a) {
            return arith::MulFOp::create(nb, nl, a[0],
                                         acts[2].apply(nb, nl, a[1]))
                .getResult();
          });
      return {hNew, cNew};
    }
    }
    llvm_unreachable("unknown cell");
  }

  /// sequence_lens[bi] as an index (inside a generic body).
  Value lengthAt(OpBuilder &nb, Location nl, Value bi) {
    return toIndex(
        nb, nl, tensor::ExtractOp::create(nb, nl, s.seqLens, ValueRange{bi}));
  }

  /// The sequence position of step t: t, or T - 1 - t in reverse.
  OpFoldResult stepPosition(Value t, bool reverse) {
    if (!reverse)
      return t;
    Value last = arith::SubIOp::create(
        b, loc, getValueOrCreateConstantIndexOp(b, loc, seq), cIdx(b, loc, 1));
    return arith::SubIOp::create(b, loc, last, t).getResult();
  }

  /// The [batch, width] rows of sequence position `pos` of `src`, a
  /// [T, batch, width] tensor in the layout's order ([batch, T, width] for
  /// layout 1).
  Value rowsAt(Value src, OpFoldResult pos, OpFoldResult width) {
    if (s.layout1)
      return slice(src, {idx(0), pos, idx(0)}, {batch, idx(1), width}, {1});
    return slice(src, {pos, idx(0), idx(0)}, {idx(1), batch, width}, {0});
  }

  /// X at step `t`: [batch, input]. With sequence_lens, the reverse
  /// direction reads each entry's step len - 1 - t (clamped at 0; such
  /// entries are masked anyway).
  Value inputAt(Value t, bool reverse) {
    if (!reverse || !s.seqLens)
      return rowsAt(s.x, stepPosition(t, reverse), input);
    return generateTensor(
        b, loc, typeOf({batch, input}), {batch, input}, {}, {},
        [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange) {
          Value p = arith::SubIOp::create(
              nb, nl,
              arith::SubIOp::create(nb, nl, lengthAt(nb, nl, ivs[0]),
                                    cIdx(nb, nl, 1)),
              t);
          p = arith::MaxSIOp::create(nb, nl, p, cIdx(nb, nl, 0));
          SmallVector<Value> at = s.layout1
                                      ? SmallVector<Value>{ivs[0], p, ivs[1]}
                                      : SmallVector<Value>{p, ivs[0], ivs[1]};
          return tensor::ExtractOp::create(nb, nl, s.x, at).getResult();
        });
  }

  /// `fresh` where step t is within the entry's length, else `old`.
  Value masked(Value t, Value fresh, Value old) {
    SmallVector<Value> ins{fresh};
    if (old)
      ins.push_back(old);
    return elementwise(ins, [&](OpBuilder &nb, Location nl, ValueRange a) {
      Value bi = linalg::IndexOp::create(nb, nl, 0);
      Value valid = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, t,
                                          lengthAt(nb, nl, bi));
      return arith::SelectOp::create(nb, nl, valid, a[0], old ? a[1] : c(nb, 0))
          .getResult();
    });
  }

  /// The two directions of a bidirectional layer as the two iterations of
  /// an scf.forall, each an scf.index_switch case holding one direction's
  /// loop: they share nothing but their inputs, so the session's threads
  /// run them side by side (kiln-dispatch-parallel-loops dispatches such a
  /// loop whatever its trip count). Each step of a direction is too small
  /// to share between threads (a [1, 128] x [128, 512] product and the
  /// gates: 4 us, which two threads made slower), while the sequence of
  /// steps is long. The results come back through [2, ...] shared outputs,
  /// one slice per direction.
  void bothDirections(SmallVectorImpl<Value> &ys, SmallVectorImpl<Value> &hs,
                      SmallVectorImpl<Value> &cs) {
    bool lstm = s.cell == Cell::LSTM;
    SmallVector<SmallVector<OpFoldResult>> shapes;
    if (useY())
      shapes.push_back({seq, batch, hidden});
    shapes.push_back({batch, hidden});
    if (lstm)
      shapes.push_back({batch, hidden});
    SmallVector<Type> types;
    SmallVector<Value> outs;
    for (ArrayRef<OpFoldResult> shape : shapes) {
      types.push_back(typeOf(shape));
      SmallVector<OpFoldResult> both{idx(2)};
      both.append(shape.begin(), shape.end());
      outs.push_back(createEmpty(b, loc, typeOf(both), both));
    }
    auto forall = scf::ForallOp::create(b, loc, ArrayRef<OpFoldResult>{idx(2)},
                                        outs, std::nullopt);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(forall.getTerminator());
      Value d = forall.getInductionVars()[0];
      auto sw = scf::IndexSwitchOp::create(b, loc, types, d,
                                           ArrayRef<int64_t>{0}, 1);
      for (int64_t dir = 0; dir < 2; ++dir) {
        Region &region = dir == 0 ? sw.getCaseRegions()[0]
                                  : sw.getDefaultRegion();
        b.createBlock(&region);
        auto [y, h, c] = direction(dir, /*reverse=*/dir == 1);
        SmallVector<Value> results;
        if (useY())
          results.push_back(y);
        results.push_back(h);
        if (lstm)
          results.push_back(c);
        scf::YieldOp::create(b, loc, results);
      }
      b.setInsertionPointToStart(forall.getTerminator().getBody());
      for (auto [k, shape] : llvm::enumerate(shapes)) {
        SmallVector<OpFoldResult> offsets{d}, sizes{idx(1)};
        offsets.append(shape.size(), idx(0));
        sizes.append(shape.begin(), shape.end());
        tensor::ParallelInsertSliceOp::create(
            b, loc, sw.getResult(k), forall.getRegionIterArgs()[k], offsets,
            sizes, SmallVector<OpFoldResult>(sizes.size(), idx(1)));
      }
    }
    // Direction d's slice of each result.
    auto part = [&](unsigned k, int64_t dir) {
      SmallVector<OpFoldResult> offsets{idx(dir)}, sizes{idx(1)};
      offsets.append(shapes[k].size(), idx(0));
      sizes.append(shapes[k].begin(), shapes[k].end());
      return slice(forall.getResult(k), offsets, sizes, {0});
    };
    for (int64_t dir = 0; dir < 2; ++dir) {
      unsigned k = 0;
      ys.push_back(useY() ? part(k++, dir) : Value());
      hs.push_back(part(k++, dir));
      cs.push_back(lstm ? part(k, dir) : Value());
    }
  }

  /// One direction: (Y [T, batch, hidden] or null, last H, last C).
  std::tuple<Value, Value, Value> direction(int64_t d, bool reverse) {
    Weights w = weights(d);
    ArrayRef<Activation> acts = ArrayRef<Activation>(s.acts).slice(
        d * s.actsPerDirection, s.actsPerDirection);
    bool lstm = s.cell == Cell::LSTM;
    SmallVector<Value> init{initialState(s.initH, d)};
    if (lstm)
      init.push_back(initialState(s.initC, d));
    if (useY())
      init.push_back(createEmpty(b, loc, typeOf({seq, batch, hidden}),
                                 {seq, batch, hidden}));
    Value ub = getValueOrCreateConstantIndexOp(b, loc, seq);
    // The input projection of every step up front, except where the reverse
    // direction gathers each entry's own steps (sequence_lens).
    Value xwAll = reverse && s.seqLens ? Value() : projectAll(w.wT);
    auto loop = scf::ForOp::create(
        b, loc, cIdx(b, loc, 0), ub, cIdx(b, loc, 1), init,
        [&](OpBuilder &, Location, Value t, ValueRange carried) {
          Value h = carried[0], cPrev = lstm ? carried[1] : Value();
          Value xt, xwt;
          if (xwAll)
            xwt = rowsAt(xwAll, stepPosition(t, reverse),
                         tensor::getMixedSize(b, loc, xwAll, 2));
          else
            xt = inputAt(t, reverse);
          auto [hNew, cNew] = step(w, acts, xt, xwt, h, cPrev);
          Value yOut = hNew;
          if (s.seqLens) {
            yOut = masked(t, hNew, nullptr);
            hNew = masked(t, hNew, h);
            if (lstm)
              cNew = masked(t, cNew, cPrev);
          }
          // The states are yielded in their iter_args' buffers: one-shot
          // bufferization rejects a loop that yields another buffer, and
          // canonicalization drops a generic's unread init, so the write
          // into the carried state must be explicit.
          auto inPlace = [&](Value v, Value carriedState) -> Value {
            return bufferization::MaterializeInDestinationOp::create(
                       b, loc, v, carriedState)
                .getResult();
          };
          SmallVector<Value> next{inPlace(hNew, h)};
          if (lstm)
            next.push_back(inPlace(cNew, cPrev));
          if (useY()) {
            // Step order with sequence_lens in reverse (reordered below).
            OpFoldResult pos = stepPosition(t, reverse && !s.seqLens);
            next.push_back(storeRow(yOut, carried.back(), pos));
          }
          scf::YieldOp::create(b, loc, next);
        });
    Value h = loop.getResult(0);
    Value cLast = lstm ? loop.getResult(1) : Value();
    Value y = useY() ? loop.getResults().back() : Value();
    if (y && reverse && s.seqLens)
      y = reorderReverse(y);
    return {y, h, cLast};
  }

  /// Y[t', b] = Ystep[len[b] - 1 - t', b] for t' < len[b], else 0.
  Value reorderReverse(Value yStep) {
    SmallVector<OpFoldResult> sizes{seq, batch, hidden};
    return generateTensor(
        b, loc, typeOf(sizes), sizes, {}, {},
        [&](OpBuilder &nb, Location nl, ValueRange ivs, ValueRange) {
          Value len = lengthAt(nb, nl, ivs[1]);
          Value valid = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt,
                                              ivs[0], len);
          Value p = arith::SubIOp::create(
              nb, nl, arith::SubIOp::create(nb, nl, len, cIdx(nb, nl, 1)),
              ivs[0]);
          p = arith::MaxSIOp::create(nb, nl, p, cIdx(nb, nl, 0));
          Value v = tensor::ExtractOp::create(nb, nl, yStep,
                                              ValueRange{p, ivs[1], ivs[2]});
          return arith::SelectOp::create(nb, nl, valid, v, c(nb, 0))
              .getResult();
        });
  }

  /// Y: [T, D, batch, hidden], or [batch, T, D, hidden] in layout 1.
  Value assembleY(ArrayRef<Value> ys) {
    OpFoldResult dirs = idx(ys.size());
    if (s.layout1)
      return assemble(ys, {batch, seq, dirs, hidden}, {1, 0, 3}, 2);
    return assemble(ys, {seq, dirs, batch, hidden}, {0, 2, 3}, 1);
  }

  /// Y_h / Y_c: [D, batch, hidden], or [batch, D, hidden] in layout 1.
  Value assembleState(ArrayRef<Value> states) {
    OpFoldResult dirs = idx(states.size());
    if (s.layout1)
      return assemble(states, {batch, dirs, hidden}, {0, 2}, 1);
    return assemble(states, {dirs, batch, hidden}, {1, 2}, 0);
  }
};

/// Checks what the builder relies on; the reason when it does not hold.
std::optional<std::string> unsupportedReason(const Spec &s) {
  auto xt = dyn_cast<RankedTensorType>(s.x.getType());
  if (!xt || xt.getRank() != 3 || !isa<FloatType>(xt.getElementType()))
    return "X must be a rank-3 float tensor";
  for (Value v : {s.w, s.r, s.bias, s.initH, s.initC, s.peep}) {
    auto t = v ? dyn_cast<RankedTensorType>(v.getType()) : RankedTensorType();
    if (v && (!t || t.getElementType() != xt.getElementType()))
      return "W, R, B, initial_h, initial_c and P must be ranked tensors of "
             "X's element type";
  }
  if (cast<RankedTensorType>(s.w.getType()).getRank() != 3 ||
      cast<RankedTensorType>(s.r.getType()).getRank() != 3)
    return "W and R must have rank 3";
  if (s.seqLens) {
    auto t = dyn_cast<RankedTensorType>(s.seqLens.getType());
    if (!t || t.getRank() != 1 || !isa<IntegerType>(t.getElementType()))
      return "sequence_lens must be a 1-D integer tensor";
  }
  if (s.direction != "forward" && s.direction != "reverse" &&
      s.direction != "bidirectional")
    return "unknown direction '" + s.direction.str() + "'";
  if (s.clip && *s.clip < 0)
    return "clip must not be negative";
  return std::nullopt;
}

/// Shared matchAndRewrite of the three ops once their Spec is read.
LogicalResult lowerLayer(Operation *op, Spec &s, std::optional<ArrayAttr> names,
                         std::optional<ArrayAttr> alphas,
                         std::optional<ArrayAttr> betas,
                         ArrayRef<StringRef> defaults, const TypeConverter &tc,
                         ConversionPatternRewriter &rewriter) {
  if (auto why = unsupportedReason(s))
    return rewriter.notifyMatchFailure(op, *why);
  std::string why;
  int64_t dirs = s.direction == "bidirectional" ? 2 : 1;
  auto acts = parseActivations(names, alphas, betas, defaults, dirs, why);
  if (failed(acts))
    return rewriter.notifyMatchFailure(op, why);
  s.acts = std::move(*acts);
  s.actsPerDirection = defaults.size();

  // sequence_lens that are all the (static) sequence length change nothing.
  auto xt = cast<RankedTensorType>(s.x.getType());
  int64_t tLen = xt.getDimSize(s.layout1 ? 1 : 0);
  if (s.seqLens)
    if (auto lens = getConstantInts(s.seqLens))
      if (!ShapedType::isDynamic(tLen) &&
          llvm::all_of(*lens, [&](int64_t l) { return l == tLen; }))
        s.seqLens = nullptr;

  SmallVector<RankedTensorType> resTypes;
  Value results[] = {s.y, s.yh, s.yc};
  for (Value r : results) {
    auto t =
        r && !r.use_empty()
            ? dyn_cast_or_null<RankedTensorType>(tc.convertType(r.getType()))
            : RankedTensorType();
    if (r && !r.use_empty() && !t)
      return rewriter.notifyMatchFailure(op, "outputs must be ranked");
    resTypes.push_back(t);
  }

  LayerBuilder builder(rewriter, op->getLoc(), s);
  SmallVector<Value> built = builder.build();
  SmallVector<Value> repl;
  for (auto [i, v] : llvm::enumerate(built))
    if (i < op->getNumResults())
      repl.push_back(v ? castTo(rewriter, op->getLoc(), v, resTypes[i])
                       : Value());
  rewriter.replaceOp(op, repl);
  return success();
}

/// Fills the fields every op has.
template <typename Op, typename Adaptor>
Spec commonSpec(Op op, Adaptor adaptor, Cell cell, int64_t gates) {
  Spec s;
  s.cell = cell;
  s.gates = gates;
  s.x = adaptor.getX();
  s.w = adaptor.getW();
  s.r = adaptor.getR();
  s.bias = isNoValue(op.getB()) ? Value() : adaptor.getB();
  s.seqLens =
      isNoValue(op.getSequenceLens()) ? Value() : adaptor.getSequenceLens();
  s.initH = isNoValue(op.getInitialH()) ? Value() : adaptor.getInitialH();
  s.y = op.getY();
  s.yh = op.getYH();
  s.hiddenSize = op.getHiddenSize();
  s.direction = op.getDirection();
  s.layout1 = op.getLayout() == 1;
  if (auto clip = op.getClip())
    s.clip = clip->convertToDouble();
  return s;
}

struct RNNLowering : OpConversionPattern<OnnxRNNOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxRNNOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Spec s = commonSpec(op, adaptor, Cell::RNN, 1);
    return lowerLayer(op, s, op.getActivations(), op.getActivationAlpha(),
                      op.getActivationBeta(), {"tanh"}, *getTypeConverter(),
                      rewriter);
  }
};

struct GRULowering : OpConversionPattern<OnnxGRUOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxGRUOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Spec s = commonSpec(op, adaptor, Cell::GRU, 3);
    s.linearBeforeReset = op.getLinearBeforeReset() != 0;
    return lowerLayer(op, s, op.getActivations(), op.getActivationAlpha(),
                      op.getActivationBeta(), {"sigmoid", "tanh"},
                      *getTypeConverter(), rewriter);
  }
};

struct LSTMLowering : OpConversionPattern<OnnxLSTMOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxLSTMOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Spec s = commonSpec(op, adaptor, Cell::LSTM, 4);
    s.initC = isNoValue(op.getInitialC()) ? Value() : adaptor.getInitialC();
    s.peep = isNoValue(op.getP()) ? Value() : adaptor.getP();
    s.yc = op.getYC();
    s.inputForget = op.getInputForget() != 0;
    return lowerLayer(op, s, op.getActivations(), op.getActivationAlpha(),
                      op.getActivationBeta(), {"sigmoid", "tanh", "tanh"},
                      *getTypeConverter(), rewriter);
  }
};

} // namespace

void kiln::populateRecurrentPatterns(TypeConverter &tc,
                                     RewritePatternSet &patterns) {
  patterns.add<RNNLowering, GRULowering, LSTMLowering>(tc,
                                                       patterns.getContext());
}
