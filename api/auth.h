// API keys. A key is shown once, as "sk_<key id>_<secret>": the key id (16 hex chars) is the
// lookup handle, the secret (32 random bytes, 64 hex chars) is stored only as its SHA-256
// and compared in constant time.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "api/store.h"

namespace sandnet::api {

struct IssuedKey {
  std::string key_id;
  std::string token;  // the full "sk_..." string to hand to the user
};

// Creates a key for the user and stores its hash.
IssuedKey issue_api_key(Store& store, UserId user);

// The user a token belongs to, or nullopt (malformed, unknown, revoked or wrong secret).
std::optional<UserId> authenticate(Store& store, std::string_view token);

// Tokens of every scope share one format: "<prefix>_<key id>_<secret>" (prefix "sk" for
// user keys, "ht" for host tokens). A new one, with the hash to store:
struct NewToken {
  std::string key_id;
  std::string secret_hash;
  std::string token;
};
NewToken new_token(std::string_view prefix);

// Splits a well-formed token of this prefix into its key id and the SHA-256 of its secret.
struct TokenParts {
  std::string key_id;
  std::string secret_hash;
};
std::optional<TokenParts> parse_token(std::string_view token, std::string_view prefix);

// Constant-time comparison of two stored/presented hashes.
bool same_hash(std::string_view a, std::string_view b);

// Raw SHA-256 of the input (also used for Idempotency-Key request fingerprints).
std::string sha256(std::string_view data);
std::string to_hex(std::string_view bytes);

}  // namespace sandnet::api
