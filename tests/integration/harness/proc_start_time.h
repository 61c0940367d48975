// A process's start time (field 22 of /proc/<pid>/stat): with the pid it names one process
// for good, so cleanup never kills a pid that was recycled for someone else's process.
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace sandnet::testing {

// 0 when the process does not exist.
inline uint64_t proc_start_time(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return 0;
  // The command name (field 2) may contain spaces and parentheses: parse after the last ')'.
  auto close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) return 0;
  std::istringstream rest(stat.substr(close_paren + 2));
  std::string field;
  for (int i = 3; i <= 22; ++i) {
    if (!(rest >> field)) return 0;
  }
  return std::stoull(field);
}

}  // namespace sandnet::testing
