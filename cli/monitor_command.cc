#include "cli/monitor_command.h"

#include <bpf/libbpf.h>
#include <fmt/format.h>
#include <net/if.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "loader/drop_reasons.h"
#include "loader/map_set.h"
#include "loader/net_addr.h"
#include "loader/pin_paths.h"

namespace sandnet::cli {
namespace {

using namespace sandnet::dp;

struct MonitorOptions {
  std::string root = kDefaultBpffsRoot;
  std::string output = "table";
  uint64_t count = 0;     // 0 = until interrupted
  double timeout_s = 0;   // 0 = none
};

std::atomic<bool> g_stop{false};

struct Sink {
  const MonitorOptions* opts;
  uint64_t seen = 0;
};

int on_event(void* ctx, void* data, size_t size) {
  auto* sink = static_cast<Sink*>(ctx);
  if (size < sizeof(sn_drop_event)) return 0;
  sn_drop_event e;
  std::memcpy(&e, data, sizeof e);
  char name[IF_NAMESIZE] = {};
  std::string tap = if_indextoname(e.ifindex, name) ? name : fmt::format("#{}", e.ifindex);
  auto reason = drop_reason_name(e.reason);
  std::string reason_text = reason ? std::string(*reason) : fmt::format("REASON_{}", e.reason);
  std::string hook(hook_name(e.hook));
  if (sink->opts->output == "json") {
    nlohmann::json j = {{"ts_ns", e.ts_ns},        {"tap", tap},       {"hook", hook},
                        {"reason", reason_text},   {"src", format_ipv4(e.saddr)},
                        {"dst", format_ipv4(e.daddr)}, {"proto", e.proto},
                        {"ethertype", fmt::format("0x{:04x}", e.ethertype)}};
    fmt::print("{}\n", j.dump());
  } else {
    fmt::print("{:<15} {:<7} {:<20} {} -> {} proto {} ethertype 0x{:04x}\n", tap, hook, reason_text,
               format_ipv4(e.saddr), format_ipv4(e.daddr), e.proto, e.ethertype);
  }
  std::fflush(stdout);
  if (sink->opts->count && ++sink->seen >= sink->opts->count) g_stop = true;
  return 0;
}

void monitor(const MonitorOptions& o) {
  auto maps = MapSet::open_pinned(o.root);
  Sink sink{&o};
  std::unique_ptr<ring_buffer, void (*)(ring_buffer*)> rb(
      ring_buffer__new(maps.fds().drop_events.get(), on_event, &sink, nullptr), ring_buffer__free);
  if (!rb) throw std::runtime_error("cannot open the drop_events ring buffer");
  signal(SIGINT, [](int) { g_stop = true; });
  signal(SIGTERM, [](int) { g_stop = true; });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(o.timeout_s);
  while (!g_stop) {
    int rc = ring_buffer__poll(rb.get(), 100);
    if (rc < 0 && rc != -EINTR) throw std::runtime_error("ring buffer poll failed");
    if (o.timeout_s > 0 && std::chrono::steady_clock::now() > deadline) break;
  }
}

}  // namespace

void add_monitor_command(CLI::App& app) {
  auto opts = std::make_shared<MonitorOptions>();
  auto* m = app.add_subcommand("monitor", "stream sampled drop events (reason, tap, addresses)");
  m->add_option("--bpffs-root", opts->root, "pin directory of the agent")->capture_default_str();
  m->add_option("-o,--output", opts->output, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  m->add_option("--count", opts->count, "exit after N events");
  m->add_option("--timeout", opts->timeout_s, "exit after S seconds");
  m->callback([opts] { monitor(*opts); });
}

}  // namespace sandnet::cli
