#include "tests/api_feed/feed_fanout_support.h"

#include <gtest/gtest.h>

#include <sstream>

namespace sandnet::test {

int64_t metric(const Api& anon, const std::string& name) {
  Response r = anon.get("/metrics");
  std::istringstream lines(r.raw);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name + " ", 0) == 0) return std::stoll(line.substr(name.size() + 1));
  }
  return -1;
}

FanoutNetwork make_fanout_network(const std::string& db, int port, Api& tenant,
                                  const std::string& prefix, int n) {
  FanoutNetwork net;
  Response made = tenant.post("/v1/networks", nlohmann::json{{"name", prefix}}.dump());
  EXPECT_EQ(made.status, 200) << made.raw;
  net.id = made.body["data"]["id"];
  for (int i = 0; i < n; ++i) {
    std::string host = prefix + std::to_string(i);
    net.hosts.push_back(std::make_unique<HostClient>(port, host, create_host(db, host)));
    nlohmann::json body{{"name", host + "-vm"}, {"networks", {{{"id", net.id}}}}};
    Response sb = tenant.post("/v1/sandboxes", body.dump());
    EXPECT_EQ(sb.status, 200) << sb.raw;
    Response plugged = net.hosts.back()->plug(sb.body["data"]["id"]);
    EXPECT_EQ(plugged.status, 200) << plugged.raw;
  }
  return net;
}

void add_member(Api& tenant, const std::string& network_id, const std::string& name) {
  nlohmann::json body{{"name", name}, {"networks", {{{"id", network_id}}}}};
  Response r = tenant.post("/v1/sandboxes", body.dump());
  EXPECT_EQ(r.status, 200) << r.raw;
}

std::vector<std::future<Response>> long_poll_all(const FanoutNetwork& net, int64_t since,
                                                 int timeout_s) {
  std::vector<std::future<Response>> polls;
  for (const auto& h : net.hosts) {
    HostClient* host = h.get();
    polls.push_back(std::async(std::launch::async,
                               [host, since, timeout_s] { return host->feed(since, timeout_s); }));
  }
  return polls;
}

}  // namespace sandnet::test
