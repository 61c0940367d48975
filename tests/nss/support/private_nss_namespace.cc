#include "tests/nss/support/private_nss_namespace.h"

#include <dlfcn.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mount.h>

#include <cerrno>
#include <fstream>
#include <system_error>

namespace sandnet::nss_test {
namespace {

void check(int rc, const std::string& what) {
  if (rc != 0) throw std::system_error(errno, std::generic_category(), what);
}

void bind_file(const std::filesystem::path& source, const std::filesystem::path& target) {
  check(mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr), "bind " + target.string());
}

}  // namespace

std::filesystem::path system_library_dir() {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&fopen), &info) == 0 || info.dli_fname == nullptr)
    throw std::runtime_error("cannot locate libc");
  return std::filesystem::canonical(info.dli_fname).parent_path();
}

void enter_private_nss_namespace(const PrivateNssConfig& config, const std::filesystem::path& scratch) {
  check(unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)");
  // Nothing we mount from here on propagates back to the host's namespace.
  check(mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), "make / private");

  std::filesystem::create_directories(scratch);
  auto nsswitch = scratch / "nsswitch.conf";
  std::ofstream(nsswitch) << "hosts: " << config.hosts_sources << "\n";
  bind_file(nsswitch, "/etc/nsswitch.conf");
  if (config.etc_hosts) bind_file(*config.etc_hosts, "/etc/hosts");

  if (!config.modules.empty()) {
    // A read-only overlay adds the modules to the system library dir, where glibc's dlopen
    // of "libnss_NAME.so.2" looks, for this namespace only.
    auto overlay = scratch / "nss-modules";
    std::filesystem::create_directories(overlay);
    for (const auto& m : config.modules)
      std::filesystem::copy_file(m, overlay / m.filename(), std::filesystem::copy_options::overwrite_existing);
    auto libdir = system_library_dir();
    std::string options = "lowerdir=" + overlay.string() + ":" + libdir.string();
    check(mount("overlay", libdir.c_str(), "overlay", MS_RDONLY, options.c_str()), "overlay " + libdir.string());
  }
  if (config.private_run) check(mount("tmpfs", "/run", "tmpfs", 0, "mode=0755,size=64m"), "tmpfs /run");
}

}  // namespace sandnet::nss_test
