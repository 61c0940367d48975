// The delta push end to end: the agent's table index and pusher against the real
// sandnet-guestd, both in a network namespace of the test's own, under random feed churn. At
// every settle point the file guestd installed is byte for byte the whole table of the view,
// and many tables went as deltas; a guestd restarted in the middle answers a delta against
// the table it held with base mismatch, and the guest converges again.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "common/hosts_table/hosts_table.hpp"
#include "common/push/table_push_client.h"
#include "sync/guest_table_index.h"
#include "sync/table_pusher.h"
#include "tests/integration/harness/netns.h"
#include "tests/integration/harness/poll.h"
#include "tests/integration/harness/process.h"
#include "tests/integration/harness/require_root.h"
#include "tests/nss/table_files.h"
#include "tests/sync/feed_churn.h"

namespace sandnet::nss_test {
namespace {

using namespace std::chrono_literals;
using namespace sandnet::sync;

std::vector<unsigned char> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(GuestdDelta, TheGuestHoldsTheWholeTableAfterEveryDeltaUnderChurn) {
  SANDNET_REQUIRE_ROOT();
  const std::string ns_name = "sngd-" + std::to_string(getpid());
  testing::Netns ns(ns_name);
  for (auto argv : {std::vector<std::string>{"ip", "link", "set", "lo", "up"},
                    {"ip", "addr", "add", "10.42.0.5/32", "dev", "lo"},
                    {"ip", "addr", "add", "169.254.0.1/32", "dev", "lo"}}) {
    auto r = testing::run_command(argv, {.netns = ns_name});
    ASSERT_TRUE(r.ok()) << r.output;
  }
  TempDir dir;
  auto table = dir.path / "hosts.table";
  auto start_guestd = [&] {
    return std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{SANDNET_GUESTD, "--listen-address", "10.42.0.5", "--allowed-peer", "169.254.0.1",
                                 "--table", table.string(), "--log-level", "warn"},
        ns_name, (dir.path / "guestd.log").string());
  };
  auto guestd = start_guestd();
  // The pusher's workers live in the namespace (threads start in their creator's).
  auto pusher = testing::in_netns(ns_name, [] {
    return std::make_unique<TablePusher>(TablePusherOptions{.host_link_local = "169.254.0.1"});
  });

  ChurnedView w(4242, {{sb_id(0), LocalPlug("lo", "02:00:00:00:00:01")}});
  auto& [churn, view, plugs, index] = w;
  int settled = 0;
  bool restarted = false;
  for (int step = 0; step < 1500; ++step) {
    w.step(step + 1);
    auto u = index.table(view, plugs, "h1", sb_id(0));
    if (u) u->guest_ip = "10.42.0.5";  // the churn readdresses the guest; its guestd stays here
    pusher->update({{sb_id(0), u}}, step + 1, {}, false);
    if (step % 10 != 9 || !u) continue;
    ASSERT_TRUE(testing::eventually(30s, 10ms, [&] { return pusher->stats().pending == 0; })) << "step " << step;
    auto file = read_bytes(table);
    hosts_table::View v;
    ASSERT_EQ(v.open(file), SANDNET_HT_OK) << "step " << step;
    auto want = *guest_table(view, plugs, "h1", sb_id(0));
    EXPECT_EQ(file, encode_table(want, v.generation())) << "step " << step;
    ++settled;
    if (step >= 700 && !restarted) {  // guestd restarts: it holds no base any more
      guestd->send_signal(SIGTERM);
      ASSERT_TRUE(guestd->wait_exit(20s).has_value());
      guestd = start_guestd();
      restarted = true;
      // Until it listens; a delta against a base it does not hold changes nothing there.
      table_push::PushTarget t{.guest_address = "10.42.0.5", .source_address = "169.254.0.1"};
      auto probe = table_push::encode_delta({v.generation(), v.generation() + 1, {}, {}});
      ASSERT_TRUE(testing::eventually(20s, 50ms, [&] {
        auto r = testing::in_netns(ns_name, [&] { return table_push::push_table_delta(t, probe); });
        return r.delivered && r.status == table_push::PushStatus::kBaseMismatch;
      }));
    }
  }
  auto stats = pusher->stats();
  EXPECT_TRUE(restarted);
  EXPECT_GT(settled, 50);
  // Tables of at most 16 entries: a change often outnumbers them (whole), and a guest that
  // leaves the view is forgotten and gets its table whole when it comes back.
  EXPECT_GE(stats.deltas_delivered, stats.delivered / 3) << "too few tables went as deltas";
  pusher.reset();
}

}  // namespace
}  // namespace sandnet::nss_test
