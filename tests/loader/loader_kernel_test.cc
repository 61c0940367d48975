// The loader against the real kernel: apply / re-apply / diff, adoption by a
// restarted loader with zero writes, capacity quarantine, detach, clsact
// fallback and the atomic program upgrade of an existing link.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <linux/pkt_cls.h>

#include <algorithm>
#include <filesystem>

#include "empty_bpf.skel.h"
#include "kernel_world.h"
#include "loader/bpf_objects.h"
#include "loader/pin_paths.h"
#include "loader/tap_slots.h"
#include "loader/tc_features.h"
#include "loader/tcx_link.h"
#include "prog_runner.h"

namespace sandnet::dp {
namespace {

using namespace kworld;

size_t count_links(const std::string& root) {
  size_t n = 0;
  std::error_code ec;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(links_dir(root), ec)) ++n;
  return n;
}

uint32_t link_id(const std::string& pin) {
  UniqueFd fd(bpf_obj_get(pin.c_str()));
  bpf_link_info info{};
  uint32_t len = sizeof info;
  if (!fd.valid() || bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) return 0;
  return info.id;
}

TEST(LoaderKernel, ApplyReapplyAndDiff) {
  testkit::BpffsRoot root("ld-apply");
  Datapath dp(small_config(), root.path());
  auto r1 = dp.apply(state(4, {{1, {0, 1}}, {2, {1, 2}}}));
  EXPECT_GT(r1.map_writes, 0u);
  EXPECT_EQ(r1.attach.created, 8u);  // ingress + egress on 4 taps
  MapImage img = dp.maps().read_image();
  EXPECT_EQ(img.endpoints.size(), 4u);
  EXPECT_EQ(img.taps.size(), 4u);
  EXPECT_EQ(img.networks.size(), 2u);
  EXPECT_EQ(img.taps.at(taps()[3]).set_id, 0u);

  auto r2 = dp.apply(state(4, {{1, {0, 1}}, {2, {1, 2}}}));
  EXPECT_EQ(r2.map_writes, 0u);
  EXPECT_EQ(r2.attach.kept, 8u);
  EXPECT_TRUE(dp.maps().read_image() == img);

  // Sandbox 3 joins net 2: only its endpoint and tap entries, its reach row
  // and the changed words of its peers' rows are written.
  auto r3 = dp.apply(state(4, {{1, {0, 1}}, {2, {1, 2, 3}}}));
  MapImage after = dp.maps().read_image();
  EXPECT_NE(after.taps.at(taps()[3]).set_id, 0u);
  EXPECT_EQ(after.taps.at(taps()[0]).set_id, img.taps.at(taps()[0]).set_id);
  size_t words = 0;
  for (auto& [_, row] : after.reach) words += row.size();
  EXPECT_LE(r3.map_writes, 2u + words);
}

TEST(LoaderKernel, RestartedLoaderAdoptsEverythingAndWritesNothing) {
  testkit::BpffsRoot root("ld-adopt");
  auto desired = state(4, {{1, {0, 1}}, {2, {1, 2}}, {3, {3}}});
  MapImage before;
  std::map<std::string, uint32_t> links_before;
  {
    Datapath dp(small_config(), root.path());
    dp.apply(desired);
    before = dp.maps().read_image();
    for (auto& e : std::filesystem::directory_iterator(links_dir(root.path())))
      links_before[e.path().string()] = link_id(e.path().string());
  }  // the "agent" exits: fds closed, pins stay
  Datapath again(small_config(), root.path());
  EXPECT_EQ(again.config_writes(), 0u);
  auto r = again.apply(desired);
  EXPECT_EQ(r.map_writes, 0u);
  EXPECT_EQ(r.attach.created, 0u);
  EXPECT_EQ(r.attach.updated, 0u);
  EXPECT_EQ(r.attach.kept, 8u);
  EXPECT_TRUE(again.maps().read_image() == before);
  for (auto& [pin, id] : links_before) EXPECT_EQ(link_id(pin), id) << pin;
}

// bpf/lib/maps.h is the one list of maps: the object pins each by name under the layout
// directory, and the agent's table (kMaps) must name exactly the object's maps.
TEST(LoaderKernel, MapListsMustAgree) {
  testkit::BpffsRoot root("ld-maplist");
  Datapath dp(small_config(), root.path());
  std::vector<std::string> names;
  for (auto& [name, _] : kMaps) {
    names.push_back(name);
    EXPECT_TRUE(std::filesystem::exists(map_pin(root.path(), name))) << name << " not pinned";
  }
  EXPECT_NO_THROW(check_map_list(names));
  auto extra = names;
  extra.push_back("new_map");
  try {
    check_map_list(extra);
    FAIL() << "a map the agent does not know was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("new_map"), std::string::npos) << e.what();
  }
  auto missing = names;
  missing.erase(std::find(missing.begin(), missing.end(), std::string("taps_overflow")));
  try {
    check_map_list(missing);
    FAIL() << "an object without taps_overflow was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("taps_overflow"), std::string::npos) << e.what();
  }
}

TEST(LoaderKernel, OverCapacityQuarantinesOnlyTheNewcomer) {
  testkit::BpffsRoot root("ld-cap");
  AgentConfig cfg = small_config();
  cfg.capacity.max_endpoints = 3;
  Datapath dp(cfg, root.path());
  dp.apply(state(3, {{1, {0, 1, 2}}}));
  MapImage before = dp.maps().read_image();
  auto r = dp.apply(state(4, {{1, {0, 1, 2, 3}}}));
  ASSERT_EQ(r.quarantined.size(), 1u);
  EXPECT_EQ(r.quarantined[0].ifindex, taps()[3]);
  EXPECT_NE(r.quarantined[0].why.find("max_endpoints"), std::string::npos) << r.quarantined[0].why;
  MapImage after = dp.maps().read_image();
  EXPECT_EQ(after.taps.at(taps()[3]).flags, SN_TAP_QUARANTINED);
  EXPECT_FALSE(after.endpoints.count(ip(3)));
  ASSERT_EQ(after.endpoints.size(), before.endpoints.size());
  for (auto& [k, v] : before.endpoints)
    EXPECT_TRUE(same_bytes(after.endpoints.at(k), v)) << "the running sandboxes keep their place";
  EXPECT_EQ(count_links(root.path()), 8u) << "the quarantined tap carries the programs";
}

TEST(LoaderKernel, PinnedMapsWithAnotherCapacityAreRefused) {
  testkit::BpffsRoot root("ld-recap");
  { Datapath dp(small_config(), root.path()); }
  AgentConfig bigger = small_config();
  bigger.capacity.max_sets = 4096;
  try {
    Datapath dp(bigger, root.path());
    FAIL() << "accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("purge"), std::string::npos) << e.what();
  }
}

TEST(LoaderKernel, RemovedEndpointIsDetached) {
  testkit::BpffsRoot root("ld-detach");
  Datapath dp(small_config(), root.path());
  dp.apply(state(4, {{1, {0, 1}}}));
  EXPECT_EQ(count_links(root.path()), 8u);
  // Removed from the state alone, the tap stays attached, drop-all; unplugged, it is detached.
  auto held = dp.apply(state(3, {{1, {0, 1}}}));
  EXPECT_EQ(held.detached, 0u);
  EXPECT_EQ(count_links(root.path()), 8u);
  ASSERT_EQ(held.quarantined.size(), 1u);
  EXPECT_EQ(dp.maps().read_image().taps.at(taps()[3]).flags, SN_TAP_QUARANTINED);
  auto r = dp.apply(state(3, {{1, {0, 1}}}), {tap(3)});
  EXPECT_EQ(r.detached, 1u);
  EXPECT_EQ(count_links(root.path()), 6u);
  EXPECT_FALSE(dp.maps().read_image().taps.count(taps()[3]));
}

// Taps placement through the real MapSet (loader/tap_slots.h): a tap whose slot another holds
// goes to taps_overflow and stays there, the slot owner leaving and coming back included.
TEST(LoaderKernel, ATapInOverflowStaysThereWhileItsSlotChangesHands) {
  testkit::BpffsRoot root("ld-slots");
  AgentConfig cfg = small_config();
  const uint32_t slots = tap_slots(cfg.capacity);
  const uint32_t ov = testkit::add_device("snl-ov", {0x0e, 0, 0, 0, 1, 0x99}, taps()[0] + 1024 * slots);
  const MacAddr ov_mac{0x02, 0, 0, 0, 1, 0x99};
  auto with_ov = [&](DesiredState s) {
    s.endpoints.push_back({sb(9), "snl-ov", ip(9), ov_mac, ""});
    s.networks[0].members.push_back(sb(9));
    return s;
  };
  Datapath dp(cfg, root.path());
  auto where = [&](uint32_t ifindex) {
    sn_tap t{};
    uint32_t slot = tap_slot_of(ifindex, slots);
    if (bpf_map_lookup_elem(dp.maps().fds().taps.get(), &slot, &t) == 0 && t.ifindex == ifindex) return "slot";
    if (bpf_map_lookup_elem(dp.maps().fds().taps_overflow.get(), &ifindex, &t) == 0) return "overflow";
    return "none";
  };
  dp.apply(with_ov(state(2, {{1, {0, 1}}})));
  EXPECT_STREQ(where(taps()[0]), "slot");
  EXPECT_STREQ(where(ov), "overflow");
  DesiredState without0 = with_ov(state(2, {{1, {0, 1}}}));
  without0.endpoints.erase(without0.endpoints.begin());
  dp.apply(without0, {tap(0)});  // tap 0 unplugged: its slot is free
  EXPECT_STREQ(where(taps()[0]), "none");
  EXPECT_STREQ(where(ov), "overflow") << "deleting the slot owner moved another tap";
  dp.apply(with_ov(state(2, {{1, {0, 1}}})));
  EXPECT_STREQ(where(taps()[0]), "slot");
  EXPECT_STREQ(where(ov), "overflow");
  EXPECT_EQ(dp.maps().read_image().taps.at(ov).ip, ip(9));
  testkit::Ipv4Spec s;
  s.src_be = ip(9);
  s.dst_be = ip(1);
  auto r = testkit::run_prog(dp.objects().ingress_prog_fd(), ov, testkit::ipv4_frame(cfg.gateway_mac, ov_mac, s));
  EXPECT_EQ(r.retval, static_cast<uint32_t>(TC_ACT_REDIRECT));
  dp.apply(DesiredState{}, {tap(0), tap(1), "snl-ov"});
  EXPECT_STREQ(where(ov), "none");
}

TEST(LoaderKernel, ExistingLinkWithAnotherProgramIsUpgradedInPlace) {
  if (!tcx_supported()) GTEST_SKIP() << "no TCX";
  testkit::BpffsRoot root("ld-upgrade");
  Datapath dp(small_config(), root.path());
  auto* empty = empty_bpf__open_and_load();
  ASSERT_NE(empty, nullptr);
  // An "old version" already attached and pinned where ours would be.
  std::string pin = fmt::format("{}/{}_ingress", links_dir(root.path()), taps()[0]);
  UniqueFd link(tcx_link_create(bpf_program__fd(empty->progs.empty_tc), taps()[0], kBpfTcxIngress));
  ASSERT_TRUE(link.valid());
  ASSERT_EQ(bpf_obj_pin(link.get(), pin.c_str()), 0);
  uint32_t id = link_id(pin);
  auto r = dp.apply(state(1, {{1, {0}}}));
  EXPECT_EQ(r.attach.updated, 1u);
  EXPECT_EQ(r.attach.created, 1u);  // the egress link
  EXPECT_EQ(link_id(pin), id) << "the link must be updated, not replaced";
  TcxLinkInfo info;
  ASSERT_TRUE(tcx_link_info(link.get(), info));
  EXPECT_TRUE(same_program(dp.objects().ingress_prog_fd(), info.prog_id));
  empty_bpf__destroy(empty);
}

TEST(LoaderKernel, ClsactFallbackAttachesAndPurgeDetaches) {
  testkit::BpffsRoot root("ld-clsact");
  AgentConfig cfg = small_config();
  cfg.attach_mode = AttachMode::kClsact;
  {
    Datapath dp(cfg, root.path());
    auto r = dp.apply(state(2, {{1, {0, 1}}}));
    EXPECT_EQ(r.attach.created, 4u);
    EXPECT_EQ(count_links(root.path()), 0u);  // tc filters are not pinned
    auto r2 = dp.apply(state(2, {{1, {0, 1}}}));
    EXPECT_EQ(r2.attach.kept, 4u);
  }
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(taps()[0]), .attach_point = BPF_TC_INGRESS);
  LIBBPF_OPTS(bpf_tc_opts, q, .handle = 0x534e, .priority = 0x534e);
  EXPECT_EQ(bpf_tc_query(&hook, &q), 0);
  purge_datapath(root.path());
  LIBBPF_OPTS(bpf_tc_opts, q2, .handle = 0x534e, .priority = 0x534e);
  EXPECT_NE(bpf_tc_query(&hook, &q2), 0);
  EXPECT_FALSE(std::filesystem::exists(root.path()));
}

}  // namespace
}  // namespace sandnet::dp
