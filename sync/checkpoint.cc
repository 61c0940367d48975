#include "sync/checkpoint.h"

#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/atomic_file.h"
#include "sync/feed_parse.h"

namespace sandnet::sync {

using nlohmann::json;

namespace {

constexpr int kVersion = 1;

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

std::string log_header(uint64_t generation) {
  return json{{"checkpoint_log", kVersion}, {"generation", generation}}.dump() + "\n";
}

json feed_to_json(const FeedAnswer& a) {
  json sbs = json::array(), nets = json::array(), hosts = json::array();
  for (auto& s : a.sandboxes) sbs.push_back(to_json(s));
  for (auto& n : a.networks) nets.push_back(to_json(n));
  for (auto& h : a.hosts) hosts.push_back(to_json(h));
  return {{"type", a.snapshot ? "snapshot" : "changes"}, {"revision", a.revision},      {"sandboxes", sbs},
          {"networks", nets},                            {"hosts", hosts},
          {"removed_sandboxes", a.removed_sandboxes},    {"removed_networks", a.removed_networks}};
}

// Replays the log onto `c` if it belongs to c's base; stops at a torn or bad line.
void replay_log(Checkpoint& c, const std::string& state_dir) {
  auto text = read_file(checkpoint_log_path(state_dir));
  if (!text) return;
  size_t end = text->find('\n');
  if (end == std::string::npos) return;  // torn header: nothing was logged after the base
  json header = json::parse(std::string_view(*text).substr(0, end), nullptr, /*allow_exceptions=*/false);
  if (!header.is_object() || header.value("checkpoint_log", 0) != kVersion ||
      !header.contains("generation") || !header["generation"].is_number_unsigned() ||
      header["generation"].get<uint64_t>() != c.generation) {
    spdlog::info("checkpoint log {} is not for base generation {}; ignored", checkpoint_log_path(state_dir),
                 c.generation);
    return;
  }
  size_t records_from = end + 1;
  for (size_t start = end + 1; start < text->size(); start = end + 1) {
    end = text->find('\n', start);
    if (end == std::string::npos) {
      spdlog::warn("checkpoint log: torn last record ({} bytes) dropped", text->size() - start);
      return;
    }
    try {
      apply_record(c, std::string_view(*text).substr(start, end - start));
      ++c.replayed_records;
    } catch (const std::exception& e) {
      spdlog::warn("checkpoint log: record {} unreadable ({}); later records dropped", c.replayed_records + 1,
                   e.what());
      return;
    }
  }
  c.log_appendable = true;  // every line whole and applied
  c.log_bytes = text->size() - records_from;
}

}  // namespace

namespace {

// A string as JSON. Ids, names and addresses are plain text: appended between quotes as they
// are; anything else goes through the JSON library (escapes).
void append_json_string(std::string& out, const std::string& s) {
  bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.' || c == ':';
  });
  if (!plain) {
    out += json(s).dump();
    return;
  }
  out += '"';
  out += s;
  out += '"';
}

// The bytes the view takes as JSON, near enough (escapes may add some): reserved up front,
// so the base is built in one allocation instead of doubling its way there (three times the
// text at the last doubling).
size_t view_text_estimate(const HostView& view) {
  size_t n = 256;
  for (auto& [_, s] : view.sandboxes()) {
    n += 96 + s.id.size() + s.name.size() + s.ip.size() + s.status.size();
    n += (s.host ? s.host->size() : 0) + (s.mac ? s.mac->size() : 0);
  }
  n += view.hosts().size() * 128;
  for (auto& [_, net] : view.networks()) {
    n += 40 + net.id.size() + net.name.size();
    for (auto& m : net.members) n += m.size() + 3;
  }
  return n;
}

}  // namespace

