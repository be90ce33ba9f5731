//===- ExternalDataRules.h - Where a tensor's external data may be -*- C++ -*-===//
//
// The rules ONNX Runtime applies to a TensorProto's external data, shared by
// the compiler's model loader and kiln-run's .pb inputs: offsets and lengths
// are non-negative decimal byte counts, a location is relative, without "..",
// and does not lead outside the model's folder through a link (the bytes of
// any file could otherwise come back as an output). Header-only: kiln-run
// links no compiler library.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_COMPILER_FRONTEND_EXTERNALDATARULES_H
#define KILN_COMPILER_FRONTEND_EXTERNALDATARULES_H

#include <charconv>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace kiln {

/// `text` as a non-negative decimal int64 (the whole of it), or nothing.
inline std::optional<int64_t> parseByteCount(const std::string &text) {
  int64_t value = 0;
  auto [end, ec] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0)
    return std::nullopt;
  return value;
}

/// A tensor's external data: its location, first byte and byte count (-1:
/// to the end of the file).
struct ExternalDataRef {
  std::string location;
  int64_t offset = 0, length = -1;
};

/// `ref` from a TensorProto's external_data entries (key/value pairs; other
/// keys are ignored), or why an offset or length is not a byte count
/// ("invalid external data offset 'abc' (a non-negative byte count
/// expected)"); "" when they all are.
template <typename Entries>
std::string parseExternalData(const Entries &entries, ExternalDataRef &ref) {
  for (const auto &entry : entries) {
    if (entry.key() == "location") {
      ref.location = entry.value();
      continue;
    }
    if (entry.key() != "offset" && entry.key() != "length")
      continue;
    std::optional<int64_t> value = parseByteCount(entry.value());
    if (!value)
      return "invalid external data " + entry.key() + " '" + entry.value() +
             "' (a non-negative byte count expected)";
    (entry.key() == "offset" ? ref.offset : ref.length) = *value;
  }
  return "";
}

/// Why `location` may not be read for a model in `baseDir` ("" for the
/// working directory), as ONNX Runtime's validation words it ("External
/// data path escapes model directory. External data path: \"x\""), or
/// "" when it may: `path` is then where to read it. An absolute location,
/// one with "..", or one that a link leads outside the folder escapes. A
/// location that names no file passes: opening it reports that.
inline std::string checkExternalLocation(const std::string &baseDir,
                                         const std::string &location,
                                         std::string &path) {
  std::string escapes = "External data path escapes model directory. "
                        "External data path: \"" + location + "\"";
  if (location.empty())
    return "External data path is empty";
  if (location.find("..") != std::string::npos || location[0] == '/')
    return escapes;
  path = baseDir.empty() ? location : baseDir + "/" + location;
  std::error_code baseError, fileError;
  std::filesystem::path base = std::filesystem::canonical(
      baseDir.empty() ? std::filesystem::path(".")
                      : std::filesystem::path(baseDir),
      baseError);
  std::filesystem::path file = std::filesystem::canonical(path, fileError);
  if (!baseError && !fileError) {
    auto rel = file.lexically_relative(base);
    if (rel.empty() || *rel.begin() == "..")
      return escapes + " resolved path: \"" + file.string() + "\"";
  }
  return "";
}

/// Why the file at `path` cannot hold external data ("" when it can, or
/// when nothing is there: opening it reports that): it must be a regular
/// file once links are followed, as ONNX Runtime requires (a folder opens
/// as a stream that reads nothing).
inline std::string checkExternalFile(const std::string &path) {
  std::error_code error;
  std::filesystem::file_status status = std::filesystem::status(path, error);
  if (!error && std::filesystem::exists(status) &&
      !std::filesystem::is_regular_file(status))
    return "Random-access reads require a regular file: " + path;
  return "";
}

} // namespace kiln

#endif // KILN_COMPILER_FRONTEND_EXTERNALDATARULES_H
