// Wall-clock helpers: timestamps in the API are RFC 3339 UTC with a 'Z', to the second,
// as in the published contract ("2024-01-15T10:00:00Z").
#pragma once
#include <cstdint>
#include <string>

namespace sandnet::api {

std::string rfc3339_utc_now();
int64_t unix_ms_now();

}  // namespace sandnet::api
