//===- npy_test.cpp - kiln-run's .npy reader and writer -------------------===//

#include "npy.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <sstream>

using namespace kiln::tools;

namespace {

HostTensor makeTensor(int32_t type, std::vector<int64_t> shape) {
  HostTensor t;
  t.elemType = type;
  t.shape = std::move(shape);
  t.data.resize(static_cast<size_t>(t.elementCount()) * hostElemSize(type));
  for (size_t i = 0; i < t.data.size(); ++i)
    t.data[i] = static_cast<uint8_t>(i * 7 + 1);
  if (type == 9)
    for (auto &b : t.data)
      b &= 1;
  return t;
}

HostTensor roundTrip(const HostTensor &t) {
  std::stringstream buffer;
  writeNpy(buffer, t);
  return readNpy(buffer, "buffer");
}

std::string header(const std::string &dict) {
  // A version 1.0 header as numpy writes it (no padding needed to parse).
  std::string out("\x93NUMPY\x01\x00", 8);
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>(dict.size() >> 8);
  return out + dict;
}

std::string readError(const std::string &bytes) {
  std::stringstream in(bytes);
  try {
    readNpy(in, "f.npy");
  } catch (const FileFormatError &e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST(NpyTest, EveryTypeRoundTrips) {
  for (int32_t type : {1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 16}) {
    for (std::vector<int64_t> shape :
         {std::vector<int64_t>{}, {5}, {2, 3}, {2, 0, 4}}) {
      HostTensor t = makeTensor(type, shape);
      HostTensor back = roundTrip(t);
      EXPECT_EQ(back.elemType, type);
      EXPECT_EQ(back.shape, shape);
      EXPECT_EQ(back.data, t.data) << "type " << type;
    }
  }
}

TEST(NpyTest, HeaderMatchesNumpyByteForByte) {
  HostTensor t = makeTensor(1, {2, 3});
  std::stringstream buffer;
  writeNpy(buffer, t);
  std::string bytes = buffer.str();
  std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  dict.append(128 - 10 - dict.size() - 1, ' ');
  dict += '\n';
  EXPECT_EQ(bytes.substr(0, 128),
            std::string("\x93NUMPY\x01\x00\x76\x00", 10) + dict);
  EXPECT_EQ(bytes.size(), 128u + 24u);

  HostTensor scalar = makeTensor(7, {});
  buffer.str("");
  writeNpy(buffer, scalar);
  EXPECT_NE(buffer.str().find("'shape': (), }"), std::string::npos);
  HostTensor vec = makeTensor(9, {3});
  buffer.str("");
  writeNpy(buffer, vec);
  EXPECT_NE(buffer.str().find("'descr': '|b1', 'fortran_order': False, "
                              "'shape': (3,), }"),
            std::string::npos);
}

TEST(NpyTest, BigEndianAndFortranOrder) {
  // np.asfortranarray(np.arange(6, dtype='>i2').reshape(2, 3))
  std::string bytes =
      header("{'descr': '>i2', 'fortran_order': True, 'shape': (2, 3), }\n");
  const uint8_t data[] = {0, 0, 0, 3, 0, 1, 0, 4, 0, 2, 0, 5};
  bytes.append(reinterpret_cast<const char *>(data), sizeof(data));
  std::stringstream in(bytes);
  HostTensor t = readNpy(in, "f.npy");
  ASSERT_EQ(t.elemType, 5);
  ASSERT_EQ(t.shape, (std::vector<int64_t>{2, 3}));
  std::vector<int16_t> values(6);
  std::memcpy(values.data(), t.data.data(), 12);
  EXPECT_EQ(values, (std::vector<int16_t>{0, 1, 2, 3, 4, 5}));
}

TEST(NpyTest, Version2HeaderAndKeyOrder) {
  std::string dict =
      "{'shape': (2,), 'fortran_order': False, 'descr': '<u4'}\n";
  std::string bytes("\x93NUMPY\x02\x00", 8);
  uint32_t len = static_cast<uint32_t>(dict.size());
  bytes.append(reinterpret_cast<const char *>(&len), 4);
  bytes += dict;
  uint32_t data[2] = {7, 9};
  bytes.append(reinterpret_cast<const char *>(data), 8);
  std::stringstream in(bytes);
  HostTensor t = readNpy(in, "f.npy");
  EXPECT_EQ(t.elemType, 12);
  EXPECT_EQ(t.shape, std::vector<int64_t>{2});
  EXPECT_EQ(t.data.size(), 8u);
}

TEST(NpyTest, ErrorsAreClear) {
  EXPECT_EQ(readError("hello"), "f.npy: not a .npy file (bad magic)");
  EXPECT_EQ(readError(header("{'descr': '<c8', 'fortran_order': False, "
                             "'shape': (2,), }\n")),
            "f.npy: unsupported dtype '<c8' (Kiln handles bool, integers and "
            "float16/32/64)");
  EXPECT_EQ(readError(header("{'descr': '<U3', 'fortran_order': False, "
                             "'shape': (2,), }\n")),
            "f.npy: unsupported dtype '<U3' (Kiln handles bool, integers and "
            "float16/32/64)");
  EXPECT_EQ(readError(header("{'descr': '<f4', 'fortran_order': False, "
                             "'shape': (2, 3), }\n") +
                      std::string(8, '\0')),
            "f.npy: truncated data: expected 24 bytes for shape (2, 3)");
  EXPECT_EQ(readError(header("{'descr': '<f4', 'shape': (2,), }\n")),
            "f.npy: header has no 'fortran_order'");
  EXPECT_EQ(readError(header("{'descr': '<f4', 'fortran_order': False, "
                             "'shape': (2, x), }\n")),
            "f.npy: malformed shape (2, x)");
  EXPECT_EQ(readError(std::string("\x93NUMPY\x07\x00", 8)),
            "f.npy: unsupported .npy version 7.0");
  EXPECT_THROW(readNpy("/nonexistent/file.npy"), FileFormatError);
}

// int4 data is packed in a HostTensor (as in a .pb file and the runtime) and
// one element per byte in a .npy file ('|V1', as ml_dtypes arrays are
// saved); read back it is bytes until the model's type packs it.
TEST(NpyTest, PackedTypesAreWrittenOneElementPerByte) {
  HostTensor t;
  t.elemType = 22; // INT4
  t.shape = {3};
  t.data = {0xE1, 0x07}; // 1, -2, 7
  std::stringstream buffer;
  writeNpy(buffer, t);
  std::string bytes = buffer.str();
  EXPECT_NE(bytes.find("'descr': '|V1'"), std::string::npos);
  EXPECT_EQ(bytes.substr(bytes.size() - 3), std::string("\x01\x0E\x07", 3));
  HostTensor back = readNpy(buffer, "f.npy");
  EXPECT_EQ(back.elemType, 2);
  EXPECT_EQ(packElements(22, back.data.data(), 3), t.data);
  EXPECT_EQ(hostDataBytes(22, 3), 2u);
  EXPECT_EQ(hostDataBytes(26, 5), 2u); // INT2
  EXPECT_EQ(narrowFloatValue(17, 0x3C), 1.5);  // FLOAT8E4M3FN
  EXPECT_EQ(narrowFloatValue(19, 0xFC), -INFINITY); // FLOAT8E5M2
  EXPECT_EQ(narrowFloatValue(23, 0x7), 6.0);   // FLOAT4E2M1
}
