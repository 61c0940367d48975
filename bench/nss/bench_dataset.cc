#include "bench/nss/bench_dataset.h"

#include <fmt/format.h>

#include <array>
#include <fstream>
#include <random>

#include "common/hosts_table/hosts_table.hpp"

namespace sandnet::nss_bench {

Dataset make_dataset(size_t entries, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  Dataset d;
  d.entries = entries;
  d.table_file = dir / "hosts.table";
  d.hosts_file = dir / "hosts";
  size_t peers = (entries + 1) / 2;
  hosts_table::Builder builder;
  std::ofstream hosts(d.hosts_file);
  hosts << "127.0.0.1\tlocalhost\n";
  for (size_t i = 0; i < peers; i++) {
    std::array<unsigned char, 4> ip = {10, static_cast<unsigned char>(40 + (i >> 16)),
                                       static_cast<unsigned char>(i >> 8), static_cast<unsigned char>(i)};
    std::string bare = fmt::format("peer-{}", i), qualified = bare + ".benchnet";
    builder.add(bare, ip);
    if (2 * i + 1 < entries) builder.add(qualified, ip);
    hosts << fmt::format("{}.{}.{}.{}\t{}", ip[0], ip[1], ip[2], ip[3], bare);
    if (2 * i + 1 < entries) hosts << " " << qualified;
    hosts << "\n";
  }
  auto image = builder.finish();
  std::ofstream(d.table_file, std::ios::binary)
      .write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
  std::mt19937 rng(42);
  for (int k = 0; k < 64; k++) {
    size_t peer = rng() % peers;
    d.hit_names.push_back(fmt::format("peer-{}", peer) + (k % 2 && 2 * peer + 1 < entries ? ".benchnet" : ""));
    d.miss_names.push_back(fmt::format("absent-{}", k));
  }
  return d;
}

}  // namespace sandnet::nss_bench
