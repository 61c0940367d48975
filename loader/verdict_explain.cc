#include "loader/verdict_explain.h"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <vector>

#include "loader/net_addr.h"

namespace sandnet::dp {
namespace {

VerdictExplanation drop(unsigned reason, std::string detail) {
  return {false, reason, "", std::move(detail)};
}

}  // namespace

VerdictExplanation explain_verdict(const MapImage& img, const sn_config& cfg, uint32_t src,
                                   uint32_t dst) {
  auto src_text = format_ipv4(src), dst_text = format_ipv4(dst);
  auto in_overlay = [&](uint32_t a) { return (a & cfg.overlay_mask) == cfg.overlay_net; };
  auto s = img.endpoints.find(src);
  if (s == img.endpoints.end() || s->second.ifindex == 0 || !img.taps.count(s->second.ifindex))
    return drop(SN_DROP_SPOOF_IP, fmt::format("{} is not a local endpoint: no tap sends from it", src_text));
  const sn_tap& tap = img.taps.at(s->second.ifindex);
  if (dst == cfg.host_ll)
    return {true, 0, "", fmt::format("{} is the host link-local address: replies only", dst_text)};
  if (!in_overlay(dst))
    return drop(SN_DROP_OVERLAY_TO_OUTSIDE, fmt::format("{} is outside the overlay", dst_text));
  auto d = img.endpoints.find(dst);
  if (d == img.endpoints.end())
    return drop(SN_DROP_NO_ENDPOINT, fmt::format("{} has no endpoint", dst_text));
  if (tap.set_id == 0) return drop(SN_DROP_NO_NETWORK, fmt::format("{} is in no network", src_text));
  if (d->second.set_id == 0)
    return drop(SN_DROP_NO_NETWORK, fmt::format("{} is in no network", dst_text));
  // The program tests the reach bit; the allowing network is the smallest
  // one the two sets share (named for the operator, not used by the program).
  if (!reaches(img, tap, d->second.set_id))
    return drop(SN_DROP_NO_SHARED_NETWORK,
                fmt::format("{} (set {}) and {} (set {}) share no network", src_text, tap.set_id,
                            dst_text, d->second.set_id));
  if (d->second.host_id != 0 || d->second.ifindex == 0)
    return drop(SN_DROP_REMOTE_HOST, fmt::format("{} lives on another host", dst_text));
  std::optional<uint32_t> shared;
  auto src_nets = img.set_nets.find(tap.set_id), dst_nets = img.set_nets.find(d->second.set_id);
  if (src_nets != img.set_nets.end() && dst_nets != img.set_nets.end()) {
    std::vector<uint32_t> both;
    std::set_intersection(src_nets->second.begin(), src_nets->second.end(), dst_nets->second.begin(),
                          dst_nets->second.end(), std::back_inserter(both));
    if (!both.empty()) shared = both.front();
  }
  if (!shared)  // a bit without a shared network: the maps disagree (mid-update or corrupt)
    return {true, 0, "", "allowed by the reach bit, but the two sets share no network in set_nets"};
  auto net = img.networks.find(*shared);
  std::string net_id = net == img.networks.end() ? fmt::format("#{}", *shared) : net->second;
  return {true, 0, net_id, fmt::format("allowed by network {}", net_id)};
}

}  // namespace sandnet::dp
