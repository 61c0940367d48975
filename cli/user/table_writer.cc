#include "cli/user/table_writer.h"

#include <algorithm>

namespace sandnet::cli {
namespace {
constexpr size_t kColumnGap = 3;
}

std::string TableWriter::render() const {
  std::vector<size_t> widths(headers_.size());
  auto widen = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], cells[i].size());
  };
  widen(headers_);
  for (const auto& row : rows_) widen(row);

  std::string out;
  auto emit = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < cells.size() ? cells[i] : "";
      line += cell;
      if (i + 1 < widths.size()) line.append(widths[i] - cell.size() + kColumnGap, ' ');
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line + "\n";
  };
  emit(headers_);
  for (const auto& row : rows_) emit(row);
  return out;
}

std::string cell_text(const nlohmann::json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || object[key].is_null()) return "-";
  const auto& value = object[key];
  return value.is_string() ? value.get<std::string>() : value.dump();
}

void TableWriter::print(std::FILE* out) const {
  const std::string text = render();
  std::fwrite(text.data(), 1, text.size(), out);
}

}  // namespace sandnet::cli
