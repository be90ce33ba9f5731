//===- tensor_proto_test.cpp - kiln-run's TensorProto reader --------------===//

#include "tensor_proto.h"

#include <onnx/onnx_pb.h>

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

using namespace kiln::tools;

namespace {

template <typename T> std::vector<T> valuesOf(const HostTensor &t) {
  std::vector<T> out(t.data.size() / sizeof(T));
  std::memcpy(out.data(), t.data.data(), t.data.size());
  return out;
}

std::string convertError(const onnx::TensorProto &proto) {
  try {
    tensorFromProto(proto, ".", "t.pb");
  } catch (const FileFormatError &e) {
    return e.what();
  }
  return "";
}

/// Three int32 values in external data described by `entries`.
onnx::TensorProto
externalInt32s(const std::vector<std::pair<std::string, std::string>> &entries) {
  onnx::TensorProto p;
  p.set_data_type(onnx::TensorProto::INT32);
  p.add_dims(3);
  p.set_data_location(onnx::TensorProto::EXTERNAL);
  for (const auto &[key, value] : entries) {
    auto *entry = p.add_external_data();
    entry->set_key(key);
    entry->set_value(value);
  }
  return p;
}

} // namespace

TEST(TensorProtoTest, RawData) {
  onnx::TensorProto p;
  p.set_data_type(onnx::TensorProto::FLOAT);
  p.add_dims(2);
  p.add_dims(2);
  float values[4] = {1.5f, -2, 3, 4};
  p.set_raw_data(values, sizeof(values));
  HostTensor t = tensorFromProto(p, ".", "t.pb");
  EXPECT_EQ(t.elemType, 1);
  EXPECT_EQ(t.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(valuesOf<float>(t), (std::vector<float>{1.5f, -2, 3, 4}));
}

TEST(TensorProtoTest, TypedFieldsForEveryType) {
  using TP = onnx::TensorProto;
  {
    TP p;
    p.set_data_type(TP::DOUBLE);
    p.add_dims(2);
    p.add_double_data(0.25);
    p.add_double_data(-8);
    EXPECT_EQ(valuesOf<double>(tensorFromProto(p, ".", "t")),
              (std::vector<double>{0.25, -8}));
  }
  {
    TP p;
    p.set_data_type(TP::INT64);
    p.add_int64_data(-5); // rank 0
    HostTensor t = tensorFromProto(p, ".", "t");
    EXPECT_TRUE(t.shape.empty());
    EXPECT_EQ(valuesOf<int64_t>(t), std::vector<int64_t>{-5});
  }
  {
    TP p;
    p.set_data_type(TP::UINT64);
    p.add_dims(1);
    p.add_uint64_data(~uint64_t{0});
    EXPECT_EQ(valuesOf<uint64_t>(tensorFromProto(p, ".", "t")),
              std::vector<uint64_t>{~uint64_t{0}});
  }
  {
    TP p;
    p.set_data_type(TP::UINT32);
    p.add_dims(2);
    p.add_uint64_data(4000000000u);
    p.add_uint64_data(1);
    EXPECT_EQ(valuesOf<uint32_t>(tensorFromProto(p, ".", "t")),
              (std::vector<uint32_t>{4000000000u, 1}));
  }
  {
    TP p;
    p.set_data_type(TP::INT8);
    p.add_dims(3);
    for (int v : {-128, -1, 127})
      p.add_int32_data(v);
    EXPECT_EQ(valuesOf<int8_t>(tensorFromProto(p, ".", "t")),
              (std::vector<int8_t>{-128, -1, 127}));
  }
  {
    TP p;
    p.set_data_type(TP::UINT16);
    p.add_dims(1);
    p.add_int32_data(65535);
    EXPECT_EQ(valuesOf<uint16_t>(tensorFromProto(p, ".", "t")),
              std::vector<uint16_t>{65535});
  }
  {
    TP p;
    p.set_data_type(TP::FLOAT16);
    p.add_dims(2);
    p.add_int32_data(0x3c00); // 1.0
    p.add_int32_data(0xc000); // -2.0
    EXPECT_EQ(valuesOf<uint16_t>(tensorFromProto(p, ".", "t")),
              (std::vector<uint16_t>{0x3c00, 0xc000}));
  }
  {
    TP p;
    p.set_data_type(TP::BFLOAT16);
    p.add_dims(1);
    p.add_int32_data(0x3f80);
    HostTensor t = tensorFromProto(p, ".", "t");
    EXPECT_EQ(t.elemType, 16);
    EXPECT_EQ(valuesOf<uint16_t>(t), std::vector<uint16_t>{0x3f80});
  }
  {
    TP p;
    p.set_data_type(TP::BOOL);
    p.add_dims(3);
    for (int v : {1, 0, 5})
      p.add_int32_data(v);
    EXPECT_EQ(valuesOf<uint8_t>(tensorFromProto(p, ".", "t")),
              (std::vector<uint8_t>{1, 0, 1}));
  }
  for (auto type : {TP::INT32, TP::INT16, TP::UINT8}) {
    TP p;
    p.set_data_type(type);
    p.add_dims(2);
    p.add_int32_data(1);
    p.add_int32_data(2);
    HostTensor t = tensorFromProto(p, ".", "t");
    EXPECT_EQ(t.data.size(), 2 * hostElemSize(type));
    EXPECT_EQ(t.data[0], 1);
  }
}

TEST(TensorProtoTest, ExternalData) {
  std::string dir = ::testing::TempDir() + "kiln_tp_external";
  ::mkdir(dir.c_str(), 0755);
  {
    std::ofstream out(dir + "/weights.bin", std::ios::binary);
    int32_t values[4] = {0, 11, 22, 33};
    out.write(reinterpret_cast<const char *>(values), sizeof(values));
  }
  onnx::TensorProto p = externalInt32s(
      {{"location", "weights.bin"}, {"offset", "4"}, {"length", "12"}});
  std::string path = dir + "/t.pb";
  {
    std::ofstream out(path, std::ios::binary);
    ASSERT_TRUE(p.SerializeToOstream(&out));
  }
  EXPECT_EQ(valuesOf<int32_t>(readTensorProto(path)),
            (std::vector<int32_t>{11, 22, 33}));
}

TEST(TensorProtoTest, BadExternalDataIsRefused) {
  // The compiler's rules for a model's external data: byte counts that are
  // not numbers (an uncaught std::stoll exception before), locations that
  // leave the .pb file's folder (read from anywhere before), data past the
  // end of the file.
  std::string dir = ::testing::TempDir() + "kiln_tp_bad_external";
  std::string outside = ::testing::TempDir() + "kiln_tp_outside";
  ::mkdir(dir.c_str(), 0755);
  ::mkdir(outside.c_str(), 0755);
  for (const std::string &file : {dir + "/w.bin", outside + "/secret.bin"}) {
    std::ofstream out(file, std::ios::binary);
    int32_t values[3] = {1, 2, 3};
    out.write(reinterpret_cast<const char *>(values), sizeof(values));
  }
  ::unlink((dir + "/link.bin").c_str());
  ASSERT_EQ(::symlink((outside + "/secret.bin").c_str(),
                      (dir + "/link.bin").c_str()),
            0);
  struct Case {
    std::string location, offset, expected;
  };
  for (const Case &c : std::vector<Case>{
           {"w.bin", "abc", "invalid external data offset 'abc'"},
           {"w.bin", "-4", "invalid external data offset '-4'"},
           {"w.bin", "9223372036854775807", "is shorter than"},
           {"w.bin", "8", "is shorter than"},
           {"../kiln_tp_outside/secret.bin", "0",
            "External data path escapes model directory"},
           {outside + "/secret.bin", "0",
            "External data path escapes model directory"},
           {"link.bin", "0", "External data path validation failed"}}) {
    onnx::TensorProto p =
        externalInt32s({{"location", c.location}, {"offset", c.offset}});
    std::string path = dir + "/t.pb";
    {
      std::ofstream out(path, std::ios::binary);
      ASSERT_TRUE(p.SerializeToOstream(&out));
    }
    try {
      readTensorProto(path);
      ADD_FAILURE() << c.location << " " << c.offset << ": no error";
    } catch (const std::exception &e) {
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos)
          << c.location << " " << c.offset << ": " << e.what();
    }
  }
}

