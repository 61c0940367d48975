// Conformance of libnss_sandnet.so.2 with what glibc and nscd expect from a hosts module.
// The built module is dlopen()ed and called directly, like glibc's NSS dispatch does. This
// file is compiled twice: against the plain module and, under ASan+UBSan, the sanitizer one.
#include <arpa/inet.h>
#include <errno.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "tests/nss/nss_module.h"
#include "tests/nss/table_files.h"

#ifndef SANDNET_NSS_MODULE
#error "SANDNET_NSS_MODULE must name the module to test"
#endif

namespace sandnet::nss_test {
namespace {

constexpr int kErrnoSentinel = 4242;
constexpr int kHerrnoSentinel = 777;
constexpr unsigned char kPoison = 0xa5;
constexpr size_t kPoisonBytes = 64;

NssModule& module() {
  static NssModule* m = new NssModule(SANDNET_NSS_MODULE);  // never unloaded, as in glibc
  return *m;
}

struct Outcome {
  nss_status status;
  int err;      // *errnop after the call
  int herr;     // *h_errnop after the call
  int real_errno;
};

class NssConformance : public ::testing::Test {
 protected:
  void SetUp() override {
    table_path_ = dir_.path / "hosts.table";
    replace_file(table_path_, standard_table());
    setenv("SANDNET_HOSTS_TABLE", table_path_.c_str(), 1);
  }
  void TearDown() override { unsetenv("SANDNET_HOSTS_TABLE"); }

  // Runs `call(errnop, h_errnop)` with sentinels in place so that untouched values show.
  static Outcome run(const std::function<nss_status(int*, int*)>& call) {
    int err = kErrnoSentinel, herr = kHerrnoSentinel;
    errno = kErrnoSentinel + 1;
    nss_status status = call(&err, &herr);
    return {status, err, herr, errno};
  }

