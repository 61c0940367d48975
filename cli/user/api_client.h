// The user commands' HTTP client: one request, JSend unwrapped. A fail/error answer becomes an
// ApiError carrying the API's message and code and the exit status sandnetctl returns for it.
#pragma once
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/user/api_settings.h"

namespace sandnet::cli {

// Exit statuses of the user commands (docs/operator-guide.md lists them).
enum ExitStatus : int {
  kExitOk = 0,
  kExitFailure = 1,       // transport error, unreadable answer, bad local config
  kExitInvalid = 2,       // 400, 413, 415, 422: the request was refused as invalid
  kExitUnauthorized = 3,  // 401
  kExitNotFound = 4,      // 404
  kExitConflict = 5,      // 409 (a network that still has members, a sandbox still plugged)
  kExitServer = 6,        // 5xx (including 503 pool_exhausted)
};

class ApiError : public std::runtime_error {
 public:
  ApiError(int exit_status, const std::string& message, std::string code = {})
      : std::runtime_error(message), exit_status_(exit_status), code_(std::move(code)) {}
  int exit_status() const { return exit_status_; }
  const std::string& code() const { return code_; }

 private:
  int exit_status_;
  std::string code_;
};

class ApiClient {
 public:
  explicit ApiClient(ApiSettings settings) : settings_(std::move(settings)) {}

  // Each returns JSend `data` of a success answer, or throws ApiError.
  nlohmann::json get(const std::string& path) const;
  nlohmann::json post(const std::string& path, const nlohmann::json& body) const;
  nlohmann::json del(const std::string& path) const;

 private:
  nlohmann::json send(const std::string& method, const std::string& path, const std::string* body) const;
  ApiSettings settings_;
};

// Percent-encodes one path segment (user input goes into URLs).
std::string path_segment(const std::string& raw);

// Maps an HTTP status to the exit status above.
int exit_status_for_http(int http_status);

}  // namespace sandnet::cli
