// The reconciler's DatapathPort on the real kernel: the loader's Datapath, rtnetlink and the
// host channel's addresses and routes.
#pragma once
#include "loader/datapath.h"
#include "sync/datapath_port.h"

namespace sandnet::sync {

class KernelDatapath final : public DatapathPort {
 public:
  explicit KernelDatapath(dp::Datapath& datapath) : dp_(datapath) {}

  dp::ApplyResult apply(const dp::DesiredState& desired, const std::set<std::string>& release,
                        const dp::DesiredDelta* delta) override;
  bool holds(uint32_t ifindex) const override;
  std::optional<netlink::LinkIdentity> query_link(const std::string& name) override;
  int set_link_alias(uint32_t ifindex, const std::string& alias) override;
  void open_host_channel(const std::string& tap, const std::string& guest_ip,
                         const std::string& host_link_local) override;
  void close_host_channel(const std::string& tap, const std::string& guest_ip,
                          const std::string& host_link_local) override;

 private:
  dp::Datapath& dp_;
};

}  // namespace sandnet::sync
