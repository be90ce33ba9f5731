//===- output_report.cpp - Describing and naming kiln-run's outputs -------===//

#include "output_report.h"

#include "kiln/kiln.hpp"

#include <cstring>
#include <set>
#include <sstream>

namespace kiln::tools {

namespace {

template <typename T> T load(const uint8_t *p) {
  T value;
  std::memcpy(&value, p, sizeof(T));
  return value;
}

void printElement(std::ostream &os, int32_t type, const uint8_t *p) {
  switch (type) {
  case 1:
    os << load<float>(p);
    break;
  case 2:
    os << static_cast<unsigned>(load<uint8_t>(p));
    break;
  case 3:
    os << static_cast<int>(load<int8_t>(p));
    break;
  case 4:
    os << load<uint16_t>(p);
    break;
  case 5:
    os << load<int16_t>(p);
    break;
  case 6:
    os << load<int32_t>(p);
    break;
  case 7:
    os << load<int64_t>(p);
    break;
  case 9:
    os << (*p ? "True" : "False");
    break;
  case 10:
    os << kiln::Float16::toFloat(load<uint16_t>(p));
    break;
  case 11:
    os << load<double>(p);
    break;
  case 12:
    os << load<uint32_t>(p);
    break;
  case 13:
    os << load<uint64_t>(p);
    break;
  case 16:
    os << kiln::BFloat16::toFloat(load<uint16_t>(p));
    break;
  case 17: // the float8 types
  case 18:
  case 19:
  case 20:
  case 24:
    os << narrowFloatValue(type, *p);
    break;
  default:
    os << "?";
  }
}

} // namespace

std::string shapeString(const std::vector<int64_t> &shape) {
  std::string out = "[";
  for (size_t d = 0; d < shape.size(); ++d) {
    if (d)
      out += ", ";
    out += std::to_string(shape[d]);
  }
  return out + "]";
}

std::string describeTensor(const std::string &name, const HostTensor &tensor,
                           size_t maxValues) {
  std::ostringstream os;
  os.precision(6);
  os << name << ": shape " << shapeString(tensor.shape) << ", dtype "
     << numpyTypeName(tensor.elemType) << "\n  [";
  const size_t elemSize = hostElemSize(tensor.elemType);
  const size_t bits = hostElemBits(tensor.elemType);
  const size_t count =
      bits && bits < 8 ? static_cast<size_t>(tensor.elementCount())
      : elemSize       ? tensor.data.size() / elemSize
                       : 0;
  for (size_t i = 0; i < count && i < maxValues; ++i) {
    if (i)
      os << ", ";
    if (bits && bits < 8) {
      uint8_t v = packedElement(tensor.elemType, tensor.data.data(), i);
      if (tensor.elemType == 23) // FLOAT4E2M1
        os << narrowFloatValue(tensor.elemType, v);
      else if (tensor.elemType == 22 || tensor.elemType == 26) // INT4, INT2
        os << (static_cast<int>(v << (32 - bits)) >> (32 - bits));
      else
        os << static_cast<unsigned>(v);
      continue;
    }
    printElement(os, tensor.elemType, &tensor.data[i * elemSize]);
  }
  if (count > maxValues)
    os << ", ... (" << count << " values)";
  os << "]";
  return os.str();
}

std::vector<std::string>
outputFileNames(const std::vector<std::string> &names) {
  std::vector<std::string> files;
  std::set<std::string> used;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string base;
    for (char c : names[i]) {
      bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      base += keep ? c : '_';
    }
    if (base.find_first_not_of('.') == std::string::npos)
      base = "output_" + std::to_string(i);
    std::string candidate = base;
    for (int n = 1; used.count(candidate); ++n)
      candidate = base + "_" + std::to_string(n);
    used.insert(candidate);
    files.push_back(candidate + ".npy");
  }
  return files;
}

} // namespace kiln::tools
