#include "tests/integration/harness/state_file.h"

#include <openssl/evp.h>

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"

namespace sandnet::testing {

DesiredState& DesiredState::add_endpoint(const Sandbox& sb) {
  endpoints_.emplace_back(&sb, "");
  return *this;
}

DesiredState& DesiredState::add_remote(const Sandbox& sb, const std::string& host_id) {
  endpoints_.emplace_back(&sb, host_id);
  return *this;
}

DesiredState& DesiredState::add_host(const std::string& host_id, uint32_t number, const std::string& underlay) {
  hosts_.push_back({{"id", host_id}, {"number", number}, {"underlay", underlay}});
  return *this;
}

DesiredState& DesiredState::set_network(const std::string& network_id, const std::vector<const Sandbox*>& members) {
  std::vector<std::string> ids;
  for (const Sandbox* sb : members) ids.push_back(sb->sandbox_id);
  remove_network(network_id);
  networks_.emplace_back(network_id, std::move(ids));
  return *this;
}

DesiredState& DesiredState::remove_network(const std::string& network_id) {
  std::erase_if(networks_, [&](const auto& n) { return n.first == network_id; });
  return *this;
}

std::string DesiredState::to_json() const {
  nlohmann::json endpoints = nlohmann::json::array();
  for (const auto& [sb, host] : endpoints_) {
    nlohmann::json e = {{"sandbox_id", sb->sandbox_id}, {"ip", sb->ip}, {"mac", sb->mac}};
    if (host.empty()) e["tap"] = sb->tap;
    else e["host"] = host;
    endpoints.push_back(std::move(e));
  }
  nlohmann::json networks = nlohmann::json::array();
  for (const auto& [id, members] : networks_) networks.push_back({{"id", id}, {"members", members}});
  nlohmann::json doc = {{"version", 1}, {"endpoints", endpoints}, {"networks", networks}};
  if (!hosts_.empty()) doc["hosts"] = hosts_;
  return doc.dump(2) + "\n";
}

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("sha256 failed");
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string write_file_atomically(const std::string& path, const std::string& content) {
  replace_file_atomically(path, content, 0644);
  return sha256_hex(content);
}

}  // namespace sandnet::testing
