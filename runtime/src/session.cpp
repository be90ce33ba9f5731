//===- session.cpp - kiln_session: loading and running --------------------===//

#include "session.h"
#include "onnx_compile.h"

#include "alloc_hooks.h"
#include "artifact_bytes.h"
#include "elem_type.h"
#include "input_validation.h"
#include "kiln_internal.h"
#include "memref.h"
#include "status.h"
#include "string_values.h"
#include "value.h"

#include <algorithm>
#include <cstring>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace kiln::rt;

kiln_session::kiln_session(std::unique_ptr<LoadedArtifact> loadedArtifact,
                           std::unique_ptr<CudaDevice> cudaDevice,
                           kiln_session_options sessionOptions)
    : loaded(std::move(loadedArtifact)), options(std::move(sessionOptions)),
      signature(loaded->artifact()),
      checkSymbolicDims(options.configOr(kConfigCheckSymbolicDims, "1") != "0"),
      device(std::move(cudaDevice)), threads(options.intraOpNumThreads) {
  if (options.configOr(kConfigEnableProfiling, "0") == "1")
    profiler = std::make_unique<Profiler>(artifact());
  if (device)
    contexts.setDevice(device.get());
  // "key\0value\0key\0value\0\0"
  if (const char *p = artifact().metadata) {
    while (*p) {
      const char *key = p;
      p += std::strlen(p) + 1;
      const char *value = p;
      p += std::strlen(p) + 1;
      metadata.emplace_back(key, value);
    }
  }
}

namespace {

/// Ends the arena's run on every path out of kiln_session::run, so blocks
/// are returned even when copying the outputs fails; a CUDA run first
/// waits for its kernels, which may still use them.
struct EndRunGuard {
  RunContext &ctx;
  ~EndRunGuard() {
    (void)finishDeviceWork(ctx);
    ctx.arena.endRun();
  }
};

/// Parses a non-negative integer option; throws INVALID_ARGUMENT.
uint64_t parseCount(const std::string &key, const std::string &text) {
  uint64_t value = 0;
  bool ok = !text.empty() && text.size() <= 19;
  for (char c : text) {
    ok = ok && c >= '0' && c <= '9';
    value = value * 10 + uint64_t(c - '0');
  }
  if (!ok)
    fail(KILN_INVALID_ARGUMENT, "session option " + key +
                                    " must be a non-negative integer, got '" +
                                    text + "'");
  return value;
}

} // namespace

CudaOptions kiln::rt::cudaOptions(const kiln_session_options &options) {
  CudaOptions out;
  uint64_t id = parseCount(kConfigCudaDeviceId,
                           options.configOr(kConfigCudaDeviceId, "0"));
  if (id > 1u << 20)
    fail(KILN_INVALID_ARGUMENT, "session option " +
                                    std::string(kConfigCudaDeviceId) + " " +
                                    std::to_string(id) + " is out of range");
  out.deviceId = static_cast<int>(id);
  out.memoryLimit = parseCount(kConfigCudaMemLimit,
                               options.configOr(kConfigCudaMemLimit, "0"));
  return out;
}

namespace {

/// Whether `a` and `b` take and give the same tensors (names, element
/// types, ranks): a CUDA artifact's CPU copy must be the same model.
bool sameTensors(const kiln_artifact_t &a, const kiln_artifact_t &b) {
  auto same = [](const kiln_tensor_info_t *x, const kiln_tensor_info_t *y,
                 uint32_t n) {
    for (uint32_t i = 0; i < n; ++i)
      if (std::strcmp(x[i].name, y[i].name) != 0 ||
          x[i].elem_type != y[i].elem_type || x[i].rank != y[i].rank)
        return false;
    return true;
  };
  return a.num_inputs == b.num_inputs && a.num_outputs == b.num_outputs &&
         same(a.inputs, b.inputs, a.num_inputs) &&
         same(a.outputs, b.outputs, a.num_outputs);
}

} // namespace

kiln_session *kiln::rt::openSession(std::unique_ptr<LoadedArtifact> loaded,
                                    kiln_session_options options) {
  std::unique_ptr<CudaDevice> device;
  std::string fallbackReason;
  const kiln_artifact_t &a = loaded->artifact();
  if (a.provider == KILN_PROVIDER_CUDA) {
    try {
      device = std::make_unique<CudaDevice>(a, cudaOptions(options));
    } catch (const KilnError &e) {
      if (e.code() != KILN_EP_FAIL ||
          options.configOr(kConfigCudaCpuFallback, "0") != "1")
        throw;
      if (!(a.features & KILN_ARTIFACT_FEATURE_CPU_FALLBACK))
        fail(KILN_EP_FAIL,
             std::string(e.what()) +
                 "; the artifact carries no CPU copy of the model to fall "
                 "back to (compile it with kiln-compile --provider=cuda,cpu)");
      // The copy's bytes live in the CUDA artifact, which is unloaded only
      // once the copy is loaded from a file of its own.
      std::unique_ptr<LoadedArtifact> copy = loadArtifactFromBytes(
          a.cpu_fallback, static_cast<size_t>(a.cpu_fallback_size));
      if (copy->artifact().provider != KILN_PROVIDER_CPU ||
          !sameTensors(a, copy->artifact()))
        fail(KILN_INVALID_GRAPH, "the CPU copy the CUDA artifact carries is "
                                 "not a CPU artifact of the same model");
      loaded = std::move(copy);
      fallbackReason = e.what();
    }
  }
  auto *session = new kiln_session(std::move(loaded), std::move(device),
                                   std::move(options));
  session->cpuFallbackReason = std::move(fallbackReason);
  return session;
}

