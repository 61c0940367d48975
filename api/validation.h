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

// ---- host feed (docs/host-feed.md) ----
constexpr int64_t kDefaultFeedTimeout = 25, kMaxFeedTimeout = 60;
constexpr int64_t kDefaultApplyTimeout = 10, kMaxApplyTimeout = 60;

struct FeedQuery {
  int64_t since = 0;                       // 0: snapshot
  int64_t timeout = kDefaultFeedTimeout;   // seconds, 0..60
};
// since: integer >= 0; timeout: integer 0..60. Decimal digits only, each at most once.
FeedQuery parse_feed_query(const QueryParams& params);

struct ApplyWait {
  bool wait = false;                        // ?wait=applied
  int64_t timeout = kDefaultApplyTimeout;   // seconds, 0..60
};
// wait: absent or "applied"; timeout: integer 0..60, only meaningful with wait.
ApplyWait parse_apply_wait(const QueryParams& params);

// {"mac": "02:00:0a:2a:00:05"} or an empty body / {}; returns the MAC lower-cased, or "".
// A MAC must be unicast (the agent programs it as a guest's source address).
std::string parse_plug(std::string_view body);
// {"revision": R}, R an integer >= 0.
int64_t parse_applied(std::string_view body);

// Bodies must be sent as application/json (parameters such as charset allowed) -> else 415.
void require_json_content_type(std::string_view content_type);

// A name users may give a network or sandbox: a DNS label that cannot be mistaken for an id.
bool is_valid_object_name(std::string_view name);

enum class RefKind { kId, kName, kInvalid };
// Network refs: "net-<ULID>" or a name. Sandbox refs: "sb_<ULID>" or a name.
// Ids match case-insensitively (the seed writes "net-01k2x..."; ids are stored as
// "net-" + uppercase ULID): an id in any case becomes the stored spelling; anything else
// (a name) is returned unchanged.
std::string canonical_ref(std::string_view ref);
RefKind classify_network_ref(std::string_view ref);
RefKind classify_sandbox_ref(std::string_view ref);

}  // namespace sandnet::api
