//===- ModelInterface.h - A model's C header, C glue and C++ class -*- C++ -*-//
//
// kiln-compile --c-header/--c-source (and kiln_add_model, which passes
// them) describe one compiled model to the application that uses it: its
// signature as constants, a typed C entry `<name>_run(...)` over the
// runtime's C API, and a small C++ class over that entry.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_ARTIFACT_MODELINTERFACE_H
#define KILN_COMPILER_ARTIFACT_MODELINTERFACE_H

#include "compiler/artifact/Artifact.h"

#include <string>

namespace kiln {

struct ModelInterfaceOptions {
  /// The C identifier every generated name starts with (`<name>_run`).
  std::string name;
  /// Where to write the header and the C source; either may be empty.
  std::string headerPath, sourcePath;
  /// Whether the model is a static library linked into the program
  /// (descriptor `<name>_kiln_artifact`) rather than a shared object.
  bool linkedIn = false;
  /// The shared object's absolute path, opened by `<name>_open` (shared
  /// artifacts only).
  std::string artifactPath;
  /// The model file, named in the header's comment.
  std::string modelPath;
};

/// Whether `name` can prefix the generated C names: a C identifier.
bool isValidModelName(const std::string &name);

/// The descriptor symbol of a model linked in as `name`.
std::string linkedInDescriptorSymbol(const std::string &name);

/// Writes the header and the C source of `options` for `signature`.
mlir::LogicalResult writeModelInterface(const Signature &signature,
                                        const ModelInterfaceOptions &options,
                                        std::string &error);

} // namespace kiln

#endif
