#include "tests/api/raw_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>

namespace sandnet::test {

int connect_loopback(int port, int recv_timeout_s) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{recv_timeout_s, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string read_all(int fd) {
  std::string reply;
  char buf[4096];
  ssize_t n;
  while ((n = recv(fd, buf, sizeof buf, 0)) > 0) reply.append(buf, static_cast<size_t>(n));
  return reply;
}

std::string read_response(int fd) {
  std::string reply;
  char c;
  while (reply.find("\r\n\r\n") == std::string::npos) {
    if (recv(fd, &c, 1, 0) != 1) return {};
    reply.push_back(c);
  }
  size_t at = reply.find("Content-Length: ");
  size_t length = at == std::string::npos ? 0 : std::stoul(reply.substr(at + 16));
  std::string body(length, '\0');
  size_t got = 0;
  while (got < length) {
    ssize_t n = recv(fd, body.data() + got, length - got, 0);
    if (n <= 0) return {};
    got += static_cast<size_t>(n);
  }
  return reply + body;
}

std::string raw_exchange(int port, const std::string& bytes, bool half_close) {
  int fd = connect_loopback(port);
  if (fd < 0) return {};
  send_all(fd, bytes);
  if (half_close) shutdown(fd, SHUT_WR);
  std::string reply = read_all(fd);
  close(fd);
  return reply;
}

int status_of(const std::string& reply) {
  if (reply.rfind("HTTP/1.1 ", 0) != 0 || reply.size() < 12) return 0;
  return std::stoi(reply.substr(9, 3));
}

long proc_status_kb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

}  // namespace sandnet::test
