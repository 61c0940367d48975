// Another build of the datapath object (an experiment, or the pre-change
// object for a paired comparison), loaded beside the real datapath on the
// maps it pinned, so that benchmarks run both side by side in one run.
#pragma once
#include <string>

struct bpf_object;

namespace sandnet::dp {

// Opens and loads the object at obj_path with every map adopted from the pins
// under bpffs_root (their shapes, not the object's: a build whose value structs
// are a prefix of today's, e.g. layout v5's sn_tap, reads them as it always
// did), and its taps slot mask (sn_tap_slot_mask, when the build has one) set
// from the pinned taps array. Returns nullptr on failure; the object lives
// until the caller closes it (bpf_object__close).
bpf_object* load_variant(const std::string& obj_path, const std::string& bpffs_root);

}  // namespace sandnet::dp
