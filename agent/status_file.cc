#include "agent/status_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "loader/unique_fd.h"

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
  std::string text = j.dump(2) + "\n";
  std::filesystem::create_directories(run_dir);
  std::string final_path = run_dir + "/status.json";
  std::string tmp = final_path + ".tmp";
  UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) throw std::runtime_error(fmt::format("open {}: {}", tmp, std::strerror(errno)));
  if (write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
      fsync(fd.get()) != 0)
    throw std::runtime_error(fmt::format("write {}: {}", tmp, std::strerror(errno)));
  fd.reset();
  if (rename(tmp.c_str(), final_path.c_str()) != 0)
    throw std::runtime_error(fmt::format("rename {}: {}", final_path, std::strerror(errno)));
}

}  // namespace sandnet::dp
