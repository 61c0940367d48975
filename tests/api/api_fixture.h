// A fresh server and database per test, with two tenants (alice, bob).
#pragma once
#include <gtest/gtest.h>

#include <fstream>
#include <memory>

#include "tests/api/api_process.h"

namespace sandnet::test {

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test_database(dir_);
    alice_key_ = create_user(db_, "alice");
    bob_key_ = create_user(db_, "bob");
    start();
  }

  void start(std::vector<std::string> extra = {}) {
    server_ = std::make_unique<ApiProcess>(db_, std::move(extra));
    alice_ = std::make_unique<Api>(server_->port(), alice_key_);
    bob_ = std::make_unique<Api>(server_->port(), bob_key_);
    anon_ = std::make_unique<Api>(server_->port(), "");
  }

  // Stops the server and starts it again with this JSON config file.
  void restart_with_config(const nlohmann::json& config) {
    server_->terminate();
    std::string path = dir_.file("serve-config.json");
    std::ofstream(path) << config.dump();
    start({"--config", path});
  }

  Api& alice() { return *alice_; }
  Api& bob() { return *bob_; }
  Api& anon() { return *anon_; }

  // Creates and returns the network's JSON data, asserting success.
  nlohmann::json make_network(Api& api, const std::string& name) {
    Response r = api.post("/v1/networks", nlohmann::json{{"name", name}}.dump());
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body["data"];
  }

  nlohmann::json make_sandbox(Api& api, const std::string& name,
                              std::vector<std::string> networks = {}) {
    nlohmann::json body{{"name", name}};
    if (!networks.empty()) {
      body["networks"] = nlohmann::json::array();
      for (auto& n : networks) body["networks"].push_back({{"id", n}});
    }
    Response r = api.post("/v1/sandboxes", body.dump());
    EXPECT_EQ(r.status, 200) << r.raw;
    return r.body["data"];
  }

  TempDir dir_;
  std::string db_;
  std::string alice_key_, bob_key_;
  std::unique_ptr<ApiProcess> server_;
  std::unique_ptr<Api> alice_, bob_, anon_;
};

// A JSend fail envelope with this HTTP status and data.code.
inline void expect_fail(const Response& r, int status, const std::string& code) {
  EXPECT_EQ(r.status, status) << r.raw;
  EXPECT_EQ(r.body.value("status", ""), status >= 500 ? "error" : "fail") << r.raw;
  if (status >= 500) {
    EXPECT_EQ(r.body.value("code", ""), code) << r.raw;
    EXPECT_TRUE(r.body.contains("message")) << r.raw;
  } else {
    ASSERT_TRUE(r.body.contains("data") && r.body["data"].is_object()) << r.raw;
    EXPECT_EQ(r.body["data"].value("code", ""), code) << r.raw;
    EXPECT_TRUE(r.body["data"]["message"].is_string()) << r.raw;
  }
}

}  // namespace sandnet::test
