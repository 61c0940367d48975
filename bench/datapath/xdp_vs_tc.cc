// bench/datapath xdp_vs_tc driver: sender CPU per 64-byte frame written into
// a sandbox's tap, with the real datapath (real loader, real maps) attached,
// TC-only against TC + the early-drop XDP program (bench/datapath/sandnet_xdp.bpf.c,
// "xdp"), the same without its hash lookups ("xdp_lite": spoofing drops
// only, verdict in TC) and an XDP program that passes everything
// ("xdp_empty": the price of having XDP at all), switched every window as
// tc, xdp, tc, xdp_lite, tc, xdp_empty, ... Per traffic kind it prints
// one JSON line with each window's frames and writer CPU; xdp_vs_tc.py pairs
// the windows and reports. Everything lives in a private netns and a private
// bpffs root, gone when the process ends.
#include <CLI/CLI.hpp>
#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <poll.h>
#include <sched.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "frames.h"
#include "loader/datapath.h"
#include "bench/datapath/xdp_program.h"
#include "test_host.h"
#include "xdp_bench_devices.h"
#include "xdp_empty.skel.h"
#include "xdp_frame_writer.h"

using namespace sandnet::dp;
using namespace sandnet::dp::testkit;
using namespace sandnet::bench;
using nlohmann::json;

namespace {

struct Options {
  std::string device = "tap", kinds = "spoof_ip,spoof_mac,arp_not_peer,deny,allow";
  std::vector<std::string> configs = {"xdp", "xdp_lite", "xdp_empty"};
  double duration = 20, window = 0.5, warmup = 0.5;
  int cpu = 1, reader_cpu = 0;
  uint32_t interval_ms = 100;
};

struct Sandbox {
  const char* id;
  const char* ip;
  const char* mac;
  BenchDevice dev;
};

struct Kind {
  Frame frame;
  int reason;  // expected drop reason, -1 for the allowed kind
};

constexpr size_t kFrameBytes = 64;

// A: the writer's sandbox; B shares net1 with it; C is alone in net2.
std::map<std::string, Kind> kinds(const AgentConfig& cfg, const Sandbox& a, const Sandbox& b,
                                  const Sandbox& c) {
  auto udp = [&](uint32_t src, uint32_t dst, const char* src_mac) {
    Ipv4Spec s;
    s.src_be = src;
    s.dst_be = dst;
    s.proto = 17;
    s.payload = kFrameBytes - 14 - 20 - 8;
    return ipv4_frame(cfg.gateway_mac, mac(src_mac), s);
  };
  Frame arp = arp_frame(kBroadcast, mac(a.mac), 1, mac(a.mac), ip(a.ip), MacAddr{}, ip(c.ip));
  arp.resize(kFrameBytes, 0);  // Ethernet padding, as a guest sends it
  return {{"spoof_ip", {udp(ip("10.42.0.99"), ip(b.ip), a.mac), SN_DROP_SPOOF_IP}},
          {"spoof_mac", {udp(ip(a.ip), ip(b.ip), "02:00:0a:2a:00:63"), SN_DROP_SPOOF_MAC}},
          {"arp_not_peer", {arp, SN_DROP_ARP_NOT_PEER}},
          {"deny", {udp(ip(a.ip), ip(c.ip), a.mac), SN_DROP_NO_SHARED_NETWORK}},
          {"allow", {udp(ip(a.ip), ip(b.ip), a.mac), -1}}};
}

void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof set, &set);
}

// Drains the allowed kind's destination (a tap's fd) like its VM backend would.
class Reader {
 public:
  Reader(int fd, int cpu) : thread_([this, fd, cpu] { run(fd, cpu); }) {}
  ~Reader() {
    stop_ = true;
    thread_.join();
  }
  uint64_t frames() const { return frames_; }

 private:
  void run(int fd, int cpu) {
    pin_to(cpu);
    char buf[2048];
    pollfd p{fd, POLLIN, 0};
    while (!stop_) {
      if (poll(&p, 1, 50) <= 0) continue;
      while (read(fd, buf, sizeof buf) > 0) ++frames_;
    }
  }
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> frames_{0};
  std::thread thread_;
};

uint64_t drops(Datapath& dp, uint32_t ifindex, uint32_t hook, int reason) {
  if (reason < 0) return 0;
  auto c = dp.maps().read_counters();
  auto it = c.find({ifindex, hook});
  return it == c.end() ? 0 : it->second.drops[reason];
}

