// Who holds a sandbox's plug (docs/host-feed.md, "Placement"). A sandbox is plugged while its
// status is `running` on a host. Only that host may unplug it; another host may plug it only
// once it runs nowhere (a move is explicit: the holder unplugs first); a tenant may delete it
// only once it is unplugged. Refusals are 409 ApiErrors.
#pragma once
#include <string>

#include "api/store.h"

namespace sandnet::api {

// Throws 409 "sandbox_plugged" naming the host (the tenant's own sandbox, so its host is
// the tenant's business) when a host still runs it.
void check_deletable(const Sandbox& sandbox);

// Places the sandbox on `host` as running. Throws 404 when unknown, 409 "plugged_elsewhere"
// when another host runs it; that answer names neither the host nor the tenant.
void plug_on(WriteTx& tx, const std::string& host, const std::string& sandbox_id,
             const std::string& mac);

// Stops the sandbox on `host`. Throws 404 when unknown, 409 "not_plugged_here" when it is
// not placed on `host` (nothing changes for the holder).
void unplug_on(WriteTx& tx, const std::string& host, const std::string& sandbox_id);

}  // namespace sandnet::api
