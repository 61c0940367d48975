// The agent's on-disk checkpoint in --state-dir: the last applied feed revision, the host view
// at that revision and the local plugs. Written atomically (temp + fsync + rename) after each
// apply, read at start so a restarted agent re-derives the state its pinned maps hold and
// resumes the feed where it stopped.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <optional>
#include <set>
#include <string>

#include "sync/host_view.h"
#include "sync/local_plugs.h"

namespace sandnet::sync {

struct Checkpoint {
  std::string host_id;
  HostView view;
  LocalPlugs plugs;
  std::set<std::string> unreported_unplugs;  // unplugs the API has not acknowledged yet
};

std::string checkpoint_path(const std::string& state_dir);
// nullopt when there is none; throws std::runtime_error when it exists but is unreadable.
std::optional<Checkpoint> load_checkpoint(const std::string& state_dir);
void save_checkpoint(const std::string& state_dir, const Checkpoint& checkpoint);  // throws

// Writes checkpoints on its own thread, newest wins: an fsync on a busy disk must never sit
// between a feed answer and the next long poll (it showed as 1 s convergence outliers).
class CheckpointWriter {
 public:
  explicit CheckpointWriter(std::string state_dir);
  ~CheckpointWriter();  // writes what is pending, then stops
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;
  void submit(Checkpoint checkpoint);

 private:
  void run();
  std::string state_dir_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<Checkpoint> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sandnet::sync
