#include "api/validation.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/api_error.h"
#include "common/dns_label.h"
#include "common/ulid.h"

namespace sandnet::api {
namespace {

using nlohmann::json;

// Parses a non-negative decimal integer with no sign, exponent, spaces or leading '+'.
// Returns -1 for anything else, including values above `max`.
int64_t parse_decimal(std::string_view s, int64_t max) {
  if (s.empty() || s.size() > 18) return -1;  // 18 digits cannot overflow int64
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v > max ? -1 : v;
}

const std::string* single_param(const QueryParams& params, const std::string& key) {
  auto [first, last] = params.equal_range(key);
  if (first == last) return nullptr;
  if (std::next(first) != last) {
    throw invalid_field(key, "invalid_" + key, key + " must be given at most once");
  }
  return &first->second;
}

json parse_object(std::string_view body) {
  json doc = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    throw ApiError(400, "invalid_json", "request body is not valid JSON");
  }
  if (!doc.is_object()) {
    throw ApiError(400, "invalid_json", "request body must be a JSON object");
  }
  return doc;
}

void reject_unknown_fields(const json& obj, std::initializer_list<std::string_view> known,
                           const std::string& prefix = "") {
  for (const auto& [key, value] : obj.items()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      // Do not echo arbitrarily long keys back verbatim; cut on a UTF-8 boundary.
      std::string shown = key;
      if (shown.size() > 64) {
        size_t cut = 64;
        while (cut > 0 && (static_cast<unsigned char>(shown[cut]) & 0xC0) == 0x80) --cut;
        shown = shown.substr(0, cut) + "...";
      }
      throw invalid_field(prefix + shown, "unknown_field",
                          fmt::format("unknown field '{}'", prefix + shown));
    }
  }
}

std::string required_string(const json& obj, const std::string& key, const std::string& field) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) {
    throw invalid_field(field, "missing_field", field + " is required");
  }
  if (!it->is_string()) {
    throw invalid_field(field, "invalid_type", field + " must be a string");
  }
  return it->get<std::string>();
}

std::string required_name(const json& obj) {
  std::string name = required_string(obj, "name", "name");
  if (!is_valid_object_name(name)) {
    throw invalid_field("name", "invalid_name",
                        "name must be a DNS label: 1-63 lowercase letters, digits or '-', "
                        "not starting or ending with '-'");
  }
  return name;
}

std::string network_ref_field(const json& obj, const std::string& field) {
  std::string ref = required_string(obj, "id", field);
  if (classify_network_ref(ref) == RefKind::kInvalid) {
    throw invalid_field(field, "invalid_id", field + " must be a network name or net-<ULID> id");
  }
  return ref;
}

}  // namespace

Pagination parse_pagination(const QueryParams& params) {
  Pagination p;
  if (const std::string* v = single_param(params, "limit")) {
    int64_t limit = parse_decimal(*v, kMaxLimit);
    if (limit < 1) {
      throw invalid_field("limit", "invalid_limit",
                          fmt::format("limit must be an integer from 1 to {}", kMaxLimit));
    }
    p.limit = limit;
  }
  if (const std::string* v = single_param(params, "offset")) {
    // Capped so that offset + limit can never overflow anywhere downstream.
    int64_t offset = parse_decimal(*v, int64_t{1} << 53);
    if (offset < 0) {
      throw invalid_field("offset", "invalid_offset", "offset must be an integer >= 0");
    }
    p.offset = offset;
  }
  return p;
}

namespace {

int64_t bounded_param(const QueryParams& params, const std::string& key, int64_t fallback,
                      int64_t max, const std::string& what) {
  const std::string* v = single_param(params, key);
  if (!v) return fallback;
  int64_t value = parse_decimal(*v, max);
  if (value < 0) throw invalid_field(key, "invalid_" + key, key + " must be " + what);
  return value;
}

}  // namespace

FeedQuery parse_feed_query(const QueryParams& params) {
  FeedQuery q;
  q.since = bounded_param(params, "since", 0, int64_t{1} << 53, "an integer >= 0");
  q.timeout = bounded_param(params, "timeout", kDefaultFeedTimeout, kMaxFeedTimeout,
                            fmt::format("an integer from 0 to {}", kMaxFeedTimeout));
  return q;
}

ApplyWait parse_apply_wait(const QueryParams& params) {
  ApplyWait w;
  if (const std::string* v = single_param(params, "wait")) {
    if (*v != "applied") throw invalid_field("wait", "invalid_wait", "wait must be 'applied'");
    w.wait = true;
  }
  w.timeout = bounded_param(params, "timeout", kDefaultApplyTimeout, kMaxApplyTimeout,
                            fmt::format("an integer from 0 to {}", kMaxApplyTimeout));
  return w;
}

