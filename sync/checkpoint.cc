#include "sync/checkpoint.h"

#include <malloc.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "sync/guestd/atomic_file.h"

namespace sandnet::sync {

using nlohmann::json;

std::string checkpoint_path(const std::string& state_dir) { return state_dir + "/agent-state.json"; }

std::optional<Checkpoint> load_checkpoint(const std::string& state_dir) {
  std::ifstream in(checkpoint_path(state_dir), std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  try {
    auto j = json::parse(text.str());
    if (j.at("version").get<int>() != 1) throw std::runtime_error("unknown version");
    Checkpoint c;
    c.host_id = j.at("host_id").get<std::string>();
    c.view = HostView::from_json(j.at("view"));
    c.plugs = plugs_from_json(j.at("plugs"));
    for (auto& id : j.value("unreported_unplugs", json::array())) c.unreported_unplugs.insert(id.get<std::string>());
    return c;
  } catch (const std::exception& e) {
    throw std::runtime_error("checkpoint " + checkpoint_path(state_dir) + ": " + e.what());
  }
}

void save_checkpoint(const std::string& state_dir, const Checkpoint& c) {
  std::filesystem::create_directories(state_dir);
  json j = {{"version", 1},
            {"host_id", c.host_id},
            {"view", c.view.to_json()},
            {"plugs", plugs_to_json(c.plugs)},
            {"unreported_unplugs", c.unreported_unplugs}};
  auto text = j.dump();
  guestd::replace_file_atomically(checkpoint_path(state_dir),
                                  {reinterpret_cast<const unsigned char*>(text.data()), text.size()}, 0600);
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
}

void CheckpointWriter::submit(Checkpoint checkpoint) {
  {
    std::lock_guard lock(mu_);
    pending_ = std::move(checkpoint);
  }
  cv_.notify_all();
}

void CheckpointWriter::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return pending_ || stopping_; });
    if (!pending_) return;
    Checkpoint next = std::move(*pending_);
    pending_.reset();
    lock.unlock();
    try {
      save_checkpoint(state_dir_, next);
    } catch (const std::exception& e) {
      spdlog::error("checkpoint not written: {}", e.what());
    }
    next = {};
    malloc_trim(0);  // the serialised view was the agent's largest transient allocation
    lock.lock();
  }
}

}  // namespace sandnet::sync
