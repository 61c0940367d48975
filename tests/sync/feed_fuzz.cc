// libFuzzer target: hostile feed answers and checkpoint log lines through the agent's parsers
// (record-by-record feed parse, view update, log record replay). Must never crash, hang or
// leak; every rejection is an exception the agent handles (FeedFormatError, or a
// std::exception for a log line).
// Long run: build/tests/sync/sync_feed_fuzz -max_total_time=600 tests/sync/fuzz_corpus
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sync/checkpoint.h"
#include "sync/feed_parse.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sandnet::sync;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  HostView view;
  try {
    auto parsed = parse_feed_text(text, {"data"});
    view.apply(std::move(parsed.answer));
    view.to_json().dump();  // what the checkpoint writes must serialise
  } catch (const FeedFormatError&) {
  }
  Checkpoint c;
  try {
    apply_record(c, text);
    encode_base("h1", 1, c.view, c.plugs, c.unreported_unplugs);
  } catch (const std::exception&) {
  }
  return 0;
}
