// Finds where the next HTTP/1.1 request in a connection's input ends, before any worker
// thread or parser sees it, and refuses what no API request needs: oversized or too many
// header lines, bodies over the limit (Content-Length or chunked), compressed bodies (an
// inflate bomb turns a few KB into gigabytes) and transfer codings other than chunked.
// Pure function over bytes: the connection front (http_front.cc) calls it after every read.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace sandnet::api {

struct ScanLimits {
  size_t max_header_bytes = 16 * 1024;  // request line + header lines + blank line
  size_t max_header_lines = 100;
  size_t max_body_bytes = 64 * 1024;    // decoded body
  size_t max_chunk_overhead = 4096;     // chunked framing bytes allowed on top of the body
};

struct ScanResult {
  enum Kind { kIncomplete, kComplete, kReject };
  Kind kind = kIncomplete;
  size_t header_end = 0;   // offset just past the blank line (0: headers not complete)
  // kComplete: offset just past the body. kIncomplete with a Content-Length: where the body
  // will end (0 otherwise).
  size_t request_end = 0;
  // kComplete/kIncomplete with headers: the "Expect: 100-continue" line (offset, length),
  // length 0 when absent; the front answers it and removes it.
  size_t expect_offset = 0, expect_length = 0;
  // kReject: what to answer (the connection is closed after it).
  int status = 0;
  const char* code = "";
  const char* message = "";
};

ScanResult scan_request(std::string_view in, const ScanLimits& limits);

// The raw (not percent-decoded) value of the first header `name` (case-insensitive) in a
// header block, without surrounding spaces; false when absent.
bool raw_header_value(std::string_view headers, std::string_view name, std::string& value);

}  // namespace sandnet::api
