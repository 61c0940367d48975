// glibc NSS "hosts" entry points of libnss_sandnet.so.2: peers by name from the pushed table.
//
// Conventions glibc callers depend on (see docs/name-service.md):
//  - buffer too small: NSS_STATUS_TRYAGAIN, *errnop = ERANGE, *h_errnop = NETDB_INTERNAL, so
//    getaddrinfo/gethostbyname grow the buffer and retry;
//  - no usable table: NSS_STATUS_UNAVAIL, *h_errnop = NO_RECOVERY, so the next module runs;
//  - success and not-found leave errno alone;
//  - never abort, assert or print: this code runs inside every process of the guest.
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <nss.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "nss/buffer_layout.h"
#include "nss/table_cache.h"

#define NSS_EXPORT __attribute__((visibility("default")))

// A lookup's result copied out of the table while the cache lock is held.
typedef struct found_host {
  int found;
  char canonical[SANDNET_HOSTS_TABLE_MAX_NAME];
  size_t canonical_len;
  char matched[SANDNET_HOSTS_TABLE_MAX_NAME];
  size_t matched_len;
  unsigned char ipv4[4];
} found_host;

typedef struct name_query {
  const char *name;
  found_host result;
} name_query;

typedef struct addr_query {
  unsigned char ipv4[4];
  found_host result;
} addr_query;

static void copy_found(const sandnet_hosts_entry *e, found_host *out) {
  out->found = 1;
  memcpy(out->canonical, e->canonical, e->canonical_len);
  out->canonical_len = e->canonical_len;
  memcpy(out->matched, e->name, e->name_len);
  out->matched_len = e->name_len;
  memcpy(out->ipv4, e->ipv4, 4);
}

static void lookup_name(const sandnet_hosts_table *table, void *ctx) {
  name_query *q = (name_query *)ctx;
  sandnet_hosts_entry e;
  if (sandnet_hosts_table_find_name(table, q->name, &e)) copy_found(&e, &q->result);
}

static void lookup_addr(const sandnet_hosts_table *table, void *ctx) {
  addr_query *q = (addr_query *)ctx;
  sandnet_hosts_entry e;
  if (sandnet_hosts_table_find_addr(table, q->ipv4, &e)) copy_found(&e, &q->result);
}

static enum nss_status fail(enum nss_status status, int error, int herror, int *errnop, int *h_errnop) {
  *errnop = error;
  *h_errnop = herror;
  return status;
}

static enum nss_status not_found(int *h_errnop) {
  *h_errnop = HOST_NOT_FOUND;
  return NSS_STATUS_NOTFOUND;
}

static enum nss_status buffer_too_small(int *errnop, int *h_errnop) {
  return fail(NSS_STATUS_TRYAGAIN, ERANGE, NETDB_INTERNAL, errnop, h_errnop);
}

static enum nss_status table_unavailable(int error, int *errnop, int *h_errnop) {
  return fail(NSS_STATUS_UNAVAIL, error, NO_RECOVERY, errnop, h_errnop);
}

// Looks `name` up; returns NSS_STATUS_SUCCESS with q->result filled, or the failure.
static enum nss_status find_by_name(const char *name, name_query *q, int *errnop, int *h_errnop) {
  memset(q, 0, sizeof *q);
  q->name = name;
  if (name == NULL) return not_found(h_errnop);
  int error = sandnet_nss_with_table(lookup_name, q);
  if (error != 0) return table_unavailable(error, errnop, h_errnop);
  if (!q->result.found) return not_found(h_errnop);
  return NSS_STATUS_SUCCESS;
}

static sandnet_answer forward_answer(const found_host *h) {
  int is_alias = h->matched_len != h->canonical_len ||
                 memcmp(h->matched, h->canonical, h->canonical_len) != 0;
  sandnet_answer a = {
      .canonical = h->canonical,
      .canonical_len = h->canonical_len,
      .alias = is_alias ? h->matched : NULL,
      .alias_len = is_alias ? h->matched_len : 0,
      .addr = h->ipv4,
      .af = AF_INET,
      .addr_len = 4,
  };
  return a;
}

NSS_EXPORT enum nss_status _nss_sandnet_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat,
                                                         char *buffer, size_t buflen, int *errnop,
                                                         int *h_errnop, int32_t *ttlp) {
  if (pat == NULL) return fail(NSS_STATUS_UNAVAIL, EINVAL, NO_RECOVERY, errnop, h_errnop);
  name_query q;
  enum nss_status status = find_by_name(name, &q, errnop, h_errnop);
  if (status != NSS_STATUS_SUCCESS) return status;
  sandnet_answer a = forward_answer(&q.result);
  struct gaih_addrtuple *tuple = sandnet_fill_addrtuple(&a, buffer, buflen);
  if (tuple == NULL) return buffer_too_small(errnop, h_errnop);
  // nscd passes its own first tuple in *pat: fill it rather than replacing the pointer.
  if (*pat != NULL)
    **pat = *tuple;
  else
    *pat = tuple;
  if (ttlp) *ttlp = 0;
  *h_errnop = NETDB_SUCCESS;
  return NSS_STATUS_SUCCESS;
}

