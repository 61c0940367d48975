#include "loader/tap_fence.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/netlink/link_admin.h"
#include "common/netlink/link_identity.h"

namespace sandnet::dp {

TapFence::TapFence(std::string dir) : dir_(std::move(dir)) {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  for (auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    auto ifindex = static_cast<uint32_t>(std::strtoul(entry.path().filename().c_str(), nullptr, 10));
    bool exists = false;
    try {
      exists = netlink::query_link(ifindex).has_value();
    } catch (const std::exception&) {
      exists = true;  // cannot tell: keep the record
    }
    if (exists) fenced_.insert(ifindex);
    else rmdir(entry.path().c_str());
  }
}

std::string TapFence::record(uint32_t ifindex) const { return fmt::format("{}/{}", dir_, ifindex); }

std::string TapFence::fence(uint32_t ifindex) {
  std::optional<netlink::LinkIdentity> link;
  try {
    link = netlink::query_link(ifindex);
  } catch (const std::exception& e) {
    return e.what();
  }
  if (!link) return "no such device";
  if (!link->up) return "";  // down already, and not ours to bring up later
  // The record first: a fence the agent cannot find again would keep the tap down for good.
  if (mkdir(record(ifindex).c_str(), 0700) != 0 && errno != EEXIST)
    return fmt::format("cannot record the fence in {}: {}", dir_, std::strerror(errno));
  fenced_.insert(ifindex);
  if (int e = netlink::set_link_up(ifindex, false); e != 0) return fmt::format("set down: {}", std::strerror(e));
  spdlog::warn("tap ifindex {} set down: it has no sandnet program", ifindex);
  return "";
}

bool TapFence::lift(uint32_t ifindex) {
  if (!fenced_.count(ifindex)) return true;
  if (int e = netlink::set_link_up(ifindex, true); e != 0 && e != ENODEV) {
    spdlog::error("tap ifindex {}: its programs are attached but it stays down: {}", ifindex, std::strerror(e));
    return false;
  }
  forget(ifindex);
  spdlog::info("tap ifindex {} up again: its programs are attached", ifindex);
  return true;
}

void TapFence::forget(uint32_t ifindex) {
  if (fenced_.erase(ifindex)) rmdir(record(ifindex).c_str());
}

}  // namespace sandnet::dp
