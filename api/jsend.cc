#include "api/jsend.h"

namespace sandnet::api {

nlohmann::json jsend_success(nlohmann::json data) {
  return {{"status", "success"}, {"data", std::move(data)}};
}

nlohmann::json jsend_fail(const std::string& code, const std::string& message,
                          nlohmann::json extra) {
  nlohmann::json data = extra.is_object() ? std::move(extra) : nlohmann::json::object();
  data["message"] = message;
  data["code"] = code;
  return {{"status", "fail"}, {"data", std::move(data)}};
}

nlohmann::json jsend_error(const std::string& code, const std::string& message) {
  return {{"status", "error"}, {"message", message}, {"code", code}};
}

nlohmann::json jsend_for_status(int http_status, const std::string& code,
                                const std::string& message, nlohmann::json extra) {
  // 429 and 503 always come with Retry-After: say so in the body too, for clients that
  // only look at JSON.
  if (http_status == 429 || http_status == 503) {
    if (!extra.is_object()) extra = nlohmann::json::object();
    extra["retryable"] = true;
  }
  if (http_status < 500) return jsend_fail(code, message, std::move(extra));
  nlohmann::json body = jsend_error(code, message);
  if (extra.is_object() && !extra.empty()) body["data"] = std::move(extra);
  return body;
}

}  // namespace sandnet::api
