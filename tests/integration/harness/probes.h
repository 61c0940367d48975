// Reachability probes run in-process from inside a namespace (sockets made by a thread that
// entered it): ICMP echo with our own ids and sequence numbers, and TCP connect + echo.
// Each probe has a hard timeout. Callers use short ones where a packet must NOT pass and a
// bounded poll (probe until it succeeds or a generous deadline) where it must.
#pragma once
#include <netinet/in.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace sandnet::testing {

using std::chrono::milliseconds;

// ip:port as a socket address; throws std::invalid_argument for a bad address.
sockaddr_in make_addr(const std::string& ip, uint16_t port);

// One echo request from `netns` to dst_ip; true when the matching reply came back in time.
// `mark`, when not 0, is the probe socket's SO_MARK (sandnet's host channel passes only marked
// packets to a guest).
bool ping_once(const std::string& netns, const std::string& dst_ip, milliseconds timeout, uint32_t mark = 0);

// Pings (each attempt 500 ms) until a reply or the deadline.
bool ping_eventually(const std::string& netns, const std::string& dst_ip, milliseconds deadline, uint32_t mark = 0);

struct PingStreamResult {
  int sent = 0;
  int received = 0;
  std::vector<int> lost;  // sequence numbers without a reply
};

// Sends `count` echo requests at `interval` (paced on a steady clock) and waits up to
// `tail` after the last one for late replies. Runs in the calling thread.
PingStreamResult ping_stream(const std::string& netns, const std::string& dst_ip, int count, milliseconds interval,
                             milliseconds tail);

// Echoes every byte it receives, on ip:port inside a namespace, until destroyed.
class TcpEchoServer {
 public:
  TcpEchoServer(const std::string& netns, const std::string& ip, uint16_t port);
  ~TcpEchoServer();
  TcpEchoServer(const TcpEchoServer&) = delete;
  TcpEchoServer& operator=(const TcpEchoServer&) = delete;

 private:
  void serve();
  int listen_fd_ = -1;
  int stop_fd_ = -1;  // eventfd that wakes the thread up to stop
  std::thread thread_;
};

enum class TcpOutcome {
  kEchoed,   // connected and our bytes came back: reachable both ways
  kRefused,  // a RST came back: the packet reached a stack, so it is reachable too
  kTimeout,  // nothing came back in time
  kError,    // any other error (e.g. host unreachable)
};
const char* to_string(TcpOutcome outcome);

// Connects from `netns` to ip:port and exchanges a few bytes, within timeout.
TcpOutcome tcp_probe(const std::string& netns, const std::string& ip, uint16_t port, milliseconds timeout,
                     uint32_t mark = 0);

// Probes until kEchoed or the deadline; returns the last outcome.
TcpOutcome tcp_probe_eventually(const std::string& netns, const std::string& ip, uint16_t port, milliseconds deadline,
                                uint32_t mark = 0);

// An established connection to an echo server, for tests that watch one flow over time.
class TcpEchoClient {
 public:
  // Throws if it cannot connect within timeout.
  TcpEchoClient(const std::string& netns, const std::string& ip, uint16_t port, milliseconds timeout);
  ~TcpEchoClient();
  TcpEchoClient(const TcpEchoClient&) = delete;
  TcpEchoClient& operator=(const TcpEchoClient&) = delete;
  // Sends a message and waits until every byte sent so far has come back; false on timeout.
  // Once a flow is cut it stays false: the echo can never catch up again.
  bool exchange(milliseconds timeout);
  // Streams `bytes` through the echo and reads them all back; false on timeout. Exercises
  // full-size and GSO segments, which small exchanges never produce.
  bool exchange_bulk(size_t bytes, milliseconds timeout);

 private:
  int fd_ = -1;
  uint64_t sent_ = 0;
  uint64_t received_ = 0;
};

}  // namespace sandnet::testing
