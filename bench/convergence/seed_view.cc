// Adds remote peers to the convergence bench's database in one transaction through the API's
// own store code (HTTP took minutes at 50k): `--count` sandboxes "peer-<i>" created in network
// `--network` of user `--user`, each plugged on `--host` with the MAC the bench's HTTP seeding
// gives (02:00 + its address). Run while sandnet-api is stopped: the server learns of commits
// only through its own writes. Prints the number added.
#include <iostream>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "api/clock.h"
#include "api/ipam.h"
#include "api/placement.h"
#include "api/sqlite_store.h"
#include "common/ulid.h"

using namespace sandnet::api;

int main(int argc, char** argv) {
  CLI::App app{"bulk-seed remote peers for bench/convergence"};
  std::string db, user_name = "bench", network = "peers", host = "h2", pool_text = "10.42.0.0/16";
  int count = 0, first = 0;
  app.add_option("--db", db)->required();
  app.add_option("--user", user_name);
  app.add_option("--network", network, "network name");
  app.add_option("--host", host, "host the peers are plugged on");
  app.add_option("--count", count)->required()->check(CLI::Range(0, 10000000));
  app.add_option("--first", first, "number of the first peer's name (peer-<n>), so runs add up");
  app.add_option("--ip-pool", pool_text, "the API's ip_pool");
  CLI11_PARSE(app, argc, argv);

  SqliteStore store(db);
  auto user = store.find_user(user_name);
  if (!user) {
    std::cerr << "no user " << user_name << "\n";
    return 1;
  }
  IpamConfig ipam;
  auto pool = parse_ipv4_pool(pool_text);
  if (!pool) {
    std::cerr << "bad --ip-pool\n";
    return 1;
  }
  ipam.pool = *pool;
  try {
    store.write([&](WriteTx& tx) {
      auto net = tx.find_network_by_name(user->id, network);
      if (!net) throw std::runtime_error("no network " + network);
      int64_t now = unix_ms_now();
      for (int i = 0; i < count; ++i) {
        std::string id = sandnet::new_sandbox_id();
        uint32_t ip = allocate_ip(tx, ipam, id, now);
        tx.create_sandbox(user->id, id, fmt::format("peer-{}", first + i), format_ipv4(ip));
        tx.attach(id, net->id);
        plug_on(tx, host, id,
                fmt::format("02:00:{:02x}:{:02x}:{:02x}:{:02x}", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255));
      }
    });
  } catch (const std::exception& e) {  // nothing is committed then: the transaction rolls back
    std::cerr << "seed: " << e.what() << "\n";
    return 1;
  }
  std::cout << count << std::endl;
  return 0;
}
