// libFuzzer target for guestd's /etc/hosts handling: splicing the sandnet block into arbitrary
// file content, and rendering a block from writer-built tables. Checks the splice contract:
// the result holds exactly one block, and splicing again changes nothing.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/hosts_table/hosts_table.hpp"
#include "guestd/etc_hosts_block.h"

namespace {

size_t count(std::string_view haystack, std::string_view needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string_view::npos; at = haystack.find(needle, at + 1)) n++;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view existing(reinterpret_cast<const char*>(data), size);
  const std::string block = "# BEGIN sandnet (fuzz)\n10.0.0.1\tx\n# END sandnet\n";
  std::string once = sandnet::guestd::splice_hosts_block(existing, block);
  std::string twice = sandnet::guestd::splice_hosts_block(once, block);
  if (once != twice) abort();
  if (count(once, "10.0.0.1\tx\n") < 1) abort();

  // Names from the input, one per line, all on one address: render must list each once.
  sandnet::hosts_table::Builder builder;
  size_t start = 0, added = 0;
  for (size_t i = 0; i <= size && added < 64; i++) {
    if (i == size || data[i] == '\n') {
      try {
        builder.add(std::string(existing.substr(start, i - start)), {10, 0, 0, static_cast<unsigned char>(added)});
        added++;
      } catch (const sandnet::hosts_table::Error&) {
      }
      start = i + 1;
    }
  }
  try {
    auto image = builder.finish();
    sandnet_hosts_table table;
    if (sandnet_hosts_table_open(image.data(), image.size(), &table) != SANDNET_HT_OK) abort();
    std::string rendered = sandnet::guestd::render_hosts_block(table);
    std::string spliced = sandnet::guestd::splice_hosts_block(existing, rendered);
    if (sandnet::guestd::splice_hosts_block(spliced, rendered) != spliced) abort();
  } catch (const sandnet::hosts_table::Error&) {
    // conflicting names: the writer refuses, nothing to render
  }
  return 0;
}
