//===- npy.cpp - Reading and writing numpy .npy files ---------------------===//
//
// Format: "\x93NUMPY", major, minor, header length (2 bytes in 1.0, 4 bytes
// in 2.0/3.0, little endian), then a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces to a 64-byte boundary and ended by '\n', then the data.
//
//===----------------------------------------------------------------------===//

#include "npy.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>

namespace kiln::tools {

namespace {

const char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

struct Descr {
  int32_t elemType;
  bool bigEndian;
};

[[noreturn]] void bad(const std::string &what, const std::string &why) {
  throw FileFormatError(what + ": " + why);
}

Descr parseDescr(const std::string &descr, const std::string &what) {
  if (descr.size() < 3)
    bad(what, "unsupported dtype '" + descr + "'");
  char order = descr[0];
  std::string kind = descr.substr(1);
  if (order != '<' && order != '>' && order != '|' && order != '=')
    bad(what, "unsupported dtype '" + descr + "'");
  static const struct {
    const char *kind;
    int32_t type;
  } kinds[] = {{"f4", 1},  {"u1", 2},  {"i1", 3}, {"u2", 4},  {"i2", 5},
               {"i4", 6},  {"i8", 7},  {"b1", 9}, {"f2", 10}, {"f8", 11},
               {"u4", 12}, {"u8", 13}, {"V2", 16},
               // ml_dtypes' float8/float4/int4/int2 arrays: one byte each,
               // read as uint8 until the model says which type they are.
               {"V1", 2}};
  for (const auto &k : kinds)
    if (kind == k.kind)
      return Descr{k.type, order == '>'};
  bad(what, "unsupported dtype '" + descr +
                "' (Kiln handles bool, integers and float16/32/64)");
}

/// The text of `key`'s value in the header dict, e.g. "'<f4'" or "(2, 3)".
std::string dictValue(const std::string &header, const std::string &key,
                      const std::string &what) {
  size_t pos = header.find("'" + key + "'");
  if (pos == std::string::npos)
    pos = header.find("\"" + key + "\"");
  if (pos == std::string::npos)
    bad(what, "header has no '" + key + "'");
  pos = header.find(':', pos);
  if (pos == std::string::npos)
    bad(what, "malformed header");
  ++pos;
  while (pos < header.size() &&
         std::isspace(static_cast<unsigned char>(header[pos])))
    ++pos;
  if (pos >= header.size())
    bad(what, "malformed header");
  size_t end;
  if (header[pos] == '(') {
    end = header.find(')', pos);
    if (end == std::string::npos)
      bad(what, "malformed shape in header");
    return header.substr(pos, end - pos + 1);
  }
  if (header[pos] == '\'' || header[pos] == '"') {
    end = header.find(header[pos], pos + 1);
    if (end == std::string::npos)
      bad(what, "malformed header");
    return header.substr(pos + 1, end - pos - 1);
  }
  end = header.find_first_of(",}", pos);
  std::string value = header.substr(pos, end - pos);
  while (!value.empty() &&
         std::isspace(static_cast<unsigned char>(value.back())))
    value.pop_back();
  return value;
}

std::vector<int64_t> parseShape(const std::string &tuple,
                                const std::string &what) {
  std::vector<int64_t> shape;
  std::string inner = tuple.substr(1, tuple.size() - 2);
  std::stringstream ss(inner);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item.erase(std::remove_if(
                   item.begin(), item.end(),
                   [](unsigned char c) { return std::isspace(c) || c == 'L'; }),
               item.end());
    if (item.empty())
      continue;
    try {
      size_t used = 0;
      long long dim = std::stoll(item, &used);
      if (used != item.size() || dim < 0)
        throw std::invalid_argument(item);
      shape.push_back(dim);
    } catch (const std::exception &) {
      bad(what, "malformed shape " + tuple);
    }
  }
  return shape;
}

void byteSwap(std::vector<uint8_t> &data, size_t elemSize) {
  if (elemSize <= 1)
    return;
  for (size_t i = 0; i + elemSize <= data.size(); i += elemSize)
    std::reverse(data.begin() + i, data.begin() + i + elemSize);
}

/// Reorders column-major data into row-major order.
std::vector<uint8_t> fortranToC(const std::vector<uint8_t> &src,
                                const std::vector<int64_t> &shape,
                                size_t elemSize) {
  std::vector<uint8_t> dst(src.size());
  const size_t rank = shape.size();
  const int64_t count = static_cast<int64_t>(src.size() / elemSize);
  std::vector<int64_t> fstride(rank, 1), index(rank, 0);
  for (size_t d = 1; d < rank; ++d)
    fstride[d] = fstride[d - 1] * shape[d - 1];
  for (int64_t linear = 0; linear < count; ++linear) {
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d)
      offset += index[d] * fstride[d];
    std::memcpy(&dst[static_cast<size_t>(linear) * elemSize],
                &src[static_cast<size_t>(offset) * elemSize], elemSize);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return dst;
}

std::string shapeTuple(const std::vector<int64_t> &shape) {
  std::string out = "(";
  for (size_t d = 0; d < shape.size(); ++d) {
    if (d)
      out += ", ";
    out += std::to_string(shape[d]);
  }
  if (shape.size() == 1)
    out += ",";
  return out + ")";
}

} // namespace

std::string npyDescr(int32_t elemType) {
  switch (elemType) {
  case 1:
    return "<f4";
  case 2:
    return "|u1";
  case 3:
    return "|i1";
  case 4:
    return "<u2";
  case 5:
    return "<i2";
  case 6:
    return "<i4";
  case 7:
    return "<i8";
  case 9:
    return "|b1";
  case 10:
    return "<f2";
  case 11:
    return "<f8";
  case 12:
    return "<u4";
  case 13:
    return "<u8";
  case 16:
    return "|V2";
  default:
    // float8, float4, int4/uint4, int2/uint2: one byte per element (the
    // packed ones unpacked), as ml_dtypes arrays are saved.
    if (elemType >= 17 && elemType <= 26)
      return "|V1";
    throw std::runtime_error("element type " + std::to_string(elemType) +
                             " cannot be written to .npy");
  }
}

