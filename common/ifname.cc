#include "common/ifname.h"

#include <net/if.h>

namespace sandnet {

bool is_valid_ifname(std::string_view name) {
  if (name.empty() || name.size() >= IFNAMSIZ || name == "." || name == "..") return false;
  for (char c : name)
    if (c <= ' ' || c > '~' || c == '/' || c == ':') return false;
  return true;
}

}  // namespace sandnet