namespace {

/// A CUDA run: every input's elements copied into device memory from the
/// run's arena, and its descriptor (`words`) pointed there; kernels cannot
/// read the caller's host buffers. Empty tensors keep their pointer, and
/// device values in managed memory are read in place.
void copyInputsToDevice(RunContext &ctx, const IoSignature &sig) {
  size_t pos = 0;
  for (uint32_t i = 0; i < sig.numInputs; ++i) {
    int64_t *words = &ctx.inputWords[pos];
    pos += descriptorWords(sig.inputs[i].rank);
    const kiln_value &input = *ctx.byInput[i];
    // A device value the host schedule may read (managed memory) goes to
    // the launches as it is: no copy at all.
    if (input.device && input.hostAccessible)
      continue;
    const size_t elemSize = isPackedElemType(input.elemType)
                                ? 1
                                : elemTypeSize(input.elemType);
    const size_t bytes = static_cast<size_t>(input.elementCount) * elemSize;
    if (bytes == 0)
      continue;
    void *copy = ctx.arena.allocate(bytes, Arena::kMinAlignment);
    if (!copy)
      fail(KILN_FAIL,
           "Failed to allocate memory for requested buffer of size " +
               std::to_string(bytes) + " (input '" + sig.inputs[i].name +
               "' on the CUDA device)");
    // The descriptor already points at the dense elements the artifact
    // reads (the unpacked bytes of a packed type).
    const void *from = reinterpret_cast<const void *>(
        static_cast<uintptr_t>(words[1]));
    // Plain device memory (bound by the caller) is copied on the device.
    if (input.device)
      input.device->copy(copy, from, bytes);
    else
      std::memcpy(copy, from, bytes);
    words[0] = words[1] =
        static_cast<int64_t>(reinterpret_cast<uintptr_t>(copy));
    words[2] = 0;
  }
}

/// Device values meet only a CUDA session on their own device: `what`
/// ("input 'x'") is on the device of `value`, or none.
void checkValueDevice(const CudaDevice *device, const kiln_value &value,
                      const std::string &what) {
  if (!value.device)
    return;
  if (!device)
    fail(KILN_INVALID_ARGUMENT,
         what + " is on " + deviceDescription(value) +
             ", but the session runs on the CPU (CPUExecutionProvider): "
             "copy it to the host, or open the session with "
             "CUDAExecutionProvider");
  if (value.device->deviceId() != device->memory().deviceId())
    fail(KILN_INVALID_ARGUMENT,
         what + " is on " + deviceDescription(value) +
             ", but the session runs on CUDA device " +
             std::to_string(device->memory().deviceId()));
}

/// Copies a run's output `view` (in host-readable memory: the run's
/// managed arena, an input, a host constant) into device value `dst`:
/// straight from where it lies when it is dense, else gathered on the host
/// first (an output that is a strided view of another tensor).
void copyOutputToDevice(const DescriptorView &view, size_t elemSize,
                        kiln_value &dst) {
  if (isDenseRowMajor(view)) {
    dst.device->copy(dst.data,
                     static_cast<const char *>(view.aligned()) +
                         view.offset() * static_cast<int64_t>(elemSize),
                     dst.byteSize);
    return;
  }
  std::vector<uint8_t> dense(dst.byteSize);
  copyToDense(view, elemSize, dense.data());
  dst.device->copy(dst.data, dense.data(), dense.size());
}

std::string shapeString(const int64_t *dims, size_t rank) {
  // ORT's TensorShape printing: {2,3}
  std::string out = "{";
  for (size_t d = 0; d < rank; ++d) {
    if (d)
      out += ",";
    out += std::to_string(dims[d]);
  }
  return out + "}";
}

void checkProducedOutput(const kiln_tensor_info_t &info,
                         const DescriptorView &view) {
  bool empty = false;
  for (int32_t d = 0; d < view.rank(); ++d) {
    if (view.sizes()[d] < 0)
      fail(KILN_ENGINE_ERROR, std::string("the artifact produced output ") +
                                  info.name + " with negative size " +
                                  std::to_string(view.sizes()[d]));
    empty |= view.sizes()[d] == 0;
  }
  if (!empty && !view.aligned())
    fail(KILN_ENGINE_ERROR, std::string("the artifact produced output ") +
                                info.name + " without a buffer");
}

void checkPreallocatedShape(const kiln_value &value,
                            const DescriptorView &view) {
  size_t rank = static_cast<size_t>(view.rank());
  bool same = value.shape.size() == rank &&
              std::equal(value.shape.begin(), value.shape.end(), view.sizes());
  if (same)
    return;
  // ORT's text for a preallocated output of the wrong shape.
  fail(KILN_FAIL,
       "Shape mismatch attempting to re-use buffer. " +
           shapeString(value.shape.data(), value.shape.size()) +
           " != " + shapeString(view.sizes(), rank) +
           ". Validate usage of dim_value (values should be > 0) and "
           "dim_param (all values with the same string should equate to the "
           "same size) in shapes in the model.");
}

/// Outputs at least this big are handed over from the arena, not copied.
constexpr size_t kAdoptMinBytes = 4096;

size_t denseBytes(const DescriptorView &view, size_t elemSize) {
  size_t bytes = elemSize;
  for (int32_t d = 0; d < view.rank(); ++d)
    bytes *= static_cast<size_t>(view.sizes()[d]);
  return bytes;
}

} // namespace

void kiln_session::run(const char *const *inputNames,
                       const kiln_value *const *inputs, size_t numFeeds,
                       const char *const *outputNames, size_t numRequested,
                       kiln_value **outputs, const int32_t *outputDevices) {
  // Models of tensors only (nearly all) go straight to the slots: nothing
  // is added to their runs.
  if (!signature.hasValues) {
    runSlots(inputNames, inputs, numFeeds, outputNames, numRequested, outputs,
             outputDevices);
    return;
  }
  for (size_t o = 0; outputDevices && o < numRequested; ++o)
    if (outputDevices[o] != KILN_DEVICE_CPU)
      fail(KILN_NOT_IMPLEMENTED,
           "the outputs of a model with sequences, maps or optionals at its "
           "edges are allocated on the host only (bind a device tensor to "
           "a tensor output instead)");
  runValues(inputNames, inputs, numFeeds, outputNames, numRequested, outputs);
}