namespace {

// Past this many bytes, the text encoded so far goes to its file (a file sink), so a base is
// never whole in memory (at 1M memberships it was 45 MB of the agent's peak).
constexpr size_t kSpillBytes = size_t{1} << 20;

// The base's text into `out`; with `spill`, handed over and cleared whenever it passes
// kSpillBytes (between records), else built whole.
void encode_base_into(std::string& out, const std::function<void(std::string&)>& spill, const std::string& host_id,
                      uint64_t generation, const HostView& view, const LocalPlugs& plugs,
                      const std::set<std::string>& unreported_unplugs) {
  auto maybe_spill = [&] {
    if (spill && out.size() >= kSpillBytes) spill(out);
  };
  out += fmt::format(R"({{"version":{},"host_id":{},"generation":{},"plugs":{},"unreported_unplugs":{},)", kVersion,
                     json(host_id).dump(), generation, plugs_to_json(plugs).dump(), json(unreported_unplugs).dump());
  out += fmt::format(R"("view":{{"type":"snapshot","revision":{},"sandboxes":[)", view.revision());
  const char* sep = "";
  for (auto& [_, s] : view.sandboxes()) {
    out += sep;
    out += to_json(s).dump();
    sep = ",";
    maybe_spill();
  }
  out += R"(],"networks":[)";
  sep = "";
  for (auto& [_, n] : view.networks()) {
    // Written member by member: a whole-network JSON tree costs ~70 bytes per member.
    out += sep;
    out += R"({"id":)";
    append_json_string(out, n.id);
    out += R"(,"name":)";
    append_json_string(out, n.name);
    out += R"(,"members":[)";
    const char* msep = "";
    for (auto& m : n.members) {
      out += msep;
      append_json_string(out, m);
      msep = ",";
      maybe_spill();
    }
    out += "]}";
    sep = ",";
  }
  // The host records (few): a base from before them has none and still loads.
  json hosts = json::array();
  for (auto& [_, h] : view.hosts()) hosts.push_back(to_json(h));
  out += R"(],"hosts":)";
  out += hosts.dump();
  out += "}}";
}

// A new log for base `generation`: its header only.
void start_log(const std::string& state_dir, uint64_t generation) {
  replace_file_atomically(checkpoint_log_path(state_dir), log_header(generation), 0600);
}

// Puts a base in place, then starts its log: a crash in between leaves the old log, whose
// header names the old base.
void install_base(const std::string& state_dir, BaseFile& base) {
  base.file.commit(0600);
  start_log(state_dir, base.generation);
}

}  // namespace

std::string encode_base(const std::string& host_id, uint64_t generation, const HostView& view, const LocalPlugs& plugs,
                        const std::set<std::string>& unreported_unplugs) {
  std::string out;
  out.reserve(256 + view_text_estimate(view));
  encode_base_into(out, nullptr, host_id, generation, view, plugs, unreported_unplugs);
  return out;
}

BaseFile encode_base_file(const std::string& state_dir, const std::string& host_id, uint64_t generation,
                          const HostView& view, const LocalPlugs& plugs,
                          const std::set<std::string>& unreported_unplugs) {
  std::filesystem::create_directories(state_dir);
  BaseFile base{AtomicFileWriter(checkpoint_path(state_dir)), generation};
  std::string buffer;
  buffer.reserve(kSpillBytes + (size_t{64} << 10));
  auto spill = [&](std::string& text) {
    base.file.write(text);
    text.clear();
  };
  encode_base_into(buffer, spill, host_id, generation, view, plugs, unreported_unplugs);
  spill(buffer);
  return base;
}

std::string checkpoint_path(const std::string& state_dir) { return state_dir + "/agent-state.json"; }
std::string checkpoint_log_path(const std::string& state_dir) { return state_dir + "/agent-state.log"; }

std::optional<Checkpoint> load_checkpoint(const std::string& state_dir) {
  std::ifstream in(checkpoint_path(state_dir), std::ios::binary);
  if (!in) return std::nullopt;
  Checkpoint c;
  try {
    // Parsed as it is read: at 1M memberships the base's text was ~45 MB of a restart's peak.
    auto parsed = parse_feed_stream(in, {"view"});
    if (in.bad()) throw std::runtime_error("read failed");
    in.close();
    const json& j = parsed.rest;
    if (j.at("version").get<int>() != kVersion) throw std::runtime_error("unknown version");
    if (!parsed.answer.snapshot) throw std::runtime_error("view is not a snapshot");
    c.host_id = j.at("host_id").get<std::string>();
    c.generation = j.value("generation", uint64_t{0});
    c.lists_hosts = j.contains("view") && j["view"].is_object() && j["view"].contains("hosts");
    c.view.apply(std::move(parsed.answer));
    c.plugs = plugs_from_json(j.at("plugs"));
    for (auto& id : j.value("unreported_unplugs", json::array())) c.unreported_unplugs.insert(id.get<std::string>());
  } catch (const std::exception& e) {
    throw std::runtime_error("checkpoint " + checkpoint_path(state_dir) + ": " + e.what());
  }
  replay_log(c, state_dir);
  return c;
}

void save_checkpoint(const std::string& state_dir, const Checkpoint& c) {
  auto base = encode_base_file(state_dir, c.host_id, c.generation, c.view, c.plugs, c.unreported_unplugs);
  install_base(state_dir, base);
}

void save_base_text(const std::string& state_dir, const std::string& base_text, uint64_t generation) {
  std::filesystem::create_directories(state_dir);
  replace_file_atomically(checkpoint_path(state_dir), base_text, 0600);
  // After the base: a crash in between leaves the old log, whose header names the old base.
  start_log(state_dir, generation);
}

