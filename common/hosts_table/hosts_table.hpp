// C++ convenience over the C hosts-table API, for the agent and sandnet-guestd.
#pragma once

#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/hosts_table/hosts_table.h"

namespace sandnet::hosts_table {

struct Error : std::runtime_error {
  explicit Error(int code)
      : std::runtime_error(sandnet_hosts_table_strerror(code)), code(code) {}
  int code;
};

// Builds a table image. Addresses are IPv4 in network byte order.
class Builder {
 public:
  Builder() : builder_(sandnet_hosts_builder_new(), &sandnet_hosts_builder_free) {
    if (!builder_) throw Error(SANDNET_HT_ERR_NO_MEMORY);
  }
  void add(const std::string& name, const std::array<unsigned char, 4>& ipv4) {
    check(sandnet_hosts_builder_add(builder_.get(), name.c_str(), ipv4.data()));
  }
  void add_peer(const std::string& bare, const std::array<unsigned char, 4>& ipv4,
                const std::vector<std::string>& networks) {
    std::vector<const char*> nets;
    nets.reserve(networks.size());
    for (const auto& n : networks) nets.push_back(n.c_str());
    check(sandnet_hosts_builder_add_peer(builder_.get(), bare.c_str(), ipv4.data(), nets.data(),
                                         nets.size()));
  }
  void set_generation(uint64_t generation) {
    sandnet_hosts_builder_set_generation(builder_.get(), generation);
  }
  std::vector<unsigned char> finish() {
    unsigned char* image = nullptr;
    size_t size = 0;
    check(sandnet_hosts_builder_finish(builder_.get(), &image, &size));
    std::vector<unsigned char> out(image, image + size);
    free(image);
    return out;
  }

 private:
  static void check(int rc) {
    if (rc != SANDNET_HT_OK) throw Error(rc);
  }
  std::unique_ptr<sandnet_hosts_builder, void (*)(sandnet_hosts_builder*)> builder_;
};

// A validated, non-owning view; the bytes must outlive it.
class View {
 public:
  // Returns SANDNET_HT_OK or the reason the bytes are not a valid table.
  int open(std::span<const unsigned char> bytes) {
    return sandnet_hosts_table_open(bytes.data(), bytes.size(), &table_);
  }
  uint32_t size() const { return table_.name_count; }
  uint64_t generation() const { return table_.generation; }
  const sandnet_hosts_table* get() const { return &table_; }

 private:
  sandnet_hosts_table table_{};
};

}  // namespace sandnet::hosts_table