namespace {

std::string describe(const ValueInfo &v) {
  return "input '" + std::string(v.name) + "' (" + v.type + ")";
}

/// Appends the slots carrying input `v` fed `fed` to `slotNames` and
/// `slotValues`, checking that `fed` is what the artifact was compiled
/// for. Tensors made here (a sequence of maps' keys and values) go to
/// `temps`, which outlives the run.
void flattenInput(const IoSignature &sig, const ValueInfo &v,
                  const kiln_value &fed, std::vector<const char *> &slotNames,
                  std::vector<const kiln_value *> &slotValues,
                  std::vector<std::unique_ptr<kiln_value>> &temps) {
  const std::string name = v.name;
  if (fed.kind == KILN_ONNX_TYPE_OPTIONAL) {
    if (!(v.flags & KILN_VALUE_FLAG_OPTIONAL))
      fail(KILN_INVALID_ARGUMENT,
           describe(v) + " is not optional: it cannot be fed None");
    if (!(v.flags & KILN_VALUE_FLAG_ABSENT))
      fail(KILN_INVALID_ARGUMENT,
           describe(v) +
               " was compiled with a value, so it cannot be fed None: compile "
               "the model for None (kiln-compile --optional-absent " +
               name + ")");
    return;
  }
  if (v.flags & KILN_VALUE_FLAG_ABSENT)
    fail(KILN_INVALID_ARGUMENT,
         describe(v) +
             " was compiled for None (kiln-compile --optional-absent " + name +
             "), so it must be fed None; compile the model without "
             "--optional-absent " +
             name + " to feed it " + kindDescription(fed));
  auto expectKind = [&](int32_t kind, const char *what) {
    if (fed.kind != kind)
      fail(KILN_INVALID_ARGUMENT,
           describe(v) + " takes " + what + ", not " + kindDescription(fed));
  };
  const kiln_tensor_info_t *slots = sig.inputs + v.firstSlot;
  auto push = [&](uint32_t slot, const kiln_value *value) {
    slotNames.push_back(slots[slot].name);
    slotValues.push_back(value);
  };
  switch (v.kind) {
  case KILN_VALUE_TENSOR:
    expectKind(KILN_ONNX_TYPE_TENSOR, "a tensor");
    push(0, &fed);
    return;
  case KILN_VALUE_MAP:
    expectKind(KILN_ONNX_TYPE_MAP, "a map");
    push(0, fed.elements[0].get());
    push(1, fed.elements[1].get());
    return;
  case KILN_VALUE_SEQUENCE: {
    expectKind(KILN_ONNX_TYPE_SEQUENCE, "a sequence of tensors");
    size_t n = fed.elements.size();
    if (n != v.numSlots)
      fail(KILN_INVALID_ARGUMENT,
           "input '" + name + "' is a sequence of " + std::to_string(n) +
               " tensors; the artifact was compiled for " +
               std::to_string(v.numSlots) +
               " (kiln-compile --sequence-length " + name + "=" +
               std::to_string(n) + ")");
    for (uint32_t i = 0; i < v.numSlots; ++i) {
      if (fed.elements[i]->kind != KILN_ONNX_TYPE_TENSOR)
        fail(KILN_INVALID_ARGUMENT,
             describe(v) + " takes a sequence of tensors; element " +
                 std::to_string(i) + " is " +
                 kindDescription(*fed.elements[i]));
      push(i, fed.elements[i].get());
    }
    return;
  }
  case KILN_VALUE_SEQUENCE_OF_MAPS: {
    expectKind(KILN_ONNX_TYPE_SEQUENCE, "a sequence of maps");
    // The artifact takes keys [C] and values [N, C]: every map must have
    // the first one's keys, in its order.
    const auto &maps = fed.elements;
    for (size_t i = 0; i < maps.size(); ++i)
      if (maps[i]->kind != KILN_ONNX_TYPE_MAP)
        fail(KILN_INVALID_ARGUMENT,
             describe(v) + " takes a sequence of maps; element " +
                 std::to_string(i) + " is " + kindDescription(*maps[i]));
    if (maps.empty()) {
      int64_t zero[2] = {0, 0};
      temps.emplace_back(createOwningTensor(slots[0].elem_type, zero, 1));
      push(0, temps.back().get());
      temps.emplace_back(createOwningTensor(slots[1].elem_type, zero, 2));
      push(1, temps.back().get());
      return;
    }
    const kiln_value &keys = *maps[0]->elements[0];
    const kiln_value &vals0 = *maps[0]->elements[1];
    const int64_t c = keys.elementCount;
    const size_t keyBytes = elemTypeSize(keys.elemType);
    const size_t rowBytes = vals0.byteSize;
    for (size_t i = 1; i < maps.size(); ++i) {
      const kiln_value &k = *maps[i]->elements[0];
      const kiln_value &vals = *maps[i]->elements[1];
      bool same = k.elemType == keys.elemType && k.elementCount == c &&
                  vals.elemType == vals0.elemType;
      for (int64_t j = 0; same && j < c; ++j) {
        if (keys.elemType == KILN_ELEM_STRING)
          same =
              std::strcmp(static_cast<const char *const *>(k.data)[j],
                          static_cast<const char *const *>(keys.data)[j]) == 0;
        else
          same =
              std::memcmp(static_cast<const char *>(k.data) + j * keyBytes,
                          static_cast<const char *>(keys.data) + j * keyBytes,
                          keyBytes) == 0;
      }
      if (!same)
        fail(KILN_INVALID_ARGUMENT,
             describe(v) + ": map " + std::to_string(i) +
                 " does not have map 0's keys in map 0's order (the "
                 "artifact takes one set of keys for all the maps)");
    }
    push(0, &keys);
    int64_t shape[2] = {static_cast<int64_t>(maps.size()), c};
    temps.emplace_back(
        createOwningTensor(vals0.elemType, shape, 2, /*zeroFill=*/false));
    auto *dst = static_cast<char *>(temps.back()->data);
    for (size_t i = 0; i < maps.size(); ++i)
      if (rowBytes)
        std::memcpy(dst + i * rowBytes, maps[i]->elements[1]->data, rowBytes);
    push(1, temps.back().get());
    return;
  }
  default:
    fail(KILN_INVALID_GRAPH, describe(v) + " has an unknown kind");
  }
}

/// The order ORT's std::map iterates `keys` (a rank-1 int64 or string
/// tensor) in: ascending, stable for equal keys. Empty when already so.
std::vector<size_t> sortedKeyOrder(const kiln_value &keys) {
  const size_t n = static_cast<size_t>(keys.elementCount);
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i)
    order[i] = i;
  auto less = [&](size_t a, size_t b) {
    if (keys.elemType == KILN_ELEM_STRING) {
      auto *k = static_cast<const char *const *>(keys.data);
      return std::strcmp(k[a], k[b]) < 0;
    }
    auto *k = static_cast<const int64_t *>(keys.data);
    return k[a] < k[b];
  };
  if (std::is_sorted(order.begin(), order.end(), less))
    return {};
  std::stable_sort(order.begin(), order.end(), less);
  return order;
}

/// Reorders the `order.size()` elements of `elemSize` bytes at `data`
/// (`copy` is scratch space, reused between calls).
void permute(void *data, size_t elemSize, const std::vector<size_t> &order,
             std::vector<char> &copy) {
  copy.assign(static_cast<char *>(data),
              static_cast<char *>(data) + order.size() * elemSize);
  for (size_t i = 0; i < order.size(); ++i)
    std::memcpy(static_cast<char *>(data) + i * elemSize,
                copy.data() + order[i] * elemSize, elemSize);
}

