#include "nss/buffer_layout.h"

#include <stdint.h>
#include <string.h>

#define PTR_ALIGN(n) (((n) + sizeof(void *) - 1) & ~(sizeof(void *) - 1))

// Bytes to skip so that buffer + pad is pointer-aligned (callers may pass any address).
static size_t alignment_pad(const char *buffer) {
  return (size_t)(-(uintptr_t)buffer) & (sizeof(void *) - 1);
}

static char *copy_string(char *dst, const char *src, size_t len) {
  memcpy(dst, src, len);
  dst[len] = '\0';
  return dst;
}

int sandnet_fill_hostent(const sandnet_answer *a, struct hostent *host, char *buffer, size_t buflen) {
  size_t pad = alignment_pad(buffer);
  size_t alias_count = a->alias ? 1 : 0;
  size_t need = pad + PTR_ALIGN(a->canonical_len + 1) +
                (a->alias ? PTR_ALIGN(a->alias_len + 1) : 0) +
                sizeof(char *) * (alias_count + 1) + PTR_ALIGN(a->addr_len) + sizeof(char *) * 2;
  if (buflen < need) return 0;

  size_t at = pad;
  char *name = copy_string(buffer + at, a->canonical, a->canonical_len);
  at += PTR_ALIGN(a->canonical_len + 1);
  char *alias = NULL;
  if (a->alias) {
    alias = copy_string(buffer + at, a->alias, a->alias_len);
    at += PTR_ALIGN(a->alias_len + 1);
  }
  char **aliases = (char **)(void *)(buffer + at);
  aliases[0] = alias;  // NULL when there is none: then it is the terminator
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
  size_t name_size = PTR_ALIGN(a->canonical_len + 1);
  if (buflen < pad + name_size + PTR_ALIGN(sizeof(struct gaih_addrtuple))) return NULL;
  char *name = copy_string(buffer + pad, a->canonical, a->canonical_len);
  struct gaih_addrtuple *tuple = (struct gaih_addrtuple *)(void *)(buffer + pad + name_size);
  memset(tuple, 0, sizeof *tuple);
  tuple->next = NULL;
  tuple->name = name;
  tuple->family = a->af;
  memcpy(tuple->addr, a->addr, a->addr_len);
  tuple->scopeid = 0;
  return tuple;
}
