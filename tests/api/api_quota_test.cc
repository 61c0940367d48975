// Per-tenant quotas and request rates: 429 + Retry-After naming the quota, and one tenant at
// its quota leaves another tenant's creates working.
#include "tests/api/api_fixture.h"

namespace sandnet::test {
namespace {

using nlohmann::json;

class QuotaTest : public ApiTest {};

void expect_quota(const Response& r, const std::string& quota) {
  expect_fail(r, 429, "quota_exceeded");
  EXPECT_EQ(r.headers.count("Retry-After"), 1u) << r.raw;
  EXPECT_EQ(r.body["data"].value("quota", ""), quota) << r.raw;
  EXPECT_EQ(r.body["data"]["retryable"], true) << r.raw;
}

TEST_F(QuotaTest, SandboxQuotaStopsOneTenantNotTheOther) {
  restart_with_config({{"quota_sandboxes", 3}});
  for (int i = 0; i < 3; ++i) make_sandbox(alice(), "a" + std::to_string(i));
  expect_quota(alice().post("/v1/sandboxes", R"({"name":"a3"})"), "quota_sandboxes");
  EXPECT_EQ(alice().get("/v1/sandboxes").body["data"]["pagination"]["total"], 3);
  EXPECT_EQ(bob().post("/v1/sandboxes", R"({"name":"b0"})").status, 200);
}

TEST_F(QuotaTest, QuarantinedAddressesCountAgainstTheirTenant) {
  restart_with_config({{"quota_addresses", 2}});
  make_sandbox(alice(), "a0");
  make_sandbox(alice(), "a1");
  ASSERT_EQ(alice().del("/v1/sandboxes/a1").status, 200);
  // One live sandbox, but its deleted sibling's address is still quarantined.
  expect_quota(alice().post("/v1/sandboxes", R"({"name":"a2"})"), "quota_addresses");
  EXPECT_EQ(bob().post("/v1/sandboxes", R"({"name":"b0"})").status, 200);
}

TEST_F(QuotaTest, NetworkAndMembershipQuotas) {
  restart_with_config({{"quota_networks", 2}, {"quota_memberships", 2}});
  make_network(alice(), "n0");
  make_network(alice(), "n1");
  expect_quota(alice().post("/v1/networks", R"({"name":"n2"})"), "quota_networks");
  make_sandbox(alice(), "s0", {"n0", "n1"});  // two memberships
  make_sandbox(alice(), "s1");
  expect_quota(alice().post("/v1/sandboxes/s1/networks", R"({"id":"n0"})"),
               "quota_memberships");
  expect_quota(alice().post("/v1/sandboxes", R"({"name":"s2","networks":[{"id":"n0"}]})"),
               "quota_memberships");
  // Attaching an existing member changes nothing and is never refused.
  EXPECT_EQ(alice().post("/v1/sandboxes/s0/networks", R"({"id":"n0"})").status, 200);
  make_network(bob(), "n0");
  make_sandbox(bob(), "s0", {"n0"});
}

TEST_F(QuotaTest, RequestRateIsPerTenant) {
  restart_with_config({{"tenant_requests_per_second", 2}});  // burst of 4
  int limited = 0;
  Response last;
  for (int i = 0; i < 20; ++i) {
    Response r = alice().get("/v1/networks");
    if (r.status == 429) {
      ++limited;
      last = r;
    }
  }
  EXPECT_GE(limited, 10);
  expect_fail(last, 429, "rate_limited");
  EXPECT_GE(std::stoi(last.headers.find("Retry-After")->second), 1);
  EXPECT_EQ(bob().get("/v1/networks").status, 200);
}

}  // namespace
}  // namespace sandnet::test