TEST(TensorProtoTest, NameIsReported) {
  onnx::TensorProto p;
  p.set_name("input_ids");
  p.set_data_type(onnx::TensorProto::INT64);
  p.add_dims(1);
  p.add_int64_data(3);
  std::string path = ::testing::TempDir() + "kiln_tp_named.pb";
  {
    std::ofstream out(path, std::ios::binary);
    ASSERT_TRUE(p.SerializeToOstream(&out));
  }
  std::string name;
  readTensorProto(path, &name);
  EXPECT_EQ(name, "input_ids");
}

TEST(TensorProtoTest, ErrorsAreClear) {
  onnx::TensorProto p;
  EXPECT_EQ(convertError(p), "t.pb: data_type is not set");
  p.set_data_type(onnx::TensorProto::STRING);
  EXPECT_EQ(convertError(p),
            "t.pb: element type STRING is not supported by Kiln");
  p.set_data_type(onnx::TensorProto::COMPLEX64);
  EXPECT_EQ(convertError(p),
            "t.pb: element type COMPLEX64 is not supported by Kiln");
  p.set_data_type(onnx::TensorProto::FLOAT);
  p.add_dims(3);
  p.add_float_data(1);
  EXPECT_EQ(convertError(p), "t.pb: holds 1 values but its shape needs 3");
  p.set_raw_data(std::string(8, '\0'));
  EXPECT_EQ(convertError(p),
            "t.pb: raw_data holds 8 bytes but the shape needs 12");
  onnx::TensorProto negative;
  negative.set_data_type(onnx::TensorProto::FLOAT);
  negative.add_dims(-2);
  EXPECT_EQ(convertError(negative), "t.pb: negative dimension -2");
  EXPECT_THROW(readTensorProto("/nonexistent/t.pb"), FileFormatError);
}

TEST(TensorProtoTest, ReadsOnnxTestData) {
  // Shipped by Debian's libonnx-testdata; produced by ONNX's own tools.
  const std::string dir =
      "/usr/share/libonnx-testdata/data/node/test_add/test_data_set_0/";
  struct stat st;
  if (::stat((dir + "input_0.pb").c_str(), &st) != 0)
    GTEST_SKIP() << "libonnx-testdata is not installed";
  HostTensor x = readTensorProto(dir + "input_0.pb");
  HostTensor y = readTensorProto(dir + "input_1.pb");
  HostTensor z = readTensorProto(dir + "output_0.pb");
  ASSERT_EQ(x.shape, (std::vector<int64_t>{3, 4, 5}));
  ASSERT_EQ(x.elemType, 1);
  std::vector<float> xs = valuesOf<float>(x), ys = valuesOf<float>(y),
                     zs = valuesOf<float>(z);
  ASSERT_EQ(zs.size(), 60u);
  for (size_t i = 0; i < zs.size(); ++i)
    EXPECT_FLOAT_EQ(xs[i] + ys[i], zs[i]);
}
