//===- kiln.hpp - Header-only C++ API over the Kiln C API -------*- C++ -*-===//
//
// RAII wrappers in the spirit of ONNX Runtime's C++ API: failures throw
// kiln::Exception, whose what() reads like ORT's
// "[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Invalid input name: foo".
//
//   kiln::InferenceSession session("model.so");
//   std::vector<float> x(2 * 3);
//   auto input = kiln::Tensor::view(x.data(), x.size(), {2, 3});
//   std::vector<kiln::Tensor> out = session.run({{"x", input}});
//   const float *z = out[0].data<float>();
//
//===----------------------------------------------------------------------===//
#ifndef KILN_KILN_HPP
#define KILN_KILN_HPP

#include "kiln/kiln.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace kiln {

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

enum class ErrorCode : int {
  Ok = KILN_OK,
  Fail = KILN_FAIL,
  InvalidArgument = KILN_INVALID_ARGUMENT,
  NoSuchFile = KILN_NO_SUCHFILE,
  NoModel = KILN_NO_MODEL,
  EngineError = KILN_ENGINE_ERROR,
  RuntimeException = KILN_RUNTIME_EXCEPTION,
  InvalidProtobuf = KILN_INVALID_PROTOBUF,
  ModelLoaded = KILN_MODEL_LOADED,
  NotImplemented = KILN_NOT_IMPLEMENTED,
  InvalidGraph = KILN_INVALID_GRAPH,
  EpFail = KILN_EP_FAIL,
};

/// "INVALID_ARGUMENT" etc.
inline const char *errorCodeName(ErrorCode code) {
  return kiln_error_code_name(static_cast<kiln_error_code>(code));
}

/// ONNX Runtime's rendering of an error: "[ONNXRuntimeError] : <code> :
/// <NAME> : <message>".
inline std::string formatError(ErrorCode code, const std::string &message) {
  return "[ONNXRuntimeError] : " + std::to_string(static_cast<int>(code)) +
         " : " + errorCodeName(code) + " : " + message;
}

/// Thrown by every failing call of this API.
class Exception : public std::runtime_error {
public:
  Exception(ErrorCode code, const std::string &message)
      : std::runtime_error(formatError(code, message)), code_(code),
        message_(message) {}

  /// Ort::Exception's argument order.
  Exception(std::string message, ErrorCode code) : Exception(code, message) {}

  ErrorCode code() const noexcept { return code_; }
  /// Ort::Exception::GetOrtErrorCode.
  ErrorCode GetOrtErrorCode() const noexcept { return code_; }
  /// The bare message, without the "[ONNXRuntimeError] ..." prefix (what()
  /// carries the prefix, as ORT's Python errors print).
  const std::string &message() const noexcept { return message_; }

private:
  ErrorCode code_;
  std::string message_;
};

/// Owns a kiln_status (NULL = success).
class Status {
public:
  Status() = default;
  explicit Status(kiln_status *status) : status_(status) {}
  Status(ErrorCode code, const std::string &message)
      : status_(kiln_status_create(static_cast<kiln_error_code>(code),
                                   message.c_str())) {}
  Status(Status &&other) noexcept : status_(other.release()) {}
  Status &operator=(Status &&other) noexcept {
    if (this != &other) {
      kiln_status_release(status_);
      status_ = other.release();
    }
    return *this;
  }
  Status(const Status &) = delete;
  Status &operator=(const Status &) = delete;
  ~Status() { kiln_status_release(status_); }

  bool ok() const { return status_ == nullptr; }
  explicit operator bool() const { return ok(); }
  ErrorCode code() const {
    return static_cast<ErrorCode>(kiln_status_code(status_));
  }
  std::string message() const { return kiln_status_message(status_); }
  /// "" when ok, else ORT's formatted text.
  std::string toString() const {
    return ok() ? std::string() : formatError(code(), message());
  }
  void throwIfError() const {
    if (!ok())
      throw Exception(code(), message());
  }
  kiln_status *get() const { return status_; }
  kiln_status *release() {
    kiln_status *s = status_;
    status_ = nullptr;
    return s;
  }

private:
  kiln_status *status_ = nullptr;
};

/// Throws if a C API call failed; releases the status either way.
inline void check(kiln_status *status) { Status(status).throwIfError(); }

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

enum class ElementType : int32_t {
  Float = KILN_ELEM_FLOAT,
  UInt8 = KILN_ELEM_UINT8,
  Int8 = KILN_ELEM_INT8,
  UInt16 = KILN_ELEM_UINT16,
  Int16 = KILN_ELEM_INT16,
  Int32 = KILN_ELEM_INT32,
  Int64 = KILN_ELEM_INT64,
  String = KILN_ELEM_STRING,
  Bool = KILN_ELEM_BOOL,
  Float16 = KILN_ELEM_FLOAT16,
  Double = KILN_ELEM_DOUBLE,
  UInt32 = KILN_ELEM_UINT32,
  UInt64 = KILN_ELEM_UINT64,
  BFloat16 = KILN_ELEM_BFLOAT16,
  // Held as their bits (float8: one byte per element; the 4- and 2-bit
  // types packed, low bits first): see kiln_elem_types.def.
  Float8E4M3FN = KILN_ELEM_FLOAT8E4M3FN,
  Float8E4M3FNUZ = KILN_ELEM_FLOAT8E4M3FNUZ,
  Float8E5M2 = KILN_ELEM_FLOAT8E5M2,
  Float8E5M2FNUZ = KILN_ELEM_FLOAT8E5M2FNUZ,
  UInt4 = KILN_ELEM_UINT4,
  Int4 = KILN_ELEM_INT4,
  Float4E2M1 = KILN_ELEM_FLOAT4E2M1,
  Float8E8M0 = KILN_ELEM_FLOAT8E8M0,
  UInt2 = KILN_ELEM_UINT2,
  Int2 = KILN_ELEM_INT2,
};

/// "float", "int64", ...; "unknown" for values outside the enum.
inline const char *elementTypeName(ElementType type) {
  const char *name = kiln_elem_type_name(static_cast<int32_t>(type));
  return name ? name : "unknown";
}

/// "tensor(float)", as ONNX Runtime's NodeArg.type spells it.
inline std::string typeString(ElementType type) {
  return std::string("tensor(") + elementTypeName(type) + ")";
}

/// Bytes per element; 0 for the packed 4- and 2-bit types (elementBits).
inline size_t elementSize(ElementType type) {
  return kiln_elem_type_size(static_cast<int32_t>(type));
}

inline size_t elementBits(ElementType type) {
  return kiln_elem_type_bits(static_cast<int32_t>(type));
}

/// IEEE 754 binary16, stored as its bits.
struct Float16 {
  uint16_t bits = 0;

  Float16() = default;
  explicit Float16(float value) : bits(fromFloat(value)) {}
  static Float16 fromBits(uint16_t bits) {
    Float16 h;
    h.bits = bits;
    return h;
  }
  explicit operator float() const { return toFloat(bits); }
  /// Ort::Float16_t::ToFloat.
  float ToFloat() const { return toFloat(bits); }
  bool operator==(Float16 other) const { return bits == other.bits; }
  bool operator!=(Float16 other) const { return bits != other.bits; }

  static uint16_t fromFloat(float value) {
    uint32_t f;
    std::memcpy(&f, &value, 4);
    const uint32_t sign = (f >> 16) & 0x8000u;
    const uint32_t absBits = f & 0x7fffffffu;
    if (absBits >= 0x7f800000u) // Inf or NaN (kept quiet)
      return static_cast<uint16_t>(sign | 0x7c00u |
                                   (absBits > 0x7f800000u ? 0x200u : 0u));
    if (absBits >= 0x477ff000u) // rounds to >= 65520: overflow to Inf
      return static_cast<uint16_t>(sign | 0x7c00u);
    if (absBits < 0x38800000u) { // below the smallest normal half: subnormal
      // value = mant24 * 2^(exp-150) = half * 2^-24, so half = mant24 >>
      // (126 - exp), rounded to nearest even. Float subnormals flush to 0.
      const uint32_t shift = 126u - (absBits >> 23);
      if (shift > 24)
        return static_cast<uint16_t>(sign);
      const uint32_t mant = (absBits & 0x7fffffu) | 0x800000u;
      uint32_t half = mant >> shift;
      const uint32_t rem = mant & ((1u << shift) - 1);
      const uint32_t halfway = 1u << (shift - 1);
      if (rem > halfway || (rem == halfway && (half & 1u)))
        ++half;
      return static_cast<uint16_t>(sign | half);
    }
    // Normal: rebias the exponent, round the mantissa to nearest even.
    uint32_t half = ((absBits - 0x38000000u) >> 13);
    const uint32_t rem = absBits & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (half & 1u)))
      ++half;
    return static_cast<uint16_t>(sign | half);
  }

  static float toFloat(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    uint32_t f;
    if (exp == 0x1f) {
      f = sign | 0x7f800000u | (mant << 13);
    } else if (exp != 0) {
      f = sign | ((exp + 112) << 23) | (mant << 13);
    } else if (mant == 0) {
      f = sign;
    } else { // subnormal: normalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400u) == 0);
      f = sign | (static_cast<uint32_t>(112 - e) << 23) |
          ((mant & 0x3ffu) << 13);
    }
    float out;
    std::memcpy(&out, &f, 4);
    return out;
  }
};

/// bfloat16: the upper half of a float32, stored as its bits.
struct BFloat16 {
  uint16_t bits = 0;

  BFloat16() = default;
  explicit BFloat16(float value) : bits(fromFloat(value)) {}
  static BFloat16 fromBits(uint16_t bits) {
    BFloat16 b;
    b.bits = bits;
    return b;
  }
  explicit operator float() const { return toFloat(bits); }
  /// Ort::BFloat16_t::ToFloat.
  float ToFloat() const { return toFloat(bits); }
  bool operator==(BFloat16 other) const { return bits == other.bits; }
  bool operator!=(BFloat16 other) const { return bits != other.bits; }

  static uint16_t fromFloat(float value) {
    uint32_t f;
    std::memcpy(&f, &value, 4);
    if ((f & 0x7fffffffu) > 0x7f800000u) // NaN: keep it a (quiet) NaN
      return static_cast<uint16_t>((f >> 16) | 0x40u);
    // Round to nearest even on the dropped 16 bits.
    f += 0x7fffu + ((f >> 16) & 1u);
    return static_cast<uint16_t>(f >> 16);
  }
  static float toFloat(uint16_t b) {
    uint32_t f = static_cast<uint32_t>(b) << 16;
    float out;
    std::memcpy(&out, &f, 4);
    return out;
  }
};

/// The ElementType of a C++ element type, e.g. elementTypeOf<float>().
template <typename T> struct ElementTypeOf;
#define KILN_ELEMENT_TYPE_OF(CppType, Enum)                                    \
  template <> struct ElementTypeOf<CppType> {                                  \
    static constexpr ElementType value = ElementType::Enum;                    \
  };
