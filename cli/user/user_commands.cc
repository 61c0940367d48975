#include "cli/user/user_commands.h"

#include <cstdio>

namespace sandnet::cli {
namespace {
constexpr int kMaxPageSize = 500;
}

ApiClient UserContext::client() const {
  ApiSettingSources sources{api_url, api_key, std::nullopt};
  if (!config_file.empty()) sources.config_file = config_file;
  return ApiClient(resolve_api_settings(sources));
}

void UserContext::print_json(const nlohmann::json& value) const {
  std::printf("%s\n", value.dump(2).c_str());
}

nlohmann::json list_all(const ApiClient& client, const std::string& collection_path) {
  nlohmann::json items = nlohmann::json::array();
  for (int offset = 0;; offset += kMaxPageSize) {
    auto page = client.get(collection_path + "?limit=" + std::to_string(kMaxPageSize) + "&offset=" + std::to_string(offset));
    const auto& data = page.at("data");
    for (const auto& item : data) items.push_back(item);
    const int total = page.at("pagination").at("total").get<int>();
    if (data.empty() || offset + static_cast<int>(data.size()) >= total) break;
  }
  return items;
}

void add_user_commands(CLI::App& app) {
  auto context = std::make_shared<UserContext>();
  auto add_shared_options = [&](CLI::App* group) {
    group->add_option("--api-url", context->api_url, "API base URL, e.g. http://127.0.0.1:8080 (env SANDNET_API_URL)");
    group->add_option("--api-key", context->api_key, "API key (env SANDNET_API_KEY)");
    group->add_option("--config", context->config_file, "read URL and key from this JSON file only");
    group->add_option("-o,--output", context->output, "table or json")
        ->check(CLI::IsMember({"table", "json"}))->capture_default_str();
    // Leaf commands inherit fallthrough, so the options above work after the verb too.
    group->fallthrough();
    group->require_subcommand(1);
  };
  auto* network = app.add_subcommand("network", "private networks: ls, create, inspect, rm, connect, disconnect");
  add_shared_options(network);
  add_network_commands(*network, context);
  auto* sandbox = app.add_subcommand("sandbox", "sandboxes: ls, create, inspect, rm");
  add_shared_options(sandbox);
  add_sandbox_commands(*sandbox, context);
}

}  // namespace sandnet::cli
