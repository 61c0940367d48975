// Method + path-template routing ("/v1/networks/{id}"). httplib only tells "no handler", so
// this router is what distinguishes an unknown path (404) from a known path with the wrong
// method (405 + Allow), and it names the template that metrics are labelled with.
#pragma once
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sandnet::api {

using PathParams = std::map<std::string, std::string>;

template <typename Handler>
class Router {
 public:
  struct Match {
    const Handler* handler = nullptr;   // set when method and path match
    std::string route;                  // the template, e.g. "/v1/networks/{id}"
    PathParams params;
    std::vector<std::string> allowed;   // path matched but method did not -> 405
  };

  void add(std::string method, std::string path_template, Handler handler) {
    std::vector<std::string> segments;
    for (std::string_view seg : split(path_template)) segments.emplace_back(seg);
    routes_.push_back({std::move(method), std::move(segments), std::move(path_template),
                       std::move(handler)});
  }

  // A HEAD request matches GET routes (httplib sends no body for it).
  Match match(std::string_view method, std::string_view path) const {
    Match result;
    std::vector<std::string_view> segments = split(path);
    for (const Route& r : routes_) {
      PathParams params;
      if (!match_segments(r.segments, segments, params)) continue;
      if (r.method == method || (method == "HEAD" && r.method == "GET")) {
        result.handler = &r.handler;
        result.route = r.path_template;
        result.params = std::move(params);
        result.allowed.clear();
        return result;
      }
      result.route = r.path_template;
      result.allowed.push_back(r.method);
    }
    return result;
  }

  // "/a/{b}/c" -> ["a", "{b}", "c"]; an empty segment (e.g. "//" or trailing '/') is kept as
  // "" so that "/v1/networks/" never matches "/v1/networks/{id}".
  static std::vector<std::string_view> split(std::string_view path) {
    std::vector<std::string_view> out;
    if (path.empty() || path.front() != '/') {
      out.emplace_back("\x01");  // matches nothing: templates always start with '/'
      return out;
    }
    path.remove_prefix(1);
    while (true) {
      size_t slash = path.find('/');
      out.push_back(path.substr(0, slash));
      if (slash == std::string_view::npos || out.size() > 16) break;
      path.remove_prefix(slash + 1);
    }
    return out;
  }

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    std::string path_template;
    Handler handler;
  };

  static bool match_segments(const std::vector<std::string>& tmpl,
                             const std::vector<std::string_view>& segments, PathParams& params) {
    if (tmpl.size() != segments.size()) return false;
    for (size_t i = 0; i < tmpl.size(); ++i) {
      std::string_view t = tmpl[i];
      if (t.size() > 2 && t.front() == '{' && t.back() == '}') {
        if (segments[i].empty()) return false;
        params[std::string(t.substr(1, t.size() - 2))] = std::string(segments[i]);
      } else if (t != segments[i]) {
        return false;
      }
    }
    return true;
  }

  std::vector<Route> routes_;
};

}  // namespace sandnet::api
