#include "secretstore/shamir.h"

#include <gtest/gtest.h>

#include <random>

namespace dstart::secretstore::shamir {
namespace {

absl::Status TestRandom(std::span<uint8_t> out) {
  static std::mt19937 gen(42);
  for (auto& b : out) b = static_cast<uint8_t>(gen());
  return absl::OkStatus();
}

TEST(ShamirTest, FieldArithmetic) {
  EXPECT_EQ(Mul(0x57, 0x83), 0xc1);  // FIPS-197 §4.2 example.
  for (int a = 1; a < 256; ++a) {
    EXPECT_EQ(Mul(Div(1, static_cast<uint8_t>(a)), static_cast<uint8_t>(a)), 1) << a;
  }
}

TEST(ShamirTest, AnyThresholdSubsetRecoversTheSecret) {
  Bytes secret(32);
  for (int i = 0; i < 32; ++i) secret[i] = static_cast<uint8_t>(i * 7 + 3);
  auto shares = Split(secret, 5, 3, TestRandom);
  ASSERT_TRUE(shares.ok());
  ASSERT_EQ(shares->size(), 5u);
  for (const Bytes& s : *shares) EXPECT_EQ(s.size(), 33u);
  for (int a = 0; a < 5; ++a)
    for (int b = a + 1; b < 5; ++b)
      for (int c = b + 1; c < 5; ++c) {
        auto got = Combine({(*shares)[a], (*shares)[b], (*shares)[c]});
        ASSERT_TRUE(got.ok());
        EXPECT_EQ(*got, secret);
      }
  auto all = Combine(*shares);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(*all, secret);
}

TEST(ShamirTest, FewerThanThresholdSharesGiveAWrongSecret) {
  Bytes secret(32, 0xab);
  auto shares = Split(secret, 5, 3, TestRandom);
  ASSERT_TRUE(shares.ok());
  auto got = Combine({(*shares)[0], (*shares)[1]});
  ASSERT_TRUE(got.ok());
  EXPECT_NE(*got, secret);
}

TEST(ShamirTest, RefusesBadParametersAndShares) {
  Bytes secret(32, 1);
  EXPECT_FALSE(Split(secret, 1, 1, TestRandom).ok());
  EXPECT_FALSE(Split(secret, 3, 4, TestRandom).ok());
  EXPECT_FALSE(Split(secret, 256, 3, TestRandom).ok());
  EXPECT_FALSE(Split(secret, 3, 1, TestRandom).ok());
  EXPECT_FALSE(Split(Bytes{}, 3, 2, TestRandom).ok());
  auto shares = Split(secret, 3, 2, TestRandom);
  ASSERT_TRUE(shares.ok());
  EXPECT_FALSE(Combine({(*shares)[0]}).ok());
  EXPECT_FALSE(Combine({(*shares)[0], (*shares)[0]}).ok());
  Bytes short_share((*shares)[1].begin(), (*shares)[1].end() - 2);
  EXPECT_FALSE(Combine({(*shares)[0], short_share}).ok());
}

}  // namespace
}  // namespace dstart::secretstore::shamir
