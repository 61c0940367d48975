#include "cli/dp_commands.h"

#include <fmt/format.h>
#include <net/if.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "loader/drop_reasons.h"
#include "loader/map_set.h"
#include "loader/net_addr.h"
#include "loader/pin_paths.h"
#include "loader/verdict_explain.h"

namespace sandnet::cli {
namespace {

using nlohmann::json;
using namespace sandnet::dp;

struct DpOptions {
  std::string root = kDefaultBpffsRoot;
  std::string output = "table";
  std::string src, dst;
};

std::string ifname(uint32_t ifindex) {
  char buf[IF_NAMESIZE] = {};
  if (ifindex == 0) return "-";
  return if_indextoname(ifindex, buf) ? std::string(buf) : fmt::format("#{}", ifindex);
}

std::vector<std::string> network_ids(const MapImage& img, uint32_t set_id) {
  std::vector<std::string> out;
  auto it = img.set_nets.find(set_id);
  if (it == img.set_nets.end()) return out;
  for (uint32_t n : it->second) {
    auto net = img.networks.find(n);
    out.push_back(net == img.networks.end() ? fmt::format("#{}", n) : net->second);
  }
  return out;
}

void print(const json& j, const DpOptions& o, const std::function<void()>& table) {
  if (o.output == "json") fmt::print("{}\n", j.dump(2));
  else table();
}

void endpoints(const DpOptions& o) {
  auto img = MapSet::open_pinned(o.root).read_image();
  json j = json::array();
  for (auto& [ip, e] : img.endpoints) {
    j.push_back({{"ip", format_ipv4(ip)}, {"mac", format_mac(e.mac)}, {"tap", ifname(e.ifindex)},
                 {"ifindex", e.ifindex}, {"host_id", e.host_id}, {"set_id", e.set_id},
                 {"networks", network_ids(img, e.set_id)}});
  }
  print(j, o, [&] {
    fmt::print("{:<15} {:<17} {:<15} {:>6} {}\n", "IP", "MAC", "TAP", "SET", "NETWORKS");
    for (auto& e : j)
      fmt::print("{:<15} {:<17} {:<15} {:>6} {}\n", e["ip"].get<std::string>(),
                 e["mac"].get<std::string>(),
                 e["host_id"] == 0 ? e["tap"].get<std::string>() : "(remote)",
                 e["set_id"].get<uint32_t>(), fmt::join(e["networks"].get<std::vector<std::string>>(), ","));
  });
}

void members(const DpOptions& o) {
  auto img = MapSet::open_pinned(o.root).read_image();
  std::map<uint32_t, std::vector<std::string>> by_net;
  for (auto& [ip, e] : img.endpoints) {
    auto it = img.set_nets.find(e.set_id);
    if (it == img.set_nets.end()) continue;
    for (uint32_t n : it->second) by_net[n].push_back(format_ipv4(ip));
  }
  json j = json::array();
  for (auto& [index, id] : img.networks)
    j.push_back({{"network", id}, {"index", index}, {"members", by_net[index]}});
  print(j, o, [&] {
    for (auto& n : j)
      fmt::print("{} ({} members): {}\n", n["network"].get<std::string>(), n["members"].size(),
                 fmt::join(n["members"].get<std::vector<std::string>>(), " "));
  });
}

void counters(const DpOptions& o) {
  auto all = MapSet::open_pinned(o.root).read_counters();
  json j = json::array();
  for (auto& [key, c] : all) {
    for (unsigned r = 0; r < SN_DROP__MAX; ++r) {
      if (!c.drops[r]) continue;
      j.push_back({{"ifindex", key.first}, {"tap", ifname(key.first)},
                   {"hook", std::string(hook_name(key.second))},
                   {"reason", std::string(*drop_reason_name(r))}, {"count", c.drops[r]}});
    }
  }
  print(j, o, [&] {
    fmt::print("{:<15} {:<8} {:<20} {:>12}\n", "TAP", "HOOK", "REASON", "DROPS");
    for (auto& c : j)
      fmt::print("{:<15} {:<8} {:<20} {:>12}\n", c["tap"].get<std::string>(), c["hook"].get<std::string>(),
                 c["reason"].get<std::string>(), c["count"].get<uint64_t>());
  });
}

int why(const DpOptions& o) {
  auto src = parse_ipv4(o.src), dst = parse_ipv4(o.dst);
  if (!src || !dst) throw std::runtime_error("SRC and DST must be IPv4 addresses");
  auto maps = MapSet::open_pinned(o.root);
  auto cfg = maps.read_config();
  if (!cfg) throw std::runtime_error("the datapath has no config yet: every packet is dropped (NO_CONFIG)");
  auto v = explain_verdict(maps.read_image(), *cfg, *src, *dst);
  json j = {{"src", o.src}, {"dst", o.dst}, {"allowed", v.allowed}, {"detail", v.detail}};
  if (v.allowed) j["network"] = v.network;
  else j["reason"] = std::string(*drop_reason_name(v.reason));
  print(j, o, [&] {
    if (v.allowed) fmt::print("ALLOW {} -> {}: {}\n", o.src, o.dst, v.detail);
    else fmt::print("DROP {} -> {}: {} ({})\n", o.src, o.dst, *drop_reason_name(v.reason), v.detail);
  });
  return v.allowed ? 0 : 3;
}

}  // namespace

void add_dp_commands(CLI::App& app) {
  auto opts = std::make_shared<DpOptions>();
  auto* dp = app.add_subcommand("dp", "inspect this host's datapath (pinned BPF maps)");
  dp->require_subcommand(1);
  auto common = [opts](CLI::App* c) {
    c->add_option("--bpffs-root", opts->root, "pin directory of the agent")->capture_default_str();
    c->add_option("-o,--output", opts->output, "table or json")
        ->check(CLI::IsMember({"table", "json"}))
        ->capture_default_str();
  };
  auto* e = dp->add_subcommand("endpoints", "every endpoint: IP, MAC, tap, network set");
  common(e);
  e->callback([opts] { endpoints(*opts); });
  auto* m = dp->add_subcommand("members", "every network and its member IPs");
  common(m);
  m->callback([opts] { members(*opts); });
  auto* c = dp->add_subcommand("counters", "drops per tap, hook and reason");
  common(c);
  c->callback([opts] { counters(*opts); });
  auto* w = dp->add_subcommand("why", "which network allows SRC -> DST, or which rule drops it");
  common(w);
  w->add_option("SRC", opts->src, "source overlay IP")->required();
  w->add_option("DST", opts->dst, "destination IP")->required();
  w->callback([opts] {
    int rc = why(*opts);
    if (rc != 0) throw CLI::RuntimeError(rc);
  });
}

}  // namespace sandnet::cli
