// Byte-level helpers shared by the hosts-table reader and writer (internal; not installed).
// Field offsets live here once so that the two sides cannot disagree.
#ifndef SANDNET_COMMON_HOSTS_TABLE_LAYOUT_H
#define SANDNET_COMMON_HOSTS_TABLE_LAYOUT_H

#include <stdint.h>
#include <string.h>

// Header field offsets.
enum {
  HT_OFF_MAGIC = 0,
  HT_OFF_VERSION = 8,
  HT_OFF_HEADER_SIZE = 12,
  HT_OFF_TOTAL_SIZE = 16,
  HT_OFF_CRC = 24,
  HT_OFF_SUPERSEDED = 28,  // set in place by the writer once a newer file replaced this one
  HT_OFF_NAME_COUNT = 32,
  HT_OFF_NAME_INDEX = 36,
  HT_OFF_ADDR_COUNT = 40,
  HT_OFF_ADDR_INDEX = 44,
  HT_OFF_STRINGS = 48,
  HT_OFF_STRINGS_SIZE = 52,
  HT_OFF_GENERATION = 56,
};

// Name index entry: name_off u32, name_len u16, canonical_len u16, canonical_off u32, ipv4[4].
enum { HT_NAME_OFF = 0, HT_NAME_LEN = 4, HT_NAME_CANON_LEN = 6, HT_NAME_CANON_OFF = 8, HT_NAME_IPV4 = 12 };
// Address index entry (version 2): ipv4[4], names_first u32, names_count u32. The address's
// names are slots [names_first, names_first + names_count) of the address-names section.
enum { HT_ADDR_IPV4 = 0, HT_ADDR_NAMES_FIRST = 4, HT_ADDR_NAMES_COUNT = 8 };
// Address-names slot: the position of one name in the name index (u32).
enum { HT_ADDR_NAME_SLOT_SIZE = 4 };

static inline uint16_t ht_get16(const unsigned char *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t ht_get32(const unsigned char *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t ht_get64(const unsigned char *p) {
  return (uint64_t)ht_get32(p) | ((uint64_t)ht_get32(p + 4) << 32);
}
static inline void ht_put16(unsigned char *p, uint16_t v) {
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
}
static inline void ht_put32(unsigned char *p, uint32_t v) {
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static inline void ht_put64(unsigned char *p, uint64_t v) {
  ht_put32(p, (uint32_t)v);
  ht_put32(p + 4, (uint32_t)(v >> 32));
}

// The one ordering of the name index: bytes, then length (a prefix sorts first).
static inline int ht_compare_names(const char *a, size_t alen, const char *b, size_t blen) {
  int c = memcmp(a, b, alen < blen ? alen : blen);
  if (c != 0) return c;
  return alen < blen ? -1 : (alen > blen ? 1 : 0);
}

// The order of the names of one address: shortest first, then bytes. The first is canonical.
static inline int ht_compare_preference(const char *a, size_t alen, const char *b, size_t blen) {
  if (alen != blen) return alen < blen ? -1 : 1;
  return memcmp(a, b, alen);
}

// CRC of the whole image with the CRC and superseded fields counted as zero.
uint32_t sandnet_hosts_table_checksum(const unsigned char *image, size_t size);

#endif
