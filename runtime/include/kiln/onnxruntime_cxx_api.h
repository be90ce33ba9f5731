//===- onnxruntime_cxx_api.h - ONNX Runtime's C++ names over kiln.hpp -----===//
//
// A program written against ONNX Runtime's onnxruntime_cxx_api.h compiles
// with this include instead:
//
//   #include <kiln/onnxruntime_cxx_api.h>   // was <onnxruntime_cxx_api.h>
//
// It declares ORT's C enums (OrtLoggingLevel, ONNXTensorElementDataType,
// GraphOptimizationLevel, ExecutionMode, OrtAllocatorType, OrtMemType,
// OrtErrorCode, ONNXType) with ORT's values, and namespace Ort with ORT's
// class names mapped onto kiln:: (kiln.hpp). Ort::Exception is
// kiln::Exception, so `catch (const Ort::Exception &)` catches the runtime's
// errors. What is covered and what is not: docs/cpp-api.md.
//
// Sessions open compiled Kiln artifacts (.so, or their bytes) and .onnx
// models, which the runtime compiles through libkilncompiler (loaded on
// demand) into the compile cache Python uses.
//
//===----------------------------------------------------------------------===//
#ifndef KILN_ONNXRUNTIME_CXX_API_H
#define KILN_ONNXRUNTIME_CXX_API_H

#include "kiln/kiln.hpp"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#ifndef ORTCHAR_T
#define ORTCHAR_T char
#endif
#ifndef ORT_TSTR
#define ORT_TSTR(X) X
#endif

typedef enum OrtLoggingLevel {
  ORT_LOGGING_LEVEL_VERBOSE = 0,
  ORT_LOGGING_LEVEL_INFO = 1,
  ORT_LOGGING_LEVEL_WARNING = 2,
  ORT_LOGGING_LEVEL_ERROR = 3,
  ORT_LOGGING_LEVEL_FATAL = 4,
} OrtLoggingLevel;

// ORT's OrtErrorCode, ONNXTensorElementDataType and ONNXType are Kiln's
// scoped enums (same numbers), with ORT's enumerator names as constants: the
// runtime's getters return them, so ORT code that stores a result in ORT's
// type compiles (`ONNXTensorElementDataType type = info.GetElementType();`,
// `OrtErrorCode code = e.GetOrtErrorCode();`), compares it with ORT's
// names, switches on it and prints it as a number, as ORT's C enums print.
typedef kiln::ErrorCode OrtErrorCode;
typedef kiln::ElementType ONNXTensorElementDataType;
typedef kiln::ONNXType ONNXType;

#define KILN_ORT_CONSTANT(Type, Name, Value)                                   \
  inline constexpr Type Name = static_cast<Type>(Value);
KILN_ORT_CONSTANT(OrtErrorCode, ORT_OK, 0)
KILN_ORT_CONSTANT(OrtErrorCode, ORT_FAIL, 1)
KILN_ORT_CONSTANT(OrtErrorCode, ORT_INVALID_ARGUMENT, 2)
KILN_ORT_CONSTANT(OrtErrorCode, ORT_NO_SUCHFILE, 3)
KILN_ORT_CONSTANT(OrtErrorCode, ORT_NO_MODEL, 4)
KILN_ORT_CONSTANT(OrtErrorCode, ORT_ENGINE_ERROR, 5)
KILN_ORT_CONSTANT(OrtErrorCode, ORT_RUNTIME_EXCEPTION, 6)
KILN_ORT_CONSTANT(OrtErrorCode, ORT_INVALID_PROTOBUF, 7)
KILN_ORT_CONSTANT(OrtErrorCode, ORT_MODEL_LOADED, 8)
KILN_ORT_CONSTANT(OrtErrorCode, ORT_NOT_IMPLEMENTED, 9)
KILN_ORT_CONSTANT(OrtErrorCode, ORT_INVALID_GRAPH, 10)
KILN_ORT_CONSTANT(OrtErrorCode, ORT_EP_FAIL, 11)

KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED, 0)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, 1)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8, 2)
KILN_ORT_CONSTANT(ONNXTensorElementDataType, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8,
                  3)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT16, 4)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_INT16, 5)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32, 6)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, 7)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_STRING, 8)
KILN_ORT_CONSTANT(ONNXTensorElementDataType, ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL,
                  9)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16, 10)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE, 11)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT32, 12)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT64, 13)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_COMPLEX64, 14)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_COMPLEX128, 15)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16, 16)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT8E4M3FN, 17)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT8E4M3FNUZ, 18)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT8E5M2, 19)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT8E5M2FNUZ, 20)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT4, 21)
KILN_ORT_CONSTANT(ONNXTensorElementDataType, ONNX_TENSOR_ELEMENT_DATA_TYPE_INT4,
                  22)
KILN_ORT_CONSTANT(ONNXTensorElementDataType,
                  ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT4E2M1, 23)

KILN_ORT_CONSTANT(ONNXType, ONNX_TYPE_UNKNOWN, 0)
KILN_ORT_CONSTANT(ONNXType, ONNX_TYPE_TENSOR, 1)
KILN_ORT_CONSTANT(ONNXType, ONNX_TYPE_SEQUENCE, 2)
KILN_ORT_CONSTANT(ONNXType, ONNX_TYPE_MAP, 3)
KILN_ORT_CONSTANT(ONNXType, ONNX_TYPE_OPAQUE, 4)
KILN_ORT_CONSTANT(ONNXType, ONNX_TYPE_SPARSETENSOR, 5)
KILN_ORT_CONSTANT(ONNXType, ONNX_TYPE_OPTIONAL, 6)
#undef KILN_ORT_CONSTANT

typedef enum GraphOptimizationLevel {
  ORT_DISABLE_ALL = 0,
  ORT_ENABLE_BASIC = 1,
  ORT_ENABLE_EXTENDED = 2,
  ORT_ENABLE_LAYOUT = 3,
  ORT_ENABLE_ALL = 99,
} GraphOptimizationLevel;

typedef enum ExecutionMode {
  ORT_SEQUENTIAL = 0,
  ORT_PARALLEL = 1,
} ExecutionMode;

typedef enum OrtAllocatorType {
  OrtInvalidAllocator = -1,
  OrtDeviceAllocator = 0,
  OrtArenaAllocator = 1,
} OrtAllocatorType;

/// ORT's OrtCUDAProviderOptions (its leading fields, in its order).
struct OrtCUDAProviderOptions {
  int device_id = 0;
  int cudnn_conv_algo_search = 0;
  size_t gpu_mem_limit = SIZE_MAX;
  int arena_extend_strategy = 0;
  int do_copy_in_default_stream = 1;
  int has_user_compute_stream = 0;
  void *user_compute_stream = nullptr;
  void *default_memory_arena_cfg = nullptr;
  int tunable_op_enable = 0;
  int tunable_op_tuning_enable = 0;
  int tunable_op_max_tuning_duration_ms = 0;
};

typedef enum OrtMemType {
  OrtMemTypeCPUInput = -2,
  OrtMemTypeCPUOutput = -1,
  OrtMemTypeCPU = OrtMemTypeCPUOutput,
  OrtMemTypeDefault = 0,
} OrtMemType;

// ORT's C enums print as numbers (`std::cout << type`); so do these.
namespace kiln {
inline std::ostream &operator<<(std::ostream &os, ElementType v) {
  return os << static_cast<int>(v);
}
inline std::ostream &operator<<(std::ostream &os, ErrorCode v) {
  return os << static_cast<int>(v);
}
inline std::ostream &operator<<(std::ostream &os, ONNXType v) {
  return os << static_cast<int>(v);
}
} // namespace kiln

