// bench/datapath (g): the map writes of one apply (MapSet::apply of a planned Plan), with
// BPF_MAP_UPDATE_BATCH (max_batch MapSet::kMaxBatch) against op by op (max_batch 1), the two
// alternated trial by trial in one run:
//  - snapshot: a resync's writes into empty maps, N endpoints in K networks, L of them local
//    (each local tap's reach row is written whole: max_sets / 64 + 1 words);
//  - new set: a remote sandbox joins networks {A, D}, a set new to the maps that shares A with
//    T local taps all in set {A} (one reach word per tap), and leaves again;
//  - plug: one more tap joins {A} (its row written whole), and is unplugged.
// T = 1 is what a change would write if taps of one set shared their reach row (issue 19).
// Planning is not timed. Wall and thread CPU (user + system) per apply; median and minimum.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <arpa/inet.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "loader/bpf_objects.h"
#include "loader/datapath.h"
#include "loader/op_batches.h"
#include "test_host.h"

using namespace sandnet::dp;
using nlohmann::json;

namespace {

std::string sb(uint32_t i) { return fmt::format("sb_01J{:023d}", i); }
std::string net_id(uint32_t i) { return fmt::format("net-01J{:023d}", i); }
uint32_t ip_of(uint32_t i) { return htonl((10u << 24) | (40u << 16) | (i + 1)); }  // in 10.40.0.0/14
std::string tap_name(uint32_t i) { return fmt::format("t{}", i); }

TapResolver fake_taps() {
  return [](const std::string& name) -> std::optional<TapInfo> {
    uint32_t i = static_cast<uint32_t>(std::stoul(name.substr(1)));
    return TapInfo{1000 + i, {0x0e, 0, 0, static_cast<uint8_t>(i >> 16), static_cast<uint8_t>(i >> 8),
                              static_cast<uint8_t>(i)}};
  };
}

AgentConfig bench_config() {
  AgentConfig c = default_agent_config();
  c.overlay = *parse_cidr("10.40.0.0/14");
  c.capacity.max_endpoints = overlay_slots(c.overlay);
  c.capacity.max_local_taps = 2048;
  return c;
}

struct World {
  DesiredState state;
  void endpoint(uint32_t i, bool local) {
    EndpointSpec e{sb(i), local ? tap_name(i) : "", ip_of(i), {0x02, 0, 0, static_cast<uint8_t>(i >> 16),
                   static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)}, local ? "" : fmt::format("h{}", i % 8)};
    state.endpoints.push_back(e);
  }
  World() {
    for (uint32_t h = 0; h < 8; ++h) state.hosts.push_back({fmt::format("h{}", h), h + 1, htonl(0xc0000201 + h)});
  }
  NetworkSpec& network(uint32_t n) {
    for (auto& ns : state.networks)
      if (ns.id == net_id(n)) return ns;
    return state.networks.emplace_back(NetworkSpec{net_id(n), {}});
  }
};

double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

struct Sample {
  std::vector<double> wall, cpu;
};

void timed_apply(MapSet& maps, const Plan& p, size_t max_batch, Sample& s) {
  double c0 = thread_cpu_ms();
  auto t0 = std::chrono::steady_clock::now();
  maps.apply(p, max_batch);
  auto t1 = std::chrono::steady_clock::now();
  s.cpu.push_back(thread_cpu_ms() - c0);
  s.wall.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
}

json summary(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {{"median_ms", v[v.size() / 2]}, {"min_ms", v.front()}, {"n", v.size()}};
}

const std::pair<const char*, size_t> kModes[] = {{"batched", MapSet::kMaxBatch}, {"op_by_op", 1}};

json plan_shape(const Plan& p) {
  json j = {{"ops", p.ops.size()}};
  for (auto& [mode, max_batch] : kModes) j["write_calls"][mode] = op_runs(p.ops, max_batch).size();
  return j;
}

// Applies `there` then `back`, `trials` times per mode, modes alternated; the maps must
// return to `home` after each pair.
json cycle(MapSet& maps, const Plan& there, const Plan& back, const MapImage& home, int trials, const char* a,
           const char* b) {
  std::map<std::string, std::pair<Sample, Sample>> s;
  for (int t = 0; t < trials; ++t)
    for (auto& [mode, max_batch] : kModes) {
      timed_apply(maps, there, max_batch, s[mode].first);
      timed_apply(maps, back, max_batch, s[mode].second);
      if (t == 0 && !(maps.read_image() == home)) throw std::runtime_error("a cycle did not return home");
    }
  json j = {{a, plan_shape(there)}, {b, plan_shape(back)}};
  for (auto& [mode, pair] : s) {
    j[a][mode] = {{"wall", summary(pair.first.wall)}, {"cpu", summary(pair.first.cpu)}};
    j[b][mode] = {{"wall", summary(pair.second.wall)}, {"cpu", summary(pair.second.cpu)}};
  }
  return j;
}

