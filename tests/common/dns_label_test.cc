#include "common/dns_label.h"

#include <gtest/gtest.h>

#include <string>

namespace sandnet {
namespace {

TEST(DnsLabel, AcceptsLabels) {
  EXPECT_TRUE(is_dns_label("a"));
  EXPECT_TRUE(is_dns_label("backend"));
  EXPECT_TRUE(is_dns_label("brave-otter"));
  EXPECT_TRUE(is_dns_label("0"));
  EXPECT_TRUE(is_dns_label("a1-b2"));
  EXPECT_TRUE(is_dns_label(std::string(63, 'x')));
}

TEST(DnsLabel, RejectsNonLabels) {
  EXPECT_FALSE(is_dns_label(""));
  EXPECT_FALSE(is_dns_label(std::string(64, 'x')));
  EXPECT_FALSE(is_dns_label("-a"));
  EXPECT_FALSE(is_dns_label("a-"));
  EXPECT_FALSE(is_dns_label("Backend"));
  EXPECT_FALSE(is_dns_label("a.b"));
  EXPECT_FALSE(is_dns_label("a_b"));
  EXPECT_FALSE(is_dns_label("a b"));
  EXPECT_FALSE(is_dns_label(std::string("a\0b", 3)));
  EXPECT_FALSE(is_dns_label("caf\xc3\xa9"));
}

}  // namespace
}  // namespace sandnet
