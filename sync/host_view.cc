#include "sync/host_view.h"

#include <fmt/format.h>

namespace sandnet::sync {
namespace {

using nlohmann::json;

const json& field(const json& j, const char* key, json::value_t type, const char* what) {
  auto it = j.find(key);
  if (it == j.end()) throw FeedFormatError(fmt::format("{} without \"{}\"", what, key));
  if (it->type() != type) throw FeedFormatError(fmt::format("{}: \"{}\" has the wrong type", what, key));
  return *it;
}

std::optional<std::string> optional_string(const json& j, const char* key, const char* what) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) throw FeedFormatError(fmt::format("{}: \"{}\" has the wrong type", what, key));
  return it->get<std::string>();
}

std::vector<std::string> string_list(const json& j, const char* key, const char* what) {
  std::vector<std::string> out;
  const json& list = field(j, key, json::value_t::array, what);
  out.reserve(list.size());  // exact: a view keeps these lists (100k members: no 30 % slack)
  for (auto& v : list) {
    if (!v.is_string()) throw FeedFormatError(fmt::format("{}: \"{}\" holds a non-string", what, key));
    out.push_back(v.get<std::string>());
  }
  return out;
}

std::vector<SandboxRecord> sandbox_list(const json& data, const char* key) {
  std::vector<SandboxRecord> out;
  auto it = data.find(key);
  if (it == data.end()) return out;
  if (!it->is_array()) throw FeedFormatError(fmt::format("feed: \"{}\" is not a list", key));
  for (auto& s : *it) out.push_back(parse_sandbox(s));
  return out;
}

std::vector<NetworkRecord> network_list(const json& data, const char* key) {
  std::vector<NetworkRecord> out;
  auto it = data.find(key);
  if (it == data.end()) return out;
  if (!it->is_array()) throw FeedFormatError(fmt::format("feed: \"{}\" is not a list", key));
  for (auto& n : *it) out.push_back(parse_network(n));
  return out;
}

// More hosts than any fleet sandnet is sized for: a longer list is hostile, not a view.
constexpr size_t kMaxFeedHosts = 1 << 16;

std::vector<HostRecord> host_list(const json& data) {
  std::vector<HostRecord> out;
  auto it = data.find("hosts");
  if (it == data.end()) return out;  // an API from before the hosts (issue 17)
  if (!it->is_array()) throw FeedFormatError("feed: \"hosts\" is not a list");
  if (it->size() > kMaxFeedHosts) throw FeedFormatError(fmt::format("feed: more than {} hosts", kMaxFeedHosts));
  for (auto& h : *it) out.push_back(parse_host(h));
  return out;
}

std::vector<std::string> id_list(const json& data, const char* key) {
  if (!data.contains(key)) return {};
  return string_list(data, key, "feed");
}

}  // namespace

SandboxRecord parse_sandbox(const json& j) {
  if (!j.is_object()) throw FeedFormatError("sandbox is not an object");
  SandboxRecord s;
  s.id = field(j, "id", json::value_t::string, "sandbox").get<std::string>();
  s.name = field(j, "name", json::value_t::string, "sandbox").get<std::string>();
  s.ip = field(j, "ip", json::value_t::string, "sandbox").get<std::string>();
  s.host = optional_string(j, "host", "sandbox");
  s.mac = optional_string(j, "mac", "sandbox");
  s.status = optional_string(j, "status", "sandbox").value_or("pending");
  // The contract lists network ids; the user API's shape ({"id","name"} objects) is accepted
  // too. Only informative: memberships come from the networks' member lists.
  // Validated, not kept: at 10 networks a sandbox the list was ~600 bytes of each parsed record.
  if (j.contains("networks")) {
    const auto& nets = field(j, "networks", json::value_t::array, "sandbox");
    for (auto& n : nets)
      if (!n.is_string() && !(n.is_object() && n.contains("id") && n["id"].is_string()))
        throw FeedFormatError("sandbox: bad entry in \"networks\"");
  }
  return s;
}

NetworkRecord parse_network(const json& j) {
  if (!j.is_object()) throw FeedFormatError("network is not an object");
  NetworkRecord n;
  n.id = field(j, "id", json::value_t::string, "network").get<std::string>();
  n.name = field(j, "name", json::value_t::string, "network").get<std::string>();
  n.members = string_list(j, "members", "network");
  return n;
}

json to_json(const SandboxRecord& s) {
  return {{"id", s.id},
          {"name", s.name},
          {"ip", s.ip},
          {"host", s.host ? json(*s.host) : json(nullptr)},
          {"mac", s.mac ? json(*s.mac) : json(nullptr)},
          {"status", s.status},
          {"networks", json::array()}};
}

json to_json(const NetworkRecord& n) { return {{"id", n.id}, {"name", n.name}, {"members", n.members.vec()}}; }

FeedAnswer parse_feed(const json& data, FeedAnswer records) {
  if (!data.is_object()) throw FeedFormatError("feed data is not an object");
  const auto& type = field(data, "type", json::value_t::string, "feed").get_ref<const std::string&>();
  const auto& rev = data.find("revision");
  if (rev == data.end() || !rev->is_number_integer() || rev->get<int64_t>() < 0) throw FeedFormatError("feed: bad \"revision\"");
  if (type != "snapshot" && type != "changes") throw FeedFormatError("feed: unknown type \"" + type + "\"");
  FeedAnswer a = std::move(records);
  a.snapshot = type == "snapshot";
  a.revision = rev->get<uint64_t>();
  for (auto& s : sandbox_list(data, "sandboxes")) a.sandboxes.push_back(std::move(s));
  for (auto& n : network_list(data, "networks")) a.networks.push_back(std::move(n));
  a.hosts = host_list(data);
  if (!a.snapshot) {
    a.removed_sandboxes = id_list(data, "removed_sandboxes");
    a.removed_networks = id_list(data, "removed_networks");
  }
  return a;
}

