// Hosts-table format: writer/reader round trips and the reader's refusal of damaged images.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "common/hosts_table/crc32c.h"
#include "common/hosts_table/hosts_table.h"
#include "common/hosts_table/hosts_table.hpp"

namespace {

using sandnet::hosts_table::Builder;
using Image = std::vector<unsigned char>;
using Ipv4 = std::array<unsigned char, 4>;

Image sample_table() {
  Builder b;
  b.add_peer("brave-otter", {10, 42, 0, 5}, {"dev", "prod"});
  b.add_peer("calm-heron", {10, 42, 0, 7}, {"dev"});
  b.add_peer("me", {10, 42, 1, 2}, {"prod"});
  b.set_generation(1234);
  return b.finish();
}

std::string str(const char* p, size_t n) { return std::string(p, n); }

int open_image(const Image& image, sandnet_hosts_table* t) {
  return sandnet_hosts_table_open(image.data(), image.size(), t);
}

// Rewrites the checksum so that structural checks, not the CRC, must catch a change.
void reseal(Image& image) {
  uint32_t crc = sandnet_crc32c_update(0, image.data(), 24);
  const unsigned char zero[8] = {0};
  crc = sandnet_crc32c_update(crc, zero, 8);  // CRC and superseded fields
  crc = sandnet_crc32c_update(crc, image.data() + 32, image.size() - 32);
  for (int i = 0; i < 4; i++) image[24 + i] = static_cast<unsigned char>(crc >> (8 * i));
}

void put32(Image& image, size_t off, uint32_t v) {
  for (int i = 0; i < 4; i++) image[off + i] = static_cast<unsigned char>(v >> (8 * i));
}

TEST(Crc32c, KnownVector) {
  EXPECT_EQ(sandnet_crc32c_update(0, "123456789", 9), 0xe3069283u);
  uint32_t split = sandnet_crc32c_update(sandnet_crc32c_update(0, "1234", 4), "56789", 5);
  EXPECT_EQ(split, 0xe3069283u);
}

TEST(HostsTable, RoundTripForwardLookups) {
  Image image = sample_table();
  sandnet_hosts_table t;
  ASSERT_EQ(open_image(image, &t), SANDNET_HT_OK);
  EXPECT_EQ(t.name_count, 7u);  // 3 bare + 4 qualified
  EXPECT_EQ(t.addr_count, 3u);
  EXPECT_EQ(t.generation, 1234u);

  sandnet_hosts_entry e;
  ASSERT_EQ(sandnet_hosts_table_find_name(&t, "brave-otter.prod", &e), 1);
  EXPECT_EQ(str(e.name, e.name_len), "brave-otter.prod");
  EXPECT_EQ(str(e.canonical, e.canonical_len), "brave-otter");
  EXPECT_EQ(Ipv4({e.ipv4[0], e.ipv4[1], e.ipv4[2], e.ipv4[3]}), Ipv4({10, 42, 0, 5}));
  ASSERT_EQ(sandnet_hosts_table_find_name(&t, "calm-heron", &e), 1);
  EXPECT_EQ(e.ipv4[3], 7);
}

TEST(HostsTable, CaseInsensitiveAndTrailingDot) {
  Image image = sample_table();
  sandnet_hosts_table t;
  ASSERT_EQ(open_image(image, &t), SANDNET_HT_OK);
  sandnet_hosts_entry e;
  EXPECT_EQ(sandnet_hosts_table_find_name(&t, "Brave-OTTER.Dev.", &e), 1);
  EXPECT_EQ(str(e.name, e.name_len), "brave-otter.dev");
  EXPECT_EQ(sandnet_hosts_table_find_name(&t, "me.", &e), 1);
  EXPECT_EQ(sandnet_hosts_table_find_name(&t, "me..", &e), 0);
  EXPECT_EQ(sandnet_hosts_table_find_name(&t, ".", &e), 0);
  EXPECT_EQ(sandnet_hosts_table_find_name(&t, "", &e), 0);
  EXPECT_EQ(sandnet_hosts_table_find_name(&t, "brave-otter.staging", &e), 0);
  EXPECT_EQ(sandnet_hosts_table_find_name(&t, "brave", &e), 0);
  std::string long_name(300, 'a');
  EXPECT_EQ(sandnet_hosts_table_find_name(&t, long_name.c_str(), &e), 0);
}

TEST(HostsTable, ReverseLookupGivesBareName) {
  Image image = sample_table();
  sandnet_hosts_table t;
  ASSERT_EQ(open_image(image, &t), SANDNET_HT_OK);
  sandnet_hosts_entry e;
  const unsigned char otter[4] = {10, 42, 0, 5}, absent[4] = {10, 42, 0, 6};
  ASSERT_EQ(sandnet_hosts_table_find_addr(&t, otter, &e), 1);
  EXPECT_EQ(str(e.canonical, e.canonical_len), "brave-otter");
  EXPECT_EQ(sandnet_hosts_table_find_addr(&t, absent, &e), 0);
}

TEST(HostsTable, EveryNameOfManyIsFound) {
  Builder b;
  for (int i = 0; i < 5000; i++)
    b.add_peer("sb-" + std::to_string(i), {10, 42, static_cast<unsigned char>(i >> 8),
                                           static_cast<unsigned char>(i)}, {"net"});
  Image image = b.finish();
  sandnet_hosts_table t;
  ASSERT_EQ(open_image(image, &t), SANDNET_HT_OK);
  ASSERT_EQ(t.name_count, 10000u);
  for (int i = 0; i < 5000; i++) {
    sandnet_hosts_entry e;
    std::string qualified = "sb-" + std::to_string(i) + ".net";
    ASSERT_EQ(sandnet_hosts_table_find_name(&t, qualified.c_str(), &e), 1) << qualified;
    ASSERT_EQ(e.ipv4[3], static_cast<unsigned char>(i));
    ASSERT_EQ(sandnet_hosts_table_find_addr(&t, e.ipv4, &e), 1);
    ASSERT_EQ(str(e.canonical, e.canonical_len), "sb-" + std::to_string(i));
  }
}

TEST(HostsTable, EmptyTableIsValid) {
  Image image = Builder().finish();
  sandnet_hosts_table t;
  ASSERT_EQ(open_image(image, &t), SANDNET_HT_OK);
  sandnet_hosts_entry e;
  EXPECT_EQ(sandnet_hosts_table_find_name(&t, "anything", &e), 0);
  const unsigned char a[4] = {1, 2, 3, 4};
  EXPECT_EQ(sandnet_hosts_table_find_addr(&t, a, &e), 0);
}

TEST(HostsTableWriter, DuplicatesAndConflicts) {
  Builder same;
  same.add("web", {10, 0, 0, 1});
  same.add("WEB.", {10, 0, 0, 1});
  Image image = same.finish();
  sandnet_hosts_table t;
  ASSERT_EQ(open_image(image, &t), SANDNET_HT_OK);
  EXPECT_EQ(t.name_count, 1u);

  Builder conflict;
  conflict.add("web", {10, 0, 0, 1});
  conflict.add("web", {10, 0, 0, 2});
  try {
    conflict.finish();
    FAIL() << "conflicting addresses accepted";
  } catch (const sandnet::hosts_table::Error& e) {
    EXPECT_EQ(e.code, SANDNET_HT_ERR_CONFLICT);
  }
}

TEST(HostsTableWriter, RejectsInvalidNames) {
  sandnet_hosts_builder* b = sandnet_hosts_builder_new();
  const unsigned char ip[4] = {10, 0, 0, 1};
  for (const char* bad : {"", ".", "a..b", ".a", "with space", "é", "a/b"}) {
    EXPECT_EQ(sandnet_hosts_builder_add(b, bad, ip), SANDNET_HT_ERR_ARGUMENT) << bad;
  }
  EXPECT_EQ(sandnet_hosts_builder_add(b, std::string(64, 'a').c_str(), ip), SANDNET_HT_ERR_ARGUMENT);
  EXPECT_EQ(sandnet_hosts_builder_add(b, std::string(63, 'a').c_str(), ip), SANDNET_HT_OK);
  const char* nets[] = {"has.dot"};
  EXPECT_EQ(sandnet_hosts_builder_add_peer(b, "x", ip, nets, 1), SANDNET_HT_ERR_ARGUMENT);
  EXPECT_EQ(sandnet_hosts_builder_add_peer(b, "x.y", ip, nullptr, 0), SANDNET_HT_ERR_ARGUMENT);
  sandnet_hosts_builder_free(b);
}

TEST(HostsTableReader, RefusesEveryTruncation) {
  Image image = sample_table();
  sandnet_hosts_table t;
  for (size_t len = 0; len < image.size(); len++)
    EXPECT_NE(sandnet_hosts_table_open(image.data(), len, &t), SANDNET_HT_OK) << len;
  EXPECT_EQ(sandnet_hosts_table_open(nullptr, 0, &t), SANDNET_HT_ERR_TRUNCATED);
}

TEST(HostsTableReader, RefusesTrailingBytesAndOversize) {
  Image image = sample_table();
  image.push_back(0);
  sandnet_hosts_table t;
  EXPECT_EQ(open_image(image, &t), SANDNET_HT_ERR_TOO_LARGE);
  image.pop_back();
  put32(image, 16, SANDNET_HOSTS_TABLE_MAX_SIZE + 1u);
  reseal(image);
  EXPECT_EQ(open_image(image, &t), SANDNET_HT_ERR_TOO_LARGE);
}

TEST(HostsTableReader, RefusesEverySingleBitFlip) {
  Image image = sample_table();
  sandnet_hosts_table t;
  for (size_t byte = 0; byte < image.size(); byte++) {
    if (byte >= 28 && byte < 32) continue;  // the superseded word, see below
    for (int bit = 0; bit < 8; bit++) {
      Image flipped = image;
      flipped[byte] ^= static_cast<unsigned char>(1u << bit);
      ASSERT_NE(open_image(flipped, &t), SANDNET_HT_OK) << "byte " << byte << " bit " << bit;
    }
  }
}

TEST(HostsTableReader, SupersededWordIsOutsideTheChecksum) {
  Image image = sample_table();
  sandnet_hosts_table t;
  ASSERT_EQ(open_image(image, &t), SANDNET_HT_OK);
  EXPECT_EQ(sandnet_hosts_table_is_superseded(&t), 0);
  image[28] = 1;  // what sandnet_hosts_table_mark_superseded() writes into an old file
  ASSERT_EQ(open_image(image, &t), SANDNET_HT_OK);
  EXPECT_EQ(sandnet_hosts_table_is_superseded(&t), 1);
}

TEST(HostsTableReader, RefusesTornTable) {
  // A table whose second half comes from another table (a torn write) fails the checksum.
  Image a = sample_table();
  Builder other;
  other.add_peer("brave-otter", {10, 42, 0, 9}, {"dev", "prod"});
  other.add_peer("calm-heron", {10, 42, 0, 7}, {"dev"});
  other.add_peer("me", {10, 42, 1, 2}, {"prod"});
  other.set_generation(1234);
  Image b = other.finish();
  ASSERT_EQ(a.size(), b.size());
  Image torn(a.begin(), a.begin() + a.size() / 2);
  torn.insert(torn.end(), b.begin() + b.size() / 2, b.end());
  sandnet_hosts_table t;
  EXPECT_EQ(open_image(torn, &t), SANDNET_HT_ERR_CHECKSUM);
}

TEST(HostsTableReader, StructuralChecksBehindTheChecksum) {
  sandnet_hosts_table t;
  {  // name offset pointing past the string pool
    Image image = sample_table();
    put32(image, 64 + 0, 0xfffffff0u);
    reseal(image);
    EXPECT_EQ(open_image(image, &t), SANDNET_HT_ERR_ENTRY);
  }
  {  // name count that does not match the layout
    Image image = sample_table();
    put32(image, 32, 0x10000000u);
    reseal(image);
    EXPECT_EQ(open_image(image, &t), SANDNET_HT_ERR_LAYOUT);
  }
  {  // two name entries swapped: no longer sorted
    Image image = sample_table();
    std::swap_ranges(image.begin() + 64, image.begin() + 80, image.begin() + 80);
    reseal(image);
    EXPECT_EQ(open_image(image, &t), SANDNET_HT_ERR_ORDER);
  }
  {  // an upper-case byte in the string pool: stored names are normalised
    Image image = sample_table();
    image[image.size() - 1] = 'X';
    reseal(image);
    EXPECT_EQ(open_image(image, &t), SANDNET_HT_ERR_NAME);
  }
  for (uint32_t version : {1u, 3u}) {  // version 1 had no address-names section
    Image image = sample_table();
    put32(image, 8, version);
    reseal(image);
    EXPECT_EQ(open_image(image, &t), SANDNET_HT_ERR_VERSION) << version;
  }
  {
    Image image = sample_table();
    image[0] = 'X';
    EXPECT_EQ(open_image(image, &t), SANDNET_HT_ERR_MAGIC);
  }
}

std::vector<std::string> names_of(const sandnet_hosts_table& t, const Ipv4& ip) {
  std::vector<std::string> out;
  sandnet_hosts_names names;
  if (!sandnet_hosts_table_names_of(&t, ip.data(), &names)) return out;
  const char* name;
  size_t len;
  for (uint32_t i = 0; sandnet_hosts_names_at(&names, i, &name, &len); i++) out.emplace_back(name, len);
  return out;
}

TEST(HostsTable, EveryNameOfAnAddressCanonicalFirst) {
  Image image = sample_table();
  sandnet_hosts_table t;
  ASSERT_EQ(open_image(image, &t), SANDNET_HT_OK);
  EXPECT_EQ(names_of(t, {10, 42, 0, 5}),
            (std::vector<std::string>{"brave-otter", "brave-otter.dev", "brave-otter.prod"}));
  EXPECT_EQ(names_of(t, {10, 42, 1, 2}), (std::vector<std::string>{"me", "me.prod"}));
  EXPECT_TRUE(names_of(t, {10, 42, 9, 9}).empty());

  Builder b;  // shortest first, then byte order, whatever order they were added in
  b.add("zz.b", {10, 0, 0, 1});
  b.add("a.bb", {10, 0, 0, 1});
  b.add("zz", {10, 0, 0, 1});
  b.add("other", {10, 0, 0, 2});
  image = b.finish();
  ASSERT_EQ(open_image(image, &t), SANDNET_HT_OK);
  EXPECT_EQ(names_of(t, {10, 0, 0, 1}), (std::vector<std::string>{"zz", "a.bb", "zz.b"}));
  EXPECT_EQ(names_of(t, {10, 0, 0, 2}), (std::vector<std::string>{"other"}));
}

TEST(HostsTable, PeerInManyNetworksListsThemAll) {
  std::vector<std::string> networks;
  for (int i = 0; i < 1000; i++) networks.push_back("n" + std::to_string(i));
  Builder b;
  b.add_peer("wide", {10, 1, 2, 3}, networks);
  b.add_peer("narrow", {10, 1, 2, 4}, {"n7"});
  Image image = b.finish();
  sandnet_hosts_table t;
  ASSERT_EQ(open_image(image, &t), SANDNET_HT_OK);
  auto names = names_of(t, {10, 1, 2, 3});
  ASSERT_EQ(names.size(), 1001u);
  EXPECT_EQ(names[0], "wide");
  EXPECT_EQ(names_of(t, {10, 1, 2, 4}), (std::vector<std::string>{"narrow", "narrow.n7"}));
}

// Version 2's address-names section: 7 names, 3 addresses in sample_table().
TEST(HostsTableReader, AddressNamesChecksBehindTheChecksum) {
  constexpr size_t kAddrIndex = 64 + 16 * 7, kAddrNames = kAddrIndex + 12 * 3;
  sandnet_hosts_table t;
  {  // a group of no names
    Image image = sample_table();
    put32(image, kAddrIndex + 8, 0);
    reseal(image);
    EXPECT_EQ(open_image(image, &t), SANDNET_HT_ERR_LAYOUT);
  }
  {  // groups that overlap instead of tiling the section
    Image image = sample_table();
    put32(image, kAddrIndex + 12 + 4, 0);
    reseal(image);
    EXPECT_EQ(open_image(image, &t), SANDNET_HT_ERR_LAYOUT);
  }
  {  // a slot past the name index
    Image image = sample_table();
    put32(image, kAddrNames, 7);
    reseal(image);
    EXPECT_EQ(open_image(image, &t), SANDNET_HT_ERR_ENTRY);
  }
  {  // a slot naming another address's name
    Image image = sample_table();
    put32(image, kAddrNames + 4 * 6, 0);
    reseal(image);
    EXPECT_EQ(open_image(image, &t), SANDNET_HT_ERR_LAYOUT);
  }
  {  // two names of one address swapped: the canonical is no longer first
    Image image = sample_table();
    std::swap_ranges(image.begin() + kAddrNames, image.begin() + kAddrNames + 4,
                     image.begin() + kAddrNames + 4);
    reseal(image);
    EXPECT_NE(open_image(image, &t), SANDNET_HT_OK);
  }
  {  // one name listed twice in its group
    Image image = sample_table();
    std::copy(image.begin() + kAddrNames + 4, image.begin() + kAddrNames + 8, image.begin() + kAddrNames + 8);
    reseal(image);
    EXPECT_EQ(open_image(image, &t), SANDNET_HT_ERR_ORDER);
  }
}

TEST(HostsTableReader, WorksAtAnyAlignment) {
  Image image = sample_table();
  std::vector<unsigned char> shifted(image.size() + 3);
  std::memcpy(shifted.data() + 3, image.data(), image.size());
  sandnet_hosts_table t;
  ASSERT_EQ(sandnet_hosts_table_open(shifted.data() + 3, image.size(), &t), SANDNET_HT_OK);
  sandnet_hosts_entry e;
  EXPECT_EQ(sandnet_hosts_table_find_name(&t, "calm-heron.dev", &e), 1);
}

}  // namespace
