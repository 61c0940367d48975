#include "api/host_token_cache.h"

#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "api/host_auth.h"

namespace sandnet::api {

HostTokenCache::HostTokenCache(Store& store, std::chrono::milliseconds ttl) : store_(store), ttl_(ttl) {
  if (ttl_.count() == 0) return;
  refresher_ = std::make_unique<PeriodicThread>(ttl_ / 2, [this] { refresh(); });
}

HostTokenCache::~HostTokenCache() = default;

std::optional<std::string> HostTokenCache::authenticate(std::string_view token, Clock::time_point now) {
  if (ttl_.count() == 0) return authenticate_host(store_, token);
  std::optional<TokenParts> parts = parse_token(token, "ht");
  if (!parts) return std::nullopt;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_token_id_.find(parts->key_id);
    if (it != by_token_id_.end() && now < it->second.until) {
      if (!same_hash(parts->secret_hash, it->second.secret_hash)) return std::nullopt;
      it->second.used = now;
      return it->second.host_id;
    }
  }
  std::optional<std::string> host = authenticate_host(store_, token);
  std::lock_guard<std::mutex> lock(mu_);
  if (!host) {
    by_token_id_.erase(parts->key_id);  // revoked, or its secret was wrong: ask again next time
    return std::nullopt;
  }
  by_token_id_[parts->key_id] = {*host, parts->secret_hash, now + ttl_, now};
  return host;
}

void HostTokenCache::refresh(Clock::time_point now) {
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    // A token not presented within a TTL is forgotten, not renewed: the map holds the tokens
    // in use, and the refresh reads only those.
    std::erase_if(by_token_id_, [&](const auto& e) { return e.second.until <= now || e.second.used + ttl_ <= now; });
    for (const auto& [id, entry] : by_token_id_) ids.push_back(id);
  }
  if (ids.empty()) return;
  std::vector<HostTokenRecord> records;
  try {
    records = store_.find_host_tokens(ids);
  } catch (const std::exception& e) {
    spdlog::warn("host tokens not re-read (kept until they expire): {}", e.what());
    return;
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::unordered_map<std::string, const HostTokenRecord*> found;
  for (const HostTokenRecord& r : records) found[r.token_id] = &r;
  for (const std::string& id : ids) {
    auto it = by_token_id_.find(id);
    if (it == by_token_id_.end()) continue;
    auto f = found.find(id);
    if (f == found.end() || f->second->revoked || f->second->host_id != it->second.host_id ||
        !same_hash(f->second->secret_hash, it->second.secret_hash)) {
      by_token_id_.erase(it);
    } else {
      it->second.until = now + ttl_;
    }
  }
}

}  // namespace sandnet::api