bool HostView::apply_feed(const json& data) { return apply(parse_feed(data)); }

bool HostView::apply(FeedAnswer a) {
  if (a.snapshot) {
    std::map<std::string, SandboxRecord, std::less<>> sbs;
    std::map<std::string, NetworkRecord, std::less<>> nets;
    for (auto& s : a.sandboxes) {
      auto id = s.id;
      sbs[std::move(id)] = std::move(s);
    }
    for (auto& n : a.networks) {
      auto id = n.id;
      nets[std::move(id)] = std::move(n);
    }
    uint64_t revision = a.revision;
    auto hosts = std::move(a.hosts);
    a = {};  // the records are moved out: free the lists before comparing
    bool changed = sbs != sandboxes_ || nets != networks_;
    sandboxes_ = std::move(sbs);
    networks_ = std::move(nets);
    rebuild_placement();
    changed |= !merge_hosts(hosts_, hosts).empty();
    revision_ = revision;
    return changed;
  }
  bool changed = !merge_hosts(hosts_, a.hosts).empty();
  for (auto& id : a.removed_sandboxes) {
    auto it = sandboxes_.find(id);
    if (it == sandboxes_.end()) continue;
    unplace(it->first, it->second);
    sandboxes_.erase(it);
    changed = true;
  }
  for (auto& id : a.removed_networks) changed |= networks_.erase(id) > 0;
  for (auto& s : a.sandboxes) changed |= upsert(s);
  for (auto& n : a.networks) {
    auto& slot = networks_[n.id];
    if (!(slot == n)) {
      slot = std::move(n);
      changed = true;
    }
  }
  if (a.revision > revision_) revision_ = a.revision;
  return changed;
}

bool HostView::upsert(const SandboxRecord& s) {
  auto [it, added] = sandboxes_.try_emplace(s.id);
  if (!added && it->second == s) return false;
  if (!added) unplace(it->first, it->second);
  it->second = s;
  place(it->first, it->second);
  return true;
}

void HostView::place(const std::string& id, const SandboxRecord& s) {
  if (s.host) placed_[*s.host].insert(id);
}

void HostView::unplace(const std::string& id, const SandboxRecord& s) {
  if (!s.host) return;
  auto it = placed_.find(*s.host);
  if (it == placed_.end()) return;
  it->second.erase(id);
  if (it->second.empty()) placed_.erase(it);
}

void HostView::rebuild_placement() {
  placed_.clear();
  for (auto& [id, s] : sandboxes_) place(id, s);
}

HostView::HostView(const HostView& other)
    : revision_(other.revision_), sandboxes_(other.sandboxes_), networks_(other.networks_), hosts_(other.hosts_) {
  rebuild_placement();
}

HostView& HostView::operator=(const HostView& other) {
  if (this == &other) return *this;
  revision_ = other.revision_;
  sandboxes_ = other.sandboxes_;
  networks_ = other.networks_;
  hosts_ = other.hosts_;
  rebuild_placement();
  return *this;
}

const std::set<std::string_view>& HostView::placed_on(std::string_view host) const {
  static const std::set<std::string_view> none;
  auto it = placed_.find(host);
  return it == placed_.end() ? none : it->second;
}

bool HostView::reaches(const std::string& host, const std::string& host_id) const {
  if (host == host_id) return true;
  auto it = hosts_.find(host);
  return it != hosts_.end() && it->second.overlay_reaches();
}

std::set<std::string> HostView::hosts_changed_by(const std::vector<HostRecord>& records) const {
  if (records.empty()) return {};
  HostRecords scratch = hosts_;  // hosts are few (at most capacity.max_hosts in the maps)
  return merge_hosts(scratch, records);
}

std::set<std::string> merge_hosts(HostRecords& hosts, const std::vector<HostRecord>& records) {
  std::set<std::string> changed;
  for (auto& r : records) {
    auto& slot = hosts[r.id];
    if (!(slot == r)) {
      slot = r;
      changed.insert(r.id);
    }
    if (!r.overlay_reaches()) continue;
    for (auto& [id, other] : hosts)
      if (id != r.id && other.overlay_reaches() && (other.number == r.number || other.underlay == r.underlay)) {
        other.live = false;
        changed.insert(id);
      }
  }
  return changed;
}

json HostView::to_json() const {
  json sbs = json::array(), nets = json::array(), hosts = json::array();
  for (auto& [_, s] : sandboxes_) sbs.push_back(sync::to_json(s));
  for (auto& [_, n] : networks_) nets.push_back(sync::to_json(n));
  for (auto& [_, h] : hosts_) hosts.push_back(sync::to_json(h));
  return {{"type", "snapshot"}, {"revision", revision_}, {"sandboxes", sbs}, {"networks", nets}, {"hosts", hosts}};
}

HostView HostView::from_json(const json& j) {
  HostView v;
  v.apply_feed(j);
  return v;
}

}  // namespace sandnet::sync
