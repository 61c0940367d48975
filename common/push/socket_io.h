// Blocking-socket I/O with an absolute deadline, shared by the push server and client.
#pragma once

#include <chrono>
#include <cstddef>

namespace sandnet::table_push {

using Deadline = std::chrono::steady_clock::time_point;

// Reads exactly `size` bytes before `deadline`. False on EOF, error or timeout.
bool read_exact(int fd, void* data, size_t size, Deadline deadline);
// Writes all `size` bytes before `deadline`. False on error or timeout.
bool write_all(int fd, const void* data, size_t size, Deadline deadline);

}  // namespace sandnet::table_push
