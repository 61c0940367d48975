#include "api/request_scan.h"

#include <cctype>
#include <cstdint>

namespace sandnet::api {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

ScanResult reject(int status, const char* code, const char* message) {
  ScanResult r;
  r.kind = ScanResult::kReject;
  r.status = status;
  r.code = code;
  r.message = message;
  return r;
}

ScanResult too_large() {
  return reject(413, "payload_too_large", "request body larger than max_body_bytes");
}

// Digits only, no sign, no overflow past the limit (anything bigger is too large anyway).
bool parse_length(std::string_view text, uint64_t& out) {
  if (text.empty() || text.size() > 18) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

// Finds the end of a chunked body that starts at `pos`; fills r (complete, incomplete or
// reject) and bounds both the decoded size and the framing.
ScanResult scan_chunked(std::string_view in, size_t pos, ScanResult r, const ScanLimits& l) {
  const size_t body_start = pos;
  const size_t raw_limit = l.max_body_bytes + l.max_chunk_overhead;
  uint64_t decoded = 0;
  while (true) {
    size_t eol = in.find("\r\n", pos);
    if (eol == std::string_view::npos) {
      if (in.size() - body_start > raw_limit) return too_large();
      return r;  // incomplete
    }
    std::string_view line = in.substr(pos, eol - pos);
    line = line.substr(0, line.find(';'));  // chunk extensions are ignored
    line = trim(line);
    if (line.empty() || line.size() > 8) {
      return line.empty() ? reject(400, "bad_request", "malformed chunk size") : too_large();
    }
    uint64_t size = 0;
    for (char c : line) {
      int digit = std::isdigit(static_cast<unsigned char>(c))
                      ? c - '0'
                      : (std::isxdigit(static_cast<unsigned char>(c))
                             ? std::tolower(static_cast<unsigned char>(c)) - 'a' + 10
                             : -1);
      if (digit < 0) return reject(400, "bad_request", "malformed chunk size");
      size = size * 16 + static_cast<uint64_t>(digit);
    }
    decoded += size;
    if (decoded > l.max_body_bytes) return too_large();
    pos = eol + 2;
    if (size == 0) {  // last chunk: trailer lines up to an empty line
      while (true) {
        size_t end = in.find("\r\n", pos);
        if (end == std::string_view::npos) {
          if (in.size() - body_start > raw_limit) return too_large();
          return r;
        }
        bool empty = end == pos;
        pos = end + 2;
        if (pos - body_start > raw_limit) return too_large();  // trailers count as framing
        if (empty) break;
      }
      r.kind = ScanResult::kComplete;
      r.request_end = pos;
      return r;
    }
    if (in.size() < pos + size + 2) {
      if (in.size() - body_start > raw_limit) return too_large();
      return r;
    }
    if (in.substr(pos + size, 2) != "\r\n") {
      return reject(400, "bad_request", "chunk data not followed by CRLF");
    }
    pos += size + 2;
    if (pos - body_start > raw_limit) return too_large();
  }
}

}  // namespace

ScanResult scan_request(std::string_view in, const ScanLimits& l) {
  size_t blank = in.find("\r\n\r\n");
  if (blank == std::string_view::npos || blank + 4 > l.max_header_bytes) {
    size_t seen = blank == std::string_view::npos ? in.size() : blank + 4;
    size_t lines = 0;
    for (size_t i = 0; i < seen && i < l.max_header_bytes + 4; ++i) lines += in[i] == '\n';
    if (seen > l.max_header_bytes || lines > l.max_header_lines + 1) {
      return reject(431, "headers_too_large",
                    "request line and headers exceed the server's limits");
    }
    return {};
  }
  ScanResult r;
  r.header_end = blank + 4;
  size_t line_start = in.find("\r\n") + 2;  // skip the request line (httplib parses it)
  size_t lines = 0;
  bool chunked = false, has_length = false;
  uint64_t length = 0;
  while (line_start < blank + 2) {
    size_t eol = in.find("\r\n", line_start);
    std::string_view line = in.substr(line_start, eol - line_start);
    if (++lines > l.max_header_lines) {
      return reject(431, "headers_too_large", "more header lines than the server accepts");
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || line[colon - 1] == ' ' ||
        line[colon - 1] == '\t') {
      return reject(400, "bad_request", "malformed header line");
    }
    std::string_view name = line.substr(0, colon);
    std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "Content-Length")) {
      uint64_t v = 0;
      if (!parse_length(value, v) || (has_length && v != length)) {
        return reject(400, "bad_request", "invalid Content-Length");
      }
      has_length = true;
      length = v;
    } else if (iequals(name, "Transfer-Encoding")) {
      if (!iequals(value, "chunked") || chunked) {
        return reject(400, "bad_request", "only Transfer-Encoding: chunked is accepted");
      }
      chunked = true;
    } else if (iequals(name, "Content-Encoding")) {
      if (!value.empty() && !iequals(value, "identity")) {
        return reject(415, "unsupported_content_encoding",
                      "request bodies must not be compressed (Content-Encoding)");
      }
    } else if (iequals(name, "Expect") && iequals(value, "100-continue")) {
      r.expect_offset = line_start;
      r.expect_length = eol + 2 - line_start;
    }
    line_start = eol + 2;
  }
  if (chunked && has_length) {
    return reject(400, "bad_request", "both Content-Length and Transfer-Encoding");
  }
  if (chunked) return scan_chunked(in, r.header_end, r, l);
  if (length > l.max_body_bytes) return too_large();
  r.request_end = r.header_end + static_cast<size_t>(length);
  if (in.size() < r.request_end) return r;  // body still arriving
  r.kind = ScanResult::kComplete;
  return r;
}

bool raw_header_value(std::string_view headers, std::string_view name, std::string& value) {
  size_t pos = headers.find("\r\n");  // past the request line
  while (pos != std::string_view::npos && pos + 2 < headers.size()) {
    size_t start = pos + 2;
    size_t eol = headers.find("\r\n", start);
    if (eol == std::string_view::npos || eol == start) return false;
    std::string_view line = headers.substr(start, eol - start);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos && iequals(line.substr(0, colon), name)) {
      value = std::string(trim(line.substr(colon + 1)));
      return true;
    }
    pos = eol;
  }
  return false;
}

}  // namespace sandnet::api
