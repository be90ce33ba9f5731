//===- AbsorbedOperands.h - What a convolution kernel takes over -*- C++
//-*-===//
//
// A convolution kernel of the support library can do more than the linalg
// op: read an unpadded input (padding is a bounds check), and start from a
// per-channel bias instead of an initialized output. On buffers, after
// bufferization, those two show up as ops around the convolution:
//
//   %p = memref.alloc                       the padded input
//   linalg.map / linalg.fill of zero into %p
//   memref.copy %x, (memref.subview %p[0, 0, top, left] ...)
//   linalg.generic broadcasting %bias[c] into %y     (kiln-fold-bias-into-init)
//   linalg.<conv> ins(%p, %w) outs(%y)
//
// These helpers recognize them, so the ukernel passes can pass %x, the
// padding and %bias to the kernel and erase the rest.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CODEGEN_COMMON_ABSORBEDOPERANDS_H
#define KILN_COMPILER_CODEGEN_COMMON_ABSORBEDOPERANDS_H

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"

#include <optional>

namespace kiln {

/// The input of `conv` was `source` padded with zeros: `low` elements
/// before it along each spatial dim (the dims from `firstSpatialDim` on; the
/// dims before it are not padded), as many after it as the op reads.
struct AbsorbedPadding {
  mlir::Value source;
  llvm::SmallVector<int64_t> low;
  /// The copy, the fill, the subview, the deallocations and the allocation
  /// of the padded buffer: dead once `conv` reads `source` instead.
  llvm::SmallVector<mlir::Operation *> deadOps;
};

/// Matches a padded input `x` of `conv` built only for it: an allocation
/// filled with +0.0, `source` copied into a subview at static offsets, read
/// by no other op, and `source` not written between the copy and `conv`.
std::optional<AbsorbedPadding> matchZeroPaddedInput(mlir::Operation *conv,
                                                    mlir::Value x,
                                                    unsigned firstSpatialDim);

/// matchZeroPaddedInput with the padding any scalar `isPad` accepts (a max
/// pool's -inf).
std::optional<AbsorbedPadding>
matchPaddedInput(mlir::Operation *conv, mlir::Value x,
                 unsigned firstSpatialDim,
                 llvm::function_ref<bool(mlir::Value)> isPad);

/// The output `y` of `conv` is a fresh buffer whose only writer before
/// `conv` broadcasts `bias`, of rank channelDims.size(), along
/// `channelDims` (a grouped convolution's [G, F] bias along its group and
/// filter dims). `conv` may write `y` through a view (a collapse_shape read
/// otherwise only after `conv`).
struct AbsorbedBias {
  mlir::Value bias;
  mlir::Operation *init;
};
std::optional<AbsorbedBias> matchBiasInit(mlir::Operation *conv, mlir::Value y,
                                          llvm::ArrayRef<unsigned> channelDims);

/// The output `y` of `conv` is a fresh buffer whose only writer before
/// `conv` fills it with +0.0: the kernel can start from zero without
/// reading y (a memset of the whole output less). The result's `bias` is
/// null and its `init` the fill.
std::optional<AbsorbedBias> matchZeroInit(mlir::Operation *conv,
                                          mlir::Value y);

/// The output `y` of `op` is a fresh buffer whose only writer before `op`
/// fills it with a constant `isStart` accepts (the identity of a pooling's
/// reduction): the kernel can start from that value without reading y.
/// The result's `bias` is null and its `init` the fill.
std::optional<AbsorbedBias>
matchConstantInit(mlir::Operation *op, mlir::Value y,
                  llvm::function_ref<bool(const llvm::APFloat &)> isStart);

/// matchBiasInit, or else matchZeroInit.
std::optional<AbsorbedBias> matchStart(mlir::Operation *conv, mlir::Value y,
                                       llvm::ArrayRef<unsigned> channelDims);

/// The buffer a view was taken from (through subviews, reshapes, casts).
mlir::Value rootBuffer(mlir::Value v);

/// Whether `op` or an op nested in it uses the buffer `v` or a view of it.
bool touches(mlir::Operation *op, mlir::Value v);

/// Whether `from` comes before `to` in one block and every op between them
/// writes (or frees) only fresh allocations other than `kept`: what is read
/// from `kept` at `to` is what was there at `from`. Ops with unknown
/// effects (calls, loops) count as writing anything, except the profiling
/// hooks.
bool keptBetween(mlir::Operation *from, mlir::Operation *to, mlir::Value kept);

/// Erases what a kernel took over once the op that had them is replaced:
/// the bias broadcast, and the padded buffer with its fill and copy.
void eraseAbsorbed(const std::optional<AbsorbedBias> &bias,
                   const std::optional<AbsorbedPadding> &padding);

} // namespace kiln

#endif