std::string encode_record(const CheckpointRecord& r) {
  json j = json::object();
  if (r.feed) j["feed"] = feed_to_json(*r.feed);
  if (r.upsert) j["upsert"] = to_json(*r.upsert);
  if (r.plugs) j["plugs"] = plugs_to_json(*r.plugs);
  if (r.unreported_unplugs) j["unreported_unplugs"] = *r.unreported_unplugs;
  return j.dump() + "\n";  // dump() escapes control characters: the line holds no raw '\n'
}

void apply_record(Checkpoint& c, std::string_view line) {
  json j = json::parse(line);
  if (!j.is_object()) throw std::runtime_error("record is not an object");
  if (j.contains("feed")) {
    auto answer = parse_feed(j["feed"]);
    if (answer.snapshot) throw std::runtime_error("a snapshot in the log");
    c.view.apply(std::move(answer));
  }
  if (j.contains("upsert")) c.view.upsert(parse_sandbox(j["upsert"]));
  if (j.contains("plugs")) c.plugs = plugs_from_json(j["plugs"]);
  if (j.contains("unreported_unplugs")) {
    std::set<std::string> ids;
    for (auto& id : j["unreported_unplugs"]) ids.insert(id.get<std::string>());
    c.unreported_unplugs = std::move(ids);
  }
}

CheckpointWriter::CheckpointWriter(std::string state_dir) : state_dir_(std::move(state_dir)) {
  thread_ = std::thread([this] { run(); });
}

CheckpointWriter::~CheckpointWriter() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  if (log_fd_ >= 0) ::close(log_fd_);
}

void CheckpointWriter::compact(BaseFile base, bool wait_durable) {
  log_bytes_ = 0;
  Job job{0, {}, std::move(base)};
  submit(std::move(job), wait_durable);
}

void CheckpointWriter::append(std::string line, bool wait_durable) {
  log_bytes_ += line.size();
  submit({0, std::move(line), std::nullopt}, wait_durable);
}

uint64_t CheckpointWriter::submit(Job job, bool wait_durable) {
  std::unique_lock lock(mu_);
  job.seq = next_seq_++;
  uint64_t seq = job.seq;
  queue_.push_back(std::move(job));
  cv_.notify_all();
  if (wait_durable) durable_.wait(lock, [&] { return done_seq_ >= seq; });
  return seq;
}

void CheckpointWriter::write_base(BaseFile& base) {
  if (log_fd_ >= 0) ::close(log_fd_);
  log_fd_ = -1;
  install_base(state_dir_, base);
  log_fd_ = ::open(checkpoint_log_path(state_dir_).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (log_fd_ < 0) throw std::system_error(errno, std::generic_category(), "open checkpoint log");
  broken_ = false;
}

void CheckpointWriter::write_lines(const std::string& lines) {
  if (broken_) return;  // a gap would replay later changes without earlier ones
  if (log_fd_ < 0) {
    // No base written by this process: append to the existing log only (never headerless).
    log_fd_ = ::open(checkpoint_log_path(state_dir_).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (log_fd_ < 0) throw std::system_error(errno, std::generic_category(), "open checkpoint log");
  }
  write_all(log_fd_, lines, "checkpoint log");
  if (::fdatasync(log_fd_) != 0) throw std::system_error(errno, std::generic_category(), "fdatasync checkpoint log");
}

void CheckpointWriter::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) return;
    std::deque<Job> batch;
    batch.swap(queue_);
    lock.unlock();
    // A base holds everything submitted before it: only the newest one is written.
    auto last_base = batch.end();
    for (auto it = batch.begin(); it != batch.end(); ++it)
      if (it->base) last_base = it;
    auto from = batch.begin();
    bool trim = false;
    if (last_base != batch.end()) {
      try {
        write_base(*last_base->base);
      } catch (const std::exception& e) {
        spdlog::error("checkpoint not written: {}", e.what());
        broken_ = true;
      }
      from = std::next(last_base);
      trim = true;
    }
    std::string lines;
    for (auto it = from; it != batch.end(); ++it) lines += it->lines;
    if (!lines.empty()) {
      try {
        write_lines(lines);
      } catch (const std::exception& e) {
        spdlog::error("checkpoint log not written: {}", e.what());
        broken_ = true;
      }
    }
    uint64_t done = batch.back().seq;
    batch.clear();
    if (trim) malloc_trim(0);  // a compaction follows the agent's largest transients (a snapshot's)
    lock.lock();
    done_seq_ = done;
    durable_.notify_all();
  }
}

}  // namespace sandnet::sync