KILN_ELEMENT_TYPE_OF(float, Float)
KILN_ELEMENT_TYPE_OF(double, Double)
KILN_ELEMENT_TYPE_OF(int8_t, Int8)
KILN_ELEMENT_TYPE_OF(uint8_t, UInt8)
KILN_ELEMENT_TYPE_OF(int16_t, Int16)
KILN_ELEMENT_TYPE_OF(uint16_t, UInt16)
KILN_ELEMENT_TYPE_OF(int32_t, Int32)
KILN_ELEMENT_TYPE_OF(uint32_t, UInt32)
KILN_ELEMENT_TYPE_OF(int64_t, Int64)
KILN_ELEMENT_TYPE_OF(uint64_t, UInt64)
KILN_ELEMENT_TYPE_OF(bool, Bool)
KILN_ELEMENT_TYPE_OF(Float16, Float16)
KILN_ELEMENT_TYPE_OF(BFloat16, BFloat16)
#undef KILN_ELEMENT_TYPE_OF

template <typename T> constexpr ElementType elementTypeOf() {
  return ElementTypeOf<std::remove_cv_t<T>>::value;
}

static_assert(sizeof(bool) == 1, "Kiln bool tensors hold one byte per element");
static_assert(sizeof(Float16) == 2 && sizeof(BFloat16) == 2,
              "16-bit float wrappers must be exactly 2 bytes");

//===----------------------------------------------------------------------===//
// Tensor
//===----------------------------------------------------------------------===//

/// A dense row-major tensor owning its memory or viewing the caller's.
/// Move-only, like Ort::Value.
class Tensor {
public:
  Tensor() = default;
  /// Takes ownership of `value`.
  explicit Tensor(kiln_value *value) : value_(value) {}
  Tensor(Tensor &&other) noexcept : value_(other.release()) {}
  Tensor &operator=(Tensor &&other) noexcept {
    if (this != &other) {
      kiln_value_release(value_);
      value_ = other.release();
    }
    return *this;
  }
  Tensor(const Tensor &) = delete;
  Tensor &operator=(const Tensor &) = delete;
  ~Tensor() { kiln_value_release(value_); }

  /// A zero-filled tensor owning its storage.
  static Tensor zeros(ElementType type, const std::vector<int64_t> &shape) {
    kiln_value *value = nullptr;
    check(kiln_value_create_tensor(static_cast<int32_t>(type), shape.data(),
                                   shape.size(), &value));
    return Tensor(value);
  }
  template <typename T> static Tensor zeros(const std::vector<int64_t> &shape) {
    return zeros(elementTypeOf<T>(), shape);
  }

  /// An owning tensor holding a copy of `data` (row-major, one element per
  /// entry of the shape's product).
  template <typename T>
  static Tensor fromVector(const std::vector<int64_t> &shape,
                           const std::vector<T> &data) {
    Tensor t = zeros<T>(shape);
    if (static_cast<int64_t>(data.size()) != t.elementCount())
      throw Exception(ErrorCode::InvalidArgument,
                      "fromVector: " + std::to_string(data.size()) +
                          " values for a shape of " +
                          std::to_string(t.elementCount()) + " elements");
    copyInto(data, t.rawData());
    return t;
  }

  /// An owning rank-0 tensor.
  template <typename T> static Tensor scalar(T value) {
    return fromVector<T>({}, std::vector<T>{value});
  }

  /// A tensor viewing `count` elements at `data` without copying them; the
  /// caller keeps them alive while the tensor is used.
  template <typename T>
  static Tensor view(T *data, size_t count, const std::vector<int64_t> &shape) {
    static_assert(!std::is_same<std::remove_cv_t<T>, std::string>::value,
                  "string tensors are not supported");
    return view(elementTypeOf<T>(), const_cast<std::remove_cv_t<T> *>(data),
                count * sizeof(T), shape);
  }
  static Tensor view(ElementType type, void *data, size_t byteSize,
                     const std::vector<int64_t> &shape) {
    kiln_value *value = nullptr;
    check(kiln_value_create_tensor_with_data(static_cast<int32_t>(type), data,
                                             byteSize, shape.data(),
                                             shape.size(), &value));
    return Tensor(value);
  }

  /// A deep copy that owns its storage.
  Tensor clone() const {
    Tensor t = zeros(elementType(), shape());
    if (byteSize())
      std::memcpy(t.rawData(), rawData(), byteSize());
    return t;
  }

  explicit operator bool() const { return value_ != nullptr; }
  kiln_value *get() const { return value_; }
  kiln_value *release() {
    kiln_value *v = value_;
    value_ = nullptr;
    return v;
  }

  ElementType elementType() const {
    return static_cast<ElementType>(kiln_value_elem_type(value_));
  }
  size_t rank() const { return kiln_value_rank(value_); }
  std::vector<int64_t> shape() const {
    const int64_t *dims = kiln_value_shape(value_);
    return dims ? std::vector<int64_t>(dims, dims + rank())
                : std::vector<int64_t>();
  }
  int64_t elementCount() const { return kiln_value_element_count(value_); }
  size_t byteSize() const { return kiln_value_byte_size(value_); }
  bool isOwning() const { return kiln_value_is_owning(value_) != 0; }

  void *rawData() { return kiln_value_data(value_); }
  const void *rawData() const { return kiln_value_data(value_); }

  /// Typed access; throws INVALID_ARGUMENT when T is not the element type.
  template <typename T> T *data() {
    requireType<T>();
    return static_cast<T *>(rawData());
  }
  template <typename T> const T *data() const {
    requireType<T>();
    return static_cast<const T *>(rawData());
  }
  template <typename T> std::vector<T> toVector() const {
    const T *p = data<T>();
    return std::vector<T>(p, p + elementCount());
  }

private:
  template <typename T> void requireType() const {
    if (!value_)
      throw Exception(ErrorCode::InvalidArgument, "empty kiln::Tensor");
    if (elementType() != elementTypeOf<T>())
      throw Exception(ErrorCode::InvalidArgument,
                      "tensor holds " + typeString(elementType()) + ", not " +
                          typeString(elementTypeOf<T>()));
  }

  template <typename T>
  static void copyInto(const std::vector<T> &data, void *dst) {
    if constexpr (std::is_same<T, bool>::value) {
      // std::vector<bool> is packed; unpack one byte per element.
      auto *out = static_cast<uint8_t *>(dst);
      for (size_t i = 0; i < data.size(); ++i)
        out[i] = data[i] ? 1 : 0;
    } else if (!data.empty()) {
      std::memcpy(dst, data.data(), data.size() * sizeof(T));
    }
  }

  kiln_value *value_ = nullptr;
};

/// std::vector<bool> cannot hand out a pointer; read bool tensors as bytes.
template <> inline std::vector<bool> Tensor::toVector<bool>() const {
  const bool *p = data<bool>();
  return std::vector<bool>(p, p + elementCount());
}

//===----------------------------------------------------------------------===//
// Session
//===----------------------------------------------------------------------===//

/// A graph input or output, like ORT's NodeArg.
struct TensorInfo {
  std::string name;
  ElementType elementType = ElementType::Float;
  /// -1 marks a dim only known at run time.
  std::vector<int64_t> shape;
  /// The dim_param of each dynamic dim ("batch"), "" otherwise.
  std::vector<std::string> dimParams;
  /// ORT's type string of a sequence, map or optional
  /// ("seq(tensor(float))"); "" for a tensor.
  std::string valueType;

  /// "tensor(float)", or the value's type string.
  std::string type() const {
    return valueType.empty() ? typeString(elementType) : valueType;
  }
  bool isDynamic(size_t axis) const { return shape.at(axis) < 0; }

  /// NodeArg(name='x', type='tensor(float)', shape=['batch', 3]); anonymous
  /// dynamic dims print as None, as in ORT.
  std::string toString() const {
    std::string out =
        "NodeArg(name='" + name + "', type='" + type() + "', shape=[";
    for (size_t d = 0; d < shape.size(); ++d) {
      if (d)
        out += ", ";
      if (shape[d] >= 0)
        out += std::to_string(shape[d]);
      else if (d < dimParams.size() && !dimParams[d].empty())
        out += "'" + dimParams[d] + "'";
      else
        out += "None";
    }
    return out + "])";
  }
};

/// ORT's GraphOptimizationLevel, with its values.
enum class GraphOptimizationLevel : int32_t {
  DisableAll = 0,
  EnableBasic = 1,
  EnableExtended = 2,
  EnableAll = 99,
};

/// ORT's ExecutionMode.
enum class ExecutionMode : int32_t { Sequential = 0, Parallel = 1 };

class SessionOptions {
public:
  SessionOptions() { check(kiln_session_options_create(&options_)); }
  SessionOptions(SessionOptions &&other) noexcept : options_(other.options_) {
    other.options_ = nullptr;
  }
  SessionOptions &operator=(SessionOptions &&other) noexcept {
    std::swap(options_, other.options_);
    return *this;
  }
  SessionOptions(const SessionOptions &) = delete;
  SessionOptions &operator=(const SessionOptions &) = delete;
  ~SessionOptions() { kiln_session_options_release(options_); }

  SessionOptions &setIntraOpNumThreads(int32_t n) {
    check(kiln_session_options_set_intra_op_num_threads(options_, n));
    return *this;
  }
  SessionOptions &setInterOpNumThreads(int32_t n) {
    check(kiln_session_options_set_inter_op_num_threads(options_, n));
    return *this;
  }
  SessionOptions &addConfigEntry(const std::string &key,
                                 const std::string &value) {
    check(kiln_session_options_add_config_entry(options_, key.c_str(),
                                                value.c_str()));
    return *this;
  }
  /// Runs the session's .onnx model on CUDA device `deviceId`, compiled
  /// for its architecture (or `archs`, "sm_80,sm_90"), holding at most
  /// `gpuMemLimit` bytes of device memory (0: no limit). Without a usable
  /// device, creating the session fails (EP_FAIL) saying why.
  SessionOptions &appendExecutionProviderCuda(int deviceId = 0,
                                              uint64_t gpuMemLimit = 0,
                                              const std::string &archs = "") {
    addConfigEntry("kiln.execution_provider", "cuda");
    addConfigEntry("kiln.cuda.device_id", std::to_string(deviceId));
    addConfigEntry("kiln.cuda.gpu_mem_limit", std::to_string(gpuMemLimit));
    if (!archs.empty())
      addConfigEntry("kiln.cuda.archs", archs);
    return *this;
  }
  /// Lists the CPU after CUDA, as Python's providers=['CUDAExecutionProvider',
  /// 'CPUExecutionProvider'] does: when the CUDA device cannot be used, an
  /// .onnx is compiled for the CPU, and a CUDA artifact that carries a CPU
  /// copy of its model (kiln-compile --provider=cuda,cpu) runs that copy
  /// (config entry kiln.cuda.cpu_fallback=1). Without it, or for an artifact
  /// without a copy, such a session fails with EP_FAIL.
  SessionOptions &appendExecutionProviderCpu() {
    return addConfigEntry("kiln.cuda.cpu_fallback", "1");
  }
  std::optional<std::string> configEntry(const std::string &key) const {
    const char *value = nullptr;
    check(kiln_session_options_get_config_entry(options_, key.c_str(), &value));
    if (!value)
      return std::nullopt;
    return std::string(value);
  }

