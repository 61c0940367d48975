#include "api/config.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace sandnet::api {

using nlohmann::json;

namespace {

const json& typed(const json& value, const std::string& key, json::value_t type) {
  bool ok = value.type() == type ||
            (type == json::value_t::number_unsigned && value.is_number_integer() &&
             value.get<int64_t>() >= 0);
  if (!ok) throw std::runtime_error("config: '" + key + "' has the wrong type");
  return value;
}

double number(const json& value, const std::string& key) {
  if (!value.is_number() || value.get<double>() < 0) {
    throw std::runtime_error("config: '" + key + "' must be a number >= 0");
  }
  return value.get<double>();
}

}  // namespace

void apply_config_file(const std::string& path, ServeConfig& config) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("config: cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  json doc = json::parse(text.str(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    throw std::runtime_error("config: " + path + " is not a JSON object");
  }
  for (const auto& [key, value] : doc.items()) {
    const auto str = json::value_t::string;
    const auto uint = json::value_t::number_unsigned;
    if (key == "listen") {
      config.listen = typed(value, key, str).get<std::string>();
    } else if (key == "db") {
      config.db = typed(value, key, str).get<std::string>();
    } else if (key == "log_level") {
      config.log_level = typed(value, key, str).get<std::string>();
    } else if (key == "tls_cert") {
      config.server.tls_cert = typed(value, key, str).get<std::string>();
    } else if (key == "tls_key") {
      config.server.tls_key = typed(value, key, str).get<std::string>();
    } else if (key == "ip_pool") {
      auto pool = parse_ipv4_pool(typed(value, key, str).get<std::string>());
      if (!pool) throw std::runtime_error("config: 'ip_pool' must be a CIDR from /8 to /29");
      config.server.ipam.pool = *pool;
    } else if (key == "ip_quarantine_seconds") {
      config.server.ipam.quarantine_ms = typed(value, key, uint).get<int64_t>() * 1000;
    } else if (key == "threads") {
      config.server.threads = typed(value, key, uint).get<int>();
    } else if (key == "wait_threads") {
      config.server.wait_threads = typed(value, key, uint).get<int>();
    } else if (key == "max_networks_per_sandbox") {
      config.server.limits.max_networks_per_sandbox = typed(value, key, uint).get<int64_t>();
    } else if (key == "max_members_per_network") {
      config.server.limits.max_members_per_network = typed(value, key, uint).get<int64_t>();
    } else if (key == "max_networks_per_tenant") {
      config.server.limits.max_networks_per_tenant = typed(value, key, uint).get<int64_t>();
    } else if (key == "max_sandboxes_per_tenant") {
      config.server.limits.max_sandboxes_per_tenant = typed(value, key, uint).get<int64_t>();
    } else if (key == "max_body_bytes") {
      config.server.max_body_bytes = typed(value, key, uint).get<size_t>();
    } else if (key == "max_header_bytes") {
      config.server.max_header_bytes = typed(value, key, uint).get<size_t>();
    } else if (key == "max_connections") {
      config.server.max_connections = typed(value, key, uint).get<size_t>();
    } else if (key == "max_queued_requests") {
      config.server.max_queued_requests = typed(value, key, uint).get<size_t>();
    } else if (key == "request_timeout_seconds") {
      config.server.request_timeout_seconds = typed(value, key, uint).get<int>();
    } else if (key == "keep_alive_timeout_seconds") {
      config.server.keep_alive_timeout_seconds = typed(value, key, uint).get<int>();
    } else if (key == "feed_follower") {
      config.server.feed_follower = typed(value, key, json::value_t::boolean).get<bool>();
    } else if (key == "feed_recheck_ms") {
      config.server.feed_recheck_ms = typed(value, key, uint).get<int>();
    } else if (key == "applied_persist_ms") {
      config.server.applied_persist_ms = typed(value, key, uint).get<int>();
    } else if (key == "host_token_cache_ms") {
      config.server.host_token_cache_ms = typed(value, key, uint).get<int>();
    } else if (key == "host_lease_ms") {
      config.server.host_lease_ms = typed(value, key, uint).get<int>();
    } else if (key == "max_waits_per_caller") {
      config.server.max_waits_per_caller = typed(value, key, uint).get<int>();
    } else if (key == "quota_networks") {
      config.server.quotas.networks = typed(value, key, uint).get<int64_t>();
    } else if (key == "quota_sandboxes") {
      config.server.quotas.sandboxes = typed(value, key, uint).get<int64_t>();
    } else if (key == "quota_memberships") {
      config.server.quotas.memberships = typed(value, key, uint).get<int64_t>();
    } else if (key == "quota_addresses") {
      config.server.quotas.addresses = typed(value, key, uint).get<int64_t>();
    } else if (key == "tenant_requests_per_second") {
      config.server.tenant_requests_per_second = number(value, key);
    } else if (key == "host_requests_per_second") {
      config.server.host_requests_per_second = number(value, key);
    } else if (key == "busy_timeout_ms") {
      config.store.busy_timeout_ms = typed(value, key, uint).get<int>();
    } else if (key == "min_free_disk_bytes") {
      config.store.min_free_disk_bytes = typed(value, key, uint).get<int64_t>();
    } else {
      throw std::runtime_error("config: unknown key '" + key + "'");
    }
  }
}

