// Where sandnetctl's user commands find the API: flags, then SANDNET_API_URL/SANDNET_API_KEY,
// then ~/.config/sandnet/config, then /etc/sandnet/cli.json (docs/operator-guide.md).
#pragma once
#include <optional>
#include <string>

namespace sandnet::cli {

struct ApiSettings {
  std::string url;
  std::string key;
};

struct ApiSettingSources {
  std::string flag_url, flag_key;  // empty: not given
  std::optional<std::string> config_file;  // --config: the only file read when given
};

// Resolves each setting from the first source that has it. Throws std::runtime_error naming
// the file on an unreadable or malformed config file, and when no source gives a URL or key.
ApiSettings resolve_api_settings(const ApiSettingSources& sources);

}  // namespace sandnet::cli
