//===- artifact_loader.cpp - dlopen and vet a Kiln artifact ---------------===//

#include "artifact_loader.h"

#include "elem_type.h"
#include "status.h"

#include <cerrno>
#include <cstring>
#include <dlfcn.h>
#include <sys/stat.h>

namespace kiln::rt {

namespace {

// Far beyond any real model; guards against reading garbage descriptors.
constexpr int32_t kMaxRank = 1024;

[[noreturn]] void failLoad(kiln_error_code code, const std::string &path,
                           const std::string &reason) {
  // ONNX Runtime's wording, which users grep for.
  fail(code, "Load model from " + path + " failed:" + reason);
}

void checkFileExists(const std::string &path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode))
      failLoad(KILN_NO_SUCHFILE, path,
               "Load model " + path + " failed. It is a directory");
    return;
  }
  int err = errno;
  if (err == ENOENT || err == ENOTDIR)
    failLoad(KILN_NO_SUCHFILE, path,
             "Load model " + path + " failed. File doesn't exist");
  failLoad(KILN_NO_SUCHFILE, path,
           "Load model " + path + " failed. " + std::strerror(err));
}

void checkTensorInfo(const std::string &path, const char *role, uint32_t index,
                     const kiln_tensor_info_t &info) {
  std::string what = std::string(role) + " " + std::to_string(index);
  if (!info.name)
    failLoad(KILN_INVALID_GRAPH, path, what + " has no name");
  what += " ('" + std::string(info.name) + "')";
  if (elemTypeSize(info.elem_type) == 0)
    failLoad(KILN_INVALID_GRAPH, path,
             what + " has unknown element type " +
                 std::to_string(info.elem_type));
  if (info.rank < 0 || info.rank > kMaxRank)
    failLoad(KILN_INVALID_GRAPH, path,
             what + " has invalid rank " + std::to_string(info.rank));
  if (info.rank > 0 && !info.dims)
    failLoad(KILN_INVALID_GRAPH, path, what + " has no dims");
  for (int32_t d = 0; d < info.rank; ++d)
    if (info.dims[d] < -1)
      failLoad(KILN_INVALID_GRAPH, path,
               what + " has invalid dim " + std::to_string(info.dims[d]));
}

void checkArtifact(const std::string &path, const kiln_artifact_t &a) {
  // The version is checked first: with another version every other field
  // may have a different layout.
  if (a.abi_version != KILN_ABI_VERSION)
    failLoad(KILN_INVALID_GRAPH, path,
             "artifact ABI version " + std::to_string(a.abi_version) +
                 " does not match the runtime's ABI version " +
                 std::to_string(KILN_ABI_VERSION) +
                 "; recompile the model with a Kiln compiler matching this "
                 "runtime");
  if (a.provider == KILN_PROVIDER_CUDA)
    failLoad(KILN_NOT_IMPLEMENTED, path,
             "the artifact was compiled for the CUDA execution provider, "
             "which this Kiln runtime does not support yet; compile it for "
             "CPU");
  if (a.provider != KILN_PROVIDER_CPU)
    failLoad(KILN_INVALID_GRAPH, path,
             "unknown provider " + std::to_string(a.provider));
  if (!a.entry)
    failLoad(KILN_INVALID_GRAPH, path, "the artifact has no entry function");
  if (a.num_kernels > 0 && !a.kernel_names)
    failLoad(KILN_INVALID_GRAPH, path, "the artifact has no kernel names");
  if (a.num_inputs > 0 && !a.inputs)
    failLoad(KILN_INVALID_GRAPH, path, "the artifact has no input table");
  if (a.num_outputs > 0 && !a.outputs)
    failLoad(KILN_INVALID_GRAPH, path, "the artifact has no output table");
  if (a.num_outputs == 0)
    failLoad(KILN_INVALID_GRAPH, path, "the model has no outputs");
  for (uint32_t i = 0; i < a.num_inputs; ++i)
    checkTensorInfo(path, "input", i, a.inputs[i]);
  for (uint32_t i = 0; i < a.num_outputs; ++i)
    checkTensorInfo(path, "output", i, a.outputs[i]);
}

} // namespace

std::unique_ptr<LoadedArtifact> LoadedArtifact::load(const std::string &path) {
  checkFileExists(path);

  // dlopen searches the library path for names without a slash; a model path
  // is always meant relative to the working directory.
  std::string openPath =
      path.find('/') == std::string::npos ? "./" + path : path;
  void *handle = ::dlopen(openPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *err = ::dlerror();
    failLoad(KILN_INVALID_GRAPH, path,
             std::string("not a loadable Kiln artifact: ") +
                 (err ? err : "dlopen failed"));
  }

  std::unique_ptr<LoadedArtifact> loaded;
  try {
    ::dlerror();
    auto *artifact =
        static_cast<kiln_artifact_t *>(::dlsym(handle, KILN_ARTIFACT_SYMBOL));
    if (!artifact)
      failLoad(KILN_INVALID_GRAPH, path,
               "not a Kiln artifact: it does not export the symbol '" +
                   std::string(KILN_ARTIFACT_SYMBOL) + "'");
    checkArtifact(path, *artifact);
    loaded.reset(new LoadedArtifact(handle, artifact, path));
  } catch (...) {
    ::dlclose(handle);
    throw;
  }
  return loaded;
}

LoadedArtifact::~LoadedArtifact() { ::dlclose(handle_); }

} // namespace kiln::rt
