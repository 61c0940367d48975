// Hosts-table writer: collects (name, IPv4) pairs and lays out the image the reader expects.
#include <stdlib.h>
#include <string.h>

#include "common/hosts_table/hosts_table.h"
#include "common/hosts_table/hosts_table_layout.h"

// Names live in one arena, not inline: a 10,000-peer table has ~20,000 names, and 253-byte
// inline slots made the builder move megabytes (growth and sorting) for a 0.7 MB image.
typedef struct pending_name {
  const char *name;     // into the arena; set by finish() (the arena moves while it grows)
  uint32_t name_off;    // in the arena
  uint16_t len;
  unsigned char ipv4[4];
  uint32_t string_off;  // filled by finish()
} pending_name;

struct sandnet_hosts_builder {
  pending_name *names;
  size_t count;
  size_t capacity;
  char *arena;
  size_t arena_len;
  size_t arena_cap;
  uint64_t generation;
};

sandnet_hosts_builder *sandnet_hosts_builder_new(void) {
  return (sandnet_hosts_builder *)calloc(1, sizeof(sandnet_hosts_builder));
}

void sandnet_hosts_builder_free(sandnet_hosts_builder *b) {
  if (b == NULL) return;
  free(b->names);
  free(b->arena);
  free(b);
}

void sandnet_hosts_builder_set_generation(sandnet_hosts_builder *b, uint64_t generation) {
  if (b) b->generation = generation;
}

static int add_normalized(sandnet_hosts_builder *b, const char *name, size_t len,
                          const unsigned char ipv4[4]) {
  if (b->count == b->capacity) {
    size_t capacity = b->capacity ? b->capacity * 2 : 16;
    pending_name *grown = (pending_name *)realloc(b->names, capacity * sizeof(pending_name));
    if (grown == NULL) return SANDNET_HT_ERR_NO_MEMORY;
    b->names = grown;
    b->capacity = capacity;
  }
  char normalized[SANDNET_HOSTS_TABLE_MAX_NAME];
  size_t norm = sandnet_hosts_normalize_name(name, len, normalized);
  if (norm == 0) return SANDNET_HT_ERR_ARGUMENT;
  if (b->arena_len + norm > b->arena_cap) {
    size_t cap = b->arena_cap ? b->arena_cap * 2 : 4096;
    while (cap < b->arena_len + norm) cap *= 2;
    char *grown = (char *)realloc(b->arena, cap);
    if (grown == NULL) return SANDNET_HT_ERR_NO_MEMORY;
    b->arena = grown;
    b->arena_cap = cap;
  }
  memcpy(b->arena + b->arena_len, normalized, norm);
  pending_name *n = &b->names[b->count];
  n->name = NULL;
  n->name_off = (uint32_t)b->arena_len;
  b->arena_len += norm;
  n->len = (uint16_t)norm;
  memcpy(n->ipv4, ipv4, 4);
  n->string_off = 0;
  b->count++;
  return SANDNET_HT_OK;
}

int sandnet_hosts_builder_add(sandnet_hosts_builder *b, const char *name, const unsigned char ipv4[4]) {
  if (b == NULL || name == NULL || ipv4 == NULL) return SANDNET_HT_ERR_ARGUMENT;
  return add_normalized(b, name, strlen(name), ipv4);
}

int sandnet_hosts_builder_add_peer(sandnet_hosts_builder *b, const char *bare,
                                   const unsigned char ipv4[4], const char *const *networks,
                                   size_t network_count) {
  if (b == NULL || bare == NULL || ipv4 == NULL || (network_count && networks == NULL))
    return SANDNET_HT_ERR_ARGUMENT;
  if (strchr(bare, '.') != NULL) return SANDNET_HT_ERR_ARGUMENT;
  int rc = sandnet_hosts_builder_add(b, bare, ipv4);
  for (size_t i = 0; rc == SANDNET_HT_OK && i < network_count; i++) {
    if (networks[i] == NULL || networks[i][0] == '\0' || strchr(networks[i], '.') != NULL)
      return SANDNET_HT_ERR_ARGUMENT;
    char qualified[SANDNET_HOSTS_TABLE_MAX_NAME + 2];
    size_t bare_len = strlen(bare), net_len = strlen(networks[i]);
    if (bare_len + 1 + net_len > SANDNET_HOSTS_TABLE_MAX_NAME) return SANDNET_HT_ERR_ARGUMENT;
    memcpy(qualified, bare, bare_len);
    qualified[bare_len] = '.';
    memcpy(qualified + bare_len + 1, networks[i], net_len);
    rc = add_normalized(b, qualified, bare_len + 1 + net_len, ipv4);
  }
  return rc;
}

