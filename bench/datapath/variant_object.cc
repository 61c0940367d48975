#include "variant_object.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "loader/pin_paths.h"

namespace sandnet::dp {
namespace {

// Sets `name` in the object's .rodata (before load) when the object has it.
void set_rodata_u32(bpf_object* obj, const char* name, uint32_t value) {
  const btf* b = bpf_object__btf(obj);
  bpf_map* rodata = nullptr;
  bpf_map* map;
  bpf_object__for_each_map(map, obj) {
    if (bpf_map__is_internal(map) && std::string(bpf_map__name(map)).ends_with(".rodata")) rodata = map;
  }
  int sec = b && rodata ? btf__find_by_name_kind(b, ".rodata", BTF_KIND_DATASEC) : -1;
  if (sec < 0) return;
  const btf_type* t = btf__type_by_id(b, sec);
  const btf_var_secinfo* v = btf_var_secinfos(t);
  for (uint16_t i = 0; i < btf_vlen(t); ++i, ++v) {
    if (std::string(btf__name_by_offset(b, btf__type_by_id(b, v->type)->name_off)) != name) continue;
    size_t size = 0;
    auto* data = static_cast<const char*>(bpf_map__initial_value(rodata, &size));
    if (!data || v->offset + sizeof value > size) return;
    std::vector<char> copy(data, data + size);
    std::memcpy(copy.data() + v->offset, &value, sizeof value);
    bpf_map__set_initial_value(rodata, copy.data(), size);
  }
}

}  // namespace

bpf_object* load_variant(const std::string& obj_path, const std::string& root) {
  bpf_object* obj = bpf_object__open_file(obj_path.c_str(), nullptr);
  if (!obj) return nullptr;
  bpf_map* map;
  bpf_object__for_each_map(map, obj) {
    if (bpf_map__is_internal(map)) continue;
    bpf_map__set_pin_path(map, nullptr);  // adopted below, never pinned by this load
    auto path = map_pin(root, bpf_map__name(map));
    int fd = bpf_obj_get(path.c_str());
    if (fd < 0) continue;
    if (std::string(bpf_map__name(map)) == "taps") {
      bpf_map_info info{};
      uint32_t len = sizeof info;
      bpf_obj_get_info_by_fd(fd, &info, &len);
      set_rodata_u32(obj, "sn_tap_slot_mask", info.max_entries - 1);
    }
    int rc = bpf_map__reuse_fd(map, fd);
    close(fd);
    if (rc != 0) {
      bpf_object__close(obj);
      return nullptr;
    }
  }
  if (bpf_object__load(obj) != 0) {
    bpf_object__close(obj);
    return nullptr;
  }
  return obj;
}

}  // namespace sandnet::dp
