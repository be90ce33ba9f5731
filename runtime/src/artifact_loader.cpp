//===- artifact_loader.cpp - dlopen and vet a Kiln artifact ---------------===//

#include "artifact_loader.h"

#include "cpu_features.h"
#include "elem_type.h"
#include "status.h"

#include "kiln/kiln_integrity.h"

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <set>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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

/// An ABI 4 table of graph values over `numSlots` tensor slots: every
/// value's slots in range, every slot carried by exactly one value, each
/// kind with the slots it needs. Without it the runtime would read or
/// assemble values from slots that are not there.
void checkValueTable(const std::string &path, const char *role,
                     const kiln_value_info_t *values, uint32_t count,
                     const kiln_tensor_info_t *slots, uint32_t numSlots,
                     uint32_t abiVersion) {
  if (!values) {
    if (count > 0)
      failLoad(KILN_INVALID_GRAPH, path,
               std::string("the artifact has no ") + role + " value table");
    return;
  }
  std::vector<bool> covered(numSlots, false);
  for (uint32_t i = 0; i < count; ++i) {
    const kiln_value_info_t &v = values[i];
    std::string what = std::string(role) + " value " + std::to_string(i);
    if (!v.name)
      failLoad(KILN_INVALID_GRAPH, path, what + " has no name");
    what += " ('" + std::string(v.name) + "')";
    if (!v.type || !*v.type)
      failLoad(KILN_INVALID_GRAPH, path, what + " has no type");
    if (v.kind > KILN_VALUE_SEQUENCE_OF_MAPS)
      failLoad(KILN_INVALID_GRAPH, path,
               what + " has unknown kind " + std::to_string(v.kind));
    // Run-time values (ABI 5) only come out of a run.
    uint32_t known = KILN_VALUE_FLAG_OPTIONAL | KILN_VALUE_FLAG_ABSENT;
    if (abiVersion >= 5 && std::strcmp(role, "output") == 0)
      known |= KILN_VALUE_FLAG_RUNTIME;
    if (v.flags & ~known)
      failLoad(KILN_INVALID_GRAPH, path,
               what + " has unknown flags " + std::to_string(v.flags));
    const bool absent = v.flags & KILN_VALUE_FLAG_ABSENT;
    if (absent && !(v.flags & KILN_VALUE_FLAG_OPTIONAL))
      failLoad(KILN_INVALID_GRAPH, path, what + " is absent but not optional");
    if (absent && v.num_slots != 0)
      failLoad(KILN_INVALID_GRAPH, path,
               what + " is absent but has " + std::to_string(v.num_slots) +
                   " slots");
    if (v.first_slot > numSlots || v.num_slots > numSlots - v.first_slot)
      failLoad(KILN_INVALID_GRAPH, path,
               what + " has slots " + std::to_string(v.first_slot) + ".." +
                   std::to_string(uint64_t(v.first_slot) + v.num_slots) +
                   " beyond the " + std::to_string(numSlots) + " " + role +
                   " tensors");
    for (uint32_t s = v.first_slot; s < v.first_slot + v.num_slots; ++s) {
      if (covered[s])
        failLoad(KILN_INVALID_GRAPH, path,
                 what + " shares " + role + " tensor " + std::to_string(s) +
                     " with another value");
      covered[s] = true;
    }
    if (absent)
      continue;
    if (v.flags & KILN_VALUE_FLAG_RUNTIME) {
      // One int64 scalar: the address of the value the run built.
      const kiln_tensor_info_t &slot = slots[v.first_slot];
      if (v.num_slots != 1 || slot.rank != 0 ||
          slot.elem_type != KILN_ELEM_INT64 ||
          (v.kind != KILN_VALUE_SEQUENCE &&
           !(v.kind == KILN_VALUE_TENSOR &&
             (v.flags & KILN_VALUE_FLAG_OPTIONAL))))
        failLoad(KILN_INVALID_GRAPH, path,
                 what + " is decided at run time but is not a sequence or "
                        "optional tensor carried by one int64 scalar");
      continue;
    }
    auto needSlots = [&](uint32_t n) {
      if (v.num_slots != n)
        failLoad(KILN_INVALID_GRAPH, path,
                 what + " needs " + std::to_string(n) + " slots, not " +
                     std::to_string(v.num_slots));
    };
    if (v.kind == KILN_VALUE_TENSOR)
      needSlots(1);
    if (v.kind == KILN_VALUE_SEQUENCE)
      for (uint32_t s = v.first_slot + 1; s < v.first_slot + v.num_slots; ++s)
        if (slots[s].elem_type != slots[v.first_slot].elem_type)
          failLoad(KILN_INVALID_GRAPH, path,
                   what + " is a sequence of tensors of different types");
    if (v.kind == KILN_VALUE_MAP || v.kind == KILN_VALUE_SEQUENCE_OF_MAPS) {
      needSlots(2);
      const kiln_tensor_info_t &keys = slots[v.first_slot];
      const kiln_tensor_info_t &vals = slots[v.first_slot + 1];
      int32_t valuesRank = v.kind == KILN_VALUE_MAP ? 1 : 2;
      if (keys.rank != 1 || vals.rank != valuesRank)
        failLoad(KILN_INVALID_GRAPH, path,
                 what + " needs keys of rank 1 and values of rank " +
                     std::to_string(valuesRank) + ", not " +
                     std::to_string(keys.rank) + " and " +
                     std::to_string(vals.rank));
      if (keys.elem_type != KILN_ELEM_INT64 &&
          keys.elem_type != KILN_ELEM_STRING)
        failLoad(KILN_INVALID_GRAPH, path,
                 what + " has keys of type " + std::to_string(keys.elem_type) +
                     " (a map's keys are int64 or string)");
    }
  }
  for (uint32_t s = 0; s < numSlots; ++s)
    if (!covered[s])
      failLoad(KILN_INVALID_GRAPH, path,
               std::string(role) + " tensor " + std::to_string(s) + " ('" +
                   slots[s].name + "') belongs to no " + role + " value");
}

