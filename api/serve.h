#pragma once
#include "api/config.h"

namespace sandnet::api {

// Opens the store, serves until SIGTERM/SIGINT, then stops accepting, lets in-flight
// requests finish and closes the database. Prints "listening on URL" on stdout once bound.
int run_serve(ServeConfig config);

}  // namespace sandnet::api
