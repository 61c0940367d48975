// Raw sockets for tests that must send what no HTTP client library would (hostile bodies,
// header floods, half-sent requests), and the server process's memory figures.
#pragma once
#include <sys/types.h>

#include <string>
#include <string_view>

namespace sandnet::test {

// A blocking loopback socket whose reads time out after recv_timeout_s; -1 on failure.
int connect_loopback(int port, int recv_timeout_s = 10);
bool send_all(int fd, std::string_view bytes);
// Reads until the peer closes or the receive timeout.
std::string read_all(int fd);
// Reads exactly one response with a Content-Length body (keep-alive: the socket stays
// usable for the next one); empty on timeout or close.
std::string read_response(int fd);
// Connects, sends, optionally half-closes, and returns everything the server sent back.
std::string raw_exchange(int port, const std::string& bytes, bool half_close = true);
// The status code of a raw HTTP response ("HTTP/1.1 413 ..."), 0 when there is none.
int status_of(const std::string& reply);
// A field of /proc/PID/status in kB (VmRSS, VmHWM); -1 when unreadable.
long proc_status_kb(pid_t pid, const std::string& field);

}  // namespace sandnet::test
