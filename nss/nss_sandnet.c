// glibc NSS "hosts" entry points of libnss_sandnet.so.2: peers by name from the pushed table.
//
// Conventions glibc callers depend on (see docs/name-service.md):
//  - buffer too small: NSS_STATUS_TRYAGAIN, *errnop = ERANGE, *h_errnop = NETDB_INTERNAL, so
//    getaddrinfo/gethostbyname grow the buffer and retry;
//  - no usable table: NSS_STATUS_UNAVAIL, *h_errnop = NO_RECOVERY, so the next module runs;
//  - a known name without an address of the asked family: NSS_STATUS_NOTFOUND with
//    *h_errnop = NO_DATA (glibc's "valid name, no address of this type");
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

static enum nss_status fail(enum nss_status status, int error, int herror, int *errnop, int *h_errnop) {
  *errnop = error;
  *h_errnop = herror;
  return status;
}

static enum nss_status not_found(int *h_errnop) {
  *h_errnop = HOST_NOT_FOUND;
  return NSS_STATUS_NOTFOUND;
}

// The name is ours but has no address of the asked family (the table is IPv4-only):
// glibc's NO_DATA, "valid name, no address of this type". Like HOST_NOT_FOUND it is a
// NOTFOUND status, so errno stays untouched; see docs/name-service.md for what glibc does next.
static enum nss_status no_data(int *h_errnop) {
  *h_errnop = NO_DATA;
  return NSS_STATUS_NOTFOUND;
}

static enum nss_status buffer_too_small(int *errnop, int *h_errnop) {
  return fail(NSS_STATUS_TRYAGAIN, ERANGE, NETDB_INTERNAL, errnop, h_errnop);
}

static enum nss_status found(int *h_errnop) {
  *h_errnop = NETDB_SUCCESS;
  return NSS_STATUS_SUCCESS;
}

// One lookup: the question, where the answer goes, and the outcome. The answer is laid out
// in the caller's buffer while the table lock is held (the names point into the table).
// The outcome is written to *errnop/*h_errnop only after the lock is released: glibc passes
// &errno as errnop, and the table cache restores errno on its way out.
typedef struct lookup {
  const char *name;            // by name
  unsigned char ipv4[4];       // by address, or the name's address once found
  int af;                      // family of the answer (AF_INET, or AF_INET6 for ::ffff:a.b.c.d)
  const void *addr;            // by address: the caller's address, returned as is
  size_t addr_len;
  struct hostent *host;        // hostent answers
  struct gaih_addrtuple *tuple;  // gethostbyname4_r answers (set on success)
  char *buffer;
  size_t buflen;
  enum nss_status status;
  int error;   // for *errnop, when status says so
  int herror;  // for *h_errnop
  int *errnop;
  int *h_errnop;
} lookup;

static void answer_hostent(lookup *q, const sandnet_hosts_names *names) {
  sandnet_answer a = {.names = names, .addr = q->addr, .af = q->af, .addr_len = q->addr_len};
  q->status = sandnet_fill_hostent(&a, q->host, q->buffer, q->buflen) ? found(&q->herror)
                                                                      : buffer_too_small(&q->error, &q->herror);
}

static void by_name_hostent(const sandnet_hosts_table *table, void *ctx) {
  lookup *q = (lookup *)ctx;
  sandnet_hosts_entry e;
  sandnet_hosts_names names;
  if (!sandnet_hosts_table_find_name(table, q->name, &e)) {
    q->status = not_found(&q->herror);
  } else if (q->af != AF_INET) {
    q->status = no_data(&q->herror);
  } else if (!sandnet_hosts_table_names_of(table, e.ipv4, &names)) {
    q->status = not_found(&q->herror);  // only a hostile table lacks the address
  } else {
    memcpy(q->ipv4, e.ipv4, 4);
    q->addr = q->ipv4;
    q->addr_len = 4;
    answer_hostent(q, &names);
  }
}

