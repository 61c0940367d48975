// sandnetctl network|sandbox: the user's view of the API (docker-network-like verbs).
#pragma once
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/user/api_client.h"

namespace sandnet::cli {

// Options every user command shares; parsed before any callback runs.
struct UserContext {
  std::string api_url, api_key, config_file, output = "table";
  ApiClient client() const;
  bool json() const { return output == "json"; }
  void print_json(const nlohmann::json& value) const;
};

// Registers `network` and `sandbox` on app; errors surface as ApiError (see user_main_hook).
void add_user_commands(CLI::App& app);

// Collects every page of a list endpoint (the API caps one page at 500 items).
nlohmann::json list_all(const ApiClient& client, const std::string& collection_path);

void add_network_commands(CLI::App& group, std::shared_ptr<UserContext> context);
void add_sandbox_commands(CLI::App& group, std::shared_ptr<UserContext> context);

// Runs a command body and turns ApiError/std::exception into a message on stderr and the
// exit status (CLI::RuntimeError carries it out of CLI11's parse()).
template <typename Body>
void run_reporting_errors(Body&& body) {
  try {
    body();
  } catch (const ApiError& e) {
    if (e.code().empty()) std::fprintf(stderr, "sandnetctl: %s\n", e.what());
    else std::fprintf(stderr, "sandnetctl: %s (%s)\n", e.what(), e.code().c_str());
    throw CLI::RuntimeError(e.exit_status());
  } catch (const CLI::Error&) {
    throw;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sandnetctl: %s\n", e.what());
    throw CLI::RuntimeError(kExitFailure);
  }
}

}  // namespace sandnet::cli
