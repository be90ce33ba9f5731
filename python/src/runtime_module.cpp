//===- runtime_module.cpp - kiln._runtime: the C API of libkilnrt ---------===//
//
// A thin layer over kiln.h: sessions, their signature and metadata, and runs
// that take and return numpy arrays without copying them. Everything that
// makes the module look like ONNX Runtime (NodeArg, SessionOptions, the
// providers list, the missing-input ValueError) lives in Python on top of it,
// so that this file stays a plain binding.
//
// This module must never link LLVM or MLIR: importing it is what an
// application that only loads compiled models pays for.
//
//===----------------------------------------------------------------------===//

#include "kiln/kiln.h"

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <array>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

namespace nb = nanobind;

namespace {

/// A failed C API call, carried to the exception translator below.
struct StatusError {
  int code;
  std::string message;
};

/// The Python classes for ONNX Runtime's status codes 1..11; index 0 is
/// unused. Created once at import, alive as long as the interpreter.
std::array<PyObject *, 12> errorClasses{};

/// Throws when `status` is an error and always releases it.
void check(kiln_status *status) {
  if (!status)
    return;
  StatusError error{static_cast<int>(kiln_status_code(status)),
                    kiln_status_message(status)};
  kiln_status_release(status);
  throw error;
}

std::string formatError(int code, const std::string &message) {
  return "[ONNXRuntimeError] : " + std::to_string(code) + " : " +
         kiln_error_code_name(static_cast<kiln_error_code>(code)) + " : " +
         message;
}

/// numpy has no bfloat16: such outputs are returned as uint16 and the Python
/// layer reinterprets them (as ml_dtypes.bfloat16 when that is installed).
nb::dlpack::dtype dlpackType(int32_t elemType) {
  using nb::dlpack::dtype_code;
  auto make = [](dtype_code code, int bits) {
    return nb::dlpack::dtype{static_cast<uint8_t>(code),
                             static_cast<uint8_t>(bits), 1};
  };
  switch (elemType) {
  case KILN_ELEM_FLOAT:
    return make(dtype_code::Float, 32);
  case KILN_ELEM_DOUBLE:
    return make(dtype_code::Float, 64);
  case KILN_ELEM_FLOAT16:
    return make(dtype_code::Float, 16);
  case KILN_ELEM_BFLOAT16:
  case KILN_ELEM_UINT16:
    return make(dtype_code::UInt, 16);
  case KILN_ELEM_UINT8:
    return make(dtype_code::UInt, 8);
  case KILN_ELEM_UINT32:
    return make(dtype_code::UInt, 32);
  case KILN_ELEM_UINT64:
  // String outputs go out as their element addresses; the Python layer
  // decodes them into str while the array (and so the value) is alive.
  case KILN_ELEM_STRING:
    return make(dtype_code::UInt, 64);
  case KILN_ELEM_INT8:
    return make(dtype_code::Int, 8);
  case KILN_ELEM_INT16:
    return make(dtype_code::Int, 16);
  case KILN_ELEM_INT32:
    return make(dtype_code::Int, 32);
  case KILN_ELEM_INT64:
    return make(dtype_code::Int, 64);
  case KILN_ELEM_BOOL:
    return make(dtype_code::Bool, 8);
  // One byte per element (the packed types unpacked, see run()); the
  // Python layer views them as the ml_dtypes types.
  case KILN_ELEM_FLOAT8E4M3FN:
  case KILN_ELEM_FLOAT8E4M3FNUZ:
  case KILN_ELEM_FLOAT8E5M2:
  case KILN_ELEM_FLOAT8E5M2FNUZ:
  case KILN_ELEM_FLOAT8E8M0:
  case KILN_ELEM_UINT4:
  case KILN_ELEM_INT4:
  case KILN_ELEM_FLOAT4E2M1:
  case KILN_ELEM_UINT2:
  case KILN_ELEM_INT2:
    return make(dtype_code::UInt, 8);
  default:
    throw StatusError{KILN_NOT_IMPLEMENTED,
                      "Kiln cannot return tensors of element type " +
                          std::to_string(elemType) + " to Python"};
  }
}

/// Bits per element of the packed 4- and 2-bit types, 0 for the others.
size_t packedBits(int32_t elemType) {
  size_t bits = kiln_elem_type_bits(elemType);
  return bits != 0 && bits < 8 ? bits : 0;
}

/// numpy holds the packed types (ml_dtypes.int4, ...) one per byte in the
/// low bits; the C API takes them packed, low bits first, as ONNX does.
std::vector<uint8_t> packBytes(const uint8_t *in, size_t count, size_t bits) {
  size_t perByte = 8 / bits;
  std::vector<uint8_t> out((count + perByte - 1) / perByte, 0);
  unsigned mask = (1u << bits) - 1;
  for (size_t i = 0; i < count; ++i)
    out[i / perByte] |=
        static_cast<uint8_t>((in[i] & mask) << ((i % perByte) * bits));
  return out;
}

/// One graph input or output: (name, elem_type, dims) where each dim is an
/// int when fixed, the dim_param str when symbolic, or None when unknown.
using IoInfo = std::pair<std::string, std::pair<int32_t, nb::list>>;

/// ORT's RunOptions over kiln_run_options: the Python RunOptions keeps one
/// so that `terminate`, set from any thread, reaches runs in flight.
class RunOptions {
public:
  RunOptions() { check(kiln_run_options_create(&options_)); }
  ~RunOptions() { kiln_run_options_release(options_); }
  RunOptions(const RunOptions &) = delete;
  RunOptions &operator=(const RunOptions &) = delete;

