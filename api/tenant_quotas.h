// Per-tenant quotas: how much of the shared service one API key's user may hold, so that one
// tenant cannot take the whole address pool (or the database) from the others. Unlike the
// datapath limits (400: the change could never work), a quota answers 429 + Retry-After:
// the same request works once the tenant frees something, or an operator raises the quota.
#pragma once
#include <cstdint>
#include <vector>

#include "api/store.h"

namespace sandnet::api {

struct TenantQuotas {
  int64_t networks = 1000;
  int64_t sandboxes = 1000;
  int64_t memberships = 10000;
  // Live sandboxes' addresses plus the tenant's quarantined ones (ip_quarantine_seconds).
  int64_t addresses = 1000;
};

// Throw ApiError 429 naming the quota's config key (data.quota, data.limit). Call inside
// the write transaction that makes the change (writes are serialized).
void check_quota_new_network(ReadTx& tx, const TenantQuotas& q, UserId user);
// A sandbox created with `networks` distinct networks (one address, that many memberships).
void check_quota_new_sandbox(ReadTx& tx, const TenantQuotas& q, UserId user,
                             int64_t quarantine_ms, int64_t networks);
// Attaching one new membership (an existing member changes nothing: not checked).
void check_quota_attach(ReadTx& tx, const TenantQuotas& q, UserId user);

}  // namespace sandnet::api
