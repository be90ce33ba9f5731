//===- Linker.cpp - Object to shared object with lld, in process ----------===//

#include "compiler/artifact/Artifact.h"
#include "compiler/artifact/support/SupportArchive.h"
#include "kiln/kiln_integrity.h"

#include "lld/Common/Driver.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <mutex>

LLD_HAS_DRIVER(elf)

namespace kiln {

namespace {

/// Appends kiln_integrity.h's trailer (magic, size, checksum) to the
/// shared object at `path`: the runtime refuses a copy that lost bytes or
/// had some flipped.
mlir::LogicalResult appendIntegrityTrailer(const std::string &path,
                                           std::string &error) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    error = "cannot read " + path + " back: " + buffer.getError().message();
    return mlir::failure();
  }
  uint64_t size = (*buffer)->getBufferSize();
  uint64_t sum = kiln_checksum((*buffer)->getBufferStart(), size);
  buffer->reset();
  char trailer[KILN_TRAILER_SIZE];
  std::memcpy(trailer, KILN_TRAILER_MAGIC, 8);
  llvm::support::endian::write64le(trailer + 8, size);
  llvm::support::endian::write64le(trailer + 16, sum);
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_Append);
  if (!ec)
    os.write(trailer, sizeof trailer);
  os.close();
  if (ec || os.has_error()) {
    error = "cannot append the integrity trailer to " + path + ": " +
            (ec ? ec : os.error()).message();
    os.clear_error();
    return mlir::failure();
  }
  return mlir::success();
}

} // namespace

mlir::LogicalResult
linkSharedObject(llvm::ArrayRef<llvm::SmallVector<char, 0>> objects,
                 const std::string &outPath, std::string &error) {
  std::vector<llvm::SmallString<128>> objPaths;
  auto removeObjects = [&] {
    for (auto &path : objPaths)
      llvm::sys::fs::remove(path);
  };
  int fd;
  for (const auto &object : objects) {
    llvm::SmallString<128> objPath;
    if (auto ec =
            llvm::sys::fs::createTemporaryFile("kiln", "o", fd, objPath)) {
      removeObjects();
      error = "cannot create a temporary object file: " + ec.message();
      return mlir::failure();
    }
    objPaths.push_back(objPath);
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os.write(object.data(), object.size());
  }
  // The support library (kiln_str_* functions) as an archive: lld pulls in
  // only what the object calls.
  llvm::SmallString<128> supportPath;
  if (auto ec = llvm::sys::fs::createTemporaryFile("kiln-support", "a", fd,
                                                   supportPath)) {
    removeObjects();
    error = "cannot create a temporary archive file: " + ec.message();
    return mlir::failure();
  }
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os.write(supportArchive().data(), supportArchive().size());
  }
  std::vector<const char *> args = {
      "ld.lld", "-shared", "--hash-style=gnu", "-z", "noexecstack",
      "-z", "relro", "-z", "now", "-o", outPath.c_str()};
  for (auto &path : objPaths)
    args.push_back(path.c_str());
  args.insert(args.end(), {supportPath.c_str(),
      "-L/usr/lib/x86_64-linux-gnu", "-L/lib/x86_64-linux-gnu",
      // An artifact must be self-contained: every symbol it references is
      // defined in it (the support archive supplies the compiler-runtime
      // helpers) or by the libraries linked here. Without `-z defs` a
      // missing helper only shows when a process that happens not to
      // define it loads the artifact.
      "-z", "defs",
      // libm for the math the generated code calls (expf, erff, ...).
      "--as-needed", "-lm", "-lc"});
  std::string out, err;
  llvm::raw_string_ostream outs(out), errs(err);
  // lld keeps global state: one link at a time per process.
  static std::mutex lldMutex;
  lld::Result result;
  {
    std::lock_guard<std::mutex> lock(lldMutex);
    result = lld::lldMain(args, outs, errs, {{lld::Gnu, &lld::elf::link}});
  }
  removeObjects();
  llvm::sys::fs::remove(supportPath);
  if (result.retCode != 0) {
    error = "linking " + outPath + " failed: " + err;
    return mlir::failure();
  }
  return appendIntegrityTrailer(outPath, error);
}

} // namespace kiln
