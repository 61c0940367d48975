#include "tests/integration/harness/topology.h"

#include <filesystem>
#include <random>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/ulid.h"
#include "tests/integration/harness/process.h"
#include "tests/integration/harness/reaper.h"

namespace sandnet::testing {
namespace {

constexpr size_t kMaxIfName = 15;

void check_ifname(const std::string& name) {
  if (name.size() > kMaxIfName) throw std::invalid_argument("interface name too long: " + name);
}

}  // namespace

std::string random_test_prefix() {
  static const char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  std::uniform_int_distribution<int> pick(0, sizeof kChars - 2);
  std::string p = "sn";
  for (int i = 0; i < 5; ++i) p += kChars[pick(rd)];
  return p;
}

Topology::Topology(std::string prefix, int first_host_byte)
    : prefix_(std::move(prefix)), first_host_byte_(first_host_byte) {
  scratch_dir_ = "/tmp/sandnet-test-" + prefix_;
  Reaper::instance().track_dir(scratch_dir_);
  std::filesystem::create_directories(scratch_dir_);
  host_ = std::make_unique<Netns>(prefix_ + "-host");
}

Topology::~Topology() {
  // Deleting a namespace deletes the veth ends in it, and with them their peers.
  sandbox_ns_.clear();
  outside_ns_.reset();
  host_.reset();
  std::error_code ec;
  std::filesystem::remove_all(scratch_dir_, ec);
  Reaper::instance().forget_dir(scratch_dir_);
}

Sandbox& Topology::add_sandbox(const std::string& label) {
  const int index = static_cast<int>(sandboxes_.size());
  if (index + first_host_byte_ > 250) throw std::invalid_argument("too many sandboxes");
  auto sb = std::make_unique<Sandbox>();
  sb->label = label;
  sb->sandbox_id = new_sandbox_id();
  sb->netns = prefix_ + "-sb" + label;
  sb->tap = prefix_ + "t" + label;
  sb->guest_if = "eth0";
  const int host_byte = first_host_byte_ + index;
  sb->ip = fmt::format("10.42.0.{}", host_byte);
  sb->mac = fmt::format("02:00:0a:2a:00:{:02x}", host_byte);
  check_ifname(sb->tap);

  sandbox_ns_.push_back(std::make_unique<Netns>(sb->netns));
  add_veth(*sb);
  sandboxes_.push_back(std::move(sb));
  if (routing_) route_one(*sandboxes_.back());
  return *sandboxes_.back();
}

Sandbox& Topology::sandbox(const std::string& label) {
  for (auto& sb : sandboxes_)
    if (sb->label == label) return *sb;
  throw std::out_of_range("no sandbox " + label);
}

void Topology::enable_host_routing(bool proxy_arp) {
  routing_ = true;
  proxy_arp_ = proxy_arp;
  // Our own namespace: its global switches touch nothing outside the test.
  set_sysctl(host_netns(), "net.ipv4.conf.all.forwarding", "1");
  for (auto& sb : sandboxes_) route_one(*sb);
}

void Topology::route_one(const Sandbox& sb) {
  const std::string& host = host_netns();
  run_checked({"ip", "-n", host, "route", "replace", sb.ip + "/32", "dev", sb.tap});
  run_checked({"ip", "-n", host, "neigh", "replace", sb.ip, "lladdr", sb.mac, "dev", sb.tap, "nud", "permanent"});
  if (proxy_arp_) set_sysctl(host, "net.ipv4.conf." + sb.tap + ".proxy_arp", "1");
}

const OutsideNet& Topology::add_outside() {
  if (outside_) return *outside_;
  auto out = std::make_unique<OutsideNet>();
  out->netns = prefix_ + "-out";
  out->host_if = prefix_ + "o0";
  check_ifname(out->host_if);
  outside_ns_ = std::make_unique<Netns>(out->netns);
  const std::string& host = host_netns();
  run_checked({"ip", "-n", host, "link", "add", out->host_if, "type", "veth", "peer", "name", "eth0", "netns",
               out->netns});
  run_checked({"ip", "-n", host, "addr", "add", out->host_ip + "/24", "dev", out->host_if});
  run_checked({"ip", "-n", host, "link", "set", out->host_if, "up"});
  run_checked({"ip", "-n", out->netns, "addr", "add", out->ip + "/24", "dev", "eth0"});
  run_checked({"ip", "-n", out->netns, "link", "set", "eth0", "up"});
  run_checked({"ip", "-n", out->netns, "route", "add", "10.42.0.0/16", "via", out->host_ip});
  set_sysctl(host, "net.ipv4.conf.all.forwarding", "1");
  outside_ = std::move(out);
  return *outside_;
}

void Topology::route_sandbox_to_outside(const std::string& label) {
  const OutsideNet& out = add_outside();
  const Sandbox& sb = sandbox(label);
  const std::string tap_mac = host_link_mac(sb.tap);
  run_checked({"ip", "-n", sb.netns, "route", "replace", out.cidr, "dev", sb.guest_if});
  for (const auto& ip : {out.host_ip, out.ip})
    run_checked({"ip", "-n", sb.netns, "neigh", "replace", ip, "lladdr", tap_mac, "dev", sb.guest_if, "nud",
                 "permanent"});
}

std::string Topology::host_link_mac(const std::string& ifname) const {
  auto links = nlohmann::json::parse(run_checked({"ip", "-n", host_->name(), "-j", "link", "show", "dev", ifname}));
  return links.at(0).at("address").get<std::string>();
}

void Topology::add_veth(const Sandbox& sb, uint32_t ifindex) {
  const std::string& host = host_netns();
  std::vector<std::string> add = {"ip", "-n", host, "link", "add", sb.tap};
  if (ifindex != 0) add.insert(add.end(), {"index", std::to_string(ifindex)});
  add.insert(add.end(), {"type", "veth", "peer", "name", sb.guest_if, "netns", sb.netns});
  run_checked(add);
  run_checked({"ip", "-n", sb.netns, "link", "set", sb.guest_if, "address", sb.mac});
  run_checked({"ip", "-n", sb.netns, "addr", "add", sb.ip + "/16", "dev", sb.guest_if});
  run_checked({"ip", "-n", sb.netns, "link", "set", sb.guest_if, "up"});
  run_checked({"ip", "-n", host, "link", "set", sb.tap, "up"});
}

void Topology::recreate_tap(const std::string& label, uint32_t ifindex) {
  Sandbox& sb = sandbox(label);
  if (!sb.tap_deleted) delete_tap(label);
  add_veth(sb, ifindex);
  sb.tap_deleted = false;
  if (routing_) route_one(sb);
}

void Topology::delete_tap(const std::string& label) {
  Sandbox& sb = sandbox(label);
  run_checked({"ip", "-n", host_netns(), "link", "delete", sb.tap});
  sb.tap_deleted = true;
}

}  // namespace sandnet::testing