/// The value of output `v` from its slots' values (taken over). Maps come
/// out with their keys in ascending order, as ORT's (a std::map).
std::unique_ptr<kiln_value>
assembleOutput(const ValueInfo &v, const kiln_tensor_info_t *slots,
               std::vector<std::unique_ptr<kiln_value>> parts) {
  // Read from the run's memory when the run ended (runSlots).
  if (v.flags & KILN_VALUE_FLAG_RUNTIME)
    return std::move(parts[0]);
  auto out = std::make_unique<kiln_value>();
  if (v.flags & KILN_VALUE_FLAG_ABSENT) {
    out->kind = KILN_ONNX_TYPE_OPTIONAL;
    return out;
  }
  switch (v.kind) {
  case KILN_VALUE_TENSOR:
    return std::move(parts[0]);
  case KILN_VALUE_SEQUENCE:
    out->kind = KILN_ONNX_TYPE_SEQUENCE;
    out->elemType = v.numSlots ? slots[0].elem_type : v.elemType;
    for (auto &part : parts)
      out->elements.push_back(std::move(part));
    return out;
  case KILN_VALUE_MAP: {
    out->kind = KILN_ONNX_TYPE_MAP;
    const kiln_value &keys = *parts[0];
    kiln_value &vals = *parts[1];
    if (vals.elementCount != keys.elementCount)
      fail(KILN_ENGINE_ERROR,
           "the artifact produced output " + std::string(v.name) + " with " +
               std::to_string(keys.elementCount) + " keys for " +
               std::to_string(vals.elementCount) + " values");
    std::vector<size_t> order = sortedKeyOrder(keys);
    if (!order.empty()) {
      std::vector<char> scratch;
      permute(parts[0]->data, elemTypeSize(keys.elemType), order, scratch);
      permute(vals.data, elemTypeSize(vals.elemType), order, scratch);
    }
    out->elements.push_back(std::move(parts[0]));
    out->elements.push_back(std::move(parts[1]));
    return out;
  }
  case KILN_VALUE_SEQUENCE_OF_MAPS: {
    // keys [C], values [N, C] -> N maps, map i: keys -> values[i, :]. The
    // maps share the keys and view the rows of the values, which they keep
    // alive: a ZipMap over a large batch makes no copy per row.
    out->kind = KILN_ONNX_TYPE_SEQUENCE;
    std::shared_ptr<kiln_value> keys(std::move(parts[0]));
    std::shared_ptr<kiln_value> vals(std::move(parts[1]));
    const int64_t n = vals->shape[0], c = vals->shape[1];
    if (keys->shape[0] != c)
      fail(KILN_ENGINE_ERROR,
           "the artifact produced output " + std::string(v.name) + " with " +
               std::to_string(keys->shape[0]) + " keys for " +
               std::to_string(c) + " values per map");
    const size_t rowBytes = tensorDataBytes(vals->elemType, size_t(c));
    std::vector<size_t> order = sortedKeyOrder(*keys);
    if (!order.empty()) {
      std::vector<char> scratch;
      permute(keys->data, elemTypeSize(keys->elemType), order, scratch);
      for (int64_t i = 0; i < n; ++i)
        permute(static_cast<char *>(vals->data) + size_t(i) * rowBytes,
                elemTypeSize(vals->elemType), order, scratch);
    }
    // The N maps and their N rows live in two arrays, shared by pointers
    // into them (shared_ptr's aliasing constructor): a few allocations for
    // the whole batch instead of a few per map. The maps point at the rows'
    // array, never the other way, so no cycle keeps them alive.
    using Values = std::unique_ptr<kiln_value[]>;
    auto rows = std::make_shared<Values>(new kiln_value[size_t(n)]);
    auto maps = std::make_shared<Values>(new kiln_value[size_t(n)]);
    out->elements.reserve(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
      kiln_value &row = (*rows)[i];
      row.elemType = vals->elemType;
      row.shape.assign(1, c);
      row.elementCount = c;
      row.byteSize = rowBytes;
      row.data = static_cast<char *>(vals->data) + size_t(i) * rowBytes;
      kiln_value &map = (*maps)[i];
      map.kind = KILN_ONNX_TYPE_MAP;
      map.elements.reserve(2);
      map.elements.push_back(keys);
      map.elements.emplace_back(rows, &row);
      out->elements.emplace_back(maps, &map);
    }
    // The rows view the values: the rows' array keeps them alive.
    if (n > 0)
      (*rows)[0].keepAlive = vals;
    return out;
  }
  default:
    fail(KILN_INVALID_GRAPH,
         "output '" + std::string(v.name) + "' has an unknown kind");
  }
}

/// An owning copy of the tensor the run built at `t` (ABI 5).
std::unique_ptr<kiln_value> copyRunTensor(const std::string &name,
                                          const kiln_run_tensor_t *t) {
  if (!t || t->rank < 0 || t->rank > 1024 || (t->rank && !t->dims) ||
      !elemTypeName(static_cast<int32_t>(t->elem_type)))
    fail(KILN_ENGINE_ERROR,
         "the artifact produced a malformed tensor in output '" + name + "'");
  const auto elemType = static_cast<int32_t>(t->elem_type);
  std::unique_ptr<kiln_value> out(
      createOwningTensor(elemType, t->dims, static_cast<size_t>(t->rank),
                         /*zeroFill=*/false));
  const size_t count = static_cast<size_t>(out->elementCount);
  if (isPackedElemType(elemType))
    packElements(elemType, static_cast<const uint8_t *>(t->data), count,
                 out->data);
  else if (count)
    std::memcpy(out->data, t->data, tensorDataBytes(elemType, count));
  // Strings point into the run's memory, reset when the run ends.
  if (elemType == KILN_ELEM_STRING)
    ownStrings(*out);
  return out;
}

/// The value of run-time output `v` (KILN_VALUE_FLAG_RUNTIME) whose
/// kiln_run_sequence_t the run built at `address`, copied out of the run's
/// memory: a sequence, None, or an optional's tensor.
std::unique_ptr<kiln_value> readRunValue(const ValueInfo &v, int64_t address) {
  const std::string name = v.name;
  auto out = std::make_unique<kiln_value>();
  if (address == 0) {
    if (!(v.flags & KILN_VALUE_FLAG_OPTIONAL))
      fail(KILN_ENGINE_ERROR,
           "the artifact produced no value for output '" + name + "'");
    out->kind = KILN_ONNX_TYPE_OPTIONAL;
    return out;
  }
  const auto *seq = reinterpret_cast<const kiln_run_sequence_t *>(
      static_cast<uintptr_t>(address));
  if (seq->length < 0 || (seq->length && !seq->elements))
    fail(KILN_ENGINE_ERROR,
         "the artifact produced a malformed sequence for output '" + name +
             "'");
  if (v.kind == KILN_VALUE_TENSOR) {
    // An optional tensor: the sequence of that one tensor.
    if (seq->length != 1)
      fail(KILN_ENGINE_ERROR,
           "the artifact produced " + std::to_string(seq->length) +
               " tensors for optional output '" + name + "'");
    return copyRunTensor(name, seq->elements[0]);
  }
  out->kind = KILN_ONNX_TYPE_SEQUENCE;
  out->elemType = static_cast<int32_t>(seq->elem_type);
  out->elements.reserve(static_cast<size_t>(seq->length));
  for (int64_t i = 0; i < seq->length; ++i)
    out->elements.push_back(copyRunTensor(name, seq->elements[i]));
  return out;
}

} // namespace

