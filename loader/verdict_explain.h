// `sandnetctl dp why`: replays the ingress verdict for SRC -> DST on a map
// image, naming the allowing network or the drop reason. Kernel-free.
#pragma once
#include <cstdint>
#include <string>

#include "loader/map_image.h"

namespace sandnet::dp {

struct VerdictExplanation {
  bool allowed = false;
  unsigned reason = 0;      // SN_DROP_* when !allowed
  std::string network;      // allowing network id when allowed
  std::string detail;       // one human sentence
};

VerdictExplanation explain_verdict(const MapImage& img, const sn_config& cfg, uint32_t src_be,
                                   uint32_t dst_be);

}  // namespace sandnet::dp