namespace Ort {

using Exception = kiln::Exception;
using Float16_t = kiln::Float16;
using BFloat16_t = kiln::BFloat16;
using Session = kiln::Session;
using Value = kiln::Value;
using TypeInfo = kiln::TypeInfo;
using SequenceTypeInfo = kiln::SequenceTypeInfo;
using MapTypeInfo = kiln::MapTypeInfo;
using OptionalTypeInfo = kiln::OptionalTypeInfo;
using TensorTypeAndShapeInfo = kiln::TensorTypeAndShapeInfo;
using ConstTensorTypeAndShapeInfo = kiln::TensorTypeAndShapeInfo;
using ModelMetadata = kiln::ModelMetadata;
using AllocatorWithDefaultOptions = kiln::AllocatorWithDefaultOptions;
using AllocatedStringPtr = kiln::AllocatedStringPtr;
using Allocator = kiln::Allocator;
using IoBinding = kiln::IoBinding;
using ThreadingOptions = kiln::ThreadingOptions;
// GetTensorMemoryInfo() returns a copy: ORT's non-owning view is the same
// object here.
using ConstMemoryInfo = kiln::MemoryInfo;

/// Ort::Status: success (default, nullptr) or an error code and message,
/// as ORT code builds and inspects it (`Status(e)`, `IsOK()`,
/// `GetErrorCode()`, `GetErrorMessage()`).
class Status : public kiln::Status {
public:
  Status() = default;
  explicit Status(std::nullptr_t) noexcept {}
  explicit Status(kiln_status *status) noexcept : kiln::Status(status) {}
  Status(const char *message, OrtErrorCode code)
      : kiln::Status(code, message ? message : "") {}
  explicit Status(const Exception &e)
      : kiln::Status(e.GetOrtErrorCode(), e.message()) {}
  explicit Status(const std::exception &e)
      : kiln::Status(kiln::ErrorCode::Fail, e.what()) {}
  bool IsOK() const noexcept { return ok(); }
  OrtErrorCode GetErrorCode() const { return ok() ? ORT_OK : code(); }
  std::string GetErrorMessage() const { return ok() ? "" : message(); }
};

/// Throws Ort::Exception when `status` holds an error (ORT's
/// Ort::ThrowOnError).
inline void ThrowOnError(const Status &status) { status.throwIfError(); }

/// Ort::Env: constructed from ORT's logging level.
class Env : public kiln::Env {
public:
  explicit Env(OrtLoggingLevel level = ORT_LOGGING_LEVEL_WARNING,
               const char *logId = "")
      : kiln::Env(static_cast<kiln::LoggingLevel>(level), logId) {}
  Env(const ThreadingOptions &threading, OrtLoggingLevel level,
      const char *logId = "")
      : kiln::Env(threading, static_cast<kiln::LoggingLevel>(level), logId) {}
  explicit Env(std::nullptr_t) : kiln::Env(nullptr) {}
};

/// Ort::SessionOptions: ORT's enums for the optimization level and the
/// execution mode; the other setters are kiln::SessionOptions', returning
/// Ort::SessionOptions& so that ORT's chained calls compile.
class SessionOptions : public kiln::SessionOptions {
public:
  SessionOptions() = default;
  explicit SessionOptions(kiln::SessionOptions &&base)
      : kiln::SessionOptions(std::move(base)) {}

