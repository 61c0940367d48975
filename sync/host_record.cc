#include "sync/host_record.h"

#include <fmt/format.h>

#include "common/dns_label.h"
#include "loader/desired_state.h"
#include "loader/net_addr.h"
#include "sync/host_view.h"

namespace sandnet::sync {

using nlohmann::json;

HostRecord parse_host(const json& j) {
  if (!j.is_object()) throw FeedFormatError("host is not an object");
  HostRecord h;
  auto id = j.find("id");
  if (id == j.end() || !id->is_string() || !is_dns_label(id->get_ref<const std::string&>()))
    throw FeedFormatError("host: \"id\" is not a DNS label");
  h.id = id->get<std::string>();
  auto number = j.find("number");
  if (number == j.end() || !number->is_number_integer() || number->get<int64_t>() < 1 ||
      number->get<int64_t>() > int64_t{dp::kMaxHostNumber})
    throw FeedFormatError(fmt::format("host {}: \"number\" is not 1 .. {}", h.id, dp::kMaxHostNumber));
  h.number = number->get<uint32_t>();
  auto underlay = j.find("underlay");
  if (underlay == j.end()) throw FeedFormatError(fmt::format("host {} without \"underlay\"", h.id));
  if (!underlay->is_null()) {
    // Kept in its canonical form, so that equal addresses compare equal.
    auto ip = underlay->is_string() ? dp::parse_ipv4(underlay->get_ref<const std::string&>()) : std::nullopt;
    if (!ip || *ip == 0) throw FeedFormatError(fmt::format("host {}: \"underlay\" is not an IPv4 address", h.id));
    h.underlay = dp::format_ipv4(*ip);
  }
  auto live = j.find("live");
  if (live == j.end() || !live->is_boolean()) throw FeedFormatError(fmt::format("host {}: \"live\" is not a boolean", h.id));
  h.live = live->get<bool>();
  return h;
}

json to_json(const HostRecord& h) {
  return {{"id", h.id}, {"number", h.number}, {"underlay", h.underlay ? json(*h.underlay) : json(nullptr)}, {"live", h.live}};
}

}  // namespace sandnet::sync
