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

/// `op` as a contraction a block computes in tiles: on buffers, a
/// contraction (linalg::isaContractionOpInterface) of one m, one n and one
/// k dim and any batch dims, its parallel loops first, two operands of
/// scalars of at most 64 bits, a body without side effects or index ops.
/// Otherwise failure, with `why`.
mlir::FailureOr<mlir::linalg::ContractionDimensions>
matchSharedMemoryTiles(mlir::linalg::LinalgOp op, std::string &why);

/// The side of a square tile a block of `threads` threads computes (a
/// thread per output element), or 0 when `threads` is not 64, 256 or 1024.
int64_t sharedMemoryTileSize(int64_t threads);

} // namespace kiln

#endif
