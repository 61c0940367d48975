// Test support: runs the real sandnet-api binary on a loopback port against a SQLite file in
// a per-test temporary directory, and talks to it over real HTTP.
#pragma once
#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace sandnet::test {

// mkdtemp directory removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The database a test's server uses: a SQLite file in `dir`, or a fresh database on the
// PostgreSQL cluster whose socket directory SANDNET_API_TEST_PG_HOST names
// (scripts/lib/pg_cluster.sh start prints one) or the file SANDNET_API_TEST_PG_HOST_FILE
// names holds (the ctest entries labelled "pg" set it; their fixture starts the cluster).
// Throws when the file names no cluster: a "pg" test must fail, not pass on SQLite.
std::string test_database(const TempDir& dir);

// Runs `sandnet-api ARGS...`, returns its stdout; fails the test on a non-zero exit.
std::string run_cli(const std::vector<std::string>& args, int* exit_code = nullptr);

// Creates a user in the database and returns its API key.
std::string create_user(const std::string& db, const std::string& name);
// Registers a host (with its underlay address when given) and returns a new host token: the
// command's stdout (its number goes to stderr).
std::string create_host(const std::string& db, const std::string& host, const std::string& underlay = {});

class ApiProcess {
 public:
  // Starts `sandnet-api serve --listen 127.0.0.1:0 --db DB EXTRA...` and waits (bounded) for
  // its "listening on" line.
  ApiProcess(const std::string& db, std::vector<std::string> extra_args = {});
  ~ApiProcess();  // SIGKILLs the server if still running

  int port() const { return port_; }
  std::string url() const { return url_; }
  pid_t pid() const { return pid_; }

  void kill_hard();       // SIGKILL + reap
  int terminate();        // SIGTERM, wait (bounded) for exit; returns the exit status

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string url_;
};

struct Response {
  int status = 0;  // 0: no HTTP answer (connection error)
  nlohmann::json body;
  std::string raw;
  httplib::Headers headers;
};

// A small client bound to one server and one API key. Like an SDK's connection pool, it
// keeps its connections alive between requests: a request takes an idle keep-alive client
// (or opens one), so sequential requests reuse one connection and concurrent ones each get
// their own.
class Api {
 public:
  Api(int port, std::string key) : port_(port), key_(std::move(key)) {}
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;

  Response get(const std::string& path) const;
  Response del(const std::string& path) const;
  // Sends body as application/json unless content_type says otherwise.
  Response post(const std::string& path, const std::string& body,
                const httplib::Headers& extra = {},
                const std::string& content_type = "application/json") const;
  Response request(const std::string& method, const std::string& path, const std::string& body,
                   const httplib::Headers& headers, const std::string& content_type) const;

  const std::string& key() const { return key_; }

 private:
  std::unique_ptr<httplib::Client> take_client() const;
  void give_back(std::unique_ptr<httplib::Client> client) const;

  int port_;
  std::string key_;
  mutable std::mutex pool_mu_;
  mutable std::vector<std::unique_ptr<httplib::Client>> idle_;
};

Response to_response(const httplib::Result& result);

// Bounded poll: true as soon as pred() holds, false after `limit`.
template <typename Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

}  // namespace sandnet::test
