//===- ConversionUtils.h - Helpers shared by the op families ----*- C++ -*-===//

#ifndef KILN_COMPILER_CONVERSION_CONVERSIONUTILS_H
#define KILN_COMPILER_CONVERSION_CONVERSIONUTILS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include <optional>

namespace kiln {

/// Body of an elementwise computation: one scalar per input, in order.
using ScalarBodyFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// Builds a linalg.generic computing `body` elementwise over the numpy
/// broadcast of `inputs` into a new tensor of `resultType`. Dynamic result
/// dims are computed from the inputs at run time. A dynamic input dim that
/// may be 1 at run time while the result dim is not (so the broadcast is
/// only known at run time) is read with a clamped index instead of a
/// broadcasting indexing map, so the result is right for every shape.
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType resultType,
                             mlir::ValueRange inputs, ScalarBodyFn body);

/// The sizes of the numpy broadcast of `inputs` into `resultType`'s rank:
/// static where the result type says so, computed at run time otherwise.
llvm::SmallVector<mlir::OpFoldResult>
broadcastSizes(mlir::OpBuilder &b, mlir::Location loc,
               mlir::RankedTensorType resultType, mlir::ValueRange inputs);

/// tensor.empty of `type` whose dynamic dims come from `sizes` (one entry
/// per dim; static entries must agree with the type).
mlir::Value createEmpty(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::RankedTensorType type,
                        llvm::ArrayRef<mlir::OpFoldResult> sizes);

/// A tensor of `type` filled with `value` (a scalar of the element type).
mlir::Value createFilled(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType type,
                         llvm::ArrayRef<mlir::OpFoldResult> sizes,
                         mlir::Value value);

/// Scalar constant of `type` (int or float) holding `value`.
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type type, double value);

/// Converts scalar `v` from ONNX element type `from` to `to` with ONNX Cast
/// semantics (signedness from the ONNX types, float->int truncates toward
/// zero, bool is 0/1). `v` and the result carry the converted types (the
/// float8/float4 and 4-/2-bit types are bytes: see signlessType). To a
/// float8/float4 type the value rounds to nearest even and, with
/// `saturate`, clamps to the largest finite value; `roundMode` is Cast's
/// round_mode for float8e8m0.
mlir::Value castScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                       mlir::Type from, mlir::Type to, bool saturate = true,
                       llvm::StringRef roundMode = "up");

/// The type a value of ONNX element type `t` has once converted: signless
/// (ui8 -> i8), and i8 for the types stored one per byte (float8, float4,
/// int4/uint4, int2/uint2: the bits of a float, a sign- or zero-extended
/// integer).
mlir::Type signlessType(mlir::Type t);

/// Where dim `d` of tensor `v` comes from, followed through what keeps a
/// dim: an op's destination (a linalg result has its init's shape), the
/// sizes of a tensor.empty or tensor.expand_shape (a `tensor.dim` of
/// another tensor, or an index value), an unpadded dim of a tensor.pad, a
/// tensor.cast, a dim a collapse_shape keeps. Two dims with the same source
/// are equal at run time: a symbolic batch that flowed through
/// convolutions and activations into both inputs of an Add, or through
/// reshapes and transposes into both operands of attention's MatMuls.
std::pair<mlir::Value, int64_t> dimSource(mlir::Value v, int64_t d);

/// At the start of `func`, a run-time check that its inputs' dims sharing
/// a dim_param (`kiln.dim_params`) are equal, which dimSource assumes: the
/// runtime checks it too, but a session may turn that off
/// (kiln.check_symbolic_dims), and the code must then fail the run rather
/// than read past a shorter input.
void checkNamedDims(mlir::func::FuncOp func);

/// An arith.constant of `type` holding `bytes` (row-major elements) as a
/// 64-byte aligned resource blob named after `name`, like the importer's
/// weights: code generation keeps it out of the IR and externalizes it.
mlir::Value resourceConstant(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType type,
                             llvm::StringRef name,
                             llvm::ArrayRef<char> bytes);

/// Integer values of a constant tensor, if `v` is one: an arith.constant or
/// onnx.Constant, dense or resource-backed, possibly behind the
/// unrealized casts the conversion driver inserts for unsigned types.
std::optional<llvm::SmallVector<int64_t>> getConstantInts(mlir::Value v);
/// Float values of a constant tensor, if `v` is one.
std::optional<llvm::SmallVector<double>> getConstantFloats(mlir::Value v);

/// Maps a possibly negative axis into [0, rank).
int64_t normalizeAxis(int64_t axis, int64_t rank);

/// Integer attribute array as int64 values.
llvm::SmallVector<int64_t> toInts(std::optional<mlir::ArrayAttr> attr,
                                  llvm::ArrayRef<int64_t> fallback = {});

/// `v` (an index or integer scalar) as an index value.
mlir::Value toIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v);

/// Opset of the default domain recorded by the importer (-1 if unknown).
int64_t opsetOf(mlir::Operation *op);

