//===- onnx_compile.cpp - Sessions from .onnx models ----------------------===//
//
// See onnx_compile.h. The cache lives where Python's does ($KILN_CACHE_DIR,
// else $XDG_CACHE_HOME/kiln, else ~/.cache/kiln), one `<key>.so` per
// artifact; the key is the sha256 of everything that changes the code: the
// model bytes, its external data files' content, the options, the compiler
// library (path, size, mtime, version) and, for "native" code, this CPU.
// Artifacts are compiled next to their final name and renamed into place,
// so concurrent sessions never see half an artifact.
//
//===----------------------------------------------------------------------===//

#include "onnx_compile.h"

#include "device/cuda_device.h"
#include "session.h"

#include "kiln/kiln_compiler.h"
#include "sha256.h"
#include "status.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>
#include <vector>

namespace kiln::rt {
namespace {

bool endsWith(const std::string &s, const char *suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

bool readFile(const std::string &path, std::string &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return !in.bad();
}

std::string directoryOf(const std::string &path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

/// The external data locations the model names, found by their protobuf
/// encoding as Python's cache finds them (field 1 "location", then field 2
/// and the varint length of the path): a stray match only adds a file to
/// the key.
std::set<std::string> externalLocations(const std::string &model) {
  static const std::string entry("\x0a\x08location\x12", 11);
  std::set<std::string> out;
  for (size_t start = model.find(entry); start != std::string::npos;
       start = model.find(entry, start + 1)) {
    size_t i = start + entry.size();
    uint64_t length = 0;
    for (int shift = 0; i < model.size() && shift < 35; shift += 7) {
      unsigned char byte = static_cast<unsigned char>(model[i++]);
      length |= uint64_t(byte & 0x7f) << shift;
      if (!(byte & 0x80))
        break;
    }
    if (length > 0 && length <= 4096 && i + length <= model.size())
      out.insert(model.substr(i, length));
  }
  return out;
}

std::string hostCpuIdentity() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, model, flags;
  while (std::getline(in, line) && (model.empty() || flags.empty())) {
    if (model.empty() && line.rfind("model name", 0) == 0)
      model = line;
    else if (flags.empty() && line.rfind("flags", 0) == 0)
      flags = line;
  }
  return model + "|" + flags;
}

std::string cacheDirectory() {
  if (const char *explicitDir = std::getenv("KILN_CACHE_DIR"))
    if (*explicitDir)
      return explicitDir;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"))
    if (*xdg)
      return std::string(xdg) + "/kiln";
  const char *home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/.cache/kiln";
}

bool makeDirectories(const std::string &dir) {
  for (size_t i = 1; i <= dir.size(); ++i)
    if (i == dir.size() || dir[i] == '/') {
      std::string part = dir.substr(0, i);
      if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST)
        return false;
    }
  struct stat st;
  return ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// The compiler library's entry points, loaded once per process.
struct Compiler {
  decltype(&kiln_compile_model) compile = nullptr;
  decltype(&kiln_compiler_free) freeError = nullptr;
  decltype(&kiln_compiler_version) version = nullptr;
  std::string identity; // path|size|mtime|version, for the cache key
  std::string error;    // why it could not be loaded
};

/// $KILN_COMPILER_LIBRARY when set (that file only), else libkilncompiler.so
/// beside libkilnrt, else the loader's search path.
const Compiler &compiler() {
  static Compiler c;
  static std::once_flag once;
  std::call_once(once, [] {
    std::vector<std::string> candidates;
    Dl_info self;
    if (const char *env = std::getenv("KILN_COMPILER_LIBRARY"); env && *env) {
      candidates.push_back(env);
    } else {
      if (::dladdr(reinterpret_cast<void *>(&artifactForModel), &self) &&
          self.dli_fname)
        candidates.push_back(directoryOf(self.dli_fname) +
                             "/libkilncompiler.so");
      candidates.push_back("libkilncompiler.so");
    }
    std::string errors;
    for (const std::string &candidate : candidates) {
      if (candidate.find('/') != std::string::npos &&
          ::access(candidate.c_str(), F_OK) != 0)
        continue;
      void *handle = ::dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!handle) {
        const char *why = ::dlerror();
        errors += std::string(errors.empty() ? "" : "; ") + (why ? why : "?");
        continue;
      }
      c.compile = reinterpret_cast<decltype(c.compile)>(
          ::dlsym(handle, "kiln_compile_model"));
      c.freeError = reinterpret_cast<decltype(c.freeError)>(
          ::dlsym(handle, "kiln_compiler_free"));
      c.version = reinterpret_cast<decltype(c.version)>(
          ::dlsym(handle, "kiln_compiler_version"));
      if (!c.compile || !c.freeError || !c.version) {
        errors += "; " + candidate + " is not Kiln's compiler library";
        c.compile = nullptr;
        continue;
      }
      Dl_info info;
      std::string file = candidate;
      if (::dladdr(reinterpret_cast<void *>(c.compile), &info) &&
          info.dli_fname)
        file = info.dli_fname;
      struct stat st {};
      ::stat(file.c_str(), &st);
      c.identity = file + "|" + std::to_string(st.st_size) + "|" +
                   std::to_string(st.st_mtim.tv_sec) + "." +
                   std::to_string(st.st_mtim.tv_nsec) + "|" + c.version();
      return;
    }
    c.error = errors.empty() ? candidates.front() + " not found" : errors;
  });
  return c;
}

} // namespace

std::string artifactForModel(const std::string &path,
                             const kiln_session_options &options) {
  if (!endsWith(path, ".onnx"))
    return path;
  std::string model;
  if (!readFile(path, model) || (model.size() >= 4 && std::memcmp(model.data(),
                                                                  "\x7f"
                                                                  "ELF",
                                                                  4) == 0))
    return path; // missing, unreadable or an artifact: the loader says so
  const Compiler &c = compiler();
  if (!c.compile)
    fail(KILN_NOT_IMPLEMENTED,
         "Load model from " + path +
             " failed:it is an ONNX model, and compiling it needs Kiln's "
             "compiler library, which could not be loaded (" +
             c.error +
             "); install Kiln's tools component, set KILN_COMPILER_LIBRARY, "
             "or compile the model first (kiln-compile " +
             path + " -o model.so)");

  // The options a compiled artifact cannot honour any more, as recorded by
  // kiln_session_options_set_graph_optimization_level and friends.
  int level = 3;
  std::string recorded = options.configOr("kiln.graph_optimization_level", "");
  if (!recorded.empty())
    level = recorded == "99" ? 3 : std::atoi(recorded.c_str());
  std::vector<std::string> dims;
  const std::string dimPrefix = "kiln.free_dimension_override.";
  for (const auto &[key, value] : options.config)
    if (key.rfind(dimPrefix, 0) == 0)
      dims.push_back(key.substr(dimPrefix.size()) + "=" + value);
  bool profile = options.configOr("kiln.enable_profiling", "0") == "1";
  // ORT's AppendExecutionProvider_CUDA: PTX for the architecture of the
  // session's device (or kiln.cuda.archs), probed before compiling so that
  // a machine without one fails with the reason, not after a compile.
  // With the CPU listed too, a device that cannot be used compiles the
  // model for the CPU instead (ORT's fallback to the next provider).
  std::string cudaArchs;
  if (options.configOr(kConfigExecutionProvider, "") == "cuda") {
    cudaArchs = options.configOr(kConfigCudaArchs, "");
    if (cudaArchs.empty()) {
      try {
        cudaArchs = probeCudaDevice(cudaOptions(options).deviceId);
      } catch (const KilnError &e) {
        if (e.code() != KILN_EP_FAIL ||
            options.configOr(kConfigCudaCpuFallback, "0") != "1")
          throw;
      }
    }
  }

  Sha256 key;
  key.update("kiln-cache-c-1\n");
  Sha256 modelHash;
  modelHash.update(model);
  key.update("model " + modelHash.hex() + "\n");
  for (const std::string &location : externalLocations(model)) {
    std::string data, digest = "missing";
    if (readFile(directoryOf(path) + "/" + location, data)) {
      Sha256 h;
      h.update(data);
      digest = h.hex();
    }
    key.update("external " + location + " " + digest + "\n");
  }
  key.update("level " + std::to_string(level) + "\n");
  for (const std::string &d : dims) // config is a std::map: sorted
    key.update("dim " + d + "\n");
  key.update(std::string("profile ") + (profile ? "1" : "0") + "\n");
  if (!cudaArchs.empty())
    key.update("cuda " + cudaArchs + "\n");
  key.update("compiler " + c.identity + "\n");
  key.update("cpu native:" + hostCpuIdentity() + "\n");

  std::string dir = cacheDirectory();
  if (!makeDirectories(dir))
    fail(KILN_FAIL, "Load model from " + path +
                        " failed:cannot create the compile cache " + dir +
                        ": " + std::strerror(errno));
  std::string final = dir + "/" + key.hex() + ".so";
  struct stat st;
  if (::stat(final.c_str(), &st) == 0)
    return final;

  std::string tmp = dir + "/.kiln-XXXXXX.so";
  int fd = ::mkstemps(tmp.data(), 3);
  if (fd < 0)
    fail(KILN_FAIL, "Load model from " + path + " failed:cannot write to " +
                        dir + ": " + std::strerror(errno));
  ::close(fd);
  std::vector<const char *> dimPtrs;
  for (const std::string &d : dims)
    dimPtrs.push_back(d.c_str());
  kiln_compile_options compileOptions{};
  compileOptions.struct_size = sizeof compileOptions;
  compileOptions.opt_level = level;
  compileOptions.profile = profile;
  compileOptions.dims = dimPtrs.data();
  compileOptions.dim_count = dimPtrs.size();
  compileOptions.cuda_archs = cudaArchs.c_str();
  char *error = nullptr;
  int code = c.compile(path.c_str(), &compileOptions, tmp.c_str(), &error);
  if (code) {
    std::string message = error ? error : "the compiler failed";
    c.freeError(error);
    ::unlink(tmp.c_str());
    fail(static_cast<kiln_error_code>(code), message);
  }
  if (::rename(tmp.c_str(), final.c_str()) != 0) {
    int saved = errno;
    ::unlink(tmp.c_str());
    fail(KILN_FAIL, "Load model from " + path + " failed:cannot store " +
                        final + ": " + std::strerror(saved));
  }
  return final;
}

} // namespace kiln::rt
