// sandnetctl: user CLI for the API and operator views of an agent. Each
// command group registers itself from its own file.
#include <CLI/CLI.hpp>

#include "cli/dp_commands.h"
#include "cli/monitor_command.h"
#include "cli/plug_commands.h"
#include "cli/user/user_commands.h"

int main(int argc, char** argv) {
  CLI::App app{"sandnetctl: sandnet networks, sandboxes and datapath views"};
  app.set_version_flag("--version", std::string(SANDNET_VERSION));
  app.require_subcommand(1);
  sandnet::cli::add_dp_commands(app);
  sandnet::cli::add_monitor_command(app);
  sandnet::cli::add_plug_commands(app);
  sandnet::cli::add_user_commands(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Error& e) {
    return app.exit(e);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sandnetctl: %s\n", e.what());
    return 1;
  }
  return 0;
}
