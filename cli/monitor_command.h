// `sandnetctl monitor`: streams the sampled drop events of the ring buffer.
#pragma once
#include <CLI/CLI.hpp>

namespace sandnet::cli {

void add_monitor_command(CLI::App& app);

}  // namespace sandnet::cli
