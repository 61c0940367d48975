#include "cli/user/api_client.h"

#include <httplib.h>

#include <fmt/format.h>

namespace sandnet::cli {
namespace {

constexpr int kConnectTimeoutSeconds = 5;
// Above the API's longest server-side wait (?wait=applied allows 60 s).
constexpr int kReadTimeoutSeconds = 75;

nlohmann::json unwrap_jsend(int http_status, const std::string& raw) {
  auto doc = nlohmann::json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("status") || !doc["status"].is_string())
    throw ApiError(http_status >= 400 ? exit_status_for_http(http_status) : kExitFailure,
                   fmt::format("HTTP {}: answer is not JSend", http_status));
  const auto status = doc["status"].get<std::string>();
  if (status == "success" && http_status < 300) return doc.value("data", nlohmann::json());
  // fail: data.message/data.code; error: message/code at the top level.
  const auto& detail = status == "fail" && doc.contains("data") && doc["data"].is_object() ? doc["data"] : doc;
  std::string message = detail.contains("message") && detail["message"].is_string()
                            ? detail["message"].get<std::string>()
                            : fmt::format("HTTP {}", http_status);
  std::string code = detail.contains("code") && detail["code"].is_string() ? detail["code"].get<std::string>() : "";
  int exit_status = http_status >= 400 ? exit_status_for_http(http_status) : kExitFailure;
  throw ApiError(exit_status, message, code);
}

}  // namespace

int exit_status_for_http(int http_status) {
  switch (http_status) {
    case 401: return kExitUnauthorized;
    case 404: return kExitNotFound;
    case 409: return kExitConflict;
    default: break;
  }
  if (http_status >= 500) return kExitServer;
  if (http_status >= 400) return kExitInvalid;
  return kExitFailure;
}

std::string path_segment(const std::string& raw) {
  std::string out;
  for (unsigned char c : raw) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

nlohmann::json ApiClient::get(const std::string& path) const { return send("GET", path, nullptr); }
nlohmann::json ApiClient::del(const std::string& path) const { return send("DELETE", path, nullptr); }
nlohmann::json ApiClient::post(const std::string& path, const nlohmann::json& body) const {
  const std::string text = body.dump();
  return send("POST", path, &text);
}

nlohmann::json ApiClient::send(const std::string& method, const std::string& path, const std::string* body) const {
  httplib::Client client(settings_.url);
  if (!client.is_valid()) throw ApiError(kExitFailure, "invalid API URL " + settings_.url);
  client.set_connection_timeout(kConnectTimeoutSeconds, 0);
  client.set_read_timeout(kReadTimeoutSeconds, 0);
  httplib::Headers headers{{"X-Api-Key", settings_.key}};
  httplib::Result result = method == "GET"    ? client.Get(path, headers)
                           : method == "POST" ? client.Post(path, headers, *body, "application/json")
                                              : client.Delete(path, headers);
  if (!result)
    throw ApiError(kExitFailure, fmt::format("cannot reach {}: {}", settings_.url, httplib::to_string(result.error())));
  return unwrap_jsend(result->status, result->body);
}

}  // namespace sandnet::cli
