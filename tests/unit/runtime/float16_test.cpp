//===- float16_test.cpp - kiln::Float16 / kiln::BFloat16 conversions -----===//
//
// GCC's _Float16 is the reference: IEEE round-to-nearest-even conversions.
//
//===----------------------------------------------------------------------===//

#include "kiln/kiln.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

namespace {

uint32_t bitsOf(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

float floatOf(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

} // namespace

TEST(Float16Test, KnownValues) {
  EXPECT_EQ(kiln::Float16(1.0f).bits, 0x3c00);
  EXPECT_EQ(kiln::Float16(-2.0f).bits, 0xc000);
  EXPECT_EQ(kiln::Float16(65504.f).bits, 0x7bff);
  EXPECT_EQ(kiln::Float16(65520.f).bits, 0x7c00); // rounds to infinity
  EXPECT_EQ(kiln::Float16(0.1f).bits, 0x2e66);
  EXPECT_EQ(kiln::Float16(std::ldexp(1.f, -24)).bits, 0x0001);
  EXPECT_EQ(kiln::Float16(std::ldexp(1.f, -26)).bits, 0x0000);
  EXPECT_EQ(kiln::Float16(-0.f).bits, 0x8000);
  EXPECT_TRUE(std::isnan(float(kiln::Float16(NAN))));
  EXPECT_EQ(float(kiln::Float16::fromBits(0x7c00)), INFINITY);
}

TEST(Float16Test, EveryHalfRoundTrips) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    auto half = kiln::Float16::fromBits(static_cast<uint16_t>(h));
    float f = float(half);
    if (std::isnan(f))
      continue;
    _Float16 reference;
    uint16_t hb = static_cast<uint16_t>(h);
    std::memcpy(&reference, &hb, 2);
    ASSERT_EQ(bitsOf(f), bitsOf(static_cast<float>(reference))) << h;
    ASSERT_EQ(kiln::Float16(f).bits, h) << h;
  }
}

TEST(Float16Test, MatchesCompilerConversionOnSampledFloats) {
  // A stride co-prime with 2^32 visits every exponent and many mantissas.
  for (uint64_t u = 0; u < (uint64_t{1} << 32); u += 65537 * 7) {
    float f = floatOf(static_cast<uint32_t>(u));
    if (std::isnan(f))
      continue;
    _Float16 reference = static_cast<_Float16>(f);
    uint16_t expected;
    std::memcpy(&expected, &reference, 2);
    ASSERT_EQ(kiln::Float16(f).bits, expected) << std::hex << u;
  }
}

TEST(BFloat16Test, RoundsToNearestEven) {
  EXPECT_EQ(kiln::BFloat16(1.0f).bits, 0x3f80);
  EXPECT_EQ(kiln::BFloat16(floatOf(0x3f808000)).bits, 0x3f80); // tie -> even
  EXPECT_EQ(kiln::BFloat16(floatOf(0x3f818000)).bits, 0x3f82); // tie -> even
  EXPECT_EQ(kiln::BFloat16(floatOf(0x3f808001)).bits, 0x3f81);
  EXPECT_EQ(float(kiln::BFloat16::fromBits(0xc040)), -3.0f);
  EXPECT_TRUE(std::isnan(float(kiln::BFloat16(NAN))));
  EXPECT_EQ(kiln::BFloat16(INFINITY).bits, 0x7f80);
}
