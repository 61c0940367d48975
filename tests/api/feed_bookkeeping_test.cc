// The host-view decisions both stores share: which hosts a membership or placement change
// touches, and when a network enters or leaves a host's view.
#include <gtest/gtest.h>

#include "api/feed_bookkeeping.h"

namespace sandnet::api {
namespace {

using Hosts = std::set<std::string>;

TEST(FeedBookkeeping, FirstMemberOnAHostBringsTheNetworkIntoItsView) {
  MembershipEffect e = membership_effect({{"h1", 2}}, "h2");
  EXPECT_TRUE(e.view_edge);
  EXPECT_EQ(e.touched, (Hosts{"h1", "h2"}));
  // Another member already keeps it in h1's view: no edge, h1 still touched.
  e = membership_effect({{"h1", 1}}, "h1");
  EXPECT_FALSE(e.view_edge);
  EXPECT_EQ(e.touched, Hosts{"h1"});
  // An unplaced member touches only the hosts that see the network.
  e = membership_effect({{"h1", 1}}, "");
  EXPECT_FALSE(e.view_edge);
  EXPECT_EQ(e.touched, Hosts{"h1"});
}

TEST(FeedBookkeeping, MoveEntersTheNewHostAndLeavesTheOldOneUnlessOthersStay) {
  MoveEffect e = move_effect({{"h1", 1}}, "h1", "h2");
  EXPECT_TRUE(e.enters_new);
  EXPECT_TRUE(e.leaves_old);
  EXPECT_TRUE(e.others.empty());
  e = move_effect({{"h1", 2}, {"h2", 1}}, "h1", "h2");  // both hosts keep other members
  EXPECT_FALSE(e.enters_new);
  EXPECT_FALSE(e.leaves_old);
  EXPECT_EQ(e.others, (Hosts{"h1", "h2"}));
  e = move_effect({{"h1", 1}}, "h1", "h1");  // a status change in place: no edges
  EXPECT_FALSE(e.enters_new);
  EXPECT_FALSE(e.leaves_old);
  e = move_effect({}, "", "h3");  // first placement
  EXPECT_TRUE(e.enters_new);
  EXPECT_FALSE(e.leaves_old);
}

}  // namespace
}  // namespace sandnet::api
