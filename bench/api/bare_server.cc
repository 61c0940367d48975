// The baseline for bench/api: a bare cpp-httplib server (httplib's own thread-per-connection
// loop) that answers every GET/POST/DELETE with a fixed small JSON body. The API's figures divided by
// this one's give the cost of routing, auth, validation, SQLite and JSON on top of HTTP.
#include <cstdio>
#include <string>

#include <httplib.h>

int main(int argc, char** argv) {
  std::string host = argc > 1 ? argv[1] : "127.0.0.1";
  // run_bench.py passes sandnet-api's worker count (threads + wait_threads); keep-alive and
  // TCP_NODELAY as sandnet-api sets them (api/server.cc).
  int threads = argc > 2 ? std::stoi(argv[2]) : 8;
  httplib::Server server;
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server.set_keep_alive_max_count(1000);
  server.set_tcp_nodelay(true);
  const std::string body = R"({"status":"success","data":{"ok":true}})";
  auto answer = [&body](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "application/json");
  };
  server.Get(".*", answer);
  server.Post(".*", answer);
  server.Delete(".*", answer);
  int port = server.bind_to_any_port(host.c_str());
  if (port <= 0) return 1;
  std::printf("listening on http://%s:%d\n", host.c_str(), port);
  std::fflush(stdout);
  server.listen_after_bind();
  return 0;
}
