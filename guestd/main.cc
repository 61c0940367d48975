// sandnet-guestd: receives the hosts table pushed by the host agent and installs it for
// libnss_sandnet.so.2 (and optionally /etc/hosts). See docs/name-service.md.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iterator>
#include <vector>

#include "common/hosts_table/hosts_table.h"
#include "guestd/interface_address.h"
#include "guestd/interface_mtu.h"
#include "guestd/push_server.h"
#include "guestd/table_installer.h"

namespace {

sandnet::guestd::PushServer* g_server = nullptr;

void stop_on_signal(int) {
  if (g_server) g_server->stop();
}

std::vector<unsigned char> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sandnet;
  CLI::App app{"sandnet-guestd: installs the hosts table pushed by the sandnet host agent"};
  guestd::InstallerOptions installer_options{SANDNET_HOSTS_TABLE_DEFAULT_PATH, std::nullopt};
  guestd::PushServerOptions server_options;
  std::string hosts_file, from_file, set_address, device, log_level = "info";
  bool once = false;
  int64_t timeout_ms = server_options.frame_timeout.count();
  app.add_option("--table", installer_options.table_path, "where the NSS module reads the table")
      ->capture_default_str();
  app.add_option("--hosts-file", hosts_file, "also mirror the table into a marked block of this file (e.g. /etc/hosts)");
  app.add_option("--listen-address", server_options.listen_address, "address to listen on")->capture_default_str();
  app.add_option("--port", server_options.port, "TCP port to listen on")->capture_default_str();
  app.add_option("--allowed-peer", server_options.allowed_peer,
                 "the only source address pushes are accepted from (the host's link-local address)")
      ->capture_default_str();
  app.add_option("--dev", device, "the overlay interface: listen only there, and where --set-address goes");
  app.add_option("--set-address", set_address, "configure ADDRESS/PREFIX on --dev, bring it up, route --allowed-peer via it");
  app.add_option("--timeout-ms", timeout_ms, "deadline for receiving one table")->capture_default_str()->check(CLI::Range(1, 600000));
  app.add_option("--max-size", server_options.max_table_size, "largest table accepted, bytes")
      ->capture_default_str()->check(CLI::Range(64u, table_push::kMaxTableSize));
  app.add_flag("--once", once, "install one table (from --from-file, or the first valid push) and exit");
  app.add_option("--from-file", from_file, "with --once: install this table file instead of listening")->needs("--once");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::from_str(log_level));
  server_options.frame_timeout = std::chrono::milliseconds(timeout_ms);
  if (!hosts_file.empty()) installer_options.hosts_file = hosts_file;
  if (!device.empty()) server_options.device = device;
  // The host's MTU advice ("SNT2" pushes, with the overlay): set on the interface the push
  // came in on. A refusal is logged, never fatal: names still work, large packets may not.
  server_options.on_mtu = [](uint32_t mtu, uint32_t local_address) {
    try {
      std::string dev = guestd::interface_with_address(local_address);
      if (dev.empty()) return spdlog::warn("MTU {} pushed, but no interface holds the push's address", mtu);
      if (guestd::set_interface_mtu(dev, mtu)) spdlog::info("MTU of {} set to {} (the overlay's)", dev, mtu);
    } catch (const std::exception& e) {
      spdlog::warn("cannot set the pushed MTU {}: {}", mtu, e.what());
    }
  };

  try {
    if (!set_address.empty()) {
      if (device.empty()) throw std::invalid_argument("--set-address needs --dev");
      guestd::configure_interface(device, set_address, server_options.allowed_peer);
      spdlog::info("configured {} on {}", set_address, device);
    }
    guestd::TableInstaller installer(installer_options);
    if (!from_file.empty()) {
      auto status = installer.install(read_file(from_file));
      return status == table_push::PushStatus::kOk ? 0 : 1;
    }
    guestd::PushServer server(
        server_options, [&](std::span<const unsigned char> bytes) { return installer.install(bytes); },
        [&](std::span<const unsigned char> delta) { return installer.install_delta(delta); });
    g_server = &server;
    struct sigaction sa {};
    sa.sa_handler = stop_on_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);
    spdlog::info("listening on {}:{} for tables from {}", server_options.listen_address, server.port(),
                 server_options.allowed_peer);
    if (once) return server.serve_until_installed() ? 0 : 1;
    server.serve_forever();
    g_server = nullptr;
    return 0;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