json bench_snapshot(MapSet& maps, uint32_t endpoints, uint32_t networks, uint32_t local, int trials) {
  World w;
  for (uint32_t i = 0; i < endpoints; ++i) {
    w.endpoint(i, i < local);
    w.network(i % networks).members.push_back(sb(i));
  }
  const auto cap = bench_config().capacity;
  Plan snapshot = plan_update(w.state, {}, fake_taps(), cap);
  Plan reset = plan_update({}, snapshot.target, fake_taps(), cap);
  std::map<std::string, Sample> s;
  for (int t = 0; t < trials; ++t)
    for (auto& [mode, max_batch] : kModes) {
      timed_apply(maps, snapshot, max_batch, s[mode]);
      maps.apply(reset);
    }
  json j = {{"endpoints", endpoints}, {"networks", networks}, {"local_taps", local}, {"plan", plan_shape(snapshot)}};
  for (auto& [mode, sample] : s) j[mode] = {{"wall", summary(sample.wall)}, {"cpu", summary(sample.cpu)}};
  return j;
}

// T local taps in {A}; a few other sets: local taps in {B}, {A,B}, {C}; 1,000 remote peers in A
// or B; sandbox R (remote) in no network. Network ids: A 0, B 1, C 2, D 3.
json bench_taps(MapSet& maps, uint32_t taps, int trials) {
  const auto cap = bench_config().capacity;
  World w;
  uint32_t next = 0;
  for (; next < taps; ++next) {
    w.endpoint(next, true);
    w.network(0).members.push_back(sb(next));
  }
  for (std::vector<uint32_t> nets : {std::vector<uint32_t>{1}, {0, 1}, {2}}) {
    w.endpoint(next, true);
    for (uint32_t n : nets) w.network(n).members.push_back(sb(next));
    ++next;
  }
  for (uint32_t k = 0; k < 1000; ++k, ++next) {
    w.endpoint(next, false);
    w.network(k % 2).members.push_back(sb(next));
  }
  const uint32_t r = next++, plugged = next++;
  w.endpoint(r, false);
  w.network(3);  // D, memberless until R joins
  Plan setup = plan_update(w.state, maps.read_image(), fake_taps(), cap);
  maps.apply(setup);
  const MapImage home = std::move(setup.target);

  World joined = w;
  joined.network(0).members.push_back(sb(r));
  joined.network(3).members.push_back(sb(r));
  Plan join = plan_update(joined.state, home, fake_taps(), cap);
  Plan leave = plan_update(w.state, join.target, fake_taps(), cap);
  World plug = w;
  plug.endpoint(plugged, true);
  plug.network(0).members.push_back(sb(plugged));
  Plan in = plan_update(plug.state, home, fake_taps(), cap);
  Plan out = plan_update(w.state, in.target, fake_taps(), cap);
  json j = {{"taps_in_set", taps}};
  j["new_set"] = cycle(maps, join, leave, home, trials, "join", "leave");
  j["plug"] = cycle(maps, in, out, home, trials, "plug", "unplug");
  maps.apply(plan_update({}, home, fake_taps(), cap));  // empty for the next size
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"MapSet::apply: BPF_MAP_UPDATE_BATCH vs op by op"};
  uint32_t endpoints = 100000, networks = 10000;
  std::vector<uint32_t> local_counts = {64, 1024};
  int snapshot_trials = 7, change_trials = 41;
  std::vector<uint32_t> tap_counts = {1, 256, 1024};
  std::string out = "apply_bench.json";
  app.add_option("--endpoints", endpoints, "endpoints of the snapshot");
  app.add_option("--networks", networks, "networks of the snapshot (one per endpoint)");
  app.add_option("--local", local_counts, "local taps of the snapshot (one snapshot per count)");
  app.add_option("--snapshot-trials", snapshot_trials);
  app.add_option("--change-trials", change_trials);
  app.add_option("--taps", tap_counts, "local taps in the set a new set shares a network with");
  app.add_option("--out", out);
  CLI11_PARSE(app, argc, argv);

  if (!testkit::enter_private_netns()) return 1;
  testkit::BpffsRoot root("apply-bench");
  auto config = bench_config();
  auto objects = BpfObjects::load(root.path(), config);
  MapSet& maps = objects->maps();
  maps.write_config(make_bpf_config(config));

  json result = {{"max_batch", MapSet::kMaxBatch}, {"reach_words_per_row", reach_words_per_row(config.capacity)}};
  for (uint32_t local : local_counts) {
    result["snapshots"].push_back(bench_snapshot(maps, endpoints, networks, local, snapshot_trials));
    fmt::print("snapshot {}\n", result["snapshots"].back().dump());
  }
  for (uint32_t t : tap_counts) {
    result["changes"].push_back(bench_taps(maps, t, change_trials));
    fmt::print("taps {}: {}\n", t, result["changes"].back().dump());
  }
  std::ofstream(out) << result.dump(2) << "\n";
  return 0;
}