  //--- ONNX Runtime's names (Ort::SessionOptions) -----------------------//

  /// Threads of the session's pool; 0 = one per physical core. Honoured when
  /// the session is created.
  SessionOptions &SetIntraOpNumThreads(int n) {
    return setIntraOpNumThreads(n);
  }
  /// Accepted; runs are not scheduled across operators.
  SessionOptions &SetInterOpNumThreads(int n) {
    return setInterOpNumThreads(n);
  }
  /// Only matters when compiling: an artifact is loaded as it was compiled.
  /// Recorded as config entry "kiln.graph_optimization_level".
  SessionOptions &SetGraphOptimizationLevel(GraphOptimizationLevel level) {
    check(kiln_session_options_set_graph_optimization_level(
        options_, static_cast<int32_t>(level)));
    return *this;
  }
  /// Only matters when compiling: pins a symbolic dim before code is
  /// generated. Recorded as "kiln.free_dimension_override.<name>".
  SessionOptions &AddFreeDimensionOverrideByName(const char *dimName,
                                                 int64_t dimValue) {
    check(kiln_session_options_add_free_dimension_override(options_, dimName,
                                                           dimValue));
    return *this;
  }
  /// Records one event per kernel per run when the artifact was compiled
  /// with profiling (kiln-compile --profile); read them with
  /// kiln_session_take_profile_events. The C/C++ runtime writes no trace
  /// file itself (the Python layer writes ONNX Runtime's JSON).
  SessionOptions &EnableProfiling(const char *profileFilePrefix) {
    check(kiln_session_options_enable_profiling(options_, profileFilePrefix));
    return *this;
  }
  SessionOptions &DisableProfiling() {
    check(kiln_session_options_disable_profiling(options_));
    return *this;
  }
  /// Accepted for code ported from ONNX Runtime and recorded as config
  /// entries ("kiln.log_id", "kiln.log_severity_level", "kiln.execution_mode",
  /// "kiln.enable_cpu_mem_arena", "kiln.enable_mem_pattern",
  /// "kiln.optimized_model_filepath"); none changes how an artifact runs:
  /// the runtime does not log yet, runs one operator at a time, always uses
  /// its per-run arena, and a loaded artifact is already the optimized model.
  SessionOptions &SetLogId(const char *logId) {
    return AddConfigEntry("kiln.log_id", logId);
  }
  SessionOptions &SetLogSeverityLevel(int level) {
    return AddConfigEntry("kiln.log_severity_level",
                          std::to_string(level).c_str());
  }
  SessionOptions &SetExecutionMode(ExecutionMode mode) {
    return AddConfigEntry("kiln.execution_mode", mode == ExecutionMode::Parallel
                                                     ? "parallel"
                                                     : "sequential");
  }
  SessionOptions &EnableCpuMemArena() {
    return AddConfigEntry("kiln.enable_cpu_mem_arena", "1");
  }
  SessionOptions &DisableCpuMemArena() {
    return AddConfigEntry("kiln.enable_cpu_mem_arena", "0");
  }
  SessionOptions &EnableMemPattern() {
    return AddConfigEntry("kiln.enable_mem_pattern", "1");
  }
  SessionOptions &DisableMemPattern() {
    return AddConfigEntry("kiln.enable_mem_pattern", "0");
  }
  SessionOptions &SetOptimizedModelFilePath(const char *path) {
    return AddConfigEntry("kiln.optimized_model_filepath", path);
  }

  /// Free-form entries; "kiln.check_symbolic_dims" = "0" is read at load.
  SessionOptions &AddConfigEntry(const char *key, const char *value) {
    check(kiln_session_options_add_config_entry(options_, key, value));
    return *this;
  }
  bool HasConfigEntry(const char *key) const {
    return configEntry(key).has_value();
  }
  /// Throws INVALID_ARGUMENT for an absent key, as ORT does.
  std::string GetConfigEntry(const char *key) const {
    std::optional<std::string> value = configEntry(key);
    if (!value)
      throw Exception(ErrorCode::InvalidArgument,
                      std::string("Session config entry with key '") + key +
                          "' was not found.");
    return *value;
  }
  std::string GetConfigEntryOrDefault(const char *key,
                                      const std::string &fallback) const {
    return configEntry(key).value_or(fallback);
  }

  /// A copy with the same settings and entries (Ort::SessionOptions::Clone).
  SessionOptions Clone() const {
    kiln_session_options *copy = nullptr;
    check(kiln_session_options_clone(options_, &copy));
    return SessionOptions(copy);
  }
  /// ORT replaces an initializer of the model with `value` before it is
  /// optimized. A compiled artifact has its initializers compiled in, so
  /// there is nothing to replace: NOT_IMPLEMENTED (Python's
  /// SessionOptions.add_initializer applies them when compiling).
  template <typename ValueT>
  SessionOptions &AddInitializer(const char *name, const ValueT & /*value*/) {
    throw Exception(ErrorCode::NotImplemented,
                    std::string("AddInitializer('") + (name ? name : "") +
                        "'): a compiled Kiln artifact has its initializers "
                        "compiled in; set them when compiling the model");
  }
  /// Recorded ("kiln.use_per_session_threads" = "0"); Kiln sessions keep
  /// their own thread pools (see ThreadingOptions).
  SessionOptions &DisablePerSessionThreads() {
    return AddConfigEntry("kiln.use_per_session_threads", "0");
  }

  const kiln_session_options *get() const { return options_; }

private:
  explicit SessionOptions(kiln_session_options *adopted) : options_(adopted) {}

  kiln_session_options *options_ = nullptr;
};

/// Feeds by name, viewing tensors the caller owns: run({{"x", x}, {"y", y}}).
using Feeds =
    std::vector<std::pair<std::string, std::reference_wrapper<const Tensor>>>;

/// A loaded artifact. run() may be called from several threads at once.
class InferenceSession {
public:
  explicit InferenceSession(const std::string &path,
                            const SessionOptions &options = SessionOptions()) {
    check(kiln_session_create(path.c_str(), options.get(), &session_));
    try {
      loadSignature();
    } catch (...) {
      kiln_session_release(session_);
      throw;
    }
  }
  InferenceSession(InferenceSession &&other) noexcept
      : session_(other.session_), inputs_(std::move(other.inputs_)),
        outputs_(std::move(other.outputs_)),
        allOutputNames_(std::move(other.allOutputNames_)) {
    other.session_ = nullptr;
  }
  InferenceSession &operator=(InferenceSession &&other) noexcept {
    std::swap(session_, other.session_);
    std::swap(inputs_, other.inputs_);
    std::swap(outputs_, other.outputs_);
    std::swap(allOutputNames_, other.allOutputNames_);
    return *this;
  }
  InferenceSession(const InferenceSession &) = delete;
  InferenceSession &operator=(const InferenceSession &) = delete;
  ~InferenceSession() { kiln_session_release(session_); }

  const std::vector<TensorInfo> &inputs() const { return inputs_; }
  const std::vector<TensorInfo> &outputs() const { return outputs_; }
  std::vector<std::string> inputNames() const { return namesOf(inputs_); }
  std::vector<std::string> outputNames() const { return namesOf(outputs_); }

  /// producer_name, graph_name, ... and custom keys.
  std::map<std::string, std::string> metadata() const {
    size_t count = 0;
    check(kiln_session_get_metadata_count(session_, &count));
    std::map<std::string, std::string> out;
    for (size_t i = 0; i < count; ++i) {
      const char *key = nullptr, *value = nullptr;
      check(kiln_session_get_metadata_entry(session_, i, &key, &value));
      out.emplace(key, value);
    }
    return out;
  }
  std::string compilerVersion() const {
    const char *version = nullptr;
    check(kiln_session_get_compiler_version(session_, &version));
    return version;
  }
  /// KILN_PROVIDER_*
  uint32_t provider() const {
    uint32_t provider = 0;
    check(kiln_session_get_provider(session_, &provider));
    return provider;
  }
  /// Why the session runs the CPU copy of the CUDA artifact it was given
  /// (SessionOptions::appendExecutionProviderCpu); empty when it runs the
  /// artifact as given.
  std::string cpuFallbackReason() const {
    const char *reason = nullptr;
    check(kiln_session_get_cpu_fallback_reason(session_, &reason));
    return reason ? reason : "";
  }

  /// Runs with `inputs[i]` feeding `inputNames[i]`. An empty `outputNames`
  /// means every output in model order (as ORT's Python run(None, ...)).
  std::vector<Tensor> run(const std::vector<std::string> &inputNames,
                          const std::vector<Tensor> &inputs,
                          const std::vector<std::string> &outputNames = {}) {
    std::vector<const kiln_value *> values;
    values.reserve(inputs.size());
    for (const Tensor &t : inputs)
      values.push_back(t.get());
    return runValues(inputNames, values, outputNames);
  }

  /// run({{"x", x}, {"y", y}}, {"z"})
  std::vector<Tensor> run(const Feeds &feeds,
                          const std::vector<std::string> &outputNames = {}) {
    std::vector<std::string> names;
    std::vector<const kiln_value *> values;
    for (const auto &feed : feeds) {
      names.push_back(feed.first);
      values.push_back(feed.second.get().get());
    }
    return runValues(names, values, outputNames);
  }

  std::vector<Tensor> run(const std::map<std::string, Tensor> &feeds,
                          const std::vector<std::string> &outputNames = {}) {
    std::vector<std::string> names;
    std::vector<const kiln_value *> values;
    for (const auto &feed : feeds) {
      names.push_back(feed.first);
      values.push_back(feed.second.get());
    }
    return runValues(names, values, outputNames);
  }

  /// Runs into caller-provided tensors: a non-empty `outputs[i]` receives
  /// output `outputNames[i]` in place (it must have the produced type and
  /// shape); an empty one is filled with a new tensor.
  void runInto(const std::vector<std::string> &inputNames,
               const std::vector<Tensor> &inputs,
               const std::vector<std::string> &outputNames,
               std::vector<Tensor> &outputs) {
    if (outputs.size() != outputNames.size())
      throw Exception(ErrorCode::InvalidArgument,
                      "runInto: " + std::to_string(outputs.size()) +
                          " output tensors for " +
                          std::to_string(outputNames.size()) + " names");
    std::vector<const kiln_value *> values;
    for (const Tensor &t : inputs)
      values.push_back(t.get());
    std::vector<kiln_value *> slots;
    for (Tensor &t : outputs)
      slots.push_back(t.get());
    invoke(inputNames, values, outputNames, slots);
    for (size_t i = 0; i < outputs.size(); ++i)
      if (!outputs[i])
        outputs[i] = Tensor(slots[i]);
  }

  kiln_session *get() const { return session_; }

private:
  static std::vector<std::string>
  namesOf(const std::vector<TensorInfo> &infos) {
    std::vector<std::string> names;
    for (const TensorInfo &info : infos)
      names.push_back(info.name);
    return names;
  }

