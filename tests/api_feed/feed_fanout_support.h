// Test support for the feed fan-out tests (one replica here, several in
// tests/api/pg_feed_replicas_test.cc): a replica's /metrics figures, and a network with one
// sandbox placed on each of n hosts, so that one change to it touches all n hosts' views.
#pragma once
#include <cstdint>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "tests/api/api_process.h"
#include "tests/api_feed/feed_fixture.h"

namespace sandnet::test {

// A value from the replica's Prometheus text; -1 when absent.
int64_t metric(const Api& anon, const std::string& name);

struct FanoutNetwork {
  std::string id;
  std::vector<std::unique_ptr<HostClient>> hosts;
};

// Hosts `prefix`0..n-1 (tokens from the CLI), each plugging a sandbox attached to a new network.
FanoutNetwork make_fanout_network(const std::string& db, int port, Api& tenant,
                                  const std::string& prefix, int n);

// Adds a new, unplugged sandbox to the network: one change in every host's view.
void add_member(Api& tenant, const std::string& network_id, const std::string& name);

// Every host long-polls from `since` (each on its own connection).
std::vector<std::future<Response>> long_poll_all(const FanoutNetwork& net, int64_t since,
                                                 int timeout_s);

}  // namespace sandnet::test
