//===- artifact_bytes.cpp - Load an artifact from memory ------------------===//
//
// dlopen needs a file, so the bytes go into a memfd (no disk, no noexec /tmp
// trouble) that LoadedArtifact::load opens as /proc/self/fd/N, as it does
// every artifact file.
//
//===----------------------------------------------------------------------===//

#include "artifact_bytes.h"

#include "status.h"

#include <cerrno>
#include <cstring>
#include <dlfcn.h>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace kiln::rt {

namespace {

[[noreturn]] void failFromMemory(kiln_error_code code,
                                 const std::string &reason) {
  // ORT's wording for models given as bytes.
  fail(code, "Load model from memory failed:" + reason);
}

std::string systemError(const char *what) {
  return std::string(what) + ": " + std::strerror(errno);
}

void writeAll(int fd, const void *data, size_t size) {
  const char *p = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      failFromMemory(KILN_RUNTIME_EXCEPTION,
                     systemError("writing the model to a memory file"));
    p += n;
    size -= static_cast<size_t>(n);
  }
}

void replaceAll(std::string &text, const std::string &from,
                const std::string &to) {
  for (size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
}

} // namespace

std::unique_ptr<LoadedArtifact> loadArtifactFromBytes(const void *data,
                                                      size_t size) {
  if (!data && size > 0)
    fail(KILN_INVALID_ARGUMENT, "model data is NULL");
  if (size == 0)
    failFromMemory(KILN_INVALID_GRAPH, "the model data is empty");

  ProcFds fds;
  int fd = ::memfd_create("kiln-model", MFD_CLOEXEC);
  if (fd < 0)
    failFromMemory(KILN_RUNTIME_EXCEPTION, systemError("memfd_create"));
  fds.fds.push_back(fd);
  writeAll(fd, data, size);

  // The loader opens the file again and loads it under a name of its own.
  std::string path = "/proc/self/fd/" + std::to_string(fd);
  try {
    return LoadedArtifact::load(path);
  } catch (const KilnError &e) {
    // The loader names the file; the caller never saw that path.
    std::string message = e.what();
    replaceAll(message, "Load model from " + path + " failed:",
               "Load model from memory failed:");
    replaceAll(message, path, "<memory>");
    fail(e.code(), message);
  }
}

} // namespace kiln::rt
