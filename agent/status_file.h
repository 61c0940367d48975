// <run-dir>/status.json, rewritten atomically after every load attempt so
// that tests and operators know which state file is live.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sandnet::dp {

struct AgentStatus {
  uint64_t generation = 0;
  std::string applied_sha256;  // of the state-file bytes applied last (kept on failure)
  bool ok = false;
  std::string error;
  std::vector<std::string> warnings;
  size_t map_writes = 0;
};

std::string sha256_hex(std::string_view bytes);
// common/atomic_file.h; throws std::system_error (std::filesystem_error for run_dir).
void write_status_file(const std::string& run_dir, const AgentStatus& status);

}  // namespace sandnet::dp
