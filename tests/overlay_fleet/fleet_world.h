// Several hosts on one machine, from real parts (issue 17): an underlay namespace with a bridge
// (tests/overlay/underlay_net.h) on which sandnet-api listens (192.0.2.254:8080, SQLite), and
// per host the integration harness's host namespace joined to the bridge as "ul0" (192.0.2.N),
// running sandnet-agent in API mode with the overlay (underlay_device ul0, host_number N, a
// token from `sandnet-api hosts create hN --underlay 192.0.2.N`). Sandboxes are veth
// namespaces behind a host, with the address and MAC the API assigned. Everything is torn down
// when the fleet goes (or by the harness's reaper).
#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/e2e/e2e_world.h"
#include "tests/integration/harness/process.h"
#include "tests/integration/harness/topology.h"
#include "tests/overlay/underlay_net.h"

namespace sandnet::fleet {

using e2e::Guest;
using e2e::HttpResult;
using nlohmann::json;
using std::chrono::milliseconds;

struct FleetOptions {
  int hosts = 3;
  json api_config = json::object();  // sandnet-api serve --config (e.g. host_lease_ms)
};

struct FleetHost {
  int number = 0;  // 1-based; also its host number and the last byte of its underlay address
  std::string id;  // "h<number>"
  std::string underlay;
  std::unique_ptr<testing::Topology> topo;
  std::string token_file, bpffs_root;
  std::unique_ptr<testing::ChildProcess> agent;
  std::string run_dir() const { return topo->scratch_dir() + "/run"; }
  std::string state_dir() const { return topo->scratch_dir() + "/agent-state"; }
  std::string log_path() const { return topo->scratch_dir() + "/agent.log"; }
};

class Fleet {
 public:
  explicit Fleet(FleetOptions options = {});
  ~Fleet();
  Fleet(const Fleet&) = delete;
  Fleet& operator=(const Fleet&) = delete;

  static constexpr const char* kApiUrl = "http://192.0.2.254:8080";
  const std::string& prefix() const { return prefix_; }
  const std::string& scratch() const { return scratch_; }
  const std::string& db() const { return db_; }
  FleetHost& host(int number) { return *hosts_.at(number - 1); }
  int size() const { return static_cast<int>(hosts_.size()); }

  // --- sandnet-api, in the underlay namespace
  void start_api();
  std::string add_tenant(const std::string& name);  // its API key
  HttpResult call(const std::string& method, const std::string& path, const json& body = nullptr,
                  const std::string& key = {}) const;
  json ok(const std::string& method, const std::string& path, const json& body = nullptr,
          const std::string& key = {}) const;
  std::string api_log() const;

  // --- the agents
  void start_agent(int number);
  bool stop_agent(int number);  // SIGTERM, bounded wait
  void kill_agent(int number);  // SIGKILL
  std::string agent_log(int number);
  json agent_status(int number) const;

  // --- sandboxes: POST /v1/sandboxes as the tenant of `key`, a veth sandbox behind host
  // `number` with the assigned address, plugged there (sandnetctl, as a runtime does).
  Guest& create_sandbox(int number, const std::string& label, const std::string& name,
                        const json& networks = nullptr, const std::string& key = {});
  Guest& guest(const std::string& label) { return guests_.at(label); }
  int host_of(const Guest& g) const { return guest_hosts_.at(g.label); }
  // Membership with ?wait=applied (every affected host enforcing); returns data.
  json attach(const Guest& g, const std::string& network);
  json detach(const Guest& g, const std::string& network);
  std::string log_dump();  // the API's and every agent's log, for failure messages

 private:
  std::string prefix_, scratch_, db_, user_key_;
  std::unique_ptr<testing::UnderlayNet> underlay_;
  std::vector<std::unique_ptr<FleetHost>> hosts_;
  FleetOptions options_;
  std::unique_ptr<testing::ChildProcess> api_;
  std::map<std::string, Guest> guests_;
  std::map<std::string, int> guest_hosts_;
};

}  // namespace sandnet::fleet