void kiln_session::runValues(const char *const *inputNames,
                             const kiln_value *const *inputs, size_t numFeeds,
                             const char *const *outputNames,
                             size_t numRequested, kiln_value **outputs) {
  if (numFeeds > 0 && (!inputNames || !inputs))
    fail(KILN_INVALID_ARGUMENT, "input_names and inputs must not be NULL");
  const std::vector<ValueInfo> &inValues = signature.inputValues;
  std::vector<const kiln_value *> byValue(inValues.size(), nullptr);
  // The checks of validateFeeds, on graph values.
  for (size_t f = 0; f < numFeeds; ++f) {
    if (!inputNames[f])
      fail(KILN_INVALID_ARGUMENT,
           "input name " + std::to_string(f) + " is NULL");
    auto it = signature.inputValueIndex.find(inputNames[f]);
    if (it == signature.inputValueIndex.end())
      continue; // reported below, after missing inputs
    if (byValue[it->second])
      fail(KILN_INVALID_ARGUMENT,
           std::string("Input name fed more than once: ") + inputNames[f]);
    // A NULL value feeds None to an optional input: C++ code written for
    // ORT has no other way to say it (Ort::Value(nullptr)).
    static const kiln_value *const none = [] {
      auto *v = new kiln_value; // lives as long as the process
      v->kind = KILN_ONNX_TYPE_OPTIONAL;
      return v;
    }();
    if (!inputs[f] && !(inValues[it->second].flags & KILN_VALUE_FLAG_OPTIONAL))
      fail(KILN_INVALID_ARGUMENT,
           std::string("Input value is NULL for input: ") + inputNames[f]);
    byValue[it->second] = inputs[f] ? inputs[f] : none;
  }
  std::vector<std::string> missing;
  for (size_t i = 0; i < inValues.size(); ++i)
    if (!byValue[i])
      missing.push_back(inValues[i].name);
  if (!missing.empty())
    failMissingInputNames(missing, inputNames, numFeeds);
  for (size_t f = 0; f < numFeeds; ++f)
    if (!signature.inputValueIndex.count(inputNames[f]))
      fail(KILN_INVALID_ARGUMENT,
           std::string("Invalid input name: ") + inputNames[f]);

  std::vector<const char *> slotNames;
  std::vector<const kiln_value *> slotValues;
  std::vector<std::unique_ptr<kiln_value>> temps;
  for (size_t i = 0; i < inValues.size(); ++i)
    flattenInput(signature, inValues[i], *byValue[i], slotNames, slotValues,
                 temps);

  if (numRequested == 0)
    fail(KILN_INVALID_ARGUMENT, "At least one output should be requested.");
  if (!outputNames || !outputs)
    fail(KILN_INVALID_ARGUMENT, "output_names and outputs must not be NULL");
  std::vector<uint32_t> requested(numRequested);
  std::vector<const char *> slotOutNames;
  std::vector<kiln_value *> slotOuts;
  for (size_t o = 0; o < numRequested; ++o) {
    if (!outputNames[o])
      fail(KILN_INVALID_ARGUMENT,
           "output name " + std::to_string(o) + " is NULL");
    auto it = signature.outputValueIndex.find(outputNames[o]);
    if (it == signature.outputValueIndex.end())
      fail(KILN_INVALID_ARGUMENT,
           std::string("Invalid output name:") + outputNames[o]);
    const ValueInfo &v = signature.outputValues[it->second];
    requested[o] = it->second;
    if (outputs[o] &&
        (v.kind != KILN_VALUE_TENSOR || (v.flags & KILN_VALUE_FLAG_ABSENT)))
      fail(KILN_INVALID_ARGUMENT,
           "output '" + std::string(v.name) + "' is a " + v.type +
               (v.flags & KILN_VALUE_FLAG_ABSENT ? " compiled for None" : "") +
               ": only tensor outputs can be preallocated (pass NULL)");
    for (uint32_t s = 0; s < v.numSlots; ++s) {
      slotOutNames.push_back(signature.outputs[v.firstSlot + s].name);
      slotOuts.push_back(outputs[o]);
    }
  }
  // Every requested output compiled for None: the model still runs once
  // (its other outputs are dropped), as it would in ORT.
  const bool onlyAbsent = slotOutNames.empty();
  if (onlyAbsent) {
    slotOutNames.push_back(signature.outputs[0].name);
    slotOuts.push_back(nullptr);
  }
  runSlots(slotNames.data(), slotValues.data(), slotNames.size(),
           slotOutNames.data(), slotOutNames.size(), slotOuts.data());
  // Own what runSlots made (not the caller's preallocated tensors) before
  // anything else can throw.
  std::vector<std::unique_ptr<kiln_value>> made(slotOuts.size());
  size_t pos = 0;
  for (size_t o = 0; o < numRequested; ++o) {
    const ValueInfo &v = signature.outputValues[requested[o]];
    for (uint32_t s = 0; s < v.numSlots; ++s, ++pos)
      if (!outputs[o])
        made[pos].reset(slotOuts[pos]);
  }
  if (onlyAbsent)
    made[0].reset(slotOuts[0]);

  std::vector<std::unique_ptr<kiln_value>> results(numRequested);
  pos = 0;
  for (size_t o = 0; o < numRequested; ++o) {
    const ValueInfo &v = signature.outputValues[requested[o]];
    std::vector<std::unique_ptr<kiln_value>> parts;
    for (uint32_t s = 0; s < v.numSlots; ++s, ++pos)
      parts.push_back(std::move(made[pos]));
    if (!outputs[o])
      results[o] =
          assembleOutput(v, signature.outputs + v.firstSlot, std::move(parts));
  }
  for (size_t o = 0; o < numRequested; ++o)
    if (!outputs[o])
      outputs[o] = results[o].release();
}

