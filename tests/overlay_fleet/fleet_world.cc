#include "tests/overlay_fleet/fleet_world.h"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

#include "common/mac_addr.h"
#include "sync/agent_socket.h"
#include "tests/api/api_process.h"
#include "tests/integration/harness/agent_process.h"
#include "tests/integration/harness/poll.h"
#include "tests/integration/harness/reaper.h"

namespace sandnet::fleet {

using testing::run_checked;

namespace {
constexpr const char* kApiAddress = "192.0.2.254";

}  // namespace

Fleet::Fleet(FleetOptions options) : prefix_(testing::random_test_prefix()), options_(std::move(options)) {
  scratch_ = "/tmp/" + prefix_ + "-fleet";
  std::filesystem::create_directories(scratch_);
  db_ = scratch_ + "/api.db";
  user_key_ = test::create_user(db_, "alice");
  if (user_key_.empty()) throw std::runtime_error("sandnet-api users create printed no key");
  underlay_ = std::make_unique<testing::UnderlayNet>(prefix_);
  run_checked({"ip", "-n", underlay_->name(), "addr", "add", std::string(kApiAddress) + "/24", "dev", "br0"});
  for (int n = 1; n <= options_.hosts; ++n) {
    auto h = std::make_unique<FleetHost>();
    h->number = n;
    h->id = fmt::format("h{}", n);
    h->underlay = fmt::format("192.0.2.{}", n);
    h->topo = std::make_unique<testing::Topology>(fmt::format("{}{}", prefix_, n), 10 + 20 * n);
    underlay_->plug(h->topo->host_netns(), std::to_string(n), h->underlay);
    h->bpffs_root = "/sys/fs/bpf/sandnet-test-" + h->topo->prefix();
    testing::Reaper::instance().track_bpffs(h->bpffs_root, testing::default_agent_binary());
    std::filesystem::create_directories(h->run_dir());
    h->token_file = h->topo->scratch_dir() + "/host.token";
    std::string token = test::create_host(db_, h->id, h->underlay);
    if (token.empty()) throw std::runtime_error("sandnet-api hosts create printed no token");
    std::ofstream(h->token_file) << token << "\n";
    std::ofstream(h->topo->scratch_dir() + "/agent.json")
        << json{{"underlay_device", "ul0"}, {"host_number", n}}.dump();
    hosts_.push_back(std::move(h));
  }
}

Fleet::~Fleet() {
  api_.reset();
  for (auto& h : hosts_) {
    h->agent.reset();
    if (std::filesystem::exists(h->bpffs_root)) {
      auto r = testing::run_command({testing::default_agent_binary(), "purge", "--bpffs-root", h->bpffs_root},
                                    {.netns = h->topo->host_netns()});
      if (!r.ok()) std::fprintf(stderr, "fleet: agent purge failed: %s\n", r.output.c_str());
    }
    std::error_code ec;
    std::filesystem::remove_all(h->bpffs_root, ec);
    testing::Reaper::instance().forget_bpffs(h->bpffs_root);
    h->topo.reset();
  }
  hosts_.clear();
  underlay_.reset();
  std::error_code ec;
  std::filesystem::remove_all(scratch_, ec);
}

void Fleet::start_api() {
  std::string config = scratch_ + "/api.json";
  std::ofstream(config) << options_.api_config.dump();
  api_ = std::make_unique<testing::ChildProcess>(
      std::vector<std::string>{SANDNET_API_BIN, "serve", "--listen", std::string(kApiAddress) + ":8080", "--db", db_,
                               "--config", config, "--log-level", "warn"},
      underlay_->name(), scratch_ + "/api.log");
  bool up = testing::eventually(milliseconds(20000), milliseconds(50), [&] {
    return api_->running() && call("GET", "/v1/networks").status == 200;
  });
  if (!up) throw std::runtime_error("sandnet-api did not come up: " + api_log());
}

std::string Fleet::add_tenant(const std::string& name) {
  std::string key = test::create_user(db_, name);
  if (key.empty()) throw std::runtime_error("sandnet-api users create printed no key");
  return key;
}

HttpResult Fleet::call(const std::string& method, const std::string& path, const json& body,
                       const std::string& key) const {
  return e2e::api_call(underlay_->name(), kApiUrl, method, path, body, key.empty() ? user_key_ : key);
}

json Fleet::ok(const std::string& method, const std::string& path, const json& body, const std::string& key) const {
  return e2e::success_data(call(method, path, body, key), method, path);
}

std::string Fleet::api_log() const { return testing::read_text_file(scratch_ + "/api.log"); }

void Fleet::start_agent(int number) {
  FleetHost& h = host(number);
  std::vector<std::string> argv{testing::default_agent_binary(), "--api", kApiUrl, "--host-id", h.id,
                                "--host-token-file", h.token_file, "--state-dir", h.state_dir(),
                                "--run-dir", h.run_dir(), "--bpffs-root", h.bpffs_root, "--long-poll", "5",
                                "--config", h.topo->scratch_dir() + "/agent.json"};
  { std::ofstream(h.log_path(), std::ios::app) << "---- fleet: starting agent\n"; }
  h.agent = std::make_unique<testing::ChildProcess>(argv, h.topo->host_netns(), h.log_path());
  bool up = testing::eventually(milliseconds(20000), milliseconds(50), [&] {
    if (!h.agent->running()) return false;
    try {
      return agent_status(number).value("ok", false);
    } catch (const std::exception&) {
      return false;
    }
  });
  if (!up) throw std::runtime_error("sandnet-agent " + h.id + " did not come up: " + agent_log(number));
}

bool Fleet::stop_agent(int number) {
  FleetHost& h = host(number);
  if (!h.agent) return true;
  h.agent->send_signal(SIGTERM);
  bool exited = h.agent->wait_exit(milliseconds(10000)).has_value();
  h.agent.reset();
  return exited;
}

void Fleet::kill_agent(int number) {
  FleetHost& h = host(number);
  if (h.agent) h.agent->kill_now();
  h.agent.reset();
}

std::string Fleet::agent_log(int number) { return testing::read_text_file(host(number).log_path()); }

json Fleet::agent_status(int number) const {
  return sync::agent_request(sync::agent_socket_path(hosts_.at(number - 1)->run_dir()), {{"op", "status"}});
}

Guest& Fleet::create_sandbox(int number, const std::string& label, const std::string& name, const json& networks,
                             const std::string& key) {
  json body = {{"name", name}};
  if (!networks.is_null()) body["networks"] = networks;
  auto data = ok("POST", "/v1/sandboxes", body, key);
  auto& sb = host(number).topo->add_sandbox(label);
  Guest g{label, data.at("id"), name, data.at("ip"), "", sb.netns, sb.tap, key};
  g.mac = derived_mac_text(g.ip);
  e2e::configure_guest_end(g);
  e2e::sandnetctl_plug(host(number).run_dir(), g);
  guest_hosts_[label] = number;
  return guests_[label] = g;
}

json Fleet::attach(const Guest& g, const std::string& network) {
  return ok("POST", fmt::format("/v1/sandboxes/{}/networks?wait=applied&timeout=30", g.id), {{"id", network}}, g.key);
}

json Fleet::detach(const Guest& g, const std::string& network) {
  return ok("DELETE", fmt::format("/v1/sandboxes/{}/networks/{}?wait=applied&timeout=30", g.id, network), nullptr,
            g.key);
}

std::string Fleet::log_dump() {
  std::string out = "---- api log\n" + api_log();
  for (auto& h : hosts_) out += "---- agent " + h->id + " log\n" + testing::read_text_file(h->log_path());
  return out;
}

}  // namespace sandnet::fleet