  std::vector<Tensor> runValues(const std::vector<std::string> &inputNames,
                                const std::vector<const kiln_value *> &values,
                                const std::vector<std::string> &outputNames) {
    const std::vector<std::string> &wanted =
        outputNames.empty() ? allOutputNames_ : outputNames;
    std::vector<kiln_value *> slots(wanted.size(), nullptr);
    invoke(inputNames, values, wanted, slots);
    std::vector<Tensor> results;
    results.reserve(slots.size());
    for (kiln_value *slot : slots)
      results.emplace_back(slot);
    return results;
  }

  void invoke(const std::vector<std::string> &inputNames,
              const std::vector<const kiln_value *> &values,
              const std::vector<std::string> &outputNames,
              std::vector<kiln_value *> &slots) {
    if (inputNames.size() != values.size())
      throw Exception(ErrorCode::InvalidArgument,
                      "Size mismatch: feed_names has " +
                          std::to_string(inputNames.size()) +
                          " elements, but feeds has " +
                          std::to_string(values.size()) + " elements.");
    std::vector<const char *> in, out;
    for (const std::string &name : inputNames)
      in.push_back(name.c_str());
    for (const std::string &name : outputNames)
      out.push_back(name.c_str());
    check(kiln_session_run(session_, in.data(), values.data(), values.size(),
                           out.data(), out.size(), slots.data()));
  }

  template <typename GetCount, typename GetName, typename GetType,
            typename GetRank, typename GetDims, typename GetParams,
            typename GetTypeInfo>
  std::vector<TensorInfo> readInfos(GetCount getCount, GetName getName,
                                    GetType getType, GetRank getRank,
                                    GetDims getDims, GetParams getParams,
                                    GetTypeInfo getTypeInfo) {
    size_t count = 0;
    check(getCount(session_, &count));
    std::vector<TensorInfo> infos(count);
    for (size_t i = 0; i < count; ++i) {
      const char *name = nullptr;
      int32_t type = 0;
      size_t rank = 0;
      const int64_t *dims = nullptr;
      const char *const *params = nullptr;
      check(getName(session_, i, &name));
      check(getType(session_, i, &type));
      check(getRank(session_, i, &rank));
      check(getDims(session_, i, &dims));
      check(getParams(session_, i, &params));
      const char *typeName = nullptr;
      check(getTypeInfo(session_, i, &typeName, nullptr, nullptr, nullptr));
      if (typeName && std::strncmp(typeName, "tensor(", 7) != 0)
        infos[i].valueType = typeName;
      infos[i].name = name;
      infos[i].elementType = static_cast<ElementType>(type);
      if (rank) {
        infos[i].shape.assign(dims, dims + rank);
        infos[i].dimParams.assign(params, params + rank);
      }
    }
    return infos;
  }

  void loadSignature() {
    inputs_ = readInfos(
        kiln_session_get_input_count, kiln_session_get_input_name,
        kiln_session_get_input_elem_type, kiln_session_get_input_rank,
        kiln_session_get_input_dims, kiln_session_get_input_dim_params,
        kiln_session_get_input_type_info);
    outputs_ = readInfos(
        kiln_session_get_output_count, kiln_session_get_output_name,
        kiln_session_get_output_elem_type, kiln_session_get_output_rank,
        kiln_session_get_output_dims, kiln_session_get_output_dim_params,
        kiln_session_get_output_type_info);
    allOutputNames_ = namesOf(outputs_);
  }

  kiln_session *session_ = nullptr;
  std::vector<TensorInfo> inputs_;
  std::vector<TensorInfo> outputs_;
  std::vector<std::string> allOutputNames_;
};

//===----------------------------------------------------------------------===//
// ONNX Runtime's C++ API: Env, SessionOptions, Session, Value, RunOptions
//===----------------------------------------------------------------------===//
//
// The classes below follow onnxruntime_cxx_api.h name for name (hence their
// PascalCase methods), so code written against Ort:: ports by switching the
// namespace and spelling enums as kiln::ElementType, kiln::LoggingLevel,
// kiln::GraphOptimizationLevel:
//
//   kiln::Env env(kiln::LoggingLevel::Warning, "app");
//   kiln::SessionOptions options;
//   kiln::Session session(env, "model.so", options);
//   auto info = kiln::MemoryInfo::CreateCpu();
//   kiln::Value x = kiln::Value::CreateTensor<float>(info, data, n, shape, 2);
//   const char *in[] = {"x"}, *out[] = {"y"};
//   std::vector<kiln::Value> y =
//       session.Run(kiln::RunOptions{nullptr}, in, &x, 1, out, 1);
//
// A Session loads a compiled artifact (.so path or its bytes), not an .onnx
// model: compile with kiln-compile or the Python package first.

/// ORT's OrtLoggingLevel.
enum class LoggingLevel : int32_t {
  Verbose = KILN_LOGGING_LEVEL_VERBOSE,
  Info = KILN_LOGGING_LEVEL_INFO,
  Warning = KILN_LOGGING_LEVEL_WARNING,
  Error = KILN_LOGGING_LEVEL_ERROR,
  Fatal = KILN_LOGGING_LEVEL_FATAL,
};

/// ORT's ONNXType (kiln_onnx_type): what a value or a graph input or
/// output is.
enum class ONNXType : int32_t {
  Unknown = KILN_ONNX_TYPE_UNKNOWN,
  Tensor = KILN_ONNX_TYPE_TENSOR,
  Sequence = KILN_ONNX_TYPE_SEQUENCE,
  Map = KILN_ONNX_TYPE_MAP,
  Opaque = KILN_ONNX_TYPE_OPAQUE,
  SparseTensor = KILN_ONNX_TYPE_SPARSETENSOR,
  Optional = KILN_ONNX_TYPE_OPTIONAL,
};

/// ORT's OrtAllocatorType and OrtMemType. Kiln has one CPU memory kind, so
/// they only exist to keep MemoryInfo::CreateCpu calls unchanged.
enum class AllocatorType : int32_t { Device = 0, Arena = 1 };
enum class MemType : int32_t { CPUInput = -2, CPUOutput = -1, Default = 0 };

/// The process-wide environment (Ort::Env). Kiln sessions share no global
/// state, so it only records the logging level and id; it must still be
/// created first, as with ONNX Runtime, and outlive nothing in particular.
/// ORT's global thread pool settings (Ort::ThreadingOptions). Kiln has no
/// global pools: every session sizes its own from intra_op_num_threads, so
/// these values are only recorded (an Env made with them reports them).
class ThreadingOptions {
public:
  ThreadingOptions &SetGlobalIntraOpNumThreads(int n) {
    intraOp_ = n;
    return *this;
  }
  ThreadingOptions &SetGlobalInterOpNumThreads(int n) {
    interOp_ = n;
    return *this;
  }
  ThreadingOptions &SetGlobalSpinControl(int allowSpinning) {
    spin_ = allowSpinning;
    return *this;
  }
  ThreadingOptions &SetGlobalDenormalAsZero() {
    denormalAsZero_ = true;
    return *this;
  }
  int GetGlobalIntraOpNumThreads() const { return intraOp_; }
  int GetGlobalInterOpNumThreads() const { return interOp_; }
  int GetGlobalSpinControl() const { return spin_; }
  bool GetGlobalDenormalAsZero() const { return denormalAsZero_; }

private:
  int intraOp_ = 0;
  int interOp_ = 0;
  int spin_ = 1;
  bool denormalAsZero_ = false;
};

class Env {
public:
  explicit Env(LoggingLevel level = LoggingLevel::Warning,
               const char *logId = "") {
    check(
        kiln_env_create(static_cast<kiln_logging_level>(level), logId, &env_));
  }
  /// Ort::Env with global thread pools: see ThreadingOptions.
  Env(const ThreadingOptions &threading, LoggingLevel level,
      const char *logId = "")
      : Env(level, logId) {
    threading_ = threading;
  }
  const ThreadingOptions &GetThreadingOptions() const { return threading_; }
  explicit Env(std::nullptr_t) {}
  Env(Env &&other) noexcept : env_(std::exchange(other.env_, nullptr)) {}
  Env &operator=(Env &&other) noexcept {
    std::swap(env_, other.env_);
    return *this;
  }
  Env(const Env &) = delete;
  Env &operator=(const Env &) = delete;
  ~Env() { kiln_env_release(env_); }

  LoggingLevel GetLoggingLevel() const {
    kiln_logging_level level = KILN_LOGGING_LEVEL_WARNING;
    check(kiln_env_get_logging_level(env_, &level));
    return static_cast<LoggingLevel>(level);
  }
  std::string GetLogId() const {
    const char *id = nullptr;
    check(kiln_env_get_log_id(env_, &id));
    return id;
  }
  kiln_env *get() const { return env_; }

private:
  kiln_env *env_ = nullptr;
  ThreadingOptions threading_;
};

/// Where a tensor's elements live (kiln_device_type; ORT's
/// OrtMemoryInfoDeviceType numbers them the same: CPU 0, GPU 1).
enum class DeviceType : int32_t {
  Cpu = KILN_DEVICE_CPU,
  Cuda = KILN_DEVICE_CUDA
};

/// Where tensor memory lives (Ort::MemoryInfo): host memory, or the memory
/// of a CUDA device ("Cuda", as ORT names its CUDA allocator).
class MemoryInfo {
public:
  static MemoryInfo CreateCpu(AllocatorType type = AllocatorType::Arena,
                              MemType memType = MemType::Default) {
    return MemoryInfo(type, memType, DeviceType::Cpu, 0);
  }
  /// CUDA device `deviceId`'s memory (ORT's MemoryInfo("Cuda",
  /// OrtDeviceAllocator, id, OrtMemTypeDefault)).
  static MemoryInfo CreateCuda(int deviceId = 0) {
    return MemoryInfo(AllocatorType::Device, MemType::Default, DeviceType::Cuda,
                      deviceId);
  }
  AllocatorType GetAllocatorType() const { return type_; }
  MemType GetMemoryType() const { return memType_; }
  DeviceType GetDeviceType() const { return deviceType_; }
  int GetDeviceId() const { return deviceId_; }
  /// "Cpu" or "Cuda", as ORT names its allocators.
  std::string GetAllocatorName() const {
    return deviceType_ == DeviceType::Cuda ? "Cuda" : "Cpu";
  }

private:
  MemoryInfo(AllocatorType type, MemType memType, DeviceType deviceType,
             int deviceId)
      : type_(type), memType_(memType), deviceType_(deviceType),
        deviceId_(deviceId) {}
  AllocatorType type_;
  MemType memType_;
  DeviceType deviceType_;
  int deviceId_;
};

/// Frees strings handed out by the *Allocated getters.
struct AllocatedFree {
  void operator()(char *p) const { std::free(p); }
};
/// ORT's AllocatedStringPtr: a NUL-terminated string the caller owns.
using AllocatedStringPtr = std::unique_ptr<char, AllocatedFree>;

