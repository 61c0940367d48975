// The same peer set written twice: as a sandnet hosts table and as an /etc/hosts file.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace sandnet::nss_bench {

struct Dataset {
  size_t entries = 0;                   // names (each peer has a bare and a qualified name)
  std::filesystem::path table_file;
  std::filesystem::path hosts_file;
  std::vector<std::string> hit_names;   // present names spread over the whole set
  std::vector<std::string> miss_names;  // names in no table
};

// Writes both files for `entries` names into `dir`.
Dataset make_dataset(size_t entries, const std::filesystem::path& dir);

}  // namespace sandnet::nss_bench
