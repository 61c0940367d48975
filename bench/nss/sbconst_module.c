// libnss_sbconst.so.2: the cheapest possible hosts module, answering one name from a
// constant. Its getaddrinfo time is glibc's NSS dispatch cost itself: the floor that
// bench/nss compares libnss_sandnet.so.2 with.
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <stdint.h>
#include <string.h>

#define NSS_EXPORT __attribute__((visibility("default")))
#define SBCONST_NAME "sbconst-peer"

static const unsigned char kAddress[4] = {10, 99, 0, 1};

NSS_EXPORT enum nss_status _nss_sbconst_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat,
                                                         char *buffer, size_t buflen, int *errnop,
                                                         int *h_errnop, int32_t *ttlp) {
  if (strcmp(name, SBCONST_NAME) != 0) {
    *h_errnop = HOST_NOT_FOUND;
    return NSS_STATUS_NOTFOUND;
  }
  size_t need = sizeof(struct gaih_addrtuple) + sizeof SBCONST_NAME;
  size_t pad = (size_t)(-(uintptr_t)buffer) & (sizeof(void *) - 1);
  if (buflen < pad + need) {
    *errnop = ERANGE;
    *h_errnop = NETDB_INTERNAL;
    return NSS_STATUS_TRYAGAIN;
  }
  struct gaih_addrtuple *t = (struct gaih_addrtuple *)(void *)(buffer + pad);
  char *n = buffer + pad + sizeof *t;
  memcpy(n, SBCONST_NAME, sizeof SBCONST_NAME);
  memset(t, 0, sizeof *t);
  t->name = n;
  t->family = AF_INET;
  memcpy(t->addr, kAddress, 4);
  if (*pat)
    **pat = *t;
  else
    *pat = t;
  if (ttlp) *ttlp = 0;
  return NSS_STATUS_SUCCESS;
}

// getaddrinfo uses gethostbyname4_r when present; 2_r only so that glibc accepts the module
// for gethostbyname callers too. It answers "not found" for everything.
NSS_EXPORT enum nss_status _nss_sbconst_gethostbyname2_r(const char *name, int af, struct hostent *host,
                                                         char *buffer, size_t buflen, int *errnop,
                                                         int *h_errnop) {
  (void)name, (void)af, (void)host, (void)buffer, (void)buflen, (void)errnop;
  *h_errnop = HOST_NOT_FOUND;
  return NSS_STATUS_NOTFOUND;
}
