#include "tests/api_feed/feed_fixture.h"

namespace sandnet::test {

Response HostClient::feed(int64_t since, int timeout) const {
  return feed_query("since=" + std::to_string(since) + "&timeout=" + std::to_string(timeout));
}

Response HostClient::feed_query(const std::string& query) const {
  return get("/v1/hosts/" + host_ + "/feed?" + query);
}

Response HostClient::plug(const std::string& sandbox_id, const std::string& body) const {
  return post("/v1/hosts/" + host_ + "/sandboxes/" + sandbox_id + "/plug", body);
}

Response HostClient::unplug(const std::string& sandbox_id) const {
  return post("/v1/hosts/" + host_ + "/sandboxes/" + sandbox_id + "/unplug", "");
}

Response HostClient::applied(int64_t revision) const {
  return post("/v1/hosts/" + host_ + "/applied",
              nlohmann::json{{"revision", revision}}.dump());
}

Response HostClient::get(const std::string& path) const {
  return api_.request("GET", path, "", {{"X-Host-Token", token_}}, "");
}

Response HostClient::post(const std::string& path, const std::string& body,
                          const std::string& content_type) const {
  return api_.request("POST", path, body, {{"X-Host-Token", token_}}, content_type);
}

PollOutcome collect_polls(std::vector<std::future<Response>>& polls) {
  PollOutcome out;
  for (auto& p : polls) {
    Response r = p.get();
    if (r.status == 200) ++out.ok;
    if (r.status == 503) {
      ++out.busy;
      expect_fail(r, 503, "too_many_waiters");
      EXPECT_EQ(r.headers.count("Retry-After"), 1u);
    }
  }
  return out;
}

std::set<std::string> ids_of(const nlohmann::json& records) {
  std::set<std::string> out;
  for (const auto& r : records) {
    out.insert(r.is_string() ? r.get<std::string>() : r["id"].get<std::string>());
  }
  return out;
}

nlohmann::json host_record(const nlohmann::json& data, const std::string& id) {
  for (const nlohmann::json& h : data.value("hosts", nlohmann::json::array())) {
    if (h["id"] == id) return h;
  }
  return nullptr;
}

}  // namespace sandnet::test
