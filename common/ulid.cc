#include "common/ulid.h"

#include <sys/random.h>

#include <chrono>
#include <cstring>
#include <mutex>
#include <stdexcept>

namespace sandnet {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void fill_random(uint8_t* out, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = getrandom(out + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("getrandom failed");
    }
    got += static_cast<size_t>(r);
  }
}

// Increments the 80-bit big-endian random part; false on overflow.
bool increment(uint8_t r[10]) {
  for (int i = 9; i >= 0; --i) {
    if (++r[i] != 0) return true;
  }
  return false;
}

bool is_crockford(char c) {
  return c != '\0' && std::strchr(kAlphabet, c) != nullptr;
}

}  // namespace

std::string encode_ulid(uint64_t unix_ms, const uint8_t random[10]) {
  uint8_t bytes[16];
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<uint8_t>(unix_ms >> (8 * (5 - i)));
  std::memcpy(bytes + 6, random, 10);
  // 128 bits -> 26 chars of 5 bits, the first char carrying the top 3 bits.
  std::string out(26, '0');
  unsigned __int128 v = 0;
  for (uint8_t b : bytes) v = (v << 8) | b;
  for (int i = 25; i >= 0; --i) {
    out[i] = kAlphabet[static_cast<unsigned>(v & 31)];
    v >>= 5;
  }
  return out;
}

std::string new_ulid() {
  static std::mutex mu;
  static uint64_t last_ms = 0;
  static uint8_t last_rand[10];
  uint64_t now = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
  std::lock_guard<std::mutex> lock(mu);
  if (now <= last_ms) {
    now = last_ms;
    if (!increment(last_rand)) {  // 2^80 ids in one ms: move to the next ms instead.
      ++now;
      fill_random(last_rand, sizeof last_rand);
    }
  } else {
    fill_random(last_rand, sizeof last_rand);
  }
  last_ms = now;
  return encode_ulid(now, last_rand);
}

bool is_ulid(std::string_view s) {
  if (s.size() != 26 || s[0] < '0' || s[0] > '7') return false;
  for (char c : s) {
    if (!is_crockford(c)) return false;
  }
  return true;
}

std::string new_network_id() { return "net-" + new_ulid(); }
std::string new_sandbox_id() { return "sb_" + new_ulid(); }

bool is_network_id(std::string_view s) {
  return s.size() == 30 && s.substr(0, 4) == "net-" && is_ulid(s.substr(4));
}
bool is_sandbox_id(std::string_view s) {
  return s.size() == 29 && s.substr(0, 3) == "sb_" && is_ulid(s.substr(3));
}

}  // namespace sandnet