/// ABI 6: the descriptor's size and, for a CUDA artifact, its kernels
/// and constants (kiln_device_kernel_t): what the session loads onto the
/// device before any code of the artifact runs.
void checkDeviceTables(const std::string &path, const kiln_artifact_t &a) {
  const bool cuda = a.provider == KILN_PROVIDER_CUDA;
  if (a.abi_version < 6) {
    if (cuda)
      failLoad(KILN_INVALID_GRAPH, path,
               "the artifact was compiled for the CUDA execution provider "
               "before ABI 6, whose device tables this runtime reads; "
               "recompile it");
    return;
  }
  if (a.struct_size < offsetof(kiln_artifact_t, device_constants) +
                          sizeof(a.device_constants))
    failLoad(KILN_INVALID_GRAPH, path,
             "the artifact's descriptor is " + std::to_string(a.struct_size) +
                 " bytes, too short for ABI " +
                 std::to_string(a.abi_version));
  const bool hasDeviceCode = a.features & KILN_ARTIFACT_FEATURE_DEVICE_CODE;
  if (cuda != hasDeviceCode)
    failLoad(KILN_INVALID_GRAPH, path,
             cuda ? "the CUDA artifact does not declare device code"
                  : "the CPU artifact declares device code");
  const bool hasCpuCopy = a.features & KILN_ARTIFACT_FEATURE_CPU_FALLBACK;
  if (hasCpuCopy && !cuda)
    failLoad(KILN_INVALID_GRAPH, path,
             "the CPU artifact declares a CPU copy of itself");
  if (hasCpuCopy &&
      (a.struct_size < offsetof(kiln_artifact_t, cpu_fallback_size) +
                           sizeof(a.cpu_fallback_size) ||
       !a.cpu_fallback || a.cpu_fallback_size == 0))
    failLoad(KILN_INVALID_GRAPH, path,
             "the artifact declares a CPU copy but does not carry one");
  if (!cuda)
    return;
  if (a.num_device_kernels > 0 && !a.device_kernels)
    failLoad(KILN_INVALID_GRAPH, path, "the artifact has no kernel table");
  if (a.num_device_constants > 0 && !a.device_constants)
    failLoad(KILN_INVALID_GRAPH, path, "the artifact has no constant table");
  for (uint32_t i = 0; i < a.num_device_kernels; ++i) {
    const kiln_device_kernel_t &k = a.device_kernels[i];
    const std::string what = "device kernel " + std::to_string(i);
    if (!k.module || !k.function || !k.params)
      failLoad(KILN_INVALID_GRAPH, path, what + " has no name or parameters");
    for (const char *p = k.params; *p; ++p)
      if (*p != 'p' && *p != 'i' && *p != 'f')
        failLoad(KILN_INVALID_GRAPH, path,
                 what + " (" + k.module + ") has a parameter of unknown kind '" +
                     std::string(1, *p) + "'");
    if (k.num_codes == 0 || !k.codes)
      failLoad(KILN_INVALID_GRAPH, path,
               what + " (" + k.module + ") has no code");
    for (uint32_t c = 0; c < k.num_codes; ++c)
      if (!k.codes[c].chip || !k.codes[c].text)
        failLoad(KILN_INVALID_GRAPH, path,
                 what + " (" + k.module + ") has a code without its chip or "
                 "text");
  }
}

