// 8 threads resolve through the module while another thread keeps replacing the table by
// rename: every answer must be one of the two tables' answers, never garbage or a crash.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/nss/nss_module.h"
#include "tests/nss/table_files.h"

namespace sandnet::nss_test {
namespace {

NssModule& module() {
  static NssModule* m = new NssModule(SANDNET_NSS_MODULE);
  return *m;
}

TEST(NssThreads, LookupsWhileTableIsReplaced) {
  TempDir dir;
  auto path = dir.path / "hosts.table";
  const std::vector<unsigned char> tables[2] = {standard_table(5), standard_table(9)};
  replace_file(path, tables[0]);
  setenv("SANDNET_HOSTS_TABLE", path.c_str(), 1);

  constexpr int kReplacements = 300;
  std::atomic<bool> done{false};
  std::atomic<long> lookups{0}, bad{0};
  std::thread replacer([&] {
    for (int i = 0; i < kReplacements; i++) {
      replace_file(path, tables[i % 2]);
      std::this_thread::yield();
    }
    done = true;
  });
  std::vector<std::thread> readers;
  for (int t = 0; t < 8; t++) {
    readers.emplace_back([&, t] {
      char buffer[512];
      hostent h;
      in_addr heron;
      inet_pton(AF_INET, "10.42.0.7", &heron);
      // At least some lookups per thread even if the replacer finishes first.
      for (long i = 0; !done || i < 200; i++) {
        int e = 0, he = 0;
        nss_status s;
        if ((i + t) % 3 == 0) {
          gaih_addrtuple* pat = nullptr;
          s = module().name4("brave-otter.dev", &pat, buffer, sizeof buffer, &e, &he, nullptr);
          if (s == NSS_STATUS_SUCCESS && !(pat->addr[0] == htonl(0x0a2a0005) || pat->addr[0] == htonl(0x0a2a0009)))
            bad++;
        } else if ((i + t) % 3 == 1) {
          s = module().name1("brave-otter", &h, buffer, sizeof buffer, &e, &he);
          if (s == NSS_STATUS_SUCCESS) {
            unsigned char last = static_cast<unsigned char>(h.h_addr_list[0][3]);
            if (last != 5 && last != 9) bad++;
          }
        } else {
          s = module().addr1(&heron, 4, AF_INET, &h, buffer, sizeof buffer, &e, &he);
          if (s == NSS_STATUS_SUCCESS && std::string(h.h_name) != "calm-heron") bad++;
        }
        if (s != NSS_STATUS_SUCCESS) bad++;
        lookups++;
      }
    });
  }
  replacer.join();
  for (auto& r : readers) r.join();
  unsetenv("SANDNET_HOSTS_TABLE");
  EXPECT_EQ(bad.load(), 0);
  EXPECT_GE(lookups.load(), 8 * 200);
}

}  // namespace
}  // namespace sandnet::nss_test
