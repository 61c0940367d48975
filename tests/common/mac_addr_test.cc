#include "common/mac_addr.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <stdexcept>

namespace sandnet {
namespace {

TEST(MacAddr, ParsesEitherCaseAndWritesLowerCase) {
  auto m = parse_mac("02:AB:cd:00:0F:ff");
  ASSERT_TRUE(m);
  EXPECT_EQ(*m, (MacAddr{0x02, 0xab, 0xcd, 0x00, 0x0f, 0xff}));
  EXPECT_EQ(format_mac(*m), "02:ab:cd:00:0f:ff");
  EXPECT_EQ(normalized_mac("02:AB:cd:00:00:01"), "02:ab:cd:00:00:01");
}

TEST(MacAddr, RejectsEveryOtherForm) {
  for (const char* bad : {"", "02:00:00:00:00", "02:00:00:00:00:011", "02-00-00-00-00-01", "0200.0000.0001",
                          "020000000001", "0g:00:00:00:00:01", "2:0:0:0:0:1:00000", " 02:00:00:00:00:01",
                          "02:00:00:00:00:01 ", "02:00:00:00:00:1 ", "+2:00:00:00:00:01", "-2:00:00:00:00:01",
                          "02::00:00:00:00:1", "02:00:00:00:00:0x", "02:00:00:00:00:\xff\xff"}) {
    EXPECT_FALSE(parse_mac(bad)) << bad;
    EXPECT_THROW(normalized_mac(bad), std::invalid_argument) << bad;
  }
  EXPECT_FALSE(parse_mac(std::string_view("02:00:00:00:00:0\0", 17))) << "embedded NUL";
}

TEST(MacAddr, UnicastIsNeitherGroupNorZero) {
  EXPECT_TRUE(is_unicast_mac(*parse_mac("02:00:0a:2a:00:07")));
  EXPECT_FALSE(is_unicast_mac(*parse_mac("01:00:5e:00:00:01"))) << "multicast";
  EXPECT_FALSE(is_unicast_mac(*parse_mac("ff:ff:ff:ff:ff:ff"))) << "broadcast";
  EXPECT_FALSE(is_unicast_mac(*parse_mac("00:00:00:00:00:00")));
}

TEST(MacAddr, DerivedFromTheIpv4Address) {
  in_addr a{};
  ASSERT_EQ(inet_pton(AF_INET, "10.42.1.2", &a), 1);
  EXPECT_EQ(derived_mac(a.s_addr), (MacAddr{0x02, 0x00, 10, 42, 1, 2}));
  EXPECT_TRUE(is_unicast_mac(derived_mac(a.s_addr)));
  EXPECT_EQ(derived_mac_text("10.42.1.2"), "02:00:0a:2a:01:02");
  for (const char* bad : {"", "fe80::1", "10.42.1", "10.42.1.2 ", "10.42.1.256", "10.42.1.2/32"})
    EXPECT_THROW(derived_mac_text(bad), std::invalid_argument) << bad;
}

}  // namespace
}  // namespace sandnet
