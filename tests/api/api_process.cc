#include "tests/api/api_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <gtest/gtest.h>

namespace sandnet::test {

TempDir::TempDir() {
  char tmpl[] = "/tmp/sandnet-api-test-XXXXXX";
  if (!mkdtemp(tmpl)) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

std::vector<char*> argv_of(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return argv;
}

// Reads one line from fd, waiting at most timeout_ms in total.
std::string read_line(int fd, int timeout_ms) {
  std::string line;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char c;
    ssize_t n = read(fd, &c, 1);
    if (n <= 0) break;
    if (c == '\n') return line;
    line.push_back(c);
  }
  return line;
}

}  // namespace

std::string run_cli(const std::vector<std::string>& args, int* exit_code) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> full = {SANDNET_API_BIN};
  full.insert(full.end(), args.begin(), args.end());
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    auto argv = argv_of(full);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(out[0], buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  close(out[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  if (exit_code) {
    *exit_code = code;
  } else {
    EXPECT_EQ(code, 0) << "sandnet-api " << (args.empty() ? "" : args[0]) << " failed";
  }
  return text;
}

namespace {

// The cluster's socket directory: SANDNET_API_TEST_PG_HOST, or the first line of the file
// SANDNET_API_TEST_PG_HOST_FILE names (ctest's fixture writes it). Empty: SQLite.
std::string pg_test_host() {
  const char* host = std::getenv("SANDNET_API_TEST_PG_HOST");
  if (host && *host) return host;
  const char* file = std::getenv("SANDNET_API_TEST_PG_HOST_FILE");
  if (!file || !*file) return "";
  std::string dir;
  std::ifstream in(file);
  std::getline(in, dir);
  if (dir.empty() || !std::filesystem::is_directory(dir)) {
    throw std::runtime_error(
        std::string("SANDNET_API_TEST_PG_HOST_FILE=") + file +
        " names no running PostgreSQL cluster: these are the \"pg\" tests, run through ctest "
        "(its fixture test api_pg.cluster_start starts the cluster; see its output), or set "
        "SANDNET_API_TEST_PG_HOST to the directory scripts/lib/pg_cluster.sh start prints");
  }
  return dir;
}

}  // namespace

std::string test_database(const TempDir& dir) {
  std::string host = pg_test_host();
  if (host.empty()) return dir.file("api.db");
  const char* pg_host = host.c_str();
  static int next = 0;
  std::string name = "api_" + std::to_string(getpid()) + "_" + std::to_string(next++);
  std::string admin = std::string("postgresql:///postgres?host=") + pg_host + "&user=postgres";
  // psql rather than libpq: the test support library stays free of PostgreSQL.
  std::string cmd = "psql -qX '" + admin + "' -c 'CREATE DATABASE " + name + "'";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("could not create " + name);
  return std::string("postgresql:///") + name + "?host=" + pg_host + "&user=postgres";
}

namespace {
std::string without_newline(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}
}  // namespace

std::string create_user(const std::string& db, const std::string& name) {
  return without_newline(run_cli({"users", "create", name, "--db", db}));
}

std::string create_host(const std::string& db, const std::string& host, const std::string& underlay) {
  std::vector<std::string> args{"hosts", "create", host, "--db", db};
  if (!underlay.empty()) args.insert(args.end(), {"--underlay", underlay});
  return without_newline(run_cli(args));
}

ApiProcess::ApiProcess(const std::string& db, std::vector<std::string> extra_args) {
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  std::vector<std::string> args = {SANDNET_API_BIN, "serve", "--listen", "127.0.0.1:0",
                                   "--db", db, "--log-level", "warn"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  pid_ = fork();
  if (pid_ == 0) {
    // The server must not outlive a test binary that crashes before its destructors run.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    auto argv = argv_of(args);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out[1]);
  std::string line = read_line(out[0], 20000);
  close(out[0]);  // the server prints nothing else on stdout
  size_t colon = line.rfind(':');
  if (line.rfind("listening on ", 0) != 0 || colon == std::string::npos) {
    kill_hard();
    throw std::runtime_error("sandnet-api did not start: '" + line + "'");
  }
  port_ = std::stoi(line.substr(colon + 1));
  url_ = line.substr(std::strlen("listening on "));
}

ApiProcess::~ApiProcess() { kill_hard(); }

void ApiProcess::kill_hard() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int ApiProcess::terminate() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 400; ++i) {  // up to 20 s
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill_hard();
  return -1;
}

Response to_response(const httplib::Result& result) {
  Response r;
  if (!result) {
    r.raw = "no answer: " + httplib::to_string(result.error());
    return r;
  }
  r.status = result->status;
  r.raw = result->body;
  r.headers = result->headers;
  r.body = nlohmann::json::parse(result->body, nullptr, false);
  return r;
}

std::unique_ptr<httplib::Client> Api::take_client() const {
  {
    std::lock_guard<std::mutex> lock(pool_mu_);
    if (!idle_.empty()) {
      std::unique_ptr<httplib::Client> c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
  c->set_keep_alive(true);
  c->set_connection_timeout(10);
  c->set_read_timeout(30);
  return c;
}

void Api::give_back(std::unique_ptr<httplib::Client> client) const {
  std::lock_guard<std::mutex> lock(pool_mu_);
  idle_.push_back(std::move(client));
}

Response Api::request(const std::string& method, const std::string& path,
                      const std::string& body, const httplib::Headers& headers,
                      const std::string& content_type) const {
  std::unique_ptr<httplib::Client> client = take_client();
  httplib::Headers all = headers;
  if (!key_.empty()) all.emplace("X-Api-Key", key_);
  auto send = [&]() -> httplib::Result {
    if (method == "GET") return client->Get(path, all);
    if (method == "DELETE") return client->Delete(path, all);
    if (method == "POST") return client->Post(path, all, body, content_type);
    if (method == "PUT") return client->Put(path, all, body, content_type);
    if (method == "PATCH") return client->Patch(path, all, body, content_type);
    throw std::runtime_error("unsupported method " + method);
  };
  Response response = to_response(send());
  give_back(std::move(client));
  return response;
}

Response Api::get(const std::string& path) const { return request("GET", path, "", {}, ""); }
Response Api::del(const std::string& path) const { return request("DELETE", path, "", {}, ""); }
Response Api::post(const std::string& path, const std::string& body,
                   const httplib::Headers& extra, const std::string& content_type) const {
  return request("POST", path, body, extra, content_type);
}

}  // namespace sandnet::test
