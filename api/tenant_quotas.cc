#include "api/tenant_quotas.h"

#include <fmt/format.h>

#include "api/api_error.h"
#include "api/clock.h"

namespace sandnet::api {
namespace {

// A hint only: a count quota frees when the tenant deletes something, an address when its
// quarantine ends.
constexpr int kQuotaRetryAfterS = 60;

void check(int64_t have, int64_t adding, int64_t limit, const char* things, const char* key) {
  if (have + adding <= limit) return;
  throw ApiError(429, "quota_exceeded",
                 fmt::format("this would take you past your quota of {} {} ({}); "
                             "free some first or ask the operator",
                             limit, things, key),
                 {{"quota", key}, {"limit", limit}, {"used", have}}, kQuotaRetryAfterS);
}

}  // namespace

void check_quota_new_network(ReadTx& tx, const TenantQuotas& q, UserId user) {
  check(tx.tenant_usage(user, 0).networks, 1, q.networks, "networks", "quota_networks");
}

void check_quota_new_sandbox(ReadTx& tx, const TenantQuotas& q, UserId user,
                             int64_t quarantine_ms, int64_t networks) {
  TenantUsage u = tx.tenant_usage(user, unix_ms_now() - quarantine_ms);
  check(u.sandboxes, 1, q.sandboxes, "sandboxes", "quota_sandboxes");
  check(u.addresses, 1, q.addresses, "addresses (quarantined ones included)",
        "quota_addresses");
  check(u.memberships, networks, q.memberships, "memberships", "quota_memberships");
}

void check_quota_attach(ReadTx& tx, const TenantQuotas& q, UserId user) {
  check(tx.tenant_usage(user, 0).memberships, 1, q.memberships, "memberships",
        "quota_memberships");
}

}  // namespace sandnet::api
