// Runs the real sandnetctl binary with a controlled environment and captures its output.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace sandnet::test {

struct CtlResult {
  int exit_status = -1;
  std::string out, err;
};

// Runs `sandnetctl ARGS...` with only the given environment (plus PATH), so the caller's
// SANDNET_API_* and HOME cannot leak in. Output is captured through temporary files.
CtlResult run_sandnetctl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env);

}  // namespace sandnet::test
