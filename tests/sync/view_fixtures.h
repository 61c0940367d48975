// Feed answers for the model tests, in the feed's shape (docs/host-feed.md).
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sandnet::sync::testing {

inline nlohmann::json sandbox(const std::string& id, const std::string& name, const std::string& ip,
                              nlohmann::json host, std::vector<std::string> networks,
                              nlohmann::json mac = nullptr, const std::string& status = "running") {
  return {{"id", id}, {"name", name}, {"ip", ip}, {"host", host}, {"mac", mac}, {"status", status}, {"networks", networks}};
}

inline nlohmann::json network(const std::string& id, const std::string& name, std::vector<std::string> members) {
  return {{"id", id}, {"name", name}, {"members", members}};
}

// Ids with the real prefixes and valid ULIDs.
inline const std::string kA = "sb_01HZY0000000000000000000AA";
inline const std::string kB = "sb_01HZY0000000000000000000BB";
inline const std::string kC = "sb_01HZY0000000000000000000CC";
inline const std::string kNet1 = "net-01HZY00000000000000000N1";
inline const std::string kNet2 = "net-01HZY00000000000000000N2";

inline nlohmann::json host(const std::string& id, uint32_t number, nlohmann::json underlay, bool live = true) {
  return {{"id", id}, {"number", number}, {"underlay", underlay}, {"live", live}};
}

// A on h1 (plugged), B on h1, C on h2 (live, with an underlay); backend = {A, B}, web = {A, C}.
inline nlohmann::json snapshot(uint64_t revision = 7) {
  return {{"type", "snapshot"},
          {"hosts", {host("h1", 1, "192.0.2.1"), host("h2", 2, "192.0.2.2")}},
          {"revision", revision},
          {"sandboxes",
           {sandbox(kA, "brave-otter", "10.42.0.5", "h1", {kNet1, kNet2}, "02:00:0a:2a:00:05"),
            sandbox(kB, "calm-heron", "10.42.0.6", "h1", {kNet1}),
            sandbox(kC, "quick-fox", "10.42.0.7", "h2", {kNet2})}},
          {"networks", {network(kNet1, "backend", {kA, kB}), network(kNet2, "web", {kA, kC})}}};
}

// On top of snapshot(): B stopped, backend loses B, C and web leave the view.
inline nlohmann::json changes(uint64_t revision = 8) {
  return {{"type", "changes"},
          {"revision", revision},
          {"sandboxes", {sandbox(kB, "calm-heron", "10.42.0.6", "h1", {}, nullptr, "stopped")}},
          {"networks", {network(kNet1, "backend", {kA})}},
          {"removed_sandboxes", {kC}},
          {"removed_networks", {kNet2}}};
}

// A checkpoint base's text as an agent from before the host records wrote it: no "hosts"
// in its view (encode_base writes them last, before the view's and the base's braces).
inline std::string without_host_records(std::string base) {
  auto at = base.find(R"(,"hosts":)");
  if (at != std::string::npos) base.erase(at, base.size() - 2 - at);
  return base;
}

}  // namespace sandnet::sync::testing