/// Ort::AllocatorWithDefaultOptions: the runtime's host allocator, used to
/// return names and to create owning tensors.
class AllocatorWithDefaultOptions {
public:
  AllocatedStringPtr MakeString(const char *text) const {
    size_t size = std::strlen(text) + 1;
    char *copy = static_cast<char *>(std::malloc(size));
    if (!copy)
      throw std::bad_alloc();
    std::memcpy(copy, text, size);
    return AllocatedStringPtr(copy);
  }
  MemoryInfo GetInfo() const { return MemoryInfo::CreateCpu(); }
  /// `size` bytes aligned to 64 (Ort::AllocatorWithDefaultOptions::Alloc);
  /// throws std::bad_alloc when the memory is not there. Free with Free().
  void *Alloc(size_t size) const {
    size_t rounded = (std::max<size_t>(size, 1) + 63) / 64 * 64;
    void *p = std::aligned_alloc(64, rounded);
    if (!p)
      throw std::bad_alloc();
    return p;
  }
  void Free(void *p) const { std::free(p); }
};

/// Element type and dims of a tensor or of a declared input/output
/// (Ort::TensorTypeAndShapeInfo). Declared dims known only at run time are
/// -1, with their dim_param in GetSymbolicDimensions().
class TensorTypeAndShapeInfo {
public:
  TensorTypeAndShapeInfo(ElementType type, std::vector<int64_t> shape,
                         std::vector<std::string> symbolic = {})
      : type_(type), shape_(std::move(shape)), symbolic_(std::move(symbolic)) {
    symbolic_.resize(shape_.size());
  }

  ElementType GetElementType() const { return type_; }
  size_t GetDimensionsCount() const { return shape_.size(); }
  std::vector<int64_t> GetShape() const { return shape_; }
  void GetDimensions(int64_t *values, size_t count) const {
    std::copy_n(shape_.begin(), std::min(count, shape_.size()), values);
  }
  /// "" for fixed or anonymous dims; pointers live as long as this object.
  std::vector<const char *> GetSymbolicDimensions() const {
    std::vector<const char *> out;
    for (const std::string &name : symbolic_)
      out.push_back(name.c_str());
    return out;
  }
  /// The product of the dims; SIZE_MAX when one is unknown (-1), as ORT's
  /// GetTensorShapeElementCount returns -1.
  size_t GetElementCount() const {
    size_t count = 1;
    for (int64_t d : shape_) {
      if (d < 0)
        return static_cast<size_t>(-1);
      count *= static_cast<size_t>(d);
    }
    return count;
  }

private:
  ElementType type_;
  std::vector<int64_t> shape_;
  std::vector<std::string> symbolic_;
};

class TypeInfo;

/// What a sequence holds (Ort::SequenceTypeInfo).
class SequenceTypeInfo {
public:
  explicit SequenceTypeInfo(std::string element) : element_(element) {}
  TypeInfo GetSequenceElementType() const;

private:
  std::string element_;
};

/// A map's key and value types (Ort::MapTypeInfo).
class MapTypeInfo {
public:
  MapTypeInfo(ElementType key, std::string value)
      : key_(key), value_(std::move(value)) {}
  ElementType GetMapKeyType() const { return key_; }
  TypeInfo GetMapValueType() const;

private:
  ElementType key_;
  std::string value_;
};

/// What an optional holds (Ort::OptionalTypeInfo).
class OptionalTypeInfo {
public:
  explicit OptionalTypeInfo(std::string element) : element_(element) {}
  TypeInfo GetOptionalElementType() const;

private:
  std::string element_;
};

/// The type of an input, output or value (Ort::TypeInfo): a tensor's
/// element type and shape, or a sequence, map or optional described by
/// ORT's type string ("seq(map(int64,tensor(float)))"), which
/// GetTypeString() gives (a Kiln addition).
class TypeInfo {
public:
  explicit TypeInfo(TensorTypeAndShapeInfo tensorInfo)
      : tensorInfo_(std::move(tensorInfo)) {
    type_ = "tensor(" + elementName(tensorInfo_.GetElementType()) + ")";
  }
  /// The type ORT's string `type` names; `tensorInfo` describes the tensor
  /// it is or holds, when known.
  TypeInfo(const std::string &type, TensorTypeAndShapeInfo tensorInfo)
      : type_(type), tensorInfo_(std::move(tensorInfo)) {
    if (startsWith("seq("))
      onnxType_ = ONNXType::Sequence;
    else if (startsWith("map("))
      onnxType_ = ONNXType::Map;
    else if (startsWith("optional("))
      onnxType_ = ONNXType::Optional;
  }
  ONNXType GetONNXType() const { return onnxType_; }
  /// The tensor's type and shape; for a sequence, map or optional, the
  /// element type of the tensors it holds and no dims (a present optional
  /// tensor of a session: its tensor's).
  const TensorTypeAndShapeInfo &GetTensorTypeAndShapeInfo() const {
    return tensorInfo_;
  }
  const std::string &GetTypeString() const { return type_; }
  SequenceTypeInfo GetSequenceTypeInfo() const {
    require(ONNXType::Sequence, "a sequence");
    return SequenceTypeInfo(inner(4));
  }
  MapTypeInfo GetMapTypeInfo() const {
    require(ONNXType::Map, "a map");
    std::string both = inner(4);
    size_t comma = both.find(',');
    return MapTypeInfo(elementNamed(both.substr(0, comma)),
                       both.substr(comma + 1));
  }
  OptionalTypeInfo GetOptionalTypeInfo() const {
    require(ONNXType::Optional, "an optional");
    return OptionalTypeInfo(inner(9));
  }

  /// The TypeInfo of ORT's type string `type`, for the parts of a
  /// sequence, map or optional.
  static TypeInfo FromTypeString(const std::string &type) {
    ElementType elem = static_cast<ElementType>(0);
    size_t at = type.rfind("tensor(");
    if (at != std::string::npos)
      elem = elementNamed(type.substr(at + 7, type.find(')', at) - at - 7));
    return TypeInfo(type, TensorTypeAndShapeInfo(elem, {}));
  }

private:
  bool startsWith(const char *prefix) const {
    return type_.compare(0, std::strlen(prefix), prefix) == 0;
  }
  /// What the outermost parentheses hold, after a `prefix` characters long
  /// "seq(" / "map(" / "optional(".
  std::string inner(size_t prefix) const {
    return type_.substr(prefix, type_.size() - prefix - 1);
  }
  void require(ONNXType type, const char *what) const {
    if (onnxType_ != type)
      throw Exception(ErrorCode::InvalidArgument,
                      "the type " + type_ + " is not " + what);
  }
  static std::string elementName(ElementType type) {
    const char *name = kiln_elem_type_name(static_cast<int32_t>(type));
    return name ? name : "undefined";
  }
  static ElementType elementNamed(const std::string &name) {
    for (int32_t e = 1; e < 64; ++e) {
      const char *n = kiln_elem_type_name(e);
      if (n && name == n)
        return static_cast<ElementType>(e);
    }
    return static_cast<ElementType>(0);
  }

  ONNXType onnxType_ = ONNXType::Tensor;
  std::string type_;
  TensorTypeAndShapeInfo tensorInfo_;
};

inline TypeInfo SequenceTypeInfo::GetSequenceElementType() const {
  return TypeInfo::FromTypeString(element_);
}
inline TypeInfo MapTypeInfo::GetMapValueType() const {
  return TypeInfo::FromTypeString(value_);
}
inline TypeInfo OptionalTypeInfo::GetOptionalElementType() const {
  return TypeInfo::FromTypeString(element_);
}

/// A tensor (Ort::Value): owns runtime-allocated memory or wraps the
/// caller's without copying. Move-only; Value(nullptr) is empty and, as an
/// output slot of Session::Run, asks the runtime to allocate the result.
class Value {
public:
  Value(std::nullptr_t = nullptr) {}
  /// Takes ownership of `value`.
  explicit Value(kiln_value *value) : value_(value) {}
  Value(Value &&other) noexcept : value_(other.release()) {}
  Value &operator=(Value &&other) noexcept {
    if (this != &other) {
      kiln_value_release(value_);
      value_ = other.release();
    }
    return *this;
  }
  Value(const Value &) = delete;
  Value &operator=(const Value &) = delete;
  ~Value() { kiln_value_release(value_); }

  /// Wraps `count` elements at `data` without copying: the tensor's data
  /// pointer is `data`, and runs read or write it in place. The caller keeps
  /// the memory alive while the value is used. Fails with INVALID_ARGUMENT
  /// ("not enough space: expected N, got M") if `count` is too small. With
  /// a CUDA MemoryInfo, `data` is memory of that device (see
  /// kiln_value_create_device_tensor_with_data).
  template <typename T>
  static Value CreateTensor(const MemoryInfo &info, T *data, size_t count,
                            const int64_t *shape, size_t shapeLen) {
    return CreateTensor(info, static_cast<void *>(data), count * sizeof(T),
                        shape, shapeLen, elementTypeOf<T>());
  }
  static Value CreateTensor(const MemoryInfo &info, void *data,
                            size_t byteCount, const int64_t *shape,
                            size_t shapeLen, ElementType type) {
    kiln_value *value = nullptr;
    check(kiln_value_create_device_tensor_with_data(
        static_cast<int32_t>(type), data, byteCount, shape, shapeLen,
        static_cast<int32_t>(info.GetDeviceType()), info.GetDeviceId(),
        &value));
    return Value(value);
  }
  /// A zero-filled tensor owning 64-byte aligned memory.
  template <typename T>
  static Value CreateTensor(const AllocatorWithDefaultOptions &allocator,
                            const int64_t *shape, size_t shapeLen) {
    return CreateTensor(allocator, shape, shapeLen, elementTypeOf<T>());
  }
  /// ORT's spelling, with the element type as any enum holding ONNX's
  /// numbers (ONNXTensorElementDataType).
  template <typename Enum,
            typename = std::enable_if_t<std::is_enum_v<Enum> &&
                                        !std::is_same_v<Enum, ElementType>>>
  static Value CreateTensor(const AllocatorWithDefaultOptions &allocator,
                            const int64_t *shape, size_t shapeLen, Enum type) {
    return CreateTensor(allocator, shape, shapeLen,
                        static_cast<ElementType>(type));
  }
  static Value CreateTensor(const AllocatorWithDefaultOptions &,
                            const int64_t *shape, size_t shapeLen,
                            ElementType type) {
    kiln_value *value = nullptr;
    check(kiln_value_create_tensor(static_cast<int32_t>(type), shape, shapeLen,
                                   &value));
    return Value(value);
  }
  /// A tensor owning new memory where `info` says: zero-filled host
  /// memory, or a CUDA device's (not initialised), as ORT's CreateTensor
  /// with an allocator of that MemoryInfo.
  static Value CreateTensor(const MemoryInfo &info, const int64_t *shape,
                            size_t shapeLen, ElementType type) {
    kiln_value *value = nullptr;
    check(kiln_value_create_device_tensor(
        static_cast<int32_t>(type), shape, shapeLen,
        static_cast<int32_t>(info.GetDeviceType()), info.GetDeviceId(),
        &value));
    return Value(value);
  }
  template <typename T>
  static Value CreateTensor(const MemoryInfo &info, const int64_t *shape,
                            size_t shapeLen) {
    return CreateTensor(info, shape, shapeLen, elementTypeOf<T>());
  }

