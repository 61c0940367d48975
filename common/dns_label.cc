#include "common/dns_label.h"

namespace sandnet {

bool is_dns_label(std::string_view s) {
  if (s.empty() || s.size() > kMaxLabelLength) return false;
  if (s.front() == '-' || s.back() == '-') return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace sandnet
