//===- Linker.cpp - Object to shared object with lld, in process ----------===//

#include "compiler/artifact/Artifact.h"
#include "compiler/artifact/support/SupportArchive.h"
#include "kiln/kiln_abi.h"
#include "kiln/kiln_integrity.h"

#include "lld/Common/Driver.h"
#include "llvm/ObjCopy/ConfigManager.h"
#include "llvm/ObjCopy/ObjCopy.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Object/Binary.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <mutex>
#include <unistd.h>

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

/// The objects and the support archive written to temporary files for lld;
/// removed on destruction.
struct LinkInputs {
  std::vector<llvm::SmallString<128>> paths;
  ~LinkInputs() {
    for (auto &path : paths)
      llvm::sys::fs::remove(path);
  }

  mlir::LogicalResult write(llvm::StringRef prefix, llvm::StringRef suffix,
                            llvm::StringRef bytes, std::string &error) {
    int fd;
    llvm::SmallString<128> path;
    if (auto ec = llvm::sys::fs::createTemporaryFile(prefix, suffix, fd, path)) {
      error = "cannot create a temporary file: " + ec.message();
      return mlir::failure();
    }
    paths.push_back(path);
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    os.write(bytes.data(), bytes.size());
    return mlir::success();
  }

  /// The objects, then the support library (kiln_str_* functions, the
  /// kernels, the compiler-runtime helpers) as an archive: lld pulls in only
  /// what the objects call.
  mlir::LogicalResult
  writeAll(llvm::ArrayRef<llvm::SmallVector<char, 0>> objects,
           std::string &error) {
    for (const auto &object : objects)
      if (failed(write("kiln", "o", llvm::StringRef(object.data(), object.size()),
                       error)))
        return mlir::failure();
    return write("kiln-support", "a",
                 llvm::StringRef(supportArchive().data(),
                                 supportArchive().size()),
                 error);
  }
};

/// Runs lld in process on `args`; "linking <what> failed: ..." on error.
mlir::LogicalResult runLld(std::vector<const char *> &args,
                           const std::string &what, std::string &error) {
  std::string out, err;
  llvm::raw_string_ostream outs(out), errs(err);
  // lld keeps global state: one link at a time per process.
  static std::mutex lldMutex;
  lld::Result result;
  {
    std::lock_guard<std::mutex> lock(lldMutex);
    result = lld::lldMain(args, outs, errs, {{lld::Gnu, &lld::elf::link}});
  }
  if (result.retCode != 0) {
    error = "linking " + what + " failed: " + err;
    return mlir::failure();
  }
  return mlir::success();
}

} // namespace

mlir::LogicalResult
linkSharedObject(llvm::ArrayRef<llvm::SmallVector<char, 0>> objects,
                 const std::string &outPath, std::string &error) {
  LinkInputs inputs;
  if (failed(inputs.writeAll(objects, error)))
    return mlir::failure();
  std::vector<const char *> args = {
      "ld.lld", "-shared", "--hash-style=gnu", "-z", "noexecstack",
      "-z", "relro", "-z", "now", "-o", outPath.c_str()};
  for (auto &path : inputs.paths)
    args.push_back(path.c_str());
  args.insert(args.end(), {
      "-L/usr/lib/x86_64-linux-gnu", "-L/lib/x86_64-linux-gnu",
      // An artifact must be self-contained: every symbol it references is
      // defined in it (the support archive supplies the compiler-runtime
      // helpers) or by the libraries linked here. Without `-z defs` a
      // missing helper only shows when a process that happens not to
      // define it loads the artifact.
      "-z", "defs",
      // libm for the math the generated code calls (expf, erff, ...).
      "--as-needed", "-lm", "-lc"});
  if (failed(runLld(args, outPath, error)))
    return mlir::failure();
  return appendIntegrityTrailer(outPath, error);
}

mlir::LogicalResult
linkStaticLibrary(llvm::ArrayRef<llvm::SmallVector<char, 0>> objects,
                  const std::string &entrySymbol, const std::string &outPath,
                  std::string &error) {
  LinkInputs inputs;
  if (failed(inputs.writeAll(objects, error)))
    return mlir::failure();
  // One relocatable object: the model's parts and the support members they
  // call, resolved against each other now, so that two models linked into
  // one program each keep their own (kiln_parallel_for reads the model's
  // own run-context thread-local).
  llvm::SmallString<128> relocPath;
  {
    int fd;
    if (auto ec = llvm::sys::fs::createTemporaryFile("kiln-model", "o", fd,
                                                     relocPath)) {
      error = "cannot create a temporary file: " + ec.message();
      return mlir::failure();
    }
    ::close(fd);
    inputs.paths.push_back(relocPath);
  }
  std::vector<const char *> args = {"ld.lld", "-r", "-o", relocPath.c_str()};
  for (size_t i = 0; i + 1 < inputs.paths.size(); ++i)
    args.push_back(inputs.paths[i].c_str());
  if (failed(runLld(args, outPath, error)))
    return mlir::failure();
  auto linked = llvm::MemoryBuffer::getFile(relocPath, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!linked) {
    error = "cannot read back " + std::string(relocPath) + ": " +
            linked.getError().message();
    return mlir::failure();
  }
  auto binary = llvm::object::createBinary((*linked)->getMemBufferRef());
  if (!binary) {
    error = "cannot read back the linked object: " +
            llvm::toString(binary.takeError());
    return mlir::failure();
  }
  // Every hidden symbol (the model's functions split across parts, the
  // support library's) becomes local: the object exports only its
  // descriptor, renamed so that each model in a program has its own.
  llvm::objcopy::ConfigManager config;
  config.ELF.LocalizeHidden = true;
  config.Common.SymbolsToRename.insert({KILN_ARTIFACT_SYMBOL, entrySymbol});
  llvm::SmallVector<char, 0> object;
  llvm::raw_svector_ostream os(object);
  if (llvm::Error e =
          llvm::objcopy::executeObjcopyOnBinary(config, **binary, os)) {
    error = "cannot localize the model's symbols: " +
            llvm::toString(std::move(e));
    return mlir::failure();
  }
  std::string memberName = entrySymbol + ".o";
  std::vector<llvm::NewArchiveMember> members(1);
  members[0].Buf = llvm::MemoryBuffer::getMemBuffer(
      llvm::StringRef(object.data(), object.size()), memberName,
      /*RequiresNullTerminator=*/false);
  members[0].MemberName = memberName;
  if (llvm::Error e = llvm::writeArchive(
          outPath, members, llvm::SymtabWritingMode::NormalSymtab,
          llvm::object::Archive::K_GNU, /*Deterministic=*/true,
          /*Thin=*/false)) {
    error = "cannot write " + outPath + ": " + llvm::toString(std::move(e));
    return mlir::failure();
  }
  return mlir::success();
}

} // namespace kiln
