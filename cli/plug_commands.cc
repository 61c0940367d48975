#include "cli/plug_commands.h"

#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "sync/agent_socket.h"

namespace sandnet::cli {
namespace {

struct PlugArgs {
  std::string sandbox, tap, mac, run_dir = "/run/sandnet";
};

// Prints the agent's answer (JSON) and fails the command when it says ok=false.
void send(const std::string& run_dir, const nlohmann::json& request) {
  auto answer = sync::agent_request(sync::agent_socket_path(run_dir), request);
  std::printf("%s\n", answer.dump(2).c_str());
  if (!answer.value("ok", false)) throw CLI::RuntimeError(1);
}

}  // namespace

void add_plug_commands(CLI::App& app) {
  auto args = std::make_shared<PlugArgs>();
  auto* plug = app.add_subcommand("plug", "tell the local agent a sandbox now uses a tap");
  plug->add_option("--sandbox", args->sandbox, "sandbox id (sb_...)")->required();
  plug->add_option("--tap", args->tap, "host-side interface of the sandbox")->required();
  plug->add_option("--mac", args->mac, "guest MAC (default: 02:00 + the sandbox's IPv4 bytes)");
  plug->add_option("--run-dir", args->run_dir, "the agent's run dir")->capture_default_str();
  plug->callback([args] {
    nlohmann::json request = {{"op", "plug"}, {"sandbox_id", args->sandbox}, {"tap", args->tap}};
    if (!args->mac.empty()) request["mac"] = args->mac;
    send(args->run_dir, request);
  });

  auto* unplug = app.add_subcommand("unplug", "tell the local agent a sandbox's tap is gone");
  unplug->add_option("--sandbox", args->sandbox, "sandbox id (sb_...)")->required();
  unplug->add_option("--run-dir", args->run_dir, "the agent's run dir")->capture_default_str();
  unplug->callback([args] { send(args->run_dir, {{"op", "unplug"}, {"sandbox_id", args->sandbox}}); });

  auto* status = app.add_subcommand("agent-status", "the local agent's API-mode status");
  status->add_option("--run-dir", args->run_dir, "the agent's run dir")->capture_default_str();
  status->callback([args] { send(args->run_dir, {{"op", "status"}}); });
}

}  // namespace sandnet::cli