void finalize(ServeConfig& config) {
  size_t colon = config.listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    throw std::runtime_error("--listen must be ADDR:PORT, got '" + config.listen + "'");
  }
  std::string_view port_text = std::string_view(config.listen).substr(colon + 1);
  int port = -1;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 0 ||
      port > 65535) {
    throw std::runtime_error("--listen port must be 0-65535, got '" + std::string(port_text) +
                             "'");
  }
  config.server.host = config.listen.substr(0, colon);
  config.server.port = port;
  if (config.server.tls_cert.empty() != config.server.tls_key.empty()) {
    throw std::runtime_error("TLS needs both a certificate and a key");
  }
  if (config.server.max_body_bytes == 0) throw std::runtime_error("max_body_bytes must be > 0");
  const ServerOptions& o = config.server;
  if (o.max_header_bytes < 1024 || o.max_connections < 1 || o.max_queued_requests < 1) {
    throw std::runtime_error(
        "max_header_bytes must be >= 1024, max_connections and max_queued_requests >= 1");
  }
  if (o.request_timeout_seconds < 1 || o.keep_alive_timeout_seconds < 1) {
    throw std::runtime_error("request_timeout_seconds and keep_alive_timeout_seconds must be >= 1");
  }
  if (o.feed_recheck_ms < 10 || o.feed_recheck_ms > 600000) {
    throw std::runtime_error("feed_recheck_ms must be 10-600000");
  }
  if (o.applied_persist_ms > 600000) throw std::runtime_error("applied_persist_ms must be <= 600000");
  if (o.host_token_cache_ms > 60000) throw std::runtime_error("host_token_cache_ms must be <= 60000");
  // A lease must outlast a long-poll's renewal period several times over (renewals land every
  // lease / 4); an hour is far beyond any host's silence worth waiting for.
  if (o.host_lease_ms < 100 || o.host_lease_ms > 3600000) {
    throw std::runtime_error("host_lease_ms must be 100-3600000");
  }
  if (o.max_waits_per_caller < 1) throw std::runtime_error("max_waits_per_caller must be >= 1");
  if (config.server.threads < 1 || config.server.threads > 1024) {
    throw std::runtime_error("threads must be 1-1024");
  }
  if (config.server.wait_threads < 0 || config.server.wait_threads > 4096) {
    throw std::runtime_error("wait_threads must be 0-4096");
  }
  const DatapathLimits& l = config.server.limits;
  if (l.max_networks_per_sandbox < 1 ||
      l.max_networks_per_sandbox > DatapathLimits::kLayoutNetworksPerSandbox) {
    throw std::runtime_error(
        "max_networks_per_sandbox must be 1-64 (the datapath layout holds at most 64)");
  }
  if (l.max_members_per_network < 1 || l.max_networks_per_tenant < 1 ||
      l.max_sandboxes_per_tenant < 1) {
    throw std::runtime_error(
        "max_members_per_network, max_networks_per_tenant and max_sandboxes_per_tenant "
        "must be >= 1");
  }
}

}  // namespace sandnet::api
