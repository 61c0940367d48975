#include "api/apply_wait.h"

#include <chrono>

namespace sandnet::api {

ApplyTarget apply_target(ReadTx& tx, const std::string& sandbox_id,
                         const std::string& network_id, int64_t revision) {
  ApplyTarget t{revision, tx.member_hosts(network_id)};
  if (std::optional<ViewSandbox> sb = tx.view_sandbox(sandbox_id); sb && !sb->host.empty()) {
    t.hosts.push_back(sb->host);
  }
  return t;
}

nlohmann::json wait_for_applied(RouteEnv& env, const ApplyTarget& target, int64_t timeout_s,
                                const std::string& caller) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  WaitSlots::Slot slot(env.wait_slots, caller);
  std::vector<std::string> pending =
      env.applied.wait(target.hosts, target.revision,
                       slot.acquired() ? deadline : std::chrono::steady_clock::now());
  if (pending.empty()) return {{"ok", true}, {"applied", true}};
  return {{"ok", true}, {"applied", false}, {"pending_hosts", pending}};
}

}  // namespace sandnet::api
