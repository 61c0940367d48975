// libFuzzer target for guestd's "SNT3" path: arbitrary bytes through the delta parser
// (common/push/table_delta.cc), and every payload it accepts applied to a table of peers
// (guestd/peer_table.cc). Checks: an accepted payload encodes back to exactly its bytes; a
// delta that applies gives an image that validates and reads back to the same peers.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "common/hosts_table/hosts_table.hpp"
#include "common/push/table_delta.h"
#include "guestd/peer_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const unsigned char> bytes(data, size);
  auto delta = sandnet::table_push::parse_delta(bytes);
  if (!delta) return 0;
  auto again = sandnet::table_push::encode_delta(*delta);
  if (again.size() != size || !std::equal(again.begin(), again.end(), bytes.begin())) abort();

  sandnet::guestd::PeerTable peers{{"brave-otter", {{10, 42, 0, 5}, {"dev", "prod"}}},
                                   {"calm-heron", {{10, 42, 0, 7}, {"dev"}}}};
  if (!sandnet::guestd::apply_delta(peers, *delta)) return 0;
  std::vector<unsigned char> image;
  try {
    image = sandnet::guestd::image_of(peers, delta->generation);
  } catch (const sandnet::hosts_table::Error&) {
    return 0;  // e.g. two peers on one address with names the format cannot group
  }
  sandnet::hosts_table::View view;
  if (view.open(image) != SANDNET_HT_OK) abort();
  auto read = sandnet::guestd::peers_of(*view.get());
  if (read && sandnet::guestd::image_of(*read, delta->generation) != image) abort();
  return 0;
}
