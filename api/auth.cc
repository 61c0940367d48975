#include "api/auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace sandnet::api {
namespace {

constexpr size_t kKeyIdBytes = 8;
constexpr size_t kSecretBytes = 32;

std::string random_bytes(size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string from_hex(std::string_view hex) {
  std::string out(hex.size() / 2, '\0');
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<char>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
  }
  return out;
}

}  // namespace

std::string sha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  return std::string(reinterpret_cast<char*>(digest), len);
}

std::string to_hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

NewToken new_token(std::string_view prefix) {
  std::string key_id = to_hex(random_bytes(kKeyIdBytes));
  std::string secret = random_bytes(kSecretBytes);
  return {key_id, sha256(secret), std::string(prefix) + "_" + key_id + "_" + to_hex(secret)};
}

std::optional<TokenParts> parse_token(std::string_view token, std::string_view prefix) {
  // "<prefix>_" + 16 hex + "_" + 64 hex
  constexpr size_t kIdLen = kKeyIdBytes * 2, kSecretLen = kSecretBytes * 2;
  const size_t head = prefix.size() + 1;
  if (token.size() != head + kIdLen + 1 + kSecretLen || token.substr(0, prefix.size()) != prefix ||
      token[prefix.size()] != '_' || token[head + kIdLen] != '_') {
    return std::nullopt;
  }
  std::string_view key_id = token.substr(head, kIdLen);
  std::string_view secret_hex = token.substr(head + kIdLen + 1);
  if (!is_lower_hex(key_id) || !is_lower_hex(secret_hex)) return std::nullopt;
  return TokenParts{std::string(key_id), sha256(from_hex(secret_hex))};
}

bool same_hash(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

IssuedKey issue_api_key(Store& store, UserId user) {
  NewToken t = new_token("sk");
  store.add_api_key(user, t.key_id, t.secret_hash);
  return {t.key_id, t.token};
}

std::optional<UserId> authenticate(Store& store, std::string_view token) {
  std::optional<TokenParts> parts = parse_token(token, "sk");
  if (!parts) return std::nullopt;
  std::optional<ApiKeyRecord> record = store.find_api_key(parts->key_id);
  if (!record || record->revoked || !same_hash(parts->secret_hash, record->secret_hash)) {
    return std::nullopt;
  }
  return record->user_id;
}

}  // namespace sandnet::api
