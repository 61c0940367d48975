// Named network namespaces (/run/netns/NAME, as `ip netns` makes them) and ways to act in one.
#pragma once
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>

namespace sandnet::testing {

// Creates the namespace (lo up) and deletes it when destroyed; tracked by the reaper.
class Netns {
 public:
  explicit Netns(std::string name);
  ~Netns();
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// Moves the calling thread into a namespace until destroyed. setns(CLONE_NEWNET) is per thread,
// so a thread can make sockets inside a namespace; a socket stays in the namespace it was made in.
class NetnsGuard {
 public:
  explicit NetnsGuard(const std::string& name);
  ~NetnsGuard();
  NetnsGuard(const NetnsGuard&) = delete;
  NetnsGuard& operator=(const NetnsGuard&) = delete;

 private:
  int original_fd_ = -1;
};

// Runs fn on a short-lived thread inside the namespace and returns its result (exceptions
// propagate). Typical use: create a socket there, then use the fd from any thread.
template <class F>
auto in_netns(const std::string& name, F&& fn) -> std::invoke_result_t<F> {
  using R = std::invoke_result_t<F>;
  std::exception_ptr error;
  if constexpr (std::is_void_v<R>) {
    std::thread t([&] {
      try {
        NetnsGuard guard(name);
        fn();
      } catch (...) {
        error = std::current_exception();
      }
    });
    t.join();
    if (error) std::rethrow_exception(error);
  } else {
    std::optional<R> result;
    std::thread t([&] {
      try {
        NetnsGuard guard(name);
        result.emplace(fn());
      } catch (...) {
        error = std::current_exception();
      }
    });
    t.join();
    if (error) std::rethrow_exception(error);
    return std::move(*result);
  }
}

// A socket(2) made inside the namespace; throws on failure.
int socket_in_netns(const std::string& netns, int domain, int type, int protocol);

// Writes a sysctl of that namespace (key with dots, e.g. "net.ipv4.conf.all.forwarding").
void set_sysctl(const std::string& netns, const std::string& key, const std::string& value);

}  // namespace sandnet::testing
