// bench/overlay: what crossing hosts costs with sandnet, against the same traffic over bare
// VXLAN (plain routes over a VXLAN device, no BPF anywhere on its path) and against sandnet
// within one host, in one world, configurations alternated round by round (this machine is
// noisy: only paired figures mean anything). docs/datapath.md "Benchmarks: across hosts".
//   (1) sender CPU per 64-byte UDP packet (dp_udp_sender: its thread's CPU time, which holds the
//       veth -> host -> VXLAN -> underlay -> host -> veth path run in its softirq);
//   (2) TCP throughput (iperf3), (3) TCP request/response latency (1 byte each way).
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "bench/overlay/overlay_world.h"
#include "tests/integration/harness/netns.h"
#include "tests/integration/harness/process.h"

namespace sandnet::bench {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
  double block_s = 2;
  int rounds = 10;
  int cpu = 1;
  int iperf_seconds = 3, iperf_rounds = 3;
  int rr_count = 5000, rr_rounds = 5;
  std::string out = "overlay_bench.json";
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Datagrams that reached the namespace's UDP layer (delivered, or refused at the socket).
uint64_t udp_arrivals(const std::string& netns) {
  return testing::in_netns(netns, [] {
    std::ifstream in("/proc/thread-self/net/snmp");
    std::string line, header;
    while (std::getline(in, line)) {
      if (line.rfind("Udp:", 0) != 0) continue;
      if (header.empty()) {
        header = line;
        continue;
      }
      std::istringstream names(header), values(line);
      std::string name, value;
      uint64_t sum = 0;
      while (names >> name && values >> value)
        if (name == "InDatagrams" || name == "InErrors" || name == "NoPorts") sum += std::stoull(value);
      return sum;
    }
    return uint64_t{0};
  });
}

sockaddr_in ipv4(const std::string& ip, uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

// A bound UDP socket with a tiny buffer on port 9: the flood's target never answers ICMP.
int udp_sink(const Pair& p) {
  int fd = testing::socket_in_netns(p.dst->netns, AF_INET, SOCK_DGRAM, 0);
  int small = 4096;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  sockaddr_in a = ipv4("0.0.0.0", 9);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  return fd;
}

// One block of flood from p.src to p.dst: ns of sender CPU per packet (warm-up dropped) and
// the fraction of sent packets that arrived.
std::pair<double, double> cpu_block(const Pair& p, const Options& o) {
  uint64_t before = udp_arrivals(p.dst->netns);
  auto r = testing::run_command({SANDNET_UDP_SENDER, "--netns", "/run/netns/" + p.src->netns, "--dst", p.dst->ip,
                                 "--cpu", std::to_string(o.cpu), "--duration", fmt::format("{}", o.block_s)},
                                {.timeout = std::chrono::milliseconds(static_cast<int>(o.block_s * 1000) + 20000)});
  uint64_t arrived = udp_arrivals(p.dst->netns) - before;
  uint64_t pkts = 0, cpu = 0, sent_all = 0;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    json d = json::parse(line, nullptr, false);
    if (!d.is_object()) continue;
    sent_all += d.value("pkts", uint64_t{0});
    if (d.value("t_ms", 0) < 300) continue;  // warm-up
    pkts += d.value("pkts", uint64_t{0});
    cpu += d.value("cpu_ns", uint64_t{0});
  }
  if (pkts == 0) return {-1, 0};  // a miss: nothing sent
  return {static_cast<double>(cpu) / static_cast<double>(pkts),
          static_cast<double>(arrived) / static_cast<double>(std::max<uint64_t>(sent_all, 1))};
}

double iperf(const Pair& p, const Options& o) {
  auto r = testing::run_command({"iperf3", "-c", p.dst->ip, "-t", std::to_string(o.iperf_seconds), "-J"},
                                {.netns = p.src->netns,
                                 .timeout = std::chrono::milliseconds((o.iperf_seconds + 30) * 1000)});
  json d = json::parse(r.output, nullptr, false);
  if (!d.is_object() || !d.contains("end")) return -1;
  return d["end"]["sum_received"].value("bits_per_second", 0.0) / 1e9;
}

// The echo side of the request/response test: one connection, 1 byte back for 1 byte in.
class EchoServer {
 public:
  explicit EchoServer(const Pair& p) {
    fd_ = testing::socket_in_netns(p.dst->netns, AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a = ipv4(p.dst->ip, 7100);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd_, 4) != 0)
      throw std::runtime_error("echo server: bind/listen on " + p.dst->ip);
    thread_ = std::thread([this] {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      int one = 1;
      setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      char b;
      while (recv(c, &b, 1, 0) == 1 && send(c, &b, 1, MSG_NOSIGNAL) == 1) {
      }
      close(c);
    });
  }
  ~EchoServer() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }

 private:
  int fd_ = -1;
  std::thread thread_;
};