NSS_EXPORT enum nss_status _nss_sandnet_gethostbyname3_r(const char *name, int af, struct hostent *host,
                                                         char *buffer, size_t buflen, int *errnop,
                                                         int *h_errnop, int32_t *ttlp, char **canonp) {
  if (af == AF_UNSPEC) af = AF_INET;
  if (af != AF_INET && af != AF_INET6)
    return fail(NSS_STATUS_UNAVAIL, EAFNOSUPPORT, NO_DATA, errnop, h_errnop);
  name_query q;
  enum nss_status status = find_by_name(name, &q, errnop, h_errnop);
  if (status != NSS_STATUS_SUCCESS) return status;
  // The table holds IPv4 only: an AF_INET6 question about a known name has no answer.
  if (af != AF_INET) return not_found(h_errnop);
  sandnet_answer a = forward_answer(&q.result);
  if (!sandnet_fill_hostent(&a, host, buffer, buflen)) return buffer_too_small(errnop, h_errnop);
  if (ttlp) *ttlp = 0;
  if (canonp) *canonp = host->h_name;
  *h_errnop = NETDB_SUCCESS;
  return NSS_STATUS_SUCCESS;
}

NSS_EXPORT enum nss_status _nss_sandnet_gethostbyname2_r(const char *name, int af, struct hostent *host,
                                                         char *buffer, size_t buflen, int *errnop,
                                                         int *h_errnop) {
  return _nss_sandnet_gethostbyname3_r(name, af, host, buffer, buflen, errnop, h_errnop, NULL, NULL);
}

NSS_EXPORT enum nss_status _nss_sandnet_gethostbyname_r(const char *name, struct hostent *host,
                                                        char *buffer, size_t buflen, int *errnop,
                                                        int *h_errnop) {
  return _nss_sandnet_gethostbyname3_r(name, AF_INET, host, buffer, buflen, errnop, h_errnop, NULL,
                                       NULL);
}

NSS_EXPORT enum nss_status _nss_sandnet_gethostbyaddr2_r(const void *addr, socklen_t len, int af,
                                                         struct hostent *host, char *buffer, size_t buflen,
                                                         int *errnop, int *h_errnop, int32_t *ttlp) {
  addr_query q;
  memset(&q, 0, sizeof q);
  if (addr == NULL) return fail(NSS_STATUS_UNAVAIL, EINVAL, NO_RECOVERY, errnop, h_errnop);
  if (af == AF_INET) {
    if (len != 4) return fail(NSS_STATUS_UNAVAIL, EINVAL, NO_RECOVERY, errnop, h_errnop);
    memcpy(q.ipv4, addr, 4);
  } else if (af == AF_INET6) {
    if (len != 16) return fail(NSS_STATUS_UNAVAIL, EINVAL, NO_RECOVERY, errnop, h_errnop);
    struct in6_addr a6;
    memcpy(&a6, addr, 16);
    // ::ffff:a.b.c.d is the IPv4 peer as an IPv6 socket sees it; nothing else is ours.
    if (!IN6_IS_ADDR_V4MAPPED(&a6)) return not_found(h_errnop);
    memcpy(q.ipv4, a6.s6_addr + 12, 4);
  } else {
    return fail(NSS_STATUS_UNAVAIL, EAFNOSUPPORT, NO_RECOVERY, errnop, h_errnop);
  }
  int error = sandnet_nss_with_table(lookup_addr, &q);
  if (error != 0) return table_unavailable(error, errnop, h_errnop);
  if (!q.result.found) return not_found(h_errnop);
  sandnet_answer a = {
      .canonical = q.result.canonical,
      .canonical_len = q.result.canonical_len,
      .alias = NULL,
      .alias_len = 0,
      .addr = addr,
      .af = af,
      .addr_len = len,
  };
  if (!sandnet_fill_hostent(&a, host, buffer, buflen)) return buffer_too_small(errnop, h_errnop);
  if (ttlp) *ttlp = 0;
  *h_errnop = NETDB_SUCCESS;
  return NSS_STATUS_SUCCESS;
}

NSS_EXPORT enum nss_status _nss_sandnet_gethostbyaddr_r(const void *addr, socklen_t len, int af,
                                                        struct hostent *host, char *buffer, size_t buflen,
                                                        int *errnop, int *h_errnop) {
  return _nss_sandnet_gethostbyaddr2_r(addr, len, af, host, buffer, buflen, errnop, h_errnop, NULL);
}