void kiln_session::runSlots(const char *const *inputNames,
                            const kiln_value *const *inputs, size_t numFeeds,
                            const char *const *outputNames, size_t numRequested,
                            kiln_value **outputs,
                            const int32_t *outputDevices) {
  RunContextPool::Lease ctx(contexts);
  // The workers come back while the feeds are checked.
  threads.wake();
  validateFeeds(signature, inputNames, inputs, numFeeds, checkSymbolicDims,
                ctx->byInput);
  checkStringInputs(signature, ctx->byInput);
  resolveOutputs(signature, outputNames, numRequested, ctx->outputIndices);
  if (!outputs)
    fail(KILN_INVALID_ARGUMENT, "outputs must not be NULL");
  for (size_t o = 0; o < numRequested; ++o) {
    const std::string name = signature.outputs[ctx->outputIndices[o]].name;
    if (outputs[o]) {
      validatePreallocatedOutputType(signature, ctx->outputIndices[o],
                                     *outputs[o]);
      rejectPreallocatedString(*outputs[o]);
      checkValueDevice(device.get(), *outputs[o], "output '" + name + "'");
    } else if (outputDevices && outputDevices[o] != KILN_DEVICE_CPU) {
      if (outputDevices[o] != KILN_DEVICE_CUDA)
        fail(KILN_INVALID_ARGUMENT, "unknown device type " +
                                        std::to_string(outputDevices[o]) +
                                        " for output '" + name + "'");
      if (!device)
        fail(KILN_INVALID_ARGUMENT,
             "output '" + name +
                 "' cannot be allocated on a CUDA device: "
                 "the session runs on the CPU (CPUExecutionProvider)");
    }
  }
  for (uint32_t i = 0; i < signature.numInputs; ++i)
    checkValueDevice(device.get(), *ctx->byInput[i],
                     "input '" + std::string(signature.inputs[i].name) + "'");

  // args[0] -> result block, args[1 + i] -> descriptor of input i.
  const uint32_t numInputs = signature.numInputs;
  const uint32_t numOutputs = signature.numOutputs;
  size_t inputWords = 0;
  for (uint32_t i = 0; i < numInputs; ++i)
    inputWords += descriptorWords(signature.inputs[i].rank);
  ctx->inputWords.resize(inputWords);
  ctx->args.resize(1 + numInputs);
  size_t pos = 0;
  ctx->unpackedInputs.resize(numInputs);
  for (uint32_t i = 0; i < numInputs; ++i) {
    const kiln_value &input = *ctx->byInput[i];
    writeInputDescriptor(&ctx->inputWords[pos], input);
    if (isPackedElemType(input.elemType)) {
      // The artifact takes one byte per element (kiln_elem_types.def).
      std::vector<uint8_t> &bytes = ctx->unpackedInputs[i];
      bytes.resize(static_cast<size_t>(input.elementCount) + 1);
      unpackElements(input.elemType, input.data,
                     static_cast<size_t>(input.elementCount), bytes.data());
      auto word = static_cast<int64_t>(reinterpret_cast<uintptr_t>(
          bytes.data()));
      ctx->inputWords[pos] = ctx->inputWords[pos + 1] = word;
    }
    ctx->args[1 + i] = &ctx->inputWords[pos];
    pos += descriptorWords(signature.inputs[i].rank);
  }
  ctx->resultOffsets.resize(numOutputs);
  size_t resultWords = 0;
  for (uint32_t k = 0; k < numOutputs; ++k) {
    ctx->resultOffsets[k] = resultWords;
    resultWords += descriptorWords(signature.outputs[k].rank);
  }
  ctx->resultWords.assign(resultWords, 0);
  ctx->args[0] = ctx->resultWords.data();

  EndRunGuard endRun{*ctx};
  bindRunContext(*ctx, threads);
  if (device) {
    device->enter();
    ctx->deviceError.clear();
    ctx->launched = false;
    copyInputsToDevice(*ctx, signature);
  }
  if (profiler)
    profiler->beginRun(*ctx);
  const bool allocated = callEntry(*ctx, artifact().entry, ctx->args.data());
  if (profiler)
    profiler->endRun(*ctx);
  // The outputs are read on the host: the kernels must be done.
  if (std::string error = finishDeviceWork(*ctx); !error.empty())
    fail(KILN_FAIL, error);
  if (const char *check = ctx->failedCheck.load(); !allocated && check) {
    // The first byte is the error code (kiln_abi.h, `fail`).
    int code = static_cast<unsigned char>(check[0]);
    if (code == KILN_FAIL || code == KILN_INVALID_ARGUMENT)
      fail(static_cast<kiln_error_code>(code), check + 1);
    fail(KILN_FAIL, check);
  }
  if (!allocated)
    fail(KILN_FAIL, "Failed to allocate memory for requested buffer of size " +
                        std::to_string(ctx->failedBytes.load()) +
                        " (a tensor the model computes: out of memory, or a "
                        "shape no machine can hold)");

  // Copy out every requested output before publishing any, so that a failure
  // leaves the caller's NULL slots untouched.
  std::vector<std::unique_ptr<kiln_value>> created(numRequested);
  for (size_t o = 0; o < numRequested; ++o) {
    uint32_t k = ctx->outputIndices[o];
    const kiln_tensor_info_t &info = signature.outputs[k];
    DescriptorView view(&ctx->resultWords[ctx->resultOffsets[k]], info.rank);
    checkProducedOutput(info, view);
    kiln_value *dst = outputs[o];
    if (!signature.runtimeOutputValue.empty() &&
        signature.runtimeOutputValue[k] >= 0) {
      // A value the run built (ABI 5): read before the run's memory goes.
      const ValueInfo &v =
          signature.outputValues[signature.runtimeOutputValue[k]];
      if (dst)
        fail(KILN_INVALID_ARGUMENT,
             "output '" + std::string(v.name) + "' is a " + v.type +
                 ": only tensor outputs can be preallocated (pass NULL)");
      int64_t address = 0;
      copyToDense(view, sizeof(address), &address);
      created[o] = readRunValue(v, address);
      continue;
    }
    const bool toDevice =
        dst ? dst->device != nullptr
            : outputDevices && outputDevices[o] == KILN_DEVICE_CUDA;
    if (dst) {
      checkPreallocatedShape(*dst, view);
    } else if (toDevice) {
      created[o].reset(createDeviceTensor(info.elem_type, view.sizes(),
                                          static_cast<size_t>(info.rank),
                                          device->memory().deviceId()));
      dst = created[o].get();
    } else {
      // An output that is a whole dense block of the run's arena leaves the
      // run as it is, without a copy: the arena takes a new block in its
      // slot when a later run needs one. (Small ones are copied: the same
      // one allocation either way.)
      size_t elemSize = elemTypeSize(info.elem_type);
      if (info.elem_type != KILN_ELEM_STRING &&
          !isPackedElemType(info.elem_type) && view.offset() == 0 &&
          view.aligned() == view.allocated() && isDenseRowMajor(view) &&
          denseBytes(view, elemSize) >= kAdoptMinBytes) {
        uint64_t blockSize = 0, blockAlignment = 0;
        if (void *block = ctx->arena.detach(view.allocated(), blockSize,
                                            blockAlignment)) {
          try {
            created[o].reset(adoptTensor(info.elem_type, view.sizes(),
                                         static_cast<size_t>(info.rank),
                                         block));
          } catch (...) {
            std::free(block);
            throw;
          }
          // Released, the block goes back for the next run's output.
          created[o]->recycler = ctx->arena.recycler();
          created[o]->blockSize = blockSize;
          created[o]->blockAlignment = blockAlignment;
          continue;
        }
      }
      created[o].reset(createOwningTensor(info.elem_type, view.sizes(),
                                          static_cast<size_t>(info.rank),
                                          /*zeroFill=*/false));
      dst = created[o].get();
    }
    if (toDevice) {
      copyOutputToDevice(view, elemTypeSize(info.elem_type), *dst);
    } else if (isPackedElemType(info.elem_type)) {
      // One byte per element in the artifact, packed in the value.
      size_t count = static_cast<size_t>(dst->elementCount);
      std::vector<uint8_t> bytes(count + 1);
      copyToDense(view, 1, bytes.data());
      packElements(info.elem_type, bytes.data(), count, dst->data);
    } else {
      copyToDense(view, elemTypeSize(info.elem_type), dst->data);
    }
    // Strings point into the arena, which is reset when the run ends.
    if (info.elem_type == KILN_ELEM_STRING)
      ownStrings(*dst);
  }
  for (size_t o = 0; o < numRequested; ++o)
    if (!outputs[o])
      outputs[o] = created[o].release();
}