  void setTerminate(bool terminate) {
    check(terminate ? kiln_run_options_set_terminate(options_)
                    : kiln_run_options_unset_terminate(options_));
  }
  void setRunTag(const std::string &tag) {
    check(kiln_run_options_set_run_tag(options_, tag.c_str()));
  }
  void setLogSeverityLevel(int32_t level) {
    check(kiln_run_options_set_log_severity_level(options_, level));
  }
  void addConfigEntry(const std::string &key, const std::string &value) {
    check(kiln_run_options_add_config_entry(options_, key.c_str(),
                                            value.c_str()));
  }
  const kiln_run_options *get() const { return options_; }

private:
  kiln_run_options *options_ = nullptr;
};

/// A tensor in a CUDA device's memory (the C API's device values), owned:
/// what a Python OrtValue on 'cuda' holds. The Python layer never reads its
/// memory: numpy() and update() copy through the runtime.
class DeviceTensor {
public:
  explicit DeviceTensor(kiln_value *value) : value_(value) {}
  ~DeviceTensor() { kiln_value_release(value_); }
  DeviceTensor(const DeviceTensor &) = delete;
  DeviceTensor &operator=(const DeviceTensor &) = delete;

  /// A new tensor on device `deviceId`, not initialised.
  static DeviceTensor *
  empty(int32_t elemType, const std::vector<int64_t> &shape, int32_t deviceId) {
    kiln_value *value = nullptr;
    check(kiln_value_create_device_tensor(elemType, shape.data(), shape.size(),
                                          KILN_DEVICE_CUDA, deviceId, &value));
    return new DeviceTensor(value);
  }

  /// A copy of `array` on device `deviceId`.
  static DeviceTensor *
  fromArray(int32_t elemType,
            const nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu> &array,
            int32_t deviceId) {
    std::unique_ptr<DeviceTensor> out(
        empty(elemType, shapeOf(array), deviceId));
    out->update(array);
    return out.release();
  }

  /// A view of device memory at `address` that the caller allocated.
  static DeviceTensor *view(int32_t elemType, uintptr_t address,
                            const std::vector<int64_t> &shape,
                            int32_t deviceId) {
    size_t count = 1;
    for (int64_t d : shape)
      count *= d > 0 ? static_cast<size_t>(d) : 0;
    kiln_value *value = nullptr;
    check(kiln_value_create_device_tensor_with_data(
        elemType, reinterpret_cast<void *>(address),
        kiln_tensor_data_bytes(elemType, count), shape.data(), shape.size(),
        KILN_DEVICE_CUDA, deviceId, &value));
    return new DeviceTensor(value);
  }

  /// Copies `array` (as many elements of the same type) into the tensor.
  void update(const nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu> &array) {
    std::vector<int64_t> shape = shapeOf(array);
    kiln_value *host = nullptr;
    check(kiln_value_create_tensor_with_data(
        kiln_value_elem_type(value_), const_cast<void *>(array.data()),
        array.nbytes(), shape.data(), shape.size(), &host));
    std::unique_ptr<kiln_value, void (*)(kiln_value *)> owned(
        host, kiln_value_release);
    check(kiln_value_copy_tensor_data(host, value_));
  }

  /// A host copy as a numpy array (defined after Session).
  nb::object numpy() const;

  int32_t elemType() const { return kiln_value_elem_type(value_); }
  std::vector<int64_t> shape() const {
    const int64_t *dims = kiln_value_shape(value_);
    return std::vector<int64_t>(dims, dims + kiln_value_rank(value_));
  }
  uintptr_t dataPtr() const {
    return reinterpret_cast<uintptr_t>(kiln_value_data(value_));
  }
  size_t nbytes() const { return kiln_value_byte_size(value_); }
  int32_t deviceId() const {
    int32_t type = 0, id = 0;
    check(kiln_value_get_device(value_, &type, &id));
    return id;
  }
  kiln_value *get() const { return value_; }

private:
  template <typename Array>
  static std::vector<int64_t> shapeOf(const Array &a) {
    std::vector<int64_t> shape(a.ndim());
    for (size_t d = 0; d < shape.size(); ++d)
      shape[d] = static_cast<int64_t>(a.shape(d));
    return shape;
  }

