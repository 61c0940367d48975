// 8 threads resolve through the module while the table changes underneath them: replaced by
// rename (every answer must be one of the two tables' answers), or truncated and rewritten in
// place (no signal, no wrong answer; answers resume once a good table is installed).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

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

// What `truncate`, `: > file` and `cp other file` do: change the very inode processes read.
void truncate_in_place(const std::filesystem::path& path, off_t size) {
  ASSERT_EQ(truncate(path.c_str(), size), 0);
}

TEST(NssThreads, TableTruncatedInPlaceNeverCrashes) {
  TempDir dir;
  auto path = dir.path / "hosts.table";
  const std::vector<unsigned char> good = standard_table(5), other = standard_table(9);
  replace_file(path, good);
  setenv("SANDNET_HOSTS_TABLE", path.c_str(), 1);

  std::atomic<bool> stop{false};
  std::atomic<long> lookups{0}, wrong{0};
  std::atomic<unsigned char> installed_octet{5};
  std::atomic<long> fresh_answers{0};  // answers with the octet of the table installed last
  std::vector<std::thread> readers;
  for (int t = 0; t < 8; t++) {
    readers.emplace_back([&, t] {
      char buffer[512];
      hostent h;
      for (long i = 0; !stop; i++) {
        int e = 0, he = 0;
        unsigned char want = installed_octet;
        nss_status s = (i + t) % 2
                           ? module().name1("brave-otter", &h, buffer, sizeof buffer, &e, &he)
                           : module().name3("brave-otter.dev", AF_INET, &h, buffer, sizeof buffer, &e, &he,
                                            nullptr, nullptr);
        if (s == NSS_STATUS_SUCCESS) {
          unsigned char last = static_cast<unsigned char>(h.h_addr_list[0][3]);
          if (last != 5 && last != 9) wrong++;
          if (last == want) fresh_answers++;
        } else if (s != NSS_STATUS_UNAVAIL) {
          wrong++;  // a damaged table is "unavailable", never "not found" or garbage
        }
        lookups++;
      }
    });
  }
  auto let_readers_run = [&] {
    long before = lookups;
    while (lookups < before + 400) usleep(1000);
  };
  let_readers_run();
  for (int round = 0; round < 3; round++) {
    truncate_in_place(path, static_cast<off_t>(good.size() / 2));
    let_readers_run();
    truncate_in_place(path, 0);
    let_readers_run();
    write_bytes(path, other);  // cp over it: O_TRUNC, then the new bytes, same inode
    let_readers_run();
    truncate_in_place(path, 4096);  // grown with zeros
    let_readers_run();
  }
  // guestd installs a good table by rename: every thread must see it again. The module may
  // notice a replacement only at its next periodic check, so poll (never assert a time).
  installed_octet = 9;
  replace_file(path, other);
  for (int i = 0; i < 600; i++) {
    long before = fresh_answers;
    usleep(10 * 1000);
    if (fresh_answers - before > 100) break;
  }
  long before = fresh_answers;
  let_readers_run();
  stop = true;
  for (auto& r : readers) r.join();
  unsetenv("SANDNET_HOSTS_TABLE");
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(fresh_answers.load() - before, 0) << "answers did not resume after a good table was installed";
}

}  // namespace
}  // namespace sandnet::nss_test
