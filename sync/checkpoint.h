// The agent's on-disk checkpoint in --state-dir: the last applied feed revision, the host view
// at that revision and the local plugs. Written atomically (temp + fsync + rename) after each
// apply, read at start so a restarted agent re-derives the state its pinned maps hold and
// resumes the feed where it stopped.
#pragma once
#include <cstdint>
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

}  // namespace sandnet::sync
