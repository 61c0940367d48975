// Host tokens: the credential a host agent presents in X-Host-Token. A scope apart from users'
// API keys ("ht_" vs "sk_"): neither is accepted where the other is expected.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "api/store.h"

namespace sandnet::api {

// Creates a token for the host (a host may hold several, e.g. during rotation), registering
// the host first when new (host_registry.h), and returns the full "ht_..." string; only its
// hash is stored.
std::string issue_host_token(Store& store, const std::string& host_id);

// The host a token belongs to, or nullopt (malformed, unknown, revoked or wrong secret).
std::optional<std::string> authenticate_host(Store& store, std::string_view token);

}  // namespace sandnet::api
