#include "agent/status_file.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "common/atomic_file.h"

namespace sandnet::dp {

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("sha256 failed");
  std::string hex;
  for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

void write_status_file(const std::string& run_dir, const AgentStatus& s) {
  nlohmann::json j = {{"generation", s.generation}, {"applied_sha256", s.applied_sha256},
                      {"ok", s.ok},                 {"error", s.error},
                      {"warnings", s.warnings},     {"map_writes", s.map_writes}};
  std::filesystem::create_directories(run_dir);
  replace_file_atomically(std::filesystem::path(run_dir) / "status.json", j.dump(2) + "\n", 0644);
}

}  // namespace sandnet::dp
