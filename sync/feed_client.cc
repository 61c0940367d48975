#include "sync/feed_client.h"

#include <httplib.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <thread>

#include "sync/feed_parse.h"

namespace sandnet::sync {

using nlohmann::json;

namespace {
// A Content-Length past this is not trusted for the up-front reservation (the body may
// still grow past it as it arrives).
constexpr uint64_t kMaxBodyReserve = uint64_t{1} << 30;
}  // namespace

FeedClient::FeedClient(FeedClientOptions options) : options_(std::move(options)) {
  if (options_.base_urls.empty()) throw std::invalid_argument("no API URL");
  for (auto& url : options_.base_urls)
    while (!url.empty() && url.back() == '/') url.pop_back();
}

// Sticks to the replica that answered last. When it cannot be reached, the same call goes to
// the next URL, each at most once per call; the caller's backoff (the reconciler's jittered
// one) takes over when none answers. A GET (the feed) fails over on any transport failure: it
// changes nothing, and its `since` makes any replica answer from the same point. A POST fails
// over only when it was never sent.
FeedClient::Raw FeedClient::request(const std::string& method, const std::string& path, const json* body,
                                    std::chrono::seconds read_timeout) {
  const size_t n = options_.base_urls.size();
  const size_t first = current_.load();
  for (size_t k = 0;; ++k) {
    size_t url = (first + k) % n;
    try {
      Raw raw = request_on(method, path, body, read_timeout, url);
      bool unavailable = raw.status == 502 || raw.status == 503 || raw.status == 504;
      if (!unavailable || k + 1 == n || method != "GET") {
        current_ = url;
        return raw;
      }
      spdlog::warn("{} {}: HTTP {} from {}; trying {}", method, path, raw.status, options_.base_urls[url],
                   options_.base_urls[(url + 1) % n]);
    } catch (const ApiError& e) {
      bool may_move = method == "GET" || dynamic_cast<const NotSent*>(&e) != nullptr;
      if (!may_move || k + 1 == n) throw;
      spdlog::warn("{}; trying {}", e.what(), options_.base_urls[(url + 1) % n]);
    }
  }
}

FeedClient::Raw FeedClient::request_on(const std::string& method, const std::string& path, const json* body,
                                       std::chrono::seconds read_timeout, size_t url) {
  for (int attempt = 0;; ++attempt) {
    std::optional<int> retry_after;
    Raw raw = request_once(options_.base_urls[url], method, path, body, read_timeout, retry_after);
    bool busy = raw.status == 429 || raw.status == 503;
    if (!busy || !retry_after || attempt >= options_.busy_retries ||
        std::chrono::seconds(*retry_after) > options_.max_retry_after)
      return raw;
    // A little jitter: the hosts a burst refused do not all come back in the same millisecond.
    thread_local std::mt19937 rng{std::random_device{}()};
    auto wait = std::chrono::milliseconds(*retry_after * 1000 + std::uniform_int_distribution<int>(0, 250)(rng));
    spdlog::debug("{} {}: HTTP {}, asked again in {} ms", method, path, raw.status, wait.count());
    std::this_thread::sleep_for(wait);
  }
}

FeedClient::Raw FeedClient::request_once(const std::string& base_url, const std::string& method,
                                         const std::string& path, const json* body,
                                         std::chrono::seconds read_timeout, std::optional<int>& retry_after) {
  httplib::Client client(base_url);
  if (!client.is_valid()) throw NotSent(0, "bad API URL " + base_url);
  client.set_connection_timeout(options_.connect_timeout);
  client.set_read_timeout(read_timeout);
  client.set_write_timeout(options_.request_timeout);
  client.set_keep_alive(false);
  httplib::Headers headers{{"X-Host-Token", options_.token}};
  // A GET's body is taken here, reserved once from its Content-Length: httplib's own body
  // grows by doubling, so an 82 MB snapshot held 128 MiB at the agent's peak.
  std::string got;
  auto reserve = [&](const httplib::Response& head) {
    if (auto length = head.get_header_value<uint64_t>("Content-Length"); length > 0)
      got.reserve(static_cast<size_t>(std::min<uint64_t>(length, kMaxBodyReserve)));
    return true;
  };
  auto take = [&](const char* data, size_t n) {
    got.append(data, n);
    return true;
  };
  httplib::Result res = method == "GET"
                            ? client.Get(path, headers, reserve, take)
                            : client.Post(path, headers, body ? body->dump() : std::string("{}"), "application/json");
  if (!res) {
    std::string what = fmt::format("{} {} on {}: {}", method, path, base_url, httplib::to_string(res.error()));
    if (res.error() == httplib::Error::Connection || res.error() == httplib::Error::ConnectionTimeout)
      throw NotSent(0, what);  // no connection: nothing was sent
    throw ApiError(0, what);
  }
  // Only delay-seconds (RFC 9110); an HTTP date or garbage means "no advice".
  const std::string value = res->get_header_value("Retry-After");
  if (!value.empty() && value.size() <= 6 &&
      std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
    retry_after = std::stoi(value);
  return {res->status, method == "GET" ? std::move(got) : std::move(res->body)};
}

void FeedClient::fail(const std::string& method, const std::string& path, const Raw& raw) {
  json answer = json::parse(raw.body, nullptr, /*allow_exceptions=*/false);
  std::string message;
  if (answer.is_object()) {
    if (answer.contains("message") && answer["message"].is_string()) message = answer["message"];
    if (answer.contains("data") && answer["data"].is_object() && answer["data"].contains("message") &&
        answer["data"]["message"].is_string())
      message = answer["data"]["message"];
  }
  if (message.empty()) message = raw.body.substr(0, 200);
  throw ApiError(raw.status >= 200 && raw.status < 300 ? 0 : raw.status,
                 fmt::format("{} {}: HTTP {}: {}", method, path, raw.status, message));
}

json FeedClient::call(const std::string& method, const std::string& path, const json* body,
                      std::chrono::seconds read_timeout) {
  Raw raw = request(method, path, body, read_timeout);
  json answer = json::parse(raw.body, nullptr, /*allow_exceptions=*/false);
  if (raw.status >= 200 && raw.status < 300 && answer.is_object() && answer.value("status", "") == "success")
    return answer.contains("data") ? answer["data"] : json();
  fail(method, path, raw);
}

FeedAnswer FeedClient::feed(uint64_t since, std::chrono::seconds long_poll) {
  auto path = fmt::format("/v1/hosts/{}/feed?since={}&timeout={}", options_.host_id, since, long_poll.count());
  Raw raw = request("GET", path, nullptr, long_poll + options_.request_timeout);
  if (raw.status < 200 || raw.status >= 300) fail("GET", path, raw);
  StreamedFeed parsed;
  try {
    parsed = parse_feed_text(raw.body, {"data"});
  } catch (const FeedFormatError&) {
    // Not the success shape: an error envelope or a torn body says more through fail().
    json answer = json::parse(raw.body, nullptr, /*allow_exceptions=*/false);
    if (!answer.is_object() || answer.value("status", "") != "success") fail("GET", path, raw);
    throw;
  }
  if (!parsed.rest.is_object() || parsed.rest.value("status", "") != "success") fail("GET", path, raw);
  // Changes never go back (a server behind `since` answers a snapshot): whichever replica
  // answered, an older changes answer is refused and the reconciler asks for a snapshot.
  if (!parsed.answer.snapshot && parsed.answer.revision < since)
    throw FeedFormatError(fmt::format("changes at revision {} are older than since={} ({})", parsed.answer.revision,
                                      since, current_url()));
  return std::move(parsed.answer);
}

SandboxRecord FeedClient::plug(const std::string& sandbox_id, const std::optional<std::string>& mac) {
  json body = json::object();
  if (mac) body["mac"] = *mac;
  auto data = call("POST", fmt::format("/v1/hosts/{}/sandboxes/{}/plug", options_.host_id, sandbox_id), &body,
                   options_.request_timeout);
  try {
    return parse_sandbox(data);
  } catch (const FeedFormatError& e) {
    throw ApiError(0, std::string("plug answer: ") + e.what());
  }
}

void FeedClient::unplug(const std::string& sandbox_id) {
  json body = json::object();
  call("POST", fmt::format("/v1/hosts/{}/sandboxes/{}/unplug", options_.host_id, sandbox_id), &body,
       options_.request_timeout);
}

void FeedClient::report_applied(uint64_t revision) {
  json body = {{"revision", revision}};
  call("POST", fmt::format("/v1/hosts/{}/applied", options_.host_id), &body, options_.request_timeout);
}

}  // namespace sandnet::sync