static void by_name_tuple(const sandnet_hosts_table *table, void *ctx) {
  lookup *q = (lookup *)ctx;
  sandnet_hosts_entry e;
  sandnet_hosts_names names;
  if (!sandnet_hosts_table_find_name(table, q->name, &e) ||
      !sandnet_hosts_table_names_of(table, e.ipv4, &names)) {
    q->status = not_found(&q->herror);
    return;
  }
  memcpy(q->ipv4, e.ipv4, 4);
  sandnet_answer a = {.names = &names, .addr = q->ipv4, .af = AF_INET, .addr_len = 4};
  q->tuple = sandnet_fill_addrtuple(&a, q->buffer, q->buflen);
  q->status = q->tuple ? found(&q->herror) : buffer_too_small(&q->error, &q->herror);
}

static void by_addr_hostent(const sandnet_hosts_table *table, void *ctx) {
  lookup *q = (lookup *)ctx;
  sandnet_hosts_names names;
  if (!sandnet_hosts_table_names_of(table, q->ipv4, &names))
    q->status = not_found(&q->herror);
  else
    answer_hostent(q, &names);
}

// Runs one lookup against the current table; no usable table is UNAVAIL (next module).
static enum nss_status run_lookup(void (*fn)(const sandnet_hosts_table *, void *), lookup *q) {
  int error = sandnet_nss_with_table(fn, q);
  if (error != 0) return fail(NSS_STATUS_UNAVAIL, error, NO_RECOVERY, q->errnop, q->h_errnop);
  if (q->status == NSS_STATUS_TRYAGAIN) *q->errnop = q->error;  // only ERANGE sets errno
  *q->h_errnop = q->herror;
  return q->status;
}

NSS_EXPORT enum nss_status _nss_sandnet_gethostbyname4_r(const char *name, struct gaih_addrtuple **pat,
                                                         char *buffer, size_t buflen, int *errnop,
                                                         int *h_errnop, int32_t *ttlp) {
  if (pat == NULL) return fail(NSS_STATUS_UNAVAIL, EINVAL, NO_RECOVERY, errnop, h_errnop);
  if (name == NULL) return not_found(h_errnop);
  // No family here: glibc's getaddrinfo (AF_UNSPEC) filters what it does not want.
  lookup q = {.name = name, .buffer = buffer, .buflen = buflen, .errnop = errnop, .h_errnop = h_errnop};
  enum nss_status status = run_lookup(by_name_tuple, &q);
  if (status != NSS_STATUS_SUCCESS) return status;
  // nscd passes its own first tuple in *pat: fill it rather than replacing the pointer.
  if (*pat != NULL)
    **pat = *q.tuple;
  else
    *pat = q.tuple;
  if (ttlp) *ttlp = 0;
  return status;
}

NSS_EXPORT enum nss_status _nss_sandnet_gethostbyname3_r(const char *name, int af, struct hostent *host,
                                                         char *buffer, size_t buflen, int *errnop,
                                                         int *h_errnop, int32_t *ttlp, char **canonp) {
  if (af == AF_UNSPEC) af = AF_INET;
  if (af != AF_INET && af != AF_INET6)
    return fail(NSS_STATUS_UNAVAIL, EAFNOSUPPORT, NO_DATA, errnop, h_errnop);
  if (name == NULL) return not_found(h_errnop);
  lookup q = {.name = name, .af = af, .host = host, .buffer = buffer, .buflen = buflen,
              .errnop = errnop, .h_errnop = h_errnop};
  enum nss_status status = run_lookup(by_name_hostent, &q);
  if (status != NSS_STATUS_SUCCESS) return status;
  if (ttlp) *ttlp = 0;
  if (canonp) *canonp = host->h_name;
  return status;
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
  if (addr == NULL) return fail(NSS_STATUS_UNAVAIL, EINVAL, NO_RECOVERY, errnop, h_errnop);
  lookup q = {.af = af, .addr = addr, .addr_len = len, .host = host, .buffer = buffer, .buflen = buflen,
              .errnop = errnop, .h_errnop = h_errnop};
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
  enum nss_status status = run_lookup(by_addr_hostent, &q);
  if (status == NSS_STATUS_SUCCESS && ttlp) *ttlp = 0;
  return status;
}

NSS_EXPORT enum nss_status _nss_sandnet_gethostbyaddr_r(const void *addr, socklen_t len, int af,
                                                        struct hostent *host, char *buffer, size_t buflen,
                                                        int *errnop, int *h_errnop) {
  return _nss_sandnet_gethostbyaddr2_r(addr, len, af, host, buffer, buflen, errnop, h_errnop, NULL);
}
