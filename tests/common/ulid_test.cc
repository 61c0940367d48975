#include "common/ulid.h"

#include <gtest/gtest.h>

#include <set>

namespace sandnet {
namespace {

TEST(Ulid, EncodesSpecVector) {
  // Time 1469918176385 with all-zero randomness is "01ARYZ6S41" + 16 zeros.
  uint8_t zero[10] = {};
  EXPECT_EQ(encode_ulid(1469918176385ULL, zero), "01ARYZ6S410000000000000000");
  uint8_t ones[10];
  std::fill(std::begin(ones), std::end(ones), 0xff);
  EXPECT_EQ(encode_ulid(0, ones), "0000000000ZZZZZZZZZZZZZZZZ");
}

TEST(Ulid, NewIdsAreValidUniqueAndSorted) {
  std::string prev;
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    std::string id = new_ulid();
    ASSERT_TRUE(is_ulid(id)) << id;
    ASSERT_LT(prev, id);  // monotonic within a process
    ASSERT_TRUE(seen.insert(id).second);
    prev = id;
  }
}

TEST(Ulid, RejectsMalformed) {
  EXPECT_FALSE(is_ulid(""));
  EXPECT_FALSE(is_ulid("01ARYZ6S41000000000000000"));    // 25 chars
  EXPECT_FALSE(is_ulid("01ARYZ6S4100000000000000000"));  // 27 chars
  EXPECT_FALSE(is_ulid("81ARYZ6S410000000000000000"));   // overflows 128 bits
  EXPECT_FALSE(is_ulid("01ARYZ6S41000000000000000U"));   // U is not Crockford
  EXPECT_FALSE(is_ulid("01aryz6s410000000000000000"));   // canonical form is upper case
}

TEST(Ids, PrefixesAreChecked) {
  EXPECT_TRUE(is_network_id(new_network_id()));
  EXPECT_TRUE(is_sandbox_id(new_sandbox_id()));
  EXPECT_FALSE(is_network_id(new_sandbox_id()));
  EXPECT_FALSE(is_sandbox_id(new_network_id()));
  EXPECT_FALSE(is_network_id("net-"));
  EXPECT_FALSE(is_sandbox_id("sb_01ARYZ6S41000000000000000!"));
}

}  // namespace
}  // namespace sandnet
