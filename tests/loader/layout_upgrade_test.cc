// An upgrade across layouts (v2 -> v3): the old agent's TCX links run first
// in each tap's chain and end it, so the new agent detaches them, and
// removes the old layout directory, once its own programs are attached.
#include <bpf/bpf.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "empty_bpf.skel.h"
#include "kernel_world.h"
#include "loader/pin_paths.h"
#include "loader/tc_features.h"
#include "loader/tcx_link.h"
#include "loader/unique_fd.h"

namespace sandnet::dp {
namespace {

using namespace kworld;

TEST(LayoutUpgrade, OlderLayoutLinksAreDetachedOnceTheNewProgramsAreAttached) {
  testkit::BpffsRoot root("ld-upgrade");
  auto old_dir = root.path() + "/v" + std::to_string(SN_LAYOUT_VERSION - 1);
  std::filesystem::create_directories(old_dir + "/links");
  empty_bpf* old_prog = empty_bpf__open_and_load();
  ASSERT_NE(old_prog, nullptr);
  UniqueFd old_link(tcx_link_create(bpf_program__fd(old_prog->progs.empty_tc), taps()[0], kBpfTcxIngress));
  if (!old_link.valid()) {
    empty_bpf__destroy(old_prog);
    GTEST_SKIP() << "no TCX on this kernel";
  }
  auto pin = fmt::format("{}/links/{}_ingress", old_dir, taps()[0]);
  ASSERT_EQ(bpf_obj_pin(old_link.get(), pin.c_str()), 0);

  Datapath dp(small_config(), root.path());
  TcxLinkInfo info;
  ASSERT_TRUE(tcx_link_info(old_link.get(), info));
  EXPECT_EQ(info.ifindex, taps()[0]) << "old link detached before the new programs were attached";
  dp.apply(state(2, {{1, {0, 1}}}));

  ASSERT_TRUE(tcx_link_info(old_link.get(), info));
  EXPECT_EQ(info.ifindex, 0u) << "old link still attached";
  EXPECT_FALSE(std::filesystem::exists(old_dir));
  size_t links = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(links_dir(root.path()))) ++links;
  EXPECT_EQ(links, 4u);
  empty_bpf__destroy(old_prog);
}

}  // namespace
}  // namespace sandnet::dp