  kiln_value *value_;
};

class Session {
public:
  /// Loads the artifact at `path`, or, when `path` is a bytes object, the
  /// artifact those bytes are (kiln_session_create_from_bytes: copied into
  /// an anonymous file, nothing written to disk).
  Session(nb::handle path, int intraOpThreads, int interOpThreads,
          const std::vector<std::pair<std::string, std::string>> &config) {
    kiln_session_options *options = nullptr;
    check(kiln_session_options_create(&options));
    // Released on every path, including the throwing ones.
    struct Release {
      kiln_session_options *o;
      ~Release() { kiln_session_options_release(o); }
    } release{options};
    check(
        kiln_session_options_set_intra_op_num_threads(options, intraOpThreads));
    check(
        kiln_session_options_set_inter_op_num_threads(options, interOpThreads));
    for (const auto &[key, value] : config)
      check(kiln_session_options_add_config_entry(options, key.c_str(),
                                                  value.c_str()));
    // dlopen of a large artifact maps its weights; let other threads run.
    kiln_status *status;
    if (nb::isinstance<nb::bytes>(path)) {
      nb::bytes data = nb::borrow<nb::bytes>(path);
      const char *bytes = data.c_str();
      size_t size = data.size();
      nb::gil_scoped_release noGil;
      status = kiln_session_create_from_bytes(bytes, size, options, &session_);
    } else {
      std::string file = nb::cast<std::string>(path);
      nb::gil_scoped_release noGil;
      status = kiln_session_create(file.c_str(), options, &session_);
    }
    check(status);
  }
  ~Session() { kiln_session_release(session_); }
  friend class DeviceTensor;
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;

  std::vector<IoInfo> inputs() const { return signature(true); }
  std::vector<IoInfo> outputs() const { return signature(false); }

  std::vector<std::pair<std::string, std::string>> metadata() const {
    size_t count = 0;
    check(kiln_session_get_metadata_count(session_, &count));
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t i = 0; i < count; ++i) {
      const char *key = nullptr, *value = nullptr;
      check(kiln_session_get_metadata_entry(session_, i, &key, &value));
      out.emplace_back(key ? key : "", value ? value : "");
    }
    return out;
  }

  std::string compilerVersion() const {
    const char *version = nullptr;
    check(kiln_session_get_compiler_version(session_, &version));
    return version ? version : "";
  }

