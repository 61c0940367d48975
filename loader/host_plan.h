// The planner's part for the overlay between hosts (layout v7): which hosts the maps know
// (hosts: number -> underlay address; underlay_hosts: the reverse) and the host id each remote
// endpoint entry carries. Kernel-free, like the rest of the plan.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "loader/agent_config.h"
#include "loader/desired_state.h"
#include "loader/map_image.h"
#include "loader/map_ops.h"

namespace sandnet::dp {

class HostPlan {
 public:
  // The hosts of `desired` that own a remote endpoint, at most capacity.max_hosts of them
  // (lowest numbers first; the rest are named in `warnings`: their endpoints get no tunnel).
  HostPlan(const DesiredState& desired, const Capacity& capacity, std::vector<std::string>& warnings);
  // The same from the host list and whether a host owns a remote endpoint, for a planner that
  // keeps that count (loader/incremental_planner.h) instead of walking the endpoints.
  HostPlan(const std::vector<HostSpec>& hosts, const std::function<bool(std::string_view)>& owns_remote,
           const Capacity& capacity, std::vector<std::string>& warnings);

  // What an endpoint entry's host_id holds: 0 for a local one, the host's number for a host
  // in the maps, else a value no host number takes (bit 31 set): traffic to it has no tunnel
  // and drops (NO_REMOTE_HOST), and no frame is accepted from it.
  uint32_t host_id(const EndpointSpec& endpoint) const;

  // The hosts in the maps, by id: each of their endpoints carries its number; an endpoint on
  // any other host carries that host's hash (host_id()).
  const std::unordered_map<std::string_view, const HostSpec*>& in_maps() const { return in_maps_; }

  // Fills target.hosts and target.underlay_hosts.
  void fill(MapImage& target) const;

  // Before any endpoint is written: the hosts it may point at. After every endpoint delete:
  // the hosts nothing points at any more.
  static void put_ops(const MapImage& current, const MapImage& target, std::vector<MapOp>& ops);
  static void delete_ops(const MapImage& current, const MapImage& target, std::vector<MapOp>& ops);

 private:
  std::unordered_map<std::string_view, const HostSpec*> in_maps_;
};

}  // namespace sandnet::dp
