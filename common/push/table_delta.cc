#include "common/push/table_delta.h"

#include <stdexcept>

namespace sandnet::table_push {
namespace {

class Writer {
 public:
  void u8(uint8_t v) { out.push_back(v); }
  void u16(uint16_t v) {
    u8(static_cast<uint8_t>(v >> 8));
    u8(static_cast<uint8_t>(v));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  }
  void u64(uint64_t v) {
    u32(static_cast<uint32_t>(v >> 32));
    u32(static_cast<uint32_t>(v));
  }
  void text(const std::string& s) {
    if (s.size() > 255) throw std::length_error("name longer than 255 bytes");
    u8(static_cast<uint8_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  }
  std::vector<unsigned char> out;
};

// Every read checks the bytes left first; a failed read poisons the reader.
class Reader {
 public:
  explicit Reader(std::span<const unsigned char> b) : b_(b) {}
  bool ok() const { return ok_; }
  size_t left() const { return ok_ ? b_.size() - at_ : 0; }
  uint64_t uint(int bytes) {
    if (!take(static_cast<size_t>(bytes))) return 0;
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | b_[at_ - static_cast<size_t>(bytes) + static_cast<size_t>(i)];
    return v;
  }
  std::string text() {
    size_t n = static_cast<size_t>(uint(1));
    if (!take(n)) return {};
    return std::string(reinterpret_cast<const char*>(b_.data() + at_ - n), n);
  }
  void bytes(unsigned char* out, size_t n) {
    if (take(n)) std::copy(b_.begin() + static_cast<std::ptrdiff_t>(at_ - n), b_.begin() + static_cast<std::ptrdiff_t>(at_), out);
  }

 private:
  bool take(size_t n) {
    if (!ok_ || n > b_.size() - at_) return ok_ = false;
    at_ += n;
    return true;
  }
  std::span<const unsigned char> b_;
  size_t at_ = 0;
  bool ok_ = true;
};

}  // namespace

std::vector<unsigned char> encode_delta(const TableDelta& d) {
  Writer w;
  w.u64(d.base_generation);
  w.u64(d.generation);
  w.u32(static_cast<uint32_t>(d.removed.size()));
  w.u32(static_cast<uint32_t>(d.upserted.size()));
  for (auto& name : d.removed) w.text(name);
  for (auto& p : d.upserted) {
    if (p.networks.size() > 0xffff) throw std::length_error("more than 65535 networks");
    w.text(p.name);
    w.out.insert(w.out.end(), p.ipv4.begin(), p.ipv4.end());
    w.u16(static_cast<uint16_t>(p.networks.size()));
    for (auto& n : p.networks) w.text(n);
  }
  return std::move(w.out);
}

std::optional<TableDelta> parse_delta(std::span<const unsigned char> bytes) {
  Reader r(bytes);
  TableDelta d;
  d.base_generation = r.uint(8);
  d.generation = r.uint(8);
  auto removed = static_cast<size_t>(r.uint(4));
  auto upserted = static_cast<size_t>(r.uint(4));
  // Each removal takes at least 1 byte and each upsert at least 7: counts the bytes cannot
  // hold are refused before anything is reserved.
  if (!r.ok() || removed > r.left() || upserted > r.left() / 7) return std::nullopt;
  d.removed.reserve(removed);
  for (size_t i = 0; i < removed && r.ok(); ++i) d.removed.push_back(r.text());
  d.upserted.reserve(upserted);
  for (size_t i = 0; i < upserted && r.ok(); ++i) {
    DeltaPeer p;
    p.name = r.text();
    r.bytes(p.ipv4.data(), p.ipv4.size());
    auto nets = static_cast<size_t>(r.uint(2));
    if (nets > r.left()) return std::nullopt;
    p.networks.reserve(nets);
    for (size_t n = 0; n < nets && r.ok(); ++n) p.networks.push_back(r.text());
    d.upserted.push_back(std::move(p));
  }
  if (!r.ok() || r.left() != 0) return std::nullopt;
  return d;
}

}  // namespace sandnet::table_push
