// Lays answers out in the caller's buffer the way glibc expects: exact size first, then
// pointer-aligned pieces (after systemd's nss-myhostname). Nothing is written when the
// buffer is too small.
#ifndef SANDNET_NSS_BUFFER_LAYOUT_H
#define SANDNET_NSS_BUFFER_LAYOUT_H

#include <netdb.h>
#include <nss.h>
#include <stddef.h>

// Names passed in are not NUL-terminated (they point into the table); lengths say how long.
typedef struct sandnet_answer {
  const char *canonical;
  size_t canonical_len;
  const char *alias;     // the name that matched, when it differs from canonical; else NULL
  size_t alias_len;
  const void *addr;      // address to return, af/addr_len describe it
  int af;
  size_t addr_len;
} sandnet_answer;

// Returns 1 and fills *host from buffer, or 0 when buflen is too small.
int sandnet_fill_hostent(const sandnet_answer *answer, struct hostent *host, char *buffer,
                         size_t buflen);
// One IPv4 tuple for gethostbyname4_r. Returns the tuple in buffer, or NULL when too small.
struct gaih_addrtuple *sandnet_fill_addrtuple(const sandnet_answer *answer, char *buffer,
                                              size_t buflen);

#endif
