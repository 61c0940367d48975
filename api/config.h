// sandnet-api serve settings: built-in defaults, then a JSON config file, then flags.
#pragma once
#include <string>

#include "api/server.h"
#include "api/sqlite_store.h"

namespace sandnet::api {

struct ServeConfig {
  std::string listen = "127.0.0.1:8080";
  std::string db = "sandnet.db";
  std::string log_level = "info";
  ServerOptions server;  // host/port are filled from `listen` by finalize()
  SqliteOptions store;
};

// Reads a JSON object with any of the keys docs/api.md lists (serve options). Unknown keys
// and wrong types throw std::runtime_error naming the key.
void apply_config_file(const std::string& path, ServeConfig& config);

// Parses `listen` ("ADDR:PORT", IPv4 address or name; port 0 = any free port) into
// server.host/port and checks the rest. Throws std::runtime_error.
void finalize(ServeConfig& config);

}  // namespace sandnet::api
