//===- SharedMemoryTiles.h - Contractions in shared-memory tiles -*- C++ -*-===//
//
// What the shared_memory_tiles strategy needs of an op, shared by the
// strategy layer and its lowering.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_CODEGEN_CUDA_SHAREDMEMORYTILES_H
#define KILN_COMPILER_CODEGEN_CUDA_SHAREDMEMORYTILES_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <string>

namespace kiln {

/// `op` as a contraction a block computes in tiles: on buffers, two
/// operands and an output of scalars of at most 64 bits, its parallel
/// loops first, a body without side effects or index ops, and its loops
/// in four roles by the operands they index: batch (parallel, both
/// operands), m (parallel, the first only), n (parallel, the second only),
/// k (reductions of both operands, not the output), with at least one m,
/// n and k loop. Matmuls, batched and transposed, have one of each; a
/// convolution's image and output pixels are m loops, its output channels
/// n, its input channels and window k (an implicit GEMM). Otherwise
/// failure, with `why`.
mlir::FailureOr<mlir::linalg::ContractionDimensions>
matchSharedMemoryTiles(mlir::linalg::LinalgOp op, std::string &why);

/// The side of a square tile a block of `threads` threads computes (a
/// thread per output element), or 0 when `threads` is not 64, 256 or 1024.
int64_t sharedMemoryTileSize(int64_t threads);

} // namespace kiln

#endif
