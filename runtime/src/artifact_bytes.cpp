//===- artifact_bytes.cpp - Load an artifact from memory ------------------===//
//
// dlopen needs a file, so the bytes go into a memfd (no disk, no noexec /tmp
// trouble) that is opened as /proc/self/fd/N. glibc identifies loaded
// libraries by the name they were opened with before looking at the file, so
// a name still held by an earlier artifact (whose fd number has since been
// reused) would silently return the old library; such names are skipped.
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

/// Closes every descriptor it holds on scope exit; the library stays mapped.
struct FdSet {
  std::vector<int> fds;
  ~FdSet() {
    for (int fd : fds)
      ::close(fd);
  }
};

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

std::string procPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

bool nameInUse(const std::string &path) {
  void *existing = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (!existing)
    return false;
  ::dlclose(existing);
  return true;
}

/// A /proc path for the memfd no loaded library was opened under; new
/// descriptors are kept open in `fds` until loading is done so each one
/// names a distinct number.
std::string unusedName(FdSet &fds) {
  constexpr int kMaxAttempts = 64;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    std::string path = procPath(fds.fds.back());
    if (!nameInUse(path))
      return path;
    int again = ::dup(fds.fds.front());
    if (again < 0)
      failFromMemory(KILN_RUNTIME_EXCEPTION, systemError("dup"));
    fds.fds.push_back(again);
  }
  failFromMemory(KILN_RUNTIME_EXCEPTION,
                 "no unused name to load the memory file under");
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

  FdSet fds;
  int fd = ::memfd_create("kiln-model", MFD_CLOEXEC);
  if (fd < 0)
    failFromMemory(KILN_RUNTIME_EXCEPTION, systemError("memfd_create"));
  fds.fds.push_back(fd);
  writeAll(fd, data, size);

  std::string path = unusedName(fds);
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
