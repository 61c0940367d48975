#include "api/feed_bookkeeping.h"

namespace sandnet::api {

MembershipEffect membership_effect(const HostCounts& others, const std::string& host) {
  MembershipEffect e;
  for (const auto& [h, count] : others) e.touched.insert(h);
  if (!host.empty()) {
    e.view_edge = !e.touched.count(host);
    e.touched.insert(host);
  }
  return e;
}

MoveEffect move_effect(const HostCounts& before, const std::string& old_host,
                       const std::string& new_host) {
  MoveEffect e;
  for (const auto& [h, count] : before) {
    if (h != old_host || count > 1) e.others.insert(h);
  }
  if (old_host != new_host) {
    e.enters_new = !new_host.empty() && !e.others.count(new_host);
    e.leaves_old = !old_host.empty() && !e.others.count(old_host);
  }
  return e;
}

}  // namespace sandnet::api