void checkArtifact(const std::string &path, const kiln_artifact_t &a) {
  // The version is checked first: with another version every other field
  // may have a different layout.
  if (a.abi_version < KILN_ABI_VERSION_MIN || a.abi_version > KILN_ABI_VERSION)
    failLoad(KILN_INVALID_GRAPH, path,
             "artifact ABI version " + std::to_string(a.abi_version) +
                 " does not match the runtime's ABI version " +
                 std::to_string(KILN_ABI_VERSION) + " (it reads versions " +
                 std::to_string(KILN_ABI_VERSION_MIN) + " to " +
                 std::to_string(KILN_ABI_VERSION) +
                 "); recompile the model with a Kiln compiler matching this "
                 "runtime");
  if (a.provider != KILN_PROVIDER_CPU && a.provider != KILN_PROVIDER_CUDA)
    failLoad(KILN_INVALID_GRAPH, path,
             "unknown provider " + std::to_string(a.provider));
  checkDeviceTables(path, a);
  // Before anything can call its code: an instruction this CPU lacks
  // would be SIGILL in the first run.
  std::vector<std::string> missing = missingCpuFeatures(a.cpu_features);
  if (!missing.empty()) {
    std::string names;
    for (const std::string &name : missing)
      names += (names.empty() ? "" : ", ") + name;
    std::string cpu = a.cpu_name && *a.cpu_name
                          ? std::string(" (--mcpu=") + a.cpu_name + ")"
                          : std::string();
    failLoad(KILN_FAIL, path,
             "the artifact was compiled for a CPU" + cpu +
                 " with features this machine lacks: " + names +
                 "; recompile the model for this CPU (kiln-compile "
                 "--mcpu=native) or for a level it has (--mcpu=x86-64-v2, "
                 "x86-64-v3, x86-64-v4)");
  }
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
  // ABI 3 descriptors end before the value tables.
  if (a.abi_version >= 4) {
    checkValueTable(path, "input", a.input_values, a.num_input_values, a.inputs,
                    a.num_inputs, a.abi_version);
    checkValueTable(path, "output", a.output_values, a.num_output_values,
                    a.outputs, a.num_outputs, a.abi_version);
  }
}

uint64_t readLe64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = v << 8 | p[i];
  return v;
}

/// Whether the ELF file of `size` bytes at `data` holds everything its
/// headers point at (a 64-bit little-endian one; other files are left to
/// dlopen's verdict): a truncated artifact, which dlopen maps anyway, dies
/// of SIGBUS on the first page past the end.
std::string elfExtentError(const unsigned char *data, uint64_t size) {
  if (size < EI_NIDENT || std::memcmp(data, ELFMAG, SELFMAG) != 0 ||
      data[EI_CLASS] != ELFCLASS64 || size < sizeof(Elf64_Ehdr))
    return "";
  Elf64_Ehdr eh;
  std::memcpy(&eh, data, sizeof eh);
  auto within = [&](uint64_t offset, uint64_t count, uint64_t each) {
    return offset <= size && count <= (size - offset) / (each ? each : 1);
  };
  if (!within(eh.e_phoff, eh.e_phnum, eh.e_phentsize) ||
      !within(eh.e_shoff, eh.e_shnum, eh.e_shentsize))
    return "its headers point past its " + std::to_string(size) + " bytes";
  // kiln-compile's trailer follows the section headers: found there and
  // not at the end (or only its start), the copy was extended or cut.
  uint64_t headersEnd = eh.e_shoff + uint64_t(eh.e_shnum) * eh.e_shentsize;
  uint64_t after = size - headersEnd;
  if (eh.e_shnum && after > 0 &&
      std::memcmp(data + headersEnd, KILN_TRAILER_MAGIC,
                  after < 8 ? after : 8) == 0)
    return after < KILN_TRAILER_SIZE
               ? "it ends " + std::to_string(after) +
                     " bytes into the trailer kiln-compile wrote (a "
                     "truncated copy)"
               : "it holds " + std::to_string(after - KILN_TRAILER_SIZE) +
                     " bytes after the trailer kiln-compile wrote (an "
                     "extended copy)";
  // A trailer's room after the headers, but no trailer's magic there.
  if (eh.e_shnum && after == KILN_TRAILER_SIZE)
    return "its integrity trailer is damaged";
  if (eh.e_phentsize >= sizeof(Elf64_Phdr))
    for (uint16_t i = 0; i < eh.e_phnum; ++i) {
      Elf64_Phdr ph;
      std::memcpy(&ph, data + eh.e_phoff + uint64_t(i) * eh.e_phentsize,
                  sizeof ph);
      if (ph.p_type == PT_LOAD && !within(ph.p_offset, ph.p_filesz, 1))
        return "a segment ends at byte " +
               std::to_string(ph.p_offset + ph.p_filesz) + " of " +
               std::to_string(size);
    }
  return "";
}

