#include "common/ifname.h"

#include <gtest/gtest.h>

#include <string>

namespace sandnet {
namespace {

TEST(Ifname, AcceptsKernelNames) {
  for (const char* name : {"a", "tap0", "tap-sb1", "veth.7", "sn_k9.h", "..a", "a.."})
    EXPECT_TRUE(is_valid_ifname(name)) << name;
  EXPECT_TRUE(is_valid_ifname(std::string(15, 'x'))) << "IFNAMSIZ - 1 bytes";
}

TEST(Ifname, RejectsTooLongAndEmpty) {
  EXPECT_FALSE(is_valid_ifname(""));
  EXPECT_FALSE(is_valid_ifname(std::string(16, 'x'))) << "no room for the NUL in IFNAMSIZ";
  EXPECT_FALSE(is_valid_ifname(std::string(300, 'x')));
}

TEST(Ifname, RejectsPathsAndSeparators) {
  for (const char* name : {".", "..", "/", "a/b", "../x", "eth0:1", ":"})
    EXPECT_FALSE(is_valid_ifname(name)) << name;
}

TEST(Ifname, RejectsWhitespaceControlAndNonAscii) {
  for (std::string name : {" tap", "tap ", "ta p", "tap\t", "tap\n", "tap\r", "tap\v", "tap\f"})
    EXPECT_FALSE(is_valid_ifname(name)) << name;
  EXPECT_FALSE(is_valid_ifname(std::string("ta\0p", 4))) << "embedded NUL";
  EXPECT_FALSE(is_valid_ifname("tap\x7f"));
  EXPECT_FALSE(is_valid_ifname("tap\x01"));
  EXPECT_FALSE(is_valid_ifname("t\xc3\xa4p")) << "UTF-8";
}

}  // namespace
}  // namespace sandnet
