#include "nss/buffer_layout.h"

#include <stdint.h>
#include <string.h>

#define PTR_ALIGN(n) (((n) + sizeof(void *) - 1) & ~(sizeof(void *) - 1))

// Bytes to skip so that buffer + pad is pointer-aligned (callers may pass any address).
static size_t alignment_pad(const char *buffer) {
  return (size_t)(-(uintptr_t)buffer) & (sizeof(void *) - 1);
}

static char *copy_name(char *dst, const sandnet_hosts_names *names, uint32_t i) {
  const char *name = "";
  size_t len = 0;
  sandnet_hosts_names_at(names, i, &name, &len);
  memcpy(dst, name, len);
  dst[len] = '\0';
  return dst;
}

static size_t name_size(const sandnet_hosts_names *names, uint32_t i) {
  const char *name;
  size_t len = 0;
  sandnet_hosts_names_at(names, i, &name, &len);
  return PTR_ALIGN(len + 1);
}

// Layout: h_name, aliases (names 1..count-1), the alias pointer array, the address, then
// the address pointer array. Every name of the address counts, however many there are.
int sandnet_fill_hostent(const sandnet_answer *a, struct hostent *host, char *buffer, size_t buflen) {
  const sandnet_hosts_names *names = a->names;
  size_t alias_count = names->count - 1;
  size_t need = alignment_pad(buffer);
  for (uint32_t i = 0; i < names->count; i++) {
    need += name_size(names, i);
    if (need > buflen) return 0;  // stops early on a huge set; also rules out overflow
  }
  need += sizeof(char *) * (alias_count + 1) + PTR_ALIGN(a->addr_len) + sizeof(char *) * 2;
  if (buflen < need) return 0;

  size_t at = alignment_pad(buffer);
  char *name = copy_name(buffer + at, names, 0);
  at += name_size(names, 0);
  size_t aliases_at = at;
  for (uint32_t i = 1; i < names->count; i++) at += name_size(names, i);
  char **aliases = (char **)(void *)(buffer + at);
  for (uint32_t i = 1; i < names->count; i++) {
    aliases[i - 1] = copy_name(buffer + aliases_at, names, i);
    aliases_at += name_size(names, i);
  }
  aliases[alias_count] = NULL;
  at += sizeof(char *) * (alias_count + 1);
  char *addr = buffer + at;
  memcpy(addr, a->addr, a->addr_len);
  at += PTR_ALIGN(a->addr_len);
  char **addr_list = (char **)(void *)(buffer + at);
  addr_list[0] = addr;
  addr_list[1] = NULL;

  host->h_name = name;
  host->h_aliases = aliases;
  host->h_addrtype = a->af;
  host->h_length = (int)a->addr_len;
  host->h_addr_list = addr_list;
  return 1;
}

struct gaih_addrtuple *sandnet_fill_addrtuple(const sandnet_answer *a, char *buffer, size_t buflen) {
  size_t pad = alignment_pad(buffer);
  size_t canonical_size = name_size(a->names, 0);
  if (buflen < pad + canonical_size + PTR_ALIGN(sizeof(struct gaih_addrtuple))) return NULL;
  char *name = copy_name(buffer + pad, a->names, 0);
  struct gaih_addrtuple *tuple = (struct gaih_addrtuple *)(void *)(buffer + pad + canonical_size);
  memset(tuple, 0, sizeof *tuple);
  tuple->next = NULL;
  tuple->name = name;
  tuple->family = a->af;
  memcpy(tuple->addr, a->addr, a->addr_len);
  tuple->scopeid = 0;
  return tuple;
}
