#include "guestd/etc_hosts_block.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <sstream>
#include <system_error>
#include <vector>

#include "common/atomic_file.h"

namespace sandnet::guestd {
namespace {

bool is_marker(std::string_view line, std::string_view marker) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
    line.remove_suffix(1);
  return line == marker;
}

// "# BEGIN sandnet", alone or followed by a comment as we write it.
bool is_begin(std::string_view line) {
  if (is_marker(line, kHostsBlockBegin)) return true;
  return line.size() > kHostsBlockBegin.size() && line.substr(0, kHostsBlockBegin.size()) == kHostsBlockBegin &&
         line[kHostsBlockBegin.size()] == ' ';
}

}  // namespace

std::string render_hosts_block(const sandnet_hosts_table& table) {
  // Group names by address, in address order; the canonical name leads each line.
  std::map<uint32_t, std::vector<std::string>> names_by_addr;
  std::map<uint32_t, std::string> canonical_by_addr;
  sandnet_hosts_entry e;
  for (uint32_t i = 0; sandnet_hosts_table_name_at(&table, i, &e); i++) {
    uint32_t key = (uint32_t{e.ipv4[0]} << 24) | (uint32_t{e.ipv4[1]} << 16) |
                   (uint32_t{e.ipv4[2]} << 8) | e.ipv4[3];
    std::string name(e.name, e.name_len), canonical(e.canonical, e.canonical_len);
    canonical_by_addr[key] = canonical;
    if (name != canonical) names_by_addr[key].push_back(name);
  }
  std::string block = std::string(kHostsBlockBegin) + " (written by sandnet-guestd; edits are overwritten)\n";
  for (const auto& [key, canonical] : canonical_by_addr) {
    char ip[INET_ADDRSTRLEN];
    uint32_t be = htonl(key);
    inet_ntop(AF_INET, &be, ip, sizeof ip);
    block += std::string(ip) + "\t" + canonical;
    for (const auto& alias : names_by_addr[key]) block += " " + alias;
    block += "\n";
  }
  block += std::string(kHostsBlockEnd) + "\n";
  return block;
}

std::string splice_hosts_block(std::string_view existing, std::string_view block) {
  std::string out;
  bool inside = false, placed = false;
  size_t at = 0;
  while (at < existing.size()) {
    size_t eol = existing.find('\n', at);
    if (eol == std::string_view::npos) eol = existing.size();
    std::string_view line = existing.substr(at, eol - at);
    at = eol + 1;
    if (inside) {
      if (is_marker(line, kHostsBlockEnd)) inside = false;
      continue;
    }
    if (is_begin(line)) {
      inside = true;
      if (!placed) out += block;  // the block stays where it was
      placed = true;
      continue;
    }
    out.append(line);
    out += '\n';  // also ends a last line that had no newline
  }
  if (!placed) out += block;
  return out;
}

void mirror_into_hosts_file(const std::filesystem::path& hosts_file, const sandnet_hosts_table& table) {
  std::string existing;
  mode_t mode = 0644;
  struct stat st;
  if (stat(hosts_file.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
    std::ifstream in(hosts_file, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    if (!in.is_open()) throw std::system_error(errno, std::generic_category(), "read " + hosts_file.string());
    existing = content.str();
  } else if (errno != ENOENT) {
    throw std::system_error(errno, std::generic_category(), "stat " + hosts_file.string());
  }
  std::string updated = splice_hosts_block(existing, render_hosts_block(table));
  if (updated == existing) return;
  replace_file_atomically(hosts_file, updated, mode);
}

}  // namespace sandnet::guestd