  SessionOptions Clone() const {
    return SessionOptions(kiln::SessionOptions::Clone());
  }
  SessionOptions &SetGraphOptimizationLevel(GraphOptimizationLevel level) {
    // Kiln's enum has no LAYOUT level: it is part of ENABLE_ALL (-O3).
    kiln::SessionOptions::SetGraphOptimizationLevel(
        level == ORT_ENABLE_LAYOUT
            ? kiln::GraphOptimizationLevel::EnableAll
            : static_cast<kiln::GraphOptimizationLevel>(level));
    return *this;
  }
  SessionOptions &SetExecutionMode(ExecutionMode mode) {
    kiln::SessionOptions::SetExecutionMode(
        static_cast<kiln::ExecutionMode>(mode));
    return *this;
  }

#define KILN_ORT_FORWARD(Name, Params, Args)                                   \
  SessionOptions &Name Params {                                                \
    kiln::SessionOptions::Name Args;                                           \
    return *this;                                                              \
  }
  KILN_ORT_FORWARD(SetIntraOpNumThreads, (int n), (n))
  KILN_ORT_FORWARD(SetInterOpNumThreads, (int n), (n))
  KILN_ORT_FORWARD(AddFreeDimensionOverrideByName,
                   (const char *name, int64_t value), (name, value))
  KILN_ORT_FORWARD(EnableProfiling, (const ORTCHAR_T *prefix), (prefix))
  KILN_ORT_FORWARD(DisableProfiling, (), ())
  KILN_ORT_FORWARD(SetLogId, (const char *id), (id))
  KILN_ORT_FORWARD(SetLogSeverityLevel, (int level), (level))
  KILN_ORT_FORWARD(EnableCpuMemArena, (), ())
  KILN_ORT_FORWARD(DisableCpuMemArena, (), ())
  KILN_ORT_FORWARD(EnableMemPattern, (), ())
  KILN_ORT_FORWARD(DisableMemPattern, (), ())
  KILN_ORT_FORWARD(SetOptimizedModelFilePath, (const ORTCHAR_T *path), (path))
  KILN_ORT_FORWARD(AddConfigEntry, (const char *key, const char *value),
                   (key, value))
  KILN_ORT_FORWARD(DisablePerSessionThreads, (), ())
#undef KILN_ORT_FORWARD
  template <typename ValueT>
  SessionOptions &AddInitializer(const char *name, const ValueT &value) {
    kiln::SessionOptions::AddInitializer(name, value);
    return *this;
  }
  /// ORT's CUDA provider: device_id and gpu_mem_limit are honoured (SIZE_MAX
  /// is no limit), the other fields are Kiln's to ignore.
  SessionOptions &
  AppendExecutionProvider_CUDA(const OrtCUDAProviderOptions &options) {
    uint64_t limit = options.gpu_mem_limit >= (uint64_t(1) << 63)
                         ? 0
                         : uint64_t(options.gpu_mem_limit);
    appendExecutionProviderCuda(options.device_id, limit);
    return *this;
  }
};

/// Ort::RunOptions (default-constructed, or `RunOptions{nullptr}` for "no
/// options", as ORT programs write it).
using RunOptions = kiln::RunOptions;

/// Ort::MemoryInfo with ORT's enums and its 4-argument constructor: a "Cpu"
/// allocator on device 0, or "Cuda" on a CUDA device.
class MemoryInfo : public kiln::MemoryInfo {
public:
  static MemoryInfo CreateCpu(OrtAllocatorType type, OrtMemType memType) {
    return MemoryInfo(kiln::MemoryInfo::CreateCpu(
        type == OrtDeviceAllocator ? kiln::AllocatorType::Device
                                   : kiln::AllocatorType::Arena,
        static_cast<kiln::MemType>(memType)));
  }
  MemoryInfo(const char *name, OrtAllocatorType type, int id,
             OrtMemType memType)
      : kiln::MemoryInfo(isCuda(name) ? kiln::MemoryInfo::CreateCuda(id)
                                      : CreateCpu(type, memType)) {
    if (!isCuda(name) &&
        (id != 0 || !name ||
         (std::string(name) != "Cpu" && std::string(name) != "CPU")))
      throw Exception("Kiln has host (\"Cpu\", device 0) and CUDA "
                      "(\"Cuda\") memory only",
                      kiln::ErrorCode::NotImplemented);
  }

private:
  explicit MemoryInfo(const kiln::MemoryInfo &info) : kiln::MemoryInfo(info) {}
  static bool isCuda(const char *name) {
    return name && std::string(name) == "Cuda";
  }
};

/// The providers this runtime can run artifacts on: CUDA first when the
/// CUDA driver loads and device 0 can run Kiln's CUDA artifacts.
inline std::vector<std::string> GetAvailableProviders() {
  char chip[32];
  if (kiln_status *status = kiln_cuda_device_chip(0, chip, sizeof chip)) {
    kiln_status_release(status);
    return {"CPUExecutionProvider"};
  }
  return {"CUDAExecutionProvider", "CPUExecutionProvider"};
}

/// The runtime's version string.
inline std::string GetVersionString() { return kiln_runtime_version(); }

} // namespace Ort

#endif // KILN_ONNXRUNTIME_CXX_API_H
