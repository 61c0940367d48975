// The one exception type route handlers and the store throw to answer with a 4xx/5xx.
// The server turns it into a JSend fail/error envelope; a store write transaction that
// sees it rolls back.
#pragma once
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace sandnet::api {

struct ApiError : std::runtime_error {
  ApiError(int http_status, std::string code, const std::string& message,
           nlohmann::json extra = nlohmann::json::object(), int retry_after_s = 0)
      : std::runtime_error(message),
        status(http_status),
        code(std::move(code)),
        extra(std::move(extra)),
        retry_after_s(retry_after_s) {}
  int status;
  std::string code;      // machine-readable, e.g. "name_taken"
  nlohmann::json extra;  // merged into data (e.g. "field", "members")
  int retry_after_s = 0;  // > 0: sent as Retry-After (429, 503)
};

// Validation failures name the offending field in both the message and data.field.
inline ApiError invalid_field(const std::string& field, const std::string& code,
                              const std::string& message) {
  return ApiError(400, code, message, {{"field", field}});
}

inline ApiError not_found(const std::string& what) {
  return ApiError(404, "not_found", what + " not found");
}

}  // namespace sandnet::api
