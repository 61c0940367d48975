// Property 6 (inspectable): every pinned map dumps through `bpftool -j` with
// its BTF field names.
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "kernel_world.h"
#include "loader/pin_paths.h"
#include "prog_runner.h"

namespace sandnet::dp {
namespace {

using namespace kworld;

std::string run(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(Bpftool, EveryPinnedMapDumpsWithFieldNames) {
  testkit::BpffsRoot root("ld-bpftool");
  Datapath dp(small_config(), root.path());
  dp.apply(state(2, {{1, {0, 1}}}));
  // One drop, so that drop_counts has an entry.
  testkit::Ipv4Spec s;
  s.src_be = ip(1);  // spoofed
  s.dst_be = ip(0);
  auto r = testkit::run_prog(dp.objects().ingress_prog_fd(), taps()[0],
                             testkit::ipv4_frame(MacAddr{0x02, 0x53, 0x4e, 0, 0, 1},
                                                 {0x02, 0, 0, 0, 1, 0}, s));
  ASSERT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_SHOT));

  const std::map<std::string, std::vector<std::string>> expected = {
      {"config", {"overlay_net", "overlay_mask", "host_ll", "sample_every", "gw_mac", "reach_words", "host_number",
                  "vxlan_ifindex", "overlay_mtu"}},
      {"endpoints", {"ifindex", "host_id", "mac", "set_id", "flags"}},
      {"taps", {"ip", "set_id", "mac", "tap_mac", "counter_row", "reach_base", "overlay_net", "gw_mac", "ifindex",
                "host_number", "vxlan_ifindex", "overlay_mtu"}},
      {"reach", {"dst_sets"}},
      {"set_nets", {"count", "nets"}},
      {"networks", {"id"}},
      {"drop_counts", {"drops", "sample_left"}},  // key: counter_row * SN_HOOK__MAX + hook
  };
  for (auto& [map, fields] : expected) {
    SCOPED_TRACE(map);
    std::string out = run(fmt::format("bpftool -j map dump pinned {} 2>&1", map_pin(root.path(), map)));
    auto j = nlohmann::json::parse(out, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << out;
    ASSERT_TRUE(j.is_array() && !j.empty()) << out;
    for (auto& f : fields) EXPECT_NE(out.find("\"" + f + "\""), std::string::npos) << f << " in " << out;
  }
  // taps_overflow is empty here (no two taps share a slot: tests/bpf/tap_overflow_test.cc
  // fills it); it shows with its name and type. So does the ring buffer, which has no
  // entries to dump.
  std::string overflow = run(fmt::format("bpftool -j map show pinned {}", map_pin(root.path(), "taps_overflow")));
  EXPECT_NE(overflow.find("\"hash\""), std::string::npos) << overflow;
  EXPECT_NE(overflow.find("\"taps_overflow\""), std::string::npos) << overflow;
  std::string rb = run(fmt::format("bpftool -j map show pinned {}", map_pin(root.path(), "drop_events")));
  EXPECT_NE(rb.find("\"ringbuf\""), std::string::npos) << rb;
  EXPECT_NE(rb.find("\"drop_events\""), std::string::npos) << rb;
}

}  // namespace
}  // namespace sandnet::dp
