// Lays answers out in the caller's buffer the way glibc expects: exact size first, then
// pointer-aligned pieces (after systemd's nss-myhostname). Nothing is written when the
// buffer is too small.
#ifndef SANDNET_NSS_BUFFER_LAYOUT_H
#define SANDNET_NSS_BUFFER_LAYOUT_H

#include <netdb.h>
#include <nss.h>
#include <stddef.h>

#include "common/hosts_table/hosts_table.h"

// One address and its names, straight from the table (names are not NUL-terminated).
typedef struct sandnet_answer {
  const sandnet_hosts_names *names;  // name 0 is h_name; the others are h_aliases
  const void *addr;                  // address to return, af/addr_len describe it
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
