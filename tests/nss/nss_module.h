// Loads a built libnss_sandnet.so.2 with dlopen and exposes its entry points, as glibc does.
#pragma once

#include <dlfcn.h>
#include <netdb.h>
#include <nss.h>
#include <sys/socket.h>

#include <stdexcept>
#include <string>

namespace sandnet::nss_test {

using GetHostByName4 = nss_status (*)(const char*, gaih_addrtuple**, char*, size_t, int*, int*, int32_t*);
using GetHostByName3 = nss_status (*)(const char*, int, hostent*, char*, size_t, int*, int*, int32_t*,
                                      char**);
using GetHostByName2 = nss_status (*)(const char*, int, hostent*, char*, size_t, int*, int*);
using GetHostByName = nss_status (*)(const char*, hostent*, char*, size_t, int*, int*);
using GetHostByAddr2 = nss_status (*)(const void*, socklen_t, int, hostent*, char*, size_t, int*, int*,
                                      int32_t*);
using GetHostByAddr = nss_status (*)(const void*, socklen_t, int, hostent*, char*, size_t, int*, int*);

struct NssModule {
  explicit NssModule(const std::string& path) {
    handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) throw std::runtime_error(std::string("dlopen: ") + dlerror());
    name4 = load<GetHostByName4>("_nss_sandnet_gethostbyname4_r");
    name3 = load<GetHostByName3>("_nss_sandnet_gethostbyname3_r");
    name2 = load<GetHostByName2>("_nss_sandnet_gethostbyname2_r");
    name1 = load<GetHostByName>("_nss_sandnet_gethostbyname_r");
    addr2 = load<GetHostByAddr2>("_nss_sandnet_gethostbyaddr2_r");
    addr1 = load<GetHostByAddr>("_nss_sandnet_gethostbyaddr_r");
  }
  // glibc never unloads NSS modules while running; neither do we (keeps ASan reports sane).
  NssModule(const NssModule&) = delete;
  NssModule& operator=(const NssModule&) = delete;

  template <typename F>
  F load(const char* symbol) {
    void* p = dlsym(handle, symbol);
    if (p == nullptr) throw std::runtime_error(std::string("missing symbol ") + symbol);
    return reinterpret_cast<F>(p);
  }

  void* handle = nullptr;
  GetHostByName4 name4 = nullptr;
  GetHostByName3 name3 = nullptr;
  GetHostByName2 name2 = nullptr;
  GetHostByName name1 = nullptr;
  GetHostByAddr2 addr2 = nullptr;
  GetHostByAddr addr1 = nullptr;
};

}  // namespace sandnet::nss_test