namespace {

const kiln_session &requireSession(const kiln_session *session) {
  if (!session)
    fail(KILN_INVALID_ARGUMENT, "session is NULL");
  return *session;
}

template <typename T> T &requireOut(T *out) {
  if (!out)
    fail(KILN_INVALID_ARGUMENT, "out is NULL");
  return *out;
}

const ValueInfo &inputValue(const kiln_session *session, size_t index) {
  const IoSignature &sig = requireSession(session).signature;
  if (index >= sig.inputValues.size())
    fail(KILN_INVALID_ARGUMENT, "input index " + std::to_string(index) +
                                    " is out of range (the model has " +
                                    std::to_string(sig.inputValues.size()) +
                                    " inputs)");
  return sig.inputValues[index];
}

const ValueInfo &outputValue(const kiln_session *session, size_t index) {
  const IoSignature &sig = requireSession(session).signature;
  if (index >= sig.outputValues.size())
    fail(KILN_INVALID_ARGUMENT, "output index " + std::to_string(index) +
                                    " is out of range (the model has " +
                                    std::to_string(sig.outputValues.size()) +
                                    " outputs)");
  return sig.outputValues[index];
}

/// The tensor slot describing value `v`'s shape: its only slot when it is
/// a (present) tensor, else none (rank 0).
const kiln_tensor_info_t *shapeSlot(const ValueInfo &v,
                                    const kiln_tensor_info_t *slots) {
  return v.kind == KILN_VALUE_TENSOR && v.numSlots == 1 ? &slots[v.firstSlot]
                                                        : nullptr;
}

const kiln_tensor_info_t *inputSlot(const kiln_session *session, size_t index) {
  return shapeSlot(inputValue(session, index), session->signature.inputs);
}

const kiln_tensor_info_t *outputSlot(const kiln_session *session,
                                     size_t index) {
  return shapeSlot(outputValue(session, index), session->signature.outputs);
}

// An artifact may leave dim_params NULL; callers always get `rank` strings
// (the loader caps ranks at 1024).
const char *const *dimParamsOf(const kiln_tensor_info_t *info) {
  if (info && info->dim_params)
    return info->dim_params;
  static const std::vector<const char *> empties(1024, "");
  return empties.data();
}

void typeInfo(const ValueInfo &v, const char **type, uint32_t *kind,
              uint32_t *flags, size_t *numSlots) {
  if (type)
    *type = v.type.c_str();
  if (kind)
    *kind = v.kind;
  if (flags)
    *flags = v.flags;
  if (numSlots)
    *numSlots = v.numSlots;
}

} // namespace