  /// A sequence of `values` (tensors of one element type, or maps), as
  /// Ort::Value::CreateSequence. The sequence holds its own copies: a
  /// tensor wrapping caller memory stays a view of that memory, an owning
  /// one is copied, so `values` may be destroyed (see kiln.h).
  static Value CreateSequence(const std::vector<Value> &values) {
    std::vector<const kiln_value *> elements;
    for (const Value &v : values)
      elements.push_back(v.value_);
    kiln_value *value = nullptr;
    check(kiln_value_create_sequence(elements.data(), elements.size(), &value));
    return Value(value);
  }
  /// A map from `keys` (a rank-1 int64 or string tensor) to `values` (a
  /// rank-1 tensor as long), as Ort::Value::CreateMap.
  static Value CreateMap(const Value &keys, const Value &values) {
    kiln_value *value = nullptr;
    check(kiln_value_create_map(keys.value_, values.value_, &value));
    return Value(value);
  }
  /// The none value, fed to an optional input compiled for None (ORT's
  /// Python None; a Kiln addition).
  static Value CreateNone() {
    kiln_value *value = nullptr;
    check(kiln_value_create_none(&value));
    return Value(value);
  }

  explicit operator bool() const { return value_ != nullptr; }
  bool IsTensor() const { return value_ && onnxType() == ONNXType::Tensor; }
  /// Ort::Value::HasValue: false for Value(nullptr) and for none (an absent
  /// optional output).
  bool HasValue() const {
    int has = 0;
    if (value_)
      check(kiln_value_has_value(value_, &has));
    return has != 0;
  }
  /// A sequence's length, 2 for a map (Ort::Value::GetCount).
  size_t GetCount() const {
    size_t count = 0;
    check(kiln_value_get_count(value_, &count));
    return count;
  }
  /// Element `index` of a sequence, or a map's keys (0) and values (1), as
  /// Ort::Value::GetValue. The element views the part without copying it
  /// and keeps it alive; the allocator is not used (host memory).
  template <typename Allocator>
  Value GetValue(int index, const Allocator &) const {
    return GetValue(index);
  }
  Value GetValue(int index) const {
    if (index < 0)
      throw Exception(ErrorCode::InvalidArgument,
                      "index " + std::to_string(index) + " is negative");
    kiln_value *value = nullptr;
    check(kiln_value_get_element(value_, static_cast<size_t>(index), &value));
    return Value(value);
  }
  /// Where the tensor's elements live (Ort::Value::GetTensorMemoryInfo).
  MemoryInfo GetTensorMemoryInfo() const {
    requireValue();
    int32_t type = KILN_DEVICE_CPU, id = 0;
    check(kiln_value_get_device(value_, &type, &id));
    return type == KILN_DEVICE_CUDA ? MemoryInfo::CreateCuda(id)
                                    : MemoryInfo::CreateCpu();
  }
  /// Copies the elements of `src` into this tensor, wherever each lives
  /// (host, device): how a device tensor is filled and read back. A Kiln
  /// addition (ORT users call cudaMemcpy).
  void CopyFrom(const Value &src) {
    check(kiln_value_copy_tensor_data(src.value_, value_));
  }
  /// The element at `location` (one index per dim, row-major), as
  /// Ort::Value::At; an index outside the shape is INVALID_ARGUMENT.
  template <typename T> T &At(const std::vector<int64_t> &location) {
    int32_t type = 0;
    size_t rank = 0;
    const int64_t *dims = nullptr;
    check(kiln_value_get_type_and_shape(value_, &type, &rank, &dims));
    if (location.size() != rank)
      throw Exception(ErrorCode::InvalidArgument,
                      "location has " + std::to_string(location.size()) +
                          " indices, the tensor has rank " +
                          std::to_string(rank));
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d) {
      if (location[d] < 0 || location[d] >= dims[d])
        throw Exception(ErrorCode::InvalidArgument,
                        "index " + std::to_string(location[d]) + " of dim " +
                            std::to_string(d) + " is outside [0, " +
                            std::to_string(dims[d]) + ")");
      offset = offset * dims[d] + location[d];
    }
    return GetTensorMutableData<T>()[offset];
  }

  /// The element storage; T is not checked against the element type, as in
  /// ORT (use GetTensorTypeAndShapeInfo()).
  template <typename T> T *GetTensorMutableData() {
    return static_cast<T *>(GetTensorMutableRawData());
  }
  template <typename T> const T *GetTensorData() const {
    return static_cast<const T *>(GetTensorRawData());
  }
  void *GetTensorMutableRawData() {
    void *data = nullptr;
    check(kiln_value_get_tensor_data(value_, &data));
    return data;
  }
  const void *GetTensorRawData() const {
    void *data = nullptr;
    check(kiln_value_get_tensor_data(value_, &data));
    return data;
  }
  size_t GetTensorSizeInBytes() const {
    requireValue();
    return kiln_value_byte_size(value_);
  }
  /// 0 when the value wraps caller memory (CreateTensor with a MemoryInfo).
  bool IsOwning() const { return kiln_value_is_owning(value_) != 0; }

  TensorTypeAndShapeInfo GetTensorTypeAndShapeInfo() const {
    int32_t type = 0;
    size_t rank = 0;
    const int64_t *dims = nullptr;
    check(kiln_value_get_type_and_shape(value_, &type, &rank, &dims));
    std::vector<int64_t> shape;
    if (rank)
      shape.assign(dims, dims + rank);
    return TensorTypeAndShapeInfo(static_cast<ElementType>(type),
                                  std::move(shape));
  }
  TypeInfo GetTypeInfo() const {
    if (!value_ || onnxType() == ONNXType::Tensor)
      return TypeInfo(GetTensorTypeAndShapeInfo());
    return TypeInfo::FromTypeString(typeString());
  }

  /// String tensors, as ORT's: fill one the value owns (made with an
  /// allocator, see CreateTensor) with copies of `count` strings ...
  void FillStringTensor(const char *const *strings, size_t count) {
    check(kiln_value_fill_string_tensor(value_, strings, count));
  }
  /// ... or one element at a time (elements not set read as "").
  void FillStringTensorElement(const char *string, size_t index) {
    check(kiln_value_fill_string_tensor_element(value_, string, index));
  }
  /// Element `index` of a string tensor.
  std::string GetStringTensorElement(size_t index) const {
    return stringAt(index);
  }
  size_t GetStringTensorElementLength(size_t index) const {
    return std::strlen(stringAt(index));
  }
  /// Copies element `index` (without a NUL) into `buffer`, which must hold
  /// GetStringTensorElementLength(index) bytes.
  void GetStringTensorElement(size_t bufferLength, size_t index,
                              void *buffer) const {
    const char *s = stringAt(index);
    size_t length = std::strlen(s);
    if (bufferLength < length)
      throw Exception(ErrorCode::InvalidArgument,
                      "buffer size is too small for string element");
    std::memcpy(buffer, s, length);
  }
  /// The total length of a string tensor's elements (without NULs).
  size_t GetStringTensorDataLength() const {
    size_t total = 0;
    for (size_t e = 0, n = stringCount(); e < n; ++e)
      total += std::strlen(stringAt(e));
    return total;
  }
  /// Every element back to back into `buffer` (no NULs) and each one's
  /// start into `offsets` (one per element), as ORT's.
  void GetStringTensorContent(void *buffer, size_t bufferLength,
                              size_t *offsets, size_t offsetsCount) const {
    size_t n = stringCount();
    if (offsetsCount != n)
      throw Exception(ErrorCode::InvalidArgument,
                      "offsets buffer is not equal to tensor size");
    if (bufferLength < GetStringTensorDataLength())
      throw Exception(ErrorCode::InvalidArgument, "output buffer is too small");
    char *out = static_cast<char *>(buffer);
    size_t at = 0;
    for (size_t e = 0; e < n; ++e) {
      const char *s = stringAt(e);
      size_t length = std::strlen(s);
      offsets[e] = at;
      std::memcpy(out + at, s, length);
      at += length;
    }
  }

  kiln_value *get() const { return value_; }
  kiln_value *release() { return std::exchange(value_, nullptr); }

private:
  ONNXType onnxType() const {
    kiln_onnx_type type = KILN_ONNX_TYPE_UNKNOWN;
    check(kiln_value_get_value_type(value_, &type));
    return static_cast<ONNXType>(type);
  }
  /// ORT's type string of this value ("seq(tensor(float))").
  std::string typeString() const {
    switch (onnxType()) {
    case ONNXType::Tensor: {
      const char *name = kiln_elem_type_name(kiln_value_elem_type(value_));
      return std::string("tensor(") + (name ? name : "undefined") + ")";
    }
    case ONNXType::Sequence: {
      if (GetCount() == 0)
        return "seq(tensor(undefined))";
      return "seq(" + GetValue(0).typeString() + ")";
    }
    case ONNXType::Map: {
      const char *key =
          kiln_elem_type_name(kiln_value_elem_type(GetValue(0).value_));
      return std::string("map(") + (key ? key : "undefined") + "," +
             GetValue(1).typeString() + ")";
    }
    default:
      return "optional(tensor(undefined))";
    }
  }
  void requireValue() const {
    if (!value_)
      throw Exception(ErrorCode::InvalidArgument, "the kiln::Value is empty");
  }
  size_t stringCount() const {
    requireValue();
    if (kiln_value_elem_type(value_) != KILN_ELEM_STRING)
      throw Exception(ErrorCode::InvalidArgument,
                      "the value is not a string tensor");
    return static_cast<size_t>(kiln_value_element_count(value_));
  }
  const char *stringAt(size_t index) const {
    size_t n = stringCount();
    if (index >= n)
      throw Exception(ErrorCode::InvalidArgument,
                      "element index " + std::to_string(index) +
                          " is out of range (the tensor has " +
                          std::to_string(n) + " elements)");
    const char *s =
        static_cast<const char *const *>(kiln_value_data(value_))[index];
    return s ? s : "";
  }

  kiln_value *value_ = nullptr;
};

/// Options of one Run call (Ort::RunOptions). RunOptions(nullptr) means the
/// defaults. SetTerminate() may be called from another thread to stop runs
/// using these options (see kiln_run_options_set_terminate for when).
class RunOptions {
public:
  RunOptions() { check(kiln_run_options_create(&options_)); }
  explicit RunOptions(std::nullptr_t) {}
  RunOptions(RunOptions &&other) noexcept
      : options_(std::exchange(other.options_, nullptr)) {}
  RunOptions &operator=(RunOptions &&other) noexcept {
    std::swap(options_, other.options_);
    return *this;
  }
  RunOptions(const RunOptions &) = delete;
  RunOptions &operator=(const RunOptions &) = delete;
  ~RunOptions() { kiln_run_options_release(options_); }

