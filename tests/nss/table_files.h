// Test helpers: build small tables and place them the way guestd does (temp + rename).
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "common/hosts_table/hosts_table.hpp"
#include "guestd/table_file.h"

namespace sandnet::nss_test {

// A private temporary directory, removed with everything in it.
struct TempDir {
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sandnet-nss-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::filesystem::path path;
};

inline void write_bytes(const std::filesystem::path& path, const std::vector<unsigned char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// Replaces the table exactly as guestd does (rename, then mark the old file superseded).
inline void replace_file(const std::filesystem::path& path, const std::vector<unsigned char>& bytes) {
  guestd::replace_table_file(path, bytes);
}

// The peers every NSS test uses: brave-otter (dev, prod), calm-heron (dev), me (prod).
inline std::vector<unsigned char> standard_table(unsigned char otter_last_octet = 5) {
  hosts_table::Builder b;
  b.add_peer("brave-otter", {10, 42, 0, otter_last_octet}, {"dev", "prod"});
  b.add_peer("calm-heron", {10, 42, 0, 7}, {"dev"});
  b.add_peer("me", {10, 42, 1, 2}, {"prod"});
  return b.finish();
}

}  // namespace sandnet::nss_test
