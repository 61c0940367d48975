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

// Like an /etc/hosts line: every other name of the address, shortest first, then byte order.
const std::vector<std::string> kOtterAliases = {"brave-otter.dev", "brave-otter.prod"};

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
    expect_otter_hostent(h, kOtterAliases);
    EXPECT_EQ(canon, h.h_name);
    EXPECT_EQ(ttl, 0);
  }
  Outcome o = run([&](int* e, int* he) {
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
  expect_otter_hostent(h, kOtterAliases);
  o = run([&](int* e, int* he) { return module().name1("Brave-Otter.", &h, buffer, sizeof buffer, e, he); });
  ASSERT_EQ(o.status, NSS_STATUS_SUCCESS);
  expect_otter_hostent(h, kOtterAliases);
  EXPECT_EQ(o.real_errno, kErrnoSentinel + 1);
}

// A known name has no address of the asked family: glibc's NO_DATA ("the name is valid but
// has no address of this type"), not HOST_NOT_FOUND; errno stays untouched.
TEST_F(NssConformance, Ipv6ForAKnownIpv4OnlyNameIsNoData) {
  char buffer[1024];
  hostent h;
  for (const char* name : {"brave-otter", "Brave-Otter.prod."}) {
    std::vector<Outcome> outcomes = {
        run([&](int* e, int* he) {
          return module().name3(name, AF_INET6, &h, buffer, sizeof buffer, e, he, nullptr, nullptr);
        }),
        run([&](int* e, int* he) { return module().name2(name, AF_INET6, &h, buffer, sizeof buffer, e, he); }),
    };
    for (const Outcome& o : outcomes) {
      EXPECT_EQ(o.status, NSS_STATUS_NOTFOUND) << name;
      EXPECT_EQ(o.herr, NO_DATA) << name;
      EXPECT_EQ(o.err, kErrnoSentinel);
      EXPECT_EQ(o.real_errno, kErrnoSentinel + 1);
    }
  }
  // gethostbyname4_r has no family: it answers the IPv4 address and glibc's getaddrinfo
  // filters it (EAI_NODATA for AF_INET6), without asking the next module.
  gaih_addrtuple* pat = nullptr;
  Outcome o = run([&](int* e, int* he) { return module().name4("brave-otter", &pat, buffer, sizeof buffer, e, he, nullptr); });
  EXPECT_EQ(o.status, NSS_STATUS_SUCCESS);
}

// A name in no table stays HOST_NOT_FOUND in every family, so glibc asks the next module.
TEST_F(NssConformance, UnknownNameIsNotFoundInEveryFamily) {
  char buffer[1024];
  hostent h;
  for (int af : {AF_INET, AF_INET6, AF_UNSPEC}) {
    Outcome o = run([&](int* e, int* he) { return module().name2("stranger", af, &h, buffer, sizeof buffer, e, he); });
    EXPECT_EQ(o.status, NSS_STATUS_NOTFOUND) << af;
    EXPECT_EQ(o.herr, HOST_NOT_FOUND) << af;
    EXPECT_EQ(o.err, kErrnoSentinel);
    EXPECT_EQ(o.real_errno, kErrnoSentinel + 1);
  }
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
  expect_otter_hostent(h, kOtterAliases);

  in6_addr mapped;
  inet_pton(AF_INET6, "::ffff:10.42.0.7", &mapped);
  int32_t ttl = -1;
  o = run([&](int* e, int* he) {
    return module().addr2(&mapped, sizeof mapped, AF_INET6, &h, buffer, sizeof buffer, e, he, &ttl);
  });
  ASSERT_EQ(o.status, NSS_STATUS_SUCCESS);
  EXPECT_STREQ(h.h_name, "calm-heron");
  EXPECT_EQ(aliases_of(h), std::vector<std::string>{"calm-heron.dev"});
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

// Returns the address brave-otter resolves to once it equals `want`, polling generously:
// a replaced table is noticed at the module's next periodic stat(). Never asserts a time.
std::string poll_otter_until(const std::string& want) {
  char buffer[1024];
  hostent h;
  std::string seen;
  for (int i = 0; i < 1500 && seen != want; i++) {
    if (i) usleep(10 * 1000);
    int e, he;
    if (module().name1("brave-otter", &h, buffer, sizeof buffer, &e, &he) == NSS_STATUS_SUCCESS)
      seen = ip_string(AF_INET, h.h_addr_list[0]);
  }
  return seen;
}

TEST_F(NssConformance, ReplacedTableIsSeenWithoutRestart) {
  for (unsigned char octet : {5, 9, 11, 5}) {
    replace_file(table_path_, standard_table(octet));
    EXPECT_EQ(poll_otter_until("10.42.0." + std::to_string(octet)), "10.42.0." + std::to_string(octet));
  }
}

TEST_F(NssConformance, UnmarkedRenameIsSeenToo) {
  // Another tool renaming a table in without guestd's "superseded" mark: the module does not
  // rely on the mark, only on the file at the path.
  EXPECT_EQ(poll_otter_until("10.42.0.5"), "10.42.0.5");
  auto tmp = dir_.path / "unmarked.tmp";
  write_bytes(tmp, standard_table(77));
  std::filesystem::rename(tmp, table_path_);
  EXPECT_EQ(poll_otter_until("10.42.0.77"), "10.42.0.77");
}

// Every buffer size from 0 up: too small must be TRYAGAIN/ERANGE/NETDB_INTERNAL with nothing
// written past buflen; from the first size that works, every larger size works. Run at two
// buffer alignments because callers need not pass aligned buffers.
class BufferSweep : public NssConformance {
 protected:
  using Call = std::function<nss_status(char* buffer, size_t buflen, int* e, int* he)>;

  void sweep(const char* what, const Call& call, const std::function<void()>& check_result,
             size_t max_buflen = 512) {
    for (size_t misalign : {0, 3}) {
      bool succeeded = false;
      for (size_t buflen = 0; buflen <= max_buflen; buflen++) {
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
  auto otter = [&] { expect_otter_hostent(h, kOtterAliases); };

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
    }, otter);
    sweep("gethostbyname2_r", [&](char* b, size_t n, int* e, int* he) {
      return module().name2("brave-otter", af, &h, b, n, e, he);
    }, otter);
  }
  sweep("gethostbyname_r", [&](char* b, size_t n, int* e, int* he) {
    return module().name1("brave-otter.prod", &h, b, n, e, he);
  }, otter);
  sweep("gethostbyaddr_r/AF_INET", [&](char* b, size_t n, int* e, int* he) {
    return module().addr1(&v4, 4, AF_INET, &h, b, n, e, he);
  }, otter);
  sweep("gethostbyaddr2_r/AF_INET6", [&](char* b, size_t n, int* e, int* he) {
    return module().addr2(&mapped, 16, AF_INET6, &h, b, n, e, he, nullptr);
  }, [&] {
    EXPECT_STREQ(h.h_name, "brave-otter");
    EXPECT_EQ(aliases_of(h), kOtterAliases);
    EXPECT_EQ(h.h_length, 16);
  });
}

// glibc passes &errno as errnop: ERANGE must reach errno itself, or glibc moves on to the
// next module instead of growing the buffer.
TEST_F(BufferSweep, ErangeReachesErrnoWhenErrnopIsErrno) {
  hostent h;
  gaih_addrtuple* pat = nullptr;
  in_addr v4;
  inet_pton(AF_INET, "10.42.0.5", &v4);
  char small[8];
  int herr = 0;
  errno = 0;
  EXPECT_EQ(module().name1("brave-otter", &h, small, sizeof small, &errno, &herr), NSS_STATUS_TRYAGAIN);
  EXPECT_EQ(errno, ERANGE);
  errno = 0;
  EXPECT_EQ(module().name4("brave-otter", &pat, small, sizeof small, &errno, &herr, nullptr), NSS_STATUS_TRYAGAIN);
  EXPECT_EQ(errno, ERANGE);
  errno = 0;
  EXPECT_EQ(module().addr1(&v4, 4, AF_INET, &h, small, sizeof small, &errno, &herr), NSS_STATUS_TRYAGAIN);
  EXPECT_EQ(errno, ERANGE);
  EXPECT_EQ(herr, NETDB_INTERNAL);
}

// A sandbox in many networks has many aliases; the exact-size rule must count all of them.
TEST_F(BufferSweep, ManyNetworksEveryAliasFits) {
  constexpr int kNetworks = 40;
  std::vector<std::string> networks, expected;
  for (int i = 0; i < kNetworks; i++) {
    networks.push_back("net-" + std::to_string(100 + i));
    expected.push_back("wide-peer." + networks.back());
  }
  hosts_table::Builder b;
  b.add_peer("wide-peer", {10, 42, 3, 3}, networks);
  b.add_peer("calm-heron", {10, 42, 0, 7}, {"net-100"});
  replace_file(table_path_, b.finish());

  hostent h;
  in_addr v4;
  inet_pton(AF_INET, "10.42.3.3", &v4);
  auto wide = [&] {
    EXPECT_STREQ(h.h_name, "wide-peer");
    EXPECT_EQ(aliases_of(h), expected);
    ASSERT_NE(h.h_addr_list[0], nullptr);
    EXPECT_EQ(h.h_addr_list[1], nullptr);
  };
  // 40 aliases of ~17 bytes plus 41 pointers: well over 1 KiB.
  constexpr size_t kMax = 2048;
  sweep("gethostbyname3_r/many", [&](char* b, size_t n, int* e, int* he) {
    return module().name3("wide-peer.net-117", AF_INET, &h, b, n, e, he, nullptr, nullptr);
  }, wide, kMax);
  sweep("gethostbyaddr_r/many", [&](char* b, size_t n, int* e, int* he) {
    return module().addr1(&v4, 4, AF_INET, &h, b, n, e, he);
  }, wide, kMax);
}

}  // namespace
}  // namespace sandnet::nss_test
