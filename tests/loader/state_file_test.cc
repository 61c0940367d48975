// The desired-state file and the agent config: strict parsing, clear errors.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "loader/agent_config.h"
#include "loader/desired_state.h"

namespace sandnet::dp {
namespace {

using nlohmann::json;

const char* kA = "sb_01J00000000000000000000000";
const char* kB = "sb_01J00000000000000000000001";
const char* kN = "net-01J00000000000000000000000";

json valid() {
  return json{{"version", 1},
              {"endpoints",
               {{{"sandbox_id", kA}, {"tap", "tapa"}, {"ip", "10.42.0.5"}, {"mac", "02:00:0a:2a:00:05"}},
                {{"sandbox_id", kB}, {"tap", "tapb"}, {"ip", "10.42.0.6"}, {"mac", "02:00:0a:2a:00:06"}}}},
              {"networks", {{{"id", kN}, {"members", {kA, kB}}}}}};
}

std::string error_of(const json& j) {
  try {
    parse_desired_state(j.dump(), default_agent_config());
  } catch (const StateError& e) {
    return e.what();
  }
  return "";
}

TEST(StateFile, ValidFileParses) {
  auto s = parse_desired_state(valid().dump(), default_agent_config());
  ASSERT_EQ(s.endpoints.size(), 2u);
  EXPECT_EQ(s.endpoints[0].tap, "tapa");
  EXPECT_EQ(s.endpoints[0].ip_be, *parse_ipv4("10.42.0.5"));
  EXPECT_EQ(s.networks[0].members.size(), 2u);
}

TEST(StateFile, RemoteEndpointWithHost) {
  json j = valid();
  j["endpoints"][1].erase("tap");
  j["endpoints"][1]["host"] = "host-2";
  auto s = parse_desired_state(j.dump(), default_agent_config());
  EXPECT_FALSE(s.endpoints[1].local());
}

struct Bad {
  const char* name;
  std::function<void(json&)> mutate;
  const char* message;  // must appear in the error
};

class StateFileRejects : public ::testing::TestWithParam<Bad> {};

TEST_P(StateFileRejects, WithAClearMessage) {
  json j = valid();
  GetParam().mutate(j);
  auto err = error_of(j);
  EXPECT_NE(err.find(GetParam().message), std::string::npos) << "error was: '" << err << "'";
}

const Bad kBad[] = {
    {"unknown_top_field", [](json& j) { j["extra"] = 1; }, "unknown field 'extra'"},
    {"unknown_endpoint_field", [](json& j) { j["endpoints"][0]["vlan"] = 3; }, "unknown field 'vlan'"},
    {"unknown_network_field", [](json& j) { j["networks"][0]["name"] = "x"; }, "unknown field 'name'"},
    {"wrong_version", [](json& j) { j["version"] = 2; }, "version must be 1"},
    {"missing_version", [](json& j) { j.erase("version"); }, "missing field 'version'"},
    {"endpoints_not_array", [](json& j) { j["endpoints"] = "x"; }, "endpoints must be an array"},
    {"bad_sandbox_id", [](json& j) { j["endpoints"][0]["sandbox_id"] = "sb_nope"; }, "not sb_<ULID>"},
    {"bad_ip", [](json& j) { j["endpoints"][0]["ip"] = "10.42.0.300"; }, "not an IPv4 address"},
    {"ip_outside_overlay", [](json& j) { j["endpoints"][0]["ip"] = "10.43.0.5"; }, "outside the overlay"},
    {"ip_is_overlay_broadcast", [](json& j) { j["endpoints"][0]["ip"] = "10.42.255.255"; }, "broadcast"},
    {"ip_is_overlay_network", [](json& j) { j["endpoints"][0]["ip"] = "10.42.0.0"; }, "network"},
    {"duplicate_ip", [](json& j) { j["endpoints"][1]["ip"] = "10.42.0.5"; }, "already used"},
    {"duplicate_tap", [](json& j) { j["endpoints"][1]["tap"] = "tapa"; }, "tap tapa already used"},
    {"duplicate_sandbox", [](json& j) { j["endpoints"][1]["sandbox_id"] = kA; }, "listed twice"},
    {"bad_mac", [](json& j) { j["endpoints"][0]["mac"] = "02:00:0a:2a:00"; }, "not a unicast MAC"},
    {"multicast_mac", [](json& j) { j["endpoints"][0]["mac"] = "01:00:5e:00:00:01"; }, "not a unicast MAC"},
    {"gateway_mac", [](json& j) { j["endpoints"][0]["mac"] = "02:53:4e:00:00:01"; }, "gateway MAC"},
    {"bad_tap_name", [](json& j) { j["endpoints"][0]["tap"] = "a/b"; }, "not a valid interface name"},
    {"long_tap_name", [](json& j) { j["endpoints"][0]["tap"] = "abcdefghijklmnop"; }, "not a valid interface name"},
    {"local_without_tap", [](json& j) { j["endpoints"][0].erase("tap"); }, "missing field 'tap'"},
    {"remote_with_tap", [](json& j) { j["endpoints"][0]["host"] = "h2"; }, "has no tap"},
    {"bad_network_id", [](json& j) { j["networks"][0]["id"] = "net-x"; }, "not net-<ULID>"},
    {"unknown_member", [](json& j) { j["networks"][0]["members"][0] = "sb_01J0000000000000000000000Z"; }, "has no endpoint"},
    {"duplicate_member", [](json& j) { j["networks"][0]["members"][1] = kA; }, "listed twice"},
    {"duplicate_network", [](json& j) { j["networks"].push_back(j["networks"][0]); }, "listed twice"},
    {"member_not_string", [](json& j) { j["networks"][0]["members"][0] = 5; }, "sandbox id strings"},
    {"ip_not_string", [](json& j) { j["endpoints"][0]["ip"] = 5; }, "'ip' must be a string"},
    {"not_json", [](json& j) { j = "{"; }, ""},
};

INSTANTIATE_TEST_SUITE_P(Loader, StateFileRejects, ::testing::ValuesIn(kBad),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(StateFile, GarbageIsRejected) {
  for (const char* text : {"", "{", "[]", "null", "{\"version\":1}", "\xff\xfe"}) {
    EXPECT_THROW(parse_desired_state(text, default_agent_config()), StateError) << text;
  }
}

TEST(AgentConfig, DefaultsAndOverrides) {
  auto c = parse_agent_config(R"({"overlay_cidr":"10.98.0.0/15","max_endpoints":100000,
                                  "drop_sample_every":0,"attach_mode":"clsact"})");
  EXPECT_EQ(c.overlay.net_be, *parse_ipv4("10.98.0.0"));
  EXPECT_EQ(c.capacity.max_endpoints, 100000u);
  EXPECT_EQ(c.drop_sample_every, 0u);
  EXPECT_EQ(c.attach_mode, AttachMode::kClsact);
  EXPECT_EQ(c.host_link_local_be, *parse_ipv4("169.254.0.1"));
}

// Layout v6 sizes the taps array from max_local_taps; an old config naming max_tap_ifindex
// still loads (the key is ignored, with a warning), so that an upgrade never fails on it.
TEST(AgentConfig, MaxTapIfindexIsObsoleteButAccepted) {
  auto c = parse_agent_config(R"({"max_tap_ifindex":65536,"max_local_taps":100})");
  EXPECT_EQ(c.capacity.max_local_taps, 100u);
  EXPECT_NO_THROW(parse_agent_config(R"({"max_tap_ifindex":1})"));
  EXPECT_THROW(parse_agent_config(R"({"max_local_taps":2097152})"), std::runtime_error)
      << "beyond kMaxLocalTaps: a 4-million-slot taps array";
}

TEST(AgentConfig, MaxEndpointsDefaultsToTheOverlaySize) {
  EXPECT_EQ(default_agent_config().capacity.max_endpoints, 65536u);
  EXPECT_EQ(parse_agent_config("{}").capacity.max_endpoints, 65536u);
  EXPECT_EQ(parse_agent_config(R"({"overlay_cidr":"10.42.0.0/15"})").capacity.max_endpoints, 131072u);
  EXPECT_EQ(parse_agent_config(R"({"overlay_cidr":"10.42.0.0/24"})").capacity.max_endpoints, 256u);
}

// The endpoints map is an array over the overlay: more endpoints than
// overlay addresses, or an overlay wider than the cap, is a config error
// naming the knob.
TEST(AgentConfig, OverlaySizeBoundsTheEndpoints) {
  auto message = [](const char* text) {
    try {
      parse_agent_config(text);
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  auto too_many = message(R"({"max_endpoints":131072})");
  EXPECT_NE(too_many.find("max_endpoints"), std::string::npos) << too_many;
  EXPECT_NE(too_many.find("overlay_cidr 10.42.0.0/16"), std::string::npos) << too_many;
  auto too_wide = message(R"({"overlay_cidr":"10.0.0.0/8"})");
  EXPECT_NE(too_wide.find("overlay_cidr must be a /12"), std::string::npos) << too_wide;
  EXPECT_EQ(message(R"({"overlay_cidr":"10.32.0.0/12","max_endpoints":1048576})"), "accepted");
}

// The reach bitmap is preallocated: one bit per local tap and set.
TEST(AgentConfig, ReachBitmapSizeIsBoundedAndObsoletePairsKnobIgnored) {
  auto c = parse_agent_config(R"({"max_pairs":4096})");  // layout v3's knob: accepted, ignored
  EXPECT_EQ(reach_words(c.capacity), (1024u + 1) * (65536u / 64 + 1));
  EXPECT_NO_THROW(parse_agent_config(R"({"max_local_taps":4096,"max_sets":1048576})"));  // 514 MiB
  try {
    parse_agent_config(R"({"max_local_taps":65536,"max_sets":1048576})");
    FAIL() << "accepted an 8 GiB bitmap";
  } catch (const std::runtime_error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("max_local_taps"), std::string::npos) << m;
    EXPECT_NE(m.find("max_sets"), std::string::npos) << m;
  }
}

TEST(AgentConfig, RejectsNonsense) {
  for (const char* text :
       {R"({"overlay_cidr":"10.42.0.1/16"})", R"({"max_endpoints":0})", R"({"bogus":1})",
        R"({"max_nets_per_sandbox":65})", R"({"gateway_mac":"01:00:00:00:00:00"})",
        R"({"host_link_local":"10.42.0.1"})", R"({"attach_mode":"xdp"})", "[]"}) {
    EXPECT_THROW(parse_agent_config(text), std::runtime_error) << text;
  }
}

}  // namespace
}  // namespace sandnet::dp
