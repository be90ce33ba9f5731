//===- memref_copy_test.cpp - Copying strided memrefs to dense tensors ----===//

#include "memref.h"
#include "value.h"

#include <gtest/gtest.h>

#include <numeric>

using kiln::rt::copyToDense;
using kiln::rt::DescriptorView;

namespace {

/// Builds descriptor words for `rank` dims over `base`.
std::vector<int64_t> descriptor(const void *base, int64_t offset,
                                std::vector<int64_t> sizes,
                                std::vector<int64_t> strides) {
  auto ptr = static_cast<int64_t>(reinterpret_cast<uintptr_t>(base));
  std::vector<int64_t> words = {ptr, ptr, offset};
  words.insert(words.end(), sizes.begin(), sizes.end());
  words.insert(words.end(), strides.begin(), strides.end());
  return words;
}

} // namespace

TEST(MemrefCopyTest, RankZero) {
  double value[3] = {1, 2, 3};
  auto words = descriptor(value, 2, {}, {});
  double out = 0;
  copyToDense(DescriptorView(words.data(), 0), sizeof(double), &out);
  EXPECT_EQ(out, 3);
}

TEST(MemrefCopyTest, DenseWithOffset) {
  std::vector<int32_t> src(20);
  std::iota(src.begin(), src.end(), 0);
  auto words = descriptor(src.data(), 4, {2, 3}, {3, 1});
  std::vector<int32_t> out(6);
  copyToDense(DescriptorView(words.data(), 2), 4, out.data());
  EXPECT_EQ(out, (std::vector<int32_t>{4, 5, 6, 7, 8, 9}));
}

TEST(MemrefCopyTest, TransposedAndBroadcast) {
  std::vector<int16_t> src = {0, 1, 2, 3, 4, 5}; // [2, 3]
  auto t = descriptor(src.data(), 0, {3, 2}, {1, 3});
  std::vector<int16_t> out(6);
  copyToDense(DescriptorView(t.data(), 2), 2, out.data());
  EXPECT_EQ(out, (std::vector<int16_t>{0, 3, 1, 4, 2, 5}));

  // Stride 0 repeats a row (an expanded/broadcast view).
  auto b = descriptor(src.data(), 3, {2, 3}, {0, 1});
  copyToDense(DescriptorView(b.data(), 2), 2, out.data());
  EXPECT_EQ(out, (std::vector<int16_t>{3, 4, 5, 3, 4, 5}));
}

TEST(MemrefCopyTest, NegativeStrides) {
  std::vector<uint8_t> src = {0, 1, 2, 3, 4, 5};
  auto r = descriptor(src.data(), 5, {6}, {-1});
  std::vector<uint8_t> out(6);
  copyToDense(DescriptorView(r.data(), 1), 1, out.data());
  EXPECT_EQ(out, (std::vector<uint8_t>{5, 4, 3, 2, 1, 0}));
}

TEST(MemrefCopyTest, SizeOneDimsWithOddStridesAreStillDense) {
  std::vector<float> src = {1, 2, 3};
  auto d = descriptor(src.data(), 0, {1, 3, 1}, {99, 1, 77});
  std::vector<float> out(3);
  copyToDense(DescriptorView(d.data(), 3), 4, out.data());
  EXPECT_EQ(out, src);
}

TEST(MemrefCopyTest, HigherRankStrided) {
  // A [2, 3, 4] tensor viewed with its last two axes swapped: [2, 4, 3].
  std::vector<int64_t> src(24);
  std::iota(src.begin(), src.end(), 0);
  auto d = descriptor(src.data(), 0, {2, 4, 3}, {12, 1, 4});
  std::vector<int64_t> out(24);
  copyToDense(DescriptorView(d.data(), 3), 8, out.data());
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 4; ++j)
      for (int64_t k = 0; k < 3; ++k)
        ASSERT_EQ(out[i * 12 + j * 3 + k], src[i * 12 + k * 4 + j]);
}

TEST(MemrefCopyTest, EmptyCopiesNothing) {
  auto d = descriptor(nullptr, 0, {0, 3}, {3, 1});
  copyToDense(DescriptorView(d.data(), 2), 4, nullptr);
}

TEST(MemrefCopyTest, InputDescriptorHasIdentityStrides) {
  kiln_value *v = kiln::rt::createOwningTensor(
      KILN_ELEM_FLOAT, std::vector<int64_t>{2, 3, 4}.data(), 3);
  std::vector<int64_t> words(kiln::rt::descriptorWords(3));
  kiln::rt::writeInputDescriptor(words.data(), *v);
  auto ptr = static_cast<int64_t>(reinterpret_cast<uintptr_t>(v->data));
  EXPECT_EQ(words, (std::vector<int64_t>{ptr, ptr, 0, 2, 3, 4, 12, 4, 1}));
  delete v;
}
