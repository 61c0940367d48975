#include "cli/user/api_settings.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <vector>

#include <nlohmann/json.hpp>

namespace sandnet::cli {
namespace {

struct FileSettings {
  std::string url, key;
};

// A config file is a JSON object {"api_url": "...", "api_key": "..."}; both keys optional.
std::optional<FileSettings> read_config_file(const std::string& path, bool must_exist) {
  std::ifstream in(path);
  if (!in) {
    if (must_exist) throw std::runtime_error("cannot read config file " + path);
    return std::nullopt;
  }
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) throw std::runtime_error(path + ": not a JSON object");
  FileSettings settings;
  for (const auto& [name, value] : doc.items()) {
    if (name != "api_url" && name != "api_key")
      throw std::runtime_error(path + ": unknown key \"" + name + "\" (expected api_url, api_key)");
    if (!value.is_string()) throw std::runtime_error(path + ": \"" + name + "\" must be a string");
    (name == "api_url" ? settings.url : settings.key) = value.get<std::string>();
  }
  return settings;
}

std::vector<std::string> default_config_files() {
  std::vector<std::string> files;
  if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
    files.push_back(std::string(xdg) + "/sandnet/config");
  else if (const char* home = std::getenv("HOME"); home && *home)
    files.push_back(std::string(home) + "/.config/sandnet/config");
  files.push_back("/etc/sandnet/cli.json");
  return files;
}

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

ApiSettings resolve_api_settings(const ApiSettingSources& sources) {
  ApiSettings settings{sources.flag_url, sources.flag_key};
  if (settings.url.empty()) settings.url = env_or_empty("SANDNET_API_URL");
  if (settings.key.empty()) settings.key = env_or_empty("SANDNET_API_KEY");

  std::vector<std::string> files;
  if (sources.config_file) files.push_back(*sources.config_file);
  else files = default_config_files();
  for (const auto& path : files) {
    if (!settings.url.empty() && !settings.key.empty()) break;
    auto from_file = read_config_file(path, sources.config_file.has_value());
    if (!from_file) continue;
    if (settings.url.empty()) settings.url = from_file->url;
    if (settings.key.empty()) settings.key = from_file->key;
  }
  if (settings.url.empty())
    throw std::runtime_error("no API URL: use --api-url, SANDNET_API_URL or a config file");
  if (settings.key.empty())
    throw std::runtime_error("no API key: use --api-key, SANDNET_API_KEY or a config file");
  return settings;
}

}  // namespace sandnet::cli