  RunOptions &SetRunTag(const char *tag) {
    check(kiln_run_options_set_run_tag(options_, tag));
    return *this;
  }
  std::string GetRunTag() const {
    const char *tag = nullptr;
    check(kiln_run_options_get_run_tag(options_, &tag));
    return tag;
  }
  RunOptions &SetRunLogSeverityLevel(int level) {
    check(kiln_run_options_set_log_severity_level(options_, level));
    return *this;
  }
  int GetRunLogSeverityLevel() const {
    int32_t level = 0;
    check(kiln_run_options_get_log_severity_level(options_, &level));
    return level;
  }
  RunOptions &SetTerminate() {
    check(kiln_run_options_set_terminate(options_));
    return *this;
  }
  RunOptions &UnsetTerminate() {
    check(kiln_run_options_unset_terminate(options_));
    return *this;
  }
  RunOptions &AddConfigEntry(const char *key, const char *value) {
    check(kiln_run_options_add_config_entry(options_, key, value));
    return *this;
  }

  const kiln_run_options *get() const { return options_; }

private:
  kiln_run_options *options_ = nullptr;
};

/// Model metadata (Ort::ModelMetadata), read from the artifact. Custom keys
/// are the model's metadata_props.
class ModelMetadata {
public:
  explicit ModelMetadata(std::map<std::string, std::string> entries)
      : entries_(std::move(entries)) {}

  AllocatedStringPtr
  GetProducerNameAllocated(const AllocatorWithDefaultOptions &a) const {
    return a.MakeString(lookup("producer_name").c_str());
  }
  AllocatedStringPtr
  GetGraphNameAllocated(const AllocatorWithDefaultOptions &a) const {
    return a.MakeString(lookup("graph_name").c_str());
  }
  AllocatedStringPtr
  GetDomainAllocated(const AllocatorWithDefaultOptions &a) const {
    return a.MakeString(lookup("domain").c_str());
  }
  AllocatedStringPtr
  GetDescriptionAllocated(const AllocatorWithDefaultOptions &a) const {
    return a.MakeString(lookup("description").c_str());
  }
  AllocatedStringPtr
  GetGraphDescriptionAllocated(const AllocatorWithDefaultOptions &a) const {
    return a.MakeString(lookup("graph_description").c_str());
  }
  /// INT64_MAX when the model sets no version, as in ORT.
  int64_t GetVersion() const {
    std::string version = lookup("version");
    return version.empty() ? INT64_MAX : std::stoll(version);
  }
  /// A null pointer when the model has no such custom key.
  AllocatedStringPtr
  LookupCustomMetadataMapAllocated(const char *key,
                                   const AllocatorWithDefaultOptions &a) const {
    auto it = entries_.find(kCustomPrefix + std::string(key));
    return it == entries_.end() ? AllocatedStringPtr()
                                : a.MakeString(it->second.c_str());
  }
  std::vector<AllocatedStringPtr> GetCustomMetadataMapKeysAllocated(
      const AllocatorWithDefaultOptions &a) const {
    std::vector<AllocatedStringPtr> keys;
    for (const auto &entry : entries_)
      if (entry.first.rfind(kCustomPrefix, 0) == 0)
        keys.push_back(
            a.MakeString(entry.first.c_str() + std::strlen(kCustomPrefix)));
    return keys;
  }

private:
  // How the compiler stores a model's metadata_props in the artifact.
  static constexpr const char *kCustomPrefix = "custom.";

  std::string lookup(const std::string &key) const {
    auto it = entries_.find(key);
    return it == entries_.end() ? std::string() : it->second;
  }

  std::map<std::string, std::string> entries_;
};

class Session;

/// Inputs and outputs bound ahead of Session::Run (Ort::IoBinding), on the
/// host or a CUDA device. Bound values are borrowed, not copied: keep them
/// alive until the last run using them. An input is read in place (a CUDA
/// session passes device memory straight to its kernels); an output bound
/// to a value receives the result in that value's memory (one copy out of
/// the run's arena, on the device for a device value: the artifact ABI
/// returns outputs in its own memory); an output bound to a MemoryInfo is
/// allocated by the runtime at each run (on the session's CUDA device for
/// a CUDA MemoryInfo) and kept by the binding until the next run or
/// ClearBoundOutputs().
class IoBinding {
public:
  explicit IoBinding(Session &session) : session_(&session) {}

  void BindInput(const char *name, const Value &value) {
    bind(inputs_, name, value.get());
  }
  void BindOutput(const char *name, const Value &value) {
    bind(outputs_, name, value.get());
  }
  void BindOutput(const char *name, const MemoryInfo &info) {
    bind(outputs_, name, nullptr, static_cast<int32_t>(info.GetDeviceType()));
  }
  void ClearBoundInputs() { inputs_.clear(); }
  void ClearBoundOutputs() {
    outputs_.clear();
    produced_.clear();
  }
  /// Nothing to wait for on the host.
  void SynchronizeInputs() {}
  void SynchronizeOutputs() {}

  std::vector<std::string> GetOutputNames() const {
    std::vector<std::string> names;
    for (const Binding &entry : outputs_)
      names.push_back(entry.name);
    return names;
  }
  /// The last run's outputs in binding order, as values viewing their
  /// memory (valid while the binding keeps them: until the next run or
  /// ClearBoundOutputs(), or while a bound output value lives).
  std::vector<Value> GetOutputValues() const {
    std::vector<Value> out;
    for (size_t o = 0; o < outputs_.size(); ++o) {
      const kiln_value *value = outputs_[o].value      ? outputs_[o].value
                                : o < produced_.size() ? produced_[o].get()
                                                       : nullptr;
      if (!value) {
        out.emplace_back(nullptr);
        continue;
      }
      int32_t device = KILN_DEVICE_CPU, deviceId = 0;
      check(kiln_value_get_device(value, &device, &deviceId));
      kiln_value *view = nullptr;
      check(kiln_value_create_device_tensor_with_data(
          kiln_value_elem_type(value), kiln_value_data(value),
          kiln_value_byte_size(value), kiln_value_shape(value),
          kiln_value_rank(value), device, deviceId, &view));
      out.emplace_back(view);
    }
    return out;
  }

private:
  friend class Session;
  /// A bound name: its value, or (null) where the runtime allocates it.
  struct Binding {
    std::string name;
    kiln_value *value;
    int32_t device;
  };
  static void bind(std::vector<Binding> &bindings, const char *name,
                   kiln_value *value, int32_t device = KILN_DEVICE_CPU) {
    if (!name)
      throw Exception(ErrorCode::InvalidArgument, "name is NULL");
    for (Binding &b : bindings)
      if (b.name == name) {
        b.value = value;
        b.device = device;
        return;
      }
    bindings.push_back({name, value, device});
  }

  Session *session_;
  std::vector<Binding> inputs_;
  std::vector<Binding> outputs_;
  mutable std::vector<Value> produced_;
};

/// A loaded artifact (Ort::Session). Run may be called from several
/// threads at once.
class Session {
public:
  explicit Session(std::nullptr_t) {}
  /// Loads the compiled artifact at `modelPath`.
  Session(const Env &, const char *modelPath, const SessionOptions &options) {
    check(kiln_session_create(modelPath, options.get(), &session_));
    startProfiling(options);
  }
  Session(const Env &env, const std::string &modelPath,
          const SessionOptions &options)
      : Session(env, modelPath.c_str(), options) {}
  /// Loads the compiled artifact from the bytes of its .so; `modelData` may
  /// be freed once the constructor returns.
  Session(const Env &, const void *modelData, size_t modelDataLength,
          const SessionOptions &options) {
    check(kiln_session_create_from_bytes(modelData, modelDataLength,
                                         options.get(), &session_));
    startProfiling(options);
  }
  Session(Session &&other) noexcept
      : session_(std::exchange(other.session_, nullptr)),
        profile_(std::move(other.profile_)) {}
  Session &operator=(Session &&other) noexcept {
    std::swap(session_, other.session_);
    std::swap(profile_, other.profile_);
    return *this;
  }
  Session(const Session &) = delete;
  Session &operator=(const Session &) = delete;
  ~Session() { kiln_session_release(session_); }

  size_t GetInputCount() const {
    size_t count = 0;
    check(kiln_session_get_input_count(session_, &count));
    return count;
  }
  size_t GetOutputCount() const {
    size_t count = 0;
    check(kiln_session_get_output_count(session_, &count));
    return count;
  }
  AllocatedStringPtr
  GetInputNameAllocated(size_t index,
                        const AllocatorWithDefaultOptions &allocator) const {
    return allocator.MakeString(inputName(index));
  }
  AllocatedStringPtr
  GetOutputNameAllocated(size_t index,
                         const AllocatorWithDefaultOptions &allocator) const {
    return allocator.MakeString(outputName(index));
  }
  std::vector<std::string> GetInputNames() const {
    std::vector<std::string> names;
    for (size_t i = 0, e = GetInputCount(); i < e; ++i)
      names.emplace_back(inputName(i));
    return names;
  }
  std::vector<std::string> GetOutputNames() const {
    std::vector<std::string> names;
    for (size_t i = 0, e = GetOutputCount(); i < e; ++i)
      names.emplace_back(outputName(i));
    return names;
  }
  TypeInfo GetInputTypeInfo(size_t index) const {
    return typeInfo(index, kiln_session_get_input_elem_type,
                    kiln_session_get_input_rank, kiln_session_get_input_dims,
                    kiln_session_get_input_dim_params,
                    kiln_session_get_input_type_info);
  }
  TypeInfo GetOutputTypeInfo(size_t index) const {
    return typeInfo(index, kiln_session_get_output_elem_type,
                    kiln_session_get_output_rank, kiln_session_get_output_dims,
                    kiln_session_get_output_dim_params,
                    kiln_session_get_output_type_info);
  }
  /// Initializers a run may override: none, an artifact has its
  /// initializers compiled in (Python's session compiles a variant for
  /// models that list initializers as inputs).
  size_t GetOverridableInitializerCount() const { return 0; }
  AllocatedStringPtr GetOverridableInitializerNameAllocated(
      size_t index, const AllocatorWithDefaultOptions &) const {
    throw noOverridable(index);
  }
  TypeInfo GetOverridableInitializerTypeInfo(size_t index) const {
    throw noOverridable(index);
  }

  /// When profiling started, in ns since the epoch; 0 without profiling.
  uint64_t GetProfilingStartTimeNs() const {
    return profile_ ? profile_->startWallNs : 0;
  }
  /// Writes the profile as ONNX Runtime's JSON trace
  /// (<prefix>_<date>_<time>_<ms>.json: a "model_run" event per run and a
  /// "<nodes>_kernel_time" event per compiled kernel per run, for artifacts
  /// compiled with profiling) and returns its path; profiling then stops.
  /// "" without profiling.
  AllocatedStringPtr
  EndProfilingAllocated(const AllocatorWithDefaultOptions &allocator) {
    if (!profile_)
      return allocator.MakeString("");
    std::string path = writeProfile();
    profile_.reset();
    return allocator.MakeString(path.c_str());
  }

  ModelMetadata GetModelMetadata() const {
    size_t count = 0;
    check(kiln_session_get_metadata_count(session_, &count));
    std::map<std::string, std::string> entries;
    for (size_t i = 0; i < count; ++i) {
      const char *key = nullptr, *value = nullptr;
      check(kiln_session_get_metadata_entry(session_, i, &key, &value));
      entries.emplace(key, value);
    }
    return ModelMetadata(std::move(entries));
  }