  /// (name, op_name) of every instrumented kernel, by kernel index.
  std::vector<std::pair<std::string, std::string>> kernels() const {
    size_t count = 0;
    check(kiln_session_get_kernel_count(session_, &count));
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t k = 0; k < count; ++k) {
      const char *name = nullptr, *opName = nullptr;
      check(kiln_session_get_kernel_name(session_, k, &name, &opName));
      out.emplace_back(name, opName);
    }
    return out;
  }

  /// Removes and returns the recorded kernel events as (kernel, thread id,
  /// start ns, duration ns), oldest first.
  std::vector<std::tuple<uint32_t, uint64_t, int64_t, int64_t>>
  takeProfileEvents() {
    std::vector<std::tuple<uint32_t, uint64_t, int64_t, int64_t>> out;
    std::vector<kiln_profile_event> chunk(4096);
    for (;;) {
      size_t count = 0;
      check(kiln_session_take_profile_events(session_, chunk.data(),
                                             chunk.size(), &count));
      for (size_t i = 0; i < count; ++i)
        out.emplace_back(chunk[i].kernel, chunk[i].thread_id, chunk[i].start_ns,
                         chunk[i].duration_ns);
      if (count < chunk.size())
        return out;
    }
  }

  uint32_t provider() const {
    uint32_t provider = 0;
    check(kiln_session_get_provider(session_, &provider));
    return provider;
  }

  /// Why the runtime opened a CUDA artifact's CPU copy; None when it did
  /// not.
  std::optional<std::string> cpuFallbackReason() const {
    const char *reason = nullptr;
    check(kiln_session_get_cpu_fallback_reason(session_, &reason));
    if (!reason)
      return std::nullopt;
    return std::string(reason);
  }

  /// `feeds` are (name, elem_type, C-contiguous array): the Python layer
  /// derives the element type from the numpy dtype, so that types numpy
  /// spells differently (bfloat16) need nothing here. `preallocated`, when
  /// given, has one entry per output name: None for an output the runtime
  /// allocates (handed to numpy without a copy), or (elem_type, writable
  /// C-contiguous array) that the result is written into and returned as
  /// is (IOBinding's bound output buffers). `runOptions` may be None.
  /// `feeds` are (name, value) where a value is (elem_type, C-contiguous
  /// array) for a tensor (the Python layer derives the element type from
  /// the numpy dtype, so that types numpy spells differently (bfloat16) need
  /// nothing here), None for an absent optional, ("seq", [values]) for a
  /// sequence and ("map", keys, values) for a map, keys and values being
  /// tensors. `preallocated`, when given, has one entry per output name:
  /// None for an output the runtime allocates (handed to numpy without a
  /// copy), or (elem_type, writable C-contiguous array) that the result is
  /// written into and returned as is (IOBinding's bound output buffers).
  /// `runOptions` may be None. Outputs come back as numpy arrays, lists
  /// (sequences), dicts (maps) and None (absent optionals), as ORT returns
  /// them.
  nb::list run(const std::vector<std::string> &outputNames,
               const std::vector<std::pair<std::string, nb::handle>> &feeds,
               nb::handle preallocated, const RunOptions *runOptions) {
    std::vector<kiln_value *> values;
    struct ReleaseAll {
      std::vector<kiln_value *> &v;
      ~ReleaseAll() {
        for (kiln_value *x : v)
          kiln_value_release(x);
      }
    } releaseInputs{values};
    std::vector<const char *> inNames;
    std::vector<std::vector<uint8_t>> packedFeeds;
    packedFeeds.reserve(feeds.size());
    std::vector<kiln_value *> fedValues;
    for (const auto &[name, feed] : feeds) {
      fedValues.push_back(feedValue(feed, values, packedFeeds));
      inNames.push_back(name.c_str());
    }
    std::vector<const char *> outNames;
    for (const std::string &name : outputNames)
      outNames.push_back(name.c_str());
    std::vector<kiln_value *> results(outNames.size(), nullptr);
    // Views of the caller's output buffers (released with the inputs) and
    // the Python objects they return as.
    std::vector<nb::object> bound(outNames.size());
    std::vector<int32_t> outputDevices(outNames.size(), KILN_DEVICE_CPU);
    if (!preallocated.is_none()) {
      nb::sequence slots = nb::borrow<nb::sequence>(preallocated);
      if (nb::len(slots) != outNames.size())
        throw StatusError{KILN_INVALID_ARGUMENT,
                          "one preallocated slot per output name"};
      for (size_t o = 0; o < outNames.size(); ++o) {
        nb::handle slot = slots[o];
        if (slot.is_none())
          continue;
        if (nb::isinstance<nb::str>(slot)) {
          // "cuda": allocated on the session's device at this run.
          outputDevices[o] = KILN_DEVICE_CUDA;
          continue;
        }
        if (nb::isinstance<DeviceTensor>(slot)) {
          results[o] = nb::cast<DeviceTensor &>(slot).get();
          bound[o] = nb::borrow(slot);
          continue;
        }
        auto [elemType, array] = nb::cast<
            std::pair<int32_t, nb::ndarray<nb::c_contig, nb::device::cpu>>>(
            slot);
        if (packedBits(elemType))
          throw StatusError{KILN_NOT_IMPLEMENTED,
                            "outputs of the packed 4- and 2-bit types cannot "
                            "be bound to a buffer"};
        std::vector<int64_t> shape(array.ndim());
        for (size_t d = 0; d < shape.size(); ++d)
          shape[d] = static_cast<int64_t>(array.shape(d));
        kiln_value *value = nullptr;
        check(kiln_value_create_tensor_with_data(elemType, array.data(),
                                                 array.nbytes(), shape.data(),
                                                 shape.size(), &value));
        values.push_back(value);
        results[o] = value;
        bound[o] = nb::borrow(nb::cast<nb::tuple>(slot)[1]);
      }
    }
    kiln_status *status;
    {
      nb::gil_scoped_release noGil;
      status = kiln_session_run_with_output_devices(
          session_, runOptions ? runOptions->get() : nullptr, inNames.data(),
          fedValues.data(), feeds.size(), outNames.data(), outNames.size(),
          outputDevices.data(), results.data());
    }
    check(status);

    // Hand each result to numpy without copying: a capsule owns it. Until
    // its capsule exists a result is owned here, so nothing leaks should a
    // conversion throw.
    std::vector<std::unique_ptr<kiln_value, void (*)(kiln_value *)>> owned;
    for (size_t o = 0; o < results.size(); ++o)
      owned.emplace_back(bound[o] ? nullptr : results[o], kiln_value_release);
    nb::list out;
    for (size_t o = 0; o < owned.size(); ++o) {
      if (bound[o]) {
        out.append(bound[o]);
        continue;
      }
      auto &value = owned[o];
      if (outputDevices[o] == KILN_DEVICE_CUDA)
        out.append(nb::cast(new DeviceTensor(value.release()),
                            nb::rv_policy::take_ownership));
      else
        out.append(toPython(value.release()));
    }
    return out;
  }

  /// (type string, kind, flags, number of tensors) of every input or
  /// output (kiln_session_get_*_type_info).
  std::vector<std::tuple<std::string, uint32_t, uint32_t, size_t>>
  valueTypes(bool inputs) const {
    size_t count = 0;
    check(inputs ? kiln_session_get_input_count(session_, &count)
                 : kiln_session_get_output_count(session_, &count));
    std::vector<std::tuple<std::string, uint32_t, uint32_t, size_t>> out;
    for (size_t i = 0; i < count; ++i) {
      const char *type = nullptr;
      uint32_t kind = 0, flags = 0;
      size_t slots = 0;
      check(inputs ? kiln_session_get_input_type_info(session_, i, &type, &kind,
                                                      &flags, &slots)
                   : kiln_session_get_output_type_info(session_, i, &type,
                                                       &kind, &flags, &slots));
      out.emplace_back(type ? type : "", kind, flags, slots);
    }
    return out;
  }