static int by_name(const void *a, const void *b) {
  const pending_name *x = (const pending_name *)a, *y = (const pending_name *)b;
  return ht_compare_names(x->name, x->len, y->name, y->len);
}

// Address, then the canonical-name preference: shortest first, then byte order.
static int by_addr_then_preference(const void *a, const void *b) {
  const pending_name *x = *(const pending_name *const *)a, *y = *(const pending_name *const *)b;
  int c = memcmp(x->ipv4, y->ipv4, 4);
  if (c != 0) return c;
  return ht_compare_preference(x->name, x->len, y->name, y->len);
}

static int by_name_ref(const void *a, const void *b) {
  return by_name(*(const pending_name *const *)a, *(const pending_name *const *)b);
}

// Sorts by name and drops exact duplicates; a name with two addresses is a conflict. Sorts
// pointers, then moves each entry once: the entries are large (the name is inline), and
// qsort moving them was most of the cost of a 10,000-peer table.
static int sort_and_dedupe(sandnet_hosts_builder *b) {
  if (b->count == 0) return SANDNET_HT_OK;
  const pending_name **order = (const pending_name **)malloc(b->count * sizeof(*order));
  pending_name *sorted = (pending_name *)malloc(b->count * sizeof(pending_name));
  if (order == NULL || sorted == NULL) {
    free(order);
    free(sorted);
    return SANDNET_HT_ERR_NO_MEMORY;
  }
  for (size_t i = 0; i < b->count; i++) order[i] = &b->names[i];
  qsort(order, b->count, sizeof(*order), by_name_ref);
  size_t kept = 0;
  for (size_t i = 0; i < b->count; i++) {
    const pending_name *cur = order[i];
    if (kept > 0 && by_name(&sorted[kept - 1], cur) == 0) {
      if (memcmp(sorted[kept - 1].ipv4, cur->ipv4, 4) != 0) {
        free(order);
        free(sorted);
        return SANDNET_HT_ERR_CONFLICT;
      }
      continue;
    }
    sorted[kept++] = *cur;
  }
  free(order);
  free(b->names);
  b->names = sorted;
  b->capacity = b->count;
  b->count = kept;
  return SANDNET_HT_OK;
}

// The canonical entry of an address among `by_addr` (sorted by by_addr_then_preference).
static const pending_name *canonical_of(const pending_name *const *by_addr, size_t n,
                                        const unsigned char ipv4[4]) {
  size_t lo = 0, hi = n;
  while (lo < hi) {  // first entry whose address is >= ipv4
    size_t mid = lo + (hi - lo) / 2;
    if (memcmp(by_addr[mid]->ipv4, ipv4, 4) < 0) lo = mid + 1; else hi = mid;
  }
  return by_addr[lo];
}

