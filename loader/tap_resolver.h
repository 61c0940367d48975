// Resolves a tap name to its ifindex and MAC in the agent's network namespace.
#pragma once
#include <optional>
#include <string>

#include "loader/map_plan.h"

namespace sandnet::dp {

std::optional<TapInfo> resolve_tap(const std::string& name);

}  // namespace sandnet::dp