private:
  /// A tensor viewing `array`'s memory (kept alive by the caller during
  /// the run); packed types are packed into `packed` first.
  static kiln_value *
  feedTensor(int32_t elemType,
             const nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu> &array,
             std::vector<std::vector<uint8_t>> &packed) {
    std::vector<int64_t> shape(array.ndim());
    for (size_t d = 0; d < shape.size(); ++d)
      shape[d] = static_cast<int64_t>(array.shape(d));
    kiln_value *value = nullptr;
    void *data = const_cast<void *>(array.data());
    size_t nbytes = array.nbytes();
    if (size_t bits = packedBits(elemType)) {
      if (array.itemsize() != 1)
        throw StatusError{KILN_INVALID_ARGUMENT,
                          "a packed-type input must hold one byte per "
                          "element"};
      packed.push_back(
          packBytes(static_cast<const uint8_t *>(data), array.size(), bits));
      data = packed.back().data();
      nbytes = packed.back().size();
    }
    // The runtime only reads inputs: wrapping the numpy buffer is safe.
    check(kiln_value_create_tensor_with_data(
        elemType, data, nbytes, shape.data(), shape.size(), &value));
    return value;
  }

  /// The kiln_value for one feed (see run()); every value made is added to
  /// `made`, which releases them.
  static kiln_value *feedValue(nb::handle feed, std::vector<kiln_value *> &made,
                               std::vector<std::vector<uint8_t>> &packed) {
    kiln_value *value = nullptr;
    if (feed.is_none()) {
      check(kiln_value_create_none(&value));
      made.push_back(value);
      return value;
    }
    nb::tuple parts = nb::cast<nb::tuple>(feed);
    if (nb::isinstance<nb::str>(parts[0])) {
      std::string tag = nb::cast<std::string>(parts[0]);
      if (tag == "seq") {
        std::vector<kiln_value *> elements;
        for (nb::handle element : nb::cast<nb::list>(parts[1]))
          elements.push_back(feedValue(element, made, packed));
        check(kiln_value_create_sequence(elements.data(), elements.size(),
                                         &value));
      } else if (tag == "device") {
        // Borrowed: the OrtValue owns it and outlives the run.
        return nb::cast<DeviceTensor &>(parts[1]).get();
      } else if (tag == "map") {
        kiln_value *keys = feedValue(parts[1], made, packed);
        kiln_value *vals = feedValue(parts[2], made, packed);
        check(kiln_value_create_map(keys, vals, &value));
      } else {
        throw StatusError{KILN_INVALID_ARGUMENT, "unknown feed kind " + tag};
      }
      made.push_back(value);
      return value;
    }
    value = feedTensor(
        nb::cast<int32_t>(parts[0]),
        nb::cast<nb::ndarray<nb::ro, nb::c_contig, nb::device::cpu>>(parts[1]),
        packed);
    made.push_back(value);
    return value;
  }

  /// One scalar of a map's keys or values as a Python object: int, float
  /// or str, as ORT converts map entries.
  static nb::object scalar(int32_t elemType, const void *data, size_t i) {
    switch (elemType) {
    case KILN_ELEM_INT64:
      return nb::int_(static_cast<const int64_t *>(data)[i]);
    case KILN_ELEM_INT32:
      return nb::int_(static_cast<const int32_t *>(data)[i]);
    case KILN_ELEM_FLOAT:
      return nb::float_(static_cast<const float *>(data)[i]);
    case KILN_ELEM_DOUBLE:
      return nb::float_(static_cast<const double *>(data)[i]);
    case KILN_ELEM_STRING: {
      const char *text = static_cast<const char *const *>(data)[i];
      return nb::steal(
          PyUnicode_DecodeUTF8(text, std::strlen(text), "replace"));
    }
    default:
      throw StatusError{KILN_NOT_IMPLEMENTED,
                        "Kiln cannot return map entries of element type " +
                            std::to_string(elemType) + " to Python"};
    }
  }

  /// The Python keys of the last map converted: the maps of a sequence of
  /// maps (ZipMap's) share one keys tensor, converted once.
  struct KeyCache {
    const void *data = nullptr;
    size_t count = 0;
    std::vector<nb::object> keys;
  };

  /// Takes `raw` (an output value) over and returns what ORT's Python
  /// returns for it: a numpy array (sharing the tensor's memory), a list,
  /// a dict or None.
  static nb::object toPython(kiln_value *raw) {
    KeyCache cache;
    return toPython(raw, cache);
  }

  static nb::object toPython(kiln_value *raw, KeyCache &cache) {
    std::unique_ptr<kiln_value, void (*)(kiln_value *)> value(
        raw, kiln_value_release);
    kiln_onnx_type type = KILN_ONNX_TYPE_TENSOR;
    check(kiln_value_get_value_type(value.get(), &type));
    if (type == KILN_ONNX_TYPE_OPTIONAL)
      return nb::none();
    if (type == KILN_ONNX_TYPE_MAP)
      return mapToDict(value.get(), cache);
    if (type == KILN_ONNX_TYPE_SEQUENCE) {
      size_t count = 0;
      check(kiln_value_get_count(value.get(), &count));
      nb::object items = nb::steal(PyList_New(static_cast<Py_ssize_t>(count)));
      if (!items.ptr())
        throw nb::python_error();
      for (size_t i = 0; i < count; ++i) {
        // Maps are read in place (borrowed: no value made per map);
        // tensors become arrays that keep their element alive.
        const kiln_value *borrowed = nullptr;
        check(kiln_value_borrow_element(value.get(), i, &borrowed));
        kiln_onnx_type elementType = KILN_ONNX_TYPE_TENSOR;
        check(kiln_value_get_value_type(borrowed, &elementType));
        nb::object item;
        if (elementType == KILN_ONNX_TYPE_MAP) {
          item = mapToDict(borrowed, cache);
        } else {
          kiln_value *element = nullptr;
          check(kiln_value_get_element(value.get(), i, &element));
          item = toPython(element, cache);
        }
        // Steals the reference; the list's slots start out NULL.
        PyList_SET_ITEM(items.ptr(), static_cast<Py_ssize_t>(i),
                        item.release().ptr());
      }
      return items;
    }
    return tensorToNumpy(value.release());
  }

  /// A map as ORT's Python returns it: a dict of Python scalars.
  static nb::object mapToDict(const kiln_value *map, KeyCache &cache) {
    const kiln_value *keys = nullptr, *vals = nullptr;
    check(kiln_value_borrow_element(map, 0, &keys));
    check(kiln_value_borrow_element(map, 1, &vals));
    size_t n = static_cast<size_t>(kiln_value_element_count(keys));
    int32_t keyType = kiln_value_elem_type(keys);
    int32_t valueType = kiln_value_elem_type(vals);
    const void *keyData = kiln_value_data(keys);
    const void *valueData = kiln_value_data(vals);
    if (cache.data != keyData || cache.count != n) {
      cache.keys.clear();
      for (size_t i = 0; i < n; ++i)
        cache.keys.push_back(scalar(keyType, keyData, i));
      cache.data = keyData;
      cache.count = n;
    }
    nb::object dict = nb::steal(PyDict_New());
    if (!dict.ptr())
      throw nb::python_error();
    for (size_t i = 0; i < n; ++i) {
      nb::object item = scalar(valueType, valueData, i);
      if (PyDict_SetItem(dict.ptr(), cache.keys[i].ptr(), item.ptr()) != 0)
        throw nb::python_error();
    }
    return dict;
  }

  /// Hands the tensor `raw` to numpy without copying (a capsule owns it).
  static nb::object tensorToNumpy(kiln_value *raw) {
    std::unique_ptr<kiln_value, void (*)(kiln_value *)> value(
        raw, kiln_value_release);
    {
      int32_t elemType = kiln_value_elem_type(value.get());
      nb::dlpack::dtype dtype = dlpackType(elemType);
      size_t rank = kiln_value_rank(value.get());
      const int64_t *dims = kiln_value_shape(value.get());
      std::vector<size_t> shape(dims, dims + rank);
      if (size_t bits = packedBits(elemType)) {
        // Unpacked into a new buffer, one element per byte (low bits).
        size_t count = static_cast<size_t>(
            kiln_value_element_count(value.get()));
        auto *bytes = new uint8_t[count ? count : 1];
        const auto *in = static_cast<const uint8_t *>(
            kiln_value_data(value.get()));
        size_t perByte = 8 / bits;
        for (size_t i = 0; i < count; ++i)
          bytes[i] = (in[i / perByte] >> ((i % perByte) * bits)) &
                     ((1u << bits) - 1);
        nb::capsule owner(bytes, [](void *p) noexcept {
          delete[] static_cast<uint8_t *>(p);
        });
        return nb::ndarray<nb::numpy>(bytes, rank, shape.data(), owner, nullptr,
                                      dtype)
            .cast();
      }
      void *data = kiln_value_data(value.get());
      nb::capsule owner(value.get(), [](void *p) noexcept {
        kiln_value_release(static_cast<kiln_value *>(p));
      });
      value.release();
      return nb::ndarray<nb::numpy>(data, rank, shape.data(), owner, nullptr,
                                    dtype)
          .cast();
    }
  }

  std::vector<IoInfo> signature(bool inputs) const {
    size_t count = 0;
    check(inputs ? kiln_session_get_input_count(session_, &count)
                 : kiln_session_get_output_count(session_, &count));
    std::vector<IoInfo> out;
    for (size_t i = 0; i < count; ++i) {
      const char *name = nullptr;
      int32_t elemType = 0;
      size_t rank = 0;
      const int64_t *dims = nullptr;
      const char *const *params = nullptr;
      if (inputs) {
        check(kiln_session_get_input_name(session_, i, &name));
        check(kiln_session_get_input_elem_type(session_, i, &elemType));
        check(kiln_session_get_input_rank(session_, i, &rank));
        check(kiln_session_get_input_dims(session_, i, &dims));
        check(kiln_session_get_input_dim_params(session_, i, &params));
      } else {
        check(kiln_session_get_output_name(session_, i, &name));
        check(kiln_session_get_output_elem_type(session_, i, &elemType));
        check(kiln_session_get_output_rank(session_, i, &rank));
        check(kiln_session_get_output_dims(session_, i, &dims));
        check(kiln_session_get_output_dim_params(session_, i, &params));
      }
      nb::list shape;
      for (size_t d = 0; d < rank; ++d) {
        if (dims[d] >= 0)
          shape.append(nb::int_(dims[d]));
        else if (params && params[d] && *params[d])
          shape.append(nb::str(params[d]));
        else
          shape.append(nb::none());
      }
      out.push_back({name ? name : "", {elemType, shape}});
    }
    return out;
  }

  kiln_session *session_ = nullptr;
};

