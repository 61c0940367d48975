#include "tests/e2e/e2e_world.h"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>
#include <httplib.h>

#include "common/mac_addr.h"
#include "sync/agent_socket.h"
#include "tests/api/api_process.h"
#include "tests/integration/harness/agent_process.h"
#include "tests/integration/harness/netns.h"
#include "tests/integration/harness/poll.h"
#include "tests/integration/harness/reaper.h"

namespace sandnet::e2e {

using testing::run_checked;

std::string sandnetctl_binary() { return SANDNETCTL_PATH; }
std::string guestd_binary() { return SANDNET_GUESTD_PATH; }

World::World() : topo_(std::make_unique<testing::Topology>()) {
  db_ = scratch() + "/api.db";
  token_file_ = scratch() + "/host.token";
  bpffs_root_ = "/sys/fs/bpf/sandnet-test-" + topo_->prefix();
  testing::Reaper::instance().track_bpffs(bpffs_root_, testing::default_agent_binary());
  std::filesystem::create_directories(run_dir());
  user_key_ = test::create_user(db_, "alice");
  if (user_key_.empty()) throw std::runtime_error("sandnet-api users create printed no key");
  std::string token = test::create_host(db_, host_id());
  if (token.empty()) throw std::runtime_error("sandnet-api hosts create printed no token");
  std::ofstream(token_file_) << token << "\n";
  std::filesystem::permissions(token_file_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

World::~World() {
  agent_.reset();
  api_.reset();
  if (std::filesystem::exists(bpffs_root_)) {
    auto r = testing::run_command({testing::default_agent_binary(), "purge", "--bpffs-root", bpffs_root_},
                                  {.netns = host_netns()});
    if (!r.ok()) std::fprintf(stderr, "e2e: agent purge failed: %s\n", r.output.c_str());
  }
  std::error_code ec;
  std::filesystem::remove_all(bpffs_root_, ec);
  testing::Reaper::instance().forget_bpffs(bpffs_root_);
  topo_.reset();
}

void World::start_api() {
  api_ = std::make_unique<testing::ChildProcess>(
      std::vector<std::string>{SANDNET_API_BIN, "serve", "--listen", "127.0.0.1:8080", "--db", db_, "--log-level", "warn"},
      host_netns(), scratch() + "/api.log");
  bool up = testing::eventually(milliseconds(20000), milliseconds(50), [&] {
    if (!api_->running()) return false;
    return call("GET", "/v1/networks").status == 200;
  });
  if (!up) throw std::runtime_error("sandnet-api did not come up: " + testing::read_text_file(scratch() + "/api.log"));
}

void World::kill_api() {
  if (api_) api_->kill_now();
  api_.reset();
}

std::string World::add_tenant(const std::string& name) {
  std::string key = test::create_user(db_, name);
  if (key.empty()) throw std::runtime_error("sandnet-api users create printed no key");
  return key;
}

HttpResult api_call(const std::string& netns, const std::string& base_url, const std::string& method,
                    const std::string& path, const json& body, const std::string& key) {
  return testing::in_netns(netns, [&] {
    httplib::Client client(base_url);
    client.set_connection_timeout(std::chrono::seconds(5));
    client.set_read_timeout(std::chrono::seconds(90));
    httplib::Headers headers{{"X-Api-Key", key}};
    std::string text = body.is_null() ? std::string() : body.dump();
    httplib::Result r = method == "GET"      ? client.Get(path, headers)
                        : method == "DELETE" ? client.Delete(path, headers)
                                             : client.Post(path, headers, text, "application/json");
    HttpResult out;
    if (!r) return out;
    out.status = r->status;
    out.raw = r->body;
    out.body = json::parse(r->body, nullptr, false);
    return out;
  });
}

json success_data(const HttpResult& r, const std::string& method, const std::string& path) {
  if (r.status != 200 || !r.body.is_object() || r.body.value("status", "") != "success")
    throw std::runtime_error(fmt::format("{} {} -> {} {}", method, path, r.status, r.raw));
  return r.body["data"];
}

HttpResult World::call(const std::string& method, const std::string& path, const json& body,
                       const std::string& key) const {
  return api_call(host_netns(), "http://127.0.0.1:8080", method, path, body, key.empty() ? user_key_ : key);
}

json World::ok(const std::string& method, const std::string& path, const json& body,
               const std::string& key) const {
  return success_data(call(method, path, body, key), method, path);
}

void World::start_agent(const std::vector<std::string>& extra_args) {
  std::vector<std::string> argv{testing::default_agent_binary(), "--api", "http://127.0.0.1:8080",
                                "--host-id", host_id(), "--host-token-file", token_file_,
                                "--state-dir", state_dir(), "--run-dir", run_dir(),
                                "--bpffs-root", bpffs_root_, "--long-poll", "5"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  { std::ofstream(scratch() + "/agent.log", std::ios::app) << "---- e2e: starting agent\n"; }
  agent_ = std::make_unique<testing::ChildProcess>(argv, host_netns(), scratch() + "/agent.log");
  bool up = testing::eventually(milliseconds(20000), milliseconds(50), [&] {
    if (!agent_->running()) return false;
    try {
      return agent_status().value("ok", false);
    } catch (const std::exception&) {
      return false;
    }
  });
  if (!up) throw std::runtime_error("sandnet-agent did not come up: " + agent_log());
}

void World::kill_agent() {
  if (agent_) agent_->kill_now();
  agent_.reset();
}

void World::signal_agent(int sig) {
  if (agent_) agent_->send_signal(sig);
}

bool World::stop_agent() {
  if (!agent_) return true;
  agent_->send_signal(SIGTERM);
  bool exited = agent_->wait_exit(milliseconds(10000)).has_value();
  agent_.reset();
  return exited;
}

bool World::agent_running() { return agent_ && agent_->running(); }

json World::agent_status() const { return sync::agent_request(sync::agent_socket_path(run_dir()), {{"op", "status"}}); }

std::string World::agent_log() const { return testing::read_text_file(scratch() + "/agent.log"); }

Guest& World::create_sandbox(const std::string& label, const std::string& name, const json& networks,
                             const std::string& key) {
  json body = {{"name", name}};
  if (!networks.is_null()) body["networks"] = networks;
  auto data = ok("POST", "/v1/sandboxes", body, key);
  auto& sb = topo_->add_sandbox(label);
  Guest g{label, data.at("id"), name, data.at("ip"), "", sb.netns, sb.tap, key};
  g.mac = derived_mac_text(g.ip);  // the MAC the agent derives when the runtime names none
  configure_guest_end(g);
  return guests_[label] = g;
}

void World::recreate_tap(const Guest& g, uint32_t ifindex) {
  topo_->recreate_tap(g.label, ifindex);
  configure_guest_end(g);
}

uint32_t World::tap_ifindex(const Guest& g) const {
  auto j = json::parse(run_checked({"ip", "-n", host_netns(), "-j", "link", "show", "dev", g.tap}));
  return j.at(0).at("ifindex").get<uint32_t>();
}

void configure_guest_end(const Guest& g) {
  // The guest end gets what the API assigned (the harness numbered it on its own).
  run_checked({"ip", "-n", g.netns, "addr", "flush", "dev", "eth0"});
  run_checked({"ip", "-n", g.netns, "link", "set", "eth0", "address", g.mac});
  run_checked({"ip", "-n", g.netns, "addr", "add", g.ip + "/16", "dev", "eth0"});
  // Replies to the host's link-local address leave through the overlay link (what guestd's
  // --set-address does on a real guest).
  run_checked({"ip", "-n", g.netns, "route", "replace", "169.254.0.1/32", "dev", "eth0", "scope", "link"});
}

json sandnetctl_plug(const std::string& run_dir, const Guest& g) {
  auto r = testing::run_command({sandnetctl_binary(), "plug", "--sandbox", g.id, "--tap", g.tap, "--run-dir", run_dir},
                                {.timeout = milliseconds(30000)});
  auto j = json::parse(r.output, nullptr, false);
  if (!r.ok() || !j.is_object()) throw std::runtime_error("sandnetctl plug failed: " + r.output);
  return j;
}

json sandnetctl_unplug(const std::string& run_dir, const Guest& g) {
  auto r = testing::run_command({sandnetctl_binary(), "unplug", "--sandbox", g.id, "--run-dir", run_dir},
                                {.timeout = milliseconds(30000)});
  if (!r.ok()) throw std::runtime_error("sandnetctl unplug failed: " + r.output);
  return json::parse(r.output, nullptr, false);
}

json World::plug(const Guest& g) { return sandnetctl_plug(run_dir(), g); }

json World::unplug(const Guest& g) { return sandnetctl_unplug(run_dir(), g); }

json World::attach(const Guest& g, const std::string& network, bool wait) {
  return ok("POST", fmt::format("/v1/sandboxes/{}/networks{}", g.id, wait ? "?wait=applied&timeout=30" : ""),
            {{"id", network}}, g.key);
}

json World::detach(const Guest& g, const std::string& network, bool wait) {
  return ok("DELETE", fmt::format("/v1/sandboxes/{}/networks/{}{}", g.id, network, wait ? "?wait=applied&timeout=30" : ""),
            nullptr, g.key);
}

json World::member(const std::string& network, const Guest& g) const {
  auto data = ok("GET", "/v1/networks/" + network, nullptr, g.key);
  for (auto& m : data.value("members", json::array()))
    if (m.value("sandbox_id", "") == g.id) return m;
  return nullptr;
}

}  // namespace sandnet::e2e
