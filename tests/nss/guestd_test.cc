// sandnet-guestd: atomic install, keeping the last good table, the /etc/hosts block, and the
// push transport over loopback (the accepted peer set to 127.0.0.1 for the test).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <fstream>
#include <sstream>
#include <mutex>
#include <thread>

#include "guestd/etc_hosts_block.h"
#include "guestd/push_server.h"
#include "guestd/table_installer.h"
#include "common/push/table_delta.h"
#include "common/push/table_push_client.h"
#include "tests/nss/table_files.h"

namespace sandnet::nss_test {
namespace {

using table_push::PushStatus;
using Bytes = std::vector<unsigned char>;

Bytes read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string read_text(const std::filesystem::path& p) {
  Bytes b = read_bytes(p);
  return std::string(b.begin(), b.end());
}

size_t entries_in(const std::filesystem::path& dir) {
  return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(dir), {}));
}

TEST(TableInstaller, InstallsValidAndKeepsLastGoodOnBadInput) {
  TempDir dir;
  auto table = dir.path / "run" / "hosts.table";
  guestd::TableInstaller installer({table, std::nullopt});
  Bytes good = standard_table();
  ASSERT_EQ(installer.install(good), PushStatus::kOk);
  EXPECT_EQ(read_bytes(table), good);
  struct stat st;
  ASSERT_EQ(stat(table.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);

  Bytes truncated(good.begin(), good.end() - 3), flipped = good;
  flipped[70] ^= 1;
  for (const Bytes& bad : {Bytes{}, truncated, flipped, Bytes(5000, 'x')}) {
    EXPECT_EQ(installer.install(bad), PushStatus::kInvalidTable);
    EXPECT_EQ(read_bytes(table), good);
  }
  EXPECT_EQ(entries_in(table.parent_path()), 1u);  // no temporaries left behind
}

// A delta applies only to the table this installer put in place (its generation), gives the
// same bytes as the whole table, and anything else changes nothing.
TEST(TableInstaller, AppliesDeltasToTheTableItHoldsOnly) {
  TempDir dir;
  auto table = dir.path / "hosts.table";
  auto whole = [](uint64_t generation, bool with_fox) {
    hosts_table::Builder b;
    b.set_generation(generation);
    b.add_peer("brave-otter", {10, 42, 0, 5}, {"dev", "prod"});
    b.add_peer("calm-heron", {10, 42, 0, 7}, {"dev"});
    if (with_fox) b.add_peer("lone-fox", {10, 42, 0, 9}, {"prod"});
    return b.finish();
  };
  table_push::TableDelta add{7, 8, {"calm-heron"}, {{"lone-fox", {10, 42, 0, 9}, {"prod"}}, {"calm-heron", {10, 42, 0, 7}, {"dev"}}}};
  auto delta = table_push::encode_delta(add);
  {
    guestd::TableInstaller fresh({table, std::nullopt});
    EXPECT_EQ(fresh.install_delta(delta), PushStatus::kBaseMismatch);  // holds nothing yet
  }
  guestd::TableInstaller installer({table, std::nullopt});
  ASSERT_EQ(installer.install(whole(6, false)), PushStatus::kOk);
  EXPECT_EQ(installer.install_delta(delta), PushStatus::kBaseMismatch);  // holds 6, not 7
  EXPECT_EQ(read_bytes(table), whole(6, false));
  ASSERT_EQ(installer.install(whole(7, false)), PushStatus::kOk);
  ASSERT_EQ(installer.install_delta(delta), PushStatus::kOk);
  EXPECT_EQ(read_bytes(table), whole(8, true));
  // A removal of a peer it does not hold: the delta does not fit; malformed: a bad frame.
  auto unknown = table_push::encode_delta({8, 9, {"nobody"}, {}});
  EXPECT_EQ(installer.install_delta(unknown), PushStatus::kBaseMismatch);
  Bytes cut(delta.begin(), delta.end() - 1);
  EXPECT_EQ(installer.install_delta(cut), PushStatus::kBadFrame);
  EXPECT_EQ(read_bytes(table), whole(8, true));
  EXPECT_EQ(installer.install_delta(table_push::encode_delta({8, 9, {"lone-fox"}, {}})), PushStatus::kOk);
  EXPECT_EQ(read_bytes(table), [] {
    hosts_table::Builder b;
    b.set_generation(9);
    b.add_peer("brave-otter", {10, 42, 0, 5}, {"dev", "prod"});
    b.add_peer("calm-heron", {10, 42, 0, 7}, {"dev"});
    return b.finish();
  }());
}

TEST(HostsBlock, RenderedLinesPutBareNameFirst) {
  Bytes image = standard_table();
  sandnet_hosts_table t;
  ASSERT_EQ(sandnet_hosts_table_open(image.data(), image.size(), &t), SANDNET_HT_OK);
  EXPECT_EQ(guestd::render_hosts_block(t),
            "# BEGIN sandnet (written by sandnet-guestd; edits are overwritten)\n"
            "10.42.0.5\tbrave-otter brave-otter.dev brave-otter.prod\n"
            "10.42.0.7\tcalm-heron calm-heron.dev\n"
            "10.42.1.2\tme me.prod\n"
            "# END sandnet\n");
}

TEST(HostsBlock, SpliceKeepsEverythingElse) {
  const std::string block = "# BEGIN sandnet\nNEW\n# END sandnet\n";
  EXPECT_EQ(guestd::splice_hosts_block("", block), block);
  EXPECT_EQ(guestd::splice_hosts_block("127.0.0.1 localhost", block), "127.0.0.1 localhost\n" + block);
  EXPECT_EQ(guestd::splice_hosts_block("a\n# BEGIN sandnet (x)\nOLD\n# END sandnet\nb\n", block),
            "a\n" + block + "b\n");
  // Two blocks (hand-made): both replaced by one, at the first one's place.
  EXPECT_EQ(guestd::splice_hosts_block("# BEGIN sandnet\n1\n# END sandnet\nc\n# BEGIN sandnet\n2\n# END sandnet\n", block),
            block + "c\n");
  // A cut block claims the rest of the file.
  EXPECT_EQ(guestd::splice_hosts_block("a\n# BEGIN sandnet\nOLD\n", block), "a\n" + block);
  // Similar-looking lines are not markers.
  EXPECT_EQ(guestd::splice_hosts_block("# BEGIN sandnetx\n", block), "# BEGIN sandnetx\n" + block);
}

TEST(HostsBlock, MirrorEditsFileAtomicallyAndIdempotently) {
  TempDir dir;
  auto hosts = dir.path / "hosts";
  std::ofstream(hosts) << "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n";
  chmod(hosts.c_str(), 0640);
  guestd::TableInstaller installer({dir.path / "hosts.table", hosts});
  ASSERT_EQ(installer.install(standard_table()), PushStatus::kOk);
  std::string first = read_text(hosts);
  EXPECT_EQ(first.rfind("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n# BEGIN sandnet", 0), 0u) << first;
  EXPECT_NE(first.find("10.42.0.5\tbrave-otter brave-otter.dev brave-otter.prod\n"), std::string::npos);
  struct stat st;
  ASSERT_EQ(stat(hosts.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);

  ASSERT_EQ(installer.install(standard_table(9)), PushStatus::kOk);
  std::string second = read_text(hosts);
  EXPECT_NE(second.find("10.42.0.9\tbrave-otter"), std::string::npos);
  EXPECT_EQ(second.find("10.42.0.5"), std::string::npos);
  ASSERT_EQ(installer.install(standard_table(9)), PushStatus::kOk);
  EXPECT_EQ(read_text(hosts), second);
  // A bad table leaves /etc/hosts alone too.
  EXPECT_EQ(installer.install(Bytes(100, 0)), PushStatus::kInvalidTable);
  EXPECT_EQ(read_text(hosts), second);
}

// A push server on loopback, run in a thread for the duration of a test.
class PushOverLoopback : public ::testing::Test {
 protected:
  void start(const std::string& allowed_peer, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    guestd::PushServerOptions options;
    options.listen_address = "127.0.0.1";
    options.port = 0;
    options.allowed_peer = allowed_peer;
    options.frame_timeout = timeout;
    options.max_table_size = 1 << 20;
    options.on_mtu = [this](uint32_t mtu, uint32_t local) {
      std::lock_guard lock(mtu_mu_);
      mtus_.push_back({mtu, local});
    };
    installer_ = std::make_unique<guestd::TableInstaller>(guestd::InstallerOptions{table_, std::nullopt});
    server_ = std::make_unique<guestd::PushServer>(options, [this](std::span<const unsigned char> b) {
      return installer_->install(b);
    });
    thread_ = std::thread([this] { server_->serve_forever(); });
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  table_push::PushTarget target() const {
    table_push::PushTarget t;
    t.guest_address = "127.0.0.1";
    t.port = server_->port();
    t.source_address = "127.0.0.1";
    return t;
  }
  // Sends raw bytes, returns the status byte or -1 when the connection closed without one.
  int send_raw(const Bytes& bytes, bool half_close = true) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(server_->port());
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      close(fd);
      return -2;
    }
    if (!bytes.empty()) EXPECT_EQ(send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
    if (half_close) shutdown(fd, SHUT_WR);
    unsigned char status;
    ssize_t n = recv(fd, &status, 1, 0);
    close(fd);
    return n == 1 ? status : -1;
  }

  std::vector<std::pair<uint32_t, uint32_t>> mtus() {
    std::lock_guard lock(mtu_mu_);
    return mtus_;
  }

  TempDir dir_;
  std::filesystem::path table_ = dir_.path / "hosts.table";
  std::mutex mtu_mu_;
  std::vector<std::pair<uint32_t, uint32_t>> mtus_;  // (MTU, local address) per accepted SNT2
  std::unique_ptr<guestd::TableInstaller> installer_;
  std::unique_ptr<guestd::PushServer> server_;
  std::thread thread_;
};

TEST_F(PushOverLoopback, ClientPushInstallsTable) {
  start("127.0.0.1");
  Bytes table = standard_table();
  auto result = table_push::push_table(target(), table);
  ASSERT_TRUE(result.ok()) << result.error << " " << table_push::to_string(result.status);
  EXPECT_EQ(read_bytes(table_), table);
  Bytes newer = standard_table(9);
  ASSERT_TRUE(table_push::push_table(target(), newer).ok());
  EXPECT_EQ(read_bytes(table_), newer);
}

TEST_F(PushOverLoopback, BadInputKeepsOldTable) {
  start("127.0.0.1");
  Bytes good = standard_table();
  ASSERT_TRUE(table_push::push_table(target(), good).ok());

  Bytes flipped = good;
  flipped[100] ^= 0x40;
  auto result = table_push::push_table(target(), flipped);
  ASSERT_TRUE(result.delivered);
  EXPECT_EQ(result.status, PushStatus::kInvalidTable);

  Bytes bad_magic = {'X', 'X', 'X', 'X', 0, 0, 0, 1, 0};
  EXPECT_EQ(send_raw(bad_magic), static_cast<int>(PushStatus::kBadFrame));
  auto header = table_push::encode_header(1u << 30);
  EXPECT_EQ(send_raw(Bytes(header.begin(), header.end())), static_cast<int>(PushStatus::kTooLarge));
  header = table_push::encode_header(1000);
  Bytes short_body(header.begin(), header.end());
  short_body.resize(short_body.size() + 10, 0);
  EXPECT_EQ(send_raw(short_body), static_cast<int>(PushStatus::kBadFrame));
  EXPECT_EQ(send_raw(Bytes{'S', 'N'}), static_cast<int>(PushStatus::kBadFrame));
  EXPECT_EQ(read_bytes(table_), good);
  // And the server still serves.
  EXPECT_TRUE(table_push::push_table(target(), standard_table(11)).ok());
}

// "SNT2" frames carry the overlay MTU: handed on with an accepted table (and the address the
// push came in on), never with a refused one; an MTU out of range is a bad frame.
TEST_F(PushOverLoopback, MtuFramesHandTheMtuOnWithAcceptedTablesOnly) {
  start("127.0.0.1");
  auto t = target();
  t.mtu = 1450;
  ASSERT_TRUE(table_push::push_table(t, standard_table()).ok());
  ASSERT_EQ(mtus().size(), 1u);
  EXPECT_EQ(mtus()[0].first, 1450u);
  EXPECT_EQ(mtus()[0].second, htonl(INADDR_LOOPBACK));
  Bytes flipped = standard_table(11);
  flipped[100] ^= 0x40;
  EXPECT_EQ(table_push::push_table(t, flipped).status, PushStatus::kInvalidTable);
  EXPECT_EQ(mtus().size(), 1u);
  for (uint32_t bad : {0u, table_push::kMinGuestMtu - 1, table_push::kMaxGuestMtu + 1}) {
    auto header = table_push::encode_header_with_mtu(static_cast<uint32_t>(standard_table(12).size()), bad);
    Bytes frame(header.begin(), header.end());
    Bytes table = standard_table(12);
    frame.insert(frame.end(), table.begin(), table.end());
    EXPECT_EQ(send_raw(frame), static_cast<int>(PushStatus::kBadFrame)) << bad;
  }
  auto cut = table_push::encode_header_with_mtu(100, 1450);
  EXPECT_EQ(send_raw(Bytes(cut.begin(), cut.begin() + 10)), static_cast<int>(PushStatus::kBadFrame));
  EXPECT_EQ(mtus().size(), 1u);
  EXPECT_EQ(read_bytes(table_), standard_table());
  // An "SNT1" push (no overlay) hands no MTU on.
  EXPECT_TRUE(table_push::push_table(target(), standard_table(13)).ok());
  EXPECT_EQ(mtus().size(), 1u);
}

TEST_F(PushOverLoopback, SilentClientTimesOutAndServerMovesOn) {
  start("127.0.0.1", std::chrono::milliseconds(300));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(server_->port());
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  unsigned char status = 0xff;
  ASSERT_EQ(recv(fd, &status, 1, 0), 1);  // answered after the deadline, without our data
  EXPECT_EQ(status, static_cast<unsigned char>(PushStatus::kBadFrame));
  close(fd);
  EXPECT_TRUE(table_push::push_table(target(), standard_table()).ok());
}

TEST_F(PushOverLoopback, OtherPeersAreRefusedWithoutAnswer) {
  start("127.0.0.2");  // only "the host" may push; we connect from 127.0.0.1
  auto result = table_push::push_table(target(), standard_table());
  EXPECT_FALSE(result.delivered);
  EXPECT_FALSE(std::filesystem::exists(table_));
  // From the allowed address it works (loopback owns all of 127/8).
  auto t = target();
  t.source_address = "127.0.0.2";
  EXPECT_TRUE(table_push::push_table(t, standard_table()).ok());
}

TEST(PushClient, ReportsTransportErrors) {
  table_push::PushTarget t;
  t.guest_address = "not-an-ip";
  EXPECT_FALSE(table_push::push_table(t, standard_table()).delivered);
  t.guest_address = "127.0.0.1";
  t.port = 1;  // nothing listens there
  t.timeout = std::chrono::milliseconds(2000);
  auto r = table_push::push_table(t, standard_table());
  EXPECT_FALSE(r.delivered);
  EXPECT_FALSE(r.error.empty());
}

int run_guestd(const std::string& args) {
  int status = std::system((std::string(SANDNET_GUESTD) + " " + args + " --log-level warn").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(GuestdBinary, OnceFromFile) {
  TempDir dir;
  auto good = dir.path / "good.table", bad = dir.path / "bad.table", table = dir.path / "out" / "hosts.table";
  write_bytes(good, standard_table());
  write_bytes(bad, Bytes(200, 7));
  auto hosts = dir.path / "hosts";
  std::ofstream(hosts) << "127.0.0.1 localhost\n";
  EXPECT_EQ(run_guestd("--once --from-file " + good.string() + " --table " + table.string() +
                       " --hosts-file " + hosts.string()), 0);
  EXPECT_EQ(read_bytes(table), standard_table());
  EXPECT_NE(read_text(hosts).find("10.42.1.2\tme me.prod"), std::string::npos);
  EXPECT_NE(run_guestd("--once --from-file " + bad.string() + " --table " + table.string()), 0);
  EXPECT_EQ(read_bytes(table), standard_table());
  EXPECT_NE(run_guestd("--from-file " + good.string()), 0);  // --from-file needs --once
}

TEST(GuestdBinary, SetsAddressInPrivateNetns) {
  // `unshare -n`: a throwaway network namespace that dies with the command.
  TempDir dir;
  auto good = dir.path / "good.table";
  write_bytes(good, standard_table());
  std::string out_file = (dir.path / "out.txt").string();
  std::string script = "ip link add sngd0 type veth peer name sngd1 && " + std::string(SANDNET_GUESTD) +
                       " --once --from-file " + good.string() + " --table " + (dir.path / "t").string() +
                       " --dev sngd0 --set-address 10.42.0.5/16 --allowed-peer 169.254.0.1 --log-level warn"
                       " && ip -o -4 addr show dev sngd0 && ip -4 route show dev sngd0";
  int status = std::system(("unshare -n sh -c '" + script + "' > " + out_file + " 2>&1").c_str());
  std::string out = read_text(out_file);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
  EXPECT_NE(out.find("inet 10.42.0.5/16"), std::string::npos) << out;
  EXPECT_NE(out.find("169.254.0.1 proto static scope link"), std::string::npos) << out;
  EXPECT_NE(out.find("10.42.0.0/16"), std::string::npos) << out;
}

}  // namespace
}  // namespace sandnet::nss_test
