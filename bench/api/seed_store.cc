// Fills a sandnet-api database for the benchmark straight through the store (much faster
// than HTTP): one user, N networks "n<i>", M sandboxes "s<j>" each attached to network
// n<j % N>. Prints the user's API key on line 1 and the id of network n0 on line 2.
#include <iostream>

#include <CLI/CLI.hpp>

#include "api/auth.h"
#include "api/clock.h"
#include "api/ipam.h"
#include "api/sqlite_store.h"
#include "common/ulid.h"

using namespace sandnet::api;

int main(int argc, char** argv) {
  CLI::App app{"seed a sandnet-api database for bench/api"};
  std::string db;
  int networks = 1000, sandboxes = 10000;
  app.add_option("--db", db)->required();
  app.add_option("--networks", networks)->check(CLI::Range(1, 1000000));
  app.add_option("--sandboxes", sandboxes)->check(CLI::Range(0, 1000000));
  CLI11_PARSE(app, argc, argv);

  SqliteStore store(db);
  UserId user = store.create_user("bench");
  std::string key = issue_api_key(store, user).token;
  IpamConfig ipam;
  std::vector<std::string> net_ids;
  store.write([&](WriteTx& tx) {
    for (int i = 0; i < networks; ++i) {
      net_ids.push_back(tx.create_network(user, "n" + std::to_string(i)).id);
    }
    int64_t now = unix_ms_now();
    for (int j = 0; j < sandboxes; ++j) {
      std::string id = sandnet::new_sandbox_id();
      std::string ip = format_ipv4(allocate_ip(tx, ipam, id, now));
      tx.create_sandbox(user, id, "s" + std::to_string(j), ip);
      tx.attach(id, net_ids[static_cast<size_t>(j % networks)]);
    }
    // The attach/detach benchmark's target starts empty.
    tx.create_network(user, "bench-target");
  });
  std::cout << key << "\n" << net_ids.front() << std::endl;
  return 0;
}