int sandnet_hosts_builder_finish(sandnet_hosts_builder *b, unsigned char **image, size_t *image_size) {
  if (b == NULL || image == NULL || image_size == NULL) return SANDNET_HT_ERR_ARGUMENT;
  *image = NULL;
  *image_size = 0;
  for (size_t i = 0; i < b->count; i++) b->names[i].name = b->arena + b->names[i].name_off;
  int rc = sort_and_dedupe(b);
  if (rc != SANDNET_HT_OK) return rc;

  uint64_t strings_size = 0;
  for (size_t i = 0; i < b->count; i++) {
    b->names[i].string_off = (uint32_t)strings_size;
    strings_size += b->names[i].len;
  }
  const pending_name **by_addr = (const pending_name **)malloc((b->count ? b->count : 1) * sizeof(*by_addr));
  if (by_addr == NULL) return SANDNET_HT_ERR_NO_MEMORY;
  for (size_t i = 0; i < b->count; i++) by_addr[i] = &b->names[i];
  qsort(by_addr, b->count, sizeof(*by_addr), by_addr_then_preference);
  size_t addr_count = 0;
  for (size_t i = 0; i < b->count; i++)
    if (i == 0 || memcmp(by_addr[i - 1]->ipv4, by_addr[i]->ipv4, 4) != 0) addr_count++;

  uint64_t name_index_off = SANDNET_HOSTS_TABLE_HEADER_SIZE;
  uint64_t addr_index_off = name_index_off + (uint64_t)b->count * SANDNET_HOSTS_TABLE_NAME_ENTRY_SIZE;
  uint64_t addr_names_off = addr_index_off + (uint64_t)addr_count * SANDNET_HOSTS_TABLE_ADDR_ENTRY_SIZE;
  uint64_t strings_off = addr_names_off + (uint64_t)b->count * HT_ADDR_NAME_SLOT_SIZE;
  uint64_t total = strings_off + strings_size;
  if (total > SANDNET_HOSTS_TABLE_MAX_SIZE) {
    free(by_addr);
    return SANDNET_HT_ERR_ARGUMENT;
  }
  unsigned char *out = (unsigned char *)calloc(1, (size_t)total);
  if (out == NULL) {
    free(by_addr);
    return SANDNET_HT_ERR_NO_MEMORY;
  }

  memcpy(out + HT_OFF_MAGIC, SANDNET_HOSTS_TABLE_MAGIC, 8);
  ht_put32(out + HT_OFF_VERSION, SANDNET_HOSTS_TABLE_VERSION);
  ht_put32(out + HT_OFF_HEADER_SIZE, SANDNET_HOSTS_TABLE_HEADER_SIZE);
  ht_put64(out + HT_OFF_TOTAL_SIZE, total);
  ht_put32(out + HT_OFF_NAME_COUNT, (uint32_t)b->count);
  ht_put32(out + HT_OFF_NAME_INDEX, (uint32_t)name_index_off);
  ht_put32(out + HT_OFF_ADDR_COUNT, (uint32_t)addr_count);
  ht_put32(out + HT_OFF_ADDR_INDEX, (uint32_t)addr_index_off);
  ht_put32(out + HT_OFF_STRINGS, (uint32_t)strings_off);
  ht_put32(out + HT_OFF_STRINGS_SIZE, (uint32_t)strings_size);
  ht_put64(out + HT_OFF_GENERATION, b->generation);

  for (size_t i = 0; i < b->count; i++) {
    const pending_name *n = &b->names[i];
    const pending_name *canon = canonical_of(by_addr, b->count, n->ipv4);
    unsigned char *e = out + name_index_off + i * SANDNET_HOSTS_TABLE_NAME_ENTRY_SIZE;
    ht_put32(e + HT_NAME_OFF, n->string_off);
    ht_put16(e + HT_NAME_LEN, n->len);
    ht_put16(e + HT_NAME_CANON_LEN, canon->len);
    ht_put32(e + HT_NAME_CANON_OFF, canon->string_off);
    memcpy(e + HT_NAME_IPV4, n->ipv4, 4);
    memcpy(out + strings_off + n->string_off, n->name, n->len);
  }
  // by_addr is grouped by address, canonical first: it is the address-names section as is.
  unsigned char *e = out + addr_index_off - SANDNET_HOSTS_TABLE_ADDR_ENTRY_SIZE;
  for (size_t i = 0; i < b->count; i++) {
    if (i == 0 || memcmp(by_addr[i - 1]->ipv4, by_addr[i]->ipv4, 4) != 0) {
      e += SANDNET_HOSTS_TABLE_ADDR_ENTRY_SIZE;
      memcpy(e + HT_ADDR_IPV4, by_addr[i]->ipv4, 4);
      ht_put32(e + HT_ADDR_NAMES_FIRST, (uint32_t)i);
    }
    ht_put32(e + HT_ADDR_NAMES_COUNT, ht_get32(e + HT_ADDR_NAMES_COUNT) + 1);
    ht_put32(out + addr_names_off + i * HT_ADDR_NAME_SLOT_SIZE, (uint32_t)(by_addr[i] - b->names));
  }
  free(by_addr);
  ht_put32(out + HT_OFF_CRC, sandnet_hosts_table_checksum(out, (size_t)total));
  *image = out;
  *image_size = (size_t)total;
  return SANDNET_HT_OK;
}
