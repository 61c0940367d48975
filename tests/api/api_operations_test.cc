// Operator surface: admin commands, config file, flags over config, TLS, IPAM pool and
// quarantine as configured.
#include <fstream>

#include "tests/api/api_fixture.h"

namespace sandnet::test {
namespace {

using nlohmann::json;

class OperationsTest : public ApiTest {};

TEST_F(OperationsTest, AdminCommands) {
  std::string listed = run_cli({"users", "list", "--db", db_});
  EXPECT_NE(listed.find("alice"), std::string::npos) << listed;
  EXPECT_NE(listed.find("bob"), std::string::npos) << listed;

  // A second key for alice works alongside the first.
  std::string second = run_cli({"keys", "create", "alice", "--db", db_});
  while (!second.empty() && second.back() == '\n') second.pop_back();
  ASSERT_EQ(second.rfind("sk_", 0), 0u) << second;
  Api alice2(server_->port(), second);
  make_network(alice2, "from-second-key");
  EXPECT_EQ(alice().get("/v1/networks/from-second-key").status, 200);

  // Revoking takes effect on the running server.
  std::string key_id = second.substr(3, 16);
  run_cli({"keys", "revoke", key_id, "--db", db_});
  expect_fail(alice2.get("/v1/networks"), 401, "unauthorized");
  EXPECT_EQ(alice().get("/v1/networks").status, 200);

  int code = 0;
  run_cli({"users", "create", "alice", "--db", db_}, &code);
  EXPECT_NE(code, 0);  // duplicate user
  run_cli({"users", "create", "Not_A_Label", "--db", db_}, &code);
  EXPECT_NE(code, 0);
  run_cli({"keys", "revoke", "0000000000000000", "--db", db_}, &code);
  EXPECT_NE(code, 0);
  run_cli({"keys", "create", "nobody", "--db", db_}, &code);
  EXPECT_NE(code, 0);
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

TEST_F(OperationsTest, ConfigFilePoolAndQuarantine) {
  server_->kill_hard();
  // The file's listen address is overridden by the --listen flag ApiProcess passes.
  std::string config = dir_.file("api.json");
  write_file(config, R"({"listen": "127.0.0.1:1", "ip_pool": "10.9.0.0/29",
                         "ip_quarantine_seconds": 3600, "max_body_bytes": 1024})");
  start({"--config", config});
  // /29: .0 network, .1 gateway, .7 broadcast -> .2 to .6 assignable.
  for (int i = 2; i <= 6; ++i) {
    EXPECT_EQ(make_sandbox(alice(), "s" + std::to_string(i))["ip"], "10.9.0." + std::to_string(i));
  }
  expect_fail(alice().post("/v1/sandboxes", R"({"name":"one-too-many"})"), 503, "pool_exhausted");
  // A freed address stays quarantined.
  ASSERT_EQ(alice().del("/v1/sandboxes/s4").status, 200);
  expect_fail(alice().post("/v1/sandboxes", R"({"name":"one-too-many"})"), 503, "pool_exhausted");
  // max_body_bytes from the file applies.
  expect_fail(alice().post("/v1/networks", json{{"name", std::string(2000, 'a')}}.dump()), 413,
              "payload_too_large");

  // With a 1 s quarantine the freed address comes back (and only that one).
  server_->kill_hard();
  write_file(config, R"({"ip_pool": "10.9.0.0/29", "ip_quarantine_seconds": 1})");
  start({"--config", config});
  Response r;
  ASSERT_TRUE(eventually([&] {
    r = alice().post("/v1/sandboxes", R"({"name":"reuser"})");
    return r.status == 200;
  })) << r.raw;
  EXPECT_EQ(r.body["data"]["ip"], "10.9.0.4");
}

TEST_F(OperationsTest, BadConfigIsRefusedAtStartup) {
  server_->kill_hard();
  std::string config = dir_.file("bad.json");
  for (const char* text : {R"({"no_such_key": 1})", R"({"ip_pool": "10.0.0.0/33"})",
                           R"({"ip_pool": "10.0.0.1/16"})", R"({"max_body_bytes": "big"})",
                           "not json"}) {
    write_file(config, text);
    int code = 0;
    run_cli({"serve", "--listen", "127.0.0.1:0", "--db", db_, "--config", config}, &code);
    EXPECT_NE(code, 0) << text;
  }
  int code = 0;
  run_cli({"serve", "--listen", "nonsense", "--db", db_}, &code);
  EXPECT_NE(code, 0);
}

TEST_F(OperationsTest, ServesHttpsWithCertificate) {
  server_->kill_hard();
  std::string cert = dir_.file("cert.pem"), key = dir_.file("key.pem");
  std::string cmd = "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
                    " -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1"
                    " -keyout " + key + " -out " + cert + " 2>/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  ApiProcess tls(db_, {"--tls-cert", cert, "--tls-key", key});
  EXPECT_EQ(tls.url().rfind("https://", 0), 0u) << tls.url();
  httplib::SSLClient client("127.0.0.1", tls.port());
  client.set_ca_cert_path(cert.c_str());
  client.enable_server_certificate_verification(true);
  auto res = client.Post("/v1/networks", {{"X-Api-Key", alice_key_}}, R"({"name":"secure"})",
                         "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200) << res->body;
  auto get = client.Get("/v1/networks/secure", {{"X-Api-Key", alice_key_}});
  ASSERT_TRUE(get);
  EXPECT_EQ(json::parse(get->body)["data"]["name"], "secure");
  // Plain HTTP to the TLS port gets no API answer.
  httplib::Client plain("127.0.0.1", tls.port());
  plain.set_read_timeout(5);
  auto p = plain.Get("/healthz");
  EXPECT_TRUE(!p || p->status != 200);
}

}  // namespace
}  // namespace sandnet::test
