#include "api/route_support.h"

#include "api/api_error.h"
#include "api/auth.h"
#include "api/http_front.h"
#include "api/request_scan.h"
#include "api/jsend.h"

namespace sandnet::api {

using nlohmann::json;

Network resolve_network(ReadTx& tx, UserId user, const std::string& raw_ref) {
  const std::string ref = canonical_ref(raw_ref);
  std::optional<Network> n;
  switch (classify_network_ref(ref)) {
    case RefKind::kId: n = tx.find_network_by_id(user, ref); break;
    case RefKind::kName: n = tx.find_network_by_name(user, ref); break;
    case RefKind::kInvalid: break;
  }
  if (!n) throw not_found("network");
  return *n;
}

Sandbox resolve_sandbox(ReadTx& tx, UserId user, const std::string& raw_ref) {
  const std::string ref = canonical_ref(raw_ref);
  std::optional<Sandbox> s;
  switch (classify_sandbox_ref(ref)) {
    case RefKind::kId: s = tx.find_sandbox_by_id(user, ref); break;
    case RefKind::kName: s = tx.find_sandbox_by_name(user, ref); break;
    case RefKind::kInvalid: break;
  }
  if (!s) throw not_found("sandbox");
  return *s;
}

json network_json(const Network& n) {
  return {{"id", n.id}, {"name", n.name}, {"created_at", n.created_at},
          {"member_count", n.member_count}};
}

json member_json(const Member& m) {
  return {{"sandbox_id", m.sandbox_id}, {"name", m.name}, {"status", m.status}, {"ip", m.ip}};
}

json sandbox_json(const Sandbox& s, const std::vector<NetworkSummary>& networks) {
  json nets = json::array();
  for (const NetworkSummary& n : networks) nets.push_back({{"id", n.id}, {"name", n.name}});
  return {{"id", s.id},   {"name", s.name},         {"status", s.status},
          {"ip", s.ip},   {"created_at", s.created_at}, {"networks", std::move(nets)}};
}

json page_json(json items, int64_t total, const Pagination& p) {
  int64_t count = static_cast<int64_t>(items.size());
  return {{"data", std::move(items)},
          {"pagination", {{"total", total}, {"limit", p.limit}, {"offset", p.offset},
                          {"count", count}}}};
}

namespace {

constexpr size_t kMaxIdempotencyKeyLength = 255;

void check_idempotency_key(const std::string& key) {
  bool printable = true;
  for (unsigned char c : key) printable = printable && c >= 0x21 && c <= 0x7e;
  if (key.size() > kMaxIdempotencyKeyLength || !printable) {
    throw invalid_field("Idempotency-Key", "invalid_idempotency_key",
                        "Idempotency-Key must be 1-255 printable ASCII characters");
  }
}

// Same request = same method, route, path and JSON body (compared after parsing, so
// whitespace and key order do not matter).
std::string request_fingerprint(const Call& call) {
  json parsed = json::parse(call.req.body, nullptr, /*allow_exceptions=*/false);
  std::string body = parsed.is_discarded() ? call.req.body : parsed.dump();
  return to_hex(sha256(call.req.method + "\n" + call.req.path + "\n" + body));
}

}  // namespace

namespace {

// The header's bytes as sent: httplib percent-decodes header values, which would make
// "a%41" and "aA" the same key. The connection front keeps the raw header block; under TLS
// (httplib's own loop) only the decoded value exists.
bool idempotency_key(const Call& call, std::string& key) {
  std::string_view raw = HttpFront::current_headers();
  if (!raw.empty()) return raw_header_value(raw, "Idempotency-Key", key);
  if (!call.req.has_header("Idempotency-Key")) return false;
  key = call.req.get_header_value("Idempotency-Key");
  return true;
}

}  // namespace

Reply idempotent_write(Call& call, Store& store, const std::function<Reply(WriteTx&)>& fn) {
  Reply reply;
  std::string key;
  if (!idempotency_key(call, key)) {
    store.write([&](WriteTx& tx) { reply = fn(tx); });
    return reply;
  }
  check_idempotency_key(key);
  const std::string fingerprint = request_fingerprint(call);
  store.write([&](WriteTx& tx) {
    if (std::optional<StoredResponse> prev = tx.find_idempotent(call.user, key)) {
      if (prev->request_hash != fingerprint) {
        throw ApiError(422, "idempotency_key_reused",
                       "this Idempotency-Key was used with a different request");
      }
      reply = {prev->status, json::parse(prev->body), true};
      return;
    }
    reply = fn(tx);
    tx.save_idempotent(call.user, key, {fingerprint, reply.status, reply.body.dump()});
  });
  return reply;
}

std::string caller_name(const Call& call) {
  return call.host.empty() ? "user:" + std::to_string(call.user) : "host:" + call.host;
}

void require_json_body(const Call& call) {
  require_json_content_type(call.req.get_header_value("Content-Type"));
}

}  // namespace sandnet::api