std::string parse_plug(std::string_view body) {
  if (body.empty()) return "";
  json obj = parse_object(body);
  reject_unknown_fields(obj, {"mac"});
  if (!obj.contains("mac") || obj["mac"].is_null()) return "";
  std::string mac = required_string(obj, "mac", "mac");
  bool ok = mac.size() == 17;
  for (size_t i = 0; ok && i < mac.size(); ++i) {
    ok = (i % 3 == 2) ? mac[i] == ':' : std::isxdigit(static_cast<unsigned char>(mac[i])) != 0;
  }
  if (ok) {
    std::transform(mac.begin(), mac.end(), mac.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    int first_octet = std::stoi(mac.substr(0, 2), nullptr, 16);
    ok = (first_octet & 1) == 0 && mac != "00:00:00:00:00:00";
  }
  if (!ok) {
    throw invalid_field("mac", "invalid_mac",
                        "mac must be a unicast MAC address like 02:00:0a:2a:00:05");
  }
  return mac;
}

int64_t parse_applied(std::string_view body) {
  json obj = parse_object(body);
  reject_unknown_fields(obj, {"revision"});
  auto it = obj.find("revision");
  if (it == obj.end() || it->is_null()) {
    throw invalid_field("revision", "missing_field", "revision is required");
  }
  if (!it->is_number_integer() || it->get<int64_t>() < 0 ||
      (it->is_number_unsigned() && it->get<uint64_t>() > uint64_t{1} << 53)) {
    throw invalid_field("revision", "invalid_revision", "revision must be an integer >= 0");
  }
  return it->get<int64_t>();
}

CreateNetworkRequest parse_create_network(std::string_view body) {
  json obj = parse_object(body);
  reject_unknown_fields(obj, {"name"});
  return {required_name(obj)};
}

CreateSandboxRequest parse_create_sandbox(std::string_view body) {
  json obj = parse_object(body);
  reject_unknown_fields(obj, {"name", "networks"});
  CreateSandboxRequest req{required_name(obj), {}};
  auto it = obj.find("networks");
  if (it == obj.end() || it->is_null()) return req;
  if (!it->is_array()) {
    throw invalid_field("networks", "invalid_type", "networks must be an array");
  }
  if (it->size() > kMaxNetworksPerRequest) {
    throw invalid_field("networks", "too_many_networks",
                        fmt::format("networks may list at most {} entries",
                                    kMaxNetworksPerRequest));
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const json& entry = (*it)[i];
    std::string field = fmt::format("networks[{}].id", i);
    if (!entry.is_object()) {
      throw invalid_field(fmt::format("networks[{}]", i), "invalid_type",
                          fmt::format("networks[{}] must be an object", i));
    }
    reject_unknown_fields(entry, {"id"}, fmt::format("networks[{}].", i));
    std::string ref = network_ref_field(entry, field);
    if (std::find(req.networks.begin(), req.networks.end(), ref) == req.networks.end()) {
      req.networks.push_back(std::move(ref));
    }
  }
  return req;
}

AttachRequest parse_attach(std::string_view body) {
  json obj = parse_object(body);
  reject_unknown_fields(obj, {"id"});
  return {network_ref_field(obj, "id")};
}

void require_json_content_type(std::string_view content_type) {
  std::string_view media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && media.back() == ' ') media.remove_suffix(1);
  std::string lower(media);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower != "application/json") {
    throw ApiError(415, "unsupported_media_type", "Content-Type must be application/json");
  }
}

bool is_valid_object_name(std::string_view name) {
  if (!is_dns_label(name)) return false;
  // "net-<ulid>" spelled in lowercase is still a DNS label; refuse it so a name can never
  // be read as somebody's id (ids are matched case-insensitively: canonical_ref).
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  upper.replace(0, std::min<size_t>(4, upper.size()), std::string(name.substr(0, 4)));
  return !is_network_id(upper);
}

std::string canonical_ref(std::string_view ref) {
  size_t prefix = 0;
  auto starts = [&](std::string_view p) {
    if (ref.size() <= p.size()) return false;
    for (size_t i = 0; i < p.size(); ++i) {
      if (std::tolower(static_cast<unsigned char>(ref[i])) != p[i]) return false;
    }
    return true;
  };
  if (starts("net-")) prefix = 4;
  if (starts("sb_")) prefix = 3;
  if (prefix == 0) return std::string(ref);
  std::string id(ref);
  for (size_t i = 0; i < id.size(); ++i) {
    auto c = static_cast<unsigned char>(id[i]);
    id[i] = static_cast<char>(i < prefix ? std::tolower(c) : std::toupper(c));
  }
  return is_network_id(id) || is_sandbox_id(id) ? id : std::string(ref);
}

RefKind classify_network_ref(std::string_view ref) {
  if (is_network_id(canonical_ref(ref))) return RefKind::kId;
  if (is_valid_object_name(ref)) return RefKind::kName;
  return RefKind::kInvalid;
}

RefKind classify_sandbox_ref(std::string_view ref) {
  if (is_sandbox_id(canonical_ref(ref))) return RefKind::kId;
  if (is_valid_object_name(ref)) return RefKind::kName;
  return RefKind::kInvalid;
}

}  // namespace sandnet::api
