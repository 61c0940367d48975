// sandnetctl dp / monitor against a live datapath (real pins, real kernel).
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>
#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "kernel_world.h"
#include "prog_runner.h"

namespace sandnet::dp {
namespace {

using namespace kworld;
using nlohmann::json;

struct Out {
  int rc;
  std::string text;
};

Out ctl(const std::string& args) {
  std::string cmd = fmt::format("{} {} 2>&1", SANDNETCTL_BIN, args);
  Out o{-1, ""};
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.text.append(buf, n);
  int status = pclose(p);
  o.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

class Sandnetctl : public ::testing::Test {
 protected:
  void SetUp() override {
    AgentConfig cfg = small_config();
    cfg.drop_sample_every = 1;
    dp_ = std::make_unique<Datapath>(cfg, root_.path());
    dp_->apply(state(3, {{1, {0, 1}}}));  // 2 in no network
    flags_ = "--bpffs-root " + root_.path();
  }
  void spoof_once() {
    testkit::Ipv4Spec s;
    s.src_be = ip(2);
    s.dst_be = ip(1);
    auto r = testkit::run_prog(dp_->objects().ingress_prog_fd(), taps()[0],
                               testkit::ipv4_frame({0x02, 0x53, 0x4e, 0, 0, 1}, {0x02, 0, 0, 0, 1, 0}, s));
    ASSERT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_SHOT));
  }
  testkit::BpffsRoot root_{"ld-ctl"};
  std::unique_ptr<Datapath> dp_;
  std::string flags_;
};

TEST_F(Sandnetctl, EndpointsAndMembers) {
  auto e = ctl("dp endpoints -o json " + flags_);
  ASSERT_EQ(e.rc, 0) << e.text;
  json j = json::parse(e.text);
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0]["tap"], tap(0));
  EXPECT_EQ(j[0]["networks"][0], net(1));
  auto m = ctl("dp members -o json " + flags_);
  ASSERT_EQ(m.rc, 0) << m.text;
  json mj = json::parse(m.text);
  ASSERT_EQ(mj.size(), 1u);
  EXPECT_EQ(mj[0]["members"].size(), 2u);
  EXPECT_EQ(ctl("dp endpoints " + flags_).rc, 0);
}

TEST_F(Sandnetctl, WhyNamesTheNetworkOrTheReason) {
  auto allow = ctl(fmt::format("dp why {} {} {}", format_ipv4(ip(0)), format_ipv4(ip(1)), flags_));
  EXPECT_EQ(allow.rc, 0);
  EXPECT_NE(allow.text.find(net(1)), std::string::npos) << allow.text;
  auto deny = ctl(fmt::format("dp why {} {} {}", format_ipv4(ip(0)), format_ipv4(ip(2)), flags_));
  EXPECT_EQ(deny.rc, 3);
  EXPECT_NE(deny.text.find("NO_NETWORK"), std::string::npos) << deny.text;
  auto out = ctl(fmt::format("dp why {} 8.8.8.8 {}", format_ipv4(ip(0)), flags_));
  EXPECT_NE(out.text.find("OVERLAY_TO_OUTSIDE"), std::string::npos) << out.text;
  EXPECT_NE(ctl("dp why nope 1.2.3.4 " + flags_).rc, 0);
}

TEST_F(Sandnetctl, CountersAndMonitorSeeADrop) {
  Out mon;
  std::thread t([&] { mon = ctl("monitor -o json --count 1 --timeout 20 " + flags_); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // let it subscribe
  spoof_once();
  t.join();
  ASSERT_EQ(mon.rc, 0) << mon.text;
  json ev = json::parse(mon.text.substr(0, mon.text.find('\n')), nullptr, false);
  ASSERT_TRUE(ev.is_object()) << mon.text;
  EXPECT_EQ(ev["reason"], "SPOOF_IP");
  EXPECT_EQ(ev["src"], format_ipv4(ip(2)));
  EXPECT_EQ(ev["tap"], tap(0));
  auto c = ctl("dp counters -o json " + flags_);
  ASSERT_EQ(c.rc, 0) << c.text;
  EXPECT_NE(c.text.find("SPOOF_IP"), std::string::npos) << c.text;
  // The counters array is keyed by the tap's row; the view names the tap again.
  json rows = json::parse(c.text, nullptr, false);
  ASSERT_TRUE(rows.is_array()) << c.text;
  bool seen = false;
  for (auto& row : rows)
    if (row["reason"] == "SPOOF_IP") seen = row["tap"] == tap(0) && row["hook"] == "ingress";
  EXPECT_TRUE(seen) << c.text;
}

TEST_F(Sandnetctl, MissingPinsGiveAClearError) {
  auto r = ctl("dp endpoints --bpffs-root /sys/fs/bpf/sandnet-does-not-exist");
  EXPECT_NE(r.rc, 0);
  EXPECT_NE(r.text.find("cannot open pinned map"), std::string::npos) << r.text;
}

}  // namespace
}  // namespace sandnet::dp
