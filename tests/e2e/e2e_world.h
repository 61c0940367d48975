// An end-to-end world on one machine, from real parts: the integration harness's host
// namespace (<prefix>-host) runs sandnet-api (loopback :8080, SQLite in the scratch dir) and
// sandnet-agent in API mode; each sandbox is a namespace joined to the host by a veth whose
// guest end carries the overlay address and MAC the API assigned. Everything is torn down
// (processes, pins, namespaces, files) when the world goes, or by the harness's reaper.
#pragma once
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/harness/process.h"
#include "tests/integration/harness/topology.h"

namespace sandnet::e2e {

using nlohmann::json;
using std::chrono::milliseconds;

struct HttpResult {
  int status = 0;  // 0: no answer
  json body;
  std::string raw;
};

// One request to the API at `base_url` from namespace `netns`, with `X-Api-Key: key`.
HttpResult api_call(const std::string& netns, const std::string& base_url, const std::string& method,
                    const std::string& path, const json& body, const std::string& key);
// The answer's data when it is 200 success; throws with the answer otherwise.
json success_data(const HttpResult& r, const std::string& method, const std::string& path);

struct Guest {
  std::string label, id, name, ip, mac, netns, tap;
  std::string key;  // its tenant's API key; empty: the world's first tenant ("alice")
};

// The guest end of g's veth gets what the API assigned (address, MAC, the link-local route).
void configure_guest_end(const Guest& g);
// `sandnetctl plug` / `unplug` against the agent whose run dir is given (what a VM runtime
// does); returns the agent's answer, throws when it fails.
json sandnetctl_plug(const std::string& run_dir, const Guest& g);
json sandnetctl_unplug(const std::string& run_dir, const Guest& g);

class World {
 public:
  World();
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  testing::Topology& topo() { return *topo_; }
  const std::string& scratch() const { return topo_->scratch_dir(); }
  const std::string& host_netns() const { return topo_->host_netns(); }
  std::string host_id() const { return "h1"; }
  const std::string& db() const { return db_; }  // for sandnet-api's admin commands
  const std::string& bpffs_root() const { return bpffs_root_; }

  // --- sandnet-api (runs in the host namespace, so only this world's agent can reach it)
  void start_api();
  void kill_api();
  // Another tenant (`sandnet-api users create`); returns its API key.
  std::string add_tenant(const std::string& name);
  // As the tenant whose key is given; an empty key is the first tenant's.
  HttpResult call(const std::string& method, const std::string& path, const json& body = nullptr,
                  const std::string& key = {}) const;
  // The call must answer 200 success; returns data (throws with the answer otherwise).
  json ok(const std::string& method, const std::string& path, const json& body = nullptr,
          const std::string& key = {}) const;

  // --- sandnet-agent --api
  void start_agent(const std::vector<std::string>& extra_args = {});
  void kill_agent();   // SIGKILL
  bool stop_agent();   // SIGTERM, bounded wait
  void signal_agent(int sig);  // e.g. SIGSTOP/SIGCONT: events queue up while it is frozen
  bool agent_running();
  json agent_status() const;  // over the agent socket
  std::string agent_log() const;
  std::string run_dir() const { return scratch() + "/run"; }
  std::string state_dir() const { return scratch() + "/agent-state"; }

  // --- sandboxes
  // POST /v1/sandboxes {name, networks?} as the tenant of `key`, then a veth sandbox with the
  // assigned address.
  Guest& create_sandbox(const std::string& label, const std::string& name, const json& networks = nullptr,
                        const std::string& key = {});
  Guest& guest(const std::string& label) { return guests_.at(label); }
  // A's tap deleted and a new device created under its name, the guest end configured as
  // before (a new VM with the same address and MAC); the runtime is not told. At ifindex
  // `ifindex` when not 0.
  void recreate_tap(const Guest& g, uint32_t ifindex = 0);
  // The tap's ifindex in the host namespace.
  uint32_t tap_ifindex(const Guest& g) const;
  // `sandnetctl plug` (what a VM runtime does); returns the agent's answer.
  json plug(const Guest& g);
  json unplug(const Guest& g);
  // POST/DELETE membership as the guest's tenant, with ?wait=applied; returns data.
  json attach(const Guest& g, const std::string& network, bool wait = true);
  json detach(const Guest& g, const std::string& network, bool wait = true);
  // GET /v1/networks/{net} (as the guest's tenant): its member entry, null when not a member.
  json member(const std::string& network, const Guest& g) const;

 private:
  std::unique_ptr<testing::Topology> topo_;
  std::string db_, token_file_, bpffs_root_, user_key_;
  std::unique_ptr<testing::ChildProcess> api_;
  std::unique_ptr<testing::ChildProcess> agent_;
  std::map<std::string, Guest> guests_;
};

std::string sandnetctl_binary();
std::string guestd_binary();

}  // namespace sandnet::e2e