  /// Runs with `inputValues[i]` feeding `inputNames[i]` and returns the
  /// outputs named in `outputNames`, allocated by the runtime.
  std::vector<Value> Run(const RunOptions &runOptions,
                         const char *const *inputNames,
                         const Value *inputValues, size_t inputCount,
                         const char *const *outputNames, size_t outputCount) {
    std::vector<Value> outputs(outputCount);
    Run(runOptions, inputNames, inputValues, inputCount, outputNames,
        outputs.data(), outputCount);
    return outputs;
  }

  /// As above, into `outputValues`: a non-empty value is a preallocated
  /// tensor the result is written into in place (its type and shape must be
  /// the produced ones); an empty one receives a runtime-allocated tensor.
  void Run(const RunOptions &runOptions, const char *const *inputNames,
           const Value *inputValues, size_t inputCount,
           const char *const *outputNames, Value *outputValues,
           size_t outputCount) {
    std::vector<const kiln_value *> inputs(inputCount);
    for (size_t i = 0; i < inputCount; ++i)
      inputs[i] = inputValues[i].get();
    std::vector<kiln_value *> slots(outputCount);
    for (size_t o = 0; o < outputCount; ++o)
      slots[o] = outputValues[o].get();
    run(runOptions, inputNames, inputs.data(), inputCount, outputNames,
        outputCount, slots.data());
    for (size_t o = 0; o < outputCount; ++o)
      if (!outputValues[o])
        outputValues[o] = Value(slots[o]);
  }

  /// Runs with the inputs and outputs bound in `binding` (read the outputs
  /// with binding.GetOutputValues()).
  void Run(const RunOptions &runOptions, const IoBinding &binding) {
    std::vector<const char *> inNames, outNames;
    std::vector<const kiln_value *> inputs;
    for (const IoBinding::Binding &b : binding.inputs_) {
      inNames.push_back(b.name.c_str());
      inputs.push_back(b.value);
    }
    std::vector<kiln_value *> slots;
    std::vector<int32_t> devices;
    for (const IoBinding::Binding &b : binding.outputs_) {
      outNames.push_back(b.name.c_str());
      slots.push_back(b.value);
      devices.push_back(b.device);
    }
    if (outNames.empty())
      throw Exception(ErrorCode::InvalidArgument,
                      "At least one output should be requested.");
    run(runOptions, inNames.data(), inputs.data(), inputs.size(),
        outNames.data(), outNames.size(), slots.data(), devices.data());
    binding.produced_.clear();
    for (size_t o = 0; o < slots.size(); ++o)
      binding.produced_.emplace_back(binding.outputs_[o].value ? nullptr
                                                               : slots[o]);
  }

  /// Convenience: names as strings, every output when `outputNames` is
  /// empty.
  std::vector<Value> Run(const RunOptions &runOptions,
                         const std::vector<std::string> &inputNames,
                         const std::vector<Value> &inputValues,
                         const std::vector<std::string> &outputNames = {}) {
    if (inputNames.size() != inputValues.size())
      throw Exception(ErrorCode::InvalidArgument,
                      "Size mismatch: feed_names has " +
                          std::to_string(inputNames.size()) +
                          " elements, but feeds has " +
                          std::to_string(inputValues.size()) + " elements.");
    std::vector<std::string> wanted =
        outputNames.empty() ? GetOutputNames() : outputNames;
    std::vector<const char *> in = cStrings(inputNames);
    std::vector<const char *> out = cStrings(wanted);
    return Run(runOptions, in.data(), inputValues.data(), in.size(), out.data(),
               out.size());
  }

  kiln_session *get() const { return session_; }

private:
  static std::vector<const char *>
  cStrings(const std::vector<std::string> &strings) {
    std::vector<const char *> out;
    for (const std::string &s : strings)
      out.push_back(s.c_str());
    return out;
  }

  const char *inputName(size_t index) const {
    const char *name = nullptr;
    check(kiln_session_get_input_name(session_, index, &name));
    return name;
  }
  const char *outputName(size_t index) const {
    const char *name = nullptr;
    check(kiln_session_get_output_name(session_, index, &name));
    return name;
  }

  template <typename GetType, typename GetRank, typename GetDims,
            typename GetParams, typename GetTypeString>
  TypeInfo typeInfo(size_t index, GetType getType, GetRank getRank,
                    GetDims getDims, GetParams getParams,
                    GetTypeString getTypeString) const {
    int32_t type = 0;
    size_t rank = 0;
    const int64_t *dims = nullptr;
    const char *const *params = nullptr;
    check(getType(session_, index, &type));
    check(getRank(session_, index, &rank));
    check(getDims(session_, index, &dims));
    check(getParams(session_, index, &params));
    std::vector<int64_t> shape;
    std::vector<std::string> symbolic;
    if (rank) {
      shape.assign(dims, dims + rank);
      symbolic.assign(params, params + rank);
    }
    TensorTypeAndShapeInfo tensor(static_cast<ElementType>(type),
                                  std::move(shape), std::move(symbolic));
    // Sequences, maps and optionals carry ORT's type string.
    const char *typeString = nullptr;
    check(
        getTypeString(session_, index, &typeString, nullptr, nullptr, nullptr));
    if (typeString && std::strncmp(typeString, "tensor(", 7) != 0)
      return TypeInfo(typeString, std::move(tensor));
    return TypeInfo(std::move(tensor));
  }

  struct Profile {
    std::string prefix;
    uint64_t startWallNs = 0;
    int64_t startMonotonicNs = 0;
    std::mutex mutex;
    /// (begin, end) of each run, CLOCK_MONOTONIC ns.
    std::vector<std::pair<int64_t, int64_t>> runs;
  };

  static int64_t monotonicNs() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  }

  static Exception noOverridable(size_t index) {
    return Exception(ErrorCode::InvalidArgument,
                     "overridable initializer index " + std::to_string(index) +
                         " is out of range (a compiled artifact has none)");
  }

  void startProfiling(const SessionOptions &options) {
    if (options.GetConfigEntryOrDefault("kiln.enable_profiling", "0") != "1")
      return;
    profile_ = std::make_unique<Profile>();
    profile_->prefix = options.GetConfigEntryOrDefault(
        "kiln.profile_file_prefix", "onnxruntime_profile_");
    profile_->startWallNs = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count());
    profile_->startMonotonicNs = monotonicNs();
  }

  void run(const RunOptions &runOptions, const char *const *inputNames,
           const kiln_value *const *inputs, size_t inputCount,
           const char *const *outputNames, size_t outputCount,
           kiln_value **slots, const int32_t *outputDevices = nullptr) {
    int64_t begin = profile_ ? monotonicNs() : 0;
    check(kiln_session_run_with_output_devices(
        session_, runOptions.get(), inputNames, inputs, inputCount, outputNames,
        outputCount, outputDevices, slots));
    if (profile_) {
      int64_t end = monotonicNs();
      std::lock_guard<std::mutex> lock(profile_->mutex);
      profile_->runs.emplace_back(begin, end);
    }
  }

  static std::string jsonString(const std::string &text) {
    std::string out = "\"";
    for (char c : text) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char escaped[8];
        std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
        out += escaped;
      } else {
        out += c;
      }
    }
    return out + "\"";
  }

  std::string writeProfile() {
    Profile &p = *profile_;
    std::vector<kiln_profile_event> events;
    for (;;) {
      std::vector<kiln_profile_event> chunk(1024);
      size_t count = 0;
      check(kiln_session_take_profile_events(session_, chunk.data(),
                                             chunk.size(), &count));
      events.insert(events.end(), chunk.begin(), chunk.begin() + count);
      if (count < chunk.size())
        break;
    }
    auto wall = std::chrono::system_clock::now();
    std::time_t now = std::chrono::system_clock::to_time_t(wall);
    long millis =
        static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                              wall.time_since_epoch())
                              .count() %
                          1000);
    std::tm local{};
    localtime_r(&now, &local);
    char stamp[48];
    size_t len =
        std::strftime(stamp, sizeof(stamp), "%Y-%m-%d_%H-%M-%S", &local);
    std::snprintf(stamp + len, sizeof(stamp) - len, "_%03ld", millis);
    std::string path = p.prefix + "_" + stamp + ".json";
    std::FILE *f = std::fopen(path.c_str(), "w");
    if (!f)
      throw Exception(ErrorCode::Fail, "cannot write the profile " + path +
                                           ": " + std::strerror(errno));
    long pid = static_cast<long>(getpid());
    bool first = true;
    auto event = [&](const char *cat, const std::string &name, uint64_t tid,
                     int64_t beginNs, int64_t durNs, const std::string &args) {
      std::fprintf(
          f,
          "%s{\"cat\":\"%s\",\"pid\":%ld,\"tid\":%llu,"
          "\"dur\":%lld,\"ts\":%lld,\"ph\":\"X\",\"name\":%s,"
          "\"args\":{%s}}",
          first ? "[\n" : ",\n", cat, pid, static_cast<unsigned long long>(tid),
          static_cast<long long>(durNs / 1000),
          static_cast<long long>((beginNs - p.startMonotonicNs) / 1000),
          jsonString(name).c_str(), args.c_str());
      first = false;
    };
    {
      std::lock_guard<std::mutex> lock(p.mutex);
      for (const auto &[begin, end] : p.runs)
        event("Session", "model_run", static_cast<uint64_t>(pid), begin,
              end - begin, "");
    }
    for (const kiln_profile_event &e : events) {
      const char *name = nullptr, *op = nullptr;
      check(kiln_session_get_kernel_name(session_, e.kernel, &name, &op));
      event("Node", std::string(name) + "_kernel_time", e.thread_id, e.start_ns,
            e.duration_ns,
            "\"op_name\":" + jsonString(op ? op : "") +
                ",\"provider\":\"CPUExecutionProvider\"");
    }
    std::fprintf(f, first ? "[\n]\n" : "\n]\n");
    if (std::fclose(f) != 0)
      throw Exception(ErrorCode::Fail, "cannot write the profile " + path);
    return path;
  }

  kiln_session *session_ = nullptr;
  std::unique_ptr<Profile> profile_;
};

/// An allocator of a session's memory (Ort::Allocator): host memory, 64-byte
/// aligned. Raw device memory is not handed out: a CUDA tensor is made with
/// Value::CreateTensor(MemoryInfo::CreateCuda(id), shape, ...).
class Allocator {
public:
  Allocator(const Session &, const MemoryInfo &info) : info_(info) {}
  void *Alloc(size_t size) const {
    if (info_.GetDeviceType() != DeviceType::Cpu)
      throw Exception(ErrorCode::NotImplemented,
                      "Kiln allocates CUDA memory as tensors only: use "
                      "Value::CreateTensor with the CUDA MemoryInfo");
    return base_.Alloc(size);
  }
  void Free(void *p) const { base_.Free(p); }
  MemoryInfo GetInfo() const { return info_; }

private:
  AllocatorWithDefaultOptions base_;
  MemoryInfo info_;
};

} // namespace kiln

#endif // KILN_KILN_HPP