json run_kind(const Options& o, const std::string& name, const Kind& kind, Datapath& dp,
              const std::map<std::string, int>& xdp_progs, Sandbox& a, Sandbox& b) {
  FrameWriter writer(a.dev.guest_fd.get(), o.cpu, o.interval_ms);
  std::optional<Reader> reader;
  if (o.device == "tap") reader.emplace(b.dev.guest_fd.get(), o.reader_cpu);
  uint64_t xdp_drops0 = drops(dp, a.dev.ifindex, SN_HOOK_XDP, kind.reason);
  uint64_t tc_drops0 = drops(dp, a.dev.ifindex, SN_HOOK_INGRESS, kind.reason);
  auto sleep = [](double s) { std::this_thread::sleep_for(std::chrono::duration<double>(s)); };

  writer.start(kind.frame);
  sleep(o.warmup);  // epoch 0: TC-only, discarded
  int n = std::max(2, static_cast<int>(o.duration / o.window));
  std::vector<std::string> configs;
  UniqueFd link;
  std::string mode;
  for (int k = 0; k < n; ++k) {
    std::string config = k % 2 ? o.configs[(k / 2) % o.configs.size()] : "tc";
    link.reset();
    if (config != "tc") link = xdp_link_create(xdp_progs.at(config), a.dev.ifindex);
    if (config != "tc" && mode.empty()) mode = xdp_mode(a.dev.name);
    configs.push_back(config);
    writer.set_epoch(static_cast<uint32_t>(k + 1));
    sleep(o.window);
  }
  writer.set_epoch(static_cast<uint32_t>(n + 1));
  writer.stop();
  link.reset();

  json windows = json::array();
  for (auto& c : configs) windows.push_back({{"config", c}, {"frames", 0}, {"cpu_ns", 0}, {"samples", 0}});
  uint64_t errors = 0;
  for (auto& s : writer.take_samples()) {
    errors += s.errors;
    if (s.epoch == 0 || s.epoch > configs.size()) continue;
    auto& w = windows[s.epoch - 1];
    w["frames"] = w["frames"].get<uint64_t>() + s.frames;
    w["cpu_ns"] = w["cpu_ns"].get<uint64_t>() + s.cpu_ns;
    w["samples"] = w["samples"].get<int>() + 1;
  }
  json out = {{"kind", name}, {"device", o.device}, {"xdp_mode", mode}, {"windows", windows},
              {"write_errors", errors},
              {"drops_counted", {{"xdp", drops(dp, a.dev.ifindex, SN_HOOK_XDP, kind.reason) - xdp_drops0},
                                 {"tc_ingress", drops(dp, a.dev.ifindex, SN_HOOK_INGRESS, kind.reason) - tc_drops0}}}};
  if (reader) out["received_by_peer"] = reader->frames();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"xdp_vs_tc: writer CPU per frame on a sandbox tap, TC-only vs TC+XDP, interleaved"};
  app.add_option("--device", o.device, "tap (tun driver) or veth")->check(CLI::IsMember({"tap", "veth"}))->capture_default_str();
  app.add_option("--kinds", o.kinds, "comma-separated traffic kinds")->capture_default_str();
  app.add_option("--configs", o.configs, "XDP configurations alternated with tc")
      ->check(CLI::IsMember({"xdp", "xdp_lite", "xdp_empty"}))->delimiter(',')->capture_default_str();
  app.add_option("--duration", o.duration, "seconds of windows per kind")->capture_default_str();
  app.add_option("--window", o.window, "seconds per configuration window")->capture_default_str();
  app.add_option("--cpu", o.cpu, "writer CPU")->capture_default_str();
  app.add_option("--reader-cpu", o.reader_cpu, "CPU of the allowed traffic's reader")->capture_default_str();
  app.add_option("--interval-ms", o.interval_ms, "writer sample interval")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);  // stdout is for the JSON lines

  if (!enter_private_netns()) return 1;
  try {
    disable_ipv6_by_default();
    std::string prefix = fmt::format("sxb{}", getpid() % 100000);
    auto make = o.device == "tap" ? make_tap : make_veth;
    Sandbox a{"sb_01J0000000000000000000000A", "10.42.0.1", "02:00:0a:2a:00:01", make(prefix + "a")};
    Sandbox b{"sb_01J0000000000000000000000B", "10.42.0.2", "02:00:0a:2a:00:02", make(prefix + "b")};
    Sandbox c{"sb_01J0000000000000000000000C", "10.42.0.3", "02:00:0a:2a:00:03", make(prefix + "c")};
    BpffsRoot root("xdpbench");
    AgentConfig cfg = default_agent_config();
    cfg.capacity.max_endpoints = cfg.capacity.max_sets = cfg.capacity.max_networks = 1024;
    cfg.capacity.max_local_taps = 16;
    Datapath dp(cfg, root.path());
    DesiredState state;
    for (Sandbox* s : {&a, &b, &c}) state.endpoints.push_back({s->id, s->dev.name, ip(s->ip), mac(s->mac), ""});
    state.networks = {{"net-01J00000000000000000000001", {a.id, b.id}},
                      {"net-01J00000000000000000000002", {c.id}}};
    dp.apply(state);
    auto xdp = XdpProgram::load(root.path());
    auto lite = XdpProgram::load(root.path(), XdpScope::kSpoofingOnly);
    std::unique_ptr<xdp_empty, decltype(&xdp_empty__destroy)> empty(xdp_empty__open_and_load(),
                                                                    xdp_empty__destroy);
    if (!empty) throw std::runtime_error("cannot load the empty XDP program");
    std::map<std::string, int> progs = {{"xdp", xdp->prog_fd()}, {"xdp_lite", lite->prog_fd()},
                                        {"xdp_empty", bpf_program__fd(empty->progs.empty_xdp)}};

    auto all = kinds(cfg, a, b, c);
    std::stringstream list(o.kinds);
    for (std::string name; std::getline(list, name, ',');) {
      auto it = all.find(name);
      if (it == all.end()) throw std::runtime_error("unknown kind " + name);
      std::cout << run_kind(o, name, it->second, dp, progs, a, b).dump() << std::endl;
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "xdp_vs_tc: {}\n", e.what());
    return 1;
  }
  return 0;
}