extern "C" {

kiln_status *kiln_session_create(const char *so_path,
                                 const kiln_session_options *options,
                                 kiln_session **out) {
  KILN_API_BEGIN
  requireOut(out) = nullptr;
  if (!so_path)
    fail(KILN_INVALID_ARGUMENT, "model path is NULL");
  kiln_session_options opts = options ? *options : kiln_session_options();
  // An .onnx model is compiled (through the compiler library, cached) and
  // its artifact opened; anything else is opened as an artifact.
  std::string artifact = artifactForModel(so_path, opts);
  std::unique_ptr<LoadedArtifact> loaded;
  struct stat before {};
  bool stated = ::stat(artifact.c_str(), &before) == 0;
  try {
    loaded = LoadedArtifact::load(artifact);
  } catch (const KilnError &e) {
    if (artifact == so_path || e.code() != KILN_INVALID_GRAPH)
      throw;
    // A damaged cache entry is rebuilt, not loaded. It is removed only if
    // it is still the file that was loaded: another process may have
    // renamed a rebuilt one into place since, and is about to open it.
    struct stat now;
    if (stated && ::stat(artifact.c_str(), &now) == 0 &&
        now.st_dev == before.st_dev && now.st_ino == before.st_ino)
      ::unlink(artifact.c_str());
    loaded = LoadedArtifact::load(artifactForModel(so_path, opts));
  }
  *out = openSession(std::move(loaded), std::move(opts));
  KILN_API_END
}

kiln_status *kiln_session_create_from_bytes(const void *data, size_t size,
                                            const kiln_session_options *options,
                                            kiln_session **out) {
  KILN_API_BEGIN
  requireOut(out) = nullptr;
  auto loaded = loadArtifactFromBytes(data, size);
  *out = openSession(std::move(loaded),
                     options ? *options : kiln_session_options());
  KILN_API_END
}

kiln_status *kiln_session_create_from_artifact(
    const kiln_artifact_t *artifact, const char *name,
    const kiln_session_options *options, kiln_session **out) {
  KILN_API_BEGIN
  requireOut(out) = nullptr;
  std::string label = std::string("linked-in model '") +
                      (name && *name ? name : "?") + "'";
  auto loaded = LoadedArtifact::fromDescriptor(artifact, label);
  *out = openSession(std::move(loaded),
                     options ? *options : kiln_session_options());
  KILN_API_END
}

void kiln_session_release(kiln_session *session) { delete session; }

kiln_status *kiln_session_get_input_count(const kiln_session *session,
                                          size_t *out) {
  KILN_API_BEGIN
  requireOut(out) = requireSession(session).signature.inputValues.size();
  KILN_API_END
}

kiln_status *kiln_session_get_output_count(const kiln_session *session,
                                           size_t *out) {
  KILN_API_BEGIN
  requireOut(out) = requireSession(session).signature.outputValues.size();
  KILN_API_END
}

kiln_status *kiln_session_get_input_name(const kiln_session *session,
                                         size_t index, const char **out) {
  KILN_API_BEGIN
  requireOut(out) = inputValue(session, index).name;
  KILN_API_END
}

kiln_status *kiln_session_get_output_name(const kiln_session *session,
                                          size_t index, const char **out) {
  KILN_API_BEGIN
  requireOut(out) = outputValue(session, index).name;
  KILN_API_END
}

kiln_status *kiln_session_get_input_elem_type(const kiln_session *session,
                                              size_t index, int32_t *out) {
  KILN_API_BEGIN
  const kiln_tensor_info_t *slot = inputSlot(session, index);
  requireOut(out) =
      slot ? slot->elem_type : inputValue(session, index).elemType;
  KILN_API_END
}

kiln_status *kiln_session_get_output_elem_type(const kiln_session *session,
                                               size_t index, int32_t *out) {
  KILN_API_BEGIN
  const kiln_tensor_info_t *slot = outputSlot(session, index);
  requireOut(out) =
      slot ? slot->elem_type : outputValue(session, index).elemType;
  KILN_API_END
}

kiln_status *kiln_session_get_input_rank(const kiln_session *session,
                                         size_t index, size_t *out) {
  KILN_API_BEGIN
  const kiln_tensor_info_t *slot = inputSlot(session, index);
  requireOut(out) = slot ? static_cast<size_t>(slot->rank) : 0;
  KILN_API_END
}

kiln_status *kiln_session_get_output_rank(const kiln_session *session,
                                          size_t index, size_t *out) {
  KILN_API_BEGIN
  const kiln_tensor_info_t *slot = outputSlot(session, index);
  requireOut(out) = slot ? static_cast<size_t>(slot->rank) : 0;
  KILN_API_END
}

kiln_status *kiln_session_get_input_dims(const kiln_session *session,
                                         size_t index, const int64_t **out) {
  KILN_API_BEGIN
  const kiln_tensor_info_t *slot = inputSlot(session, index);
  requireOut(out) = slot ? slot->dims : nullptr;
  KILN_API_END
}

kiln_status *kiln_session_get_output_dims(const kiln_session *session,
                                          size_t index, const int64_t **out) {
  KILN_API_BEGIN
  const kiln_tensor_info_t *slot = outputSlot(session, index);
  requireOut(out) = slot ? slot->dims : nullptr;
  KILN_API_END
}

kiln_status *kiln_session_get_input_dim_params(const kiln_session *session,
                                               size_t index,
                                               const char *const **out) {
  KILN_API_BEGIN
  requireOut(out) = dimParamsOf(inputSlot(session, index));
  KILN_API_END
}

kiln_status *kiln_session_get_output_dim_params(const kiln_session *session,
                                                size_t index,
                                                const char *const **out) {
  KILN_API_BEGIN
  requireOut(out) = dimParamsOf(outputSlot(session, index));
  KILN_API_END
}

kiln_status *kiln_session_get_input_type_info(const kiln_session *session,
                                              size_t index, const char **type,
                                              uint32_t *kind, uint32_t *flags,
                                              size_t *num_slots) {
  KILN_API_BEGIN
  typeInfo(inputValue(session, index), type, kind, flags, num_slots);
  KILN_API_END
}

kiln_status *kiln_session_get_output_type_info(const kiln_session *session,
                                               size_t index, const char **type,
                                               uint32_t *kind, uint32_t *flags,
                                               size_t *num_slots) {
  KILN_API_BEGIN
  typeInfo(outputValue(session, index), type, kind, flags, num_slots);
  KILN_API_END
}

kiln_status *kiln_session_get_input_onnx_type(const kiln_session *session,
                                              size_t index,
                                              kiln_onnx_type *out) {
  KILN_API_BEGIN
  requireOut(out) =
      static_cast<kiln_onnx_type>(inputValue(session, index).onnxType);
  KILN_API_END
}

kiln_status *kiln_session_get_output_onnx_type(const kiln_session *session,
                                               size_t index,
                                               kiln_onnx_type *out) {
  KILN_API_BEGIN
  requireOut(out) =
      static_cast<kiln_onnx_type>(outputValue(session, index).onnxType);
  KILN_API_END
}

kiln_status *kiln_session_get_metadata_count(const kiln_session *session,
                                             size_t *out) {
  KILN_API_BEGIN
  requireOut(out) = requireSession(session).metadata.size();
  KILN_API_END
}

kiln_status *kiln_session_get_metadata_entry(const kiln_session *session,
                                             size_t index, const char **key,
                                             const char **value) {
  KILN_API_BEGIN
  const auto &metadata = requireSession(session).metadata;
  if (!key || !value)
    fail(KILN_INVALID_ARGUMENT, "key and value must not be NULL");
  if (index >= metadata.size())
    fail(KILN_INVALID_ARGUMENT,
         "metadata index " + std::to_string(index) + " is out of range");
  *key = metadata[index].first;
  *value = metadata[index].second;
  KILN_API_END
}

kiln_status *kiln_session_lookup_metadata(const kiln_session *session,
                                          const char *key, const char **value) {
  KILN_API_BEGIN
  const auto &metadata = requireSession(session).metadata;
  if (!key)
    fail(KILN_INVALID_ARGUMENT, "key is NULL");
  requireOut(value) = nullptr;
  for (const auto &entry : metadata)
    if (std::strcmp(entry.first, key) == 0) {
      *value = entry.second;
      break;
    }
  KILN_API_END
}

kiln_status *kiln_session_get_target_cpu(const kiln_session *session,
                                         const char **cpu,
                                         const char **features) {
  KILN_API_BEGIN
  const kiln_artifact_t &a = requireSession(session).artifact();
  requireOut(cpu) = a.cpu_name ? a.cpu_name : "";
  requireOut(features) = a.cpu_features ? a.cpu_features : "";
  KILN_API_END
}

kiln_status *kiln_session_get_compiler_version(const kiln_session *session,
                                               const char **out) {
  KILN_API_BEGIN
  const char *version = requireSession(session).artifact().compiler_version;
  requireOut(out) = version ? version : "";
  KILN_API_END
}

kiln_status *kiln_session_get_cpu_fallback_reason(const kiln_session *session,
                                                  const char **out) {
  KILN_API_BEGIN
  const std::string &reason = requireSession(session).cpuFallbackReason;
  requireOut(out) = reason.empty() ? nullptr : reason.c_str();
  KILN_API_END
}

kiln_status *kiln_session_get_provider(const kiln_session *session,
                                       uint32_t *out) {
  KILN_API_BEGIN
  requireOut(out) = requireSession(session).artifact().provider;
  KILN_API_END
}

kiln_status *kiln_session_run(kiln_session *session,
                              const char *const *input_names,
                              const kiln_value *const *inputs, size_t n_in,
                              const char *const *output_names, size_t n_out,
                              kiln_value **outputs) {
  KILN_API_BEGIN
  if (!session)
    fail(KILN_INVALID_ARGUMENT, "session is NULL");
  session->run(input_names, inputs, n_in, output_names, n_out, outputs);
  KILN_API_END
}

kiln_status *kiln_internal_session_arena_stats(const kiln_session *session,
                                               kiln_arena_stats *out) {
  KILN_API_BEGIN
  kiln_arena_stats &result = requireOut(out);
  size_t contexts = 0, busy = 0;
  ArenaStats s = requireSession(session).contexts.idleStats(contexts, busy);
  result.reserved_bytes = s.reservedBytes;
  result.block_count = s.blockCount;
  result.live_bytes = s.liveBytes;
  result.peak_live_bytes = s.peakLiveBytes;
  result.system_allocations = s.systemAllocations;
  result.system_frees = s.systemFrees;
  result.allocations = s.allocations;
  result.arena_count = contexts;
  result.busy_arenas = busy;
  result.handed_over = s.handedOver;
  result.recycled = s.recycled;
  KILN_API_END
}

kiln_status *kiln_session_get_intra_op_num_threads(const kiln_session *session,
                                                   int32_t *out) {
  KILN_API_BEGIN
  requireOut(out) = requireSession(session).threads.numThreads();
  KILN_API_END
}

kiln_status *kiln_internal_session_thread_stats(const kiln_session *session,
                                                kiln_thread_stats *out) {
  KILN_API_BEGIN
  kiln_thread_stats &result = requireOut(out);
  const ThreadPool &pool = requireSession(session).threads;
  ThreadPoolStats s = pool.stats();
  result.pool_threads = static_cast<uint64_t>(pool.numThreads());
  result.parallel_loops = s.parallelLoops;
  result.inline_loops = s.inlineLoops;
  result.chunks = s.chunks;
  result.worker_chunks = s.workerChunks;
  result.max_participants = s.maxParticipants;
  KILN_API_END
}

kiln_status *kiln_cuda_device_chip(int32_t device_id, char *chip,
                                   size_t chip_size) {
  KILN_API_BEGIN
  if (!chip || chip_size == 0)
    fail(KILN_INVALID_ARGUMENT, "chip is NULL or empty");
  chip[0] = 0;
  std::string name = probeCudaDevice(device_id);
  if (name.size() >= chip_size)
    fail(KILN_INVALID_ARGUMENT, "chip_size " + std::to_string(chip_size) +
                                    " cannot hold '" + name + "'");
  std::memcpy(chip, name.c_str(), name.size() + 1);
  KILN_API_END
}

const char *kiln_runtime_version(void) { return KILN_RUNTIME_VERSION; }

uint32_t kiln_runtime_abi_version(void) { return KILN_ABI_VERSION; }

} // extern "C"
