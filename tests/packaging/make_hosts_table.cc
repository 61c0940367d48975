// make_hosts_table OUT NAME=IPV4...: writes a hosts table (the format guestd installs and
// libnss_sandnet.so.2 reads) for the package tests.
#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "common/hosts_table/hosts_table.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: make_hosts_table OUT NAME=IPV4...\n");
    return 2;
  }
  sandnet_hosts_builder* builder = sandnet_hosts_builder_new();
  for (int i = 2; i < argc; ++i) {
    std::string entry = argv[i];
    auto eq = entry.find('=');
    unsigned char ip[4];
    if (eq == std::string::npos || inet_pton(AF_INET, entry.substr(eq + 1).c_str(), ip) != 1 ||
        sandnet_hosts_builder_add(builder, entry.substr(0, eq).c_str(), ip) != 0) {
      std::fprintf(stderr, "make_hosts_table: bad entry %s\n", argv[i]);
      return 2;
    }
  }
  unsigned char* image = nullptr;
  size_t size = 0;
  int rc = sandnet_hosts_builder_finish(builder, &image, &size);
  sandnet_hosts_builder_free(builder);
  if (rc != 0) {
    std::fprintf(stderr, "make_hosts_table: %s\n", sandnet_hosts_table_strerror(rc));
    return 1;
  }
  std::ofstream(argv[1], std::ios::binary).write(reinterpret_cast<const char*>(image), static_cast<std::streamsize>(size));
  std::free(image);
  return 0;
}
