// The agent's local runtime API: a unix stream socket (<run-dir>/agent.sock, mode 0600) taking
// one JSON request line and answering one JSON line (docs/agent.md "Runtime plug API"). The server side runs a
// thread; the client side is what `sandnetctl plug|unplug` and tests use.
#pragma once
#include <functional>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace sandnet::sync {

inline constexpr size_t kMaxRequestBytes = 4096;

std::string agent_socket_path(const std::string& run_dir);

class AgentSocketServer {
 public:
  using Handler = std::function<nlohmann::json(const nlohmann::json&)>;
  // Replaces a stale socket file; throws std::system_error.
  AgentSocketServer(const std::string& path, Handler handler);
  ~AgentSocketServer();
  AgentSocketServer(const AgentSocketServer&) = delete;
  AgentSocketServer& operator=(const AgentSocketServer&) = delete;

 private:
  void run();
  void serve_one(int fd);
  std::string path_;
  Handler handler_;
  int listen_fd_ = -1;
  int stop_fd_ = -1;
  std::thread thread_;
};

// Sends one request and returns the answer; throws std::runtime_error when the agent cannot
// be reached or answers garbage.
nlohmann::json agent_request(const std::string& socket_path, const nlohmann::json& request, int timeout_ms = 30000);

}  // namespace sandnet::sync
