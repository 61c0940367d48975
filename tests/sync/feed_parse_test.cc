// The streaming feed parser (sync/feed_parse.h): same result as the tree parser on good input,
// a clear FeedFormatError (never a crash) on hostile input.
#include "sync/feed_parse.h"

#include <gtest/gtest.h>

#include "tests/sync/view_fixtures.h"

namespace sandnet::sync {
namespace {

using namespace testing;
using nlohmann::json;

TEST(FeedParse, StreamedEqualsTreeParse) {
  for (const json& data : {snapshot(), changes()}) {
    HostView tree, streamed;
    tree.apply_feed(snapshot(3));
    streamed.apply_feed(snapshot(3));
    tree.apply_feed(data);
    json envelope = {{"status", "success"}, {"data", data}};
    auto parsed = parse_feed_text(envelope.dump(), {"data"});
    EXPECT_EQ(parsed.rest["data"]["sandboxes"], json::array());  // records were not kept in the tree
    streamed.apply(std::move(parsed.answer));
    EXPECT_EQ(streamed.to_json(), tree.to_json()) << data.dump();
  }
  auto bare = parse_feed_text(snapshot().dump(), {});
  EXPECT_TRUE(bare.answer.snapshot);
  EXPECT_EQ(bare.answer.sandboxes.size(), 3u);
  EXPECT_EQ(bare.answer.networks.size(), 2u);
}

TEST(FeedParse, HostileInputIsAClearError) {
  auto sb = sandbox(kA, "a", "10.42.0.5", "h1", {}).dump();
  const char* cases[] = {
      "",
      "{",
      "[]",
      "nul",
      R"({"status":"success"})",
      R"({"status":"success","data":[]})",
      R"({"status":"success","data":{"type":"snapshot"}})",
      R"({"status":"success","data":{"type":"snapshot","revision":-1}})",
      R"({"status":"success","data":{"type":"snapshot","revision":"1"}})",
      R"({"status":"success","data":{"type":"nope","revision":1}})",
      R"({"status":"success","data":{"type":"changes","revision":1,"sandboxes":{"x":{"id":1}}}})",
      R"({"status":"success","data":{"type":"changes","revision":1,"sandboxes":[{"id":1}]}})",
      R"({"status":"success","data":{"type":"changes","revision":1,"sandboxes":[7]}})",
      R"({"status":"success","data":{"type":"changes","revision":1,"sandboxes":5}})",
      R"({"status":"success","data":{"type":"changes","revision":1,"networks":[{"id":"n","name":"x","members":[1]}]}})",
      R"({"status":"success","data":{"type":"changes","revision":1,"networks":[{"id":"n","name":"x","members":"m"}]}})",
      R"({"status":"success","data":{"type":"changes","revision":1,"removed_sandboxes":[{}]}})",
      R"({"status":"success","data":{"type":"changes","revision":1,"sandboxes":[{"id":"a","name":"b","ip":"c","networks":[[[[]]]]}]}})",
  };
  for (const char* text : cases) EXPECT_THROW(parse_feed_text(text, {"data"}), FeedFormatError) << text;
  // Deep nesting and a truncated document of real records.
  std::string deep = R"({"data":{"type":"changes","revision":1,"x":)" + std::string(100000, '[') + "}}";
  EXPECT_THROW(parse_feed_text(deep, {"data"}), FeedFormatError);
  std::string truncated = R"({"data":{"type":"changes","revision":1,"sandboxes":[)" + sb + "," + sb.substr(0, 20);
  EXPECT_THROW(parse_feed_text(truncated, {"data"}), FeedFormatError);
  // Records nested anywhere else are ordinary values, not records.
  auto other = parse_feed_text(R"({"x":{"sandboxes":[)" + sb + R"(]},"data":{"type":"changes","revision":2}})", {"data"});
  EXPECT_TRUE(other.answer.sandboxes.empty());
}

}  // namespace
}  // namespace sandnet::sync