/// KILN_SKIP_ARTIFACT_CHECKSUM=1 skips the checksum (about 0.1 s a GB of
/// weights at load); sizes and headers are still checked.
bool skipChecksum() {
  const char *value = std::getenv("KILN_SKIP_ARTIFACT_CHECKSUM");
  return value && std::strcmp(value, "1") == 0;
}

/// The checksum in the integrity trailer of the `size` bytes at `bytes`, 0
/// without one.
uint64_t trailerChecksum(const unsigned char *bytes, uint64_t size) {
  if (size < KILN_TRAILER_SIZE ||
      std::memcmp(bytes + size - KILN_TRAILER_SIZE, KILN_TRAILER_MAGIC, 8) != 0)
    return 0;
  return readLe64(bytes + size - KILN_TRAILER_SIZE + 16);
}

/// Refuses the artifact open as `fd`, of `size` bytes, if it is damaged
/// (artifactDamage); returns its trailer's checksum (trailerChecksum).
uint64_t checkIntegrity(const std::string &path, int fd, uint64_t size) {
  if (size == 0)
    failLoad(KILN_INVALID_GRAPH, path, "not a Kiln artifact: the file is empty");
  void *map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED)
    failLoad(KILN_FAIL, path, std::string("mmap: ") + std::strerror(errno));
  const auto *bytes = static_cast<const unsigned char *>(map);
  bool elf = size >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' &&
             bytes[2] == 'L' && bytes[3] == 'F';
  std::string problem = artifactDamage(bytes, size);
  uint64_t checksum = trailerChecksum(bytes, size);
  ::munmap(map, size);
  // An ONNX model handed to the runtime (as ORT programs do): say what to
  // do instead of "invalid ELF header".
  if (!elf && path.size() > 5 &&
      path.compare(path.size() - 5, 5, ".onnx") == 0)
    failLoad(KILN_NOT_IMPLEMENTED, path,
             path + " is an ONNX model, and the C/C++ runtime only loads "
                    "models compiled by Kiln: compile it first (kiln-compile " +
                 path +
                 " -o model.so, or a kiln.InferenceSession in Python, which "
                 "compiles it)");
  if (!problem.empty())
    failLoad(KILN_INVALID_GRAPH, path,
             "the artifact is damaged: " + problem + "; compile the model again");
  return checksum;
}

/// Every artifact loaded, by dlopen handle: the identity of the file it was
/// loaded from and how many LoadedArtifacts hold it. glibc hands out the
/// library it already has for a file with the same device and inode, so a
/// file rewritten in place would serve the old code (its pages partly the
/// new bytes): such a load is refused.
struct FileIdentity {
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
  /// The integrity trailer's checksum: bytes rewritten keeping the size and
  /// the modification time (os.utime, cp -p) differ in it.
  uint64_t checksum;
  bool operator==(const FileIdentity &o) const {
    return dev == o.dev && ino == o.ino && size == o.size &&
           mtime.tv_sec == o.mtime.tv_sec && mtime.tv_nsec == o.mtime.tv_nsec &&
           checksum == o.checksum;
  }
};
std::mutex loadedMutex;
std::map<void *, std::pair<FileIdentity, int>> loadedHandles;
/// Every name each loaded artifact was dlopened under. glibc remembers a
/// second name for a library it found already loaded from the same file
/// (two sessions of one model), but dl_iterate_phdr reports only the first:
/// without this, a later artifact opened under that descriptor name would
/// be handed the earlier library.
std::map<void *, std::set<std::string>> loadedNames;

/// A /proc/self/fd path for the file open as fds.fds.front() under which no
/// loaded library was opened (glibc identifies libraries by that name
/// first, and a descriptor number is reused once closed): new duplicates
/// are kept open in `fds` until loading is done. Empty if none is found.
std::string unusedProcName(ProcFds &fds) {
  // The names of the loaded libraries (dlopen with RTLD_NOLOAD would also
  // match a library loaded from the same file under another name).
  std::set<std::string> names;
  ::dl_iterate_phdr(
      [](struct dl_phdr_info *info, size_t, void *data) {
        if (info->dlpi_name)
          static_cast<std::set<std::string> *>(data)->insert(info->dlpi_name);
        return 0;
      },
      &names);
  for (const auto &entry : loadedNames)
    names.insert(entry.second.begin(), entry.second.end());
  constexpr int kMaxAttempts = 64;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    std::string path = "/proc/self/fd/" + std::to_string(fds.fds.back());
    if (!names.count(path))
      return path;
    int again = ::dup(fds.fds.front());
    if (again < 0)
      return "";
    fds.fds.push_back(again);
  }
  return "";
}

} // namespace

