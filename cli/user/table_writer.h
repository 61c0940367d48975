// Aligned text tables for sandnetctl's default output (docker-style: upper-case headers,
// columns separated by at least three spaces, no trailing blanks).
#pragma once
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sandnet::cli {

class TableWriter {
 public:
  explicit TableWriter(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add_row(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  std::string render() const;
  void print(std::FILE* out = stdout) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// One cell: object[key] as text ("-" when absent or null; strings unquoted).
std::string cell_text(const nlohmann::json& object, const char* key);

}  // namespace sandnet::cli
