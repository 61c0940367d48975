// libFuzzer target over everything a client controls before the store is touched: JSON
// bodies, query strings, request paths (routing + reference classification) and the
// Content-Type header, plus the JSend error envelope built from whatever they produce; and
// the connection front's request framing (request_scan.h) over raw bytes.
// The first input byte picks the parser (mod 10; 0xE0 and up: the framing); the rest is the
// input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/api_error.h"
#include "api/jsend.h"
#include "api/request_scan.h"
#include "api/router.h"
#include "api/validation.h"

using namespace sandnet::api;

namespace {

const Router<int>& api_router() {
  static const Router<int> router = [] {
    Router<int> r;
    int i = 0;
    for (const char* route : {"/v1/networks", "/v1/networks/{id}", "/v1/sandboxes",
                              "/v1/sandboxes/{id}", "/v1/sandboxes/{id}/networks",
                              "/v1/sandboxes/{id}/networks/{net}", "/healthz", "/metrics",
                              "/v1/hosts/{host}/feed", "/v1/hosts/{host}/applied",
                              "/v1/hosts/{host}/sandboxes/{sb}/plug",
                              "/v1/hosts/{host}/sandboxes/{sb}/unplug"}) {
      r.add("GET", route, i++);
      r.add("POST", route, i++);
      r.add("DELETE", route, i++);
    }
    return r;
  }();
  return router;
}

QueryParams split_query(std::string_view q) {
  QueryParams params;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    size_t eq = pair.find('=');
    params.emplace(std::string(pair.substr(0, eq)),
                   eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return params;
}

// Where a buffered request ends: offsets stay inside the input and ordered, refusals are the
// documented ones, and the raw header lookup never reads past the header block.
void scan(std::string_view input) {
  ScanLimits l;
  l.max_header_bytes = 1024;
  l.max_header_lines = 16;
  l.max_body_bytes = 512;
  l.max_chunk_overhead = 64;
  ScanResult r = scan_request(input, l);
  switch (r.kind) {
    case ScanResult::kReject:
      if (r.status != 400 && r.status != 413 && r.status != 415 && r.status != 431) {
        __builtin_trap();
      }
      break;
    case ScanResult::kComplete:
      if (r.header_end == 0 || r.header_end > l.max_header_bytes ||
          r.request_end < r.header_end || r.request_end > input.size() ||
          r.request_end - r.header_end > l.max_body_bytes + l.max_chunk_overhead) {
        __builtin_trap();
      }
      break;
    case ScanResult::kIncomplete:
      if (r.request_end != 0 && r.request_end <= input.size()) __builtin_trap();
      break;
  }
  if (r.expect_length > 0 && r.expect_offset + r.expect_length > r.header_end) __builtin_trap();
  if (r.header_end > 0) {
    std::string value;
    if (raw_header_value(input.substr(0, r.header_end), "Idempotency-Key", value) &&
        value.size() >= r.header_end) {
      __builtin_trap();
    }
  }
}

void run(uint8_t mode, std::string_view input) {
  if (mode >= 0xE0) {
    scan(input);
    return;
  }
  switch (mode % 10) {
    case 0: parse_create_network(input); break;
    case 1: parse_create_sandbox(input); break;
    case 2: parse_attach(input); break;
    case 3: {
      Pagination p = parse_pagination(split_query(input));
      if (p.limit < 1 || p.limit > kMaxLimit || p.offset < 0) __builtin_trap();
      break;
    }
    case 4: {
      static const char* const kMethods[] = {"GET", "POST", "DELETE", "PUT", "HEAD"};
      auto m = api_router().match(kMethods[input.size() % 5], input);
      for (const auto& [name, value] : m.params) {
        if (value.empty()) __builtin_trap();  // a template param never matches ""
        classify_network_ref(value);
        classify_sandbox_ref(value);
      }
      break;
    }
    case 5: require_json_content_type(input); break;
    // Host feed (docs/host-feed.md).
    case 6: {
      FeedQuery q = parse_feed_query(split_query(input));
      if (q.since < 0 || q.timeout < 0 || q.timeout > kMaxFeedTimeout) __builtin_trap();
      break;
    }
    case 7: {
      ApplyWait w = parse_apply_wait(split_query(input));
      if (w.timeout < 0 || w.timeout > kMaxApplyTimeout) __builtin_trap();
      break;
    }
    case 8: {
      std::string mac = parse_plug(input);
      if (!mac.empty() && mac.size() != 17) __builtin_trap();
      break;
    }
    case 9:
      if (parse_applied(input) < 0) __builtin_trap();
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    run(data[0], input);
  } catch (const ApiError& e) {
    if (e.status < 400 || e.status > 599) __builtin_trap();
    // The envelope must serialize: error strings may carry user-supplied text.
    std::string body = jsend_for_status(e.status, e.code, e.what(), e.extra).dump();
    if (body.empty()) __builtin_trap();
  }
  return 0;
}
