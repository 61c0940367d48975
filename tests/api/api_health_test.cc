// Honest health: /healthz reads the database itself and checks the disk has room, so it
// answers 503 on a corrupt SQLite file or an unreachable PostgreSQL database, and on a full
// disk (SQLite on a small tmpfs this test mounts and unmounts, whichever store the suite runs
// on); a database locked by another session gives a retryable 503, not a 500.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/api/api_fixture.h"
#include "tests/api/test_db.h"

namespace sandnet::test {
namespace {

class HealthTest : public ApiTest {};

void expect_unhealthy(const Response& r) {
  expect_fail(r, 503, "unhealthy");
  EXPECT_EQ(r.headers.count("Retry-After"), 1u);
}

TEST_F(HealthTest, CorruptFileIs503AndRepairedFileIs200) {
  ASSERT_EQ(anon().get("/healthz").status, 200);
  DatabaseOutage outage(db_);
  Response bad = anon().get("/healthz");
  outage.repair();  // before asserting
  expect_unhealthy(bad);
  EXPECT_NE(bad.body.value("message", "").find(DatabaseOutage::unhealthy_word(db_)),
            std::string::npos)
      << bad.raw;
  EXPECT_EQ(anon().get("/healthz").status, 200);
}

// A tmpfs of its own, unmounted and removed whatever happens.
class SmallDisk {
 public:
  SmallDisk() {
    char tmpl[] = "/tmp/sandnet-api-smalldisk-XXXXXX";
    if (!mkdtemp(tmpl)) return;
    path_ = tmpl;
    mounted_ = mount("tmpfs", path_.c_str(), "tmpfs", 0, "size=8m") == 0;
  }
  ~SmallDisk() {
    if (mounted_) umount2(path_.c_str(), MNT_DETACH);
    if (!path_.empty()) rmdir(path_.c_str());
  }
  bool mounted() const { return mounted_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
  bool mounted_ = false;
};

TEST_F(HealthTest, FullDiskIs503AndFreedDiskIs200) {
  if (geteuid() != 0) GTEST_SKIP() << "mounting a tmpfs needs root";
  SmallDisk disk;
  ASSERT_TRUE(disk.mounted()) << "mount tmpfs failed";
  server_->terminate();
  db_ = disk.file("api.db");
  alice_key_ = create_user(db_, "alice");
  std::string config = dir_.file("disk.json");
  std::ofstream(config) << R"({"min_free_disk_bytes": 1048576})";
  start({"--config", config});
  ASSERT_EQ(anon().get("/healthz").status, 200);

  {
    std::ofstream filler(disk.file("filler"), std::ios::binary);
    std::string block(1 << 16, 'f');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
  }
  Response full = anon().get("/healthz");
  std::filesystem::remove(disk.file("filler"));
  expect_unhealthy(full);
  EXPECT_NE(full.body.value("message", "").find("disk nearly full"), std::string::npos)
      << full.raw;
  EXPECT_EQ(anon().get("/healthz").status, 200);
  server_->terminate();  // before the tmpfs goes away
}

TEST_F(HealthTest, DatabaseLockedElsewhereIsRetryable503) {
  restart_with_config({{"busy_timeout_ms", 200}});
  ForeignWriteLock lock(db_);
  Response r = alice().post("/v1/networks", R"({"name":"locked"})");
  lock.release();
  expect_fail(r, 503, "store_busy");
  EXPECT_EQ(r.headers.count("Retry-After"), 1u);
  EXPECT_EQ(r.body["data"]["retryable"], true) << r.raw;
  EXPECT_EQ(alice().post("/v1/networks", R"({"name":"locked"})").status, 200);  // the retry
}

}  // namespace
}  // namespace sandnet::test
