// bench/datapath (b) configuration switcher, run inside the bench's host
// netns. Reads commands on stdin, answers "ok" or "error ..." per line:
//   sandnet on|off   the real datapath (loader + maps) attached to both taps
//   empty on|off     an empty TC program attached with TCX to both taps
//   variant NAME on|off   the real datapath's maps and links, its links running
//                    tap_ingress/tap_egress of another build (--variant NAME=OBJ,
//                    e.g. the pre-change object), switched with bpf_link_update
#include <CLI/CLI.hpp>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>
#include <map>

#include "empty_bpf.skel.h"
#include "loader/datapath.h"
#include "loader/tc_features.h"
#include "loader/tcx_link.h"
#include "loader/unique_fd.h"
#include "loader/pin_paths.h"
#include "loader/tap_attacher.h"
#include "variant_object.h"

using namespace sandnet::dp;

int main(int argc, char** argv) {
  std::string netns, root = "/sys/fs/bpf/sandnet-bench-fwd", tap_a, tap_b;
  std::string ip_a, ip_b, mac_a, mac_b;
  int nets_a = 16;
  CLI::App app{"fwd_switch"};
  app.add_option("--netns", netns)->required();
  app.add_option("--bpffs-root", root)->capture_default_str();
  app.add_option("--tap-a", tap_a)->required();
  app.add_option("--tap-b", tap_b)->required();
  app.add_option("--ip-a", ip_a)->required();
  app.add_option("--ip-b", ip_b)->required();
  app.add_option("--mac-a", mac_a)->required();
  app.add_option("--mac-b", mac_b)->required();
  std::string gw;
  app.add_option("--gateway-mac", gw)->required();
  app.add_option("--nets-a", nets_a, "networks of the sender (the receiver shares the last)");
  std::vector<std::string> variant_args;
  app.add_option("--variant", variant_args, "NAME=OBJ: another build of the datapath object");
  CLI11_PARSE(app, argc, argv);
  spdlog::set_default_logger(spdlog::stderr_color_mt("fwd_switch"));  // stdout is the protocol
  int fd = open(netns.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || setns(fd, CLONE_NEWNET) != 0) return 1;
  close(fd);

  AgentConfig cfg = default_agent_config();
  cfg.gateway_mac = *parse_mac(gw);
  cfg.drop_sample_every = 0;
  cfg.capacity.max_endpoints = cfg.capacity.max_sets = cfg.capacity.max_networks = 1024;
  cfg.capacity.max_local_taps = 16;
  purge_datapath(root);
  Datapath dp(cfg, root);
  DesiredState on, off;
  on.endpoints = {{"sb_01J00000000000000000000001", tap_a, *parse_ipv4(ip_a), *parse_mac(mac_a), ""},
                  {"sb_01J00000000000000000000002", tap_b, *parse_ipv4(ip_b), *parse_mac(mac_b), ""}};
  for (int i = 0; i < nets_a; ++i) {
    NetworkSpec n{fmt::format("net-01J{:023d}", i), {on.endpoints[0].sandbox_id}};
    if (i == nets_a - 1) n.members.push_back(on.endpoints[1].sandbox_id);
    on.networks.push_back(n);
  }
  std::map<std::string, bpf_object*> variants;
  for (auto& v : variant_args) {
    auto eq = v.find('=');
    bpf_object* obj = eq == std::string::npos ? nullptr : load_variant(v.substr(eq + 1), root);
    if (!obj) {
      std::cerr << "cannot load variant " << v << std::endl;
      return 1;
    }
    variants[v.substr(0, eq)] = obj;
  }
  // Points both taps' pinned TCX links (the datapath attached them) at these programs.
  auto switch_links = [&](int in_fd, int eg_fd) {
    for (auto* t : {tap_a.c_str(), tap_b.c_str()})
      for (auto [dir, prog] : {std::pair{"ingress", in_fd}, std::pair{"egress", eg_fd}}) {
        UniqueFd link(bpf_obj_get(fmt::format("{}/{}_{}", links_dir(root), if_nametoindex(t), dir).c_str()));
        if (!link.valid() || bpf_link_update(link.get(), prog, nullptr) != 0)
          throw std::runtime_error("link update failed (TCX links needed)");
      }
  };
  empty_bpf* empty = empty_bpf__open_and_load();
  if (!empty) return 1;
  std::vector<UniqueFd> empty_links;
  std::string line;
  while (std::getline(std::cin, line)) {
    try {
      if (line == "sandnet on") dp.apply(on);
      else if (line == "sandnet off") dp.apply(off, {tap_a, tap_b});  // unplugged: detached
      else if (line.starts_with("variant ")) {
        auto name = line.substr(8, line.rfind(' ') - 8);
        if (!variants.count(name)) throw std::runtime_error("unknown variant " + name);
        auto prog = [&](const char* p) { return bpf_program__fd(bpf_object__find_program_by_name(variants[name], p)); };
        if (line.ends_with(" on")) {
          dp.apply(on);
          switch_links(prog("tap_ingress"), prog("tap_egress"));
        } else {
          switch_links(dp.objects().ingress_prog_fd(), dp.objects().egress_prog_fd());
          dp.apply(off, {tap_a, tap_b});
        }
      }
      else if (line == "empty on") {
        for (auto* t : {tap_a.c_str(), tap_b.c_str()})
          for (int type : {kBpfTcxIngress, kBpfTcxEgress}) {
            UniqueFd l(tcx_link_create(bpf_program__fd(empty->progs.empty_tc), if_nametoindex(t), type));
            if (!l.valid()) throw std::runtime_error("tcx attach failed");
            empty_links.push_back(std::move(l));
          }
      } else if (line == "empty off") empty_links.clear();
      else throw std::runtime_error("unknown command");
      std::cout << "ok" << std::endl;
    } catch (const std::exception& e) {
      std::cout << "error " << e.what() << std::endl;
    }
  }
  empty_links.clear();
  empty_bpf__destroy(empty);
  for (auto& [_, obj] : variants) bpf_object__close(obj);
  purge_datapath(root);
  return 0;
}
