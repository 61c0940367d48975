#include "loader/host_plan.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace sandnet::dp {

namespace {

std::set<std::string_view> owning_remote(const DesiredState& desired) {
  std::set<std::string_view> owning;
  for (auto& e : desired.endpoints)
    if (!e.local()) owning.insert(e.host);
  return owning;
}

}  // namespace

HostPlan::HostPlan(const DesiredState& desired, const Capacity& capacity, std::vector<std::string>& warnings)
    : HostPlan(
          desired.hosts,
          [owning = owning_remote(desired)](std::string_view id) { return owning.count(id) != 0; }, capacity,
          warnings) {}

HostPlan::HostPlan(const std::vector<HostSpec>& listed, const std::function<bool(std::string_view)>& owns_remote,
                   const Capacity& capacity, std::vector<std::string>& warnings) {
  std::vector<const HostSpec*> hosts;
  for (auto& h : listed)
    if (owns_remote(h.id)) hosts.push_back(&h);
  std::sort(hosts.begin(), hosts.end(), [](auto* a, auto* b) { return a->number < b->number; });
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (i >= capacity.max_hosts) {
      warnings.push_back(fmt::format("host {} (number {}) over capacity (config max_hosts = {}): its endpoints "
                                     "get no tunnel",
                                     hosts[i]->id, hosts[i]->number, capacity.max_hosts));
      continue;
    }
    in_maps_.emplace(hosts[i]->id, hosts[i]);
  }
}

uint32_t HostPlan::host_id(const EndpointSpec& endpoint) const {
  if (endpoint.local()) return 0;
  if (auto it = in_maps_.find(endpoint.host); it != in_maps_.end()) return it->second->number;
  uint32_t h = 2166136261u;  // FNV-1a of the name: stable, and never a host number
  for (unsigned char ch : endpoint.host) h = (h ^ ch) * 16777619u;
  return h | 0x80000000u;
}

void HostPlan::fill(MapImage& target) const {
  for (auto& [_, h] : in_maps_) {
    target.hosts[h->number] = sn_host{h->underlay_be, 0};
    target.underlay_hosts[h->underlay_be] = h->number;
  }
}

void HostPlan::put_ops(const MapImage& current, const MapImage& target, std::vector<MapOp>& ops) {
  for (auto& [number, host] : target.hosts) {
    auto it = current.hosts.find(number);
    if (it == current.hosts.end() || !same_bytes(it->second, host)) ops.push_back(PutHost{number, host});
  }
  for (auto& [ip, number] : target.underlay_hosts) {
    auto it = current.underlay_hosts.find(ip);
    if (it == current.underlay_hosts.end() || it->second != number) ops.push_back(PutUnderlayHost{ip, number});
  }
}

void HostPlan::delete_ops(const MapImage& current, const MapImage& target, std::vector<MapOp>& ops) {
  // The underlay address first: from then on nothing from that host is accepted.
  for (auto& [ip, _] : current.underlay_hosts)
    if (!target.underlay_hosts.count(ip)) ops.push_back(DelUnderlayHost{ip});
  for (auto& [number, _] : current.hosts)
    if (!target.hosts.count(number)) ops.push_back(DelHost{number});
}

}  // namespace sandnet::dp
