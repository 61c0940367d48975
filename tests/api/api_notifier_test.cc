// ChangeNotifier in-process: a waiter never advances past a revision it was not told about.
// Revisions taken by another process (the admin CLI's `hosts unplug`) are never published
// here, so a gap in the published revisions means "recheck the store".
#include <gtest/gtest.h>

#include "api/change_notifier.h"

namespace sandnet::api {
namespace {

using Wake = ChangeNotifier::Wake;

// A deadline already passed: wait() decides from what was published, without sleeping.
ChangeNotifier::Deadline now() { return std::chrono::steady_clock::now(); }

TEST(ChangeNotifierTest, IrrelevantContiguousCommitsAdvanceSeen) {
  ChangeNotifier n(10);
  n.publish(11, {"h2"});
  n.publish(12, {});
  int64_t seen = 10;
  EXPECT_EQ(n.wait("h1", seen, now()), Wake::kTimeout);
  EXPECT_EQ(seen, 12);
}

TEST(ChangeNotifierTest, ACommitForTheHostWakesIt) {
  ChangeNotifier n(10);
  n.publish(11, {"h1"});
  int64_t seen = 10;
  EXPECT_EQ(n.wait("h1", seen, now()), Wake::kRelevant);
}

TEST(ChangeNotifierTest, AnUnpublishedRevisionIsRecheckedNotSkipped) {
  ChangeNotifier n(10);
  n.publish(12, {"h2"});  // 11 was written by another process
  int64_t seen = 10;
  EXPECT_EQ(n.wait("h1", seen, now()), Wake::kRelevant);
  // Once the store was read at 11 (nothing for h1 there), 12 is irrelevant.
  seen = 11;
  EXPECT_EQ(n.wait("h1", seen, now()), Wake::kTimeout);
  EXPECT_EQ(seen, 12);
}

TEST(ChangeNotifierTest, ASeenAheadOfThePublishedIsKept) {
  ChangeNotifier n(10);
  int64_t seen = 11;  // read from the store: another process's revision
  EXPECT_EQ(n.wait("h1", seen, now()), Wake::kTimeout);
  EXPECT_EQ(seen, 11);
  n.publish(12, {});
  EXPECT_EQ(n.wait("h1", seen, now()), Wake::kTimeout);
  EXPECT_EQ(seen, 12);
}

}  // namespace
}  // namespace sandnet::api
