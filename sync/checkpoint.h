// The agent's on-disk checkpoint in --state-dir: the last applied feed revision, the host view
// at that revision and the local plugs, so a restarted agent re-derives the state its pinned
// maps hold and resumes the feed where it stopped.
//
// Two files. `agent-state.json` is a full checkpoint (a "base", generation G), replaced
// atomically (temp + fsync + rename). `agent-state.log` starts with a header naming G and then
// holds one JSON line per change applied since: the feed's changes answer, a sandbox record
// from a plug, the local plugs. Writing a change costs the size of the change, not of the view;
// the log is compacted into a new base (G+1) when it has grown, or at once after a snapshot.
// A log whose header names another generation (a crash between the base's rename and the new
// log's) is ignored; a torn last line (a crash mid-append) is dropped, and the agent compacts at
// start, so a torn line is never followed by new records.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "common/atomic_file.h"
#include "sync/host_view.h"
#include "sync/local_plugs.h"

namespace sandnet::sync {

struct Checkpoint {
  std::string host_id;
  HostView view;
  LocalPlugs plugs;
  std::set<std::string> unreported_unplugs;  // unplugs the API has not acknowledged yet
  uint64_t generation = 0;                   // of the base; records on the log apply on top
  size_t replayed_records = 0;               // log records applied by load_checkpoint
  // The log is this base's and ends with a whole record: a restarted agent may append to it
  // (after log_bytes of records) instead of writing a new base.
  bool log_appendable = false;
  size_t log_bytes = 0;
  // The base lists the host records (every base since hosts came to the feed, empty or not).
  // One without them is an older agent's: its view knows no host, and the feed sends a host
  // record only when it changes, so the agent takes a snapshot instead of resuming.
  bool lists_hosts = false;
};

std::string checkpoint_path(const std::string& state_dir);
std::string checkpoint_log_path(const std::string& state_dir);
// Base plus its log. nullopt when there is none; throws std::runtime_error when the base
// exists but is unreadable (a bad log record only ends the replay there, with a warning).
std::optional<Checkpoint> load_checkpoint(const std::string& state_dir);
// Writes `checkpoint` as the base of its generation and starts an empty log for it. Throws.
void save_checkpoint(const std::string& state_dir, const Checkpoint& checkpoint);
// The base's text, serialised record by record from the agent's live state (no copy of the
// view, no tree of it: the text is the only O(view) allocation).
std::string encode_base(const std::string& host_id, uint64_t generation, const HostView& view, const LocalPlugs& plugs,
                        const std::set<std::string>& unreported_unplugs);
// save_checkpoint() of a base's text given whole (tests write older agents' bases with it).
void save_base_text(const std::string& state_dir, const std::string& base_text, uint64_t generation);

// A base written to its temporary file, in pieces (never whole in memory), not yet in place:
// CheckpointWriter::compact puts it there. Dropped, it removes the temporary.
struct BaseFile {
  AtomicFileWriter file;
  uint64_t generation = 0;
};
BaseFile encode_base_file(const std::string& state_dir, const std::string& host_id, uint64_t generation,
                          const HostView& view, const LocalPlugs& plugs,
                          const std::set<std::string>& unreported_unplugs);  // throws

// One log line: what changed, in the order it is applied on load.
struct CheckpointRecord {
  const FeedAnswer* feed = nullptr;        // a changes answer
  const SandboxRecord* upsert = nullptr;   // a plug's sandbox record
  const LocalPlugs* plugs = nullptr;       // with unplugs: the local state, whole
  const std::set<std::string>* unreported_unplugs = nullptr;
};
std::string encode_record(const CheckpointRecord& record);  // one line, '\n' included
// Applies one line to `c`; throws on a malformed record (c may be partly changed then).
void apply_record(Checkpoint& c, std::string_view line);

// Writes the checkpoint on its own thread in submission order: appends are cheap, a base
// (compaction) replaces everything before it. An fsync on a busy disk must never sit between
// a feed answer and the next long poll (it showed as 1 s convergence outliers); a plug the
// runtime was told about waits for its record to be durable.
class CheckpointWriter {
 public:
  explicit CheckpointWriter(std::string state_dir);
  ~CheckpointWriter();  // writes what is pending, then stops
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;

  // `base` from encode_base_file() in this writer's state directory.
  void compact(BaseFile base, bool wait_durable);
  void append(std::string line, bool wait_durable);
  // Appends go on after the existing log of the base on disk (Checkpoint::log_appendable),
  // which already holds `bytes` of records: no new base.
  void adopt_log(size_t bytes) { log_bytes_ = bytes; }
  // Bytes appended since the last base; the owner compacts past a threshold.
  size_t log_bytes() const { return log_bytes_; }
  // A write failed: the log may have a gap, so only a new base makes the files whole again.
  bool needs_compaction() const { return broken_; }
  // A base could not be prepared (encode_base_file threw): the same as a failed write.
  void mark_broken() { broken_ = true; }

 private:
  struct Job {
    uint64_t seq;
    std::string lines;             // log lines, or
    std::optional<BaseFile> base;  // a base
  };
  uint64_t submit(Job job, bool wait_durable);
  void run();
  void write_base(BaseFile& base);
  void write_lines(const std::string& lines);

  std::string state_dir_;
  std::mutex mu_;
  std::condition_variable cv_;       // the writer: work or stop
  std::condition_variable durable_;  // waiters: done_seq_ moved
  std::deque<Job> queue_;
  uint64_t next_seq_ = 1;
  uint64_t done_seq_ = 0;
  bool stopping_ = false;
  size_t log_bytes_ = 0;               // owner's thread only
  std::atomic<bool> broken_{false};
  int log_fd_ = -1;                    // writer thread only
  std::thread thread_;
};

}  // namespace sandnet::sync