nb::object DeviceTensor::numpy() const {
  std::vector<int64_t> dims = shape();
  kiln_value *host = nullptr;
  check(kiln_value_create_tensor(elemType(), dims.data(), dims.size(), &host));
  std::unique_ptr<kiln_value, void (*)(kiln_value *)> owned(host,
                                                            kiln_value_release);
  check(kiln_value_copy_tensor_data(value_, host));
  return Session::tensorToNumpy(owned.release());
}

struct ErrorName {
  int code;
  const char *name;
};

// Named as ONNX Runtime's Python classes are (onnxruntime_pybind11_state).
constexpr ErrorName errorNames[] = {
    {KILN_FAIL, "Fail"},
    {KILN_INVALID_ARGUMENT, "InvalidArgument"},
    {KILN_NO_SUCHFILE, "NoSuchFile"},
    {KILN_NO_MODEL, "NoModel"},
    {KILN_ENGINE_ERROR, "EngineError"},
    {KILN_RUNTIME_EXCEPTION, "RuntimeException"},
    {KILN_INVALID_PROTOBUF, "InvalidProtobuf"},
    {KILN_MODEL_LOADED, "ModelLoaded"},
    {KILN_NOT_IMPLEMENTED, "NotImplemented"},
    {KILN_INVALID_GRAPH, "InvalidGraph"},
    {KILN_EP_FAIL, "EPFail"},
};

} // namespace

