#include "api/host_auth.h"

#include "api/auth.h"
#include "api/host_registry.h"

namespace sandnet::api {

std::string issue_host_token(Store& store, const std::string& host_id) {
  register_host(store, host_id, "");  // a host with a token is registered (keeps its underlay)
  NewToken t = new_token("ht");
  store.add_host_token(host_id, t.key_id, t.secret_hash);
  return t.token;
}

std::optional<std::string> authenticate_host(Store& store, std::string_view token) {
  std::optional<TokenParts> parts = parse_token(token, "ht");
  if (!parts) return std::nullopt;
  std::optional<HostTokenRecord> record = store.find_host_token(parts->key_id);
  if (!record || record->revoked || !same_hash(parts->secret_hash, record->secret_hash)) {
    return std::nullopt;
  }
  return record->host_id;
}

}  // namespace sandnet::api
