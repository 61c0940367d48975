#include "sync/agent_socket.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include <gtest/gtest.h>

namespace sandnet::sync {
namespace {

class AgentSocketTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("sync-sock-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    path_ = agent_socket_path(dir_.string());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(AgentSocketTest, OneLineInOneLineOutMode0600) {
  AgentSocketServer server(path_, [](const nlohmann::json& r) { return nlohmann::json{{"ok", true}, {"echo", r}}; });
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto answer = agent_request(path_, {{"op", "status"}});
  EXPECT_TRUE(answer["ok"].get<bool>());
  EXPECT_EQ(answer["echo"]["op"], "status");
}

TEST_F(AgentSocketTest, HostileInputGetsAnErrorLine) {
  AgentSocketServer server(path_, [](const nlohmann::json&) { return nlohmann::json{{"ok", true}}; });
  auto raw = [&](const std::string& bytes) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strcpy(a.sun_path, path_.c_str());
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    (void)!write(fd, bytes.data(), bytes.size());
    shutdown(fd, SHUT_WR);
    std::string out;
    char buf[256];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    close(fd);
    return out;
  };
  EXPECT_NE(raw("not json\n").find("not JSON"), std::string::npos);
  EXPECT_NE(raw(std::string(10000, 'x') + "\n").find("at most 4096"), std::string::npos);
  EXPECT_NE(raw("").find("\"ok\":false"), std::string::npos);
  // Still serving.
  EXPECT_TRUE(agent_request(path_, {{"op", "status"}})["ok"].get<bool>());
}

TEST_F(AgentSocketTest, NoAgentIsAClearError) {
  EXPECT_THROW(agent_request(path_, {{"op", "status"}}), std::runtime_error);
}

}  // namespace
}  // namespace sandnet::sync
