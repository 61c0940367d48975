// Network interface names, as the runtime, the state file and the CLI give them.
#pragma once
#include <string_view>

namespace sandnet {

// What the kernel accepts as a device name (dev_valid_name: 1..IFNAMSIZ-1 bytes, not "." or
// "..", no '/', ':' or white space), narrowed to printable ASCII: a name that reaches a path,
// a log line or an ioctl's fixed buffer is always one of these.
bool is_valid_ifname(std::string_view name);

}  // namespace sandnet