int rr_client(const Pair& p) {
  int fd = testing::socket_in_netns(p.src->netns, AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in a = ipv4(p.dst->ip, 7100);
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    throw std::runtime_error("request/response: cannot connect to " + p.dst->ip);
  return fd;
}

// `count` round trips on an open connection, microseconds each; a failed one ends the block.
std::vector<double> rr_block(int fd, int count) {
  std::vector<double> us;
  us.reserve(static_cast<size_t>(count));
  char b = 'x';
  for (int i = 0; i < count; ++i) {
    auto t0 = Clock::now();
    if (send(fd, &b, 1, 0) != 1 || recv(fd, &b, 1, 0) != 1) break;
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
  }
  return us;
}

json run(const Options& o) {
  OverlayWorld world;
  std::vector<Pair> pairs = {world.bare(), world.sandnet(), world.same_host()};
  json out = {{"benchmark", "overlay_cross_host"}, {"frame_bytes", 64}, {"block_s", o.block_s},
              {"rounds", o.rounds}, {"overlay_mtu", 1450}};
  std::vector<int> sinks;
  for (const Pair& p : pairs) sinks.push_back(udp_sink(p));

  // (1) CPU per packet; the order rotates every round so no configuration always goes first.
  std::map<std::string, std::vector<double>> ns, delivered;
  std::vector<double> ratio_sandnet, ratio_same;
  for (int r = 0; r < o.rounds; ++r) {
    std::map<std::string, double> round;
    for (size_t i = 0; i < pairs.size(); ++i) {
      const Pair& p = pairs[(i + static_cast<size_t>(r)) % pairs.size()];
      auto [cost, fraction] = cpu_block(p, o);
      round[p.name] = cost;
      if (cost > 0) ns[p.name].push_back(cost);
      delivered[p.name].push_back(fraction);
    }
    if (round["bare"] > 0 && round["sandnet"] > 0) ratio_sandnet.push_back(round["sandnet"] / round["bare"]);
    if (round["bare"] > 0 && round["same-host"] > 0) ratio_same.push_back(round["same-host"] / round["bare"]);
  }
  json cpu;
  for (const Pair& p : pairs) {
    cpu[p.name] = {{"median_ns_per_pkt", median(ns[p.name])}, {"blocks", ns[p.name]},
                   {"missed_blocks", o.rounds - static_cast<int>(ns[p.name].size())},
                   {"median_delivered_fraction", median(delivered[p.name])}};
  }
  cpu["ratio_sandnet_vs_bare"] = {{"median", median(ratio_sandnet)}, {"per_round", ratio_sandnet}};
  cpu["ratio_same_host_vs_bare"] = {{"median", median(ratio_same)}, {"per_round", ratio_same}};
  out["sender_cpu"] = cpu;
  for (int fd : sinks) close(fd);

  // (2) TCP throughput, alternated per round.
  std::vector<std::unique_ptr<testing::ChildProcess>> servers;
  for (const Pair& p : pairs)
    servers.push_back(std::make_unique<testing::ChildProcess>(std::vector<std::string>{"iperf3", "-s"}, p.dst->netns,
                                                              "/dev/null"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::map<std::string, std::vector<double>> gbit;
  for (int r = 0; r < o.iperf_rounds; ++r)
    for (const Pair& p : pairs) gbit[p.name].push_back(iperf(p, o));
  servers.clear();
  json tcp;
  for (const Pair& p : pairs) tcp[p.name] = {{"median_gbit_s", median(gbit[p.name])}, {"runs", gbit[p.name]}};
  tcp["ratio_sandnet_vs_bare"] = median(gbit["sandnet"]) / std::max(median(gbit["bare"]), 1e-9);
  out["tcp_throughput"] = tcp;

  // (3) request/response, one connection per configuration, blocks alternated.
  std::vector<std::unique_ptr<EchoServer>> echo;
  std::vector<int> clients;
  for (const Pair& p : pairs) {
    echo.push_back(std::make_unique<EchoServer>(p));
    clients.push_back(rr_client(p));
  }
  std::map<std::string, std::vector<double>> us;
  for (int r = 0; r < o.rr_rounds; ++r)
    for (size_t i = 0; i < pairs.size(); ++i) {
      auto block = rr_block(clients[i], o.rr_count);
      us[pairs[i].name].insert(us[pairs[i].name].end(), block.begin(), block.end());
    }
  for (int fd : clients) close(fd);
  echo.clear();
  json rr;
  for (const Pair& p : pairs) {
    rr[p.name] = {{"p50_us", percentile(us[p.name], 0.5)}, {"p99_us", percentile(us[p.name], 0.99)},
                  {"round_trips", us[p.name].size()},
                  {"missed_round_trips", o.rr_rounds * o.rr_count - static_cast<int>(us[p.name].size())}};
  }
  rr["ratio_sandnet_vs_bare_p50"] = percentile(us["sandnet"], 0.5) / std::max(percentile(us["bare"], 0.5), 1e-9);
  out["request_response"] = rr;
  return out;
}

void print(const json& r) {
  const json& c = r["sender_cpu"];
  fmt::print("sender CPU per 64-byte packet (median ns; delivered):\n");
  for (const char* k : {"bare", "sandnet", "same-host"})
    fmt::print("  {:<10} {:>7.0f} ns  {:.2f}  ({} missed blocks)\n", k, c[k]["median_ns_per_pkt"].get<double>(),
               c[k]["median_delivered_fraction"].get<double>(), c[k]["missed_blocks"].get<int>());
  fmt::print("  sandnet / bare {:.2f}, same-host / bare {:.2f} (median of per-round ratios)\n",
             c["ratio_sandnet_vs_bare"]["median"].get<double>(), c["ratio_same_host_vs_bare"]["median"].get<double>());
  const json& t = r["tcp_throughput"];
  fmt::print("TCP: bare {:.2f}, sandnet {:.2f}, same-host {:.2f} Gbit/s; sandnet / bare {:.2f}\n",
             t["bare"]["median_gbit_s"].get<double>(), t["sandnet"]["median_gbit_s"].get<double>(),
             t["same-host"]["median_gbit_s"].get<double>(), t["ratio_sandnet_vs_bare"].get<double>());
  const json& q = r["request_response"];
  for (const char* k : {"bare", "sandnet", "same-host"})
    fmt::print("RR {:<10} p50 {:.1f} us p99 {:.1f} us ({} missed)\n", k, q[k]["p50_us"].get<double>(),
               q[k]["p99_us"].get<double>(), q[k]["missed_round_trips"].get<int>());
  fmt::print("RR sandnet / bare p50 {:.2f}\n", q["ratio_sandnet_vs_bare_p50"].get<double>());
}

}  // namespace
}  // namespace sandnet::bench

int main(int argc, char** argv) {
  sandnet::bench::Options o;
  CLI::App app{"overlay_bench: sandnet across hosts against bare VXLAN and same-host sandnet"};
  app.add_option("--block", o.block_s, "seconds per CPU block")->capture_default_str();
  app.add_option("--rounds", o.rounds, "CPU rounds (each: every configuration once)")->capture_default_str();
  app.add_option("--cpu", o.cpu, "the sender's CPU")->capture_default_str();
  app.add_option("--iperf-seconds", o.iperf_seconds)->capture_default_str();
  app.add_option("--iperf-rounds", o.iperf_rounds)->capture_default_str();
  app.add_option("--rr-count", o.rr_count, "round trips per request/response block")->capture_default_str();
  app.add_option("--rr-rounds", o.rr_rounds)->capture_default_str();
  app.add_option("--out", o.out)->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (geteuid() != 0) {
    fmt::print(stderr, "overlay_bench needs root (namespaces, BPF)\n");
    return 77;
  }
  try {
    auto result = sandnet::bench::run(o);
    std::ofstream(o.out) << result.dump(2) << "\n";
    sandnet::bench::print(result);
    fmt::print("wrote {}\n", o.out);
    return 0;
  } catch (const std::exception& e) {
    fmt::print(stderr, "overlay_bench: {}\n", e.what());
    return 1;
  }
}
