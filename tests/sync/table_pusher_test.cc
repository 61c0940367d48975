// The table pusher against fake guestds on the loopback (root: the push sets SO_MARK and
// SO_BINDTODEVICE): a guest that accepts the connection and never reads must delay only its
// own table, never the caller handing tables over nor another guest's delivery.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/push/push_protocol.h"
#include "sync/table_pusher.h"
#include "tests/integration/harness/poll.h"

namespace sandnet::sync {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kBound{30000};  // generous: a slow CI machine only costs time

// A guestd that answers status 0 to every framed table, or (stalled) accepts and never reads.
class FakeGuestd {
 public:
  FakeGuestd(const std::string& address, uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    inet_pton(AF_INET, address.c_str(), &sa.sin_addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(fd_, 16) != 0)
      throw std::runtime_error("fake guestd: cannot listen on " + address);
    socklen_t len = sizeof sa;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeGuestd() {
    stop_ = true;
    thread_.join();
    release();
    close(fd_);
  }
  uint16_t port() const { return port_; }
  int tables() const { return tables_; }
  int stalled() const { return stalled_; }
  uint32_t last_mtu() const { return last_mtu_; }  // of the last frame: 0 for "SNT1"
  void stall() { stall_ = true; }
  // Lets the held connections go (closed without a status) and answers again.
  void release() {
    stall_ = false;
    std::lock_guard lock(mu_);
    for (int c : held_) close(c);
    held_.clear();
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) != 1) continue;
      int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      if (stall_) {
        std::lock_guard lock(mu_);
        held_.push_back(c);
        stalled_++;
        continue;
      }
      std::array<unsigned char, table_push::kHeaderSize> header;
      if (recv(c, header.data(), header.size(), MSG_WAITALL) == 8) {
        auto start = table_push::decode_header(header);
        unsigned char mtu[table_push::kMtuFieldSize];
        if (!start || (start->mtu_follows && recv(c, mtu, sizeof mtu, MSG_WAITALL) != sizeof mtu)) {
          close(c);
          continue;
        }
        last_mtu_ = start->mtu_follows ? table_push::get_be32(mtu) : 0;
        uint32_t n = start->length;
        std::vector<unsigned char> body(n);
        if (recv(c, body.data(), n, MSG_WAITALL) == static_cast<ssize_t>(n)) {
          unsigned char ok = 0;
          if (send(c, &ok, 1, MSG_NOSIGNAL) == 1) tables_++;
        }
      }
      close(c);
    }
  }
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false}, stall_{false};
  std::atomic<int> tables_{0}, stalled_{0};
  std::atomic<uint32_t> last_mtu_{0};
  std::mutex mu_;
  std::vector<int> held_;
  std::thread thread_;
};

using Tables = std::map<std::string, std::optional<TableUpdate>>;

// The whole table of one guest holding one peer.
std::optional<TableUpdate> table(const std::string&, const std::string& ip, const std::string& name) {
  return TableUpdate{ip, "lo", true, {}, {{name, ip, {"backend"}}}};
}

// With the overlay the pusher sends each table in an "SNT2" frame with the guests' MTU; without
// it, plain "SNT1" (any guestd takes it).
TEST(TablePusher, TheOverlayMtuTravelsWithEveryTable) {
  FakeGuestd guest("127.0.0.2", 0);
  Tables tables{{"a", table("a", "127.0.0.2", "brave-otter")}};
  {
    TablePusher pusher({.host_link_local = "127.0.0.1", .port = guest.port(), .guest_mtu = 1450});
    pusher.update(tables, 1, {}, true);
    ASSERT_TRUE(testing::eventually(kBound, milliseconds(20), [&] { return guest.tables() == 1; }));
    EXPECT_EQ(guest.last_mtu(), 1450u);
  }
  TablePusher plain({.host_link_local = "127.0.0.1", .port = guest.port()});
  plain.update(tables, 2, {}, true);
  ASSERT_TRUE(testing::eventually(kBound, milliseconds(20), [&] { return guest.tables() == 2; }));
  EXPECT_EQ(guest.last_mtu(), 0u);
}

