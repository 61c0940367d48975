// The pusher's deltas against guestd's own server and installer (in process, on the loopback;
// root: the push sets SO_MARK and SO_BINDTODEVICE): a guest that took a table gets the changes
// as deltas and holds exactly the whole table; a restarted guestd (no base) answers so and gets
// the whole table; a guestd that does not know the delta frame (as before "SNT3") gets whole
// tables, and is not sent deltas again.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <thread>

#include "common/hosts_table/hosts_table.hpp"
#include "guestd/push_server.h"
#include "guestd/table_installer.h"
#include "sync/table_pusher.h"
#include "tests/integration/harness/poll.h"
#include "tests/nss/table_files.h"

namespace sandnet::sync {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kBound{30000};

// guestd's server and installer on 127.0.0.2, taking pushes from 127.0.0.1.
class Guestd {
 public:
  Guestd(const std::filesystem::path& table, uint16_t port, bool takes_deltas) {
    guestd::PushServerOptions options;
    options.listen_address = "127.0.0.2";
    options.port = port;
    options.allowed_peer = "127.0.0.1";
    installer_ = std::make_unique<guestd::TableInstaller>(guestd::InstallerOptions{table, std::nullopt});
    guestd::TableHandler deltas;
    if (takes_deltas) deltas = [this](std::span<const unsigned char> b) { return installer_->install_delta(b); };
    server_ = std::make_unique<guestd::PushServer>(
        options, [this](std::span<const unsigned char> b) { return installer_->install(b); }, deltas);
    thread_ = std::thread([this] { server_->serve_forever(); });
  }
  ~Guestd() {
    server_->stop();
    thread_.join();
  }
  uint16_t port() const { return server_->port(); }

 private:
  std::unique_ptr<guestd::TableInstaller> installer_;
  std::unique_ptr<guestd::PushServer> server_;
  std::thread thread_;
};

std::vector<unsigned char> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TableEntry peer(int i) { return {fmt::format("peer-{}", i), fmt::format("10.42.0.{}", i), {"dev"}}; }

class PusherDelta : public ::testing::Test {
 protected:
  // Applies one change and waits until the guest holds it; the installed file must be the
  // whole table the pusher keeps, encoded with the file's generation.
  void change(const TableUpdate& u, uint64_t revision) {
    pusher_->update({{"a", u}}, revision, {}, false);
    ASSERT_TRUE(testing::eventually(kBound, milliseconds(10), [&] { return pusher_->stats().pending == 0; }));
    auto file = read_bytes(table_);
    hosts_table::View view;
    ASSERT_EQ(view.open(file), SANDNET_HT_OK);
    EXPECT_GE(view.generation(), revision);
    EXPECT_EQ(file, encode_table(*pusher_->table_of("a"), view.generation()));
  }
  TableUpdate whole(std::vector<TableEntry> entries) { return {"127.0.0.2", "lo", true, {}, std::move(entries)}; }
  TableUpdate patch(std::vector<EntryKey> removed, std::vector<TableEntry> upserted) {
    return {"127.0.0.2", "lo", false, std::move(removed), std::move(upserted)};
  }
  void start_pusher(uint16_t port) {
    pusher_ = std::make_unique<TablePusher>(TablePusherOptions{.host_link_local = "127.0.0.1", .port = port});
  }

  nss_test::TempDir dir_;
  std::filesystem::path table_ = dir_.path / "hosts.table";
  std::unique_ptr<TablePusher> pusher_;
};

TEST_F(PusherDelta, ChangesGoAsDeltasAndARestartedGuestGetsTheWholeTable) {
  auto guest = std::make_unique<Guestd>(table_, 0, true);
  uint16_t port = guest->port();
  start_pusher(port);
  change(whole({peer(2), peer(3)}), 1);
  EXPECT_EQ(pusher_->stats().deltas_delivered, 0u);
  change(patch({}, {peer(4)}), 2);
  change(patch({{"peer-2", "10.42.0.2"}}, {}), 3);
  change(patch({{"peer-3", "10.42.0.3"}}, {{"peer-3", "10.42.0.3", {"dev", "prod"}}}), 3);  // same revision
  EXPECT_EQ(pusher_->stats().deltas_delivered, 3u);
  EXPECT_EQ(pusher_->stats().deltas_refused, 0u);

  guest.reset();  // guestd restarts: it holds no table it could apply a delta to
  guest = std::make_unique<Guestd>(table_, port, true);
  change(patch({}, {peer(5)}), 4);
  EXPECT_EQ(pusher_->stats().deltas_refused, 1u);
  EXPECT_EQ(pusher_->stats().delivered, 5u);  // the refused delta's whole table
  change(patch({}, {peer(6)}), 5);
  EXPECT_EQ(pusher_->stats().deltas_delivered, 4u);  // deltas again on the new base
}

TEST_F(PusherDelta, AGuestdWithoutDeltasGetsWholeTables) {
  Guestd guest(table_, 0, false);
  start_pusher(guest.port());
  change(whole({peer(2)}), 1);
  change(patch({}, {peer(3)}), 2);
  EXPECT_EQ(pusher_->stats().deltas_refused, 1u);
  change(patch({}, {peer(4)}), 3);
  change(patch({{"peer-2", "10.42.0.2"}}, {}), 4);
  EXPECT_EQ(pusher_->stats().deltas_refused, 1u) << "sent deltas again to a guestd that does not take them";
  EXPECT_EQ(pusher_->stats().deltas_delivered, 0u);
  EXPECT_EQ(pusher_->stats().delivered, 4u);
}

// A plug sends the whole table even when the guest holds it.
TEST_F(PusherDelta, APlugSendsTheWholeTable) {
  Guestd guest(table_, 0, true);
  start_pusher(guest.port());
  change(whole({peer(2)}), 1);
  pusher_->update({{"a", patch({}, {})}}, 2, {"a"}, false);
  ASSERT_TRUE(testing::eventually(kBound, milliseconds(10), [&] { return pusher_->stats().delivered == 2; }));
  EXPECT_EQ(pusher_->stats().deltas_delivered, 0u);
}

}  // namespace
}  // namespace sandnet::sync
