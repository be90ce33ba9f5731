//===- artifact_loader.h - dlopen and vet a Kiln artifact ----*- C++ -*-===//
#ifndef KILN_RUNTIME_ARTIFACT_LOADER_H
#define KILN_RUNTIME_ARTIFACT_LOADER_H

#include "kiln/kiln_abi.h"

#include <memory>
#include <string>
#include <vector>

namespace kiln::rt {

/// An artifact mapped into the process; unmapped on destruction.
class LoadedArtifact {
public:
  /// Loads and validates the artifact at `path`. Throws KilnError with ORT-style messages.
  static std::unique_ptr<LoadedArtifact> load(const std::string &path);
  /// Validates a descriptor already in the process (a model linked in
  /// statically, kiln-compile --emit=lib); `name` stands for the path in
  /// messages. Nothing is mapped or unmapped.
  static std::unique_ptr<LoadedArtifact>
  fromDescriptor(const kiln_artifact_t *artifact, const std::string &name);

  ~LoadedArtifact();
  LoadedArtifact(const LoadedArtifact &) = delete;
  LoadedArtifact &operator=(const LoadedArtifact &) = delete;

  const kiln_artifact_t &artifact() const { return *artifact_; }
  const std::string &path() const { return path_; }

private:
  /// Drops one hold on `handle` (and dlcloses it once).
  static void release(void *handle);

  LoadedArtifact(void *handle, const kiln_artifact_t *artifact,
                 std::string path)
      : handle_(handle), artifact_(artifact), path_(std::move(path)) {}

  void *handle_;
  const kiln_artifact_t *artifact_;
  std::string path_;
};

/// Why the `size` bytes of an artifact file at `data` are damaged, or ""
/// when they are not: its integrity trailer (kiln_integrity.h) must match
/// its bytes, and without one (an artifact linked by another tool, or one
/// cut short) its ELF headers must lie inside it. Checked before the file
/// is mapped as a library.
std::string artifactDamage(const unsigned char *data, uint64_t size);

/// Descriptors held while an artifact loads under a /proc/self/fd name;
/// closed on scope exit (the library stays mapped).
struct ProcFds {
  std::vector<int> fds;
  ~ProcFds();
};

} // namespace kiln::rt

#endif // KILN_RUNTIME_ARTIFACT_LOADER_H
