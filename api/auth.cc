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

IssuedKey issue_api_key(Store& store, UserId user) {
  std::string key_id = to_hex(random_bytes(kKeyIdBytes));
  std::string secret = random_bytes(kSecretBytes);
  store.add_api_key(user, key_id, sha256(secret));
  return {key_id, "sk_" + key_id + "_" + to_hex(secret)};
}

std::optional<UserId> authenticate(Store& store, std::string_view token) {
  // "sk_" + 16 hex + "_" + 64 hex
  constexpr size_t kIdLen = kKeyIdBytes * 2, kSecretLen = kSecretBytes * 2;
  if (token.size() != 3 + kIdLen + 1 + kSecretLen || token.substr(0, 3) != "sk_" ||
      token[3 + kIdLen] != '_') {
    return std::nullopt;
  }
  std::string_view key_id = token.substr(3, kIdLen);
  std::string_view secret_hex = token.substr(3 + kIdLen + 1);
  if (!is_lower_hex(key_id) || !is_lower_hex(secret_hex)) return std::nullopt;
  std::optional<ApiKeyRecord> record = store.find_api_key(std::string(key_id));
  if (!record || record->revoked) return std::nullopt;
  std::string presented = sha256(from_hex(secret_hex));
  if (presented.size() != record->secret_hash.size() ||
      CRYPTO_memcmp(presented.data(), record->secret_hash.data(), presented.size()) != 0) {
    return std::nullopt;
  }
  return record->user_id;
}

}  // namespace sandnet::api
