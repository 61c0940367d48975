// Hostile input on the host routes and the new query parameters: every bad value is a 400
// naming the field, never a crash.
#include "tests/api_feed/feed_fixture.h"

namespace sandnet::test {
namespace {

class FeedHostileTest : public FeedTest {};

TEST_F(FeedHostileTest, BadSinceAndTimeout) {
  for (const char* q : {"since=-1", "since=abc", "since=1e3", "since=%2B5", "since=",
                        "since=99999999999999999999", "since=1&since=2", "since=0x10"}) {
    Response r = h1().feed_query(q);
    expect_fail(r, 400, "invalid_since");
    EXPECT_EQ(r.body["data"]["field"], "since") << q;
  }
  for (const char* q : {"timeout=61", "timeout=-1", "timeout=1.5", "timeout=x",
                        "since=0&timeout=1&timeout=2"}) {
    Response r = h1().feed_query(q);
    expect_fail(r, 400, "invalid_timeout");
    EXPECT_EQ(r.body["data"]["field"], "timeout") << q;
  }
  EXPECT_EQ(h1().feed_query("since=0&timeout=60").status, 200);
  EXPECT_EQ(h1().feed_query("unknown=1").status, 200);
}

TEST_F(FeedHostileTest, BadPlugBodies) {
  std::string id = sandbox_id("brave-otter");
  struct Case {
    const char* body;
    const char* code;
  };
  for (const Case& c : {Case{R"({"mac":"02:00:0a:2a:00"})", "invalid_mac"},
                        Case{R"({"mac":"01:00:5e:00:00:01"})", "invalid_mac"},  // multicast
                        Case{R"({"mac":"00:00:00:00:00:00"})", "invalid_mac"},
                        Case{R"({"mac":"02-00-0a-2a-00-05"})", "invalid_mac"},
                        Case{R"({"mac":"02:00:0a:2a:00:0g"})", "invalid_mac"},
                        Case{R"({"mac":5})", "invalid_type"},
                        Case{R"({"mac":"02:00:0a:2a:00:05","tap":"x"})", "unknown_field"},
                        Case{R"(["mac"])", "invalid_json"},
                        Case{R"({"mac":)", "invalid_json"}}) {
    Response r = h1().plug(id, c.body);
    expect_fail(r, 400, c.code);
  }
  expect_fail(h1().post("/v1/hosts/h1/sandboxes/" + id + "/plug", R"({"mac":null})", "text/plain"),
              415, "unsupported_media_type");
  EXPECT_EQ(h1().plug(id, "{}").status, 200);
  EXPECT_EQ(h1().plug(id, R"({"mac":null})").status, 200);
}

TEST_F(FeedHostileTest, BadAppliedBodies) {
  for (const char* body : {R"({"revision":-1})", R"({"revision":1.5})", R"({"revision":"3"})",
                           R"({"revision":true})", R"({"revision":18446744073709551615})",
                           R"({"revision":1e300})"}) {
    Response r = h1().post("/v1/hosts/h1/applied", body);
    expect_fail(r, 400, "invalid_revision");
    EXPECT_EQ(r.body["data"]["field"], "revision") << body;
  }
  expect_fail(h1().post("/v1/hosts/h1/applied", "{}"), 400, "missing_field");
  expect_fail(h1().post("/v1/hosts/h1/applied", R"({"revision":0,"x":1})"), 400, "unknown_field");
  expect_fail(h1().post("/v1/hosts/h1/applied", ""), 400, "invalid_json");
  expect_fail(h1().applied(1000000), 400, "invalid_revision");  // ahead of the server
}

TEST_F(FeedHostileTest, BadWaitParameters) {
  make_network(alice(), "backend");
  std::string id = sandbox_id("brave-otter");
  std::string path = "/v1/sandboxes/" + id + "/networks";
  Response r = alice().post(path + "?wait=yes", R"({"id":"backend"})");
  expect_fail(r, 400, "invalid_wait");
  expect_fail(alice().post(path + "?wait=applied&timeout=61", R"({"id":"backend"})"), 400,
              "invalid_timeout");
  // (httplib folds identical key=value pairs, so the repeat differs in value)
  expect_fail(alice().del(path + "/backend?wait=applied&wait=x"), 400, "invalid_wait");
  // Nothing was attached by the refused calls.
  EXPECT_EQ(alice().get("/v1/networks/backend").body["data"]["member_count"], 0);
}

TEST_F(FeedHostileTest, HostPathsThatNameNothing) {
  expect_fail(h1().get("/v1/hosts/h1/feed/extra"), 404, "not_found");
  expect_fail(h1().post("/v1/hosts/h1/feed", ""), 405, "method_not_allowed");
  expect_fail(h1().plug("sb_" + std::string(500, 'A')), 404, "not_found");
  expect_fail(h1().get("/v1/hosts/" + std::string(300, 'h') + "/feed"), 404, "not_found");
}

}  // namespace
}  // namespace sandnet::test
