//===- artifact_bytes.h - Load an artifact from memory --------*- C++ -*-===//
#ifndef KILN_RUNTIME_ARTIFACT_BYTES_H
#define KILN_RUNTIME_ARTIFACT_BYTES_H

#include "artifact_loader.h"

#include <cstddef>
#include <memory>

namespace kiln::rt {

/// Loads the compiled .so whose `size` bytes are at `data`, as
/// LoadedArtifact::load does for a file. The bytes are copied into an
/// anonymous memory file; `data` is not used after this returns. Errors read
/// "Load model from memory failed:<reason>".
std::unique_ptr<LoadedArtifact> loadArtifactFromBytes(const void *data,
                                                      size_t size);

} // namespace kiln::rt

#endif // KILN_RUNTIME_ARTIFACT_BYTES_H
