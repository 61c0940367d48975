#include "guestd/push_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <system_error>
#include <vector>

#include "common/push/socket_io.h"

namespace sandnet::guestd {

using table_push::PushStatus;

namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::system_error(errno, std::generic_category(), what);
}

uint32_t parse_ipv4(const std::string& text, const char* what) {
  in_addr a{};
  if (inet_pton(AF_INET, text.c_str(), &a) != 1)
    throw std::invalid_argument(std::string(what) + ": not an IPv4 address: " + text);
  return a.s_addr;
}

}  // namespace

PushServer::PushServer(PushServerOptions options, TableHandler handler, TableHandler delta_handler)
    : options_(std::move(options)), handler_(std::move(handler)), delta_handler_(std::move(delta_handler)) {
  allowed_peer_ = parse_ipv4(options_.allowed_peer, "allowed peer");
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(options_.port);
  sa.sin_addr.s_addr = parse_ipv4(options_.listen_address, "listen address");
  if (pipe2(stop_fds_, O_CLOEXEC | O_NONBLOCK) != 0) fail("pipe2");
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd_ < 0) fail("socket");
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (options_.device && setsockopt(listen_fd_, SOL_SOCKET, SO_BINDTODEVICE, options_.device->c_str(),
                                    static_cast<socklen_t>(options_.device->size())) != 0)
    fail("SO_BINDTODEVICE " + *options_.device);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    fail("bind " + options_.listen_address + ":" + std::to_string(options_.port));
  if (listen(listen_fd_, 4) != 0) fail("listen");
  socklen_t len = sizeof sa;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len);
  port_ = ntohs(sa.sin_port);
}

PushServer::~PushServer() {
  for (int fd : {listen_fd_, stop_fds_[0], stop_fds_[1]})
    if (fd >= 0) close(fd);
}

void PushServer::stop() {
  char byte = 1;
  [[maybe_unused]] ssize_t n = write(stop_fds_[1], &byte, 1);
}

bool PushServer::serve_until_installed() {
  for (;;) {
    auto outcome = serve_one();
    if (!outcome) return false;
    if (*outcome == PushStatus::kOk) return true;
  }
}

void PushServer::serve_forever() {
  while (serve_one()) {
  }
}

// nullopt only when stopped; otherwise the status of the connection (kBadFrame when a
// connection was refused or broken, so the caller keeps serving).
std::optional<PushStatus> PushServer::serve_one() {
  pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_fds_[0], POLLIN, 0}};
  for (;;) {
    int rc = poll(fds, 2, -1);
    if (rc < 0 && errno == EINTR) continue;
    if (rc < 0) fail("poll");
    if (fds[1].revents) return std::nullopt;
    if (fds[0].revents) break;
  }
  sockaddr_in peer{};
  socklen_t len = sizeof peer;
  int fd = accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) return PushStatus::kBadFrame;  // e.g. the client gave up already
  std::optional<PushStatus> outcome = PushStatus::kBadFrame;
  char peer_text[INET_ADDRSTRLEN] = "?";
  inet_ntop(AF_INET, &peer.sin_addr, peer_text, sizeof peer_text);
  if (peer.sin_family != AF_INET || peer.sin_addr.s_addr != allowed_peer_) {
    // Only the host may push; anyone else gets a closed connection and no information.
    spdlog::warn("refused push connection from {}", peer_text);
  } else {
    handle_connection(fd, outcome);
  }
  close(fd);
  return outcome;
}

void PushServer::handle_connection(int fd, std::optional<PushStatus>& outcome) {
  auto deadline = std::chrono::steady_clock::now() + options_.frame_timeout;
  auto reply = [&](PushStatus status) {
    // The status gets its own short deadline: a sender that timed out still learns why.
    auto byte = static_cast<unsigned char>(status);
    table_push::write_all(fd, &byte, 1, std::chrono::steady_clock::now() + std::chrono::seconds(1));
    outcome = status;
  };
  std::array<unsigned char, table_push::kHeaderSize> header{};
  if (!table_push::read_exact(fd, header.data(), header.size(), deadline)) {
    spdlog::warn("push: incomplete header or timeout");
    return reply(PushStatus::kBadFrame);
  }
  auto start = table_push::decode_header(header);
  if (!start || (start->delta && !delta_handler_)) {
    spdlog::warn("push: bad magic");
    return reply(PushStatus::kBadFrame);
  }
  std::optional<uint32_t> mtu;
  if (start->mtu_follows) {
    std::array<unsigned char, table_push::kMtuFieldSize> field{};
    if (!table_push::read_exact(fd, field.data(), field.size(), deadline)) {
      spdlog::warn("push: incomplete MTU field or timeout");
      return reply(PushStatus::kBadFrame);
    }
    mtu = table_push::get_be32(field.data());
    if (start->delta && *mtu == 0) mtu.reset();  // a delta without the overlay
    else if (*mtu < table_push::kMinGuestMtu || *mtu > table_push::kMaxGuestMtu) {
      spdlog::warn("push: MTU {} outside {}..{}", *mtu, table_push::kMinGuestMtu, table_push::kMaxGuestMtu);
      return reply(PushStatus::kBadFrame);
    }
  }
  if (start->length > options_.max_table_size) {
    spdlog::warn("push: announced {} bytes, limit is {}", start->length, options_.max_table_size);
    return reply(PushStatus::kTooLarge);
  }
  std::vector<unsigned char> table(start->length);
  if (!table_push::read_exact(fd, table.data(), table.size(), deadline)) {
    spdlog::warn("push: table shorter than announced or timeout");
    return reply(PushStatus::kBadFrame);
  }
  PushStatus status = start->delta ? delta_handler_(table) : handler_(table);
  // The MTU comes with an accepted table only: a frame the guest refused changes nothing.
  if (status == PushStatus::kOk && mtu && options_.on_mtu) {
    sockaddr_in local{};
    socklen_t len = sizeof local;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0) options_.on_mtu(*mtu, local.sin_addr.s_addr);
  }
  reply(status);
}

}  // namespace sandnet::guestd