std::string artifactDamage(const unsigned char *data, uint64_t size) {
  if (size >= KILN_TRAILER_SIZE &&
      std::memcmp(data + size - KILN_TRAILER_SIZE, KILN_TRAILER_MAGIC, 8) ==
          0) {
    const unsigned char *trailer = data + size - KILN_TRAILER_SIZE;
    uint64_t payload = readLe64(trailer + 8), sum = readLe64(trailer + 16);
    if (payload != size - KILN_TRAILER_SIZE)
      return "it holds " + std::to_string(size - KILN_TRAILER_SIZE) +
             " bytes where kiln-compile wrote " + std::to_string(payload) +
             " (a truncated or extended copy)";
    if (!skipChecksum() && kiln_checksum(data, payload) != sum)
      return "its checksum does not match its bytes (a damaged copy)";
    return "";
  }
  return elfExtentError(data, size);
}

ProcFds::~ProcFds() {
  for (int fd : fds)
    ::close(fd);
}

std::unique_ptr<LoadedArtifact> LoadedArtifact::load(const std::string &path) {
  checkFileExists(path);

  // The bytes are vetted, then loaded, through one descriptor: what
  // dlopen maps is what was checked, and a file since replaced at the path
  // is the new file (glibc matches names before files: the path itself
  // would return a library loaded from it earlier).
  ProcFds fds;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    failLoad(KILN_NO_SUCHFILE, path,
             "Load model " + path + " failed. " + std::strerror(errno));
  fds.fds.push_back(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0)
    failLoad(KILN_FAIL, path, std::string("fstat: ") + std::strerror(errno));
  uint64_t checksum =
      checkIntegrity(path, fd, static_cast<uint64_t>(st.st_size));
  FileIdentity identity{st.st_dev, st.st_ino, st.st_size, st.st_mtim, checksum};
  std::unique_lock<std::mutex> lock(loadedMutex);
  std::string openPath = unusedProcName(fds);
  if (openPath.empty()) {
    lock.unlock();
    failLoad(KILN_RUNTIME_EXCEPTION, path,
             "no unused name to load the artifact under");
  }
  void *handle = ::dlopen(openPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *err = ::dlerror();
    std::string reason = err ? err : "dlopen failed";
    // dlerror names the file by the descriptor it was opened through.
    for (size_t pos = reason.find(openPath); pos != std::string::npos;
         pos = reason.find(openPath, pos + path.size()))
      reason.replace(pos, openPath.size(), path);
    lock.unlock();
    failLoad(KILN_INVALID_GRAPH, path,
             "not a loadable Kiln artifact: " + reason);
  }
  auto [entry, fresh] = loadedHandles.try_emplace(handle, identity, 0);
  if (!fresh && !(entry->second.first == identity)) {
    ::dlclose(handle);
    lock.unlock();
    failLoad(KILN_FAIL, path,
             "the artifact was rewritten in place while another session "
             "holds it (the process would run the old code); write a new "
             "artifact to another file and rename it over this one");
  }
  ++entry->second.second;
  loadedNames[handle].insert(openPath);
  lock.unlock();

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
    release(handle);
    throw;
  }
  return loaded;
}

std::unique_ptr<LoadedArtifact>
LoadedArtifact::fromDescriptor(const kiln_artifact_t *artifact,
                               const std::string &name) {
  if (!artifact)
    failLoad(KILN_INVALID_ARGUMENT, name, "the artifact descriptor is NULL");
  checkArtifact(name, *artifact);
  return std::unique_ptr<LoadedArtifact>(
      new LoadedArtifact(nullptr, artifact, name));
}

void LoadedArtifact::release(void *handle) {
  if (!handle)
    return;
  {
    std::lock_guard<std::mutex> lock(loadedMutex);
    auto it = loadedHandles.find(handle);
    if (it != loadedHandles.end() && --it->second.second == 0) {
      loadedHandles.erase(it);
      loadedNames.erase(handle);
    }
  }
  ::dlclose(handle);
}

LoadedArtifact::~LoadedArtifact() { release(handle_); }

} // namespace kiln::rt