NB_MODULE(_runtime, m) {
  m.doc() = "Kiln runtime: loads and runs compiled Kiln artifacts.";

  for (const ErrorName &e : errorNames) {
    std::string qualified = std::string("kiln.") + e.name;
    PyObject *cls =
        PyErr_NewException(qualified.c_str(), PyExc_Exception, nullptr);
    if (!cls)
      throw nb::python_error();
    errorClasses[e.code] = cls;
    m.attr(e.name) = nb::handle(cls);
  }
  nb::register_exception_translator([](const std::exception_ptr &p, void *) {
    try {
      std::rethrow_exception(p);
    } catch (const StatusError &e) {
      PyObject *cls = e.code > 0 && e.code < (int)errorClasses.size()
                          ? errorClasses[e.code]
                          : errorClasses[KILN_FAIL];
      PyErr_SetString(cls, formatError(e.code, e.message).c_str());
    }
  });

  m.def(
      "format_error", &formatError, nb::arg("code"), nb::arg("message"),
      "'[ONNXRuntimeError] : <code> : <NAME> : <message>', as ORT prints it.");
  m.def("runtime_version", [] { return std::string(kiln_runtime_version()); });
  m.def("abi_version", [] { return kiln_runtime_abi_version(); });
  m.def(
      "cuda_device_chip",
      [](int32_t deviceId) {
        char chip[32];
        check(kiln_cuda_device_chip(deviceId, chip, sizeof chip));
        return std::string(chip);
      },
      nb::arg("device_id") = 0,
      "The architecture of CUDA device `device_id` ('sm_86'); EPFail, "
      "saying why, when CUDA artifacts cannot run on it.");
  m.def(
      "elem_types",
      [] {
        // kiln_elem_types.def, the one table of element types.
        nb::list out;
#define KILN_ELEM_TYPE(NAME, VALUE, ONNX_NAME, BITS, C_TYPE, NUMPY_NAME)      \
  out.append(nb::make_tuple(VALUE, ONNX_NAME, BITS, #NUMPY_NAME));
#include "kiln/kiln_elem_types.def"
#undef KILN_ELEM_TYPE
        return out;
      },
      "(elem_type, onnx_name, bits, numpy_name) for every element type.");
  m.def("elem_type_name", [](int32_t elemType) -> nb::object {
    const char *name = kiln_elem_type_name(elemType);
    return name ? nb::object(nb::str(name)) : nb::none();
  });

  nb::class_<Session>(m, "Session")
      .def(nb::init<nb::handle, int, int,
                    const std::vector<std::pair<std::string, std::string>> &>(),
           nb::arg("path"), nb::arg("intra_op_num_threads") = 0,
           nb::arg("inter_op_num_threads") = 0,
           nb::arg("config") =
               std::vector<std::pair<std::string, std::string>>())
      .def("inputs", &Session::inputs)
      .def("outputs", &Session::outputs)
      .def("input_types", [](const Session &s) { return s.valueTypes(true); })
      .def("output_types", [](const Session &s) { return s.valueTypes(false); })
      .def("metadata", &Session::metadata)
      .def("compiler_version", &Session::compilerVersion)
      .def("provider", &Session::provider)
      .def("cpu_fallback_reason", &Session::cpuFallbackReason)
      .def("kernels", &Session::kernels)
      .def("take_profile_events", &Session::takeProfileEvents)
      .def("run", &Session::run, nb::arg("output_names"), nb::arg("feeds"),
           nb::arg("preallocated") = nb::none(),
           nb::arg("run_options").none() = nullptr);

  nb::class_<DeviceTensor>(m, "DeviceTensor")
      .def_static("empty", &DeviceTensor::empty, nb::arg("elem_type"),
                  nb::arg("shape"), nb::arg("device_id"),
                  nb::rv_policy::take_ownership)
      .def_static("from_array", &DeviceTensor::fromArray, nb::arg("elem_type"),
                  nb::arg("array"), nb::arg("device_id"),
                  nb::rv_policy::take_ownership)
      .def_static("view", &DeviceTensor::view, nb::arg("elem_type"),
                  nb::arg("address"), nb::arg("shape"), nb::arg("device_id"),
                  nb::rv_policy::take_ownership)
      .def("numpy", &DeviceTensor::numpy)
      .def("update", &DeviceTensor::update)
      .def_prop_ro("elem_type", &DeviceTensor::elemType)
      .def_prop_ro("shape", &DeviceTensor::shape)
      .def_prop_ro("data_ptr", &DeviceTensor::dataPtr)
      .def_prop_ro("nbytes", &DeviceTensor::nbytes)
      .def_prop_ro("device_id", &DeviceTensor::deviceId);

  nb::class_<RunOptions>(m, "RunOptions")
      .def(nb::init<>())
      .def("set_terminate", &RunOptions::setTerminate)
      .def("set_run_tag", &RunOptions::setRunTag)
      .def("set_log_severity_level", &RunOptions::setLogSeverityLevel)
      .def("add_config_entry", &RunOptions::addConfigEntry);
}
