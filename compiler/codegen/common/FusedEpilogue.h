//===- FusedEpilogue.h - The Add and activation a kernel takes over -*- C++ -*-===//
//
// After a matmul or convolution, models apply a residual Add and an
// activation (Relu, Clip, HardSwish, SiLU, GELU, ...). kiln-fuse-elementwise
// leaves them as one elementwise linalg.generic that reads the op's output
// and, after bufferization, writes it back in place:
//
//   linalg.conv_2d_nchw_fchw ins(%x, %w) outs(%y)
//   linalg.generic ins(%y, %r) outs(%y) { act(%y + %r) }
//
// A kernel of the support library applies that epilogue to each block of
// its output while the block is still in cache (kiln_epilogue.h); this
// recognizes it, so the ukernel passes can pass it on and erase the
// generic.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CODEGEN_COMMON_FUSEDEPILOGUE_H
#define KILN_COMPILER_CODEGEN_COMMON_FUSEDEPILOGUE_H

#include "compiler/artifact/support/gemm/kiln_epilogue.h"

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"

#include <optional>

namespace kiln {

struct AbsorbedEpilogue {
  kiln_activation act = KILN_ACT_NONE;
  /// The activation's parameters (Clip's bounds, LeakyRelu's and
  /// HardSigmoid's alpha and beta).
  float alpha = 0, beta = 0;
  /// A buffer laid out like the output, added before the activation (or
  /// null).
  mlir::Value residual;
  /// The generic computing it, erased once the kernel does.
  mlir::Operation *generic = nullptr;
  /// The buffer the op writes (through reshapes).
  mlir::Value output;
  /// The fresh buffer the generic wrote, when not the output in place:
  /// replaced by the output, which is dead after the generic.
  mlir::Value replaced;
  /// The collapse of `replaced` the generic wrote through, when
  /// `replaced` has another shape than the output (which then replaces it
  /// expanded back to that shape), or null.
  mlir::Operation *replacedView = nullptr;
};

/// The epilogue of `op`, which writes `output` (or a reshaped view of it),
/// when the first op after it that touches `output` is an elementwise
/// generic computing act(output + residual) into `output` in place (or into
/// a fresh buffer `output` can replace), with `output` and the residual in
/// identity layouts of one type and the residual not written in between.
/// An output that is a slice of a larger buffer (strided) takes an
/// activation computed in place only, without a residual.
std::optional<AbsorbedEpilogue> matchEpilogue(mlir::Operation *op,
                                              mlir::Value output);

/// Erases the generic of an epilogue a kernel took over (and the buffer it
/// wrote, replaced by the output).
void eraseAbsorbed(const std::optional<AbsorbedEpilogue> &epilogue);

} // namespace kiln

#endif