HostTensor readNpy(std::istream &in, const std::string &what) {
  char magic[kMagicSize];
  if (!in.read(magic, kMagicSize) ||
      std::memcmp(magic, kMagic, kMagicSize) != 0)
    bad(what, "not a .npy file (bad magic)");
  unsigned char version[2];
  if (!in.read(reinterpret_cast<char *>(version), 2))
    bad(what, "truncated header");
  uint32_t headerLength = 0;
  if (version[0] == 1) {
    unsigned char len[2];
    if (!in.read(reinterpret_cast<char *>(len), 2))
      bad(what, "truncated header");
    headerLength = len[0] | (len[1] << 8);
  } else if (version[0] == 2 || version[0] == 3) {
    unsigned char len[4];
    if (!in.read(reinterpret_cast<char *>(len), 4))
      bad(what, "truncated header");
    headerLength = len[0] | (len[1] << 8) | (len[2] << 16) |
                   (static_cast<uint32_t>(len[3]) << 24);
  } else {
    bad(what, "unsupported .npy version " + std::to_string(version[0]) + "." +
                  std::to_string(version[1]));
  }
  if (headerLength > (1u << 24))
    bad(what, "header is implausibly long");
  std::string header(headerLength, '\0');
  if (!in.read(header.data(), headerLength))
    bad(what, "truncated header");

  Descr descr = parseDescr(dictValue(header, "descr", what), what);
  std::string fortran = dictValue(header, "fortran_order", what);
  if (fortran != "True" && fortran != "False")
    bad(what, "malformed fortran_order '" + fortran + "'");
  std::string shapeText = dictValue(header, "shape", what);
  if (shapeText.empty() || shapeText.front() != '(')
    bad(what, "malformed shape '" + shapeText + "'");

  HostTensor tensor;
  tensor.elemType = descr.elemType;
  tensor.shape = parseShape(shapeText, what);
  const size_t elemSize = hostElemSize(tensor.elemType);
  int64_t count;
  try {
    count = checkedElementCount(tensor.shape);
  } catch (const FileFormatError &e) {
    bad(what, e.what());
  }
  const size_t bytes = static_cast<size_t>(count) * elemSize;
  tensor.data.resize(bytes);
  if (bytes && !in.read(reinterpret_cast<char *>(tensor.data.data()),
                        static_cast<std::streamsize>(bytes)))
    bad(what, "truncated data: expected " + std::to_string(bytes) +
                  " bytes for shape " + shapeTuple(tensor.shape));
  if (descr.bigEndian)
    byteSwap(tensor.data, elemSize);
  if (fortran == "True" && tensor.shape.size() > 1)
    tensor.data = fortranToC(tensor.data, tensor.shape, elemSize);
  if (tensor.elemType == 9) // numpy bools are 0/1 already; normalise anyway
    for (uint8_t &b : tensor.data)
      b = b ? 1 : 0;
  return tensor;
}

HostTensor readNpy(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    throw FileFormatError(path + ": cannot open: " + std::strerror(errno));
  return readNpy(in, path);
}

void writeNpy(std::ostream &out, const HostTensor &tensor) {
  std::string dict =
      "{'descr': '" + npyDescr(tensor.elemType) +
      "', 'fortran_order': False, 'shape': " + shapeTuple(tensor.shape) + ", }";
  // Pad so that the data starts on a 64-byte boundary, as numpy does.
  size_t prefix = kMagicSize + 2 + 2;
  size_t total = prefix + dict.size() + 1;
  bool v2 = false;
  size_t padded = (total + 63) / 64 * 64;
  if (padded - prefix > 0xffff) {
    v2 = true;
    prefix += 2;
    total += 2;
    padded = (total + 63) / 64 * 64;
  }
  dict.append(padded - total, ' ');
  dict += '\n';
  out.write(kMagic, kMagicSize);
  const uint32_t length = static_cast<uint32_t>(dict.size());
  if (v2) {
    const char version[2] = {2, 0};
    out.write(version, 2);
    const char len[4] = {static_cast<char>(length & 0xff),
                         static_cast<char>((length >> 8) & 0xff),
                         static_cast<char>((length >> 16) & 0xff),
                         static_cast<char>(length >> 24)};
    out.write(len, 4);
  } else {
    const char version[2] = {1, 0};
    out.write(version, 2);
    const char len[2] = {static_cast<char>(length & 0xff),
                         static_cast<char>(length >> 8)};
    out.write(len, 2);
  }
  out.write(dict.data(), static_cast<std::streamsize>(dict.size()));
  if (hostElemBits(tensor.elemType) < 8) {
    std::vector<uint8_t> bytes(static_cast<size_t>(tensor.elementCount()));
    for (size_t i = 0; i < bytes.size(); ++i)
      bytes[i] = packedElement(tensor.elemType, tensor.data.data(), i);
    out.write(reinterpret_cast<const char *>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    return;
  }
  out.write(reinterpret_cast<const char *>(tensor.data.data()),
            static_cast<std::streamsize>(tensor.data.size()));
}

void writeNpy(const std::string &path, const HostTensor &tensor) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    throw std::runtime_error(path + ": cannot create: " + std::strerror(errno));
  writeNpy(out, tensor);
  out.flush();
  if (!out)
    throw std::runtime_error(path + ": write failed");
}

} // namespace kiln::tools
