#include "api/migration_steps.h"

#include <stdexcept>
#include <string>

namespace sandnet::api {

int latest_version(const std::vector<MigrationStep>& steps) { return steps.back().version; }

void refuse_newer_schema(int database_version, const std::vector<MigrationStep>& steps) {
  int known = latest_version(steps);
  if (database_version > known) {
    throw std::runtime_error("database schema version " + std::to_string(database_version) +
                             " is newer than this sandnet-api knows (" + std::to_string(known) +
                             "): upgrade sandnet-api");
  }
}

}  // namespace sandnet::api
