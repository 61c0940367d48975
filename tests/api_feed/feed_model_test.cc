// The feed's central promise: a host that applies the changes answers to its last snapshot
// holds exactly the view a fresh snapshot would give. Checked after every step of a seeded
// random sequence of attaches, detaches, plugs (explicit moves), unplugs and deletes, for two
// hosts.
#include <map>
#include <random>

#include "tests/api_feed/feed_fixture.h"

namespace sandnet::test {
namespace {

using nlohmann::json;

// A host agent's copy of its view.
struct ViewModel {
  int64_t revision = 0;
  std::map<std::string, json> sandboxes, networks;

  void apply(const json& d) {
    if (d["type"] == "snapshot") {
      sandboxes.clear();
      networks.clear();
    }
    for (const json& s : d["sandboxes"]) sandboxes[s["id"]] = s;
    for (const json& n : d["networks"]) networks[n["id"]] = n;
    if (d["type"] == "changes") {
      for (const json& id : d["removed_sandboxes"]) sandboxes.erase(id.get<std::string>());
      for (const json& id : d["removed_networks"]) networks.erase(id.get<std::string>());
    }
    revision = d["revision"];
  }
};

class FeedModelTest : public FeedTest {};

TEST_F(FeedModelTest, ChangesReplayToTheSnapshot) {
  std::mt19937 rng(4242);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  std::vector<std::string> nets;
  for (int i = 0; i < 4; ++i) {
    nets.push_back(make_network(alice(), "net" + std::to_string(i))["id"]);
  }
  std::vector<std::string> sbs;
  for (int i = 0; i < 10; ++i) sbs.push_back(sandbox_id("sb" + std::to_string(i)));
  int next_name = 10;
  HostClient* hosts[] = {&h1(), &h2()};
  ViewModel models[2];
  for (int h = 0; h < 2; ++h) models[h].apply(snapshot(*hosts[h]));

  for (int step = 0; step < 160; ++step) {
    std::string sb = sbs[pick(sbs.size())];
    std::string net = nets[pick(nets.size())];
    int op = static_cast<int>(pick(10));
    std::string what;
    if (op < 3) {
      what = "attach";
      alice().post("/v1/sandboxes/" + sb + "/networks", json{{"id", net}}.dump());
    } else if (op < 5) {
      what = "detach";
      alice().del("/v1/sandboxes/" + sb + "/networks/" + net);
    } else if (op < 8) {
      // A sandbox running on the other host moves explicitly: that host unplugs it first.
      what = "plug";
      size_t h = pick(2);
      Response r = hosts[h]->plug(sb);
      if (r.status == 409) {
        what = "move";
        ASSERT_EQ(hosts[1 - h]->unplug(sb).status, 200);
        r = hosts[h]->plug(sb);
      }
      ASSERT_EQ(r.status, 200) << r.raw;
    } else if (op < 9) {
      // Only the host a sandbox is placed on may unplug it; the other's unplug is refused.
      what = "unplug";
      int status = hosts[pick(2)]->unplug(sb).status;
      ASSERT_TRUE(status == 200 || status == 409) << status;
    } else {
      // A running sandbox is unplugged by its host before the delete (else 409).
      what = "unplug+delete+create";
      for (HostClient* h : hosts) h->unplug(sb);
      ASSERT_EQ(alice().del("/v1/sandboxes/" + sb).status, 200);
      sbs.erase(std::find(sbs.begin(), sbs.end(), sb));
      sbs.push_back(sandbox_id("sb" + std::to_string(next_name++)));
    }
    for (int h = 0; h < 2; ++h) {
      Response r = hosts[h]->feed(models[h].revision, 0);
      ASSERT_EQ(r.status, 200) << r.raw;
      ASSERT_EQ(r.body["data"]["type"], "changes") << r.raw;
      models[h].apply(r.body["data"]);
      ViewModel fresh;
      fresh.apply(snapshot(*hosts[h]));
      ASSERT_EQ(models[h].revision, fresh.revision) << "step " << step << " " << what;
      ASSERT_EQ(json(models[h].networks), json(fresh.networks))
          << "host " << hosts[h]->host() << " step " << step << " " << what;
      ASSERT_EQ(json(models[h].sandboxes), json(fresh.sandboxes))
          << "host " << hosts[h]->host() << " step " << step << " " << what;
    }
  }
}

}  // namespace
}  // namespace sandnet::test
