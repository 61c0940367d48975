// sandnetctl plug|unplug|agent-status: the VM runtime's verbs, sent to the local agent's
// socket (<run-dir>/agent.sock, docs/agent.md "Runtime plug API").
#pragma once
#include <CLI/CLI.hpp>

namespace sandnet::cli {

void add_plug_commands(CLI::App& app);

}  // namespace sandnet::cli
