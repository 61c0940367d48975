#include "sync/feed_parse.h"

#include <fmt/format.h>

namespace sandnet::sync {

using nlohmann::json;

namespace {

// Where the parser is: one frame per open container, with the key it sits under in its
// parent object ("" for array elements and the root).
struct Frame {
  bool is_object;
  std::string key;
};

class Streamer {
 public:
  explicit Streamer(const std::vector<std::string>& data_path) : path_(data_path) {}

  bool on_event(int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::key:
        last_key_ = parsed.get<std::string>();
        return true;
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start: {
        bool parent_is_object = !frames_.empty() && frames_.back().is_object;
        frames_.push_back({event == json::parse_event_t::object_start, parent_is_object ? last_key_ : ""});
        return true;
      }
      case json::parse_event_t::array_end:
        frames_.pop_back();
        return true;
      case json::parse_event_t::object_end: {
        frames_.pop_back();
        const char* list = record_list();
        if (!list) return true;
        if (*list == 's') out_.sandboxes.push_back(parse_sandbox(parsed));
        else out_.networks.push_back(parse_network(parsed));
        return false;  // converted: keep it out of the tree
      }
      case json::parse_event_t::value:
        return true;
    }
    return true;
  }

  FeedAnswer take() { return std::move(out_); }

 private:
  // Non-null when the object just closed is an element of data.sandboxes / data.networks.
  const char* record_list() const {
    if (frames_.size() != path_.size() + 2) return nullptr;
    for (size_t i = 0; i < path_.size(); ++i)
      if (!frames_[i].is_object || frames_[i + 1].key != path_[i]) return nullptr;
    const Frame& data = frames_[path_.size()];
    const Frame& list = frames_.back();
    if (!data.is_object || list.is_object) return nullptr;
    if (list.key == "sandboxes") return "sandboxes";
    if (list.key == "networks") return "networks";
    return nullptr;
  }

  const std::vector<std::string>& path_;
  std::vector<Frame> frames_;
  std::string last_key_;
  FeedAnswer out_;
};

}  // namespace

namespace {

// One parse for any input nlohmann reads (text in memory, a file stream).
template <typename Input>
StreamedFeed parse_feed_from(Input&& input, const std::vector<std::string>& data_path) {
  Streamer streamer(data_path);
  StreamedFeed out;
  try {
    out.rest = json::parse(std::forward<Input>(input), [&](int depth, json::parse_event_t event, json& parsed) {
      return streamer.on_event(depth, event, parsed);
    });
  } catch (const json::exception& e) {
    throw FeedFormatError(fmt::format("not JSON: {}", e.what()));
  }
  const json* data = &out.rest;
  for (auto& key : data_path) {
    if (!data->is_object() || !data->contains(key)) throw FeedFormatError(fmt::format("no \"{}\" object", key));
    data = &(*data)[key];
  }
  out.answer = parse_feed(*data, streamer.take());
  return out;
}

}  // namespace

StreamedFeed parse_feed_text(std::string_view text, const std::vector<std::string>& data_path) {
  return parse_feed_from(text, data_path);
}

StreamedFeed parse_feed_stream(std::istream& in, const std::vector<std::string>& data_path) {
  return parse_feed_from(in, data_path);
}

}  // namespace sandnet::sync
