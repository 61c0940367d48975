// The process-wide copy of the hosts table, shared by all NSS entry points.
#ifndef SANDNET_NSS_TABLE_CACHE_H
#define SANDNET_NSS_TABLE_CACHE_H

#include "common/hosts_table/hosts_table.h"

// Environment variable that points the module at another table (ignored in setuid/AT_SECURE
// processes; see docs/name-service.md for why).
#define SANDNET_HOSTS_TABLE_ENV "SANDNET_HOSTS_TABLE"

// Calls lookup(table, ctx) with the current table while holding the cache lock, so the
// copy cannot be replaced underneath it, and returns 0. Returns an errno value instead
// when there is no usable table: ENOENT (missing), EINVAL (invalid table) or another errno.
// Never changes errno.
int sandnet_nss_with_table(void (*lookup)(const sandnet_hosts_table *table, void *ctx), void *ctx);

#endif
