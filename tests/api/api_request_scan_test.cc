// request_scan: where a buffered request ends, and what it refuses, byte by byte.
#include <gtest/gtest.h>

#include "api/request_scan.h"

namespace sandnet::api {
namespace {

ScanResult scan(const std::string& in, size_t max_body = 64) {
  ScanLimits l;
  l.max_header_bytes = 1024;
  l.max_header_lines = 10;
  l.max_body_bytes = max_body;
  l.max_chunk_overhead = 32;
  return scan_request(in, l);
}

TEST(RequestScan, CompleteRequestsEndWhereTheirBodyEnds) {
  std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  ScanResult r = scan(get + "GET /next");  // a pipelined next request is not part of it
  ASSERT_EQ(r.kind, ScanResult::kComplete);
  EXPECT_EQ(r.request_end, get.size());
  std::string post = "POST / HTTP/1.1\r\ncontent-length: 3\r\n\r\nabc";
  EXPECT_EQ(scan(post).request_end, post.size());
  std::string chunked = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n";
  EXPECT_EQ(scan(chunked + "rest").request_end, chunked.size());
  EXPECT_EQ(scan("POST / HTTP/1.1\r\n\r\n").request_end, 19u);  // no length: no body
}

TEST(RequestScan, PartialRequestsWait) {
  EXPECT_EQ(scan("GET / HTTP/1.1\r\nHost: x\r\n").kind, ScanResult::kIncomplete);
  // With a Content-Length the scan already says where the request will end.
  std::string head = "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n";
  EXPECT_EQ(scan(head + "a").request_end, head.size() + 3);
  EXPECT_EQ(scan("POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\nab").kind, ScanResult::kIncomplete);
  EXPECT_EQ(scan("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab").kind,
            ScanResult::kIncomplete);
}

TEST(RequestScan, RefusesWhatNoApiRequestNeeds) {
  auto status = [](const std::string& in, size_t max_body = 64) {
    ScanResult r = scan(in, max_body);
    return r.kind == ScanResult::kReject ? r.status : 0;
  };
  EXPECT_EQ(status("POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n"), 413);
  EXPECT_EQ(status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n"), 413);
  EXPECT_EQ(status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
                   std::string(200, '1') + "\r\n"), 413);  // endless chunk-size line
  EXPECT_EQ(status("POST / HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 1\r\n\r\nx"), 415);
  EXPECT_EQ(status("POST / HTTP/1.1\r\nContent-Encoding: identity\r\n\r\n"), 0);
  EXPECT_EQ(status("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 400);
  EXPECT_EQ(status("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n"), 400);
  EXPECT_EQ(status("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"), 400);
  EXPECT_EQ(status("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), 400);
  EXPECT_EQ(status("GET / HTTP/1.1\r\nBad Header : x\r\n\r\n"), 400);
  EXPECT_EQ(status("GET / HTTP/1.1\r\n" + std::string(2000, 'a')), 431);
  std::string lines = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 11; ++i) lines += "A: b\r\n";
  EXPECT_EQ(status(lines + "\r\n"), 431);
  EXPECT_EQ(status(lines), 431);  // counted before the blank line arrives
  // Trailer lines after the last chunk count as framing, also when they arrive all at once
  // (found by api.fuzz_smoke).
  std::string trailers = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
  for (int i = 0; i < 20; ++i) trailers += "T: 1\r\n";
  EXPECT_EQ(status(trailers + "\r\n"), 413);
  EXPECT_EQ(status(trailers), 413);
}

TEST(RequestScan, FindsTheExpectLineAndRawHeaderValues) {
  std::string head = "POST / HTTP/1.1\r\nExpect: 100-continue\r\nIdempotency-Key:  a%41 \r\n"
                     "Content-Length: 2\r\n\r\n";
  ScanResult r = scan(head);
  ASSERT_EQ(r.kind, ScanResult::kIncomplete);
  EXPECT_EQ(head.substr(r.expect_offset, r.expect_length), "Expect: 100-continue\r\n");
  std::string value;
  ASSERT_TRUE(raw_header_value(head, "idempotency-key", value));
  EXPECT_EQ(value, "a%41");
  EXPECT_FALSE(raw_header_value(head, "X-Api-Key", value));
}

}  // namespace
}  // namespace sandnet::api