TEST(TablePusher, AStalledGuestDelaysNeitherTheCallerNorAnotherGuest) {
  FakeGuestd stalling("127.0.0.2", 0);
  FakeGuestd other("127.0.0.3", stalling.port());
  // The per-connection deadline is long: the stall lasts until the test releases it.
  TablePusher pusher({.host_link_local = "127.0.0.1", .port = stalling.port(), .push_timeout = milliseconds(120000)});
  Tables tables{{"h", table("h", "127.0.0.2", "hostile")},
                                            {"b", table("b", "127.0.0.3", "calm-heron")}};
  pusher.update(tables, 1, {}, true);
  ASSERT_TRUE(testing::eventually(kBound, milliseconds(20), [&] { return stalling.tables() == 1 && other.tables() == 1; }));

  // Both guests answered before, so both count as responsive; now one stalls and both change.
  stalling.stall();
  tables = {{"h", table("h", "127.0.0.2", "hostile-2")}, {"b", table("b", "127.0.0.3", "calm-heron-2")}};
  auto handed_over = std::async(std::launch::async, [&] { pusher.update(tables, 2, {}, true); });
  bool returned = testing::eventually(kBound, milliseconds(20), [&] {
    return handed_over.wait_for(milliseconds(0)) == std::future_status::ready && other.tables() == 2;
  });
  int stalled_meanwhile = stalling.stalled();
  stalling.release();  // whatever happened, never leave the caller blocked
  handed_over.get();
  EXPECT_TRUE(returned) << "update() or the other guest's delivery waited for the stalled guest";
  EXPECT_EQ(stalled_meanwhile, 1) << "the stalled connection was still held";
  // Released, the stalled guest gets its table from the retries.
  EXPECT_TRUE(testing::eventually(kBound, milliseconds(20), [&] { return stalling.tables() == 2 && pusher.stats().pending == 0; }));
}

}  // namespace
}  // namespace sandnet::sync

namespace sandnet::sync {
namespace {

// More stalling guests than the pusher has workers, none of which ever answered (new VMs of a
// hostile tenant): a guest that answered before still gets its table while they stall.
TEST(TablePusher, AFloodOfStallingNewGuestsCannotTakeEveryWorker) {
  constexpr int kWorkers = 4;
  std::vector<std::unique_ptr<FakeGuestd>> stalling;
  for (int i = 0; i < kWorkers + 1; ++i) {
    stalling.push_back(std::make_unique<FakeGuestd>("127.0.1." + std::to_string(i + 1),
                                                    stalling.empty() ? 0 : stalling[0]->port()));
    stalling.back()->stall();
  }
  FakeGuestd answering("127.0.2.1", stalling[0]->port());
  TablePusher pusher({.host_link_local = "127.0.0.1", .port = stalling[0]->port(),
                      .push_timeout = milliseconds(120000), .workers = kWorkers, .reserved_for_answering = 1});
  // The answering guest has its table already: it counts as responsive.
  Tables tables{{"z", table("z", "127.0.2.1", "calm-heron")}};
  pusher.update(tables, 1, {}, true);
  ASSERT_TRUE(testing::eventually(kBound, milliseconds(20), [&] { return answering.tables() == 1; }));
  // Then the flood arrives ("a".."e" sort before "z"), and the answering guest's table changes.
  for (int i = 0; i < kWorkers + 1; ++i) {
    std::string id(1, static_cast<char>('a' + i));
    tables[id] = table(id, "127.0.1." + std::to_string(i + 1), "hostile-" + id);
  }
  pusher.update(tables, 2, {}, true);
  ASSERT_TRUE(testing::eventually(kBound, milliseconds(20), [&] {
    int held = 0;
    for (auto& g : stalling) held += g->stalled();
    return held >= kWorkers - 1;
  }));
  tables["z"] = table("z", "127.0.2.1", "calm-heron-2");
  pusher.update(tables, 3, {}, true);
  bool delivered = testing::eventually(kBound, milliseconds(20), [&] { return answering.tables() == 2; });
  int held = 0;
  for (auto& g : stalling) held += g->stalled();
  for (auto& g : stalling) g->release();  // never leave the workers blocked
  EXPECT_TRUE(delivered) << "the stalling new guests held every worker";
  EXPECT_LT(held, kWorkers) << "new guests that never answered took every worker";
}

}  // namespace
}  // namespace sandnet::sync
