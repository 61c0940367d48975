// `sandnetctl dp endpoints|members|counters|why`: operator views of one
// host's datapath, read from the pinned maps.
#pragma once
#include <CLI/CLI.hpp>

namespace sandnet::cli {

void add_dp_commands(CLI::App& app);

}  // namespace sandnet::cli
