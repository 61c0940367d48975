// What the reconciler needs of the host's kernel, as one interface: the datapath (loader/), the
// devices the runtime names, and the link-local channel to each guest. KernelDatapath
// (sync/kernel_datapath.h) is the real one; tests/sync/reconciler_test.cc injects its own, so
// the reconciler's ordering and error handling are unit-tested without a kernel (as Katran's
// KatranLb takes its BaseBpfAdapter).
#pragma once
#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "common/netlink/link_identity.h"
#include "loader/datapath.h"
#include "loader/desired_delta.h"
#include "loader/desired_state.h"

namespace sandnet::sync {

class DatapathPort {
 public:
  virtual ~DatapathPort() = default;

  // dp::Datapath::apply(): throws when the state is refused or failed as a whole; taps in
  // `release` (an explicit unplug) are the only ones that may lose their programs. `delta`: what
  // changed in `desired` since the last apply (nullptr: unknown).
  virtual dp::ApplyResult apply(const dp::DesiredState& desired, const std::set<std::string>& release,
                                const dp::DesiredDelta* delta) = 0;
  // dp::Datapath::holds(): device `ifindex` carries what an agent put there.
  virtual bool holds(uint32_t ifindex) const = 0;

  // netlink::query_link(): the device called `name` now; nullopt when there is none. Throws
  // when the kernel cannot be asked.
  virtual std::optional<netlink::LinkIdentity> query_link(const std::string& name) = 0;
  // netlink::set_link_alias(): 0 or the positive errno.
  virtual int set_link_alias(uint32_t ifindex, const std::string& alias) = 0;

  // sync/host_channel.h: throws std::system_error; closing is best effort.
  virtual void open_host_channel(const std::string& tap, const std::string& guest_ip,
                                 const std::string& host_link_local) = 0;
  virtual void close_host_channel(const std::string& tap, const std::string& guest_ip,
                                  const std::string& host_link_local) = 0;
};

}  // namespace sandnet::sync