/// The converted type of result `i` of `op`, if it is a ranked tensor.
template <typename Op>
mlir::RankedTensorType resultTypeOf(const mlir::OpConversionPattern<Op> &p,
                                    mlir::Operation *op, unsigned i = 0) {
  return llvm::dyn_cast_or_null<mlir::RankedTensorType>(
      p.getTypeConverter()->convertType(op->getResult(i).getType()));
}

/// `v` cast (tensor.cast) to `type` unless it already has it.
mlir::Value castTo(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                   mlir::Type type);

/// The sizes of every dim of the ranked tensor `v`, static where known.
llvm::SmallVector<mlir::OpFoldResult>
sizesOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v);

/// Sizes for a result: static where `resTy` says so, `computed` elsewhere.
llvm::SmallVector<mlir::OpFoldResult>
refineSizes(mlir::OpBuilder &b, mlir::RankedTensorType resTy,
            llvm::ArrayRef<mlir::OpFoldResult> computed);

/// Body of an index-driven generic: the iteration indices and the scalars of
/// the inputs (read through their maps).
using IndexedBodyFn = llvm::function_ref<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange ivs,
    mlir::ValueRange args)>;

/// linalg.generic over a fresh tensor of `sizes` whose body builds each
/// element from the iteration indices (gathers, resampling, masks). The
/// result is cast to `resTy`.
mlir::Value generateTensor(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::RankedTensorType resTy,
                           llvm::ArrayRef<mlir::OpFoldResult> sizes,
                           mlir::ValueRange inputs,
                           llvm::ArrayRef<mlir::AffineMap> inputMaps,
                           IndexedBodyFn body);

/// An index constant.
mlir::Value cIdx(mlir::OpBuilder &b, mlir::Location loc, int64_t v);

/// Name of the ONNX node an op came from (the importer puts it in the loc),
/// or "".
std::string nodeNameOf(mlir::Location loc);
inline std::string nodeNameOf(mlir::Operation *op) {
  return nodeNameOf(op->getLoc());
}

/// Run-time checks of what only the run can tell (an index, a size): the
/// run fails with ONNX Runtime's "Non-zero status code returned while
/// running Op node. Name:'name' Status Message: <what>" instead of reading
/// out of bounds. checkMessage builds the message's address once,
/// outside any loop; check fails the run when `ok` (i1) is false, through
/// the artifact's kiln_check_failed.
/// `errorCode` is ONNX Runtime's class of the failure (1 FAIL, 2
/// INVALID_ARGUMENT), as its kernel for the op reports it.
mlir::Value checkMessage(mlir::OpBuilder &b, mlir::Operation *op,
                         llvm::StringRef what, int errorCode);
void check(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *anchor,
           mlir::Value ok, mlir::Value message);
/// An index into a dim of `dim` elements, negative ones counting from the
/// back (wrapIndex), checked to lie in [-dim, dim) and clamped into it.
mlir::Value checkedIndex(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Operation *anchor, mlir::Value i,
                         mlir::Value dim, mlir::Value message);

/// Checks at run time that the 1-D tensor `t`, whose length its type
/// leaves open, holds `expected` values: a lowering that reads such a
/// tensor at the positions a count implies (intsOrRuntime with an expected
/// count) would otherwise read past its end. `what` names the operand in
/// the message. Emits nothing when the length is static.
void checkLength(mlir::OpBuilder &b, mlir::Operation *op, mlir::Value t,
                 int64_t expected, llvm::StringRef what);

/// Scalar of a rank-0 or one-element tensor.
mlir::Value extractScalar(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value t);

/// An index read from a gather-style indices tensor: wrapped when negative.
mlir::Value wrapIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value i,
                      mlir::Value dim);

/// Index `i` clamped into [0, len - 1] (edge replication when resampling).
mlir::Value clampIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value i,
                       mlir::Value len);

/// An index (or signless integer, read as signed) as a float of `floatType`.
mlir::Value indexToFloat(mlir::OpBuilder &b, mlir::Location loc, mlir::Value i,
                         mlir::Type floatType);

/// A float truncated toward zero, as an index.
mlir::Value floatToIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value f);

/// A float scalar converted to the float type `to` (extended when `to` is
/// wider, truncated otherwise).
mlir::Value castFloat(mlir::OpBuilder &b, mlir::Location loc, mlir::Value v,
                      mlir::Type to);

/// The element type sums and products of `t` values accumulate in: f32 for
/// the 16-bit floats (as ONNX Runtime's kernels do), `t` otherwise.
mlir::Type accumulatorType(mlir::Type t);

/// Puts a 1-D per-axis parameter `p` (a scale, zero point or bias) on dim
/// `axis` of a rank-`rank` tensor by appending unit dims: [C] -> [C, 1, ...,
/// 1], so that numpy broadcasting lines it up with that dim. Scalars are
/// returned as they are (they broadcast already). Fails on other ranks.
mlir::FailureOr<mlir::Value> alongAxis(mlir::OpBuilder &b, mlir::Location loc,
                                       mlir::Value p, int64_t axis,
                                       int64_t rank);

} // namespace kiln

#endif
