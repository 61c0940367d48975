// Parses JSON text holding a feed answer's `data` (the API's answer, or the checkpoint's view)
// one record at a time: each sandbox and network object is turned into its record as soon as
// its closing brace is read and then dropped, so no tree of the whole answer is ever built (a
// 100,000-membership snapshot as a nlohmann::json tree was most of the agent's peak memory).
#pragma once
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sync/host_view.h"

namespace sandnet::sync {

struct StreamedFeed {
  FeedAnswer answer;
  nlohmann::json rest;  // the whole document minus the streamed records (small)
};

// `data_path`: the keys leading from the root to the `data` object ({} when the root is it,
// {"data"} for the API's envelope, {"view"} in the checkpoint). Throws FeedFormatError on
// malformed JSON, a wrong shape or wrong types.
StreamedFeed parse_feed_text(std::string_view text, const std::vector<std::string>& data_path);
// The same, read from a stream as it is parsed (a checkpoint file: never whole in memory).
StreamedFeed parse_feed_stream(std::istream& in, const std::vector<std::string>& data_path);

}  // namespace sandnet::sync