  TempDir dir_;
  std::filesystem::path table_path_;
};

std::string ip_string(int af, const void* addr) {
  char text[INET6_ADDRSTRLEN] = {};
  inet_ntop(af, addr, text, sizeof text);
  return text;
}

std::vector<std::string> aliases_of(const hostent& h) {
  std::vector<std::string> out;
  for (char** a = h.h_aliases; *a != nullptr; a++) out.emplace_back(*a);
  return out;
}

void expect_otter_hostent(const hostent& h, const std::vector<std::string>& aliases) {
  EXPECT_STREQ(h.h_name, "brave-otter");
  EXPECT_EQ(aliases_of(h), aliases);
  EXPECT_EQ(h.h_addrtype, AF_INET);
  EXPECT_EQ(h.h_length, 4);
  ASSERT_NE(h.h_addr_list[0], nullptr);
  EXPECT_EQ(ip_string(AF_INET, h.h_addr_list[0]), "10.42.0.5");
  EXPECT_EQ(h.h_addr_list[1], nullptr);
}

TEST_F(NssConformance, GetHostByName4FindsBareAndQualifiedNames) {
  for (const char* name : {"brave-otter", "brave-otter.dev", "BRAVE-Otter.prod."}) {
    char buffer[1024];
    gaih_addrtuple* pat = nullptr;
    int32_t ttl = -1;
    Outcome o = run([&](int* e, int* h) {
      return module().name4(name, &pat, buffer, sizeof buffer, e, h, &ttl);
    });
    ASSERT_EQ(o.status, NSS_STATUS_SUCCESS) << name;
    EXPECT_EQ(o.err, kErrnoSentinel);
    EXPECT_EQ(o.real_errno, kErrnoSentinel + 1);
    ASSERT_NE(pat, nullptr);
    EXPECT_STREQ(pat->name, "brave-otter");
    EXPECT_EQ(pat->family, AF_INET);
    EXPECT_EQ(ip_string(AF_INET, pat->addr), "10.42.0.5");
    EXPECT_EQ(pat->next, nullptr);
    EXPECT_EQ(ttl, 0);
  }
}

TEST_F(NssConformance, GetHostByName4FillsCallerTupleLikeNscd) {
  char buffer[1024];
  gaih_addrtuple mine;
  std::memset(&mine, 0xee, sizeof mine);
  gaih_addrtuple* pat = &mine;
  Outcome o = run([&](int* e, int* h) {
    return module().name4("calm-heron", &pat, buffer, sizeof buffer, e, h, nullptr);
  });
  ASSERT_EQ(o.status, NSS_STATUS_SUCCESS);
  EXPECT_EQ(pat, &mine);
  EXPECT_STREQ(mine.name, "calm-heron");
  EXPECT_EQ(mine.family, AF_INET);
  EXPECT_EQ(ip_string(AF_INET, mine.addr), "10.42.0.7");
  EXPECT_EQ(mine.next, nullptr);
}

TEST_F(NssConformance, NotFoundLeavesErrnoAlone) {
  char buffer[1024];
  gaih_addrtuple* pat = nullptr;
  hostent h;
  for (const char* name : {"stranger", "brave-otter.staging", "", ".", "brave-otter..", "a b"}) {
    Outcome o = run([&](int* e, int* he) {
      return module().name4(name, &pat, buffer, sizeof buffer, e, he, nullptr);
    });
    EXPECT_EQ(o.status, NSS_STATUS_NOTFOUND) << name;
    EXPECT_EQ(o.err, kErrnoSentinel);
    EXPECT_EQ(o.real_errno, kErrnoSentinel + 1);
    EXPECT_EQ(o.herr, HOST_NOT_FOUND);
    o = run([&](int* e, int* he) { return module().name1(name, &h, buffer, sizeof buffer, e, he); });
    EXPECT_EQ(o.status, NSS_STATUS_NOTFOUND) << name;
    EXPECT_EQ(o.err, kErrnoSentinel);
    EXPECT_EQ(o.herr, HOST_NOT_FOUND);
  }
}

TEST_F(NssConformance, GetHostByName3PerFamily) {
  char buffer[1024];
  hostent h;
  char* canon = nullptr;
  int32_t ttl = -1;
  for (int af : {AF_INET, AF_UNSPEC}) {
    Outcome o = run([&](int* e, int* he) {
      return module().name3("brave-otter.dev", af, &h, buffer, sizeof buffer, e, he, &ttl, &canon);
    });
    ASSERT_EQ(o.status, NSS_STATUS_SUCCESS);
    EXPECT_EQ(o.err, kErrnoSentinel);
    EXPECT_EQ(o.real_errno, kErrnoSentinel + 1);
    expect_otter_hostent(h, {"brave-otter.dev"});
    EXPECT_EQ(canon, h.h_name);
    EXPECT_EQ(ttl, 0);
  }
  // The table is IPv4-only: AF_INET6 for a known name is "not found", never an error.
  Outcome o = run([&](int* e, int* he) {
    return module().name3("brave-otter", AF_INET6, &h, buffer, sizeof buffer, e, he, nullptr, nullptr);
  });
  EXPECT_EQ(o.status, NSS_STATUS_NOTFOUND);
  EXPECT_EQ(o.herr, HOST_NOT_FOUND);
  EXPECT_EQ(o.err, kErrnoSentinel);
  EXPECT_EQ(o.real_errno, kErrnoSentinel + 1);
  o = run([&](int* e, int* he) {
    return module().name3("brave-otter", AF_PACKET, &h, buffer, sizeof buffer, e, he, nullptr, nullptr);
  });
  EXPECT_EQ(o.status, NSS_STATUS_UNAVAIL);
  EXPECT_EQ(o.err, EAFNOSUPPORT);
}

TEST_F(NssConformance, GetHostByName2AndPlain) {
  char buffer[1024];
  hostent h;
  Outcome o = run([&](int* e, int* he) {
    return module().name2("brave-otter", AF_INET, &h, buffer, sizeof buffer, e, he);
  });
  ASSERT_EQ(o.status, NSS_STATUS_SUCCESS);
  expect_otter_hostent(h, {});
  o = run([&](int* e, int* he) {
    return module().name2("brave-otter", AF_INET6, &h, buffer, sizeof buffer, e, he);
  });
  EXPECT_EQ(o.status, NSS_STATUS_NOTFOUND);
  o = run([&](int* e, int* he) { return module().name1("Brave-Otter.", &h, buffer, sizeof buffer, e, he); });
  ASSERT_EQ(o.status, NSS_STATUS_SUCCESS);
  expect_otter_hostent(h, {});
  EXPECT_EQ(o.real_errno, kErrnoSentinel + 1);
}

TEST_F(NssConformance, ReverseLookups) {
  char buffer[1024];
  hostent h;
  in_addr v4;
  inet_pton(AF_INET, "10.42.0.5", &v4);
  Outcome o = run([&](int* e, int* he) {
    return module().addr1(&v4, sizeof v4, AF_INET, &h, buffer, sizeof buffer, e, he);
  });
  ASSERT_EQ(o.status, NSS_STATUS_SUCCESS);
  EXPECT_EQ(o.err, kErrnoSentinel);
  EXPECT_EQ(o.real_errno, kErrnoSentinel + 1);
  expect_otter_hostent(h, {});

  in6_addr mapped;
  inet_pton(AF_INET6, "::ffff:10.42.0.7", &mapped);
  int32_t ttl = -1;
  o = run([&](int* e, int* he) {
    return module().addr2(&mapped, sizeof mapped, AF_INET6, &h, buffer, sizeof buffer, e, he, &ttl);
  });
  ASSERT_EQ(o.status, NSS_STATUS_SUCCESS);
  EXPECT_STREQ(h.h_name, "calm-heron");
  EXPECT_EQ(h.h_addrtype, AF_INET6);
  EXPECT_EQ(h.h_length, 16);
  EXPECT_EQ(ip_string(AF_INET6, h.h_addr_list[0]), "::ffff:10.42.0.7");
  EXPECT_EQ(ttl, 0);

  in6_addr plain6;
  inet_pton(AF_INET6, "fd00::5", &plain6);
  in_addr absent;
  inet_pton(AF_INET, "10.42.0.6", &absent);
  for (auto query : {std::tuple<const void*, socklen_t, int>{&plain6, 16, AF_INET6},
                     {&absent, 4, AF_INET}}) {
    auto [addr, len, af] = query;
    o = run([&, addr = addr, len = len, af = af](int* e, int* he) {
      return module().addr1(addr, len, af, &h, buffer, sizeof buffer, e, he);
    });
    EXPECT_EQ(o.status, NSS_STATUS_NOTFOUND);
    EXPECT_EQ(o.herr, HOST_NOT_FOUND);
    EXPECT_EQ(o.err, kErrnoSentinel);
    EXPECT_EQ(o.real_errno, kErrnoSentinel + 1);
  }
  o = run([&](int* e, int* he) { return module().addr1(&v4, 3, AF_INET, &h, buffer, sizeof buffer, e, he); });
  EXPECT_EQ(o.status, NSS_STATUS_UNAVAIL);
  EXPECT_EQ(o.err, EINVAL);
  o = run([&](int* e, int* he) { return module().addr1(&v4, 4, AF_INET6, &h, buffer, sizeof buffer, e, he); });
  EXPECT_EQ(o.status, NSS_STATUS_UNAVAIL);
  EXPECT_EQ(o.err, EINVAL);
  o = run([&](int* e, int* he) { return module().addr1(&v4, 4, AF_UNIX, &h, buffer, sizeof buffer, e, he); });
  EXPECT_EQ(o.status, NSS_STATUS_UNAVAIL);
  EXPECT_EQ(o.err, EAFNOSUPPORT);
}

TEST_F(NssConformance, MissingTableIsUnavailSoTheNextModuleRuns) {
  setenv("SANDNET_HOSTS_TABLE", (dir_.path / "absent.table").c_str(), 1);
  char buffer[1024];
  gaih_addrtuple* pat = nullptr;
  hostent h;
  in_addr v4;
  inet_pton(AF_INET, "10.42.0.5", &v4);
  std::vector<Outcome> outcomes = {
      run([&](int* e, int* he) { return module().name4("brave-otter", &pat, buffer, sizeof buffer, e, he, nullptr); }),
      run([&](int* e, int* he) { return module().name2("brave-otter", AF_INET, &h, buffer, sizeof buffer, e, he); }),
      run([&](int* e, int* he) { return module().name1("brave-otter", &h, buffer, sizeof buffer, e, he); }),
      run([&](int* e, int* he) { return module().addr1(&v4, 4, AF_INET, &h, buffer, sizeof buffer, e, he); }),
  };
  for (const Outcome& o : outcomes) {
    EXPECT_EQ(o.status, NSS_STATUS_UNAVAIL);
    EXPECT_EQ(o.err, ENOENT);
    EXPECT_EQ(o.herr, NO_RECOVERY);
  }
}

TEST_F(NssConformance, DamagedTablesAreUnavailNeverACrash) {
  std::vector<unsigned char> good = standard_table();
  std::vector<std::vector<unsigned char>> damaged = {
      {},
      std::vector<unsigned char>(good.begin(), good.begin() + good.size() / 2),
      std::vector<unsigned char>(100000, 0xff),
  };
  for (size_t i = 0; i < good.size(); i += 7) {
    if (i >= 28 && i < 32) continue;  // the superseded word is meant to change in place
    std::vector<unsigned char> flipped = good;
    flipped[i] ^= 0x10;
    damaged.push_back(flipped);
  }
  char buffer[1024];
  hostent h;
  for (const auto& bytes : damaged) {
    replace_file(table_path_, bytes);
    Outcome o = run([&](int* e, int* he) { return module().name1("brave-otter", &h, buffer, sizeof buffer, e, he); });
    EXPECT_EQ(o.status, NSS_STATUS_UNAVAIL);
    EXPECT_EQ(o.herr, NO_RECOVERY);
  }
  // A directory where the table should be is no table either.
  std::filesystem::remove(table_path_);
  std::filesystem::create_directory(table_path_);
  Outcome o = run([&](int* e, int* he) { return module().name1("brave-otter", &h, buffer, sizeof buffer, e, he); });
  EXPECT_EQ(o.status, NSS_STATUS_UNAVAIL);
}

TEST_F(NssConformance, ReplacedTableIsSeenWithoutRestart) {
  char buffer[1024];
  hostent h;
  for (unsigned char octet : {5, 9, 11, 5}) {
    replace_file(table_path_, standard_table(octet));
    Outcome o = run([&](int* e, int* he) { return module().name1("brave-otter", &h, buffer, sizeof buffer, e, he); });
    ASSERT_EQ(o.status, NSS_STATUS_SUCCESS);
    EXPECT_EQ(ip_string(AF_INET, h.h_addr_list[0]), "10.42.0." + std::to_string(octet));
  }
}

TEST_F(NssConformance, UnmarkedRenameIsSeenWithinTheRecheckInterval) {
  // Another tool renaming a table in without guestd's "superseded" mark: the module notices
  // at its next periodic stat (1 s). Poll generously; never assert wall-clock time.
  char buffer[1024];
  hostent h;
  int e, he;
  ASSERT_EQ(module().name1("brave-otter", &h, buffer, sizeof buffer, &e, &he), NSS_STATUS_SUCCESS);
  auto tmp = dir_.path / "unmarked.tmp";
  write_bytes(tmp, standard_table(77));
  std::filesystem::rename(tmp, table_path_);
  std::string seen;
  for (int i = 0; i < 300 && seen != "10.42.0.77"; i++) {
    if (i) usleep(50 * 1000);
    ASSERT_EQ(module().name1("brave-otter", &h, buffer, sizeof buffer, &e, &he), NSS_STATUS_SUCCESS);
    seen = ip_string(AF_INET, h.h_addr_list[0]);
  }
  EXPECT_EQ(seen, "10.42.0.77");
}

// Every buffer size from 0 up: too small must be TRYAGAIN/ERANGE/NETDB_INTERNAL with nothing
// written past buflen; from the first size that works, every larger size works. Run at two
// buffer alignments because callers need not pass aligned buffers.
class BufferSweep : public NssConformance {
 protected:
  using Call = std::function<nss_status(char* buffer, size_t buflen, int* e, int* he)>;

