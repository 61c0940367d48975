#include "api/placement.h"

#include <fmt/format.h>

#include "api/api_error.h"

namespace sandnet::api {

namespace {

bool runs_on_a_host(const std::string& status, const std::string& host) {
  return status == "running" && !host.empty();
}

ViewSandbox existing(ReadTx& tx, const std::string& sandbox_id) {
  std::optional<ViewSandbox> sb = tx.view_sandbox(sandbox_id);
  if (!sb) throw not_found("sandbox");
  return *sb;
}

}  // namespace

void check_deletable(const Sandbox& sandbox) {
  if (!runs_on_a_host(sandbox.status, sandbox.host)) return;
  throw ApiError(409, "sandbox_plugged",
                 fmt::format("sandbox '{}' is plugged on host '{}'; unplug it there first "
                             "(the VM runtime, or sandnetctl unplug on that host)",
                             sandbox.name, sandbox.host),
                 {{"host", sandbox.host}});
}

void plug_on(WriteTx& tx, const std::string& host, const std::string& sandbox_id,
             const std::string& mac) {
  ViewSandbox sb = existing(tx, sandbox_id);
  if (runs_on_a_host(sb.status, sb.host) && sb.host != host) {
    throw ApiError(409, "plugged_elsewhere",
                   "sandbox is plugged on another host; it must be unplugged there first");
  }
  tx.set_sandbox_status(sandbox_id, host, "running", mac);
}

void unplug_on(WriteTx& tx, const std::string& host, const std::string& sandbox_id) {
  ViewSandbox sb = existing(tx, sandbox_id);
  if (sb.host != host) {
    throw ApiError(409, "not_plugged_here", "sandbox is not plugged on this host");
  }
  tx.set_sandbox_status(sandbox_id, host, "stopped");
}

}  // namespace sandnet::api
