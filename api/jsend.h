// JSend envelopes (https://github.com/omniti-labs/jsend). Every JSON body the API sends is
// built here and nowhere else, so the shape cannot drift between routes.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace sandnet::api {

// {"status": "success", "data": <data>}
nlohmann::json jsend_success(nlohmann::json data);

// 4xx: {"status": "fail", "data": {"message": ..., "code": ..., <extra fields>}}
nlohmann::json jsend_fail(const std::string& code, const std::string& message,
                          nlohmann::json extra = nlohmann::json::object());

// 5xx: {"status": "error", "message": ..., "code": ...}
nlohmann::json jsend_error(const std::string& code, const std::string& message);

// The fail/error envelope that fits an HTTP status (>= 500 -> error, else fail); extra goes
// to data (5xx too, when not empty). 429 and 503 get data.retryable = true.
nlohmann::json jsend_for_status(int http_status, const std::string& code,
                                const std::string& message,
                                nlohmann::json extra = nlohmann::json::object());

}  // namespace sandnet::api
