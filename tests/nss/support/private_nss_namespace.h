// Puts the calling process into a private mount namespace where glibc's NSS sees a chosen
// nsswitch.conf, /etc/hosts and extra modules, without changing the machine: the mounts
// vanish with the namespace when the process exits, even if a test fails or crashes.
// Shared by the real-glibc tests and bench/nss.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sandnet::nss_test {

struct PrivateNssConfig {
  std::string hosts_sources;                     // the `hosts:` line, e.g. "files sandnet"
  std::vector<std::filesystem::path> modules;    // libnss_*.so.2 files glibc must find by name
  std::optional<std::filesystem::path> etc_hosts;  // file to show as /etc/hosts
  bool private_run = true;                       // empty tmpfs on /run (for /run/sandnet)
};

// Must be called while the process is single-threaded (unshare(CLONE_NEWNS) requires it).
// `scratch` is a directory for the generated nsswitch.conf and the module overlay.
// Throws std::system_error on failure.
void enter_private_nss_namespace(const PrivateNssConfig& config, const std::filesystem::path& scratch);

// The multiarch library directory glibc loads libnss_*.so.2 from (where libc.so.6 lives).
std::filesystem::path system_library_dir();

}  // namespace sandnet::nss_test
