// Parsing and validation of everything a client sends: JSON bodies, query parameters and
// path references. Pure functions with no I/O, so the fuzz target drives exactly this code.
// Every failure throws ApiError (400, or 415 for a wrong media type) naming the field.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sandnet::api {

// Same type as httplib::Params, kept independent of httplib for the fuzzer.
using QueryParams = std::multimap<std::string, std::string>;

constexpr int64_t kDefaultLimit = 50;
constexpr int64_t kMaxLimit = 500;
// More networks than this in one create-sandbox body is refused (bounds the work per request).
constexpr size_t kMaxNetworksPerRequest = 64;

struct Pagination {
  int64_t limit = kDefaultLimit;
  int64_t offset = 0;
};

struct CreateNetworkRequest {
  std::string name;
};

struct CreateSandboxRequest {
  std::string name;
  std::vector<std::string> networks;  // network refs (name or net-<ULID>), de-duplicated
};

struct AttachRequest {
  std::string network;  // network ref
};

// limit: 1..500 (default 50); offset: >= 0 (default 0). Decimal digits only.
// Unknown query parameters are ignored; a repeated limit/offset is an error.
Pagination parse_pagination(const QueryParams& params);

// Bodies must be a JSON object with exactly the documented fields; unknown fields are refused.
CreateNetworkRequest parse_create_network(std::string_view body);
CreateSandboxRequest parse_create_sandbox(std::string_view body);
AttachRequest parse_attach(std::string_view body);

// Bodies must be sent as application/json (parameters such as charset allowed) -> else 415.
void require_json_content_type(std::string_view content_type);

// A name users may give a network or sandbox: a DNS label that cannot be mistaken for an id.
bool is_valid_object_name(std::string_view name);

enum class RefKind { kId, kName, kInvalid };
// Network refs: "net-<ULID>" or a name. Sandbox refs: "sb_<ULID>" or a name.
RefKind classify_network_ref(std::string_view ref);
RefKind classify_sandbox_ref(std::string_view ref);

}  // namespace sandnet::api
