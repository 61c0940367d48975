// sandnet-api serve settings: built-in defaults, then a JSON config file, then flags.
#pragma once
#include <string>

#include "api/server.h"

namespace sandnet::api {

struct ServeConfig {
  std::string listen = "127.0.0.1:8080";
  std::string db = "sandnet.db";
  std::string log_level = "info";
  ServerOptions server;  // host/port are filled from `listen` by finalize()
};

// Reads a JSON object with any of: listen, db, tls_cert, tls_key, ip_pool,
// ip_quarantine_seconds, max_body_bytes, threads, wait_threads, log_level and the datapath
// limits (max_networks_per_sandbox, max_members_per_network, max_networks_per_tenant,
// max_sandboxes_per_tenant). Unknown keys and
// wrong types throw std::runtime_error naming the key.
void apply_config_file(const std::string& path, ServeConfig& config);

// Parses `listen` ("ADDR:PORT", IPv4 address or name; port 0 = any free port) into
// server.host/port and checks the rest. Throws std::runtime_error.
void finalize(ServeConfig& config);

}  // namespace sandnet::api