  void sweep(const char* what, const Call& call, const std::function<void()>& check_result) {
    for (size_t misalign : {0, 3}) {
      bool succeeded = false;
      for (size_t buflen = 0; buflen <= 512; buflen++) {
        std::vector<unsigned char> storage(misalign + buflen + kPoisonBytes, kPoison);
        char* buffer = reinterpret_cast<char*>(storage.data() + misalign);
        Outcome o = run([&](int* e, int* he) { return call(buffer, buflen, e, he); });
        for (size_t i = 0; i < kPoisonBytes; i++)
          ASSERT_EQ(storage[misalign + buflen + i], kPoison) << what << ": wrote past buflen " << buflen;
        if (o.status == NSS_STATUS_TRYAGAIN) {
          ASSERT_FALSE(succeeded) << what << ": failed at " << buflen << " after succeeding below";
          EXPECT_EQ(o.err, ERANGE) << what << " buflen " << buflen;
          EXPECT_EQ(o.herr, NETDB_INTERNAL) << what << " buflen " << buflen;
          continue;
        }
        ASSERT_EQ(o.status, NSS_STATUS_SUCCESS) << what << " buflen " << buflen;
        EXPECT_EQ(o.err, kErrnoSentinel);
        EXPECT_EQ(o.real_errno, kErrnoSentinel + 1);
        succeeded = true;
        check_result();
      }
      EXPECT_TRUE(succeeded) << what;
    }
  }
};

TEST_F(BufferSweep, EveryEntryPoint) {
  hostent h;
  gaih_addrtuple* pat = nullptr;
  in_addr v4;
  inet_pton(AF_INET, "10.42.0.5", &v4);
  in6_addr mapped;
  inet_pton(AF_INET6, "::ffff:10.42.0.5", &mapped);
  auto otter_plain = [&] { expect_otter_hostent(h, {}); };
  auto otter_alias = [&] { expect_otter_hostent(h, {"brave-otter.prod"}); };

  sweep("gethostbyname4_r", [&](char* b, size_t n, int* e, int* he) {
    pat = nullptr;
    return module().name4("brave-otter.prod", &pat, b, n, e, he, nullptr);
  }, [&] {
    ASSERT_NE(pat, nullptr);
    EXPECT_STREQ(pat->name, "brave-otter");
    EXPECT_EQ(ip_string(AF_INET, pat->addr), "10.42.0.5");
  });
  for (int af : {AF_INET, AF_UNSPEC}) {
    sweep("gethostbyname3_r", [&](char* b, size_t n, int* e, int* he) {
      char* canon = nullptr;
      return module().name3("brave-otter.prod", af, &h, b, n, e, he, nullptr, &canon);
    }, otter_alias);
    sweep("gethostbyname2_r", [&](char* b, size_t n, int* e, int* he) {
      return module().name2("brave-otter", af, &h, b, n, e, he);
    }, otter_plain);
  }
  sweep("gethostbyname_r", [&](char* b, size_t n, int* e, int* he) {
    return module().name1("brave-otter.prod", &h, b, n, e, he);
  }, otter_alias);
  sweep("gethostbyaddr_r/AF_INET", [&](char* b, size_t n, int* e, int* he) {
    return module().addr1(&v4, 4, AF_INET, &h, b, n, e, he);
  }, otter_plain);
  sweep("gethostbyaddr2_r/AF_INET6", [&](char* b, size_t n, int* e, int* he) {
    return module().addr2(&mapped, 16, AF_INET6, &h, b, n, e, he, nullptr);
  }, [&] {
    EXPECT_STREQ(h.h_name, "brave-otter");
    EXPECT_EQ(h.h_length, 16);
  });
}

}  // namespace
}  // namespace sandnet::nss_test
