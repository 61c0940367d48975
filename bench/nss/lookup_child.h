// One measurement: a fresh child process (glibc caches nsswitch.conf per process) in its own
// mount namespace with the configuration under test, timing getaddrinfo() in a loop.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/nss/bench_dataset.h"

namespace sandnet::nss_bench {

enum class Source { kFloor, kSandnet, kFiles };
std::string to_string(Source source);

struct Modules {
  std::filesystem::path sandnet;
  std::filesystem::path sbconst;
};

struct Measurement {
  double ns_per_lookup = 0;
  long lookups = 0;
  long wrong_answers = 0;  // a hit that failed or a miss that resolved
  char error[200] = {};    // set by a child that could not measure
};

// Runs in a forked child; throws std::runtime_error when the child fails.
Measurement measure(Source source, bool hits, const Dataset& dataset, const Modules& modules,
                    const std::filesystem::path& scratch, std::chrono::milliseconds trial);

}  // namespace sandnet::nss_bench
