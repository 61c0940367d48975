// Drops made by tap_xdp show in `sandnetctl dp counters` and `sandnetctl
// monitor` like TC's, with the hook "xdp".
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "loader/drop_reasons.h"
#include "xdp_world.h"

namespace sandnet::dp::testkit {
namespace {

using nlohmann::json;

std::string ctl(const std::string& args) {
  std::string cmd = fmt::format("{} {} --bpffs-root {} 2>&1", SANDNETCTL_BIN, args,
                                VerdictWorld::get().root->path());
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  EXPECT_EQ(pclose(p), 0) << cmd << ": " << out;
  return out;
}

Frame spoofed(VerdictWorld& w) {
  Ipv4Spec s;
  s.src_be = w.c.ip_be;
  s.dst_be = w.b.ip_be;
  return ipv4_frame(w.config.gateway_mac, w.a.mac, s);
}

TEST(XdpCli, HookNames) {
  EXPECT_EQ(hook_name(SN_HOOK_INGRESS), "ingress");
  EXPECT_EQ(hook_name(SN_HOOK_EGRESS), "egress");
  EXPECT_EQ(hook_name(SN_HOOK_XDP), "xdp");
  EXPECT_EQ(hook_name(7), "unknown");
}

TEST(XdpCli, MonitorAndCountersShowTheXdpHook) {
  VerdictWorld& w = VerdictWorld::get();
  std::string mon;
  std::atomic<bool> done{false};
  std::thread t([&] {
    mon = ctl("monitor -o json --count 1 --timeout 20");
    done = true;
  });
  // Drops until the monitor saw one (it may subscribe late), at most ~20 s.
  for (int i = 0; i < 200 && !done; ++i) {
    ASSERT_EQ(run_xdp(xdp_prog(), w.a.ifindex, spoofed(w)).retval, static_cast<uint32_t>(XDP_DROP));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  t.join();
  json ev = json::parse(mon.substr(0, mon.find('\n')), nullptr, false);
  ASSERT_TRUE(ev.is_object()) << mon;
  EXPECT_EQ(ev["hook"], "xdp");
  EXPECT_EQ(ev["reason"], "SPOOF_IP");
  EXPECT_EQ(ev["tap"], w.a.tap);

  json counters = json::parse(ctl("dp counters -o json"), nullptr, false);
  ASSERT_TRUE(counters.is_array());
  bool found = false;
  for (auto& c : counters)
    found |= c["hook"] == "xdp" && c["reason"] == "SPOOF_IP" && c["tap"] == w.a.tap && c["count"] >= 1;
  EXPECT_TRUE(found) << counters.dump();
}

}  // namespace
}  // namespace sandnet::dp::testkit
